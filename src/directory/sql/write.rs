//! Applying a [`Change`] inside one transaction: read what it touches
//! (locked), check it, write it, and append the audit entry and the journal
//! event. Any error leaves the transaction to be rolled back by the caller.

use super::{Dialect, db_err, read};
use crate::directory::rules::{self, check_targets, check_version, lost_race, not_found_domain};
use crate::error::{Error, Result};
use crate::model::*;
use serde_json::Value;
use sqlx::AnyConnection;

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub(crate) async fn exec(
    conn: &mut AnyConnection,
    d: Dialect,
    q: &str,
    args: Vec<Arg>,
) -> Result<u64> {
    Ok(exec_raw(conn, d, q, args)
        .await
        .map_err(db_err)?
        .rows_affected())
}

async fn exec_raw(
    conn: &mut AnyConnection,
    d: Dialect,
    q: &str,
    args: Vec<Arg>,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    let mut query = sqlx::query(d.sql(q));
    for a in args {
        query = match a {
            Arg::Text(s) => query.bind(s),
            Arg::Int(i) => query.bind(i),
            Arg::Null => query.bind(None::<String>),
        };
    }
    query.execute(&mut *conn).await
}

/// Inserts the row of a new object, or fails with `taken` when its key is
/// in use. Absence is not checked with a lock beforehand: a lock on a
/// missing row takes gap locks in InnoDB, and concurrent creators then
/// deadlock. The unique key has the last word instead.
async fn insert_new(
    conn: &mut AnyConnection,
    d: Dialect,
    taken: Error,
    q: &str,
    args: Vec<Arg>,
) -> Result<()> {
    match exec_raw(conn, d, q, args).await {
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(taken),
        other => other.map(drop).map_err(db_err),
    }
}

/// A bound value (the `Any` driver takes owned values).
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Null,
}

pub(crate) fn t(s: impl ToString) -> Arg {
    Arg::Text(s.to_string())
}
pub(crate) fn i(v: impl TryInto<i64>) -> Arg {
    Arg::Int(v.try_into().unwrap_or(i64::MAX))
}
pub(crate) fn b(v: bool) -> Arg {
    Arg::Int(v as i64)
}

/// The audit entries and journal events of the changes made in one
/// transaction, in the order of the changes, written together (a few
/// multi-row INSERTs) just before it commits. Nothing in the transaction
/// reads them back, so writing them last changes nothing but the time.
#[derive(Default)]
pub(crate) struct Records {
    entries: Vec<Record>,
}

/// An entry with the object before and after the change, as JSON text
/// (made once, for both the audit entry and the journal event).
struct Record {
    at: String,
    actor: String,
    action: &'static str,
    object: String,
    before: Option<String>,
    after: Option<String>,
}

impl Records {
    pub(crate) fn push(
        &mut self,
        change: &Change,
        actor: &str,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        self.entries.push(Record {
            at: now(),
            actor: actor.to_string(),
            action: change.action(),
            object: change.object(),
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
        });
    }

    /// [`Records::push`] for a created object, serialized straight to
    /// JSON text (an import's many new mailboxes).
    pub(crate) fn push_created<T: serde::Serialize>(
        &mut self,
        change: &Change,
        actor: &str,
        after: &T,
    ) {
        self.entries.push(Record {
            at: now(),
            actor: actor.to_string(),
            action: change.action(),
            object: change.object(),
            before: None,
            after: serde_json::to_string(after).ok(),
        });
    }

    /// Writes every entry and event held, in order, and forgets them.
    pub(crate) async fn write(&mut self, conn: &mut AnyConnection, d: Dialect) -> Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.entries);
        let opt = |v: &Option<String>| v.as_ref().map(t).unwrap_or(Arg::Null);
        let audit = entries
            .iter()
            .map(|r| {
                vec![
                    t(&r.at),
                    t(&r.actor),
                    t(r.action),
                    t(&r.object),
                    opt(&r.before),
                    opt(&r.after),
                ]
            })
            .collect();
        insert_rows(
            conn,
            d,
            "INSERT INTO audit_log (at, actor, action, object, before_json, after_json) VALUES ",
            audit,
        )
        .await?;
        take_journal_turn(conn, d).await?;
        let journal = entries
            .into_iter()
            .map(|r| {
                // `{"actor": …, "after": …, "before": …}`, from the JSON
                // texts already made.
                let payload = format!(
                    r#"{{"actor":{},"after":{},"before":{}}}"#,
                    Value::String(r.actor),
                    r.after.as_deref().unwrap_or("null"),
                    r.before.as_deref().unwrap_or("null"),
                );
                vec![
                    Arg::Text(r.at),
                    t(r.action),
                    Arg::Text(r.object),
                    Arg::Text(payload),
                ]
            })
            .collect();
        insert_rows(
            conn,
            d,
            "INSERT INTO journal (at, event, object, payload) VALUES ",
            journal,
        )
        .await
    }
}

