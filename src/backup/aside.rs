//! Moving a removed mailbox's maildir aside, at once, to
//! `mail_root/.removed/<domain>/<local>@<event id>/` — a name no domain
//! can have, so Dovecot never serves it and a new mailbox at the same
//! address starts empty — with a small record beside it
//! (`<local>@<event id>.json`: whose, when) that `backup purge` and
//! `status` read. Moving is idempotent: the same event delivered again
//! after a crash finds the work done.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::JournalEvent;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};

/// The directory under `mail_root` holding moved-aside data.
pub const REMOVED_DIR: &str = ".removed";

/// A removed mailbox's data, moved aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub address: String,
    /// The journal event of the removal.
    pub event_id: i64,
    /// When it was moved aside (RFC 3339, UTC).
    pub removed_at: String,
    /// Relative to `mail_root`, no trailing `/`.
    pub path: String,
}

/// The maildirs a `mailbox.rm` or `domain.rm` event removed: (address,
/// maildir relative to `mail_root`).
fn removed_maildirs(event: &JournalEvent) -> Vec<(String, String)> {
    let before = event.payload.get("before");
    let one = |v: &serde_json::Value| {
        Some((
            v.get("address")?.as_str()?.to_string(),
            v.get("maildir")?.as_str()?.to_string(),
        ))
    };
    match event.event.as_str() {
        "mailbox.rm" => before.and_then(one).into_iter().collect(),
        "domain.rm" => before
            .and_then(|b| b.get("mailboxes"))
            .and_then(|m| m.as_array())
            .map(|list| list.iter().filter_map(one).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A maildir as the directory names it, checked to stay under
/// `mail_root`, without its trailing `/`.
pub fn relative_maildir(maildir: &str) -> Result<String> {
    let rel = maildir.trim_matches('/');
    // Component by component as written: `Path::components` would pass
    // `a/./b` and `a//b`, which name the same maildir as `a/b` but would
    // not match it in the catalogue.
    let fine = !rel.is_empty()
        && rel.split('/').all(
            |c| matches!(Path::new(c).components().next(), Some(Component::Normal(n)) if n == c),
        )
        && !rel.starts_with(REMOVED_DIR);
    if fine {
        Ok(rel.to_string())
    } else {
        Err(Error::invalid(
            format!("maildir {maildir:?}"),
            "is not a path inside the mail root",
        ))
    }
}

/// Moves the maildirs that `event` (`mailbox.rm`, `domain.rm`) removed
/// aside; other events move nothing. Returns what is aside for it now
/// (moved now or by an earlier delivery of the same event).
pub async fn move_aside(config: &Config, event: &JournalEvent) -> Result<Vec<Removed>> {
    let root = config.stack.mail_root.clone();
    let event = event.clone();
    tokio::task::spawn_blocking(move || {
        let mut aside = Vec::new();
        for (address, maildir) in removed_maildirs(&event) {
            if let Some(r) = move_one(&root, &address, &maildir, event.id)? {
                aside.push(r);
            }
        }
        Ok(aside)
    })
    .await
    .map_err(|e| Error::unavailable("move aside", e.to_string()))?
}

fn move_one(root: &Path, address: &str, maildir: &str, event_id: i64) -> Result<Option<Removed>> {
    let rel = relative_maildir(maildir)?;
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or_else(|| Error::invalid(format!("address {address:?}"), "has no @domain"))?;
    let parent = root.join(REMOVED_DIR).join(domain);
    let name = format!("{local}@{event_id}");
    let target = parent.join(&name);
    let record_path = parent.join(format!("{name}.json"));
    let source = root.join(&rel);
    let io = |what: &Path, e: std::io::Error| {
        Error::unavailable(format!("moving {} aside", what.display()), e.to_string())
            .with_hint("the hooks service needs write access to the mail root")
    };
    if target.exists() {
        // Done before (this event delivered again).
        return read_record(&record_path).map(Some);
    }
    if !source.exists() {
        // Never received mail: nothing to keep.
        return Ok(None);
    }
    create_private_dirs(&parent).map_err(|e| io(&parent, e))?;
    let record = Removed {
        address: address.to_string(),
        event_id,
        removed_at: now(),
        path: format!("{REMOVED_DIR}/{domain}/{name}"),
    };
    // The record first: a crash between the two leaves a record without
    // data, which the next delivery completes.
    write_atomically(
        &record_path,
        &serde_json::to_vec_pretty(&record).unwrap_or_default(),
    )
    .map_err(|e| io(&record_path, e))?;
    std::fs::rename(&source, &target).map_err(|e| io(&source, e))?;
    Ok(Some(record))
}

fn read_record(path: &Path) -> Result<Removed> {
    let text = std::fs::read(path).map_err(|e| {
        Error::unavailable(format!("removal record {}", path.display()), e.to_string())
    })?;
    serde_json::from_slice(&text)
        .map_err(|e| Error::invalid(format!("removal record {}", path.display()), e.to_string()))
}

/// Everything aside under `mail_root` (data and record both present), by
/// path.
pub fn list_removed(mail_root: &Path) -> Result<Vec<Removed>> {
    let base = mail_root.join(REMOVED_DIR);
    let mut found = Vec::new();
    let read_dir = |dir: &Path| -> Result<Vec<PathBuf>> {
        match std::fs::read_dir(dir) {
            Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::unavailable(
                format!("removed mailboxes {}", dir.display()),
                format!("cannot be read: {e}"),
            )
            .with_hint("postier needs read access to the mail root")),
        }
    };
    for domain in read_dir(&base)? {
        for entry in read_dir(&domain)? {
            // "<local>@<id>.json" beside the directory "<local>@<id>".
            let data = entry
                .to_str()
                .and_then(|p| p.strip_suffix(".json"))
                .map(PathBuf::from);
            if data.is_some_and(|d| d.is_dir()) {
                found.push(read_record(&entry)?);
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Deletes moved-aside data and then its record.
pub fn delete(mail_root: &Path, removed: &Removed) -> Result<()> {
    let dir = mail_root.join(&removed.path);
    let io = |e: std::io::Error| {
        Error::unavailable(format!("purging {}", dir.display()), e.to_string())
            .with_hint("backup purge needs write access to the mail root")
    };
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut record = dir.clone().into_os_string();
    record.push(".json");
    match std::fs::remove_file(record) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
        _ => Ok(()),
    }
}

fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildirs_stay_under_the_root() {
        assert_eq!(
            relative_maildir("example.org/alice/").unwrap(),
            "example.org/alice"
        );
        for bad in [
            "../etc/",
            "/",
            "example.org/../../x",
            ".removed/x",
            "example.org/./alice",
            "example.org//alice",
        ] {
            assert!(relative_maildir(bad).is_err(), "{bad}");
        }
    }
}
