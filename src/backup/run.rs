//! `backup run`: one borg archive (`PREFIX-<UTC time>`) of every mailbox's
//! maildir and of the moved-aside data of removed mailboxes, recorded in
//! the catalogue once borg is done, then a `backup.done` or
//! `backup.failed` journal event for the hooks.

use super::aside::{self, relative_maildir};
use super::borg::{self, Borg, Exit};
use super::catalogue::{Catalogue, Held, Run, RunResult, Stats};
use crate::config::{BackupConfig, Config};
use crate::error::Result;
use crate::ops::Ops;
use serde::Serialize;

/// What a run did (or, with `dry_run`, would archive).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub archive: String,
    pub started: String,
    pub finished: String,
    pub result: RunResult,
    pub dry_run: bool,
    /// The repository could not be reached (the backup server is off).
    pub unreachable: bool,
    pub stats: Option<Stats>,
    /// Files borg could not archive (a degraded run).
    pub warnings: Vec<String>,
    pub error: Option<String>,
    /// The maildirs archived whole (all of them with `dry_run`).
    pub maildirs: Vec<Held>,
    /// Why the journal event could not be recorded, if it could not.
    pub event_error: Option<String>,
}

/// The maildirs a run archives: every mailbox's, then what is aside.
pub async fn plan(config: &Config, ops: &Ops) -> Result<Vec<Held>> {
    let mut held = Vec::new();
    for m in ops.mailboxes(None).await? {
        held.push(Held {
            path: relative_maildir(&m.maildir)?,
            address: m.address.to_string(),
            removed: false,
        });
    }
    for r in aside::list_removed(&config.stack.mail_root)? {
        held.push(Held {
            path: r.path,
            address: r.address,
            removed: true,
        });
    }
    Ok(held)
}

/// `PREFIX-YYYY-MM-DDTHH:MM:SSZ`.
pub fn archive_name(prefix: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{prefix}-{}", at.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// Runs (or with `dry_run` plans) one backup.
pub async fn run(config: &Config, ops: &Ops, dry_run: bool) -> Result<RunReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup run")?;
    let start = chrono::Utc::now();
    let started = aside::now();
    let maildirs = plan(config, ops).await?;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let mut archive = archive_name(&settings.archive_prefix, start);
    let mut n = 1;
    while catalogue.has_archive(&archive).await? {
        archive = format!("{}.{n}", archive_name(&settings.archive_prefix, start));
        n += 1;
    }
    let mut report = RunReport {
        archive,
        started,
        finished: String::new(),
        result: RunResult::Ok,
        dry_run,
        unreachable: false,
        stats: None,
        warnings: Vec::new(),
        error: None,
        maildirs,
        event_error: None,
    };
    if dry_run {
        report.finished = aside::now();
        return Ok(report);
    }
    create(settings, config, &mut report).await?;
    report.finished = aside::now();
    let run = Run {
        archive: report.archive.clone(),
        started: report.started.clone(),
        finished: report.finished.clone(),
        result: report.result,
        stats: report.stats.clone(),
        warnings: report.warnings.clone(),
        error: report.error.clone(),
    };
    catalogue.record_run(&run, &report.maildirs).await?;
    let (event, payload) = match report.result {
        RunResult::Error => (
            "backup.failed",
            serde_json::json!({
                "actor": ops.actor().user, "error": report.error, "unreachable": report.unreachable,
            }),
        ),
        result => (
            "backup.done",
            serde_json::json!({
                "actor": ops.actor().user, "result": result, "stats": report.stats,
                "warnings": report.warnings, "maildirs": report.maildirs.len(),
            }),
        ),
    };
    if let Err(e) = ops
        .directory()
        .record_job_event(event, &report.archive, payload)
        .await
    {
        report.event_error = Some(e.to_string());
    }
    Ok(report)
}

/// Runs `borg create` and fills in the result; `report.maildirs` keeps
/// only what the archive holds whole.
async fn create(settings: &BackupConfig, config: &Config, report: &mut RunReport) -> Result<()> {
    let root = &config.stack.mail_root;
    // A mailbox that never received mail has no maildir yet: nothing to
    // archive, and nothing to lose.
    let paths: Vec<String> = report
        .maildirs
        .iter()
        .filter(|h| root.join(&h.path).exists())
        .map(|h| h.path.clone())
        .collect();
    let borg = Borg::new(settings)?;
    let args = borg::create_args(&report.archive, &paths, settings.lock_wait);
    let out = borg.run(&args, root).await?;
    match out.exit {
        Exit::Ok | Exit::Warning => {
            report.stats = serde_json::from_str::<serde_json::Value>(&out.stdout)
                .ok()
                .and_then(|v| serde_json::from_value(v["archive"]["stats"].clone()).ok());
        }
        Exit::Error(_) => {
            report.result = RunResult::Error;
            report.unreachable = out.unreachable();
            report.error = Some(borg.failure(&out));
            report.maildirs.clear();
            return Ok(());
        }
    }
    if out.exit == Exit::Warning {
        report.result = RunResult::Warning;
        let mut failed = out.failed_files();
        // Warnings about a whole path ("x: [Errno 2] No such file ...").
        for message in out.messages(&["WARNING"]) {
            if let Some((path, _)) = message.split_once(": ")
                && !failed.iter().any(|f| f == path)
            {
                failed.push(path.to_string());
            }
        }
        report.warnings = failed;
        let warnings = report.warnings.clone();
        report.maildirs.retain(|h| {
            !warnings
                .iter()
                .any(|f| f == &h.path || f.starts_with(&format!("{}/", h.path)))
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_named_by_utc_time() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:02:03+01:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(archive_name("mail", at), "mail-2026-12-01T09:02:03Z");
    }
}
