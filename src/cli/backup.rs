//! `postier backup run|agent|status|list|restore|purge|prune`: calls the
//! backup service ([`crate::backup`]) and prints what it reports, a table
//! for people (words from the i18n catalogue) or one JSON document with
//! `--json` (the agent always answers JSON: a backup server's script reads
//! it). Exit 1 when a run is degraded or failed, or a purge refused
//! something.

use super::args::BackupCmd;
use super::{Context, EXIT_FAILED, output};
use crate::backup::{self, RestoreTarget, RunResult};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use std::process::ExitCode;

pub async fn run(ctx: &Context, cmd: &BackupCmd) -> Result<ExitCode> {
    let (config, ops, l) = (&ctx.config, &ctx.ops, ctx.lang);
    match cmd {
        BackupCmd::Run { dry_run } => {
            let report = backup::run(config, ops, *dry_run).await?;
            if ctx.json {
                output::json(&report)?;
            } else if *dry_run {
                println!("{}", l.fmt(Msg::BackupWouldArchive, &[&report.archive]));
                let rows = report
                    .maildirs
                    .iter()
                    .map(|h| vec![h.address.clone(), h.path.clone(), removed(l, h.removed)])
                    .collect();
                output::table(
                    &[
                        l.t(Msg::ColAddress),
                        l.t(Msg::ColMaildir),
                        l.t(Msg::ColState),
                    ],
                    rows,
                );
            } else if !output::quiet() {
                print_run(l, &report);
            }
            if let Some(e) = &report.event_error {
                eprintln!("postier: backup event not recorded for the hooks: {e}");
            }
            if let Some(e) = &report.error {
                eprintln!("postier: backup run {}: {e}", report.archive);
            } else if report.result == RunResult::Warning {
                eprintln!(
                    "postier: backup run {}: degraded, not archived: {}",
                    report.archive,
                    report.warnings.join(", ")
                );
            }
            Ok(exit(report.result == RunResult::Ok))
        }
        BackupCmd::Agent => {
            let original = std::env::var("SSH_ORIGINAL_COMMAND").ok();
            let client = std::env::var("SSH_CONNECTION").ok();
            let reply =
                backup::agent::serve(config, ops, original.as_deref(), client.as_deref()).await?;
            output::json(&reply.document)?;
            Ok(exit(reply.ok))
        }
        BackupCmd::Status => {
            let status = backup::status(config, ops).await?;
            if ctx.json {
                output::json(&status)?;
                return Ok(ExitCode::SUCCESS);
            }
            print_status(l, &status);
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::List { filter, remote } => {
            let report = backup::list(config, ops, filter.as_deref(), *remote).await?;
            if ctx.json {
                output::json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            print_list(l, filter.is_none(), &report);
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::Restore {
            address,
            archive,
            into_folder,
            to,
        } => {
            let target = match (into_folder, to) {
                (Some(folder), _) => RestoreTarget::Folder(folder.clone()),
                (None, Some(dir)) => RestoreTarget::Dir(dir.clone()),
                (None, None) => {
                    return Err(Error::invalid(
                        "backup restore",
                        "needs --into-folder NAME or --to DIR",
                    ));
                }
            };
            let report = backup::restore(config, ops, address, archive.as_deref(), target).await?;
            if ctx.json {
                output::json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            let into = match (&report.folder, &report.directory) {
                (Some(f), _) => l.fmt(Msg::BackupRestoredFolder, &[f, &report.address]),
                (None, Some(d)) => d.display().to_string(),
                _ => String::new(),
            };
            let files = report.files.to_string();
            output::say(&l.fmt(
                Msg::BackupRestored,
                &[&report.path, &files, &report.archive, &into],
            ));
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::Purge { dry_run } => {
            let report = backup::purge(config, ops, *dry_run).await?;
            if ctx.json {
                output::json(&report)?;
            } else if *dry_run || !output::quiet() {
                print_purge(l, &report);
            }
            for e in &report.event_errors {
                eprintln!("postier: purge event not recorded for the hooks: {e}");
            }
            if let Some(e) = backup::purge::refusals_error(&report) {
                eprintln!("postier: {e}");
                return Ok(ExitCode::from(EXIT_FAILED));
            }
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::Prune { dry_run } => {
            let report = backup::prune(config, ops, *dry_run).await?;
            if ctx.json {
                output::json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            let (pruned, kept) = (
                report.pruned.len().to_string(),
                report.kept.len().to_string(),
            );
            if report.dry_run {
                println!("{}", l.fmt(Msg::BackupPruneWould, &[&pruned, &kept]));
                for name in &report.pruned {
                    println!("  - {name}");
                }
            } else {
                output::say(&l.fmt(Msg::BackupPruneDone, &[&pruned, &kept]));
                for name in &report.pruned {
                    output::say(&format!("  - {name}"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn removed(l: Lang, removed: bool) -> String {
    let msg = if removed {
        Msg::BackupRemoved
    } else {
        Msg::BackupLive
    };
    l.t(msg).to_string()
}

/// The result as the JSON says it (a word scripts also grep for).
fn result_word(r: RunResult) -> &'static str {
    match r {
        RunResult::Ok => "ok",
        RunResult::Warning => "warning",
        RunResult::Error => "error",
    }
}

fn waiting(l: Lang, p: &backup::PendingPurge) -> String {
    match p.waiting_for {
        backup::Waiting::Archive => l.t(Msg::BackupWaitsArchive).to_string(),
        backup::Waiting::PurgeAfter => l.fmt(
            Msg::BackupWaitsUntil,
            &[p.archive.as_deref().unwrap_or("-"), &p.purge_not_before],
        ),
        backup::Waiting::Nothing => l.t(Msg::BackupReady).to_string(),
    }
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn print_run(l: Lang, report: &backup::RunReport) {
    println!("{} {}", report.archive, result_word(report.result));
    if let Some(s) = &report.stats {
        let [files, bytes, new] =
            [s.nfiles, s.original_size, s.deduplicated_size].map(|n| n.to_string());
        println!("{}", l.fmt(Msg::BackupRunStats, &[&files, &bytes, &new]));
    }
    let held = report.maildirs.len().to_string();
    println!("{}", l.fmt(Msg::BackupRunHeld, &[&held]));
    for w in &report.warnings {
        println!("{}", l.fmt(Msg::BackupNotArchived, &[w]));
    }
    if let Some(e) = &report.error {
        println!("  {e}");
    }
}

fn print_status(l: Lang, status: &backup::BackupStatus) {
    match &status.last_run {
        Some(r) => println!(
            "{}",
            l.fmt(
                Msg::BackupLastRun,
                &[&r.archive, result_word(r.result), &r.started, &r.finished]
            )
        ),
        None => println!("{}", l.t(Msg::BackupLastRunNone)),
    }
    if let Some(e) = status.last_run.as_ref().and_then(|r| r.error.as_ref()) {
        println!("{}", l.fmt(Msg::BackupLastRunError, &[e]));
    }
    match (&status.last_success, status.age_seconds) {
        (Some(at), Some(age)) => {
            println!("{}", l.fmt(Msg::BackupLastSuccess, &[at, &human_age(age)]))
        }
        _ => println!("{}", l.t(Msg::BackupLastSuccessNever)),
    }
    let count = status.unprotected.len().to_string();
    println!("{}", l.fmt(Msg::BackupUnprotected, &[&count]));
    for a in &status.unprotected {
        println!("  {a}");
    }
    let count = status.pending_purge.len().to_string();
    println!("{}", l.fmt(Msg::BackupPendingPurge, &[&count]));
    for p in &status.pending_purge {
        println!("  {} ({}): {}", p.address, p.path, waiting(l, p));
    }
}

fn print_list(l: Lang, archives: bool, report: &backup::ListReport) {
    if archives {
        let rows = report
            .archives
            .iter()
            .map(|a| {
                let pruned = a.pruned.as_deref().map(|p| l.fmt(Msg::BackupPruned, &[p]));
                vec![
                    a.name.clone(),
                    a.started.clone(),
                    a.maildirs.to_string(),
                    pruned.unwrap_or_default(),
                ]
            })
            .collect();
        output::table(
            &[
                l.t(Msg::ColArchive),
                l.t(Msg::ColStarted),
                l.t(Msg::ColMaildirs),
                "",
            ],
            rows,
        );
    } else {
        let rows = report
            .holdings
            .iter()
            .map(|h| {
                vec![
                    h.archive.clone(),
                    h.started.clone(),
                    h.address.clone(),
                    h.path.clone(),
                    removed(l, h.removed),
                ]
            })
            .collect();
        output::table(
            &[
                l.t(Msg::ColArchive),
                l.t(Msg::ColStarted),
                l.t(Msg::ColAddress),
                l.t(Msg::ColMaildir),
                l.t(Msg::ColState),
            ],
            rows,
        );
    }
    if let Some(remote) = &report.remote {
        println!("{}", l.fmt(Msg::BackupRemote, &[&remote.len().to_string()]));
        for name in remote {
            println!("  {name}");
        }
    }
}

fn print_purge(l: Lang, report: &backup::PurgeReport) {
    let msg = if report.dry_run {
        Msg::BackupWouldPurge
    } else {
        Msg::BackupPurged
    };
    for p in &report.purged {
        let archive = p.archive.as_deref().unwrap_or("-");
        println!("{}", l.fmt(msg, &[&p.address, &p.path, archive]));
    }
    for p in &report.waiting {
        let why = waiting(l, p);
        println!("{}", l.fmt(Msg::BackupKept, &[&p.address, &p.path, &why]));
    }
    for r in &report.refused {
        println!(
            "{}",
            l.fmt(Msg::BackupRefused, &[&r.address, &r.path, &r.why])
        );
    }
}
