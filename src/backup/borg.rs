//! The borg runner: one small pure function per borg command builds its
//! arguments (so tests can assert them), and [`Borg::run`] runs any of them
//! with the repository, passphrase and `--rsh` of `[backup]` in the child's
//! environment only — the passphrase never travels on argv, and borg reads
//! it itself from `passphrase_file` (`BORG_PASSCOMMAND`).

use crate::config::BackupConfig;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// borg's exit status, as it documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok,
    /// 1: done, with warnings (files it could not read, ...).
    Warning,
    /// 2 or more, or killed by a signal.
    Error(Option<i32>),
}

/// One line of `--log-json` output that postier uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLine {
    Message {
        level: String,
        message: String,
        msgid: Option<String>,
    },
    /// `--list` output: a file and its status letter (`E`: error).
    FileStatus { status: String, path: String },
}

/// What one borg command did.
#[derive(Debug, Clone)]
pub struct Output {
    pub exit: Exit,
    pub stdout: String,
    pub log: Vec<LogLine>,
}

impl Output {
    /// The messages at `level` (WARNING, ERROR, CRITICAL).
    pub fn messages(&self, levels: &[&str]) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|l| match l {
                LogLine::Message { level, message, .. } if levels.contains(&level.as_str()) => {
                    Some(message.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// The paths borg reported as failed (`E`), in order.
    pub fn failed_files(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|l| match l {
                LogLine::FileStatus { status, path } if status == "E" => Some(path.clone()),
                _ => None,
            })
            .collect()
    }

    /// Could borg not reach the repository at all (the backup server is
    /// off, the socket it forwards is not there, the path is missing)?
    pub fn unreachable(&self) -> bool {
        self.log.iter().any(|l| {
            matches!(l, LogLine::Message { msgid: Some(id), .. } if UNREACHABLE.contains(&id.as_str()))
        })
    }

    /// borg's own error, in one line: its last error message, else the
    /// last line it wrote that was not JSON (a usage error).
    pub fn error_text(&self) -> String {
        let errors = self.messages(&["ERROR", "CRITICAL"]);
        let text = self.messages(&["TEXT"]);
        match errors.last().or(text.last()) {
            Some(e) => e.clone(),
            None => match self.exit {
                Exit::Error(Some(code)) => format!("borg exited with status {code}"),
                _ => "borg was stopped by a signal".into(),
            },
        }
    }
}

/// borg's message ids that mean "the repository cannot be reached".
const UNREACHABLE: [&str; 6] = [
    "Repository.DoesNotExist",
    "ConnectionClosed",
    "ConnectionClosedWithHint",
    "Repository.InvalidRepository",
    "PathNotAllowed",
    "LockTimeout",
];

#[derive(Deserialize)]
struct RawLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    levelname: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    msgid: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// Reads borg's `--log-json` stderr; lines that are not JSON are kept as
/// messages of level `TEXT`.
pub fn parse_log(stderr: &str) -> Vec<LogLine> {
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| match serde_json::from_str::<RawLine>(line) {
            Ok(r) if r.kind == "file_status" => LogLine::FileStatus {
                status: r.status.unwrap_or_default(),
                path: r.path.unwrap_or_default(),
            },
            Ok(r) => LogLine::Message {
                level: r.levelname.unwrap_or_default(),
                message: r.message.unwrap_or_default(),
                msgid: r.msgid,
            },
            Err(_) => LogLine::Message {
                level: "TEXT".into(),
                message: line.to_string(),
                msgid: None,
            },
        })
        .collect()
}

/// The archives `borg prune --dry-run --list` says it would prune, from
/// its lines `Would prune:   NAME   Fri, 2026-12-04 01:26:40 [ID]`.
pub fn would_prune(log: &[LogLine]) -> Vec<String> {
    /// borg's archive time, `%a, %Y-%m-%d %H:%M:%S`.
    const TIME_LEN: usize = "Fri, 2026-12-04 01:26:40".len();
    log.iter()
        .filter_map(|line| match line {
            LogLine::Message { message, .. } => message.strip_prefix("Would prune:"),
            LogLine::FileStatus { .. } => None,
        })
        .filter_map(|rest| {
            let before_id = rest.rsplit_once(" [").map_or(rest, |(head, _)| head);
            let head = before_id.trim_end();
            let name = head.get(..head.len().checked_sub(TIME_LEN)?)?.trim();
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

fn lock_wait(wait: Duration) -> [String; 2] {
    ["--lock-wait".into(), wait.as_secs().to_string()]
}

/// `borg create` of `paths` (relative to the working directory) as
/// `archive`, with its statistics on stdout and failed files listed.
pub fn create_args(archive: &str, paths: &[String], wait: Duration) -> Vec<String> {
    let mut args = vec!["create".into(), "--json".into(), "--log-json".into()];
    args.extend(lock_wait(wait));
    args.extend(["--list".into(), "--filter=E".into()]);
    args.push(format!("::{archive}"));
    if paths.is_empty() {
        // No maildir yet (no mailbox received mail): an empty archive
        // still proves the repository answers. borg wants a path, or
        // paths on its standard input, which is empty.
        args.push("--paths-from-stdin".into());
    }
    args.extend(paths.iter().cloned());
    args
}

/// `borg list` of the repository's archives, as JSON.
pub fn list_archives_args(wait: Duration) -> Vec<String> {
    let mut args = vec!["list".into(), "--json".into(), "--log-json".into()];
    args.extend(lock_wait(wait));
    args
}

/// `borg list` of what `archive` holds under `path`, one JSON line each.
pub fn list_path_args(archive: &str, path: &str, wait: Duration) -> Vec<String> {
    let mut args = vec!["list".into(), "--json-lines".into(), "--log-json".into()];
    args.extend(lock_wait(wait));
    args.extend([format!("::{archive}"), path.to_string()]);
    args
}

/// `borg extract` of `path` from `archive` into the working directory.
pub fn extract_args(archive: &str, path: &str, wait: Duration) -> Vec<String> {
    let mut args = vec!["extract".into(), "--log-json".into()];
    args.extend(lock_wait(wait));
    args.extend([format!("::{archive}"), path.to_string()]);
    args
}

/// `borg prune` of postier's archives with the `keep_*` settings.
pub fn prune_args(config: &BackupConfig) -> Vec<String> {
    let mut args = vec!["prune".into(), "--log-json".into(), "--list".into()];
    args.extend(lock_wait(config.lock_wait));
    args.extend([
        "--glob-archives".into(),
        format!("{}-*", config.archive_prefix),
        "--keep-daily".into(),
        config.keep_daily.to_string(),
        "--keep-weekly".into(),
        config.keep_weekly.to_string(),
        "--keep-monthly".into(),
        config.keep_monthly.to_string(),
    ]);
    args
}

/// `borg compact`: frees the space of pruned archives.
pub fn compact_args(wait: Duration) -> Vec<String> {
    let mut args = vec!["compact".into(), "--log-json".into()];
    args.extend(lock_wait(wait));
    args
}

/// Runs borg for one `[backup]` repository.
#[derive(Debug, Clone)]
pub struct Borg {
    program: PathBuf,
    repository: String,
    passphrase_file: Option<PathBuf>,
    rsh: Option<String>,
}

impl Borg {
    pub fn new(config: &BackupConfig) -> Result<Borg> {
        if let Some(file) = &config.passphrase_file {
            check_passphrase_file(file)?;
        }
        Ok(Borg {
            program: config.borg.clone(),
            repository: config.repository.clone(),
            passphrase_file: config.passphrase_file.clone(),
            rsh: config.rsh.clone(),
        })
    }

    /// The command borg will run (`args` from one of the `*_args`
    /// functions), in `cwd`.
    pub fn command(&self, args: &[String], cwd: &Path) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        super::child_environment(&mut cmd);
        cmd.args(args)
            .current_dir(cwd)
            .env("BORG_REPO", &self.repository)
            // Never wait for an answer nobody can give.
            .env("BORG_RELOCATED_REPO_ACCESS_IS_OK", "no")
            .env("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "no")
            .env("BORG_CHECK_I_KNOW_WHAT_I_AM_DOING", "NO")
            .env("BORG_DELETE_I_KNOW_WHAT_I_AM_DOING", "NO")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(file) = &self.passphrase_file {
            cmd.env("BORG_PASSCOMMAND", format!("cat -- {}", shell_quote(file)))
                .env_remove("BORG_PASSPHRASE")
                .env_remove("BORG_PASSPHRASE_FD");
        }
        if let Some(rsh) = &self.rsh {
            cmd.env("BORG_RSH", rsh);
        }
        // borg dies with postier: a killed run leaves no borg behind
        // holding the repository's lock.
        // SAFETY: prctl is async-signal-safe; nothing else runs here.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        cmd
    }

    /// Runs borg with `args` in `cwd` and reads what it reports.
    pub async fn run(&self, args: &[String], cwd: &Path) -> Result<Output> {
        let child = self.command(args, cwd).spawn().map_err(|e| {
            Error::unavailable(
                format!("borg {}", self.program.display()),
                format!("cannot be started: {e}"),
            )
            .with_hint("install borgbackup, or set [backup] borg to its path")
        })?;
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| Error::unavailable(format!("borg {}", args[0]), e.to_string()))?;
        let exit = match out.status.code() {
            Some(0) => Exit::Ok,
            Some(1) => Exit::Warning,
            other => Exit::Error(other),
        };
        Ok(Output {
            exit,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            log: parse_log(&String::from_utf8_lossy(&out.stderr)),
        })
    }

    /// Why a borg command that failed (`out`) failed, in one line: the
    /// repository named when it could not be reached.
    pub fn failure(&self, out: &Output) -> String {
        if out.unreachable() {
            format!(
                "repository {} is not reachable: {}",
                self.repository,
                out.error_text()
            )
        } else {
            out.error_text()
        }
    }

    /// The repository, as shown to people.
    pub fn repository(&self) -> &str {
        &self.repository
    }
}

/// A passphrase file must be there and readable by its owner (and group)
/// only.
fn check_passphrase_file(file: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let what = format!("[backup] passphrase_file {}", file.display());
    let meta = std::fs::metadata(file).map_err(|e| {
        Error::invalid(&what, format!("cannot be read: {e}"))
            .with_hint("write the repository's passphrase on its first line")
    })?;
    if meta.permissions().mode() & 0o004 != 0 {
        return Err(Error::invalid(&what, "is readable by every user")
            .with_hint(format!("run: chmod o-rwx {}", file.display())));
    }
    Ok(())
}

/// `path` quoted for a POSIX shell word (borg splits `BORG_PASSCOMMAND`
/// the way a shell would).
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\"'\"'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_names_the_archive_and_paths_and_asks_for_json() {
        let args = create_args(
            "mail-2026-12-01T10:00:00Z",
            &["example.org/alice".into(), ".removed".into()],
            Duration::from_secs(600),
        );
        assert_eq!(
            args,
            [
                "create",
                "--json",
                "--log-json",
                "--lock-wait",
                "600",
                "--list",
                "--filter=E",
                "::mail-2026-12-01T10:00:00Z",
                "example.org/alice",
                ".removed"
            ]
        );
    }

    #[test]
    fn log_lines_are_read() {
        let log = parse_log(concat!(
            "{\"type\": \"log_message\", \"message\": \"a/cur/2: open: [Errno 13] Permission denied: '2'\", \"levelname\": \"WARNING\", \"name\": \"borg.archiver\"}\n",
            "{\"type\": \"file_status\", \"status\": \"E\", \"path\": \"a/cur/2\"}\n",
            "{\"type\": \"log_message\", \"message\": \"Connection closed by remote host.\", \"levelname\": \"ERROR\", \"msgid\": \"ConnectionClosedWithHint\"}\n",
            "plain text\n"
        ));
        let out = Output {
            exit: Exit::Warning,
            stdout: String::new(),
            log,
        };
        assert_eq!(out.failed_files(), ["a/cur/2"]);
        assert!(out.unreachable());
        assert_eq!(out.error_text(), "Connection closed by remote host.");
        assert_eq!(out.messages(&["TEXT"]), ["plain text"]);
        // Without an error message, its last plain line (a usage error).
        let out = Output {
            exit: Exit::Error(Some(2)),
            stdout: String::new(),
            log: parse_log("usage: borg [-V] ...\nborg: error: Need at least one PATH argument.\n"),
        };
        assert_eq!(
            out.error_text(),
            "borg: error: Need at least one PATH argument."
        );
    }

    #[test]
    fn the_passphrase_command_quotes_the_path() {
        assert_eq!(shell_quote(Path::new("/a b/it's")), "'/a b/it'\"'\"'s'");
    }

    #[test]
    fn would_prune_reads_the_names_borg_lists() {
        let stderr = concat!(
            r#"{"type": "log_message", "message": "Keeping archive (rule: secondly #1):     mail-c                               Fri, 2026-12-04 01:26:41 [417a]", "levelname": "INFO", "name": "borg.output.list"}"#,
            "\n",
            r#"{"type": "log_message", "message": "Would prune:                             mail-2026-12-01T00:00:00Z            Fri, 2026-12-04 01:26:40 [71b5]", "levelname": "INFO", "name": "borg.output.list"}"#,
            "\n",
            r#"{"type": "log_message", "message": "Would prune:                             old mail                             Tue, 2026-12-01 09:00:00 [99aa]", "levelname": "INFO", "name": "borg.output.list"}"#,
            "\n",
        );
        assert_eq!(
            would_prune(&parse_log(stderr)),
            ["mail-2026-12-01T00:00:00Z", "old mail"]
        );
    }
}
