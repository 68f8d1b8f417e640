//! Batch import and export: the directory as a desired-state file.
//!
//! Files (postier YAML or CSV, recognised by content; see [`format`]) are
//! read into rows that keep their `FILE:LINE` ([`rows`]); the rows are
//! compared with the directory into a [`plan::Plan`], checked as a whole
//! against the integrity rules and limits, so every bad row is reported
//! before anything is written; the plan is applied through [`Ops`] in one
//! batch ([`Ops::apply_all`]: one transaction on SQL). Nothing here prints:
//! the front-ends draw plans, errors and progress ([`progress`]).
//!
//! A plan can be saved ([`SavedPlan`]) with the version of every object it
//! read, and applied later only if none of them changed since.

pub mod format;
pub mod peers;
pub mod plain_yaml;
pub mod plan;
pub mod progress;
pub mod rows;

use crate::error::{Error, Result};
use crate::model::*;
use crate::ops::Ops;
use crate::password::{self, Password, Scheme};
use plan::{Current, Draft, Op, Pending, Plan};
use progress::{Counter, Phase, Reporter};
use rows::{Desired, Kind, PasswordValue, RowError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;

/// Reads files (name shown in errors, text) into what their good rows ask
/// for, and every problem found in the others (planning the good rows
/// finds the rest, so all are reported at once).
pub fn read_files(files: &[(String, String)]) -> (Desired, Vec<RowError>) {
    let mut desired = Desired::default();
    let mut errors = Vec::new();
    for (name, text) in files {
        let (raw, bad) = format::read(name, text);
        errors.extend(bad);
        desired.add_rows(raw, &mut errors);
    }
    (desired, errors)
}

/// [`read_files`], then the peers' sources (`--from`), into one desire.
pub async fn read_all(
    files: &[(String, String)],
    peers: &[peers::Peer],
) -> Result<(Desired, Vec<RowError>)> {
    let (mut desired, mut errors) = read_files(files);
    for peer in peers {
        let (raw, bad) = peer.read().await?;
        errors.extend(bad);
        desired.add_rows(raw, &mut errors);
    }
    Ok((desired, errors))
}

/// The directory as the caller may see it.
pub async fn current(ops: &Ops) -> Result<Current> {
    Ok(Current::new(
        ops.domains().await?,
        ops.alias_domains().await?,
        ops.mailboxes(None).await?,
        ops.aliases(None).await?,
    ))
}

/// Maps `f` over `items` on every core (password hashing and checking),
/// counting each item done.
fn par_map<T: Sync, R: Send>(
    items: &[T],
    counter: &Counter<'_>,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let f = |item: &T| {
        let out = f(item);
        counter.step();
        out
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if items.len() < 2 || cores < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// The plan that makes the directory match `desired`, or every reason it
/// cannot be made. Plaintext passwords are checked against existing
/// mailboxes' hashes on every core.
pub async fn make_plan(
    current: &Current,
    desired: &Desired,
    prune: &[DomainName],
    progress: &Arc<Reporter>,
) -> Result<Plan, Vec<RowError>> {
    let checks: Vec<(Address, Password, PasswordHash)> = desired
        .mailboxes
        .iter()
        .filter_map(|row| match &row.password {
            Some(PasswordValue::Plain(p)) => current
                .mailboxes
                .get(&row.address)
                .map(|m| (m.address.clone(), p.clone(), m.password.clone())),
            _ => None,
        })
        .collect();
    let progress = Arc::clone(progress);
    let verified: HashSet<Address> = tokio::task::spawn_blocking(move || {
        let counter = Counter::start(Phase::Verify, checks.len(), &*progress);
        let ok = par_map(&checks, &counter, |(_, p, h)| {
            password::verify(p, h).unwrap_or(false)
        });
        checks
            .into_iter()
            .zip(ok)
            .filter(|(_, ok)| *ok)
            .map(|((a, _, _), _)| a)
            .collect()
    })
    .await
    .unwrap_or_default();
    plan::plan(desired, current, prune, &verified)
}

/// A plan made ready to apply: every password hashed, generated ones
/// handed back (to be written to `--passwords-out`, never shown).
pub struct Ready {
    pub changes: Vec<Change>,
    pub generated: Vec<(Address, Password)>,
}

/// Hashes the plan's pending passwords with `scheme` on every core.
pub async fn prepare(plan: &Plan, scheme: Scheme, progress: &Arc<Reporter>) -> Result<Ready> {
    let jobs: Vec<(usize, Password, bool)> = plan
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let pending = match &s.draft {
                Draft::Ready(_) => return None,
                Draft::NewMailbox { password, .. } | Draft::SetPassword { password, .. } => {
                    password
                }
            };
            Some(match pending {
                Pending::Plain(p) => (i, p.clone(), false),
                Pending::Generate => (i, Password::generate(), true),
            })
        })
        .collect();
    let progress = Arc::clone(progress);
    let hashed = tokio::task::spawn_blocking(move || {
        let counter = Counter::start(Phase::Hash, jobs.len(), &*progress);
        let hashes = par_map(&jobs, &counter, |(_, p, _)| password::hash(p, scheme));
        jobs.into_iter().zip(hashes).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| Error::unavailable("password hashing", e.to_string()))?;
    let mut by_step = std::collections::HashMap::new();
    let mut generated = Vec::new();
    for ((i, p, made), hash) in hashed {
        by_step.insert(i, hash?);
        if made && let Some(step) = plan.steps.get(i) {
            generated.push((Address::parse(&step.object)?, p));
        }
    }
    let mut changes = Vec::with_capacity(plan.steps.len());
    for (i, step) in plan.steps.iter().enumerate() {
        let change = match &step.draft {
            Draft::Ready(c) => c.clone(),
            Draft::NewMailbox {
                address,
                name,
                quota,
                active,
                ..
            } => Change::AddMailbox(NewMailbox {
                address: address.clone(),
                name: name.clone(),
                password: take(&mut by_step, i)?,
                quota: *quota,
                active: *active,
            }),
            Draft::SetPassword {
                address,
                patch,
                if_version,
                ..
            } => Change::EditMailbox {
                address: address.clone(),
                patch: MailboxPatch {
                    password: Some(take(&mut by_step, i)?),
                    ..patch.clone()
                },
                if_version: *if_version,
            },
        };
        changes.push(change);
    }
    Ok(Ready { changes, generated })
}

fn take(
    hashes: &mut std::collections::HashMap<usize, PasswordHash>,
    i: usize,
) -> Result<PasswordHash> {
    hashes
        .remove(&i)
        .ok_or_else(|| Error::unavailable("password hashing", "a hash is missing"))
}

/// Applies prepared changes in one batch through the gate.
pub async fn apply(ops: &Ops, changes: &[Change], progress: &Reporter) -> Result<Vec<Applied>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let counter = Counter::start(Phase::Apply, changes.len(), progress);
    let done = |n: usize| counter.set(n);
    ops.apply_all_reporting(changes, &done).await.map_err(|e| {
        if ops.directory().atomic_batches() {
            let hint = match &e.hint {
                Some(h) => format!("{h}; the import was rolled back, nothing changed"),
                None => "the import was rolled back, nothing changed".to_string(),
            };
            e.with_hint(hint)
        } else {
            let hint = match &e.hint {
                Some(h) => {
                    format!("{h}; the changes before it were made: run the import again to finish")
                }
                None => {
                    "the changes before it were made: run the import again to finish".to_string()
                }
            };
            e.with_hint(hint)
        }
    })
}

