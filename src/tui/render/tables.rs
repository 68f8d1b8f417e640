//! The lists: their columns, which columns fit the width (lower priority
//! columns go first as the terminal narrows), and the rows in view. Only
//! the rows on screen are built, so a list of 100,000 mailboxes draws as
//! fast as a list of ten.

use super::super::state::{ListId, ListState, Loaded, State};
use super::super::theme::{Status, Theme};
use crate::dns;
use crate::i18n::{Lang, Msg};
use crate::model::*;
use crate::ops::dns::Published;
use crate::stack::quota::QuotaUsage;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};
use unicode_width::UnicodeWidthStr;

/// A column: its title, narrowest useful width, and priority (0 = kept
/// longest). Columns that `grow` share the width left over.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: Msg,
    pub min: u16,
    pub priority: u8,
    pub grow: bool,
}

const fn col(title: Msg, min: u16, priority: u8, grow: bool) -> Column {
    Column {
        title,
        min,
        priority,
        grow,
    }
}

const SPACING: u16 = 1;

/// Which columns fit in `width`, in display order, with their widths.
pub fn fit_columns(columns: &[Column], width: u16, lang: Lang) -> Vec<(usize, u16)> {
    let widths: Vec<u16> = columns
        .iter()
        .map(|c| c.min.max(lang.t(c.title).width() as u16))
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| (columns[i].priority, i));
    let mut kept = Vec::new();
    let mut used = 0u16;
    for i in order {
        let need = widths[i] + if kept.is_empty() { 0 } else { SPACING };
        if used + need <= width || kept.is_empty() {
            used += need;
            kept.push(i);
        }
    }
    kept.sort();
    kept.into_iter().map(|i| (i, widths[i])).collect()
}

const CONTACT_DOMAINS: &[Column] = &[
    col(Msg::ColDomain, 24, 0, true),
    col(Msg::ColDns, 7, 1, false),
];
const DOMAINS: &[Column] = &[
    col(Msg::ColDomain, 18, 0, true),
    col(Msg::ColActive, 6, 1, false),
    col(Msg::ColMailboxes, 9, 1, false),
    col(Msg::ColAliases, 7, 3, false),
    col(Msg::ColQuotaUse, 12, 2, false),
    col(Msg::ColUsed, 10, 3, false),
    col(Msg::ColDns, 7, 1, false),
    col(Msg::ColDescription, 14, 4, true),
];
const DNS_CHECKS: &[Column] = &[
    col(Msg::ColStatus, 10, 0, false),
    col(Msg::ColCheck, 19, 1, false),
    col(Msg::ColMessage, 20, 0, true),
];
const DKIM_KEYS: &[Column] = &[
    col(Msg::ColSelector, 10, 0, true),
    col(Msg::ColAlgorithm, 7, 2, false),
    col(Msg::ColState, 10, 1, false),
    col(Msg::ColCreated, 10, 3, false),
    col(Msg::ColPublished, 7, 0, false),
];
const MAILBOXES: &[Column] = &[
    col(Msg::ColAddress, 28, 0, true),
    col(Msg::ColName, 16, 2, true),
    col(Msg::ColQuota, 9, 1, false),
    col(Msg::ColActive, 6, 1, false),
];
/// A domain's mailboxes, with how full each is.
const DOMAIN_MAILBOXES: &[Column] = &[
    col(Msg::ColAddress, 28, 0, true),
    col(Msg::ColName, 16, 3, true),
    col(Msg::ColQuota, 9, 1, false),
    col(Msg::ColUsed, 10, 2, false),
    col(Msg::ColActive, 6, 1, false),
];
const ALIASES: &[Column] = &[
    col(Msg::ColAddress, 26, 0, true),
    col(Msg::ColTargets, 20, 1, true),
    col(Msg::ColActive, 6, 2, false),
];
const ALIAS_DOMAINS: &[Column] = &[
    col(Msg::ColAliasDomain, 24, 0, true),
    col(Msg::ColTarget, 24, 1, true),
    col(Msg::ColActive, 6, 2, false),
    col(Msg::ColDns, 7, 1, false),
];
const AUDIT: &[Column] = &[
    col(Msg::ColWhen, 19, 1, false),
    col(Msg::ColWho, 10, 2, false),
    col(Msg::ColWhat, 16, 0, false),
    col(Msg::ColObject, 20, 0, true),
];

