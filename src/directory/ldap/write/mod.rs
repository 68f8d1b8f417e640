//! Applying a [`Change`] to the directory, written so that running it again
//! (a resumed run after a crash) converges on the same end state: each
//! write is stamped with the change's token, and a writer first looks
//! whether its entry already carries it.
//!
//! Limits: a change that adds to a domain with a limit that applies takes
//! the domain's lease (see [`super::lock`]) and checks and writes under it.
//! In a domain without such limits it writes at once and then looks again
//! ([`settle`]): if the domain got a limit or a lease meanwhile, it takes
//! the lease, checks with everything counted, and undoes its write if the
//! check fails. Either way, no limit is ever overshot.

mod aliases;
mod domains;
mod mailboxes;

use super::conn::Written;
use super::entry::{Entry, attr};
use super::filter;
use super::read::{Reader, Slot};
use super::run::Run;
use crate::directory::rules::{self, not_found_domain};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use serde_json::Value;

/// How often a write that lost an optimistic race (another process wrote
/// the entry in between) is tried again before giving up.
const RETRIES: usize = 50;

/// The applied result and the object's JSON after the change.
type Outcome = Result<(Applied, Option<Value>)>;

/// Applies (or finishes) `run.change`.
pub async fn converge(run: &mut Run<'_>) -> Outcome {
    let change = run.change;
    match change {
        Change::AddDomain { name, settings } => domains::add(run, name, settings).await,
        Change::EditDomain {
            name,
            patch,
            if_version,
        } => domains::edit(run, name, patch, *if_version).await,
        Change::RemoveDomain { name, cascade } => domains::remove(run, name, *cascade).await,
        Change::AddAliasDomain { name, target } => {
            domains::add_alias_domain(run, name, target).await
        }
        Change::EditAliasDomain {
            name,
            patch,
            if_version,
        } => domains::edit_alias_domain(run, name, patch, *if_version).await,
        Change::RemoveAliasDomain { name } => domains::remove_alias_domain(run, name).await,
        Change::AddMailbox(new) => mailboxes::add(run, new).await,
        Change::EditMailbox {
            address,
            patch,
            if_version,
        } => mailboxes::edit(run, address, patch, *if_version).await,
        Change::RemoveMailbox { address, detach } => mailboxes::remove(run, address, *detach).await,
        Change::AddAlias { address, targets } => aliases::add(run, address, targets).await,
        Change::EditAlias {
            address,
            patch,
            if_version,
        } => aliases::edit(run, address, patch, *if_version).await,
        Change::RemoveAlias { address } => aliases::remove(run, address).await,
    }
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn refused_alias_domain(name: &DomainName, target: &DomainName) -> Error {
    Error::refused(
        format!("domain {name}"),
        format!("is an alias domain of {target}"),
    )
    .with_hint(format!("add it to {target} instead"))
}

/// The hosted domain `name` (without counts), for a change to it or to
/// its members.
async fn hosted(run: &Run<'_>, name: &DomainName) -> Result<Domain> {
    hosted_in(&run.reader(), name).await
}

async fn hosted_in(reader: &Reader<'_>, name: &DomainName) -> Result<Domain> {
    match reader.slot(name).await? {
        Slot::Domain(d) => Ok(d),
        Slot::AliasDomain(a) => Err(refused_alias_domain(name, &a.target)),
        Slot::Absent => Err(not_found_domain(name)),
    }
}

/// [`hosted`] for a change that adds to the domain, which it will write in
/// any case: the intent is recorded while the domain is read.
async fn hosted_for_adding(run: &mut Run<'_>, name: &DomainName) -> Result<Domain> {
    let reader = run.reader();
    let (domain, recorded) = tokio::join!(hosted_in(&reader, name), run.intent(None));
    recorded?;
    domain
}

/// [`hosted`] with its counts and alias domains.
async fn counted(run: &Run<'_>, name: &DomainName) -> Result<Domain> {
    let mut d = hosted(run, name).await?;
    run.reader().fill(&mut d).await?;
    Ok(d)
}

/// What a change adds to a domain, as far as its limits go.
#[derive(Debug, Clone, Copy)]
enum Member {
    Mailbox { quota: Size },
    Alias,
}

impl Member {
    /// Does a limit of `d` apply to this?
    fn limited(self, d: &Domain) -> bool {
        match self {
            Member::Mailbox { .. } => d.max_mailboxes > 0 || !d.quota.is_unlimited(),
            Member::Alias => d.max_aliases > 0,
        }
    }

    /// Checks `d`'s limits before this is written.
    fn admit(self, d: &Domain) -> Result<()> {
        match self {
            Member::Mailbox { quota } => rules::admit_mailbox(d, quota),
            Member::Alias => rules::admit_alias(d),
        }
    }

    /// Checks `d`'s limits with this already written and counted: as if
    /// it were not, then admitted.
    fn admit_written(self, mut d: Domain) -> Result<()> {
        let allotted = d.allotted_quota.bytes();
        match self {
            Member::Mailbox { quota } => {
                d.mailboxes = d.mailboxes.saturating_sub(1);
                d.allotted_quota = Size::from_stored(allotted.saturating_sub(quota.bytes()) as i64);
            }
            Member::Alias => d.aliases = d.aliases.saturating_sub(1),
        }
        self.admit(&d)
    }
}

/// Removes the entry of `class` at `dn` (`what`, for errors), its content
/// as `before` (in JSON) recorded in the intent first. When resuming, an
/// entry already gone was removed by the change being finished.
async fn remove_entry(
    run: &mut Run<'_>,
    dn: &str,
    class: &str,
    what: String,
    before: impl Fn(&Entry) -> Result<Value>,
) -> Outcome {
    let Some(e) = run.reader().entry(dn, class).await? else {
        if run.resuming {
            return Ok((Applied::Removed, None));
        }
        return Err(Error::not_found(what));
    };
    run.intent(Some(before(&e)?)).await?;
    match run.delete(dn, None).await? {
        Written::Done(_) => Ok((Applied::Removed, None)),
        Written::NoSuchObject if run.resuming => Ok((Applied::Removed, None)),
        _ => Err(Error::not_found(what)),
    }
}

/// After `member` was written at `dn` in `domain` without the lease:
/// checks it (see [`check_written`]) and reports `applied`, or undoes the
/// write (if it is still this change's) and reports the refusal.
async fn settle(
    run: &mut Run<'_>,
    dn: &str,
    domain: &DomainName,
    member: Member,
    applied: Applied,
    after: Value,
) -> Outcome {
    match check_written(run, domain, member).await {
        Ok(()) => Ok((applied, Some(after))),
        Err(e) if e.kind == ErrorKind::Unavailable => Err(e),
        Err(e) => {
            let mine = filter::eq(attr::CHANGE, &run.token);
            run.delete(dn, Some(&mine)).await?;
            Err(e)
        }
    }
}

/// After `member` was written to `domain` without the lease: if a limit
/// now applies or another change holds the lease, takes the lease and
/// checks with everything counted. An error means the write must be undone.
async fn check_written(run: &mut Run<'_>, domain: &DomainName, member: Member) -> Result<()> {
    let (d, leased) = run.reader().domain_and_lease(domain).await?;
    let Some(d) = d else {
        return Err(not_found_domain(domain));
    };
    if !leased && !member.limited(&d) {
        return Ok(());
    }
    let lease = run.lease(domain).await?;
    let checked = match counted(run, domain).await {
        Ok(d) => member.admit_written(d),
        Err(e) => Err(e),
    };
    run.release(lease, checked).await
}
