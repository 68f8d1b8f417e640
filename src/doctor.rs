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
//! asked through the same [`Monitor`]. It prints nothing: findings are
//! catalogue texts ([`Text`]), worded in the reader's language when shown
//! and in English in JSON.

use crate::config::Config;
use crate::error::Result;
use crate::i18n::{Lang, Msg, Text};
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
    /// What was found: one or more sentences, shown joined by `; `.
    #[serde(serialize_with = "english_list")]
    pub text: Vec<Text>,
    /// What to do about it (none when all is well).
    #[serde(serialize_with = "english")]
    pub fix: Option<Text>,
}

fn state_name<S: serde::Serializer>(state: &State, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(state.as_str())
}

fn english_list<S: serde::Serializer>(
    texts: &[Text],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&words(texts, Lang::En))
}

fn english<S: serde::Serializer>(
    text: &Option<Text>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match text {
        Some(t) => s.serialize_str(&t.render(Lang::En)),
        None => s.serialize_none(),
    }
}

fn words(texts: &[Text], lang: Lang) -> String {
    texts
        .iter()
        .map(|t| t.render(lang))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Finding {
    fn new(id: &'static str, state: State, text: Text) -> Finding {
        Finding {
            id,
            state,
            text: vec![text],
            fix: None,
        }
    }

    fn fix(mut self, fix: Text) -> Finding {
        self.fix = Some(fix);
        self
    }

    /// What was found, in `lang`. A monitoring check's summary (English,
    /// as monitoring plugins write it) is worded in `lang` where its shape
    /// is known ([`crate::i18n::check_text`]).
    pub fn text_in(&self, lang: Lang) -> String {
        let text = words(&self.text, lang);
        if CHECKS.contains(&self.id) {
            crate::i18n::check_text(lang, &text)
        } else {
            text
        }
    }

    /// What to do, in `lang`.
    pub fn fix_in(&self, lang: Lang) -> Option<String> {
        self.fix.as_ref().map(|t| t.render(lang))
    }
}

/// The findings that are a monitoring check's outcome.
const CHECKS: &[&str] = &["directory", "dns", "backup", "hooks"];

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
        Msg::DoctorFixDirectory,
    ));
    match stack_rendering(config, url) {
        Ok(rendering) => {
            out.push(postfix(&rendering, &places.postfix));
            out.push(dovecot(&rendering, &places.dovecot));
        }
        Err(e) => out.push(
            Finding::new("postfix", State::Unknown, Text::verbatim(e))
                .fix(Text::new(Msg::DoctorFixStack)),
        ),
    }
    out.push(mail_root(config));
    out.push(dkim_keys(config));
    if dns {
        out.push(from_check(
            "dns",
            monitor.check(CheckKind::Dns, Thresholds::default()).await,
            Msg::DoctorFixDns,
        ));
    }
    if monitor.backs_up() {
        out.push(from_check(
            "backup",
            monitor
                .check(CheckKind::Backup, Thresholds::default())
                .await,
            Msg::DoctorFixBackup,
        ));
    }
    out.push(from_check(
        "hooks",
        monitor.check(CheckKind::Hooks, Thresholds::default()).await,
        Msg::DoctorFixHooks,
    ));
    out
}

fn from_check(id: &'static str, outcome: crate::monitor::check::CheckOutcome, fix: Msg) -> Finding {
    let finding = Finding::new(id, outcome.state, Text::verbatim(outcome.summary));
    if outcome.state == State::Ok {
        finding
    } else {
        finding.fix(Text::new(fix))
    }
}

/// The config file: found, and not readable by every user (it may hold
/// credentials).
fn config_file(config: &Config) -> Finding {
    let Some(path) = &config.source else {
        return Finding::new("config", State::Warning, Text::new(Msg::DoctorNoConfig))
            .fix(Text::new(Msg::DoctorFixNoConfig).arg(crate::config::SYSTEM_CONFIG));
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.mode() & 0o004 != 0 => Finding::new(
            "config",
            State::Warning,
            Text::new(Msg::DoctorConfigOpen)
                .arg(path.display())
                .arg(format!("{:04o}", meta.mode() & 0o7777)),
        )
        .fix(Text::verbatim(format!("chmod o-rwx {}", path.display()))),
        Ok(meta) => Finding::new(
            "config",
            State::Ok,
            Text::new(Msg::DoctorConfigOk)
                .arg(path.display())
                .arg(format!("{:04o}", meta.mode() & 0o7777)),
        ),
        Err(e) => Finding::new(
            "config",
            State::Critical,
            Text::verbatim(format!("{}: {e}", path.display())),
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
    if !dir.join("main.cf").exists() {
        return Finding::new(
            "postfix",
            State::Unknown,
            Text::new(Msg::DoctorNoMainCf).arg(dir.display()),
        )
        .fix(Text::new(Msg::DoctorFixInstallPostfix));
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
            Text::new(Msg::DoctorPostfixNotWired),
        )
        .fix(Text::new(Msg::DoctorFixPostfixWiring));
    };
    let rendering = match expected.at(out_dir) {
        Ok(r) => r,
        Err(e) => return Finding::new("postfix", State::Unknown, Text::verbatim(e)),
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
                    Some(now) => Text::new(Msg::DoctorParameterDiffers)
                        .arg(k)
                        .arg(format!("{now:?}"))
                        .arg(format!("{v:?}")),
                    None => Text::new(Msg::DoctorParameterUnset)
                        .arg(k)
                        .arg(format!("{v:?}")),
                })
                .collect()
        },
        Text::new(Msg::DoctorFixPostfix).arg(out_dir.display()),
    )
}

