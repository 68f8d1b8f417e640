//! The one `Action` enum: everything that can change the TUI's state —
//! a user's intent (from the keymap), raw keys for text fields, ticks,
//! resizes, and the results of background jobs. Also the [`Job`]s that
//! `update` asks the event loop to run, and the [`Effect`]s it returns.

use super::state::{Holdings, MailboxRow, Subject};
use crate::dns::DomainReport;
use crate::error::Error;
use crate::i18n::Msg;
use crate::model::*;
use crate::ops::MailboxRequest;
use crate::ops::dns::KeyStatus;
use crate::password::Password;
use crate::stack::quota::QuotaUsage;
use ratatui::crossterm::event::KeyEvent;

#[derive(Debug, Clone)]
pub enum Action {
    // -- intents, bound in the keymap --
    Quit,
    Help,
    StartCommand,
    StartFilter,
    Refresh,
    Suspend,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    NextTab,
    PrevTab,
    Add,
    AddAliasDomain,
    Edit,
    Delete,
    Password,
    Recheck,
    /// Advances the open domain's DKIM key rotation by one step.
    Rotate,
    /// Opens the Health view (the monitoring checks).
    OpenHealth,
    /// Opens the restore dialog on the selected mailbox.
    Restore,
    // -- inside forms, prompts and dialogs --
    NextField,
    PrevField,
    Toggle,
    Submit,
    Cancel,
    FocusLeft,
    FocusRight,
    /// A key typed into the focused text field.
    Input(KeyEvent),
    // -- from the event loop --
    /// Drives the spinner and fades flash messages.
    Tick,
    Resize(u16, u16),
    /// Loads what the first screen shows.
    Start,
    /// A background job finished.
    Done(Outcome),
}

/// Work that must not run on the UI thread: directory reads and writes
/// (with password hashing inside ops), DNS checks.
#[derive(Debug, Clone)]
pub enum Job {
    /// The DNS self-check of a domain. Checks of one `round` share their
    /// DNS answers; a re-check starts a new round, asking afresh.
    CheckDns {
        domain: DomainName,
        round: u64,
    },
    /// A domain's DKIM keys and whether DNS publishes them.
    LoadDkim {
        domain: DomainName,
        round: u64,
    },
    /// Makes a domain's first DKIM key.
    GenerateDkim(DomainName),
    /// One step of a domain's DKIM key rotation, asking DNS afresh
    /// whether the pending key is published.
    RotateDkim {
        domain: DomainName,
        round: u64,
    },
    LoadDomains,
    LoadAliasDomains,
    LoadMailboxes(DomainName),
    /// How full these maildirs (a domain's mailboxes, in order) are.
    LoadUsage(DomainName, Vec<String>),
    /// How much each of these domains holds on disk.
    LoadDomainUsage(Vec<DomainName>),
    /// Every mailbox the role may see, read domain by domain so that only
    /// one domain's full records are in memory at a time.
    LoadAllMailboxes,
    LoadAliases(DomainName),
    LoadAudit(u64),
    /// The monitoring checks (`postier check`) but DNS, which the domain
    /// list shows domain by domain; `true`: the quota too (every maildir).
    LoadHealth(bool),
    /// Each hook's delivery state.
    LoadHooks,
    /// Tries a hook's stuck event again now.
    RetryHook(String, i64),
    /// Gives a hook's stuck event up.
    SkipHook(String, i64),
    /// What a domain holds, for the dialog that deletes it.
    LoadHoldings(DomainName),
    /// The aliases that forward to a mailbox about to be deleted.
    LoadForwarders(Address),
    // Changes to an existing object carry it as the user saw it: its
    // version goes with the change, so that a concurrent change is a
    // conflict, never overwritten; patches hold only the fields changed.
    AddDomain(DomainName, DomainSettings),
    EditDomain(Box<Domain>, DomainPatch),
    SetDomainActive(Box<Domain>, bool),
    /// With `cascade`, what the domain holds goes too.
    RemoveDomain(DomainName, bool),
    AddAliasDomain(DomainName, DomainName),
    EditAliasDomain(AliasDomain, AliasDomainPatch),
    SetAliasDomainActive(AliasDomain, bool),
    RemoveAliasDomain(DomainName),
    AddMailbox(MailboxRequest),
    EditMailbox(MailboxRow, MailboxPatch),
    SetPassword(MailboxRow, crate::ops::PasswordInput),
    SetMailboxActive(MailboxRow, bool),
    /// Removes a mailbox; `true`: also from the aliases that forward to it.
    RemoveMailbox(Address, bool),
    AddAlias(AliasAddress, Vec<Address>),
    EditAlias(Alias, AliasPatch),
    SetAliasActive(Alias, bool),
    RemoveAlias(AliasAddress),
    /// Reads a file and plans its import against the directory.
    PlanImport(std::path::PathBuf),
    /// Applies a planned import (passwords hashed first).
    ApplyImport(std::sync::Arc<crate::import::plan::Plan>),
    /// The archives the backup catalogue says hold a mailbox's maildirs.
    LoadRestoreArchives(Address),
    /// Restores a mailbox from one archive (never over live mail).
    Restore {
        address: Address,
        archive: String,
        target: crate::backup::RestoreTarget,
    },
}

