//! The key store: one directory per domain under `[dkim] key_dir`, holding
//! each selector's private key (`<selector>.key`, PKCS#8 PEM, mode 0600)
//! and `keys.json`, the domain's selectors with their algorithm, public
//! key and state. Directories are created 0700; an existing store that
//! others may write to, or that belongs to someone else, is refused.

use super::keys::{self, Algorithm, KeyPair};
use crate::error::{Error, Result};
use crate::model::{DomainName, KeyAlgorithm, KeyState, Selector};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One selector of a domain, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    pub selector: Selector,
    pub algorithm: KeyAlgorithm,
    /// The `p=` value.
    pub public_key: String,
    pub state: KeyState,
    pub created: DateTime<Utc>,
    /// For a retiring key: when it may be removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_after: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct DomainKeys {
    keys: Vec<StoredKey>,
}

pub struct KeyStore {
    root: PathBuf,
    /// The signer's group, which may read keys made from now on.
    signer_gid: Option<u32>,
}

impl KeyStore {
    pub fn new(root: impl Into<PathBuf>) -> KeyStore {
        KeyStore {
            root: root.into(),
            signer_gid: None,
        }
    }

    /// Keys made by this store are readable by group `gid` (0640, their
    /// folders 0750 and of that group), so the signer can load them.
    pub fn with_signer_group(mut self, gid: Option<u32>) -> KeyStore {
        self.signer_gid = gid;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn domain_dir(&self, domain: &DomainName) -> PathBuf {
        self.root.join(domain.as_ascii())
    }

    /// Where a selector's private key lives.
    pub fn key_path(&self, domain: &DomainName, selector: &Selector) -> PathBuf {
        self.domain_dir(domain).join(format!("{selector}.key"))
    }

    fn index_path(&self, domain: &DomainName) -> PathBuf {
        self.domain_dir(domain).join("keys.json")
    }

    /// The domain's keys, oldest first; none when it has no directory.
    pub fn keys(&self, domain: &DomainName) -> Result<Vec<StoredKey>> {
        let path = self.index_path(domain);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&path, e)),
        };
        let index: DomainKeys = serde_json::from_str(&text).map_err(|e| {
            Error::invalid(format!("DKIM key index {}", path.display()), e.to_string())
                .with_hint("restore it from backup; postier writes it, people should not")
        })?;
        Ok(index.keys)
    }

    /// The domains that have keys, by name.
    pub fn domains(&self) -> Result<Vec<DomainName>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.root, e)),
        };
        let mut domains: Vec<DomainName> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("keys.json").is_file())
            .filter_map(|e| DomainName::parse(&e.file_name().to_string_lossy()).ok())
            .collect();
        domains.sort();
        Ok(domains)
    }

    /// Writes the domain's index (atomically, via a temp file).
    pub fn save(&self, domain: &DomainName, keys: &[StoredKey]) -> Result<()> {
        self.ensure_dir(domain)?;
        let path = self.index_path(domain);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&DomainKeys {
            keys: keys.to_vec(),
        })
        .map_err(|e| Error::unavailable("DKIM key index", e.to_string()))?;
        write_private(&tmp, text.as_bytes(), true)?;
        std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))
    }

    /// Generates a key for `selector` and records it with `state`.
    pub fn create(
        &self,
        domain: &DomainName,
        selector: &Selector,
        algorithm: Algorithm,
        state: KeyState,
    ) -> Result<StoredKey> {
        let mut all = self.keys(domain)?;
        if all.iter().any(|k| &k.selector == selector) {
            return Err(
                Error::already_exists(format!("DKIM selector {selector} of {domain}"))
                    .with_hint("choose another --selector, or use postier dkim rotate"),
            );
        }
        self.ensure_dir(domain)?;
        let KeyPair {
            algorithm,
            private_pem,
            public_key,
        } = keys::generate(algorithm)?;
        let path = self.key_path(domain, selector);
        write_private(&path, private_pem.expose_secret().as_bytes(), false)?;
        if let Some(gid) = self.signer_gid {
            for (p, mode) in [
                (self.root.clone(), 0o750),
                (self.domain_dir(domain), 0o750),
                (path.clone(), 0o640),
            ] {
                share_with_group(&p, gid, mode)?;
            }
        }
        let key = StoredKey {
            selector: selector.clone(),
            algorithm,
            public_key,
            state,
            created: Utc::now(),
            retire_after: None,
        };
        all.push(key.clone());
        self.save(domain, &all)?;
        Ok(key)
    }

    /// Reads a selector's private key (for checking it still matches).
    pub fn private_key(&self, domain: &DomainName, selector: &Selector) -> Result<SecretString> {
        let path = self.key_path(domain, selector);
        std::fs::read_to_string(&path)
            .map(SecretString::from)
            .map_err(|e| io_error(&path, e))
    }

    /// Deletes a selector's private key file.
    pub fn remove_key_file(&self, domain: &DomainName, selector: &Selector) -> Result<()> {
        let path = self.key_path(domain, selector);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(&path, e)),
            _ => Ok(()),
        }
    }

    /// Creates the store and domain directories 0700, refusing a store
    /// that is not safe to keep private keys in.
    fn ensure_dir(&self, domain: &DomainName) -> Result<()> {
        create_private_dir(&self.root)?;
        check_private_dir(&self.root)?;
        create_private_dir(&self.domain_dir(domain))
    }
}

