//! `PasswordHash`: a stored password hash in Dovecot's `{SCHEME}hash` form.
//! Never a plaintext password; its `Debug` shows only the scheme.

use crate::error::{Error, Result};
use std::fmt;

/// The Dovecot schemes postier writes or accepts on import.
pub const KNOWN_SCHEMES: &[&str] = &[
    "SHA512-CRYPT",
    "SHA256-CRYPT",
    "BLF-CRYPT",
    "ARGON2ID",
    "ARGON2I",
    "MD5-CRYPT",
    "CRYPT",
    "SSHA512",
    "SSHA256",
    "SSHA",
    // Legacy digests other systems keep, for import only (all weak).
    "SHA512",
    "SHA256",
    "SHA",
    "SHA1",
    "SMD5",
    "PLAIN-MD5",
    "LDAP-MD5",
    "MD5",
];

/// The digest size in bytes of each legacy digest scheme, and whether a
/// salt follows it (Dovecot's `{SSHA…}`/`{SMD5}`: digest then salt).
const DIGESTS: &[(&str, usize, bool)] = &[
    ("SHA512", 64, false),
    ("SHA256", 32, false),
    ("SHA", 20, false),
    ("SHA1", 20, false),
    ("PLAIN-MD5", 16, false),
    ("LDAP-MD5", 16, false),
    ("SSHA512", 64, true),
    ("SSHA256", 32, true),
    ("SSHA", 20, true),
    ("SMD5", 16, true),
];

/// Checks a legacy digest the way Dovecot decodes it: base64, or hex for
/// the unsalted ones, of the digest's size (plus a salt when salted).
fn check_digest(scheme: &str, hash: &str) -> std::result::Result<(), String> {
    use base64::Engine;
    let Some((_, size, salted)) = DIGESTS.iter().find(|(s, _, _)| *s == scheme) else {
        return Ok(());
    };
    if !salted && hash.len() == size * 2 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(hash)
        .map_err(|_| {
            format!("a {{{scheme}}} hash must be base64 (or hex), as doveadm pw writes it")
        })?;
    let fits = if *salted {
        bytes.len() > *size
    } else {
        bytes.len() == *size
    };
    if fits {
        Ok(())
    } else if *salted {
        Err(format!(
            "a {{{scheme}}} hash holds a {size}-byte digest then a salt, this one {} bytes",
            bytes.len()
        ))
    } else {
        Err(format!(
            "a {{{scheme}}} hash holds a {size}-byte digest, this one {} bytes",
            bytes.len()
        ))
    }
}

/// Bare crypt(3) prefixes and the Dovecot scheme that verifies each.
const BARE_PREFIXES: &[(&str, &str)] = &[
    ("$6$", "SHA512-CRYPT"),
    ("$5$", "SHA256-CRYPT"),
    ("$2y$", "BLF-CRYPT"),
    ("$2b$", "BLF-CRYPT"),
    ("$2a$", "BLF-CRYPT"),
    ("$1$", "MD5-CRYPT"),
    ("$argon2id$", "ARGON2ID"),
    ("$argon2i$", "ARGON2I"),
];

