//! Mailboxes: add (under the domain's lease when a limit applies, else
//! written at once and settled; never at an alias's address), edit (under
//! the lease when the quota changes), remove (taken out of the aliases
//! that forward to it first, when asked to).

use super::{Member, Outcome, RETRIES, Rival, counted, hosted_for_adding, json, settle};
use crate::directory::ldap::conn::Written;
use crate::directory::ldap::entry::{self, attr, class};
use crate::directory::ldap::filter;
use crate::directory::ldap::run::Run;
use crate::directory::rules::{self, check_version, lost_race, not_found_domain};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use serde_json::Value;

fn already_exists(address: &Address) -> Error {
    Error::already_exists(format!("mailbox {address}"))
        .with_hint(format!("change it with: postier mailbox edit {address}"))
}

pub async fn add(run: &mut Run<'_>, new: &NewMailbox) -> Outcome {
    let address = &new.address;
    let dn = run.dit().mailbox(address);
    if run.resuming
        && let Some(e) = run.reader().entry(&dn, class::MAILBOX).await?
        && run.is_mine(&e)
    {
        let m = entry::mailbox_from(&e)?;
        let member = Member::Mailbox { quota: m.quota };
        return settled(run, &dn, m, member).await;
    }
    let rival = Rival::alias_at(run, address);
    let d = hosted_for_adding(run, address.domain(), Some(&rival)).await?;
    let member = Member::Mailbox {
        quota: rules::effective_quota(&d, new.quota),
    };
    if member.limited(&d) {
        let lease = run.lease(address.domain()).await?;
        let result = add_leased(run, new, &dn).await;
        return run.release(lease, result).await;
    }
    let quota = rules::effective_quota(&d, new.quota);
    let m = write_new(run, new, quota, &dn).await?;
    settled(run, &dn, m, member).await
}

/// [`add`] in a batch that read the mailbox's `domain` once for all its
/// mailboxes: in a domain without limits it writes at once and settles
/// (which looks at the domain, its lease and an alias at the address
/// again, after the write, and undoes a write that breaks a rule);
/// otherwise, or when finishing a change, it is [`add`].
pub async fn add_to_read_domain(run: &mut Run<'_>, new: &NewMailbox, domain: &Domain) -> Outcome {
    let quota = rules::effective_quota(domain, new.quota);
    let member = Member::Mailbox { quota };
    if run.resuming || member.limited(domain) {
        return add(run, new).await;
    }
    let dn = run.dit().mailbox(&new.address);
    let m = write_new(run, new, quota, &dn).await?;
    settled(run, &dn, m, member).await
}

/// Checks and writes under the domain's lease.
async fn add_leased(run: &mut Run<'_>, new: &NewMailbox, dn: &str) -> Outcome {
    let reader = run.reader();
    let rival = Rival::alias_at(run, &new.address);
    let (d, mine, rivalled) = tokio::join!(
        counted(run, new.address.domain()),
        reader.entry(dn, class::MAILBOX),
        Rival::found(Some(&rival), &reader)
    );
    let d = d?;
    if mine?.is_some() {
        return Err(already_exists(&new.address));
    }
    Rival::refuse_if(Some(&rival), rivalled?)?;
    let quota = rules::effective_quota(&d, new.quota);
    rules::admit_mailbox(&d, quota)?;
    let m = write_new(run, new, quota, dn).await?;
    Ok((Applied::Mailbox(m.clone()), Some(json(&m))))
}

async fn write_new(run: &mut Run<'_>, new: &NewMailbox, quota: Size, dn: &str) -> Result<Mailbox> {
    let token = run.token.clone();
    match run
        .add(dn, entry::mailbox_attrs(new, quota, &token))
        .await?
    {
        Written::Done(Some(e)) => entry::mailbox_from(&e),
        Written::Done(None) => run
            .reader()
            .mailbox(&new.address)
            .await?
            .ok_or_else(|| Error::not_found(format!("mailbox {}", new.address))),
        Written::NoSuchObject => Err(not_found_domain(new.address.domain())),
        _ => Err(already_exists(&new.address)),
    }
}

