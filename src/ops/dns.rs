//! The DNS self-check and DKIM keys as front-ends use them: a domain's
//! expectations from the config and the key store, the resolver settings
//! from flags and config, and whether a key is published.
//!
//! None of this touches the directory: a contact checking their domain
//! needs no directory credentials.

use crate::config::{Config, DnsConfig};
use crate::dkim::{KeyStore, StoredKey};
use crate::dns::dkim_record::DkimRecord;
use crate::dns::resolver::{self, Answer, Resolver, ResolverOptions};
use crate::dns::{Expectations, ExpectedKey};
use crate::error::{Error, Result};
use crate::model::DomainName;
use std::time::Duration;

/// The key store named by `[dkim] key_dir`.
pub fn key_store(config: &Config) -> KeyStore {
    KeyStore::new(&config.dkim.key_dir)
}

/// What the service expects `domain` to publish.
pub fn expectations(config: &Config, domain: &DomainName) -> Result<Expectations> {
    let keys = key_store(config)
        .keys(domain)?
        .into_iter()
        .map(|k| expected_key(&k))
        .collect();
    Ok(Expectations::new(domain.clone(), &config.mail, keys))
}

/// A stored key as the DNS check expects to find it.
pub fn expected_key(key: &StoredKey) -> ExpectedKey {
    ExpectedKey {
        selector: key.selector.clone(),
        algorithm: key.algorithm,
        public_key: key.public_key.clone(),
        state: key.state,
    }
}

/// Resolver settings: `--nameserver` flags, else the config's
/// `[dns] nameservers`, else the system's; `--timeout`, else the config's.
pub fn resolver_options(
    dns: &DnsConfig,
    nameservers: &[String],
    timeout: Option<f64>,
) -> Result<ResolverOptions> {
    let chosen = if nameservers.is_empty() {
        &dns.nameservers
    } else {
        nameservers
    };
    let timeout = timeout.unwrap_or(dns.timeout);
    if !(timeout > 0.0 && timeout <= 60.0) {
        return Err(Error::invalid(
            format!("DNS timeout {timeout}"),
            "must be more than 0 and at most 60 seconds",
        ));
    }
    Ok(ResolverOptions {
        nameservers: chosen
            .iter()
            .map(|s| resolver::parse_nameserver(s))
            .collect::<Result<_>>()?,
        timeout: Duration::from_secs_f64(timeout),
        ..ResolverOptions::default()
    })
}

/// Whether DNS publishes `key` of `domain`, with its very public key.
/// A lookup failure is an error (the caller cannot tell).
pub async fn is_published(
    resolver: &Resolver,
    domain: &DomainName,
    key: &StoredKey,
) -> Result<bool> {
    let name = expected_key(key).record_name(domain);
    match resolver.txt(&name).await {
        Answer::Failed(f) => Err(Error::unavailable(
            format!("DNS lookup of {name}"),
            f.to_string(),
        )
        .with_hint("try again later, or ask another server with --nameserver")),
        answer => Ok(matches!(
            DkimRecord::find(answer.records()),
            Some(Ok(r)) if r.public_key == key.public_key
        )),
    }
}
