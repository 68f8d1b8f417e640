//! Configuration: the TOML file (`--config`, `POSTIER_CONFIG`, else
//! `/etc/postier/postier.toml` when present, else built-in defaults) and the
//! directory URL it resolves to.
//!
//! Unknown keys are errors that name the key, so a typo never silently
//! falls back to a default.

use crate::error::{Error, Result};
use crate::model::DomainName;
use crate::password::Scheme;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub mod backup;
pub mod hooks;
pub use backup::BackupConfig;
pub use hooks::{Builtin, EventPattern, HookConfig, HookTarget, UrlFormat};

pub const SYSTEM_CONFIG: &str = "/etc/postier/postier.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub directory: DirectoryConfig,
    pub stack: StackConfig,
    pub mail: MailConfig,
    pub dkim: DkimConfig,
    pub dns: DnsConfig,
    pub passwords: PasswordConfig,
    pub access: AccessConfig,
    /// `[[hooks]]` as written; emptied into `hooks` once checked.
    #[serde(rename = "hooks")]
    pub raw_hooks: Vec<hooks::RawHook>,
    /// The hooks, checked (see [`hooks`]).
    #[serde(skip)]
    pub hooks: Vec<HookConfig>,
    /// The file this was read from, if any.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    pub monitor: MonitorConfig,
    /// `[backup]` as written; emptied into `backup` once checked.
    #[serde(rename = "backup")]
    pub raw_backup: Option<backup::RawBackup>,
    /// `[backup]`, checked; none when the table is absent (no backups).
    #[serde(skip)]
    pub backup: Option<BackupConfig>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryConfig {
    /// `sqlite:PATH`, `postgres://…`, `mysql://…`, `ldap://…`.
    pub url: Option<String>,
    /// LDAP: the DN under which postier keeps `ou=domains` and `ou=locks`.
    pub base_dn: Option<String>,
    /// LDAP: the DN postier binds as (none on `ldapi://`: SASL EXTERNAL).
    pub bind_dn: Option<String>,
    /// LDAP: a file holding the bind password (not readable by others).
    pub bind_password_file: Option<PathBuf>,
    /// LDAP: upgrade an `ldap://` connection with StartTLS.
    pub starttls: bool,
    /// LDAP: the CA certificates (PEM) that the server's certificate must
    /// chain to; default: the system's trust store.
    pub ca_file: Option<PathBuf>,
    /// LDAP: the local state store (`sqlite:PATH`) holding the intent log,
    /// the audit trail and the journal; default: a file under the data dir.
    pub state_url: Option<String>,
}

/// Environment variables that override the `[directory]` LDAP settings.
pub const LDAP_ENV: [&str; 4] = [
    "POSTIER_LDAP_BASE_DN",
    "POSTIER_LDAP_BIND_DN",
    "POSTIER_LDAP_BIND_PASSWORD_FILE",
    "POSTIER_LDAP_STATE_URL",
];

impl DirectoryConfig {
    /// These settings with the `POSTIER_LDAP_*` environment variables
    /// (see [`LDAP_ENV`]) applied over them; empty variables are ignored.
    pub fn with_env(self) -> DirectoryConfig {
        self.with_vars(|name| std::env::var(name).ok())
    }

