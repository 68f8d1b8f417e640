//! Monitoring: the mail service as Prometheus and Nagios/Icinga see it.
//!
//! [`Monitor`] gathers the facts — the directory through [`Ops`], quota
//! usage through the stack's [`QuotaUsageReader`], DKIM keys from the key
//! store, the hooks' state, and (when asked, within a deadline) the DNS
//! self-check — and hands them to [`metrics`] (Prometheus text format for
//! node_exporter's textfile collector) or [`check`] (monitoring-plugins
//! results, thresholds in the [`range`] syntax). It prints nothing: the
//! CLI and the TUI show what it returns.
//!
//! A source that cannot be read is reported, never guessed: the directory
//! down is `postier_directory_up 0` (and UNKNOWN for the checks that need
//! it), a source that failed is `postier_source_up{source} 0` with the
//! error returned beside the text.

pub mod check;
pub mod metrics;
pub mod range;

use crate::config::{Config, HookTarget};
use crate::directory::SchemaVersion;
use crate::dns::{DomainReport, Resolver, check_domain};
use crate::error::{Error, Result};
use crate::hooks::{HookStatus, Hooks};
use crate::i18n::Lang;
use crate::model::{Address, DomainName, KeyState, MailboxFacts, Selector};
use crate::ops::Ops;
use crate::stack::quota::{QuotaUsage, QuotaUsageReader};
use check::{CheckKind, CheckOutcome, Thresholds};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many domains' maildirs are read at once, each on a blocking
/// thread (reading a maildirsize is mostly the kernel's path walk and
/// open: a few at a time keep the cores busy).
const MAILDIR_READERS: usize = 4;

/// What monitoring reads from, for one run.
pub struct Monitor {
    config: Config,
    /// The directory behind the gate, or why it could not be opened.
    ops: std::result::Result<Ops, Error>,
    quota: Arc<dyn QuotaUsageReader>,
    lang: Lang,
    /// The mailboxes' facts, read once for all the figures of a run.
    facts: tokio::sync::OnceCell<Vec<MailboxFacts>>,
}

/// The directory's figures, per domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectoryFigures {
    pub schema: Option<SchemaVersion>,
    pub domains: Vec<DomainFigures>,
    pub alias_domains: u64,
    /// How long reading the domains took.
    pub answered_in: Duration,
    /// Mailboxes with a quota and a known usage, against the quota
    /// check's thresholds.
    pub usage: UsageFigures,
    /// Why quota usage could not be read, per domain (none read at all:
    /// one entry per domain).
    pub usage_unknown: Vec<(DomainName, String)>,
}

/// One hosted domain as monitoring counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainFigures {
    pub name: DomainName,
    pub active: bool,
    pub mailboxes: u64,
    pub mailboxes_disabled: u64,
    /// Mailboxes whose password hash uses a scheme too weak to keep.
    pub weak_passwords: u64,
    pub aliases: u64,
    /// Sum of the mailboxes' quotas (unlimited ones count 0).
    pub quota_allotted: u64,
    /// The domain's cap on that sum, if any.
    pub quota_limit: Option<u64>,
    /// What its maildirs hold, if it could be read.
    pub quota_used: Option<u64>,
    /// Mailboxes above `[monitor] near_quota_percent` of their quota, if
    /// usage could be read.
    pub near_quota: Option<u64>,
}

/// A mailbox with a quota and how much of it is used.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxUsage {
    pub address: Address,
    pub used: u64,
    pub quota: u64,
}

impl MailboxUsage {
    pub fn percent(&self) -> f64 {
        self.used as f64 * 100.0 / self.quota as f64
    }
}

/// The mailboxes with a quota and a known usage, counted against the
/// quota check's thresholds as they are read: only the fullest and the
/// first few the thresholds alert on are named (a service of 100,000
/// mailboxes is not held mailbox by mailbox).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageFigures {
    /// What they were counted against.
    pub thresholds: Thresholds,
    pub with_quota: u64,
    /// Those the warning range, and the critical one, alerts on.
    pub over_warning: u64,
    pub over_critical: u64,
    /// The fullest (the first read of equals).
    pub fullest: Option<MailboxUsage>,
    /// Those either range alerts on, fullest first, at most
    /// [`check::MAX_LISTED`] of them.
    pub alerting: Vec<MailboxUsage>,
    /// How many either range alerts on.
    pub alerting_total: u64,
}

