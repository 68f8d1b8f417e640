//! `[[hooks]]`: where the journal's events go. Each table is checked once,
//! at load, into a [`HookConfig`]; a bad value is an error naming the hook,
//! the key and the value.

use crate::config::Language;
use crate::error::{Error, Result};
use crate::model::{Address, DomainName};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// The event kinds the journal holds (SPEC.md, "Hooks").
pub const EVENT_KINDS: [&str; 5] = ["domain", "alias_domain", "mailbox", "alias", "backup"];

/// The longest a retry waits, however often it doubled.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// One hook, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    /// `[a-z0-9_-]+`, unique.
    pub name: String,
    /// Which events it gets (any of them matching).
    pub events: Vec<EventPattern>,
    /// Only events about these domains; empty: all.
    pub domains: Vec<DomainName>,
    pub target: HookTarget,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Attempts at one event before it is parked as failed.
    pub max_attempts: u32,
    /// The first retry's delay; each next one doubles, up to [`MAX_BACKOFF`].
    pub backoff: Duration,
}

/// Which events a hook gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPattern {
    /// `*`: every event.
    All,
    /// `mailbox.*`: every event of one kind.
    Kind(String),
    /// `mailbox.add`.
    Exact(String),
}

impl EventPattern {
    pub fn parse(text: &str) -> std::result::Result<EventPattern, String> {
        if text == "*" {
            return Ok(EventPattern::All);
        }
        let word =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let (kind, action) = text
            .split_once('.')
            .ok_or_else(|| format!("event {text:?} is not \"*\", \"KIND.*\" or \"KIND.ACTION\""))?;
        if !EVENT_KINDS.contains(&kind) {
            return Err(format!(
                "event {text:?} names no kind of event postier has (kinds: {})",
                EVENT_KINDS.join(", ")
            ));
        }
        match action {
            "*" => Ok(EventPattern::Kind(kind.to_string())),
            a if word(a) => Ok(EventPattern::Exact(text.to_string())),
            _ => Err(format!(
                "event {text:?} is not \"*\", \"KIND.*\" or \"KIND.ACTION\""
            )),
        }
    }

    pub fn matches(&self, event: &str) -> bool {
        match self {
            EventPattern::All => true,
            EventPattern::Kind(kind) => event
                .split_once('.')
                .is_some_and(|(k, _)| k == kind.as_str()),
            EventPattern::Exact(e) => e == event,
        }
    }
}

impl std::fmt::Display for EventPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventPattern::All => f.write_str("*"),
            EventPattern::Kind(k) => write!(f, "{k}.*"),
            EventPattern::Exact(e) => f.write_str(e),
        }
    }
}

/// Where a hook delivers.
#[derive(Clone, PartialEq, Eq)]
pub enum HookTarget {
    /// A program (argv, no shell) with the event JSON on its stdin.
    Command(Vec<String>),
    /// An HTTP POST of the event.
    Url {
        url: url::Url,
        format: UrlFormat,
        /// The file holding the HMAC key (read at delivery time).
        secret_file: Option<PathBuf>,
        /// The language of a Mattermost text.
        language: Language,
    },
    /// A short message to these addresses through `[mail.sender]`.
    Mail {
        to: Vec<Address>,
        language: Language,
    },
    /// One of postier's own subscribers ([`Builtin`]), written in code and
    /// delivered like any other hook: cursor, retries, parking, status.
    Builtin(Builtin),
}

/// postier's own subscribers. Each is enabled by a setting of its own
/// ([`builtin_hooks`]) and goes by a name no `[[hooks]]` entry may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `[mail.welcome] on_add`: a new mailbox gets the welcome message.
    WelcomeMail,
    /// `[backup]`: a removed mailbox's maildir moves aside at once, kept
    /// until an archive holds it (see `crate::backup::aside`).
    MoveAside,
}

impl Builtin {
    pub const ALL: [Builtin; 2] = [Builtin::WelcomeMail, Builtin::MoveAside];

    /// The hook's name in `hooks status`, `retry`, `skip`.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::WelcomeMail => "welcome-mail",
            Builtin::MoveAside => "move-aside",
        }
    }
}

