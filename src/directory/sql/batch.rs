//! Applying a batch of changes (an import) in one transaction, fast: a run
//! of mailbox creations is checked against its domains read once and
//! written with multi-row INSERTs, instead of a read-check-write round per
//! mailbox. The rules are those of [`write::apply`] (domain locked, limits,
//! an address is a mailbox or an alias, never both, the same refusals in
//! the same order); other changes go through it one by one. Audit entries
//! and journal events are written together before the commit.

use super::write::{self, Records, b, i, insert_rows, t};
use super::{Dialect, db_err};
use crate::directory::rules;
use crate::error::{Error, Result};
use crate::model::*;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashSet};

/// Applies `changes` in order inside the caller's transaction, with their
/// audit entries and journal events. A refusal names the index of the
/// change refused; the caller rolls back.
pub async fn apply_all(
    conn: &mut AnyConnection,
    d: Dialect,
    changes: &[Change],
    actor: &str,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> std::result::Result<Vec<Applied>, (usize, Error)> {
    let mut records = Records::default();
    let mut applied = Vec::with_capacity(changes.len());
    // The domains a run of mailbox creations locked and counted, kept up
    // to date by it; forgotten when any other change comes.
    let mut domains = Domains::new();
    let mut at = 0;
    while at < changes.len() {
        let run = changes[at..]
            .iter()
            .take(RUN)
            .take_while(|c| matches!(c, Change::AddMailbox(_)))
            .count();
        if run > 1 {
            let new: Vec<&NewMailbox> = changes[at..at + run]
                .iter()
                .filter_map(|c| match c {
                    Change::AddMailbox(m) => Some(m),
                    _ => None,
                })
                .collect();
            let made = add_mailboxes(conn, d, &mut domains, &new)
                .await
                .map_err(|(k, e)| (at + k, e))?;
            for (change, mailbox) in changes[at..at + run].iter().zip(made) {
                records.push_created(change, actor, &mailbox);
                applied.push(Applied::Mailbox(mailbox));
            }
            at += run;
        } else {
            domains.clear();
            let change = &changes[at];
            let one = write::apply(conn, d, change, actor, &mut records)
                .await
                .map_err(|e| (at, e))?;
            applied.push(one);
            at += 1;
        }
        progress(at);
    }
    let last = changes.len().saturating_sub(1);
    records.write(conn, d).await.map_err(|e| (last, e))?;
    Ok(applied)
}

/// How many mailbox creations are written together (progress is reported
/// after each such run).
const RUN: usize = 5_000;

type Domains = BTreeMap<DomainName, Result<Domain>>;

/// How many addresses one existence query names.
const LOOKUP_CHUNK: usize = 500;

/// Creates `new` mailboxes, checked as [`write::apply`] checks one: the
/// domain (locked, in name order so two batches cannot deadlock) must be
/// hosted and admit one more mailbox of that quota, the address must be
/// neither an alias nor a mailbox already. Refusals name the index in
/// `new` of the first mailbox refused.
async fn add_mailboxes(
    conn: &mut AnyConnection,
    d: Dialect,
    domains: &mut Domains,
    new: &[&NewMailbox],
) -> std::result::Result<Vec<Mailbox>, (usize, Error)> {
    let names: std::collections::BTreeSet<&DomainName> = new
        .iter()
        .map(|m| m.address.domain())
        .filter(|name| !domains.contains_key(*name))
        .collect();
    // A domain that cannot be had is reported at its first mailbox, in
    // the order of the changes, as one by one.
    for name in names {
        let domain = write::locked_domain(conn, d, name).await;
        if let Err(e) = &domain
            && e.kind == crate::error::ErrorKind::Unavailable
        {
            return Err((0, e.clone()));
        }
        domains.insert(name.clone(), domain);
    }
    let addresses: Vec<String> = new.iter().map(|m| m.address.to_string()).collect();
    let fail = |e: Error| (0, e);
    let mailboxes = existing(conn, d, "mailboxes", &addresses)
        .await
        .map_err(fail)?;
    let aliases = existing(conn, d, "aliases", &addresses)
        .await
        .map_err(fail)?;
    let at = write::now();
    let mut made = Vec::with_capacity(new.len());
    let mut taken: HashSet<&str> = HashSet::with_capacity(new.len());
    for (k, (m, key)) in new.iter().zip(&addresses).enumerate() {
        let what = format!("mailbox {}", m.address);
        let exists = || {
            Error::already_exists(&what).with_hint(format!(
                "change it with: postier mailbox edit {}",
                m.address
            ))
        };
        let is_mailbox = mailboxes.contains(key) || taken.contains(key.as_str());
        let domain = match domains.get_mut(m.address.domain()) {
            Some(Ok(domain)) => domain,
            Some(Err(e)) => return Err((k, e.clone())),
            None => return Err((k, rules::not_found_domain(m.address.domain()))),
        };
        let quota = rules::effective_quota(domain, m.quota);
        if let Err(refusal) = rules::admit_mailbox(domain, quota) {
            // That the mailbox exists already is the better answer.
            return Err((k, if is_mailbox { exists() } else { refusal }));
        }
        if aliases.contains(key) {
            return Err((k, rules::address_is_alias(&m.address)));
        }
        if is_mailbox {
            return Err((k, exists()));
        }
        taken.insert(key);
        domain.mailboxes += 1;
        domain.allotted_quota = Size::from_stored(
            domain
                .allotted_quota
                .as_i64()
                .saturating_add(quota.as_i64()),
        );
        made.push(Mailbox {
            address: m.address.clone(),
            name: m.name.clone(),
            password: m.password.clone(),
            quota,
            maildir: Mailbox::maildir_for(&m.address),
            active: m.active,
            created_at: at.clone(),
            updated_at: at.clone(),
            version: 1,
        });
    }
    let row = |m: &Mailbox| {
        vec![
            t(&m.address),
            t(m.address.local()),
            t(m.address.domain()),
            t(&m.name),
            t(m.password.as_str()),
            i(m.quota.as_i64()),
            t(&m.maildir),
            b(m.active),
            t(&m.created_at),
            t(&m.updated_at),
            i(m.version),
        ]
    };
    const INSERT: &str = "INSERT INTO mailboxes (address, local_part, domain, name, password, quota_bytes, \
         maildir, active, created_at, updated_at, version) VALUES ";
    let fail = |e: Error| (0, e);
    write::exec(conn, d, "SAVEPOINT postier_batch", vec![])
        .await
        .map_err(fail)?;
    match insert_rows(conn, d, INSERT, made.iter().map(row).collect()).await {
        Ok(()) => {
            write::exec(conn, d, "RELEASE SAVEPOINT postier_batch", vec![])
                .await
                .map_err(fail)?;
        }
        Err(batch_error) => {
            // Every row was checked; the database still refused one (a
            // trigger, a constraint of its own). Find which, one by one,
            // to name it; the caller rolls everything back.
            write::exec(conn, d, "ROLLBACK TO SAVEPOINT postier_batch", vec![])
                .await
                .map_err(fail)?;
            for (k, m) in made.iter().enumerate() {
                insert_rows(conn, d, INSERT, vec![row(m)])
                    .await
                    .map_err(|e| (k, e))?;
            }
            return Err((0, batch_error));
        }
    }
    Ok(made)
}

/// Which of `keys` are in `table`'s `address` column.
async fn existing(
    conn: &mut AnyConnection,
    d: Dialect,
    table: &str,
    keys: &[String],
) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let q = format!("SELECT address FROM {table} WHERE address IN ({marks})");
        let mut query = sqlx::query(d.sql(&q));
        for key in chunk {
            query = query.bind(key.as_str());
        }
        for row in query.fetch_all(&mut *conn).await.map_err(db_err)? {
            found.insert(row.try_get::<String, _>("address").map_err(db_err)?);
        }
    }
    Ok(found)
}
