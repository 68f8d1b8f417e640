//! The keymap, as one table. Key handling, the `?` help screen and the
//! bottom bar all read it, so a key and its description cannot drift apart.
//! Each binding belongs to a context; the contexts in force depend on what
//! is on screen, and a binding the role may not use is neither run, nor
//! shown.

use super::action::Action;
use super::forms::FieldKind;
use super::state::{ListId, Overlay, State, Tab, View};
use crate::i18n::Msg;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    Global,
    List,
    /// A list whose rows open (or edit) with Enter.
    Open,
    Domains,
    DomainTabs,
    Mailboxes,
    Aliases,
    AliasDomains,
    Dns,
    Dkim,
    /// The hooks view: Enter acts on the selected hook's stuck event.
    Hooks,
    Form,
    FormChoice,
    Dialog,
    Typed,
    Prompt,
    Modal,
    /// The restore dialog: ↑/↓ choose the archive, Tab moves between
    /// where to restore, the folder or directory, and the buttons.
    Restore,
    /// The restore dialog outside its text field: ←/→ choose.
    RestorePick,
    /// The restore dialog's text field: other keys type.
    RestoreText,
}

/// Who may use a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Anyone,
    /// Mailboxes and aliases: admins and domain admins.
    Manage,
    Admin,
    /// Restores: admins, where `[backup]` is configured.
    Backup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub ctx: Ctx,
    pub keys: &'static [Key],
    pub action: Action,
    pub label: Msg,
    /// Rank in the bottom bar, 1 first; 0 = help screen only. When the
    /// bar is too narrow, higher ranks are left out first.
    pub bar: u8,
    pub need: Need,
}

const fn b(
    ctx: Ctx,
    keys: &'static [Key],
    action: Action,
    label: Msg,
    bar: u8,
    need: Need,
) -> Binding {
    Binding {
        ctx,
        keys,
        action,
        label,
        bar,
        need,
    }
}

use Ctx as C;
use KeyCode as K;
use Need as N;

