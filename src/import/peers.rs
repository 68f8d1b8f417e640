//! Other mail tools' data, read into the same rows as postier's own files
//! (so the same checks and plan apply):
//!
//! - `dms:DIR`: docker-mailserver's config folder: `postfix-accounts.cf`
//!   (`user@domain|{SCHEME}hash`), `postfix-virtual.cf` (`alias target[,
//!   target…]`, `@domain` a catch-all), `dovecot-quotas.cf`
//!   (`user@domain:SIZE`). Domains come from the addresses.
//! - `modoboa-csv:FILE`: the rows of Modoboa's `modo import`:
//!   `domain; name; quota MB; default mailbox quota MB; enabled`,
//!   `domainalias; name; target; enabled`,
//!   `account; login; password; first name; last name; enabled; role;
//!   address; quota MB`, `alias; address; enabled; recipient; …`. A
//!   password that is not a hash is taken as a plaintext (Modoboa stores
//!   such a value verbatim; postier hashes it).
//! - `postfixadmin:URL`: a PostfixAdmin database (`sqlite:PATH`,
//!   `postgres://…`, `mysql://…`): its `domain`, `mailbox`, `alias` and
//!   `alias_domain` tables. The alias PostfixAdmin keeps at every mailbox's
//!   own address and vacation (`#`) targets are left out; mailbox quotas
//!   are bytes already, domain quotas are MB × `quota_multiplier`
//!   (1024000 unless given as `?quota_multiplier=N` on the URL).

