//! What is drawn over a view: help (from the keymap), forms, the
//! disable/delete dialog (Cancel focused), the typed confirmation, errors,
//! and the one-time display of a generated password.

use super::super::forms::{FieldKind, Form};
use super::super::keymap::{self, key_name};
use super::super::state::{Confirm, State, Subject, TypedConfirm};
use crate::error::Error;
use crate::i18n::Msg;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// A bordered box of at most `width` x `height`, centred, cleared.
fn dialog(
    frame: &mut Frame,
    state: &State,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
) -> Rect {
    let w = width.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    let rect = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_set(state.theme.border())
        .title(format!(" {title} "));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner.inner(ratatui::layout::Margin::new(1, 0))
}

/// Lines a wrapped text takes in `width` columns (an estimate by words).
fn wrapped_height(text: &str, width: u16) -> u16 {
    let width = width.max(1) as usize;
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.width();
        if used > 0 && used + 1 + w > width {
            lines += 1;
            used = w;
        } else {
            used += if used > 0 { 1 + w } else { w };
        }
    }
    lines
}

pub fn help(frame: &mut Frame, state: &State, area: Rect) {
    let entries: Vec<(String, &str)> = keymap::view_bindings(state)
        .into_iter()
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(key_name).collect();
            (keys.join("/"), state.t(b.label))
        })
        .collect();
    let key_width = entries.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let entry_width = entries
        .iter()
        .map(|(_, l)| key_width + 2 + l.width())
        .max()
        .unwrap_or(0) as u16;
    let max_inner = area.width.saturating_sub(6);
    let two = entry_width * 2 + 3 <= max_inner;
    let rows = if two {
        entries.len().div_ceil(2)
    } else {
        entries.len()
    };
    let inner_width = if two {
        entry_width * 2 + 3
    } else {
        entry_width
    };
    let commands = state.t(Msg::HelpCommands);
    let inner_width = inner_width.max(commands.width() as u16).min(max_inner);
    let inner = dialog(
        frame,
        state,
        area,
        inner_width + 4,
        rows as u16 + 4,
        state.t(Msg::HelpTitle),
    );
    let entry = |(k, l): &(String, &str)| -> Vec<Span<'static>> {
        vec![
            Span::styled(format!("{k:<key_width$}"), state.theme.key()),
            Span::raw(format!("  {l}")),
        ]
    };
    let mut lines: Vec<Line> = Vec::new();
    for r in 0..rows {
        let mut spans = Vec::new();
        if two {
            let left = &entries[r];
            let pad = entry_width as usize - (key_width + 2 + left.1.width());
            spans.extend(entry(left));
            if let Some(right) = entries.get(r + rows) {
                spans.push(Span::raw(" ".repeat(pad + 3)));
                spans.extend(entry(right));
            }
        } else {
            spans.extend(entry(&entries[r]));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(commands, state.theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn form(frame: &mut Frame, state: &State, form: &Form, area: Rect) {
    let theme = state.theme;
    let shown = form.shown();
    let width = 66u16.min(area.width.saturating_sub(4));
    let inner_width = width.saturating_sub(4);
    let error_lines = form
        .error
        .as_deref()
        .map(|e| wrapped_height(e, inner_width))
        .unwrap_or(0);
    let height = shown.len() as u16 * 2 + 2 + error_lines + 2;
    let inner = dialog(frame, state, area, width, height, &form.title(state.lang));
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor = None;
    for &i in &shown {
        let field = &form.fields[i];
        let focused = i == form.focus;
        let mut label = vec![Span::styled(
            state.t(field.label).to_string(),
            if focused {
                Style::new().add_modifier(ratatui::style::Modifier::BOLD)
            } else {
                Style::new()
            },
        )];
        if let Some(e) = &field.error {
            label.push(Span::styled(
                format!("  {} {e}", theme.cross()),
                theme.error(),
            ));
        }
        lines.push(Line::from(label));
        let lead = if focused { theme.marker() } else { "  " };
        let value_width = inner.width.saturating_sub(lead.width() as u16) as usize;
        let value: Line = match &field.kind {
            FieldKind::Choice(options, chosen) => {
                let mut spans = vec![Span::raw(lead)];
                for (n, option) in options.iter().enumerate() {
                    let mark = match (n == *chosen, theme.ascii) {
                        (true, false) => "◉ ",
                        (false, false) => "○ ",
                        (true, true) => "(*) ",
                        (false, true) => "( ) ",
                    };
                    let style = if n == *chosen && focused {
                        theme.focused_field()
                    } else {
                        Style::new()
                    };
                    spans.push(Span::styled(format!("{mark}{}", state.t(*option)), style));
                    spans.push(Span::raw("   "));
                }
                if focused {
                    spans.push(Span::styled(state.t(Msg::ChoiceHint), theme.dim()));
                }
                Line::from(spans)
            }
            kind => {
                let scroll = field.input.visual_scroll(value_width.saturating_sub(1));
                let text: String = if *kind == FieldKind::Secret {
                    field
                        .input
                        .value()
                        .chars()
                        .map(|_| theme.mask_char())
                        .skip(scroll)
                        .collect()
                } else {
                    field.input.value().chars().skip(scroll).collect()
                };
                let padded = format!("{text:<value_width$}");
                if focused {
                    let y = inner.y + lines.len() as u16;
                    let x = inner.x
                        + lead.width() as u16
                        + field.input.visual_cursor().saturating_sub(scroll) as u16;
                    cursor = Some((x.min(inner.right().saturating_sub(1)), y));
                }
                let style = if focused {
                    theme.focused_field()
                } else {
                    Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED)
                };
                Line::from(vec![Span::raw(lead), Span::styled(padded, style)])
            }
        };
        lines.push(value);
    }
    let fields_height = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), inner);
    let mut footer = vec![Line::raw("")];
    if let Some(e) = &form.error {
        footer.push(Line::styled(e.clone(), theme.error()));
    }
    if form.pending {
        footer.push(Line::raw(format!(
            "{} {}",
            theme.spinner(state.tick),
            state.t(Msg::Working)
        )));
    } else {
        footer.push(Line::styled(state.t(Msg::FormHint), theme.dim()));
    }
    let below = Rect {
        y: inner.y + fields_height,
        height: inner.height.saturating_sub(fields_height),
        ..inner
    };
    frame.render_widget(Paragraph::new(footer).wrap(Wrap { trim: false }), below);
    if let (Some(pos), false) = (cursor, form.pending) {
        frame.set_cursor_position(pos);
    }
}

