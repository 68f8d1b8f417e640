//! Reading rows into entities. Every function takes a connection so it runs
//! the same inside a write transaction (with `lock`, rows are locked for the
//! rest of it) as on its own.

use super::{Dialect, db_err};
use crate::error::{Error, Result};
use crate::model::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable("directory", format!("a stored {what} is not valid: {e}"))
        .with_hint("the row was changed outside postier; fix or remove it")
}

fn text(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(db_err)
}
fn int(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(db_err)
}
fn count(row: &AnyRow, col: &str) -> Result<u64> {
    Ok(int(row, col)?.max(0) as u64)
}
fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(int(row, col)? != 0)
}

fn domain_query(d: Dialect, one: bool) -> String {
    format!(
        "SELECT d.name, d.description, d.active, d.max_mailboxes, d.max_aliases, d.quota_bytes, \
         d.default_quota_bytes, d.created_at, d.updated_at, d.version, \
         (SELECT COUNT(*) FROM mailboxes m WHERE m.domain = d.name) AS n_mailboxes, \
         (SELECT COUNT(*) FROM aliases a WHERE a.domain = d.name) AS n_aliases, \
         (SELECT {} FROM mailboxes q WHERE q.domain = d.name) AS allotted \
         FROM domains d {} ORDER BY d.name",
        d.sum_i64("q.quota_bytes"),
        if one { "WHERE d.name = ?" } else { "" },
    )
}

/// Locks the domain's row for the rest of the transaction; false if absent.
///
/// The lock is its own statement, and the counts are read after it by
/// another: a statement that waited for the lock still sees the data as it
/// was when it started (PostgreSQL's read-committed snapshot, InnoDB's
/// non-locking subqueries), so counts read in the locking statement itself
/// could miss the mailboxes the lock holder just added, and two admins
/// could overshoot a limit between them. SQLite's `BEGIN IMMEDIATE`
/// already serializes writers.
async fn lock_domain(conn: &mut AnyConnection, d: Dialect, name: &DomainName) -> Result<bool> {
    if d == Dialect::Sqlite {
        return Ok(true);
    }
    let q = format!("SELECT name FROM domains WHERE name = ?{}", d.for_update());
    let row = sqlx::query(d.sql(&q))
        .bind(name.as_ascii())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.is_some())
}

