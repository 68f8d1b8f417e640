//! The journal's consumer: every event reaches every `[[hooks]]` entry
//! that wants it, at least once and in journal order per hook.
//!
//! A hook has a cursor (`done_id`) in the directory's own store
//! ([`crate::directory::hooks::HookStore`]). To deliver, a consumer takes
//! the hook's lease (it expires, so a consumer that dies hands the hook on),
//! reads the journal past the cursor, and tries the first event the hook
//! wants. Delivered: the cursor moves past it. Failed: it is tried again
//! after a backoff (doubling from `backoff`, with jitter, capped at an
//! hour); after `max_attempts` it is **parked**: the hook stops there —
//! later events wait behind it, since delivering them first would break
//! the order — until an admin runs `hooks retry` or `hooks skip`. Other
//! hooks go on.
//!
//! Every attempt is recorded (time, outcome, exit code or HTTP status,
//! first lines of stderr). This module prints nothing: it returns reports.

pub mod builtin;
pub mod event;
pub mod target;

pub use event::EventDoc;
pub use target::{Attempt, Outcome};

use crate::config::{Config, HookConfig, HookTarget};
use crate::directory::hooks::{AttemptRow, HookRow, HookStore, Next};
use crate::error::{Error, Result};
use crate::model::JournalEvent;
use crate::ops::Ops;
use secrecy::ExposeSecret;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How many journal events are read at a time.
const BATCH: u64 = 500;
/// `hooks watch` runs a full round at least this often.
pub const WATCH_ROUND: Duration = Duration::from_secs(30);
/// Attempts are kept this long (those at an event a hook still works on,
/// until it is done with it).
pub const ATTEMPTS_KEPT_FOR: Duration = Duration::from_secs(30 * 86_400);
/// A consumer prunes old attempts at most this often.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// A lease lasts the hook's timeout plus this.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// What one round of delivery did, per hook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub hooks: Vec<HookRun>,
}

impl RunReport {
    /// Something needs an admin: a hook parked, or an attempt failed.
    pub fn has_failures(&self) -> bool {
        self.hooks
            .iter()
            .any(|h| h.parked.is_some() || h.failed_attempts > 0)
    }

    pub fn delivered(&self) -> u64 {
        self.hooks.iter().map(|h| h.delivered).sum()
    }
}

/// One hook's round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HookRun {
    pub name: String,
    pub delivered: u64,
    pub failed_attempts: u64,
    /// The event the hook is parked at, if it is.
    pub parked: Option<i64>,
    /// The event waiting for its next attempt, and when (unix ms).
    pub waiting: Option<(i64, i64)>,
    /// Another consumer holds the hook's lease.
    pub busy: bool,
    /// The last failed attempt's detail.
    pub last_error: Option<String>,
}

/// `hooks status`: one line per hook (SPEC.md's JSON keys first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookStatus {
    pub name: String,
    pub pending: u64,
    pub failed: u64,
    pub last_delivered_id: i64,
    pub oldest_pending_age_seconds: i64,
    #[serde(skip)]
    pub detail: StatusDetail,
}

/// What `hooks status` shows people besides the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusDetail {
    /// The event it is working on, and failed attempts at it.
    pub head: Option<(i64, i64)>,
    pub parked: bool,
    /// When the head is tried again (unix ms), if it waits.
    pub next_at: Option<i64>,
    /// Who delivers it now, until when (unix ms).
    pub lease: Option<(String, i64)>,
    /// The newest attempts, newest first.
    pub attempts: Vec<AttemptRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    pub hooks: Vec<HookStatus>,
}

/// The hooks service for one directory and one set of `[[hooks]]`.
pub struct Hooks {
    ops: Ops,
    store: Arc<dyn HookStore>,
    hooks: Vec<HookConfig>,
    secrets: BTreeMap<String, secrecy::SecretBox<Vec<u8>>>,
    targets: target::Targets,
    owner: String,
    /// When this consumer last pruned old attempts.
    pruned: std::sync::Mutex<Option<std::time::Instant>>,
}

