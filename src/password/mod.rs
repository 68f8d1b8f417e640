//! Passwords: Dovecot-compatible hashing (SHA512-CRYPT, BLF-CRYPT,
//! ARGON2ID), verification, and generation of strong random passwords.
//!
//! Plaintext lives only in [`Password`], whose `Debug` is redacted and whose
//! memory is wiped on drop. Hashing is CPU-heavy: async callers use
//! [`hash_async`], which runs it on the blocking pool, never on a runtime
//! worker thread.

use crate::error::{Error, Result};
use crate::model::PasswordHash;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::str::FromStr;

/// A plaintext password, kept out of logs and debug output.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Wraps a password typed or read by a front-end. Refuses empty ones and
    /// ones with line breaks or control characters (they cannot be typed at
    /// an IMAP client's prompt and are almost always a copy/paste accident).
    pub fn new(plain: String) -> Result<Self> {
        if plain.is_empty() {
            return Err(Error::invalid("password", "is empty"));
        }
        if plain.chars().any(char::is_control) {
            return Err(Error::invalid(
                "password",
                "contains a line break or control character",
            ));
        }
        if plain.chars().count() < MIN_LENGTH {
            return Err(Error::invalid(
                "password",
                format!("is shorter than {MIN_LENGTH} characters"),
            )
            .with_hint("use --generate-password for a strong one"));
        }
        Ok(Password(SecretString::from(plain)))
    }

    /// A fresh random password: 20 characters from an alphabet without
    /// look-alikes (no 0/O, 1/l/I), about 115 bits, grouped by dashes for
    /// reading aloud or copying: `xxxxx-xxxxx-xxxxx-xxxxx`.
    pub fn generate() -> Self {
        const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::rng();
        let groups: Vec<String> = (0..4)
            .map(|_| {
                (0..5)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect()
            })
            .collect();
        Password(SecretString::from(groups.join("-")))
    }

    /// The plaintext, for hashing or showing once to the admin.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// Passwords shorter than this are refused.
pub const MIN_LENGTH: usize = 8;

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The hashing schemes postier writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Scheme {
    #[default]
    #[serde(rename = "SHA512-CRYPT")]
    Sha512Crypt,
    #[serde(rename = "BLF-CRYPT")]
    BlfCrypt,
    #[serde(rename = "ARGON2ID")]
    Argon2id,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Sha512Crypt => "SHA512-CRYPT",
            Scheme::BlfCrypt => "BLF-CRYPT",
            Scheme::Argon2id => "ARGON2ID",
        }
    }
}

impl FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "SHA512-CRYPT" => Ok(Scheme::Sha512Crypt),
            "BLF-CRYPT" => Ok(Scheme::BlfCrypt),
            "ARGON2ID" => Ok(Scheme::Argon2id),
            _ => Err(Error::invalid(
                format!("password scheme {s:?}"),
                "is not one postier writes",
            )
            .with_hint("use SHA512-CRYPT, BLF-CRYPT or ARGON2ID")),
        }
    }
}

/// bcrypt cost: 2^10 rounds, Dovecot's own default for BLF-CRYPT.
const BCRYPT_COST: u32 = 10;

fn hash_failed(e: impl fmt::Display) -> Error {
    Error::unavailable("password hashing", e.to_string())
}

/// Hashes `password` with `scheme`, in Dovecot's `{SCHEME}…` form.
pub fn hash(password: &Password, scheme: Scheme) -> Result<PasswordHash> {
    let plain = password.expose().as_bytes();
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let hash = match scheme {
        Scheme::Sha512Crypt => {
            use sha_crypt::{PasswordHasher, ShaCrypt};
            // 12 random bytes encode to the 16 salt characters Dovecot
            // accepts; sha-crypt's own default (22) is refused by Dovecot.
            ShaCrypt::SHA512
                .hash_password_with_salt(plain, &salt[..12])
                .map_err(hash_failed)?
                .to_string()
        }
        Scheme::BlfCrypt => bcrypt::hash_with_salt(plain, BCRYPT_COST, salt)
            .map_err(hash_failed)?
            .format_for_version(bcrypt::Version::TwoY),
        Scheme::Argon2id => {
            use argon2::{Argon2, PasswordHasher};
            Argon2::default()
                .hash_password_with_salt(plain, &salt)
                .map_err(hash_failed)?
                .to_string()
        }
    };
    Ok(PasswordHash::from_parts(scheme.name(), &hash))
}

/// Hashes on the blocking pool, keeping async worker threads free.
pub async fn hash_async(password: Password, scheme: Scheme) -> Result<PasswordHash> {
    tokio::task::spawn_blocking(move || hash(&password, scheme))
        .await
        .map_err(hash_failed)?
}

/// True when `password` matches `stored`. Schemes postier does not write
/// verify as `Err(Invalid)`, not as a mismatch.
pub fn verify(password: &Password, stored: &PasswordHash) -> Result<bool> {
    let plain = password.expose().as_bytes();
    let hash = stored.hash();
    match stored.scheme() {
        "SHA512-CRYPT" | "SHA256-CRYPT" => {
            use sha_crypt::{PasswordVerifier, ShaCrypt};
            Ok(ShaCrypt::default().verify_password(plain, hash).is_ok())
        }
        "CRYPT" if hash.starts_with("$6$") || hash.starts_with("$5$") => {
            use sha_crypt::{PasswordVerifier, ShaCrypt};
            Ok(ShaCrypt::default().verify_password(plain, hash).is_ok())
        }
        "BLF-CRYPT" => Ok(bcrypt::verify(plain, hash).unwrap_or(false)),
        "ARGON2ID" | "ARGON2I" => {
            use argon2::{Argon2, PasswordVerifier};
            let parsed = argon2::PasswordHash::new(hash).map_err(|e| {
                Error::invalid("password hash", format!("is not a valid Argon2 hash: {e}"))
            })?;
            Ok(Argon2::default().verify_password(plain, &parsed).is_ok())
        }
        other => Err(Error::invalid(
            "password hash",
            format!("postier cannot verify the {{{other}}} scheme"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_round_trips() {
        let pw = Password::new("correct horse battery".into()).unwrap();
        let wrong = Password::new("incorrect horse".into()).unwrap();
        for scheme in [Scheme::Sha512Crypt, Scheme::BlfCrypt, Scheme::Argon2id] {
            let h = hash(&pw, scheme).unwrap();
            assert_eq!(h.scheme(), scheme.name());
            assert!(verify(&pw, &h).unwrap(), "{scheme:?}");
            assert!(!verify(&wrong, &h).unwrap(), "{scheme:?}");
        }
    }

    #[test]
    fn sha512_salt_has_sixteen_chars() {
        let h = hash(&Password::generate(), Scheme::Sha512Crypt).unwrap();
        let fields: Vec<&str> = h.hash().split('$').collect();
        let salt = fields.iter().rev().nth(1).unwrap();
        assert_eq!(salt.len(), 16, "{}", h.hash());
    }

    #[test]
    fn generated_passwords_differ_and_are_redacted() {
        let a = Password::generate();
        let b = Password::generate();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 23);
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn rejects_weak_input() {
        assert!(Password::new(String::new()).is_err());
        assert!(Password::new("short".into()).is_err());
        assert!(Password::new("line\nbreak-password".into()).is_err());
    }
}