const HEALTH: &[Column] = &[
    col(Msg::ColStatus, 10, 0, false),
    col(Msg::ColCheck, 10, 1, false),
    col(Msg::ColMessage, 20, 0, true),
];

const HOOKS: &[Column] = &[
    col(Msg::ColHook, 14, 0, true),
    col(Msg::ColState, 12, 0, false),
    col(Msg::ColPending, 6, 1, false),
    col(Msg::ColFailed, 6, 1, false),
    col(Msg::ColDelivered, 8, 2, false),
];

fn columns(state: &State, id: ListId) -> &'static [Column] {
    match id {
        ListId::Domains if state.is_contact() => CONTACT_DOMAINS,
        ListId::Domains => DOMAINS,
        ListId::DomainMailboxes => DOMAIN_MAILBOXES,
        ListId::AllMailboxes => MAILBOXES,
        ListId::DomainAliases => ALIASES,
        ListId::DomainAliasDomains => ALIAS_DOMAINS,
        ListId::DomainDns => DNS_CHECKS,
        ListId::DomainDkim => DKIM_KEYS,
        ListId::Audit => AUDIT,
        ListId::Hooks => HOOKS,
        ListId::Health => HEALTH,
    }
}

/// A monitoring check's state as a word (never colour alone) and its colour.
pub fn health_state(state: crate::monitor::check::State) -> (Msg, Status) {
    use crate::monitor::check::State as S;
    match state {
        S::Ok => (Msg::HealthOk, Status::Good),
        S::Warning => (Msg::HealthWarning, Status::Warn),
        S::Critical => (Msg::HealthCritical, Status::Bad),
        S::Unknown => (Msg::HealthUnknown, Status::Unknown),
    }
}

/// How full mailbox `i` of the open domain is: `120M 24%`, `…` while
/// reading, `?` when it cannot be told (no maildirsize yet, unreadable).
/// Nearly full (90% and more) is a warning, full is bad.
fn used_cell(state: &State, i: usize, quota: Size) -> Span<'static> {
    let usage = &state.data.domain_usage;
    let read = usage.value.as_ref().and_then(|all| all.get(i));
    used(read, usage.loading, quota, state.lang, state.theme)
}

/// Usage against `quota`, as [`used_cell`] shows it (`…` while `loading`).
fn used(
    usage: Option<&QuotaUsage>,
    loading: bool,
    quota: Size,
    lang: Lang,
    theme: Theme,
) -> Span<'static> {
    let Some(u) = usage else {
        let shown = if loading {
            Msg::DnsChecking
        } else {
            Msg::UsageUnknown
        };
        return styled((shown, Status::Unknown), lang, theme);
    };
    let Some(bytes) = u.used_bytes() else {
        return styled((Msg::UsageUnknown, Status::Unknown), lang, theme);
    };
    let used = Size::from_stored(bytes.min(i64::MAX as u64) as i64).approx();
    match u.percent_of(quota) {
        None => Span::raw(used),
        Some(p) => {
            let status = match p {
                100.. => Status::Bad,
                90.. => Status::Warn,
                _ => Status::Good,
            };
            Span::styled(format!("{used} {p}%"), theme.status(status))
        }
    }
}

