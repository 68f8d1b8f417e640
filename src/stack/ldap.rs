//! The LDAP directory as the mail stack reads it: Postfix `ldap:` tables
//! and Dovecot's `ldap` driver over postier's DIT (`ou=domains,<base>`,
//! see `schema/ldap/`).
//!
//! LDAP has no joins, so conditions across entries are built from Postfix's
//! table combinators: `pipemap:` chains tables (each result is the next
//! key: AND), `unionmap:` merges them (OR), and a table's `domain =` list
//! restricts it to addresses of active domains. Dovecot chains two
//! databases: the mailbox (password, home, quota) and then its domain,
//! which must be active. What cannot be expressed is a negation ("no entry
//! has this address"), so the catch-all is served through Postfix's own
//! `@domain` fallback behind a self-mapping of every active mailbox; see
//! [`super::lookups`] for what that means for disabled mailboxes.
//!
//! Postfix and Dovecot escape the looked-up key for LDAP filters
//! themselves; everything else in a filter is postier's constant text or a
//! value checked by [`plain_config_value`].

use super::backend::{LookupSource, Settings, plain_config_value, plain_path};
use super::lookups::{AuthDb, DovecotAuth, PostfixMaps, Table, TableFile};
use crate::config::{DirectoryConfig, read_secret_file};
use crate::error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

/// An LDAP directory as the mail stack sees it.
#[derive(Clone)]
pub struct LdapSource {
    /// `ldap://host:port`, `ldaps://host:port` or `ldapi://…`.
    uri: String,
    start_tls: bool,
    ca_file: Option<PathBuf>,
    base_dn: String,
    bind_dn: String,
    bind_password: SecretString,
}

impl std::fmt::Debug for LdapSource {
    /// Never shows the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapSource")
            .field("uri", &self.uri)
            .field("start_tls", &self.start_tls)
            .field("ca_file", &self.ca_file)
            .field("base_dn", &self.base_dn)
            .field("bind_dn", &self.bind_dn)
            .finish_non_exhaustive()
    }
}

/// Entries that are not disabled (a missing flag means active).
const ACTIVE: &str = "(!(postierActive=FALSE))";

const DOMAINS: &str = "virtual_mailbox_domains.cf";
const ALIAS_DOMAINS: &str = "virtual_alias_domains.cf";
const ALIASES: &str = "virtual_alias_maps.cf";
const MAILBOX_SELF: &str = "virtual_mailbox_self_maps.cf";
const ALIAS_DOMAIN_REWRITE: &str = "virtual_alias_domain_maps.cf";
const DELIVERABLE: &str = "deliverable_addresses.cf";
const MAILBOXES: &str = "virtual_mailbox_maps.cf";
const SENDER_ALIASES: &str = "smtpd_sender_login_aliases.cf";

const USERS_FILE: &str = "dovecot-ldap.conf.ext";
const DOMAIN_FILE: &str = "dovecot-ldap-domain.conf.ext";

