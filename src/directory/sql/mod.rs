//! The SQL backend: SQLite (embedded default), PostgreSQL and MariaDB/MySQL
//! through one code path over sqlx's `Any` driver.
//!
//! Queries are written once with `?` placeholders; [`Dialect::sql`] turns
//! them into `$n` for PostgreSQL. Every value is bound, never spliced.
//! Integers are stored as 64-bit (flags 0/1) so one decoder serves all
//! three databases.

pub(crate) mod batch;
pub(crate) mod hooks;
pub(crate) mod read;
mod sqlite_scan;
pub(crate) mod write;

use super::rules::not_found_domain;
use super::{Directory, IfMissing};
use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, AssertSqlSafe, Transaction};
use std::time::Duration;

/// Which SQL database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    /// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL.
    ///
    /// Every query postier runs is built from constant text and the
    /// dialect's fixed fragments, never from data (data is always bound),
    /// which is what makes the `AssertSqlSafe` here true.
    pub fn sql(self, query: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(self.placeholders(query))
    }

    fn placeholders(self, query: &str) -> String {
        if self != Dialect::Postgres {
            return query.to_string();
        }
        let mut out = String::with_capacity(query.len() + 8);
        let mut n = 0;
        for c in query.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `SUM(expr)` as a 64-bit integer, 0 when there are no rows.
    fn sum_i64(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("COALESCE(SUM({expr}), 0)"),
            Dialect::Postgres => format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"),
            Dialect::Mysql => format!("CAST(COALESCE(SUM({expr}), 0) AS SIGNED)"),
        }
    }

    /// Row lock for read-then-write inside a transaction (SQLite locks the
    /// whole database on `BEGIN IMMEDIATE` instead).
    fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            _ => " FOR UPDATE",
        }
    }
}

/// A directory in a SQL database.
pub struct SqlDirectory {
    pool: AnyPool,
    dialect: Dialect,
    shown: String,
    /// The URL connected to (it may hold a password: never shown); the
    /// hooks LISTEN on it (PostgreSQL).
    url: String,
    /// The database file, on SQLite (whole-table reads open it directly).
    sqlite_file: Option<std::path::PathBuf>,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("schema/sql/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("schema/sql/postgres");
static MYSQL_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("schema/sql/mysql");

impl SqlDirectory {
    /// Connects to `url` and brings the schema up to date. A SQLite file
    /// that is not there is created only when `if_missing` says so.
    pub async fn connect(url: &str, if_missing: IfMissing) -> Result<Self> {
        install_default_drivers();
        let shown = crate::config::redact_url(url);
        let mut sqlite_file = None;
        let (dialect, url) = if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    Error::invalid(format!("directory {shown:?}"), "names no file")
                        .with_hint("write sqlite:/path/to/directory.db"),
                );
            }
            let file = std::path::Path::new(path);
            if if_missing == IfMissing::Refuse && !file.exists() {
                return Err(Error::not_found(format!("directory {shown}"))
                    .with_why(format!("{path} does not exist"))
                    .with_hint(format!(
                        "check the path; to start a new directory there: postier --directory {shown} db migrate"
                    )));
            }
            if let Some(parent) = file.parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Error::unavailable(
                        format!("directory {shown}"),
                        format!("cannot create {}: {e}", parent.display()),
                    )
                })?;
            }
            create_private(file).map_err(|e| {
                Error::unavailable(
                    format!("directory {shown}"),
                    format!("cannot create {path}: {e}"),
                )
            })?;
            sqlite_file = Some(file.to_path_buf());
            (Dialect::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_string())
        } else if let Some(rest) = url.strip_prefix("mariadb://") {
            (Dialect::Mysql, format!("mysql://{rest}"))
        } else {
            (Dialect::Mysql, url.to_string())
        };
        if dialect != Dialect::Sqlite {
            reachable(&url, dialect, &shown).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
            // SQLite keeps a transaction's statement and savepoint journals
            // in memory, not in a file under /var/tmp: a large import
            // rewrote each page there up to twice (100,000 mailboxes:
            // 58,000 writes of a temp file next to 33,000 of the directory).
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        sqlx::query("PRAGMA temp_store = MEMORY")
                            .execute(conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            // A server that accepts connections but never answers is as
            // down as one that refuses them.
            .acquire_timeout(match dialect {
                Dialect::Sqlite => Duration::from_secs(10),
                _ => CONNECT_TIMEOUT,
            })
            .connect(&url)
            .await
            .map_err(|e| explain(&shown, unavailable(&shown, e)))?;
        let dir = SqlDirectory {
            pool,
            dialect,
            shown,
            url,
            sqlite_file,
        };
        dir.migrate().await?;
        Ok(dir)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts a write transaction. SQLite takes its write lock at once, so
    /// two writers queue instead of failing when both upgrade a read lock.
    async fn begin(&self) -> Result<Transaction<'static, sqlx::Any>> {
        let tx = if self.dialect == Dialect::Sqlite {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        };
        match tx {
            Ok(tx) => Ok(tx),
            Err(e) => Err(self.lost(e).await),
        }
    }

    /// A connection from the pool.
    async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        match self.pool.acquire().await {
            Ok(conn) => Ok(conn),
            Err(e) => Err(self.lost(e).await),
        }
    }

    /// The error of a connection the pool could not give: when it waited
    /// in vain, the server is asked directly, so that a server that is down
    /// is named with the reason ("connection refused") rather than as a
    /// wait that ran out.
    async fn lost(&self, e: sqlx::Error) -> Error {
        if matches!(e, sqlx::Error::PoolTimedOut)
            && let Err(down) = reachable(&self.url, self.dialect, &self.shown).await
        {
            return down;
        }
        self.err(e)
    }

    fn err(&self, e: sqlx::Error) -> Error {
        self.explain(unavailable(&self.shown, e))
    }

    /// Names this directory in an error about "the directory", and says
    /// what to do about a SQLite file that cannot be used.
    fn explain(&self, e: Error) -> Error {
        let e = if e.kind == ErrorKind::Unavailable && e.what == "directory" {
            e.about(format!("directory {}", self.shown))
        } else {
            e
        };
        explain(&self.shown, e)
    }
}