fn domain_from_row(row: &AnyRow) -> Result<Domain> {
    let name = text(row, "name")?;
    Ok(Domain {
        name: DomainName::parse(&name).map_err(|e| corrupt("domain", e))?,
        description: text(row, "description")?,
        active: flag(row, "active")?,
        mailboxes: count(row, "n_mailboxes")?,
        aliases: count(row, "n_aliases")?,
        max_mailboxes: count(row, "max_mailboxes")?,
        max_aliases: count(row, "max_aliases")?,
        quota: Size::from_stored(int(row, "quota_bytes")?),
        default_quota: Size::from_stored(int(row, "default_quota_bytes")?),
        allotted_quota: Size::from_stored(int(row, "allotted")?),
        alias_domains: Vec::new(),
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

/// One domain with its counts; `None` if absent.
pub async fn domain(
    conn: &mut AnyConnection,
    d: Dialect,
    name: &DomainName,
    lock: bool,
) -> Result<Option<Domain>> {
    if lock && !lock_domain(conn, d, name).await? {
        return Ok(None);
    }
    let q = domain_query(d, true);
    let row = sqlx::query(d.sql(&q))
        .bind(name.as_ascii())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let mut domain = domain_from_row(&row)?;
    domain.alias_domains = alias_domains(conn, d, Some(name))
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    Ok(Some(domain))
}

/// All domains with counts and alias domains, by name.
pub async fn domains(conn: &mut AnyConnection, d: Dialect) -> Result<Vec<Domain>> {
    let q = domain_query(d, false);
    let rows = sqlx::query(d.sql(&q))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut by_target: BTreeMap<DomainName, Vec<DomainName>> = BTreeMap::new();
    for a in alias_domains(conn, d, None).await? {
        by_target.entry(a.target).or_default().push(a.name);
    }
    rows.iter()
        .map(|row| {
            let mut domain = domain_from_row(row)?;
            domain.alias_domains = by_target.remove(&domain.name).unwrap_or_default();
            Ok(domain)
        })
        .collect()
}

fn alias_domain_from_row(row: &AnyRow) -> Result<AliasDomain> {
    Ok(AliasDomain {
        name: DomainName::parse(&text(row, "name")?).map_err(|e| corrupt("alias domain", e))?,
        target: DomainName::parse(&text(row, "target")?).map_err(|e| corrupt("alias domain", e))?,
        active: flag(row, "active")?,
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

const ALIAS_DOMAIN_COLUMNS: &str =
    "SELECT name, target, active, created_at, updated_at, version FROM alias_domains";

/// The rows of `select`, all or those whose `column` is `domain`, in
/// `order`.
async fn rows_where(
    conn: &mut AnyConnection,
    d: Dialect,
    select: &str,
    column: &str,
    domain: Option<&DomainName>,
    order: &str,
) -> Result<Vec<AnyRow>> {
    match domain {
        Some(domain) => {
            let q = format!("{select} WHERE {column} = ? ORDER BY {order}");
            sqlx::query(d.sql(&q))
                .bind(domain.as_ascii())
                .fetch_all(&mut *conn)
                .await
        }
        None => {
            let q = format!("{select} ORDER BY {order}");
            sqlx::query(d.sql(&q)).fetch_all(&mut *conn).await
        }
    }
    .map_err(db_err)
}

/// Alias domains, all or those pointing at `target`, by name.
pub async fn alias_domains(
    conn: &mut AnyConnection,
    d: Dialect,
    target: Option<&DomainName>,
) -> Result<Vec<AliasDomain>> {
    let rows = rows_where(conn, d, ALIAS_DOMAIN_COLUMNS, "target", target, "name").await?;
    rows.iter().map(alias_domain_from_row).collect()
}

/// One alias domain by name.
pub async fn alias_domain(
    conn: &mut AnyConnection,
    d: Dialect,
    name: &DomainName,
    lock: bool,
) -> Result<Option<AliasDomain>> {
    let q = format!(
        "{ALIAS_DOMAIN_COLUMNS} WHERE name = ?{}",
        if lock { d.for_update() } else { "" }
    );
    let row = sqlx::query(d.sql(&q))
        .bind(name.as_ascii())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(alias_domain_from_row).transpose()
}

const MAILBOX_COLUMNS: &str = "SELECT address, name, password, quota_bytes, maildir, active, created_at, updated_at, version FROM mailboxes";

fn mailbox_from_row(row: &AnyRow) -> Result<Mailbox> {
    Ok(Mailbox {
        address: Address::parse(&text(row, "address")?)
            .map_err(|e| corrupt("mailbox address", e))?,
        name: text(row, "name")?,
        password: PasswordHash::parse(&text(row, "password")?)
            .map_err(|e| corrupt("password hash", e))?,
        quota: Size::from_stored(int(row, "quota_bytes")?),
        maildir: text(row, "maildir")?,
        active: flag(row, "active")?,
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

pub async fn mailbox(
    conn: &mut AnyConnection,
    d: Dialect,
    address: &Address,
    lock: bool,
) -> Result<Option<Mailbox>> {
    let q = format!(
        "{MAILBOX_COLUMNS} WHERE address = ?{}",
        if lock { d.for_update() } else { "" }
    );
    let row = sqlx::query(d.sql(&q))
        .bind(address.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(mailbox_from_row).transpose()
}

pub async fn mailboxes(
    conn: &mut AnyConnection,
    d: Dialect,
    domain: Option<&DomainName>,
) -> Result<Vec<Mailbox>> {
    let rows = rows_where(
        conn,
        d,
        MAILBOX_COLUMNS,
        "domain",
        domain,
        "domain, address",
    )
    .await?;
    rows.iter().map(mailbox_from_row).collect()
}

/// The start of the stored hash that names its scheme (the longest
/// scheme postier knows is 12 characters).
pub(super) const FACTS_COLUMNS: &str = "SELECT address, quota_bytes, maildir, active, \
     substr(password, 1, 32) AS password_start FROM mailboxes";

/// Parses the addresses of rows in domain order, each domain name once
/// (the mailboxes of a domain follow one another).
#[derive(Default)]
pub(super) struct Addresses {
    last: Option<(String, DomainName)>,
}

impl Addresses {
    pub(super) fn parse(&mut self, input: &str) -> Result<Address> {
        let Some((local, domain)) = input.rsplit_once('@') else {
            return Address::parse(input);
        };
        let domain = match &self.last {
            Some((raw, parsed)) if raw == domain => parsed.clone(),
            _ => {
                let parsed =
                    DomainName::parse(domain).map_err(|e| e.about(format!("address {input:?}")))?;
                self.last = Some((domain.to_string(), parsed.clone()));
                parsed
            }
        };
        let local = LocalPart::parse(local).map_err(|e| e.about(format!("address {input:?}")))?;
        Address::new(local, domain).map_err(|e| e.about(format!("address {input:?}")))
    }
}

fn facts_from_row(row: &AnyRow, addresses: &mut Addresses) -> Result<MailboxFacts> {
    facts_from(
        FactsRow {
            address: &text(row, "address")?,
            quota_bytes: int(row, "quota_bytes")?,
            maildir: text(row, "maildir")?,
            active: flag(row, "active")?,
            password_start: &text(row, "password_start")?,
        },
        addresses,
    )
}

/// One row of [`FACTS_COLUMNS`], however it was read.
pub(super) struct FactsRow<'a> {
    pub address: &'a str,
    pub quota_bytes: i64,
    pub maildir: String,
    pub active: bool,
    pub password_start: &'a str,
}

pub(super) fn facts_from(row: FactsRow<'_>, addresses: &mut Addresses) -> Result<MailboxFacts> {
    let address = addresses
        .parse(row.address)
        .map_err(|e| corrupt("mailbox address", e))?;
    let scheme = PasswordHash::stored_scheme(row.password_start)
        .map_err(|e| corrupt(&format!("password hash (mailbox {address})"), e))?;
    Ok(MailboxFacts {
        address,
        quota: Size::from_stored(row.quota_bytes),
        maildir: row.maildir,
        active: row.active,
        weak_password: PasswordHash::scheme_is_weak(&scheme),
    })
}

/// [`mailboxes`]' facts, row by row (a whole service's are not held as
/// rows first).
pub async fn mailbox_facts(
    conn: &mut AnyConnection,
    d: Dialect,
    domain: Option<&DomainName>,
) -> Result<Vec<MailboxFacts>> {
    use futures::TryStreamExt;
    let q = match domain {
        Some(_) => format!("{FACTS_COLUMNS} WHERE domain = ? ORDER BY domain, address"),
        None => format!("{FACTS_COLUMNS} ORDER BY domain, address"),
    };
    let mut query = sqlx::query(d.sql(&q));
    if let Some(domain) = domain {
        query = query.bind(domain.as_ascii());
    }
    let mut rows = query.fetch(&mut *conn);
    let mut facts = Vec::new();
    let mut addresses = Addresses::default();
    while let Some(row) = rows.try_next().await.map_err(db_err)? {
        facts.push(facts_from_row(&row, &mut addresses)?);
    }
    Ok(facts)
}

const ALIAS_COLUMNS: &str = "SELECT address, active, created_at, updated_at, version FROM aliases";

fn alias_from_row(row: &AnyRow) -> Result<Alias> {
    Ok(Alias {
        address: AliasAddress::parse(&text(row, "address")?).map_err(|e| corrupt("alias", e))?,
        targets: Vec::new(),
        active: flag(row, "active")?,
        created_at: text(row, "created_at")?,
        updated_at: text(row, "updated_at")?,
        version: int(row, "version")?,
    })
}

async fn targets_of(conn: &mut AnyConnection, d: Dialect, alias: &str) -> Result<Vec<Address>> {
    let rows = sqlx::query(d.sql("SELECT target FROM alias_targets WHERE alias = ? ORDER BY seq"))
        .bind(alias)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Address::parse(&text(r, "target")?).map_err(|e| corrupt("alias target", e)))
        .collect()
}

pub async fn alias(
    conn: &mut AnyConnection,
    d: Dialect,
    address: &AliasAddress,
    lock: bool,
) -> Result<Option<Alias>> {
    let key = address.to_string();
    let q = format!(
        "{ALIAS_COLUMNS} WHERE address = ?{}",
        if lock { d.for_update() } else { "" }
    );
    let row = sqlx::query(d.sql(&q))
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let mut alias = alias_from_row(&row)?;
    alias.targets = targets_of(conn, d, &key).await?;
    Ok(Some(alias))
}

/// The addresses of the aliases that have `target` among their targets,
/// in order.
pub async fn alias_addresses_with_target(
    conn: &mut AnyConnection,
    d: Dialect,
    target: &Address,
) -> Result<Vec<AliasAddress>> {
    let rows = sqlx::query(
        d.sql("SELECT DISTINCT alias FROM alias_targets WHERE target = ? ORDER BY alias"),
    )
    .bind(target.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| AliasAddress::parse(&text(r, "alias")?).map_err(|e| corrupt("alias", e)))
        .collect()
}

/// By domain, the catch-all first (`@` sorts after digits and some
/// punctuation a local part may start with), then by address.
const ALIAS_ORDER: &str = "domain, CASE WHEN address LIKE '@%' THEN 0 ELSE 1 END, address";

pub async fn aliases(
    conn: &mut AnyConnection,
    d: Dialect,
    domain: Option<&DomainName>,
) -> Result<Vec<Alias>> {
    let alias_rows = rows_where(conn, d, ALIAS_COLUMNS, "domain", domain, ALIAS_ORDER).await?;
    let target_rows = rows_where(
        conn,
        d,
        "SELECT t.alias, t.target FROM alias_targets t JOIN aliases a ON a.address = t.alias",
        "a.domain",
        domain,
        "t.alias, t.seq",
    )
    .await?;
    let mut targets: BTreeMap<String, Vec<Address>> = BTreeMap::new();
    for row in target_rows {
        let target =
            Address::parse(&text(&row, "target")?).map_err(|e| corrupt("alias target", e))?;
        targets
            .entry(text(&row, "alias")?)
            .or_default()
            .push(target);
    }
    alias_rows
        .iter()
        .map(|row| {
            let mut alias = alias_from_row(row)?;
            alias.targets = targets
                .remove(&alias.address.to_string())
                .unwrap_or_default();
            Ok(alias)
        })
        .collect()
}

fn json_column(row: &AnyRow, col: &str) -> Result<Option<serde_json::Value>> {
    let raw: Option<String> = row.try_get(col).map_err(db_err)?;
    Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
}

pub async fn audit(conn: &mut AnyConnection, d: Dialect, limit: u64) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(d.sql(
        "SELECT id, at, actor, action, object, before_json, after_json FROM audit_log ORDER BY id DESC LIMIT ?",
    ))
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                id: int(row, "id")?,
                at: text(row, "at")?,
                actor: text(row, "actor")?,
                action: text(row, "action")?,
                object: text(row, "object")?,
                before: json_column(row, "before_json")?,
                after: json_column(row, "after_json")?,
            })
        })
        .collect()
}

pub async fn journal(
    conn: &mut AnyConnection,
    d: Dialect,
    after: i64,
    limit: u64,
) -> Result<Vec<JournalEvent>> {
    let rows = sqlx::query(d.sql(
        "SELECT id, at, event, object, payload FROM journal WHERE id > ? ORDER BY id LIMIT ?",
    ))
    .bind(after)
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|row| {
            Ok(JournalEvent {
                id: int(row, "id")?,
                at: text(row, "at")?,
                event: text(row, "event")?,
                object: text(row, "object")?,
                payload: JournalEvent::decode_payload(
                    row.try_get::<Option<String>, _>("payload")
                        .map_err(db_err)?
                        .as_deref(),
                ),
            })
        })
        .collect()
}
