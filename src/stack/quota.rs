//! How full a mailbox is, as Dovecot counts it.
//!
//! Front-ends ask a [`QuotaUsageReader`] and never look at mail files or
//! run Dovecot tools themselves. The reader in use is [`Maildirsize`]:
//! Dovecot's maildir quota (the one `stack render` configures) keeps each
//! maildir's usage in its `maildirsize` file — a header line with the limit,
//! then one `<bytes> <messages>` line per change — and the sum of those
//! lines is exactly what Dovecot enforces. (`doveadm quota get` reports the
//! same figure rounded up to KiB, so it is not used for bytes.)
//!
//! Anything doubtful — no file yet, unreadable, malformed, negative — is
//! [`QuotaUsage::Unknown`] with the reason, never a guess.

use crate::config::{QuotaUsageSource, StackConfig};
use crate::model::Size;
use async_trait::async_trait;
use std::path::{Component, Path, PathBuf};

/// A mailbox's usage, or why it is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaUsage {
    UsedBytes(u64),
    Unknown(String),
}

impl QuotaUsage {
    pub fn used_bytes(&self) -> Option<u64> {
        match self {
            QuotaUsage::UsedBytes(b) => Some(*b),
            QuotaUsage::Unknown(_) => None,
        }
    }

    /// The share of `quota` used, in whole percent; none when unknown or
    /// the quota is unlimited.
    pub fn percent_of(&self, quota: Size) -> Option<u64> {
        let used = self.used_bytes()?;
        (!quota.is_unlimited()).then(|| (used as f64 * 100.0 / quota.bytes() as f64).round() as u64)
    }
}

/// Where quota usage comes from.
#[async_trait]
pub trait QuotaUsageReader: Send + Sync {
    /// The usage of the maildir stored as `maildir` (relative to the mail
    /// root, as [`crate::model::Mailbox::maildir`] holds it).
    async fn usage(&self, maildir: &str) -> QuotaUsage;
}

/// The reader `[stack] quota_usage` names.
pub fn reader(config: &StackConfig) -> Box<dyn QuotaUsageReader> {
    match config.quota_usage {
        QuotaUsageSource::Maildirsize => Box::new(Maildirsize {
            mail_root: config.mail_root.clone(),
        }),
        QuotaUsageSource::None => Box::new(NotRead),
    }
}

/// Reads `mail_root/<maildir>/maildirsize`.
pub struct Maildirsize {
    pub mail_root: PathBuf,
}

#[async_trait]
impl QuotaUsageReader for Maildirsize {
    async fn usage(&self, maildir: &str) -> QuotaUsage {
        let Some(dir) = maildir_path(&self.mail_root, maildir) else {
            return QuotaUsage::Unknown(format!(
                "the stored maildir {maildir:?} is not a path under the mail root"
            ));
        };
        let file = dir.join("maildirsize");
        match tokio::fs::read_to_string(&file).await {
            Ok(text) => match sum_maildirsize(&text) {
                Some(bytes) => QuotaUsage::UsedBytes(bytes),
                None => QuotaUsage::Unknown(format!("{} is not in maildir++ form", file.display())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => QuotaUsage::Unknown(format!(
                "{} does not exist yet (Dovecot writes it at the first delivery)",
                file.display()
            )),
            Err(e) => QuotaUsage::Unknown(format!("cannot read {}: {e}", file.display())),
        }
    }
}

/// Usage is not read (`quota_usage = "none"`).
pub struct NotRead;

#[async_trait]
impl QuotaUsageReader for NotRead {
    async fn usage(&self, _: &str) -> QuotaUsage {
        QuotaUsage::Unknown("not read ([stack] quota_usage = \"none\")".into())
    }
}

/// `mail_root/maildir`, refusing a stored maildir that would leave the root.
fn maildir_path(mail_root: &Path, maildir: &str) -> Option<PathBuf> {
    let relative = Path::new(maildir);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    (plain && !maildir.is_empty()).then(|| mail_root.join(relative))
}

/// The byte total of a maildir++ `maildirsize` file, or None if it is not
/// in that form or sums to less than nothing.
fn sum_maildirsize(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    let header = lines.next()?;
    if !header.split(',').all(|rule| {
        rule.strip_suffix(['S', 'C'])
            .is_some_and(|n| n.parse::<u64>().is_ok())
    }) {
        return None;
    }
    let mut total: i128 = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split_whitespace();
        let bytes: i64 = fields.next()?.parse().ok()?;
        let _count: i64 = fields.next()?.parse().ok()?;
        if fields.next().is_some() {
            return None;
        }
        total += i128::from(bytes);
    }
    u64::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_maildirsize_lines() {
        assert_eq!(sum_maildirsize("0S\n633 1\n"), Some(633));
        assert_eq!(
            sum_maildirsize("1048576S,100C\n633 1\n1200 2\n-633 -1\n"),
            Some(1200)
        );
        assert_eq!(sum_maildirsize("1024S\n"), Some(0));
    }

    #[test]
    fn doubtful_files_are_unknown() {
        for bad in [
            "",
            "junk\n1 1\n",
            "0S\n12\n",
            "0S\nx 1\n",
            "0S\n5 1\n-9 -1\n",
            "0S\n1 1 1\n",
        ] {
            assert_eq!(sum_maildirsize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn maildir_stays_under_the_root() {
        let root = Path::new("/var/vmail");
        assert_eq!(
            maildir_path(root, "example.org/alice/"),
            Some(PathBuf::from("/var/vmail/example.org/alice/"))
        );
        for bad in ["../etc/", "/etc/", "a/../../b", ""] {
            assert_eq!(maildir_path(root, bad), None, "{bad:?}");
        }
    }
}
