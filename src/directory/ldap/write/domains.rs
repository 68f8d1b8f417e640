//! Domains and alias domains: add, edit, remove (with `--cascade`, the
//! domain's mailboxes, aliases and alias domains too).

use super::{Outcome, RETRIES, counted, json, refused_alias_domain};
use crate::directory::ldap::conn::Written;
use crate::directory::ldap::entry::{self, attr, class};
use crate::directory::ldap::filter;
use crate::directory::ldap::read::Slot;
use crate::directory::ldap::run::Run;
use crate::directory::rules::{self, check_version, lost_race, not_found_domain};
use crate::error::{Error, Result};
use crate::model::*;
use ldap3::Scope;

/// The error for a name that is taken, saying by what.
fn taken(name: &DomainName, slot: &Slot) -> Error {
    match slot {
        Slot::AliasDomain(a) => Error::already_exists(format!("domain {name}"))
            .with_hint(format!("it is an alias domain of {}", a.target)),
        _ => Error::already_exists(format!("domain {name}")),
    }
}

fn missing_container(dn: &str) -> Error {
    Error::unavailable("directory", format!("{dn} does not exist"))
        .with_hint("run: postier db migrate")
}

pub async fn add(run: &mut Run<'_>, name: &DomainName, settings: &DomainSettings) -> Outcome {
    let dn = run.dit().domain(name);
    let slot = run.reader().slot(name).await?;
    if run.resuming
        && let Slot::Domain(d) = &slot
        && run
            .reader()
            .entry(&dn, class::DOMAIN)
            .await?
            .is_some_and(|e| run.is_mine(&e))
    {
        let d = d.clone();
        return Ok((Applied::Domain(d.clone()), Some(json(&d))));
    }
    if !matches!(slot, Slot::Absent) {
        return Err(taken(name, &slot));
    }
    let token = run.token.clone();
    match run
        .add(&dn, entry::domain_attrs(name, settings, &token))
        .await?
    {
        Written::Done(Some(e)) => {
            // New: no members, no alias domains.
            let d = entry::domain_from(&e)?;
            Ok((Applied::Domain(d.clone()), Some(json(&d))))
        }
        Written::Done(None) => {
            let d = counted(run, name).await?;
            Ok((Applied::Domain(d.clone()), Some(json(&d))))
        }
        Written::NoSuchObject => Err(missing_container(&run.dit().domains())),
        _ => Err(taken(name, &run.reader().slot(name).await?)),
    }
}

pub async fn edit(
    run: &mut Run<'_>,
    name: &DomainName,
    patch: &DomainPatch,
    if_version: Option<i64>,
) -> Outcome {
    let what = format!("domain {name}");
    let dn = run.dit().domain(name);
    let _queued = run.parts.local.queue(&dn).await;
    let tightens =
        patch.max_mailboxes.is_some() || patch.max_aliases.is_some() || patch.quota.is_some();
    if tightens && !run.resuming {
        super::hosted(run, name).await?;
    }
    let lease = if tightens {
        Some(run.lease(name).await?)
    } else {
        None
    };
    let result = edit_domain(run, name, patch, if_version, &what, &dn).await;
    match lease {
        Some(lease) => run.release(lease, result).await,
        None => result,
    }
}

async fn edit_domain(
    run: &mut Run<'_>,
    name: &DomainName,
    patch: &DomainPatch,
    if_version: Option<i64>,
    what: &str,
    dn: &str,
) -> Outcome {
    for _ in 0..RETRIES {
        let before = counted(run, name).await?;
        if run.resuming
            && run
                .reader()
                .entry(dn, class::DOMAIN)
                .await?
                .is_some_and(|e| run.is_mine(&e))
        {
            return Ok((Applied::Domain(before.clone()), Some(json(&before))));
        }
        check_version(what, before.version, if_version)?;
        let mut after = before.clone();
        after.description = patch
            .description
            .clone()
            .unwrap_or(before.description.clone());
        after.active = patch.active.unwrap_or(before.active);
        after.max_mailboxes = patch.max_mailboxes.unwrap_or(before.max_mailboxes);
        after.max_aliases = patch.max_aliases.unwrap_or(before.max_aliases);
        after.quota = patch.quota.unwrap_or(before.quota);
        after.default_quota = patch.default_quota.unwrap_or(before.default_quota);
        after.version = before.version + 1;
        rules::check_new_limits(&before, after.max_mailboxes, after.max_aliases, after.quota)?;
        run.intent(Some(json(&before))).await?;
        let expected = filter::eq(attr::VERSION, &before.version.to_string());
        let token = run.token.clone();
        match run
            .modify(dn, entry::domain_mods(&after, &token), Some(&expected))
            .await?
        {
            Written::Done(read_back) => {
                if let Some(e) = read_back {
                    let stored = entry::domain_from(&e)?;
                    after.updated_at = stored.updated_at;
                    after.created_at = stored.created_at;
                }
                return Ok((Applied::Domain(after.clone()), Some(json(&after))));
            }
            Written::NoSuchObject => return Err(not_found_domain(name)),
            // Changed between the read and the write: read it again (with a
            // version given, the next read refuses the edit naming both).
            _ => continue,
        }
    }
    Err(lost_race(what))
}