/// Builds [`UsageFigures`], one mailbox at a time, keeping the
/// [`check::MAX_LISTED`] fullest alerting ones in a heap.
struct UsageTally {
    figures: UsageFigures,
    /// The alerting ones kept, the least full (then the last read) on top.
    kept: std::collections::BinaryHeap<Ranked>,
    fullest: Option<Ranked>,
    read: u64,
}

/// A mailbox's usage and its place in reading order; greater is less
/// full, or as full and read later.
struct Ranked(f64, u64, MailboxUsage);

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> std::cmp::Ordering {
        rank((self.0, self.1), (other.0, other.1))
    }
}

/// [`Ranked`]'s order on (percent, place in reading order).
fn rank(a: (f64, u64), b: (f64, u64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

impl UsageTally {
    fn new(thresholds: Thresholds) -> UsageTally {
        UsageTally {
            figures: UsageFigures {
                thresholds,
                ..Default::default()
            },
            kept: std::collections::BinaryHeap::new(),
            fullest: None,
            read: 0,
        }
    }

    /// One mailbox's usage; `usage` is called only for those named.
    fn add(&mut self, percent: f64, usage: impl Fn() -> MailboxUsage) {
        let th = self.figures.thresholds;
        let seq = self.read;
        self.read += 1;
        self.figures.with_quota += 1;
        let warns = th.warning.is_some_and(|r| r.alerts(percent));
        let crit = th.critical.is_some_and(|r| r.alerts(percent));
        self.figures.over_warning += u64::from(warns);
        self.figures.over_critical += u64::from(crit);
        if self.fullest.as_ref().is_none_or(|f| percent > f.0) {
            self.fullest = Some(Ranked(percent, seq, usage()));
        }
        if warns || crit {
            self.figures.alerting_total += 1;
            let beats_kept = self
                .kept
                .peek()
                .is_none_or(|worst| rank((percent, seq), (worst.0, worst.1)).is_lt());
            if self.kept.len() < check::MAX_LISTED {
                self.kept.push(Ranked(percent, seq, usage()));
            } else if beats_kept {
                self.kept.pop();
                self.kept.push(Ranked(percent, seq, usage()));
            }
        }
    }

    fn finish(mut self) -> UsageFigures {
        self.figures.fullest = self.fullest.map(|r| r.2);
        self.figures.alerting = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.2)
            .collect();
        self.figures
    }
}

/// A DKIM key in the key store.
#[derive(Debug, Clone, PartialEq)]
pub struct DkimKeyFigures {
    pub domain: DomainName,
    pub selector: Selector,
    pub state: KeyState,
    pub created: chrono::DateTime<chrono::Utc>,
}

/// The backups as the local catalogue knows them (the backup server may
/// be off: none of this asks it).
#[derive(Debug, Clone, PartialEq)]
pub struct BackupFacts {
    /// `[backup] warn_age` and `crit_age`.
    pub warn_age: Duration,
    pub crit_age: Duration,
    pub last_run: Option<BackupRunFacts>,
    /// The newest run whose archive holds every maildir.
    pub last_success: Option<BackupRunFacts>,
    /// Mailboxes no archive holds (when the directory was read too:
    /// `metrics`, not `check backup`), and removed mailboxes' data waiting
    /// to be purged (when the moved-aside records could be read).
    pub unprotected: Option<u64>,
    pub pending_purge: Option<u64>,
}

/// A catalogue run as the checks and metrics read it.
fn run_facts(r: &crate::backup::catalogue::Run) -> BackupRunFacts {
    use crate::backup::catalogue::RunResult;
    let seconds = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp())
            .unwrap_or(0)
    };
    let problem = match (&r.error, r.warnings.is_empty()) {
        (Some(e), _) => Some(e.clone()),
        (None, false) => Some(format!("not archived: {}", r.warnings.join(", "))),
        (None, true) => None,
    };
    BackupRunFacts {
        archive: r.archive.clone(),
        started: seconds(&r.started),
        finished: seconds(&r.finished),
        result: match r.result {
            RunResult::Ok => BackupResult::Ok,
            RunResult::Warning => BackupResult::Warning,
            RunResult::Error => BackupResult::Error,
        },
        problem,
    }
}