/// How long to wait for a database server to answer a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Fails at once (within [`CONNECT_TIMEOUT`]) when nothing answers at the
/// server's address, naming it, rather than letting the pool retry until
/// its own timeout with a message that names nothing.
async fn reachable(url: &str, dialect: Dialect, shown: &str) -> Result<()> {
    let default_port = if dialect == Dialect::Postgres {
        5432
    } else {
        3306
    };
    let Some((host, port)) = host_port(url, default_port) else {
        return Ok(());
    };
    let what = format!("directory {shown}");
    let hint = "is the database server running and listening there? Check [directory] url";
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(Error::unavailable(
            what,
            format!("cannot connect to {host}:{port}: {}", io_reason(&e)),
        )
        .with_hint(hint)),
        Err(_) => Err(Error::unavailable(
            what,
            format!(
                "no answer from {host}:{port} within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
        )
        .with_hint(hint)),
    }
}

/// The host and port of a server URL (`scheme://[user[:pw]@]host[:port]/…`).
fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let parsed = url::Url::parse(url).ok()?;
    let host = match parsed.host()? {
        url::Host::Ipv6(ip) => ip.to_string(),
        other => other.to_string(),
    };
    Some((host, parsed.port().unwrap_or(default_port)))
}

/// An I/O error's reason without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.split_once(" (os error") {
        Some((reason, _)) => reason.to_lowercase(),
        None => text,
    }
}

/// Says what to do about a server that does not answer, or a SQLite file
/// that is not a database, is damaged, or cannot be written or opened.
fn explain(shown: &str, e: Error) -> Error {
    let Some(path) = shown.strip_prefix("sqlite:") else {
        if e.why.contains("pool timed out") {
            return Error::unavailable(
                e.what,
                format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            )
            .with_hint("is the database server up and not overloaded? Check [directory] url");
        }
        return e;
    };
    let code = |n: &str| e.why.contains(&format!("(code: {n})"));
    if code("26") || code("11") {
        Error::unavailable(
            e.what,
            format!("{path} is not a SQLite database or is damaged"),
        )
        .with_hint(
            "restore it from your backup, or check that [directory] url names the right file",
        )
    } else if code("8") || e.why.contains("readonly database") {
        Error::unavailable(e.what, format!("{path} cannot be written"))
            .with_hint("fix its permissions: you need write access to the file and to its folder")
    } else if code("14") {
        Error::unavailable(e.what, format!("{path} cannot be opened"))
            .with_hint("check that you may read the file and its folder (ls -l)")
    } else {
        e
    }
}

