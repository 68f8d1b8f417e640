//! The TUI's whole state. Only [`super::update`] changes it; the renderer
//! reads it. Lists keep their own cursor, scroll offset, filter and the
//! indices of the rows the filter lets through, so a keystroke in a
//! 100,000-row list re-filters precomputed lowercase keys, not the rows.

use super::action::Conflict;
use super::forms::Form;
use super::theme::Theme;
use crate::dns::DomainReport;
use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::model::*;
use crate::monitor::check::{CheckOutcome, State as CheckState};
use crate::ops::dns::KeyStatus;
use crate::ops::{Actor, Role};
use crate::password::Password;
use crate::stack::quota::QuotaUsage;
use std::collections::HashMap;
use tui_input::Input;

/// A screen; the navigation stack of these makes the breadcrumbs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Domains,
    Domain {
        name: DomainName,
        tab: Tab,
    },
    Mailboxes,
    Audit,
    /// The monitoring checks (`postier check`), with their states.
    Health,
    /// Each hook's delivery state (admins).
    Hooks,
}

/// A domain's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Mailboxes,
    Aliases,
    AliasDomains,
    Dns,
    Dkim,
}

impl Tab {
    pub fn title(self) -> Msg {
        match self {
            Tab::Mailboxes => Msg::TabMailboxes,
            Tab::Aliases => Msg::TabAliases,
            Tab::AliasDomains => Msg::TabAliasDomains,
            Tab::Dns => Msg::TabDns,
            Tab::Dkim => Msg::TabDkim,
        }
    }
}

/// The lists the TUI shows, each with its own cursor and filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListId {
    Domains,
    DomainMailboxes,
    DomainAliases,
    DomainAliasDomains,
    DomainDns,
    DomainDkim,
    AllMailboxes,
    Audit,
    Health,
    Hooks,
}

/// Data fetched in the background.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub value: Option<T>,
    pub loading: bool,
    /// Why the last load failed; worded when shown, in the reader's language.
    pub error: Option<Error>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded {
            value: None,
            loading: false,
            error: None,
        }
    }
}

impl<T> Loaded<T> {
    pub fn set(&mut self, result: Result<T, Error>) {
        self.loading = false;
        match result {
            Ok(v) => {
                self.value = Some(v);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// A mailbox as the lists show it: what rows and forms need and no more
/// (no hash, no timestamps), since the global search holds 100,000 of them.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxRow {
    pub address: Address,
    pub name: String,
    pub quota: Size,
    pub active: bool,
    /// Relative to the mail root, where its quota usage is read.
    pub maildir: String,
    /// The version read: a change made from this row carries it.
    pub version: i64,
}

impl From<Mailbox> for MailboxRow {
    fn from(m: Mailbox) -> Self {
        MailboxRow {
            address: m.address,
            name: m.name,
            quota: m.quota,
            active: m.active,
            maildir: m.maildir,
            version: m.version,
        }
    }
}

/// A domain's DNS self-check: the last report, and the round of the
/// newest check asked for (an answer from an older round is dropped).
#[derive(Debug, Clone, Default)]
pub struct DnsState {
    pub report: Loaded<DomainReport>,
    pub round: u64,
}

/// Everything read from the directory and DNS.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub domains: Loaded<Vec<Domain>>,
    pub alias_domains: Loaded<Vec<AliasDomain>>,
    /// Mailboxes and aliases of the open domain (named by `domain`).
    pub domain: Option<DomainName>,
    pub domain_mailboxes: Loaded<Vec<MailboxRow>>,
    /// How full each of those mailboxes is, in the same order.
    pub domain_usage: Loaded<Vec<QuotaUsage>>,
    pub domain_aliases: Loaded<Vec<Alias>>,
    /// DKIM keys of the open domain.
    pub domain_dkim: Loaded<Vec<KeyStatus>>,
    pub all_mailboxes: Loaded<Vec<MailboxRow>>,
    pub audit: Loaded<Vec<AuditEntry>>,
    /// Each hook's delivery state, with its newest attempts.
    pub hooks: Loaded<Vec<crate::hooks::HookStatus>>,
    /// How much each domain holds on disk.
    pub usage_by_domain: Loaded<HashMap<DomainName, QuotaUsage>>,
    /// The DNS self-check of every domain checked so far.
    pub dns: HashMap<DomainName, DnsState>,
    /// The current DNS round: checks of one round share their answers; a
    /// re-check or a refresh starts a new one.
    pub dns_round: u64,
    /// The monitoring checks, as the header's health word and the Health
    /// view show them.
    pub health: Loaded<Vec<CheckOutcome>>,
}

/// One list's cursor, scroll offset and filter.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// Position of the cursor among the visible rows.
    pub selected: usize,
    /// First visible row drawn.
    pub offset: usize,
    pub filter: String,
    /// (index into the source, lowercase search key) for every row.
    pub keys: Vec<(usize, String)>,
    /// Source indices of the rows the filter lets through, in order.
    pub visible: Vec<usize>,
}

impl ListState {
    /// Replaces the rows' search keys and re-applies the filter.
    pub fn set_keys(&mut self, keys: Vec<(usize, String)>) {
        self.keys = keys;
        self.refilter(false);
    }

