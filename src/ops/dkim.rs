//! DKIM keys as front-ends change them, for admins only: a domain's first
//! key, and a rotation advanced by one safe step (retire what has served
//! its grace, make the next key, or switch to it once DNS publishes it).
//! Keys live in the key store (`[dkim] key_dir`), not in the directory.
//! Key generation runs on the blocking pool.

use super::dns::{expected_key, is_published, key_store};
use super::{Actor, Ops};
use crate::config::Config;
use crate::dkim::{Algorithm, StoredKey, rotate};
use crate::dns::Resolver;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{DomainName, KeyState, Selector};
use chrono::{Duration, Utc};

/// Makes `domain`'s signing key at `selector` (default: `[dkim]
/// default_selector`). The domain must be one the service runs (hosted,
/// or an alias domain): a key for any other would sign for someone else.
pub async fn generate(
    config: &Config,
    ops: &Ops,
    domain: &DomainName,
    selector: Option<Selector>,
    algorithm: Algorithm,
) -> Result<StoredKey> {
    ops.actor()
        .require_admin(&format!("DKIM keys of {domain}"))?;
    let hosted = ops.domain(domain).await;
    if let Err(e) = hosted
        && (e.kind != ErrorKind::NotFound || ops.alias_domain(domain).await.is_err())
    {
        return Err(match e.kind {
            ErrorKind::NotFound => Error::refused(
                format!("DKIM key of {domain}"),
                format!("{domain} is not a domain postier hosts"),
            )
            .with_hint(format!("add it first: postier domain add {domain}")),
            _ => e,
        });
    }
    let selector = match selector {
        Some(s) => s,
        None => Selector::parse(&config.dkim.default_selector)?,
    };
    let store = key_store(config);
    let domain = domain.clone();
    blocking(move || store.create(&domain, &selector, algorithm, KeyState::Active)).await
}

/// Retires every key of a removed domain: they leave the signer tables at
/// once (only active keys sign) and stay published for `[dkim]
/// grace_days`, so mail already signed still verifies; a rotation or the
/// next removal of expired keys deletes them. Returns the keys retired.
pub fn retire_domain(
    config: &Config,
    actor: &Actor,
    domain: &DomainName,
) -> Result<Vec<StoredKey>> {
    actor.require_admin(&format!("DKIM keys of {domain}"))?;
    let store = key_store(config);
    let mut keys = store.keys(domain)?;
    let until = Utc::now() + Duration::days(i64::from(config.dkim.grace_days));
    let mut retired = Vec::new();
    for key in keys.iter_mut().filter(|k| k.state != KeyState::Retiring) {
        key.state = KeyState::Retiring;
        key.retire_after = Some(until);
        retired.push(key.clone());
    }
    if !retired.is_empty() {
        store.save(domain, &keys)?;
    }
    Ok(retired)
}

/// What one rotation step did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// Retiring keys past their grace period, now removed.
    pub retired: Vec<StoredKey>,
    pub step: Step,
}

#[derive(Debug, Clone)]
pub enum Step {
    /// A new key was made, pending: publish its record, then rotate again.
    Started(StoredKey),
    /// The published pending key signs now; the old keys retire.
    Switched {
        active: StoredKey,
        retiring: Vec<StoredKey>,
    },
}

/// Advances `domain`'s rotation by one step. The switch happens only once
/// `resolver` shows the pending key's very record; until then it is
/// refused, naming the record to publish.
pub async fn rotate(
    config: &Config,
    actor: &Actor,
    domain: &DomainName,
    selector: Option<Selector>,
    algorithm: Option<Algorithm>,
    resolver: &Resolver,
) -> Result<Rotation> {
    actor.require_admin(&format!("DKIM keys of {domain}"))?;
    let store = key_store(config);
    let now = Utc::now();
    let retired = rotate::retire_expired(&store, domain, now)?;
    let keys = store.keys(domain)?;
    let Some(pending) = rotate::pending(&keys).cloned() else {
        let domain = domain.clone();
        let key = blocking(move || rotate::start(&store, &domain, selector, algorithm)).await?;
        return Ok(Rotation {
            retired,
            step: Step::Started(key),
        });
    };
    if !is_published(resolver, domain, &pending).await? {
        let line = expected_key(&pending).zone_line(domain);
        return Err(Error::refused(
            format!("DKIM selector {} of {domain}", pending.selector),
            "is not published in DNS yet, so signing stays with the current key",
        )
        .with_hint(format!(
            "publish: {line} — then rotate again (postier dkim rotate {domain})"
        )));
    }
    let grace = Duration::days(i64::from(config.dkim.grace_days));
    let (active, retiring) = rotate::switch(&store, domain, now, grace)?;
    Ok(Rotation {
        retired,
        step: Step::Switched { active, retiring },
    })
}

/// Runs key-store work that generates keys off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::unavailable("DKIM key generation", e.to_string()))?
}
