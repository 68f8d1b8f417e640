//! [`HookStore`] over SQL: the `hook_state` and `hook_attempts` tables
//! (schema/sql/*/0003_hooks.sql), for the SQL backends and for the LDAP
//! backend's local state store alike.
//!
//! A lease is one conditional UPDATE: it succeeds only if the row is free,
//! expired or already ours, so two consumers cannot both hold a hook.

use super::{Dialect, db_err};
use crate::directory::hooks::{AttemptRow, HookRow, HookStore, Next};
use crate::error::Result;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

/// The hooks' tables in one SQL database.
pub struct SqlHookStore {
    pool: AnyPool,
    dialect: Dialect,
    /// What its errors name: the directory's server, or the LDAP state
    /// store's file (never a password).
    named: String,
    /// PostgreSQL: the URL to LISTEN on (it may hold a password: never shown),
    /// and the listening connection once made.
    listen: Option<(
        String,
        tokio::sync::Mutex<Option<sqlx::postgres::PgListener>>,
    )>,
}

impl SqlHookStore {
    /// An admin's decision on the event `hook` is stopped at (`update`
    /// binds the time, the hook and the event): applied with its record as
    /// an attempt `outcome` by `by`, in one transaction. False when the
    /// hook is not stopped at that event.
    async fn resolve_parked(
        &self,
        update: &str,
        hook: &str,
        event_id: i64,
        outcome: &str,
        by: &str,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(self.dialect.sql(update))
            .bind(now_text())
            .bind(hook.to_string())
            .bind(event_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
        if n != 1 {
            let _ = tx.rollback().await;
            return Ok(false);
        }
        let mut insert = sqlx::query(self.dialect.sql(INSERT_ATTEMPT));
        for v in attempt_args(&AttemptRow {
            hook: hook.to_string(),
            event_id,
            at: now_text(),
            outcome: outcome.into(),
            code: None,
            detail: format!("by {by}"),
        }) {
            insert = bind(insert, v);
        }
        insert.execute(&mut *tx).await.map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// The store in the database of `pool`, which errors name `named`.
    pub fn new(pool: AnyPool, dialect: Dialect, named: &str) -> SqlHookStore {
        SqlHookStore {
            pool,
            dialect,
            named: named.to_string(),
            listen: None,
        }
    }

    /// A driver error, naming the database it came from.
    fn err(&self, e: sqlx::Error) -> crate::error::Error {
        let e = db_err(e);
        if e.what == "directory" {
            let what = self.named.clone();
            e.about(what)
        } else {
            e
        }
    }

    /// A store that waits for PostgreSQL's notifications on `url`.
    pub fn listening(mut self, url: &str) -> SqlHookStore {
        if self.dialect == Dialect::Postgres {
            self.listen = Some((url.to_string(), tokio::sync::Mutex::new(None)));
        }
        self
    }

    async fn exec(&self, q: &str, args: Vec<Val>) -> Result<u64> {
        let mut query = sqlx::query(self.dialect.sql(q));
        for a in args {
            query = bind(query, a);
        }
        Ok(query
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected())
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let tx = if self.dialect == Dialect::Sqlite {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        };
        tx.map_err(|e| self.err(e))
    }
}

enum Val {
    T(String),
    I(i64),
    N,
}

fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: Val,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match v {
        Val::T(s) => query.bind(s),
        Val::I(i) => query.bind(i),
        Val::N => query.bind(None::<i64>),
    }
}

fn t(s: &str) -> Val {
    Val::T(s.to_string())
}

fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const ROW: &str = "SELECT hook, done_id, last_delivered_id, head_id, attempts, next_at, parked, \
                   lease_owner, lease_until FROM hook_state";

fn hook_row(row: &AnyRow) -> Result<HookRow> {
    Ok(HookRow {
        hook: row.try_get("hook").map_err(db_err)?,
        done_id: row.try_get("done_id").map_err(db_err)?,
        last_delivered_id: row.try_get("last_delivered_id").map_err(db_err)?,
        head_id: row.try_get("head_id").map_err(db_err)?,
        attempts: row.try_get("attempts").map_err(db_err)?,
        next_at: row.try_get("next_at").map_err(db_err)?,
        parked: row.try_get::<i64, _>("parked").map_err(db_err)? != 0,
        lease_owner: row.try_get("lease_owner").map_err(db_err)?,
        lease_until: row.try_get("lease_until").map_err(db_err)?,
    })
}

const INSERT_ATTEMPT: &str = "INSERT INTO hook_attempts (hook, event_id, at, outcome, code, detail) \
                              VALUES (?, ?, ?, ?, ?, ?)";

fn attempt_args(a: &AttemptRow) -> Vec<Val> {
    vec![
        t(&a.hook),
        Val::I(a.event_id),
        t(&a.at),
        t(&a.outcome),
        a.code.map(Val::I).unwrap_or(Val::N),
        t(&a.detail),
    ]
}

#[async_trait]
impl HookStore for SqlHookStore {
    async fn last_journal_id(&self) -> Result<i64> {
        let row = sqlx::query(self.dialect.sql(&format!(
            "SELECT {} AS last FROM journal",
            match self.dialect {
                Dialect::Sqlite => "COALESCE(MAX(id), 0)",
                Dialect::Postgres => "CAST(COALESCE(MAX(id), 0) AS BIGINT)",
                Dialect::Mysql => "CAST(COALESCE(MAX(id), 0) AS SIGNED)",
            }
        )))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        row.try_get("last").map_err(|e| self.err(e))
    }