/// What a job reports back.
#[derive(Debug, Clone)]
pub enum Outcome {
    Dns(DomainName, u64, Result<DomainReport, Error>),
    Dkim(DomainName, Result<Vec<KeyStatus>, Error>),
    Domains(Result<Vec<Domain>, Error>),
    AliasDomains(Result<Vec<AliasDomain>, Error>),
    Mailboxes(DomainName, Result<Vec<MailboxRow>, Error>),
    Usage(DomainName, Vec<QuotaUsage>),
    DomainUsage(Vec<(DomainName, QuotaUsage)>),
    AllMailboxes(Result<Vec<MailboxRow>, Error>),
    Aliases(DomainName, Result<Vec<Alias>, Error>),
    Audit(Result<Vec<AuditEntry>, Error>),
    Health(Vec<crate::monitor::check::CheckOutcome>),
    Hooks(Result<Vec<crate::hooks::HookStatus>, Error>),
    Holdings(DomainName, Result<Holdings, Error>),
    Forwarders(Address, Result<Holdings, Error>),
    /// A change went through: `done` names it, for the flash message.
    Changed(Done),
    /// A change was refused because someone changed the object first.
    Conflict(Box<Conflict>),
    /// A change was refused or failed.
    Failed(Error),
    /// The plan of `:import FILE`, or its bad rows.
    ImportPlanned(Box<super::state::ImportView>),
    /// `:import` could not plan (the file unreadable, the directory down).
    ImportFailed(Error),
    /// An import was applied (its summary line) or failed.
    Imported(Result<String, Error>),
    /// The archives holding a mailbox (newest first), for its restore.
    RestoreArchives(
        Address,
        Result<Vec<crate::backup::catalogue::Holding>, Error>,
    ),
    /// A restore finished, or failed.
    Restored(Address, Result<crate::backup::RestoreReport, Error>),
}

/// Someone changed an object between the user reading it and their change.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The object as the user saw it.
    pub seen: Subject,
    /// The object now; none when it was removed meanwhile.
    pub fresh: Option<Subject>,
    /// The newest audit entry about it (who and when), where the role may
    /// read the audit log.
    pub latest: Option<AuditEntry>,
    /// The directory's refusal.
    pub error: Error,
}

/// A change that went through, for the flash message (and the one-time
/// display of a generated password).
#[derive(Debug, Clone)]
pub struct Done {
    pub verb: Msg,
    pub object: Msg,
    pub subject: String,
    pub password: Option<Password>,
}

/// What `update` asks of the event loop.
#[derive(Debug, Clone)]
pub enum Effect {
    Run(Job),
    Quit,
    Suspend,
}