    /// [`DirectoryConfig::with_env`] reading variables through `var`.
    pub fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> DirectoryConfig {
        let get = |name: &str| var(name).filter(|v| !v.is_empty());
        if let Some(v) = get("POSTIER_LDAP_BASE_DN") {
            self.base_dn = Some(v);
        }
        if let Some(v) = get("POSTIER_LDAP_BIND_DN") {
            self.bind_dn = Some(v);
        }
        if let Some(v) = get("POSTIER_LDAP_BIND_PASSWORD_FILE") {
            self.bind_password_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("POSTIER_LDAP_STATE_URL") {
            self.state_url = Some(v);
        }
        self
    }
}

impl std::fmt::Debug for DirectoryConfig {
    /// The URL may carry a password: show only its scheme.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryConfig")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("base_dn", &self.base_dn)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password_file", &self.bind_password_file)
            .field("starttls", &self.starttls)
            .field("ca_file", &self.ca_file)
            .field("state_url", &self.state_url)
            .finish()
    }
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackConfig {
    /// Maildirs live under `mail_root/<domain>/<local>/`.
    pub mail_root: PathBuf,
    pub vmail_uid: u32,
    pub vmail_gid: u32,
    /// The directory URL Postfix and Dovecot read with (ideally a read-only
    /// account); default: the directory URL postier itself uses.
    pub lookup_url: Option<String>,
    /// LDAP: the (read-only) account Postfix and Dovecot bind as; default:
    /// `[directory] bind_dn`, postier's own.
    pub lookup_bind_dn: Option<String>,
    /// LDAP: the file holding that account's password.
    pub lookup_bind_password_file: Option<PathBuf>,
    /// Postfix's `virtual_transport`: where accepted mail goes (Dovecot LMTP).
    pub virtual_transport: String,
    /// Postfix's `recipient_delimiter` (`+` in `bob+news@`); empty: none.
    pub recipient_delimiter: String,
    /// Group that may read the rendered Postfix tables.
    pub postfix_group: String,
    /// Group that may read the rendered Dovecot files.
    pub dovecot_group: String,
    /// Where `mailbox show` reads quota usage: `maildirsize` or `none`.
    pub quota_usage: QuotaUsageSource,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            mail_root: PathBuf::from("/var/vmail"),
            vmail_uid: 5000,
            vmail_gid: 5000,
            lookup_url: None,
            lookup_bind_dn: None,
            lookup_bind_password_file: None,
            virtual_transport: "lmtp:unix:private/dovecot-lmtp".into(),
            recipient_delimiter: "+".into(),
            postfix_group: "postfix".into(),
            dovecot_group: "dovecot".into(),
            quota_usage: QuotaUsageSource::Maildirsize,
        }
    }
}

impl std::fmt::Debug for StackConfig {
    /// `lookup_url` may carry a password: show it redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackConfig")
            .field("mail_root", &self.mail_root)
            .field("vmail_uid", &self.vmail_uid)
            .field("vmail_gid", &self.vmail_gid)
            .field("lookup_url", &self.lookup_url.as_deref().map(redact_url))
            .field("lookup_bind_dn", &self.lookup_bind_dn)
            .field("lookup_bind_password_file", &self.lookup_bind_password_file)
            .field("virtual_transport", &self.virtual_transport)
            .field("recipient_delimiter", &self.recipient_delimiter)
            .field("postfix_group", &self.postfix_group)
            .field("dovecot_group", &self.dovecot_group)
            .field("quota_usage", &self.quota_usage)
            .finish()
    }
}

impl StackConfig {
    /// The `[directory]` settings as the mail stack uses them: with the
    /// lookup account of `lookup_bind_dn`, when one is named, in place of
    /// postier's own (which may write).
    pub fn lookup_directory(&self, directory: DirectoryConfig) -> Result<DirectoryConfig> {
        match (&self.lookup_bind_dn, &self.lookup_bind_password_file) {
            (None, None) => Ok(directory),
            (Some(dn), Some(file)) => Ok(DirectoryConfig {
                bind_dn: Some(dn.clone()),
                bind_password_file: Some(file.clone()),
                ..directory
            }),
            (Some(_), None) => Err(Error::invalid(
                "[stack] lookup_bind_dn",
                "is set without lookup_bind_password_file",
            )
            .with_hint("name the file holding that account's password, or remove lookup_bind_dn")),
            (None, Some(_)) => Err(Error::invalid(
                "[stack] lookup_bind_password_file",
                "is set without lookup_bind_dn",
            )
            .with_hint("name the account (its DN), or remove lookup_bind_password_file")),
        }
    }
}

/// Where `mailbox show` reads quota usage from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaUsageSource {
    /// The `maildirsize` file Dovecot's maildir quota keeps in each
    /// maildir: exact bytes, where `doveadm quota get` rounds to KiB.
    #[default]
    Maildirsize,
    /// Not read: usage shows as unknown.
    None,
}

/// What every hosted domain's DNS should point at.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    pub mx_hosts: Vec<String>,
    /// Address ranges of the service's MX hosts: an MX target resolving
    /// into one of them counts as the service's.
    pub mx_networks: Vec<ipnet::IpNet>,
    pub outbound_ips: Vec<IpAddr>,
    pub spf_include: Option<String>,
    pub dmarc_min_policy: DmarcPolicy,
    /// Where DMARC aggregate reports should go (a `mailto:` URI), for the
    /// suggested record.
    pub dmarc_rua: Option<String>,
    pub mta_sts: bool,
    pub tls_rpt: bool,
    /// Where TLS reports should go (`mailto:` or `https:` URI); default
    /// `mailto:postmaster@<domain>`.
    pub tls_rpt_rua: Option<String>,
    pub autoconfig: bool,
    /// The servers and ports mail clients use, as welcome mails state them.
    pub client: MailClientConfig,
    /// How postier itself sends mail (welcome and test messages).
    pub sender: MailSenderConfig,
    /// Welcome-mail language.
    pub welcome: WelcomeConfig,
}

