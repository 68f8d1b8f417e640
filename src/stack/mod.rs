//! The mail stack: the files that make real Postfix and Dovecot read
//! postier's directory (`postier stack render`), and what Dovecot reports
//! back about a mailbox (its quota usage, [`quota`]).
//!
//! Rendering is a pure function of the `[stack]` settings, the resolved
//! directory ([`Backend`]) and the output path ([`render`]); no database or
//! LDAP server is contacted. [`write`] then puts the files on disk,
//! credentials readable only by the servers' groups. The backend kind
//! (SQLite, PostgreSQL, MariaDB/MySQL, LDAP) is a parameter:
//! [`Backend::resolve`] turns the URL into a [`backend::LookupSource`], and
//! everything else is shared. What the lookups must answer is written down
//! in [`lookups`].

pub mod backend;
mod dovecot;
mod files;
mod ldap;
pub mod lookups;
mod postfix;
pub mod quota;
mod readme;
mod sql;

pub use backend::Backend;
pub use files::{Access, RenderedFile, WrittenFile};

use crate::config::StackConfig;
use crate::error::{Error, Result};
use backend::{Settings, plain_config_value, plain_path};
use std::path::Path;
use std::str::FromStr;

/// The stacks postier renders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    PostfixDovecot,
}

impl Stack {
    pub fn name(self) -> &'static str {
        match self {
            Stack::PostfixDovecot => "postfix-dovecot",
        }
    }
}

impl FromStr for Stack {
    type Err = Error;
    fn from_str(s: &str) -> Result<Stack> {
        match s {
            "postfix-dovecot" => Ok(Stack::PostfixDovecot),
            _ => Err(
                Error::invalid(format!("stack {s:?}"), "is not one postier renders")
                    .with_hint("use --stack postfix-dovecot"),
            ),
        }
    }
}

/// A rendering: what it is for, and its files.
#[derive(Debug, Clone)]
pub struct Rendering {
    pub stack: Stack,
    /// `sqlite`, `pgsql`, `mysql`.
    pub backend: &'static str,
    pub files: Vec<RenderedFile>,
}

/// Renders `stack` for `backend` (the directory as Postfix and Dovecot
/// reach it), to be placed under the absolute path `out`.
pub fn render(
    stack: Stack,
    config: &StackConfig,
    backend: &Backend,
    out: &Path,
) -> Result<Rendering> {
    let out = plain_path("output directory", out)?;
    let settings = Settings::new(config)?;
    for (key, value) in [
        ("[stack] virtual_transport", &config.virtual_transport),
        ("[stack] postfix_group", &config.postfix_group),
        ("[stack] dovecot_group", &config.dovecot_group),
    ] {
        plain_config_value(&format!("{key} {value:?}"), value)?;
    }
    let source = backend.source();
    let Stack::PostfixDovecot = stack;
    let mut files = postfix::files(
        source,
        &settings,
        &out,
        &config.postfix_group,
        &config.virtual_transport,
    );
    files.extend(dovecot::files(
        source,
        &settings,
        &out,
        &config.dovecot_group,
    ));
    files.push(readme::readme(
        source,
        &settings,
        &out,
        &config.postfix_group,
        &config.dovecot_group,
    ));
    Ok(Rendering {
        stack,
        backend: source.kind(),
        files,
    })
}

/// Writes a rendering under `out`.
pub fn write(out: &Path, rendering: &Rendering) -> Result<Vec<WrittenFile>> {
    files::write_all(out, &rendering.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(url: &str) -> Backend {
        Backend::resolve(url, &crate::config::DirectoryConfig::default()).unwrap()
    }

    fn files(url: &str) -> Vec<RenderedFile> {
        render(
            Stack::PostfixDovecot,
            &StackConfig::default(),
            &backend(url),
            Path::new("/etc/postier/stack"),
        )
        .unwrap()
        .files
    }

    #[test]
    fn renders_the_files_the_spec_names() {
        let files = files("mysql://mail:s3cret@db.example/postier");
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        for expected in [
            "postfix/virtual_mailbox_domains.cf",
            "postfix/virtual_alias_maps.cf",
            "postfix/virtual_mailbox_maps.cf",
            "postfix/smtpd_sender_login_maps.cf",
            "postfix/main.cf.snippet",
            "dovecot/dovecot-sql.conf.ext",
            "dovecot/dovecot.conf.snippet",
            "README",
        ] {
            assert!(
                paths.contains(&expected.to_string()),
                "{expected} in {paths:?}"
            );
        }
        for f in &files {
            let holds_secret = f.contents.contains("s3cret");
            let is_secret = matches!(f.access, Access::Secret { .. });
            assert_eq!(holds_secret, is_secret, "{}", f.path.display());
        }
    }

    #[test]
    fn snippet_names_tables_by_absolute_path() {
        let files = files("sqlite:/var/lib/postier/directory.db");
        let snippet = files
            .iter()
            .find(|f| f.path.ends_with("main.cf.snippet"))
            .unwrap();
        assert!(snippet.contents.contains(
            "virtual_mailbox_maps = sqlite:/etc/postier/stack/postfix/virtual_mailbox_maps.cf\n"
        ));
        assert!(
            snippet
                .contents
                .contains("virtual_transport = lmtp:unix:private/dovecot-lmtp\n")
        );
        let dovecot = files
            .iter()
            .find(|f| f.path.ends_with("dovecot.conf.snippet"))
            .unwrap();
        assert!(
            dovecot
                .contents
                .contains("args = /etc/postier/stack/dovecot/dovecot-sql.conf.ext\n")
        );
        assert!(
            !dovecot.contents.contains("first_valid_uid"),
            "5000 needs no floor change"
        );
    }

    #[test]
    fn refuses_relative_output_and_bad_settings() {
        let c = StackConfig::default();
        let url = &backend("sqlite:/d.db");
        assert!(render(Stack::PostfixDovecot, &c, url, Path::new("out")).is_err());
        let bad = StackConfig {
            recipient_delimiter: "+-".into(),
            ..StackConfig::default()
        };
        assert!(render(Stack::PostfixDovecot, &bad, url, Path::new("/o")).is_err());
        let bad = StackConfig {
            virtual_transport: "lmtp:unix:a b".into(),
            ..StackConfig::default()
        };
        assert!(render(Stack::PostfixDovecot, &bad, url, Path::new("/o")).is_err());
        assert!("exim".parse::<Stack>().is_err());
    }
}