/// Dovecot reads postier's passdb and userdb files: each rendered
/// `.conf.ext` is named by `doveconf -n` and holds what `stack render`
/// writes now.
fn dovecot(expected: &Expected, file: &Path) -> Finding {
    if !file.exists() {
        return Finding::new(
            "dovecot",
            State::Unknown,
            Text::new(Msg::DoctorNoFile).arg(file.display()),
        )
        .fix(Text::new(Msg::DoctorFixInstallDovecot));
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
            Text::new(Msg::DoctorDovecotNotWired),
        )
        .fix(Text::new(Msg::DoctorFixDovecotWiring));
    };
    let rendering = match expected.at(&out_dir) {
        Ok(r) => r,
        Err(e) => return Finding::new("dovecot", State::Unknown, Text::verbatim(e)),
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
                .map(|p| Text::new(Msg::DoctorDovecotMissing).arg(p.display()))
                .collect()
        },
        Text::new(Msg::DoctorFixDovecot).arg(out_dir.display()),
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
            Text::verbatim(format!(
                "{program} -n: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        )),
        Err(e) => Err(Finding::new(
            id,
            State::Unknown,
            Text::verbatim(format!("{program}: {e}")),
        )
        .fix(Text::new(Msg::DoctorFixInstall).arg(package))),
    }
}

/// Compares the rendered files under `prefix` with those on disk in
/// `out_dir`, and the snippet's wiring (`wiring` lists what is off).
fn compare(
    id: &'static str,
    rendering: &stack::Rendering,
    out_dir: &Path,
    prefix: &str,
    wiring: impl Fn(&str) -> Vec<Text>,
    fix: Text,
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
            Ok(_) => problems.push(Text::new(Msg::DoctorFileDiffers).arg(path.display())),
            Err(e) => problems.push(Text::verbatim(format!("{}: {e}", path.display()))),
        }
    }
    if problems.is_empty() {
        Finding::new(
            id,
            State::Ok,
            Text::new(Msg::DoctorStackOk)
                .arg(compared)
                .arg(out_dir.join(prefix).display()),
        )
    } else {
        Finding {
            id,
            state: State::Critical,
            text: problems,
            fix: Some(fix),
        }
    }
}

/// The mail root exists and belongs to the mail user.
fn mail_root(config: &Config) -> Finding {
    let root = &config.stack.mail_root;
    let (uid, gid) = (config.stack.vmail_uid, config.stack.vmail_gid);
    let fix = Text::verbatim(format!(
        "mkdir -p {0} && chown {uid}:{gid} {0}",
        root.display()
    ));
    match std::fs::metadata(root) {
        Err(e) => Finding::new(
            "mail_root",
            State::Critical,
            Text::verbatim(format!("{}: {e}", root.display())),
        )
        .fix(fix),
        Ok(meta) if (meta.uid(), meta.gid()) != (uid, gid) => Finding::new(
            "mail_root",
            State::Critical,
            Text::new(Msg::DoctorMailRootOwner)
                .arg(root.display())
                .arg(format!("{}:{}", meta.uid(), meta.gid()))
                .arg(format!("{uid}:{gid}")),
        )
        .fix(fix),
        Ok(_) => Finding::new(
            "mail_root",
            State::Ok,
            Text::new(Msg::DoctorMailRootOk)
                .arg(root.display())
                .arg(format!("{uid}:{gid}")),
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
            Text::new(Msg::DoctorNoKeys).arg(dir.display()),
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
            Text::new(Msg::DoctorKeysOk).arg(keys).arg(dir.display()),
        )
    } else {
        Finding::new(
            "dkim",
            State::Critical,
            Text::new(Msg::DoctorKeysOpen).arg(open.join(", ")),
        )
        .fix(Text::verbatim(format!("chmod o-rwx {}", open.join(" "))))
    }
}
