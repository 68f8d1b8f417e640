//! Domain limits: max mailboxes, max aliases (the catch-all counts), the
//! total quota cap on the sum of mailbox quotas, the default quota; and
//! limits that cannot be lowered below what a domain already holds.
//! Leaves `limits.test` with m1, m2, m3 and two aliases.

use super::*;
use ErrorKind::*;
use postier::ops::{MailboxRequest, PasswordInput};

pub async fn chapter(s: &Story) {
    let name = domain("limits.test");
    let settings = DomainSettings {
        description: String::new(),
        max_mailboxes: 2,
        max_aliases: 1,
        quota: bytes(1000),
        default_quota: bytes(300),
    };
    s.ok(
        "domain.add",
        "limits.test",
        s.admin.add_domain(name.clone(), settings),
    )
    .await;
    let add = |local: &str, quota: Option<u64>| {
        let request = MailboxRequest {
            address: address(&format!("{local}@limits.test")),
            name: String::new(),
            quota: quota.map(bytes),
            password: PasswordInput::Hash(s.hash(20)),
        };
        s.admin.add_mailbox(request)
    };

    let (m1, _) = s.ok("mailbox.add", "m1@limits.test", add("m1", None)).await;
    assert_eq!(m1.quota, bytes(300), "the domain's default quota");
    s.ok("mailbox.add", "m2@limits.test", add("m2", Some(500)))
        .await;
    s.refused(LimitReached, "domain limits.test", add("m3", Some(100)))
        .await;
    // A full domain still says that a mailbox exists, rather than that it is full.
    s.refused(
        AlreadyExists,
        "mailbox m2@limits.test",
        add("m2", Some(100)),
    )
    .await;

    let more = DomainPatch {
        max_mailboxes: Some(5),
        ..Default::default()
    };
    s.ok(
        "domain.edit",
        "limits.test",
        s.admin.edit_domain(name.clone(), more, None),
    )
    .await;
    // 300 + 500 are allotted: 200 bytes are left of the 1000.
    s.refused(LimitReached, "quota", add("m3", Some(300))).await;
    s.refused(LimitReached, "quota", add("m3", None)).await;
    s.refused(LimitReached, "cannot be unlimited", add("m3", Some(0)))
        .await;
    s.ok("mailbox.add", "m3@limits.test", add("m3", Some(200)))
        .await;
    let d = s.dir.domain(&name).await.unwrap();
    assert_eq!((d.mailboxes, d.allotted_quota), (3, bytes(1000)));

    // Raising a mailbox's quota counts against the cap too.
    let m2 = address("m2@limits.test");
    let quota = |n| MailboxPatch {
        quota: Some(bytes(n)),
        ..Default::default()
    };
    s.refused(
        LimitReached,
        "quota",
        s.admin.edit_mailbox(m2.clone(), quota(501), None),
    )
    .await;
    s.refused(
        LimitReached,
        "quota",
        s.admin.edit_mailbox(m2.clone(), quota(0), None),
    )
    .await;
    s.ok(
        "mailbox.edit",
        "m2@limits.test",
        s.admin.edit_mailbox(m2.clone(), quota(400), None),
    )
    .await;
    assert_eq!(
        s.dir.domain(&name).await.unwrap().allotted_quota,
        bytes(900)
    );

    // Limits cannot drop below what the domain holds.
    let fewer = DomainPatch {
        max_mailboxes: Some(2),
        ..Default::default()
    };
    s.refused(
        LimitReached,
        "domain limits.test",
        s.admin.edit_domain(name.clone(), fewer, None),
    )
    .await;
    let smaller = DomainPatch {
        quota: Some(bytes(899)),
        ..Default::default()
    };
    s.refused(
        LimitReached,
        "domain limits.test",
        s.admin.edit_domain(name.clone(), smaller, None),
    )
    .await;
    let exact = DomainPatch {
        quota: Some(bytes(900)),
        max_mailboxes: Some(3),
        ..Default::default()
    };
    s.ok(
        "domain.edit",
        "limits.test",
        s.admin.edit_domain(name.clone(), exact, None),
    )
    .await;
    s.refused(LimitReached, "domain limits.test", add("m4", Some(1)))
        .await;

    // Aliases: the catch-all is one of them.
    let to_m1 = || vec![address("m1@limits.test")];
    s.ok(
        "alias.add",
        "a1@limits.test",
        s.admin.add_alias(alias_address("a1@limits.test"), to_m1()),
    )
    .await;
    s.refused(
        LimitReached,
        "domain limits.test",
        s.admin.add_alias(alias_address("a2@limits.test"), to_m1()),
    )
    .await;
    s.refused(
        LimitReached,
        "domain limits.test",
        s.admin.add_alias(alias_address("@limits.test"), to_m1()),
    )
    .await;
    let fewer_aliases = DomainPatch {
        max_aliases: Some(0),
        ..Default::default()
    };
    let unlimited = s
        .ok(
            "domain.edit",
            "limits.test",
            s.admin.edit_domain(name.clone(), fewer_aliases, None),
        )
        .await;
    assert_eq!(unlimited.max_aliases, 0, "0 means unlimited");
    s.ok(
        "alias.add",
        "@limits.test",
        s.admin.add_alias(alias_address("@limits.test"), to_m1()),
    )
    .await;
    let one = DomainPatch {
        max_aliases: Some(1),
        ..Default::default()
    };
    s.refused(
        LimitReached,
        "domain limits.test",
        s.admin.edit_domain(name.clone(), one, None),
    )
    .await;

    let d = s.dir.domain(&name).await.unwrap();
    assert_eq!(
        (d.mailboxes, d.aliases, d.allotted_quota),
        (3, 2, bytes(900))
    );
    assert_eq!(
        (d.max_mailboxes, d.max_aliases, d.quota, d.default_quota),
        (3, 0, bytes(900), bytes(300))
    );
}
