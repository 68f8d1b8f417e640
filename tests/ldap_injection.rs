//! Hostile values through every operation of the LDAP backend: filter
//! metacharacters, DN metacharacters, NUL, backslashes, leading `#` and
//! spaces, non-ASCII, overlong text. Each is stored and read back exactly,
//! and none widens a search or names another entry.
//!
//! What reaches LDAP is what the model lets through: free text (domain
//! descriptions, display names) can be anything; local parts can hold
//! `* # + = ! $ % & ' ? ^ _ \` { | } ~` and non-ASCII letters; domain
//! names are LDH only. The filter helpers are also tested on their own
//! against the server, with values the model would refuse.

#[path = "support/mod.rs"]
mod support;

use postier::directory::Directory;
use postier::directory::ldap::filter;
use postier::error::ErrorKind;
use postier::model::*;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::Scheme;
use std::sync::Arc;
use support::slapd::{BASE_DN, Slapd};

/// Free text that means something to a filter, a DN, or a parser.
fn hostile_text() -> Vec<String> {
    vec![
        "*)(uid=*".into(),
        "*".into(),
        "\\".into(),
        "\\2a\\00".into(),
        "a\0b".into(),
        "\0".into(),
        ",".into(),
        "+".into(),
        "=".into(),
        "cn=admin,dc=postier,dc=test".into(),
        "#leading hash".into(),
        " leading and trailing spaces ".into(),
        "(|(objectClass=*))".into(),
        "\"quoted\" <angle> ;semicolon".into(),
        "Jürgen Groß ✉ 日本語 🚀".into(),
        "line\nbreak\ttab".into(),
        "x".repeat(100_000),
    ]
}

/// Local parts the model accepts that mean something to LDAP.
const HOSTILE_LOCAL: &[&str] = &[
    "*",
    "**",
    "#hash",
    "a+b=c",
    "!#$%&'*+-=?^_`{|}~",
    "=",
    "+",
    "jürgen*",
    "{uid}",
    "x*y",
];

fn ops(dir: Arc<dyn Directory>) -> Ops {
    Ops::new(dir, Actor::admin("ada"), Scheme::Sha512Crypt)
}

/// postier's directory on `slapd`, and an admin's gate to it.
async fn open(slapd: &Slapd) -> (Arc<dyn Directory>, Ops) {
    let dir = postier::directory::open_with(&slapd.ldap_url(), &slapd.config("state.db"))
        .await
        .unwrap();
    let admin = ops(dir.clone());
    (dir, admin)
}

fn hash() -> PasswordHash {
    PasswordHash::parse(&format!(
        "{{SHA512-CRYPT}}$6$0123456789abcdef${}",
        "h".repeat(86)
    ))
    .unwrap()
}

fn mailbox(addr: &str, name: &str) -> MailboxRequest {
    MailboxRequest {
        address: Address::parse(addr).unwrap(),
        name: name.to_string(),
        quota: None,
        password: PasswordInput::Hash(hash()),
    }
}

