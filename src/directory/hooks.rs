//! Where the hooks keep their state: in the directory itself (SQL tables;
//! an LDAP directory's local state store), so a second consumer on
//! another host needs nothing local. [`HookStore`] is all the hooks
//! service sees of it.
//!
//! Every write that moves a hook on names the lease owner: a consumer
//! whose lease expired (and was taken over) changes nothing.

use crate::error::Result;
use async_trait::async_trait;
use serde::Serialize;
use std::time::Duration;

/// One hook's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookRow {
    pub hook: String,
    /// The last journal id the hook is done with.
    pub done_id: i64,
    pub last_delivered_id: i64,
    /// The event it is working on (retrying or parked).
    pub head_id: Option<i64>,
    /// Failed attempts at `head_id`.
    pub attempts: i64,
    /// `head_id` is not tried again before this (unix ms).
    pub next_at: i64,
    /// `head_id` failed `max_attempts` times and waits for retry or skip.
    pub parked: bool,
    pub lease_owner: Option<String>,
    pub lease_until: i64,
}

/// One recorded attempt (or an admin's retry/skip).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRow {
    pub hook: String,
    pub event_id: i64,
    pub at: String,
    /// `delivered`, `failed`, `timeout`, `parked`, `retry`, `skipped`.
    pub outcome: String,
    /// The command's exit code or the HTTP status.
    pub code: Option<i64>,
    /// First lines of stderr, or the error; never a secret.
    pub detail: String,
}

/// What an attempt leaves the hook's head as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Delivered: the hook is done with the event.
    Done,
    /// Failed: try again at this time (unix ms).
    RetryAt(i64),
    /// Failed for the last time: parked until retry or skip.
    Park,
}

#[async_trait]
pub trait HookStore: Send + Sync {
    /// The highest journal id (0 for an empty journal).
    async fn last_journal_id(&self) -> Result<i64>;
    /// Creates `hook`'s row, done up to `start_after`, unless it exists.
    async fn ensure(&self, hook: &str, start_after: i64) -> Result<()>;
    /// Every hook's row, by name.
    async fn rows(&self) -> Result<Vec<HookRow>>;
    /// Takes (or renews) the lease on `hook` for `owner` until `until`,
    /// if no one else holds one beyond `now`; the row, or None if taken.
    async fn lease(&self, hook: &str, owner: &str, now: i64, until: i64)
    -> Result<Option<HookRow>>;
    /// Gives the lease back.
    async fn release(&self, hook: &str, owner: &str) -> Result<()>;
    /// Marks the hook done up to `to` (events not for it), renewing the
    /// lease until `until`. False if `owner` no longer holds the lease.
    async fn advance(&self, hook: &str, owner: &str, to: i64, until: i64) -> Result<bool>;
    /// Records an attempt at `attempt.event_id` and moves the hook on as
    /// `next` says, in one transaction. False (and nothing written) if
    /// `owner` no longer holds the lease.
    async fn record(
        &self,
        owner: &str,
        attempt: &AttemptRow,
        next: Next,
        until: i64,
    ) -> Result<bool>;
    /// Records `delivered` (attempts that delivered consecutive events of
    /// one hook, oldest first) and marks the hook done up to the last, in
    /// one transaction. False (and nothing written) if `owner` no longer
    /// holds the lease.
    async fn record_delivered(
        &self,
        owner: &str,
        delivered: &[AttemptRow],
        until: i64,
    ) -> Result<bool>;
    /// Clears the parked mark on `hook`'s head if it is `event_id`: tried
    /// again at once, with a fresh count. False if that is not its head.
    async fn retry(&self, hook: &str, event_id: i64, by: &str) -> Result<bool>;
    /// Marks the hook done with its head if it is `event_id`, undelivered.
    /// False if that is not its head.
    async fn skip(&self, hook: &str, event_id: i64, by: &str) -> Result<bool>;
    /// Deletes the attempts recorded before `before` (RFC 3339, UTC),
    /// except those at an event some hook still works on (retrying or
    /// parked: `hooks status` shows them). How many went.
    async fn prune_attempts(&self, before: &str) -> Result<u64>;
    /// The newest `limit` attempts of `hook`, newest first.
    async fn attempts(&self, hook: &str, limit: u64) -> Result<Vec<AttemptRow>>;
    /// Returns after at most `limit`, sooner when the store can tell that
    /// a change was committed (PostgreSQL's LISTEN/NOTIFY).
    async fn wait_for_journal(&self, limit: Duration) {
        tokio::time::sleep(limit).await;
    }
}

/// The channel every committed change notifies on PostgreSQL.
pub const JOURNAL_CHANNEL: &str = "postier_journal";
