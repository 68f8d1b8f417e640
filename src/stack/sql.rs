//! The SQL backends (SQLite, PostgreSQL, MariaDB/MySQL) as the mail stack
//! reads them: connection settings for Postfix's `sqlite`/`pgsql`/`mysql`
//! tables and Dovecot's `sql` driver, and the queries, written once and
//! spelled per database only where SQL differs (string concatenation and
//! substrings).
//!
//! Postfix and Dovecot substitute the looked-up key (`%u`, `%d`, `%s`)
//! themselves, quoted by their own database drivers. Everything else in a
//! query is postier's constant text or a value checked by
//! [`super::backend::plain_config_value`].

use super::backend::{LookupSource, Settings, plain_config_value};
use super::lookups::{AuthDb, DovecotAuth, PostfixMaps, Table, TableFile};
use crate::config::redact_url;
use crate::error::{Error, Result};
use percent_encoding::percent_decode_str;
use std::fmt;
use std::path::{Path, PathBuf};

/// One SQL lookup table (one query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    /// Domain -> itself, for active hosted domains.
    MailboxDomains,
    /// Domain -> itself, for active alias domains of active domains.
    AliasDomains,
    /// Address -> the targets of its active alias.
    Aliases,
    /// `name@alias-domain` -> `name@target`, when that is deliverable.
    AliasDomainAddresses,
    /// Address -> the catch-all's targets, when the address exists nowhere.
    CatchAll,
    /// Address -> maildir, for active mailboxes.
    Mailboxes,
    /// Sender address -> the logins that may send as it.
    SenderLogins,
}

impl Lookup {
    const ALL: [Lookup; 7] = [
        Lookup::MailboxDomains,
        Lookup::AliasDomains,
        Lookup::Aliases,
        Lookup::AliasDomainAddresses,
        Lookup::CatchAll,
        Lookup::Mailboxes,
        Lookup::SenderLogins,
    ];

    fn file_name(self) -> &'static str {
        match self {
            Lookup::MailboxDomains => "virtual_mailbox_domains.cf",
            Lookup::AliasDomains => "virtual_alias_domains.cf",
            Lookup::Aliases => "virtual_alias_maps.cf",
            Lookup::AliasDomainAddresses => "virtual_alias_domain_maps.cf",
            Lookup::CatchAll => "virtual_catch_all_maps.cf",
            Lookup::Mailboxes => "virtual_mailbox_maps.cf",
            Lookup::SenderLogins => "smtpd_sender_login_maps.cf",
        }
    }

    fn answers(self) -> &'static str {
        match self {
            Lookup::MailboxDomains => "hosted domains (active only)",
            Lookup::AliasDomains => "alias domains (active, with an active target)",
            Lookup::Aliases => "aliases -> their targets (active only)",
            Lookup::AliasDomainAddresses => {
                "name@alias-domain -> name@target, when that address is deliverable"
            }
            Lookup::CatchAll => {
                "catch-all (@domain) -> its targets, for addresses that are neither mailbox nor alias"
            }
            Lookup::Mailboxes => "mailboxes -> maildir (active only)",
            Lookup::SenderLogins => {
                "sender address -> the logins allowed to send as it (the mailbox, an alias's \
                 targets, name@target for an alias-domain address)"
            }
        }
    }
}

/// Which SQL database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Sqlite,
    Postgres,
    Mysql,
}

/// How to reach the database.
#[derive(Clone)]
pub enum Connection {
    File(PathBuf),
    Server {
        host: String,
        port: u16,
        user: Option<String>,
        password: Option<String>,
        database: String,
    },
}

impl fmt::Debug for Connection {
    /// Never shows the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Connection::File(p) => f.debug_tuple("File").field(p).finish(),
            Connection::Server {
                host,
                port,
                user,
                password,
                database,
            } => f
                .debug_struct("Server")
                .field("host", host)
                .field("port", port)
                .field("user", user)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .field("database", database)
                .finish(),
        }
    }
}

/// A SQL directory as the mail stack sees it.
#[derive(Debug, Clone)]
pub struct SqlSource {
    pub flavor: Flavor,
    pub connection: Connection,
}

