//! The detail pane under the DNS, DKIM and audit lists: the selected
//! check's whole message and its fix, the selected key's record to publish,
//! or what the selected audit entry changed (before → after), wrapped
//! rather than cut. Only a top rule frames it, so that the record lines
//! copy without border characters.

use super::super::state::{ListId, State};
use super::super::text;
use super::dialogs::when;
use super::tables::{approx_size, dns_status, hook_state, key_state, published};
use crate::i18n::{Lang, Msg};
use crate::model::Size;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::Value;

pub fn detail(frame: &mut Frame, state: &State, area: Rect) {
    let lines = match state.list_id() {
        Some(ListId::DomainDns) => dns_check(state),
        Some(ListId::DomainDkim) => dkim_key(state),
        Some(ListId::Audit) => audit_entry(state),
        Some(ListId::Health) => health_check(state),
        Some(ListId::Hooks) => hook_detail(state),
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

/// The selected check's state and summary, its details, and its
/// performance data as `postier check` prints them.
fn health_check(state: &State) -> Option<Vec<Line<'static>>> {
    let check = state
        .data
        .health
        .value
        .as_ref()?
        .get(selected(state, ListId::Health)?)?;
    let (word, status) = super::tables::health_state(check.state);
    let bold = state.theme.column_title();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(state.t(word).to_string(), state.theme.status(status)),
            Span::raw(" "),
            Span::styled(format!("postier check {}", check.kind.name()), bold),
        ]),
        Line::raw(check.summary.clone()),
    ];
    lines.extend(check.details.iter().map(|d| Line::raw(d.clone())));
    if lines.len() == 2 {
        lines.push(Line::raw(state.t(Msg::HealthNoDetail).to_string()));
    }
    Some(lines)
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
    // Under every SPF check: how receivers evaluate the record for the
    // service's address, term by term, as `dns spf --trace` prints it.
    if let Some(trace) = spf_trace(report, &check.id) {
        lines.push(Line::styled(state.t(Msg::DetailSpfTrace).to_string(), bold));
        lines.extend(
            trace
                .iter()
                .map(|l| Line::raw(format!("{}{}", "  ".repeat(l.depth), l.text))),
        );
    }
    Some(lines)
}

/// The SPF evaluation tree shown under the SPF check `id`, if any.
pub fn spf_trace<'a>(
    report: &'a crate::dns::DomainReport,
    id: &str,
) -> Option<&'a [crate::dns::spf::TraceLine]> {
    if !id.starts_with("spf.") {
        return None;
    }
    let ours = report
        .checks
        .iter()
        .find(|c| c.id == "spf.authorizes_ours")?;
    ours.trace.as_deref().filter(|t| !t.is_empty())
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

/// Fields never shown: no password or hash, whatever an entry holds. The
/// scheme's name is no secret.
fn secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    (key.contains("password") && key != "password_scheme")
        || key.contains("hash")
        || key.contains("secret")
}

/// A field's name in the user's language, where the catalogue has it.
fn label(key: &str, lang: Lang) -> String {
    let msg = match key {
        "name" => Msg::AttrName,
        "description" => Msg::AttrDescription,
        "active" => Msg::AttrActive,
        "quota_bytes" => Msg::AttrQuota,
        "default_quota_bytes" => Msg::AttrDefaultQuota,
        "max_mailboxes" => Msg::AttrMaxMailboxes,
        "max_aliases" => Msg::AttrMaxAliases,
        "targets" => Msg::AttrTargets,
        "target" => Msg::AttrTargetDomain,
        other => return other.to_string(),
    };
    lang.t(msg).to_string()
}

/// Fields every change touches: they tell nothing of the change.
fn bookkeeping(key: &str) -> bool {
    matches!(key, "version" | "created_at" | "updated_at")
}

/// A JSON value as people read it: sizes rounded, domains in U-labels,
/// lists of objects by their names, secrets left out.
fn shown(key: &str, value: &Value, lang: Lang) -> String {
    match value {
        Value::Null => "-".into(),
        Value::Bool(b) => lang.t(if *b { Msg::On } else { Msg::Off }).into(),
        Value::Number(n) if key.ends_with("_bytes") => match n.as_i64() {
            Some(bytes) => approx_size(Size::from_stored(bytes), lang),
            None => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::String(s) => text::unicode(s),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                // Objects in a list (what a cascade removed): their name.
                Value::Object(o) => ["address", "name", "object"]
                    .iter()
                    .find_map(|k| o.get(*k))
                    .map(|v| shown(key, v, lang))
                    .unwrap_or_else(|| shown(key, &strip_secrets(item), lang)),
                other => shown(key, other, lang),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => text::unicode(&strip_secrets(value).to_string()),
    }
}

fn strip_secrets(value: &Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !secret(k))
                .map(|(k, v)| (k.clone(), strip_secrets(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_secrets).collect()),
        other => other.clone(),
    }
}