    /// Replaces the search key of source row `i` and re-applies the filter.
    pub fn set_key(&mut self, i: usize, key: String) {
        if let Some(entry) = self.keys.iter_mut().find(|(k, _)| *k == i) {
            entry.1 = key;
            self.refilter(false);
        }
    }

    /// Sets the filter; when it only grew, narrows the current result
    /// instead of scanning every row again.
    pub fn set_filter(&mut self, filter: &str) {
        let filter = filter.to_lowercase();
        let narrowing = filter.starts_with(&self.filter) && !self.filter.is_empty();
        self.filter = filter;
        self.refilter(narrowing);
    }

    fn refilter(&mut self, narrowing: bool) {
        let f = self.filter.as_str();
        if f.is_empty() {
            self.visible = self.keys.iter().map(|(i, _)| *i).collect();
        } else if narrowing {
            // `keys` is in source order, as `visible` is: walk both.
            let mut keys = self.keys.iter();
            self.visible.retain(|&i| {
                keys.by_ref()
                    .find(|(k, _)| *k == i)
                    .is_some_and(|(_, key)| key.contains(f))
            });
        } else {
            self.visible = self
                .keys
                .iter()
                .filter(|(_, key)| key.contains(f))
                .map(|(i, _)| *i)
                .collect();
        }
        self.clamp(usize::MAX);
    }

    /// Keeps the cursor on a row and in view of `height` rows.
    pub fn clamp(&mut self, height: usize) {
        let len = self.visible.len();
        if len == 0 {
            self.selected = 0;
            self.offset = 0;
            return;
        }
        self.selected = self.selected.min(len - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset.saturating_add(height) {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height.min(len)));
    }

    /// The source index under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }
}

/// The one-line prompt at the bottom: a filter or a `:` command.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    Command,
}

/// An object as the user saw it when they asked for a change to it: the
/// change carries its version, dialogs name it, and a conflict is told
/// against it.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Domain(Box<Domain>),
    Mailbox(MailboxRow),
    Alias(Alias),
    AliasDomain(AliasDomain),
    /// The event a hook is stuck at (retrying or parked).
    HookEvent {
        hook: String,
        event: i64,
    },
}

impl Subject {
    /// The object's kind, as a word.
    pub fn kind(&self) -> Msg {
        match self {
            Subject::Domain(_) => Msg::ObjDomain,
            Subject::Mailbox(_) => Msg::ObjMailbox,
            Subject::Alias(_) => Msg::ObjAlias,
            Subject::AliasDomain(_) => Msg::ObjAliasDomain,
            Subject::HookEvent { .. } => Msg::ObjHookEvent,
        }
    }

    /// The object's name, as people read it.
    pub fn shown(&self) -> String {
        match self {
            Subject::Domain(d) => d.name.to_unicode(),
            Subject::AliasDomain(a) => a.name.to_unicode(),
            Subject::Mailbox(m) => m.address.to_unicode(),
            Subject::Alias(a) => super::text::alias(&a.address),
            Subject::HookEvent { hook, event } => format!("{hook} #{event}"),
        }
    }