#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Accepts `{SCHEME}hash` for a scheme Dovecot knows. Plaintext schemes
    /// (`{PLAIN}`, `{CLEARTEXT}`) are refused: they would store the password.
    pub fn parse(input: &str) -> Result<Self> {
        let what = "password hash";
        let (scheme, scheme_upper, hash) = Self::split_scheme(input)?;
        Self::check_scheme(scheme, &scheme_upper)?;
        if hash.is_empty() || hash.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid(
                what,
                format!("the {{{scheme_upper}}} hash is empty or contains whitespace"),
            ));
        }
        let expected_prefix = match scheme_upper.as_str() {
            "SHA512-CRYPT" => Some("$6$"),
            "SHA256-CRYPT" => Some("$5$"),
            "BLF-CRYPT" => Some("$2"),
            "ARGON2ID" => Some("$argon2id$"),
            "ARGON2I" => Some("$argon2i$"),
            "MD5-CRYPT" => Some("$1$"),
            _ => None,
        };
        if let Some(prefix) = expected_prefix
            && !hash.starts_with(prefix)
        {
            return Err(Error::invalid(
                what,
                format!("a {{{scheme_upper}}} hash must start with {prefix}"),
            ));
        }
        check_digest(&scheme_upper, hash).map_err(|why| Error::invalid(what, why))?;
        Ok(PasswordHash(format!("{{{scheme_upper}}}{hash}")))
    }

    /// The scheme of a hash stored as `stored` (its `{SCHEME}` start is
    /// enough), as [`PasswordHash::scheme`] names it, refused as
    /// [`PasswordHash::parse`] refuses it: what monitoring reads instead of
    /// the whole hash.
    pub fn stored_scheme(stored: &str) -> Result<String> {
        let (scheme, scheme_upper, _) = Self::split_scheme(stored)?;
        Self::check_scheme(scheme, &scheme_upper)?;
        Ok(scheme_upper)
    }

    /// Refuses a plaintext scheme and one Dovecot does not know.
    fn check_scheme(scheme: &str, scheme_upper: &str) -> Result<()> {
        let what = "password hash";
        if matches!(
            scheme_upper,
            "PLAIN" | "CLEAR" | "CLEARTEXT" | "PLAIN-TRUNC"
        ) {
            return Err(Error::invalid(
                what,
                format!("{{{scheme}}} is the password itself, not a hash"),
            )
            .with_hint("import it as password_plain: postier hashes it"));
        }
        if !KNOWN_SCHEMES.contains(&scheme_upper) {
            return Err(
                Error::invalid(what, format!("scheme {{{scheme}}} is not supported"))
                    .with_hint(format!("supported: {}", KNOWN_SCHEMES.join(", "))),
            );
        }
        Ok(())
    }

    /// `{scheme}hash` as the scheme as given, in upper case (`{MD5}` read
    /// as MD5-CRYPT), and the hash.
    fn split_scheme(input: &str) -> Result<(&str, String, &str)> {
        let what = "password hash";
        let hint = "give a Dovecot hash such as '{SHA512-CRYPT}$6$…' (doveadm pw -s SHA512-CRYPT makes one)";
        let rest = input
            .strip_prefix('{')
            .ok_or_else(|| Error::invalid(what, "does not start with {SCHEME}").with_hint(hint))?;
        let (scheme, hash) = rest
            .split_once('}')
            .ok_or_else(|| Error::invalid(what, "does not start with {SCHEME}").with_hint(hint))?;
        let mut scheme_upper = scheme.to_ascii_uppercase();
        if scheme_upper == "MD5" {
            // Dovecot's {MD5} is MD5-CRYPT (slapd's {MD5} is another thing:
            // the one name stored keeps the two apart).
            scheme_upper = "MD5-CRYPT".to_string();
        }
        Ok((scheme, scheme_upper, hash))
    }

    /// Accepts a hash in Dovecot's `{SCHEME}hash` form, or a bare crypt(3)
    /// hash as other systems store them (`$6$…`, `$5$…`, `$2y$…`, `$2b$…`,
    /// `$1$…`, `$argon2id$…`), given the scheme Dovecot verifies it with.
    pub fn parse_any(input: &str) -> Result<Self> {
        if input.starts_with('{') {
            return Self::parse(input);
        }
        let scheme = BARE_PREFIXES
            .iter()
            .find(|(prefix, _)| input.starts_with(prefix))
            .map(|(_, scheme)| *scheme)
            .ok_or_else(|| {
                Error::invalid(
                    "password hash",
                    "is neither {SCHEME}… nor a crypt hash postier knows",
                )
                .with_hint(
                    "give '{SCHEME}hash', or a bare $6$, $5$, $2y$, $2b$, $1$ or $argon2id$ hash",
                )
            })?;
        Self::parse(&format!("{{{scheme}}}{input}"))
    }

    /// Is this a scheme too weak to keep (MD5, unsalted or fast hashes)?
    /// Its members should be asked to change password.
    pub fn is_weak(&self) -> bool {
        Self::scheme_is_weak(self.scheme())
    }

    /// Is `scheme` (as [`PasswordHash::scheme`] names it) too weak to keep?
    pub fn scheme_is_weak(scheme: &str) -> bool {
        matches!(scheme, "MD5-CRYPT" | "CRYPT") || DIGESTS.iter().any(|(s, _, _)| *s == scheme)
    }

    /// Builds from a scheme and a hash made by postier itself.
    pub(crate) fn from_parts(scheme: &str, hash: &str) -> Self {
        PasswordHash(format!("{{{scheme}}}{hash}"))
    }

    pub fn scheme(&self) -> &str {
        self.0[1..].split('}').next().unwrap_or_default()
    }

    /// The part after `{SCHEME}`.
    pub fn hash(&self) -> &str {
        self.0.split_once('}').map(|(_, h)| h).unwrap_or_default()
    }

    /// The whole stored form, `{SCHEME}hash`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasswordHash({{{}}}…)", self.scheme())
    }
}

