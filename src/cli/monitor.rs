//! `postier metrics` and `postier check WHAT`: asks [`crate::monitor`]
//! and prints what it returns — Prometheus text (on stdout, or written
//! atomically with `--textfile DIR`), or a monitoring-plugins result.
//!
//! `check` speaks the plugins' language even when it cannot run: a bad
//! argument, a config that cannot be read or a directory that cannot be
//! opened is `POSTIER WHAT UNKNOWN - why` on stdout and exit 3.

use super::{Cli, open_ops};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::monitor::Monitor;
use crate::monitor::check::{CheckKind, CheckOutcome, Thresholds};
use crate::monitor::metrics::{self, Snapshot};
use crate::monitor::range::Range;
use crate::ops::Actor;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Write DIR/postier.prom atomically (node_exporter's
    /// --collector.textfile.directory) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub textfile: Option<PathBuf>,
    /// Also run the DNS self-check of every domain (within [monitor]
    /// dns_deadline) and add postier_dns_status.
    #[arg(long)]
    pub dns: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// backup, hooks, quota, dns or directory.
    #[arg(value_name = "WHAT")]
    pub what: String,
    /// Warning range (10, 10:, ~:10, 10:20, @10:20; ages take s, m, h, d).
    #[arg(
        short = 'w',
        long = "warning",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub warning: Option<String>,
    /// Critical range, same syntax.
    #[arg(
        short = 'c',
        long = "critical",
        value_name = "RANGE",
        allow_hyphen_values = true
    )]
    pub critical: Option<String>,
}

/// The exit code of a check that could not run.
pub const EXIT_UNKNOWN: u8 = 3;

/// The monitor over the configured directory (or why it is down).
pub(super) async fn open_monitor(cli: &Cli, config: Config) -> Result<Monitor> {
    let actor = Actor::from_config(Actor::current_user(), &config.access)?;
    let ops = open_ops(cli, &config, actor).await;
    Ok(Monitor::new(config, ops, Lang::from_env()))
}

/// `postier metrics`: exit 0 when every source was read, 1 when one could
/// not be (the text is still printed or written, saying so in
/// `postier_directory_up` and `postier_source_up`).
pub async fn metrics(cli: &Cli, args: &MetricsArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.textfile
        && !dir.is_dir()
    {
        return Err(Error::invalid(
            format!("--textfile {}", dir.display()),
            "is not a directory",
        )
        .with_hint("name the directory node_exporter's --collector.textfile.directory reads"));
    }
    let config = Config::load(cli.config.as_deref())?;
    let monitor = open_monitor(cli, config).await?;
    let snapshot = snapshot(&monitor, args.dns).await;
    let text = metrics::render(&snapshot);
    match &args.textfile {
        Some(dir) => {
            metrics::write_textfile(dir, &text)?;
        }
        None => print!("{text}"),
    }
    let errors = snapshot.errors();
    let lang = Lang::from_env();
    for (source, e) in &errors {
        // The error names its source when it is the directory's.
        let line = crate::i18n::error_line(e, lang);
        if e.what.starts_with(source) {
            eprintln!("postier: {line}");
        } else {
            eprintln!("postier: {source}: {line}");
        }
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILED)
    })
}

/// Everything `metrics` shows, read from each source.
pub async fn snapshot(monitor: &Monitor, dns: bool) -> Snapshot {
    let directory = monitor.directory(Thresholds::default()).await;
    let up = directory.is_ok();
    Snapshot {
        directory: Some(directory),
        dkim: Some(monitor.dkim_keys()),
        hooks: up.then_some(monitor.hooks().await),
        dns: if dns && up {
            Some(monitor.dns().await)
        } else {
            None
        },
        // Without [backup], no backup families at all.
        backup: match monitor.backs_up() {
            true => Some(monitor.backup().await),
            false => None,
        },
        now: chrono::Utc::now(),
    }
}

/// `postier check WHAT`: prints the plugin output, exits with its state.
pub async fn check(cli: &Cli, args: &CheckArgs) -> ExitCode {
    let (name, outcome) = match run_check(cli, args).await {
        Ok(outcome) => (outcome.kind.name(), outcome),
        Err((kind, e)) => (
            kind.map_or("check", CheckKind::name),
            CheckOutcome::unknown(kind.unwrap_or(CheckKind::Directory), &e),
        ),
    };
    print!("{}", outcome.text_named(name));
    ExitCode::from(outcome.state.exit_code())
}

/// A check that could not run: which one (if known), and why.
type NotRun = (Option<CheckKind>, Error);

async fn run_check(cli: &Cli, args: &CheckArgs) -> std::result::Result<CheckOutcome, NotRun> {
    let kind = CheckKind::parse(&args.what).ok_or_else(|| {
        let names: Vec<&str> = CheckKind::ALL.iter().map(|k| k.name()).collect();
        (
            None,
            Error::invalid(
                format!("check {:?}", args.what),
                "is not a check postier has",
            )
            .with_hint(format!("use one of: {}", names.join(", "))),
        )
    })?;
    let fail = |e: Error| (Some(kind), e);
    let range = |flag: &str, text: &Option<String>| -> std::result::Result<Option<Range>, NotRun> {
        text.as_deref()
            .map(|t| {
                Range::parse(t, kind.unit()).map_err(|why| {
                    fail(
                        Error::invalid(flag, why)
                            .with_hint(format!("{flag} applies to {}", kind.threshold_meaning())),
                    )
                })
            })
            .transpose()
    };
    let given = Thresholds {
        warning: range("-w", &args.warning)?,
        critical: range("-c", &args.critical)?,
    };
    let config = Config::load(cli.config.as_deref()).map_err(fail)?;
    let monitor = open_monitor(cli, config).await.map_err(fail)?;
    Ok(monitor.check(kind, given).await)
}

/// Is this command line a `check` (its usage errors are then UNKNOWN, 3)?
pub fn is_check(args: &[String]) -> bool {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--config" | "--directory" | "--color" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => return a == "check",
        }
    }
    false
}

/// A usage error of `check`, as a plugin reports it.
pub fn usage_unknown(line: &str) -> ExitCode {
    let why = Error::invalid("usage", line);
    let outcome = CheckOutcome::unknown(CheckKind::Directory, &why);
    print!("{}", outcome.text_named("check"));
    ExitCode::from(EXIT_UNKNOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_check_command_lines() {
        let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert!(is_check(&args("postier check quota -w x")));
        assert!(is_check(&args("postier --config /c check")));
        assert!(is_check(&args("postier --json check hooks")));
        assert!(!is_check(&args("postier --directory check mailbox list")));
        assert!(!is_check(&args("postier mailbox add check@example.org")));
    }
}
