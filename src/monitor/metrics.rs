//! `postier metrics`: the Prometheus text exposition format (the classic
//! one node_exporter's textfile collector reads, not OpenMetrics), and
//! its atomic write as `DIR/postier.prom`.
//!
//! Names follow the node_exporter conventions: base units (`_bytes`,
//! `_seconds`), times as `_timestamp_seconds` (an age is computed in
//! PromQL, so a file written a while ago does not lie), a `HELP` and
//! `TYPE` line per family. Labels go down to the domain at most: no
//! mailbox address is ever a label.

use super::{BackupFacts, BackupResult, DirectoryFigures, DkimKeyFigures, DnsFigures};
use crate::dns::Status;
use crate::error::{Error, Result};
use crate::hooks::HookStatus;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file node_exporter reads in the `--textfile DIR`.
pub const TEXTFILE_NAME: &str = "postier.prom";

/// What a metrics run found, source by source (`Err`: could not be read).
#[derive(Debug, Default)]
pub struct Snapshot {
    pub directory: Option<Result<DirectoryFigures>>,
    pub dkim: Option<Result<Vec<DkimKeyFigures>>>,
    pub hooks: Option<Result<Vec<HookStatus>>>,
    pub dns: Option<Result<DnsFigures>>,
    pub backup: Option<Result<BackupFacts>>,
    /// When this was taken.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Snapshot {
    /// The errors of the sources that could not be read, named.
    pub fn errors(&self) -> Vec<(&'static str, &Error)> {
        let mut out = Vec::new();
        if let Some(Err(e)) = &self.directory {
            out.push(("directory", e));
        }
        if let Some(Err(e)) = &self.dkim {
            out.push(("dkim", e));
        }
        if let Some(Err(e)) = &self.hooks {
            out.push(("hooks", e));
        }
        if let Some(Err(e)) = &self.dns {
            out.push(("dns", e));
        }
        if let Some(Err(e)) = &self.backup {
            out.push(("backup", e));
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
}

/// One metric family: its samples, each with its labels.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    fn gauge(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            kind: Kind::Gauge,
            samples: Vec::new(),
        }
    }

    fn one(mut self, value: f64) -> Family {
        self.samples.push((Vec::new(), value));
        self
    }

    fn add(&mut self, labels: Vec<(&'static str, String)>, value: f64) {
        self.samples.push((labels, value));
    }
}

/// The snapshot as Prometheus text.
pub fn render(snapshot: &Snapshot) -> String {
    let mut families = Vec::new();
    let up = matches!(snapshot.directory, Some(Ok(_)));
    families.push(
        Family::gauge(
            "postier_directory_up",
            "Whether the directory answered (1) or not (0).",
        )
        .one(f64::from(u8::from(up))),
    );
    let mut source_up = Family::gauge(
        "postier_source_up",
        "Whether each source of these metrics could be read (1) or not (0).",
    );
    for (source, read) in [
        ("directory", snapshot.directory.as_ref().map(|r| r.is_ok())),
        ("dkim", snapshot.dkim.as_ref().map(|r| r.is_ok())),
        ("hooks", snapshot.hooks.as_ref().map(|r| r.is_ok())),
        ("dns", snapshot.dns.as_ref().map(|r| r.is_ok())),
        ("backup", snapshot.backup.as_ref().map(|r| r.is_ok())),
    ] {
        if let Some(ok) = read {
            source_up.add(vec![("source", source.into())], f64::from(u8::from(ok)));
        }
    }
    families.push(source_up);
    if let Some(Ok(dir)) = &snapshot.directory {
        directory_families(dir, &mut families);
    }
    if let Some(Ok(keys)) = &snapshot.dkim {
        let mut created = Family::gauge(
            "postier_dkim_key_created_timestamp_seconds",
            "When each DKIM key was made (its age is time() minus this), by domain, selector and state.",
        );
        for k in keys {
            created.add(
                vec![
                    ("domain", k.domain.to_string()),
                    ("selector", k.selector.to_string()),
                    ("state", k.state.as_str().to_string()),
                ],
                k.created.timestamp() as f64,
            );
        }
        families.push(created);
    }
    if let Some(Ok(hooks)) = &snapshot.hooks {
        hook_families(hooks, snapshot.now, &mut families);
    }
    if let Some(Ok(backup)) = &snapshot.backup {
        backup_families(backup, &mut families);
    }
    if let Some(Ok(dns)) = &snapshot.dns {
        let mut status = Family::gauge(
            "postier_dns_status",
            "Each domain's DNS self-check: 0 ok, 1 warn, 2 fail, 3 unknown (not answered in time included).",
        );
        for (domain, report) in &dns.domains {
            let value = report.as_ref().map(|r| dns_value(r.status)).unwrap_or(3.0);
            status.add(vec![("domain", domain.to_string())], value);
        }
        families.push(status);
    }
    write_families(&families)
}

