//! Signer configuration rendered from the key store's active keys:
//! OpenDKIM's `KeyTable` and `SigningTable` (refile form), and rspamd's
//! `dkim_signing` selector and path maps with the module snippet naming
//! them.

use super::store::{KeyStore, StoredKey};
use crate::error::Result;
use crate::model::{DomainName, KeyState};
use std::path::Path;

/// One file to write: its name and content.
pub type SignerFile = (&'static str, String);

/// Active keys of every domain in the store.
fn active(store: &KeyStore) -> Result<Vec<(DomainName, StoredKey)>> {
    let mut out = Vec::new();
    for domain in store.domains()? {
        for key in store.keys(&domain)? {
            if key.state == KeyState::Active {
                out.push((domain.clone(), key));
            }
        }
    }
    Ok(out)
}

/// OpenDKIM (`KeyTable refile:…`, `SigningTable refile:…`).
pub fn opendkim(store: &KeyStore) -> Result<Vec<SignerFile>> {
    let mut key_table = String::new();
    let mut signing_table = String::new();
    for (domain, key) in active(store)? {
        let id = format!("{}._domainkey.{}", key.selector, domain.as_ascii());
        let path = store.key_path(&domain, &key.selector);
        key_table.push_str(&format!(
            "{id} {}:{}:{}\n",
            domain.as_ascii(),
            key.selector,
            path.display()
        ));
        signing_table.push_str(&format!("*@{} {id}\n", domain.as_ascii()));
    }
    Ok(vec![
        ("KeyTable", key_table),
        ("SigningTable", signing_table),
    ])
}

/// rspamd: `dkim_selectors.map`, `dkim_paths.map` (one selector per
/// domain: the newest active key), and `dkim_signing.conf` naming them
/// under `dir`.
pub fn rspamd(store: &KeyStore, dir: &Path) -> Result<Vec<SignerFile>> {
    let mut selectors = String::new();
    let mut paths = String::new();
    let mut seen: Vec<DomainName> = Vec::new();
    for (domain, key) in active(store)?.into_iter().rev() {
        if seen.contains(&domain) {
            continue;
        }
        selectors.push_str(&format!("{} {}\n", domain.as_ascii(), key.selector));
        paths.push_str(&format!(
            "{} {}\n",
            domain.as_ascii(),
            store.key_path(&domain, &key.selector).display()
        ));
        seen.push(domain);
    }
    let conf = format!(
        "# Include from local.d/dkim_signing.conf\n\
         try_fallback = false;\n\
         use_esld = false;\n\
         selector_map = \"{}\";\n\
         path_map = \"{}\";\n",
        dir.join("dkim_selectors.map").display(),
        dir.join("dkim_paths.map").display()
    );
    Ok(vec![
        ("dkim_selectors.map", selectors),
        ("dkim_paths.map", paths),
        ("dkim_signing.conf", conf),
    ])
}