pub async fn remove(run: &mut Run<'_>, name: &DomainName, cascade: bool) -> Outcome {
    if !run.resuming {
        super::hosted(run, name).await?;
    }
    let lease = run.lease(name).await?;
    let result = remove_domain(run, name, cascade).await;
    run.release(lease, result).await
}

async fn remove_domain(run: &mut Run<'_>, name: &DomainName, cascade: bool) -> Outcome {
    let dn = run.dit().domain(name);
    let before = match run.reader().slot(name).await? {
        Slot::Domain(_) => counted(run, name).await?,
        Slot::AliasDomain(a) => return Err(refused_alias_domain(name, &a.target)),
        // Gone: this change removed it before it was interrupted.
        Slot::Absent if run.resuming => return Ok((Applied::Removed, None)),
        Slot::Absent => return Err(not_found_domain(name)),
    };
    rules::admit_domain_removal(&before, cascade)?;
    let (mailboxes, aliases) = if cascade {
        let reader = run.reader();
        (
            reader.mailboxes(Some(name)).await?,
            reader.aliases(Some(name)).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let (removal, before_json) = DomainRemoval::of(&before, &mailboxes, &aliases);
    run.intent(Some(before_json)).await?;
    for _ in 0..RETRIES {
        if cascade {
            remove_members(run, name).await?;
        }
        match run.delete(&dn, None).await? {
            Written::Done(_) | Written::NoSuchObject => {
                return Ok((Applied::DomainRemoved(removal), None));
            }
            // A member arrived meanwhile (written without the lease).
            Written::NotAllowedOnNonLeaf if cascade => continue,
            _ => {
                let now = counted(run, name).await?;
                rules::admit_domain_removal(&now, false)?;
                return Err(lost_race(&format!("domain {name}")));
            }
        }
    }
    Err(Error::conflict(
        format!("domain {name}"),
        "kept getting new members while it was being removed",
    )
    .with_hint("try again"))
}

/// Deletes every entry under the domain and every alias domain of it.
async fn remove_members(run: &mut Run<'_>, name: &DomainName) -> Result<()> {
    let parts = run.parts;
    let members = parts
        .conn
        .search(
            &parts.dit.domain(name),
            Scope::OneLevel,
            &filter::present(attr::OBJECT_CLASS),
            &["1.1"],
        )
        .await?;
    for member in members {
        run.delete(&member.dn, None).await?;
    }
    for alias_domain in run.reader().alias_domains_of(name).await? {
        run.delete(&parts.dit.domain(&alias_domain), None).await?;
    }
    Ok(())
}

pub async fn add_alias_domain(
    run: &mut Run<'_>,
    name: &DomainName,
    target: &DomainName,
) -> Outcome {
    if name == target {
        return Err(Error::invalid(
            format!("alias domain {name}"),
            "cannot point at itself",
        ));
    }
    let dn = run.dit().domain(name);
    let slot = run.reader().slot(name).await?;
    if run.resuming
        && let Slot::AliasDomain(a) = &slot
        && run
            .reader()
            .entry(&dn, class::ALIAS_DOMAIN)
            .await?
            .is_some_and(|e| run.is_mine(&e))
    {
        return Ok((Applied::AliasDomain(a.clone()), Some(json(a))));
    }
    match slot {
        Slot::AliasDomain(_) => return Err(Error::already_exists(format!("alias domain {name}"))),
        Slot::Domain(_) => {
            return Err(Error::already_exists(format!("domain {name}"))
                .with_hint("a hosted domain cannot also be an alias domain"));
        }
        Slot::Absent => {}
    }
    super::hosted(run, target).await?;
    // The target's lease keeps it from being removed while this points at it.
    let lease = run.lease(target).await?;
    let result = add_alias_domain_leased(run, name, target, &dn).await;
    run.release(lease, result).await
}

async fn add_alias_domain_leased(
    run: &mut Run<'_>,
    name: &DomainName,
    target: &DomainName,
    dn: &str,
) -> Outcome {
    super::hosted(run, target).await?;
    let token = run.token.clone();
    match run
        .add(dn, entry::alias_domain_attrs(name, target, &token))
        .await?
    {
        Written::Done(Some(e)) => {
            let a = entry::alias_domain_from(&e)?;
            Ok((Applied::AliasDomain(a.clone()), Some(json(&a))))
        }
        Written::Done(None) => match run.reader().slot(name).await? {
            Slot::AliasDomain(a) => Ok((Applied::AliasDomain(a.clone()), Some(json(&a)))),
            _ => Err(Error::not_found(format!("alias domain {name}"))),
        },
        Written::NoSuchObject => Err(missing_container(&run.dit().domains())),
        _ => Err(match run.reader().slot(name).await? {
            Slot::Domain(_) => Error::already_exists(format!("domain {name}"))
                .with_hint("a hosted domain cannot also be an alias domain"),
            _ => Error::already_exists(format!("alias domain {name}")),
        }),
    }
}

pub async fn edit_alias_domain(
    run: &mut Run<'_>,
    name: &DomainName,
    patch: &AliasDomainPatch,
    if_version: Option<i64>,
) -> Outcome {
    let what = format!("alias domain {name}");
    if patch.target.as_ref() == Some(name) {
        return Err(Error::invalid(what, "cannot point at itself"));
    }
    // The new target must be a hosted domain, and stay one: its lease
    // keeps it from being removed meanwhile.
    if let Some(target) = &patch.target {
        super::hosted(run, target).await?;
    }
    let dn = run.dit().domain(name);
    let _queued = run.parts.local.queue(&dn).await;
    match &patch.target {
        Some(target) => {
            let lease = run.lease(target).await?;
            let result = edit_alias_domain_entry(run, patch, if_version, &what, &dn).await;
            run.release(lease, result).await
        }
        None => edit_alias_domain_entry(run, patch, if_version, &what, &dn).await,
    }
}

async fn edit_alias_domain_entry(
    run: &mut Run<'_>,
    patch: &AliasDomainPatch,
    if_version: Option<i64>,
    what: &str,
    dn: &str,
) -> Outcome {
    for _ in 0..RETRIES {
        let Some(e) = run.reader().entry(dn, class::ALIAS_DOMAIN).await? else {
            return Err(Error::not_found(what));
        };
        let before = entry::alias_domain_from(&e)?;
        if run.resuming && run.is_mine(&e) {
            return Ok((Applied::AliasDomain(before.clone()), Some(json(&before))));
        }
        if let Some(target) = &patch.target {
            super::hosted(run, target).await?;
        }
        check_version(what, before.version, if_version)?;
        let mut after = before.clone();
        after.target = patch.target.clone().unwrap_or(before.target.clone());
        after.active = patch.active.unwrap_or(before.active);
        after.version = before.version + 1;
        run.intent(Some(json(&before))).await?;
        let expected = filter::eq(attr::VERSION, &before.version.to_string());
        let token = run.token.clone();
        match run
            .modify(
                dn,
                entry::alias_domain_mods(&after, &token),
                Some(&expected),
            )
            .await?
        {
            Written::Done(Some(e)) => {
                let stored = entry::alias_domain_from(&e)?;
                return Ok((Applied::AliasDomain(stored.clone()), Some(json(&stored))));
            }
            Written::Done(None) => {
                return Ok((Applied::AliasDomain(after.clone()), Some(json(&after))));
            }
            Written::NoSuchObject => return Err(Error::not_found(what)),
            // Changed between the read and the write: read it again (with a
            // version given, the next read refuses the edit naming both).
            _ => continue,
        }
    }
    Err(lost_race(what))
}

pub async fn remove_alias_domain(run: &mut Run<'_>, name: &DomainName) -> Outcome {
    let what = format!("alias domain {name}");
    let before = match run.reader().slot(name).await? {
        Slot::AliasDomain(a) => a,
        _ if run.resuming => return Ok((Applied::Removed, None)),
        _ => return Err(Error::not_found(what)),
    };
    run.intent(Some(json(&before))).await?;
    let dn = run.dit().domain(name);
    match run
        .delete(&dn, Some(&filter::class(class::ALIAS_DOMAIN)))
        .await?
    {
        Written::Done(_) => Ok((Applied::Removed, None)),
        Written::NoSuchObject if run.resuming => Ok((Applied::Removed, None)),
        _ => Err(Error::not_found(what)),
    }
}
