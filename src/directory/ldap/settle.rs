//! The checks changes make after writing without the domain's lease (see
//! [`super::write`]), coalesced: the changes of this process waiting to
//! check the same domain are answered by one search, made after all of
//! their writes. An import with hundreds of mailboxes in flight then asks
//! the directory once per few dozen mailboxes instead of once for each.

use super::read::{Reader, Settled, Wanted};
use crate::error::Result;
use crate::model::{Domain, DomainName};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// How many rivals one search looks for at most.
const RIVALS_PER_SEARCH: usize = 200;

/// What one change saw when it checked.
pub struct Seen {
    pub domain: Option<Domain>,
    pub leased: bool,
    pub rivalled: bool,
}

type Waiting = (Option<Wanted>, oneshot::Sender<Result<Seen>>);

#[derive(Default)]
pub struct Settles {
    queued: Mutex<HashMap<DomainName, Vec<Waiting>>>,
    /// Held by whoever searches for everything queued.
    turn: tokio::sync::Mutex<()>,
}

impl Settles {
    /// The domain, its lease and `rival` as the directory has them now
    /// (after the caller's write), read together with the checks other
    /// changes queued meanwhile.
    pub async fn check(
        &self,
        reader: &Reader<'_>,
        domain: &DomainName,
        rival: Option<Wanted>,
    ) -> Result<Seen> {
        let (done, answer) = oneshot::channel();
        self.queue()
            .entry(domain.clone())
            .or_default()
            .push((rival, done));
        {
            let _turn = self.turn.lock().await;
            let queued = std::mem::take(&mut *self.queue());
            let searches = queued.into_iter().flat_map(|(domain, mut waiting)| {
                let mut chunks = Vec::new();
                while !waiting.is_empty() {
                    let rest = waiting.split_off(waiting.len().min(RIVALS_PER_SEARCH));
                    chunks.push((domain.clone(), std::mem::replace(&mut waiting, rest)));
                }
                chunks
            });
            futures::future::join_all(
                searches.map(|(domain, waiting)| answer_all(reader, domain, waiting)),
            )
            .await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(crate::error::Error::unavailable(
                "directory",
                "the check after a write was abandoned",
            ))
        })
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, HashMap<DomainName, Vec<Waiting>>> {
        self.queued.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn answer_all(reader: &Reader<'_>, domain: DomainName, waiting: Vec<Waiting>) {
    let (rivals, done): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
    match reader.settling(&domain, &rivals).await {
        Ok(Settled {
            domain,
            leased,
            rivalled,
        }) => {
            for (done, rivalled) in done.into_iter().zip(rivalled) {
                let _ = done.send(Ok(Seen {
                    domain: domain.clone(),
                    leased,
                    rivalled,
                }));
            }
        }
        Err(e) => {
            for done in done {
                let _ = done.send(Err(e.clone()));
            }
        }
    }
}
