//! `update`: the only code that changes [`State`]. It takes one
//! [`Action`], changes the state, and returns the [`Effect`]s (jobs to
//! run, quit, suspend) for the event loop. It never waits on anything.

use super::action::{Action, Done, Effect, Job, Outcome};
use super::forms::{FieldKind, Form, Submitted};
use super::state::*;
use super::text;
use crate::i18n::Msg;
use crate::model::*;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// How many audit entries the audit view loads.
pub const AUDIT_LIMIT: u64 = 500;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    if super::import::on_action(state, &mut fx, &action)
        || super::restore::on_action(state, &mut fx, &action)
    {
        return fx;
    }
    match action {
        Action::Tick => {
            tick(state);
            return fx;
        }
        Action::Resize(w, h) => {
            state.width = w;
            state.height = h;
            let height = state.list_height();
            for list in state.lists.values_mut() {
                list.clamp(height);
            }
        }
        Action::Start => {
            load_view(state, &mut fx, false);
            load_health(state, &mut fx, false);
        }
        Action::OpenHealth => open_health(state, &mut fx),
        Action::Restore => match selected_mailbox(state).map(|m| m.address.clone()) {
            None => nothing_selected(state),
            address => {
                if let Some(text) = super::restore::open(state, &mut fx, address) {
                    flash(state, text, true);
                }
            }
        },
        Action::Done(outcome) => on_outcome(state, &mut fx, outcome),
        Action::Quit => fx.push(Effect::Quit),
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Help => state.overlay = Some(Overlay::Help),
        Action::StartCommand => {
            state.prompt = Some(Prompt {
                kind: PromptKind::Command,
                input: Input::default(),
            })
        }
        Action::StartFilter => {
            let current = state
                .list_id()
                .and_then(|id| state.list(id))
                .map(|l| l.filter.clone())
                .unwrap_or_default();
            state.prompt = Some(Prompt {
                kind: PromptKind::Filter,
                input: Input::new(current),
            });
        }
        Action::Refresh => {
            forget_dns(state);
            load_view(state, &mut fx, true);
            if *state.view() != View::Health {
                load_health(state, &mut fx, false);
            }
            flash(state, state.t(Msg::Refreshed).to_string(), false);
        }
        Action::Up => move_cursor(state, |s, _, _| s.saturating_sub(1)),
        Action::Down => move_cursor(state, |s, _, _| s + 1),
        Action::Top => move_cursor(state, |_, _, _| 0),
        Action::Bottom => move_cursor(state, |_, len, _| len.saturating_sub(1)),
        Action::PageUp => move_cursor(state, |s, _, h| s.saturating_sub(h)),
        Action::PageDown => move_cursor(state, |s, _, h| s + h),
        Action::Open => open(state, &mut fx),
        Action::Back => back(state),
        Action::NextTab => switch_tab(state, &mut fx, true),
        Action::PrevTab => switch_tab(state, &mut fx, false),
        Action::Add if state.list_id() == Some(ListId::DomainDkim) => {
            let has_keys = state
                .data
                .domain_dkim
                .value
                .as_ref()
                .is_some_and(|keys| !keys.is_empty());
            if has_keys {
                // A second key comes by rotation, not beside the first.
                let text = state.t(Msg::DkimHasKey).to_string();
                flash(state, text, true);
            } else if let Some(domain) = state.open_domain().cloned() {
                run(state, &mut fx, Job::GenerateDkim(domain));
            }
        }
        Action::Add => add(state),
        Action::Rotate => {
            if let Some(domain) = state.open_domain().cloned() {
                // Asks DNS afresh whether the new key is published.
                state.data.dns_round += 1;
                let round = state.data.dns_round;
                run(state, &mut fx, Job::RotateDkim { domain, round });
            }
        }
        Action::AddAliasDomain => {
            let target = state
                .open_domain()
                .cloned()
                .or_else(|| selected_domain_name(state));
            open_form(state, Form::add_alias_domain(target.as_ref()));
        }
        Action::Edit => edit(state),
        Action::Delete => delete(state, &mut fx),
        Action::Password => {
            if let Some(m) = selected_mailbox(state) {
                let form = Form::password(m);
                open_form(state, form);
            }
        }
        Action::Recheck => recheck(state, &mut fx),
        Action::NextField | Action::PrevField => {
            if let Some(Overlay::Form(form)) = &mut state.overlay {
                form.focus_next(matches!(action, Action::NextField));
            }
        }
        Action::Toggle => {
            if let Some(Overlay::Form(form)) = &mut state.overlay {
                form.toggle(true);
            }
        }
        Action::FocusLeft | Action::FocusRight => {
            let buttons = match &mut state.overlay {
                Some(Overlay::Confirm(c)) => Some((&mut c.focus, c.choices.len())),
                Some(Overlay::Conflict(c)) => Some((&mut c.focus, CONFLICT_CHOICES.len())),
                _ => None,
            };
            if let Some((focus, n)) = buttons {
                *focus = if matches!(action, Action::FocusRight) {
                    (*focus + 1).min(n - 1)
                } else {
                    focus.saturating_sub(1)
                };
            }
        }
        Action::Submit => submit(state, &mut fx),
        Action::Cancel => cancel(state),
        Action::Input(key) => input(state, key),
    }
    state.dirty = true;
    fx
}

