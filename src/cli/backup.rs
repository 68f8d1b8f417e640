//! `postier backup run|agent|status|list|restore|purge|prune`: calls the
//! backup service ([`crate::backup`]) and prints what it reports, a table
//! for people or one JSON document with `--json` (the agent always
//! answers JSON: a backup server's script reads it). Exit 1 when a run is
//! degraded or failed, or a purge refused something.

use super::args::BackupCmd;
use super::{Context, EXIT_FAILED, output};
use crate::backup::{self, RestoreTarget, RunResult};
use crate::error::Result;
use std::process::ExitCode;

pub async fn run(ctx: &Context, cmd: &BackupCmd) -> Result<ExitCode> {
    let (config, ops) = (&ctx.config, &ctx.ops);
    match cmd {
        BackupCmd::Run { dry_run } => {
            let report = backup::run(config, ops, *dry_run).await?;
            if ctx.json {
                output::json(&report)?;
            } else if *dry_run {
                println!("would archive as {}:", report.archive);
                let rows = report
                    .maildirs
                    .iter()
                    .map(|h| vec![h.address.clone(), h.path.clone(), removed(h.removed)])
                    .collect();
                output::table(&["ADDRESS", "MAILDIR", "STATE"], rows);
            } else {
                print_run(&report);
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
            match &status.last_run {
                Some(r) => println!(
                    "last run:      {} ({}), {} to {}",
                    r.archive,
                    result_word(r.result),
                    r.started,
                    r.finished
                ),
                None => println!("last run:      none"),
            }
            if let Some(e) = status.last_run.as_ref().and_then(|r| r.error.as_ref()) {
                println!("  error:       {e}");
            }
            match (&status.last_success, status.age_seconds) {
                (Some(at), Some(age)) => println!("last success:  {at} ({} ago)", human_age(age)),
                _ => println!("last success:  never"),
            }
            println!("unprotected:   {}", status.unprotected.len());
            for a in &status.unprotected {
                println!("  {a}");
            }
            println!("pending purge: {}", status.pending_purge.len());
            for p in &status.pending_purge {
                println!("  {} ({}): {}", p.address, p.path, waiting(p));
            }
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::List { filter, remote } => {
            let report = backup::list(config, ops, filter.as_deref(), *remote).await?;
            if ctx.json {
                output::json(&report)?;
                return Ok(ExitCode::SUCCESS);
            }
            if filter.is_none() {
                let rows = report
                    .archives
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            a.started.clone(),
                            a.maildirs.to_string(),
                            a.pruned
                                .clone()
                                .map(|p| format!("pruned {p}"))
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                output::table(&["ARCHIVE", "STARTED", "MAILDIRS", ""], rows);
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
                            removed(h.removed),
                        ]
                    })
                    .collect();
                output::table(&["ARCHIVE", "STARTED", "ADDRESS", "MAILDIR", "STATE"], rows);
            }
            if let Some(remote) = &report.remote {
                println!("in the repository: {}", remote.len());
                for name in remote {
                    println!("  {name}");
                }
            }
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
                (None, None) => unreachable_target()?,
            };
            let report = backup::restore(config, ops, address, archive.as_deref(), target).await?;
            if ctx.json {
                output::json(&report)?;
            } else {
                let into = match (&report.folder, &report.directory) {
                    (Some(f), _) => format!("folder {f:?} of {}", report.address),
                    (None, Some(d)) => d.display().to_string(),
                    _ => String::new(),
                };
                println!(
                    "restored {} ({} files) from {} into {into}",
                    report.path, report.files, report.archive
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        BackupCmd::Purge { dry_run } => {
            let report = backup::purge(config, ops, *dry_run).await?;
            if ctx.json {
                output::json(&report)?;
            } else {
                let verb = if *dry_run { "would purge" } else { "purged" };
                for p in &report.purged {
                    println!(
                        "{verb} {} ({}, held by {})",
                        p.address,
                        p.path,
                        p.archive.as_deref().unwrap_or("-")
                    );
                }
                for p in &report.waiting {
                    println!("kept {} ({}): {}", p.address, p.path, waiting(p));
                }
                for r in &report.refused {
                    println!("refused {} ({}): {}", r.address, r.path, r.why);
                }
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
        BackupCmd::Prune => {
            let report = backup::prune(config, ops).await?;
            if ctx.json {
                output::json(&report)?;
            } else {
                println!(
                    "pruned {} archive(s), {} kept",
                    report.pruned.len(),
                    report.kept.len()
                );
                for name in &report.pruned {
                    println!("  - {name}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn unreachable_target() -> Result<RestoreTarget> {
    Err(crate::error::Error::invalid(
        "backup restore",
        "needs --into-folder NAME or --to DIR",
    ))
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn removed(removed: bool) -> String {
    if removed { "removed" } else { "live" }.to_string()
}

fn result_word(r: RunResult) -> &'static str {
    match r {
        RunResult::Ok => "ok",
        RunResult::Warning => "warning",
        RunResult::Error => "error",
    }
}

fn waiting(p: &backup::PendingPurge) -> String {
    match p.waiting_for {
        backup::Waiting::Archive => "waits for an archive made after its removal".into(),
        backup::Waiting::PurgeAfter => format!(
            "held by {}, waits until {}",
            p.archive.as_deref().unwrap_or("-"),
            p.purge_not_before
        ),
        backup::Waiting::Nothing => "ready to purge".into(),
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

fn print_run(report: &backup::RunReport) {
    println!("{} {}", report.archive, result_word(report.result));
    if let Some(s) = &report.stats {
        println!(
            "  {} files, {} bytes, {} bytes new in the repository",
            s.nfiles, s.original_size, s.deduplicated_size
        );
    }
    println!("  {} maildirs held whole", report.maildirs.len());
    for w in &report.warnings {
        println!("  not archived: {w}");
    }
    if let Some(e) = &report.error {
        println!("  {e}");
    }
}
