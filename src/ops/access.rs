//! Who is acting, and what their role lets them do.
//!
//! The Unix login maps to a role through the config's `[access]` table.
//! The TUI may hide what a role cannot do; this module is what refuses it.

use crate::config::AccessConfig;
use crate::error::{Error, Result};
use crate::model::DomainName;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Everything.
    Admin,
    /// Mailboxes and aliases of these domains only.
    DomainAdmin(Vec<DomainName>),
    /// The DNS self-check of these domains only; no directory access.
    Contact(Vec<DomainName>),
}

/// The caller: a Unix user name and the role it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: String,
    pub role: Role,
}

impl Actor {
    /// The user running this process. Under sudo, the invoking user is
    /// recorded (only trusted when we really are root).
    pub fn current_user() -> String {
        let uid = users::get_current_uid();
        if uid == 0
            && let Ok(sudo_user) = std::env::var("SUDO_USER")
            && !sudo_user.is_empty()
        {
            return sudo_user;
        }
        users::get_current_username()
            .map(|u| u.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("uid {uid}"))
    }

    /// Maps `user` to a role. With no `[access]` table, everyone who can
    /// open the directory is an admin.
    pub fn from_config(user: String, access: &AccessConfig) -> Result<Actor> {
        if !access.is_configured() || access.admins.contains(&user) {
            return Ok(Actor {
                user,
                role: Role::Admin,
            });
        }
        if let Some(domains) = access.domain_admins.get(&user) {
            return Ok(Actor {
                role: Role::DomainAdmin(domains.clone()),
                user,
            });
        }
        if let Some(domains) = access.contacts.get(&user) {
            return Ok(Actor {
                role: Role::Contact(domains.clone()),
                user,
            });
        }
        Err(Error::forbidden(
            format!("user {user}"),
            "has no role in postier's [access] configuration",
        )
        .with_hint("ask an admin to add you to [access] in postier.toml"))
    }

    pub fn admin(user: &str) -> Actor {
        Actor {
            user: user.to_string(),
            role: Role::Admin,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// May change mailboxes and aliases of `domain`.
    pub fn may_manage(&self, domain: &DomainName) -> bool {
        match &self.role {
            Role::Admin => true,
            Role::DomainAdmin(ds) => ds.contains(domain),
            Role::Contact(_) => false,
        }
    }

    /// May see `domain` at all.
    pub fn may_read(&self, domain: &DomainName) -> bool {
        match &self.role {
            Role::Admin => true,
            Role::DomainAdmin(ds) | Role::Contact(ds) => ds.contains(domain),
        }
    }

    pub fn require_admin(&self, what: &str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden(
                what,
                format!("only an admin may do this, and {} is not one", self.user),
            ))
        }
    }

    pub fn require_manage(&self, domain: &DomainName, what: &str) -> Result<()> {
        if self.may_manage(domain) {
            Ok(())
        } else {
            Err(Error::forbidden(
                what,
                format!("{} may not manage domain {domain}", self.user),
            ))
        }
    }

    pub fn require_read(&self, domain: &DomainName) -> Result<()> {
        if self.may_read(domain) {
            Ok(())
        } else {
            Err(Error::forbidden(
                format!("domain {domain}"),
                format!("{} may not see this domain", self.user),
            ))
        }
    }
}