/// The conflict dialog's buttons: Reload first, and focused.
pub const CONFLICT_CHOICES: [Msg; 2] = [Msg::ButtonReload, Msg::ButtonCancel];

fn tick(state: &mut State) {
    state.tick += 1;
    if state.jobs > 0 {
        state.dirty = true;
    }
    if let Some(f) = &state.flash {
        if state.tick >= f.until {
            state.flash = None;
            state.dirty = true;
        } else if f.until - state.tick == FADE_TICKS {
            state.dirty = true;
        }
    }
}

/// Shows `text` at the bottom for a few seconds.
pub(super) fn flash(state: &mut State, text: String, error: bool) {
    state.flash = Some(Flash {
        text,
        error,
        until: state.tick + FLASH_TICKS,
    });
}

fn run(state: &mut State, fx: &mut Vec<Effect>, job: Job) {
    state.jobs += 1;
    fx.push(Effect::Run(job));
}

// ---- loading ----

/// Loads what the current view shows; `force` reloads what is already there.
fn load_view(state: &mut State, fx: &mut Vec<Effect>, force: bool) {
    if state.is_contact() {
        // A contact's world is the role's domain list: no directory reads.
        rebuild_keys(state, ListId::Domains);
    }
    match state.view().clone() {
        View::Domains => {
            if !state.is_contact() {
                load_domains(state, fx, force);
            }
            sweep_dns(state, fx);
        }
        View::Domain { name, tab } => {
            let switched = state.data.domain.as_ref() != Some(&name);
            if switched || force {
                state.data.domain = Some(name.clone());
                state.data.domain_mailboxes = Loaded::default();
                state.data.domain_aliases = Loaded::default();
                state.data.domain_dkim = Loaded::default();
                state.data.domain_usage = Loaded::default();
                for id in [
                    ListId::DomainMailboxes,
                    ListId::DomainAliases,
                    ListId::DomainDns,
                    ListId::DomainDkim,
                ] {
                    state.lists.remove(&id);
                }
            }
            if !state.is_contact() {
                load_domains(state, fx, force);
                if switched || force {
                    state.data.domain_mailboxes.loading = true;
                    state.data.domain_aliases.loading = true;
                    run(state, fx, Job::LoadMailboxes(name.clone()));
                    run(state, fx, Job::LoadAliases(name.clone()));
                }
                rebuild_keys(state, ListId::DomainAliasDomains);
            }
            if !state.data.dns.contains_key(&name) {
                check_dns(state, fx, name.clone());
            }
            rebuild_keys(state, ListId::DomainDns);
            if tab == Tab::Dkim
                && state.data.domain_dkim.value.is_none()
                && !state.data.domain_dkim.loading
            {
                load_dkim(state, fx, name);
            }
        }
        View::Mailboxes => {
            if force || state.data.all_mailboxes.value.is_none() {
                state.data.all_mailboxes.loading = true;
                run(state, fx, Job::LoadAllMailboxes);
            }
        }
        View::Audit => {
            state.data.audit.loading = true;
            run(state, fx, Job::LoadAudit(AUDIT_LIMIT));
        }
        View::Health => load_health(state, fx, true),
        View::Hooks => {
            state.data.hooks.loading = true;
            run(state, fx, Job::LoadHooks);
        }
    }
}

/// Runs the monitoring checks (admins: the hooks' state is theirs), for
/// the header's health word (the quick ones) and the Health view (`full`:
/// the quota too).
fn load_health(state: &mut State, fx: &mut Vec<Effect>, full: bool) {
    if state.is_admin() {
        state.data.health.loading = true;
        run(state, fx, Job::LoadHealth(full));
    }
}

/// Opens the Health view over the domain list.
fn open_health(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.is_admin() {
        let text = state.t(Msg::NotForRole).to_string();
        flash(state, text, true);
        return;
    }
    state.stack.truncate(1);
    state.stack.push(View::Health);
    load_view(state, fx, false);
    rebuild_keys(state, ListId::Health);
}

/// Before a refresh: forgets the DNS results on screen, so that they are
/// checked again, afresh.
fn forget_dns(state: &mut State) {
    state.data.dns_round += 1;
    match state.view().clone() {
        View::Domains => state.data.dns.clear(),
        View::Domain { name, .. } => {
            state.data.dns.remove(&name);
        }
        View::Mailboxes | View::Audit | View::Health | View::Hooks => {}
    }
}