/// Checks a key file against its record (the `p=` it should publish).
pub fn verify_key_file(store: &KeyStore, domain: &DomainName, key: &StoredKey) -> Result<()> {
    let pem = store.private_key(domain, &key.selector)?;
    if keys::public_key_of(key.algorithm, &pem)? != key.public_key {
        return Err(Error::conflict(
            format!(
                "DKIM key {}",
                store.key_path(domain, &key.selector).display()
            ),
            "does not match the public key recorded for it",
        ));
    }
    Ok(())
}

/// Gives `path` to group `gid` with `mode` (never writable by the group).
#[cfg(unix)]
fn share_with_group(path: &Path, gid: u32, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::chown(path, None, Some(gid)).map_err(|e| io_error(path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_error(path, e))
}

#[cfg(not(unix))]
fn share_with_group(_: &Path, _: u32, _: u32) -> Result<()> {
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::unavailable(path.display().to_string(), e.to_string())
}

#[cfg(unix)]
fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(io_error(path, e)),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn create_private_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| io_error(path, e))
}

/// The store must belong to us and be writable by no one else.
#[cfg(unix)]
fn check_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    let mode = meta.permissions().mode();
    let what = format!("DKIM key directory {}", path.display());
    if meta.uid() != users::get_effective_uid() {
        return Err(Error::refused(what, "belongs to another user")
            .with_hint("run postier as the user that owns the keys"));
    }
    if mode & 0o022 != 0 {
        return Err(Error::refused(what, "can be written by other users")
            .with_hint(format!("run: chmod go-w {}", path.display())));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_dir(_: &Path) -> Result<()> {
    Ok(())
}

/// Writes a file readable by its owner only. `replace` allows an
/// existing file (the index's temp file); keys are never overwritten.
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_keys_and_refuses_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path().join("dkim"));
        let domain = DomainName::parse("example.org").unwrap();
        let s1 = Selector::parse("s1").unwrap();
        let key = store
            .create(&domain, &s1, Algorithm::Ed25519, KeyState::Active)
            .unwrap();
        assert_eq!(store.keys(&domain).unwrap(), vec![key.clone()]);
        assert_eq!(store.domains().unwrap(), vec![domain.clone()]);
        verify_key_file(&store, &domain, &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.key_path(&domain, &s1)), 0o600);
            assert_eq!(mode(store.root()), 0o700);
        }
        let err = store
            .create(&domain, &s1, Algorithm::Ed25519, KeyState::Active)
            .unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::AlreadyExists);
    }
}
