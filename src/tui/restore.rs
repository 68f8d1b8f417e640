//! The TUI's restore of a mailbox from the backups (admins, where
//! `[backup]` is configured): `b` on a mailbox or `:restore ADDRESS` (a
//! removed mailbox too) opens a dialog listing the archives the catalogue
//! says hold it, newest first and chosen; where to restore (a new folder
//! of the live mailbox, named "Restored DATE" unless changed, or a new
//! directory); Cancel (focused) and Restore. The work is
//! [`fn@crate::backup::list`] and [`fn@crate::backup::restore`], the calls
//! behind `postier backup list|restore`, run as background jobs; the
//! dialog's state, keys and outcomes live here for [`super::update`].

use super::action::{Action, Effect, Job, Outcome};
use super::state::{Loaded, Overlay, State};
use super::update::flash;
use crate::backup::catalogue::Holding;
use crate::backup::{RestoreReport, RestoreTarget, RunResult};
use crate::config::Config;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::Address;
use crate::ops::Ops;
use ratatui::crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// One archive the dialog offers.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreArchive {
    pub name: String,
    /// When the run that made it started (RFC 3339, UTC).
    pub started: String,
    /// How its run ended, when the catalogue recorded it.
    pub result: Option<RunResult>,
    /// It holds only the moved-aside data of the removed mailbox.
    pub removed: bool,
}

/// What has the keyboard in the dialog (↑/↓ always choose the archive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Folder or directory.
    Target,
    /// The folder's name or the directory's path.
    Path,
    /// Cancel / Restore.
    Buttons,
}

/// The restore dialog of one mailbox.
#[derive(Debug, Clone)]
pub struct RestoreView {
    pub address: Address,
    pub archives: Loaded<Vec<RestoreArchive>>,
    /// The archive chosen (an index into `archives`).
    pub selected: usize,
    /// Restore to a directory rather than into a folder of the mailbox.
    pub to_dir: bool,
    pub folder: Input,
    pub dir: Input,
    pub focus: Focus,
    /// 0: Cancel, 1: Restore.
    pub button: usize,
    /// Restore was chosen and runs.
    pub running: bool,
    /// Why Restore cannot start, or why the restore failed.
    pub error: Option<String>,
}

/// The dialog's buttons: Cancel first, and focused when it opens.
pub const BUTTONS: [Msg; 2] = [Msg::ButtonCancel, Msg::ButtonRestore];

impl RestoreView {
    /// The text field in use: the folder's name or the directory's path.
    pub fn path(&self) -> &Input {
        if self.to_dir { &self.dir } else { &self.folder }
    }

    fn path_mut(&mut self) -> &mut Input {
        if self.to_dir {
            &mut self.dir
        } else {
            &mut self.folder
        }
    }

    /// The archive chosen, once the catalogue has answered.
    pub fn chosen(&self) -> Option<&RestoreArchive> {
        self.archives.value.as_ref()?.get(self.selected)
    }
}

/// The archives holding `address`, one row per archive (an archive may
/// hold a live maildir and a removed one of the same address: the live
/// one is restored, as `backup restore --archive` does).
pub fn archives(holdings: &[Holding]) -> Vec<RestoreArchive> {
    let mut out: Vec<RestoreArchive> = Vec::new();
    for h in holdings {
        match out.iter_mut().find(|a| a.name == h.archive) {
            Some(a) => a.removed &= h.removed,
            None => out.push(RestoreArchive {
                name: h.archive.clone(),
                started: h.started.clone(),
                result: h.result,
                removed: h.removed,
            }),
        }
    }
    out
}

/// The job reading the archives that hold `address`: `backup list ADDRESS`.
pub async fn load(config: &Config, ops: &Ops, address: Address) -> Outcome {
    let listed = crate::backup::list(config, ops, Some(&address.to_string()), false).await;
    Outcome::RestoreArchives(address, listed.map(|l| l.holdings))
}

/// The restore job: `backup restore ADDRESS --archive NAME (--into-folder
/// NAME | --to DIR)`.
pub async fn run(
    config: &Config,
    ops: &Ops,
    address: Address,
    archive: &str,
    target: RestoreTarget,
) -> Outcome {
    let restored =
        crate::backup::restore(config, ops, &address.to_string(), Some(archive), target).await;
    Outcome::Restored(address, restored)
}

