//! Domains and alias domains: create, read, update, disable, enable,
//! delete; duplicates, not-found, stale versions, IDN names.

use super::*;
use ErrorKind::*;

pub async fn chapter(s: &Story) {
    let org = domain("example.org");
    let settings = DomainSettings {
        description: "The example collective".into(),
        ..Default::default()
    };
    let created = s
        .ok(
            "domain.add",
            "example.org",
            s.admin.add_domain(org.clone(), settings),
        )
        .await;
    assert_eq!(created.name, org);
    assert_eq!(created.description, "The example collective");
    assert!(created.active);
    assert_eq!((created.mailboxes, created.aliases), (0, 0));
    assert_eq!((created.max_mailboxes, created.max_aliases), (0, 0));
    assert!(created.quota.is_unlimited() && created.default_quota.is_unlimited());
    assert!(created.allotted_quota.is_unlimited());
    assert!(created.alias_domains.is_empty());
    assert_eq!(created.version, 1);
    assert!(!created.created_at.is_empty());
    assert_eq!(created.created_at, created.updated_at);
    assert_eq!(s.dir.domain(&org).await.unwrap(), created);

    // The same name, spelled another way, is a duplicate.
    for spelling in ["example.org", "EXAMPLE.org."] {
        s.refused(
            AlreadyExists,
            "domain example.org",
            s.admin
                .add_domain(domain(spelling), DomainSettings::default()),
        )
        .await;
    }

    // IDN: stored as A-labels, found under either form.
    let idn = s
        .ok(
            "domain.add",
            "xn--exmple-cua.org",
            s.admin
                .add_domain(domain("Exämple.org"), DomainSettings::default()),
        )
        .await;
    assert_eq!(idn.name.as_ascii(), "xn--exmple-cua.org");
    assert_eq!(idn.name.to_unicode(), "exämple.org");
    assert_eq!(
        s.dir.domain(&domain("xn--exmple-cua.org")).await.unwrap(),
        idn
    );
    assert_eq!(s.dir.domain(&domain("exämple.org")).await.unwrap(), idn);
    s.refused(
        AlreadyExists,
        "domain xn--exmple-cua.org",
        s.admin
            .add_domain(domain("xn--exmple-cua.org"), DomainSettings::default()),
    )
    .await;

    // Update with the version read: every field, version + 1.
    let patch = DomainPatch {
        description: Some("Example, renamed".into()),
        max_mailboxes: Some(50),
        max_aliases: Some(60),
        quota: Some(size("100G")),
        default_quota: Some(size("1G")),
        active: None,
    };
    let edited = s
        .ok(
            "domain.edit",
            "example.org",
            s.admin.edit_domain(org.clone(), patch, Some(1)),
        )
        .await;
    assert_eq!(edited.description, "Example, renamed");
    assert_eq!((edited.max_mailboxes, edited.max_aliases), (50, 60));
    assert_eq!(
        (edited.quota, edited.default_quota),
        (size("100G"), size("1G"))
    );
    assert_eq!(edited.version, 2);
    assert_eq!(edited.created_at, created.created_at);
    assert!(edited.updated_at >= created.updated_at);
    assert_eq!(s.dir.domain(&org).await.unwrap(), edited);

    // A stale version is a conflict and changes nothing.
    let stale = DomainPatch {
        description: Some("lost update".into()),
        ..Default::default()
    };
    s.refused(
        Conflict,
        "domain example.org",
        s.admin.edit_domain(org.clone(), stale, Some(1)),
    )
    .await;
    assert_eq!(
        s.dir.domain(&org).await.unwrap().description,
        "Example, renamed"
    );
    s.refused(
        Invalid,
        "domain example.org",
        s.admin
            .edit_domain(org.clone(), DomainPatch::default(), None),
    )
    .await;

    // Disable, enable.
    let off = s
        .ok(
            "domain.edit",
            "example.org",
            s.admin.set_domain_active(org.clone(), false),
        )
        .await;
    assert!(!off.active);
    assert_eq!(off.version, 3);
    assert!(!s.dir.domain(&org).await.unwrap().active);
    let on = s
        .ok(
            "domain.edit",
            "example.org",
            s.admin.set_domain_active(org.clone(), true),
        )
        .await;
    assert!(on.active);
    assert_eq!(on.version, 4);
    assert_eq!(
        on.description, "Example, renamed",
        "enabling keeps the other fields"
    );

    // Not found, for reads and changes alike.
    let nowhere = domain("nowhere.test");
    assert_fails(
        s.dir.domain(&nowhere).await,
        NotFound,
        "domain nowhere.test",
    );
    assert_fails(
        s.dir.mailboxes(Some(&nowhere)).await,
        NotFound,
        "domain nowhere.test",
    );
    assert_fails(
        s.dir.aliases(Some(&nowhere)).await,
        NotFound,
        "domain nowhere.test",
    );
    let rename = DomainPatch {
        description: Some("x".into()),
        ..Default::default()
    };
    s.refused(
        NotFound,
        "domain nowhere.test",
        s.admin.edit_domain(nowhere.clone(), rename, None),
    )
    .await;
    s.refused(
        NotFound,
        "domain nowhere.test",
        s.admin.set_domain_active(nowhere.clone(), false),
    )
    .await;
    for cascade in [false, true] {
        s.refused(
            NotFound,
            "domain nowhere.test",
            s.admin.remove_domain(nowhere.clone(), cascade),
        )
        .await;
    }

    // An empty domain goes without --cascade.
    let brief = domain("brief.test");
    s.ok(
        "domain.add",
        "brief.test",
        s.admin.add_domain(brief.clone(), DomainSettings::default()),
    )
    .await;
    s.ok(
        "domain.rm",
        "brief.test",
        s.admin.remove_domain(brief.clone(), false),
    )
    .await;
    assert_fails(s.dir.domain(&brief).await, NotFound, "domain brief.test");
}

