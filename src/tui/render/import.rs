//! The `:import FILE` view: the plan's lines (or the file's bad rows)
//! scrolled in a large dialog, the summary, and Cancel / Apply.

use super::dialogs::{buttons, dialog};
use crate::i18n::Msg;
use crate::tui::import::visible_lines;
use crate::tui::state::{ImportView, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn import(frame: &mut Frame, state: &State, view: &ImportView, area: Rect) {
    let theme = state.theme;
    let shown = visible_lines(state);
    let width = area.width.saturating_sub(6).max(40);
    // Plan lines, a position line, the summary, an error, a blank, buttons.
    let height = shown as u16 + 7;
    let title = state.lang.fmt(Msg::ImportTitle, &[&view.file]);
    let inner = dialog(frame, state, area, width, height, &title);
    let mut lines: Vec<Line> = view
        .lines
        .iter()
        .skip(view.scroll)
        .take(shown)
        .map(|l| {
            let line = crate::model::unicode_names(l);
            if view.plan.is_none() && !view.lines.is_empty() && !l.starts_with(['+', '~', '-']) {
                Line::styled(line, theme.error())
            } else {
                Line::raw(line)
            }
        })
        .collect();
    while lines.len() < shown {
        lines.push(Line::raw(""));
    }
    let last = (view.scroll + shown).min(view.lines.len());
    lines.push(Line::styled(
        format!(
            "{}-{} / {}",
            (view.scroll + 1).min(last),
            last,
            view.lines.len()
        ),
        theme.dim(),
    ));
    lines.push(Line::raw(view.summary.clone()));
    lines.push(match (&view.error, view.applying) {
        (Some(e), _) => Line::styled(e.clone(), theme.error()),
        (None, true) => Line::styled(state.t(Msg::ImportApplying), theme.dim()),
        (None, false) => Line::raw(""),
    });
    lines.push(Line::raw(""));
    let labels: &[Msg] = if view.plan.is_some() {
        &[Msg::ButtonCancel, Msg::ButtonApply]
    } else {
        &[Msg::ButtonCancel]
    };
    lines.push(buttons(state, labels, view.focus));
    frame.render_widget(Paragraph::new(lines), inner);
}
