//! Serializing changes that must see a domain whole: a lease on the domain,
//! held while a change counts what the domain holds, checks its limits and
//! writes. LDAP has no transactions, so the lease is an entry,
//! `cn=<domain>,ou=locks,<base>`: adding it fails while another change
//! holds it, which makes the add a mutual exclusion across every process
//! and host that writes the directory. A lease names the change holding it
//! and expires, so a holder that died cannot block the domain for ever.
//!
//! Within one process, changes also queue on an in-memory mutex per key
//! (domain or entry), so they wait their turn instead of polling the
//! server and losing optimistic races to each other.

use super::conn::{Conn, Written};
use super::dit::Dit;
use super::entry::{self, Entry, attr, class};
use super::filter;
use crate::error::{Error, Result};
use crate::model::DomainName;
use std::collections::HashMap;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a lease lasts: far longer than any change holds one, short
/// enough that a crashed holder's lease is broken the same day.
const LEASE: Duration = Duration::from_secs(300);
/// How long a change waits for another's lease before giving up.
const WAIT: Duration = Duration::from_secs(120);

/// In-process mutexes by key.
#[derive(Default)]
pub struct Local {
    keys: SyncMutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl Local {
    /// Waits for this process's other changes to `key`.
    pub async fn queue(&self, key: &str) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut keys = self
                .keys
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            keys.entry(key.to_string()).or_default().clone()
        };
        mutex.lock_owned().await
    }
}

/// A held lease; give it back with [`Lease::release`].
pub struct Lease {
    dn: String,
    token: String,
    _local: OwnedMutexGuard<()>,
}

/// Takes the lease on `domain` for the change `token`, waiting while
/// another change holds it. A lease that the same change already holds
/// (a change resumed after a crash) is taken over as is.
pub async fn acquire(
    conn: &Conn,
    dit: &Dit,
    local: &Local,
    domain: &DomainName,
    token: &str,
) -> Result<Lease> {
    let dn = dit.lock(domain);
    let guard = local.queue(&dn).await;
    let deadline = Instant::now() + WAIT;
    let mut pause = Duration::from_millis(2);
    loop {
        let expires = unix_now() + LEASE.as_secs() as i64;
        match conn
            .add(&dn, entry::lock_attrs(domain, token, expires))
            .await?
        {
            Written::Done(_) => break,
            Written::NoSuchObject => {
                return Err(Error::unavailable(
                    "directory",
                    format!("{} does not exist", dit.locks()),
                )
                .with_hint("run: postier db migrate"));
            }
            _ => {}
        }
        let holder = conn
            .read(
                &dn,
                &filter::class(class::LOCK),
                &[attr::CHANGE, attr::LOCK_EXPIRES],
            )
            .await?;
        let Some(holder) = holder else { continue };
        if holder.change() == Some(token) {
            break;
        }
        if entry::lock_expires(&holder) < unix_now() {
            break_stale(conn, &holder).await?;
            continue;
        }
        if Instant::now() >= deadline {
            return Err(Error::conflict(
                format!("domain {domain}"),
                format!(
                    "is being changed by another postier (change {})",
                    holder.change().unwrap_or("?")
                ),
            )
            .with_hint(
                "try again in a moment; a lease left by a crashed process expires after 5 minutes",
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
    Ok(Lease {
        dn,
        token: token.to_string(),
        _local: guard,
    })
}

/// Removes an expired lease, unless its holder renewed or released it
/// meanwhile.
async fn break_stale(conn: &Conn, holder: &Entry) -> Result<()> {
    let still = filter::eq(attr::CHANGE, holder.change().unwrap_or_default());
    conn.delete(&holder.dn, Some(&still)).await.map(drop)
}

impl Lease {
    pub fn dn(&self) -> &str {
        &self.dn
    }

    /// Gives the lease back (if it is still this change's).
    pub async fn release(self, conn: &Conn) -> Result<()> {
        let mine = filter::eq(attr::CHANGE, &self.token);
        conn.delete(&self.dn, Some(&mine)).await.map(drop)
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
