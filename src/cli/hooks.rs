//! `postier hooks run|watch|status|retry|skip|test`: calls the hooks
//! service ([`crate::hooks`]) and prints what it reports. Admins only (the
//! service checks).

use super::args::HooksCmd;
use super::{Context, EXIT_FAILED, output};
use crate::config::hooks::parse_duration;
use crate::error::{Error, Result};
use crate::hooks::{Hooks, Outcome, RunReport, attempt_text};
use crate::i18n::{Lang, Msg};
use std::process::ExitCode;

pub async fn run(ctx: &Context, cmd: &HooksCmd) -> Result<ExitCode> {
    let hooks = Hooks::new(&ctx.ops, &ctx.config)?;
    let l = ctx.lang;
    match cmd {
        HooksCmd::Run => {
            let report = hooks.run_once().await?;
            if ctx.json {
                output::json(&report)?;
            } else {
                print_round(l, &report, true);
            }
            Ok(exit(!report.has_failures()))
        }
        HooksCmd::Watch { poll } => {
            let poll = parse_duration(poll).map_err(|why| Error::invalid("--poll", why))?;
            let (tx, rx) = tokio::sync::watch::channel(false);
            let signals = tokio::spawn(async move {
                let _ = stop_signal().await;
                let _ = tx.send(true);
            });
            let json = ctx.json;
            hooks
                .watch(rx, poll, |round| match round {
                    Ok(report) if json => {
                        if report.delivered() > 0 || report.has_failures() {
                            println!("{}", serde_json::to_string(report).unwrap_or_default());
                        }
                    }
                    Ok(report) => print_round(l, report, false),
                    // The directory may come back: say so and go on.
                    Err(e) => eprintln!("postier: {e}"),
                })
                .await;
            signals.abort();
            Ok(ExitCode::SUCCESS)
        }
        HooksCmd::Status { attempts } => {
            let status = hooks.status(*attempts).await?;
            if ctx.json {
                output::json(&status)?;
                return Ok(ExitCode::SUCCESS);
            }
            if status.hooks.is_empty() {
                println!("{}", l.t(Msg::CliHooksNone));
                return Ok(ExitCode::SUCCESS);
            }
            let rows = status
                .hooks
                .iter()
                .map(|h| {
                    vec![
                        h.name.clone(),
                        h.pending.to_string(),
                        h.failed.to_string(),
                        h.last_delivered_id.to_string(),
                        if h.pending > 0 {
                            format!("{}s", h.oldest_pending_age_seconds)
                        } else {
                            "-".into()
                        },
                    ]
                })
                .collect();
            output::table(
                &[
                    l.t(Msg::ColHook),
                    l.t(Msg::ColPending),
                    l.t(Msg::ColFailed),
                    l.t(Msg::ColLastDelivered),
                    l.t(Msg::ColOldest),
                ],
                rows,
            );
            for h in &status.hooks {
                let d = &h.detail;
                if let Some((event, failed)) = d.head {
                    let note = if d.parked {
                        l.t(Msg::CliHookParkedNote)
                    } else {
                        ""
                    };
                    println!();
                    println!(
                        "{}",
                        l.fmt(
                            Msg::CliHookHead,
                            &[&h.name, &event.to_string(), &failed.to_string(), note]
                        )
                    );
                    for a in &d.attempts {
                        let code = a.code.map(|c| format!(" ({c})")).unwrap_or_default();
                        let detail = a.detail.replace('\n', " | ");
                        println!("  {}  #{}  {}{code}  {detail}", a.at, a.event_id, a.outcome);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        HooksCmd::Retry { hook, event_id } => {
            let id = hooks.retry(hook, *event_id).await?;
            if ctx.json {
                output::json(&serde_json::json!({"hook": hook, "event_id": id, "retry": true}))?;
            } else {
                output::say(&l.fmt(Msg::CliHookRetry, &[hook, &id.to_string()]));
            }
            Ok(ExitCode::SUCCESS)
        }
        HooksCmd::Skip { hook, event_id } => {
            hooks.skip(hook, *event_id).await?;
            if ctx.json {
                output::json(
                    &serde_json::json!({"hook": hook, "event_id": event_id, "skipped": true}),
                )?;
            } else {
                output::say(&l.fmt(Msg::CliHookSkipped, &[hook, &event_id.to_string()]));
            }
            Ok(ExitCode::SUCCESS)
        }
        HooksCmd::Test { hook } => {
            let attempt = hooks.test(hook).await?;
            if ctx.json {
                output::json(&serde_json::json!({"hook": hook, "attempt": attempt}))?;
            } else {
                println!(
                    "{}",
                    l.fmt(Msg::CliHookTest, &[hook, &attempt_text(&attempt)])
                );
            }
            Ok(exit(attempt.outcome == Outcome::Delivered))
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

/// One line per hook (`all`, for `hooks run`), or per hook that delivered
/// or failed in this round (`hooks watch`, which runs a round a second).
fn print_round(l: Lang, report: &RunReport, all: bool) {
    for h in &report.hooks {
        if !all && h.delivered == 0 && h.failed_attempts == 0 {
            continue;
        }
        if let Some(event) = h.parked {
            let id = event.to_string();
            let why = h.last_error.clone().unwrap_or_default();
            println!(
                "{}",
                l.fmt(
                    Msg::CliHookParked,
                    &[&h.name, &id, &h.name, &h.name, &id, &why]
                )
            );
        } else if let Some((event, at)) = h.waiting {
            let at = chrono::DateTime::from_timestamp_millis(at)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            let why = h.last_error.clone().unwrap_or_default();
            println!(
                "{}",
                l.fmt(
                    Msg::CliHookWaiting,
                    &[&h.name, &event.to_string(), &at, &why]
                )
            );
        } else if h.busy {
            println!("{}", l.fmt(Msg::CliHookBusy, &[&h.name]));
        } else {
            println!(
                "{}",
                l.fmt(Msg::CliHookDelivered, &[&h.name, &h.delivered.to_string()])
            );
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn stop_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
