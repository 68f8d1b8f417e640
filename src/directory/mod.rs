//! The directory: where domains, mailboxes and aliases live, in the very
//! form the mail stack reads. One trait, [`Directory`], with a backend per
//! store; [`open`] picks one from a URL.
//!
//! Backends apply each [`Change`] atomically together with its audit entry
//! and journal event, enforce optimistic concurrency through each object's
//! `version`, and check domain limits with [`rules`] inside the same
//! transaction, so two admins cannot overshoot a limit between them.

pub mod hooks;
pub mod ldap;
pub mod rules;
pub mod sql;

use crate::error::{Error, Result};
use crate::model::*;
use async_trait::async_trait;
use std::sync::Arc;

/// The operations every directory backend provides.
#[async_trait]
pub trait Directory: Send + Sync {
    /// The backend and location, safe to show (no password).
    fn describe(&self) -> String;

    /// Creates or upgrades the schema.
    async fn migrate(&self) -> Result<()>;

    /// The schema version the store is at, beside the newest this postier
    /// knows; none for backends without numbered migrations (LDAP checks
    /// its schema when connecting).
    async fn schema_version(&self) -> Result<Option<SchemaVersion>> {
        Ok(None)
    }

    /// Applies one change with its audit entry (by `actor`) and journal event.
    async fn apply(&self, change: &Change, actor: &str) -> Result<Applied>;

    /// Does [`Directory::apply_all`] apply all or nothing?
    fn atomic_batches(&self) -> bool {
        false
    }

    /// Applies `changes` in order, each with its audit entry and journal
    /// event. SQL backends apply them in one transaction: all or nothing.
    /// The default, which the LDAP backend uses, applies them one by one
    /// through [`Directory::apply`] (see [`Directory::apply_all_reporting`]).
    async fn apply_all(&self, changes: &[Change], actor: &str) -> Result<Vec<Applied>> {
        self.apply_all_reporting(changes, actor, &|_| {}).await
    }

    /// [`Directory::apply_all`], calling `progress` with how many of the
    /// changes are done as it goes. This default applies them one by one,
    /// each resumable on its own: a failure stops the batch with the
    /// changes before it made, and a re-run of the same import plans only
    /// what is left.
    async fn apply_all_reporting(
        &self,
        changes: &[Change],
        actor: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<Applied>> {
        let mut applied = Vec::with_capacity(changes.len());
        for (i, change) in changes.iter().enumerate() {
            match self.apply(change, actor).await {
                Ok(a) => applied.push(a),
                Err(e) => {
                    let what = format!(
                        "{} (change {} of {}: {} {})",
                        e.what,
                        i + 1,
                        changes.len(),
                        change.action(),
                        change.object()
                    );
                    return Err(e.about(what));
                }
            }
            progress(i + 1);
        }
        Ok(applied)
    }

    async fn domain(&self, name: &DomainName) -> Result<Domain>;
    /// All domains, by name.
    async fn domains(&self) -> Result<Vec<Domain>>;
    /// All alias domains, by name.
    async fn alias_domains(&self) -> Result<Vec<AliasDomain>>;
    /// One alias domain. Backends with a cheaper lookup override this.
    async fn alias_domain(&self, name: &DomainName) -> Result<AliasDomain> {
        self.alias_domains()
            .await?
            .into_iter()
            .find(|a| &a.name == name)
            .ok_or_else(|| Error::not_found(format!("alias domain {name}")))
    }
    async fn mailbox(&self, address: &Address) -> Result<Mailbox>;
    /// Mailboxes of one domain, or of all, by address.
    async fn mailboxes(&self, domain: Option<&DomainName>) -> Result<Vec<Mailbox>>;
    /// What monitoring needs of the same mailboxes, in the same order,
    /// without reading what it does not (password hashes, names, times):
    /// the listing of a whole service in a fraction of the time and memory.
    async fn mailbox_facts(&self, domain: Option<&DomainName>) -> Result<Vec<MailboxFacts>>;
    async fn alias(&self, address: &AliasAddress) -> Result<Alias>;
    /// Aliases of one domain, or of all: by domain, the catch-all first,
    /// then by address.
    async fn aliases(&self, domain: Option<&DomainName>) -> Result<Vec<Alias>>;
    /// The newest `limit` audit entries, newest first.
    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>>;
    /// Journal events with an id above `after`, oldest first.
    async fn journal(&self, after: i64, limit: u64) -> Result<Vec<JournalEvent>>;
    /// Where the hooks keep their cursors, attempts and leases: beside the
    /// journal, in the same store.
    fn hook_store(&self) -> Arc<dyn hooks::HookStore>;
    /// Appends the event of one of postier's own jobs (`backup.done`,
    /// `backup.failed`, `mailbox.purged`) to the journal, so that it reaches
    /// the hooks like a change's; `payload` carries the job's details
    /// (`actor` among them).
    async fn record_job_event(
        &self,
        event: &str,
        object: &str,
        payload: serde_json::Value,
    ) -> Result<()>;
}

/// A store's schema version (its newest applied migration) and the
/// newest one this postier ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub applied: i64,
    pub expected: i64,
}

/// What opening a SQLite directory does when its file is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    /// Create it (`db migrate`, the built-in default location, programs
    /// that make their own directory).
    Create,
    /// Refuse, naming the path: a mistyped path must not quietly become a
    /// new, empty directory.
    Refuse,
}

/// Opens (creating a missing SQLite file) the directory named by `url`
/// (see SPEC.md for the forms), with the LDAP settings taken from the
/// `POSTIER_LDAP_*` environment only.
pub async fn open(url: &str) -> Result<Arc<dyn Directory>> {
    open_with(url, &crate::config::DirectoryConfig::default().with_env()).await
}

/// Opens the directory named by `url` with the `[directory]` settings
/// (the environment overrides already applied, see
/// [`crate::config::DirectoryConfig::with_env`]); SQL URLs need none.
pub async fn open_with(
    url: &str,
    settings: &crate::config::DirectoryConfig,
) -> Result<Arc<dyn Directory>> {
    open_if(url, settings, IfMissing::Create).await
}

/// [`open_with`], saying what to do when a SQLite file is not there.
pub async fn open_if(
    url: &str,
    settings: &crate::config::DirectoryConfig,
    if_missing: IfMissing,
) -> Result<Arc<dyn Directory>> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => {
            Ok(Arc::new(sql::SqlDirectory::connect(url, if_missing).await?))
        }
        "ldap" | "ldaps" | "ldapi" => {
            let settings = ldap::LdapSettings::resolve(url, settings)?;
            Ok(Arc::new(ldap::LdapDirectory::connect(settings).await?))
        }
        _ => Err(Error::invalid(
            format!("directory {:?}", crate::config::redact_url(url)),
            "is not a directory URL postier knows",
        )
        .with_hint("use sqlite:PATH, postgres://…, mysql://…, or ldap://HOST:PORT")),
    }
}