/// Asks for the DNS self-check of `domain` in the current round.
fn check_dns(state: &mut State, fx: &mut Vec<Effect>, domain: DomainName) {
    let round = state.data.dns_round;
    let entry = state.data.dns.entry(domain.clone()).or_default();
    entry.report.loading = true;
    entry.round = round;
    run(state, fx, Job::CheckDns { domain, round });
}

/// Asks for the open domain's DKIM keys, in the current round.
fn load_dkim(state: &mut State, fx: &mut Vec<Effect>, domain: DomainName) {
    state.data.domain_dkim.loading = true;
    let round = state.data.dns_round;
    run(state, fx, Job::LoadDkim { domain, round });
}

/// Checks every listed domain not checked yet: the DNS column's badges.
/// Alias domains receive mail too; their check is an admin's (the roles
/// name hosted domains).
fn sweep_dns(state: &mut State, fx: &mut Vec<Effect>) {
    let listed: Vec<DomainName> = if state.is_contact() {
        state.contact_domains().to_vec()
    } else {
        let domains = state.data.domains.value.as_deref().unwrap_or_default();
        let aliases = if state.is_admin() {
            state
                .data
                .alias_domains
                .value
                .as_deref()
                .unwrap_or_default()
        } else {
            &[]
        };
        let names = domains.iter().map(|d| &d.name);
        names
            .chain(aliases.iter().map(|a| &a.name))
            .cloned()
            .collect()
    };
    for domain in listed {
        if !state.data.dns.contains_key(&domain) {
            check_dns(state, fx, domain);
        }
    }
}

/// `c`: checks the alias domain under the cursor, else the open domain (or
/// the one under the cursor) afresh, and its DKIM keys when they are on
/// screen.
fn recheck(state: &mut State, fx: &mut Vec<Effect>) {
    let domain = match state.list_id() {
        Some(ListId::DomainAliasDomains) => selected_alias_domain(state).map(|a| a.name.clone()),
        _ => state
            .open_domain()
            .cloned()
            .or_else(|| selected_domain_name(state)),
    };
    let Some(domain) = domain else {
        return nothing_selected(state);
    };
    state.data.dns_round += 1;
    check_dns(state, fx, domain.clone());
    if state.list_id() == Some(ListId::DomainDkim) {
        load_dkim(state, fx, domain.clone());
    }
    let text = state.lang.fmt(Msg::DnsRechecking, &[&domain.to_unicode()]);
    flash(state, text, false);
}

fn load_domains(state: &mut State, fx: &mut Vec<Effect>, force: bool) {
    if force || state.data.domains.value.is_none() && !state.data.domains.loading {
        state.data.domains.loading = true;
        run(state, fx, Job::LoadDomains);
        state.data.alias_domains.loading = true;
        run(state, fx, Job::LoadAliasDomains);
    }
}

/// After a change: what is on screen, and the domain counts, again.
fn reload_after_change(state: &mut State, fx: &mut Vec<Effect>) {
    state.data.all_mailboxes = Loaded::default();
    load_view(state, fx, true);
}

