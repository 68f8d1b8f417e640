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
//!
//! An address is a mailbox or an alias, never both ([`Rival`]): a new one
//! is refused when the other class has its address, looked up while the
//! domain is read. Two changes racing past that look both find the other
//! when they settle (or the lease, held by the other); each then takes
//! the lease and looks again, and one that still finds the other undoes
//! its own write under the lease, so exactly one of them stays.

mod aliases;
mod domains;
mod mailboxes;

use super::conn::Written;
use super::entry::{Entry, attr, class};
use super::filter;
use super::read::{Reader, Slot, Wanted};
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

/// Applies `run.change`, a mailbox creation in a batch that read its
/// domain once for all its mailboxes (see [`mailboxes::add_to_read_domain`]).
pub async fn converge_in_read_domain(run: &mut Run<'_>, domain: &Domain) -> Outcome {
    match run.change {
        Change::AddMailbox(new) => mailboxes::add_to_read_domain(run, new, domain).await,
        _ => converge(run).await,
    }
}

/// The domain `name` as a change adding to it needs it: hosted here, not
/// an alias domain.
pub async fn domain_to_add_to(reader: &Reader<'_>, name: &DomainName) -> Result<Domain> {
    hosted_in(reader, name).await
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
/// any case: the intent is recorded, and the entry `rival` looked for,
/// while the domain is read.
async fn hosted_for_adding(
    run: &mut Run<'_>,
    name: &DomainName,
    rival: Option<&Rival>,
) -> Result<Domain> {
    let reader = run.reader();
    let (domain, rivalled, recorded) = tokio::join!(
        hosted_in(&reader, name),
        Rival::found(rival, &reader),
        run.intent(None)
    );
    recorded?;
    let domain = domain?;
    Rival::refuse_if(rival, rivalled?)?;
    Ok(domain)
}

/// The entry of the other class at a new mailbox's or alias's address
/// (an alias for a mailbox, a mailbox for an alias), which must not exist:
/// Postfix would hand the mailbox's mail to the alias.
struct Rival {
    address: Address,
    dn: String,
    class: &'static str,
}

impl Rival {
    /// The alias a new mailbox at `address` must not meet.
    fn alias_at(run: &Run<'_>, address: &Address) -> Rival {
        Rival {
            address: address.clone(),
            dn: run.dit().alias(&AliasAddress::Address(address.clone())),
            class: class::ALIAS,
        }
    }

    /// The mailbox a new alias at `address` must not meet; none for a
    /// catch-all.
    fn mailbox_at(run: &Run<'_>, address: &AliasAddress) -> Option<Rival> {
        let AliasAddress::Address(address) = address else {
            return None;
        };
        Some(Rival {
            address: address.clone(),
            dn: run.dit().mailbox(address),
            class: class::MAILBOX,
        })
    }

    /// Is there such an entry (`false` when there is no rival)?
    async fn found(rival: Option<&Rival>, reader: &Reader<'_>) -> Result<bool> {
        match rival {
            Some(r) => Ok(reader.entry(&r.dn, r.class).await?.is_some()),
            None => Ok(false),
        }
    }

    /// Refuses the new entry when its rival was `found`.
    fn refuse_if(rival: Option<&Rival>, found: bool) -> Result<()> {
        match rival {
            Some(r) if found => Err(r.refusal()),
            _ => Ok(()),
        }
    }

    fn refusal(&self) -> Error {
        if self.class == class::ALIAS {
            rules::address_is_alias(&self.address)
        } else {
            rules::address_is_mailbox(&self.address)
        }
    }

    /// Finds the rival in a search.
    fn wanted(&self) -> Wanted {
        Wanted {
            class: self.class,
            address: self.address.to_string(),
        }
    }
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
/// checks it (see [`check_written`]) and reports `applied`, or (its write
/// undone) the refusal.
async fn settle(
    run: &mut Run<'_>,
    dn: &str,
    domain: &DomainName,
    member: Member,
    rival: Option<&Rival>,
    applied: Applied,
    after: Value,
) -> Outcome {
    check_written(run, dn, domain, member, rival).await?;
    Ok((applied, Some(after)))
}

/// After `member` was written at `dn` in `domain` without the lease: if a
/// limit now applies, another change holds the lease or `rival` showed up,
/// takes the lease and checks again with everything counted. A write that
/// fails the check is undone before the lease is given back, so a rival
/// checking next sees it gone.
async fn check_written(
    run: &mut Run<'_>,
    dn: &str,
    domain: &DomainName,
    member: Member,
    rival: Option<&Rival>,
) -> Result<()> {
    let parts = run.parts;
    let seen = parts
        .settles
        .check(&parts.reader(), domain, rival.map(Rival::wanted))
        .await?;
    let Some(d) = seen.domain else {
        return undo(run, dn, not_found_domain(domain)).await;
    };
    if !seen.leased && !seen.rivalled && !member.limited(&d) {
        return Ok(());
    }
    let lease = run.lease(domain).await?;
    let checked = match check_leased(run, domain, member, rival).await {
        Err(e) if e.kind != ErrorKind::Unavailable => undo(run, dn, e).await,
        checked => checked,
    };
    run.release(lease, checked).await
}

/// [`check_written`] under the lease: no rival, and within the limits.
async fn check_leased(
    run: &Run<'_>,
    domain: &DomainName,
    member: Member,
    rival: Option<&Rival>,
) -> Result<()> {
    let reader = run.reader();
    let (d, rivalled) = tokio::join!(counted(run, domain), Rival::found(rival, &reader));
    Rival::refuse_if(rival, rivalled?)?;
    member.admit_written(d?)
}

/// Deletes this change's entry at `dn` (if it is still its own), then
/// reports `refusal`.
async fn undo(run: &mut Run<'_>, dn: &str, refusal: Error) -> Result<()> {
    let mine = filter::eq(attr::CHANGE, &run.token);
    run.delete(dn, Some(&mine)).await?;
    Err(refusal)
}