/// Opens the dialog on `address`, and asks the catalogue which archives
/// hold it; or says why it cannot.
pub fn open(state: &mut State, fx: &mut Vec<Effect>, address: Option<Address>) -> Option<String> {
    if !state.is_admin() {
        return Some(state.t(Msg::NotForRole).to_string());
    }
    if !state.backup {
        return Some(state.t(Msg::RestoreNotConfigured).to_string());
    }
    let Some(address) = address else {
        return Some(state.t(Msg::RestoreUsage).to_string());
    };
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    let folder = state.lang.fmt(Msg::RestoreDefaultFolder, &[&today]);
    state.overlay = Some(Overlay::Restore(Box::new(RestoreView {
        address: address.clone(),
        archives: Loaded {
            loading: true,
            ..Loaded::default()
        },
        selected: 0,
        to_dir: false,
        folder: Input::new(folder),
        dir: Input::default(),
        focus: Focus::Buttons,
        button: 0,
        running: false,
        error: None,
    })));
    state.jobs += 1;
    fx.push(Effect::Run(Job::LoadRestoreArchives(address)));
    None
}

/// `:restore [ADDRESS]`: the address given, else the mailbox selected.
pub fn command(
    state: &mut State,
    fx: &mut Vec<Effect>,
    arg: &str,
    selected: Option<Address>,
) -> Option<String> {
    let arg = arg.trim();
    if arg.is_empty() {
        return open(state, fx, selected);
    }
    match Address::parse(arg) {
        Ok(address) => open(state, fx, Some(address)),
        Err(e) => Some(super::text::error(&e, state.lang)),
    }
}

/// Handles an action while the dialog is open; false when it is not open
/// (or the action is not the dialog's: ticks, resizes, job results).
pub fn on_action(state: &mut State, fx: &mut Vec<Effect>, action: &Action) -> bool {
    let Some(Overlay::Restore(view)) = &mut state.overlay else {
        return false;
    };
    if matches!(action, Action::Tick | Action::Resize(..) | Action::Done(_)) {
        return false;
    }
    state.dirty = true;
    if view.running {
        // The restore goes on; Esc leaves it to finish in the background.
        if matches!(action, Action::Cancel) {
            let text = state
                .lang
                .fmt(Msg::RestoreBackground, &[&view.address.to_unicode()]);
            state.overlay = None;
            flash(state, text, false);
        }
        return true;
    }
    let count = view.archives.value.as_ref().map_or(0, Vec::len);
    match action {
        Action::Up => view.selected = view.selected.saturating_sub(1),
        Action::Down => view.selected = (view.selected + 1).min(count.saturating_sub(1)),
        Action::NextField => {
            view.focus = match view.focus {
                Focus::Target => Focus::Path,
                Focus::Path => Focus::Buttons,
                Focus::Buttons => Focus::Target,
            }
        }
        Action::PrevField => {
            view.focus = match view.focus {
                Focus::Target => Focus::Buttons,
                Focus::Path => Focus::Target,
                Focus::Buttons => Focus::Path,
            }
        }
        Action::FocusLeft | Action::FocusRight | Action::Toggle => match view.focus {
            Focus::Target => {
                view.to_dir = match action {
                    Action::FocusLeft => false,
                    Action::FocusRight => true,
                    _ => !view.to_dir,
                };
                view.error = None;
            }
            Focus::Buttons if !matches!(action, Action::Toggle) => {
                view.button = usize::from(matches!(action, Action::FocusRight));
            }
            _ => {}
        },
        Action::Input(key) => {
            if view.focus == Focus::Path
                && let Some(request) = to_input_request(&Event::Key(*key))
            {
                view.path_mut().handle(request);
                view.error = None;
            }
        }
        Action::Submit if view.focus != Focus::Buttons => view.focus = Focus::Buttons,
        Action::Submit if view.button == 1 => start(state, fx),
        Action::Submit | Action::Cancel => state.overlay = None,
        _ => {}
    }
    true
}