fn on_outcome(state: &mut State, fx: &mut Vec<Effect>, outcome: Outcome) {
    state.jobs = state.jobs.saturating_sub(1);
    match outcome {
        outcome @ (Outcome::RestoreArchives(..) | Outcome::Restored(..)) => {
            super::restore::on_outcome(state, outcome);
        }
        outcome @ (Outcome::ImportPlanned(_) | Outcome::ImportFailed(_) | Outcome::Imported(_)) => {
            let applied = matches!(outcome, Outcome::Imported(Ok(_)));
            if let Some((text, error)) = super::import::on_outcome(state, outcome) {
                flash(state, text, error);
            }
            if applied {
                reload_after_change(state, fx);
            }
        }
        Outcome::Domains(r) => {
            state.data.domains.set(r);
            rebuild_keys(state, ListId::Domains);
            sweep_dns(state, fx);
            if let Some(domains) = &state.data.domains.value {
                let names = domains.iter().map(|d| d.name.clone()).collect();
                state.data.usage_by_domain.loading = true;
                run(state, fx, Job::LoadDomainUsage(names));
            }
        }
        Outcome::Dns(domain, round, r) => {
            let Some(entry) = state.data.dns.get_mut(&domain) else {
                return;
            };
            if round < entry.round {
                return; // a newer check is on its way
            }
            entry.report.set(r);
            // The DNS column reads differently now: so does its search key.
            refresh_domain_key(state, &domain);
            if state.data.domain.as_ref() == Some(&domain) {
                rebuild_keys(state, ListId::DomainDns);
            }
        }
        Outcome::Dkim(domain, r) => {
            if state.data.domain.as_ref() == Some(&domain) {
                state.data.domain_dkim.set(r);
                rebuild_keys(state, ListId::DomainDkim);
            }
        }
        Outcome::AliasDomains(r) => {
            state.data.alias_domains.set(r);
            rebuild_keys(state, ListId::DomainAliasDomains);
            sweep_dns(state, fx);
        }
        Outcome::AllMailboxes(r) => {
            state.data.all_mailboxes.set(r);
            rebuild_keys(state, ListId::AllMailboxes);
        }
        Outcome::Mailboxes(d, r) => {
            if state.data.domain.as_ref() == Some(&d) {
                state.data.domain_mailboxes.set(r);
                rebuild_keys(state, ListId::DomainMailboxes);
                if let Some(rows) = &state.data.domain_mailboxes.value {
                    let maildirs = rows.iter().map(|m| m.maildir.clone()).collect();
                    state.data.domain_usage.loading = true;
                    run(state, fx, Job::LoadUsage(d, maildirs));
                }
            }
        }
        Outcome::DomainUsage(usage) => {
            state
                .data
                .usage_by_domain
                .set(Ok(usage.into_iter().collect()));
            rebuild_keys(state, ListId::Domains);
        }
        Outcome::Usage(d, usage) => {
            if state.data.domain.as_ref() == Some(&d) {
                state.data.domain_usage.set(Ok(usage));
                rebuild_keys(state, ListId::DomainMailboxes);
            }
        }
        Outcome::Aliases(d, r) => {
            if state.data.domain.as_ref() == Some(&d) {
                state.data.domain_aliases.set(r);
                rebuild_keys(state, ListId::DomainAliases);
            }
        }
        Outcome::Audit(r) => {
            state.data.audit.set(r);
            rebuild_keys(state, ListId::Audit);
        }
        Outcome::Health(checks) => {
            // The quick checks and the full set may come back in any
            // order: each answer replaces the checks it holds.
            let mut all = state.data.health.value.take().unwrap_or_default();
            for check in checks {
                match all.iter_mut().find(|c| c.kind == check.kind) {
                    Some(old) => *old = check,
                    None => all.push(check),
                }
            }
            state.data.health.set(Ok(all));
            rebuild_keys(state, ListId::Health);
        }
        Outcome::Hooks(r) => {
            state.data.hooks.set(r);
            rebuild_keys(state, ListId::Hooks);
        }
        Outcome::Holdings(domain, r) => {
            if let Some(Overlay::Confirm(c)) = &mut state.overlay
                && let Subject::Domain(d) = &c.subject
                && d.name == domain
                && let Some(holdings) = &mut c.holdings
            {
                holdings.set(r);
            }
        }
        Outcome::Forwarders(address, r) => {
            if let Some(Overlay::Confirm(c)) = &mut state.overlay
                && let Subject::Mailbox(m) = &c.subject
                && m.address == address
                && let Some(holdings) = &mut c.holdings
            {
                holdings.set(r);
            }
        }
        Outcome::Changed(done) => {
            let text = state
                .lang
                .fmt(done.verb, &[state.t(done.object), &done.subject]);
            flash(state, text, false);
            if matches!(state.overlay, Some(Overlay::Form(_))) {
                state.overlay = None;
            }
            if let Some(password) = done.password {
                state.overlay = Some(Overlay::Password {
                    subject: done.subject,
                    password,
                });
            }
            if done.object == Msg::ObjDkimKey
                && let Some(domain) = state.data.domain.clone()
            {
                // The DKIM checks of the domain no longer hold: afresh.
                state.data.dns_round += 1;
                check_dns(state, fx, domain);
            }
            reload_after_change(state, fx);
        }
        Outcome::Conflict(conflict) => {
            // The form that met it (if any) is kept for Reload.
            let form = match state.overlay.take() {
                Some(Overlay::Form(mut form)) if form.pending => {
                    form.pending = false;
                    Some(form)
                }
                _ => None,
            };
            state.overlay = Some(Overlay::Conflict(Box::new(ConflictDialog {
                conflict: *conflict,
                form,
                focus: 0,
            })));
            // The lists show the object as it is now.
            reload_after_change(state, fx);
        }
        Outcome::Failed(e) => match &mut state.overlay {
            Some(Overlay::Form(form)) if form.pending => {
                form.pending = false;
                form.error = Some(text::error(&e, state.lang));
            }
            _ => state.overlay = Some(Overlay::Error(e)),
        },
    }
}

fn set_keys(state: &mut State, id: ListId, keys: Option<Vec<(usize, String)>>, height: usize) {
    if let Some(keys) = keys {
        let list = state.lists.entry(id).or_default();
        list.set_keys(keys);
        list.clamp(height);
    }
}