/// Settles a mailbox written without the lease; undoes it if refused.
async fn settled(run: &mut Run<'_>, dn: &str, m: Mailbox, member: Member) -> Outcome {
    let domain = m.domain().clone();
    let after = json(&m);
    let rival = Rival::alias_at(run, &m.address);
    let applied = Applied::Mailbox(m);
    settle(run, dn, &domain, member, Some(&rival), applied, after).await
}

pub async fn edit(
    run: &mut Run<'_>,
    address: &Address,
    patch: &MailboxPatch,
    if_version: Option<i64>,
) -> Outcome {
    let what = format!("mailbox {address}");
    let dn = run.dit().mailbox(address);
    let _queued = run.parts.local.queue(&dn).await;
    if patch.quota.is_none() {
        return edit_mailbox(run, address, patch, if_version, &dn).await;
    }
    // A quota counts against the domain's cap: check and write under the lease.
    if !run.resuming && run.reader().entry(&dn, class::MAILBOX).await?.is_none() {
        return Err(Error::not_found(what));
    }
    let lease = run.lease(address.domain()).await?;
    let result = edit_mailbox(run, address, patch, if_version, &dn).await;
    run.release(lease, result).await
}

async fn edit_mailbox(
    run: &mut Run<'_>,
    address: &Address,
    patch: &MailboxPatch,
    if_version: Option<i64>,
    dn: &str,
) -> Outcome {
    let what = format!("mailbox {address}");
    for _ in 0..RETRIES {
        let Some(e) = run.reader().entry(dn, class::MAILBOX).await? else {
            return Err(Error::not_found(what));
        };
        let before = entry::mailbox_from(&e)?;
        if run.resuming && run.is_mine(&e) {
            return Ok(edited(before, patch));
        }
        check_version(&what, before.version, if_version)?;
        if let Some(quota) = patch.quota
            && quota != before.quota
        {
            let d = counted(run, address.domain()).await?;
            rules::check_quota(&d, before.quota, quota)?;
        }
        let mut after = before.clone();
        after.name = patch.name.clone().unwrap_or(before.name.clone());
        after.password = patch.password.clone().unwrap_or(before.password.clone());
        after.quota = patch.quota.unwrap_or(before.quota);
        after.active = patch.active.unwrap_or(before.active);
        after.version = before.version + 1;
        run.intent(Some(json(&before))).await?;
        let expected = filter::eq(attr::VERSION, &before.version.to_string());
        let token = run.token.clone();
        match run
            .modify(dn, entry::mailbox_mods(&after, &token), Some(&expected))
            .await?
        {
            Written::Done(Some(e)) => return Ok(edited(entry::mailbox_from(&e)?, patch)),
            Written::Done(None) => return Ok(edited(after, patch)),
            Written::NoSuchObject => return Err(Error::not_found(what)),
            // Changed between the read and the write: read it again (with a
            // version given, the next read refuses the edit naming both).
            _ => continue,
        }
    }
    Err(lost_race(&what))
}

/// The result of an edit; its audit form says when the password changed
/// (never what to).
fn edited(after: Mailbox, patch: &MailboxPatch) -> (Applied, Option<Value>) {
    let mut after_json = json(&after);
    if patch.password.is_some()
        && let Value::Object(map) = &mut after_json
    {
        map.insert("password_changed".into(), Value::Bool(true));
    }
    (Applied::Mailbox(after), Some(after_json))
}