impl LdapSource {
    /// `url` with the base DN, bind account and TLS settings of `[directory]`.
    pub fn resolve(url: &str, directory: &DirectoryConfig) -> Result<LdapSource> {
        let what = format!("directory {url}");
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::invalid(&what, format!("is not a valid LDAP URL: {e}")))?;
        let uri = match parsed.scheme() {
            "ldapi" => url.split('?').next().unwrap_or(url).to_string(),
            scheme => {
                let host = parsed
                    .host_str()
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| Error::invalid(&what, "names no server"))?;
                match parsed.port() {
                    Some(port) => format!("{scheme}://{host}:{port}"),
                    None => format!("{scheme}://{host}"),
                }
            }
        };
        let uri = uri.trim_end_matches('/').to_string();
        plain_config_value(&what, &uri)?;
        let url_dn = percent_encoding::percent_decode_str(parsed.path().trim_start_matches('/'))
            .decode_utf8_lossy()
            .into_owned();
        let base_dn = directory
            .base_dn
            .clone()
            .or((!url_dn.is_empty()).then_some(url_dn))
            .ok_or_else(|| {
                Error::invalid(&what, "has no base DN")
                    .with_hint("set [directory] base_dn, e.g. dc=example,dc=org")
            })?;
        plain_config_value(&format!("base DN {base_dn:?}"), &base_dn)?;
        let (bind_dn, file) = match (&directory.bind_dn, &directory.bind_password_file) {
            (Some(dn), Some(file)) => (dn.clone(), file),
            _ => {
                return Err(Error::invalid(
                    &what,
                    "Postfix and Dovecot need a bind DN and password to read it",
                )
                .with_hint(
                    "set [stack] lookup_bind_dn and lookup_bind_password_file (a read-only \
                     account), or [directory] bind_dn and bind_password_file",
                ));
            }
        };
        plain_config_value(&format!("bind DN {bind_dn:?}"), &bind_dn)?;
        let bind_password = read_secret_file(
            file,
            &format!("bind password file {}", file.display()),
            "check [stack] lookup_bind_password_file, or [directory] bind_password_file \
             (POSTIER_LDAP_BIND_PASSWORD_FILE)",
        )?;
        plain_config_value(
            &format!("the password in {}", file.display()),
            bind_password.expose_secret(),
        )?;
        let ca_file = directory
            .ca_file
            .as_deref()
            .map(|p| plain_path("[directory] ca_file", p))
            .transpose()?;
        Ok(LdapSource {
            start_tls: directory.starttls && parsed.scheme() == "ldap",
            uri,
            ca_file,
            base_dn,
            bind_dn,
            bind_password,
        })
    }

    fn tls(&self) -> bool {
        self.start_tls || self.uri.starts_with("ldaps:")
    }

    fn search_base(&self) -> String {
        format!("ou=domains,{}", self.base_dn)
    }

    /// The connection lines every Postfix table file starts with.
    fn postfix_connection(&self) -> String {
        let mut out = format!(
            "server_host = {}\nversion = 3\nbind = yes\nbind_dn = {}\nbind_pw = {}\n\
             start_tls = {}\n",
            self.uri,
            self.bind_dn,
            self.bind_password.expose_secret(),
            if self.start_tls { "yes" } else { "no" },
        );
        if let Some(ca) = &self.ca_file {
            out.push_str(&format!("tls_ca_cert_file = {}\n", ca.display()));
        }
        if self.tls() {
            out.push_str("tls_require_cert = yes\n");
        }
        out.push_str(&format!(
            "search_base = {}\nscope = sub\n",
            self.search_base()
        ));
        out
    }

    /// One Postfix table: connection, optional `domain =` gate, query.
    fn table(
        &self,
        name: &'static str,
        answers: &'static str,
        domains_of: Option<&str>,
        query: &[(&str, String)],
    ) -> TableFile {
        let mut body = self.postfix_connection();
        if let Some(list) = domains_of {
            body.push_str(&format!("domain = {list}\n"));
        }
        for (key, value) in query {
            body.push_str(&format!("{key} = {value}\n"));
        }
        TableFile {
            name,
            answers,
            body,
        }
    }

    /// The connection lines of Dovecot's args files.
    fn dovecot_connection(&self) -> String {
        let mut out = format!(
            "uris = {}\ndn = {}\ndnpass = {}\n",
            self.uri,
            self.bind_dn,
            self.bind_password.expose_secret()
        );
        if self.start_tls {
            out.push_str("tls = yes\n");
        }
        if let Some(ca) = &self.ca_file {
            out.push_str(&format!("tls_ca_cert_file = {}\n", ca.display()));
        }
        if self.tls() {
            out.push_str("tls_require_cert = hard\n");
        }
        out.push_str(&format!(
            "ldap_version = 3\nbase = {}\nscope = subtree\nderef = never\n",
            self.search_base()
        ));
        out
    }
}

fn mailbox_filter(key: &str) -> String {
    format!("(&(objectClass=postierMailbox)(postierAddress={key}){ACTIVE})")
}

fn active_domain_filter(key: &str) -> String {
    format!("(&(objectClass=postierDomain)(associatedDomain={key}){ACTIVE})")
}