/// One backup run.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupRunFacts {
    pub archive: String,
    /// Seconds since the epoch.
    pub started: i64,
    pub finished: i64,
    pub result: BackupResult,
    /// Why it failed or what it could not archive, in a line.
    pub problem: Option<String>,
}

/// How a backup run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupResult {
    Ok,
    /// Degraded: borg archived with warnings (files it could not read).
    Warning,
    Error,
}

impl BackupResult {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupResult::Ok => "ok",
            BackupResult::Warning => "warning",
            BackupResult::Error => "error",
        }
    }
}

/// The DNS self-check of every domain, as far as it got by the deadline
/// (`None`: not finished in time).
#[derive(Debug, Clone, Default)]
pub struct DnsFigures {
    pub domains: Vec<(DomainName, Option<DomainReport>)>,
    pub deadline: Duration,
}

impl Monitor {
    /// A monitor over `ops` (or the error opening the directory gave).
    pub fn new(config: Config, ops: std::result::Result<Ops, Error>, lang: Lang) -> Monitor {
        let quota = crate::stack::quota::reader(&config.stack).into();
        Monitor {
            config,
            ops,
            quota,
            lang,
            facts: tokio::sync::OnceCell::new(),
        }
    }

    /// Another quota usage reader (the TUI's, shared with its views).
    pub fn with_quota_reader(mut self, reader: Arc<dyn QuotaUsageReader>) -> Monitor {
        self.quota = reader;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The directory, or why it is down.
    pub fn ops(&self) -> std::result::Result<&Ops, &Error> {
        self.ops.as_ref()
    }

    /// Every mailbox's facts, read once per monitor (the directory
    /// figures and the unprotected count of one `metrics` run share them).
    async fn mailbox_facts(&self) -> Result<&[MailboxFacts]> {
        let ops = self.ops.as_ref().map_err(Clone::clone)?;
        let facts = self
            .facts
            .get_or_try_init(|| ops.mailbox_facts(None))
            .await?;
        Ok(facts)
    }

    /// Domains, mailboxes, aliases, quotas and their use, the usage
    /// counted against `quota` (the quota check's thresholds; metrics need
    /// none of it).
    ///
    /// The mailboxes are read as [`MailboxFacts`] (no hashes, names or
    /// times) while each domain's maildirs are read on blocking threads a
    /// few domains at a time; the usage is then tallied, not kept mailbox
    /// by mailbox.
    pub async fn directory(&self, quota: Thresholds) -> Result<DirectoryFigures> {
        let ops = self.ops.as_ref().map_err(Clone::clone)?;
        let started = Instant::now();
        let domains = ops.domains().await?;
        let answered_in = started.elapsed();
        let schema = ops.directory().schema_version().await?;
        let alias_domains = ops.alias_domains().await?.len() as u64;
        // The maildirs are read on blocking threads while the directory
        // lists the mailboxes: neither needs the other.
        let names: Vec<DomainName> = domains.iter().map(|d| d.name.clone()).collect();
        let reader = self.quota.clone();
        let reading = futures::stream::iter(names)
            .map(move |name| {
                let reader = reader.clone();
                async move { reader.domain_maildirs(&name).await }
            })
            .buffered(MAILDIR_READERS)
            .collect::<Vec<_>>();
        let (mailboxes, usages) = tokio::join!(self.mailbox_facts(), reading);
        let near = f64::from(self.config.monitor.near_quota_percent);
        let mut by_domain: HashMap<&DomainName, Vec<&MailboxFacts>> = HashMap::new();
        for m in mailboxes? {
            by_domain.entry(m.domain()).or_default().push(m);
        }
        let mut figures = DirectoryFigures {
            schema,
            alias_domains,
            answered_in,
            ..Default::default()
        };
        let mut tally = UsageTally::new(quota);
        for (domain, usage) in domains.iter().zip(usages) {
            let own = by_domain.remove(&domain.name).unwrap_or_default();
            let mut f = DomainFigures {
                name: domain.name.clone(),
                active: domain.active,
                mailboxes: own.len() as u64,
                mailboxes_disabled: own.iter().filter(|m| !m.active).count() as u64,
                weak_passwords: own.iter().filter(|m| m.weak_password).count() as u64,
                aliases: domain.aliases,
                quota_allotted: own.iter().map(|m| m.quota.bytes()).sum(),
                quota_limit: (!domain.quota.is_unlimited()).then(|| domain.quota.bytes()),
                quota_used: None,
                near_quota: None,
            };
            match usage {
                Ok(maildirs) => {
                    match maildirs.total() {
                        Ok(total) => f.quota_used = Some(total),
                        Err(why) => figures.usage_unknown.push((domain.name.clone(), why)),
                    }
                    let mut near_quota = 0;
                    for m in own.iter().filter(|m| !m.quota.is_unlimited()) {
                        if let QuotaUsage::UsedBytes(used) = maildirs.usage(&m.maildir) {
                            let quota = m.quota.bytes();
                            let usage = || MailboxUsage {
                                address: m.address.clone(),
                                used,
                                quota,
                            };
                            let percent = used as f64 * 100.0 / quota as f64;
                            if percent > near {
                                near_quota += 1;
                            }
                            tally.add(percent, usage);
                        }
                    }
                    f.near_quota = Some(near_quota);
                }
                Err(why) => figures.usage_unknown.push((domain.name.clone(), why)),
            }
            figures.domains.push(f);
        }
        figures.usage = tally.finish();
        Ok(figures)
    }

    /// The DKIM keys in `[dkim] key_dir`, by domain and age.
    pub fn dkim_keys(&self) -> Result<Vec<DkimKeyFigures>> {
        let store = crate::ops::dns::key_store(&self.config);
        let mut out = Vec::new();
        for domain in store.domains()? {
            for key in store.keys(&domain)? {
                out.push(DkimKeyFigures {
                    domain: domain.clone(),
                    selector: key.selector,
                    state: key.state,
                    created: key.created,
                });
            }
        }
        Ok(out)
    }

    /// Each configured hook's pending and parked events (with its newest
    /// attempt, to say why it is parked).
    pub async fn hooks(&self) -> Result<Vec<HookStatus>> {
        let ops = self.ops.as_ref().map_err(Clone::clone)?;
        if self.config.hooks.is_empty() {
            return Ok(Vec::new());
        }
        // Reading the state needs no webhook secret (those are for
        // signing deliveries, and often readable only by the delivering
        // service's account): leave them out.
        let mut config = self.config.clone();
        for hook in &mut config.hooks {
            if let HookTarget::Url { secret_file, .. } = &mut hook.target {
                *secret_file = None;
            }
        }
        Ok(Hooks::new(ops, &config)?.status(1).await?.hooks)
    }

    /// Runs one `postier check`.
    pub async fn check(&self, kind: CheckKind, given: Thresholds) -> CheckOutcome {
        match kind {
            CheckKind::Directory => {
                let shown = self
                    .ops
                    .as_ref()
                    .map(|ops| ops.directory().describe())
                    .unwrap_or_default();
                check::directory(&shown, &self.directory_only().await, given)
            }
            CheckKind::Quota => {
                let near = self.config.monitor.near_quota_percent;
                check::quota(&self.directory(check::quota_thresholds(near, given)).await)
            }
            CheckKind::Hooks => check::hooks(&self.hooks().await, given),
            CheckKind::Dns => check::dns(&self.dns().await, given),
            CheckKind::Backup => {
                check::backup(&self.backup_local().await, chrono::Utc::now(), given)
            }
        }
    }

    /// The checks a front-end shows together (the TUI's header and Health
    /// view), with their default thresholds: the quick ones (directory,
    /// backup, hooks), and with `full` the quota too, which reads every
    /// maildir. Never DNS, which takes long and which the domain list
    /// shows domain by domain.
    pub async fn health(&self, full: bool) -> Vec<CheckOutcome> {
        // Without [backup] there is no backup to watch: not "unknown".
        let mut kinds = vec![CheckKind::Directory];
        if self.backs_up() {
            kinds.push(CheckKind::Backup);
        }
        kinds.push(CheckKind::Hooks);
        if full {
            kinds.push(CheckKind::Quota);
        }
        let mut out = Vec::new();
        for kind in kinds {
            out.push(self.check(kind, Thresholds::default()).await);
        }
        out
    }

    /// The directory's answer time, schema and domain counts, without
    /// reading every mailbox (what `check directory` needs).
    async fn directory_only(&self) -> Result<DirectoryFigures> {
        let ops = self.ops.as_ref().map_err(Clone::clone)?;
        let started = Instant::now();
        let domains = ops.domains().await?;
        let answered_in = started.elapsed();
        let schema = ops.directory().schema_version().await?;
        Ok(DirectoryFigures {
            schema,
            answered_in,
            domains: domains
                .iter()
                .map(|d| DomainFigures {
                    name: d.name.clone(),
                    active: d.active,
                    mailboxes: d.mailboxes,
                    mailboxes_disabled: 0,
                    weak_passwords: 0,
                    aliases: d.aliases,
                    quota_allotted: d.allotted_quota.bytes(),
                    quota_limit: None,
                    quota_used: None,
                    near_quota: None,
                })
                .collect(),
            ..Default::default()
        })
    }

    /// Is a `[backup]` configured?
    pub fn backs_up(&self) -> bool {
        self.config.backup.is_some()
    }

    /// The backups as the local state knows them (the catalogue, the
    /// moved-aside records: see [`crate::backup::local_status`]), without
    /// the directory: what `check backup` reads, in milliseconds whatever
    /// the number of mailboxes. No count of unprotected mailboxes.
    pub async fn backup_local(&self) -> Result<BackupFacts> {
        let settings = crate::backup::settings(&self.config)?;
        let mut catalogue = crate::backup::catalogue::Catalogue::open(&settings.state_dir).await?;
        self.backup_facts(&mut catalogue).await
    }

    /// [`Monitor::backup_local`] and the count of mailboxes no archive
    /// holds, which needs the directory (what `metrics` reads).
    pub async fn backup(&self) -> Result<BackupFacts> {
        let settings = crate::backup::settings(&self.config)?;
        let mut catalogue = crate::backup::catalogue::Catalogue::open(&settings.state_dir).await?;
        let mut facts = self.backup_facts(&mut catalogue).await?;
        if let Ok(mailboxes) = self.mailbox_facts().await {
            facts.unprotected = crate::backup::unprotected_of(&mut catalogue, mailboxes)
                .await
                .ok()
                .map(|u| u.len() as u64);
        }
        Ok(facts)
    }

    async fn backup_facts(
        &self,
        catalogue: &mut crate::backup::catalogue::Catalogue,
    ) -> Result<BackupFacts> {
        let settings = crate::backup::settings(&self.config)?;
        let local = crate::backup::local_status(&self.config, catalogue, chrono::Utc::now()).await;
        let (last_run, last_success, pending_purge) = match local {
            Ok(l) => (
                l.last_run,
                l.last_success,
                Some(l.pending_purge.len() as u64),
            ),
            // The moved-aside records cannot be read: the runs can.
            Err(_) => (
                catalogue.last_run().await?,
                catalogue.last_success().await?,
                None,
            ),
        };
        Ok(BackupFacts {
            warn_age: settings.warn_age,
            crit_age: settings.crit_age,
            last_run: last_run.as_ref().map(run_facts),
            last_success: last_success.as_ref().map(run_facts),
            unprotected: None,
            pending_purge,
        })
    }

    /// The DNS self-check of every domain and alias domain (as `dns check
    /// --all`), each domain unknown that is not done within `[monitor]
    /// dns_deadline`.
    pub async fn dns(&self) -> Result<DnsFigures> {
        let ops = self.ops.as_ref().map_err(Clone::clone)?;
        let deadline = self.config.monitor.dns_deadline()?;
        let mut names: Vec<DomainName> = ops.domains().await?.into_iter().map(|d| d.name).collect();
        names.extend(ops.alias_domains().await?.into_iter().map(|a| a.name));
        names.sort();
        let expectations = names
            .iter()
            .map(|d| crate::ops::dns::expectations(&self.config, d))
            .collect::<Result<Vec<_>>>()?;
        let options = crate::ops::dns::resolver_options(&self.config.dns, &[], None)?;
        let resolver = Arc::new(Resolver::new(&options)?);
        let lang = self.lang;
        let mut reports: Vec<Option<DomainReport>> = vec![None; names.len()];
        let mut checks = futures::stream::iter(expectations.into_iter().enumerate())
            .map(move |(i, exp)| {
                let resolver = resolver.clone();
                async move { (i, check_domain(&resolver, &exp, lang).await) }
            })
            .buffer_unordered(self.config.dns.concurrency.max(1));
        let until = tokio::time::Instant::now() + deadline;
        while let Ok(Some((i, report))) = tokio::time::timeout_at(until, checks.next()).await {
            reports[i] = Some(report);
        }
        Ok(DnsFigures {
            domains: names.into_iter().zip(reports).collect(),
            deadline,
        })
    }
}
