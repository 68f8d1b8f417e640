//! The command-line front-end: parses arguments, builds the [`Ops`] gate
//! for the caller, runs one command, prints its result (a table for
//! people, one JSON document with `--json`) and maps errors to exit codes:
//! 0 success, 1 refused or failed, 2 usage or invalid input.

mod alias;
mod args;
mod backup;
mod dkim;
mod dns;
mod doctor;
mod domain;
mod hooks;
mod import;
mod mail;
mod mailbox;
mod monitor;
mod output;
mod progress_bar;
mod shell;
mod stack;

pub use args::{Cli, ColorChoice, Command};

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::i18n::{Lang, Msg};
use crate::ops::{Actor, Ops, Role};
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Exit codes scripts rely on (SPEC.md).
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// Runs the CLI with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let args: Vec<String> = std::env::args().collect();
            if monitor::is_check(&args) && !is_help(&e) {
                return monitor::usage_unknown(&usage_line(&e));
            }
            return usage_error(e);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("postier: runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("postier: {}", crate::i18n::error_line(&e, Lang::from_env()));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The exit code for an error: 2 for bad input, 1 for everything else.
pub fn exit_code(e: &Error) -> u8 {
    match e.kind {
        ErrorKind::Invalid => EXIT_USAGE,
        _ => EXIT_FAILED,
    }
}

/// Is this clap "error" a help or version text?
fn is_help(e: &clap::Error) -> bool {
    use clap::error::ErrorKind as K;
    matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

/// Clap's own errors, on one line in postier's form (help and version
/// print as usual).
fn usage_error(e: clap::Error) -> ExitCode {
    if is_help(&e) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    eprintln!("postier: usage: {}", usage_line(&e));
    ExitCode::from(EXIT_USAGE)
}

/// Clap's error on one line: what is wrong, naming the argument (clap puts
/// the names of missing ones on lines of their own), and the help of the
/// very subcommand.
fn usage_line(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    let text = e.render().to_string();
    let mut first = text
        .lines()
        .next()
        .unwrap_or("invalid usage")
        .trim_start_matches("error: ")
        .trim_end_matches(':')
        .to_string();
    if e.kind() == K::MissingRequiredArgument
        && let Some(ContextValue::Strings(names)) = e.get(ContextKind::InvalidArg)
    {
        first = format!("missing {}", names.join(", "));
    }
    let lang = Lang::from_env();
    // "Usage: postier mailbox add [OPTIONS] <ADDRESS>" -> "postier mailbox add"
    let command = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "postier".to_string());
    format!(
        "{} ({})",
        crate::i18n::error_text(lang, &first),
        crate::i18n::error_text(lang, &format!("see: {command} --help"))
    )
}

/// What every command needs: the caller's view of the directory.
pub struct Context {
    pub config: Config,
    pub ops: Ops,
    pub json: bool,
    /// The language of human output (LC_ALL, LC_MESSAGES, LANG).
    pub lang: Lang,
}

impl Context {
    async fn open(cli: &Cli) -> Result<Context> {
        let config = Config::load(cli.config.as_deref())?;
        let actor = Actor::from_config(Actor::current_user(), &config.access)?;
        let ops = open_ops(cli, &config, actor).await?;
        Ok(Context {
            config,
            ops,
            json: cli.json,
            lang: Lang::from_env(),
        })
    }
}

/// The directory named by `--directory` or the config, behind the gate.
/// A SQLite file that is not there is created only by `db migrate` or at
/// the built-in default location (saying so on stderr): a mistyped path
/// must not quietly become a new, empty directory.
async fn open_ops(cli: &Cli, config: &Config, actor: Actor) -> Result<Ops> {
    use crate::directory::IfMissing;
    let url = config.directory_url(cli.directory.as_deref())?;
    let default = config.uses_default_directory(cli.directory.as_deref());
    let migrate = matches!(cli.command, Some(Command::Db(args::DbCmd::Migrate)));
    let new_default = default
        && url
            .strip_prefix("sqlite:")
            .is_some_and(|path| !std::path::Path::new(path).exists());
    let if_missing = if default || migrate {
        IfMissing::Create
    } else {
        IfMissing::Refuse
    };
    let settings = config.directory.clone().with_env();
    let dir = crate::directory::open_if(&url, &settings, if_missing).await?;
    if new_default {
        let path = url.trim_start_matches("sqlite:");
        eprintln!(
            "postier: {}",
            Lang::from_env().fmt(Msg::CliCreatedDefaultDirectory, &[path])
        );
    }
    Ok(Ops::new(dir, actor, config.passwords.scheme))
}

/// Opens the TUI. A contact's TUI opens no directory: they need no
/// directory access to check their domains' DNS.
async fn open_tui(cli: &Cli, banner: Option<String>) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    let actor = Actor::from_config(Actor::current_user(), &config.access)?;
    let ops = match actor.role {
        Role::Contact(_) => None,
        _ => Some(open_ops(cli, &config, actor.clone()).await?),
    };
    let color = match cli.color {
        ColorChoice::Auto => crate::tui::ColorMode::Auto,
        ColorChoice::Always => crate::tui::ColorMode::Always,
        ColorChoice::Never => crate::tui::ColorMode::Never,
    };
    let options = crate::tui::Options::from_env(color, banner);
    // Only an admin runs the hooks service; the view says why not otherwise.
    let hooks = match &ops {
        Some(ops) => crate::hooks::Hooks::new(ops, &config).map(std::sync::Arc::new),
        None => Err(Error::forbidden(
            "hooks",
            "a contact has no directory access",
        )),
    };
    let services = crate::tui::Services {
        ops,
        hooks,
        dns: crate::ops::dns::DnsChecker::new(&config, actor)?,
        quota: crate::stack::quota::reader(&config.stack).into(),
        lang: options.lang,
    };
    crate::tui::run(services, options).await
}