/// A DNS status as a word (never colour alone) and its colour.
pub fn dns_status(status: dns::Status) -> (Msg, Status) {
    match status {
        dns::Status::Ok => (Msg::DnsOk, Status::Good),
        dns::Status::Warn => (Msg::DnsWarn, Status::Warn),
        dns::Status::Fail => (Msg::DnsFail, Status::Bad),
        dns::Status::Unknown => (Msg::DnsUnknownStatus, Status::Unknown),
        dns::Status::Skip => (Msg::DnsSkip, Status::Unknown),
    }
}

/// Where a hook stands, as a word and its colour: parked at an event
/// (bad), retrying one (warning), or keeping up.
pub fn hook_state(h: &crate::hooks::HookStatus) -> (Msg, Status) {
    match h.detail.head {
        Some(_) if h.detail.parked => (Msg::HookParked, Status::Bad),
        Some(_) => (Msg::HookRetrying, Status::Warn),
        None => (Msg::HookOk, Status::Good),
    }
}

/// Whether a DKIM key is published, as a word and its colour.
pub fn published(p: Published) -> (Msg, Status) {
    match p {
        Published::Yes => (Msg::PublishedYes, Status::Good),
        Published::No => (Msg::PublishedNo, Status::Bad),
        Published::Unknown => (Msg::PublishedUnknown, Status::Unknown),
    }
}

pub fn key_state(state: KeyState) -> Msg {
    match state {
        KeyState::Active => Msg::KeyActive,
        KeyState::Pending => Msg::KeyPending,
        KeyState::Retiring => Msg::KeyRetiring,
    }
}

fn styled((msg, status): (Msg, Status), lang: Lang, theme: Theme) -> Span<'static> {
    Span::styled(lang.t(msg), theme.status(status))
}

/// The DNS column of a domain: its status once checked, `…` while
/// checking, `-` before.
fn dns_badge(state: &State, domain: &DomainName) -> Span<'static> {
    let (lang, theme) = (state.lang, state.theme);
    let entry = state.data.dns.get(domain);
    match entry.and_then(|e| e.report.value.as_ref()) {
        Some(report) => styled(dns_status(report.status), lang, theme),
        None if entry.is_some_and(|e| e.report.loading) => {
            styled((Msg::DnsChecking, Status::Unknown), lang, theme)
        }
        None if entry.is_some_and(|e| e.report.error.is_some()) => {
            styled((Msg::DnsUnknownStatus, Status::Unknown), lang, theme)
        }
        None => styled((Msg::DnsNotChecked, Status::Unknown), lang, theme),
    }
}

/// Quotas for people: `unlimited` (in the UI's language), or rounded
/// as [`Size::approx`] writes it.
pub fn approx_size(size: Size, lang: Lang) -> String {
    if size.is_unlimited() {
        return lang.t(Msg::Unlimited).into();
    }
    size.approx()
}

/// `n/limit`, or `n` when there is no limit (as the CLI prints it).
fn of_limit(n: String, limit: Option<String>) -> String {
    match limit {
        Some(l) => format!("{n}/{l}"),
        None => n,
    }
}

fn active_cell(active: bool, lang: Lang, theme: Theme) -> Span<'static> {
    let (msg, status) = if active {
        (Msg::On, Status::Good)
    } else {
        (Msg::Off, Status::Bad)
    };
    Span::styled(lang.t(msg), theme.status(status))
}

/// How many rows list `id` has, once its data is in.
pub fn row_count(state: &State, id: ListId) -> Option<usize> {
    let d = &state.data;
    match id {
        ListId::Domains if state.is_contact() => Some(state.contact_domains().len()),
        ListId::Domains => d.domains.value.as_ref().map(Vec::len),
        ListId::DomainMailboxes => d.domain_mailboxes.value.as_ref().map(Vec::len),
        ListId::AllMailboxes => d.all_mailboxes.value.as_ref().map(Vec::len),
        ListId::DomainAliases => d.domain_aliases.value.as_ref().map(Vec::len),
        ListId::DomainAliasDomains => d.alias_domains.value.as_ref().map(Vec::len),
        ListId::DomainDns => state.dns_report(d.domain.as_ref()?).map(|r| r.checks.len()),
        ListId::DomainDkim => d.domain_dkim.value.as_ref().map(Vec::len),
        ListId::Audit => d.audit.value.as_ref().map(Vec::len),
        ListId::Health => d.health.value.as_ref().map(Vec::len),
        ListId::Hooks => d.hooks.value.as_ref().map(Vec::len),
    }
}

