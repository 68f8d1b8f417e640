//! LDAP entries and postier's entities: which classes and attributes each
//! object is written with, and how an entry read back becomes a
//! [`Domain`], [`Mailbox`], [`Alias`] or [`AliasDomain`].
//!
//! Attribute values travel as LDAP octet strings, never through a filter or
//! a DN, so they need no escaping here; a value that cannot be represented
//! (an empty description) is left out and reads back as empty.
//!
//! Passwords: slapd verifies `{CRYPT}` with the system's crypt(3), and
//! Dovecot reads the same form, so the crypt family (SHA512-CRYPT,
//! SHA256-CRYPT, BLF-CRYPT, CRYPT) is stored as `{CRYPT}$6$…` and read back
//! under the scheme its prefix names. Other schemes keep their Dovecot tag.

use crate::error::{Error, Result};
use crate::model::*;
use ldap3::controls::ReadEntryResp;
use ldap3::{Mod, SearchEntry};
use std::collections::{HashMap, HashSet};

/// Attribute and class names of the DIT.
pub mod attr {
    pub const OBJECT_CLASS: &str = "objectClass";
    pub const OU: &str = "ou";
    pub const CN: &str = "cn";
    pub const SN: &str = "sn";
    pub const UID: &str = "uid";
    pub const MAIL: &str = "mail";
    pub const DISPLAY_NAME: &str = "displayName";
    pub const DESCRIPTION: &str = "description";
    pub const USER_PASSWORD: &str = "userPassword";
    pub const ASSOCIATED_DOMAIN: &str = "associatedDomain";
    pub const CREATED: &str = "createTimestamp";
    pub const MODIFIED: &str = "modifyTimestamp";
    pub const VERSION: &str = "postierVersion";
    pub const CHANGE: &str = "postierChange";
    pub const ACTIVE: &str = "postierActive";
    pub const ADDRESS: &str = "postierAddress";
    pub const QUOTA: &str = "postierQuotaBytes";
    pub const DEFAULT_QUOTA: &str = "postierDefaultQuotaBytes";
    pub const MAX_MAILBOXES: &str = "postierMaxMailboxes";
    pub const MAX_ALIASES: &str = "postierMaxAliases";
    pub const MAILDIR: &str = "postierMaildir";
    pub const ALIAS_TARGET: &str = "postierAliasTarget";
    pub const TARGET_DOMAIN: &str = "postierTargetDomain";
    pub const LOCK_EXPIRES: &str = "postierLockExpires";
}

/// Object classes of the DIT.
pub mod class {
    pub const DOMAIN: &str = "postierDomain";
    pub const ALIAS_DOMAIN: &str = "postierAliasDomain";
    pub const MAILBOX: &str = "postierMailbox";
    pub const ALIAS: &str = "postierAlias";
    pub const LOCK: &str = "postierLock";
}

use attr::*;

/// An entry read from the directory. Attribute names are matched without
/// regard to case, as LDAP does.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub dn: String,
    attrs: HashMap<String, Vec<String>>,
}

impl Entry {
    pub fn from_search(e: SearchEntry) -> Entry {
        Self::new(e.dn, e.attrs)
    }

    pub fn from_read(dn: &str, e: ReadEntryResp) -> Entry {
        Self::new(dn.to_string(), e.attrs)
    }

    fn new(dn: String, attrs: HashMap<String, Vec<String>>) -> Entry {
        let attrs = attrs
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        Entry { dn, attrs }
    }

    pub fn all(&self, name: &str) -> &[String] {
        self.attrs
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.all(name).first().map(String::as_str)
    }

    pub fn has_class(&self, name: &str) -> bool {
        self.all(OBJECT_CLASS)
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    /// The id of the postier change that last wrote the entry.
    pub fn change(&self) -> Option<&str> {
        self.first(CHANGE)
    }

    fn text(&self, name: &str) -> String {
        self.first(name).unwrap_or_default().to_string()
    }

    fn int(&self, name: &str) -> Result<i64> {
        match self.first(name) {
            None => Ok(0),
            Some(v) => v
                .parse()
                .map_err(|_| self.corrupt(format!("{name} {v:?} is not a number"))),
        }
    }

    fn count(&self, name: &str) -> Result<u64> {
        Ok(self.int(name)?.max(0) as u64)
    }

    pub fn size(&self, name: &str) -> Result<Size> {
        Ok(Size::from_stored(self.int(name)?))
    }

    pub fn version(&self) -> Result<i64> {
        self.first(VERSION)
            .ok_or_else(|| self.corrupt(format!("{VERSION} is missing")))?;
        self.int(VERSION)
    }

    fn active(&self) -> bool {
        !self
            .first(ACTIVE)
            .is_some_and(|v| v.eq_ignore_ascii_case("FALSE"))
    }

    fn time(&self, name: &str) -> Result<String> {
        let raw = self.first(name).unwrap_or_default();
        rfc3339(raw).ok_or_else(|| self.corrupt(format!("{name} {raw:?} is not a time")))
    }

    fn corrupt(&self, why: impl std::fmt::Display) -> Error {
        Error::unavailable(
            "directory",
            format!("entry {} is not valid: {why}", self.dn),
        )
        .with_hint("the entry was changed outside postier; fix or remove it")
    }

    fn parsed<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T>) -> Result<T> {
        let raw = self
            .first(name)
            .ok_or_else(|| self.corrupt(format!("{name} is missing")))?;
        parse(raw).map_err(|e| self.corrupt(e))
    }
}

