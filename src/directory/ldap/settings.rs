//! What it takes to reach an LDAP directory: the URL (`ldap://`,
//! `ldaps://`, `ldapi://`), the base DN, how to bind (a DN and a password
//! read from a file, or SASL EXTERNAL over `ldapi://`), TLS (StartTLS,
//! verified against the system's trust store or a CA file) and where the
//! local state store lives. Built from the `[directory]` config table with
//! the `POSTIER_LDAP_*` environment variables applied.

use crate::config::DirectoryConfig;
use crate::error::{Error, Result};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How postier authenticates to the server.
#[derive(Clone)]
pub enum Bind {
    /// Simple bind with a DN and the password read from a file.
    Simple { dn: String, password: SecretString },
    /// SASL EXTERNAL: the identity of the `ldapi://` socket's peer.
    External,
}

impl std::fmt::Debug for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bind::Simple { dn, .. } => write!(f, "Simple {{ dn: {dn:?}, password: *** }}"),
            Bind::External => f.write_str("External"),
        }
    }
}

/// Transport security of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `ldap://` without StartTLS (loopback or a trusted network only).
    Plain,
    /// `ldap://` upgraded with StartTLS.
    StartTls,
    /// `ldaps://`.
    Tls,
    /// `ldapi://`: a Unix socket, protected by file permissions.
    Socket,
}

/// The resolved settings of an LDAP directory.
#[derive(Debug, Clone)]
pub struct LdapSettings {
    /// The server URL without a DN part, as ldap3 takes it.
    pub server_url: String,
    pub base_dn: String,
    pub bind: Bind,
    pub transport: Transport,
    pub ca_file: Option<PathBuf>,
    /// `sqlite:PATH` of the local state store.
    pub state_url: String,
}

impl LdapSettings {
    /// Resolves `url` with `config` (whose environment overrides are
    /// already applied). The base DN comes from the config, else from the
    /// URL's DN part (`ldap://host/dc=example,dc=org`).
    pub fn resolve(url: &str, config: &DirectoryConfig) -> Result<LdapSettings> {
        let what = format!("directory {url}");
        let parsed = url::Url::parse(url).map_err(|e| {
            Error::invalid(&what, format!("is not a valid LDAP URL: {e}")).with_hint(
                "write ldap://HOST:PORT, ldaps://HOST:PORT or ldapi://%2Frun%2Fslapd%2Fldapi",
            )
        })?;
        let scheme = parsed.scheme();
        let transport = match (scheme, config.starttls) {
            ("ldap", false) => Transport::Plain,
            ("ldap", true) => Transport::StartTls,
            ("ldaps", _) => Transport::Tls,
            ("ldapi", _) => Transport::Socket,
            _ => {
                return Err(Error::invalid(
                    &what,
                    "is not an ldap://, ldaps:// or ldapi:// URL",
                ));
            }
        };
        if parsed.host_str().is_none_or(str::is_empty) && transport != Transport::Socket {
            return Err(
                Error::invalid(&what, "names no server").with_hint("write ldap://HOST:PORT")
            );
        }
        let url_dn = percent_decode(parsed.path().trim_start_matches('/'));
        let base_dn = config
            .base_dn
            .clone()
            .or((!url_dn.is_empty()).then_some(url_dn))
            .ok_or_else(|| {
                Error::invalid(&what, "has no base DN").with_hint(
                    "set [directory] base_dn in the config or POSTIER_LDAP_BASE_DN, e.g. dc=example,dc=org",
                )
            })?;
        if !base_dn.contains('=') {
            return Err(Error::invalid(
                format!("base DN {base_dn:?}"),
                "is not a distinguished name",
            )
            .with_hint("write it like dc=example,dc=org"));
        }
        let bind = match (&config.bind_dn, &config.bind_password_file) {
            (Some(dn), Some(file)) => Bind::Simple {
                dn: dn.clone(),
                password: read_password_file(file)?,
            },
            (Some(dn), None) => {
                return Err(
                    Error::invalid(format!("bind DN {dn}"), "has no password file").with_hint(
                        "set [directory] bind_password_file or POSTIER_LDAP_BIND_PASSWORD_FILE",
                    ),
                );
            }
            (None, _) if transport == Transport::Socket => Bind::External,
            (None, _) => {
                return Err(Error::invalid(&what, "needs a bind DN").with_hint(
                    "set [directory] bind_dn and bind_password_file (or the POSTIER_LDAP_BIND_* variables), \
                     or use ldapi:// with SASL EXTERNAL",
                ));
            }
        };
        let server_url = format!(
            "{scheme}://{}",
            &url[scheme.len() + 3..]
                .split('/')
                .next()
                .unwrap_or_default()
        );
        let state_url = match &config.state_url {
            Some(s) => s.clone(),
            None => default_state_url(&server_url, &base_dn)?,
        };
        Ok(LdapSettings {
            server_url,
            base_dn,
            bind,
            transport,
            ca_file: config.ca_file.clone(),
            state_url,
        })
    }

