//! Listings: order (domains and alias domains by name; mailboxes by
//! domain, then address; aliases by domain, catch-all first, then address)
//! and the counts each domain reports, checked against what the listings
//! hold.

use super::*;
use postier::ops::PasswordInput;

pub async fn chapter(s: &Story) {
    let domains = s.dir.domains().await.unwrap();
    let names: Vec<&str> = domains.iter().map(|d| d.name.as_ascii()).collect();
    assert_eq!(
        names,
        [
            "example.org",
            "limits.test",
            "race.test",
            "race2.test",
            "xn--exmple-cua.org"
        ]
    );

    let alias_domains = s.dir.alias_domains().await.unwrap();
    let names: Vec<&str> = alias_domains.iter().map(|a| a.name.as_ascii()).collect();
    assert_eq!(names, ["example.net"]);

    let mailboxes = s.dir.mailboxes(None).await.unwrap();
    let keys: Vec<(String, String)> = mailboxes
        .iter()
        .map(|m| (m.domain().to_string(), m.address.to_string()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "mailboxes by domain, then address");

    let aliases = s.dir.aliases(None).await.unwrap();
    let keys: Vec<(String, bool, String)> = aliases
        .iter()
        .map(|a| {
            (
                a.address.domain().to_string(),
                !a.address.is_catch_all(),
                a.address.to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "aliases by domain, catch-all first, then address"
    );

    // Each domain's counts match what it holds; the per-domain listings
    // are the slices of the full ones.
    let mut all_mailboxes = Vec::new();
    let mut all_aliases = Vec::new();
    for d in &domains {
        let own_mailboxes = s.dir.mailboxes(Some(&d.name)).await.unwrap();
        let own_aliases = s.dir.aliases(Some(&d.name)).await.unwrap();
        assert_eq!(
            d.mailboxes,
            own_mailboxes.len() as u64,
            "mailbox count of {}",
            d.name
        );
        assert_eq!(
            d.aliases,
            own_aliases.len() as u64,
            "alias count of {}",
            d.name
        );
        let allotted: u64 = own_mailboxes.iter().map(|m| m.quota.bytes()).sum();
        assert_eq!(
            d.allotted_quota.bytes(),
            allotted,
            "allotted quota of {}",
            d.name
        );
        let pointing: Vec<DomainName> = alias_domains
            .iter()
            .filter(|a| a.target == d.name)
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(d.alias_domains, pointing, "alias domains of {}", d.name);
        assert_eq!(
            &s.dir.domain(&d.name).await.unwrap(),
            d,
            "one domain read as listed"
        );
        all_mailboxes.extend(own_mailboxes);
        all_aliases.extend(own_aliases);
    }
    assert_eq!(all_mailboxes, mailboxes);
    assert_eq!(all_aliases, aliases);

    let counts: Vec<(u64, u64)> = domains.iter().map(|d| (d.mailboxes, d.aliases)).collect();
    assert_eq!(counts, [(3, 3), (3, 2), (3, 0), (0, 0), (1, 1)]);

    facts(s, &domains).await;
}

/// Monitoring's lean read tells the same as the full one: the same
/// mailboxes, in the same order, with what it needs of each (a weak hash
/// and a disabled mailbox among them, so that both are seen).
async fn facts(s: &Story, domains: &[Domain]) {
    let bob = address("bob@example.org");
    let weak = PasswordHash::parse("{MD5-CRYPT}$1$storysal$Story0Weak0Hash0abcdef").unwrap();
    s.keep_secret(weak.hash());
    s.ok(
        "mailbox.edit",
        "bob@example.org",
        s.admin
            .set_password(bob.clone(), PasswordInput::Hash(weak.clone())),
    )
    .await;
    s.ok(
        "mailbox.edit",
        "carol@example.org",
        s.admin
            .set_mailbox_active(address("carol@example.org"), false),
    )
    .await;
    let full = s.dir.mailboxes(None).await.unwrap();
    let expected: Vec<MailboxFacts> = full.iter().map(MailboxFacts::from).collect();
    let facts = s.dir.mailbox_facts(None).await.unwrap();
    assert_eq!(facts, expected);
    let weak_ones: Vec<String> = facts
        .iter()
        .filter(|f| f.weak_password)
        .map(|f| f.address.to_string())
        .collect();
    assert_eq!(weak_ones, ["bob@example.org"]);
    assert!(facts.iter().any(|f| !f.active));
    for d in domains {
        let own: Vec<MailboxFacts> = expected
            .iter()
            .filter(|f| f.domain() == &d.name)
            .cloned()
            .collect();
        assert_eq!(
            s.dir.mailbox_facts(Some(&d.name)).await.unwrap(),
            own,
            "facts of {}",
            d.name
        );
    }
    let err = s
        .dir
        .mailbox_facts(Some(&domain("nowhere.test")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    // As they were.
    s.ok(
        "mailbox.edit",
        "bob@example.org",
        s.admin.set_password(bob, PasswordInput::Hash(s.hash(16))),
    )
    .await;
    s.ok(
        "mailbox.edit",
        "carol@example.org",
        s.admin
            .set_mailbox_active(address("carol@example.org"), true),
    )
    .await;
}
