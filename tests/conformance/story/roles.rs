//! Roles: a domain admin manages the mailboxes and aliases of their own
//! domains and nothing else; a contact changes nothing. Refusals leave no
//! trace; the audit names who made each change.

use super::*;
use ErrorKind::*;
use postier::ops::{MailboxRequest, PasswordInput, Role};

pub async fn chapter(s: &Story) {
    let org = domain("example.org");
    let other = domain("limits.test");
    let dora = s.ops_as(Actor {
        user: "dora".into(),
        role: Role::DomainAdmin(vec![org.clone()]),
    });
    let mailbox = |addr: &str| MailboxRequest {
        address: address(addr),
        name: "by dora".into(),
        quota: Some(size("100M")),
        password: PasswordInput::Hash(s.hash(40)),
    };

    // Her own domain: mailboxes and aliases, recorded under her name.
    let (made, _) = s
        .ok_by(
            "dora",
            "mailbox.add",
            "dora@example.org",
            dora.add_mailbox(mailbox("dora@example.org")),
        )
        .await;
    assert_eq!(made.name, "by dora");
    let rename = MailboxPatch {
        name: Some("Dora".into()),
        ..Default::default()
    };
    s.ok_by(
        "dora",
        "mailbox.edit",
        "dora@example.org",
        dora.edit_mailbox(made.address.clone(), rename.clone(), None),
    )
    .await;
    let to_dora = vec![address("dora@example.org")];
    s.ok_by(
        "dora",
        "alias.add",
        "team@example.org",
        dora.add_alias(alias_address("team@example.org"), to_dora.clone()),
    )
    .await;
    assert_eq!(s.admin.audit(1).await.unwrap()[0].actor, "dora");

    // Domains and alias domains are an admin's.
    let what = "only an admin";
    s.refused(
        Forbidden,
        what,
        dora.add_domain(domain("mine.test"), DomainSettings::default()),
    )
    .await;
    let patch = DomainPatch {
        max_mailboxes: Some(1000),
        ..Default::default()
    };
    s.refused(
        Forbidden,
        "domain example.org",
        dora.edit_domain(org.clone(), patch, None),
    )
    .await;
    s.refused(
        Forbidden,
        "domain example.org",
        dora.set_domain_active(org.clone(), false),
    )
    .await;
    s.refused(
        Forbidden,
        "domain example.org",
        dora.remove_domain(org.clone(), true),
    )
    .await;
    s.refused(
        Forbidden,
        what,
        dora.add_alias_domain(domain("mine.test"), org.clone()),
    )
    .await;
    s.refused(
        Forbidden,
        what,
        dora.set_alias_domain_active(domain("example.net"), false),
    )
    .await;
    s.refused(
        Forbidden,
        what,
        dora.remove_alias_domain(domain("example.net")),
    )
    .await;
    assert_fails(dora.audit(10).await, Forbidden, "audit");

    // Another domain: nothing at all.
    let theirs = address("m1@limits.test");
    s.refused(
        Forbidden,
        "limits.test",
        dora.add_mailbox(mailbox("x@limits.test")),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.edit_mailbox(theirs.clone(), rename.clone(), None),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.set_password(theirs.clone(), PasswordInput::Hash(s.hash(41))),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.set_mailbox_active(theirs.clone(), false),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.remove_mailbox(theirs.clone(), false),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.add_alias(alias_address("x@limits.test"), to_dora.clone()),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.remove_alias(alias_address("a1@limits.test")),
    )
    .await;
    s.refused(
        Forbidden,
        "limits.test",
        dora.remove_alias(alias_address("@limits.test")),
    )
    .await;
    assert_fails(dora.mailbox(&theirs).await, Forbidden, "limits.test");
    assert_fails(dora.mailboxes(Some(&other)).await, Forbidden, "limits.test");
    assert_fails(dora.aliases(Some(&other)).await, Forbidden, "limits.test");
    assert_fails(dora.domain(&other).await, Forbidden, "limits.test");

    // What she lists is her domain's only.
    let domains: Vec<DomainName> = dora
        .domains()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(domains, vec![org.clone()]);
    let mailboxes = dora.mailboxes(None).await.unwrap();
    assert!(!mailboxes.is_empty() && mailboxes.iter().all(|m| m.domain() == &org));
    assert_eq!(mailboxes, s.dir.mailboxes(Some(&org)).await.unwrap());
    let aliases = dora.aliases(None).await.unwrap();
    assert_eq!(aliases, s.dir.aliases(Some(&org)).await.unwrap());
    let alias_domains: Vec<DomainName> = dora
        .alias_domains()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(alias_domains, vec![domain("example.net")]);

    // A contact reads DNS, not the directory.
    let cole = s.ops_as(Actor {
        user: "cole".into(),
        role: Role::Contact(vec![org.clone()]),
    });
    s.refused(
        Forbidden,
        "example.org",
        cole.add_mailbox(mailbox("cole@example.org")),
    )
    .await;
    s.refused(
        Forbidden,
        "example.org",
        cole.remove_alias(alias_address("team@example.org")),
    )
    .await;
    assert_fails(cole.mailboxes(Some(&org)).await, Forbidden, "example.org");

    // Her changes go back to how the story had them.
    s.ok_by(
        "dora",
        "alias.rm",
        "team@example.org",
        dora.remove_alias(alias_address("team@example.org")),
    )
    .await;
    s.ok_by(
        "dora",
        "mailbox.rm",
        "dora@example.org",
        dora.remove_mailbox(made.address.clone(), false),
    )
    .await;
}