/// Row `i` of list `id` as it reads on screen, every column (shown or not)
/// in the user's language: what the filter searches, so that it matches
/// what is displayed (`/échec` finds the failing domains in French).
pub fn row_text(state: &State, id: ListId, i: usize) -> Option<String> {
    let spans = cells(state, id, i)?;
    let mut text = String::new();
    for span in spans {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&span.content);
    }
    Some(text)
}

/// The cells of source row `i` of list `id`, one span each.
fn cells(state: &State, id: ListId, i: usize) -> Option<Vec<Span<'static>>> {
    let (lang, theme) = (state.lang, state.theme);
    Some(match id {
        ListId::Domains if state.is_contact() => {
            let d = state.contact_domains().get(i)?;
            vec![Span::raw(d.to_unicode()), dns_badge(state, d)]
        }
        ListId::Domains => {
            let d = state.data.domains.value.as_ref()?.get(i)?;
            let usage = &state.data.usage_by_domain;
            let count =
                |n: u64, max: u64| of_limit(n.to_string(), (max > 0).then(|| max.to_string()));
            let quota = of_limit(
                d.allotted_quota.approx(),
                (!d.quota.is_unlimited()).then(|| approx_size(d.quota, lang)),
            );
            vec![
                Span::raw(d.name.to_unicode()),
                active_cell(d.active, lang, theme),
                Span::raw(count(d.mailboxes, d.max_mailboxes)),
                Span::raw(count(d.aliases, d.max_aliases)),
                Span::raw(quota),
                used(
                    usage.value.as_ref().and_then(|all| all.get(&d.name)),
                    usage.loading,
                    d.quota,
                    lang,
                    theme,
                ),
                dns_badge(state, &d.name),
                Span::raw(d.description.clone()),
            ]
        }
        ListId::DomainMailboxes | ListId::AllMailboxes => {
            let source = if id == ListId::AllMailboxes {
                &state.data.all_mailboxes
            } else {
                &state.data.domain_mailboxes
            };
            let m = source.value.as_ref()?.get(i)?;
            let mut cells = vec![
                Span::raw(m.address.to_unicode()),
                Span::raw(m.name.clone()),
                Span::raw(approx_size(m.quota, lang)),
                active_cell(m.active, lang, theme),
            ];
            if id == ListId::DomainMailboxes {
                cells.insert(3, used_cell(state, i, m.quota));
            }
            cells
        }
        ListId::DomainAliases => {
            let a = state.data.domain_aliases.value.as_ref()?.get(i)?;
            let address = match &a.address {
                AliasAddress::Address(x) => x.to_unicode(),
                AliasAddress::CatchAll(d) => {
                    format!("@{} {}", d.to_unicode(), lang.t(Msg::CatchAll))
                }
            };
            let targets: Vec<String> = a.targets.iter().map(|t| t.to_unicode()).collect();
            vec![
                Span::raw(address),
                Span::raw(targets.join(", ")),
                active_cell(a.active, lang, theme),
            ]
        }
        ListId::DomainAliasDomains => {
            let a = state.data.alias_domains.value.as_ref()?.get(i)?;
            vec![
                Span::raw(a.name.to_unicode()),
                Span::raw(a.target.to_unicode()),
                active_cell(a.active, lang, theme),
                dns_badge(state, &a.name),
            ]
        }
        ListId::DomainDns => {
            let c = state
                .dns_report(state.data.domain.as_ref()?)?
                .checks
                .get(i)?;
            vec![
                styled(dns_status(c.status), lang, theme),
                Span::raw(c.id.clone()),
                Span::raw(c.message.clone()),
            ]
        }
        ListId::DomainDkim => {
            let k = state.data.domain_dkim.value.as_ref()?.get(i)?;
            vec![
                Span::raw(k.key.selector.to_string()),
                Span::raw(k.key.algorithm.tag()),
                Span::raw(lang.t(key_state(k.key.state))),
                Span::raw(k.key.created.format("%Y-%m-%d").to_string()),
                styled(published(k.published), lang, theme),
            ]
        }
        ListId::Audit => {
            let e = state.data.audit.value.as_ref()?.get(i)?;
            let when: String = e.at.chars().take(19).collect::<String>().replace('T', " ");
            vec![
                Span::raw(when),
                Span::raw(e.actor.clone()),
                Span::raw(e.action.clone()),
                Span::raw(super::super::text::unicode(&e.object)),
            ]
        }
        ListId::Health => {
            let c = state.data.health.value.as_ref()?.get(i)?;
            vec![
                styled(health_state(c.state), lang, theme),
                Span::raw(c.kind.name()),
                Span::raw(c.summary.clone()),
            ]
        }
        ListId::Hooks => {
            let h = state.data.hooks.value.as_ref()?.get(i)?;
            vec![
                Span::raw(h.name.clone()),
                styled(hook_state(h), lang, theme),
                Span::raw(h.pending.to_string()),
                Span::raw(h.failed.to_string()),
                Span::raw(format!("#{}", h.last_delivered_id)),
            ]
        }
    })
}

