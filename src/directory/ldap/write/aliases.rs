//! Aliases and catch-alls: add (under the domain's lease when it limits
//! aliases, else written at once and settled; never at a mailbox's
//! address), edit, remove. Targets keep the order they were given in; a
//! new target in a hosted domain, or in an alias domain's target domain,
//! must be a mailbox or an alias there.

use super::{Member, Outcome, RETRIES, Rival, counted, hosted_for_adding, json, settle};
use crate::directory::ldap::conn::Written;
use crate::directory::ldap::entry::{self, Entry, attr, class};
use crate::directory::ldap::filter;
use crate::directory::ldap::read::Slot;
use crate::directory::ldap::run::Run;
use crate::directory::rules::{self, check_targets, check_version, lost_race, not_found_domain};
use crate::error::{Error, Result};
use crate::model::*;

fn already_exists(address: &AliasAddress) -> Error {
    Error::already_exists(format!("alias {address}")).with_hint(format!(
        "add targets with: postier alias edit {address} --add TARGET"
    ))
}

pub async fn add(run: &mut Run<'_>, address: &AliasAddress, targets: &[Address]) -> Outcome {
    let dn = run.dit().alias(address);
    if run.resuming
        && let Some(e) = run.reader().entry(&dn, class::ALIAS).await?
        && run.is_mine(&e)
    {
        let alias = in_order(run, &dn, e, targets).await?;
        return settled(run, &dn, alias).await;
    }
    let rival = Rival::mailbox_at(run, address);
    let d = hosted_for_adding(run, address.domain(), rival.as_ref()).await?;
    if run.reader().entry(&dn, class::ALIAS).await?.is_some() {
        return Err(already_exists(address));
    }
    check_targets(address, targets)?;
    check_targets_exist(run, address, targets).await?;
    if Member::Alias.limited(&d) {
        let lease = run.lease(address.domain()).await?;
        let result = add_leased(run, address, targets, &dn).await;
        return run.release(lease, result).await;
    }
    let alias = write_new(run, address, targets, &dn).await?;
    settled(run, &dn, alias).await
}

async fn add_leased(
    run: &mut Run<'_>,
    address: &AliasAddress,
    targets: &[Address],
    dn: &str,
) -> Outcome {
    let reader = run.reader();
    let rival = Rival::mailbox_at(run, address);
    let (d, mine, rivalled) = tokio::join!(
        counted(run, address.domain()),
        reader.entry(dn, class::ALIAS),
        Rival::found(rival.as_ref(), &reader)
    );
    let d = d?;
    if mine?.is_some() {
        return Err(already_exists(address));
    }
    Rival::refuse_if(rival.as_ref(), rivalled?)?;
    rules::admit_alias(&d)?;
    let alias = write_new(run, address, targets, dn).await?;
    Ok((Applied::Alias(alias.clone()), Some(json(&alias))))
}

async fn write_new(
    run: &mut Run<'_>,
    address: &AliasAddress,
    targets: &[Address],
    dn: &str,
) -> Result<Alias> {
    let token = run.token.clone();
    match run
        .add(dn, entry::alias_attrs(address, targets, &token))
        .await?
    {
        Written::Done(Some(e)) => in_order(run, dn, e, targets).await,
        Written::Done(None) => {
            let e = run
                .reader()
                .entry(dn, class::ALIAS)
                .await?
                .ok_or_else(|| Error::not_found(format!("alias {address}")))?;
            in_order(run, dn, e, targets).await
        }
        Written::NoSuchObject => Err(not_found_domain(address.domain())),
        _ => Err(already_exists(address)),
    }
}

/// The new alias, its targets put in the order given if the server stored
/// them otherwise (an add carries them as an unordered set).
async fn in_order(run: &mut Run<'_>, dn: &str, e: Entry, targets: &[Address]) -> Result<Alias> {
    let alias = entry::alias_from(&e)?;
    if alias.targets == targets {
        return Ok(alias);
    }
    let mine = filter::eq(attr::CHANGE, &run.token);
    match run
        .modify(dn, entry::targets_in_order(targets), Some(&mine))
        .await?
    {
        Written::Done(Some(e)) => entry::alias_from(&e),
        _ => Err(Error::conflict(
            format!("alias {}", alias.address),
            "was changed by someone else while it was being created",
        )),
    }
}