/// How many values one statement binds at most: under SQLite's limit
/// (32,766) and far under PostgreSQL's and MariaDB's (65,535).
const MAX_BINDS: usize = 8_000;

/// Runs `head` (`INSERT INTO t (a, b) VALUES `) over `rows`, as many rows
/// per statement as [`MAX_BINDS`] allows. The rows go in their order, so
/// generated ids follow it.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    d: Dialect,
    head: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let per_statement = (MAX_BINDS / width.max(1)).max(1);
    let tuple = format!("({})", vec!["?"; width].join(", "));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per_statement).collect();
        let q = format!("{head}{}", vec![tuple.as_str(); chunk.len()].join(", "));
        exec(conn, d, &q, chunk.into_iter().flatten().collect()).await?;
    }
    Ok(())
}

/// Before journal events are written in a transaction: on PostgreSQL and
/// MariaDB their ids become visible in journal order only if they are
/// taken one writer at a time and held to the commit (SQLite's BEGIN
/// IMMEDIATE already does that) — the hooks' cursors rely on it; on
/// PostgreSQL a NOTIFY, delivered at commit (never on rollback), wakes
/// `hooks watch`.
async fn take_journal_turn(conn: &mut AnyConnection, d: Dialect) -> Result<()> {
    if d != Dialect::Sqlite {
        exec(
            conn,
            d,
            "UPDATE journal_writer SET n = n + 1 WHERE id = 1",
            vec![],
        )
        .await?;
    }
    if d == Dialect::Postgres {
        exec(conn, d, "NOTIFY postier_journal", vec![]).await?;
    }
    Ok(())
}

/// Appends the event of one of postier's own jobs, stamped now.
pub(crate) async fn record_job_event(
    conn: &mut AnyConnection,
    d: Dialect,
    event: &str,
    object: &str,
    payload: Value,
) -> Result<()> {
    take_journal_turn(conn, d).await?;
    exec(
        conn,
        d,
        "INSERT INTO journal (at, event, object, payload) VALUES (?, ?, ?, ?)",
        vec![t(now()), t(event), t(object), t(payload)],
    )
    .await?;
    Ok(())
}

/// Runs the versioned UPDATE of `what` (its last bind is the version
/// read): no row updated means someone else changed it in between.
async fn update_versioned(
    conn: &mut AnyConnection,
    d: Dialect,
    what: &str,
    q: &str,
    args: Vec<Arg>,
) -> Result<()> {
    match exec(conn, d, q, args).await? {
        1 => Ok(()),
        _ => Err(lost_race(what)),
    }
}

/// Records a change that turned `before` into `after`.
fn record_edit<T: serde::Serialize>(
    records: &mut Records,
    change: &Change,
    actor: &str,
    before: &T,
    after: &T,
) {
    records.push(change, actor, Some(json(before)), Some(json(after)));
}

/// The object read, or "not found" naming `what`.
fn found<T>(read: Option<T>, what: &str) -> Result<T> {
    read.ok_or_else(|| Error::not_found(what))
}

pub(crate) async fn locked_domain(
    conn: &mut AnyConnection,
    d: Dialect,
    name: &DomainName,
) -> Result<Domain> {
    match read::domain(conn, d, name, true).await? {
        Some(domain) => Ok(domain),
        None => match read::alias_domain(conn, d, name, false).await? {
            Some(a) => Err(Error::refused(
                format!("domain {name}"),
                format!("is an alias domain of {}", a.target),
            )
            .with_hint(format!("add it to {} instead", a.target))),
            None => Err(not_found_domain(name)),
        },
    }
}

/// An address is a mailbox or an alias, never both: Postfix would hand a
/// mailbox's mail to an alias of the same address. Checked after the
/// domain lock, so two admins cannot race past it.
async fn refuse_alias_at(conn: &mut AnyConnection, d: Dialect, address: &Address) -> Result<()> {
    let alias = AliasAddress::Address(address.clone());
    match read::alias(conn, d, &alias, false).await? {
        Some(_) => Err(rules::address_is_alias(address)),
        None => Ok(()),
    }
}