/// Loading state of the data behind list `id`.
fn status_of(state: &State, id: ListId) -> (bool, Option<String>) {
    fn of<T>(l: &Loaded<T>, lang: crate::i18n::Lang) -> (bool, Option<String>) {
        let error = l.error.as_ref().map(|e| crate::tui::text::error(e, lang));
        (l.loading && l.value.is_none(), error)
    }
    let lang = state.lang;
    let d = &state.data;
    match id {
        ListId::Domains if state.is_contact() => (false, None),
        ListId::Domains => of(&d.domains, lang),
        ListId::DomainMailboxes => of(&d.domain_mailboxes, lang),
        ListId::AllMailboxes => of(&d.all_mailboxes, lang),
        ListId::DomainAliases => of(&d.domain_aliases, lang),
        ListId::DomainAliasDomains => of(&d.alias_domains, lang),
        ListId::DomainDns => match d.domain.as_ref().and_then(|n| d.dns.get(n)) {
            Some(dns) => of(&dns.report, lang),
            None => (true, None),
        },
        ListId::DomainDkim => of(&d.domain_dkim, lang),
        ListId::Audit => of(&d.audit, lang),
        ListId::Health => of(&d.health, lang),
        ListId::Hooks => of(&d.hooks, lang),
    }
}

fn list_title(state: &State, id: ListId, list: &ListState) -> String {
    let name = match id {
        ListId::Domains => state.t(Msg::ViewDomains),
        ListId::DomainMailboxes | ListId::AllMailboxes => state.t(Msg::ViewMailboxes),
        ListId::DomainAliases => state.t(Msg::TabAliases),
        ListId::DomainAliasDomains => state.t(Msg::TabAliasDomains),
        ListId::DomainDns => state.t(Msg::TitleDnsChecks),
        ListId::DomainDkim => state.t(Msg::TitleDkimKeys),
        ListId::Audit => state.t(Msg::ViewAudit),
        ListId::Health => state.t(Msg::ViewHealth),
        ListId::Hooks => state.t(Msg::ViewHooks),
    };
    let count = if list.filter.is_empty() {
        format!("{}", list.keys.len())
    } else {
        format!("{}/{}", list.visible.len(), list.keys.len())
    };
    let mut title = format!(" {name} ({count}) ");
    if id == ListId::DomainDns
        && let Some(report) = state.data.domain.as_ref().and_then(|d| state.dns_report(d))
    {
        let n = |s: dns::Status| report.checks.iter().filter(|c| c.status == s).count();
        let summary = state.lang.fmt(
            Msg::DnsSummary,
            &[
                &n(dns::Status::Fail).to_string(),
                &n(dns::Status::Unknown).to_string(),
                &n(dns::Status::Warn).to_string(),
            ],
        );
        let (word, _) = dns_status(report.status);
        let status = state
            .lang
            .fmt(Msg::DnsStatusSummary, &[state.t(word), &summary]);
        title.push_str(&format!("{status} "));
    }
    if !list.filter.is_empty() {
        title.push_str(&format!("{}: {} ", state.t(Msg::FilterLabel), list.filter));
    }
    title
}

