//! The terminal UI: the admins' home over SSH.
//!
//! Built as event → action → state → view: [`keymap`] turns a key into an
//! [`Action`], [`update`] is the only code that changes the [`State`] and
//! returns the [`action::Job`]s to run, [`render`] draws the state and
//! nothing else, and [`event_loop`] wires them to a real terminal, running
//! jobs (directory reads and writes, password hashing, DNS checks,
//! restores from the backups) on background tasks that report back as
//! actions. All changes go through
//! [`crate::ops::Ops`], DNS checks through [`crate::ops::dns::DnsChecker`];
//! the TUI only hides what the role may not do, ops refuses it.

pub mod action;
mod event_loop;
pub mod forms;
mod import;
mod jobs;
pub mod keymap;
pub mod render;
pub mod restore;
pub mod state;
pub mod text;
pub mod theme;
pub mod update;

pub use action::{Action, Effect, Job, Outcome};
pub use jobs::{Services, run_job};
pub use render::render;
pub use state::State;
pub use theme::{ColorMode, Theme};
pub use update::update;

use crate::error::{Error, Result};
use crate::i18n::Lang;
use std::io::IsTerminal;
use std::time::Duration;

/// How often the event loop ticks (spinner, flash messages).
pub const TICK: Duration = Duration::from_millis(100);

/// How the TUI starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub lang: Lang,
    pub color: ColorMode,
    /// Shown in the header, e.g. "DEMO".
    pub banner: Option<String>,
}

impl Options {
    /// Language from the locale, colour from `--color` and the environment.
    pub fn from_env(color: ColorMode, banner: Option<String>) -> Options {
        Options {
            lang: Lang::from_env(),
            color,
            banner,
        }
    }
}

/// The state the TUI starts from, for the services' caller.
pub fn initial_state(services: &Services, options: &Options) -> State {
    let theme = Theme::from_env(options.color);
    let backend = match &services.ops {
        Some(ops) => ops.directory().describe(),
        None => options.lang.t(crate::i18n::Msg::NoDirectory).to_string(),
    };
    let mut state = State::new(services.dns.actor().clone(), options.lang, theme, backend);
    state.banner = options.banner.clone();
    state.backup = services.dns.config().backup.is_some();
    state
}

/// Runs the TUI on the process's terminal until the user quits.
pub async fn run(services: Services, options: Options) -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            Error::invalid("tui", "standard input and output must be a terminal").with_hint(
                "run postier from a terminal, or use a command such as: postier domain list",
            ),
        );
    }
    let state = initial_state(&services, &options);
    event_loop::run(services, state)
        .await
        .map_err(|e| Error::unavailable("terminal", e.to_string()))
}
