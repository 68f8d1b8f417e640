//! Backups with borg: every mailbox's maildir in one archive per run,
//! started by the mail host (`backup run`) or by the backup server
//! through an SSH forced command ([`agent`]); a [`catalogue`] of which
//! archive holds which maildir, so listing, status and purge decisions
//! work while the backup server is off; removed mailboxes moved [`aside`]
//! at once and [`purge`]d only once an archive holds them; [`restore`] of
//! one mailbox into a folder of the live mailbox or a directory; and
//! retention ([`prune`]).
//!
//! Like the hooks, this is a service beside the front-ends: it reads the
//! directory through [`crate::ops::Ops`], reports values, prints nothing.

pub mod agent;
pub mod aside;
pub mod borg;
pub mod catalogue;
pub mod list;
pub mod prune;
pub mod purge;
pub mod restore;
pub mod run;
pub mod status;

pub use aside::move_aside;
pub use catalogue::{RunResult, Stats};
pub use list::{ListReport, list};
pub use prune::{PruneReport, prune};
pub use purge::{PurgeReport, purge};
pub use restore::{RestoreReport, RestoreTarget, restore};
pub use run::{RunReport, run};
pub use status::{
    BackupStatus, LocalStatus, PendingPurge, Waiting, local_status, status, unprotected,
    unprotected_of,
};

use crate::config::{BackupConfig, Config};
use crate::error::{Error, Result};

/// What a program postier starts for a backup (borg, doveadm) gets of
/// postier's environment: where to find programs and its home, the
/// locale, the SSH agent, and the `BORG_*` settings an admin gave borg —
/// nothing else. postier's own variables (a directory URL may carry the
/// database's password) and anything else of the admin's shell stay out.
pub(crate) fn child_environment(cmd: &mut tokio::process::Command) {
    const KEPT: &[&str] = &[
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "SSH_AUTH_SOCK",
    ];
    cmd.env_clear();
    for (name, value) in std::env::vars_os() {
        let Some(text) = name.to_str() else { continue };
        if KEPT.contains(&text) || text.starts_with("LC_") || text.starts_with("BORG_") {
            cmd.env(&name, value);
        }
    }
    if std::env::var_os("PATH").is_none() {
        cmd.env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        );
    }
}

/// `[backup]`, or an error saying it is missing.
pub fn settings(config: &Config) -> Result<&BackupConfig> {
    config.backup.as_ref().ok_or_else(|| {
        Error::invalid("[backup]", "is not configured")
            .with_hint("add a [backup] table with at least repository = \"…\" (see docs/backup.md)")
    })
}
