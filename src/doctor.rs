//! `postier doctor`: one report on the whole setup, each finding with its
//! fix, and the monitoring-plugins exit code of the worst (0 all well,
//! 1 a warning, 2 something broken, 3 something that could not be
//! checked).
//!
//! It owns the checks only a setup has: the config file, the mail stack
//! as Postfix and Dovecot are really configured (`postconf -n`, `doveconf
//! -n` and the files they name, against what `stack render` makes), the
//! mail root's owner and the DKIM keys' modes. The directory, DNS, backup
//! and hooks findings are the monitoring checks ([`crate::monitor`]),
//! asked through the same [`Monitor`]. It prints nothing.

use crate::config::Config;
use crate::error::Result;
use crate::monitor::Monitor;
use crate::monitor::check::{CheckKind, State, Thresholds};
use crate::stack::{self, Stack};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One thing the doctor looked at.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `config`, `directory`, `postfix`, `dovecot`, `mail_root`, `dkim`,
    /// `dns`, `backup`, `hooks`.
    pub id: &'static str,
    #[serde(serialize_with = "state_name")]
    pub state: State,
    pub text: String,
    /// What to do about it (none when all is well).
    pub fix: Option<String>,
}

fn state_name<S: serde::Serializer>(state: &State, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(state.as_str())
}

impl Finding {
    fn new(id: &'static str, state: State, text: impl Into<String>) -> Finding {
        Finding {
            id,
            state,
            text: text.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// Where the mail servers' configurations are.
#[derive(Debug, Clone)]
pub struct Places {
    /// Postfix's configuration directory (`postconf -c`).
    pub postfix: PathBuf,
    /// Dovecot's main file (`doveconf -c`).
    pub dovecot: PathBuf,
}

impl Default for Places {
    fn default() -> Self {
        Places {
            postfix: PathBuf::from("/etc/postfix"),
            dovecot: PathBuf::from("/etc/dovecot/dovecot.conf"),
        }
    }
}

/// The worst state of the findings: something broken (CRITICAL) before
/// something that could not be checked (UNKNOWN) before a WARNING.
pub fn worst(findings: &[Finding]) -> State {
    let rank = |s: State| match s {
        State::Ok => 0,
        State::Warning => 1,
        State::Unknown => 2,
        State::Critical => 3,
    };
    findings
        .iter()
        .map(|f| f.state)
        .max_by_key(|s| rank(*s))
        .unwrap_or(State::Ok)
}

/// Examines the setup. `url` is the directory URL postier uses (or why it
/// is not known); `dns` adds the DNS self-check of every domain.
pub async fn examine(
    config: &Config,
    url: Result<String>,
    monitor: &Monitor,
    places: &Places,
    dns: bool,
) -> Vec<Finding> {
    let mut out = vec![config_file(config)];
    out.push(from_check(
        "directory",
        monitor
            .check(CheckKind::Directory, Thresholds::default())
            .await,
        "start the database server, or fix [directory] url",
    ));
    match stack_rendering(config, url) {
        Ok(rendering) => {
            out.push(postfix(&rendering, &places.postfix));
            out.push(dovecot(&rendering, &places.dovecot));
        }
        Err(e) => out.push(
            Finding::new("postfix", State::Unknown, e.to_string())
                .fix("fix [stack] and [directory] in the config"),
        ),
    }
    out.push(mail_root(config));
    out.push(dkim_keys(config));
    if dns {
        out.push(from_check(
            "dns",
            monitor.check(CheckKind::Dns, Thresholds::default()).await,
            "publish what `postier dns records DOMAIN` lists for each domain named",
        ));
    }
    if monitor.backs_up() {
        out.push(from_check(
            "backup",
            monitor
                .check(CheckKind::Backup, Thresholds::default())
                .await,
            "see `postier backup status`; is the backup server starting its runs?",
        ));
    }
    out.push(from_check(
        "hooks",
        monitor.check(CheckKind::Hooks, Thresholds::default()).await,
        "see `postier hooks status`, then `postier hooks retry HOOK` once the target works",
    ));
    out
}

fn from_check(
    id: &'static str,
    outcome: crate::monitor::check::CheckOutcome,
    fix: &str,
) -> Finding {
    let finding = Finding::new(id, outcome.state, outcome.summary);
    if outcome.state == State::Ok {
        finding
    } else {
        finding.fix(fix)
    }
}

/// The config file: found, and not readable by every user (it may hold
/// credentials).
fn config_file(config: &Config) -> Finding {
    let Some(path) = &config.source else {
        return Finding::new(
            "config",
            State::Warning,
            "no config file: built-in defaults (an embedded SQLite directory in your home)",
        )
        .fix(format!(
            "write {} (see docs/), or pass --config FILE",
            crate::config::SYSTEM_CONFIG
        ));
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.mode() & 0o004 != 0 => Finding::new(
            "config",
            State::Warning,
            format!(
                "{} is readable by every user (mode {:04o})",
                path.display(),
                meta.mode() & 0o7777
            ),
        )
        .fix(format!("chmod o-rwx {}", path.display())),
        Ok(meta) => Finding::new(
            "config",
            State::Ok,
            format!("{} (mode {:04o})", path.display(), meta.mode() & 0o7777),
        ),
        Err(e) => Finding::new(
            "config",
            State::Critical,
            format!("{}: {e}", path.display()),
        ),
    }
}

/// What `stack render` makes for this config, placed where Postfix's
/// configuration says the tables are (found again below).
struct Expected {
    config: Config,
    url: String,
}

fn stack_rendering(config: &Config, url: Result<String>) -> Result<Expected> {
    let url = match &config.stack.lookup_url {
        Some(url) => url.clone(),
        None => url?,
    };
    Ok(Expected {
        config: config.clone(),
        url,
    })
}

impl Expected {
    /// The rendering as if written to `out`.
    fn at(&self, out: &Path) -> Result<stack::Rendering> {
        let directory = self
            .config
            .stack
            .lookup_directory(self.config.directory.clone().with_env())?;
        let backend = stack::Backend::resolve(&self.url, &directory)?;
        stack::render(Stack::PostfixDovecot, &self.config.stack, &backend, out)
    }
}

/// `name = value` settings as main.cf writes them (postconf -n, the
/// snippet): a line starting with white space continues the one before;
/// a list's items are compared, not its commas and line breaks.
fn parameters(text: &str) -> BTreeMap<String, String> {
    let mut joined: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match joined.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => joined.push(line.to_string()),
        }
    }
    joined
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let items: Vec<&str> = v
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|i| !i.is_empty())
                .collect();
            (k.trim().to_string(), items.join(", "))
        })
        .collect()
}