/// The built-in hooks `config` enables, after the `[[hooks]]` ones.
pub fn builtin_hooks(config: &crate::config::Config) -> Vec<HookConfig> {
    let mut hooks = Vec::new();
    let welcome = &config.mail.welcome;
    if welcome.on_add {
        hooks.push(HookConfig {
            name: Builtin::WelcomeMail.name().to_string(),
            events: vec![EventPattern::Exact("mailbox.add".to_string())],
            domains: welcome.domains.clone(),
            target: HookTarget::Builtin(Builtin::WelcomeMail),
            timeout: Duration::from_secs(60),
            max_attempts: 10,
            backoff: Duration::from_secs(60),
        });
    }
    if config.backup.is_some() {
        hooks.push(HookConfig {
            name: Builtin::MoveAside.name().to_string(),
            events: vec![
                EventPattern::Exact("mailbox.rm".to_string()),
                EventPattern::Exact("domain.rm".to_string()),
            ],
            domains: Vec::new(),
            target: HookTarget::Builtin(Builtin::MoveAside),
            timeout: Duration::from_secs(600),
            // Data to keep: retried for days rather than parked early.
            max_attempts: 100,
            backoff: Duration::from_secs(10),
        });
    }
    hooks
}

impl std::fmt::Debug for HookTarget {
    /// A webhook URL's path and query are often its secret (Mattermost,
    /// Slack): only the scheme and host are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HookTarget::Command(argv) => f.debug_tuple("Command").field(argv).finish(),
            HookTarget::Url {
                url,
                format,
                secret_file,
                language,
            } => f
                .debug_struct("Url")
                .field("url", &shown_url(url))
                .field("format", format)
                .field("secret_file", secret_file)
                .field("language", language)
                .finish(),
            HookTarget::Mail { to, language } => f
                .debug_struct("Mail")
                .field("to", to)
                .field("language", language)
                .finish(),
            HookTarget::Builtin(b) => f.debug_tuple("Builtin").field(b).finish(),
        }
    }
}

/// A URL as it may be shown: scheme, host and port, the rest elided.
pub fn shown_url(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}/…", url.scheme()),
        None => format!("{}://{host}/…", url.scheme()),
    }
}

/// What a `url` hook posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UrlFormat {
    /// The event document itself.
    #[default]
    Json,
    /// `{"text": "…"}` for Mattermost (and Slack-style) incoming webhooks.
    Mattermost,
}

/// `[[hooks]]` as written, before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawHook {
    pub name: Option<String>,
    pub events: Vec<String>,
    pub domains: Vec<String>,
    pub command: Option<Vec<String>>,
    pub url: Option<String>,
    pub format: Option<UrlFormat>,
    pub secret_file: Option<PathBuf>,
    pub mail: Option<Vec<String>>,
    pub language: Option<Language>,
    pub timeout: Option<String>,
    pub max_attempts: Option<u32>,
    pub backoff: Option<String>,
}

/// Parses `30s`, `10m`, `1h`, `2d`, `500ms`, `0s`.
pub fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 10m, 1h or 2d"))?;
    let secs = |k: u64| n.checked_mul(k).map(Duration::from_secs);
    let d = match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        "d" => secs(86_400),
        _ => None,
    };
    d.ok_or_else(|| format!("{text:?} is not a duration like 30s, 10m, 1h or 2d"))
}