/// Creates a new SQLite file readable by its owner and group only: it holds
/// password hashes. The mail stack reads it through the group. An existing
/// file keeps the mode its admin gave it.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o640)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn unavailable(shown: &str, e: sqlx::Error) -> Error {
    Error::unavailable(format!("directory {shown}"), driver_reason(&e))
}

/// The driver's error in the words an admin needs: a server that went away
/// during the request says so, rather than "error returned from database".
fn driver_reason(e: &sqlx::Error) -> String {
    match e {
        // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
        sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P")) => {
            format!("the server stopped during the request ({})", db.message())
        }
        sqlx::Error::Database(db) => db.to_string(),
        sqlx::Error::Io(io) => format!("the connection to the server was lost ({io})"),
        sqlx::Error::PoolTimedOut => format!(
            "no connection to the server within {} s",
            CONNECT_TIMEOUT.as_secs()
        ),
        other => other.to_string(),
    }
}

#[async_trait]
impl Directory for SqlDirectory {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
            Dialect::Mysql => &MYSQL_MIGRATOR,
        };
        migrator.run(&self.pool).await.map_err(|e| {
            self.explain(Error::unavailable(
                format!("directory {}", self.shown),
                format!("schema migration failed: {e}"),
            ))
        })
    }

    async fn schema_version(&self) -> Result<Option<super::SchemaVersion>> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
            Dialect::Mysql => &MYSQL_MIGRATOR,
        };
        let expected = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| self.err(e))?;
        Ok(Some(super::SchemaVersion {
            applied: applied.unwrap_or(0),
            expected,
        }))
    }

    async fn record_job_event(
        &self,
        event: &str,
        object: &str,
        payload: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        write::record_job_event(&mut tx, self.dialect, event, object, payload)
            .await
            .map_err(|e| self.explain(e))?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    async fn apply(&self, change: &Change, actor: &str) -> Result<Applied> {
        let mut tx = self.begin().await?;
        let mut records = write::Records::default();
        let mut outcome = write::apply(&mut tx, self.dialect, change, actor, &mut records).await;
        if outcome.is_ok()
            && let Err(e) = records.write(&mut tx, self.dialect).await
        {
            outcome = Err(e);
        }
        match outcome {
            Ok(applied) => {
                tx.commit().await.map_err(|e| self.err(e))?;
                Ok(applied)
            }
            Err(e) => {
                // Dropping would roll back too; say it explicitly.
                let _ = tx.rollback().await;
                Err(self.explain(e))
            }
        }
    }

    fn atomic_batches(&self) -> bool {
        true
    }

    async fn apply_all_reporting(
        &self,
        changes: &[Change],
        actor: &str,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<Applied>> {
        let mut tx = self.begin().await?;
        match batch::apply_all(&mut tx, self.dialect, changes, actor, progress).await {
            Ok(applied) => {
                tx.commit().await.map_err(|e| self.err(e))?;
                Ok(applied)
            }
            Err((i, e)) => {
                let _ = tx.rollback().await;
                // Say which change of the batch was refused.
                let e = self.explain(e);
                let change = &changes[i.min(changes.len().saturating_sub(1))];
                let what = format!(
                    "{} (change {} of {}: {} {})",
                    e.what,
                    i + 1,
                    changes.len(),
                    change.action(),
                    change.object()
                );
                Err(e.about(what))
            }
        }
    }

    async fn domain(&self, name: &DomainName) -> Result<Domain> {
        let mut conn = self.acquire().await?;
        read::domain(&mut conn, self.dialect, name, false)
            .await
            .map_err(|e| self.explain(e))?
            .ok_or_else(|| not_found_domain(name))
    }

    async fn domains(&self) -> Result<Vec<Domain>> {
        let mut conn = self.acquire().await?;
        read::domains(&mut conn, self.dialect)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn alias_domains(&self) -> Result<Vec<AliasDomain>> {
        let mut conn = self.acquire().await?;
        read::alias_domains(&mut conn, self.dialect, None)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn alias_domain(&self, name: &DomainName) -> Result<AliasDomain> {
        let mut conn = self.acquire().await?;
        read::alias_domain(&mut conn, self.dialect, name, false)
            .await
            .map_err(|e| self.explain(e))?
            .ok_or_else(|| Error::not_found(format!("alias domain {name}")))
    }

    async fn mailbox(&self, address: &Address) -> Result<Mailbox> {
        let mut conn = self.acquire().await?;
        read::mailbox(&mut conn, self.dialect, address, false)
            .await
            .map_err(|e| self.explain(e))?
            .ok_or_else(|| Error::not_found(format!("mailbox {address}")))
    }

    async fn mailboxes(&self, domain: Option<&DomainName>) -> Result<Vec<Mailbox>> {
        let mut conn = self.acquire().await?;
        if let Some(d) = domain {
            // An unknown domain is an error, not an empty list.
            read::domain(&mut conn, self.dialect, d, false)
                .await
                .map_err(|e| self.explain(e))?
                .ok_or_else(|| not_found_domain(d))?;
        }
        read::mailboxes(&mut conn, self.dialect, domain)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn mailbox_facts(&self, domain: Option<&DomainName>) -> Result<Vec<MailboxFacts>> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.err(e))?;
        if let Some(d) = domain {
            read::domain(&mut conn, self.dialect, d, false)
                .await
                .map_err(|e| self.explain(e))?
                .ok_or_else(|| not_found_domain(d))?;
        }
        if let Some(file) = &self.sqlite_file {
            drop(conn);
            return sqlite_scan::mailbox_facts(file, &self.shown, domain).await;
        }
        read::mailbox_facts(&mut conn, self.dialect, domain)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn alias(&self, address: &AliasAddress) -> Result<Alias> {
        let mut conn = self.acquire().await?;
        read::alias(&mut conn, self.dialect, address, false)
            .await
            .map_err(|e| self.explain(e))?
            .ok_or_else(|| Error::not_found(format!("alias {address}")))
    }

    async fn aliases(&self, domain: Option<&DomainName>) -> Result<Vec<Alias>> {
        let mut conn = self.acquire().await?;
        if let Some(d) = domain {
            read::domain(&mut conn, self.dialect, d, false)
                .await
                .map_err(|e| self.explain(e))?
                .ok_or_else(|| not_found_domain(d))?;
        }
        read::aliases(&mut conn, self.dialect, domain)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>> {
        let mut conn = self.acquire().await?;
        read::audit(&mut conn, self.dialect, limit)
            .await
            .map_err(|e| self.explain(e))
    }

    async fn journal(&self, after: i64, limit: u64) -> Result<Vec<JournalEvent>> {
        let mut conn = self.acquire().await?;
        read::journal(&mut conn, self.dialect, after, limit)
            .await
            .map_err(|e| self.explain(e))
    }

    fn hook_store(&self) -> std::sync::Arc<dyn crate::directory::hooks::HookStore> {
        std::sync::Arc::new(
            hooks::SqlHookStore::new(
                self.pool.clone(),
                self.dialect,
                &format!("directory {}", self.shown),
            )
            .listening(&self.url),
        )
    }
}

/// Maps a driver error met while reading or writing to ours.
///
/// A unique violation, a deadlock or a serialization failure means a
/// concurrent change to the same objects won: the caller may try again.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &e {
        // 40001: serialization failure (PostgreSQL) or deadlock (MariaDB,
        // MySQL); 40P01: deadlock (PostgreSQL).
        let lost_race = matches!(db.code().as_deref(), Some("40001" | "40P01"));
        if db.is_unique_violation() || lost_race {
            return Error::conflict(
                "directory",
                "another change to the same object came first; try again",
            );
        }
    }
    let lost = matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
        || matches!(&e, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P")));
    let error = Error::unavailable("directory", driver_reason(&e));
    if lost {
        error.with_hint("is the database server running? Check [directory] url")
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn placeholders() {
        assert_eq!(
            Dialect::Postgres.placeholders("a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
        assert_eq!(Dialect::Mysql.placeholders("a = ?"), "a = ?");
    }

    /// Every SQLite connection keeps its temporary journals in memory
    /// (an import's savepoints wrote a temp file page by page before).
    #[tokio::test]
    async fn sqlite_connections_keep_temp_journals_in_memory() {
        use sqlx::Row;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("d.db").display());
        let db = super::SqlDirectory::connect(&url, crate::directory::IfMissing::Create)
            .await
            .unwrap();
        for _ in 0..2 {
            let mut conn = db.acquire().await.unwrap();
            let row = sqlx::query("PRAGMA temp_store")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            // 2 = MEMORY.
            assert_eq!(row.try_get::<i64, _>(0).unwrap(), 2);
        }
    }
}
