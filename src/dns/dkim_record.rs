//! DKIM key records (RFC 6376 §3.6.1, RFC 8463): the tags the check
//! needs, and the size of a published RSA key.

use super::tags::TagList;
use base64::Engine;
use rsa::pkcs1::RsaPublicKeyRef;
use rsa::pkcs1::der::Decode;
use rsa::pkcs8::SubjectPublicKeyInfoRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimRecord {
    /// `k=`, default `rsa`.
    pub key_type: String,
    /// `p=` with whitespace removed; empty means revoked.
    pub public_key: String,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
}

impl DkimRecord {
    /// Parses a key record; `v=`, if present, must be first and `DKIM1`.
    pub fn parse(text: &str) -> Result<DkimRecord, String> {
        let tags = TagList::parse(text)?;
        if let Some(v) = tags.get("v")
            && (v != "DKIM1" || tags.first().map(|(n, _)| n) != Some("v"))
        {
            return Err("v= must come first and be DKIM1".into());
        }
        let public_key = tags
            .get("p")
            .ok_or("there is no p= tag")?
            .split_whitespace()
            .collect::<String>();
        let testing = tags
            .get("t")
            .is_some_and(|t| t.split(':').any(|f| f.trim().eq_ignore_ascii_case("y")));
        Ok(DkimRecord {
            key_type: tags.get("k").unwrap_or("rsa").to_ascii_lowercase(),
            public_key,
            testing,
        })
    }

    /// The first DKIM key record among a name's TXT records.
    pub fn find(txts: &[String]) -> Option<Result<DkimRecord, String>> {
        let parsed: Vec<Result<DkimRecord, String>> =
            txts.iter().map(|t| DkimRecord::parse(t)).collect();
        parsed
            .iter()
            .find(|r| r.is_ok())
            .or(parsed.first())
            .cloned()
    }

    /// The modulus size of an RSA key, in bits; `None` if `p=` is not an
    /// RSA public key (SubjectPublicKeyInfo or bare PKCS#1).
    pub fn rsa_bits(&self) -> Option<usize> {
        let der = base64::engine::general_purpose::STANDARD
            .decode(&self.public_key)
            .ok()?;
        let pkcs1 = match SubjectPublicKeyInfoRef::from_der(&der) {
            Ok(spki) => RsaPublicKeyRef::from_der(spki.subject_public_key.raw_bytes()).ok()?,
            Err(_) => RsaPublicKeyRef::from_der(&der).ok()?,
        };
        let modulus = pkcs1.modulus.as_bytes();
        let first = modulus.iter().position(|b| *b != 0)?;
        let lead = modulus[first];
        Some((modulus.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_key_records() {
        let r = DkimRecord::parse("v=DKIM1; k=ed25519; t=s:y; p=abc def").unwrap();
        assert_eq!(r.key_type, "ed25519");
        assert_eq!(r.public_key, "abcdef");
        assert!(r.testing);
        let r = DkimRecord::parse("p=").unwrap();
        assert_eq!((r.key_type.as_str(), r.public_key.as_str()), ("rsa", ""));
        assert!(DkimRecord::parse("k=rsa; v=DKIM1; p=x").is_err());
        assert!(DkimRecord::parse("v=DKIM1; k=rsa").is_err());
    }
}