/// Postfix reads postier's tables: the snippet's parameters are set as
/// rendered, and the table files hold what `stack render` writes now.
fn postfix(expected: &Expected, dir: &Path) -> Finding {
    let render_fix = "postier stack render --out DIR, append DIR/postfix/main.cf.snippet to main.cf, postfix reload";
    if !dir.join("main.cf").exists() {
        return Finding::new(
            "postfix",
            State::Unknown,
            format!("no main.cf in {}", dir.display()),
        )
        .fix("install Postfix, or give its configuration directory with --postfix-config");
    }
    let out = match settings_of("postfix", "postconf", dir, "postfix (postconf)") {
        Ok(text) => text,
        Err(finding) => return finding,
    };
    let set = parameters(&out);
    // Where the tables are: the rendering's folder holds postfix/<table>.
    let Some(out_dir) = set
        .get("virtual_mailbox_maps")
        .and_then(|v| v.split_once(':'))
        .map(|(_, path)| Path::new(path))
        .and_then(|p| p.parent()?.parent())
    else {
        return Finding::new(
            "postfix",
            State::Critical,
            "Postfix does not read postier's tables (no virtual_mailbox_maps)",
        )
        .fix(render_fix);
    };
    let rendering = match expected.at(out_dir) {
        Ok(r) => r,
        Err(e) => return Finding::new("postfix", State::Unknown, e.to_string()),
    };
    compare(
        "postfix",
        &rendering,
        out_dir,
        "postfix/",
        |snippet| {
            let wanted = parameters(snippet);
            wanted
                .iter()
                .filter(|(k, v)| set.get(*k) != Some(v))
                .map(|(k, v)| match set.get(k) {
                    Some(now) => format!("{k} is {now:?}, postier renders {v:?}"),
                    None => format!("{k} is not set (postier renders {v:?})"),
                })
                .collect()
        },
        &format!(
            "postier stack render --out {} and append postfix/main.cf.snippet to main.cf if it is not there; postfix reload",
            out_dir.display()
        ),
    )
}