impl RawHook {
    /// Checks this, the `index`-th (from 1) `[[hooks]]` table.
    pub fn check(self, index: usize) -> Result<HookConfig> {
        let name = self.name.clone().unwrap_or_default();
        let at = if name.is_empty() {
            format!("[[hooks]] #{index}")
        } else {
            format!("[[hooks]] {name:?}")
        };
        let bad = |key: &str, why: String| Error::invalid(format!("{at} {key}"), why);
        if name.is_empty() {
            return Err(bad("name", "is missing".into())
                .with_hint("give each hook a name such as \"chat\""));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(
                bad("name", format!("{name:?} may hold only a-z, 0-9, - and _"))
                    .with_hint("e.g. name = \"chat\""),
            );
        }
        if self.events.is_empty() {
            return Err(bad("events", "is missing or empty".into())
                .with_hint("e.g. events = [\"mailbox.add\", \"mailbox.rm\"], or [\"*\"] for all"));
        }
        let events = self
            .events
            .iter()
            .map(|e| EventPattern::parse(e).map_err(|why| bad("events", why)))
            .collect::<Result<Vec<_>>>()?;
        let domains = self
            .domains
            .iter()
            .map(|d| DomainName::parse(d).map_err(|e| bad("domains", format!("{d:?}: {}", e.why))))
            .collect::<Result<Vec<_>>>()?;
        let targets = [
            self.command.is_some(),
            self.url.is_some(),
            self.mail.is_some(),
        ];
        if targets.iter().filter(|t| **t).count() != 1 {
            return Err(bad(
                "command/url/mail",
                "a hook needs exactly one of them".into(),
            )
            .with_hint("keep one of command = [...], url = \"...\", mail = [...]"));
        }
        if (self.format.is_some() || self.secret_file.is_some()) && self.url.is_none() {
            return Err(bad(
                if self.format.is_some() {
                    "format"
                } else {
                    "secret_file"
                },
                "applies to url hooks only".into(),
            ));
        }
        let language = self.language.unwrap_or_default();
        let target = if let Some(argv) = self.command {
            if argv.first().is_none_or(|p| p.is_empty()) {
                return Err(bad("command", "is empty".into()).with_hint(
                    "name the program and its arguments, e.g. [\"/usr/local/bin/notify\"]",
                ));
            }
            HookTarget::Command(argv)
        } else if let Some(text) = self.url {
            let url = url::Url::parse(&text)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                .ok_or_else(|| {
                    // Not quoted whole: a webhook URL is often its own secret.
                    bad("url", "is not an http:// or https:// URL".into())
                })?;
            HookTarget::Url {
                url,
                format: self.format.unwrap_or_default(),
                secret_file: self.secret_file,
                language,
            }
        } else {
            let list = self.mail.unwrap_or_default();
            if list.is_empty() {
                return Err(
                    bad("mail", "is empty".into()).with_hint("list the addresses to write to")
                );
            }
            let to = list
                .iter()
                .map(|a| Address::parse(a).map_err(|e| bad("mail", format!("{a:?}: {}", e.why))))
                .collect::<Result<Vec<_>>>()?;
            HookTarget::Mail { to, language }
        };
        let duration = |key: &str, value: Option<String>, default: Duration| match value {
            None => Ok(default),
            Some(v) => parse_duration(&v).map_err(|why| bad(key, why)),
        };
        let timeout = duration("timeout", self.timeout, Duration::from_secs(30))?;
        if timeout.is_zero() {
            return Err(bad("timeout", "\"0s\" leaves no time to deliver".into())
                .with_hint("e.g. timeout = \"30s\""));
        }
        let backoff = duration("backoff", self.backoff, Duration::from_secs(10))?;
        let max_attempts = self.max_attempts.unwrap_or(10);
        if max_attempts == 0 {
            return Err(bad("max_attempts", "0 would never try".into()).with_hint("use 1 or more"));
        }
        Ok(HookConfig {
            name,
            events,
            domains,
            target,
            timeout,
            max_attempts,
            backoff,
        })
    }
}

/// Checks every `[[hooks]]` table and that their names are unique.
pub fn check_all(raw: Vec<RawHook>) -> Result<Vec<HookConfig>> {
    let mut hooks: Vec<HookConfig> = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let hook = r.check(i + 1)?;
        if Builtin::ALL.iter().any(|b| b.name() == hook.name) {
            return Err(Error::invalid(
                format!("[[hooks]] {:?} name", hook.name),
                "is the name of one of postier's own hooks",
            )
            .with_hint("give this hook another name"));
        }
        if hooks.iter().any(|h| h.name == hook.name) {
            return Err(Error::invalid(
                format!("[[hooks]] {:?} name", hook.name),
                "is used by two hooks",
            )
            .with_hint("give each hook its own name"));
        }
        hooks.push(hook);
    }
    Ok(hooks)
}

impl HookConfig {
    /// Whether this hook gets `event` about `domain`.
    pub fn wants(&self, event: &str, domain: Option<&str>) -> bool {
        self.events.iter().any(|p| p.matches(event))
            && (self.domains.is_empty()
                || domain.is_some_and(|d| self.domains.iter().any(|x| x.as_ascii() == d)))
    }

