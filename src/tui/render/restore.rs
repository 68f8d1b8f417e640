//! The restore dialog: the archives holding the mailbox (newest first,
//! in local time, with how their run ended), where to restore, the
//! folder's name or the directory, a status line and Cancel / Restore.

use super::dialogs::{buttons, dialog, wrap_words};
use crate::backup::RunResult;
use crate::i18n::Msg;
use crate::tui::restore::{BUTTONS, Focus, RestoreView, list_error};
use crate::tui::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// At most this many archives are listed at once; the list scrolls.
const MOST_ROWS: usize = 8;
/// Lines around the archives: the heading, a blank, where to restore
/// (label and choice), the path (label and value), the status (more
/// lines for a long error), a blank, the buttons, and the borders.
const OTHER_LINES: u16 = 11;

pub fn restore(frame: &mut Frame, state: &State, view: &RestoreView, area: Rect) {
    let theme = state.theme;
    let width = 76u16.min(area.width.saturating_sub(4));
    // Inside the borders and the dialog's margin.
    let text_width = width.saturating_sub(4);
    let error_lines = match (&view.error, view.running) {
        (Some(e), false) => wrap_words(e, text_width).len() as u16,
        _ => 1,
    };
    let around = 2 + OTHER_LINES - 1 + error_lines;
    let room = usize::from(area.height.saturating_sub(around)).max(1);
    let count = view.archives.value.as_ref().map_or(1, |a| a.len().max(1));
    let rows = count.min(MOST_ROWS).min(room);
    let mut lines = vec![Line::styled(
        state.t(Msg::RestoreArchives),
        theme.column_title(),
    )];
    lines.extend(archive_lines(state, view, rows, text_width));
    lines.push(Line::raw(""));
    let bold = |focused: bool| {
        if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    };
    lines.push(Line::styled(
        state.t(Msg::RestoreInto),
        bold(view.focus == Focus::Target),
    ));
    lines.push(choice(state, view));
    let label = if view.to_dir {
        Msg::RestoreDir
    } else {
        Msg::RestoreFolder
    };
    lines.push(Line::styled(
        state.t(label),
        bold(view.focus == Focus::Path),
    ));
    let lead = if view.focus == Focus::Path {
        theme.marker()
    } else {
        "  "
    };
    let value_width = text_width.saturating_sub(lead.width() as u16) as usize;
    let input = view.path();
    let scroll = input.visual_scroll(value_width.saturating_sub(1));
    let text: String = input.value().chars().skip(scroll).collect();
    let style = if view.focus == Focus::Path {
        theme.focused_field()
    } else {
        Style::new().add_modifier(Modifier::UNDERLINED)
    };
    let value_line = lines.len() as u16;
    lines.push(Line::from(vec![
        Span::raw(lead),
        Span::styled(format!("{text:<value_width$}"), style),
    ]));
    match (&view.error, view.running) {
        (_, true) => lines.push(Line::raw(format!(
            "{} {}",
            theme.spinner(state.tick),
            state.t(Msg::RestoreRunning)
        ))),
        // The library's refusals name paths: the whole of it, wrapped.
        (Some(e), false) => lines.extend(
            wrap_words(e, text_width)
                .into_iter()
                .map(|l| Line::styled(l, theme.error())),
        ),
        (None, false) => lines.push(Line::raw("")),
    }
    lines.push(Line::raw(""));
    let focus = if view.focus == Focus::Buttons {
        view.button
    } else {
        // No button looks pressed while another part has the keyboard.
        usize::MAX
    };
    lines.push(buttons(state, &BUTTONS, focus));
    let title = state
        .lang
        .fmt(Msg::RestoreTitle, &[&view.address.to_unicode()]);
    let inner = dialog(frame, state, area, width, lines.len() as u16 + 2, &title);
    frame.render_widget(Paragraph::new(lines), inner);
    if view.focus == Focus::Path && !view.running {
        let x = inner.x + lead.width() as u16 + input.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + value_line));
    }
}

/// The archive rows in view (the chosen one kept in view), or what the
/// catalogue said instead.
fn archive_lines(state: &State, view: &RestoreView, rows: usize, width: u16) -> Vec<Line<'static>> {
    let theme = state.theme;
    let Some(archives) = &view.archives.value else {
        return match &view.archives.error {
            Some(e) => wrap_words(&list_error(state, e), width)
                .into_iter()
                .map(|l| Line::styled(l, theme.error()))
                .collect(),
            None => vec![Line::styled(
                state.t(Msg::RestoreReading).to_string(),
                theme.dim(),
            )],
        };
    };
    if archives.is_empty() {
        return vec![Line::styled(
            state.t(Msg::RestoreNoArchive).to_string(),
            theme.error(),
        )];
    }
    let first = view.selected.saturating_sub(rows.saturating_sub(1));
    let name_width = archives.iter().map(|a| a.name.width()).max().unwrap_or(0);
    let result_width = [Msg::RestoreComplete, Msg::RestoreDegraded]
        .iter()
        .map(|m| state.t(*m).width())
        .max()
        .unwrap_or(0);
    archives
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, a)| {
            let chosen = i == view.selected;
            let lead = if chosen { theme.marker() } else { "  " };
            let result = match a.result {
                Some(RunResult::Ok) => state.t(Msg::RestoreComplete),
                Some(_) => state.t(Msg::RestoreDegraded),
                None => "",
            };
            let removed = if a.removed {
                state.t(Msg::BackupRemoved)
            } else {
                ""
            };
            let text = format!(
                "{lead}{:<name_width$}  {}  {result:<result_width$}  {removed}",
                a.name,
                state.clock.local(&a.started),
            );
            let text = text.trim_end().to_string();
            if chosen {
                Line::styled(text, theme.selected())
            } else if a.result != Some(RunResult::Ok) {
                Line::styled(text, theme.dim())
            } else {
                Line::raw(text)
            }
        })
        .collect()
}

/// `◉ a folder of the mailbox   ○ a directory`.
fn choice(state: &State, view: &RestoreView) -> Line<'static> {
    let theme = state.theme;
    let focused = view.focus == Focus::Target;
    let lead = if focused { theme.marker() } else { "  " };
    let mut spans = vec![Span::raw(lead)];
    for (n, option) in [Msg::RestoreIntoFolder, Msg::RestoreIntoDir]
        .into_iter()
        .enumerate()
    {
        let on = (n == 1) == view.to_dir;
        let mark = match (on, theme.ascii) {
            (true, false) => "◉ ",
            (false, false) => "○ ",
            (true, true) => "(*) ",
            (false, true) => "( ) ",
        };
        let style = if on && focused {
            theme.focused_field()
        } else {
            Style::new()
        };
        spans.push(Span::styled(format!("{mark}{}", state.t(option)), style));
        spans.push(Span::raw("   "));
    }
    Line::from(spans)
}
