//! The directory's entities as read back, and the changes that can be made
//! to them. JSON field names here are part of the outside contract (SPEC.md).

use super::{Address, AliasAddress, DomainName, PasswordHash, Size};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// A hosted domain with its limits and usage counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Domain {
    pub name: DomainName,
    pub description: String,
    pub active: bool,
    /// Number of mailboxes in the domain.
    pub mailboxes: u64,
    /// Number of aliases (catch-all included) in the domain.
    pub aliases: u64,
    /// 0 = unlimited.
    pub max_mailboxes: u64,
    /// 0 = unlimited.
    pub max_aliases: u64,
    /// Cap on the sum of mailbox quotas; 0 = unlimited.
    #[serde(rename = "quota_bytes")]
    pub quota: Size,
    /// Quota given to a new mailbox that names none; 0 = unlimited.
    #[serde(rename = "default_quota_bytes")]
    pub default_quota: Size,
    /// Sum of the quotas of the domain's mailboxes.
    #[serde(rename = "allotted_quota_bytes")]
    pub allotted_quota: Size,
    /// Alias domains that point at this one.
    pub alias_domains: Vec<DomainName>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// `ALIAS_DOMAIN` receives the mail of `TARGET` domain's addresses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasDomain {
    pub name: DomainName,
    pub target: DomainName,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// A mailbox. Its password hash is held but never serialized: JSON shows
/// only `password_scheme`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mailbox {
    pub address: Address,
    pub name: String,
    pub password: PasswordHash,
    pub quota: Size,
    /// Relative to the mail root: `<domain>/<local part>/`.
    pub maildir: String,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// What monitoring needs of a mailbox, read without its password hash,
/// name or times (see [`crate::directory::Directory::mailbox_facts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxFacts {
    pub address: Address,
    pub quota: Size,
    /// As [`Mailbox::maildir`].
    pub maildir: String,
    pub active: bool,
    /// Its password hash's scheme is too weak to keep
    /// ([`PasswordHash::is_weak`]).
    pub weak_password: bool,
}

impl MailboxFacts {
    pub fn domain(&self) -> &DomainName {
        self.address.domain()
    }
}

impl From<&Mailbox> for MailboxFacts {
    fn from(m: &Mailbox) -> MailboxFacts {
        MailboxFacts {
            address: m.address.clone(),
            quota: m.quota,
            maildir: m.maildir.clone(),
            active: m.active,
            weak_password: m.password.is_weak(),
        }
    }
}

impl Mailbox {
    pub fn domain(&self) -> &DomainName {
        self.address.domain()
    }

    /// The maildir path, relative to the mail root, for a new mailbox.
    pub fn maildir_for(address: &Address) -> String {
        format!("{}/{}/", address.domain(), address.local())
    }
}

impl Serialize for Mailbox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Mailbox", 12)?;
        m.serialize_field("address", &self.address)?;
        m.serialize_field("domain", self.address.domain())?;
        m.serialize_field("local_part", self.address.local())?;
        m.serialize_field("name", &self.name)?;
        m.serialize_field("quota_bytes", &self.quota)?;
        m.serialize_field("active", &self.active)?;
        m.serialize_field("password_scheme", self.password.scheme())?;
        m.serialize_field("password_weak", &self.password.is_weak())?;
        m.serialize_field("maildir", &self.maildir)?;
        m.serialize_field("created_at", &self.created_at)?;
        m.serialize_field("updated_at", &self.updated_at)?;
        m.serialize_field("version", &self.version)?;
        m.end()
    }
}

/// An alias (or a domain's catch-all) and where its mail goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub address: AliasAddress,
    pub targets: Vec<Address>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl Serialize for Alias {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Alias", 8)?;
        m.serialize_field("address", &self.address)?;
        m.serialize_field("domain", self.address.domain())?;
        m.serialize_field("catch_all", &self.address.is_catch_all())?;
        m.serialize_field("targets", &self.targets)?;
        m.serialize_field("active", &self.active)?;
        m.serialize_field("created_at", &self.created_at)?;
        m.serialize_field("updated_at", &self.updated_at)?;
        m.serialize_field("version", &self.version)?;
        m.end()
    }
}

/// A new domain's settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DomainSettings {
    pub description: String,
    pub max_mailboxes: u64,
    pub max_aliases: u64,
    pub quota: Size,
    pub default_quota: Size,
}

/// Fields of a domain to change; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DomainPatch {
    pub description: Option<String>,
    pub active: Option<bool>,
    pub max_mailboxes: Option<u64>,
    pub max_aliases: Option<u64>,
    pub quota: Option<Size>,
    pub default_quota: Option<Size>,
}

/// A new mailbox, password already hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMailbox {
    pub address: Address,
    pub name: String,
    #[serde(with = "super::hash::stored")]
    pub password: PasswordHash,
    /// `None`: the domain's default quota.
    pub quota: Option<Size>,
    pub active: bool,
}

/// Fields of a mailbox to change; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MailboxPatch {
    pub name: Option<String>,
    #[serde(with = "super::hash::stored_opt")]
    pub password: Option<PasswordHash>,
    pub quota: Option<Size>,
    pub active: Option<bool>,
}

impl MailboxPatch {
    pub fn is_empty(&self) -> bool {
        *self == MailboxPatch::default()
    }
}

impl DomainPatch {
    pub fn is_empty(&self) -> bool {
        *self == DomainPatch::default()
    }
}

/// Fields of an alias domain to change; `None` keeps the current value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AliasDomainPatch {
    /// The hosted domain whose addresses it receives mail for.
    pub target: Option<DomainName>,
    pub active: Option<bool>,
}