impl LookupSource for LdapSource {
    fn kind(&self) -> &'static str {
        "ldap"
    }

    fn postfix(&self, _settings: &Settings, postfix_dir: &Path) -> PostfixMaps {
        // Addresses (non-empty local part) of active hosted domains only.
        let of_domains = format!("ldap:{}", postfix_dir.join(DOMAINS).display());
        let of_alias_domains = format!("ldap:{}", postfix_dir.join(ALIAS_DOMAINS).display());
        let s = |v: &str| v.to_string();
        let files = vec![
            self.table(
                DOMAINS,
                "hosted domains (active only)",
                None,
                &[
                    ("query_filter", active_domain_filter("%s")),
                    ("result_attribute", s("associatedDomain")),
                ],
            ),
            self.table(
                ALIAS_DOMAINS,
                "alias domains (active only; their target is checked per address)",
                None,
                &[
                    (
                        "query_filter",
                        format!(
                            "(&(objectClass=postierAliasDomain)(associatedDomain=%s){ACTIVE})"
                        ),
                    ),
                    ("result_attribute", s("associatedDomain")),
                ],
            ),
            self.table(
                ALIASES,
                "aliases and, for Postfix's @domain fallback, the catch-all -> targets (active only)",
                None,
                &[
                    (
                        "query_filter",
                        format!("(&(objectClass=postierAlias)(postierAddress=%s){ACTIVE})"),
                    ),
                    ("result_attribute", s("postierAliasTarget")),
                ],
            ),
            self.table(
                MAILBOX_SELF,
                "active mailboxes -> themselves, so the catch-all never takes their mail",
                Some(&of_domains),
                &[
                    ("query_filter", mailbox_filter("%s")),
                    ("result_attribute", s("postierAddress")),
                ],
            ),
            self.table(
                ALIAS_DOMAIN_REWRITE,
                "name@alias-domain -> name@target (then checked by the next table of the pipemap)",
                Some(&of_alias_domains),
                &[
                    (
                        "query_filter",
                        format!(
                            "(&(objectClass=postierAliasDomain)(associatedDomain=%d){ACTIVE})"
                        ),
                    ),
                    ("result_attribute", s("postierTargetDomain")),
                    ("result_format", s("%U@%s")),
                ],
            ),
            self.table(
                DELIVERABLE,
                "an address of an active domain -> itself, when an active mailbox or alias has \
                 it or the domain has an active catch-all",
                Some(&of_domains),
                &[
                    (
                        "query_filter",
                        format!(
                            "(|(&(|(objectClass=postierMailbox)(objectClass=postierAlias))\
                             (postierAddress=%s){ACTIVE})\
                             (&(objectClass=postierAlias)(postierAddress=@%d){ACTIVE}))"
                        ),
                    ),
                    ("result_attribute", s("postierAddress")),
                    ("result_format", s("%S")),
                ],
            ),
            self.table(
                MAILBOXES,
                "mailboxes -> maildir (active only)",
                Some(&of_domains),
                &[
                    ("query_filter", mailbox_filter("%s")),
                    ("result_attribute", s("postierMaildir")),
                ],
            ),
            self.table(
                SENDER_ALIASES,
                "alias -> its targets, who may send as it (active only, no catch-all)",
                Some(&of_domains),
                &[
                    (
                        "query_filter",
                        format!("(&(objectClass=postierAlias)(postierAddress=%s){ACTIVE})"),
                    ),
                    ("result_attribute", s("postierAliasTarget")),
                ],
            ),
        ];
        let file = Table::File;
        PostfixMaps {
            map_type: "ldap",
            files,
            parameters: vec![
                ("virtual_mailbox_domains", vec![file(DOMAINS)]),
                ("virtual_alias_domains", vec![file(ALIAS_DOMAINS)]),
                (
                    "virtual_alias_maps",
                    vec![
                        file(ALIASES),
                        file(MAILBOX_SELF),
                        Table::Pipe(vec![file(ALIAS_DOMAIN_REWRITE), file(DELIVERABLE)]),
                    ],
                ),
                ("virtual_mailbox_maps", vec![file(MAILBOXES)]),
                (
                    "smtpd_sender_login_maps",
                    vec![Table::Union(vec![
                        file(MAILBOX_SELF),
                        file(SENDER_ALIASES),
                        Table::Pipe(vec![file(ALIAS_DOMAIN_REWRITE), file(MAILBOX_SELF)]),
                    ])],
                ),
            ],
        }
    }

    fn disabled_under_catch_all(&self) -> &'static str {
        "taken by the catch-all: an LDAP lookup cannot ask whether an address \
         exists nowhere, so Postfix's @domain fallback serves the catch-all"
    }

    fn dovecot(&self, settings: &Settings) -> DovecotAuth {
        let connection = self.dovecot_connection();
        let mailbox = mailbox_filter("%u");
        let users = format!(
            "{connection}default_pass_scheme = CRYPT\n\n\
             pass_filter = {mailbox}\n\
             pass_attrs = postierAddress=user, userPassword=password\n\n\
             user_filter = {mailbox}\n\
             user_attrs = =home={home}%{{ldap:postierMaildir}}, =mail=maildir:~, \
             =uid={uid}, =gid={gid}, =quota_rule=*:storage=%{{ldap:postierQuotaBytes}}B\n\n\
             iterate_filter = (&(objectClass=postierMailbox){ACTIVE})\n\
             iterate_attrs = postierAddress=user\n",
            home = settings.home_prefix(),
            uid = settings.vmail_uid,
            gid = settings.vmail_gid,
        );
        let domain = active_domain_filter("%d");
        let gate = format!(
            "{connection}\n# Only the domain's existence and state are looked at; the\n\
             # user name is handed on unchanged.\n\
             pass_filter = {domain}\npass_attrs = =user=%u\n\
             user_filter = {domain}\nuser_attrs = =user=%u\n"
        );
        // The mailbox decides; then its domain must be active too.
        let first = AuthDb {
            driver: "ldap",
            args_file: USERS_FILE,
            settings: vec![
                ("result_success", "continue-ok"),
                ("result_failure", "return-fail"),
                ("result_internalfail", "return-fail"),
            ],
        };
        let then = AuthDb {
            driver: "ldap",
            args_file: DOMAIN_FILE,
            settings: vec![
                ("result_failure", "return-fail"),
                ("result_internalfail", "return-fail"),
            ],
        };
        DovecotAuth {
            files: vec![(USERS_FILE, users), (DOMAIN_FILE, gate)],
            passdbs: vec![first.clone(), then.clone()],
            userdbs: vec![first, then],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(dir: &Path, url: &str, starttls: bool) -> LdapSource {
        use std::os::unix::fs::PermissionsExt;
        let pw = dir.join("bind.pw");
        std::fs::write(&pw, "s3cret-pw\n").unwrap();
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = DirectoryConfig {
            url: Some(url.into()),
            base_dn: Some("dc=example,dc=net".into()),
            bind_dn: Some("cn=postier,dc=example,dc=net".into()),
            bind_password_file: Some(pw),
            starttls,
            ..DirectoryConfig::default()
        };
        LdapSource::resolve(url, &config).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            mail_root: "/var/vmail".into(),
            vmail_uid: 5000,
            vmail_gid: 5000,
            recipient_delimiter: Some('+'),
        }
    }

    #[test]
    fn postfix_tables_connect_and_gate_on_active_domains() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(dir.path(), "ldap://127.0.0.1:3389/", true);
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "Debug hides the password"
        );
        let maps = s.postfix(&settings(), Path::new("/o/postfix"));
        let mailboxes = maps.files.iter().find(|f| f.name == MAILBOXES).unwrap();
        for line in [
            "server_host = ldap://127.0.0.1:3389\n",
            "bind_pw = s3cret-pw\n",
            "start_tls = yes\n",
            "tls_require_cert = yes\n",
            "search_base = ou=domains,dc=example,dc=net\n",
            "domain = ldap:/o/postfix/virtual_mailbox_domains.cf\n",
            "query_filter = (&(objectClass=postierMailbox)(postierAddress=%s)(!(postierActive=FALSE)))\n",
        ] {
            assert!(
                mailboxes.body.contains(line),
                "{line} in\n{}",
                mailboxes.body
            );
        }
        let (_, alias_maps) = maps
            .parameters
            .iter()
            .find(|(p, _)| *p == "virtual_alias_maps")
            .unwrap();
        assert_eq!(
            alias_maps[2].render("ldap", Path::new("/o/postfix")),
            "pipemap:{ldap:/o/postfix/virtual_alias_domain_maps.cf, \
             ldap:/o/postfix/deliverable_addresses.cf}"
        );
    }

    #[test]
    fn dovecot_checks_the_mailbox_then_its_domain() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(dir.path(), "ldaps://ldap.example.net", false);
        let auth = s.dovecot(&settings());
        assert_eq!(auth.passdbs.len(), 2);
        assert_eq!(
            auth.passdbs[0].settings[0],
            ("result_success", "continue-ok")
        );
        let users = &auth.files[0].1;
        assert!(
            users.contains("uris = ldaps://ldap.example.net\n"),
            "{users}"
        );
        assert!(users.contains("tls_require_cert = hard\n"), "{users}");
        assert!(
            users.contains("=home=/var/vmail/%{ldap:postierMaildir}"),
            "{users}"
        );
        assert!(
            users.contains("=quota_rule=*:storage=%{ldap:postierQuotaBytes}B"),
            "{users}"
        );
        assert!(auth.files[1].1.contains("(associatedDomain=%d)"));
    }

    #[test]
    fn needs_a_bind_account() {
        let err = LdapSource::resolve(
            "ldap://127.0.0.1/dc=example,dc=net",
            &DirectoryConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("bind_dn"), "{err}");
    }
}
