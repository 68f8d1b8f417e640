//! `postier check WHAT`: monitoring-plugins (Nagios, Icinga) results.
//!
//! Each check turns the facts [`super::Monitor`] gathered into one
//! [`CheckOutcome`]: a state (exit code 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN), a first line for notifications —
//! `POSTIER WHAT STATE - text | perfdata` — and details on the lines
//! below. Critical is tested before warning, so that a critical value is
//! never reported as a mere warning. A check that cannot run (bad
//! arguments, the directory down where it needs it) is UNKNOWN.

use super::range::{Num, Range, Unit};
use super::{BackupFacts, BackupResult, DirectoryFigures, DnsFigures};
use crate::dns::Status;
use crate::error::Error;
use crate::hooks::HookStatus;
use crate::model::Size;
use std::fmt;
use std::time::Duration;

/// What `postier check` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Backup,
    Hooks,
    Quota,
    Dns,
    Directory,
}

impl CheckKind {
    pub const ALL: [CheckKind; 5] = [
        CheckKind::Backup,
        CheckKind::Hooks,
        CheckKind::Quota,
        CheckKind::Dns,
        CheckKind::Directory,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Backup => "backup",
            CheckKind::Hooks => "hooks",
            CheckKind::Quota => "quota",
            CheckKind::Dns => "dns",
            CheckKind::Directory => "directory",
        }
    }

    pub fn parse(text: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.name() == text)
    }

    /// What `-w`/`-c` measure for this check.
    pub fn unit(self) -> Unit {
        match self {
            CheckKind::Backup | CheckKind::Hooks | CheckKind::Directory => Unit::Seconds,
            CheckKind::Quota | CheckKind::Dns => Unit::Number,
        }
    }

    /// What `-w`/`-c` apply to, for help and errors.
    pub fn threshold_meaning(self) -> &'static str {
        match self {
            CheckKind::Backup => "the age of the last successful backup",
            CheckKind::Hooks => "the age of the oldest event a hook has still to get",
            CheckKind::Quota => "the fullest mailbox's use of its quota, in percent",
            CheckKind::Dns => {
                "the number of domains with a warning or worse (-w) and of failing ones (-c)"
            }
            CheckKind::Directory => "the time the directory takes to answer",
        }
    }
}

/// A monitoring-plugins state, in exit-code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    pub fn exit_code(self) -> u8 {
        self as u8
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// `-w` and `-c`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    pub warning: Option<Range>,
    pub critical: Option<Range>,
}

impl Thresholds {
    /// These, each one not given taken from `defaults`.
    pub fn or(self, defaults: Thresholds) -> Thresholds {
        Thresholds {
            warning: self.warning.or(defaults.warning),
            critical: self.critical.or(defaults.critical),
        }
    }

    /// Critical first, then warning.
    pub fn state(&self, value: f64) -> State {
        if self.critical.is_some_and(|c| c.alerts(value)) {
            State::Critical
        } else if self.warning.is_some_and(|w| w.alerts(value)) {
            State::Warning
        } else {
            State::Ok
        }
    }
}

/// One performance-data value: `'label'=value[uom];[warn];[crit];[min];[max]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    pub label: String,
    pub value: f64,
    /// `s`, `%`, `B` or empty (a count).
    pub uom: &'static str,
    pub warning: Option<Range>,
    pub critical: Option<Range>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Perf {
    /// A count: unit-less, 0 at least, no thresholds.
    pub fn count(label: impl Into<String>, value: u64) -> Perf {
        Perf {
            label: label.into(),
            value: value as f64,
            uom: "",
            warning: None,
            critical: None,
            min: Some(0.0),
            max: None,
        }
    }

    fn with(mut self, uom: &'static str, thresholds: Thresholds) -> Perf {
        self.uom = uom;
        self.warning = thresholds.warning;
        self.critical = thresholds.critical;
        self
    }
}

impl fmt::Display for Perf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self
            .label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.@".contains(c));
        if plain {
            f.write_str(&self.label)?;
        } else {
            write!(f, "'{}'", self.label.replace('\'', "''"))?;
        }
        write!(f, "={}{}", Num(self.value), self.uom)?;
        let opt_range = |r: Option<Range>| r.map(|r| r.to_string()).unwrap_or_default();
        let opt_num = |n: Option<f64>| n.map(|n| Num(n).to_string()).unwrap_or_default();
        let fields = [
            opt_range(self.warning),
            opt_range(self.critical),
            opt_num(self.min),
            opt_num(self.max),
        ];
        let used = fields
            .iter()
            .rposition(|s| !s.is_empty())
            .map_or(0, |i| i + 1);
        for field in &fields[..used] {
            write!(f, ";{field}")?;
        }
        Ok(())
    }
}