/// How a client connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded by STARTTLS before anything else.
    Starttls,
    /// No encryption: loopback relays and tests only.
    None,
}

/// What a member's mail client connects to.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailClientConfig {
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    /// Shown in the welcome mail when set.
    pub webmail_url: Option<String>,
    /// Where members ask for help; shown in the welcome mail when set.
    pub support: Option<String>,
}

impl Default for MailClientConfig {
    fn default() -> Self {
        MailClientConfig {
            imap_host: "localhost".into(),
            imap_port: 993,
            imap_security: Security::Tls,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_security: Security::Starttls,
            webmail_url: None,
            support: None,
        }
    }
}

/// The way out for postier's own messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SenderTransport {
    /// SMTP to `host:port` (submission with TLS and login, or a plain relay).
    #[default]
    Smtp,
    /// The local `sendmail` program.
    Sendmail,
}

/// How postier sends its messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSenderConfig {
    pub transport: SenderTransport,
    /// `From:` of postier's messages; default `postmaster@<recipient's domain>`.
    pub from: Option<String>,
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Log in as this user (with `password_file`); none: no login.
    pub username: Option<String>,
    /// File holding the SMTP password on its first line.
    pub password_file: Option<PathBuf>,
    /// Extra CA certificate (PEM) to trust, for a private CA.
    pub ca_file: Option<PathBuf>,
    /// The sendmail program, for `transport = "sendmail"`.
    pub sendmail: PathBuf,
    pub timeout_seconds: u64,
}

impl Default for MailSenderConfig {
    fn default() -> Self {
        MailSenderConfig {
            transport: SenderTransport::Smtp,
            from: None,
            host: "localhost".into(),
            port: 587,
            security: Security::Starttls,
            username: None,
            password_file: None,
            ca_file: None,
            sendmail: PathBuf::from("/usr/sbin/sendmail"),
            timeout_seconds: 30,
        }
    }
}

/// Which language a welcome mail is written in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WelcomeConfig {
    /// Send the welcome message to every new mailbox (the built-in
    /// `welcome-mail` hook; it runs where `hooks run`/`watch` runs).
    pub on_add: bool,
    /// Only for mailboxes of these domains; empty: all.
    pub domains: Vec<DomainName>,
    /// `en` or `fr`.
    pub language: Language,
    /// Per-domain language, overriding `language`.
    pub domain_language: BTreeMap<DomainName, Language>,
}

/// The languages postier's messages are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Fr,
}

impl std::str::FromStr for Language {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "en" => Ok(Language::En),
            "fr" => Ok(Language::Fr),
            _ => Err(
                Error::invalid(format!("language {s:?}"), "is not one postier writes")
                    .with_hint("use en or fr"),
            ),
        }
    }
}

/// How postier asks DNS.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// `IP` or `IP:PORT`; empty means the system's resolvers.
    pub nameservers: Vec<String>,
    /// Seconds to wait for one answer.
    pub timeout: f64,
    /// Domains checked at once.
    pub concurrency: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            nameservers: Vec::new(),
            timeout: 3.0,
            concurrency: 32,
        }
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    None,
    #[default]
    Quarantine,
    Reject,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DkimConfig {
    pub key_dir: PathBuf,
    pub default_selector: String,
    /// Days a rotated-out key stays published before it is removed.
    pub grace_days: u32,
    /// The signer's group (e.g. `opendkim`, `_rspamd`): key files are made
    /// readable by it (0640, folders 0750); none: owner only.
    pub signer_group: Option<String>,
}

impl Default for DkimConfig {
    fn default() -> Self {
        DkimConfig {
            key_dir: PathBuf::from("/var/lib/postier/dkim"),
            default_selector: "s1".into(),
            grace_days: 7,
            signer_group: None,
        }
    }
}

