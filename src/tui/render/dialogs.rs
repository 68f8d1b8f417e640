//! What is drawn over a view: help (from the keymap), forms, the
//! disable/delete dialog (Cancel focused; for a domain, what goes with it),
//! the typed confirmation, a conflict with someone else's change, errors,
//! and the one-time display of a generated password.

use super::super::forms::{FieldKind, Form};
use super::super::keymap::{self, key_name};
use super::super::state::{
    Confirm, ConflictDialog, Holdings, Loaded, State, Subject, TypedConfirm,
};
use super::super::text;
use super::super::update::CONFLICT_CHOICES;
use super::tables::approx_size;
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// A bordered box of at most `width` x `height`, centred, cleared.
pub(super) fn dialog(
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

/// `text` cut into lines of at most `width` columns, by words (as
/// [`wrapped_height`] counts them).
pub(super) fn wrap_words(text: &str, width: u16) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.width() + 1 + word.width() > width as usize {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
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
    // A field's error goes beside its label, or below its value when it
    // does not fit there.
    let below = |i: usize| -> Option<Vec<String>> {
        let field = &form.fields[i];
        let e = field.error.as_deref()?;
        let beside = state.t(field.label).width() + 4 + e.width();
        (beside > inner_width as usize).then(|| wrap_words(e, inner_width.saturating_sub(4)))
    };
    let below_lines: u16 = shown
        .iter()
        .filter_map(|&i| below(i))
        .map(|e| e.len() as u16)
        .sum();
    let height = shown.len() as u16 * 2 + below_lines + 2 + error_lines + 2;
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
        let error_below = below(i);
        if let (Some(e), None) = (&field.error, &error_below) {
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
        for (n, part) in error_below.into_iter().flatten().enumerate() {
            let lead = if n == 0 {
                format!("  {} ", theme.cross())
            } else {
                "    ".to_string()
            };
            lines.push(Line::styled(format!("{lead}{part}"), theme.error()));
        }
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

/// How many names of each kind the domain dialog lists.
const FIRST_FEW: usize = 3;

/// `a, b, c and 4 more`.
fn first_few(names: Vec<String>, lang: Lang) -> String {
    let more = names.len().saturating_sub(FIRST_FEW);
    let mut text = names
        .into_iter()
        .take(FIRST_FEW)
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        text.push(' ');
        text.push_str(&lang.fmt(Msg::HoldsMore, &[&more.to_string()]));
    }
    text
}

/// What goes with a domain, as the delete dialog says it: lines and
/// whether each is a warning.
fn holdings_lines(state: &State, holdings: &Loaded<Holdings>) -> Vec<(String, bool)> {
    let lang = state.lang;
    let Some(h) = &holdings.value else {
        return vec![match &holdings.error {
            Some(e) => (lang.fmt(Msg::HoldsFailed, &[&text::error(e, lang)]), true),
            None => (state.t(Msg::HoldsReading).to_string(), false),
        }];
    };
    if !h.forwarded_by.is_empty() {
        let names: Vec<String> = h.forwarded_by.iter().map(text::alias).collect();
        let n = names.len().to_string();
        return vec![(
            lang.fmt(Msg::HoldsForwarders, &[&n, &first_few(names, lang)]),
            true,
        )];
    }
    if h.is_empty() {
        return vec![(state.t(Msg::HoldsNothing).to_string(), false)];
    }
    let mut lines = vec![(state.t(Msg::HoldsIntro).to_string(), true)];
    let mut kind = |msg: Msg, names: Vec<String>| {
        if !names.is_empty() {
            let n = names.len().to_string();
            lines.push((lang.fmt(msg, &[&n, &first_few(names, lang)]), false));
        }
    };
    kind(
        Msg::HoldsMailboxes,
        h.mailboxes.iter().map(|a| a.to_unicode()).collect(),
    );
    kind(
        Msg::HoldsAliases,
        h.aliases.iter().map(text::alias).collect(),
    );
    kind(
        Msg::HoldsAliasDomains,
        h.alias_domains.iter().map(|d| d.to_unicode()).collect(),
    );
    lines
}

/// A row of buttons, the focused one in brackets.
pub(super) fn buttons(state: &State, labels: &[Msg], focus: usize) -> Line<'static> {
    let mut spans = Vec::new();
    for (n, label) in labels.iter().enumerate() {
        let label = state.t(*label);
        if n == focus {
            spans.push(Span::styled(
                format!("[ {label} ]"),
                state.theme.focused_button(),
            ));
        } else {
            spans.push(Span::raw(format!("  {label}  ")));
        }
        spans.push(Span::raw("  "));
    }
    Line::from(spans).centered()
}

pub fn confirm(frame: &mut Frame, state: &State, c: &Confirm, area: Rect) {
    let theme = state.theme;
    let width = 60u16.min(area.width.saturating_sub(4));
    let question = state
        .lang
        .fmt(Msg::ConfirmQuestion, &[&subject_line(state, &c.subject)]);
    let holdings = c
        .holdings
        .as_ref()
        // A mailbox no alias forwards to takes nothing with it.
        .filter(|h| {
            !matches!(c.subject, Subject::Mailbox(_))
                || h.loading
                || h.error.is_some()
                || h.value.as_ref().is_some_and(|v| !v.is_empty())
        })
        .map(|h| holdings_lines(state, h))
        .unwrap_or_default();
    let text_width = width.saturating_sub(4);
    let height = 4
        + wrapped_height(&question, text_width)
        + holdings
            .iter()
            .map(|(t, _)| wrapped_height(t, text_width))
            .sum::<u16>();
    let title = c.subject.shown();
    let inner = dialog(frame, state, area, width, height + 1, &title);
    let mut lines = vec![Line::raw(question)];
    for (text, warn) in holdings {
        lines.push(if warn {
            Line::styled(text, theme.error())
        } else {
            Line::raw(text)
        });
    }
    lines.push(Line::raw(""));
    let labels: Vec<Msg> = c.choices.iter().map(|choice| choice.label()).collect();
    lines.push(buttons(state, &labels, c.focus));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// What people see of an object, field by field, to tell what changed.
fn attributes(subject: &Subject, lang: Lang) -> Vec<(Msg, String)> {
    let on = |b: bool| lang.t(if b { Msg::On } else { Msg::Off }).to_string();
    let limit = |n: u64| {
        if n == 0 {
            lang.t(Msg::Unlimited).to_string()
        } else {
            n.to_string()
        }
    };
    match subject {
        Subject::Domain(d) => vec![
            (Msg::AttrDescription, d.description.clone()),
            (Msg::AttrActive, on(d.active)),
            (Msg::AttrMaxMailboxes, limit(d.max_mailboxes)),
            (Msg::AttrMaxAliases, limit(d.max_aliases)),
            (Msg::AttrQuota, approx_size(d.quota, lang)),
            (Msg::AttrDefaultQuota, approx_size(d.default_quota, lang)),
        ],
        Subject::Mailbox(m) => vec![
            (Msg::AttrName, m.name.clone()),
            (Msg::AttrQuota, approx_size(m.quota, lang)),
            (Msg::AttrActive, on(m.active)),
        ],
        Subject::Alias(a) => {
            let targets: Vec<String> = a.targets.iter().map(|t| t.to_unicode()).collect();
            vec![
                (Msg::AttrTargets, targets.join(", ")),
                (Msg::AttrActive, on(a.active)),
            ]
        }
        Subject::AliasDomain(a) => vec![
            (Msg::AttrTargetDomain, a.target.to_unicode()),
            (Msg::AttrActive, on(a.active)),
        ],
        Subject::HookEvent { .. } => vec![],
    }
}

/// An audit timestamp as people read it: `2025-05-01 12:00:00`.
pub fn when(at: &str) -> String {
    at.chars().take(19).collect::<String>().replace('T', " ")
}

pub fn conflict(frame: &mut Frame, state: &State, c: &ConflictDialog, area: Rect) {
    let theme = state.theme;
    let lang = state.lang;
    let seen = &c.conflict.seen;
    let kind = state.t(seen.kind());
    let name = seen.shown();
    let headline = match (&c.conflict.fresh, &c.conflict.latest) {
        (None, _) => lang.fmt(Msg::ConflictGone, &[kind, &name]),
        (Some(_), Some(entry)) => lang.fmt(
            Msg::ConflictBy,
            &[kind, &name, &entry.actor, &when(&entry.at)],
        ),
        (Some(_), None) => lang.fmt(Msg::ConflictBySomeone, &[kind, &name]),
    };
    let mut body: Vec<(String, Style)> = vec![(headline, theme.error())];
    if let Some(fresh) = &c.conflict.fresh {
        let changes: Vec<String> = attributes(seen, lang)
            .into_iter()
            .zip(attributes(fresh, lang))
            .filter(|((_, before), (_, after))| before != after)
            .map(|((label, before), (_, after))| {
                lang.fmt(Msg::ChangedFromTo, &[state.t(label), &before, &after])
            })
            .collect();
        if changes.is_empty() {
            body.push((state.t(Msg::ConflictNothingVisible).into(), Style::new()));
        } else {
            body.push((state.t(Msg::ConflictWhat).into(), theme.column_title()));
            body.extend(
                changes
                    .into_iter()
                    .map(|l| (format!("  {l}"), Style::new())),
            );
        }
        let reload = if c.form.is_some() {
            Msg::ConflictReloadForm
        } else {
            Msg::ConflictReloadDialog
        };
        body.push((state.t(reload).into(), theme.dim()));
    }
    let width = 64u16.min(area.width.saturating_sub(4));
    let text_width = width.saturating_sub(4);
    let height = 5 + body
        .iter()
        .map(|(t, _)| wrapped_height(t, text_width))
        .sum::<u16>();
    let inner = dialog(
        frame,
        state,
        area,
        width,
        height,
        state.t(Msg::ConflictTitle),
    );
    let mut lines: Vec<Line> = body
        .into_iter()
        .map(|(t, style)| Line::styled(t, style))
        .collect();
    lines.push(Line::raw(""));
    lines.push(buttons(state, &CONFLICT_CHOICES, c.focus));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn typed(frame: &mut Frame, state: &State, t: &TypedConfirm, area: Rect) {
    let theme = state.theme;
    let shown = t.subject.shown();
    let width = 64u16.min(area.width.saturating_sub(4));
    let prompt = state.lang.fmt(Msg::TypedPrompt, &[&shown]);
    let text_width = width.saturating_sub(4);
    // A domain's: what goes with it, once more.
    let summary = t.holdings.as_ref().filter(|h| !h.is_empty()).map(|h| {
        if !h.forwarded_by.is_empty() {
            let n = h.forwarded_by.len().to_string();
            return state.lang.fmt(Msg::HoldsForwardersSummary, &[&n]);
        }
        state.lang.fmt(
            Msg::HoldsSummary,
            &[
                &h.mailboxes.len().to_string(),
                &h.aliases.len().to_string(),
                &h.alias_domains.len().to_string(),
            ],
        )
    });
    let summary_height = summary
        .as_deref()
        .map(|s| wrapped_height(s, text_width))
        .unwrap_or(0);
    let height = 6 + summary_height + wrapped_height(&prompt, text_width);
    let title = state
        .lang
        .fmt(Msg::TypedTitle, &[&subject_line(state, &t.subject)]);
    let inner = dialog(frame, state, area, width, height, &title);
    let lead = theme.marker();
    let value_width = inner.width.saturating_sub(lead.width() as u16) as usize;
    let scroll = t.input.visual_scroll(value_width.saturating_sub(1));
    let value: String = t.input.value().chars().skip(scroll).collect();
    let mut lines = Vec::new();
    let mut above = wrapped_height(&prompt, inner.width);
    if let Some(summary) = summary {
        above += wrapped_height(&summary, inner.width);
        lines.push(Line::raw(summary));
    }
    lines.push(Line::styled(prompt, theme.error()));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw(lead),
        Span::styled(format!("{value:<value_width$}"), theme.focused_field()),
    ]));
    let input_y = inner.y + above + 1;
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
    let main = text::error_line_in(e, state.lang);
    let hint = text::hint(e, state.lang);
    let mut height = 5 + wrapped_height(&main, text_width);
    if let Some(h) = &hint {
        height += wrapped_height(h, text_width);
    }
    let inner = dialog(frame, state, area, width, height, state.t(Msg::ErrorTitle));
    let mut lines = vec![Line::styled(main, theme.error())];
    if let Some(h) = hint {
        lines.push(Line::raw(h));
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