/// Every key binding of the TUI.
pub static BINDINGS: &[Binding] = &[
    // Forms: keys not listed here edit the focused field.
    b(
        C::FormChoice,
        &[k(' ')],
        Action::Toggle,
        Msg::KeyToggle,
        2,
        N::Anyone,
    ),
    b(
        C::Form,
        &[code(K::Enter)],
        Action::Submit,
        Msg::KeySubmit,
        2,
        N::Anyone,
    ),
    b(
        C::Form,
        &[code(K::Tab), code(K::Down)],
        Action::NextField,
        Msg::KeyNextField,
        2,
        N::Anyone,
    ),
    b(
        C::Form,
        &[code(K::BackTab), code(K::Up)],
        Action::PrevField,
        Msg::KeyPrevField,
        0,
        N::Anyone,
    ),
    b(
        C::Form,
        &[code(K::Esc)],
        Action::Cancel,
        Msg::KeyCancel,
        2,
        N::Anyone,
    ),
    // The disable/delete dialog.
    b(
        C::Dialog,
        &[code(K::Left), k('h'), code(K::BackTab)],
        Action::FocusLeft,
        Msg::KeyChoose,
        2,
        N::Anyone,
    ),
    b(
        C::Dialog,
        &[code(K::Right), k('l'), code(K::Tab)],
        Action::FocusRight,
        Msg::KeyChoose,
        0,
        N::Anyone,
    ),
    b(
        C::Dialog,
        &[code(K::Enter)],
        Action::Submit,
        Msg::KeyConfirm,
        2,
        N::Anyone,
    ),
    b(
        C::Dialog,
        &[code(K::Esc), k('q')],
        Action::Cancel,
        Msg::KeyCancel,
        2,
        N::Anyone,
    ),
    // Typed confirmation: other keys type.
    b(
        C::Typed,
        &[code(K::Enter)],
        Action::Submit,
        Msg::KeyConfirm,
        2,
        N::Anyone,
    ),
    b(
        C::Typed,
        &[code(K::Esc)],
        Action::Cancel,
        Msg::KeyCancel,
        2,
        N::Anyone,
    ),
    // The restore dialog.
    b(
        C::Restore,
        &[code(K::Up)],
        Action::Up,
        Msg::KeyNewerArchive,
        0,
        N::Anyone,
    ),
    b(
        C::Restore,
        &[code(K::Down)],
        Action::Down,
        Msg::KeyOlderArchive,
        3,
        N::Anyone,
    ),
    b(
        C::Restore,
        &[code(K::Tab)],
        Action::NextField,
        Msg::KeyNextField,
        2,
        N::Anyone,
    ),
    b(
        C::Restore,
        &[code(K::BackTab)],
        Action::PrevField,
        Msg::KeyPrevField,
        0,
        N::Anyone,
    ),
    b(
        C::RestorePick,
        &[code(K::Left), k('h')],
        Action::FocusLeft,
        Msg::KeyChoose,
        2,
        N::Anyone,
    ),
    b(
        C::RestorePick,
        &[code(K::Right), k('l')],
        Action::FocusRight,
        Msg::KeyChoose,
        0,
        N::Anyone,
    ),
    b(
        C::RestorePick,
        &[k(' ')],
        Action::Toggle,
        Msg::KeyToggle,
        0,
        N::Anyone,
    ),
    b(
        C::Restore,
        &[code(K::Enter)],
        Action::Submit,
        Msg::KeyConfirm,
        2,
        N::Anyone,
    ),
    b(
        C::Restore,
        &[code(K::Esc)],
        Action::Cancel,
        Msg::KeyCancel,
        2,
        N::Anyone,
    ),
    // The filter / command prompt: other keys type.
    b(
        C::Prompt,
        &[code(K::Enter)],
        Action::Submit,
        Msg::KeyApply,
        2,
        N::Anyone,
    ),
    b(
        C::Prompt,
        &[code(K::Esc)],
        Action::Cancel,
        Msg::KeyClear,
        2,
        N::Anyone,
    ),
    // Help, errors, the one-time password.
    b(
        C::Modal,
        &[code(K::Esc), code(K::Enter), k('q'), k('?')],
        Action::Cancel,
        Msg::KeyClose,
        2,
        N::Anyone,
    ),
    // Views.
    b(C::Domains, &[k('a')], Action::Add, Msg::KeyAdd, 2, N::Admin),
    b(
        C::Domains,
        &[k('A')],
        Action::AddAliasDomain,
        Msg::KeyAddAliasDomain,
        0,
        N::Admin,
    ),
    b(
        C::Domains,
        &[k('e')],
        Action::Edit,
        Msg::KeyEdit,
        2,
        N::Admin,
    ),
    b(
        C::Domains,
        &[k('d')],
        Action::Delete,
        Msg::KeyDelete,
        2,
        N::Admin,
    ),
    b(
        C::Domains,
        &[k('c')],
        Action::Recheck,
        Msg::KeyRecheck,
        4,
        N::Anyone,
    ),
    b(
        C::Mailboxes,
        &[k('a')],
        Action::Add,
        Msg::KeyAdd,
        2,
        N::Manage,
    ),
    b(
        C::Mailboxes,
        &[k('e')],
        Action::Edit,
        Msg::KeyEdit,
        2,
        N::Manage,
    ),
    b(
        C::Mailboxes,
        &[k('p')],
        Action::Password,
        Msg::KeyPassword,
        2,
        N::Manage,
    ),
    b(
        C::Mailboxes,
        &[k('d')],
        Action::Delete,
        Msg::KeyDelete,
        2,
        N::Manage,
    ),
    b(
        C::Mailboxes,
        &[k('b')],
        Action::Restore,
        Msg::KeyRestore,
        3,
        N::Backup,
    ),
    b(
        C::Aliases,
        &[k('a')],
        Action::Add,
        Msg::KeyAdd,
        2,
        N::Manage,
    ),
    b(
        C::Aliases,
        &[k('e')],
        Action::Edit,
        Msg::KeyEdit,
        2,
        N::Manage,
    ),
    b(
        C::Aliases,
        &[k('d')],
        Action::Delete,
        Msg::KeyDelete,
        2,
        N::Manage,
    ),
    b(
        C::AliasDomains,
        &[k('a')],
        Action::AddAliasDomain,
        Msg::KeyAdd,
        2,
        N::Admin,
    ),
    b(
        C::AliasDomains,
        &[k('e')],
        Action::Edit,
        Msg::KeyEdit,
        2,
        N::Admin,
    ),
    b(
        C::AliasDomains,
        &[k('c')],
        Action::Recheck,
        Msg::KeyRecheck,
        4,
        N::Admin,
    ),
    b(
        C::AliasDomains,
        &[k('d')],
        Action::Delete,
        Msg::KeyDelete,
        2,
        N::Admin,
    ),
    b(
        C::Dkim,
        &[k('a')],
        Action::Add,
        Msg::KeyGenerateKey,
        2,
        N::Admin,
    ),
    b(
        C::Dkim,
        &[k('R')],
        Action::Rotate,
        Msg::KeyRotateKey,
        2,
        N::Admin,
    ),
    b(
        C::Dns,
        &[k('c')],
        Action::Recheck,
        Msg::KeyRecheck,
        2,
        N::Anyone,
    ),
    b(
        C::DomainTabs,
        &[code(K::Tab), code(K::Right), k('l')],
        Action::NextTab,
        Msg::KeyNextTab,
        3,
        N::Anyone,
    ),
    b(
        C::DomainTabs,
        &[code(K::BackTab), code(K::Left), k('h')],
        Action::PrevTab,
        Msg::KeyPrevTab,
        0,
        N::Anyone,
    ),
    // Lists.
    b(
        C::List,
        &[k('/')],
        Action::StartFilter,
        Msg::KeyFilter,
        3,
        N::Anyone,
    ),
    b(
        C::Hooks,
        &[code(K::Enter)],
        Action::Open,
        Msg::KeyHookEvent,
        2,
        N::Admin,
    ),
    b(
        C::Open,
        &[code(K::Enter)],
        Action::Open,
        Msg::KeyOpen,
        3,
        N::Anyone,
    ),
    b(
        C::List,
        &[code(K::Up), k('k')],
        Action::Up,
        Msg::KeyUp,
        0,
        N::Anyone,
    ),
    b(
        C::List,
        &[code(K::Down), k('j')],
        Action::Down,
        Msg::KeyDown,
        0,
        N::Anyone,
    ),
    b(
        C::List,
        &[k('g'), code(K::Home)],
        Action::Top,
        Msg::KeyTop,
        0,
        N::Anyone,
    ),
    b(
        C::List,
        &[k('G'), code(K::End)],
        Action::Bottom,
        Msg::KeyBottom,
        0,
        N::Anyone,
    ),
    b(
        C::List,
        &[code(K::PageUp), ctrl('b')],
        Action::PageUp,
        Msg::KeyPageUp,
        0,
        N::Anyone,
    ),
    b(
        C::List,
        &[code(K::PageDown), ctrl('f')],
        Action::PageDown,
        Msg::KeyPageDown,
        0,
        N::Anyone,
    ),
    // Everywhere outside text fields.
    b(
        C::Global,
        &[k('H')],
        Action::OpenHealth,
        Msg::KeyHealth,
        0,
        N::Admin,
    ),
    b(
        C::Global,
        &[code(K::Esc)],
        Action::Back,
        Msg::KeyBack,
        3,
        N::Anyone,
    ),
    b(
        C::Global,
        &[k(':')],
        Action::StartCommand,
        Msg::KeyCommand,
        4,
        N::Anyone,
    ),
    b(
        C::Global,
        &[k('r')],
        Action::Refresh,
        Msg::KeyRefresh,
        0,
        N::Anyone,
    ),
    b(
        C::Global,
        &[k('?')],
        Action::Help,
        Msg::KeyHelp,
        1,
        N::Anyone,
    ),
    b(
        C::Global,
        &[k('q'), ctrl('c')],
        Action::Quit,
        Msg::KeyQuit,
        1,
        N::Anyone,
    ),
    b(
        C::Global,
        &[ctrl('z')],
        Action::Suspend,
        Msg::KeySuspend,
        0,
        N::Anyone,
    ),
];

