//! The LDAP backend against a real slapd: the entries it writes, passwords
//! that both a slapd simple bind and Dovecot verify, every transport
//! (`ldap://`, StartTLS, `ldaps://`, `ldapi://` with SASL EXTERNAL),
//! certificate verification, paged listings beyond the server's size
//! limit, limits held across two processes' worth of writers, and the
//! errors an admin sees when the setup is wrong.

#[path = "support/mod.rs"]
mod support;

use postier::config::DirectoryConfig;
use postier::directory::Directory;
use postier::directory::ldap::{LdapDirectory, LdapSettings, Step};
use postier::error::ErrorKind;
use postier::model::*;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::{Password, Scheme};
use std::process::Command;
use std::sync::Arc;
use support::slapd::{BASE_DN, Slapd};

async fn open(slapd: &Slapd, config: &DirectoryConfig) -> postier::Result<Arc<dyn Directory>> {
    let url = config.url.clone().unwrap_or_else(|| slapd.ldap_url());
    postier::directory::open_with(&url, config).await
}

fn admin(dir: Arc<dyn Directory>) -> Ops {
    Ops::new(dir, Actor::admin("ada"), Scheme::Sha512Crypt)
}

fn domain(name: &str) -> DomainName {
    DomainName::parse(name).unwrap()
}

fn address(text: &str) -> Address {
    Address::parse(text).unwrap()
}

fn request(addr: &str, password: PasswordInput) -> MailboxRequest {
    MailboxRequest {
        address: address(addr),
        name: String::new(),
        quota: None,
        password,
    }
}

fn hash(n: u32) -> PasswordHash {
    let body: String = format!("Hash{n}").chars().cycle().take(86).collect();
    PasswordHash::parse(&format!("{{SHA512-CRYPT}}$6${n:016}${body}")).unwrap()
}

