//! The catalogue: postier's own record (a SQLite file under `state_dir`)
//! of each run, each archive it made and which maildirs each archive holds
//! whole, with UTC times. `backup list`, `status` and the purge decisions
//! read it, so they work while the backup server is off. A run is written
//! in one transaction once borg has finished: a killed run leaves nothing.

use crate::error::{Error, Result};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    archive TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    result TEXT NOT NULL,
    stats TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE TABLE IF NOT EXISTS archives (
    name TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    started TEXT NOT NULL,
    pruned TEXT
);
CREATE TABLE IF NOT EXISTS held (
    archive TEXT NOT NULL,
    path TEXT NOT NULL,
    address TEXT NOT NULL,
    removed INTEGER NOT NULL,
    PRIMARY KEY (archive, path)
);
CREATE INDEX IF NOT EXISTS held_by_path ON held (path);
CREATE INDEX IF NOT EXISTS held_by_address ON held (address);
";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunResult {
    /// borg exit 0: every maildir is in the archive.
    Ok,
    /// borg exit 1: an archive was made, some files are missing from it.
    Warning,
    /// No archive (repository not reachable, borg failed).
    Error,
}

impl RunResult {
    fn as_str(self) -> &'static str {
        match self {
            RunResult::Ok => "ok",
            RunResult::Warning => "warning",
            RunResult::Error => "error",
        }
    }
    fn parse(s: &str) -> RunResult {
        match s {
            "ok" => RunResult::Ok,
            "warning" => RunResult::Warning,
            _ => RunResult::Error,
        }
    }
}

/// borg's statistics of one archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stats {
    pub nfiles: u64,
    pub original_size: u64,
    pub compressed_size: u64,
    pub deduplicated_size: u64,
}

/// One run, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub archive: String,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    pub result: RunResult,
    pub stats: Option<Stats>,
    /// The files borg could not archive (a degraded run).
    pub warnings: Vec<String>,
    /// Why no archive was made.
    pub error: Option<String>,
}

/// A maildir (relative to `mail_root`, no trailing `/`) an archive holds
/// whole, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub path: String,
    pub address: String,
    /// Moved-aside data of a removed mailbox.
    pub removed: bool,
}

/// An archive the catalogue knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Archive {
    pub name: String,
    pub started: String,
    /// When `backup prune` found it gone; it then holds nothing.
    pub pruned: Option<String>,
    pub maildirs: u64,
}

/// One maildir in one archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    pub archive: String,
    pub started: String,
    pub path: String,
    pub address: String,
    pub removed: bool,
    /// How the run that made the archive ended (`warning`: some files
    /// of other maildirs are missing from it); none when the catalogue
    /// has no record of that run.
    pub result: Option<RunResult>,
}

pub struct Catalogue {
    conn: SqliteConnection,
    path: PathBuf,
}

