//! The catalogue: postier's own record (a SQLite file under `state_dir`)
//! of each run, each archive it made and which maildirs each archive holds
//! whole, with UTC times. `backup list`, `status` and the purge decisions
//! read it, so they work while the backup server is off. A run is written
//! in one transaction once borg has finished: a killed run leaves nothing.
//!
//! Beside the archives' contents it keeps `live_held`: each maildir some
//! archive not pruned away holds, with how many do. Triggers in the file
//! itself keep it in step with `held` and `archives`, whoever writes them,
//! so that what is protected is one small table away (monitoring asks it
//! every few minutes) rather than a pass over every archive's contents. A
//! catalogue made before it existed gets it, filled, when first opened
//! (`PRAGMA user_version` 1).

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

/// `user_version` 1: `live_held` and the triggers that keep it, filled
/// from what the catalogue already holds. Idempotent: it runs in a
/// `BEGIN IMMEDIATE` transaction, and two processes opening an old
/// catalogue at once each leave it right.
const LIVE_HELD: &str = "
CREATE TABLE IF NOT EXISTS live_held (
    path TEXT PRIMARY KEY NOT NULL,
    archives INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS live_held_on_held AFTER INSERT ON held
WHEN EXISTS (SELECT 1 FROM archives WHERE name = NEW.archive AND pruned IS NULL)
BEGIN
    INSERT INTO live_held (path, archives) VALUES (NEW.path, 1)
    ON CONFLICT (path) DO UPDATE SET archives = archives + 1;
END;
CREATE TRIGGER IF NOT EXISTS live_held_on_prune AFTER UPDATE OF pruned ON archives
WHEN OLD.pruned IS NULL AND NEW.pruned IS NOT NULL
BEGIN
    UPDATE live_held SET archives = archives - 1
    WHERE path IN (SELECT path FROM held WHERE archive = NEW.name);
    DELETE FROM live_held
    WHERE archives <= 0 AND path IN (SELECT path FROM held WHERE archive = NEW.name);
END;
CREATE TRIGGER IF NOT EXISTS live_held_on_unprune AFTER UPDATE OF pruned ON archives
WHEN OLD.pruned IS NOT NULL AND NEW.pruned IS NULL
BEGIN
    INSERT INTO live_held (path, archives)
    SELECT path, 1 FROM held WHERE archive = NEW.name AND true
    ON CONFLICT (path) DO UPDATE SET archives = archives + 1;
END;
DELETE FROM live_held;
INSERT INTO live_held (path, archives)
SELECT h.path, COUNT(*) FROM held h JOIN archives a ON a.name = h.archive
WHERE a.pruned IS NULL GROUP BY h.path;
PRAGMA user_version = 1;
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
        let mut catalogue = Catalogue { conn, path };
        if catalogue.user_version().await? < 1 {
            catalogue.add_live_held().await?;
        }
        Ok(catalogue)
    }

    async fn user_version(&mut self) -> Result<i64> {
        sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| db(&self.path, e))
    }

    /// Migrates to `user_version` 1 (see [`LIVE_HELD`]), unless another
    /// process did while this one waited for the write lock.
    async fn add_live_held(&mut self) -> Result<()> {
        let path = self.path.clone();
        let mut tx = self
            .conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| db(&path, e))?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version")
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db(&path, e))?;
        if version < 1 {
            sqlx::raw_sql(LIVE_HELD)
                .execute(&mut *tx)
                .await
                .map_err(|e| db(&path, e))?;
        }
        tx.commit().await.map_err(|e| db(&path, e))
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
        use futures::TryStreamExt;
        let mut paths = std::collections::HashSet::new();
        let mut rows =
            sqlx::query_scalar::<_, String>("SELECT path FROM live_held").fetch(&mut self.conn);
        while let Some(path) = rows.try_next().await.map_err(|e| db(&self.path, e))? {
            paths.insert(path);
        }
        Ok(paths)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn run(archive: &str, result: RunResult) -> Run {
        Run {
            archive: archive.into(),
            started: format!("2026-01-0{}T00:00:00Z", &archive[1..]),
            finished: format!("2026-01-0{}T00:10:00Z", &archive[1..]),
            result,
            stats: None,
            warnings: Vec::new(),
            error: None,
        }
    }

    fn held(paths: &[&str]) -> Vec<Held> {
        paths
            .iter()
            .map(|p| Held {
                path: p.to_string(),
                address: format!("{}@example.org", p.rsplit('/').next().unwrap()),
                removed: false,
            })
            .collect()
    }

    fn set(paths: &[&str]) -> HashSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    /// What `held_paths` answered before `live_held`: the archives'
    /// contents themselves.
    async fn held_by_archives(c: &mut Catalogue) -> HashSet<String> {
        sqlx::query_scalar::<_, String>(
            "SELECT DISTINCT h.path FROM held h JOIN archives a ON a.name = h.archive \
             WHERE a.pruned IS NULL",
        )
        .fetch_all(&mut c.conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
    }

    #[tokio::test]
    async fn held_paths_follow_runs_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Catalogue::open(dir.path()).await.unwrap();
        assert!(c.held_paths().await.unwrap().is_empty());
        let (a, b) = (
            ["example.org/a", "example.org/b"],
            ["example.org/b", "example.org/c"],
        );
        c.record_run(&run("a1", RunResult::Ok), &held(&a))
            .await
            .unwrap();
        c.record_run(&run("a2", RunResult::Warning), &held(&b))
            .await
            .unwrap();
        // A failed run made no archive: what it would have held is not held.
        c.record_run(&run("a3", RunResult::Error), &held(&["example.org/d"]))
            .await
            .unwrap();
        let all = set(&["example.org/a", "example.org/b", "example.org/c"]);
        assert_eq!(c.held_paths().await.unwrap(), all);
        // The first archive pruned away: b is still in the second.
        let gone = c
            .mark_pruned(&["a2".into()], "2026-01-05T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(gone, ["a1"]);
        assert_eq!(
            c.held_paths().await.unwrap(),
            set(&["example.org/b", "example.org/c"])
        );
        assert_eq!(
            c.held_paths().await.unwrap(),
            held_by_archives(&mut c).await
        );
        c.mark_pruned(&[], "2026-01-06T00:00:00Z").await.unwrap();
        assert!(c.held_paths().await.unwrap().is_empty());
        // An archive marked pruned by mistake and set back by hand holds
        // again.
        sqlx::query("UPDATE archives SET pruned = NULL WHERE name = 'a1'")
            .execute(&mut c.conn)
            .await
            .unwrap();
        assert_eq!(
            c.held_paths().await.unwrap(),
            set(&["example.org/a", "example.org/b"])
        );
        assert_eq!(
            c.held_paths().await.unwrap(),
            held_by_archives(&mut c).await
        );
        c.mark_pruned(&[], "2026-01-07T00:00:00Z").await.unwrap();
        assert!(c.held_paths().await.unwrap().is_empty());
        // Reopened: nothing is migrated twice.
        drop(c);
        let mut c = Catalogue::open(dir.path()).await.unwrap();
        assert!(c.held_paths().await.unwrap().is_empty());
        assert_eq!(c.user_version().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_catalogue_from_before_live_held_is_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalogue.db");
        {
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                .unwrap()
                .create_if_missing(true);
            let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
            sqlx::raw_sql(SCHEMA).execute(&mut conn).await.unwrap();
            sqlx::raw_sql(
                "INSERT INTO runs (archive, started, finished, result) VALUES \
                 ('a1', '2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', 'ok'), \
                 ('a2', '2026-01-02T00:00:00Z', '2026-01-02T00:10:00Z', 'ok'); \
                 INSERT INTO archives (name, run_id, started, pruned) VALUES \
                 ('a1', 1, '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z'), \
                 ('a2', 2, '2026-01-02T00:00:00Z', NULL); \
                 INSERT INTO held (archive, path, address, removed) VALUES \
                 ('a1', 'example.org/old', 'old@example.org', 0), \
                 ('a1', 'example.org/a', 'a@example.org', 0), \
                 ('a2', 'example.org/a', 'a@example.org', 0), \
                 ('a2', 'example.org/b', 'b@example.org', 0);",
            )
            .execute(&mut conn)
            .await
            .unwrap();
        }
        let mut c = Catalogue::open(dir.path()).await.unwrap();
        assert_eq!(c.user_version().await.unwrap(), 1);
        assert_eq!(
            c.held_paths().await.unwrap(),
            set(&["example.org/a", "example.org/b"])
        );
        // And it is kept from then on.
        c.record_run(&run("a4", RunResult::Ok), &held(&["example.org/c"]))
            .await
            .unwrap();
        c.mark_pruned(&["a4".into()], "2026-01-05T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(c.held_paths().await.unwrap(), set(&["example.org/c"]));
        assert_eq!(
            c.held_paths().await.unwrap(),
            held_by_archives(&mut c).await
        );
    }
}
