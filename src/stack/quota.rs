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
use crate::model::{DomainName, Size};
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
    /// The usage of every maildir of `domain` together (those of removed
    /// mailboxes whose data is still there included: it is what the disk
    /// holds).
    async fn domain_usage(&self, domain: &DomainName) -> QuotaUsage;
    /// Every maildir of `domain` with its usage, read in one pass (for
    /// monitoring, which looks at every mailbox at once).
    async fn domain_maildirs(&self, domain: &DomainName) -> Result<DomainMaildirs, String>;
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

    async fn domain_usage(&self, domain: &DomainName) -> QuotaUsage {
        match self.sum_domain(domain).await {
            Ok(bytes) => QuotaUsage::UsedBytes(bytes),
            Err(why) => QuotaUsage::Unknown(why),
        }
    }

    async fn domain_maildirs(&self, domain: &DomainName) -> Result<DomainMaildirs, String> {
        self.read_domain(domain).await
    }
}

impl Maildirsize {
    /// Sums `mail_root/<domain>/*/maildirsize`; a maildir without one has
    /// had no mail delivered.
    async fn sum_domain(&self, domain: &DomainName) -> Result<u64, String> {
        self.read_domain(domain).await?.total()
    }

    /// Reads `mail_root/<domain>/*/maildirsize`, maildir by maildir, on a
    /// blocking thread (one task per domain, not one per file: monitoring
    /// reads every maildir of the service).
    async fn read_domain(&self, domain: &DomainName) -> Result<DomainMaildirs, String> {
        let root = self.mail_root.clone();
        let domain = domain.clone();
        tokio::task::spawn_blocking(move || read_domain_blocking(&root, &domain))
            .await
            .map_err(|e| format!("reading the maildirs stopped: {e}"))?
    }
}

fn read_domain_blocking(root: &Path, domain: &DomainName) -> Result<DomainMaildirs, String> {
    if !std::fs::metadata(root).is_ok_and(|m| m.is_dir()) {
        return Err(format!(
            "the mail root {} is not a directory on this machine",
            root.display()
        ));
    }
    let mut found = DomainMaildirs::default();
    let dir = root.join(domain.as_ascii());
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let opened =
        std::fs::File::open(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut text = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let file = || dir.join(&name).join("maildirsize");
        let usage = match read_usage_file(&opened, &name, &mut text) {
            Ok(()) => match std::str::from_utf8(&text).map(sum_maildirsize) {
                Ok(Some(bytes)) => QuotaUsage::UsedBytes(bytes),
                Ok(None) => {
                    QuotaUsage::Unknown(format!("{} is not in maildir++ form", file().display()))
                }
                Err(_) => QuotaUsage::Unknown(format!(
                    "cannot read {}: stream did not contain valid UTF-8",
                    file().display()
                )),
            },
            // No file: no mail delivered yet (or not a maildir).
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                continue;
            }
            Err(e) => QuotaUsage::Unknown(format!("cannot read {}: {e}", file().display())),
        };
        let maildir = format!("{}/{}/", domain.as_ascii(), name.to_string_lossy());
        found.maildirs.insert(maildir, usage);
    }
    Ok(found)
}

/// Reads `<name>/maildirsize` under the open directory `dir` into `text`.
/// Opened relative to the domain's directory (the kernel does not walk
/// the mail root's path again for each of a domain's maildirs) and read
/// without asking its size first, in as few system calls as it takes:
/// monitoring reads one per mailbox.
fn read_usage_file(
    dir: &std::fs::File,
    name: &std::ffi::OsStr,
    text: &mut Vec<u8>,
) -> std::io::Result<()> {
    use std::io::Read;
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::ffi::OsStrExt;
    let relative = std::ffi::CString::new([name.as_bytes(), b"/maildirsize"].concat())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    // SAFETY: a plain openat(2) on a descriptor `dir` keeps open, with a
    // NUL-terminated path; the descriptor it returns is owned by `file`.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            relative.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened here and nothing else owns it.
    let mut file = unsafe { std::fs::File::from_raw_fd(fd) };
    text.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let n = file.read(&mut chunk)?;
        text.extend_from_slice(&chunk[..n]);
        // A regular file reads short only at its end: no read to find
        // nothing more (maildirsize files are a few lines).
        if n < chunk.len() {
            return Ok(());
        }
    }
}