/// `20240501123456Z` (GeneralizedTime, fraction allowed) as
/// `2024-05-01T12:34:56Z`, the form the SQL backends write.
pub fn rfc3339(generalized: &str) -> Option<String> {
    let digits = generalized.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !generalized.ends_with('Z') {
        return None;
    }
    let d = |r: std::ops::Range<usize>| &digits[r];
    Some(format!(
        "{}-{}-{}T{}:{}:{}Z",
        d(0..4),
        d(4..6),
        d(6..8),
        d(8..10),
        d(10..12),
        d(12..14)
    ))
}

fn one(value: impl ToString) -> HashSet<String> {
    HashSet::from([value.to_string()])
}

fn flag(active: bool) -> &'static str {
    if active { "TRUE" } else { "FALSE" }
}

/// The attribute with `value`, or no attribute for an empty value (LDAP
/// strings cannot be empty).
fn optional(name: &str, value: &str) -> Option<(String, HashSet<String>)> {
    (!value.is_empty()).then(|| (name.to_string(), one(value)))
}

/// A replace that removes the attribute for an empty value.
fn replace_optional(name: &str, value: &str) -> Mod<String> {
    let values = if value.is_empty() {
        HashSet::new()
    } else {
        one(value)
    };
    Mod::Replace(name.to_string(), values)
}

fn replace(name: &str, value: impl ToString) -> Mod<String> {
    Mod::Replace(name.to_string(), one(value))
}

fn classes(names: &[&str]) -> (String, HashSet<String>) {
    (
        OBJECT_CLASS.to_string(),
        names.iter().map(|c| c.to_string()).collect(),
    )
}

fn pair(name: &str, value: impl ToString) -> (String, HashSet<String>) {
    (name.to_string(), one(value))
}

/// What every write stamps on the entry: its new version and the change.
pub fn stamp(version: i64, token: &str) -> [Mod<String>; 2] {
    [replace(VERSION, version), replace(CHANGE, token)]
}

// ---- passwords ----