fn subject_line(state: &State, subject: &Subject) -> String {
    format!("{} {}", state.t(subject.kind()), subject.shown())
}

pub fn confirm(frame: &mut Frame, state: &State, c: &Confirm, area: Rect) {
    let theme = state.theme;
    let width = 60u16.min(area.width.saturating_sub(4));
    let question = state
        .lang
        .fmt(Msg::ConfirmQuestion, &[&subject_line(state, &c.subject)]);
    let cascade = match &c.subject {
        Subject::Domain {
            mailboxes, aliases, ..
        } if mailboxes + aliases > 0 => Some(state.lang.fmt(
            Msg::ConfirmCascade,
            &[&mailboxes.to_string(), &aliases.to_string()],
        )),
        _ => None,
    };
    let text_width = width.saturating_sub(4);
    let height = 4
        + wrapped_height(&question, text_width)
        + cascade
            .as_deref()
            .map(|t| wrapped_height(t, text_width))
            .unwrap_or(0);
    let title = c.subject.shown();
    let inner = dialog(frame, state, area, width, height + 1, &title);
    let mut lines = vec![Line::raw(question)];
    if let Some(cascade) = cascade {
        lines.push(Line::styled(cascade, theme.error()));
    }
    lines.push(Line::raw(""));
    let mut buttons = Vec::new();
    for (n, choice) in c.choices.iter().enumerate() {
        let label = state.t(choice.label());
        if n == c.focus {
            buttons.push(Span::styled(format!("[ {label} ]"), theme.focused_button()));
        } else {
            buttons.push(Span::raw(format!("  {label}  ")));
        }
        buttons.push(Span::raw("  "));
    }
    lines.push(Line::from(buttons).centered());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn typed(frame: &mut Frame, state: &State, t: &TypedConfirm, area: Rect) {
    let theme = state.theme;
    let shown = t.subject.shown();
    let width = 64u16.min(area.width.saturating_sub(4));
    let prompt = state.lang.fmt(Msg::TypedPrompt, &[&shown]);
    let text_width = width.saturating_sub(4);
    let height = 6 + wrapped_height(&prompt, text_width);
    let title = state
        .lang
        .fmt(Msg::TypedTitle, &[&subject_line(state, &t.subject)]);
    let inner = dialog(frame, state, area, width, height, &title);
    let lead = theme.marker();
    let value_width = inner.width.saturating_sub(lead.width() as u16) as usize;
    let scroll = t.input.visual_scroll(value_width.saturating_sub(1));
    let value: String = t.input.value().chars().skip(scroll).collect();
    let mut lines = vec![
        Line::styled(prompt, theme.error()),
        Line::raw(""),
        Line::from(vec![
            Span::raw(lead),
            Span::styled(format!("{value:<value_width$}"), theme.focused_field()),
        ]),
    ];
    let input_y = inner.y + wrapped_height(&lines[0].to_string(), inner.width) + 1;
    lines.push(if t.mismatch {
        Line::styled(
            format!("{} {}", theme.cross(), state.t(Msg::TypedMismatch)),
            theme.error(),
        )
    } else {
        Line::raw("")
    });
    lines.push(Line::styled(
        format!(
            "Enter: {} · Esc: {}",
            state.t(Msg::KeyConfirm),
            state.t(Msg::KeyCancel)
        ),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    let x = inner.x + lead.width() as u16 + t.input.visual_cursor().saturating_sub(scroll) as u16;
    frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), input_y));
}

pub fn error(frame: &mut Frame, state: &State, e: &Error, area: Rect) {
    let theme = state.theme;
    let width = 64u16.min(area.width.saturating_sub(4));
    let text_width = width.saturating_sub(4);
    let main = format!("{}: {}", e.what, e.why);
    let mut height = 5 + wrapped_height(&main, text_width);
    if let Some(h) = &e.hint {
        height += wrapped_height(h, text_width);
    }
    let inner = dialog(frame, state, area, width, height, state.t(Msg::ErrorTitle));
    let mut lines = vec![Line::styled(main, theme.error())];
    if let Some(h) = &e.hint {
        lines.push(Line::raw(h.clone()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(state.t(Msg::ErrorClose), theme.dim()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The password sits alone on its line with no border beside it, so a
/// triple-click or a terminal selection copies exactly the password.
pub fn password(frame: &mut Frame, state: &State, subject: &str, password: &str, area: Rect) {
    let rect = area.centered(Constraint::Length(area.width), Constraint::Length(7));
    frame.render_widget(Clear, rect);
    let title = state.lang.fmt(Msg::PasswordTitle, &[subject]);
    let block = Block::new()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_set(state.theme.border())
        .title(format!(" {title} "));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines = vec![
        Line::raw(""),
        Line::styled(
            password.to_string(),
            Style::new().add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Line::raw(""),
        Line::styled(state.t(Msg::PasswordOnce), state.theme.dim()),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().padding(ratatui::widgets::Padding::horizontal(2))),
        inner,
    );
}