/// The search key of row `i` of list `id`: the row as displayed (see
/// [`super::render::row_text`]) and, for IDN names, their A-label form,
/// which is easier to type over some links.
fn search_key(state: &State, id: ListId, i: usize) -> Option<String> {
    let mut key = super::render::row_text(state, id, i)?;
    let ascii = match id {
        ListId::Domains if state.is_contact() => {
            state.contact_domains().get(i).map(|d| d.to_string())
        }
        ListId::Domains => state
            .data
            .domains
            .value
            .as_ref()?
            .get(i)
            .map(|d| d.name.to_string()),
        ListId::DomainMailboxes => state
            .data
            .domain_mailboxes
            .value
            .as_ref()?
            .get(i)
            .map(|m| m.address.to_string()),
        ListId::AllMailboxes => state
            .data
            .all_mailboxes
            .value
            .as_ref()?
            .get(i)
            .map(|m| m.address.to_string()),
        ListId::DomainAliases => state
            .data
            .domain_aliases
            .value
            .as_ref()?
            .get(i)
            .map(|a| a.address.to_string()),
        ListId::DomainAliasDomains => state
            .data
            .alias_domains
            .value
            .as_ref()?
            .get(i)
            .map(|a| a.name.to_string()),
        ListId::Audit => state
            .data
            .audit
            .value
            .as_ref()?
            .get(i)
            .map(|e| e.object.clone()),
        ListId::DomainDns | ListId::DomainDkim | ListId::Health | ListId::Hooks => None,
    };
    if let Some(ascii) = ascii.filter(|a| a.contains("xn--")) {
        key.push(' ');
        key.push_str(&ascii);
    }
    Some(key.to_lowercase())
}

/// Rows of list `id` it shows at all: a domain's alias domains are those
/// pointing at the open domain.
fn belongs(state: &State, id: ListId, i: usize) -> bool {
    match id {
        ListId::DomainAliasDomains => {
            let alias = state
                .data
                .alias_domains
                .value
                .as_ref()
                .and_then(|all| all.get(i));
            alias.is_some_and(|a| Some(&a.target) == state.data.domain.as_ref())
        }
        _ => true,
    }
}

/// Builds list `id`'s search keys from its rows, once its data is in.
fn rebuild_keys(state: &mut State, id: ListId) {
    let Some(n) = super::render::row_count(state, id) else {
        return;
    };
    let keys = (0..n)
        .filter(|&i| belongs(state, id, i))
        .filter_map(|i| search_key(state, id, i).map(|k| (i, k)))
        .collect();
    let height = state.list_height();
    set_keys(state, id, Some(keys), height);
}

/// After a DNS answer: the search key of that domain's row alone (the
/// domain list of a large directory gets one answer per domain).
fn refresh_domain_key(state: &mut State, domain: &DomainName) {
    let domains: Vec<(ListId, Option<usize>)> = vec![
        (
            ListId::Domains,
            if state.is_contact() {
                state.contact_domains().iter().position(|d| d == domain)
            } else {
                state
                    .data
                    .domains
                    .value
                    .as_ref()
                    .and_then(|all| all.iter().position(|d| &d.name == domain))
            },
        ),
        (
            ListId::DomainAliasDomains,
            state
                .data
                .alias_domains
                .value
                .as_ref()
                .and_then(|all| all.iter().position(|a| &a.name == domain))
                .filter(|&i| belongs(state, ListId::DomainAliasDomains, i)),
        ),
    ];
    for (id, i) in domains {
        let Some(i) = i else { continue };
        let Some(key) = search_key(state, id, i) else {
            continue;
        };
        let height = state.list_height();
        if let Some(list) = state.lists.get_mut(&id) {
            list.set_key(i, key);
            list.clamp(height);
        }
    }
}

// ---- navigation ----

fn move_cursor(state: &mut State, to: impl Fn(usize, usize, usize) -> usize) {
    let height = state.list_height();
    let Some(id) = state.list_id() else { return };
    if let Some(list) = state.lists.get_mut(&id) {
        let len = list.visible.len();
        list.selected = to(list.selected, len, height).min(len.saturating_sub(1));
        list.clamp(height);
    }
}

fn open(state: &mut State, fx: &mut Vec<Effect>) {
    match state.view().clone() {
        View::Domains => {
            if let Some(name) = selected_domain_name(state) {
                let tab = state.tabs()[0];
                state.stack.push(View::Domain { name, tab });
                load_view(state, fx, false);
            }
        }
        View::Mailboxes | View::Domain { .. } => edit(state),
        View::Audit | View::Health => {}
        View::Hooks => open_hook_event(state),
    }
}

