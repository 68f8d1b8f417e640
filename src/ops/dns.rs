//! The DNS self-check and DKIM keys as front-ends use them: a domain's
//! expectations from the config and the key store, the resolver settings
//! from flags and config, whether a key is published, and [`DnsChecker`],
//! the role-gated, domain-by-domain check an interactive front-end runs.
//!
//! None of this touches the directory: a contact checking their domain
//! needs no directory credentials.

use super::Actor;
use crate::config::{Config, DnsConfig};
use crate::dkim::{KeyStore, StoredKey};
use crate::dns::dkim_record::DkimRecord;
use crate::dns::resolver::{self, Answer, Resolver, ResolverOptions};
use crate::dns::zone::ZoneLine;
use crate::dns::{DomainReport, Expectations, ExpectedKey, check_domain};
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::model::DomainName;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The key store named by `[dkim] key_dir`.
pub fn key_store(config: &Config) -> KeyStore {
    KeyStore::new(&config.dkim.key_dir)
}

/// The key store for making keys: with `[dkim] signer_group`, new keys
/// are readable by the signer's group.
pub fn writable_key_store(config: &Config) -> Result<KeyStore> {
    Ok(KeyStore::new(&config.dkim.key_dir).with_signer_group(config.dkim.signer_gid()?))
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

/// Whether DNS publishes a key, as far as could be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// The record is there with this very public key.
    Yes,
    /// No record at the selector, or one with another key.
    No,
    /// The lookup failed: cannot tell.
    Unknown,
}

/// A domain's DKIM key with the record to publish and whether it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub key: StoredKey,
    /// The zone line that publishes it.
    pub record: ZoneLine,
    pub published: Published,
}

/// The DNS self-check of one domain at a time, for a front-end that checks
/// domains as people look at them (the TUI): the actor's role is enforced
/// here as [`super::Ops`] enforces it for the directory, at most `[dns]
/// concurrency` domains are checked at once, and checks of one *round*
/// share a resolver (each name asked once) while a new round — a re-check
/// — starts from a fresh one, so that it sees the zone as it is now.
#[derive(Clone)]
pub struct DnsChecker {
    inner: Arc<Checker>,
}

struct Checker {
    actor: Actor,
    config: Config,
    options: ResolverOptions,
    /// The newest round and its resolver.
    round: Mutex<Option<(u64, Arc<Resolver>)>>,
    domains_at_once: Semaphore,
}

impl DnsChecker {
    /// Resolver settings from the config's `[dns]` table.
    pub fn new(config: &Config, actor: Actor) -> Result<DnsChecker> {
        let options = resolver_options(&config.dns, &[], None)?;
        Ok(DnsChecker::with_options(config, actor, options))
    }

    pub fn with_options(config: &Config, actor: Actor, options: ResolverOptions) -> DnsChecker {
        DnsChecker {
            inner: Arc::new(Checker {
                actor,
                config: config.clone(),
                options,
                round: Mutex::new(None),
                domains_at_once: Semaphore::new(config.dns.concurrency.max(1)),
            }),
        }
    }

    pub fn actor(&self) -> &Actor {
        &self.inner.actor
    }

    /// The config it checks against (also where the DKIM keys live).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The resolver of `round`: the current one, or a fresh one when
    /// `round` is newer (a check of an older round still running keeps the
    /// resolver it has).
    pub fn resolver(&self, round: u64) -> Result<Arc<Resolver>> {
        let mut current = self.inner.round.lock().unwrap_or_else(|e| e.into_inner());
        match &*current {
            Some((r, resolver)) if *r >= round => Ok(resolver.clone()),
            _ => {
                let resolver = Arc::new(Resolver::new(&self.inner.options)?);
                *current = Some((round, resolver.clone()));
                Ok(resolver)
            }
        }
    }

    /// Checks `domain` against what the service expects of it.
    pub async fn check(&self, domain: &DomainName, round: u64, lang: Lang) -> Result<DomainReport> {
        self.inner.actor.require_read(domain)?;
        let expectations = expectations(&self.inner.config, domain)?;
        let resolver = self.resolver(round)?;
        let _turn = self.inner.domains_at_once.acquire().await;
        Ok(check_domain(&resolver, &expectations, lang).await)
    }

    /// The domain's DKIM keys, oldest first, each with its record and
    /// whether DNS publishes it.
    pub async fn keys(&self, domain: &DomainName, round: u64) -> Result<Vec<KeyStatus>> {
        self.inner.actor.require_read(domain)?;
        let keys = key_store(&self.inner.config).keys(domain)?;
        let resolver = self.resolver(round)?;
        let checks = keys.into_iter().map(|key| {
            let resolver = resolver.clone();
            async move {
                let published = match is_published(&resolver, domain, &key).await {
                    Ok(true) => Published::Yes,
                    Ok(false) => Published::No,
                    Err(_) => Published::Unknown,
                };
                KeyStatus {
                    record: expected_key(&key).zone_line(domain),
                    key,
                    published,
                }
            }
        });
        Ok(futures::future::join_all(checks).await)
    }
}