impl DkimConfig {
    /// The group id of `signer_group`, or an error naming it.
    pub fn signer_gid(&self) -> Result<Option<u32>> {
        let Some(name) = &self.signer_group else {
            return Ok(None);
        };
        users::get_group_by_name(name)
            .map(|g| Some(g.gid()))
            .ok_or_else(|| {
                Error::invalid(
                    format!("[dkim] signer_group {name:?}"),
                    "is not a group on this host",
                )
                .with_hint("name the group your DKIM signer runs as (getent group opendkim)")
            })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordConfig {
    /// The scheme new passwords are hashed with.
    pub scheme: Scheme,
}

/// `[monitor]`: what `postier metrics` and `postier check` count as a
/// problem when no `-w`/`-c` says otherwise.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// A mailbox whose usage is above this share of its quota is "near
    /// quota" (`postier_mailboxes_near_quota`, `check quota`'s warning).
    pub near_quota_percent: u8,
    /// The longest `metrics --dns` and `check dns` wait for the DNS
    /// self-check of every domain (`30s`, `2m`); what is not done by then
    /// is unknown.
    pub dns_deadline: String,
}

impl MonitorConfig {
    /// `dns_deadline` as a duration (checked when the config is read).
    pub fn dns_deadline(&self) -> Result<std::time::Duration> {
        match hooks::parse_duration(&self.dns_deadline) {
            Ok(d) if !d.is_zero() => Ok(d),
            Ok(_) => Err(Error::invalid(
                "[monitor] dns_deadline",
                "must be more than 0",
            )),
            Err(why) => Err(Error::invalid("[monitor] dns_deadline", why)),
        }
    }

    fn check(&self) -> Result<()> {
        if !(1..=100).contains(&self.near_quota_percent) {
            return Err(Error::invalid(
                format!("[monitor] near_quota_percent {}", self.near_quota_percent),
                "is not a percentage from 1 to 100",
            ));
        }
        self.dns_deadline().map(drop)
    }
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            near_quota_percent: 90,
            dns_deadline: "50s".into(),
        }
    }
}

/// Who may do what. With no `[access]` table at all, whoever can open the
/// directory is an admin (the file or database permissions are the gate);
/// once the table exists, a user it does not name is refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessConfig {
    pub admins: Vec<String>,
    /// Unix user → the domains whose mailboxes and aliases they manage.
    pub domain_admins: BTreeMap<String, Vec<DomainName>>,
    /// Unix user → the domains whose DNS self-check they may run.
    pub contacts: BTreeMap<String, Vec<DomainName>>,
}

impl AccessConfig {
    pub fn is_configured(&self) -> bool {
        !(self.admins.is_empty() && self.domain_admins.is_empty() && self.contacts.is_empty())
    }
}

impl Config {
    /// Loads the configuration: `explicit` (from `--config` or
    /// `POSTIER_CONFIG`), else the system file when present, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        match explicit {
            Some(path) => Self::read(path),
            None if Path::new(SYSTEM_CONFIG).exists() => Self::read(Path::new(SYSTEM_CONFIG)),
            None => Ok(Config::default()),
        }
    }

    /// Reads and checks one config file.
    pub fn read(path: &Path) -> Result<Config> {
        let what = format!("config {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid(&what, format!("cannot be read: {e}"))
                .with_hint("check the path given by --config or POSTIER_CONFIG")
        })?;
        let mut config = Self::parse(&text, &what)?;
        config.source = Some(path.to_path_buf());
        let urls = [&config.directory.url, &config.stack.lookup_url];
        if urls
            .iter()
            .any(|u| u.as_deref().is_some_and(url_has_password))
        {
            refuse_world_readable(path, &what)?;
        }
        Ok(config)
    }

    /// Parses and checks a config file's text; `what` names the file in
    /// errors. [`Config::read`] adds what needs the file itself (its path,
    /// its permissions).
    pub fn parse(text: &str, what: &str) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let at = e
                .span()
                .map(|s| format!(" (line {})", text[..s.start].matches('\n').count() + 1))
                .unwrap_or_default();
            Error::invalid(what, format!("{msg}{at}"))
        })?;
        config.hooks = hooks::check_all(std::mem::take(&mut config.raw_hooks)).map_err(|e| {
            let about = format!("{what}: {}", e.what);
            e.about(about)
        })?;
        config.monitor.check().map_err(|e| {
            let about = format!("{what}: {}", e.what);
            e.about(about)
        })?;
        config.backup = match config.raw_backup.take() {
            Some(raw) => Some(raw.check().map_err(|e| {
                let about = format!("{what}: {}", e.what);
                e.about(about)
            })?),
            None => None,
        };
        Ok(config)
    }

    /// Is the directory in force the built-in default (no `--directory`,
    /// `POSTIER_DIRECTORY` or `[directory] url`)?
    pub fn uses_default_directory(&self, flag: Option<&str>) -> bool {
        flag.or(self.directory.url.as_deref()).is_none()
    }

    /// The directory URL in force: `--directory`/`POSTIER_DIRECTORY`, else
    /// the config's, else an embedded SQLite file under the XDG data dir.
    pub fn directory_url(&self, flag: Option<&str>) -> Result<String> {
        if let Some(url) = flag.or(self.directory.url.as_deref()) {
            return Ok(url.to_string());
        }
        let data = dirs::data_dir().ok_or_else(|| {
            Error::invalid("directory", "no data directory is known for this user")
                .with_hint("set --directory sqlite:PATH or [directory] url in the config")
        })?;
        Ok(format!(
            "sqlite:{}",
            data.join("postier").join("directory.db").display()
        ))
    }
}