    /// The object's name as the directory (and its audit log) writes it.
    pub fn ascii(&self) -> String {
        match self {
            Subject::Domain(d) => d.name.to_string(),
            Subject::AliasDomain(a) => a.name.to_string(),
            Subject::Mailbox(m) => m.address.to_string(),
            Subject::Alias(a) => a.address.to_string(),
            Subject::HookEvent { hook, event } => format!("{hook} #{event}"),
        }
    }

    /// What may be typed to confirm a delete: the name as shown, or its
    /// ASCII (punycode) form, which is easier to type over some links.
    pub fn accepted(&self) -> Vec<String> {
        vec![self.shown(), self.ascii()]
    }

    /// Irreversible deletes (mailboxes and domains) need the name typed.
    pub fn needs_typed_confirmation(&self) -> bool {
        matches!(self, Subject::Domain(_) | Subject::Mailbox(_))
    }

    /// Whether the object is active, for objects that can be disabled.
    pub fn active(&self) -> Option<bool> {
        match self {
            Subject::Domain(d) => Some(d.active),
            Subject::Mailbox(m) => Some(m.active),
            Subject::Alias(a) => Some(a.active),
            Subject::AliasDomain(a) => Some(a.active),
            Subject::HookEvent { .. } => None,
        }
    }

    /// The version it was read at.
    pub fn version(&self) -> i64 {
        match self {
            Subject::Domain(d) => d.version,
            Subject::Mailbox(m) => m.version,
            Subject::Alias(a) => a.version,
            Subject::AliasDomain(a) => a.version,
            Subject::HookEvent { .. } => 0,
        }
    }
}

/// What deleting an object takes with it: for a domain, all it holds;
/// for a mailbox, its place in the aliases that forward to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Holdings {
    pub mailboxes: Vec<Address>,
    pub aliases: Vec<AliasAddress>,
    pub alias_domains: Vec<DomainName>,
    /// The aliases a deleted mailbox is taken out of.
    pub forwarded_by: Vec<AliasAddress>,
}

impl Holdings {
    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty()
            && self.aliases.is_empty()
            && self.alias_domains.is_empty()
            && self.forwarded_by.is_empty()
    }
}

/// A button of the disable/delete dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Cancel,
    Disable,
    Enable,
    Delete,
    /// A hook's event: try it again now.
    Retry,
    /// A hook's event: give it up for that hook.
    Skip,
}

impl Choice {
    pub fn label(self) -> Msg {
        match self {
            Choice::Cancel => Msg::ButtonCancel,
            Choice::Disable => Msg::ButtonDisable,
            Choice::Enable => Msg::ButtonEnable,
            Choice::Delete => Msg::ButtonDelete,
            Choice::Retry => Msg::ButtonRetry,
            Choice::Skip => Msg::ButtonSkip,
        }
    }
}

/// The disable/delete dialog; Cancel is first and focused when it opens.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub subject: Subject,
    pub choices: Vec<Choice>,
    pub focus: usize,
    /// For a domain: what goes with it, read when the dialog opens. It
    /// cannot be deleted before the dialog has said so.
    pub holdings: Option<Loaded<Holdings>>,
}

/// The typed confirmation of an irreversible delete.
#[derive(Debug, Clone)]
pub struct TypedConfirm {
    pub subject: Subject,
    pub input: Input,
    pub mismatch: bool,
    /// For a domain: what goes with it (as the dialog before said).
    pub holdings: Option<Holdings>,
}

/// A change refused because someone changed the object first: what changed
/// and by whom, and the choice to reload (focus 0) or cancel.
#[derive(Debug, Clone)]
pub struct ConflictDialog {
    pub conflict: Conflict,
    /// The form whose save met the conflict, as the user left it; none
    /// when the change came from the disable dialog.
    pub form: Option<Box<Form>>,
    pub focus: usize,
}

/// What is drawn over the current view.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help,
    Form(Box<Form>),
    Confirm(Confirm),
    Typed(TypedConfirm),
    Conflict(Box<ConflictDialog>),
    Error(Error),
    /// A generated password, shown once.
    Password {
        subject: String,
        password: Password,
    },
    /// `:import FILE`: the plan, or the file's bad rows.
    Import(Box<ImportView>),
    /// A mailbox's restore from the backup archives.
    Restore(Box<super::restore::RestoreView>),
}

