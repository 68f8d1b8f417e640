//! The local state store of an LDAP directory (SQLite): the intent log that
//! makes changes resumable, and the audit trail and journal.
//!
//! A change is recorded as `pending` before its first LDAP write, and
//! marked `done` (in one transaction with its audit entry and journal
//! event) or `rolled_back` after its last. Each process that writes holds
//! an exclusive lock on an owner file of its own for as long as it lives;
//! pending changes whose owner's lock is free belong to a process that
//! died, and the next process claims them to finish or undo them.
//!
//! Intents and ends are committed in groups: a writer that finds others
//! queued behind it writes their records in the same transaction (each
//! caller still returns only once its own record is committed), so an
//! import with many changes in flight does not pay one commit per record.

use crate::directory::sql::write::{Arg, t};
use crate::directory::sql::{Dialect, read, write};
use crate::error::{Error, Result};
use crate::model::{AuditEntry, Change, JournalEvent};
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool, Connection, Row};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::{Mutex, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("schema/ldap/state");

/// A change found pending, to be finished by this process.
#[derive(Debug)]
pub struct Pending {
    pub token: String,
    pub actor: String,
    pub change: Change,
    pub before: Option<Value>,
}

pub struct StateStore {
    pool: AnyPool,
    /// The connection every write goes through (SQLite has one writer at a
    /// time anyway; holding it saves a pool round trip per write). Detached
    /// from the pool, so dropping the store needs no async runtime.
    writer: Mutex<AnyConnection>,
    /// Intents and ends waiting for the writer, each with whom to tell
    /// once it is committed (see [`StateStore::commit`]).
    queued: std::sync::Mutex<Vec<(Record, oneshot::Sender<Result<()>>)>>,
    path: PathBuf,
    owner: Owner,
}

/// A record of the intent log committed in a group.
enum Record {
    /// A change about to be applied (`pending`).
    Intent {
        token: String,
        at: String,
        actor: String,
        action: &'static str,
        object: String,
        change_json: String,
        before_json: Option<String>,
    },
    /// A change applied (`done`), with its audit entry and journal event.
    Done {
        token: String,
        actor: String,
        change: Change,
        before: Option<Value>,
        after: Option<Value>,
    },
}

/// This process's claim on the changes it records: an owner id and the
/// lock held on its file until the process ends.
struct Owner {
    id: String,
    _lock: File,
}

impl StateStore {
    /// Opens (creating it, mode 0600) the store at `url` (`sqlite:PATH`).
    pub async fn open(url: &str) -> Result<StateStore> {
        install_default_drivers();
        let what = format!("LDAP state store {url}");
        let path = url
            .strip_prefix("sqlite:")
            .map(|p| p.strip_prefix("//").unwrap_or(p))
            .filter(|p| !p.is_empty() && !p.starts_with(':'))
            .map(PathBuf::from)
            .ok_or_else(|| {
                Error::invalid(&what, "is not a sqlite:PATH URL").with_hint(
                    "set [directory] state_url = \"sqlite:/var/lib/postier/ldap-state.db\"",
                )
            })?;
        create_private(&path).map_err(|e| {
            Error::unavailable(&what, format!("cannot be created: {e}"))
                .with_hint("check the permissions of its directory, or set [directory] state_url")
        })?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL with NORMAL sync: a commit survives the process
                    // being killed, which is what the intent log is for.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 30000")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .map_err(|e| Error::unavailable(&what, e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| Error::unavailable(&what, format!("schema migration failed: {e}")))?;
        let owner = Owner::take(&owners_dir(&path))
            .map_err(|e| Error::unavailable(&what, format!("cannot lock an owner file: {e}")))?;
        let writer = pool
            .acquire()
            .await
            .map_err(|e| Error::unavailable(&what, e.to_string()))?
            .detach();
        Ok(StateStore {
            pool,
            writer: Mutex::new(writer),
            queued: std::sync::Mutex::new(Vec::new()),
            path,
            owner,
        })
    }

    fn err(&self, e: sqlx::Error) -> Error {
        Error::unavailable(
            format!("LDAP state store {}", self.path.display()),
            e.to_string(),
        )
    }

    /// Records the intent to apply `change` as `token`.
    pub async fn begin(
        &self,
        token: &str,
        actor: &str,
        change: &Change,
        before: Option<&Value>,
    ) -> Result<()> {
        let change_json =
            serde_json::to_string(change).map_err(|e| Error::invalid("change", e.to_string()))?;
        self.commit(Record::Intent {
            token: token.to_string(),
            at: now(),
            actor: actor.to_string(),
            action: change.action(),
            object: change.object(),
            change_json,
            before_json: before.map(Value::to_string),
        })
        .await
    }

    /// Commits `record`, in a group with the records queued meanwhile:
    /// whoever gets the writer writes everything queued by then. Returns
    /// once `record` is committed (or could not be).
    async fn commit(&self, record: Record) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.queue().push((record, done));
        {
            let mut writer = self.writer.lock().await;
            let group = std::mem::take(&mut *self.queue());
            if !group.is_empty() {
                self.write_group(&mut writer, group).await;
            }
        }
        committed.await.unwrap_or_else(|_| {
            Err(Error::unavailable(
                format!("LDAP state store {}", self.path.display()),
                "the write was abandoned",
            ))
        })
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<(Record, oneshot::Sender<Result<()>>)>> {
        self.queued.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `group` in one transaction; when that fails, each record in
    /// a transaction of its own, so that one bad record fails alone.
    async fn write_group(
        &self,
        writer: &mut AnyConnection,
        group: Vec<(Record, oneshot::Sender<Result<()>>)>,
    ) {
        let (records, waiting): (Vec<Record>, Vec<_>) = group.into_iter().unzip();
        if records.len() > 1 && self.write_records(writer, &records).await.is_ok() {
            for done in waiting {
                let _ = done.send(Ok(()));
            }
            return;
        }
        for (record, done) in records.into_iter().zip(waiting) {
            let result = self
                .write_records(writer, std::slice::from_ref(&record))
                .await;
            let _ = done.send(result);
        }
    }

    /// Writes `records` in one transaction: the intents in one statement,
    /// the ends in another, then their audit entries and journal events.
    async fn write_records(&self, writer: &mut AnyConnection, records: &[Record]) -> Result<()> {
        let mut tx = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))?;
        let mut intents = Vec::new();
        let mut finished = Vec::new();
        let mut trail = write::Records::default();
        for record in records {
            match record {
                Record::Intent {
                    token,
                    at,
                    actor,
                    action,
                    object,
                    change_json,
                    before_json,
                } => intents.push(vec![
                    t(token),
                    t(&self.owner.id),
                    t(at),
                    t(actor),
                    t(action),
                    t(object),
                    t(change_json),
                    before_json.as_ref().map(t).unwrap_or(Arg::Null),
                    t("pending"),
                ]),
                Record::Done {
                    token,
                    actor,
                    change,
                    before,
                    after,
                } => {
                    trail.push(change, actor, before.clone(), after.clone());
                    finished.push(token.as_str());
                }
            }
        }
        write::insert_rows(
            &mut tx,
            Dialect::Sqlite,
            "INSERT INTO ldap_changes (token, owner, at, actor, action, object, change_json, before_json, state) VALUES ",
            intents,
        )
        .await?;
        if !finished.is_empty() {
            let marks = vec!["?"; finished.len()].join(", ");
            let q = format!(
                "UPDATE ldap_changes SET state = 'done', change_json = NULL, before_json = NULL, finished_at = ? \
                 WHERE token IN ({marks})"
            );
            // Only placeholders are put in the text; the tokens are bound.
            let mut query = sqlx::query(Dialect::Sqlite.sql(&q)).bind(now());
            for token in finished {
                query = query.bind(token);
            }
            query.execute(&mut *tx).await.map_err(|e| self.err(e))?;
        }
        trail.write(&mut tx, Dialect::Sqlite).await?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// Records the object as it was before the change's first write to it.
    pub async fn set_before(&self, token: &str, before: &Value) -> Result<()> {
        sqlx::query("UPDATE ldap_changes SET before_json = ? WHERE token = ?")
            .bind(before.to_string())
            .bind(token)
            .execute(&mut *self.writer.lock().await)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Marks the change done, with its audit entry and journal event.
    pub async fn done(
        &self,
        token: &str,
        actor: &str,
        change: &Change,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<()> {
        self.commit(Record::Done {
            token: token.to_string(),
            actor: actor.to_string(),
            change: change.clone(),
            before,
            after,
        })
        .await
    }

    /// Appends the event of one of postier's own jobs to the journal.
    pub async fn record_job_event(&self, event: &str, object: &str, payload: Value) -> Result<()> {
        let mut writer = self.writer.lock().await;
        let mut tx = writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))?;
        write::record_job_event(&mut tx, Dialect::Sqlite, event, object, payload).await?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// Marks the change rolled back: nothing of it is left in the directory.
    pub async fn rolled_back(&self, token: &str, why: &str) -> Result<()> {
        sqlx::query(
            "UPDATE ldap_changes SET state = 'rolled_back', change_json = NULL, before_json = NULL, \
             outcome = ?, finished_at = ? WHERE token = ?",
        )
        .bind(why)
        .bind(now())
        .bind(token)
        .execute(&mut *self.writer.lock().await)
        .await
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Claims the pending changes of processes that died, oldest first.
    pub async fn claim_orphans(&self) -> Result<Vec<Pending>> {
        let owners: Vec<String> = sqlx::query(
            "SELECT DISTINCT owner FROM ldap_changes WHERE state = 'pending' AND owner <> ?",
        )
        .bind(&self.owner.id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?
        .iter()
        .map(|row| row.try_get::<String, _>("owner"))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| self.err(e))?;
        let dir = owners_dir(&self.path);
        for owner in owners {
            if !Owner::is_gone(&dir, &owner) {
                continue;
            }
            sqlx::query("UPDATE ldap_changes SET owner = ? WHERE state = 'pending' AND owner = ?")
                .bind(&self.owner.id)
                .bind(&owner)
                .execute(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
            let _ = std::fs::remove_file(dir.join(format!("{owner}.lock")));
        }
        let rows = sqlx::query(
            "SELECT token, actor, change_json, before_json FROM ldap_changes \
             WHERE state = 'pending' AND owner = ? ORDER BY id",
        )
        .bind(&self.owner.id)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let mut pending = Vec::new();
        for row in rows {
            let token: String = row.try_get("token").map_err(|e| self.err(e))?;
            let change_json: Option<String> =
                row.try_get("change_json").map_err(|e| self.err(e))?;
            let before_json: Option<String> =
                row.try_get("before_json").map_err(|e| self.err(e))?;
            let change = change_json
                .as_deref()
                .and_then(|j| serde_json::from_str::<Change>(j).ok());
            let Some(change) = change else {
                // Written by another version of postier: leave it for
                // someone to look at rather than guess.
                self.rolled_back(&token, "the recorded change could not be read back")
                    .await?;
                continue;
            };
            pending.push(Pending {
                token,
                actor: row.try_get("actor").map_err(|e| self.err(e))?,
                change,
                before: before_json.and_then(|j| serde_json::from_str(&j).ok()),
            });
        }
        Ok(pending)
    }

    /// Changes not finished yet, by token (for tests and diagnostics).
    pub async fn pending_tokens(&self) -> Result<Vec<String>> {
        sqlx::query("SELECT token FROM ldap_changes WHERE state = 'pending' ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?
            .iter()
            .map(|row| row.try_get::<String, _>("token").map_err(|e| self.err(e)))
            .collect()
    }

    /// How the change `token` ended: `pending`, `done` or `rolled_back`,
    /// and why it was rolled back.
    pub async fn outcome(&self, token: &str) -> Result<Option<(String, Option<String>)>> {
        let row = sqlx::query("SELECT state, outcome FROM ldap_changes WHERE token = ?")
            .bind(token)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        row.map(|r| Ok((r.try_get("state")?, r.try_get("outcome")?)))
            .transpose()
            .map_err(|e| self.err(e))
    }

    pub async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.err(e))?;
        read::audit(&mut conn, Dialect::Sqlite, limit).await
    }

    /// The hooks' state, kept here beside the journal.
    pub fn hook_store(&self) -> crate::directory::sql::hooks::SqlHookStore {
        crate::directory::sql::hooks::SqlHookStore::new(
            self.pool.clone(),
            Dialect::Sqlite,
            &format!("LDAP state store {}", self.path.display()),
        )
    }

    pub async fn journal(&self, after: i64, limit: u64) -> Result<Vec<JournalEvent>> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.err(e))?;
        read::journal(&mut conn, Dialect::Sqlite, after, limit).await
    }
}

impl Owner {
    /// A fresh owner id with its file locked.
    fn take(dir: &Path) -> std::io::Result<Owner> {
        std::fs::create_dir_all(dir)?;
        let id = super::new_token();
        let lock = open_private(&dir.join(format!("{id}.lock")))?;
        lock.lock()?;
        Ok(Owner { id, _lock: lock })
    }

    /// Has the process of `owner` ended? Its lock is free then (the
    /// kernel drops it with the process), or its file is gone.
    fn is_gone(dir: &Path, owner: &str) -> bool {
        match OpenOptions::new()
            .write(true)
            .open(dir.join(format!("{owner}.lock")))
        {
            Err(_) => true,
            Ok(file) => file.try_lock().is_ok(),
        }
    }
}

impl Drop for StateStore {
    fn drop(&mut self) {
        let _ =
            std::fs::remove_file(owners_dir(&self.path).join(format!("{}.lock", self.owner.id)));
    }
}

fn owners_dir(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".owners");
    path.with_file_name(name)
}

/// Creates `path` (and its directory) readable by its owner only, if new.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    open_private(path).map(drop)
}

fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