fn url_has_password(url: &str) -> bool {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .is_some_and(|authority| {
            authority.contains('@') && authority.split('@').next().is_some_and(|u| u.contains(':'))
        })
}

#[cfg(unix)]
fn refuse_world_readable(path: &Path, what: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0);
    if mode & 0o004 != 0 {
        return Err(
            Error::invalid(what, "holds a password but is readable by every user")
                .with_hint(format!("run: chmod o-rwx {}", path.display())),
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_world_readable(_: &Path, _: &str) -> Result<()> {
    Ok(())
}

/// The secret on the first line of `path` (a bind or SMTP password file),
/// refused when the file is readable by every user. `what` names the file
/// in errors, `hint` says which setting names it.
pub fn read_secret_file(path: &Path, what: &str, hint: &str) -> Result<secrecy::SecretString> {
    refuse_world_readable(path, what)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid(what, format!("cannot be read: {e}")).with_hint(hint))?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(
            Error::invalid(what, "is empty").with_hint("write the password on its first line")
        );
    }
    Ok(secrecy::SecretString::from(line.to_string()))
}

/// A URL with any password replaced by `***`, safe to show.
pub fn redact_url(url: &str) -> String {
    if !url_has_password(url) {
        return url.to_string();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (userinfo, host) = rest.split_once('@').unwrap_or(("", rest));
    let user = userinfo.split(':').next().unwrap_or_default();
    format!("{scheme}://{user}:***@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(redact_url("sqlite:/x/y.db"), "sqlite:/x/y.db");
        let c = DirectoryConfig {
            url: Some("mysql://root:hunter2@127.0.0.1/x".into()),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn ldap_env_overrides_the_file() {
        let file = DirectoryConfig {
            base_dn: Some("dc=file".into()),
            bind_dn: Some("cn=file".into()),
            ..Default::default()
        };
        let merged = file.with_vars(|name| match name {
            "POSTIER_LDAP_BASE_DN" => Some("dc=env".into()),
            "POSTIER_LDAP_BIND_DN" => Some(String::new()),
            "POSTIER_LDAP_BIND_PASSWORD_FILE" => Some("/run/pw".into()),
            _ => None,
        });
        assert_eq!(merged.base_dn.as_deref(), Some("dc=env"));
        assert_eq!(
            merged.bind_dn.as_deref(),
            Some("cn=file"),
            "empty is ignored"
        );
        assert_eq!(merged.bind_password_file, Some(PathBuf::from("/run/pw")));
        assert_eq!(merged.state_url, None);
    }

    #[test]
    fn the_mail_stack_binds_with_its_own_ldap_account() {
        let directory = DirectoryConfig {
            bind_dn: Some("cn=postier,dc=example,dc=net".into()),
            bind_password_file: Some("/etc/postier/bind.pw".into()),
            ..Default::default()
        };
        let mut stack = StackConfig::default();
        let same = stack.lookup_directory(directory.clone()).unwrap();
        assert_eq!(same.bind_dn, directory.bind_dn);
        stack.lookup_bind_dn = Some("cn=mailstack,dc=example,dc=net".into());
        let err = stack.lookup_directory(directory.clone()).unwrap_err();
        assert!(
            err.to_string().contains("lookup_bind_password_file"),
            "{err}"
        );
        stack.lookup_bind_password_file = Some("/etc/postier/mailstack.pw".into());
        let lookup = stack.lookup_directory(directory).unwrap();
        assert_eq!(
            lookup.bind_dn.as_deref(),
            Some("cn=mailstack,dc=example,dc=net")
        );
        assert_eq!(
            lookup.bind_password_file.as_deref(),
            Some(Path::new("/etc/postier/mailstack.pw"))
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<Config>("[stack]\nmail_rot = \"/x\"\n").unwrap_err();
        assert!(err.message().contains("mail_rot"), "{err}");
    }
}
