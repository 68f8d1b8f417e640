//! Which directory the mail stack reads, and how Postfix and Dovecot reach
//! it: the directory URL (and for LDAP the `[directory]` settings) resolved
//! into a [`Backend`] holding the connection details the rendered files
//! need.
//!
//! Every backend kind answers the same lookups with the semantics written
//! in [`super::lookups`]; adding a kind means adding a variant here and a
//! module that implements [`LookupSource`] for it.

use super::ldap::LdapSource;
use super::lookups::{DovecotAuth, PostfixMaps};
use super::sql::SqlSource;
use crate::config::{DirectoryConfig, redact_url};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The directory behind a rendering.
#[derive(Debug, Clone)]
pub enum Backend {
    Sql(SqlSource),
    Ldap(LdapSource),
}

/// What a backend tells the renderer: its Postfix tables and Dovecot auth
/// databases, with the connection details (and credentials) inside.
pub trait LookupSource {
    /// Short name for people and JSON: `sqlite`, `pgsql`, `mysql`, `ldap`.
    fn kind(&self) -> &'static str;
    /// The Postfix tables; `postfix_dir` is where their files will be, for
    /// tables that name other tables.
    fn postfix(&self, settings: &Settings, postfix_dir: &Path) -> PostfixMaps;
    fn dovecot(&self, settings: &Settings) -> DovecotAuth;
    /// What happens to mail for a disabled mailbox whose domain has a
    /// catch-all, in a sentence for the README.
    fn disabled_under_catch_all(&self) -> &'static str;
}

/// The rendering settings every backend needs, checked once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Absolute; maildirs are `mail_root/<domain>/<local>/`.
    pub mail_root: PathBuf,
    pub vmail_uid: u32,
    pub vmail_gid: u32,
    /// Postfix's `recipient_delimiter`, at most one character.
    pub recipient_delimiter: Option<char>,
}

impl Backend {
    /// The directory at `url` as the mail stack reaches it; for LDAP the
    /// base DN, bind account (its password read from its file) and TLS
    /// settings come from `directory`.
    pub fn resolve(url: &str, directory: &DirectoryConfig) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => {
                Ok(Backend::Sql(SqlSource::from_url(url)?))
            }
            "ldap" | "ldaps" | "ldapi" => Ok(Backend::Ldap(LdapSource::resolve(url, directory)?)),
            _ => Err(Error::invalid(
                format!("directory {:?}", redact_url(url)),
                "is not a directory URL postier knows",
            )
            .with_hint("use sqlite:PATH, postgres://…, mysql://…, or ldap://HOST:PORT")),
        }
    }

    pub fn source(&self) -> &dyn LookupSource {
        match self {
            Backend::Sql(s) => s,
            Backend::Ldap(l) => l,
        }
    }
}

/// Checks a value that goes verbatim into a Postfix `.cf` or Dovecot
/// `.conf.ext` line. Those formats have no quoting: whitespace ends or
/// splits a value, `#` may start a comment, `$` and `%` are expanded, and
/// quotes or backslashes mean different things to each reader. Such a
/// value is refused rather than half-escaped.
pub fn plain_config_value(what: &str, value: &str) -> Result<()> {
    if let Some(c) = value
        .chars()
        .find(|c| !c.is_ascii_graphic() || "#$%'\"\\".contains(*c))
    {
        return Err(Error::invalid(
            what,
            format!("contains {c:?}, which Postfix and Dovecot config files cannot carry safely"),
        )
        .with_hint(
            "use letters, digits and -_.~!*+=:,@/? only; a separate read-only account \
             for the mail stack can be named with [stack] lookup_url",
        ));
    }
    Ok(())
}

/// An absolute path that can be written into config files and SQL.
pub fn plain_path(what: &str, path: &Path) -> Result<PathBuf> {
    if !path.is_absolute() {
        return Err(Error::invalid(
            format!("{what} {}", path.display()),
            "is not an absolute path",
        ));
    }
    let text = path.to_str().ok_or_else(|| {
        Error::invalid(format!("{what} {}", path.display()), "is not valid UTF-8")
    })?;
    plain_config_value(&format!("{what} {text}"), text)?;
    Ok(path.to_path_buf())
}

impl Settings {
    pub fn new(config: &crate::config::StackConfig) -> Result<Settings> {
        let delimiter = &config.recipient_delimiter;
        let mut chars = delimiter.chars();
        let recipient_delimiter = match (chars.next(), chars.next()) {
            (None, _) => None,
            (Some(c), None) if c.is_ascii_punctuation() && !"#$%'\"\\@".contains(c) => Some(c),
            _ => {
                return Err(Error::invalid(
                    format!("[stack] recipient_delimiter {delimiter:?}"),
                    "must be empty or one punctuation character",
                )
                .with_hint("use \"+\" (the usual) or \"-\""));
            }
        };
        Ok(Settings {
            mail_root: plain_path("[stack] mail_root", &config.mail_root)?,
            vmail_uid: config.vmail_uid,
            vmail_gid: config.vmail_gid,
            recipient_delimiter,
        })
    }

    /// `mail_root` with a trailing `/`, the prefix of every home.
    pub fn home_prefix(&self) -> String {
        let root = self.mail_root.display().to_string();
        if root.ends_with('/') {
            root
        } else {
            format!("{root}/")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_values_config_files_cannot_carry() {
        for bad in [
            "a b", "a#b", "a$b", "a%b", "a'b", "a\"b", "a\\b", "é", "a\nb",
        ] {
            assert!(plain_config_value("password", bad).is_err(), "{bad:?}");
        }
        plain_config_value("password", "Ab9-_.~!*+=:,@/?").unwrap();
    }

    #[test]
    fn unknown_urls_are_refused() {
        let err = Backend::resolve("redis://x", &DirectoryConfig::default()).unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::Invalid);
    }
}