/// Removes a mailbox. One that aliases forward to is refused, naming
/// them, unless `detach`: then it is taken out of each of them, and only
/// then deleted, so a run resumed after a crash finds the aliases still
/// naming it and goes on. The intent's `before` lists them
/// (`detached_from`) before the first write.
pub async fn remove(run: &mut Run<'_>, address: &Address, detach: bool) -> Outcome {
    let dn = run.dit().mailbox(address);
    let what = format!("mailbox {address}");
    let Some(e) = run.reader().entry(&dn, class::MAILBOX).await? else {
        if run.resuming {
            return Ok((Applied::Removed, None));
        }
        return Err(Error::not_found(what));
    };
    // Aliases may name it in its domain or in any of its alias domains.
    let alias_domains = super::counted(run, address.domain()).await?.alias_domains;
    let forms = rules::target_forms(address, &alias_domains);
    let mut sources: Vec<Alias> = Vec::new();
    for form in &forms {
        for alias in run.reader().aliases_targeting(form).await? {
            if !sources.iter().any(|a| a.address == alias.address) {
                sources.push(alias);
            }
        }
    }
    let detached = rules::detach_plan(address, &forms, &sources, detach)?;
    let mut before = json(&entry::mailbox_from(&e)?);
    if !detached.is_empty()
        && let Value::Object(map) = &mut before
    {
        let names: Vec<String> = detached.iter().map(|a| a.address.to_string()).collect();
        map.insert("detached_from".into(), json(&names));
    }
    run.intent(Some(before)).await?;
    let mut taken_out = Vec::new();
    let mut removed = Ok(());
    for alias in &detached {
        match detach_from(run, &alias.address, &forms).await {
            Ok(Some(before)) => taken_out.push(before),
            Ok(None) => {}
            Err(e) => {
                removed = Err(e);
                break;
            }
        }
    }
    if removed.is_ok() {
        removed = match run.delete(&dn, None).await? {
            Written::Done(_) => Ok(()),
            Written::NoSuchObject if run.resuming => Ok(()),
            _ => Err(Error::not_found(what)),
        };
    }
    match removed {
        Ok(()) => Ok((Applied::Removed, None)),
        Err(e) if e.kind == ErrorKind::Unavailable => Err(e),
        Err(e) => {
            reattach(run, &taken_out).await?;
            Err(e)
        }
    }
}

/// Takes the mailbox's `forms` (see [`rules::target_forms`]; the first is
/// the mailbox) out of the alias at `address` (a new version), on the
/// version read, and hands back the alias as it was; an alias gone, or no
/// longer naming it, is left alone.
async fn detach_from(
    run: &mut Run<'_>,
    address: &AliasAddress,
    forms: &[Address],
) -> Result<Option<Alias>> {
    let what = format!("alias {address}");
    let dn = run.dit().alias(address);
    for _ in 0..RETRIES {
        let Some(e) = run.reader().entry(&dn, class::ALIAS).await? else {
            return Ok(None);
        };
        let before = entry::alias_from(&e)?;
        if !before.targets.iter().any(|t| forms.contains(t)) {
            return Ok(None);
        }
        // Its only target meanwhile: refused, as it would have been at first.
        rules::detach_plan(&forms[0], forms, std::slice::from_ref(&before), true)?;
        let mut after = before.clone();
        after.targets.retain(|t| !forms.contains(t));
        after.version = before.version + 1;
        let expected = filter::eq(attr::VERSION, &before.version.to_string());
        let token = run.token.clone();
        match run
            .modify(&dn, entry::alias_mods(&after, &token), Some(&expected))
            .await?
        {
            Written::Done(_) => return Ok(Some(before)),
            Written::NoSuchObject => return Ok(None),
            _ => continue,
        }
    }
    Err(lost_race(&what))
}

/// Undoes [`detach_from`] for a removal that is refused after all: each
/// alias gets its targets back (a new version), unless someone changed it
/// since, whose change then stands.
async fn reattach(run: &mut Run<'_>, aliases: &[Alias]) -> Result<()> {
    let mine = filter::eq(attr::CHANGE, &run.token);
    for before in aliases {
        let mut restored = before.clone();
        restored.version = before.version + 2;
        let dn = run.dit().alias(&before.address);
        let token = run.token.clone();
        run.modify(&dn, entry::alias_mods(&restored, &token), Some(&mine))
            .await?;
    }
    Ok(())
}