/// `ldapsearch -b BASE_DN <filter>`: the DNs it finds (or its failure).
fn search(slapd: &Slapd, filter: &str) -> Result<Vec<String>, String> {
    let out = slapd
        .tool("ldapsearch")
        .args(["-LLL", "-o", "ldif-wrap=no", "-b", BASE_DN, filter, "1.1"])
        .output()
        .expect("ldapsearch");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("dn: ").or_else(|| l.strip_prefix("dn:: ")))
        .map(str::to_string)
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_text_is_stored_and_read_back_literally() {
    let Some(slapd) = Slapd::start() else { return };
    let (dir, admin) = open(&slapd).await;
    let texts = hostile_text();
    for (i, text) in texts.iter().enumerate() {
        let name = DomainName::parse(&format!("d{i}.test")).unwrap();
        let settings = DomainSettings {
            description: text.clone(),
            ..Default::default()
        };
        let added = admin.add_domain(name.clone(), settings).await.unwrap();
        assert_eq!(&added.description, text, "domain add {i}");
        assert_eq!(
            &dir.domain(&name).await.unwrap().description,
            text,
            "domain read {i}"
        );

        let addr = format!("user@d{i}.test");
        let (m, _) = admin.add_mailbox(mailbox(&addr, text)).await.unwrap();
        assert_eq!(&m.name, text, "mailbox add {i}");
        let address = Address::parse(&addr).unwrap();
        assert_eq!(
            &dir.mailbox(&address).await.unwrap().name,
            text,
            "mailbox read {i}"
        );

        // Edit to another hostile value, and to nothing.
        let other = &texts[(i + 1) % texts.len()];
        let patch = MailboxPatch {
            name: Some(other.clone()),
            ..Default::default()
        };
        let edited = admin
            .edit_mailbox(address.clone(), patch, None)
            .await
            .unwrap();
        assert_eq!(&edited.name, other, "mailbox edit {i}");
        let cleared = admin
            .edit_mailbox(
                address.clone(),
                MailboxPatch {
                    name: Some(String::new()),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(cleared.name, "");
        let patch = DomainPatch {
            description: Some(other.clone()),
            ..Default::default()
        };
        let edited = admin.edit_domain(name.clone(), patch, None).await.unwrap();
        assert_eq!(&edited.description, other, "domain edit {i}");
    }
    // Listings carry the same values, one entry per object.
    let domains = dir.domains().await.unwrap();
    assert_eq!(domains.len(), texts.len());
    for d in &domains {
        let i: usize = d.name.as_ascii()[1..]
            .split('.')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(d.description, texts[(i + 1) % texts.len()]);
        assert_eq!(d.mailboxes, 1);
    }
    assert_eq!(dir.mailboxes(None).await.unwrap().len(), texts.len());

    // The audit trail holds them as they were.
    let mut recorded: Vec<String> = dir
        .audit(u64::MAX)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.action == "domain.add")
        .map(|a| {
            a.after.as_ref().unwrap()["description"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut expected = texts.clone();
    recorded.sort();
    expected.sort();
    assert_eq!(recorded, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_local_parts_name_exactly_one_entry() {
    let Some(slapd) = Slapd::start() else { return };
    let (dir, admin) = open(&slapd).await;
    // An address is a mailbox or an alias, never both: the hostile
    // mailboxes live in example.org, the aliases with the same local parts
    // in example.net.
    let org = DomainName::parse("example.org").unwrap();
    let net = DomainName::parse("example.net").unwrap();
    for d in [&org, &net] {
        admin
            .add_domain(d.clone(), DomainSettings::default())
            .await
            .unwrap();
    }
    // Decoys that a widened search or a mis-escaped DN would hit: in each
    // domain, mailboxes and aliases of the local parts around.
    for decoy in ["a", "b", "uid", "hash"] {
        for (mailbox_at, alias_at) in [
            (
                format!("{decoy}@example.org"),
                format!("{decoy}@example.net"),
            ),
            (
                format!("{decoy}.box@example.net"),
                format!("{decoy}.list@example.org"),
            ),
        ] {
            admin
                .add_mailbox(mailbox(&mailbox_at, "decoy"))
                .await
                .unwrap();
            admin
                .add_alias(
                    AliasAddress::parse(&alias_at).unwrap(),
                    vec![Address::parse("decoy@elsewhere.test").unwrap()],
                )
                .await
                .unwrap();
        }
    }
    let decoys = 4;

    for (i, local) in HOSTILE_LOCAL.iter().enumerate() {
        let addr = format!("{local}@example.org");
        let address = Address::parse(&addr).unwrap();
        let alias = AliasAddress::parse(&format!("{local}@example.net")).unwrap();
        // Absent: a read finds nothing, even though decoys exist.
        let e = dir.mailbox(&address).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{local}: {e}");
        assert_eq!(
            dir.alias(&alias).await.unwrap_err().kind,
            ErrorKind::NotFound
        );
        for refused in [
            admin
                .remove_mailbox(address.clone(), false)
                .await
                .unwrap_err(),
            admin.remove_alias(alias.clone()).await.unwrap_err(),
            admin
                .set_mailbox_active(address.clone(), false)
                .await
                .unwrap_err(),
        ] {
            assert_eq!(refused.kind, ErrorKind::NotFound, "{local}: {refused}");
        }

        // Created, read back, edited, listed: exactly itself.
        let (m, _) = admin.add_mailbox(mailbox(&addr, local)).await.unwrap();
        assert_eq!(m.address, address);
        assert_eq!(m.maildir, format!("example.org/{local}/"));
        // Neither class may take the other's address, nor a decoy's.
        let taken = admin
            .add_alias(
                AliasAddress::Address(address.clone()),
                vec![Address::parse("x@elsewhere.test").unwrap()],
            )
            .await
            .unwrap_err();
        assert_eq!(taken.kind, ErrorKind::AlreadyExists, "{local}: {taken}");
        let target = Address::parse(&format!("{local}@elsewhere.test")).unwrap();
        let a = admin
            .add_alias(alias.clone(), vec![target.clone(), address.clone()])
            .await
            .unwrap();
        assert_eq!(a.targets, vec![target.clone(), address.clone()]);
        assert_eq!(dir.mailbox(&address).await.unwrap(), m);
        assert_eq!(dir.alias(&alias).await.unwrap(), a);
        let off = admin
            .set_mailbox_active(address.clone(), false)
            .await
            .unwrap();
        assert!(!off.active);
        let patch = AliasPatch {
            remove_targets: vec![address.clone()],
            ..Default::default()
        };
        assert_eq!(
            admin
                .edit_alias(alias.clone(), patch, None)
                .await
                .unwrap()
                .targets,
            vec![target.clone()]
        );
        let listed = dir.mailboxes(Some(&org)).await.unwrap();
        assert_eq!(listed.len(), decoys + 1, "{local}");
        assert_eq!(listed.iter().filter(|x| x.address == address).count(), 1);

        // The entry's RDN holds the local part as one literal value.
        let dn = format!(
            "uid={},ou=example.org,ou=domains,{BASE_DN}",
            ldap3::dn_escape(*local)
        );
        let out = slapd
            .tool("ldapsearch")
            .args([
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-s",
                "base",
                "-b",
                &dn,
                "(objectClass=*)",
                "uid",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{local}: {dn}");
        let uid_ok = text.lines().any(|l| l == format!("uid: {local}"))
            || text.lines().any(|l| l.starts_with("uid:: "));
        assert!(uid_ok, "{local}: {text}");

        let taken = admin
            .add_mailbox(mailbox(&alias.to_string(), local))
            .await
            .unwrap_err();
        assert_eq!(taken.kind, ErrorKind::AlreadyExists, "{local}: {taken}");

        // Removed: exactly itself; the decoys stay.
        admin.remove_alias(alias.clone()).await.unwrap();
        admin.remove_mailbox(address.clone(), false).await.unwrap();
        for d in [&org, &net] {
            assert_eq!(
                dir.mailboxes(Some(d)).await.unwrap().len(),
                decoys,
                "{local} {i}"
            );
            assert_eq!(
                dir.aliases(Some(d)).await.unwrap().len(),
                decoys,
                "{local} {i}"
            );
        }
    }
    for d in [&org, &net] {
        let d = dir.domain(d).await.unwrap();
        assert_eq!((d.mailboxes, d.aliases), (decoys as u64, decoys as u64));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_match_values_literally_on_the_server() {
    let Some(slapd) = Slapd::start() else { return };
    let (_, admin) = open(&slapd).await;
    let texts = hostile_text();
    for (i, text) in texts.iter().enumerate() {
        let settings = DomainSettings {
            description: text.clone(),
            ..Default::default()
        };
        admin
            .add_domain(DomainName::parse(&format!("f{i}.test")).unwrap(), settings)
            .await
            .unwrap();
    }
    let all_domains = search(&slapd, &filter::class("postierDomain")).unwrap();
    assert_eq!(all_domains.len(), texts.len());
    for (i, text) in texts.iter().enumerate() {
        let f = filter::and([
            filter::class("postierDomain"),
            filter::eq("description", text),
        ]);
        let found = search(&slapd, &f).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        // Descriptions match case-insensitively and with spaces folded
        // (caseIgnoreMatch), so values that differ only so may both match;
        // none of these do, so each filter finds exactly its own domain.
        assert_eq!(found.len(), 1, "{i}: {f:?} found {found:?}");
        assert!(found[0].starts_with(&format!("ou=f{i}.test,")), "{found:?}");
    }
    // Values no model type would let through are still only values.
    for value in [
        "*",
        "*)(objectClass=*",
        ")(|(cn=*",
        "\\",
        "\0",
        "x\\2a",
        "(",
        ")",
    ] {
        let f = filter::and([
            filter::class("postierDomain"),
            filter::eq("associatedDomain", value),
        ]);
        assert_eq!(
            search(&slapd, &f).unwrap(),
            Vec::<String>::new(),
            "{value:?}"
        );
        let f = filter::eq("uid", value);
        assert_eq!(
            search(&slapd, &f).unwrap(),
            Vec::<String>::new(),
            "{value:?}"
        );
    }
}