    /// The directory as shown to people: server and base DN.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.server_url, self.base_dn)
    }

    /// The rustls client configuration: certificates are always verified,
    /// against `ca_file` when given, else the system's trust store.
    pub fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_file {
            Some(path) => {
                let what = format!("CA file {}", path.display());
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| Error::invalid(&what, format!("cannot be read: {e}")))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| Error::invalid(&what, format!("is not PEM: {e}")))?;
                if certs.is_empty() {
                    return Err(Error::invalid(&what, "holds no certificate"));
                }
                for cert in certs {
                    roots.add(cert).map_err(|e| {
                        Error::invalid(&what, format!("holds a bad certificate: {e}"))
                    })?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    // A single unparsable system certificate must not
                    // take the others down with it.
                    let _ = roots.add(cert);
                }
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::unavailable("TLS", e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    pub(super) fn bind_password(&self) -> Option<&str> {
        match &self.bind {
            Bind::Simple { password, .. } => Some(password.expose_secret()),
            Bind::External => None,
        }
    }
}

/// Reads a bind password: the file's first line. The file must not be
/// readable by every user.
fn read_password_file(path: &Path) -> Result<SecretString> {
    crate::config::read_secret_file(
        path,
        &format!("bind password file {}", path.display()),
        "check [directory] bind_password_file or POSTIER_LDAP_BIND_PASSWORD_FILE",
    )
}

/// `sqlite:` under the data dir, one file per server and base DN.
fn default_state_url(server_url: &str, base_dn: &str) -> Result<String> {
    let data = dirs::data_dir().ok_or_else(|| {
        Error::invalid(
            "LDAP state store",
            "no data directory is known for this user",
        )
        .with_hint("set [directory] state_url = \"sqlite:/var/lib/postier/ldap-state.db\"")
    })?;
    let key: String = format!("{server_url} {base_dn}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let file = data.join("postier").join(format!("ldap-{key}.db"));
    Ok(format!("sqlite:{}", file.display()))
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base: Option<&str>) -> DirectoryConfig {
        DirectoryConfig {
            base_dn: base.map(str::to_string),
            state_url: Some("sqlite::memory:".into()),
            ..Default::default()
        }
    }

    #[test]
    fn ldapi_binds_externally_and_takes_the_dn_from_the_url() {
        let s = LdapSettings::resolve(
            "ldapi://%2Frun%2Fslapd%2Fldapi/dc=example,dc=org",
            &config(None),
        )
        .unwrap();
        assert_eq!(s.transport, Transport::Socket);
        assert_eq!(s.base_dn, "dc=example,dc=org");
        assert_eq!(s.server_url, "ldapi://%2Frun%2Fslapd%2Fldapi");
        assert!(matches!(s.bind, Bind::External));
    }

    #[test]
    fn tcp_needs_a_bind_dn_and_a_base() {
        let e = LdapSettings::resolve("ldap://127.0.0.1:389", &config(Some("dc=x"))).unwrap_err();
        assert!(e.why.contains("bind DN"), "{e}");
        let e = LdapSettings::resolve("ldaps://127.0.0.1", &config(None)).unwrap_err();
        assert!(e.why.contains("base DN"), "{e}");
        let e = LdapSettings::resolve("ldapi:///", &config(Some("no equals sign"))).unwrap_err();
        assert!(e.why.contains("distinguished name"), "{e}");
    }

    #[test]
    fn password_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut c = config(Some("dc=x"));
        c.bind_dn = Some("cn=postier,dc=x".into());
        c.bind_password_file = Some(file.clone());
        let e = LdapSettings::resolve("ldap://127.0.0.1", &c).unwrap_err();
        assert!(e.why.contains("readable by every user"), "{e}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = LdapSettings::resolve("ldap://127.0.0.1", &c).unwrap();
        assert_eq!(s.bind_password(), Some("s3cret"));
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "Debug hides the password"
        );
    }
}
