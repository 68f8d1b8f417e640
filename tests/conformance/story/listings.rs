//! Listings: order (domains and alias domains by name; mailboxes by
//! domain, then address; aliases by domain, catch-all first, then address)
//! and the counts each domain reports, checked against what the listings
//! hold.

use super::*;

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
}