/// A check's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub kind: CheckKind,
    pub state: State,
    /// The first line's text (after `STATE - `).
    pub summary: String,
    pub perf: Vec<Perf>,
    /// Lines below the first.
    pub details: Vec<String>,
}

impl CheckOutcome {
    fn new(kind: CheckKind, state: State, summary: impl Into<String>) -> CheckOutcome {
        CheckOutcome {
            kind,
            state,
            summary: summary.into(),
            perf: Vec::new(),
            details: Vec::new(),
        }
    }

    /// UNKNOWN: the check could not run, because of `error`.
    pub fn unknown(kind: CheckKind, error: &Error) -> CheckOutcome {
        CheckOutcome::new(kind, State::Unknown, error.to_string())
    }

    /// The plugin's output: the status line, then the details.
    pub fn text(&self) -> String {
        self.text_named(self.kind.name())
    }

    /// [`CheckOutcome::text`] with another name after `POSTIER` (`CHECK`
    /// when the command line did not say which check).
    pub fn text_named(&self, name: &str) -> String {
        // `|` starts the perfdata: never in the texts.
        let clean = |s: &str| s.replace('|', "/").replace('\n', " ");
        let mut out = format!(
            "POSTIER {} {} - {}",
            name.to_uppercase(),
            self.state.as_str(),
            clean(&self.summary)
        );
        if !self.perf.is_empty() {
            out.push_str(" |");
            for p in &self.perf {
                out.push(' ');
                out.push_str(&p.to_string());
            }
        }
        for line in &self.details {
            out.push('\n');
            out.push_str(&clean(line));
        }
        out.push('\n');
        out
    }
}

