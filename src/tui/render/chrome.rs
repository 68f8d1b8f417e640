//! The frame around a view: header (directory, user, role, badges,
//! spinner), breadcrumbs, the title or tab line, and the bottom line
//! (prompt, flash message, or the keys of the moment from the keymap).

use super::super::action::Action;
use super::super::keymap::{self, key_name};
use super::super::state::{FADE_TICKS, PromptKind, State, View};
use crate::i18n::Msg;
use crate::ops::Role;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use unicode_width::UnicodeWidthStr;

pub fn header(frame: &mut Frame, state: &State, area: Rect) {
    let theme = state.theme;
    let role = match &state.actor.role {
        Role::Admin => Msg::RoleAdmin,
        Role::DomainAdmin(_) => Msg::RoleDomainAdmin,
        Role::Contact(_) => Msg::RoleContact,
    };
    let mut left = vec![
        Span::raw(" "),
        Span::raw(state.t(Msg::AppName)),
        Span::raw(theme.bar()),
        Span::raw(format!("{} ({})", state.actor.user, state.t(role))),
    ];
    if let Some(banner) = &state.banner {
        left.push(Span::raw(" "));
        left.push(Span::styled(format!(" {banner} "), theme.badge()));
    }
    if state.is_contact() {
        left.push(Span::raw(" "));
        left.push(Span::styled(
            format!(" {} ", state.t(Msg::ReadOnly)),
            theme.badge(),
        ));
    }
    left.push(Span::raw(theme.bar()));
    let right = if state.jobs > 0 {
        format!(" {} {} ", theme.spinner(state.tick), state.t(Msg::Working))
    } else {
        String::new()
    };
    // The monitoring checks' worst state, in a word (H opens them).
    let health = state.health().map(|s| {
        let (word, status) = super::tables::health_state(s);
        Span::styled(format!(" {} ", state.t(word)), theme.status(status))
    });
    let health_width = health.as_ref().map_or(0, |h| h.content.width());
    let used: usize = left.iter().map(|s| s.content.width()).sum();
    let room = (area.width as usize).saturating_sub(used + right.width() + health_width);
    left.push(Span::raw(truncate_start(&state.backend, room)));
    let fill = (area.width as usize).saturating_sub(
        left.iter().map(|s| s.content.width()).sum::<usize>() + right.width() + health_width,
    );
    left.push(Span::raw(" ".repeat(fill)));
    left.extend(health);
    left.push(Span::raw(right));
    frame.render_widget(Paragraph::new(Line::from(left)).style(theme.header()), area);
}

/// Keeps the end of `text` (the file name of a path is what tells it apart).
fn truncate_start(text: &str, room: usize) -> String {
    if text.width() <= room {
        return text.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut width = 1;
    for c in text.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if width + w > room {
            break;
        }
        width += w;
        out.push(c);
    }
    if room == 0 {
        return String::new();
    }
    out.push('…');
    out.into_iter().rev().collect()
}

pub fn breadcrumbs(frame: &mut Frame, state: &State, area: Rect) {
    let sep = state.theme.separator();
    let mut parts: Vec<String> = Vec::new();
    for view in &state.stack {
        match view {
            View::Domains => parts.push(state.t(Msg::ViewDomains).into()),
            View::Mailboxes => parts.push(state.t(Msg::ViewMailboxes).into()),
            View::Audit => parts.push(state.t(Msg::ViewAudit).into()),
            View::Health => parts.push(state.t(Msg::ViewHealth).into()),
            View::Hooks => parts.push(state.t(Msg::ViewHooks).into()),
            View::Domain { name, tab } => {
                parts.push(name.to_unicode());
                parts.push(state.t(tab.title()).into());
            }
        }
    }
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled(
            parts.join(sep),
            Style::new().add_modifier(ratatui::style::Modifier::BOLD),
        ),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The tab line of a domain; elsewhere, nothing (the list's border has the title).
pub fn title(frame: &mut Frame, state: &State, area: Rect) {
    let View::Domain { tab, .. } = state.view() else {
        return;
    };
    let tabs = state.tabs();
    let titles: Vec<String> = tabs
        .iter()
        .map(|t| state.t(t.title()).to_string())
        .collect();
    let selected = tabs.iter().position(|t| t == tab).unwrap_or(0);
    let widget = Tabs::new(titles)
        .select(selected)
        .highlight_style(state.theme.selected())
        .divider(if state.theme.ascii { "|" } else { "│" });
    frame.render_widget(widget, area);
}

pub fn bottom(frame: &mut Frame, state: &State, area: Rect) {
    let theme = state.theme;
    if let Some(prompt) = &state.prompt {
        let lead = match prompt.kind {
            PromptKind::Filter => "/",
            PromptKind::Command => ":",
        };
        let width = area.width.saturating_sub(2) as usize;
        let scroll = prompt.input.visual_scroll(width);
        let value: String = prompt.input.value().chars().skip(scroll).collect();
        let line = Line::from(vec![Span::styled(lead, theme.key()), Span::raw(value)]);
        frame.render_widget(Paragraph::new(line), area);
        let x = area.x + 1 + (prompt.input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Some(flash) = &state.flash {
        let mut style = if flash.error {
            theme.error()
        } else {
            theme.status(super::super::theme::Status::Good)
        };
        if flash.until.saturating_sub(state.tick) <= FADE_TICKS {
            style = style.patch(theme.dim());
        }
        let line = Line::from(vec![
            Span::raw(" "),
            Span::styled(flash.text.clone(), style),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    // Pick by rank what fits, then show in table order.
    let at_root = state.stack.len() == 1
        && state
            .list_id()
            .and_then(|id| state.list(id))
            .is_none_or(|l| l.filter.is_empty());
    let candidates: Vec<_> = keymap::active(state)
        .into_iter()
        .filter(|b| b.bar > 0 && !(at_root && matches!(b.action, Action::Back)))
        .collect();
    let width_of =
        |b: &keymap::Binding| key_name(&b.keys[0]).width() + 1 + state.t(b.label).width() + 2;
    let mut ranked: Vec<usize> = (0..candidates.len()).collect();
    ranked.sort_by_key(|&i| candidates[i].bar);
    let mut used = 1;
    let mut shown = vec![false; candidates.len()];
    for i in ranked {
        let w = width_of(candidates[i]);
        if used + w <= area.width as usize {
            used += w;
            shown[i] = true;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (_, binding) in candidates.iter().enumerate().filter(|(i, _)| shown[*i]) {
        spans.push(Span::styled(key_name(&binding.keys[0]), theme.key()));
        spans.push(Span::raw(format!(" {}  ", state.t(binding.label))));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