    async fn ensure(&self, hook: &str, start_after: i64) -> Result<()> {
        let q = match self.dialect {
            Dialect::Mysql => {
                "INSERT IGNORE INTO hook_state (hook, done_id, updated_at) VALUES (?, ?, ?)"
            }
            _ => {
                "INSERT INTO hook_state (hook, done_id, updated_at) VALUES (?, ?, ?) \
                  ON CONFLICT (hook) DO NOTHING"
            }
        };
        self.exec(q, vec![t(hook), Val::I(start_after), t(&now_text())])
            .await
            .map(drop)
    }

    async fn rows(&self) -> Result<Vec<HookRow>> {
        let rows = sqlx::query(self.dialect.sql(&format!("{ROW} ORDER BY hook")))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        rows.iter().map(hook_row).collect()
    }

    async fn lease(
        &self,
        hook: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<HookRow>> {
        // Rows "affected" is not enough: MySQL counts a row set to the
        // values it had as unchanged. Whose the lease is, is read back.
        self.exec(
            "UPDATE hook_state SET lease_owner = ?, lease_until = ?, updated_at = ? \
                 WHERE hook = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
            vec![
                t(owner),
                Val::I(until),
                t(&now_text()),
                t(hook),
                t(owner),
                Val::I(now),
            ],
        )
        .await?;
        let row = sqlx::query(self.dialect.sql(&format!("{ROW} WHERE hook = ?")))
            .bind(hook.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        match row {
            Some(r) => {
                let r = hook_row(&r)?;
                Ok((r.lease_owner.as_deref() == Some(owner)).then_some(r))
            }
            None => Ok(None),
        }
    }

    async fn release(&self, hook: &str, owner: &str) -> Result<()> {
        self.exec(
            "UPDATE hook_state SET lease_owner = NULL, lease_until = 0 WHERE hook = ? AND lease_owner = ?",
            vec![t(hook), t(owner)],
        )
        .await
        .map(drop)
    }

    async fn advance(&self, hook: &str, owner: &str, to: i64, until: i64) -> Result<bool> {
        let n = self
            .exec(
                "UPDATE hook_state SET done_id = ?, lease_until = ?, updated_at = ? \
                 WHERE hook = ? AND lease_owner = ? AND done_id < ? AND head_id IS NULL",
                vec![
                    Val::I(to),
                    Val::I(until),
                    t(&now_text()),
                    t(hook),
                    t(owner),
                    Val::I(to),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn record(&self, owner: &str, a: &AttemptRow, next: Next, until: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let (q, args) = match next {
            Next::Done => (
                "UPDATE hook_state SET done_id = ?, last_delivered_id = ?, head_id = NULL, \
                 attempts = 0, next_at = 0, parked = 0, lease_until = ?, updated_at = ? \
                 WHERE hook = ? AND lease_owner = ? AND done_id < ?",
                vec![
                    Val::I(a.event_id),
                    Val::I(a.event_id),
                    Val::I(until),
                    t(&a.at),
                    t(&a.hook),
                    t(owner),
                    Val::I(a.event_id),
                ],
            ),
            Next::RetryAt(at) => (
                "UPDATE hook_state SET head_id = ?, attempts = attempts + 1, next_at = ?, \
                 parked = 0, lease_until = ?, updated_at = ? \
                 WHERE hook = ? AND lease_owner = ? AND done_id < ?",
                vec![
                    Val::I(a.event_id),
                    Val::I(at),
                    Val::I(until),
                    t(&a.at),
                    t(&a.hook),
                    t(owner),
                    Val::I(a.event_id),
                ],
            ),
            Next::Park => (
                "UPDATE hook_state SET head_id = ?, attempts = attempts + 1, next_at = 0, \
                 parked = 1, lease_until = ?, updated_at = ? \
                 WHERE hook = ? AND lease_owner = ? AND done_id < ?",
                vec![
                    Val::I(a.event_id),
                    Val::I(until),
                    t(&a.at),
                    t(&a.hook),
                    t(owner),
                    Val::I(a.event_id),
                ],
            ),
        };
        let mut query = sqlx::query(self.dialect.sql(q));
        for v in args {
            query = bind(query, v);
        }
        let moved = query
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?
            .rows_affected();
        if moved != 1 {
            let _ = tx.rollback().await;
            return Ok(false);
        }
        let mut insert = sqlx::query(self.dialect.sql(INSERT_ATTEMPT));
        for v in attempt_args(a) {
            insert = bind(insert, v);
        }
        insert.execute(&mut *tx).await.map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(true)
    }

    async fn record_delivered(
        &self,
        owner: &str,
        delivered: &[AttemptRow],
        until: i64,
    ) -> Result<bool> {
        let (Some(first), Some(last)) = (delivered.first(), delivered.last()) else {
            return Ok(true);
        };
        let mut tx = self.begin().await?;
        let moved = sqlx::query(self.dialect.sql(
            "UPDATE hook_state SET done_id = ?, last_delivered_id = ?, head_id = NULL, \
             attempts = 0, next_at = 0, parked = 0, lease_until = ?, updated_at = ? \
             WHERE hook = ? AND lease_owner = ? AND done_id < ?",
        ))
        .bind(last.event_id)
        .bind(last.event_id)
        .bind(until)
        .bind(last.at.clone())
        .bind(last.hook.clone())
        .bind(owner.to_string())
        .bind(first.event_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.err(e))?
        .rows_affected();
        if moved != 1 {
            let _ = tx.rollback().await;
            return Ok(false);
        }
        for a in delivered {
            let mut insert = sqlx::query(self.dialect.sql(INSERT_ATTEMPT));
            for v in attempt_args(a) {
                insert = bind(insert, v);
            }
            insert.execute(&mut *tx).await.map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(true)
    }

    async fn retry(&self, hook: &str, event_id: i64, by: &str) -> Result<bool> {
        self.resolve_parked(
            "UPDATE hook_state SET attempts = 0, next_at = 0, parked = 0, updated_at = ? \
             WHERE hook = ? AND head_id = ?",
            hook,
            event_id,
            "retry",
            by,
        )
        .await
    }

    async fn skip(&self, hook: &str, event_id: i64, by: &str) -> Result<bool> {
        self.resolve_parked(
            "UPDATE hook_state SET done_id = head_id, head_id = NULL, attempts = 0, next_at = 0, \
             parked = 0, updated_at = ? WHERE hook = ? AND head_id = ?",
            hook,
            event_id,
            "skipped",
            by,
        )
        .await
    }

    async fn prune_attempts(&self, before: &str) -> Result<u64> {
        self.exec(
            "DELETE FROM hook_attempts WHERE at < ? AND NOT EXISTS \
             (SELECT 1 FROM hook_state s WHERE s.hook = hook_attempts.hook \
              AND s.head_id = hook_attempts.event_id)",
            vec![t(before)],
        )
        .await
    }

    async fn wait_for_journal(&self, limit: std::time::Duration) {
        let Some((url, listener)) = &self.listen else {
            tokio::time::sleep(limit).await;
            return;
        };
        let deadline = tokio::time::Instant::now() + limit;
        let mut held = listener.lock().await;
        if held.is_none() {
            let made = async {
                let mut l = sqlx::postgres::PgListener::connect(url).await?;
                l.listen(crate::directory::hooks::JOURNAL_CHANNEL).await?;
                Ok::<_, sqlx::Error>(l)
            };
            *held = tokio::time::timeout(limit, made)
                .await
                .ok()
                .and_then(Result::ok);
            if held.is_some() {
                // Listening from now on: what was committed before this is
                // not notified, so let the caller look at the journal again
                // before waiting (else a change landing between its last
                // look and the LISTEN waits a whole poll).
                return;
            }
        }
        match held.as_mut() {
            Some(l) => match tokio::time::timeout_at(deadline, l.recv()).await {
                // A notification, or the time is up.
                Ok(Ok(_)) | Err(_) => {}
                // The connection broke: plain polling until it is made again.
                Ok(Err(_)) => {
                    *held = None;
                    tokio::time::sleep_until(deadline).await;
                }
            },
            None => tokio::time::sleep_until(deadline).await,
        }
    }

    async fn attempts(&self, hook: &str, limit: u64) -> Result<Vec<AttemptRow>> {
        let rows = sqlx::query(self.dialect.sql(
            "SELECT hook, event_id, at, outcome, code, detail FROM hook_attempts \
             WHERE hook = ? ORDER BY id DESC LIMIT ?",
        ))
        .bind(hook.to_string())
        .bind(limit.min(i64::MAX as u64) as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    hook: r.try_get("hook").map_err(|e| self.err(e))?,
                    event_id: r.try_get("event_id").map_err(|e| self.err(e))?,
                    at: r.try_get("at").map_err(|e| self.err(e))?,
                    outcome: r.try_get("outcome").map_err(|e| self.err(e))?,
                    code: r.try_get("code").map_err(|e| self.err(e))?,
                    detail: r.try_get("detail").map_err(|e| self.err(e))?,
                })
            })
            .collect()
    }
}