use super::rows::{Kind, Origin, RawRow, RowError, Value, split_list};
use crate::error::{Error, Result};
use crate::model::PasswordHash;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A peer source named by `--from KIND:SOURCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    Dms(PathBuf),
    ModoboaCsv(PathBuf),
    PostfixAdmin(String),
}

impl Peer {
    pub fn parse(text: &str) -> Result<Peer> {
        let hint = "write dms:DIR, modoboa-csv:FILE or postfixadmin:URL";
        let (kind, source) = text.split_once(':').ok_or_else(|| {
            Error::invalid(format!("--from {text:?}"), "names no source").with_hint(hint)
        })?;
        if source.is_empty() {
            return Err(
                Error::invalid(format!("--from {text:?}"), "names no source").with_hint(hint),
            );
        }
        match kind {
            "dms" | "docker-mailserver" => Ok(Peer::Dms(source.into())),
            "modoboa-csv" | "modoboa" => Ok(Peer::ModoboaCsv(source.into())),
            "postfixadmin" => Ok(Peer::PostfixAdmin(source.to_string())),
            _ => Err(
                Error::invalid(format!("--from {kind:?}"), "is not a source postier reads")
                    .with_hint(hint),
            ),
        }
    }

    /// Reads the source into rows and the problems found.
    pub async fn read(&self) -> Result<(Vec<RawRow>, Vec<RowError>)> {
        match self {
            Peer::Dms(dir) => read_dms(dir),
            Peer::ModoboaCsv(file) => {
                let text = read_text(file)?;
                Ok(read_modoboa(&file.display().to_string(), &text))
            }
            Peer::PostfixAdmin(url) => read_postfixadmin(url).await,
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    let shown = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| Error::invalid(format!("file {shown}"), e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::invalid(format!("file {shown}"), "is not UTF-8 text")
            .with_hint("convert it to UTF-8 first (iconv)")
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string())
}

fn cell_value(v: impl Into<String>) -> Value {
    Value::Text(v.into())
}

fn row(file: &str, line: u64, kind: Kind, fields: Vec<(&str, Value)>) -> RawRow {
    RawRow {
        origin: Origin {
            file: file.to_string(),
            line,
        },
        kind,
        fields: fields
            .into_iter()
            .filter(|(_, v)| !matches!(v, Value::Text(t) if t.is_empty()))
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// The lines of a config file that hold data: numbered, comments and
/// blank lines left out.
fn data_lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// The domains of `addresses`, one domain row each (settings untouched).
fn domain_rows(file: &str, seen: Vec<(String, u64)>) -> Vec<RawRow> {
    let mut done = BTreeSet::new();
    let mut rows = Vec::new();
    for (domain, line) in seen {
        let key = domain.to_lowercase();
        if done.insert(key) {
            rows.push(row(
                file,
                line,
                Kind::Domain,
                vec![("name", cell_value(domain))],
            ));
        }
    }
    rows
}

fn read_dms(dir: &Path) -> Result<(Vec<RawRow>, Vec<RowError>)> {
    let accounts_path = dir.join("postfix-accounts.cf");
    if !accounts_path.exists() {
        return Err(Error::invalid(
            format!("dms:{}", dir.display()),
            "holds no postfix-accounts.cf",
        )
        .with_hint("name docker-mailserver's config folder (docker-data/dms/config)"));
    }
    let optional = |path: PathBuf| -> Result<Option<DmsFile>> {
        if path.exists() {
            let text = read_text(&path)?;
            Ok(Some(DmsFile {
                name: path.display().to_string(),
                text,
            }))
        } else {
            Ok(None)
        }
    };
    let quotas = optional(dir.join("dovecot-quotas.cf"))?;
    let accounts = DmsFile {
        name: accounts_path.display().to_string(),
        text: read_text(&accounts_path)?,
    };
    let virtual_ = optional(dir.join("postfix-virtual.cf"))?;
    Ok(read_dms_files(
        &accounts,
        quotas.as_ref(),
        virtual_.as_ref(),
    ))
}

/// One docker-mailserver config file: its name (shown in errors) and text.
#[derive(Debug, Clone)]
pub struct DmsFile {
    pub name: String,
    pub text: String,
}

/// Reads docker-mailserver's files, already read from its config folder:
/// `postfix-accounts.cf`, and `dovecot-quotas.cf` and `postfix-virtual.cf`
/// when the folder has them.
pub fn read_dms_files(
    accounts: &DmsFile,
    quotas: Option<&DmsFile>,
    virtual_: Option<&DmsFile>,
) -> (Vec<RawRow>, Vec<RowError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut domains = Vec::new();
    let quotas_file = quotas.map(|q| q.name.clone()).unwrap_or_default();
    let quotas: Vec<(u64, String, String)> = match quotas {
        Some(q) => data_lines(&q.text)
            .filter_map(|(n, l)| {
                l.split_once(':')
                    .map(|(a, q)| (n, a.trim().to_lowercase(), q.trim().to_string()))
            })
            .collect(),
        None => Vec::new(),
    };
    let file = accounts.name.clone();
    let mut addresses = BTreeSet::new();
    for (n, line) in data_lines(&accounts.text) {
        // user@domain|{SCHEME}hash[|userdb fields]
        let mut parts = line.split('|');
        let address = parts.next().unwrap_or("").trim();
        let Some(hash) = parts.next().map(str::trim) else {
            errors.push(RowError::new(
                &Origin {
                    file: file.clone(),
                    line: n,
                },
                Error::invalid("account line", "has no |{SCHEME}hash after the address"),
            ));
            continue;
        };
        if let Some((_, d)) = address.rsplit_once('@') {
            domains.push((d.to_string(), n));
        }
        addresses.insert(address.to_lowercase());
        let quota = quotas
            .iter()
            .find(|(_, a, _)| *a == address.to_lowercase())
            .map(|(_, _, q)| q.clone())
            .unwrap_or_default();
        rows.push(row(
            &file,
            n,
            Kind::Mailbox,
            vec![
                ("address", cell_value(address)),
                ("password", cell_value(hash)),
                ("quota", cell_value(quota)),
            ],
        ));
    }
    for (n, address, _) in &quotas {
        if !addresses.contains(address) {
            errors.push(RowError::new(
                &Origin {
                    file: quotas_file.clone(),
                    line: *n,
                },
                Error::invalid(
                    format!("quota of {address}"),
                    "is for an address postfix-accounts.cf does not have",
                ),
            ));
        }
    }
    if let Some(v) = virtual_ {
        let file = v.name.clone();
        for (n, line) in data_lines(&v.text) {
            let (source, targets) = line
                .split_once(char::is_whitespace)
                .map(|(s, t)| (s.trim(), t.trim()))
                .unwrap_or((line, ""));
            if let Some((_, d)) = source.rsplit_once('@') {
                domains.push((d.to_string(), n));
            }
            rows.push(row(
                &file,
                n,
                Kind::Alias,
                vec![
                    ("address", cell_value(source)),
                    ("targets", Value::List(split_list(targets))),
                ],
            ));
        }
    }
    let mut all = domain_rows(&file, domains);
    all.extend(rows);
    (all, errors)
}

/// Modoboa's quotas are MB (MiB, as its Dovecot rules read them).
fn megabytes(cell: &str) -> String {
    match cell.trim() {
        "" => String::new(),
        n if n.chars().all(|c| c.is_ascii_digit()) => format!("{n}M"),
        other => other.to_string(),
    }
}

/// Modoboa's booleans: true, 1, yes, y (any case); anything else is false.
fn modoboa_bool(cell: &str) -> String {
    let yes = ["true", "1", "yes", "y"].contains(&cell.trim().to_lowercase().as_str());
    yes.to_string()
}

pub fn read_modoboa(file: &str, text: &str) -> (Vec<RawRow>, Vec<RowError>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(RowError::new(
                    &Origin {
                        file: file.to_string(),
                        line,
                    },
                    Error::invalid("CSV row", e.to_string()),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map(|p| super::format::line_at(text, p.byte()))
            .unwrap_or(0);
        let cell = |i: usize| record.get(i).unwrap_or("").to_string();
        let origin = Origin {
            file: file.to_string(),
            line,
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let short = |need: usize, what: &str| {
            RowError::new(
                &origin,
                Error::invalid(
                    format!("{what} row"),
                    format!("has {} fields, Modoboa's has at least {need}", record.len()),
                ),
            )
        };
        match cell(0).to_lowercase().as_str() {
            "domain" => {
                if record.len() < 4 {
                    errors.push(short(4, "domain"));
                    continue;
                }
                // Newer Modoboa: name; quota; default quota; enabled.
                // Older: name; quota; enabled.
                let (default_quota, enabled) = if record.len() >= 5 {
                    (megabytes(&cell(3)), cell(4))
                } else {
                    (String::new(), cell(3))
                };
                rows.push(row(
                    file,
                    line,
                    Kind::Domain,
                    vec![
                        ("name", cell_value(cell(1))),
                        ("quota", cell_value(megabytes(&cell(2)))),
                        ("default_quota", cell_value(default_quota)),
                        ("active", cell_value(modoboa_bool(&enabled))),
                    ],
                ));
            }
            "domainalias" => {
                if record.len() < 3 {
                    errors.push(short(3, "domainalias"));
                    continue;
                }
                rows.push(row(
                    file,
                    line,
                    Kind::AliasDomain,
                    vec![
                        ("name", cell_value(cell(1))),
                        ("target", cell_value(cell(2))),
                        ("active", cell_value(modoboa_bool(&cell(3)))),
                    ],
                ));
            }
            "account" => {
                if record.len() < 7 {
                    errors.push(short(7, "account"));
                    continue;
                }
                let address = if cell(7).is_empty() { cell(1) } else { cell(7) };
                let password = cell(2);
                let looks_hashed = password.starts_with('{')
                    || (password.starts_with('$') && PasswordHash::parse_any(&password).is_ok());
                let (key, value) = if looks_hashed {
                    ("password", password)
                } else {
                    ("password_plain", password)
                };
                let name = format!("{} {}", cell(3), cell(4)).trim().to_string();
                rows.push(row(
                    file,
                    line,
                    Kind::Mailbox,
                    vec![
                        ("address", cell_value(address)),
                        ("name", cell_value(name)),
                        (key, cell_value(value)),
                        ("active", cell_value(modoboa_bool(&cell(5)))),
                        ("quota", cell_value(megabytes(&cell(8)))),
                    ],
                ));
            }
            "alias" => {
                if record.len() < 4 {
                    errors.push(short(4, "alias"));
                    continue;
                }
                let targets: Vec<String> = record
                    .iter()
                    .skip(3)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect();
                rows.push(row(
                    file,
                    line,
                    Kind::Alias,
                    vec![
                        ("address", cell_value(cell(1))),
                        ("active", cell_value(modoboa_bool(&cell(2)))),
                        ("targets", Value::List(targets)),
                    ],
                ));
            }
            other => errors.push(RowError::new(
                &origin,
                Error::invalid(
                    format!("row type {other:?}"),
                    "is not one postier imports from Modoboa",
                )
                .with_hint("postier reads domain, domainalias, account and alias rows (relay domains are not hosted mail)"),
            )),
        }
    }
    (rows, errors)
}

/// PostfixAdmin's default `$CONF['quota_multiplier']`.
const POSTFIXADMIN_MULTIPLIER: i64 = 1_024_000;

async fn read_postfixadmin(url: &str) -> Result<(Vec<RawRow>, Vec<RowError>)> {
    use sqlx::{AnyConnection, Connection, Row};
    sqlx::any::install_default_drivers();
    let shown = crate::config::redact_url(url);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut multiplier = POSTFIXADMIN_MULTIPLIER;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("quota_multiplier", n)) => {
                multiplier = n.parse().map_err(|_| {
                    Error::invalid(format!("quota_multiplier {n:?}"), "is not a whole number")
                })?
            }
            _ => kept.push(pair),
        }
    }
    let connect_url = match base.strip_prefix("sqlite:") {
        Some(path) => {
            let path = path.strip_prefix("//").unwrap_or(path);
            if !Path::new(path).exists() {
                return Err(Error::not_found(format!("PostfixAdmin database {path}")));
            }
            format!("sqlite://{path}?mode=ro")
        }
        None if kept.is_empty() => base.to_string(),
        None => format!("{base}?{}", kept.join("&")),
    };
    let what = format!("PostfixAdmin database {shown}");
    let failed = |e: sqlx::Error| Error::unavailable(what.clone(), e.to_string());
    let mut conn = AnyConnection::connect(&connect_url).await.map_err(failed)?;
    let origin = |table: &str, n: usize| Origin {
        file: format!("postfixadmin:{table}"),
        line: n as u64 + 1,
    };
    let int = |r: &sqlx::any::AnyRow, col: &str| -> i64 {
        r.try_get::<i64, _>(col)
            .or_else(|_| r.try_get::<i32, _>(col).map(i64::from))
            .or_else(|_| r.try_get::<bool, _>(col).map(i64::from))
            .or_else(|_| {
                r.try_get::<String, _>(col).map(|s| {
                    s.trim()
                        .parse::<i64>()
                        .unwrap_or(i64::from(s == "t" || s == "true"))
                })
            })
            .unwrap_or(0)
    };
    let string = |r: &sqlx::any::AnyRow, col: &str| -> String {
        r.try_get::<String, _>(col).unwrap_or_default()
    };
    let bytes_of_mb = |mb: i64| -> String {
        if mb <= 0 {
            "0".into()
        } else {
            mb.saturating_mul(multiplier).to_string()
        }
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();

    // CAST keeps every column one integer type on every database (sqlx's
    // Any driver decodes neither BOOLEAN nor TINYINT(1) as an integer).
    let mysql = connect_url.starts_with("mysql") || connect_url.starts_with("mariadb");
    let cast = |col: &str| -> String {
        if mysql {
            format!("CAST({col} AS SIGNED) AS {col}")
        } else {
            format!("CAST({col} AS INTEGER) AS {col}")
        }
    };
    let q = format!(
        "SELECT domain, description, {}, {}, {}, {}, {} FROM domain WHERE domain <> 'ALL' ORDER BY domain",
        cast("aliases"),
        cast("mailboxes"),
        cast("maxquota"),
        cast("quota"),
        cast("active")
    );
    let domains = sqlx::query(sqlx::AssertSqlSafe(q))
        .fetch_all(&mut conn)
        .await
        .map_err(failed)?;
    for (n, r) in domains.iter().enumerate() {
        let limit = |v: i64| {
            if v < 0 {
                "0".to_string()
            } else {
                v.to_string()
            }
        };
        rows.push(RawRow {
            origin: origin("domain", n),
            kind: Kind::Domain,
            fields: vec![
                ("name".into(), cell_value(string(r, "domain"))),
                ("description".into(), cell_value(string(r, "description"))),
                ("max_aliases".into(), cell_value(limit(int(r, "aliases")))),
                (
                    "max_mailboxes".into(),
                    cell_value(limit(int(r, "mailboxes"))),
                ),
                ("quota".into(), cell_value(bytes_of_mb(int(r, "quota")))),
                (
                    "default_quota".into(),
                    cell_value(bytes_of_mb(int(r, "maxquota"))),
                ),
                (
                    "active".into(),
                    cell_value((int(r, "active") != 0).to_string()),
                ),
            ],
        });
    }
    let q = format!(
        "SELECT alias_domain, target_domain, {} FROM alias_domain ORDER BY alias_domain",
        cast("active")
    );
    for (n, r) in sqlx::query(sqlx::AssertSqlSafe(q))
        .fetch_all(&mut conn)
        .await
        .map_err(failed)?
        .iter()
        .enumerate()
    {
        rows.push(RawRow {
            origin: origin("alias_domain", n),
            kind: Kind::AliasDomain,
            fields: vec![
                ("name".into(), cell_value(string(r, "alias_domain"))),
                ("target".into(), cell_value(string(r, "target_domain"))),
                (
                    "active".into(),
                    cell_value((int(r, "active") != 0).to_string()),
                ),
            ],
        });
    }
    let q = format!(
        "SELECT username, password, name, {}, {} FROM mailbox ORDER BY username",
        cast("quota"),
        cast("active")
    );
    let mut mailboxes = BTreeSet::new();
    for (n, r) in sqlx::query(sqlx::AssertSqlSafe(q))
        .fetch_all(&mut conn)
        .await
        .map_err(failed)?
        .iter()
        .enumerate()
    {
        let username = string(r, "username");
        mailboxes.insert(username.to_lowercase());
        let quota = int(r, "quota");
        rows.push(RawRow {
            origin: origin("mailbox", n),
            kind: Kind::Mailbox,
            fields: vec![
                ("address".into(), cell_value(username)),
                ("name".into(), cell_value(string(r, "name"))),
                ("password".into(), cell_value(string(r, "password"))),
                ("quota".into(), cell_value(quota.max(0).to_string())),
                (
                    "active".into(),
                    cell_value((int(r, "active") != 0).to_string()),
                ),
            ],
        });
    }
    let q = format!(
        "SELECT address, goto, {} FROM alias ORDER BY address",
        cast("active")
    );
    for (n, r) in sqlx::query(sqlx::AssertSqlSafe(q))
        .fetch_all(&mut conn)
        .await
        .map_err(failed)?
        .iter()
        .enumerate()
    {
        let address = string(r, "address");
        let own = address.to_lowercase();
        // Vacation targets (user#domain@autoreply…) and the mailbox's own
        // address are PostfixAdmin's plumbing, not forwarding.
        let targets: Vec<String> = split_list(&string(r, "goto"))
            .into_iter()
            .filter(|t| !t.contains('#') && t.to_lowercase() != own)
            .collect();
        if mailboxes.contains(&own) {
            if targets.is_empty() {
                continue;
            }
            errors.push(RowError::new(
                &origin("alias", n),
                Error::refused(
                    format!("mailbox {address}"),
                    format!("also forwards to {}", targets.join(", ")),
                )
                .with_hint("postier keeps mailboxes and aliases apart: forward with a Sieve rule, or make it an alias"),
            ));
            continue;
        }
        if targets.is_empty() {
            continue;
        }
        rows.push(RawRow {
            origin: origin("alias", n),
            kind: Kind::Alias,
            fields: vec![
                ("address".into(), cell_value(address)),
                ("targets".into(), Value::List(targets)),
                (
                    "active".into(),
                    cell_value((int(r, "active") != 0).to_string()),
                ),
            ],
        });
    }
    let _ = conn.close().await;
    Ok((rows, errors))
}