impl SqlSource {
    pub fn from_url(url: &str) -> Result<SqlSource> {
        let shown = redact_url(url);
        let what = format!("directory {shown}");
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(Error::invalid(what, "names no file")
                    .with_hint("write sqlite:/path/to/directory.db"));
            }
            let path = std::path::absolute(path)
                .map_err(|e| Error::invalid(&what, format!("has no absolute form: {e}")))?;
            let text = path.display().to_string();
            plain_config_value(&what, &text)?;
            return Ok(SqlSource {
                flavor: Flavor::Sqlite,
                connection: Connection::File(path),
            });
        }
        let parsed = url::Url::parse(url).map_err(|e| {
            Error::invalid(&what, format!("is not a valid URL: {e}"))
                .with_hint("write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        })?;
        let (flavor, default_port) = match parsed.scheme() {
            "postgres" | "postgresql" => (Flavor::Postgres, 5432),
            "mysql" | "mariadb" => (Flavor::Mysql, 3306),
            other => {
                return Err(Error::invalid(
                    what,
                    format!("scheme {other:?} is not a SQL database"),
                ));
            }
        };
        if parsed.query().is_some() {
            return Err(Error::invalid(
                &what,
                "has connection options (?…), which the mail stack's lookups cannot carry",
            )
            .with_hint("name a URL without options for the mail stack in [stack] lookup_url"));
        }
        let decode = |part: &str, name: &str| -> Result<String> {
            let text = percent_decode_str(part)
                .decode_utf8()
                .map_err(|_| Error::invalid(&what, format!("its {name} is not valid UTF-8")))?
                .into_owned();
            plain_config_value(&format!("the {name} in {what}"), &text)?;
            Ok(text)
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::invalid(&what, "names no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        plain_config_value(&format!("the host in {what}"), host)?;
        let user = match parsed.username() {
            "" => None,
            u => Some(decode(u, "user name")?),
        };
        let password = parsed
            .password()
            .map(|p| decode(p, "password"))
            .transpose()?;
        let database = decode(parsed.path().trim_start_matches('/'), "database name")?;
        if database.is_empty() {
            return Err(
                Error::invalid(what, "names no database").with_hint("end the URL with /DATABASE")
            );
        }
        Ok(SqlSource {
            flavor,
            connection: Connection::Server {
                host: host.to_string(),
                port: parsed.port().unwrap_or(default_port),
                user,
                password,
                database,
            },
        })
    }

    /// `a || b || c`, or `CONCAT(a, b, c)` where `||` means OR.
    fn concat(&self, parts: &[&str]) -> String {
        match self.flavor {
            Flavor::Sqlite | Flavor::Postgres => parts.join(" || "),
            Flavor::Mysql => format!("CONCAT({})", parts.join(", ")),
        }
    }

    /// The looked-up local part without its extension (`bob` for
    /// `bob+news`), as Postfix's `recipient_delimiter` splits it; a
    /// delimiter in first position is part of the name.
    fn base_local(&self, delimiter: char) -> String {
        let d = format!("'{delimiter}'");
        let (find, cut) = match self.flavor {
            Flavor::Sqlite => (format!("instr('%u', {d})"), "substr"),
            Flavor::Postgres => (format!("strpos('%u', {d})"), "substr"),
            Flavor::Mysql => (format!("LOCATE({d}, '%u')"), "SUBSTRING"),
        };
        format!("CASE WHEN {find} > 1 THEN {cut}('%u', 1, {find} - 1) ELSE '%u' END")
    }

    /// SQL: does `address` (an SQL expression) exist as a mailbox or an
    /// alias, active or not?
    fn exists_anywhere(address: &str) -> String {
        format!(
            "EXISTS (SELECT 1 FROM mailboxes WHERE address = {address})\n    \
             OR EXISTS (SELECT 1 FROM aliases WHERE address = {address})"
        )
    }

    /// SQL: may the catch-all of the domain in `domain` (an SQL expression)
    /// take the looked-up local part there? Only if neither the address nor
    /// its extension-less form exists.
    fn catch_all_applies(&self, domain: &str, settings: &Settings) -> String {
        let mut forms = vec![self.concat(&["'%u'", "'@'", domain])];
        if let Some(d) = settings.recipient_delimiter {
            forms.push(self.concat(&[&self.base_local(d), "'@'", domain]));
        }
        let checks: Vec<String> = forms
            .iter()
            .map(|f| format!("NOT ({})", Self::exists_anywhere(f)))
            .collect();
        checks.join("\n    AND ")
    }

    fn query(&self, lookup: Lookup, settings: &Settings) -> String {
        const ACTIVE_ALIAS: &str = "FROM aliases a\n    \
             JOIN domains d ON d.name = a.domain\n    \
             JOIN alias_targets t ON t.alias = a.address";
        match lookup {
            Lookup::MailboxDomains => {
                "SELECT name FROM domains WHERE name = '%s' AND active = 1".into()
            }
            Lookup::AliasDomains => "SELECT ad.name FROM alias_domains ad\n    \
                 JOIN domains d ON d.name = ad.target\n    \
                 WHERE ad.name = '%s' AND ad.active = 1 AND d.active = 1"
                .into(),
            Lookup::Aliases => format!(
                "SELECT t.target {ACTIVE_ALIAS}\n    \
                 WHERE a.address = '%u@%d' AND a.active = 1 AND d.active = 1\n    \
                 ORDER BY t.seq"
            ),
            Lookup::CatchAll => format!(
                "SELECT t.target {ACTIVE_ALIAS}\n    \
                 WHERE a.address = '@%d' AND a.active = 1 AND d.active = 1\n    \
                 AND {}\n    \
                 ORDER BY t.seq",
                self.catch_all_applies("'%d'", settings)
            ),
            Lookup::AliasDomainAddresses => {
                let target = self.concat(&["'%u'", "'@'", "ad.target"]);
                let catch_all = self.concat(&["'@'", "ad.target"]);
                format!(
                    "SELECT {target} FROM alias_domains ad\n    \
                     JOIN domains d ON d.name = ad.target\n    \
                     WHERE ad.name = '%d' AND ad.active = 1 AND d.active = 1 AND (\n    \
                     EXISTS (SELECT 1 FROM mailboxes m WHERE m.address = {target} AND m.active = 1)\n    \
                     OR EXISTS (SELECT 1 FROM aliases x WHERE x.address = {target} AND x.active = 1)\n    \
                     OR (EXISTS (SELECT 1 FROM aliases c WHERE c.address = {catch_all} AND c.active = 1)\n    \
                     AND {}))",
                    self.catch_all_applies("ad.target", settings)
                )
            }
            Lookup::Mailboxes => "SELECT m.maildir FROM mailboxes m\n    \
                 JOIN domains d ON d.name = m.domain\n    \
                 WHERE m.address = '%u@%d' AND m.active = 1 AND d.active = 1"
                .into(),
            Lookup::SenderLogins => {
                let target = self.concat(&["'%u'", "'@'", "ad.target"]);
                format!(
                    "SELECT m.address FROM mailboxes m\n    \
                     JOIN domains d ON d.name = m.domain\n    \
                     WHERE m.address = '%u@%d' AND m.active = 1 AND d.active = 1\n    \
                     UNION SELECT t.target {ACTIVE_ALIAS}\n    \
                     WHERE a.address = '%u@%d' AND a.active = 1 AND d.active = 1\n    \
                     UNION SELECT m.address FROM alias_domains ad\n    \
                     JOIN domains d ON d.name = ad.target\n    \
                     JOIN mailboxes m ON m.address = {target}\n    \
                     WHERE ad.name = '%d' AND ad.active = 1 AND d.active = 1 AND m.active = 1"
                )
            }
        }
    }

    /// Dovecot's queries: password, user (home, uid, gid, quota_rule) and
    /// the list of users (`doveadm -A`).
    fn dovecot_queries(&self, settings: &Settings) -> [(&'static str, String); 3] {
        const ACTIVE_MAILBOX: &str = "FROM mailboxes m JOIN domains d ON d.name = m.domain";
        let home = self.concat(&[&format!("'{}'", settings.home_prefix()), "m.maildir"]);
        let quota_rule = self.concat(&["'*:storage='", "m.quota_bytes", "'B'"]);
        [
            (
                "password_query",
                format!(
                    "SELECT m.address AS user, m.password AS password {ACTIVE_MAILBOX} \\\n  \
                     WHERE m.address = '%u' AND m.active = 1 AND d.active = 1"
                ),
            ),
            (
                "user_query",
                format!(
                    "SELECT {home} AS home, 'maildir:~' AS mail, \\\n  \
                     {uid} AS uid, {gid} AS gid, {quota_rule} AS quota_rule \\\n  \
                     {ACTIVE_MAILBOX} \\\n  \
                     WHERE m.address = '%u' AND m.active = 1 AND d.active = 1",
                    uid = settings.vmail_uid,
                    gid = settings.vmail_gid,
                ),
            ),
            (
                "iterate_query",
                format!(
                    "SELECT m.address AS user {ACTIVE_MAILBOX} \\\n  \
                     WHERE m.active = 1 AND d.active = 1 ORDER BY m.address"
                ),
            ),
        ]
    }
}

impl SqlSource {
    /// The connection lines of a Postfix table file.
    fn postfix_connection(&self) -> String {
        match &self.connection {
            Connection::File(path) => format!("dbpath = {}\n", path.display()),
            Connection::Server {
                host,
                port,
                user,
                password,
                database,
            } => {
                let hosts = match self.flavor {
                    Flavor::Mysql => format!("inet:{host}:{port}"),
                    _ => format!("{host}:{port}"),
                };
                let mut out = format!("hosts = {hosts}\n");
                if let Some(u) = user {
                    out.push_str(&format!("user = {u}\n"));
                }
                if let Some(p) = password {
                    out.push_str(&format!("password = {p}\n"));
                }
                out.push_str(&format!("dbname = {database}\n"));
                out
            }
        }
    }

    /// Dovecot's `connect =` value.
    fn dovecot_connect(&self) -> String {
        match &self.connection {
            Connection::File(path) => path.display().to_string(),
            Connection::Server {
                host,
                port,
                user,
                password,
                database,
            } => {
                let mut c = format!("host={host} port={port} dbname={database}");
                if let Some(u) = user {
                    c.push_str(&format!(" user={u}"));
                }
                if let Some(p) = password {
                    c.push_str(&format!(" password={p}"));
                }
                c
            }
        }
    }
}

const ARGS_FILE: &str = "dovecot-sql.conf.ext";

impl LookupSource for SqlSource {
    fn kind(&self) -> &'static str {
        match self.flavor {
            Flavor::Sqlite => "sqlite",
            Flavor::Postgres => "pgsql",
            Flavor::Mysql => "mysql",
        }
    }

    fn postfix(&self, settings: &Settings, _postfix_dir: &Path) -> PostfixMaps {
        let connection = self.postfix_connection();
        let files = Lookup::ALL
            .iter()
            .map(|&l| TableFile {
                name: l.file_name(),
                answers: l.answers(),
                body: format!("{connection}query = {}\n", self.query(l, settings)),
            })
            .collect();
        let file = |l: Lookup| Table::File(l.file_name());
        PostfixMaps {
            map_type: self.kind(),
            files,
            parameters: vec![
                (
                    "virtual_mailbox_domains",
                    vec![file(Lookup::MailboxDomains)],
                ),
                ("virtual_alias_domains", vec![file(Lookup::AliasDomains)]),
                (
                    "virtual_alias_maps",
                    // Disjoint answers: the order is for reading only.
                    vec![
                        file(Lookup::Aliases),
                        file(Lookup::AliasDomainAddresses),
                        file(Lookup::CatchAll),
                    ],
                ),
                ("virtual_mailbox_maps", vec![file(Lookup::Mailboxes)]),
                ("smtpd_sender_login_maps", vec![file(Lookup::SenderLogins)]),
            ],
        }
    }

    fn disabled_under_catch_all(&self) -> &'static str {
        "refused at RCPT time all the same: the catch-all takes only addresses \
         that exist nowhere"
    }

    fn dovecot(&self, settings: &Settings) -> DovecotAuth {
        let mut args = format!(
            "driver = {}\nconnect = {}\ndefault_pass_scheme = SHA512-CRYPT\n",
            self.kind(),
            self.dovecot_connect()
        );
        for (key, query) in self.dovecot_queries(settings) {
            args.push_str(&format!("\n{key} = \\\n  {query}\n"));
        }
        let db = AuthDb {
            driver: "sql",
            args_file: ARGS_FILE,
            settings: Vec::new(),
        };
        DovecotAuth {
            files: vec![(ARGS_FILE, args)],
            passdbs: vec![db.clone()],
            userdbs: vec![db],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            mail_root: "/var/vmail".into(),
            vmail_uid: 5000,
            vmail_gid: 5001,
            recipient_delimiter: Some('+'),
        }
    }

    #[test]
    fn parses_server_urls_and_decodes_credentials() {
        let s =
            SqlSource::from_url("postgres://look%40up:s3cr%3Dt@db.example:6543/postier").unwrap();
        assert_eq!(s.flavor, Flavor::Postgres);
        let Connection::Server {
            host,
            port,
            user,
            password,
            database,
        } = &s.connection
        else {
            panic!("server expected")
        };
        assert_eq!(
            (host.as_str(), *port, database.as_str()),
            ("db.example", 6543, "postier")
        );
        assert_eq!(user.as_deref(), Some("look@up"));
        assert_eq!(password.as_deref(), Some("s3cr=t"));
        assert!(
            !format!("{s:?}").contains("s3cr"),
            "Debug hides the password"
        );

        let m = SqlSource::from_url("mariadb://u@127.0.0.1/mail").unwrap();
        assert_eq!(m.flavor, Flavor::Mysql);
        assert_eq!(
            m.postfix_connection().lines().next(),
            Some("hosts = inet:127.0.0.1:3306")
        );
    }

    #[test]
    fn refuses_what_the_files_cannot_carry() {
        for bad in [
            "postgres://u:pa%20ss@h/db",
            "postgres://u:p@h/db?sslmode=require",
            "mysql://u:p@h/",
            "sqlite:",
        ] {
            let err = SqlSource::from_url(bad).unwrap_err();
            assert!(!err.to_string().contains("pa ss"), "{err}");
        }
    }

    #[test]
    fn concatenation_follows_the_database() {
        let pg = SqlSource::from_url("postgres://u@h/db").unwrap();
        let my = SqlSource::from_url("mysql://u@h/db").unwrap();
        let q = pg.query(Lookup::AliasDomainAddresses, &settings());
        assert!(q.contains("'%u' || '@' || ad.target"), "{q}");
        assert!(q.contains("strpos('%u', '+')"), "{q}");
        let q = my.query(Lookup::AliasDomainAddresses, &settings());
        assert!(q.contains("CONCAT('%u', '@', ad.target)"), "{q}");
        assert!(!q.contains("||"), "{q}");
    }

    #[test]
    fn every_address_query_skips_postfix_wildcard_keys() {
        // A query naming %u is suppressed by Postfix for `@domain` keys.
        let s = SqlSource::from_url("sqlite:/x/d.db").unwrap();
        for lookup in [
            Lookup::Aliases,
            Lookup::AliasDomainAddresses,
            Lookup::CatchAll,
            Lookup::Mailboxes,
            Lookup::SenderLogins,
        ] {
            assert!(s.query(lookup, &settings()).contains("%u"), "{lookup:?}");
        }
    }

    #[test]
    fn no_delimiter_means_no_extension_handling() {
        let s = SqlSource::from_url("sqlite:/x/d.db").unwrap();
        let plain = Settings {
            recipient_delimiter: None,
            ..settings()
        };
        assert!(!s.query(Lookup::CatchAll, &plain).contains("instr"));
        assert!(s.query(Lookup::CatchAll, &settings()).contains("instr"));
    }

    #[test]
    fn dovecot_user_query_gives_home_ids_and_quota() {
        let s = SqlSource::from_url("sqlite:/x/d.db").unwrap();
        let args = s.dovecot(&settings()).files.remove(0).1;
        assert!(
            args.contains("driver = sqlite\nconnect = /x/d.db\n"),
            "{args}"
        );
        assert!(
            args.contains("'/var/vmail/' || m.maildir AS home"),
            "{args}"
        );
        assert!(args.contains("5000 AS uid, 5001 AS gid"), "{args}");
        assert!(
            args.contains("'*:storage=' || m.quota_bytes || 'B' AS quota_rule"),
            "{args}"
        );
    }
}
