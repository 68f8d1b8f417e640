//! The TUI's `:import FILE`: plans the file against the directory (the
//! same [`crate::import`] steps as `postier import`), shows the plan, or
//! every bad row, in a scrollable view with Cancel focused, and applies it
//! only when Apply is chosen. The jobs run in the background; the view's
//! keys and outcomes are handled here for [`super::update`].

use super::action::{Action, Effect, Job, Outcome};
use super::state::{ImportView, Overlay, State};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use crate::import::{self, progress, rows::RowError};
use crate::ops::Ops;
use std::path::Path;
use std::sync::Arc;

/// Reads `path` and plans it: the view of the plan, or of its bad rows.
pub async fn plan(ops: &Ops, lang: Lang, path: &Path) -> Outcome {
    match plan_view(ops, lang, path).await {
        Ok(view) => Outcome::ImportPlanned(Box::new(view)),
        Err(e) => Outcome::ImportFailed(e),
    }
}

async fn plan_view(ops: &Ops, lang: Lang, path: &Path) -> Result<ImportView> {
    let file = path.display().to_string();
    let text = tokio::fs::read_to_string(path).await.map_err(|e| {
        Error::invalid(format!("file {file}"), io_reason(&e)).with_hint("check the path")
    })?;
    let (desired, mut errors) = import::read_files(&[(file.clone(), text)]);
    let view = |lines, summary, plan| ImportView {
        file: file.clone(),
        lines,
        summary,
        plan,
        scroll: 0,
        focus: 0,
        applying: false,
        error: None,
    };
    if errors.is_empty() && desired.wants_generated() {
        return Err(Error::invalid(
            format!("file {file}"),
            lang.t(Msg::ImportNeedsCli),
        ));
    }
    let current = import::current(ops).await?;
    let planned = import::make_plan(&current, &desired, &[], &progress::silent()).await;
    let plan = match planned {
        Ok(plan) if errors.is_empty() => plan,
        Ok(_) => return Ok(bad_rows(lang, errors, view)),
        Err(more) => {
            errors.extend(more);
            return Ok(bad_rows(lang, errors, view));
        }
    };
    let lines = plan.steps.iter().map(|s| s.line()).collect();
    let s = plan.summary();
    let n = |v: u64| v.to_string();
    if plan.is_empty() {
        let summary = lang.fmt(Msg::ImportNothing, &[&n(s.unchanged)]);
        return Ok(view(lines, summary, None));
    }
    let summary = lang.fmt(
        Msg::ImportSummary,
        &[&n(s.add), &n(s.change), &n(s.remove), &n(s.unchanged)],
    );
    Ok(view(lines, summary, Some(Arc::new(plan))))
}

fn bad_rows(
    lang: Lang,
    mut errors: Vec<RowError>,
    view: impl Fn(Vec<String>, String, Option<Arc<import::plan::Plan>>) -> ImportView,
) -> ImportView {
    errors.sort_by(|a, b| {
        (a.origin.file.as_str(), a.origin.line).cmp(&(b.origin.file.as_str(), b.origin.line))
    });
    let lines = errors
        .iter()
        .map(|e| format!("{}: {}", e.origin, crate::i18n::error_line(&e.error, lang)))
        .collect();
    let summary = lang.fmt(Msg::ImportBadRows, &[&errors.len().to_string()]);
    view(lines, summary, None)
}

/// Hashes the plan's passwords and applies it: its summary line.
pub async fn apply(ops: &Ops, lang: Lang, plan: &import::plan::Plan) -> Outcome {
    let applied = async {
        let ready = import::prepare(plan, ops.scheme(), &progress::silent()).await?;
        import::apply(ops, &ready.changes, &*progress::silent()).await?;
        let s = plan.summary();
        let n = |v: u64| v.to_string();
        Ok(lang.fmt(
            Msg::ImportApplied,
            &[&n(s.add), &n(s.change), &n(s.remove), &n(s.unchanged)],
        ))
    };
    Outcome::Imported(applied.await)
}

/// `:import FILE` typed: starts planning, or says how to use it.
pub fn command(state: &mut State, fx: &mut Vec<Effect>, file: &str) -> Option<String> {
    let file = file.trim();
    if file.is_empty() {
        return Some(state.t(Msg::ImportUsage).to_string());
    }
    if !state.may_manage() {
        return Some(state.t(Msg::NotForRole).to_string());
    }
    state.jobs += 1;
    fx.push(Effect::Run(Job::PlanImport(file.into())));
    Some(state.lang.fmt(Msg::ImportPlanning, &[file]))
}

/// Lines of the plan the view shows at the terminal's height.
pub fn visible_lines(state: &State) -> usize {
    usize::from(state.height.saturating_sub(12)).max(1)
}

/// Handles a key's action while the import view is open; false when the
/// view is not open.
pub fn on_action(state: &mut State, fx: &mut Vec<Effect>, action: &Action) -> bool {
    let height = visible_lines(state);
    let Some(Overlay::Import(view)) = &mut state.overlay else {
        return false;
    };
    if view.applying {
        // Nothing but waiting while it applies.
        return !matches!(action, Action::Tick | Action::Resize(..) | Action::Done(_));
    }
    let last = view.lines.len().saturating_sub(1);
    match action {
        Action::Up => view.scroll = view.scroll.saturating_sub(1),
        Action::Down => view.scroll = view.scroll.saturating_add(1),
        Action::PageUp => view.scroll = view.scroll.saturating_sub(height),
        Action::PageDown => view.scroll = view.scroll.saturating_add(height),
        Action::Top => view.scroll = 0,
        Action::Bottom => view.scroll = last,
        Action::FocusLeft | Action::FocusRight | Action::NextField | Action::PrevField
            if view.plan.is_some() =>
        {
            view.focus = 1 - view.focus;
        }
        Action::Submit if view.focus == 1 && view.plan.is_some() => {
            let plan = view.plan.clone();
            view.applying = true;
            view.error = None;
            if let Some(plan) = plan {
                state.jobs += 1;
                fx.push(Effect::Run(Job::ApplyImport(plan)));
            }
        }
        Action::Submit | Action::Cancel | Action::Quit => state.overlay = None,
        Action::Tick | Action::Resize(..) | Action::Done(_) => return false,
        _ => {}
    }
    if let Some(Overlay::Import(view)) = &mut state.overlay {
        view.clamp(height);
    }
    state.dirty = true;
    true
}

/// What an import job's outcome does to the state: the flash text and
/// whether it is an error, when there is one to show.
pub fn on_outcome(state: &mut State, outcome: Outcome) -> Option<(String, bool)> {
    match outcome {
        Outcome::ImportPlanned(view) => {
            state.overlay = Some(Overlay::Import(view));
            None
        }
        Outcome::ImportFailed(e) => Some((crate::i18n::error_line(&e, state.lang), true)),
        Outcome::Imported(Ok(summary)) => {
            state.overlay = None;
            Some((summary, false))
        }
        Outcome::Imported(Err(e)) => {
            let line = crate::i18n::error_line(&e, state.lang);
            match &mut state.overlay {
                Some(Overlay::Import(view)) => {
                    view.applying = false;
                    view.focus = 0;
                    view.error = Some(line);
                    None
                }
                _ => Some((line, true)),
            }
        }
        _ => None,
    }
}

fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.split_once(" (os error") {
        Some((reason, _)) => reason.to_lowercase(),
        None => text,
    }
}
