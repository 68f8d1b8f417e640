//! Putting rendered files on disk: each one written whole (temp file, then
//! rename), with its mode set before it holds anything, and credential
//! files given to the group of the server that reads them.

use crate::error::{Error, Result};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Who may read a rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Mode 0644: no credentials inside.
    Public,
    /// Mode 0640, group `group`: holds credentials for that server.
    Secret { group: String },
}

impl Access {
    pub fn mode(&self) -> u32 {
        match self {
            Access::Public => 0o644,
            Access::Secret { .. } => 0o640,
        }
    }
}

/// One file of a rendering, not yet written.
#[derive(Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Relative to the output directory.
    pub path: PathBuf,
    pub contents: String,
    pub access: Access,
}

impl std::fmt::Debug for RenderedFile {
    /// The contents may hold credentials: only their size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedFile")
            .field("path", &self.path)
            .field("bytes", &self.contents.len())
            .field("access", &self.access)
            .finish()
    }
}

/// A file as written: where, with which mode and group, and what could
/// not be done (e.g. no such group here), for the admin to finish.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WrittenFile {
    pub path: PathBuf,
    #[serde(serialize_with = "octal")]
    pub mode: u32,
    pub group: Option<String>,
    pub warning: Option<String>,
}

fn octal<S: serde::Serializer>(mode: &u32, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mode:04o}"))
}

/// Writes every file under `out` (created if missing).
pub fn write_all(out: &Path, files: &[RenderedFile]) -> Result<Vec<WrittenFile>> {
    files.iter().map(|f| write_one(out, f)).collect()
}

fn write_one(out: &Path, file: &RenderedFile) -> Result<WrittenFile> {
    let path = out.join(&file.path);
    let io = |e: std::io::Error| {
        Error::unavailable(format!("file {}", path.display()), e.to_string())
            .with_hint("check that the --out directory is writable")
    };
    let dir = path.parent().unwrap_or(out);
    fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.postier-tmp"));
    let _ = fs::remove_file(&tmp);
    let mut handle = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    handle.write_all(file.contents.as_bytes()).map_err(io)?;
    handle.sync_all().map_err(io)?;
    drop(handle);
    let (group, warning) = match &file.access {
        Access::Public => (None, None),
        Access::Secret { group } => match give_to_group(&tmp, group) {
            Ok(()) => (Some(group.clone()), None),
            Err(why) => (
                None,
                Some(format!(
                    "not given to group {group} ({why}): run chgrp {group} {}",
                    path.display()
                )),
            ),
        },
    };
    let mode = file.access.mode();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(io)?;
    fs::rename(&tmp, &path).map_err(io)?;
    Ok(WrittenFile {
        path,
        mode,
        group,
        warning,
    })
}

fn give_to_group(path: &Path, group: &str) -> std::result::Result<(), String> {
    let gid = users::get_group_by_name(group)
        .map(|g| g.gid())
        .ok_or_else(|| "no such group on this machine".to_string())?;
    std::os::unix::fs::chown(path, None, Some(gid)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_0640_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = RenderedFile {
            path: "postfix/x.cf".into(),
            contents: "password = hunter2\n".into(),
            access: Access::Secret {
                group: "postier-no-such-group".into(),
            },
        };
        assert!(!format!("{file:?}").contains("hunter2"));
        let written = write_all(dir.path(), &[file.clone(), file]).unwrap();
        let meta = fs::metadata(&written[1].path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        assert!(written[1].warning.as_deref().unwrap().contains("chgrp"));
        let names: Vec<_> = fs::read_dir(dir.path().join("postfix"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["x.cf"], "no temp file left behind");
    }
}
