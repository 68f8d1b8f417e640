//! `backup purge [--dry-run]`: deletes the moved-aside data of removed
//! mailboxes once an archive made after the removal holds it — checked in
//! the catalogue **and** by listing that path in the archive itself — and
//! `purge_after` has passed; each purge is followed by a `mailbox.purged`
//! journal event.

use super::aside::{self, Removed};
use super::borg::{self, Borg, Exit};
use super::catalogue::Catalogue;
use super::status::{PendingPurge, Waiting, pending};
use crate::config::{BackupConfig, Config};
use crate::error::{Error, Result};
use crate::ops::Ops;
use serde::Serialize;

/// What one purge decided, per removed mailbox.
#[derive(Debug, Clone, Serialize)]
pub struct PurgeReport {
    pub dry_run: bool,
    /// Deleted (or, with `dry_run`, to be deleted).
    pub purged: Vec<PendingPurge>,
    /// Kept: not held by an archive yet, or `purge_after` not passed.
    pub waiting: Vec<PendingPurge>,
    /// Kept although the catalogue says an archive holds it: the archive
    /// does not (or could not be asked). Each with why.
    pub refused: Vec<Refusal>,
    /// Journal events that could not be recorded.
    pub event_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub address: String,
    pub path: String,
    pub archive: Option<String>,
    pub why: String,
}

pub async fn purge(config: &Config, ops: &Ops, dry_run: bool) -> Result<PurgeReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup purge")?;
    let root = &config.stack.mail_root;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let now = chrono::Utc::now();
    let mut report = PurgeReport {
        dry_run,
        purged: Vec::new(),
        waiting: Vec::new(),
        refused: Vec::new(),
        event_errors: Vec::new(),
    };
    for removed in aside::list_removed(root)? {
        let p = pending(settings, &mut catalogue, removed.clone(), now).await?;
        if p.waiting_for != Waiting::Nothing {
            report.waiting.push(p);
            continue;
        }
        let archive = p.archive.clone().unwrap_or_default();
        if let Err(why) = archive_holds(settings, &archive, &p.path).await {
            report.refused.push(Refusal {
                address: p.address.clone(),
                path: p.path.clone(),
                archive: p.archive.clone(),
                why,
            });
            continue;
        }
        if !dry_run {
            aside::delete(root, &removed)?;
            if let Err(e) = purged_event(ops, &removed, &archive).await {
                report.event_errors.push(e.to_string());
            }
        }
        report.purged.push(p);
    }
    Ok(report)
}

async fn purged_event(ops: &Ops, removed: &Removed, archive: &str) -> Result<()> {
    let payload = serde_json::json!({
        "actor": ops.actor().user,
        "path": removed.path,
        "removed_at": removed.removed_at,
        "removal_event_id": removed.event_id,
        "archive": archive,
    });
    ops.directory()
        .record_job_event("mailbox.purged", &removed.address, payload)
        .await
}

/// Does `archive` really hold files under `path`? Err says why not.
async fn archive_holds(
    settings: &BackupConfig,
    archive: &str,
    path: &str,
) -> std::result::Result<(), String> {
    let borg = Borg::new(settings).map_err(|e| e.to_string())?;
    let out = borg
        .run(
            &borg::list_path_args(archive, path, settings.lock_wait),
            &std::env::temp_dir(),
        )
        .await
        .map_err(|e| e.to_string())?;
    if let Exit::Error(_) = out.exit {
        return Err(if out.unreachable() {
            format!(
                "repository {} is not reachable: {}",
                borg.repository(),
                out.error_text()
            )
        } else {
            format!("archive {archive} cannot be listed: {}", out.error_text())
        });
    }
    let prefix = format!("{path}/");
    let holds = out.stdout.lines().any(|line| {
        serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v["path"].as_str().map(String::from))
            .is_some_and(|p| p == path || p.starts_with(&prefix))
    });
    if holds {
        Ok(())
    } else {
        Err(format!("archive {archive} does not hold {path}"))
    }
}

/// The purge's refusals as one error, for front-ends that want one.
pub fn refusals_error(report: &PurgeReport) -> Option<Error> {
    let first = report.refused.first()?;
    Some(
        Error::refused(format!("purge of {}", first.path), first.why.clone())
            .with_hint("nothing was deleted for it; run backup run, then backup purge again"),
    )
}
