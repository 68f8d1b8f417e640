//! Checks the trail each change leaves: one audit entry and one journal
//! event for a change that succeeds, nothing at all for one refused.

use postier::directory::Directory;
use postier::error::{Error, ErrorKind, Result};
use postier::model::*;
use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Witness {
    dir: Arc<dyn Directory>,
    changes: AtomicU64,
}

/// Everything a directory holds, history included.
#[derive(Debug, PartialEq)]
struct State {
    domains: Vec<Domain>,
    alias_domains: Vec<AliasDomain>,
    mailboxes: Vec<Mailbox>,
    aliases: Vec<Alias>,
    audit: Vec<AuditEntry>,
    journal: Vec<JournalEvent>,
}

impl State {
    async fn of(dir: &dyn Directory) -> State {
        State {
            domains: dir.domains().await.expect("domains"),
            alias_domains: dir.alias_domains().await.expect("alias domains"),
            mailboxes: dir.mailboxes(None).await.expect("mailboxes"),
            aliases: dir.aliases(None).await.expect("aliases"),
            audit: dir.audit(u64::MAX).await.expect("audit"),
            journal: dir.journal(0, u64::MAX).await.expect("journal"),
        }
    }
}

/// The newest audit entry and journal event before a change.
struct Mark {
    audit: i64,
    journal: i64,
}

impl Witness {
    pub fn new(dir: Arc<dyn Directory>) -> Witness {
        Witness {
            dir,
            changes: AtomicU64::new(0),
        }
    }

    pub fn add(&self, changes: u64) {
        self.changes.fetch_add(changes, Ordering::Relaxed);
    }

    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    async fn mark(&self) -> Mark {
        let audit = self.dir.audit(1).await.expect("audit");
        let journal = self.dir.journal(0, u64::MAX).await.expect("journal");
        Mark {
            audit: audit.first().map_or(0, |a| a.id),
            journal: journal.last().map_or(0, |j| j.id),
        }
    }

    pub async fn ok<T>(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        change: impl Future<Output = Result<T>>,
    ) -> T {
        let mark = self.mark().await;
        let out = change.await.unwrap_or_else(|e| {
            panic!("{action} {object}: expected success, got {:?}: {e}", e.kind)
        });
        let audit: Vec<AuditEntry> = self
            .dir
            .audit(100)
            .await
            .expect("audit")
            .into_iter()
            .filter(|a| a.id > mark.audit)
            .collect();
        assert_eq!(
            audit.len(),
            1,
            "{action} {object}: exactly one audit entry, got {audit:#?}"
        );
        let entry = &audit[0];
        assert_eq!(
            (
                entry.actor.as_str(),
                entry.action.as_str(),
                entry.object.as_str()
            ),
            (actor, action, object),
            "audit entry of {action} {object}"
        );
        assert!(!entry.at.is_empty(), "audit entry has a time");
        let journal = self.dir.journal(mark.journal, 100).await.expect("journal");
        assert_eq!(
            journal.len(),
            1,
            "{action} {object}: exactly one journal event, got {journal:#?}"
        );
        let event = &journal[0];
        assert_eq!(
            (event.event.as_str(), event.object.as_str()),
            (action, object),
            "journal event of {action} {object}"
        );
        assert_eq!(
            event.payload["actor"], actor,
            "journal event names the actor"
        );
        self.add(1);
        out
    }

    pub async fn refused<T: Debug>(
        &self,
        kind: ErrorKind,
        names: &str,
        change: impl Future<Output = Result<T>>,
    ) -> Error {
        let before = State::of(&*self.dir).await;
        let err = match change.await {
            Ok(v) => panic!("expected {kind:?} about {names}, but the change succeeded: {v:?}"),
            Err(e) => e,
        };
        assert_eq!(
            err.kind, kind,
            "expected {kind:?} about {names}, got: {err}"
        );
        assert!(
            err.to_string().contains(names),
            "error {err:?} should name {names}"
        );
        let after = State::of(&*self.dir).await;
        assert_eq!(before, after, "the refused change ({err}) left a trace");
        err
    }
}
