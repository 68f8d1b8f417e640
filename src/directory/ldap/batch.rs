//! An import's changes on LDAP: in order, each its own resumable change
//! (see [`super::run`]), except that a run of mailbox creations has up to
//! [`IN_FLIGHT`] of them on the wire at once: each writes one entry of its
//! own, and a domain whose limits need counting still serializes them
//! through its lease. The run reads each of its domains once, not once
//! per mailbox; each mailbox is still checked against its domain after
//! its write (see [`super::write::converge_in_read_domain`]). A failure
//! stops the batch once the changes in flight are finished; a re-run of
//! the import plans what is left.

use super::LdapDirectory;
use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::model::{Applied, Change, Domain, DomainName};
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use std::collections::HashMap;

/// Mailbox creations on the wire at once.
const IN_FLIGHT: usize = 512;

pub async fn apply_all(
    dir: &LdapDirectory,
    changes: &[Change],
    actor: &str,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<Vec<Applied>> {
    let mut applied = Vec::with_capacity(changes.len());
    let mut at = 0;
    while at < changes.len() {
        let run = changes[at..]
            .iter()
            .take_while(|c| matches!(c, Change::AddMailbox(_)))
            .count()
            .max(1);
        let end = at + run;
        let domains = read_domains(dir, &changes[at..end]).await;
        let mut pending = FuturesOrdered::new();
        let mut next = at;
        let mut failed: Option<(usize, Error)> = None;
        loop {
            while failed.is_none() && next < end && pending.len() < IN_FLIGHT {
                let i = next;
                let domain = match &changes[i] {
                    Change::AddMailbox(m) => domains.get(m.address.domain()),
                    _ => None,
                };
                pending.push_back(async move {
                    let applied = match domain {
                        Some(Ok(d)) => dir.apply_in_read_domain(&changes[i], actor, d).await,
                        // Not to be had: the change says why, as alone.
                        _ => dir.apply(&changes[i], actor).await,
                    };
                    (i, applied)
                });
                next += 1;
            }
            match pending.next().await {
                None => break,
                Some((_, Ok(a))) => {
                    applied.push(a);
                    progress(applied.len());
                }
                Some((i, Err(e))) => {
                    if failed.is_none() {
                        failed = Some((i, e));
                    }
                }
            }
        }
        if let Some((i, e)) = failed {
            let change = &changes[i];
            let what = format!(
                "{} (change {} of {}: {} {})",
                e.what,
                i + 1,
                changes.len(),
                change.action(),
                change.object()
            );
            return Err(e.about(what));
        }
        at = end;
    }
    Ok(applied)
}

/// The domains a run of mailbox creations adds to, each read once.
async fn read_domains(
    dir: &LdapDirectory,
    changes: &[Change],
) -> HashMap<DomainName, Result<Domain>> {
    let mut domains = HashMap::new();
    let reader = dir.parts.reader();
    for change in changes {
        if let Change::AddMailbox(m) = change
            && !domains.contains_key(m.address.domain())
        {
            let name = m.address.domain().clone();
            let domain = super::write::domain_to_add_to(&reader, &name).await;
            domains.insert(name, domain);
        }
    }
    domains
}
