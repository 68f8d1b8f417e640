//! `LocalPart`, `Address` and `AliasAddress` (an address or a domain's
//! catch-all, written `@domain`).
//!
//! Case: local parts are stored lowercase. Postfix folds lookup keys to
//! lowercase before it queries its tables, so a mixed-case mailbox could
//! never receive mail; folding here keeps `Alice@` and `alice@` one mailbox.

use super::DomainName;
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Characters a dot-atom local part may hold besides letters and digits
/// (RFC 5322 `atext`), minus `/`, which would let a local part escape its
/// maildir directory.
const ATEXT_SPECIALS: &str = "!#$%&'*+-=?^_`{|}~";

/// The part of an address before the `@`: a dot-atom of at most 64 octets.
/// Non-ASCII letters are allowed (SMTPUTF8).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalPart(String);

impl LocalPart {
    pub fn parse(input: &str) -> Result<Self> {
        let what = || format!("local part {input:?}");
        if input.is_empty() {
            return Err(Error::invalid(what(), "is empty"));
        }
        // The rules hold for the form stored: lowercasing can lengthen a
        // name and bring in other characters ("İ" becomes "i" and a
        // combining dot).
        let lower = input.to_lowercase();
        if lower.len() > 64 {
            return Err(Error::invalid(
                what(),
                if lower.len() == input.len() {
                    format!("is {} octets long; the limit is 64", lower.len())
                } else {
                    format!(
                        "is {} octets long in lower case; the limit is 64",
                        lower.len()
                    )
                },
            ));
        }
        let input = lower.as_str();
        if let Some(c) = input.chars().find(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::invalid(
                what(),
                format!("contains the character {c:?}"),
            ));
        }
        if input.starts_with('.') || input.ends_with('.') || input.contains("..") {
            return Err(Error::invalid(
                what(),
                "has a dot at the start or end, or two in a row",
            ));
        }
        if let Some(c) = input
            .chars()
            .find(|&c| !(c.is_alphanumeric() || c == '.' || ATEXT_SPECIALS.contains(c)))
        {
            return Err(Error::invalid(
                what(),
                format!("contains {c:?}, which an address cannot hold here"),
            )
            .with_hint("use letters, digits and . - _ + only"));
        }
        Ok(LocalPart(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A full mail address `local@domain`, at most 254 octets.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    local: LocalPart,
    domain: DomainName,
}

impl Address {
    pub fn new(local: LocalPart, domain: DomainName) -> Result<Self> {
        let len = local.0.len() + 1 + domain.as_ascii().len();
        if len > 254 {
            return Err(Error::invalid(
                format!("address \"{}@{}\"", local.0, domain),
                format!("is {len} octets long; the limit is 254"),
            ));
        }
        Ok(Address { local, domain })
    }

    pub fn parse(input: &str) -> Result<Self> {
        let (local, domain) = input.rsplit_once('@').ok_or_else(|| {
            Error::invalid(format!("address {input:?}"), "has no @")
                .with_hint("write it as name@example.org")
        })?;
        let local = LocalPart::parse(local).map_err(|e| e.about(format!("address {input:?}")))?;
        let domain =
            DomainName::parse(domain).map_err(|e| e.about(format!("address {input:?}")))?;
        Self::new(local, domain).map_err(|e| e.about(format!("address {input:?}")))
    }

    pub fn local(&self) -> &LocalPart {
        &self.local
    }
    pub fn domain(&self) -> &DomainName {
        &self.domain
    }
    /// The address with the domain in U-labels, for people.
    pub fn to_unicode(&self) -> String {
        format!("{}@{}", self.local.0, self.domain.to_unicode())
    }
}

/// The source of an alias: a full address, or a whole domain (catch-all),
/// written `@example.org`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AliasAddress {
    Address(Address),
    CatchAll(DomainName),
}

impl AliasAddress {
    pub fn parse(input: &str) -> Result<Self> {
        match input.strip_prefix('@') {
            Some(domain) => DomainName::parse(domain)
                .map(AliasAddress::CatchAll)
                .map_err(|e| e.about(format!("catch-all {input:?}"))),
            None => Address::parse(input).map(AliasAddress::Address),
        }
    }
    pub fn domain(&self) -> &DomainName {
        match self {
            AliasAddress::Address(a) => a.domain(),
            AliasAddress::CatchAll(d) => d,
        }
    }
    pub fn is_catch_all(&self) -> bool {
        matches!(self, AliasAddress::CatchAll(_))
    }
}

macro_rules! text_value {
    ($ty:ty, $show:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                #[allow(clippy::redundant_closure_call)]
                f.write_str(&($show)(self))
            }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self)
            }
        }
        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::parse(s)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_value!(LocalPart, |l: &LocalPart| l.0.clone());
text_value!(Address, |a: &Address| format!("{}@{}", a.local.0, a.domain));
text_value!(AliasAddress, |a: &AliasAddress| match a {
    AliasAddress::Address(a) => a.to_string(),
    AliasAddress::CatchAll(d) => format!("@{d}"),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fold_case_and_punycode() {
        let a = Address::parse("Alice.Smith@Exämple.org").unwrap();
        assert_eq!(a.to_string(), "alice.smith@xn--exmple-cua.org");
        assert_eq!(a.to_unicode(), "alice.smith@exämple.org");
        assert_eq!(a.local().as_str(), "alice.smith");
    }

    #[test]
    fn rejects_bad_local_parts() {
        for bad in [
            "",
            ".a",
            "a.",
            "a..b",
            "a b",
            "a/b",
            "a\"b",
            "a,b",
            "a\u{7}",
            &"x".repeat(65),
        ] {
            assert!(LocalPart::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            Address::parse("no-at-sign")
                .unwrap_err()
                .why
                .contains("no @")
        );
        let long = format!(
            "{}@{}.org",
            "a".repeat(64),
            ["b".repeat(63), "c".repeat(63), "d".repeat(60)].join(".")
        );
        assert!(Address::parse(&long).unwrap_err().why.contains("254"));
    }

    #[test]
    fn catch_all() {
        let c = AliasAddress::parse("@Example.org").unwrap();
        assert!(c.is_catch_all());
        assert_eq!(c.to_string(), "@example.org");
        assert_eq!(
            AliasAddress::parse("a@example.org").unwrap().to_string(),
            "a@example.org"
        );
    }
}
