//! The detail pane under the DNS and DKIM lists: the selected check's
//! whole message and its fix, or the selected key's record to publish,
//! wrapped rather than cut. Only a top rule frames it, so that the record
//! lines copy without border characters.

use super::super::state::{ListId, State};
use super::tables::{dns_status, key_state, published};
use crate::i18n::Msg;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn detail(frame: &mut Frame, state: &State, area: Rect) {
    let lines = match state.list_id() {
        Some(ListId::DomainDns) => dns_check(state),
        Some(ListId::DomainDkim) => dkim_key(state),
        _ => return,
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_set(state.theme.border());
    let text = Paragraph::new(lines.unwrap_or_default())
        .wrap(Wrap { trim: false })
        .block(block);
    frame.render_widget(text, area);
}

/// The source index under the cursor of list `id`.
fn selected(state: &State, id: ListId) -> Option<usize> {
    state.list(id)?.current()
}

fn dns_check(state: &State) -> Option<Vec<Line<'static>>> {
    let report = state.dns_report(state.data.domain.as_ref()?)?;
    let check = report.checks.get(selected(state, ListId::DomainDns)?)?;
    let (word, status) = dns_status(check.status);
    let bold = state.theme.column_title();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(state.t(word).to_string(), state.theme.status(status)),
            Span::raw(" "),
            Span::styled(check.id.clone(), bold),
        ]),
        Line::raw(check.message.clone()),
    ];
    if let Some(fix) = &check.fix {
        lines.push(Line::styled(state.t(Msg::DetailFix).to_string(), bold));
        lines.extend(fix.lines().map(|l| Line::raw(l.to_string())));
    }
    Some(lines)
}

fn dkim_key(state: &State) -> Option<Vec<Line<'static>>> {
    let key = state
        .data
        .domain_dkim
        .value
        .as_ref()?
        .get(selected(state, ListId::DomainDkim)?)?;
    let (word, status) = published(key.published);
    let bold = state.theme.column_title();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(key.key.selector.to_string(), bold),
            Span::raw(format!(
                " · {} · {} · {} ",
                key.key.algorithm.tag(),
                state.t(key_state(key.key.state)),
                state.t(Msg::DetailPublished),
            )),
            Span::styled(state.t(word).to_string(), state.theme.status(status)),
        ]),
        Line::styled(state.t(Msg::DetailRecord).to_string(), bold),
        Line::raw(key.record.to_string()),
    ];
    if let Some(after) = key.key.retire_after {
        let date = after.format("%Y-%m-%d").to_string();
        lines.push(Line::raw(state.lang.fmt(Msg::DetailRetireAfter, &[&date])));
    }
    Some(lines)
}