/// What `export` writes: the domains asked for (all the caller may see
/// when none is named), their alias domains, mailboxes and aliases.
pub async fn snapshot(ops: &Ops, only: &[DomainName]) -> Result<format::Snapshot> {
    let mut domains = ops.domains().await?;
    for d in only {
        if !domains.iter().any(|x| &x.name == d) {
            return Err(crate::directory::rules::not_found_domain(d));
        }
    }
    if !only.is_empty() {
        domains.retain(|d| only.contains(&d.name));
    }
    let names: HashSet<&DomainName> = domains.iter().map(|d| &d.name).collect();
    let mut alias_domains = ops.alias_domains().await?;
    alias_domains.retain(|a| names.contains(&a.target));
    let mut mailboxes = ops.mailboxes(None).await?;
    mailboxes.retain(|m| names.contains(m.domain()));
    let mut aliases = ops.aliases(None).await?;
    aliases.retain(|a| names.contains(a.address.domain()));
    Ok(format::Snapshot {
        domains,
        alias_domains,
        mailboxes,
        aliases,
    })
}

/// A plan saved by `--plan-out`: the changes (with password hashes: the
/// file is private) and the version of every object they were planned
/// from, so applying it later refuses if the directory moved on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    pub postier_plan: u32,
    pub directory: String,
    pub steps: Vec<SavedStep>,
    pub unchanged: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedStep {
    pub op: Op,
    pub kind: String,
    pub object: String,
    pub fields: serde_json::Value,
    pub line: String,
    pub change: Change,
    pub read_version: Option<i64>,
}

