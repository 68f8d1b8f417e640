//! Runs a [`Job`] through the ops layer (directory jobs) or the DNS checker
//! and `ops::dkim` (DNS and DKIM jobs, which need no directory) and turns
//! its result into an [`Outcome`]. Called on a background task by the event
//! loop; password hashing and DKIM key generation inside ops already run on
//! the blocking pool.

use super::action::{Done, Job, Outcome};
use super::state::MailboxRow;
use super::update::done;
use crate::dkim::{Algorithm, StoredKey};
use crate::error::{Error, Result};
use crate::i18n::{
    Lang,
    Msg::{self, *},
};
use crate::model::{AliasPatch, DomainName, Mailbox};
use crate::ops::Ops;
use crate::ops::dkim::{self, Step};
use crate::ops::dns::DnsChecker;
use crate::stack::quota::QuotaUsageReader;
use futures::StreamExt;
use std::sync::Arc;

/// What jobs run against.
#[derive(Clone)]
pub struct Services {
    /// The directory, through the ops gate; none for a contact, who needs
    /// no directory access.
    pub ops: Option<Ops>,
    pub dns: DnsChecker,
    /// Where mailboxes' quota usage is read (`[stack] quota_usage`).
    pub quota: Arc<dyn QuotaUsageReader>,
    /// The language DNS findings are worded in.
    pub lang: Lang,
}

pub async fn run_job(services: &Services, job: Job) -> Outcome {
    match job {
        Job::CheckDns { domain, round } => {
            let report = services.dns.check(&domain, round, services.lang).await;
            Outcome::Dns(domain, round, report)
        }
        Job::LoadDkim { domain, round } => {
            let keys = services.dns.keys(&domain, round).await;
            Outcome::Dkim(domain, keys)
        }
        Job::GenerateDkim(domain) => {
            let Some(ops) = &services.ops else {
                return no_directory(services);
            };
            let key = dkim::generate(
                services.dns.config(),
                ops,
                &domain,
                None,
                Algorithm::Rsa2048,
            );
            changed(key.await.map(|k| dkim_done(DoneDkimMade, &k, &domain)))
        }
        Job::RemoveDomain(name, cascade) => {
            let Some(ops) = &services.ops else {
                return no_directory(services);
            };
            let removed = ops.remove_domain(name.clone(), cascade).await;
            // A removed domain's keys leave the signer tables.
            let retired = removed.and_then(|_| {
                dkim::retire_domain(services.dns.config(), services.dns.actor(), &name)
            });
            changed(retired.map(|_| done(DoneRemoved, ObjDomain, name.to_unicode())))
        }
        Job::RotateDkim { domain, round } => {
            changed(rotate_dkim(&services.dns, &domain, round).await)
        }
        Job::LoadUsage(domain, maildirs) => {
            // A few files at a time, in order.
            let usage = futures::stream::iter(maildirs)
                .map(|maildir| {
                    let quota = services.quota.clone();
                    async move { quota.usage(&maildir).await }
                })
                .buffered(16)
                .collect()
                .await;
            Outcome::Usage(domain, usage)
        }
        Job::LoadDomainUsage(domains) => {
            let usage = futures::stream::iter(domains)
                .map(|domain| {
                    let quota = services.quota.clone();
                    async move {
                        let usage = quota.domain_usage(&domain).await;
                        (domain, usage)
                    }
                })
                .buffered(16)
                .collect()
                .await;
            Outcome::DomainUsage(usage)
        }
        job => match &services.ops {
            Some(ops) => run_directory_job(ops, job).await,
            None => no_directory(services),
        },
    }
}

/// A directory job asked of a TUI that has no directory (a contact's).
fn no_directory(services: &Services) -> Outcome {
    Outcome::Failed(Error::forbidden(
        "directory",
        format!("{} has no directory access", services.dns.actor().user),
    ))
}

