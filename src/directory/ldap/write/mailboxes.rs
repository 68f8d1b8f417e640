//! Mailboxes: add (under the domain's lease when a limit applies, else
//! written at once and settled), edit (under the lease when the quota
//! changes), remove.

use super::{Member, Outcome, RETRIES, counted, hosted_for_adding, json, settle};
use crate::directory::ldap::conn::Written;
use crate::directory::ldap::entry::{self, attr, class};
use crate::directory::ldap::filter;
use crate::directory::ldap::run::Run;
use crate::directory::rules::{self, check_version, lost_race, not_found_domain};
use crate::error::{Error, Result};
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
    let d = hosted_for_adding(run, address.domain()).await?;
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

/// Checks and writes under the domain's lease.
async fn add_leased(run: &mut Run<'_>, new: &NewMailbox, dn: &str) -> Outcome {
    let d = counted(run, new.address.domain()).await?;
    if run.reader().entry(dn, class::MAILBOX).await?.is_some() {
        return Err(already_exists(&new.address));
    }
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
    settle(run, dn, &domain, member, Applied::Mailbox(m), after).await
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
            _ if if_version.is_some() => return Err(lost_race(&what)),
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

pub async fn remove(run: &mut Run<'_>, address: &Address, _detach: bool) -> Outcome {
    let dn = run.dit().mailbox(address);
    let what = format!("mailbox {address}");
    super::remove_entry(run, &dn, class::MAILBOX, what, |e| {
        Ok(json(&entry::mailbox_from(e)?))
    })
    .await
}