impl SavedPlan {
    pub fn new(plan: &Plan, ready: &Ready, directory: String) -> Self {
        SavedPlan {
            postier_plan: 1,
            directory,
            steps: plan
                .steps
                .iter()
                .zip(&ready.changes)
                .map(|(s, c)| SavedStep {
                    op: s.op,
                    kind: s.kind.name().to_string(),
                    object: s.object.clone(),
                    fields: s.to_json()["fields"].clone(),
                    line: s.line(),
                    change: c.clone(),
                    read_version: s.read_version,
                })
                .collect(),
            unchanged: plan.unchanged,
        }
    }

    pub fn parse(file: &str, text: &str) -> Result<Self> {
        let saved: SavedPlan = serde_json::from_str(text).map_err(|e| {
            Error::invalid(format!("plan {file}"), format!("cannot be read: {e}"))
                .with_hint("make one with: postier import FILE --plan-out PLAN")
        })?;
        if saved.postier_plan != 1 {
            return Err(Error::invalid(
                format!("plan {file}"),
                format!("is of format {}, this postier reads 1", saved.postier_plan),
            ));
        }
        Ok(saved)
    }

    /// Refuses (a conflict) when an object the plan read has changed since,
    /// or one it would create exists now.
    pub async fn check_fresh(&self, ops: &Ops) -> Result<()> {
        let dir = ops.directory();
        if dir.describe() != self.directory {
            return Err(Error::conflict(
                "plan",
                format!(
                    "was made for directory {}, not {}",
                    self.directory,
                    dir.describe()
                ),
            )
            .with_hint("nothing was applied; make the plan against this directory"));
        }
        for step in &self.steps {
            if step.op == Op::Change && step.read_version.is_none() {
                // The second half of a creation, checked with it.
                continue;
            }
            let found = match Kind::parse(&step.kind) {
                Some(Kind::Domain) => version(
                    dir.domain(&DomainName::parse(&step.object)?)
                        .await
                        .map(|d| d.version),
                )?,
                Some(Kind::AliasDomain) => version(
                    dir.alias_domain(&DomainName::parse(&step.object)?)
                        .await
                        .map(|d| d.version),
                )?,
                Some(Kind::Mailbox) => version(
                    dir.mailbox(&Address::parse(&step.object)?)
                        .await
                        .map(|m| m.version),
                )?,
                Some(Kind::Alias) => version(
                    dir.alias(&AliasAddress::parse(&step.object)?)
                        .await
                        .map(|a| a.version),
                )?,
                None => {
                    return Err(Error::invalid(
                        format!("plan step {}", step.object),
                        format!("has an unknown kind {:?}", step.kind),
                    ));
                }
            };
            if found != step.read_version {
                let now = match found {
                    Some(v) => format!("is at version {v}"),
                    None => "is gone".to_string(),
                };
                let then = match step.read_version {
                    Some(v) => format!("version {v}"),
                    None => "absent".to_string(),
                };
                return Err(Error::conflict(
                    format!("{} {}", step.kind.replace('_', " "), step.object),
                    format!("changed since the plan was made ({then} then, {now})"),
                )
                .with_hint("nothing was applied; make the plan again"));
            }
        }
        Ok(())
    }
}

fn version(read: Result<i64>) -> Result<Option<i64>> {
    match read {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == crate::error::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
