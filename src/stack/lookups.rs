//! The lookups Postfix makes in the directory, whatever the backend: one
//! table per [`Lookup`], and which `main.cf` parameter lists which tables,
//! in lookup order.
//!
//! Semantics every backend must give its tables (the e2e suite checks them
//! against real Postfix and Dovecot):
//!
//! - Only active objects in active domains are served; an alias domain is
//!   served while it and its target are active.
//! - An address that exists as a mailbox or an alias, active or not, is never
//!   caught by the catch-all: a disabled mailbox refuses mail even in a
//!   domain with a catch-all. The catch-all takes only addresses that exist
//!   nowhere, checked for the address with and without its extension
//!   (`bob+news@` counts as `bob@`).
//! - `name@alias-domain` maps to `name@target` only when that address would
//!   be delivered (active mailbox, active alias, or the target's catch-all),
//!   so Postfix rejects unknown alias-domain addresses at RCPT time.
//! - Every table answers full addresses only: Postfix's own `@domain` and
//!   bare local-part fallbacks find nothing, so the catch-all precedence
//!   above is the only one in force.

/// One Postfix lookup table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Domain -> itself, for active hosted domains.
    MailboxDomains,
    /// Domain -> itself, for active alias domains of active domains.
    AliasDomains,
    /// Address -> the targets of its active alias.
    Aliases,
    /// `name@alias-domain` -> `name@target`, when that is deliverable.
    AliasDomainAddresses,
    /// Address -> the catch-all's targets, when the address exists nowhere.
    CatchAll,
    /// Address -> maildir, for active mailboxes.
    Mailboxes,
    /// Sender address -> the logins that may send as it: the mailbox
    /// itself, an alias's targets, `name@target` for an alias-domain address.
    SenderLogins,
}

impl Lookup {
    /// The table's file name under `DIR/postfix/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Lookup::MailboxDomains => "virtual_mailbox_domains.cf",
            Lookup::AliasDomains => "virtual_alias_domains.cf",
            Lookup::Aliases => "virtual_alias_maps.cf",
            Lookup::AliasDomainAddresses => "virtual_alias_domain_maps.cf",
            Lookup::CatchAll => "virtual_catch_all_maps.cf",
            Lookup::Mailboxes => "virtual_mailbox_maps.cf",
            Lookup::SenderLogins => "smtpd_sender_login_maps.cf",
        }
    }

    /// One line saying what the table answers, for its header comment.
    pub fn describe(self) -> &'static str {
        match self {
            Lookup::MailboxDomains => "hosted domains (active only)",
            Lookup::AliasDomains => "alias domains (active, with an active target)",
            Lookup::Aliases => "aliases -> their targets (active only)",
            Lookup::AliasDomainAddresses => {
                "name@alias-domain -> name@target, when that address is deliverable"
            }
            Lookup::CatchAll => {
                "catch-all (@domain) -> its targets, for addresses that are neither mailbox nor alias"
            }
            Lookup::Mailboxes => "mailboxes -> maildir (active only)",
            Lookup::SenderLogins => "sender address -> the logins allowed to send as it",
        }
    }
}

/// The `main.cf` parameters postier fills, each with its tables in lookup
/// order. The alias tables answer disjoint sets of addresses, so their
/// order is for reading, not for precedence.
pub const POSTFIX_PARAMETERS: &[(&str, &[Lookup])] = &[
    ("virtual_mailbox_domains", &[Lookup::MailboxDomains]),
    ("virtual_alias_domains", &[Lookup::AliasDomains]),
    (
        "virtual_alias_maps",
        &[
            Lookup::Aliases,
            Lookup::AliasDomainAddresses,
            Lookup::CatchAll,
        ],
    ),
    ("virtual_mailbox_maps", &[Lookup::Mailboxes]),
    ("smtpd_sender_login_maps", &[Lookup::SenderLogins]),
];

/// Every table, once.
pub fn all() -> impl Iterator<Item = Lookup> {
    POSTFIX_PARAMETERS
        .iter()
        .flat_map(|(_, tables)| tables.iter().copied())
}
