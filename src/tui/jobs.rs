//! Runs a [`Job`] through the ops layer (directory jobs) or the DNS checker
//! and `ops::dkim` (DNS and DKIM jobs, which need no directory), or the
//! backup service (a restore's archives, the restore itself), and turns
//! its result into an [`Outcome`]. Called on a background task by the event
//! loop; password hashing and DKIM key generation inside ops already run on
//! the blocking pool.

use super::action::{Conflict, Done, Job, Outcome};
use super::state::{Holdings, MailboxRow, Subject};
use super::text;
use super::update::done;
use crate::dkim::{Algorithm, StoredKey};
use crate::error::{Error, ErrorKind, Result};
use crate::i18n::{
    Lang,
    Msg::{self, *},
};
use crate::model::{AliasDomainPatch, AliasPatch, DomainName, DomainPatch, Mailbox, MailboxPatch};
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
    /// The hooks service (admins with a directory), or why there is none.
    pub hooks: std::result::Result<Arc<crate::hooks::Hooks>, Error>,
}

/// How many of each hook's newest attempts the hooks view shows.
const HOOK_ATTEMPTS: u64 = 5;

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
        Job::LoadHealth(full) => {
            let Some(ops) = &services.ops else {
                return no_directory(services);
            };
            let monitor = crate::monitor::Monitor::new(
                services.dns.config().clone(),
                Ok(ops.clone()),
                services.lang,
            )
            .with_quota_reader(services.quota.clone());
            Outcome::Health(monitor.health(full).await)
        }
        Job::LoadHooks => Outcome::Hooks(match &services.hooks {
            Ok(hooks) => hooks.status(HOOK_ATTEMPTS).await.map(|s| s.hooks),
            Err(e) => Err(e.clone()),
        }),
        Job::RetryHook(hook, event) => match &services.hooks {
            Ok(hooks) => {
                let retried = hooks.retry(&hook, Some(event)).await;
                changed(retried.map(|_| hook_done(DoneRetried, &hook, event)))
            }
            Err(e) => Outcome::Failed(e.clone()),
        },
        Job::SkipHook(hook, event) => match &services.hooks {
            Ok(hooks) => {
                let skipped = hooks.skip(&hook, event).await;
                changed(skipped.map(|_| hook_done(DoneSkipped, &hook, event)))
            }
            Err(e) => Outcome::Failed(e.clone()),
        },
        Job::PlanImport(path) => match &services.ops {
            Some(ops) => super::import::plan(ops, services.lang, &path).await,
            None => no_directory(services),
        },
        Job::ApplyImport(plan) => match &services.ops {
            Some(ops) => super::import::apply(ops, services.lang, &plan).await,
            None => no_directory(services),
        },
        Job::LoadRestoreArchives(address) => match &services.ops {
            Some(ops) => super::restore::load(services.dns.config(), ops, address).await,
            None => no_directory(services),
        },
        Job::Restore {
            address,
            archive,
            target,
        } => match &services.ops {
            Some(ops) => {
                let config = services.dns.config();
                super::restore::run(config, ops, address, &archive, target).await
            }
            None => no_directory(services),
        },
        job => match &services.ops {
            Some(ops) => run_directory_job(ops, job).await,
            None => no_directory(services),
        },
    }
}