/// The plan of `:import FILE` in a scrollable view, applied only on
/// confirmation (Cancel focused when it opens); or, when the file has bad
/// rows, every one of them with nothing to apply.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub file: String,
    /// A line per change (`+ mailbox …`), or per bad row (`FILE:LINE: …`).
    pub lines: Vec<String>,
    /// The summary line under them.
    pub summary: String,
    /// What Apply applies; none when there is nothing to apply.
    pub plan: Option<std::sync::Arc<crate::import::plan::Plan>>,
    /// First line shown.
    pub scroll: usize,
    /// 0: Cancel, 1: Apply.
    pub focus: usize,
    /// Apply was chosen and runs.
    pub applying: bool,
    /// Why the apply failed, shown in the view.
    pub error: Option<String>,
}

impl ImportView {
    /// Lines of the plan a view of `height` lines shows.
    pub fn clamp(&mut self, height: usize) {
        self.scroll = self
            .scroll
            .min(self.lines.len().saturating_sub(height.max(1)));
    }
}

/// How the TUI tells the time: the machine's clock and time zone, or a
/// fixed instant and offset (tests and snapshots draw the same screen on
/// every machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    System,
    Fixed {
        now: chrono::DateTime<chrono::Utc>,
        offset: chrono::FixedOffset,
    },
}

impl Clock {
    /// Today's date, where the user is.
    pub fn today(self) -> chrono::NaiveDate {
        match self {
            Clock::System => chrono::Local::now().date_naive(),
            Clock::Fixed { now, offset } => now.with_timezone(&offset).date_naive(),
        }
    }

    /// An RFC 3339 time (the catalogue's, in UTC) as people read it, in
    /// their time zone: `2026-12-01 04:00`; text that is not one, as it is.
    pub fn local(self, rfc3339: &str) -> String {
        const SHOWN: &str = "%Y-%m-%d %H:%M";
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(rfc3339) else {
            return rfc3339.to_string();
        };
        match self {
            Clock::System => at.with_timezone(&chrono::Local).format(SHOWN).to_string(),
            Clock::Fixed { offset, .. } => at.with_timezone(&offset).format(SHOWN).to_string(),
        }
    }
}

/// A short message at the bottom that fades after a few seconds.
#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    /// The tick at which it disappears.
    pub until: u64,
}

/// How long a flash message stays, in ticks (see [`super::TICK`]).
pub const FLASH_TICKS: u64 = 40;
/// For how many of its last ticks a flash message is drawn dimmed.
pub const FADE_TICKS: u64 = 10;

/// The smallest terminal the TUI draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Lines taken around a list: header, breadcrumbs, the list's borders and
/// column titles, the bottom bar (see the renderer's layout); a domain's
/// tab line comes on top.
pub const CHROME_LINES: u16 = 6;

#[derive(Debug, Clone)]
pub struct State {
    pub actor: Actor,
    pub lang: Lang,
    pub theme: Theme,
    /// The directory, as [`crate::directory::Directory::describe`] gives it.
    pub backend: String,
    /// Text shown in the header, e.g. that this is a demo directory.
    pub banner: Option<String>,
    /// Is `[backup]` configured (restores are offered)?
    pub backup: bool,
    pub clock: Clock,
    pub width: u16,
    pub height: u16,
    pub tick: u64,
    pub stack: Vec<View>,
    pub data: Data,
    pub lists: HashMap<ListId, ListState>,
    pub prompt: Option<Prompt>,
    pub overlay: Option<Overlay>,
    pub flash: Option<Flash>,
    /// Background jobs running (the spinner shows while > 0).
    pub jobs: usize,
    /// Set by `update` when the screen must be redrawn.
    pub dirty: bool,
}

impl State {
    pub fn new(actor: Actor, lang: Lang, theme: Theme, backend: String) -> State {
        State {
            actor,
            lang,
            theme,
            backend,
            banner: None,
            backup: false,
            clock: Clock::System,
            width: 80,
            height: 24,
            tick: 0,
            stack: vec![View::Domains],
            data: Data::default(),
            lists: HashMap::new(),
            prompt: None,
            overlay: None,
            flash: None,
            jobs: 0,
            dirty: true,
        }
    }

    pub fn view(&self) -> &View {
        self.stack.last().unwrap_or(&View::Domains)
    }