/// Deliveries made but not yet written (see [`Hooks::flush`]): written
/// every [`FLUSH_EVERY`] events or [`FLUSH_AFTER`], and before anything
/// else is written or the round ends.
struct Delivered {
    attempts: Vec<AttemptRow>,
    since: std::time::Instant,
}

impl Default for Delivered {
    fn default() -> Self {
        Delivered {
            attempts: Vec::new(),
            since: std::time::Instant::now(),
        }
    }
}

impl Delivered {
    fn is_full(&self) -> bool {
        self.attempts.len() >= FLUSH_EVERY || self.since.elapsed() >= FLUSH_AFTER
    }
}

/// At most this many deliveries, or this long, before they are written.
const FLUSH_EVERY: usize = 100;
const FLUSH_AFTER: Duration = Duration::from_millis(250);

fn lease_ms(hook: &HookConfig) -> i64 {
    i64::try_from((hook.timeout + LEASE_MARGIN).as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Hooks {
    /// The service, for an admin. Reads each hook's `secret_file` now, so
    /// a missing or world-readable one is an error at start.
    pub fn new(ops: &Ops, config: &Config) -> Result<Hooks> {
        ops.actor().require_admin("hooks")?;
        if config
            .hooks
            .iter()
            .any(|h| matches!(h.target, HookTarget::Command(_)))
        {
            // A command that exits without reading its stdin closes the
            // pipe: writing the event must then fail (EPIPE, ignored), not
            // kill postier, whose binary restores SIGPIPE's default.
            // SAFETY: sets a signal disposition; no handler code runs.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_IGN);
            }
        }
        let mut hooks = config.hooks.clone();
        hooks.extend(crate::config::hooks::builtin_hooks(config));
        let mut secrets = BTreeMap::new();
        for hook in &hooks {
            if let HookTarget::Url {
                secret_file: Some(path),
                ..
            } = &hook.target
            {
                let what = format!("[[hooks]] {:?} secret_file {}", hook.name, path.display());
                let secret = crate::config::read_secret_file(
                    path,
                    &what,
                    "write the shared secret on the file's first line",
                )?;
                secrets.insert(
                    hook.name.clone(),
                    secrecy::SecretBox::new(Box::new(secret.expose_secret().as_bytes().to_vec())),
                );
            }
        }
        Ok(Hooks {
            ops: ops.clone(),
            store: ops.directory().hook_store(),
            hooks,
            secrets,
            targets: target::Targets::new(ops, config)?,
            owner: format!(
                "{}:{}:{:016x}",
                hostname(),
                std::process::id(),
                rand::random::<u64>()
            ),
            pruned: std::sync::Mutex::new(None),
        })
    }

    /// This consumer's lease name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn configured(&self) -> &[HookConfig] {
        &self.hooks
    }

    fn hook(&self, name: &str) -> Result<&HookConfig> {
        self.hooks.iter().find(|h| h.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.hooks.iter().map(|h| h.name.as_str()).collect();
            Error::not_found(format!("hook {name}")).with_hint(if names.is_empty() {
                "no [[hooks]] are configured".to_string()
            } else {
                format!("configured hooks: {}", names.join(", "))
            })
        })
    }

    /// Creates the state of hooks seen for the first time: they start at
    /// the journal's end (a new hook gets the changes made from now on,
    /// not the whole history).
    async fn ensure_rows(&self) -> Result<Vec<HookRow>> {
        let mut rows = self.store.rows().await?;
        if self
            .hooks
            .iter()
            .any(|h| !rows.iter().any(|r| r.hook == h.name))
        {
            let last = self.store.last_journal_id().await?;
            for h in &self.hooks {
                self.store.ensure(&h.name, last).await?;
            }
            rows = self.store.rows().await?;
        }
        Ok(rows)
    }

    /// Delivers what is pending, hook by hook, then returns.
    pub async fn run_once(&self) -> Result<RunReport> {
        let (_tx, rx) = watch::channel(false);
        self.run_until(&rx).await
    }

    /// [`Hooks::run_once`], stopping early (between deliveries) once
    /// `stop` turns true: the event in hand is finished, the lease given back.
    pub async fn run_until(&self, stop: &watch::Receiver<bool>) -> Result<RunReport> {
        self.ensure_rows().await?;
        let mut report = RunReport::default();
        for hook in &self.hooks {
            let run = self.run_hook(hook, stop).await;
            // Give the lease back whatever happened.
            let released = self.store.release(&hook.name, &self.owner).await;
            report.hooks.push(run?);
            released?;
        }
        self.prune_attempts().await?;
        Ok(report)
    }

    /// Deletes attempts older than [`ATTEMPTS_KEPT_FOR`] (at most once per
    /// [`PRUNE_EVERY`] in one process), so the record does not grow
    /// without end; what a hook still works on stays.
    async fn prune_attempts(&self) -> Result<()> {
        let due = {
            let mut last = self.pruned.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|t| t.elapsed() >= PRUNE_EVERY);
            if due {
                *last = Some(std::time::Instant::now());
            }
            due
        };
        if due {
            let before = chrono::Utc::now()
                - chrono::Duration::from_std(ATTEMPTS_KEPT_FOR).unwrap_or_default();
            let before = before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            self.store.prune_attempts(&before).await?;
        }
        Ok(())
    }

    async fn run_hook(&self, hook: &HookConfig, stop: &watch::Receiver<bool>) -> Result<HookRun> {
        let mut run = HookRun {
            name: hook.name.clone(),
            ..Default::default()
        };
        let mut batch = Delivered::default();
        let ran = self.run_hook_in(hook, stop, &mut run, &mut batch).await;
        // What was delivered is recorded whatever stopped the round.
        let flushed = self.flush(hook, &mut batch).await;
        ran?;
        flushed?;
        Ok(run)
    }

    /// Records the deliveries not yet written; false if the lease was lost
    /// (another consumer then delivers them again: at least once).
    async fn flush(&self, hook: &HookConfig, batch: &mut Delivered) -> Result<bool> {
        if batch.attempts.is_empty() {
            return Ok(true);
        }
        let until = now_ms().saturating_add(lease_ms(hook));
        let ok = self
            .store
            .record_delivered(&self.owner, &batch.attempts, until)
            .await?;
        batch.attempts.clear();
        batch.since = std::time::Instant::now();
        Ok(ok)
    }

    async fn run_hook_in(
        &self,
        hook: &HookConfig,
        stop: &watch::Receiver<bool>,
        run: &mut HookRun,
        batch: &mut Delivered,
    ) -> Result<()> {
        let lease_for = lease_ms(hook);
        'lease: loop {
            if *stop.borrow() {
                return Ok(());
            }
            let now = now_ms();
            let until = now.saturating_add(lease_for);
            let mut leased = self
                .store
                .lease(&hook.name, &self.owner, now, until)
                .await?;
            if leased.is_none()
                && let Some(dead) = self.dead_holder(&hook.name).await?
            {
                // Its consumer died on this host: no need to wait for the
                // lease to run out. (The conditional UPDATE still lets
                // only one consumer take it.)
                leased = self
                    .store
                    .lease(&hook.name, &self.owner, dead.saturating_add(1), until)
                    .await?;
            }
            let Some(row) = leased else {
                run.busy = true;
                return Ok(());
            };
            let events = self.ops.directory().journal(row.done_id, BATCH).await?;
            if events.is_empty() {
                return Ok(());
            }
            // What the row says of the event being worked on; after a
            // delivery the hook is simply done up to it.
            let mut head = row
                .head_id
                .map(|id| (id, row.attempts, row.next_at, row.parked));
            // Events not for this hook, passed since the last write.
            let mut passed = None;
            for event in &events {
                if !wants(hook, event) {
                    passed = Some(event.id);
                    continue;
                }
                if let Some(to) = passed.take()
                    && head.is_none()
                    && !(self.flush(hook, batch).await?
                        && self.advance(hook, to, lease_for).await?)
                {
                    return Ok(());
                }
                let (failed_before, next_at, parked) = match head {
                    Some((id, attempts, next_at, parked)) if id == event.id => {
                        (attempts, next_at, parked)
                    }
                    _ => (0, 0, false),
                };
                if parked {
                    run.parked = Some(event.id);
                    if run.last_error.is_none() {
                        // Parked by an earlier round: say why, from its record.
                        run.last_error = self
                            .store
                            .attempts(&hook.name, 1)
                            .await?
                            .into_iter()
                            .next()
                            .map(|a| match a.code {
                                Some(code) => format!("{} ({code}): {}", a.outcome, a.detail),
                                None => format!("{}: {}", a.outcome, a.detail),
                            });
                    }
                    return Ok(());
                }
                if next_at > now_ms() {
                    run.waiting = Some((event.id, next_at));
                    return Ok(());
                }
                if *stop.borrow() {
                    return Ok(());
                }
                let next = self
                    .deliver(hook, event, failed_before, lease_for, run, batch)
                    .await?;
                match next {
                    // Lost the lease: the consumer that took it owns the rest.
                    None => return Ok(()),
                    Some(Next::Done) => {
                        head = None;
                        if batch.is_full() && !self.flush(hook, batch).await? {
                            return Ok(());
                        }
                    }
                    // Failed: read the hook's state again (the retry may be due at once).
                    Some(_) => continue 'lease,
                }
            }
            // Written before the next lease reads the cursor back.
            if !self.flush(hook, batch).await? {
                return Ok(());
            }
            if let Some(to) = passed
                && head.is_none()
                && !self.advance(hook, to, lease_for).await?
            {
                return Ok(());
            }
        }
    }

    /// Marks `hook` done up to `to`, renewing the lease; false if lost.
    async fn advance(&self, hook: &HookConfig, to: i64, lease_for: i64) -> Result<bool> {
        let until = now_ms().saturating_add(lease_for);
        self.store.advance(&hook.name, &self.owner, to, until).await
    }

    /// One attempt at `event`, recorded; what it left the hook as, or None
    /// if the lease was lost meanwhile.
    async fn deliver(
        &self,
        hook: &HookConfig,
        event: &JournalEvent,
        failed_before: i64,
        lease_for: i64,
        run: &mut HookRun,
        batch: &mut Delivered,
    ) -> Result<Option<Next>> {
        let doc = EventDoc::from_journal(event);
        let attempt = self.attempt(hook, &doc).await;
        let tries = u32::try_from(failed_before + 1).unwrap_or(u32::MAX);
        let next = match attempt.outcome {
            Outcome::Delivered => Next::Done,
            _ if tries >= hook.max_attempts => Next::Park,
            _ => {
                let delay = hook.retry_delay(tries, rand::random::<f64>());
                Next::RetryAt(now_ms().saturating_add(delay.as_millis() as i64))
            }
        };
        let row = AttemptRow {
            hook: hook.name.clone(),
            event_id: event.id,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            outcome: match next {
                Next::Park => "parked".to_string(),
                _ => attempt.outcome.as_str().to_string(),
            },
            code: attempt.code,
            detail: attempt.detail.clone(),
        };
        if next == Next::Done {
            // Written with the next ones (one commit for many events).
            batch.attempts.push(row);
            run.delivered += 1;
            return Ok(Some(next));
        }
        // A failure is written at once, after the deliveries before it.
        if !self.flush(hook, batch).await? {
            return Ok(None);
        }
        let until = now_ms().saturating_add(lease_for);
        if !self.store.record(&self.owner, &row, next, until).await? {
            return Ok(None);
        }
        match next {
            Next::Done => run.delivered += 1,
            Next::RetryAt(_) | Next::Park => {
                run.failed_attempts += 1;
                run.last_error = Some(attempt_text(&attempt));
            }
        }
        Ok(Some(next))
    }

    /// The lease end of `hook`'s holder if that is a consumer of this host
    /// whose process is gone.
    async fn dead_holder(&self, hook: &str) -> Result<Option<i64>> {
        let rows = self.store.rows().await?;
        let Some(row) = rows.iter().find(|r| r.hook == hook) else {
            return Ok(None);
        };
        let Some(holder) = row.lease_owner.as_deref() else {
            return Ok(None);
        };
        let mut parts = holder.rsplitn(3, ':');
        let (_, pid, host) = (parts.next(), parts.next(), parts.next());
        let pid = pid.and_then(|p| p.parse::<libc::pid_t>().ok());
        match (host, pid) {
            (Some(host), Some(pid)) if host == hostname() && !process_alive(pid) => {
                Ok(Some(row.lease_until))
            }
            _ => Ok(None),
        }
    }

    async fn attempt(&self, hook: &HookConfig, doc: &EventDoc) -> Attempt {
        let secret = self
            .secrets
            .get(&hook.name)
            .map(|s| s.expose_secret().as_slice());
        self.targets.deliver(hook, doc, secret).await
    }

    /// Delivers until `stop` turns true, handing each round's report to
    /// `on_round`. Every `poll` (at once on PostgreSQL, which notifies each
    /// commit) it reads only the journal's last id (one cheap query); a round runs when that moved, when a retry falls due,
    /// and at least every [`WATCH_ROUND`] (to take over a dead consumer's
    /// hooks, or pick up a `hooks retry`).
    pub async fn watch(
        &self,
        mut stop: watch::Receiver<bool>,
        poll: Duration,
        mut on_round: impl FnMut(Result<&RunReport, &Error>),
    ) {
        let mut seen = None;
        let mut due: Option<i64> = None;
        let mut last_round: Option<std::time::Instant> = None;
        loop {
            if *stop.borrow() {
                return;
            }
            let last = self.store.last_journal_id().await;
            let moved = match &last {
                Ok(id) => seen != Some(*id),
                Err(e) => {
                    on_round(Err(e));
                    true
                }
            };
            let retry_due = due.is_some_and(|at| at <= now_ms());
            let stale = last_round.is_none_or(|t| t.elapsed() >= WATCH_ROUND);
            if last.is_ok() && (moved || retry_due || stale) {
                last_round = Some(std::time::Instant::now());
                let round = self.run_until(&stop).await;
                on_round(round.as_ref());
                if let Ok(report) = &round {
                    seen = last.ok();
                    due = report
                        .hooks
                        .iter()
                        .filter_map(|h| h.waiting.map(|w| w.1))
                        .min();
                    if report.delivered() > 0 {
                        // More may have landed meanwhile: look again now.
                        seen = None;
                        continue;
                    }
                }
            }
            tokio::select! {
                _ = self.store.wait_for_journal(poll) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Each hook's pending and failed counts, with its newest `attempts`.
    pub async fn status(&self, attempts: u64) -> Result<StatusReport> {
        let rows = self.ensure_rows().await?;
        let now = chrono::Utc::now();
        let mut out = Vec::new();
        for hook in &self.hooks {
            let Some(row) = rows.iter().find(|r| r.hook == hook.name) else {
                continue;
            };
            let (pending, oldest) = self.pending(hook, row.done_id).await?;
            let age = oldest
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
                .map(|at| (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0))
                .unwrap_or(0);
            out.push(HookStatus {
                name: hook.name.clone(),
                pending,
                failed: u64::from(row.parked),
                last_delivered_id: row.last_delivered_id,
                oldest_pending_age_seconds: age,
                detail: StatusDetail {
                    head: row.head_id.map(|h| (h, row.attempts)),
                    parked: row.parked,
                    next_at: (row.head_id.is_some() && !row.parked && row.next_at > 0)
                        .then_some(row.next_at),
                    lease: row
                        .lease_owner
                        .clone()
                        .filter(|_| row.lease_until > now.timestamp_millis())
                        .map(|o| (o, row.lease_until)),
                    attempts: if attempts > 0 {
                        self.store.attempts(&hook.name, attempts).await?
                    } else {
                        Vec::new()
                    },
                },
            });
        }
        Ok(StatusReport { hooks: out })
    }

    /// How many events past `done_id` the hook wants, and when the oldest
    /// of them happened.
    async fn pending(&self, hook: &HookConfig, done_id: i64) -> Result<(u64, Option<String>)> {
        let (mut count, mut oldest, mut after) = (0u64, None, done_id);
        loop {
            let events = self.ops.directory().journal(after, BATCH).await?;
            let Some(last) = events.last() else { break };
            after = last.id;
            for e in events.iter().filter(|e| wants(hook, e)) {
                count += 1;
                if oldest.is_none() {
                    oldest = Some(e.at.clone());
                }
            }
        }
        Ok((count, oldest))
    }

    /// The event `hook` is stopped at (parked or waiting), if any.
    async fn head(&self, hook: &str) -> Result<Option<HookRow>> {
        Ok(self
            .ensure_rows()
            .await?
            .into_iter()
            .find(|r| r.hook == hook && r.head_id.is_some()))
    }

    /// `hooks retry HOOK [EVENT_ID]`: the parked (or waiting) event is
    /// tried again at the next round, with a fresh count. Returns its id.
    pub async fn retry(&self, hook: &str, event_id: Option<i64>) -> Result<i64> {
        self.hook(hook)?;
        let head = self.head(hook).await?.and_then(|r| r.head_id);
        let id = match (event_id, head) {
            (_, None) => {
                return Err(Error::refused(
                    format!("hook {hook}"),
                    "has no failed event to retry",
                ));
            }
            (Some(asked), Some(head)) if asked != head => {
                return Err(not_head(hook, asked, head, "retry"));
            }
            (_, Some(head)) => head,
        };
        if !self.store.retry(hook, id, &self.ops.actor().user).await? {
            return Err(Error::conflict(
                format!("hook {hook}"),
                format!("moved past event {id} meanwhile"),
            ));
        }
        Ok(id)
    }

    /// `hooks skip HOOK EVENT_ID`: the hook gives up on its parked (or
    /// waiting) event, which stays in the journal undelivered to it.
    pub async fn skip(&self, hook: &str, event_id: i64) -> Result<()> {
        self.hook(hook)?;
        match self.head(hook).await?.and_then(|r| r.head_id) {
            None => Err(Error::refused(
                format!("hook {hook}"),
                "is stopped at no event, so there is none to skip",
            )),
            Some(head) if head != event_id => Err(not_head(hook, event_id, head, "skip")),
            Some(head) => {
                if self.store.skip(hook, head, &self.ops.actor().user).await? {
                    Ok(())
                } else {
                    Err(Error::conflict(
                        format!("hook {hook}"),
                        format!("moved past event {head} meanwhile"),
                    ))
                }
            }
        }
    }

    /// `hooks test HOOK`: a synthetic `hook.test` event (id 0), delivered
    /// once, recorded nowhere.
    pub async fn test(&self, hook: &str) -> Result<Attempt> {
        let config = self.hook(hook)?;
        let domain = config
            .domains
            .first()
            .map(|d| d.as_ascii().to_string())
            .unwrap_or_else(|| "example.org".into());
        let doc = EventDoc {
            id: 0,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            event: "hook.test".into(),
            object: format!("test@{domain}"),
            domain: Some(domain),
            actor: self.ops.actor().user.clone(),
            payload: serde_json::json!({ "test": true }),
        };
        Ok(self.attempt(config, &doc).await)
    }
}

fn not_head(hook: &str, asked: i64, head: i64, verb: &str) -> Error {
    Error::refused(
        format!("event {asked}"),
        format!("is not the one hook {hook} is stopped at (that is event {head})"),
    )
    .with_hint(format!("postier hooks {verb} {hook} {head}"))
}

fn wants(hook: &HookConfig, e: &JournalEvent) -> bool {
    hook.wants(&e.event, event::domain_of_journal(e).as_deref())
}

/// An attempt in a few words: exit code or status, then the detail.
pub fn attempt_text(a: &Attempt) -> String {
    match (a.code, a.detail.is_empty()) {
        (Some(c), false) => format!("{} ({c}): {}", a.outcome.as_str(), a.detail),
        (Some(c), true) => format!("{} ({c})", a.outcome.as_str()),
        (None, false) => format!("{}: {}", a.outcome.as_str(), a.detail),
        (None, true) => a.outcome.as_str().to_string(),
    }
}

/// Whether a process `pid` exists on this host.
fn process_alive(pid: libc::pid_t) -> bool {
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists and may be
    // signalled; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}
