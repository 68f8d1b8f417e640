//! An import's changes on LDAP: in order, each its own resumable change
//! (see [`super::run`]), except that a run of mailbox creations has up to
//! [`IN_FLIGHT`] of them on the wire at once: each writes one entry of its
//! own, and a domain whose limits need counting still serializes them
//! through its lease. A failure stops the batch once the changes in
//! flight are finished; a re-run of the import plans what is left.

use super::LdapDirectory;
use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::model::{Applied, Change};
use futures::StreamExt;
use futures::stream::FuturesOrdered;

/// Mailbox creations on the wire at once.
const IN_FLIGHT: usize = 8;

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
        let mut pending = FuturesOrdered::new();
        let mut next = at;
        let mut failed: Option<(usize, Error)> = None;
        loop {
            while failed.is_none() && next < end && pending.len() < IN_FLIGHT {
                let i = next;
                pending.push_back(async move { (i, dir.apply(&changes[i], actor).await) });
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