    pub fn t(&self, msg: Msg) -> &'static str {
        self.lang.t(msg)
    }

    pub fn is_admin(&self) -> bool {
        self.actor.is_admin()
    }

    pub fn is_contact(&self) -> bool {
        matches!(self.actor.role, Role::Contact(_))
    }

    /// May add and change mailboxes and aliases (in the domains it sees).
    pub fn may_manage(&self) -> bool {
        !self.is_contact()
    }

    /// Domains a contact may check (they need no directory access).
    pub fn contact_domains(&self) -> &[DomainName] {
        match &self.actor.role {
            Role::Contact(ds) => ds,
            _ => &[],
        }
    }

    /// The tabs of a domain this role sees.
    pub fn tabs(&self) -> Vec<Tab> {
        if self.is_contact() {
            vec![Tab::Dns]
        } else {
            vec![
                Tab::Mailboxes,
                Tab::Aliases,
                Tab::AliasDomains,
                Tab::Dns,
                Tab::Dkim,
            ]
        }
    }

    /// The list the current view shows, if it shows one.
    pub fn list_id(&self) -> Option<ListId> {
        match self.view() {
            View::Domains => Some(ListId::Domains),
            View::Mailboxes => Some(ListId::AllMailboxes),
            View::Audit => Some(ListId::Audit),
            View::Health => Some(ListId::Health),
            View::Hooks => Some(ListId::Hooks),
            View::Domain { tab, .. } => match tab {
                Tab::Mailboxes => Some(ListId::DomainMailboxes),
                Tab::Aliases => Some(ListId::DomainAliases),
                Tab::AliasDomains => Some(ListId::DomainAliasDomains),
                Tab::Dns => Some(ListId::DomainDns),
                Tab::Dkim => Some(ListId::DomainDkim),
            },
        }
    }

    pub fn list(&self, id: ListId) -> Option<&ListState> {
        self.lists.get(&id)
    }

    /// Rows a list shows at the current terminal height.
    pub fn list_height(&self) -> usize {
        let tabs = u16::from(matches!(self.view(), View::Domain { .. }));
        self.height
            .saturating_sub(CHROME_LINES + tabs + self.detail_lines())
            .max(1) as usize
    }

    /// Lines of the detail pane under the DNS, DKIM and audit lists (the
    /// selected check's message and fix, the selected key's record, the
    /// selected entry's before and after): enough for a 2048-bit DKIM
    /// record at 80 columns, a third of taller terminals.
    pub fn detail_lines(&self) -> u16 {
        let least = match self.list_id() {
            // SPF checks show the evaluation tree too: half the screen.
            Some(ListId::DomainDns) if self.spf_check_selected() => {
                return (self.height / 2).clamp(9, 24);
            }
            Some(ListId::DomainDns) => 9,
            Some(ListId::DomainDkim) => 11,
            Some(ListId::Audit | ListId::Hooks) => 8,
            Some(ListId::Health) => 8,
            _ => return 0,
        };
        (self.height / 3).clamp(least, 14)
    }

    /// Is the selected DNS check one of the SPF checks?
    fn spf_check_selected(&self) -> bool {
        let Some(report) = self.data.domain.as_ref().and_then(|d| self.dns_report(d)) else {
            return false;
        };
        self.list(ListId::DomainDns)
            .and_then(|l| l.current())
            .and_then(|i| report.checks.get(i))
            .is_some_and(|c| c.id.starts_with("spf."))
    }

    /// The DNS self-check of `domain`, once a report is in.
    pub fn dns_report(&self, domain: &DomainName) -> Option<&DomainReport> {
        self.data.dns.get(domain)?.report.value.as_ref()
    }

    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    /// The worst state of the monitoring checks, once they are in:
    /// critical, then warning, then unknown.
    pub fn health(&self) -> Option<CheckState> {
        let checks = self.data.health.value.as_ref()?;
        let rank = |s: CheckState| match s {
            CheckState::Ok => 0,
            CheckState::Unknown => 1,
            CheckState::Warning => 2,
            CheckState::Critical => 3,
        };
        checks.iter().map(|c| c.state).max_by_key(|s| rank(*s))
    }

    /// The open domain, when a domain view is on top.
    pub fn open_domain(&self) -> Option<&DomainName> {
        match self.view() {
            View::Domain { name, .. } => Some(name),
            _ => None,
        }
    }
}
