//! One change on its way through the directory: the intent recorded in the
//! state store before the first LDAP write, each write stamped with the
//! change's token (so a resumed run can tell its own writes), and the end,
//! `done` with the audit entry and journal event, or `rolled_back`.
//!
//! A change that fails for want of the directory (kind `Unavailable`)
//! stays pending and is finished by the next run; one that is refused
//! leaves nothing behind: its writers undo what they wrote first.

use super::conn::{Attrs, Conn, Written};
use super::dit::Dit;
use super::entry::Entry;
use super::lock::{self, Lease, Local};
use super::read::Reader;
use super::state::StateStore;
use crate::error::{ErrorKind, Result};
use crate::model::{Applied, Change, DomainName};
use ldap3::Mod;
use serde_json::Value;
use std::sync::Arc;

/// A point a change passes, reported to an [`Observer`] as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The intent is in the state store; nothing is written yet.
    Recorded { token: String },
    /// The change holds the lease on a domain.
    Leased { dn: String },
    /// An entry was added, modified or deleted.
    Wrote { dn: String },
    /// The lease is given back.
    Released { dn: String },
    /// The change is done (`true`) or rolled back.
    Finished { token: String, done: bool },
}

/// Sees every [`Step`] of every change (progress display, tests).
pub type Observer = Arc<dyn Fn(&Step) + Send + Sync>;

/// What a run works with.
pub struct Parts {
    pub conn: Conn,
    pub dit: Dit,
    pub state: StateStore,
    pub local: Local,
    /// The checks after writes, coalesced.
    pub settles: super::settle::Settles,
    pub observer: Option<Observer>,
}

impl Parts {
    pub fn reader(&self) -> Reader<'_> {
        Reader {
            conn: &self.conn,
            dit: &self.dit,
        }
    }

    fn step(&self, step: Step) {
        if let Some(observer) = &self.observer {
            observer(&step);
        }
    }
}

pub struct Run<'a> {
    pub parts: &'a Parts,
    pub token: String,
    pub actor: &'a str,
    pub change: &'a Change,
    /// Finishing a change a dead process left pending: some of its writes
    /// may be in the directory already.
    pub resuming: bool,
    recorded: bool,
    wrote: bool,
    before: Option<Value>,
}

impl<'a> Run<'a> {
    pub fn fresh(parts: &'a Parts, change: &'a Change, actor: &'a str) -> Run<'a> {
        Run {
            parts,
            token: super::new_token(),
            actor,
            change,
            resuming: false,
            recorded: false,
            wrote: false,
            before: None,
        }
    }

    pub fn resumed(
        parts: &'a Parts,
        change: &'a Change,
        actor: &'a str,
        token: String,
        before: Option<Value>,
    ) -> Run<'a> {
        Run {
            parts,
            token,
            actor,
            change,
            resuming: true,
            recorded: true,
            wrote: true,
            before,
        }
    }

    pub fn reader(&self) -> Reader<'a> {
        self.parts.reader()
    }

    pub fn dit(&self) -> &'a Dit {
        &self.parts.dit
    }

    fn conn(&self) -> &'a Conn {
        &self.parts.conn
    }

    /// Did this change write `e` last?
    pub fn is_mine(&self, e: &Entry) -> bool {
        e.change() == Some(self.token.as_str())
    }

    /// Records the intent (once), and the object as it is before the
    /// change writes it. A `before` read after a write of this change
    /// might be its own work, so only the first one written down counts.
    pub async fn intent(&mut self, before: Option<Value>) -> Result<()> {
        if !self.recorded {
            self.parts
                .state
                .begin(&self.token, self.actor, self.change, before.as_ref())
                .await?;
            self.recorded = true;
            self.before = before;
            self.parts.step(Step::Recorded {
                token: self.token.clone(),
            });
        } else if let Some(before) = before
            && (self.before.is_none() || !self.wrote)
        {
            self.parts.state.set_before(&self.token, &before).await?;
            self.before = Some(before);
        }
        Ok(())
    }

    fn wrote(&mut self, dn: &str, written: &Written) {
        if matches!(written, Written::Done(_)) {
            self.wrote = true;
            self.parts.step(Step::Wrote { dn: dn.to_string() });
        }
    }

    pub async fn add(&mut self, dn: &str, attrs: Attrs) -> Result<Written> {
        self.intent(None).await?;
        let written = self.conn().add(dn, attrs).await?;
        self.wrote(dn, &written);
        Ok(written)
    }

    pub async fn modify(
        &mut self,
        dn: &str,
        mods: Vec<Mod<String>>,
        assertion: Option<&str>,
    ) -> Result<Written> {
        self.intent(None).await?;
        let written = self.conn().modify(dn, mods, assertion).await?;
        self.wrote(dn, &written);
        Ok(written)
    }

    pub async fn delete(&mut self, dn: &str, assertion: Option<&str>) -> Result<Written> {
        self.intent(None).await?;
        let written = self.conn().delete(dn, assertion).await?;
        self.wrote(dn, &written);
        Ok(written)
    }

    /// Takes the lease on `domain` (see [`lock`]).
    pub async fn lease(&mut self, domain: &DomainName) -> Result<Lease> {
        self.intent(None).await?;
        let parts = self.parts;
        let lease =
            lock::acquire(&parts.conn, &parts.dit, &parts.local, domain, &self.token).await?;
        parts.step(Step::Leased {
            dn: parts.dit.lock(domain),
        });
        Ok(lease)
    }

    /// Gives a lease back, then hands on `result`: the change's own
    /// outcome wins over a failure to release (the lease expires anyway).
    pub async fn release<T>(&mut self, lease: Lease, result: Result<T>) -> Result<T> {
        let dn = lease.dn().to_string();
        let released = lease.release(&self.parts.conn).await;
        if released.is_ok() {
            self.parts.step(Step::Released { dn });
        }
        match (result, released) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(e),
            (Err(e), _) => Err(e),
        }
    }

    /// Ends the run: `done` with the audit entry and journal event, or
    /// `rolled_back`, or left pending when the directory failed.
    pub async fn finish(self, outcome: Result<(Applied, Option<Value>)>) -> Result<Applied> {
        let state = &self.parts.state;
        match outcome {
            Ok((applied, after)) => {
                if !self.recorded {
                    state
                        .begin(&self.token, self.actor, self.change, self.before.as_ref())
                        .await?;
                }
                state
                    .done(&self.token, self.actor, self.change, self.before, after)
                    .await?;
                self.parts.step(Step::Finished {
                    token: self.token,
                    done: true,
                });
                Ok(applied)
            }
            Err(e) if e.kind == ErrorKind::Unavailable && self.recorded => Err(e.with_hint(
                "the change is recorded and will be finished by the next postier run against this directory",
            )),
            Err(e) => {
                if self.recorded {
                    state.rolled_back(&self.token, &e.to_string()).await?;
                    self.parts.step(Step::Finished {
                        token: self.token,
                        done: false,
                    });
                }
                Err(e)
            }
        }
    }
}
