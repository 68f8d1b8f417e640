//! DKIM key identity shared by the key store and the DNS check: the
//! selector (a validated DNS label sequence), the key algorithm (the
//! record's `k=` tag) and where a key is in its life.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A DKIM selector: one or more dot-separated labels of letters, digits
/// and hyphens, at most 63 octets each; stored lowercase.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector(String);

impl Selector {
    pub fn parse(input: &str) -> Result<Selector> {
        let what = || format!("selector {input:?}");
        let lower = input.to_ascii_lowercase();
        if lower.is_empty() || lower.len() > 200 {
            return Err(Error::invalid(what(), "must be 1 to 200 characters long")
                .with_hint("e.g. s1 or 2026a"));
        }
        for label in lower.split('.') {
            let valid = !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !valid {
                return Err(Error::invalid(
                    what(),
                    "may hold only letters, digits and inner hyphens, in dot-separated labels",
                )
                .with_hint("e.g. s1 or 2026a"));
            }
        }
        Ok(Selector(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The next selector in a rotation: the trailing number plus one
    /// (`s1` → `s2`, `2026a` → `2026a2`), or `-2` appended; an error when
    /// that is no selector (the number or a label would grow too long).
    pub fn next(&self) -> Result<Selector> {
        let digits = self.0.len() - self.0.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (stem, number) = self.0.split_at(self.0.len() - digits);
        let next = match number.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
            Some(n) if !stem.is_empty() => format!("{stem}{n}"),
            _ => format!("{}-2", self.0),
        };
        Selector::parse(&next).map_err(|_| {
            Error::invalid(
                format!("selector {:?}", self.0),
                "has no successor that is a valid selector",
            )
            .with_hint("name the new selector: postier dkim rotate DOMAIN --selector NAME")
        })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Selector({})", self.0)
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Selector::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The key type, as DKIM's `k=` tag names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyAlgorithm {
    Rsa,
    Ed25519,
}

impl KeyAlgorithm {
    pub fn tag(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa => "rsa",
            KeyAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// Where a key is in its life (see `postier dkim rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Signs mail; must be published.
    Active,
    /// Made by a rotation; to be published, then it takes over.
    Pending,
    /// Replaced; stays published for the grace period so that mail
    /// already signed still verifies.
    Retiring,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Pending => "pending",
            KeyState::Retiring => "retiring",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(Selector::parse("S1").unwrap().as_str(), "s1");
        assert_eq!(Selector::parse("2026.a").unwrap().as_str(), "2026.a");
        for bad in ["", "a_b", "-a", "a.", "a b", "é"] {
            assert!(Selector::parse(bad).is_err(), "{bad:?}");
        }
        let next = |s: &str| Selector::parse(s).unwrap().next().map(|n| n.0);
        assert_eq!(next("s1").unwrap(), "s2");
        assert_eq!(next("s9").unwrap(), "s10");
        assert_eq!(next("mail").unwrap(), "mail-2");
        assert_eq!(next("2026").unwrap(), "2026-2");
    }
}