/// `ldapsearch` as postier's account; the LDIF it prints.
fn ldapsearch(slapd: &Slapd, base: &str, filter: &str, attrs: &[&str]) -> String {
    let out = slapd
        .tool("ldapsearch")
        .args(["-LLL", "-o", "ldif-wrap=no", "-b", base, filter])
        .args(attrs)
        .output()
        .expect("ldapsearch");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn mailboxes_bind_with_their_password_in_slapd_and_dovecot() {
    let Some(slapd) = Slapd::start() else { return };
    let ops = admin(open(&slapd, &slapd.config("state.db")).await.unwrap());
    ops.add_domain(domain("example.org"), DomainSettings::default())
        .await
        .unwrap();
    let password = Password::new("correct horse battery staple".into()).unwrap();
    let (mailbox, _) = ops
        .add_mailbox(request(
            "alice@example.org",
            PasswordInput::Plain(password.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(mailbox.password.scheme(), "SHA512-CRYPT");

    // Stored as {CRYPT}$6$…, under the documented layout.
    let dn = format!("uid=alice,ou=example.org,ou=domains,{BASE_DN}");
    let ldif = ldapsearch(&slapd, &dn, "(objectClass=*)", &["mail", "postierAddress"]);
    assert!(ldif.contains("mail: alice@example.org"), "{ldif}");
    assert!(ldif.contains("postierAddress: alice@example.org"), "{ldif}");
    let stored = stored_password(&slapd, &dn).await;
    assert!(stored.starts_with("{CRYPT}$6$"), "{stored}");

    // slapd verifies it on a simple bind; a wrong password is refused.
    let bind = |pw: &str| {
        Command::new("ldapwhoami")
            .args(["-x", "-H", &slapd.ldap_url(), "-D", &dn, "-w", pw])
            .output()
            .expect("ldapwhoami")
    };
    let ok = bind(password.expose());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(&dn));
    assert!(!bind("wrong password").status.success());

    // Dovecot verifies the very value slapd holds.
    let doveadm = ["/usr/bin/doveadm", "/usr/sbin/doveadm"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if let Some(doveadm) =
        support::services::require_service("doveadm", doveadm, "install dovecot-core")
    {
        let verified = Command::new(doveadm)
            .args(["pw", "-t", &stored, "-p", password.expose()])
            .output()
            .expect("doveadm pw");
        assert!(
            verified.status.success(),
            "{}",
            String::from_utf8_lossy(&verified.stderr)
        );
    }

    // A new password takes effect for binds at once.
    let new = Password::new("another long passphrase".into()).unwrap();
    ops.set_password(
        address("alice@example.org"),
        PasswordInput::Plain(new.clone()),
    )
    .await
    .unwrap();
    assert!(bind(new.expose()).status.success());
    assert!(!bind(password.expose()).status.success());
}

/// The `userPassword` value slapd holds for `dn`, read as postier's account.
async fn stored_password(slapd: &Slapd, dn: &str) -> String {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&slapd.ldap_url()).await.unwrap();
    tokio::spawn(conn.drive());
    ldap.simple_bind(support::slapd::BIND_DN, slapd.password())
        .await
        .unwrap()
        .success()
        .unwrap();
    let (entries, _) = ldap
        .search(
            dn,
            ldap3::Scope::Base,
            "(objectClass=*)",
            vec!["userPassword"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
    let value = entry
        .attrs
        .get("userPassword")
        .and_then(|v| v.first().cloned())
        .unwrap_or_else(|| String::from_utf8(entry.bin_attrs["userPassword"][0].clone()).unwrap());
    let _ = ldap.unbind().await;
    value
}

#[tokio::test]
async fn every_transport_connects_and_certificates_are_verified() {
    let Some(slapd) = Slapd::start() else { return };
    let base = slapd.config("state.db");

    let mut starttls = base.clone();
    starttls.starttls = true;
    let mut ldaps = base.clone();
    ldaps.url = Some(slapd.ldaps_url());
    let mut ldapi_password = base.clone();
    ldapi_password.url = Some(slapd.ldapi_url());
    // SASL EXTERNAL: no bind DN; the server maps this Unix user to postier's account.
    let mut ldapi_external = ldapi_password.clone();
    ldapi_external.bind_dn = None;
    ldapi_external.bind_password_file = None;

    for (n, config) in [&base, &starttls, &ldaps, &ldapi_password, &ldapi_external]
        .into_iter()
        .enumerate()
    {
        let dir = open(&slapd, config)
            .await
            .unwrap_or_else(|e| panic!("transport {n} ({:?}): {e}", config.url));
        let name = domain(&format!("t{n}.example"));
        admin(dir.clone())
            .add_domain(name.clone(), DomainSettings::default())
            .await
            .unwrap();
        assert_eq!(dir.domain(&name).await.unwrap().name, name);
    }

    // Without the test CA, the server's certificate is not trusted.
    for config in [&starttls, &ldaps] {
        let mut untrusted = config.clone();
        untrusted.ca_file = None;
        let e = open(&slapd, &untrusted)
            .await
            .err()
            .expect("untrusted certificate");
        assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
        assert!(e.to_string().contains("ca_file"), "{e}");
    }
}

#[tokio::test]
async fn setup_mistakes_are_named() {
    let Some(slapd) = Slapd::start() else { return };
    let wrong = slapd.path().join("wrong.pw");
    std::fs::write(&wrong, "not the password\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrong, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut config = slapd.config("state.db");
    config.bind_password_file = Some(wrong);
    let e = open(&slapd, &config).await.err().expect("wrong password");
    assert_eq!(e.kind, ErrorKind::Unavailable);
    assert!(e.to_string().contains("bind refused"), "{e}");
    assert!(e.to_string().contains("bind_password_file"), "{e}");

    let mut config = slapd.config("state.db");
    config.base_dn = Some("dc=missing,dc=test".into());
    let e = open(&slapd, &config).await.err().expect("missing base");
    assert!(e.to_string().contains("dc=missing,dc=test"), "{e}");

    let mut config = slapd.config("state.db");
    config.url = Some("ldap://127.0.0.1:1".into());
    let e = open(&slapd, &config).await.err().expect("nothing listens");
    assert_eq!(e.kind, ErrorKind::Unavailable);
}

#[tokio::test]
async fn a_server_without_the_schema_is_named_and_the_ldif_loads_live() {
    let Some(slapd) = Slapd::start_with(support::slapd::Options {
        postier_schema: false,
        ..Default::default()
    }) else {
        return;
    };
    let e = open(&slapd, &slapd.config("state.db"))
        .await
        .err()
        .expect("schema missing");
    assert!(e.to_string().contains("schema"), "{e}");
    assert!(e.to_string().contains("docs/ldap.md"), "{e}");

    // The cn=config LDIF loads into the running server, as docs/ldap.md says.
    let ldif = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/ldap/postier.ldif");
    let out = slapd
        .config_tool("ldapadd")
        .args(["-f", ldif])
        .output()
        .expect("ldapadd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = open(&slapd, &slapd.config("state.db")).await.unwrap();
    admin(dir)
        .add_domain(domain("example.org"), DomainSettings::default())
        .await
        .unwrap();
}

#[test]
fn the_schema_file_and_the_ldif_define_the_same() {
    let root = env!("CARGO_MANIFEST_DIR");
    let schema = std::fs::read_to_string(format!("{root}/schema/ldap/postier.schema")).unwrap();
    let ldif = std::fs::read_to_string(format!("{root}/schema/ldap/postier.ldif")).unwrap();
    // One definition per entry: the keyword (or LDIF attribute) and the
    // text, continuation lines joined, whitespace collapsed.
    let normalize = |text: &str| -> Vec<String> {
        let mut defs: Vec<String> = Vec::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            if line.starts_with(char::is_whitespace) {
                if let Some(last) = defs.last_mut() {
                    last.push(' ');
                    last.push_str(line.trim());
                }
                continue;
            }
            let (key, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let kind = match key {
                "attributetype" | "olcAttributeTypes:" => "at",
                "objectclass" | "olcObjectClasses:" => "oc",
                "objectidentifier" | "olcObjectIdentifier:" => "oid",
                _ => {
                    // Another LDIF attribute (dn, objectClass, cn): not a definition.
                    defs.push(String::from("-"));
                    continue;
                }
            };
            defs.push(format!("{kind} {}", rest.trim()));
        }
        defs.iter()
            .filter(|d| d.as_str() != "-")
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    };
    let (a, b) = (normalize(&schema), normalize(&ldif));
    assert_eq!(a.len(), 3 + 12 + 5, "{a:#?}");
    assert_eq!(a, b);
}

#[test]
fn slapd_accepts_the_schema_file() {
    let Some(_) = support::services::require_service(
        "slaptest",
        std::path::Path::new("/usr/sbin/slaptest")
            .exists()
            .then_some(()),
        "install slapd",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let conf = format!(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/inetorgperson.schema\ninclude {root}/schema/ldap/postier.schema\n"
    );
    std::fs::write(dir.path().join("slapd.conf"), conf).unwrap();
    std::fs::create_dir(dir.path().join("slapd.d")).unwrap();
    let out = Command::new("/usr/sbin/slaptest")
        .arg("-f")
        .arg(dir.path().join("slapd.conf"))
        .arg("-F")
        .arg(dir.path().join("slapd.d"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_page_past_the_server_size_limit() {
    let Some(slapd) = Slapd::start() else { return };
    let dir = open(&slapd, &slapd.config("state.db")).await.unwrap();
    let ops = admin(dir.clone());
    let name = domain("big.example");
    ops.add_domain(name.clone(), DomainSettings::default())
        .await
        .unwrap();
    const N: usize = 1_200;
    let h = hash(1);
    for i in 0..N {
        ops.add_mailbox(request(
            &format!("u{i:04}@big.example"),
            PasswordInput::Hash(h.clone()),
        ))
        .await
        .unwrap();
    }
    // The server answers a plain search with at most 500 entries.
    let out = slapd
        .tool("ldapsearch")
        .args(["-LLL", "-b", BASE_DN, "(objectClass=postierMailbox)", "1.1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "sizeLimitExceeded without paging"
    );
    let listed = dir.mailboxes(Some(&name)).await.unwrap();
    assert_eq!(listed.len(), N);
    assert_eq!(dir.mailboxes(None).await.unwrap().len(), N);
    assert!(listed.windows(2).all(|w| w[0].address < w[1].address));
    let d = dir.domain(&name).await.unwrap();
    assert_eq!(d.mailboxes, N as u64);
    assert_eq!(dir.domains().await.unwrap()[0].mailboxes, N as u64);
}

/// Two directories on one server, each with its own state store, stand for
/// two postier processes: their writers share no memory, only the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_across_processes() {
    let Some(slapd) = Slapd::start() else { return };
    let one = open(&slapd, &slapd.config("one.db")).await.unwrap();
    let two = open(&slapd, &slapd.config("two.db")).await.unwrap();
    let name = domain("race.test");
    let settings = DomainSettings {
        max_mailboxes: 3,
        max_aliases: 2,
        ..Default::default()
    };
    admin(one.clone())
        .add_domain(name.clone(), settings)
        .await
        .unwrap();
    let h = hash(2);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        let ops = admin(if i % 2 == 0 { one.clone() } else { two.clone() });
        let h = h.clone();
        tasks.spawn(async move {
            let mailbox = ops
                .add_mailbox(request(&format!("m{i}@race.test"), PasswordInput::Hash(h)))
                .await;
            let alias = ops
                .add_alias(
                    AliasAddress::parse(&format!("a{i}@race.test")).unwrap(),
                    vec![address("x@elsewhere.test")],
                )
                .await;
            (mailbox.map(drop), alias.map(drop))
        });
    }
    let (mut mailboxes, mut aliases) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        let (m, a) = joined.unwrap();
        match m {
            Ok(()) => mailboxes += 1,
            Err(e) => assert_eq!(e.kind, ErrorKind::LimitReached, "{e}"),
        }
        match a {
            Ok(()) => aliases += 1,
            Err(e) => assert_eq!(e.kind, ErrorKind::LimitReached, "{e}"),
        }
    }
    assert_eq!((mailboxes, aliases), (3, 2));
    let d = one.domain(&name).await.unwrap();
    assert_eq!((d.mailboxes, d.aliases), (3, 2));
    // Each store holds the trail of the changes made through it.
    let trails = one.audit(100).await.unwrap().len() + two.audit(100).await.unwrap().len();
    assert_eq!(trails, 1 + 3 + 2);
    // No lease is left behind.
    let leases = ldapsearch(
        &slapd,
        &format!("ou=locks,{BASE_DN}"),
        "(objectClass=postierLock)",
        &["1.1"],
    );
    assert!(leases.trim().is_empty(), "{leases}");
}

/// A mailbox and an alias at one address, added at once by two processes
/// (each its own state store): exactly one of them stays, every round,
/// whether both write at once (a domain without limits) or the mailbox
/// under the domain's lease (a domain with a mailbox limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_and_an_alias_racing_across_processes_never_share_an_address() {
    let Some(slapd) = Slapd::start() else { return };
    let one = open(&slapd, &slapd.config("one.db")).await.unwrap();
    let two = open(&slapd, &slapd.config("two.db")).await.unwrap();
    for (name, max_mailboxes) in [("free.race.test", 0), ("leased.race.test", 100)] {
        let settings = DomainSettings {
            max_mailboxes,
            ..Default::default()
        };
        admin(one.clone())
            .add_domain(domain(name), settings)
            .await
            .unwrap();
        for round in 0..15 {
            let addr = format!("x{round}@{name}");
            let barrier = Arc::new(tokio::sync::Barrier::new(2));
            let (ops, req, start) = (
                admin(one.clone()),
                request(&addr, PasswordInput::Hash(hash(3))),
                barrier.clone(),
            );
            let mailbox = tokio::spawn(async move {
                start.wait().await;
                ops.add_mailbox(req).await.map(drop)
            });
            let (ops, alias, start) = (
                admin(two.clone()),
                AliasAddress::parse(&addr).unwrap(),
                barrier,
            );
            let alias = tokio::spawn(async move {
                start.wait().await;
                ops.add_alias(alias, vec![address("out@elsewhere.test")])
                    .await
                    .map(drop)
            });
            let mut won = 0;
            for outcome in [mailbox.await.unwrap(), alias.await.unwrap()] {
                match outcome {
                    Ok(()) => won += 1,
                    Err(e) => assert_eq!(e.kind, ErrorKind::AlreadyExists, "{e}"),
                }
            }
            assert_eq!(won, 1, "{addr}: both or neither");
            let as_mailbox = one.mailbox(&address(&addr)).await.is_ok();
            let as_alias = one
                .alias(&AliasAddress::parse(&addr).unwrap())
                .await
                .is_ok();
            assert!(
                as_mailbox != as_alias,
                "{addr}: mailbox {as_mailbox}, alias {as_alias}"
            );
        }
    }
    let leases = ldapsearch(
        &slapd,
        &format!("ou=locks,{BASE_DN}"),
        "(objectClass=postierLock)",
        &["1.1"],
    );
    assert!(leases.trim().is_empty(), "{leases}");
}

/// `mailbox rm --detach` refused half-way: once it has taken the mailbox
/// out of the first alias, someone (by hand) leaves the second alias
/// forwarding to it alone. The removal is refused naming that alias, and
/// puts the first alias's targets back: nothing of it is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detach_refused_half_way_puts_the_aliases_back() {
    let Some(slapd) = Slapd::start() else { return };
    let setup = open(&slapd, &slapd.config("setup.db")).await.unwrap();
    let ops = admin(setup.clone());
    ops.add_domain(domain("detach.test"), DomainSettings::default())
        .await
        .unwrap();
    for m in ["gone", "stay"] {
        let req = request(&format!("{m}@detach.test"), PasswordInput::Hash(hash(4)));
        ops.add_mailbox(req).await.unwrap();
    }
    let (gone, stay) = (address("gone@detach.test"), address("stay@detach.test"));
    let first = AliasAddress::parse("first@detach.test").unwrap();
    let second = AliasAddress::parse("second@detach.test").unwrap();
    ops.add_alias(first.clone(), vec![gone.clone(), stay.clone()])
        .await
        .unwrap();
    ops.add_alias(second.clone(), vec![stay.clone(), gone.clone()])
        .await
        .unwrap();

    let ldif = slapd.path().join("only-target.ldif");
    std::fs::write(
        &ldif,
        format!(
            "dn: postierAddress=second@detach.test,ou=detach.test,ou=domains,{BASE_DN}\n\
             changetype: modify\nreplace: postierAliasTarget\npostierAliasTarget: gone@detach.test\n\
             -\nreplace: postierVersion\npostierVersion: 7\n"
        ),
    )
    .unwrap();
    let mut modify = slapd.tool("ldapmodify");
    modify.arg("-f").arg(&ldif);
    let modify = std::sync::Mutex::new(Some(modify));
    let observer: postier::directory::ldap::Observer = Arc::new(move |step: &Step| {
        if let Step::Wrote { dn } = step
            && dn.starts_with("postierAddress=first@")
            && let Some(mut cmd) = modify.lock().unwrap().take()
        {
            let out = cmd.output().expect("ldapmodify");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    let settings = LdapSettings::resolve(&slapd.ldap_url(), &slapd.config("state.db")).unwrap();
    let dir = LdapDirectory::connect_observed(settings, Some(observer))
        .await
        .unwrap();
    let e = admin(Arc::new(dir))
        .remove_mailbox(gone.clone(), true)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Refused, "{e}");
    assert!(e.why.contains("second@detach.test"), "{e}");

    let put_back = setup.alias(&first).await.unwrap();
    assert_eq!(put_back.targets, vec![gone.clone(), stay]);
    assert_eq!(put_back.version, 3, "taken out, then put back");
    assert_eq!(
        setup.alias(&second).await.unwrap().targets,
        vec![gone.clone()]
    );
    assert!(setup.mailbox(&gone).await.is_ok());
}

#[tokio::test]
async fn settings_resolve_from_the_config_table() {
    let Some(slapd) = Slapd::start() else { return };
    // The URL's DN part serves as the base DN when the config names none.
    let mut config = slapd.config("state.db");
    config.base_dn = None;
    let url = format!("{}/{}", slapd.ldap_url(), BASE_DN.replace(',', "%2C"));
    let settings = LdapSettings::resolve(&url, &config).unwrap();
    assert_eq!(settings.base_dn, BASE_DN);
    let dir = LdapDirectory::connect(settings).await.unwrap();
    assert!(dir.describe().contains(BASE_DN));
}

/// The CLI, unchanged, on `--directory ldap://…` with the settings from the
/// config's `[directory]` table and the `POSTIER_LDAP_*` variables.
#[test]
fn the_cli_works_on_ldap() {
    let Some(slapd) = Slapd::start() else { return };
    let config_file = slapd.path().join("postier.toml");
    std::fs::write(
        &config_file,
        format!(
            "[directory]\nstarttls = true\nca_file = \"{}\"\n",
            slapd.ca_file().display()
        ),
    )
    .unwrap();
    let postier = |args: &[&str], stdin: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_postier"));
        cmd.args(["--directory", &slapd.ldap_url()])
            .args(args)
            .env("POSTIER_CONFIG", &config_file)
            .env("POSTIER_LDAP_BASE_DN", BASE_DN)
            .env("POSTIER_LDAP_BIND_DN", support::slapd::BIND_DN)
            .env("POSTIER_LDAP_BIND_PASSWORD_FILE", slapd.password_file())
            .env(
                "POSTIER_LDAP_STATE_URL",
                format!("sqlite:{}", slapd.path().join("cli-state.db").display()),
            );
        let out = support::process::feed(cmd, stdin);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, _, err) = postier(
        &["domain", "add", "example.org", "--max-mailboxes", "1"],
        "",
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = postier(
        &[
            "mailbox",
            "add",
            "alice@example.org",
            "--name",
            "Alice",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert_eq!(code, Some(0), "{err}");
    let dn = format!("uid=alice,ou=example.org,ou=domains,{BASE_DN}");
    let bound = Command::new("ldapwhoami")
        .args([
            "-x",
            "-H",
            &slapd.ldap_url(),
            "-D",
            &dn,
            "-w",
            "a long enough password",
        ])
        .output()
        .unwrap();
    assert!(
        bound.status.success(),
        "{}",
        String::from_utf8_lossy(&bound.stderr)
    );

    // Refused by the limit: exit 1, one line naming the domain.
    let (code, _, err) = postier(
        &[
            "mailbox",
            "add",
            "bob@example.org",
            "--password-hash",
            hash(3).as_str(),
        ],
        "",
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("postier: domain example.org: has reached its limit of 1 mailboxes"),
        "{err}"
    );

    let (code, out, err) = postier(&["--json", "mailbox", "list"], "");
    assert_eq!(code, Some(0), "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["address"], "alice@example.org");
    assert_eq!(listed[0]["name"], "Alice");
    assert_eq!(listed[0]["password_scheme"], "SHA512-CRYPT");
    assert!(!out.contains("$6$"), "no hash in the output");

    let (code, _, err) = postier(&["domain", "rm", "example.org"], "");
    assert_eq!(code, Some(1));
    assert!(err.contains("still has 1 mailboxes"), "{err}");
    let (code, _, err) = postier(&["domain", "rm", "example.org", "--cascade"], "");
    assert_eq!(code, Some(0), "{err}");

    let (code, out, _) = postier(&["--json", "audit"], "");
    assert_eq!(code, Some(0));
    let audit: serde_json::Value = serde_json::from_str(&out).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["domain.rm", "mailbox.add", "domain.add"]);

    let (code, _, err) = Command::new(env!("CARGO_BIN_EXE_postier"))
        .args(["--directory", "ldap://127.0.0.1:1", "domain", "list"])
        .env("POSTIER_CONFIG", &config_file)
        .env("POSTIER_LDAP_BASE_DN", BASE_DN)
        .env("POSTIER_LDAP_BIND_DN", support::slapd::BIND_DN)
        .env("POSTIER_LDAP_BIND_PASSWORD_FILE", slapd.password_file())
        .output()
        .map(|o| {
            (
                o.status.code(),
                (),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("postier: directory ldap://127.0.0.1:1: cannot connect"),
        "{err}"
    );
}
