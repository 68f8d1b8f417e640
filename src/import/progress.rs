//! How far a long import has got, as values: the library calls a
//! [`Reporter`] with [`Progress`], and the front-ends draw it (a bar on a
//! terminal for the CLI) or ignore it. Nothing here draws.

use std::sync::atomic::{AtomicU64, Ordering};

/// The slow steps of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Checking `password_plain` values against the hashes stored.
    Verify,
    /// Hashing `password_plain` and generated passwords.
    Hash,
    /// Writing the changes to the directory.
    Apply,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Verify => "verify",
            Phase::Hash => "hash",
            Phase::Apply => "apply",
        }
    }
}

/// `done` of `total` items of `phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

/// Told of progress; called from any thread, so it must be quick.
pub type Reporter = dyn Fn(Progress) + Send + Sync;

/// A reporter that ignores everything.
pub fn silent() -> std::sync::Arc<Reporter> {
    std::sync::Arc::new(|_| {})
}

/// Counts items done by several threads and reports each step.
pub(crate) struct Counter<'a> {
    phase: Phase,
    total: u64,
    done: AtomicU64,
    report: &'a Reporter,
}

impl<'a> Counter<'a> {
    /// Starts `phase` (reporting 0 of `total`).
    pub(crate) fn start(phase: Phase, total: usize, report: &'a Reporter) -> Self {
        let total = total as u64;
        report(Progress {
            phase,
            done: 0,
            total,
        });
        Counter {
            phase,
            total,
            done: AtomicU64::new(0),
            report,
        }
    }

    /// One more item done.
    pub(crate) fn step(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        (self.report)(Progress {
            phase: self.phase,
            done,
            total: self.total,
        });
    }

    /// `done` items done in all.
    pub(crate) fn set(&self, done: usize) {
        self.done.store(done as u64, Ordering::Relaxed);
        (self.report)(Progress {
            phase: self.phase,
            done: done as u64,
            total: self.total,
        });
    }
}