/// The maildirs of a domain that hold a usage file, each with its usage,
/// keyed by the maildir as [`crate::model::Mailbox::maildir`] holds it
/// (`<domain>/<local part>/`). A maildir not listed has had no mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainMaildirs {
    pub maildirs: std::collections::BTreeMap<String, QuotaUsage>,
}

impl DomainMaildirs {
    /// What the domain's maildirs hold together, or why that is not known.
    pub fn total(&self) -> Result<u64, String> {
        self.maildirs
            .values()
            .try_fold(0u64, |sum, usage| match usage {
                QuotaUsage::UsedBytes(b) => Ok(sum.saturating_add(*b)),
                QuotaUsage::Unknown(why) => Err(why.clone()),
            })
    }

    /// The usage of one maildir (stored form, trailing `/` or not): none
    /// read yet is no mail yet.
    pub fn usage(&self, maildir: &str) -> QuotaUsage {
        let key = format!("{}/", maildir.trim_end_matches('/'));
        self.maildirs
            .get(&key)
            .cloned()
            .unwrap_or(QuotaUsage::UsedBytes(0))
    }
}

/// Usage is not read (`quota_usage = "none"`).
pub struct NotRead;

#[async_trait]
impl QuotaUsageReader for NotRead {
    async fn usage(&self, _: &str) -> QuotaUsage {
        QuotaUsage::Unknown(NOT_READ.into())
    }

    async fn domain_usage(&self, _: &DomainName) -> QuotaUsage {
        QuotaUsage::Unknown(NOT_READ.into())
    }

    async fn domain_maildirs(&self, _: &DomainName) -> Result<DomainMaildirs, String> {
        Err(NOT_READ.into())
    }
}

const NOT_READ: &str = "not read ([stack] quota_usage = \"none\")";

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

    #[tokio::test]
    async fn a_domain_holds_what_its_maildirs_hold() {
        let root = tempfile::tempdir().unwrap();
        let domain = DomainName::parse("example.org").unwrap();
        for (local, size) in [
            ("a", Some("0S\n1000 1\n")),
            ("b", Some("0S\n24 1\n")),
            ("c", None),
        ] {
            let dir = root.path().join("example.org").join(local);
            std::fs::create_dir_all(&dir).unwrap();
            if let Some(size) = size {
                std::fs::write(dir.join("maildirsize"), size).unwrap();
            }
        }
        let reader = Maildirsize {
            mail_root: root.path().to_path_buf(),
        };
        assert_eq!(
            reader.domain_usage(&domain).await,
            QuotaUsage::UsedBytes(1024)
        );
        assert_eq!(
            reader.usage("example.org/a/").await,
            QuotaUsage::UsedBytes(1000)
        );
        let each = reader.domain_maildirs(&domain).await.unwrap();
        assert_eq!(each.usage("example.org/a"), QuotaUsage::UsedBytes(1000));
        assert_eq!(each.usage("example.org/c/"), QuotaUsage::UsedBytes(0));
        assert_eq!(each.total(), Ok(1024));
        let other = DomainName::parse("nothing-yet.org").unwrap();
        assert_eq!(reader.domain_usage(&other).await, QuotaUsage::UsedBytes(0));
        // A mail root that is not here is not "empty".
        let elsewhere = Maildirsize {
            mail_root: root.path().join("not-here"),
        };
        let unknown = elsewhere.domain_usage(&domain).await;
        assert!(matches!(unknown, QuotaUsage::Unknown(why) if why.contains("not-here")));
        std::fs::write(root.path().join("example.org/b/maildirsize"), "junk").unwrap();
        assert!(matches!(
            reader.domain_usage(&domain).await,
            QuotaUsage::Unknown(_)
        ));
        assert_eq!(
            QuotaUsage::UsedBytes(512).percent_of(Size::from_stored(1024)),
            Some(50)
        );
        assert_eq!(
            QuotaUsage::UsedBytes(512).percent_of(Size::from_stored(0)),
            None
        );
    }

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