pub fn list(frame: &mut Frame, state: &State, area: Rect) {
    let Some(id) = state.list_id() else { return };
    let theme = state.theme;
    let empty = ListState::default();
    let list = state.list(id).unwrap_or(&empty);
    let block = Block::bordered()
        .border_set(theme.border())
        .title(list_title(state, id, list));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let (loading, error) = status_of(state, id);
    let open = state.data.domain.as_ref().map(|d| d.to_unicode());
    let open = open.as_deref().unwrap_or_default();
    let message = if let Some(e) = error {
        let failed = match id {
            ListId::DomainDns => Msg::DnsCheckFailed,
            _ => Msg::LoadFailed,
        };
        Some(state.lang.fmt(failed, &[&e]))
    } else if loading {
        Some(match id {
            ListId::DomainDns => state.lang.fmt(Msg::DnsCheckingDomain, &[open]),
            _ => state.t(Msg::Loading).to_string(),
        })
    } else if list.visible.is_empty() {
        Some(match id {
            ListId::DomainDkim if list.filter.is_empty() => {
                let ascii = state.data.domain.as_ref().map(|d| d.to_string());
                let none = if state.is_admin() {
                    Msg::DkimNoneAdmin
                } else {
                    Msg::DkimNone
                };
                state
                    .lang
                    .fmt(none, &[open, ascii.as_deref().unwrap_or_default()])
            }
            _ if list.filter.is_empty() => state.t(Msg::Empty).to_string(),
            _ => state.t(Msg::NoMatch).to_string(),
        })
    } else {
        None
    };
    let marker = theme.marker();
    let width = inner.width.saturating_sub(marker.width() as u16);
    let columns = columns(state, id);
    let fitted = fit_columns(columns, width, state.lang);
    let header = Row::new(
        fitted
            .iter()
            .map(|&(i, _)| Cell::from(state.t(columns[i].title)))
            .collect::<Vec<_>>(),
    )
    .style(theme.column_title());
    let constraints: Vec<Constraint> = fitted
        .iter()
        .map(|&(i, w)| {
            if columns[i].grow {
                Constraint::Fill(w)
            } else {
                Constraint::Length(w)
            }
        })
        .collect();

    let height = inner.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = if message.is_some() {
        Vec::new()
    } else {
        list.visible
            .iter()
            .skip(list.offset)
            .take(height)
            .filter_map(|&i| cells(state, id, i))
            .map(|all| {
                let picked: Vec<Cell> = fitted
                    .iter()
                    .map(|&(c, _)| Cell::from(all[c].clone()))
                    .collect();
                Row::new(picked)
            })
            .collect()
    };
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(SPACING)
        .row_highlight_style(theme.selected())
        .highlight_symbol(marker)
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut table_state =
        TableState::new().with_selected(Some(list.selected.saturating_sub(list.offset)));
    frame.render_stateful_widget(table, inner, &mut table_state);
    if let Some(message) = message {
        let below = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2),
            ..inner
        };
        let text = Paragraph::new(Line::raw(message)).wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(text, below.inner(ratatui::layout::Margin::new(2, 0)));
    }
}
