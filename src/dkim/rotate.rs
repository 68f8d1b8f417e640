//! Key rotation, one step per call so that a person (or cron) drives it
//! and DNS propagation is never guessed:
//!
//! 1. [`start`]: a new key is made for a new selector, state `pending`;
//!    its record must be published.
//! 2. [`switch`] (once DNS shows the pending record): the pending key
//!    becomes `active` (signs), the old one `retiring`, kept published for
//!    the grace period so mail already signed still verifies.
//! 3. [`retire_expired`]: retiring keys past their grace period are
//!    removed (record and private key file).

use super::keys::Algorithm;
use super::store::{KeyStore, StoredKey};
use crate::error::{Error, Result};
use crate::model::{DomainName, KeyAlgorithm, KeyState, Selector};
use chrono::{DateTime, Duration, Utc};

/// The key waiting to be published, if a rotation is under way.
pub fn pending(keys: &[StoredKey]) -> Option<&StoredKey> {
    keys.iter().find(|k| k.state == KeyState::Pending)
}

/// Step 1: makes the pending key. `selector` defaults to the active
/// selector's successor (`s1` → `s2`), `algorithm` to the active key's.
pub fn start(
    store: &KeyStore,
    domain: &DomainName,
    selector: Option<Selector>,
    algorithm: Option<Algorithm>,
) -> Result<StoredKey> {
    let keys = store.keys(domain)?;
    if let Some(p) = pending(&keys) {
        return Err(Error::conflict(
            format!("DKIM rotation of {domain}"),
            format!("is under way: selector {} is pending", p.selector),
        )
        .with_hint("publish its record, then run postier dkim rotate again"));
    }
    let active = keys
        .iter()
        .rev()
        .find(|k| k.state == KeyState::Active)
        .ok_or_else(|| {
            Error::not_found(format!("active DKIM key of {domain}"))
                .with_hint(format!("make one first: postier dkim generate {domain}"))
        })?;
    let selector = match selector {
        Some(s) => s,
        None => {
            let mut next = active.selector.next()?;
            while keys.iter().any(|k| k.selector == next) {
                next = next.next()?;
            }
            next
        }
    };
    let algorithm = algorithm.unwrap_or(match active.algorithm {
        KeyAlgorithm::Rsa => Algorithm::Rsa2048,
        KeyAlgorithm::Ed25519 => Algorithm::Ed25519,
    });
    store.create(domain, &selector, algorithm, KeyState::Pending)
}

/// Step 2: the pending key signs from now on; the active keys of the same
/// algorithm retire after `grace`. Returns the new active key and the
/// retiring ones.
pub fn switch(
    store: &KeyStore,
    domain: &DomainName,
    now: DateTime<Utc>,
    grace: Duration,
) -> Result<(StoredKey, Vec<StoredKey>)> {
    let mut keys = store.keys(domain)?;
    let Some(algorithm) = pending(&keys).map(|p| p.algorithm) else {
        return Err(Error::not_found(format!("pending DKIM key of {domain}"))
            .with_hint(format!("start a rotation: postier dkim rotate {domain}")));
    };
    let mut retiring = Vec::new();
    let mut active = None;
    for key in keys.iter_mut() {
        match key.state {
            KeyState::Active if key.algorithm == algorithm => {
                key.state = KeyState::Retiring;
                key.retire_after = Some(now + grace);
                retiring.push(key.clone());
            }
            KeyState::Pending => {
                key.state = KeyState::Active;
                active = Some(key.clone());
            }
            _ => {}
        }
    }
    store.save(domain, &keys)?;
    let active = active.ok_or_else(|| Error::not_found("pending DKIM key"))?;
    Ok((active, retiring))
}

/// Step 3: removes retiring keys whose grace period is over.
pub fn retire_expired(
    store: &KeyStore,
    domain: &DomainName,
    now: DateTime<Utc>,
) -> Result<Vec<StoredKey>> {
    let keys = store.keys(domain)?;
    let (expired, kept): (Vec<StoredKey>, Vec<StoredKey>) = keys
        .into_iter()
        .partition(|k| k.state == KeyState::Retiring && k.retire_after.is_some_and(|t| t <= now));
    if expired.is_empty() {
        return Ok(expired);
    }
    store.save(domain, &kept)?;
    for key in &expired {
        store.remove_key_file(domain, &key.selector)?;
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path().join("dkim"));
        let domain = DomainName::parse("example.org").unwrap();
        let s1 = Selector::parse("s1").unwrap();
        store
            .create(&domain, &s1, Algorithm::Ed25519, KeyState::Active)
            .unwrap();
        let new = start(&store, &domain, None, None).unwrap();
        assert_eq!(
            (new.selector.as_str(), new.state),
            ("s2", KeyState::Pending)
        );
        assert_eq!(new.algorithm, KeyAlgorithm::Ed25519);
        let again = start(&store, &domain, None, None).unwrap_err();
        assert_eq!(again.kind, crate::error::ErrorKind::Conflict);

        let now = Utc::now();
        let (active, retiring) = switch(&store, &domain, now, Duration::days(7)).unwrap();
        assert_eq!(active.selector.as_str(), "s2");
        assert_eq!(retiring.len(), 1);
        assert!(retire_expired(&store, &domain, now).unwrap().is_empty());
        let gone = retire_expired(&store, &domain, now + Duration::days(8)).unwrap();
        assert_eq!(gone[0].selector, s1);
        assert!(!store.key_path(&domain, &s1).exists());
        let left = store.keys(&domain).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].state, KeyState::Active);
    }
}