/// `5m`, `26h`, `3d 4h`: an age for people.
pub fn age_text(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// At most this many detail lines list mailboxes or domains.
pub const MAX_LISTED: usize = 25;

/// `check hooks`: CRITICAL when a hook is parked at a failed event (it
/// delivers nothing more until `hooks retry` or `hooks skip`), else the
/// oldest pending event's age against `-w`/`-c` (default 1h / 6h).
pub fn hooks(status: &Result<Vec<HookStatus>, Error>, given: Thresholds) -> CheckOutcome {
    let kind = CheckKind::Hooks;
    let th = given.or(Thresholds {
        warning: Some(Range::above(3600.0)),
        critical: Some(Range::above(6.0 * 3600.0)),
    });
    let hooks = match status {
        Ok(hooks) => hooks,
        Err(e) => return CheckOutcome::unknown(kind, e),
    };
    if hooks.is_empty() {
        return CheckOutcome::new(kind, State::Ok, "no hooks configured");
    }
    let pending: u64 = hooks.iter().map(|h| h.pending).sum();
    let parked: Vec<&HookStatus> = hooks.iter().filter(|h| h.failed > 0).collect();
    let oldest = hooks
        .iter()
        .filter(|h| h.pending > 0)
        .map(|h| h.oldest_pending_age_seconds)
        .max()
        .unwrap_or(0);
    let by_age = th.state(oldest as f64);
    let state = if parked.is_empty() {
        by_age
    } else {
        State::Critical
    };
    let summary = if !parked.is_empty() {
        let names: Vec<&str> = parked.iter().map(|h| h.name.as_str()).collect();
        format!(
            "{} of {} hooks parked at a failed event: {}",
            parked.len(),
            hooks.len(),
            names.join(", ")
        )
    } else if pending == 0 {
        format!("{} hooks, nothing pending", hooks.len())
    } else {
        format!(
            "{} hooks, {pending} events pending, oldest {}",
            hooks.len(),
            age_text(oldest)
        )
    };
    let mut out = CheckOutcome::new(kind, state, summary);
    for h in hooks {
        let mut line = format!("{}: {} pending", h.name, h.pending);
        if h.pending > 0 {
            line.push_str(&format!(
                ", oldest {}",
                age_text(h.oldest_pending_age_seconds)
            ));
        }
        if let Some((event, attempts)) = h.detail.head.filter(|_| h.detail.parked) {
            line.push_str(&format!(
                "; parked at event {event} after {attempts} attempts"
            ));
            if let Some(last) = h.detail.attempts.first() {
                line.push_str(&format!(": {}", last.detail.lines().next().unwrap_or("")));
            }
            line.push_str(&format!(
                " (postier hooks retry {} / hooks skip {} {event})",
                h.name, h.name
            ));
        }
        out.details.push(line);
    }
    out.perf = vec![
        Perf::count("parked", parked.len() as u64),
        Perf::count("pending", pending),
        Perf::count("oldest_pending", oldest.max(0) as u64).with("s", th),
    ];
    out
}

/// The thresholds of `check quota`: `-w` (default `[monitor]
/// near_quota_percent`) and `-c` (default: full, `@100:`). The usage is
/// counted against them as it is read.
pub fn quota_thresholds(near_quota_percent: u8, given: Thresholds) -> Thresholds {
    given.or(Thresholds {
        warning: Some(Range::above(f64::from(near_quota_percent))),
        critical: Some(full()),
    })
}

/// `check quota`: the fullest mailbox's share of its quota against the
/// [`quota_thresholds`] the usage was counted against, naming it and
/// listing those over the warning.
pub fn quota(figures: &Result<DirectoryFigures, Error>) -> CheckOutcome {
    let kind = CheckKind::Quota;
    let figures = match figures {
        Ok(f) => f,
        Err(e) => return CheckOutcome::unknown(kind, e),
    };
    let usage = &figures.usage;
    let th = usage.thresholds;
    let read = figures.domains.len() - figures.usage_unknown.len().min(figures.domains.len());
    if read == 0 && !figures.domains.is_empty() {
        let why = &figures.usage_unknown[0].1;
        return CheckOutcome::new(
            kind,
            State::Unknown,
            format!("quota usage cannot be read: {why}"),
        );
    }
    let (over_warning, over_critical) = (usage.over_warning, usage.over_critical);
    let fullest = usage.fullest.as_ref();
    let state = fullest.map_or(State::Ok, |u| th.state(u.percent()));
    let describe = |u: &super::MailboxUsage| {
        format!(
            "{} {:.0}% ({} of {})",
            u.address.to_unicode(),
            u.percent(),
            Size::from_stored(u.used as i64).approx(),
            Size::from_stored(u.quota as i64).human()
        )
    };
    let summary = match (state, fullest) {
        (_, None) => "no mailbox has a quota".to_string(),
        (State::Ok, Some(u)) => format!(
            "{} mailboxes with a quota, fullest {}",
            usage.with_quota,
            describe(u)
        ),
        (_, Some(u)) => format!(
            "{} mailboxes over their threshold, fullest {}",
            over_warning.max(over_critical),
            describe(u)
        ),
    };
    let mut out = CheckOutcome::new(kind, state, summary);
    for u in usage.alerting.iter().take(MAX_LISTED) {
        let level = th.state(u.percent()).as_str();
        out.details.push(format!("{level}: {}", describe(u)));
    }
    if usage.alerting_total > MAX_LISTED as u64 {
        out.details.push(format!(
            "… and {} more",
            usage.alerting_total - MAX_LISTED as u64
        ));
    }
    for (domain, why) in &figures.usage_unknown {
        out.details
            .push(format!("{}: usage unknown: {why}", domain.to_unicode()));
    }
    out.perf = vec![
        Perf {
            min: Some(0.0),
            ..Perf::count("fullest", 0).with("%", th)
        },
        Perf::count("over_warning", over_warning),
        Perf::count("over_critical", over_critical),
        Perf::count("with_quota", usage.with_quota),
    ];
    out.perf[0].value = fullest.map_or(0.0, |u| (u.percent() * 10.0).round() / 10.0);
    out
}

/// `@100:`: at or above the whole quota (Dovecot refuses mail).
fn full() -> Range {
    Range::parse("@100:", Unit::Number).unwrap_or_else(|_| Range::above(100.0))
}

/// `check dns` (as `dns check --all`): CRITICAL when the number of
/// failing domains is outside `-c` (default `0`: any), UNKNOWN when some
/// could not be checked (no answer, or not by the deadline), WARNING when
/// the number of domains with a warning or worse is outside `-w`
/// (default `0`).
pub fn dns(figures: &Result<DnsFigures, Error>, given: Thresholds) -> CheckOutcome {
    let kind = CheckKind::Dns;
    let th = given.or(Thresholds {
        warning: Some(Range::above(0.0)),
        critical: Some(Range::above(0.0)),
    });
    let figures = match figures {
        Ok(f) => f,
        Err(e) => return CheckOutcome::unknown(kind, e),
    };
    let status =
        |r: &Option<crate::dns::DomainReport>| r.as_ref().map_or(Status::Unknown, |r| r.status);
    let count = |wanted: &[Status]| {
        figures
            .domains
            .iter()
            .filter(|(_, r)| wanted.contains(&status(r)))
            .count()
    };
    let fail = count(&[Status::Fail]);
    let warn = count(&[Status::Warn]);
    let unknown = count(&[Status::Unknown]);
    let late = figures.domains.iter().filter(|(_, r)| r.is_none()).count();
    let state = if th.critical.is_some_and(|c| c.alerts(fail as f64)) {
        State::Critical
    } else if unknown > 0 {
        State::Unknown
    } else if th.warning.is_some_and(|w| w.alerts((warn + fail) as f64)) {
        State::Warning
    } else {
        State::Ok
    };
    let total = figures.domains.len();
    let mut summary = format!("{total} domains: {fail} fail, {warn} warn, {unknown} unknown");
    let failing: Vec<String> = figures
        .domains
        .iter()
        .filter(|(_, r)| status(r) == Status::Fail)
        .map(|(d, _)| d.to_unicode())
        .collect();
    if !failing.is_empty() {
        let shown: Vec<&str> = failing.iter().take(5).map(String::as_str).collect();
        let more = if failing.len() > 5 { ", …" } else { "" };
        summary.push_str(&format!(" (failing: {}{more})", shown.join(", ")));
    }
    if late > 0 {
        summary.push_str(&format!(
            "; {late} not checked within {}",
            age_text(figures.deadline.as_secs() as i64)
        ));
    }
    let mut out = CheckOutcome::new(kind, state, summary);
    let mut listed = 0;
    for (domain, report) in &figures.domains {
        let s = status(report);
        if matches!(s, Status::Ok | Status::Skip) {
            continue;
        }
        listed += 1;
        if listed > MAX_LISTED {
            continue;
        }
        let problems: Vec<String> = match report {
            None => vec!["not checked by the deadline".into()],
            Some(r) => r
                .checks
                .iter()
                .filter(|c| matches!(c.status, Status::Fail | Status::Warn | Status::Unknown))
                .map(|c| format!("{} {}: {}", c.status.as_str(), c.id, c.message))
                .collect(),
        };
        out.details.push(format!(
            "{}: {} - {}",
            domain.to_unicode(),
            s.as_str().to_uppercase(),
            problems.join("; ")
        ));
    }
    if listed > MAX_LISTED {
        out.details
            .push(format!("… and {} more", listed - MAX_LISTED));
    }
    out.perf = vec![
        Perf::count("domains", total as u64),
        Perf::count("not_ok", (warn + fail) as u64).with(
            "",
            Thresholds {
                warning: th.warning,
                critical: None,
            },
        ),
        Perf::count("fail", fail as u64).with(
            "",
            Thresholds {
                warning: None,
                critical: th.critical,
            },
        ),
        Perf::count("unknown", unknown as u64),
    ];
    out
}

/// `check backup`, from the local catalogue (the backup server is usually
/// off): the last successful backup's age against `-w`/`-c` (default
/// `[backup] warn_age` / `crit_age`), CRITICAL when there has been none;
/// a last run that failed or was degraded is at least a WARNING.
pub fn backup(
    facts: &Result<BackupFacts, Error>,
    now: chrono::DateTime<chrono::Utc>,
    given: Thresholds,
) -> CheckOutcome {
    let kind = CheckKind::Backup;
    let facts = match facts {
        Ok(f) => f,
        Err(e) => return CheckOutcome::unknown(kind, e),
    };
    let th = given.or(Thresholds {
        warning: Some(Range::above(facts.warn_age.as_secs_f64())),
        critical: Some(Range::above(facts.crit_age.as_secs_f64())),
    });
    let last_failed = facts
        .last_run
        .as_ref()
        .filter(|r| r.result != BackupResult::Ok);
    let failure = last_failed.map(|r| {
        let when = chrono::DateTime::from_timestamp(r.finished, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        let why = r
            .problem
            .as_deref()
            .map(|p| format!(": {p}"))
            .unwrap_or_default();
        format!("last run {} at {when}{why}", r.result.as_str())
    });
    let (state, mut summary, age) = match &facts.last_success {
        None => (
            State::Critical,
            "no successful backup yet".to_string(),
            None,
        ),
        Some(success) => {
            let age = (now.timestamp() - success.finished).max(0);
            let mut state = th.state(age as f64);
            if failure.is_some() {
                state = state.max(State::Warning);
            }
            let text = format!("last success {} ago ({})", age_text(age), success.archive);
            (state, text, Some(age))
        }
    };
    if let Some(failure) = &failure {
        summary.push_str("; ");
        summary.push_str(failure);
    }
    if let Some(n) = facts.unprotected.filter(|n| *n > 0) {
        summary.push_str(&format!("; {n} mailboxes in no archive"));
    }
    let mut out = CheckOutcome::new(kind, state, summary);
    if let Some(run) = &facts.last_run {
        out.details.push(format!(
            "last run: {} {} (started {})",
            run.archive,
            run.result.as_str(),
            chrono::DateTime::from_timestamp(run.started, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
        ));
    }
    out.details.push(format!(
        "thresholds: warning {} s, critical {} s (from [backup] warn_age/crit_age unless -w/-c)",
        th.warning.map(|r| r.to_string()).unwrap_or_default(),
        th.critical.map(|r| r.to_string()).unwrap_or_default()
    ));
    if let Some(age) = age {
        out.perf.push(Perf::count("age", age as u64).with("s", th));
    }
    if let Some(n) = facts.unprotected {
        out.perf.push(Perf::count("unprotected", n));
    }
    if let Some(n) = facts.pending_purge {
        out.perf.push(Perf::count("pending_purge", n));
    }
    out
}

/// `check directory`: CRITICAL when the directory does not answer (or
/// its schema is not the one this postier knows), else the time it took
/// to list the domains against `-w`/`-c` (default 1s / 5s).
pub fn directory(
    shown: &str,
    figures: &Result<DirectoryFigures, Error>,
    given: Thresholds,
) -> CheckOutcome {
    let kind = CheckKind::Directory;
    let th = given.or(Thresholds {
        warning: Some(Range::above(1.0)),
        critical: Some(Range::above(5.0)),
    });
    let figures = match figures {
        Ok(f) => f,
        Err(e) => return CheckOutcome::new(kind, State::Critical, e.to_string()),
    };
    let seconds = figures.answered_in.as_secs_f64();
    let mut state = th.state(seconds);
    let schema = match figures.schema {
        Some(v) if v.applied == v.expected => format!(", schema {}", v.applied),
        Some(v) => {
            state = State::Critical;
            format!(
                ", schema {} where this postier expects {} (run: postier db migrate with the newest postier)",
                v.applied, v.expected
            )
        }
        None => String::new(),
    };
    let mailboxes: u64 = figures.domains.iter().map(|d| d.mailboxes).sum();
    let summary = format!(
        "{shown} answered in {}{schema}, {} domains, {mailboxes} mailboxes",
        seconds_text(figures.answered_in),
        figures.domains.len()
    );
    let mut out = CheckOutcome::new(kind, state, summary);
    out.perf = vec![
        Perf {
            value: (seconds * 1000.0).round() / 1000.0,
            ..Perf::count("time", 0).with("s", th)
        },
        Perf::count("domains", figures.domains.len() as u64),
        Perf::count("mailboxes", mailboxes),
    ];
    if let Some(v) = figures.schema {
        out.perf
            .push(Perf::count("schema", v.applied.max(0) as u64));
    }
    out
}

fn seconds_text(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfdata_in_plugin_form() {
        let th = Thresholds {
            warning: Range::parse("26h", Unit::Seconds).ok(),
            critical: Range::parse("6d", Unit::Seconds).ok(),
        };
        assert_eq!(
            Perf::count("age", 3600).with("s", th).to_string(),
            "age=3600s;93600;518400;0"
        );
        assert_eq!(Perf::count("pending", 3).to_string(), "pending=3;;;0");
        assert_eq!(Perf::count("hook one", 1).to_string(), "'hook one'=1;;;0");
    }

    #[test]
    fn critical_is_tested_before_warning() {
        let th = Thresholds {
            warning: Some(Range::above(10.0)),
            critical: Some(Range::above(20.0)),
        };
        assert_eq!(th.state(5.0), State::Ok);
        assert_eq!(th.state(15.0), State::Warning);
        assert_eq!(th.state(25.0), State::Critical);
    }

    #[test]
    fn ages_for_people() {
        assert_eq!(age_text(42), "42s");
        assert_eq!(age_text(600), "10m");
        assert_eq!(age_text(5 * 3600 + 60), "5h01m");
        assert_eq!(age_text(26 * 3600 + 60), "1d02h");
        assert_eq!(age_text(6 * 86_400 + 3600), "6d01h");
    }
}