/// The dialog on the event the selected hook is stuck at: retry it now,
/// or skip it (Cancel focused).
fn open_hook_event(state: &mut State) {
    let head = state
        .list(ListId::Hooks)
        .and_then(|l| l.current())
        .and_then(|i| {
            let hook = state.data.hooks.value.as_ref()?.get(i)?;
            let (event, _) = hook.detail.head?;
            Some((hook.name.clone(), event))
        });
    let Some((hook, event)) = head else {
        let text = state.t(Msg::HookNothingHeld).to_string();
        flash(state, text, false);
        return;
    };
    state.overlay = Some(Overlay::Confirm(Confirm {
        subject: Subject::HookEvent { hook, event },
        choices: vec![Choice::Cancel, Choice::Retry, Choice::Skip],
        focus: 0,
        holdings: None,
    }));
}

fn back(state: &mut State) {
    // Esc first clears a filter, then leaves the view.
    if let Some(id) = state.list_id()
        && let Some(list) = state.lists.get_mut(&id)
        && !list.filter.is_empty()
    {
        list.set_filter("");
        return;
    }
    if state.stack.len() > 1 {
        state.stack.pop();
    }
}

fn switch_tab(state: &mut State, fx: &mut Vec<Effect>, forward: bool) {
    let tabs = state.tabs();
    if let Some(View::Domain { tab, .. }) = state.stack.last_mut() {
        let pos = tabs.iter().position(|t| t == tab).unwrap_or(0);
        let n = tabs.len();
        *tab = tabs[if forward {
            (pos + 1) % n
        } else {
            (pos + n - 1) % n
        }];
        load_view(state, fx, false);
    }
}

/// Runs a `:` command.
fn command(state: &mut State, fx: &mut Vec<Effect>, text: &str) {
    let target = match text.trim() {
        "q" | "q!" | "quit" | "exit" => {
            fx.push(Effect::Quit);
            return;
        }
        "help" | "h" | "?" => {
            state.overlay = Some(Overlay::Help);
            return;
        }
        text if text == "import" || text.starts_with("import ") => {
            let file = text.strip_prefix("import").unwrap_or_default();
            if let Some(message) = super::import::command(state, fx, file) {
                let usage = file.trim().is_empty() || !state.may_manage();
                flash(state, message, usage);
            }
            return;
        }
        text if text == "restore" || text.starts_with("restore ") => {
            let arg = text.strip_prefix("restore").unwrap_or_default();
            let selected = selected_mailbox(state).map(|m| m.address.clone());
            if let Some(message) = super::restore::command(state, fx, arg, selected) {
                flash(state, message, true);
            }
            return;
        }
        "domains" | "domain" | "dom" | "d" => View::Domains,
        "mailboxes" | "mailbox" | "mb" | "m" if state.may_manage() => View::Mailboxes,
        "audit" | "log" if state.is_admin() => View::Audit,
        "health" | "checks" | "check" => {
            open_health(state, fx);
            return;
        }
        "hooks" | "hook" if state.is_admin() => View::Hooks,
        "mailboxes" | "mailbox" | "mb" | "m" | "audit" | "log" | "hooks" | "hook" => {
            let text = state.t(Msg::NotForRole).to_string();
            flash(state, text, true);
            return;
        }
        other => {
            let text = state.lang.fmt(Msg::UnknownCommand, &[other]);
            flash(state, text, true);
            return;
        }
    };
    state.stack.truncate(1);
    if target != View::Domains {
        state.stack.push(target);
    }
    load_view(state, fx, false);
}

// ---- selection ----

fn current(state: &State, id: ListId) -> Option<usize> {
    state.list(id).and_then(ListState::current)
}

fn selected_domain(state: &State) -> Option<&Domain> {
    let i = current(state, ListId::Domains)?;
    state.data.domains.value.as_ref()?.get(i)
}

fn selected_domain_name(state: &State) -> Option<DomainName> {
    if state.is_contact() {
        let i = current(state, ListId::Domains)?;
        return state.contact_domains().get(i).cloned();
    }
    selected_domain(state).map(|d| d.name.clone())
}

fn selected_mailbox(state: &State) -> Option<&MailboxRow> {
    match state.list_id()? {
        ListId::DomainMailboxes => {
            let i = current(state, ListId::DomainMailboxes)?;
            state.data.domain_mailboxes.value.as_ref()?.get(i)
        }
        ListId::AllMailboxes => {
            let i = current(state, ListId::AllMailboxes)?;
            state.data.all_mailboxes.value.as_ref()?.get(i)
        }
        _ => None,
    }
}

fn selected_alias(state: &State) -> Option<&Alias> {
    let i = current(state, ListId::DomainAliases)?;
    state.data.domain_aliases.value.as_ref()?.get(i)
}

fn selected_alias_domain(state: &State) -> Option<&AliasDomain> {
    let i = current(state, ListId::DomainAliasDomains)?;
    state.data.alias_domains.value.as_ref()?.get(i)
}

// ---- forms and dialogs ----

fn open_form(state: &mut State, form: Form) {
    state.overlay = Some(Overlay::Form(Box::new(form)));
}