async fn refuse_mailbox_at(
    conn: &mut AnyConnection,
    d: Dialect,
    address: &AliasAddress,
) -> Result<()> {
    let AliasAddress::Address(address) = address else {
        return Ok(());
    };
    match read::mailbox(conn, d, address, false).await? {
        Some(_) => Err(rules::address_is_mailbox(address)),
        None => Ok(()),
    }
}

/// Each of `targets` in a hosted domain must be a mailbox or an alias, and
/// one in an alias domain must be so in its target domain; addresses
/// elsewhere are free. `own` (the alias itself) counts as existing.
async fn check_targets_exist(
    conn: &mut AnyConnection,
    d: Dialect,
    own: &AliasAddress,
    targets: &[Address],
) -> Result<()> {
    for target in targets {
        if matches!(own, AliasAddress::Address(a) if a == target) {
            continue;
        }
        let domain = target.domain();
        let resolved = if read::domain(conn, d, domain, false).await?.is_some() {
            target.clone()
        } else if let Some(alias_domain) = read::alias_domain(conn, d, domain, false).await? {
            Address::new(target.local().clone(), alias_domain.target)?
        } else {
            continue;
        };
        let as_alias = AliasAddress::Address(resolved.clone());
        if read::mailbox(conn, d, &resolved, false).await?.is_none()
            && read::alias(conn, d, &as_alias, false).await?.is_none()
        {
            return Err(rules::unknown_target(own, target));
        }
    }
    Ok(())
}

/// The aliases that have any of `forms` among their targets, each once.
async fn aliases_targeting(
    conn: &mut AnyConnection,
    d: Dialect,
    forms: &[Address],
) -> Result<Vec<Alias>> {
    let mut found: Vec<Alias> = Vec::new();
    for form in forms {
        for address in read::alias_addresses_with_target(conn, d, form).await? {
            if found.iter().any(|a| a.address == address) {
                continue;
            }
            if let Some(alias) = read::alias(conn, d, &address, true).await? {
                found.push(alias);
            }
        }
    }
    Ok(found)
}

