//! The directory information tree postier keeps under the base DN, and the
//! DN of every object in it. Every value that goes into a DN is escaped by
//! RFC 4514 rules here, and nowhere else:
//!
//! ```text
//! <base>
//!   ou=domains                        domains and alias domains (one namespace)
//!     ou=example.org                  organizationalUnit + domainRelatedObject + postierDomain
//!       uid=alice                     inetOrgPerson + postierMailbox
//!       postierAddress=info@example.org   postierAlias (the catch-all: postierAddress=@example.org)
//!     ou=example.net                  organizationalUnit + domainRelatedObject + postierAliasDomain
//!   ou=locks
//!     cn=example.org                  applicationProcess + postierLock (a lease, while a change runs)
//! ```

use crate::model::{Address, AliasAddress, DomainName};
use ldap3::dn_escape;

pub const DOMAINS: &str = "domains";
pub const LOCKS: &str = "locks";

/// DNs under one base DN.
#[derive(Debug, Clone)]
pub struct Dit {
    base: String,
}

impl Dit {
    pub fn new(base: &str) -> Dit {
        Dit {
            base: base.to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `ou=domains,<base>`: domains and alias domains.
    pub fn domains(&self) -> String {
        format!("ou={DOMAINS},{}", self.base)
    }

    /// `ou=locks,<base>`: domain leases.
    pub fn locks(&self) -> String {
        format!("ou={LOCKS},{}", self.base)
    }

    /// A domain's or an alias domain's entry (they share the namespace, so
    /// a name can never be both).
    pub fn domain(&self, name: &DomainName) -> String {
        format!("ou={},{}", dn_escape(name.as_ascii()), self.domains())
    }

    pub fn mailbox(&self, address: &Address) -> String {
        format!(
            "uid={},{}",
            dn_escape(address.local().as_str()),
            self.domain(address.domain())
        )
    }

    pub fn alias(&self, address: &AliasAddress) -> String {
        format!(
            "postierAddress={},{}",
            dn_escape(address.to_string()),
            self.domain(address.domain())
        )
    }

    /// The lease a change takes on a domain while it checks and writes.
    pub fn lock(&self, domain: &DomainName) -> String {
        format!("cn={},{}", dn_escape(domain.as_ascii()), self.locks())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_in_dns() {
        let dit = Dit::new("dc=example,dc=net");
        let hostile = Address::parse("#a+b=c*@example.org").unwrap();
        assert_eq!(
            dit.mailbox(&hostile),
            "uid=\\23a\\2bb\\3dc*,ou=example.org,ou=domains,dc=example,dc=net"
        );
        let catch_all = AliasAddress::parse("@example.org").unwrap();
        assert_eq!(
            dit.alias(&catch_all),
            "postierAddress=@example.org,ou=example.org,ou=domains,dc=example,dc=net"
        );
        let utf8 = Address::parse("jürgen@example.org").unwrap();
        assert!(dit.mailbox(&utf8).starts_with("uid=jürgen,"));
    }
}