impl Catalogue {
    /// Opens (creating it, owner-only) the catalogue in `state_dir`.
    pub async fn open(state_dir: &Path) -> Result<Catalogue> {
        let path = state_dir.join("catalogue.db");
        let what = format!("backup catalogue {}", path.display());
        create_private_dir(state_dir).map_err(|e| {
            Error::unavailable(&what, format!("cannot be created: {e}"))
                .with_hint("check the permissions of [backup] state_dir, or set it")
        })?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(|e| Error::invalid(&what, e.to_string()))?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(30));
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| Error::unavailable(&what, e.to_string()))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&mut conn)
            .await
            .map_err(|e| Error::unavailable(&what, e.to_string()))?;
        Ok(Catalogue { conn, path })
    }

    fn err(&self, e: sqlx::Error) -> Error {
        Error::unavailable(
            format!("backup catalogue {}", self.path.display()),
            e.to_string(),
        )
    }

    /// Records a run and, when it made an archive, what the archive holds:
    /// all or nothing.
    pub async fn record_run(&mut self, run: &Run, held: &[Held]) -> Result<()> {
        let mut tx = self.conn.begin().await.map_err(|e| db(&self.path, e))?;
        let stats = run
            .stats
            .as_ref()
            .map(|s| serde_json::to_string(s).unwrap_or_default());
        let id: i64 = sqlx::query(
            "INSERT INTO runs (archive, started, finished, result, stats, warnings, error) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&run.archive)
        .bind(&run.started)
        .bind(&run.finished)
        .bind(run.result.as_str())
        .bind(stats)
        .bind(serde_json::to_string(&run.warnings).unwrap_or_default())
        .bind(&run.error)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db(&self.path, e))?
        .get(0);
        if run.result != RunResult::Error {
            sqlx::query("INSERT INTO archives (name, run_id, started) VALUES (?, ?, ?)")
                .bind(&run.archive)
                .bind(id)
                .bind(&run.started)
                .execute(&mut *tx)
                .await
                .map_err(|e| db(&self.path, e))?;
            for h in held {
                sqlx::query(
                    "INSERT INTO held (archive, path, address, removed) VALUES (?, ?, ?, ?)",
                )
                .bind(&run.archive)
                .bind(&h.path)
                .bind(&h.address)
                .bind(h.removed)
                .execute(&mut *tx)
                .await
                .map_err(|e| db(&self.path, e))?;
            }
        }
        tx.commit().await.map_err(|e| db(&self.path, e))
    }

    /// `filter` is one of this module's constant clauses, never input.
    async fn runs_where(&mut self, filter: &str) -> Result<Option<Run>> {
        let q = format!(
            "SELECT archive, started, finished, result, stats, warnings, error FROM runs {filter} \
             ORDER BY id DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(q))
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| db(&self.path, e))?;
        Ok(row.map(|r| Run {
            archive: r.get("archive"),
            started: r.get("started"),
            finished: r.get("finished"),
            result: RunResult::parse(r.get("result")),
            stats: r
                .get::<Option<String>, _>("stats")
                .and_then(|s| serde_json::from_str(&s).ok()),
            warnings: serde_json::from_str(r.get("warnings")).unwrap_or_default(),
            error: r.get("error"),
        }))
    }

    /// The newest run, whatever its result.
    pub async fn last_run(&mut self) -> Result<Option<Run>> {
        self.runs_where("").await
    }

    /// The newest run whose archive holds every maildir.
    pub async fn last_success(&mut self) -> Result<Option<Run>> {
        self.runs_where("WHERE result = 'ok'").await
    }

    /// Every maildir path some archive not pruned away holds.
    pub async fn held_paths(&mut self) -> Result<std::collections::HashSet<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT h.path FROM held h JOIN archives a ON a.name = h.archive \
             WHERE a.pruned IS NULL",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// The archives (not pruned) holding `path`, newest first.
    pub async fn holders(&mut self, path: &str) -> Result<Vec<Holding>> {
        self.holdings("h.path = ?", path).await
    }

    /// The archives (not pruned) holding maildirs of `address` (live or
    /// removed), newest first.
    pub async fn holdings_of(&mut self, address: &str) -> Result<Vec<Holding>> {
        self.holdings("h.address = ?", address).await
    }

    /// The archives (not pruned) holding maildirs of `domain`'s mailboxes.
    pub async fn holdings_in(&mut self, domain: &str) -> Result<Vec<Holding>> {
        self.holdings("h.address LIKE '%@' || ?", domain).await
    }

    /// `filter` is one of this module's constant clauses; the value is
    /// bound. An archive whose run is not recorded still holds what the
    /// catalogue says (purge then asks the archive itself).
    async fn holdings(&mut self, filter: &str, value: &str) -> Result<Vec<Holding>> {
        let q = format!(
            "SELECT h.archive, a.started, h.path, h.address, h.removed, r.result FROM held h \
             JOIN archives a ON a.name = h.archive LEFT JOIN runs r ON r.id = a.run_id \
             WHERE a.pruned IS NULL AND {filter} ORDER BY a.started DESC, h.path"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(q))
            .bind(value)
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| Holding {
                archive: r.get("archive"),
                started: r.get("started"),
                path: r.get("path"),
                address: r.get("address"),
                removed: r.get("removed"),
                result: r.get::<Option<&str>, _>("result").map(RunResult::parse),
            })
            .collect())
    }

    /// Every archive, newest first (pruned ones too, marked).
    pub async fn archives(&mut self) -> Result<Vec<Archive>> {
        let rows = sqlx::query(
            "SELECT a.name, a.started, a.pruned, \
             (SELECT COUNT(*) FROM held h WHERE h.archive = a.name) AS n \
             FROM archives a ORDER BY a.started DESC",
        )
        .fetch_all(&mut self.conn)
        .await
        .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .map(|r| Archive {
                name: r.get("name"),
                started: r.get("started"),
                pruned: r.get("pruned"),
                maildirs: r.get::<i64, _>("n").max(0) as u64,
            })
            .collect())
    }

    /// Is `name` taken by an archive of the catalogue?
    pub async fn has_archive(&mut self, name: &str) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM archives WHERE name = ?")
            .bind(name)
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| self.err(e))?;
        Ok(row.is_some())
    }

    /// Marks the archives not in `present` (what the repository lists) as
    /// pruned at `at`; returns their names.
    pub async fn mark_pruned(&mut self, present: &[String], at: &str) -> Result<Vec<String>> {
        let gone: Vec<String> = self
            .archives()
            .await?
            .into_iter()
            .filter(|a| a.pruned.is_none() && !present.contains(&a.name))
            .map(|a| a.name)
            .collect();
        let mut tx = self.conn.begin().await.map_err(|e| db(&self.path, e))?;
        for name in &gone {
            sqlx::query("UPDATE archives SET pruned = ? WHERE name = ?")
                .bind(at)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(|e| db(&self.path, e))?;
        }
        tx.commit().await.map_err(|e| db(&self.path, e))?;
        Ok(gone)
    }
}

fn db(path: &Path, e: sqlx::Error) -> Error {
    Error::unavailable(
        format!("backup catalogue {}", path.display()),
        e.to_string(),
    )
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}