/// Applies `change`; its audit entry and journal event join `records`,
/// for the caller to write before the commit.
pub async fn apply(
    conn: &mut AnyConnection,
    d: Dialect,
    change: &Change,
    actor: &str,
    records: &mut Records,
) -> Result<Applied> {
    match change {
        Change::AddDomain { name, settings } => {
            let what = format!("domain {name}");
            if read::domain(conn, d, name, false).await?.is_some() {
                return Err(Error::already_exists(&what));
            }
            if let Some(a) = read::alias_domain(conn, d, name, false).await? {
                return Err(Error::already_exists(&what)
                    .with_hint(format!("it is an alias domain of {}", a.target)));
            }
            let at = now();
            insert_new(
                conn,
                d,
                Error::already_exists(&what),
                "INSERT INTO domains (name, description, active, max_mailboxes, max_aliases, quota_bytes, \
                 default_quota_bytes, created_at, updated_at, version) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 1)",
                vec![
                    t(name),
                    t(&settings.description),
                    i(settings.max_mailboxes),
                    i(settings.max_aliases),
                    i(settings.quota.as_i64()),
                    i(settings.default_quota.as_i64()),
                    t(&at),
                    t(&at),
                ],
            )
            .await?;
            let domain = found(read::domain(conn, d, name, false).await?, &what)?;
            records.push(change, actor, None, Some(json(&domain)));
            Ok(Applied::Domain(domain))
        }

        Change::EditDomain {
            name,
            patch,
            if_version,
        } => {
            let what = format!("domain {name}");
            let before = locked_domain(conn, d, name).await?;
            check_version(&what, before.version, *if_version)?;
            let max_mailboxes = patch.max_mailboxes.unwrap_or(before.max_mailboxes);
            let max_aliases = patch.max_aliases.unwrap_or(before.max_aliases);
            let quota = patch.quota.unwrap_or(before.quota);
            rules::check_new_limits(&before, max_mailboxes, max_aliases, quota)?;
            update_versioned(
                conn,
                d,
                &what,
                "UPDATE domains SET description = ?, active = ?, max_mailboxes = ?, max_aliases = ?, quota_bytes = ?, \
                 default_quota_bytes = ?, updated_at = ?, version = version + 1 WHERE name = ? AND version = ?",
                vec![
                    t(patch.description.as_ref().unwrap_or(&before.description)),
                    b(patch.active.unwrap_or(before.active)),
                    i(max_mailboxes),
                    i(max_aliases),
                    i(quota.as_i64()),
                    i(patch.default_quota.unwrap_or(before.default_quota).as_i64()),
                    t(now()),
                    t(name),
                    i(before.version),
                ],
            )
            .await?;
            let after = locked_domain(conn, d, name).await?;
            record_edit(records, change, actor, &before, &after);
            Ok(Applied::Domain(after))
        }

        Change::RemoveDomain { name, cascade } => {
            let before = locked_domain(conn, d, name).await?;
            rules::admit_domain_removal(&before, *cascade)?;
            let (mailboxes, aliases) = if *cascade {
                (
                    read::mailboxes(conn, d, Some(name)).await?,
                    read::aliases(conn, d, Some(name)).await?,
                )
            } else {
                (Vec::new(), Vec::new())
            };
            let (removal, before_json) = DomainRemoval::of(&before, &mailboxes, &aliases);
            if *cascade {
                exec(conn, d, "DELETE FROM alias_targets WHERE alias IN (SELECT address FROM aliases WHERE domain = ?)", vec![t(name)]).await?;
                for table in ["aliases", "mailboxes"] {
                    exec(
                        conn,
                        d,
                        &format!("DELETE FROM {table} WHERE domain = ?"),
                        vec![t(name)],
                    )
                    .await?;
                }
                exec(
                    conn,
                    d,
                    "DELETE FROM alias_domains WHERE target = ?",
                    vec![t(name)],
                )
                .await?;
            }
            exec(conn, d, "DELETE FROM domains WHERE name = ?", vec![t(name)]).await?;
            records.push(change, actor, Some(before_json), None);
            Ok(Applied::DomainRemoved(removal))
        }

        Change::AddAliasDomain { name, target } => {
            if name == target {
                return Err(Error::invalid(
                    format!("alias domain {name}"),
                    "cannot point at itself",
                ));
            }
            if read::alias_domain(conn, d, name, false).await?.is_some() {
                return Err(Error::already_exists(format!("alias domain {name}")));
            }
            if read::domain(conn, d, name, false).await?.is_some() {
                return Err(Error::already_exists(format!("domain {name}"))
                    .with_hint("a hosted domain cannot also be an alias domain"));
            }
            // The target must be a real domain, not another alias domain.
            locked_domain(conn, d, target).await?;
            let at = now();
            insert_new(
                conn,
                d,
                Error::already_exists(format!("alias domain {name}")),
                "INSERT INTO alias_domains (name, target, active, created_at, updated_at, version) VALUES (?, ?, 1, ?, ?, 1)",
                vec![t(name), t(target), t(&at), t(&at)],
            )
            .await?;
            let created = read::alias_domain(conn, d, name, false)
                .await?
                .ok_or_else(|| Error::not_found(format!("alias domain {name}")))?;
            records.push(change, actor, None, Some(json(&created)));
            Ok(Applied::AliasDomain(created))
        }

        Change::EditAliasDomain {
            name,
            patch,
            if_version,
        } => {
            let what = format!("alias domain {name}");
            if patch.target.as_ref() == Some(name) {
                return Err(Error::invalid(what, "cannot point at itself"));
            }
            // Domain before alias domain, the order every change locks in.
            // The new target must be a hosted domain, not an alias domain.
            if let Some(target) = &patch.target {
                locked_domain(conn, d, target).await?;
            }
            let before = found(read::alias_domain(conn, d, name, true).await?, &what)?;
            check_version(&what, before.version, *if_version)?;
            let target = patch.target.as_ref().unwrap_or(&before.target);
            update_versioned(
                conn,
                d,
                &what,
                "UPDATE alias_domains SET target = ?, active = ?, updated_at = ?, version = version + 1 \
                 WHERE name = ? AND version = ?",
                vec![
                    t(target),
                    b(patch.active.unwrap_or(before.active)),
                    t(now()),
                    t(name),
                    i(before.version),
                ],
            )
            .await?;
            let after = found(read::alias_domain(conn, d, name, false).await?, &what)?;
            record_edit(records, change, actor, &before, &after);
            Ok(Applied::AliasDomain(after))
        }

        Change::RemoveAliasDomain { name } => {
            let before = read::alias_domain(conn, d, name, true)
                .await?
                .ok_or_else(|| Error::not_found(format!("alias domain {name}")))?;
            exec(
                conn,
                d,
                "DELETE FROM alias_domains WHERE name = ?",
                vec![t(name)],
            )
            .await?;
            records.push(change, actor, Some(json(&before)), None);
            Ok(Applied::Removed)
        }

        Change::AddMailbox(new) => {
            let what = format!("mailbox {}", new.address);
            let exists = || {
                Error::already_exists(&what).with_hint(format!(
                    "change it with: postier mailbox edit {}",
                    new.address
                ))
            };
            let domain = locked_domain(conn, d, new.address.domain()).await?;
            let quota = rules::effective_quota(&domain, new.quota);
            if let Err(refusal) = rules::admit_mailbox(&domain, quota) {
                // That the mailbox exists already is the better answer.
                return match read::mailbox(conn, d, &new.address, false).await? {
                    Some(_) => Err(exists()),
                    None => Err(refusal),
                };
            }
            refuse_alias_at(conn, d, &new.address).await?;
            // Built here rather than read back: this is the hot path of
            // imports, and every round trip counts on a server.
            let at = now();
            let created = Mailbox {
                address: new.address.clone(),
                name: new.name.clone(),
                password: new.password.clone(),
                quota,
                maildir: Mailbox::maildir_for(&new.address),
                active: new.active,
                created_at: at.clone(),
                updated_at: at,
                version: 1,
            };
            // The domain lock serializes creators; the unique key is
            // what proves the address free.
            insert_new(
                conn,
                d,
                exists(),
                "INSERT INTO mailboxes (address, local_part, domain, name, password, quota_bytes, maildir, active, \
                 created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    t(&created.address),
                    t(created.address.local()),
                    t(created.address.domain()),
                    t(&created.name),
                    t(created.password.as_str()),
                    i(created.quota.as_i64()),
                    t(&created.maildir),
                    b(created.active),
                    t(&created.created_at),
                    t(&created.updated_at),
                    i(created.version),
                ],
            )
            .await?;
            records.push(change, actor, None, Some(json(&created)));
            Ok(Applied::Mailbox(created))
        }

        Change::EditMailbox {
            address,
            patch,
            if_version,
        } => {
            let what = format!("mailbox {address}");
            // Domain before mailbox, the order every change locks in.
            let domain = match patch.quota {
                Some(_) => Some(locked_domain(conn, d, address.domain()).await?),
                None => None,
            };
            let before = found(read::mailbox(conn, d, address, true).await?, &what)?;
            check_version(&what, before.version, *if_version)?;
            if let (Some(domain), Some(quota)) = (&domain, patch.quota)
                && quota != before.quota
            {
                rules::check_quota(domain, before.quota, quota)?;
            }
            update_versioned(
                conn,
                d,
                &what,
                "UPDATE mailboxes SET name = ?, password = ?, quota_bytes = ?, active = ?, updated_at = ?, \
                 version = version + 1 WHERE address = ? AND version = ?",
                vec![
                    t(patch.name.as_ref().unwrap_or(&before.name)),
                    t(patch.password.as_ref().unwrap_or(&before.password).as_str()),
                    i(patch.quota.unwrap_or(before.quota).as_i64()),
                    b(patch.active.unwrap_or(before.active)),
                    t(now()),
                    t(address),
                    i(before.version),
                ],
            )
            .await?;
            let after = found(read::mailbox(conn, d, address, false).await?, &what)?;
            let mut after_json = json(&after);
            if patch.password.is_some()
                && let Value::Object(map) = &mut after_json
            {
                map.insert("password_changed".into(), Value::Bool(true));
            }
            records.push(change, actor, Some(json(&before)), Some(after_json));
            Ok(Applied::Mailbox(after))
        }

        Change::RemoveMailbox { address, detach } => {
            let what = format!("mailbox {address}");
            // Domain before mailbox, the order every change locks in: the
            // aliases that name it are the domain's or another's.
            let domain = locked_domain(conn, d, address.domain()).await?;
            let before = found(read::mailbox(conn, d, address, true).await?, &what)?;
            let forms = rules::target_forms(address, &domain.alias_domains);
            let sources = aliases_targeting(conn, d, &forms).await?;
            let detached = rules::detach_plan(address, &forms, &sources, *detach)?;
            for alias in &detached {
                for form in &forms {
                    exec(
                        conn,
                        d,
                        "DELETE FROM alias_targets WHERE alias = ? AND target = ?",
                        vec![t(&alias.address), t(form)],
                    )
                    .await?;
                }
                update_versioned(
                    conn,
                    d,
                    &format!("alias {}", alias.address),
                    "UPDATE aliases SET updated_at = ?, version = version + 1 WHERE address = ? AND version = ?",
                    vec![t(now()), t(&alias.address), i(alias.version)],
                )
                .await?;
            }
            exec(
                conn,
                d,
                "DELETE FROM mailboxes WHERE address = ?",
                vec![t(address)],
            )
            .await?;
            let mut before_json = json(&before);
            if !detached.is_empty()
                && let Value::Object(map) = &mut before_json
            {
                let names: Vec<String> = detached.iter().map(|a| a.address.to_string()).collect();
                map.insert("detached_from".into(), json(&names));
            }
            records.push(change, actor, Some(before_json), None);
            Ok(Applied::Removed)
        }

        Change::AddAlias { address, targets } => {
            let domain = locked_domain(conn, d, address.domain()).await?;
            if read::alias(conn, d, address, true).await?.is_some() {
                return Err(
                    Error::already_exists(format!("alias {address}")).with_hint(format!(
                        "add targets with: postier alias edit {address} --add TARGET"
                    )),
                );
            }
            refuse_mailbox_at(conn, d, address).await?;
            check_targets(address, targets)?;
            check_targets_exist(conn, d, address, targets).await?;
            rules::admit_alias(&domain)?;
            let at = now();
            exec(
                conn,
                d,
                "INSERT INTO aliases (address, domain, active, created_at, updated_at, version) VALUES (?, ?, 1, ?, ?, 1)",
                vec![t(address), t(address.domain()), t(&at), t(&at)],
            )
            .await?;
            write_targets(conn, d, address, targets).await?;
            let created = read::alias(conn, d, address, false)
                .await?
                .ok_or_else(|| Error::not_found(format!("alias {address}")))?;
            records.push(change, actor, None, Some(json(&created)));
            Ok(Applied::Alias(created))
        }

        Change::EditAlias {
            address,
            patch,
            if_version,
        } => {
            let what = format!("alias {address}");
            let before = found(read::alias(conn, d, address, true).await?, &what)?;
            check_version(&what, before.version, *if_version)?;
            let mut targets = before.targets.clone();
            for gone in &patch.remove_targets {
                if !targets.contains(gone) {
                    return Err(Error::not_found(format!(
                        "target {gone} of alias {address}"
                    )));
                }
                targets.retain(|x| x != gone);
            }
            let mut new_targets = Vec::new();
            for added in &patch.add_targets {
                if !targets.contains(added) {
                    targets.push(added.clone());
                    new_targets.push(added.clone());
                }
            }
            let active = patch.active.unwrap_or(before.active);
            if targets == before.targets && active == before.active {
                return Err(rules::nothing_to_change(&what));
            }
            check_targets(address, &targets)?;
            check_targets_exist(conn, d, address, &new_targets).await?;
            update_versioned(
                conn,
                d,
                &what,
                "UPDATE aliases SET active = ?, updated_at = ?, version = version + 1 WHERE address = ? AND version = ?",
                vec![b(active), t(now()), t(address), i(before.version)],
            )
            .await?;
            exec(
                conn,
                d,
                "DELETE FROM alias_targets WHERE alias = ?",
                vec![t(address)],
            )
            .await?;
            write_targets(conn, d, address, &targets).await?;
            let after = found(read::alias(conn, d, address, false).await?, &what)?;
            record_edit(records, change, actor, &before, &after);
            Ok(Applied::Alias(after))
        }

        Change::RemoveAlias { address } => {
            let what = format!("alias {address}");
            let before = found(read::alias(conn, d, address, true).await?, &what)?;
            exec(
                conn,
                d,
                "DELETE FROM alias_targets WHERE alias = ?",
                vec![t(address)],
            )
            .await?;
            exec(
                conn,
                d,
                "DELETE FROM aliases WHERE address = ?",
                vec![t(address)],
            )
            .await?;
            records.push(change, actor, Some(json(&before)), None);
            Ok(Applied::Removed)
        }
    }
}

async fn write_targets(
    conn: &mut AnyConnection,
    d: Dialect,
    alias: &AliasAddress,
    targets: &[Address],
) -> Result<()> {
    for (seq, target) in targets.iter().enumerate() {
        exec(
            conn,
            d,
            "INSERT INTO alias_targets (alias, seq, target) VALUES (?, ?, ?)",
            vec![t(alias), i(seq as i64), t(target)],
        )
        .await?;
    }
    Ok(())
}