fn add(state: &mut State) {
    let domain = state.open_domain().cloned();
    let form = match (state.view(), state.list_id()) {
        (View::Domains, _) => Form::add_domain(),
        (_, Some(ListId::DomainMailboxes | ListId::AllMailboxes)) => {
            Form::add_mailbox(domain.as_ref())
        }
        (_, Some(ListId::DomainAliases)) => Form::add_alias(domain.as_ref()),
        (_, Some(ListId::DomainAliasDomains)) => Form::add_alias_domain(domain.as_ref()),
        _ => return,
    };
    open_form(state, form);
}

fn edit(state: &mut State) {
    let form = match state.list_id() {
        Some(ListId::Domains) if state.is_admin() => selected_domain(state).map(Form::edit_domain),
        Some(ListId::DomainMailboxes | ListId::AllMailboxes) if state.may_manage() => {
            selected_mailbox(state).map(Form::edit_mailbox)
        }
        Some(ListId::DomainAliases) if state.may_manage() => {
            selected_alias(state).map(Form::edit_alias)
        }
        Some(ListId::DomainAliasDomains) if state.is_admin() => {
            selected_alias_domain(state).map(Form::edit_alias_domain)
        }
        _ => None,
    };
    match form {
        Some(form) => open_form(state, form),
        None => nothing_selected(state),
    }
}

fn nothing_selected(state: &mut State) {
    if state
        .list_id()
        .is_some_and(|id| current(state, id).is_none())
    {
        let text = state.t(Msg::NothingSelected).to_string();
        flash(state, text, true);
    }
}

fn delete(state: &mut State, fx: &mut Vec<Effect>) {
    let subject = match state.list_id() {
        Some(ListId::Domains) => selected_domain(state).map(|d| Subject::Domain(d.clone().into())),
        Some(ListId::DomainMailboxes | ListId::AllMailboxes) => {
            selected_mailbox(state).map(|m| Subject::Mailbox(m.clone()))
        }
        Some(ListId::DomainAliases) => selected_alias(state).map(|a| Subject::Alias(a.clone())),
        Some(ListId::DomainAliasDomains) => {
            selected_alias_domain(state).map(|a| Subject::AliasDomain(a.clone()))
        }
        _ => None,
    };
    let Some(subject) = subject else {
        return nothing_selected(state);
    };
    open_confirm(state, fx, subject);
}

/// The disable/delete dialog on `subject`, Cancel focused.
fn open_confirm(state: &mut State, fx: &mut Vec<Effect>, subject: Subject) {
    let mut choices = vec![Choice::Cancel];
    match subject.active() {
        Some(true) => choices.push(Choice::Disable),
        Some(false) => choices.push(Choice::Enable),
        None => {}
    }
    choices.push(Choice::Delete);
    // A domain's dialog says what goes with it, a mailbox's which aliases
    // it leaves: read it now.
    let load = match &subject {
        Subject::Domain(d) => Some(Job::LoadHoldings(d.name.clone())),
        Subject::Mailbox(m) => Some(Job::LoadForwarders(m.address.clone())),
        _ => None,
    };
    let holdings = load.map(|job| {
        run(state, fx, job);
        Loaded {
            loading: true,
            ..Loaded::default()
        }
    });
    state.overlay = Some(Overlay::Confirm(Confirm {
        subject,
        choices,
        focus: 0,
        holdings,
    }));
}

