//! `backup restore ADDRESS [--archive NAME] (--into-folder NAME | --to
//! DIR)`: extracts one maildir from an archive (the newest holding it by
//! default; removed mailboxes too) to a staging directory, then imports
//! it into a folder of the live mailbox through `doveadm import` or moves
//! it to a new directory. Never writes over live mail.

use super::borg::{self, Borg, Exit};
use super::catalogue::{Catalogue, Holding};
use crate::config::{BackupConfig, Config};
use crate::error::{Error, Result};
use crate::model::Address;
use crate::ops::Ops;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where restored mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreTarget {
    /// A folder (created) of the live mailbox, through `doveadm import`.
    Folder(String),
    /// A directory that does not exist yet (or is empty).
    Dir(PathBuf),
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub address: String,
    pub archive: String,
    /// The maildir restored, relative to the mail root.
    pub path: String,
    pub folder: Option<String>,
    pub directory: Option<PathBuf>,
    /// Files restored.
    pub files: u64,
}

/// The archive and maildir to restore `address` from.
pub async fn pick(
    settings: &BackupConfig,
    address: &Address,
    archive: Option<&str>,
) -> Result<Holding> {
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let holdings = catalogue.holdings_of(&address.to_string()).await?;
    let chosen = match archive {
        Some(name) => holdings
            .iter()
            .filter(|h| h.archive == name)
            .min_by_key(|h| h.removed),
        None => holdings
            .iter()
            .filter(|h| h.archive == holdings[0].archive)
            .min_by_key(|h| h.removed),
    };
    chosen.cloned().ok_or_else(|| {
        let what = match archive {
            Some(name) => format!("archive {name} holding {address}"),
            None => format!("an archive holding {address}"),
        };
        Error::not_found(what).with_hint(format!("see: postier backup list {address}"))
    })
}

pub async fn restore(
    config: &Config,
    ops: &Ops,
    address: &str,
    archive: Option<&str>,
    target: RestoreTarget,
) -> Result<RestoreReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup restore")?;
    let address = Address::parse(address)?;
    if let RestoreTarget::Folder(name) = &target {
        check_folder(name)?;
        // The live mailbox receives the folder.
        ops.mailbox(&address).await?;
    }
    if let RestoreTarget::Dir(dir) = &target {
        check_target_dir(dir)?;
    }
    let holding = pick(settings, &address, archive).await?;
    let staging_parent = match &target {
        RestoreTarget::Dir(dir) => absolute(dir)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/")),
        RestoreTarget::Folder(_) => config.stack.mail_root.join(".restoring"),
    };
    let staging = Staging::create(&staging_parent)?;
    let borg = Borg::new(settings)?;
    let out = borg
        .run(
            &borg::extract_args(&holding.archive, &holding.path, settings.lock_wait),
            staging.path(),
        )
        .await?;
    if let Exit::Error(_) = out.exit {
        let why = borg.failure(&out);
        return Err(Error::unavailable(
            format!("restore of {address} from {}", holding.archive),
            why,
        ));
    }
    let extracted = staging.path().join(&holding.path);
    let files = count_files(&extracted);
    let mut report = RestoreReport {
        address: address.to_string(),
        archive: holding.archive.clone(),
        path: holding.path.clone(),
        folder: None,
        directory: None,
        files,
    };
    match target {
        RestoreTarget::Dir(dir) => {
            std::fs::rename(&extracted, &dir).map_err(|e| {
                Error::unavailable(format!("restore into {}", dir.display()), e.to_string())
            })?;
            report.directory = Some(dir);
        }
        RestoreTarget::Folder(name) => {
            let owner = (config.stack.vmail_uid, config.stack.vmail_gid);
            give_to(staging.path(), owner)?;
            import(settings, &address, &extracted, &name).await?;
            report.folder = Some(name);
        }
    }
    Ok(report)
}

/// `doveadm import -u ADDRESS maildir:DIR FOLDER all`.
pub fn import_args(
    settings: &BackupConfig,
    address: &Address,
    dir: &Path,
    folder: &str,
) -> Vec<String> {
    let mut args = settings.doveadm.clone();
    args.extend([
        "import".into(),
        "-u".into(),
        address.to_string(),
        format!("maildir:{}", dir.display()),
        folder.to_string(),
        "all".into(),
    ]);
    args
}

async fn import(
    settings: &BackupConfig,
    address: &Address,
    dir: &Path,
    folder: &str,
) -> Result<()> {
    let args = import_args(settings, address, dir, folder);
    let mut cmd = tokio::process::Command::new(&args[0]);
    super::child_environment(&mut cmd);
    let out = cmd
        .args(&args[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| {
            Error::unavailable(
                format!("doveadm {}", args[0]),
                format!("cannot be started: {e}"),
            )
            .with_hint("set [backup] doveadm to the doveadm command of your Dovecot")
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Error::unavailable(
            format!("doveadm import into {address} folder {folder:?}"),
            err.lines().last().unwrap_or("failed").to_string(),
        ));
    }
    Ok(())
}

fn check_folder(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.starts_with('-') || name.chars().any(char::is_control) {
        return Err(
            Error::invalid(format!("--into-folder {name:?}"), "is not a folder name")
                .with_hint("e.g. --into-folder \"Restored 2026-12-01\""),
        );
    }
    Ok(())
}

fn check_target_dir(dir: &Path) -> Result<()> {
    let busy = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if busy || (dir.exists() && !dir.is_dir()) {
        return Err(Error::refused(
            format!("--to {}", dir.display()),
            "exists and is not empty: a restore never writes over anything",
        )
        .with_hint("name a new directory"));
    }
    Ok(())
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir)
        .map_err(|e| Error::invalid(format!("--to {}", dir.display()), e.to_string()))
}

fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

/// Hands the staging tree to the mail user, so that doveadm (running as
/// that user) can read it.
fn give_to(dir: &Path, (uid, gid): (u32, u32)) -> Result<()> {
    let err =
        |e: std::io::Error| Error::unavailable(format!("staging {}", dir.display()), e.to_string());
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(err)?;
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        if entry.file_type().map_err(err)?.is_dir() {
            give_to(&entry.path(), (uid, gid))?;
        } else {
            std::os::unix::fs::lchown(entry.path(), Some(uid), Some(gid)).map_err(err)?;
        }
    }
    Ok(())
}

/// A private directory that is removed, with what is left in it, when
/// dropped.
struct Staging(PathBuf);

impl Staging {
    fn create(parent: &Path) -> Result<Staging> {
        use std::os::unix::fs::DirBuilderExt;
        let suffix: u64 = rand::random();
        let dir = parent.join(format!(
            ".postier-restore-{}-{suffix:x}",
            std::process::id()
        ));
        std::fs::create_dir_all(parent)
            .and_then(|()| std::fs::DirBuilder::new().mode(0o700).create(&dir))
            .map_err(|e| Error::unavailable(format!("staging {}", dir.display()), e.to_string()))?;
        Ok(Staging(dir))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
