//! The rules every backend applies, as pure functions: domain limits (max
//! mailboxes, max aliases, the domain's quota cap), checked inside the
//! backend's transaction or lock; alias target lists; version checks for
//! optimistic concurrency; and the errors they share.

use crate::error::{Error, Result};
use crate::model::{Address, Alias, AliasAddress, Domain, DomainName, Size};

/// A domain may go only when it holds nothing, unless its members go
/// with it (`cascade`).
pub fn admit_domain_removal(d: &Domain, cascade: bool) -> Result<()> {
    if cascade || d.mailboxes + d.aliases + d.alias_domains.len() as u64 == 0 {
        return Ok(());
    }
    Err(Error::refused(
        format!("domain {}", d.name),
        format!(
            "still has {} mailboxes, {} aliases and {} alias domains",
            d.mailboxes,
            d.aliases,
            d.alias_domains.len()
        ),
    )
    .with_hint("remove them first, or pass --cascade to remove them with the domain"))
}

pub fn not_found_domain(name: &DomainName) -> Error {
    Error::not_found(format!("domain {name}")).with_hint("see: postier domain list")
}

/// Was the object (at version `current`) edited from the version the
/// caller read (`expected`, if it gave one)?
pub fn check_version(what: &str, current: i64, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(Error::conflict(
            what,
            format!("was changed by someone else (version {current}, you edited version {v})"),
        )
        .with_hint("show it again and redo your change")),
        _ => Ok(()),
    }
}

/// The object changed between reading and writing it.
pub fn lost_race(what: &str) -> Error {
    Error::conflict(what, "was changed by someone else while you edited it")
        .with_hint("show it again and redo your change")
}

/// The quota a new mailbox gets: the one asked for, else the domain default.
pub fn effective_quota(domain: &Domain, asked: Option<Size>) -> Size {
    asked.unwrap_or(domain.default_quota)
}

/// May `domain` take one more mailbox with `quota`?
pub fn admit_mailbox(domain: &Domain, quota: Size) -> Result<()> {
    let what = format!("domain {}", domain.name);
    if domain.max_mailboxes > 0 && domain.mailboxes >= domain.max_mailboxes {
        return Err(Error::limit(
            what,
            format!(
                "has reached its limit of {} mailboxes",
                domain.max_mailboxes
            ),
        )
        .with_hint(format!(
            "raise it with: postier domain edit {} --max-mailboxes N",
            domain.name
        )));
    }
    check_quota(domain, Size::UNLIMITED, quota)
}

/// May a mailbox of `domain` go from quota `old` to `new`? The sum of the
/// domain's mailbox quotas must stay within its cap, and under a cap no
/// mailbox may be unlimited.
pub fn check_quota(domain: &Domain, old: Size, new: Size) -> Result<()> {
    if domain.quota.is_unlimited() {
        return Ok(());
    }
    let what = format!("quota {}", new.human());
    if new.is_unlimited() {
        return Err(Error::limit(
            what,
            format!(
                "domain {} has a total quota of {}, so its mailboxes cannot be unlimited",
                domain.name,
                domain.quota.human()
            ),
        )
        .with_hint("give --quota SIZE"));
    }
    let total = domain
        .allotted_quota
        .bytes()
        .saturating_sub(old.bytes())
        .saturating_add(new.bytes());
    if total > domain.quota.bytes() {
        let free = domain
            .quota
            .bytes()
            .saturating_sub(domain.allotted_quota.bytes().saturating_sub(old.bytes()));
        return Err(Error::limit(
            what,
            format!(
                "would exceed domain {}'s total quota of {} ({} still free)",
                domain.name,
                domain.quota.human(),
                Size::from_stored(free.min(i64::MAX as u64) as i64).approx()
            ),
        ));
    }
    Ok(())
}

/// May `domain` take one more alias?
pub fn admit_alias(domain: &Domain) -> Result<()> {
    if domain.max_aliases > 0 && domain.aliases >= domain.max_aliases {
        return Err(Error::limit(
            format!("domain {}", domain.name),
            format!("has reached its limit of {} aliases", domain.max_aliases),
        )
        .with_hint(format!(
            "raise it with: postier domain edit {} --max-aliases N",
            domain.name
        )));
    }
    Ok(())
}

/// May `domain`'s limits become `max_mailboxes`, `max_aliases`, `quota`
/// given what it holds now?
pub fn check_new_limits(
    domain: &Domain,
    max_mailboxes: u64,
    max_aliases: u64,
    quota: Size,
) -> Result<()> {
    let what = format!("domain {}", domain.name);
    if max_mailboxes > 0 && domain.mailboxes > max_mailboxes {
        return Err(Error::limit(
            what,
            format!(
                "has {} mailboxes, more than the new limit of {max_mailboxes}",
                domain.mailboxes
            ),
        ));
    }
    if max_aliases > 0 && domain.aliases > max_aliases {
        return Err(Error::limit(
            what,
            format!(
                "has {} aliases, more than the new limit of {max_aliases}",
                domain.aliases
            ),
        ));
    }
    if !quota.is_unlimited() && domain.allotted_quota.bytes() > quota.bytes() {
        return Err(Error::limit(
            what,
            format!(
                "already gives its mailboxes {} in all, more than the new total quota of {}",
                domain.allotted_quota.human(),
                quota.human()
            ),
        ));
    }
    Ok(())
}

