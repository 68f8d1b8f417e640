//! Removing a domain that still holds mailboxes, aliases or alias domains
//! is refused unless asked to cascade; with cascade, everything under it
//! goes in one change, and the audit keeps where the maildirs were.

use super::*;
use ErrorKind::*;

pub async fn chapter(s: &Story) {
    let org = domain("example.org");
    let before = s.dir.domain(&org).await.unwrap();
    assert!(before.mailboxes > 0 && before.aliases > 0 && !before.alias_domains.is_empty());
    s.refused(
        Refused,
        "domain example.org",
        s.admin.remove_domain(org.clone(), false),
    )
    .await;

    // Only mailboxes left is still refused.
    let race = domain("race.test");
    s.refused(
        Refused,
        "domain race.test",
        s.admin.remove_domain(race.clone(), false),
    )
    .await;

    let maildirs: Vec<String> = s
        .dir
        .mailboxes(Some(&org))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.maildir)
        .collect();
    let held_aliases: Vec<AliasAddress> = s
        .dir
        .aliases(Some(&org))
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.address)
        .collect();
    let held_alias_domains = s.dir.domain(&org).await.unwrap().alias_domains;
    let removal = s
        .ok(
            "domain.rm",
            "example.org",
            s.admin.remove_domain(org.clone(), true),
        )
        .await;
    // It says exactly what went with it.
    let held_mailboxes: Vec<String> = removal.mailboxes.iter().map(|m| m.to_string()).collect();
    assert_eq!(held_mailboxes.len(), maildirs.len());
    assert!(!removal.aliases.is_empty());
    assert_eq!(removal.aliases, held_aliases);
    assert_eq!(removal.alias_domains, held_alias_domains);
    assert_fails(s.dir.domain(&org).await, NotFound, "domain example.org");
    assert!(
        s.dir
            .mailboxes(None)
            .await
            .unwrap()
            .iter()
            .all(|m| m.domain() != &org)
    );
    assert!(
        s.dir
            .aliases(None)
            .await
            .unwrap()
            .iter()
            .all(|a| a.address.domain() != &org)
    );
    assert_fails(
        s.dir.mailbox(&address("alice@example.org")).await,
        NotFound,
        "alice@example.org",
    );
    assert_fails(
        s.dir.alias(&alias_address("@example.org")).await,
        NotFound,
        "@example.org",
    );
    assert_fails(
        s.dir.alias_domain(&domain("example.net")).await,
        NotFound,
        "example.net",
    );
    assert!(s.dir.alias_domains().await.unwrap().is_empty());

    // The audit entry keeps what went, maildirs included, for the backup.
    let entry = s.admin.audit(1).await.unwrap().remove(0);
    let gone = entry.before.expect("the removed domain");
    assert_eq!(gone["name"], "example.org");
    let recorded: Vec<&str> = gone["mailboxes"]
        .as_array()
        .expect("the removed mailboxes")
        .iter()
        .filter_map(|m| m["maildir"].as_str())
        .collect();
    assert_eq!(recorded, maildirs);
    let recorded_aliases: Vec<String> = gone["aliases"]
        .as_array()
        .expect("the removed aliases")
        .iter()
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
    let held: Vec<String> = held_aliases.iter().map(|a| a.to_string()).collect();
    assert_eq!(recorded_aliases, held);

    // The name is free again, with nothing left under it.
    let again = s
        .ok(
            "domain.add",
            "example.org",
            s.admin.add_domain(org.clone(), DomainSettings::default()),
        )
        .await;
    assert_eq!((again.mailboxes, again.aliases, again.version), (0, 0, 1));
    assert!(again.alias_domains.is_empty());
    s.ok(
        "domain.rm",
        "example.org",
        s.admin.remove_domain(org.clone(), false),
    )
    .await;
    s.ok("domain.rm", "race.test", s.admin.remove_domain(race, true))
        .await;
}
