//! One connection to the LDAP server (ldap3 multiplexes concurrent
//! operations over it), bound as configured and re-established when it
//! drops. Offers the few operations postier needs, with the outcomes it
//! acts on (no such entry, already exists, assertion failed, not a leaf)
//! as values and everything else as [`Error`]s.
//!
//! Listings use the paged-results control, so a directory larger than the
//! server's size limit is still read whole.

use super::entry::Entry;
use super::settings::{Bind, LdapSettings, Transport};
use crate::error::{Error, Result};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::controls::{Assertion, ControlType, PostRead, PostReadResp, RawControl};
use ldap3::{
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult, Mod, Scope, SearchEntry,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const OP_TIMEOUT: Duration = Duration::from_secs(60);
const PAGE_SIZE: i32 = 500;

// LDAP result codes (RFC 4511, RFC 4528) postier acts on.
const NO_SUCH_ATTRIBUTE: u32 = 16;
const NO_SUCH_OBJECT: u32 = 32;
const INVALID_CREDENTIALS: u32 = 49;
const INSUFFICIENT_ACCESS: u32 = 50;
const NOT_ALLOWED_ON_NON_LEAF: u32 = 66;
const ALREADY_EXISTS: u32 = 68;
const ASSERTION_FAILED: u32 = 122;

/// What a write did.
#[derive(Debug)]
pub enum Written {
    /// Applied; the entry as it is now when it was asked for (post-read).
    Done(Option<Entry>),
    NoSuchObject,
    AlreadyExists,
    /// The assertion (RFC 4528) did not hold: someone changed the entry.
    AssertionFailed,
    /// A delete of an entry that still has children.
    NotAllowedOnNonLeaf,
}

/// Attributes of a new entry, in order.
pub type Attrs = Vec<(String, HashSet<String>)>;

/// The attributes postier reads back after a write.
const READ_BACK: [&str; 3] = ["*", "createTimestamp", "modifyTimestamp"];

pub struct Conn {
    settings: Arc<LdapSettings>,
    tls: Option<Arc<rustls::ClientConfig>>,
    current: Mutex<Option<Ldap>>,
}

impl Conn {
    /// Connects and binds once, so a wrong URL or password shows at once.
    pub async fn open(settings: Arc<LdapSettings>) -> Result<Conn> {
        let tls = match settings.transport {
            Transport::StartTls | Transport::Tls => Some(settings.tls_config()?),
            Transport::Plain | Transport::Socket => None,
        };
        let conn = Conn {
            settings,
            tls,
            current: Mutex::new(None),
        };
        conn.ldap().await?;
        Ok(conn)
    }

    fn what(&self) -> String {
        format!("directory {}", self.settings.server_url)
    }

    /// A handle on the live connection, reconnecting if it dropped.
    async fn ldap(&self) -> Result<Ldap> {
        let mut current = self.current.lock().await;
        if let Some(ldap) = current.as_mut()
            && !ldap.is_closed()
        {
            return Ok(ldap.clone());
        }
        let ldap = self.connect().await?;
        *current = Some(ldap.clone());
        Ok(ldap)
    }

    async fn connect(&self) -> Result<Ldap> {
        let mut options = LdapConnSettings::new()
            .set_conn_timeout(CONNECT_TIMEOUT)
            .set_starttls(self.settings.transport == Transport::StartTls);
        if let Some(tls) = &self.tls {
            options = options.set_config(tls.clone());
        }
        let (driver, mut ldap) = LdapConnAsync::with_settings(options, &self.settings.server_url)
            .await
            .map_err(|e| self.connect_error(e))?;
        tokio::spawn(async move {
            // The connection ends with an error when the server goes away;
            // the next operation notices the closed handle and reconnects.
            let _ = driver.drive().await;
        });
        ldap.with_timeout(OP_TIMEOUT);
        let bound = match &self.settings.bind {
            Bind::Simple { dn, .. } => {
                let password = self.settings.bind_password().unwrap_or_default();
                ldap.simple_bind(dn, password).await
            }
            Bind::External => ldap.sasl_external_bind().await,
        }
        .map_err(|e| self.connect_error(e))?;
        if bound.rc != 0 {
            let hint = match (&self.settings.bind, bound.rc) {
                (Bind::Simple { dn, .. }, INVALID_CREDENTIALS) => format!(
                    "check that {dn} exists and that bind_password_file holds its password"
                ),
                (Bind::Simple { .. }, _) => "check bind_dn and bind_password_file".to_string(),
                (Bind::External, _) => {
                    "give slapd an authz-regexp for this user, or set bind_dn and bind_password_file"
                        .to_string()
                }
            };
            return Err(Error::unavailable(
                self.what(),
                format!("bind refused: {}", describe(&bound)),
            )
            .with_hint(hint));
        }
        Ok(ldap)
    }

    fn connect_error(&self, e: LdapError) -> Error {
        let why = e.to_string();
        let hint = if why.contains("certificate") || why.contains("Certificate") {
            "the server's certificate is not trusted: set [directory] ca_file to its CA (PEM)"
        } else {
            "check that slapd runs and listens on this URL"
        };
        Error::unavailable(self.what(), format!("cannot connect: {why}")).with_hint(hint)
    }

    fn op_error(&self, op: &str, dn: &str, e: LdapError) -> Error {
        if let LdapError::LdapResult { result } = &e {
            return self.result_error(op, dn, result);
        }
        Error::unavailable(self.what(), format!("{op} {dn}: {e}"))
            .with_hint("check that slapd runs; the change will be finished on the next run")
    }

    fn result_error(&self, op: &str, dn: &str, result: &LdapResult) -> Error {
        let base = Error::unavailable(self.what(), format!("{op} {dn}: {}", describe(result)));
        match result.rc {
            INSUFFICIENT_ACCESS => base.with_hint(
                "the bind DN lacks write access to the base DN: see the ACLs in docs/ldap.md",
            ),
            17 | 21 | 65 => base.with_hint("load postier's schema into slapd: see docs/ldap.md"),
            _ => base,
        }
    }

    /// The entry at `dn` if it exists and matches `filter`.
    pub async fn read(&self, dn: &str, filter: &str, attrs: &[&str]) -> Result<Option<Entry>> {
        let mut ldap = self.ldap().await?;
        let result = ldap
            .search(dn, Scope::Base, filter, attrs.to_vec())
            .await
            .map_err(|e| self.op_error("read", dn, e))?;
        if result.1.rc == NO_SUCH_OBJECT {
            return Ok(None);
        }
        let (entries, _) = result.success().map_err(|e| self.op_error("read", dn, e))?;
        Ok(entries
            .into_iter()
            .next()
            .map(|e| Entry::from_search(SearchEntry::construct(e))))
    }

    /// Every entry under `base` in `scope` that matches `filter`, a page
    /// at a time. A missing base yields nothing.
    pub async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<Entry>> {
        let mut ldap = self.ldap().await?;
        let adapters: Vec<Box<dyn Adapter<'_, &str, Vec<&str>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let mut stream = ldap
            .streaming_search_with(adapters, base, scope, filter, attrs.to_vec())
            .await
            .map_err(|e| self.op_error("search", base, e))?;
        let mut entries = Vec::new();
        while let Some(entry) = stream
            .next()
            .await
            .map_err(|e| self.op_error("search", base, e))?
        {
            entries.push(Entry::from_search(SearchEntry::construct(entry)));
        }
        let done = stream.finish().await;
        match done.rc {
            0 => Ok(entries),
            NO_SUCH_OBJECT => Ok(Vec::new()),
            _ => Err(self.result_error("search", base, &done)),
        }
    }

    /// Adds an entry and reads it back.
    pub async fn add(&self, dn: &str, attrs: Attrs) -> Result<Written> {
        let mut ldap = self.ldap().await?;
        let result = ldap
            .with_controls(PostRead::new(READ_BACK.to_vec()))
            .add(dn, attrs)
            .await
            .map_err(|e| self.op_error("add", dn, e))?;
        self.written("add", dn, result)
    }

    /// Modifies an entry, if `assertion` (a filter built by
    /// [`super::filter`]) holds for it, and reads it back.
    pub async fn modify(
        &self,
        dn: &str,
        mods: Vec<Mod<String>>,
        assertion: Option<&str>,
    ) -> Result<Written> {
        let mut ldap = self.ldap().await?;
        let mut controls = vec![PostRead::new(READ_BACK.to_vec())];
        if let Some(filter) = assertion {
            controls.push(self.assertion(filter)?);
        }
        let result = ldap
            .with_controls(controls)
            .modify(dn, mods)
            .await
            .map_err(|e| self.op_error("modify", dn, e))?;
        self.written("modify", dn, result)
    }

    /// Deletes an entry, if `assertion` holds for it.
    pub async fn delete(&self, dn: &str, assertion: Option<&str>) -> Result<Written> {
        let mut ldap = self.ldap().await?;
        if let Some(filter) = assertion {
            ldap.with_controls(vec![self.assertion(filter)?]);
        }
        let result = ldap
            .delete(dn)
            .await
            .map_err(|e| self.op_error("delete", dn, e))?;
        self.written("delete", dn, result)
    }

    /// A critical assertion control (RFC 4528). ldap3 panics on a filter it
    /// cannot parse, so the filter is checked first.
    fn assertion(&self, filter: &str) -> Result<RawControl> {
        ldap3::parse_filter(filter).map_err(|_| {
            Error::invalid(
                format!("assertion {filter:?}"),
                "is not a valid LDAP filter",
            )
        })?;
        let mut control = Assertion::new(filter);
        control.crit = true;
        Ok(control)
    }

    fn written(&self, op: &str, dn: &str, result: LdapResult) -> Result<Written> {
        Ok(match result.rc {
            0 => Written::Done(post_read(dn, &result)),
            NO_SUCH_OBJECT => Written::NoSuchObject,
            ALREADY_EXISTS => Written::AlreadyExists,
            ASSERTION_FAILED => Written::AssertionFailed,
            NOT_ALLOWED_ON_NON_LEAF => Written::NotAllowedOnNonLeaf,
            // Removing an attribute value that is already gone.
            NO_SUCH_ATTRIBUTE if op == "modify" => Written::Done(None),
            _ => return Err(self.result_error(op, dn, &result)),
        })
    }
}

fn post_read(dn: &str, result: &LdapResult) -> Option<Entry> {
    result.ctrls.iter().find_map(|control| match control.0 {
        Some(ControlType::PostReadResp) => {
            let resp: PostReadResp = control.1.parse();
            Some(Entry::from_read(dn, resp))
        }
        _ => None,
    })
}

fn describe(result: &LdapResult) -> String {
    let text = result.text.trim();
    if text.is_empty() {
        format!("result code {}", result.rc)
    } else {
        format!("{text} (result code {})", result.rc)
    }
}