const CRYPT_FAMILY: [&str; 4] = ["SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "CRYPT"];

/// The `userPassword` value for a hash.
pub fn stored_password(hash: &PasswordHash) -> String {
    if CRYPT_FAMILY.contains(&hash.scheme()) {
        format!("{{CRYPT}}{}", hash.hash())
    } else {
        hash.as_str().to_string()
    }
}

/// A `userPassword` value as a Dovecot hash.
pub fn read_password(value: &str) -> Result<PasswordHash> {
    let crypt = value
        .get(..7)
        .filter(|tag| tag.eq_ignore_ascii_case("{CRYPT}"))
        .map(|_| &value[7..]);
    match crypt {
        Some(hash) => {
            let scheme = if hash.starts_with("$6$") {
                "SHA512-CRYPT"
            } else if hash.starts_with("$5$") {
                "SHA256-CRYPT"
            } else if hash.starts_with("$2") {
                "BLF-CRYPT"
            } else {
                "CRYPT"
            };
            PasswordHash::parse(&format!("{{{scheme}}}{hash}"))
        }
        None => PasswordHash::parse(value),
    }
}

// ---- domains ----

pub fn domain_attrs(
    name: &DomainName,
    s: &DomainSettings,
    token: &str,
) -> Vec<(String, HashSet<String>)> {
    let mut attrs = vec![
        classes(&["organizationalUnit", "domainRelatedObject", class::DOMAIN]),
        pair(OU, name),
        pair(ASSOCIATED_DOMAIN, name),
        pair(ACTIVE, flag(true)),
        pair(MAX_MAILBOXES, s.max_mailboxes),
        pair(MAX_ALIASES, s.max_aliases),
        pair(QUOTA, s.quota.as_i64()),
        pair(DEFAULT_QUOTA, s.default_quota.as_i64()),
        pair(VERSION, 1),
        pair(CHANGE, token),
    ];
    attrs.extend(optional(DESCRIPTION, &s.description));
    attrs
}

/// The domain's own fields; counts and alias domains are the reader's.
pub fn domain_from(e: &Entry) -> Result<Domain> {
    Ok(Domain {
        name: e.parsed(ASSOCIATED_DOMAIN, DomainName::parse)?,
        description: e.text(DESCRIPTION),
        active: e.active(),
        mailboxes: 0,
        aliases: 0,
        max_mailboxes: e.count(MAX_MAILBOXES)?,
        max_aliases: e.count(MAX_ALIASES)?,
        quota: e.size(QUOTA)?,
        default_quota: e.size(DEFAULT_QUOTA)?,
        allotted_quota: Size::UNLIMITED,
        alias_domains: Vec::new(),
        created_at: e.time(CREATED)?,
        updated_at: e.time(MODIFIED)?,
        version: e.version()?,
    })
}

/// Every editable field of a domain, as it should be after a change.
pub fn domain_mods(d: &Domain, token: &str) -> Vec<Mod<String>> {
    let mut mods = vec![
        replace_optional(DESCRIPTION, &d.description),
        replace(ACTIVE, flag(d.active)),
        replace(MAX_MAILBOXES, d.max_mailboxes),
        replace(MAX_ALIASES, d.max_aliases),
        replace(QUOTA, d.quota.as_i64()),
        replace(DEFAULT_QUOTA, d.default_quota.as_i64()),
    ];
    mods.extend(stamp(d.version, token));
    mods
}

// ---- alias domains ----

pub fn alias_domain_attrs(
    name: &DomainName,
    target: &DomainName,
    token: &str,
) -> Vec<(String, HashSet<String>)> {
    vec![
        classes(&[
            "organizationalUnit",
            "domainRelatedObject",
            class::ALIAS_DOMAIN,
        ]),
        pair(OU, name),
        pair(ASSOCIATED_DOMAIN, name),
        pair(TARGET_DOMAIN, target),
        pair(ACTIVE, flag(true)),
        pair(VERSION, 1),
        pair(CHANGE, token),
    ]
}

pub fn alias_domain_from(e: &Entry) -> Result<AliasDomain> {
    Ok(AliasDomain {
        name: e.parsed(ASSOCIATED_DOMAIN, DomainName::parse)?,
        target: e.parsed(TARGET_DOMAIN, DomainName::parse)?,
        active: e.active(),
        created_at: e.time(CREATED)?,
        updated_at: e.time(MODIFIED)?,
        version: e.version()?,
    })
}

pub fn alias_domain_mods(a: &AliasDomain, token: &str) -> Vec<Mod<String>> {
    let mut mods = vec![
        replace(TARGET_DOMAIN, &a.target),
        replace(ACTIVE, flag(a.active)),
    ];
    mods.extend(stamp(a.version, token));
    mods
}

// ---- mailboxes ----

pub fn mailbox_attrs(new: &NewMailbox, quota: Size, token: &str) -> Vec<(String, HashSet<String>)> {
    let address = new.address.to_string();
    let local = new.address.local().as_str();
    let mut attrs = vec![
        classes(&["inetOrgPerson", class::MAILBOX]),
        pair(UID, local),
        pair(CN, &address),
        pair(SN, local),
        pair(ADDRESS, &address),
        pair(USER_PASSWORD, stored_password(&new.password)),
        pair(QUOTA, quota.as_i64()),
        pair(MAILDIR, Mailbox::maildir_for(&new.address)),
        pair(ACTIVE, flag(new.active)),
        pair(VERSION, 1),
        pair(CHANGE, token),
    ];
    // `mail` is IA5: an address with a UTF-8 local part lives in
    // postierAddress only.
    if address.is_ascii() {
        attrs.push(pair(MAIL, &address));
    }
    attrs.extend(optional(DISPLAY_NAME, &new.name));
    attrs
}

pub fn mailbox_from(e: &Entry) -> Result<Mailbox> {
    Ok(Mailbox {
        address: e.parsed(ADDRESS, Address::parse)?,
        name: e.text(DISPLAY_NAME),
        password: e.parsed(USER_PASSWORD, read_password)?,
        quota: e.size(QUOTA)?,
        maildir: e.text(MAILDIR),
        active: e.active(),
        created_at: e.time(CREATED)?,
        updated_at: e.time(MODIFIED)?,
        version: e.version()?,
    })
}

/// What [`mailbox_facts_from`] reads.
pub const FACTS_ATTRS: [&str; 5] = [ADDRESS, USER_PASSWORD, QUOTA, MAILDIR, ACTIVE];

/// [`mailbox_from`]'s facts (from an entry read with [`FACTS_ATTRS`]).
pub fn mailbox_facts_from(e: &Entry) -> Result<MailboxFacts> {
    Ok(MailboxFacts {
        address: e.parsed(ADDRESS, Address::parse)?,
        quota: e.size(QUOTA)?,
        maildir: e.text(MAILDIR),
        active: e.active(),
        weak_password: e.parsed(USER_PASSWORD, read_password)?.is_weak(),
    })
}

pub fn mailbox_mods(m: &Mailbox, token: &str) -> Vec<Mod<String>> {
    let mut mods = vec![
        replace_optional(DISPLAY_NAME, &m.name),
        replace(USER_PASSWORD, stored_password(&m.password)),
        replace(QUOTA, m.quota.as_i64()),
        replace(ACTIVE, flag(m.active)),
    ];
    mods.extend(stamp(m.version, token));
    mods
}

// ---- aliases ----

pub fn alias_attrs(
    address: &AliasAddress,
    targets: &[Address],
    token: &str,
) -> Vec<(String, HashSet<String>)> {
    vec![
        classes(&[class::ALIAS]),
        pair(ADDRESS, address),
        (
            ALIAS_TARGET.to_string(),
            targets.iter().map(|t| t.to_string()).collect(),
        ),
        pair(ACTIVE, flag(true)),
        pair(VERSION, 1),
        pair(CHANGE, token),
    ]
}

pub fn alias_from(e: &Entry) -> Result<Alias> {
    let targets = e
        .all(ALIAS_TARGET)
        .iter()
        .map(|t| Address::parse(t).map_err(|err| e.corrupt(err)))
        .collect::<Result<_>>()?;
    Ok(Alias {
        address: e.parsed(ADDRESS, AliasAddress::parse)?,
        targets,
        active: e.active(),
        created_at: e.time(CREATED)?,
        updated_at: e.time(MODIFIED)?,
        version: e.version()?,
    })
}

/// The targets in order. A value set carries no order, so the attribute
/// is emptied and each target appended by its own modification, which the
/// server applies in sequence.
pub fn targets_in_order(targets: &[Address]) -> Vec<Mod<String>> {
    let mut mods = vec![Mod::Replace(ALIAS_TARGET.to_string(), HashSet::new())];
    mods.extend(
        targets
            .iter()
            .map(|t| Mod::Add(ALIAS_TARGET.to_string(), one(t))),
    );
    mods
}

pub fn alias_mods(a: &Alias, token: &str) -> Vec<Mod<String>> {
    let mut mods = targets_in_order(&a.targets);
    mods.push(replace(ACTIVE, flag(a.active)));
    mods.extend(stamp(a.version, token));
    mods
}

// ---- locks ----

pub fn lock_attrs(
    domain: &DomainName,
    token: &str,
    expires: i64,
) -> Vec<(String, HashSet<String>)> {
    vec![
        classes(&["applicationProcess", class::LOCK]),
        pair(CN, domain),
        pair(CHANGE, token),
        pair(LOCK_EXPIRES, expires),
    ]
}

/// When a lock entry's lease runs out (Unix time).
pub fn lock_expires(e: &Entry) -> i64 {
    e.int(LOCK_EXPIRES).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypt_family_is_stored_for_slapd_and_read_back_for_dovecot() {
        let h = PasswordHash::parse("{SHA512-CRYPT}$6$abcdefghijklmnop$xyz").unwrap();
        assert_eq!(stored_password(&h), "{CRYPT}$6$abcdefghijklmnop$xyz");
        assert_eq!(read_password("{CRYPT}$6$abcdefghijklmnop$xyz").unwrap(), h);
        let b = PasswordHash::parse("{BLF-CRYPT}$2y$05$abc").unwrap();
        assert_eq!(read_password(&stored_password(&b)).unwrap(), b);
        let a =
            PasswordHash::parse("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA").unwrap();
        assert_eq!(stored_password(&a), a.as_str());
        assert_eq!(read_password(a.as_str()).unwrap(), a);
    }

    #[test]
    fn generalized_time_becomes_rfc3339() {
        assert_eq!(
            rfc3339("20240501123456Z").as_deref(),
            Some("2024-05-01T12:34:56Z")
        );
        assert_eq!(
            rfc3339("20240501123456.123Z").as_deref(),
            Some("2024-05-01T12:34:56Z")
        );
        assert_eq!(rfc3339("2024"), None);
    }
}
