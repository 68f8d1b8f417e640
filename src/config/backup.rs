//! `[backup]`: where the mailboxes are archived (a borg repository), how
//! long archives are kept and how long moved-aside data of removed
//! mailboxes waits before it may be purged. Checked once, at load, into a
//! [`BackupConfig`]; a bad value is an error naming the key and the value.

use crate::config::hooks::parse_duration;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// `[backup]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawBackup {
    pub repository: Option<String>,
    pub passphrase_file: Option<PathBuf>,
    pub archive_prefix: Option<String>,
    pub keep_daily: Option<u32>,
    pub keep_weekly: Option<u32>,
    pub keep_monthly: Option<u32>,
    pub purge_after: Option<String>,
    pub warn_age: Option<String>,
    pub crit_age: Option<String>,
    pub state_dir: Option<PathBuf>,
    pub borg: Option<PathBuf>,
    pub lock_wait: Option<String>,
    pub rsh: Option<String>,
    pub doveadm: Option<Vec<String>>,
}

/// `[backup]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupConfig {
    /// A borg repository (`ssh://…`, a path).
    pub repository: String,
    /// The file holding the repository's passphrase on its first line; borg
    /// reads it itself (`BORG_PASSCOMMAND`), postier never holds it.
    pub passphrase_file: Option<PathBuf>,
    /// Archives are named `PREFIX-<UTC time>`.
    pub archive_prefix: String,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
    /// How long a removed mailbox's data stays after an archive holds it.
    pub purge_after: Duration,
    /// Monitoring: the last success is old (warning), too old (critical).
    pub warn_age: Duration,
    pub crit_age: Duration,
    /// Where the catalogue (which archive holds which maildir) lives.
    pub state_dir: PathBuf,
    /// The borg program.
    pub borg: PathBuf,
    /// How long borg waits for the repository's lock.
    pub lock_wait: Duration,
    /// How borg reaches an `ssh://` repository (borg's `--rsh`), e.g. the
    /// socket a backup server forwards in pull mode.
    pub rsh: Option<String>,
    /// The `doveadm` command restores import through (argv, no shell),
    /// e.g. `["doveadm", "-c", "/etc/dovecot/dovecot.conf"]`.
    pub doveadm: Vec<String>,
}

pub const DEFAULT_STATE_DIR: &str = "/var/lib/postier/backup";

impl RawBackup {
    pub fn check(self) -> Result<BackupConfig> {
        let bad = |key: &str, why: String| Error::invalid(format!("[backup] {key}"), why);
        let repository = self.repository.unwrap_or_default();
        if repository.trim().is_empty() {
            return Err(bad("repository", "is missing".into())
                .with_hint("name the borg repository, e.g. repository = \"ssh://borg@backup.example.net/./mail\""));
        }
        let archive_prefix = self.archive_prefix.unwrap_or_else(|| "mail".into());
        if archive_prefix.is_empty()
            || !archive_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(bad(
                "archive_prefix",
                format!("{archive_prefix:?} may hold only letters, digits, -, _ and ."),
            )
            .with_hint("e.g. archive_prefix = \"mail\""));
        }
        let duration = |key: &str, value: Option<String>, default: &str| {
            let text = value.unwrap_or_else(|| default.to_string());
            parse_duration(&text).map_err(|why| bad(key, why))
        };
        let purge_after = duration("purge_after", self.purge_after, "2d")?;
        let warn_age = duration("warn_age", self.warn_age, "26h")?;
        let crit_age = duration("crit_age", self.crit_age, "6d")?;
        if crit_age < warn_age {
            return Err(bad(
                "crit_age",
                format!(
                    "{}s is shorter than warn_age ({}s)",
                    crit_age.as_secs(),
                    warn_age.as_secs()
                ),
            )
            .with_hint(
                "critical should come after warning, e.g. warn_age = \"26h\", crit_age = \"6d\"",
            ));
        }
        let lock_wait = duration("lock_wait", self.lock_wait, "10m")?;
        let keep = [self.keep_daily, self.keep_weekly, self.keep_monthly];
        let [keep_daily, keep_weekly, keep_monthly] = [
            keep[0].unwrap_or(7),
            keep[1].unwrap_or(4),
            keep[2].unwrap_or(6),
        ];
        if keep_daily + keep_weekly + keep_monthly == 0 {
            return Err(bad(
                "keep_daily",
                "and keep_weekly and keep_monthly are all 0".into(),
            )
            .with_hint(
                "prune would delete every archive: keep at least one, e.g. keep_daily = 7",
            ));
        }
        if let Some(rsh) = &self.rsh
            && rsh.trim().is_empty()
        {
            return Err(bad("rsh", "is empty".into())
                .with_hint("remove it, or give the command borg reaches the repository with"));
        }
        let doveadm = self.doveadm.unwrap_or_else(|| vec!["doveadm".into()]);
        if doveadm.first().is_none_or(|p| p.is_empty()) {
            return Err(bad("doveadm", "is empty".into())
                .with_hint("e.g. doveadm = [\"doveadm\", \"-c\", \"/etc/dovecot/dovecot.conf\"]"));
        }
        Ok(BackupConfig {
            repository,
            passphrase_file: self.passphrase_file,
            archive_prefix,
            keep_daily,
            keep_weekly,
            keep_monthly,
            purge_after,
            warn_age,
            crit_age,
            state_dir: self
                .state_dir
                .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR)),
            borg: self.borg.unwrap_or_else(|| PathBuf::from("borg")),
            lock_wait,
            rsh: self.rsh,
            doveadm,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawBackup {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = raw("repository = \"/srv/borg\"").check().unwrap();
        assert_eq!(c.archive_prefix, "mail");
        assert_eq!((c.keep_daily, c.keep_weekly, c.keep_monthly), (7, 4, 6));
        assert_eq!(c.purge_after, Duration::from_secs(2 * 86_400));
        assert_eq!(c.warn_age, Duration::from_secs(26 * 3600));
        assert_eq!(c.state_dir, PathBuf::from(DEFAULT_STATE_DIR));
    }

    #[test]
    fn bad_values_are_named() {
        let e = raw("repository = \"/r\"\npurge_after = \"2x\"")
            .check()
            .unwrap_err();
        assert_eq!(e.what, "[backup] purge_after");
        assert!(e.why.contains("\"2x\""), "{e}");
        let e = raw("archive_prefix = \"m\"").check().unwrap_err();
        assert_eq!(e.what, "[backup] repository");
        let e = raw("repository = \"/r\"\narchive_prefix = \"a b\"")
            .check()
            .unwrap_err();
        assert!(e.why.contains("\"a b\""), "{e}");
        let e = raw("repository = \"/r\"\nwarn_age = \"7d\"\ncrit_age = \"1d\"")
            .check()
            .unwrap_err();
        assert_eq!(e.what, "[backup] crit_age");
    }
}