/// May an alias have these targets?
pub fn check_targets(address: &AliasAddress, targets: &[Address]) -> Result<()> {
    if targets.is_empty() {
        return Err(
            Error::invalid(format!("alias {address}"), "needs at least one target")
                .with_hint("to stop an alias, remove it: postier alias rm ADDRESS"),
        );
    }
    if let AliasAddress::Address(own) = address
        && targets.len() == 1
        && &targets[0] == own
    {
        return Err(Error::invalid(
            format!("alias {address}"),
            "would only point at itself",
        ));
    }
    Ok(())
}

/// A change that changes nothing is refused rather than made a new version.
pub fn nothing_to_change(what: &str) -> Error {
    Error::invalid(what, "nothing to change")
        .with_hint("name at least one field to change (see --help)")
}

/// A new mailbox at an address an alias has.
pub fn address_is_alias(address: &Address) -> Error {
    Error::already_exists(format!("mailbox {address}"))
        .with_why("is already an alias (Postfix would hand the mailbox's mail to the alias)")
        .with_hint(format!(
            "remove the alias first (postier alias rm {address}), or choose another address"
        ))
}

/// A new alias at an address a mailbox has.
pub fn address_is_mailbox(address: &Address) -> Error {
    Error::already_exists(format!("alias {address}"))
        .with_why("is already a mailbox (Postfix would hand the mailbox's mail to the alias)")
        .with_hint("choose another address, or remove the mailbox first")
}

/// An alias target in a hosted domain (or one of its alias domains) that
/// no mailbox or alias has: mail to it would bounce.
pub fn unknown_target(alias: &AliasAddress, target: &Address) -> Error {
    Error::refused(
        format!("alias {alias}"),
        format!(
            "target {target} is in a domain postier hosts, but no mailbox or alias has that address"
        ),
    )
    .with_hint(format!(
        "check the spelling, or create {target} first; addresses outside the hosted domains are free"
    ))
}

/// Every address that delivers to `mailbox`: itself, and the same local
/// part in each alias domain of its domain. An alias naming any of them
/// forwards to the mailbox.
pub fn target_forms(mailbox: &Address, alias_domains: &[DomainName]) -> Vec<Address> {
    let mut forms = vec![mailbox.clone()];
    forms.extend(
        alias_domains
            .iter()
            .filter_map(|d| Address::new(mailbox.local().clone(), d.clone()).ok()),
    );
    forms
}

/// The aliases a removed mailbox is taken out of (those naming any of its
/// `forms`, see [`target_forms`]): none when none forwards
/// to it; all of them when `detach` is asked; else the removal is refused,
/// naming them. An alias whose only target it is would be left with none,
/// so it must be removed (or given another target) first.
pub fn detach_plan(
    mailbox: &Address,
    forms: &[Address],
    sources: &[Alias],
    detach: bool,
) -> Result<Vec<Alias>> {
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let names = sources
        .iter()
        .map(|a| a.address.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let what = format!("mailbox {mailbox}");
    if !detach {
        return Err(
            Error::refused(what, format!("is a target of the aliases {names}"))
                .with_hint("remove it from them too with --detach, or edit those aliases first"),
        );
    }
    if let Some(only) = sources
        .iter()
        .find(|a| a.targets.iter().all(|t| forms.contains(t)))
    {
        return Err(Error::refused(
            what,
            format!("is the only target of alias {}", only.address),
        )
        .with_hint(format!(
            "remove that alias first (postier alias rm {}), or give it another target",
            only.address
        )));
    }
    Ok(sources.to_vec())
}

/// The default quota of a domain whose total quota is `quota`: under a
/// cap no mailbox may be unlimited, so a mailbox added without a quota
/// needs a bounded default. The one given is kept; else, when the domain
/// has a mailbox limit, the cap shared between that many mailboxes (whole
/// MiB); else there is no fair share to pick and the caller must say.
pub fn default_quota_under_cap(
    name: &DomainName,
    quota: Size,
    max_mailboxes: u64,
    default_quota: Size,
) -> Result<Size> {
    if quota.is_unlimited() || !default_quota.is_unlimited() {
        return Ok(default_quota);
    }
    if let Some(share) = quota.bytes().checked_div(max_mailboxes) {
        let share = share / (1 << 20) * (1 << 20);
        if share > 0 {
            return Size::from_bytes(share);
        }
    }
    Err(Error::invalid(
        format!("domain {name}"),
        format!(
            "has a total quota of {} but no default quota, so a mailbox added without a quota could not be created",
            quota.human()
        ),
    )
    .with_hint("give a default quota too with --default-quota SIZE, or a mailbox limit to share the total between"))
}