async fn settled(run: &mut Run<'_>, dn: &str, alias: Alias) -> Outcome {
    let domain = alias.address.domain().clone();
    let after = json(&alias);
    let rival = Rival::mailbox_at(run, &alias.address);
    let applied = Applied::Alias(alias);
    settle(
        run,
        dn,
        &domain,
        Member::Alias,
        rival.as_ref(),
        applied,
        after,
    )
    .await
}

/// Each of `targets` in a hosted domain must be a mailbox or an alias, and
/// one in an alias domain must be so in its target domain; addresses
/// elsewhere are free. `own` (the alias itself) counts as existing.
async fn check_targets_exist(run: &Run<'_>, own: &AliasAddress, targets: &[Address]) -> Result<()> {
    let reader = run.reader();
    for target in targets {
        if matches!(own, AliasAddress::Address(a) if a == target) {
            continue;
        }
        let resolved = match reader.slot(target.domain()).await? {
            Slot::Domain(_) => target.clone(),
            Slot::AliasDomain(a) => Address::new(target.local().clone(), a.target)?,
            Slot::Absent => continue,
        };
        if !reader.has_address(&resolved).await? {
            return Err(rules::unknown_target(own, target));
        }
    }
    Ok(())
}

pub async fn edit(
    run: &mut Run<'_>,
    address: &AliasAddress,
    patch: &AliasPatch,
    if_version: Option<i64>,
) -> Outcome {
    let what = format!("alias {address}");
    let dn = run.dit().alias(address);
    let _queued = run.parts.local.queue(&dn).await;
    for _ in 0..RETRIES {
        let Some(e) = run.reader().entry(&dn, class::ALIAS).await? else {
            return Err(Error::not_found(what));
        };
        let before = entry::alias_from(&e)?;
        if run.resuming && run.is_mine(&e) {
            return Ok((Applied::Alias(before.clone()), Some(json(&before))));
        }
        check_version(&what, before.version, if_version)?;
        let mut targets = before.targets.clone();
        for gone in &patch.remove_targets {
            if !targets.contains(gone) {
                return Err(Error::not_found(format!(
                    "target {gone} of alias {address}"
                )));
            }
            targets.retain(|t| t != gone);
        }
        let mut added = Vec::new();
        for target in &patch.add_targets {
            if !targets.contains(target) {
                targets.push(target.clone());
                added.push(target.clone());
            }
        }
        let active = patch.active.unwrap_or(before.active);
        if targets == before.targets && active == before.active {
            return Err(rules::nothing_to_change(&what));
        }
        check_targets(address, &targets)?;
        check_targets_exist(run, address, &added).await?;
        let mut after = before.clone();
        after.targets = targets;
        after.active = active;
        after.version = before.version + 1;
        run.intent(Some(json(&before))).await?;
        let expected = filter::eq(attr::VERSION, &before.version.to_string());
        let token = run.token.clone();
        match run
            .modify(&dn, entry::alias_mods(&after, &token), Some(&expected))
            .await?
        {
            Written::Done(Some(e)) => {
                let stored = entry::alias_from(&e)?;
                return Ok((Applied::Alias(stored.clone()), Some(json(&stored))));
            }
            Written::Done(None) => return Ok((Applied::Alias(after.clone()), Some(json(&after)))),
            Written::NoSuchObject => return Err(Error::not_found(what)),
            // Changed between the read and the write: read it again (with a
            // version given, the next read refuses the edit naming both).
            _ => continue,
        }
    }
    Err(lost_race(&what))
}

pub async fn remove(run: &mut Run<'_>, address: &AliasAddress) -> Outcome {
    let dn = run.dit().alias(address);
    let what = format!("alias {address}");
    super::remove_entry(run, &dn, class::ALIAS, what, |e| {
        Ok(json(&entry::alias_from(e)?))
    })
    .await
}
