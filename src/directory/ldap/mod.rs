//! The OpenLDAP backend: domains, mailboxes, aliases and alias domains as
//! entries under a base DN (layout in [`dit`], schema in `schema/ldap/`),
//! read and written with ldap3 over `ldap://` (optionally StartTLS),
//! `ldaps://` or `ldapi://`.
//!
//! LDAP has no transactions. What makes a change safe here instead:
//! - a local state store ([`state`], SQLite) records each change as an
//!   intent before its first write and marks it done, with its audit entry
//!   and journal event, after its last; a change left pending by a process
//!   that died is finished or undone by the next one ([`LdapDirectory::recover`]);
//! - every write stamps the entry with the change's token, so a resumed
//!   change recognizes what it already wrote and never writes it twice;
//! - edits carry an assertion control (RFC 4528) on the version they read,
//!   so no update is lost to a concurrent writer;
//! - changes that must see a domain whole (limits) hold its lease ([`lock`]).
//!
//! Values are escaped in exactly two places: DNs in [`dit`] (RFC 4514) and
//! filters in [`filter`] (RFC 4515).

mod batch;
mod conn;
mod dit;
mod entry;
pub mod filter;
mod lock;
mod read;
mod run;
mod settings;
mod settle;
mod state;
mod write;

pub use dit::Dit;
pub use run::{Observer, Step};
pub use settings::{Bind, LdapSettings, Transport};

use super::Directory;
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use async_trait::async_trait;
use conn::{Conn, Written};
use entry::class;
use run::{Parts, Run};
use std::collections::HashSet;
use std::sync::Arc;

/// A directory in OpenLDAP.
pub struct LdapDirectory {
    parts: Parts,
    shown: String,
    recovered: Recovered,
}

/// What [`LdapDirectory::recover`] did with the changes it found pending.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub completed: usize,
    pub rolled_back: usize,
    /// Still pending: the directory failed again; the next run tries again.
    pub pending: usize,
}

impl LdapDirectory {
    /// Connects, checks the schema and the containers, opens the state
    /// store, and finishes changes that a dead process left pending.
    pub async fn connect(settings: LdapSettings) -> Result<LdapDirectory> {
        Self::connect_observed(settings, None).await
    }

    /// [`LdapDirectory::connect`], reporting every step of every change
    /// (the recovery's included) to `observer`.
    pub async fn connect_observed(
        settings: LdapSettings,
        observer: Option<Observer>,
    ) -> Result<LdapDirectory> {
        let settings = Arc::new(settings);
        let shown = settings.describe();
        let conn = Conn::open(settings.clone()).await?;
        let state = state::StateStore::open(&settings.state_url).await?;
        let mut dir = LdapDirectory {
            parts: Parts {
                conn,
                dit: Dit::new(&settings.base_dn),
                state,
                local: lock::Local::default(),
                settles: settle::Settles::default(),
                observer,
            },
            shown,
            recovered: Recovered::default(),
        };
        dir.migrate().await?;
        dir.recovered = dir.recover().await?;
        Ok(dir)
    }

    /// Finishes the changes that processes which have since died left
    /// pending: each is completed, or undone when it can no longer be.
    pub async fn recover(&self) -> Result<Recovered> {
        let mut recovered = Recovered::default();
        for pending in self.parts.state.claim_orphans().await? {
            let mut run = Run::resumed(
                &self.parts,
                &pending.change,
                &pending.actor,
                pending.token,
                pending.before,
            );
            let outcome = write::converge(&mut run).await;
            match run.finish(outcome).await {
                Ok(_) => recovered.completed += 1,
                Err(e) if e.kind == ErrorKind::Unavailable => recovered.pending += 1,
                Err(_) => recovered.rolled_back += 1,
            }
        }
        Ok(recovered)
    }

    /// What opening this directory did with changes left pending.
    pub fn recovered_at_open(&self) -> &Recovered {
        &self.recovered
    }

    /// Tokens of the changes not finished yet.
    pub async fn pending_changes(&self) -> Result<Vec<String>> {
        self.parts.state.pending_tokens().await
    }

    /// How the change `token` ended (`pending`, `done`, `rolled_back`) and,
    /// when rolled back, why.
    pub async fn change_outcome(&self, token: &str) -> Result<Option<(String, Option<String>)>> {
        self.parts.state.outcome(token).await
    }