/// `postier_dns_status`'s value for a domain's status (skip counts as ok).
fn dns_value(status: Status) -> f64 {
    match status {
        Status::Ok | Status::Skip => 0.0,
        Status::Warn => 1.0,
        Status::Fail => 2.0,
        Status::Unknown => 3.0,
    }
}

fn directory_families(dir: &DirectoryFigures, families: &mut Vec<Family>) {
    if let Some(schema) = dir.schema {
        families.push(
            Family::gauge(
                "postier_directory_schema_version",
                "The directory's schema version (its newest applied migration).",
            )
            .one(schema.applied as f64),
        );
    }
    families.push(
        Family::gauge(
            "postier_directory_read_duration_seconds",
            "How long the directory took to list the domains.",
        )
        .one(dir.answered_in.as_secs_f64()),
    );
    families.push(
        Family::gauge(
            "postier_domains",
            "Hosted domains (alias domains not counted).",
        )
        .one(dir.domains.len() as f64),
    );
    families.push(
        Family::gauge(
            "postier_domains_disabled",
            "Hosted domains that accept no mail.",
        )
        .one(dir.domains.iter().filter(|d| !d.active).count() as f64),
    );
    families.push(
        Family::gauge(
            "postier_alias_domains",
            "Alias domains (mail to them goes to the same names at another domain).",
        )
        .one(dir.alias_domains as f64),
    );
    type Pick = fn(&super::DomainFigures) -> Option<u64>;
    let per_domain: [(&'static str, &'static str, Pick); 8] = [
        ("postier_mailboxes", "Mailboxes per domain.", |d| {
            Some(d.mailboxes)
        }),
        (
            "postier_mailboxes_disabled",
            "Mailboxes per domain that refuse mail and logins.",
            |d| Some(d.mailboxes_disabled),
        ),
        (
            "postier_mailboxes_weak_password",
            "Mailboxes per domain whose password hash uses a weak scheme (MD5-CRYPT, CRYPT, SSHA...): ask them to change it.",
            |d| Some(d.weak_passwords),
        ),
        (
            "postier_aliases",
            "Aliases per domain (catch-all included).",
            |d| Some(d.aliases),
        ),
        (
            "postier_quota_allotted_bytes",
            "Sum of the quotas of the domain's mailboxes (unlimited ones count 0).",
            |d| Some(d.quota_allotted),
        ),
        (
            "postier_quota_limit_bytes",
            "The domain's cap on the sum of its mailboxes' quotas (domains with a cap only).",
            |d| d.quota_limit,
        ),
        (
            "postier_quota_used_bytes",
            "What the domain's maildirs hold, as Dovecot's quota counts it (when it could be read).",
            |d| d.quota_used,
        ),
        (
            "postier_mailboxes_near_quota",
            "Mailboxes per domain above [monitor] near_quota_percent of their quota (when usage could be read).",
            |d| d.near_quota,
        ),
    ];
    for (name, help, pick) in per_domain {
        let mut family = Family::gauge(name, help);
        for d in &dir.domains {
            if let Some(value) = pick(d) {
                family.add(vec![("domain", d.name.to_string())], value as f64);
            }
        }
        families.push(family);
    }
}

