//! `DomainName`: a mail domain, stored as lowercase A-labels (punycode) and
//! shown as U-labels.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A fully qualified domain name that can receive mail.
///
/// Parsing applies UTS #46 (IDNA) mapping, so `Exämple.ORG` and
/// `xn--exmple-cua.org` are the same value. Limits: 253 octets in A-label
/// form, labels of 1..=63 letters, digits or hyphens (no hyphen at either
/// end), at least two labels, and a top-level label that is not all digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    pub fn parse(input: &str) -> Result<Self> {
        let what = || format!("domain {input:?}");
        let trimmed = input.strip_suffix('.').unwrap_or(input);
        if trimmed.is_empty() {
            return Err(
                Error::invalid(what(), "is empty").with_hint("give a name such as example.org")
            );
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(
                what(),
                "contains whitespace or control characters",
            ));
        }
        let not_a_name =
            || Error::invalid(what(), "is not a valid (internationalized) domain name");
        let ascii = idna::domain_to_ascii(trimmed)
            .map_err(|_| not_a_name())?
            .to_ascii_lowercase();
        // The name as people read it must lead back to the same name: an
        // A-label whose own U-label looks like an A-label ("xn--xn--…",
        // reached from a Unicode spelling such as a Kelvin sign for K)
        // would show as text that no longer parses. (A name without
        // A-labels reads as it is written.)
        if ascii.contains("xn--") {
            let (unicode, decoded) = idna::domain_to_unicode(&ascii);
            if decoded.is_err()
                || !idna::domain_to_ascii(&unicode)
                    .is_ok_and(|again| again.eq_ignore_ascii_case(&ascii))
            {
                return Err(not_a_name());
            }
        }
        if ascii.len() > 253 {
            return Err(Error::invalid(
                what(),
                format!("is {} octets long; the limit is 253", ascii.len()),
            ));
        }
        let labels: Vec<&str> = ascii.split('.').collect();
        if labels.len() < 2 {
            return Err(Error::invalid(what(), "needs at least two labels")
                .with_hint("give the full domain, e.g. example.org"));
        }
        for label in &labels {
            if label.is_empty() || label.len() > 63 {
                return Err(Error::invalid(
                    what(),
                    "has a label that is empty or longer than 63 octets",
                ));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(Error::invalid(
                    what(),
                    format!("label {label:?} may hold only letters, digits and hyphens"),
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(Error::invalid(
                    what(),
                    format!("label {label:?} starts or ends with a hyphen"),
                ));
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::invalid(
                what(),
                "looks like an IP address, not a domain",
            ));
        }
        Ok(DomainName(ascii))
    }

    /// The A-label form (`xn--…`), as stored and as the mail stack sees it.
    pub fn as_ascii(&self) -> &str {
        &self.0
    }

    /// The U-label form, for people.
    pub fn to_unicode(&self) -> String {
        let (unicode, result) = idna::domain_to_unicode(&self.0);
        if result.is_ok() {
            unicode
        } else {
            self.0.clone()
        }
    }

    /// True when the name has internationalized labels.
    pub fn is_idn(&self) -> bool {
        self.0.split('.').any(|l| l.starts_with("xn--"))
    }
}

/// `text` with every A-label domain name in it (`xn--…`, alone or after
/// an `@`) shown as its U-label, for people: errors and messages quote
/// stored names, which are A-labels. Anything that does not decode is left
/// as it is.
pub fn unicode_names(text: &str) -> String {
    if !text.contains("xn--") && !text.contains("XN--") {
        return text.to_string();
    }
    let is_name_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@' | '_' | '+');
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.to_ascii_lowercase().contains("xn--") {
            let (local, domain) = match word.rsplit_once('@') {
                Some((l, d)) => (Some(l), d),
                None => (None, word.as_str()),
            };
            let (unicode, result) = idna::domain_to_unicode(domain);
            if result.is_ok() {
                if let Some(local) = local {
                    out.push_str(local);
                    out.push('@');
                }
                out.push_str(&unicode);
                word.clear();
                return;
            }
        }
        out.push_str(word);
        word.clear();
    };
    for c in text.chars() {
        if is_name_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl fmt::Display for DomainName {
    /// Shows the A-label form: stable, and what the mail stack uses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DomainName({})", self.0)
    }
}

impl FromStr for DomainName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DomainName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_punycodes() {
        let d = DomainName::parse("Exämple.ORG").unwrap();
        assert_eq!(d.as_ascii(), "xn--exmple-cua.org");
        assert_eq!(d.to_unicode(), "exämple.org");
        assert_eq!(
            unicode_names(
                "domain xn--exmple-cua.org: alias a@xn--exmple-cua.org, see \"XN--EXMPLE-CUA.ORG.\" (x@example.org)"
            ),
            "domain exämple.org: alias a@exämple.org, see \"exämple.org.\" (x@example.org)"
        );
        assert_eq!(unicode_names("xn--bad-"), "xn--bad-");
        assert!(d.is_idn());
        assert_eq!(DomainName::parse("xn--exmple-cua.org").unwrap(), d);
        assert_eq!(
            DomainName::parse("example.org.").unwrap().as_ascii(),
            "example.org"
        );
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "",
            "org",
            "-a.org",
            "a-.org",
            "a..org",
            "a b.org",
            "a_b.org",
            "1.2.3.4",
            "exa\u{0}mple.org",
        ] {
            let err = DomainName::parse(bad).unwrap_err();
            assert_eq!(err.kind, crate::error::ErrorKind::Invalid, "{bad:?}");
            assert!(err.what.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        }
        let long_label = format!("{}.org", "a".repeat(64));
        assert!(DomainName::parse(&long_label).is_err());
        let at_limit = format!("{}org", "abcdefghi.".repeat(25));
        assert_eq!(DomainName::parse(&at_limit).unwrap().as_ascii().len(), 253);
        let long = format!("{}org", "abcdefghi.".repeat(26));
        assert!(DomainName::parse(&long).unwrap_err().why.contains("253"));
    }
}
