//! The audit trail and the journal as a whole: one entry and one event per
//! change the story made, in order, and never a password hash or a
//! plaintext password in either.

use super::*;

pub async fn chapter(s: &Story) {
    let audit = s.dir.audit(u64::MAX).await.unwrap();
    let journal = s.dir.journal(0, u64::MAX).await.unwrap();
    assert_eq!(
        audit.len() as u64,
        s.changes(),
        "one audit entry per change"
    );
    assert_eq!(
        journal.len() as u64,
        s.changes(),
        "one journal event per change"
    );
    assert!(
        audit.windows(2).all(|w| w[0].id > w[1].id),
        "audit: newest first"
    );
    assert!(
        journal.windows(2).all(|w| w[0].id < w[1].id),
        "journal: oldest first"
    );
    for (entry, event) in audit.iter().rev().zip(&journal) {
        assert_eq!(
            (&entry.action, &entry.object),
            (&event.event, &event.object)
        );
        assert_eq!(event.payload["actor"].as_str(), Some(entry.actor.as_str()));
        assert_eq!(
            event.payload["before"],
            entry.before.clone().unwrap_or_default()
        );
        assert_eq!(
            event.payload["after"],
            entry.after.clone().unwrap_or_default()
        );
    }

    // Paging: `after` and `limit`.
    let first_two = s.dir.journal(0, 2).await.unwrap();
    assert_eq!(first_two, journal[..2]);
    let rest = s.dir.journal(first_two[1].id, u64::MAX).await.unwrap();
    assert_eq!(rest, journal[2..]);
    let last = journal.last().unwrap().id;
    assert!(s.dir.journal(last, 10).await.unwrap().is_empty());
    assert_eq!(s.dir.audit(3).await.unwrap(), audit[..3]);

    // No secret, in any form, anywhere in the history.
    let text = format!(
        "{}\n{}",
        serde_json::to_string(&audit).unwrap(),
        serde_json::to_string(&journal).unwrap()
    );
    let secrets = s.secrets();
    assert!(secrets.len() > 10);
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into the history"
        );
    }
    assert!(!text.contains("$6$"), "no SHA512-CRYPT hash in the history");
}