/// Serde of a hash in its stored `{SCHEME}hash` form, for the fields that
/// must keep it (a backend's intent log). `PasswordHash` itself is not
/// `Serialize`, so no hash reaches JSON by accident.
pub(crate) mod stored {
    use super::PasswordHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &PasswordHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(h.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PasswordHash, D::Error> {
        let text = String::deserialize(d)?;
        PasswordHash::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// [`stored`] for an optional hash.
pub(crate) mod stored_opt {
    use super::PasswordHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &Option<PasswordHash>, s: S) -> Result<S::Ok, S::Error> {
        match h {
            Some(h) => s.serialize_some(h.as_str()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PasswordHash>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| PasswordHash::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_of_a_stored_hash_names_its_scheme() {
        // What a SQL backend reads for monitoring: the first characters.
        let stored = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH";
        assert_eq!(
            PasswordHash::stored_scheme(&stored[..32]).unwrap(),
            "SHA512-CRYPT"
        );
        assert_eq!(
            PasswordHash::stored_scheme("{md5}$1$ab").unwrap(),
            "MD5-CRYPT"
        );
        for (start, weak) in [
            ("{SSHA}", true),
            ("{BLF-CRYPT}$2y$", false),
            ("{CRYPT}ab", true),
        ] {
            let scheme = PasswordHash::stored_scheme(start).unwrap();
            assert_eq!(PasswordHash::scheme_is_weak(&scheme), weak, "{start}");
        }
        for bad in ["", "$6$abc", "{PLAIN}secret", "{NOPE}x", "{SHA512-CRYPT"] {
            assert!(PasswordHash::stored_scheme(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_and_hides() {
        let h = PasswordHash::parse("{sha512-crypt}$6$abc$def").unwrap();
        assert_eq!(h.scheme(), "SHA512-CRYPT");
        assert_eq!(h.as_str(), "{SHA512-CRYPT}$6$abc$def");
        assert!(!format!("{h:?}").contains("abc"));
        assert!(PasswordHash::parse("{PLAIN}secret").is_err());
        assert!(PasswordHash::parse("$6$abc").is_err());
        assert!(PasswordHash::parse("{SHA512-CRYPT}$2y$abc").is_err());
    }

    #[test]
    fn bare_crypt_hashes_get_their_scheme() {
        for (bare, scheme) in [
            ("$6$salt$hash", "SHA512-CRYPT"),
            ("$5$salt$hash", "SHA256-CRYPT"),
            ("$2y$10$abcdefghijklmnopqrstuv", "BLF-CRYPT"),
            ("$2b$10$abcdefghijklmnopqrstuv", "BLF-CRYPT"),
            ("$1$salt$hash", "MD5-CRYPT"),
            ("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "ARGON2ID"),
        ] {
            let h = PasswordHash::parse_any(bare).unwrap();
            assert_eq!(h.scheme(), scheme, "{bare}");
            assert_eq!(h.hash(), bare);
        }
        assert!(PasswordHash::parse_any("$1$salt$hash").unwrap().is_weak());
        assert!(!PasswordHash::parse_any("$6$salt$hash").unwrap().is_weak());
        assert!(PasswordHash::parse_any("plaintext").is_err());
        assert!(PasswordHash::parse_any("{MD5-CRYPT}$6$x").is_err());
        assert_eq!(
            PasswordHash::parse_any("{SHA512-CRYPT}$6$a$b")
                .unwrap()
                .as_str(),
            "{SHA512-CRYPT}$6$a$b"
        );
    }
}