/// Alias domains: `example.net` receives the mail of `example.org`'s
/// addresses. Leaves `example.net` pointing at `example.org`.
pub async fn alias_domains_chapter(s: &Story) {
    let org = domain("example.org");
    let idn = domain("xn--exmple-cua.org");
    let net = domain("example.net");
    let created = s
        .ok(
            "alias_domain.add",
            "example.net",
            s.admin.add_alias_domain(net.clone(), org.clone()),
        )
        .await;
    assert_eq!((&created.name, &created.target), (&net, &org));
    assert!(created.active);
    assert_eq!(created.version, 1);
    assert_eq!(s.dir.alias_domain(&net).await.unwrap(), created);
    assert!(s.dir.alias_domains().await.unwrap().contains(&created));

    let books = s
        .ok(
            "alias_domain.add",
            "xn--bcher-kva.example",
            s.admin
                .add_alias_domain(domain("Bücher.example"), org.clone()),
        )
        .await;
    assert_eq!(books.name.as_ascii(), "xn--bcher-kva.example");
    assert_eq!(
        s.dir.domain(&org).await.unwrap().alias_domains,
        vec![net.clone(), books.name.clone()],
        "a domain lists its alias domains by name"
    );

    // What an alias domain cannot be.
    s.refused(
        AlreadyExists,
        "alias domain example.net",
        s.admin.add_alias_domain(net.clone(), idn.clone()),
    )
    .await;
    s.refused(
        Invalid,
        "alias domain example.com",
        s.admin
            .add_alias_domain(domain("example.com"), domain("example.com")),
    )
    .await;
    s.refused(
        AlreadyExists,
        "domain xn--exmple-cua.org",
        s.admin.add_alias_domain(idn.clone(), org.clone()),
    )
    .await;
    s.refused(
        Refused,
        "domain example.net",
        s.admin.add_alias_domain(domain("example.com"), net.clone()),
    )
    .await;
    s.refused(
        NotFound,
        "domain nowhere.test",
        s.admin
            .add_alias_domain(domain("example.com"), domain("nowhere.test")),
    )
    .await;
    // ... nor can a hosted domain, a mailbox or an alias live under its name.
    s.refused(
        AlreadyExists,
        "domain example.net",
        s.admin.add_domain(net.clone(), DomainSettings::default()),
    )
    .await;
    let request = postier::ops::MailboxRequest {
        address: address("someone@example.net"),
        name: String::new(),
        quota: None,
        password: postier::ops::PasswordInput::Hash(s.hash(1)),
    };
    s.refused(Refused, "domain example.net", s.admin.add_mailbox(request))
        .await;
    s.refused(
        Refused,
        "domain example.net",
        s.admin.add_alias(
            alias_address("info@example.net"),
            vec![address("a@example.org")],
        ),
    )
    .await;
    s.refused(
        Refused,
        "domain example.net",
        s.admin.add_alias(
            alias_address("@example.net"),
            vec![address("a@example.org")],
        ),
    )
    .await;

    // Disable, enable, stale version.
    let off = s
        .ok(
            "alias_domain.edit",
            "example.net",
            s.admin.set_alias_domain_active(net.clone(), false),
        )
        .await;
    assert!(!off.active);
    assert_eq!(off.version, 2);
    assert_eq!(s.dir.alias_domain(&net).await.unwrap(), off);
    let on = s
        .ok(
            "alias_domain.edit",
            "example.net",
            s.admin.set_alias_domain_active(net.clone(), true),
        )
        .await;
    assert!(on.active);
    let retarget = |target: &DomainName| AliasDomainPatch {
        target: Some(target.clone()),
        ..Default::default()
    };
    s.refused(
        Conflict,
        "alias domain example.net",
        s.admin
            .edit_alias_domain(net.clone(), retarget(&idn), Some(1)),
    )
    .await;

    // Point it elsewhere, and back.
    let moved = s
        .ok(
            "alias_domain.edit",
            "example.net",
            s.admin
                .edit_alias_domain(net.clone(), retarget(&idn), Some(on.version)),
        )
        .await;
    assert_eq!(moved.target, idn);
    assert_eq!(
        s.dir.domain(&idn).await.unwrap().alias_domains,
        vec![net.clone()]
    );
    assert_eq!(
        s.dir.domain(&org).await.unwrap().alias_domains,
        vec![books.name.clone()]
    );
    s.refused(
        Invalid,
        "alias domain example.net",
        s.admin.edit_alias_domain(net.clone(), retarget(&net), None),
    )
    .await;
    s.refused(
        Refused,
        "domain xn--bcher-kva.example",
        s.admin
            .edit_alias_domain(net.clone(), retarget(&books.name), None),
    )
    .await;
    s.refused(
        NotFound,
        "domain nowhere.test",
        s.admin
            .edit_alias_domain(net.clone(), retarget(&domain("nowhere.test")), None),
    )
    .await;
    s.refused(
        NotFound,
        "alias domain example.com",
        s.admin
            .set_alias_domain_active(domain("example.com"), false),
    )
    .await;
    s.refused(
        Invalid,
        "alias domain example.net",
        s.admin
            .edit_alias_domain(net.clone(), AliasDomainPatch::default(), None),
    )
    .await;
    s.ok(
        "alias_domain.edit",
        "example.net",
        s.admin.edit_alias_domain(net.clone(), retarget(&org), None),
    )
    .await;

    // Delete.
    s.ok(
        "alias_domain.rm",
        "xn--bcher-kva.example",
        s.admin.remove_alias_domain(books.name.clone()),
    )
    .await;
    assert_fails(
        s.dir.alias_domain(&books.name).await,
        NotFound,
        "alias domain xn--bcher-kva.example",
    );
    s.refused(
        NotFound,
        "alias domain xn--bcher-kva.example",
        s.admin.remove_alias_domain(books.name.clone()),
    )
    .await;
    assert_eq!(
        s.dir.domain(&org).await.unwrap().alias_domains,
        vec![net.clone()]
    );
    assert_eq!(
        s.dir.domain(&idn).await.unwrap().alias_domains,
        Vec::<DomainName>::new()
    );
}