/// Dovecot reads postier's passdb and userdb files: each rendered
/// `.conf.ext` is named by `doveconf -n` and holds what `stack render`
/// writes now.
fn dovecot(expected: &Expected, file: &Path) -> Finding {
    if !file.exists() {
        return Finding::new("dovecot", State::Unknown, format!("no {}", file.display()))
            .fix("install Dovecot, or give its main file with --dovecot-config");
    }
    let text = match settings_of("dovecot", "doveconf", file, "dovecot-core (doveconf)") {
        Ok(text) => text,
        Err(finding) => return finding,
    };
    // The rendering's folder: where a `…/dovecot/*.conf.ext` it names is.
    let Some(out_dir) = text
        .split_whitespace()
        .map(Path::new)
        .find(|p| {
            p.extension().is_some_and(|e| e == "ext")
                && p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n == "dovecot")
        })
        .and_then(|p| p.parent()?.parent())
        .map(Path::to_path_buf)
    else {
        return Finding::new(
            "dovecot",
            State::Critical,
            "Dovecot does not read postier's passdb and userdb",
        )
        .fix("postier stack render --out DIR, include DIR/dovecot/dovecot.conf.snippet in dovecot.conf, reload dovecot");
    };
    let rendering = match expected.at(&out_dir) {
        Ok(r) => r,
        Err(e) => return Finding::new("dovecot", State::Unknown, e.to_string()),
    };
    compare(
        "dovecot",
        &rendering,
        &out_dir,
        "dovecot/",
        |_| {
            rendering
                .files
                .iter()
                .filter(|f| f.path.extension().is_some_and(|e| e == "ext"))
                .map(|f| out_dir.join(&f.path))
                .filter(|p| !text.contains(&p.display().to_string()))
                .map(|p| format!("dovecot.conf does not name {}", p.display()))
                .collect()
        },
        &format!(
            "postier stack render --out {} and include dovecot/dovecot.conf.snippet in dovecot.conf; reload dovecot",
            out_dir.display()
        ),
    )
}

/// What `program -c CONFIG -n` says is set (postconf, doveconf), or the
/// finding that it could not be asked.
fn settings_of(
    id: &'static str,
    program: &str,
    config: &Path,
    package: &str,
) -> std::result::Result<String, Finding> {
    match std::process::Command::new(program)
        .arg("-c")
        .arg(config)
        .arg("-n")
        .output()
    {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(Finding::new(
            id,
            State::Unknown,
            format!(
                "{program} -n: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        )),
        Err(e) => Err(Finding::new(id, State::Unknown, format!("{program}: {e}"))
            .fix(format!("install {package}"))),
    }
}

/// Compares the rendered files under `prefix` with those on disk in
/// `out_dir`, and the snippet's wiring (`wiring` lists what is off).
fn compare(
    id: &'static str,
    rendering: &stack::Rendering,
    out_dir: &Path,
    prefix: &str,
    wiring: impl Fn(&str) -> Vec<String>,
    fix: &str,
) -> Finding {
    let mut problems = Vec::new();
    let mut compared = 0;
    for f in &rendering.files {
        let relative = f.path.display().to_string();
        if !relative.starts_with(prefix) {
            continue;
        }
        let path = out_dir.join(&f.path);
        if relative.ends_with(".snippet") {
            problems.extend(wiring(&f.contents));
            continue;
        }
        compared += 1;
        match std::fs::read_to_string(&path) {
            Ok(text) if text == f.contents => {}
            Ok(_) => problems.push(format!(
                "{} differs from what postier renders now",
                path.display()
            )),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    if problems.is_empty() {
        Finding::new(
            id,
            State::Ok,
            format!(
                "reads postier's directory ({compared} files in {} as rendered)",
                out_dir.join(prefix).display()
            ),
        )
    } else {
        Finding::new(id, State::Critical, problems.join("; ")).fix(fix)
    }
}

/// The mail root exists and belongs to the mail user.
fn mail_root(config: &Config) -> Finding {
    let root = &config.stack.mail_root;
    let (uid, gid) = (config.stack.vmail_uid, config.stack.vmail_gid);
    let fix = format!("mkdir -p {0} && chown {uid}:{gid} {0}", root.display());
    match std::fs::metadata(root) {
        Err(e) => Finding::new(
            "mail_root",
            State::Critical,
            format!("{}: {e}", root.display()),
        )
        .fix(fix),
        Ok(meta) if (meta.uid(), meta.gid()) != (uid, gid) => Finding::new(
            "mail_root",
            State::Critical,
            format!(
                "{} belongs to {}:{}, not the mail user {uid}:{gid} ([stack] vmail_uid/vmail_gid)",
                root.display(),
                meta.uid(),
                meta.gid()
            ),
        )
        .fix(fix),
        Ok(_) => Finding::new(
            "mail_root",
            State::Ok,
            format!("{} belongs to {uid}:{gid}", root.display()),
        ),
    }
}

/// No DKIM private key readable by every user.
fn dkim_keys(config: &Config) -> Finding {
    let dir = &config.dkim.key_dir;
    if !dir.exists() {
        return Finding::new(
            "dkim",
            State::Ok,
            format!("no keys yet ({} does not exist)", dir.display()),
        );
    }
    let mut open = Vec::new();
    let mut keys = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "key" || e == "pem") {
                keys += 1;
                if meta.mode() & 0o004 != 0 {
                    open.push(path.display().to_string());
                }
            }
        }
    }
    if open.is_empty() {
        Finding::new(
            "dkim",
            State::Ok,
            format!(
                "{keys} private keys in {}, none readable by every user",
                dir.display()
            ),
        )
    } else {
        Finding::new(
            "dkim",
            State::Critical,
            format!("private keys readable by every user: {}", open.join(", ")),
        )
        .fix(format!("chmod o-rwx {}", open.join(" ")))
    }
}
