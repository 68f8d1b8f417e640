//! Key pairs: generating RSA-2048 and Ed25519 keys, writing the private
//! key as PKCS#8 PEM that `openssl` reads (Ed25519 as PKCS#8 v1, which
//! OpenSSL 3.0 needs), and the public key as DKIM's `p=` wants it (RFC
//! 6376 §3.6.1: SubjectPublicKeyInfo for RSA; RFC 8463: the raw 32 bytes
//! for Ed25519).

use crate::error::{Error, Result};
use crate::model::KeyAlgorithm;
use base64::Engine;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::KeypairBytes;
// One pkcs8 crate serves both key types.
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use secrecy::{ExposeSecret, SecretString};

/// What `dkim generate --algorithm` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    #[default]
    Rsa2048,
    Ed25519,
}

impl Algorithm {
    pub fn parse(text: &str) -> Result<Algorithm> {
        match text.to_ascii_lowercase().as_str() {
            "rsa2048" | "rsa" => Ok(Algorithm::Rsa2048),
            "ed25519" => Ok(Algorithm::Ed25519),
            _ => Err(Error::invalid(
                format!("algorithm {text:?}"),
                "is not one postier generates",
            )
            .with_hint("use rsa2048 or ed25519")),
        }
    }

    pub fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Algorithm::Rsa2048 => KeyAlgorithm::Rsa,
            Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
        }
    }
}

/// A new key pair: the private key in PEM (secret), the public in `p=` form.
pub struct KeyPair {
    pub algorithm: KeyAlgorithm,
    pub private_pem: SecretString,
    pub public_key: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn crypto_error(e: impl std::fmt::Display) -> Error {
    Error::unavailable("DKIM key", format!("cannot be made: {e}"))
}

/// Generates a key pair from the operating system's random source.
pub fn generate(algorithm: Algorithm) -> Result<KeyPair> {
    match algorithm {
        Algorithm::Rsa2048 => {
            let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(crypto_error)?;
            let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(crypto_error)?;
            let public = key
                .to_public_key()
                .to_public_key_der()
                .map_err(crypto_error)?;
            Ok(KeyPair {
                algorithm: KeyAlgorithm::Rsa,
                private_pem: SecretString::from(pem.as_str()),
                public_key: b64(public.as_bytes()),
            })
        }
        Algorithm::Ed25519 => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(crypto_error)?;
            let key = SigningKey::from_bytes(&seed);
            // PKCS#8 v1 (no public key inside): OpenSSL 3.0 rejects v2.
            let v1 = KeypairBytes {
                secret_key: seed,
                public_key: None,
            };
            seed.fill(0);
            let pem = v1.to_pkcs8_pem(LineEnding::LF).map_err(crypto_error)?;
            Ok(KeyPair {
                algorithm: KeyAlgorithm::Ed25519,
                private_pem: SecretString::from(pem.as_str()),
                public_key: b64(key.verifying_key().as_bytes()),
            })
        }
    }
}

/// The `p=` value of a stored private key, to check a key file against
/// what was recorded.
pub fn public_key_of(algorithm: KeyAlgorithm, private_pem: &SecretString) -> Result<String> {
    let pem = private_pem.expose_secret();
    let unreadable = |e: String| Error::invalid("DKIM private key", format!("cannot be read: {e}"));
    match algorithm {
        KeyAlgorithm::Rsa => {
            let key =
                rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|e| unreadable(e.to_string()))?;
            let der = key
                .to_public_key()
                .to_public_key_der()
                .map_err(|e| unreadable(e.to_string()))?;
            Ok(b64(der.as_bytes()))
        }
        KeyAlgorithm::Ed25519 => {
            let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| unreadable(e.to_string()))?;
            Ok(b64(key.verifying_key().as_bytes()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_round_trip() {
        let pair = generate(Algorithm::Rsa2048).unwrap();
        assert_eq!(
            public_key_of(KeyAlgorithm::Rsa, &pair.private_pem).unwrap(),
            pair.public_key
        );
        let record = crate::dns::dkim_record::DkimRecord::parse(&format!(
            "v=DKIM1; k=rsa; p={}",
            pair.public_key
        ))
        .unwrap();
        assert_eq!(record.rsa_bits(), Some(2048));
    }

    #[test]
    fn ed25519_round_trip() {
        let pair = generate(Algorithm::Ed25519).unwrap();
        assert!(
            pair.private_pem
                .expose_secret()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&pair.public_key)
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            public_key_of(KeyAlgorithm::Ed25519, &pair.private_pem).unwrap(),
            pair.public_key
        );
        assert!(Algorithm::parse("dsa").unwrap_err().hint.is_some());
    }
}