/// Restore was chosen: the job, once the dialog says what to restore where.
fn start(state: &mut State, fx: &mut Vec<Effect>) {
    let lang = state.lang;
    let Some(Overlay::Restore(view)) = &mut state.overlay else {
        return;
    };
    let path = view.path().value().trim().to_string();
    let refusal = match (view.chosen(), path.is_empty(), view.to_dir) {
        (None, _, _) => Some(Msg::RestoreNothing),
        (Some(_), true, false) => Some(Msg::RestoreNeedsFolder),
        (Some(_), true, true) => Some(Msg::RestoreNeedsDir),
        (Some(_), false, _) => None,
    };
    if let Some(msg) = refusal {
        view.error = Some(lang.t(msg).to_string());
        view.focus = if msg == Msg::RestoreNothing {
            Focus::Buttons
        } else {
            Focus::Path
        };
        return;
    }
    let Some(archive) = view.chosen().map(|a| a.name.clone()) else {
        return;
    };
    let target = if view.to_dir {
        RestoreTarget::Dir(path.into())
    } else {
        RestoreTarget::Folder(path)
    };
    view.running = true;
    view.error = None;
    let address = view.address.clone();
    state.jobs += 1;
    fx.push(Effect::Run(Job::Restore {
        address,
        archive,
        target,
    }));
}

/// What a restore job's outcome does to the state.
pub fn on_outcome(state: &mut State, outcome: Outcome) {
    let lang = state.lang;
    match outcome {
        Outcome::RestoreArchives(address, listed) => {
            if let Some(Overlay::Restore(view)) = &mut state.overlay
                && view.address == address
            {
                view.archives.set(listed.map(|h| archives(&h)));
                view.selected = 0;
            }
        }
        Outcome::Restored(address, Ok(report)) => {
            if matches!(&state.overlay, Some(Overlay::Restore(v)) if v.address == address) {
                state.overlay = None;
            }
            let text = done_text(state, &address, &report);
            flash(state, text, false);
        }
        Outcome::Restored(address, Err(e)) => {
            let line = super::text::error(&e, lang);
            match &mut state.overlay {
                Some(Overlay::Restore(view)) if view.address == address => {
                    view.running = false;
                    view.button = 0;
                    view.focus = Focus::Buttons;
                    view.error = Some(line);
                }
                _ => flash(state, line, true),
            }
        }
        _ => {}
    }
}

/// `alice@example.org: 42 files restored from ARCHIVE into …`.
fn done_text(state: &State, address: &Address, report: &RestoreReport) -> String {
    let files = report.files.to_string();
    let who = address.to_unicode();
    match (&report.folder, &report.directory) {
        (Some(folder), _) => state.lang.fmt(
            Msg::RestoreDoneFolder,
            &[&who, &files, &report.archive, folder],
        ),
        (None, dir) => {
            let dir = dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            state
                .lang
                .fmt(Msg::RestoreDoneDir, &[&who, &files, &report.archive, &dir])
        }
    }
}

/// Why the archives cannot be offered, in the reader's language.
pub fn list_error(state: &State, e: &Error) -> String {
    state.lang.fmt(
        Msg::RestoreListFailed,
        &[&super::text::error(e, state.lang)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::Clock;

    fn holding(archive: &str, path: &str, removed: bool) -> Holding {
        Holding {
            archive: archive.into(),
            started: "2026-12-01T03:00:04Z".into(),
            path: path.into(),
            address: "a@example.org".into(),
            removed,
            result: Some(RunResult::Ok),
        }
    }

    #[test]
    fn an_archive_is_one_row_removed_only_when_it_holds_nothing_live() {
        let rows = archives(&[
            holding("mail-2", ".removed/example.org/a@7", true),
            holding("mail-2", "example.org/a", false),
            holding("mail-1", ".removed/example.org/a@3", true),
        ]);
        let seen: Vec<(&str, bool)> = rows.iter().map(|a| (a.name.as_str(), a.removed)).collect();
        assert_eq!(seen, [("mail-2", false), ("mail-1", true)]);
    }

    #[test]
    fn catalogue_times_read_in_local_time() {
        let clock = Clock::Fixed {
            now: "2026-12-31T23:30:00Z".parse().unwrap(),
            offset: chrono::FixedOffset::east_opt(2 * 3600).unwrap(),
        };
        assert_eq!(clock.local("2026-12-01T23:00:04Z"), "2026-12-02 01:00");
        assert_eq!(clock.local("2026-12-01T23:00:04.512Z"), "2026-12-02 01:00");
        assert_eq!(clock.local("not a time"), "not a time");
        assert_eq!(clock.today().to_string(), "2027-01-01");
    }
}