fn submit(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(prompt) = state.prompt.take() {
        if prompt.kind == PromptKind::Command {
            command(state, fx, prompt.input.value());
        }
        return;
    }
    match state.overlay.take() {
        Some(Overlay::Form(mut form)) => {
            if form.pending {
                state.overlay = Some(Overlay::Form(form));
                return;
            }
            match form.submit(state.lang) {
                Submitted::Invalid => state.overlay = Some(Overlay::Form(form)),
                Submitted::Unchanged => {
                    let text = state.t(Msg::NothingChanged).to_string();
                    flash(state, text, false);
                }
                Submitted::Job(job) => {
                    form.pending = true;
                    form.error = None;
                    run(state, fx, job);
                    state.overlay = Some(Overlay::Form(form));
                }
            }
        }
        Some(Overlay::Confirm(c)) => match c.choices[c.focus] {
            Choice::Cancel => {}
            Choice::Retry | Choice::Skip => {
                if let Subject::HookEvent { hook, event } = c.subject {
                    let job = if c.choices[c.focus] == Choice::Retry {
                        Job::RetryHook(hook, event)
                    } else {
                        Job::SkipHook(hook, event)
                    };
                    run(state, fx, job);
                }
            }
            Choice::Disable | Choice::Enable => {
                let on = c.choices[c.focus] == Choice::Enable;
                let job = match c.subject {
                    Subject::Domain(d) => Job::SetDomainActive(d, on),
                    Subject::Mailbox(m) => Job::SetMailboxActive(m, on),
                    Subject::Alias(a) => Job::SetAliasActive(a, on),
                    Subject::AliasDomain(a) => Job::SetAliasDomainActive(a, on),
                    Subject::HookEvent { .. } => return,
                };
                run(state, fx, job);
            }
            Choice::Delete => {
                // A domain goes only once the dialog has said what goes
                // with it.
                let holdings = match &c.holdings {
                    Some(Loaded {
                        value: Some(h),
                        loading: false,
                        ..
                    }) => Some(h.clone()),
                    Some(_) => {
                        state.overlay = Some(Overlay::Confirm(c));
                        return;
                    }
                    None => None,
                };
                if c.subject.needs_typed_confirmation() {
                    state.overlay = Some(Overlay::Typed(TypedConfirm {
                        subject: c.subject,
                        input: Input::default(),
                        mismatch: false,
                        holdings,
                    }));
                } else if let Some(job) = remove_job(c.subject, holdings.as_ref()) {
                    run(state, fx, job);
                }
            }
        },
        Some(Overlay::Typed(mut t)) => {
            let typed = t.input.value().trim().to_string();
            if t.subject.accepted().contains(&typed) {
                if let Some(job) = remove_job(t.subject, t.holdings.as_ref()) {
                    run(state, fx, job);
                }
            } else {
                t.mismatch = true;
                state.overlay = Some(Overlay::Typed(t));
            }
        }
        Some(Overlay::Conflict(c)) => {
            if CONFLICT_CHOICES[c.focus] == Msg::ButtonReload {
                reload_conflict(state, fx, *c);
            }
        }
        other => state.overlay = other,
    }
}

/// Reload, after a conflict: the form again on the object as it is now
/// (the user's changes to other fields kept), or the disable dialog again.
fn reload_conflict(state: &mut State, fx: &mut Vec<Effect>, c: ConflictDialog) {
    let Some(fresh) = c.conflict.fresh else {
        return; // removed meanwhile: the reloaded list shows it gone
    };
    match c.form.and_then(|form| form.reopen(&fresh)) {
        Some(form) => open_form(state, form),
        // The same question, on the object as it is now.
        None => open_confirm(state, fx, fresh),
    }
}

fn remove_job(subject: Subject, holdings: Option<&Holdings>) -> Option<Job> {
    Some(match subject {
        // What it holds goes with it, as the dialog said.
        Subject::Domain(d) => Job::RemoveDomain(d.name, holdings.is_some_and(|h| !h.is_empty())),
        // Out of the aliases that forward to it, as the dialog said.
        Subject::Mailbox(m) => Job::RemoveMailbox(
            m.address,
            holdings.is_some_and(|h| !h.forwarded_by.is_empty()),
        ),
        Subject::Alias(a) => Job::RemoveAlias(a.address),
        Subject::AliasDomain(a) => Job::RemoveAliasDomain(a.name),
        Subject::HookEvent { .. } => return None,
    })
}

fn cancel(state: &mut State) {
    if let Some(prompt) = state.prompt.take() {
        if prompt.kind == PromptKind::Filter
            && let Some(id) = state.list_id()
            && let Some(list) = state.lists.get_mut(&id)
        {
            list.set_filter("");
        }
        return;
    }
    // A form whose job runs stays until the job reports.
    if let Some(Overlay::Form(form)) = &state.overlay
        && form.pending
    {
        return;
    }
    state.overlay = None;
}

fn input(state: &mut State, key: KeyEvent) {
    let request = to_input_request(&Event::Key(key));
    if let Some(prompt) = &mut state.prompt {
        if let Some(req) = request {
            prompt.input.handle(req);
        }
        if prompt.kind == PromptKind::Filter {
            let value = prompt.input.value().to_string();
            let height = state.list_height();
            if let Some(id) = state.list_id() {
                let list = state.lists.entry(id).or_default();
                list.set_filter(&value);
                list.clamp(height);
            }
        }
        return;
    }
    match &mut state.overlay {
        Some(Overlay::Form(form)) if !form.pending => {
            if matches!(form.fields[form.focus].kind, FieldKind::Choice(..)) {
                match key.code {
                    KeyCode::Left => form.toggle(false),
                    KeyCode::Right | KeyCode::Char(' ') => form.toggle(true),
                    _ => {}
                }
            } else if let Some(req) = request {
                form.edit(req, state.lang);
            }
        }
        Some(Overlay::Typed(t)) => {
            if let Some(req) = request {
                t.input.handle(req);
                t.mismatch = false;
            }
        }
        _ => {}
    }
}

/// The message a finished change shows (used by the job runner).
pub fn done(verb: Msg, object: Msg, subject: String) -> Done {
    Done {
        verb,
        object,
        subject,
        password: None,
    }
}