fn hook_done(verb: Msg, hook: &str, event: i64) -> Done {
    done(verb, ObjHookEvent, format!("{hook} #{event}"))
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
        | Job::LoadHealth(_)
        | Job::LoadHooks
        | Job::RetryHook(..)
        | Job::SkipHook(..)
        | Job::RemoveDomain(..)
        | Job::PlanImport(_)
        | Job::ApplyImport(_)
        | Job::LoadRestoreArchives(_)
        | Job::Restore { .. } => unreachable!("these jobs run in run_job"),
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
        Job::LoadHoldings(domain) => {
            let r = holdings(ops, &domain).await;
            Outcome::Holdings(domain, r)
        }
        Job::LoadForwarders(address) => {
            let r = ops
                .aliases_targeting(&address)
                .await
                .map(|aliases| Holdings {
                    forwarded_by: aliases.into_iter().map(|a| a.address).collect(),
                    ..Holdings::default()
                });
            Outcome::Forwarders(address, r)
        }
        Job::AddDomain(name, settings) => changed(
            ops.add_domain(name, settings)
                .await
                .map(|d| done(DoneAdded, ObjDomain, d.name.to_unicode())),
        ),
        Job::EditDomain(seen, patch) => {
            let r = ops
                .edit_domain(seen.name.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|d| done(DoneChanged, ObjDomain, d.name.to_unicode()));
            settle(ops, Subject::Domain(seen), r).await
        }
        Job::SetDomainActive(seen, on) => {
            let patch = DomainPatch {
                active: Some(on),
                ..Default::default()
            };
            let r = ops
                .edit_domain(seen.name.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|d| done(active_verb(on), ObjDomain, d.name.to_unicode()));
            settle(ops, Subject::Domain(seen), r).await
        }
        Job::AddAliasDomain(name, target) => changed(
            ops.add_alias_domain(name, target)
                .await
                .map(|a| done(DoneAdded, ObjAliasDomain, a.name.to_unicode())),
        ),
        Job::EditAliasDomain(seen, patch) => {
            let r = ops
                .edit_alias_domain(seen.name.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|a| done(DoneChanged, ObjAliasDomain, a.name.to_unicode()));
            settle(ops, Subject::AliasDomain(seen), r).await
        }
        Job::SetAliasDomainActive(seen, on) => {
            let patch = AliasDomainPatch {
                active: Some(on),
                ..Default::default()
            };
            let r = ops
                .edit_alias_domain(seen.name.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|a| done(active_verb(on), ObjAliasDomain, a.name.to_unicode()));
            settle(ops, Subject::AliasDomain(seen), r).await
        }
        Job::RemoveAliasDomain(name) => changed(
            ops.remove_alias_domain(name.clone())
                .await
                .map(|()| done(DoneRemoved, ObjAliasDomain, name.to_unicode())),
        ),
        Job::AddMailbox(req) => changed(ops.add_mailbox(req).await.map(|(m, password)| Done {
            password,
            ..done(DoneAdded, ObjMailbox, m.address.to_unicode())
        })),
        Job::EditMailbox(seen, patch) => {
            let r = ops
                .edit_mailbox(seen.address.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|m| done(DoneChanged, ObjMailbox, m.address.to_unicode()));
            settle(ops, Subject::Mailbox(seen), r).await
        }
        Job::SetPassword(seen, input) => {
            let r = ops
                .set_password_at(seen.address.clone(), input, Some(seen.version))
                .await;
            let r = r.map(|(m, password)| Done {
                password,
                ..done(DonePassword, ObjMailbox, m.address.to_unicode())
            });
            settle(ops, Subject::Mailbox(seen), r).await
        }
        Job::SetMailboxActive(seen, on) => {
            let patch = MailboxPatch {
                active: Some(on),
                ..Default::default()
            };
            let r = ops
                .edit_mailbox(seen.address.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|m| done(active_verb(on), ObjMailbox, m.address.to_unicode()));
            settle(ops, Subject::Mailbox(seen), r).await
        }
        Job::RemoveMailbox(address, detach) => changed(
            ops.remove_mailbox(address.clone(), detach)
                .await
                .map(|()| done(DoneRemoved, ObjMailbox, address.to_unicode())),
        ),
        Job::AddAlias(address, targets) => changed(
            ops.add_alias(address, targets)
                .await
                .map(|a| done(DoneAdded, ObjAlias, text::alias(&a.address))),
        ),
        Job::EditAlias(seen, patch) => {
            let r = ops
                .edit_alias(seen.address.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|a| done(DoneChanged, ObjAlias, text::alias(&a.address)));
            settle(ops, Subject::Alias(seen), r).await
        }
        Job::SetAliasActive(seen, on) => {
            let patch = AliasPatch {
                active: Some(on),
                ..Default::default()
            };
            let r = ops
                .edit_alias(seen.address.clone(), patch, Some(seen.version))
                .await;
            let r = r.map(|a| done(active_verb(on), ObjAlias, text::alias(&a.address)));
            settle(ops, Subject::Alias(seen), r).await
        }
        Job::RemoveAlias(address) => changed(
            ops.remove_alias(address.clone())
                .await
                .map(|()| done(DoneRemoved, ObjAlias, text::alias(&address))),
        ),
    }
}

/// How many audit entries are searched for the newest one about an object
/// that met a conflict: the change that caused it is recent.
const CONFLICT_AUDIT: u64 = 200;

/// The outcome of a change to `seen`: a conflict is told with the object as
/// it is now and the newest audit entry about it.
async fn settle(ops: &Ops, seen: Subject, result: Result<Done>) -> Outcome {
    match result {
        Err(e) if e.kind == ErrorKind::Conflict => {
            let fresh = match &seen {
                Subject::Domain(d) => ops.domain(&d.name).await.map(|d| Subject::Domain(d.into())),
                Subject::Mailbox(m) => ops
                    .mailbox(&m.address)
                    .await
                    .map(|m| Subject::Mailbox(m.into())),
                Subject::Alias(a) => ops.alias(&a.address).await.map(Subject::Alias),
                Subject::AliasDomain(a) => {
                    ops.alias_domain(&a.name).await.map(Subject::AliasDomain)
                }
                Subject::HookEvent { .. } => return Outcome::Failed(e),
            };
            let fresh = match fresh {
                Ok(fresh) => Some(fresh),
                Err(gone) if gone.kind == ErrorKind::NotFound => None,
                Err(other) => return Outcome::Failed(other),
            };
            // Only admins read the audit log; others learn what, not who.
            let object = seen.ascii();
            let latest = ops
                .audit(CONFLICT_AUDIT)
                .await
                .ok()
                .and_then(|entries| entries.into_iter().find(|e| e.object == object));
            Outcome::Conflict(Box::new(Conflict {
                seen,
                fresh,
                latest,
                error: e,
            }))
        }
        other => changed(other),
    }
}

/// Everything a domain holds, for the dialog that deletes it with them.
async fn holdings(ops: &Ops, domain: &DomainName) -> Result<Holdings> {
    let mailboxes = ops.mailboxes(Some(domain)).await?;
    let aliases = ops.aliases(Some(domain)).await?;
    let alias_domains = ops.domain(domain).await?.alias_domains;
    Ok(Holdings {
        mailboxes: mailboxes.into_iter().map(|m| m.address).collect(),
        aliases: aliases.into_iter().map(|a| a.address).collect(),
        alias_domains,
        forwarded_by: Vec::new(),
    })
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