    /// The schema must be loaded and the base entry present; the
    /// containers postier owns are created when missing.
    async fn ensure_layout(&self) -> Result<()> {
        let conn = &self.parts.conn;
        let dit = &self.parts.dit;
        let base = conn
            .read(dit.base(), "(objectClass=*)", &["subschemaSubentry"])
            .await?
            .ok_or_else(|| {
                Error::unavailable(
                    format!("directory {}", self.shown),
                    format!("the base entry {} does not exist", dit.base()),
                )
                .with_hint(
                    "create it, or set [directory] base_dn to an existing entry (see docs/ldap.md)",
                )
            })?;
        let subschema = base
            .first("subschemaSubentry")
            .unwrap_or("cn=Subschema")
            .to_string();
        let schema = conn
            .read(&subschema, "(objectClass=subschema)", &["objectClasses"])
            .await?;
        let known = schema.is_some_and(|s| {
            s.all("objectClasses")
                .iter()
                .any(|c| c.contains(&format!("'{}'", class::MAILBOX)))
        });
        if !known {
            return Err(Error::unavailable(
                format!("directory {}", self.shown),
                "the server does not know postier's schema",
            )
            .with_hint(
                "load schema/ldap/postier.ldif (cn=config) or postier.schema: see docs/ldap.md",
            ));
        }
        for (dn, ou) in [(dit.domains(), dit::DOMAINS), (dit.locks(), dit::LOCKS)] {
            let attrs = vec![
                (
                    "objectClass".to_string(),
                    HashSet::from(["organizationalUnit".to_string()]),
                ),
                ("ou".to_string(), HashSet::from([ou.to_string()])),
            ];
            match conn.add(&dn, attrs).await? {
                Written::Done(_) | Written::AlreadyExists => {}
                _ => {
                    return Err(Error::unavailable(
                        format!("directory {}", self.shown),
                        format!("cannot create {dn}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A random change token: 128 bits, hex.
pub(crate) fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn not_found_domain(name: &DomainName) -> Error {
    super::rules::not_found_domain(name)
}

impl LdapDirectory {
    /// [`Directory::apply`] of a mailbox creation whose domain the batch
    /// read already (see [`write::converge_in_read_domain`]).
    async fn apply_in_read_domain(
        &self,
        change: &Change,
        actor: &str,
        domain: &Domain,
    ) -> Result<Applied> {
        let mut run = Run::fresh(&self.parts, change, actor);
        let outcome = write::converge_in_read_domain(&mut run, domain).await;
        run.finish(outcome).await
    }
}

#[async_trait]
impl Directory for LdapDirectory {
    async fn record_job_event(
        &self,
        event: &str,
        object: &str,
        payload: serde_json::Value,
    ) -> Result<()> {
        self.parts
            .state
            .record_job_event(event, object, payload)
            .await
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    async fn migrate(&self) -> Result<()> {
        self.ensure_layout().await
    }

    async fn apply(&self, change: &Change, actor: &str) -> Result<Applied> {
        let mut run = Run::fresh(&self.parts, change, actor);
        let outcome = write::converge(&mut run).await;
        run.finish(outcome).await
    }

    async fn apply_all_reporting(
        &self,
        changes: &[Change],
        actor: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<Applied>> {
        batch::apply_all(self, changes, actor, progress).await
    }

    async fn domain(&self, name: &DomainName) -> Result<Domain> {
        self.parts
            .reader()
            .domain(name)
            .await?
            .ok_or_else(|| not_found_domain(name))
    }

    async fn domains(&self) -> Result<Vec<Domain>> {
        self.parts.reader().domains().await
    }

    async fn alias_domains(&self) -> Result<Vec<AliasDomain>> {
        self.parts.reader().alias_domains().await
    }

    async fn alias_domain(&self, name: &DomainName) -> Result<AliasDomain> {
        match self.parts.reader().slot(name).await? {
            read::Slot::AliasDomain(a) => Ok(a),
            _ => Err(Error::not_found(format!("alias domain {name}"))),
        }
    }

    async fn mailbox(&self, address: &Address) -> Result<Mailbox> {
        self.parts
            .reader()
            .mailbox(address)
            .await?
            .ok_or_else(|| Error::not_found(format!("mailbox {address}")))
    }

    async fn mailboxes(&self, domain: Option<&DomainName>) -> Result<Vec<Mailbox>> {
        let reader = self.parts.reader();
        if let Some(d) = domain
            && !matches!(reader.slot(d).await?, read::Slot::Domain(_))
        {
            return Err(not_found_domain(d));
        }
        reader.mailboxes(domain).await
    }

    async fn mailbox_facts(&self, domain: Option<&DomainName>) -> Result<Vec<MailboxFacts>> {
        let reader = self.parts.reader();
        if let Some(d) = domain
            && !matches!(reader.slot(d).await?, read::Slot::Domain(_))
        {
            return Err(not_found_domain(d));
        }
        reader.mailbox_facts(domain).await
    }

    async fn alias(&self, address: &AliasAddress) -> Result<Alias> {
        self.parts
            .reader()
            .alias(address)
            .await?
            .ok_or_else(|| Error::not_found(format!("alias {address}")))
    }

    async fn aliases(&self, domain: Option<&DomainName>) -> Result<Vec<Alias>> {
        let reader = self.parts.reader();
        if let Some(d) = domain
            && !matches!(reader.slot(d).await?, read::Slot::Domain(_))
        {
            return Err(not_found_domain(d));
        }
        reader.aliases(domain).await
    }

    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>> {
        self.parts.state.audit(limit).await
    }

    async fn journal(&self, after: i64, limit: u64) -> Result<Vec<JournalEvent>> {
        self.parts.state.journal(after, limit).await
    }

    fn hook_store(&self) -> std::sync::Arc<dyn crate::directory::hooks::HookStore> {
        std::sync::Arc::new(self.parts.state.hook_store())
    }
}