/// Where the selected hook stands (the event it is stuck at, its next
/// attempt, who delivers now) and its newest attempts, newest first.
fn hook_detail(state: &State) -> Option<Vec<Line<'static>>> {
    let hook = state
        .data
        .hooks
        .value
        .as_ref()?
        .get(selected(state, ListId::Hooks)?)?;
    let (lang, theme) = (state.lang, state.theme);
    let d = &hook.detail;
    let (word, status) = hook_state(hook);
    let mut head = vec![
        Span::styled(hook.name.clone(), theme.column_title()),
        Span::raw(" "),
        Span::styled(lang.t(word), theme.status(status)),
        Span::raw(" "),
    ];
    match d.head {
        Some((event, failed)) => head.push(Span::raw(
            lang.fmt(Msg::HookAt, &[&event.to_string(), &failed.to_string()]),
        )),
        None => head.push(Span::raw(lang.t(Msg::HookNothingHeld))),
    }
    let mut lines = vec![Line::from(head)];
    let ms = |t: i64| {
        chrono::DateTime::from_timestamp_millis(t)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    if let Some(next) = d.next_at.filter(|_| !d.parked) {
        lines.push(Line::raw(lang.fmt(Msg::HookNextAt, &[&ms(next)])));
    }
    if let Some((owner, until)) = &d.lease {
        lines.push(Line::raw(lang.fmt(Msg::HookLease, &[owner, &ms(*until)])));
    }
    if d.attempts.is_empty() {
        lines.push(Line::styled(
            lang.t(Msg::HookNoAttempts).to_string(),
            theme.dim(),
        ));
    }
    for a in &d.attempts {
        let code = a.code.map(|c| format!(" ({c})")).unwrap_or_default();
        let outcome = match a.outcome.as_str() {
            "delivered" => lang.t(Msg::AttemptDelivered),
            "failed" => lang.t(Msg::AttemptFailed),
            "timeout" => lang.t(Msg::AttemptTimeout),
            "parked" => lang.t(Msg::AttemptParked),
            "retry" => lang.t(Msg::AttemptRetry),
            "skipped" => lang.t(Msg::AttemptSkipped),
            other => other,
        };
        let mut line = format!("{} #{} {outcome}{code}", when(&a.at), a.event_id);
        if !a.detail.is_empty() {
            line.push_str(": ");
            line.push_str(a.detail.lines().next().unwrap_or_default());
        }
        lines.push(Line::raw(line));
    }
    Some(lines)
}

/// The fields of an entry's before/after: changed ones as `key: before →
/// after`, or all of them for what was added or removed.
fn audit_entry(state: &State) -> Option<Vec<Line<'static>>> {
    let entry = state
        .data
        .audit
        .value
        .as_ref()?
        .get(selected(state, ListId::Audit)?)?;
    let lang = state.lang;
    let bold = state.theme.column_title();
    let mut lines = vec![Line::from(vec![
        Span::styled(entry.action.clone(), bold),
        Span::raw(" "),
        Span::raw(lang.fmt(
            Msg::AuditBy,
            &[
                &text::unicode(&entry.object),
                &entry.actor,
                &when(&entry.at),
            ],
        )),
    ])];
    let empty = serde_json::Map::new();
    let fields = |v: &Option<Value>| match v {
        Some(Value::Object(o)) => o.clone(),
        _ => empty.clone(),
    };
    let (before, after) = (fields(&entry.before), fields(&entry.after));
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.dedup();
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if !seen.insert(key) || secret(key) || bookkeeping(key) {
            continue;
        }
        let line = match (before.get(key), after.get(key)) {
            (Some(b), Some(a)) if b == a => continue,
            (Some(b), Some(a)) => lang.fmt(
                Msg::ChangedFromTo,
                &[
                    &label(key, lang),
                    &shown(key, b, lang),
                    &shown(key, a, lang),
                ],
            ),
            (Some(v), None) | (None, Some(v)) => {
                lang.fmt(Msg::FieldValue, &[&label(key, lang), &shown(key, v, lang)])
            }
            (None, None) => continue,
        };
        lines.push(Line::raw(line));
    }
    if lines.len() == 1 {
        lines.push(Line::styled(
            state.t(Msg::AuditNoDetail).to_string(),
            state.theme.dim(),
        ));
    }
    Some(lines)
}