fn backup_families(b: &BackupFacts, out: &mut Vec<Family>) {
    if let Some(success) = &b.last_success {
        out.push(
            Family::gauge(
                "postier_backup_last_success_timestamp_seconds",
                "When the last backup whose archive holds every maildir finished.",
            )
            .one(success.finished as f64),
        );
    }
    if let Some(run) = &b.last_run {
        out.push(
            Family::gauge(
                "postier_backup_last_run_timestamp_seconds",
                "When the last backup run started, whatever its result.",
            )
            .one(run.started as f64),
        );
        let status = match run.result {
            BackupResult::Ok => 0.0,
            BackupResult::Warning => 1.0,
            BackupResult::Error => 2.0,
        };
        out.push(
            Family::gauge(
                "postier_backup_last_run_status",
                "How the last backup run ended: 0 ok, 1 warning (degraded: files not archived), 2 error.",
            )
            .one(status),
        );
    }
    out.push(
        Family::gauge(
            "postier_backup_warn_age_seconds",
            "[backup] warn_age: a last success older than this is late.",
        )
        .one(b.warn_age.as_secs_f64()),
    );
    out.push(
        Family::gauge(
            "postier_backup_crit_age_seconds",
            "[backup] crit_age: a last success older than this is critical.",
        )
        .one(b.crit_age.as_secs_f64()),
    );
    if let Some(n) = b.unprotected {
        out.push(
            Family::gauge(
                "postier_backup_unprotected_mailboxes",
                "Mailboxes no successful archive holds.",
            )
            .one(n as f64),
        );
    }
    if let Some(n) = b.pending_purge {
        out.push(
            Family::gauge(
                "postier_backup_purge_pending",
                "Removed mailboxes whose data waits to be purged.",
            )
            .one(n as f64),
        );
    }
}

fn hook_families(hooks: &[HookStatus], now: chrono::DateTime<chrono::Utc>, out: &mut Vec<Family>) {
    let mut pending = Family::gauge(
        "postier_hooks_pending",
        "Journal events each hook has still to get.",
    );
    let mut failed = Family::gauge(
        "postier_hooks_failed",
        "Events parked as failed per hook (delivery stopped until hooks retry or hooks skip).",
    );
    let mut oldest = Family::gauge(
        "postier_hooks_oldest_pending_timestamp_seconds",
        "When the oldest event each hook has still to get happened (hooks with pending events only).",
    );
    let mut delivered = Family::gauge(
        "postier_hooks_last_delivered_event_id",
        "The journal id of the last event each hook got.",
    );
    for h in hooks {
        let label = || vec![("hook", h.name.clone())];
        pending.add(label(), h.pending as f64);
        failed.add(label(), h.failed as f64);
        delivered.add(label(), h.last_delivered_id as f64);
        if h.pending > 0 {
            let at = now.timestamp() - h.oldest_pending_age_seconds;
            oldest.add(label(), at as f64);
        }
    }
    out.extend([pending, failed, oldest, delivered]);
}

/// Families in the text format; those without samples are left out.
fn write_families(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let kind = match f.kind {
            Kind::Gauge => "gauge",
        };
        let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(f.help));
        let _ = writeln!(out, "# TYPE {} {kind}", f.name);
        for (labels, value) in &f.samples {
            out.push_str(f.name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", value_text(*value));
        }
    }
    out
}

/// `\` and newline escaped, as HELP text needs.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// `\`, `"` and newline escaped, as label values need.
pub fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
fn value_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Writes `text` as `dir/postier.prom` so that a reader sees the old file
/// or the new one, never a part: a temp file in the same directory,
/// synced, made 0644 (node_exporter runs as another user), renamed over.
pub fn write_textfile(dir: &Path, text: &str) -> Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let target = dir.join(TEXTFILE_NAME);
    let what = || format!("textfile {}", target.display());
    let hint = "check that --textfile names a directory you may write to";
    // Not ending in .prom: the collector must not read it half-written.
    let tmp = dir.join(format!(".{TEXTFILE_NAME}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        // The umask may have taken bits away: say 0644 outright.
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::unavailable(what(), format!("cannot write: {e}")).with_hint(hint)
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(escape_help("x\\y\nz"), "x\\\\y\\nz");
        let mut f = Family::gauge("postier_x", "X.");
        f.add(vec![("hook", "we\"ird\\".into())], 1.5);
        assert_eq!(
            write_families(&[f]),
            "# HELP postier_x X.\n# TYPE postier_x gauge\npostier_x{hook=\"we\\\"ird\\\\\"} 1.5\n"
        );
    }

    #[test]
    fn values_in_text_form() {
        assert_eq!(value_text(3.0), "3");
        assert_eq!(value_text(0.25), "0.25");
        assert_eq!(value_text(f64::NAN), "NaN");
        assert_eq!(value_text(f64::INFINITY), "+Inf");
        assert_eq!(value_text(1_700_000_000.0), "1700000000");
    }
}