/// The contexts in force, most specific first.
pub fn contexts(state: &State) -> Vec<Ctx> {
    match &state.overlay {
        Some(Overlay::Form(form)) => {
            let mut ctx = vec![C::Form];
            if matches!(form.fields[form.focus].kind, FieldKind::Choice(..)) {
                ctx.insert(0, C::FormChoice);
            }
            return ctx;
        }
        Some(Overlay::Confirm(_) | Overlay::Conflict(_)) => return vec![C::Dialog],
        // The import plan scrolls like a list; its buttons are a dialog's.
        Some(Overlay::Import(_)) => return vec![C::Dialog, C::List],
        Some(Overlay::Typed(_)) => return vec![C::Typed],
        Some(Overlay::Restore(view)) => {
            let field = if view.focus == super::restore::Focus::Path {
                C::RestoreText
            } else {
                C::RestorePick
            };
            return vec![field, C::Restore];
        }
        Some(Overlay::Help | Overlay::Error(_) | Overlay::Password { .. }) => {
            return vec![C::Modal];
        }
        None => {}
    }
    if state.prompt.is_some() {
        return vec![C::Prompt];
    }
    view_contexts(state)
}

/// The contexts of the view itself, whatever is drawn over it.
fn view_contexts(state: &State) -> Vec<Ctx> {
    let mut ctx = Vec::new();
    match state.view() {
        View::Domains => ctx.push(C::Domains),
        View::Mailboxes => ctx.push(C::Mailboxes),
        View::Audit | View::Health => {}
        View::Hooks => ctx.push(C::Hooks),
        View::Domain { tab, .. } => {
            ctx.push(match tab {
                Tab::Mailboxes => C::Mailboxes,
                Tab::Aliases => C::Aliases,
                Tab::AliasDomains => C::AliasDomains,
                Tab::Dns => C::Dns,
                Tab::Dkim => C::Dkim,
            });
            if *tab == Tab::Dkim {
                ctx.push(C::Dns);
            }
            ctx.push(C::DomainTabs);
        }
    }
    if let Some(id) = state.list_id() {
        ctx.push(C::List);
        // DNS checks, DKIM keys and audit entries have nothing to open;
        // a hook's Enter is its own.
        if !matches!(
            id,
            ListId::DomainDns | ListId::DomainDkim | ListId::Audit | ListId::Hooks
        ) {
            ctx.push(C::Open);
        }
    }
    ctx.push(C::Global);
    ctx
}

