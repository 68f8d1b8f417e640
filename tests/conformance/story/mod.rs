//! The story every directory backend must tell the same way. It is written
//! against `Arc<dyn Directory>` and `postier::ops::Ops` only, so any backend
//! (SQL today, LDAP later) runs it unchanged.
//!
//! Chapters run in order on one directory, each mostly on domains of its
//! own; later chapters (listings, domain removal, history) look at what the
//! earlier ones left behind.
//!
//! Every change goes through [`Story::ok`] or [`Story::refused`]: a change
//! that succeeds must leave exactly one audit entry and one journal event
//! naming it; a refused one must leave no trace at all (no row, no audit
//! entry, no journal event).

mod aliases;
mod domains;
mod history;
mod integrity;
mod limits;
mod listings;
mod mailboxes;
mod races;
mod removal;
mod roles;
mod witness;

use postier::directory::Directory;
use postier::error::{Error, ErrorKind, Result};
use postier::model::*;
use postier::ops::{Actor, Ops};
use postier::password::Scheme;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use witness::Witness;

/// The admin who makes most changes in the story.
pub const ADMIN: &str = "ada";

/// Runs the whole story against `dir`, panicking at the first divergence.
pub async fn run(dir: Arc<dyn Directory>) {
    let story = Story::new(dir);
    domains::chapter(&story).await;
    domains::alias_domains_chapter(&story).await;
    mailboxes::chapter(&story).await;
    aliases::chapter(&story).await;
    limits::chapter(&story).await;
    races::chapter(&story).await;
    roles::chapter(&story).await;
    listings::chapter(&story).await;
    removal::chapter(&story).await;
    integrity::chapter(&story).await;
    history::chapter(&story).await;
}

/// The directory under test, an admin's view of it, and what the story
/// must never find in the audit trail or the journal.
pub struct Story {
    pub dir: Arc<dyn Directory>,
    pub admin: Ops,
    witness: Witness,
    secrets: Mutex<Vec<String>>,
}

impl Story {
    fn new(dir: Arc<dyn Directory>) -> Story {
        Story {
            admin: Ops::new(dir.clone(), Actor::admin(ADMIN), Scheme::Sha512Crypt),
            witness: Witness::new(dir.clone()),
            dir,
            secrets: Mutex::new(Vec::new()),
        }
    }

    /// The same directory seen by another caller.
    pub fn ops_as(&self, actor: Actor) -> Ops {
        Ops::new(self.dir.clone(), actor, Scheme::Sha512Crypt)
    }

    /// Runs an admin's change that must succeed and leave one audit entry
    /// and one journal event `action` on `object`.
    pub async fn ok<T>(
        &self,
        action: &str,
        object: &str,
        change: impl Future<Output = Result<T>>,
    ) -> T {
        self.witness.ok(ADMIN, action, object, change).await
    }

    /// [`Story::ok`] for a change made by `actor`.
    pub async fn ok_by<T>(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        change: impl Future<Output = Result<T>>,
    ) -> T {
        self.witness.ok(actor, action, object, change).await
    }

    /// Runs a change that must fail with `kind`, with an error naming
    /// `names`, and leave the directory, audit and journal as they were.
    pub async fn refused<T: Debug>(
        &self,
        kind: ErrorKind,
        names: &str,
        change: impl Future<Output = Result<T>>,
    ) -> Error {
        self.witness.refused(kind, names, change).await
    }

    /// Counts changes made outside [`Story::ok`] (the races) that the
    /// history chapter must find.
    pub fn witnessed(&self, changes: u64) {
        self.witness.add(changes);
    }

    pub fn changes(&self) -> u64 {
        self.witness.changes()
    }

    /// Remembers a secret (hash or password) that no history may hold.
    pub fn keep_secret(&self, secret: &str) {
        self.secrets
            .lock()
            .expect("secrets")
            .push(secret.to_string());
    }

    pub fn secrets(&self) -> Vec<String> {
        self.secrets.lock().expect("secrets").clone()
    }

    /// A distinct, well-formed SHA512-CRYPT hash (never verified), which the
    /// story registers as a secret.
    pub fn hash(&self, n: u32) -> PasswordHash {
        let body: String = format!("Story{n}Hash").chars().cycle().take(86).collect();
        let hash = PasswordHash::parse(&format!("{{SHA512-CRYPT}}$6$salt{n:012}${body}"))
            .expect("a well-formed hash");
        self.keep_secret(hash.hash());
        hash
    }
}

pub fn domain(name: &str) -> DomainName {
    DomainName::parse(name).unwrap_or_else(|e| panic!("{e}"))
}

pub fn address(text: &str) -> Address {
    Address::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn alias_address(text: &str) -> AliasAddress {
    AliasAddress::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn bytes(n: u64) -> Size {
    Size::from_bytes(n).unwrap_or_else(|e| panic!("{e}"))
}

pub fn size(text: &str) -> Size {
    Size::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts that a read failed with `kind`, naming `names`.
pub fn assert_fails<T: Debug>(result: Result<T>, kind: ErrorKind, names: &str) {
    match result {
        Ok(v) => panic!("expected {kind:?} about {names}, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            assert!(
                e.to_string().contains(names),
                "error {e:?} should name {names}"
            );
        }
    }
}