impl AliasDomainPatch {
    pub fn is_empty(&self) -> bool {
        *self == AliasDomainPatch::default()
    }
}

/// Changes to an alias's targets and state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AliasPatch {
    pub add_targets: Vec<Address>,
    pub remove_targets: Vec<Address>,
    pub active: Option<bool>,
}

/// Every change the directory accepts. The ops layer builds these after
/// validation and authorization; a backend applies one atomically together
/// with its audit entry and journal event.
///
/// The serde form is for a backend's own intent log (it holds password
/// hashes); the audit trail records the objects' JSON, never a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    AddDomain {
        name: DomainName,
        settings: DomainSettings,
    },
    EditDomain {
        name: DomainName,
        patch: DomainPatch,
        if_version: Option<i64>,
    },
    /// With `cascade`, the domain's mailboxes, aliases and alias domains go too.
    RemoveDomain {
        name: DomainName,
        cascade: bool,
    },
    AddAliasDomain {
        name: DomainName,
        target: DomainName,
    },
    EditAliasDomain {
        name: DomainName,
        patch: AliasDomainPatch,
        if_version: Option<i64>,
    },
    RemoveAliasDomain {
        name: DomainName,
    },
    AddMailbox(NewMailbox),
    EditMailbox {
        address: Address,
        patch: MailboxPatch,
        if_version: Option<i64>,
    },
    RemoveMailbox {
        address: Address,
        /// Also remove it from the aliases that forward to it (else such
        /// a mailbox is not removed).
        detach: bool,
    },
    AddAlias {
        address: AliasAddress,
        targets: Vec<Address>,
    },
    EditAlias {
        address: AliasAddress,
        patch: AliasPatch,
        if_version: Option<i64>,
    },
    RemoveAlias {
        address: AliasAddress,
    },
}

impl Change {
    /// The audit/journal action name, e.g. `mailbox.add`.
    pub fn action(&self) -> &'static str {
        match self {
            Change::AddDomain { .. } => "domain.add",
            Change::EditDomain { .. } => "domain.edit",
            Change::RemoveDomain { .. } => "domain.rm",
            Change::AddAliasDomain { .. } => "alias_domain.add",
            Change::EditAliasDomain { .. } => "alias_domain.edit",
            Change::RemoveAliasDomain { .. } => "alias_domain.rm",
            Change::AddMailbox(_) => "mailbox.add",
            Change::EditMailbox { .. } => "mailbox.edit",
            Change::RemoveMailbox { .. } => "mailbox.rm",
            Change::AddAlias { .. } => "alias.add",
            Change::EditAlias { .. } => "alias.edit",
            Change::RemoveAlias { .. } => "alias.rm",
        }
    }

    /// The object the change is about, as text.
    pub fn object(&self) -> String {
        match self {
            Change::AddDomain { name, .. }
            | Change::EditDomain { name, .. }
            | Change::RemoveDomain { name, .. }
            | Change::AddAliasDomain { name, .. }
            | Change::EditAliasDomain { name, .. }
            | Change::RemoveAliasDomain { name } => name.to_string(),
            Change::AddMailbox(m) => m.address.to_string(),
            Change::EditMailbox { address, .. } | Change::RemoveMailbox { address, .. } => {
                address.to_string()
            }
            Change::AddAlias { address, .. }
            | Change::EditAlias { address, .. }
            | Change::RemoveAlias { address } => address.to_string(),
        }
    }
}

/// What a change left behind.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Domain(Domain),
    AliasDomain(AliasDomain),
    Mailbox(Mailbox),
    Alias(Alias),
    Removed,
    /// A domain removed with everything it held.
    DomainRemoved(DomainRemoval),
}

/// What went with a removed domain.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DomainRemoval {
    pub mailboxes: Vec<Address>,
    pub aliases: Vec<AliasAddress>,
    pub alias_domains: Vec<DomainName>,
}

impl DomainRemoval {
    /// What removing `domain` with these members takes, and the audit
    /// record of it: the domain as it was, with every removed mailbox (and
    /// its maildir, for backups) and alias listed.
    pub fn of(
        domain: &Domain,
        mailboxes: &[Mailbox],
        aliases: &[Alias],
    ) -> (DomainRemoval, serde_json::Value) {
        let mut before = serde_json::to_value(domain).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut before {
            let listed: Vec<_> = mailboxes
                .iter()
                .map(|m| serde_json::json!({"address": m.address, "maildir": m.maildir}))
                .collect();
            map.insert("mailboxes".into(), listed.into());
            let aliases: Vec<_> = aliases.iter().map(|a| a.address.to_string()).collect();
            map.insert("aliases".into(), aliases.into());
        }
        let removal = DomainRemoval {
            mailboxes: mailboxes.iter().map(|m| m.address.clone()).collect(),
            aliases: aliases.iter().map(|a| a.address.clone()).collect(),
            alias_domains: domain.alias_domains.clone(),
        };
        (removal, before)
    }

    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty() && self.aliases.is_empty() && self.alias_domains.is_empty()
    }
}

/// One line of the audit trail. `before`/`after` are the objects' JSON
/// forms, which never hold a password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// An event of the journal (outbox) that hooks consume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEvent {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub object: String,
    pub payload: serde_json::Value,
}

impl JournalEvent {
    /// The payload as the journal stores it (JSON text); a missing or
    /// unreadable one reads as `null`, so one bad row cannot stop the
    /// hooks that wait behind it.
    pub fn decode_payload(text: Option<&str>) -> serde_json::Value {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(serde_json::Value::Null)
    }
}