/// May the current role use `binding`?
pub fn allowed(state: &State, binding: &Binding) -> bool {
    match binding.need {
        Need::Anyone => true,
        Need::Manage => state.may_manage(),
        Need::Admin => state.is_admin(),
        Need::Backup => state.is_admin() && state.backup,
    }
}

/// The bindings in force, in table order within the most specific context first.
pub fn active(state: &State) -> Vec<&'static Binding> {
    bindings_in(state, contexts(state))
}

/// The bindings of the view under any dialog: what the help lists.
pub fn view_bindings(state: &State) -> Vec<&'static Binding> {
    bindings_in(state, view_contexts(state))
}

fn bindings_in(state: &State, contexts: Vec<Ctx>) -> Vec<&'static Binding> {
    let mut out = Vec::new();
    for ctx in contexts {
        for binding in BINDINGS.iter().filter(|b| b.ctx == ctx) {
            if allowed(state, binding) {
                out.push(binding);
            }
        }
    }
    out
}

fn matches(key: &Key, event: &KeyEvent) -> bool {
    if key.code != event.code {
        return false;
    }
    // Shift is part of the character itself ('A', '?', ':').
    let ignore = if matches!(event.code, KeyCode::Char(_)) {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    key.mods.difference(ignore) == event.modifiers.difference(ignore)
}

/// The action a key press means now. Keys that no binding claims go to
/// the focused text field, where there is one.
pub fn action_for(state: &State, event: KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    for binding in active(state) {
        if binding.keys.iter().any(|key| matches(key, &event)) {
            return Some(binding.action.clone());
        }
    }
    let types = contexts(state)
        .iter()
        .any(|c| matches!(c, C::Form | C::Typed | C::Prompt | C::RestoreText));
    types.then_some(Action::Input(event))
}

/// A key as the help and the bottom bar show it.
pub fn key_name(key: &Key) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    };
    if key.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{}", name.to_uppercase())
    } else {
        name
    }
}