async fn run_directory_job(ops: &Ops, job: Job) -> Outcome {
    match job {
        Job::CheckDns { .. }
        | Job::LoadDkim { .. }
        | Job::GenerateDkim(_)
        | Job::RotateDkim { .. }
        | Job::LoadUsage(..)
        | Job::LoadDomainUsage(_)
        | Job::RemoveDomain(..) => unreachable!("these jobs run in run_job"),
        Job::LoadDomains => Outcome::Domains(ops.domains().await),
        Job::LoadAliasDomains => Outcome::AliasDomains(ops.alias_domains().await),
        Job::LoadMailboxes(domain) => {
            let r = ops.mailboxes(Some(&domain)).await.map(rows);
            Outcome::Mailboxes(domain, r)
        }
        Job::LoadAllMailboxes => Outcome::AllMailboxes(all_mailboxes(ops).await),
        Job::LoadAliases(domain) => {
            let r = ops.aliases(Some(&domain)).await;
            Outcome::Aliases(domain, r)
        }
        Job::LoadAudit(limit) => Outcome::Audit(ops.audit(limit).await),
        Job::AddDomain(name, settings) => changed(
            ops.add_domain(name, settings)
                .await
                .map(|d| done(DoneAdded, ObjDomain, d.name.to_unicode())),
        ),
        Job::EditDomain(name, patch) => changed(
            ops.edit_domain(name, patch, None)
                .await
                .map(|d| done(DoneChanged, ObjDomain, d.name.to_unicode())),
        ),
        Job::SetDomainActive(name, on) => changed(
            ops.set_domain_active(name, on)
                .await
                .map(|d| done(active_verb(on), ObjDomain, d.name.to_unicode())),
        ),
        Job::AddAliasDomain(name, target) => changed(
            ops.add_alias_domain(name, target)
                .await
                .map(|a| done(DoneAdded, ObjAliasDomain, a.name.to_unicode())),
        ),
        Job::EditAliasDomain(name, patch) => changed(
            ops.edit_alias_domain(name, patch, None)
                .await
                .map(|a| done(DoneChanged, ObjAliasDomain, a.name.to_unicode())),
        ),
        Job::SetAliasDomainActive(name, on) => changed(
            ops.set_alias_domain_active(name, on)
                .await
                .map(|a| done(active_verb(on), ObjAliasDomain, a.name.to_unicode())),
        ),
        Job::RemoveAliasDomain(name) => changed(
            ops.remove_alias_domain(name.clone())
                .await
                .map(|()| done(DoneRemoved, ObjAliasDomain, name.to_unicode())),
        ),
        Job::AddMailbox(req) => changed(ops.add_mailbox(req).await.map(|(m, password)| Done {
            password,
            ..done(DoneAdded, ObjMailbox, m.address.to_unicode())
        })),
        Job::EditMailbox(address, patch) => changed(
            ops.edit_mailbox(address, patch, None)
                .await
                .map(|m| done(DoneChanged, ObjMailbox, m.address.to_unicode())),
        ),
        Job::SetPassword(address, input) => changed(ops.set_password(address, input).await.map(
            |(m, password)| Done {
                password,
                ..done(DonePassword, ObjMailbox, m.address.to_unicode())
            },
        )),
        Job::SetMailboxActive(address, on) => changed(
            ops.set_mailbox_active(address, on)
                .await
                .map(|m| done(active_verb(on), ObjMailbox, m.address.to_unicode())),
        ),
        Job::RemoveMailbox(address) => changed(
            ops.remove_mailbox(address.clone(), false)
                .await
                .map(|()| done(DoneRemoved, ObjMailbox, address.to_unicode())),
        ),
        Job::AddAlias(address, targets) => changed(
            ops.add_alias(address, targets)
                .await
                .map(|a| done(DoneAdded, ObjAlias, a.address.to_string())),
        ),
        Job::EditAlias(address, patch) => changed(
            ops.edit_alias(address, patch, None)
                .await
                .map(|a| done(DoneChanged, ObjAlias, a.address.to_string())),
        ),
        Job::SetAliasActive(address, on) => {
            let patch = AliasPatch {
                active: Some(on),
                ..Default::default()
            };
            changed(
                ops.edit_alias(address, patch, None)
                    .await
                    .map(|a| done(active_verb(on), ObjAlias, a.address.to_string())),
            )
        }
        Job::RemoveAlias(address) => changed(
            ops.remove_alias(address.clone())
                .await
                .map(|()| done(DoneRemoved, ObjAlias, address.to_string())),
        ),
    }
}

async fn rotate_dkim(dns: &DnsChecker, domain: &DomainName, round: u64) -> Result<Done> {
    let resolver = dns.resolver(round)?;
    let rotation = dkim::rotate(dns.config(), dns.actor(), domain, None, None, &resolver).await?;
    Ok(match rotation.step {
        Step::Started(key) => dkim_done(DoneDkimPending, &key, domain),
        Step::Switched { active, .. } => dkim_done(DoneDkimSwitched, &active, domain),
    })
}

fn dkim_done(verb: Msg, key: &StoredKey, domain: &DomainName) -> Done {
    done(
        verb,
        ObjDkimKey,
        format!("{} ({})", key.selector, domain.to_unicode()),
    )
}

fn rows(mailboxes: Vec<Mailbox>) -> Vec<MailboxRow> {
    mailboxes.into_iter().map(MailboxRow::from).collect()
}

/// Reads domain by domain: the directory hands back full records (hash,
/// timestamps), which for 100,000 mailboxes at once would more than
/// double the memory the compact rows need. Domain by domain is also the
/// directory's own order for all mailboxes (by domain, then address).
async fn all_mailboxes(ops: &Ops) -> Result<Vec<MailboxRow>> {
    let mut all = Vec::new();
    for domain in ops.domains().await? {
        all.extend(rows(ops.mailboxes(Some(&domain.name)).await?));
    }
    Ok(all)
}

fn changed(result: Result<Done>) -> Outcome {
    match result {
        Ok(d) => Outcome::Changed(d),
        Err(e) => Outcome::Failed(e),
    }
}

fn active_verb(on: bool) -> Msg {
    if on { DoneEnabled } else { DoneDisabled }
}