async fn run(cli: Cli) -> Result<ExitCode> {
    // No command on a terminal opens the TUI (SPEC.md).
    let tui = Command::Tui { banner: None };
    let command = match &cli.command {
        Some(command) => command,
        None if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => &tui,
        None => {
            return Err(Error::invalid("command", "none given").with_hint("see: postier --help"));
        }
    };
    output::set_quiet(cli.quiet);
    // Rendering, DNS and DKIM need the config, not the directory (a
    // contact has none).
    match command {
        Command::Stack(cmd) => return stack::run(&cli, cmd).map(|()| ExitCode::SUCCESS),
        Command::Dns(args) => return dns::run(&cli, args).await,
        Command::Dkim(args) => return dkim::run(&cli, args).await.map(|()| ExitCode::SUCCESS),
        Command::Tui { banner } => {
            return open_tui(&cli, banner.clone())
                .await
                .map(|()| ExitCode::SUCCESS);
        }
        // Monitoring reports a directory that is down rather than failing.
        Command::Metrics(args) => return monitor::metrics(&cli, args).await,
        Command::Check(args) => return Ok(monitor::check(&cli, args).await),
        Command::Doctor(args) => return doctor::run(&cli, args).await,
        Command::Completions { shell } => {
            shell::completions(*shell);
            return Ok(ExitCode::SUCCESS);
        }
        Command::CompleteNames { kind } => return Ok(shell::complete_names(&cli, *kind).await),
        Command::Man { out } => {
            for file in shell::man_pages(out)? {
                println!("{}", out.join(file).display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let ctx = Context::open(&cli).await?;
    match command {
        Command::Domain(cmd) => domain::run(&ctx, cmd).await?,
        Command::Mailbox(cmd) => mailbox::run(&ctx, cmd).await?,
        Command::Alias(cmd) => alias::run(&ctx, cmd).await?,
        Command::Mail(cmd) => mail::run(&ctx, cmd).await?,
        Command::Hooks(cmd) => return hooks::run(&ctx, cmd).await,
        Command::Import(args) => return import::run(&ctx, args).await,
        Command::Export(args) => import::export(&ctx, args).await?,
        Command::Backup(cmd) => return backup::run(&ctx, cmd).await,
        Command::Stack(cmd) => stack::run(&cli, cmd)?,
        Command::Db(args::DbCmd::Migrate) => {
            ctx.ops.directory().migrate().await?;
            if !ctx.json {
                let shown = ctx.ops.directory().describe();
                output::say(&ctx.lang.fmt(Msg::CliMigrated, &[&shown]));
            } else {
                output::json(
                    &serde_json::json!({"directory": ctx.ops.directory().describe(), "migrated": true}),
                )?;
            }
        }
        Command::Dns(_)
        | Command::Dkim(_)
        | Command::Tui { .. }
        | Command::Metrics(_)
        | Command::Check(_)
        | Command::Doctor(_)
        | Command::Completions { .. }
        | Command::CompleteNames { .. }
        | Command::Man { .. } => {}
        Command::Audit {
            limit,
            actor,
            object,
            since,
        } => {
            let query = crate::ops::AuditQuery {
                limit: *limit,
                actor: actor.clone(),
                object: object.clone(),
                since: since
                    .as_deref()
                    .map(crate::ops::AuditQuery::parse_since)
                    .transpose()?,
            };
            let entries = ctx.ops.audit_matching(&query).await?;
            if ctx.json {
                output::json(&entries)?;
            } else {
                let rows = entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.at.clone(),
                            e.actor.clone(),
                            e.action.clone(),
                            crate::model::unicode_names(&e.object),
                        ]
                    })
                    .collect();
                let l = ctx.lang;
                output::table(
                    &[
                        l.t(Msg::ColWhen),
                        l.t(Msg::ColWho),
                        l.t(Msg::ColWhat),
                        l.t(Msg::ColObject),
                    ],
                    rows,
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
