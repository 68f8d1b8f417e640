//! `backup status`: the last run and its result, the last success and its
//! age, the mailboxes no archive holds yet ("unprotected") and the
//! removed mailboxes waiting to be purged, and why. It reads only local
//! state (the catalogue, the moved-aside records) and the directory's
//! mailbox list: the backup server may be off. All but the unprotected
//! mailboxes come from the local state alone ([`local_status`], what
//! `check backup` reads).

use super::aside::{self, Removed, relative_maildir};
use super::catalogue::{Catalogue, Run};
use crate::config::{BackupConfig, Config};
use crate::error::Result;
use crate::model::MailboxFacts;
use crate::ops::Ops;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `backup status --json` (SPEC.md, "Backup").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupStatus {
    pub last_run: Option<Run>,
    /// When the last run whose archive holds every maildir finished.
    pub last_success: Option<String>,
    /// Seconds since `last_success`.
    pub age_seconds: Option<i64>,
    /// Mailboxes no archive (not pruned away) holds whole.
    pub unprotected: Vec<String>,
    pub pending_purge: Vec<PendingPurge>,
}

impl BackupStatus {
    /// `last_success` in seconds since the epoch.
    pub fn last_success_timestamp(&self) -> Option<i64> {
        self.last_success.as_deref().and_then(timestamp)
    }

    /// When the last run started, in seconds since the epoch.
    pub fn last_run_timestamp(&self) -> Option<i64> {
        self.last_run.as_ref().and_then(|r| timestamp(&r.started))
    }
}

/// What a removed mailbox's data waits for before `backup purge` deletes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// No archive made after the removal holds it yet.
    Archive,
    /// An archive holds it; `purge_after` has not passed.
    PurgeAfter,
    /// Nothing: the next `backup purge` deletes it.
    Nothing,
}

/// Moved-aside data of a removed mailbox, not purged yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingPurge {
    pub address: String,
    pub path: String,
    pub removed_at: String,
    pub waiting_for: Waiting,
    /// The newest archive holding it.
    pub archive: Option<String>,
    /// When `purge_after` has passed.
    pub purge_not_before: String,
}

pub(crate) fn timestamp(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The state of the backups now (see [`BackupStatus`]).
pub async fn status(config: &Config, ops: &Ops) -> Result<BackupStatus> {
    let settings = super::settings(config)?;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let local = local_status(config, &mut catalogue, Utc::now()).await?;
    let unprotected = unprotected(&mut catalogue, ops).await?;
    Ok(BackupStatus {
        last_run: local.last_run,
        last_success: local.last_success.map(|r| r.finished),
        age_seconds: local.age_seconds,
        unprotected,
        pending_purge: local.pending_purge,
    })
}

/// What the local state alone says (the catalogue, the moved-aside
/// records): all of [`BackupStatus`] but the unprotected mailboxes, which
/// need the directory. It takes milliseconds however large the service:
/// `check backup` runs every minute.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalStatus {
    pub last_run: Option<Run>,
    pub last_success: Option<Run>,
    pub age_seconds: Option<i64>,
    pub pending_purge: Vec<PendingPurge>,
}

/// The [`LocalStatus`] at `now`.
pub async fn local_status(
    config: &Config,
    catalogue: &mut Catalogue,
    now: DateTime<Utc>,
) -> Result<LocalStatus> {
    let settings = super::settings(config)?;
    let removed = aside::list_removed(&config.stack.mail_root)?;
    let last_run = catalogue.last_run().await?;
    let last_success = catalogue.last_success().await?;
    let age_seconds = last_success
        .as_ref()
        .and_then(|r| parse(&r.finished))
        .map(|t| (now - t).num_seconds().max(0));
    let mut pending_purge = Vec::new();
    for r in removed {
        pending_purge.push(pending(settings, catalogue, r, now).await?);
    }
    Ok(LocalStatus {
        last_run,
        last_success,
        age_seconds,
        pending_purge,
    })
}

/// The addresses of the mailboxes no archive (not pruned away) holds.
pub async fn unprotected(catalogue: &mut Catalogue, ops: &Ops) -> Result<Vec<String>> {
    unprotected_of(catalogue, &ops.mailbox_facts(None).await?).await
}

/// Those of `mailboxes` no archive (not pruned away) holds.
pub async fn unprotected_of(
    catalogue: &mut Catalogue,
    mailboxes: &[MailboxFacts],
) -> Result<Vec<String>> {
    let held = catalogue.held_paths().await?;
    let mut unprotected = Vec::new();
    for m in mailboxes {
        let path = relative_maildir(&m.maildir)?;
        if !held.contains(&path) {
            unprotected.push(m.address.to_string());
        }
    }
    Ok(unprotected)
}

/// Where one removed mailbox's data stands (the catalogue's view; `backup
/// purge` also asks the archive).
pub(crate) async fn pending(
    settings: &BackupConfig,
    catalogue: &mut Catalogue,
    r: Removed,
    now: DateTime<Utc>,
) -> Result<PendingPurge> {
    let removed_at = parse(&r.removed_at).unwrap_or(now);
    let holder = catalogue
        .holders(&r.path)
        .await?
        .into_iter()
        .find(|h| parse(&h.started).is_some_and(|s| s > removed_at));
    let not_before = removed_at
        + chrono::Duration::from_std(settings.purge_after).unwrap_or(chrono::Duration::MAX);
    let waiting_for = match &holder {
        None => Waiting::Archive,
        Some(_) if now < not_before => Waiting::PurgeAfter,
        Some(_) => Waiting::Nothing,
    };
    Ok(PendingPurge {
        address: r.address,
        path: r.path,
        removed_at: r.removed_at,
        waiting_for,
        archive: holder.map(|h| h.archive),
        purge_not_before: not_before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}