    /// The delay before attempt `attempt + 1`, after `attempt` (from 1)
    /// failed ones: `backoff` doubled `attempt - 1` times, capped at
    /// [`MAX_BACKOFF`], then drawn between 3/4 and 5/4 of that (jitter, so
    /// consumers on several hosts do not retry in step). `unit` is a
    /// random draw in [0, 1).
    pub fn retry_delay(&self, attempt: u32, unit: f64) -> Duration {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(MAX_BACKOFF);
        doubled
            .mul_f64(0.75 + 0.5 * unit.clamp(0.0, 1.0))
            .min(MAX_BACKOFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(toml_text: &str) -> RawHook {
        toml::from_str(toml_text).unwrap()
    }

    fn err(toml_text: &str) -> String {
        raw(toml_text).check(1).unwrap_err().to_string()
    }

    #[test]
    fn a_full_hook_is_read() {
        let h = raw(
            "name = \"chat\"\nevents = [\"mailbox.*\", \"domain.add\"]\ndomains = [\"Radio-Libre.fr\"]\n\
             url = \"https://chat.example.net/hooks/s3cr3t\"\nformat = \"mattermost\"\n\
             timeout = \"5s\"\nmax_attempts = 3\nbackoff = \"1h\"\n",
        )
        .check(1)
        .unwrap();
        assert_eq!(h.name, "chat");
        assert_eq!(h.timeout, Duration::from_secs(5));
        assert_eq!(h.backoff, Duration::from_secs(3600));
        assert!(h.wants("mailbox.rm", Some("radio-libre.fr")));
        assert!(h.wants("domain.add", Some("radio-libre.fr")));
        assert!(!h.wants("domain.rm", Some("radio-libre.fr")));
        assert!(!h.wants("mailbox.add", Some("other.org")));
        assert!(!format!("{h:?}").contains("s3cr3t"), "{h:?}");
    }

    #[test]
    fn bad_values_are_named() {
        let base = "name = \"x\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n";
        assert!(err("events = [\"*\"]\ncommand = [\"/bin/true\"]").contains("name: is missing"));
        let e = err("name = \"Chat!\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]");
        assert!(e.contains("name") && e.contains("Chat!"), "{e}");
        let e = err(&format!("{base}timeout = \"3x\""));
        assert!(e.contains("timeout") && e.contains("3x"), "{e}");
        let e = err(&format!("{base}backoff = \"ten\""));
        assert!(e.contains("backoff") && e.contains("ten"), "{e}");
        let e = err("name = \"x\"\nevents = [\"mailbx.add\"]\ncommand = [\"/bin/true\"]");
        assert!(e.contains("mailbx.add"), "{e}");
        let e =
            err("name = \"x\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\nmail = [\"a@b.org\"]");
        assert!(e.contains("exactly one"), "{e}");
        let e = err("name = \"x\"\nevents = [\"*\"]");
        assert!(e.contains("exactly one"), "{e}");
        let e = err("name = \"x\"\nevents = [\"*\"]\nurl = \"ftp://h/x\"");
        assert!(e.contains("url"), "{e}");
        let e = err(&format!("{base}max_attempts = 0"));
        assert!(e.contains("max_attempts"), "{e}");
        let e = err(&format!("{base}format = \"json\""));
        assert!(e.contains("format"), "{e}");
        let e = err("name = \"x\"\nevents = [\"*\"]\nmail = [\"not an address\"]");
        assert!(e.contains("not an address"), "{e}");
        assert!(toml::from_str::<RawHook>("name = \"x\"\nevent = [\"*\"]").is_err());
    }

    #[test]
    fn names_are_unique() {
        let one = || raw("name = \"x\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]");
        let e = check_all(vec![one(), one()]).unwrap_err().to_string();
        assert!(e.contains("\"x\"") && e.contains("two hooks"), "{e}");
        let own = raw("name = \"welcome-mail\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]");
        let e = check_all(vec![own]).unwrap_err().to_string();
        assert!(
            e.contains("welcome-mail") && e.contains("postier's own"),
            "{e}"
        );
    }

    #[test]
    fn the_welcome_mail_hook_is_enabled_by_its_setting() {
        let mut config = crate::config::Config::default();
        assert!(builtin_hooks(&config).is_empty());
        config.mail.welcome.on_add = true;
        let hooks = builtin_hooks(&config);
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].name, "welcome-mail");
        assert!(hooks[0].wants("mailbox.add", Some("example.org")));
        assert!(!hooks[0].wants("mailbox.rm", Some("example.org")));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("10").is_err());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let mut h =
            raw("name = \"x\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\nbackoff = \"10s\"")
                .check(1)
                .unwrap();
        let mid = |n| h.retry_delay(n, 0.5);
        assert_eq!(mid(1), Duration::from_secs(10));
        assert_eq!(mid(2), Duration::from_secs(20));
        assert_eq!(mid(3), Duration::from_secs(40));
        assert_eq!(mid(30), MAX_BACKOFF);
        assert_eq!(h.retry_delay(1, 0.0), Duration::from_millis(7500));
        assert_eq!(h.retry_delay(1, 0.999_999).as_secs(), 12);
        h.backoff = Duration::ZERO;
        assert_eq!(h.retry_delay(5, 0.9), Duration::ZERO);
    }
}
