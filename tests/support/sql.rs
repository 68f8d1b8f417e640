//! A fresh SQL database per test: a temp SQLite file, or a uniquely named
//! database on the PostgreSQL / MariaDB servers named by
//! `POSTIER_TEST_PG_URL` / `POSTIER_TEST_MYSQL_URL` (admin URLs, exported by
//! `tests/services/with-services.sh`). Server databases are dropped when the
//! [`TestDatabase`] is.

use super::services::require_service;
use sqlx::{AssertSqlSafe, Connection};
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;

/// The SQL databases postier supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
}

impl Backend {
    /// The variable holding the server's admin URL (none for SQLite).
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("POSTIER_TEST_PG_URL"),
            Backend::Mariadb => Some("POSTIER_TEST_MYSQL_URL"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mariadb => "MariaDB",
        }
    }
}

/// A database that exists for one test. Holds its URL; dropping it removes
/// the database (server) or the file (SQLite).
pub struct TestDatabase {
    url: String,
    server: Option<ServerDatabase>,
    _sqlite_dir: Option<TempDir>,
}

/// What it takes to drop a server database again.
struct ServerDatabase {
    backend: Backend,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// A fresh database on `backend`, or `None` (after the loud warning of
    /// [`require_service`]) when that server is not configured locally.
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        let Some(var) = backend.env_var() else {
            return Some(Self::sqlite());
        };
        let admin_url = require_service(
            backend.name(),
            std::env::var(var).ok().filter(|u| !u.is_empty()),
            &format!("{var} is not set: run the tests through tests/services/with-services.sh"),
        )?;
        let name = unique_name();
        let create = match backend {
            // Byte-order collation, as the throwaway servers use, whatever
            // the server's default locale.
            Backend::Postgres => format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ),
            Backend::Mariadb => {
                format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            }
            Backend::Sqlite => unreachable!("SQLite needs no server"),
        };
        admin_execute(backend, &admin_url, &create)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot create test database {name} on {}: {e}",
                    backend.name()
                )
            });
        Some(TestDatabase {
            url: with_database(&admin_url, &name),
            server: Some(ServerDatabase {
                backend,
                admin_url,
                name,
            }),
            _sqlite_dir: None,
        })
    }

    /// A directory file in a fresh temp dir.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temp dir for SQLite");
        let url = format!("sqlite:{}", dir.path().join("directory.db").display());
        TestDatabase {
            url,
            server: None,
            _sqlite_dir: Some(dir),
        }
    }

    /// The URL to open the directory with (`postier::directory::open`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(db) = self.server.take() else { return };
        // Drop runs inside the test's runtime, which cannot block on itself:
        // drop the database from a thread with a runtime of its own.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let drop = match db.backend {
                // FORCE: the directory's pool may still hold connections.
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name),
                _ => format!("DROP DATABASE IF EXISTS {}", db.name),
            };
            match runtime {
                Ok(rt) => rt
                    .block_on(admin_execute(db.backend, &db.admin_url, &drop))
                    .map_err(|e| format!("{}: {e}", db.name)),
                Err(e) => Err(e.to_string()),
            }
        })
        .join();
        if let Ok(Err(e)) = outcome {
            eprintln!("warning: could not drop test database {e}");
        }
    }
}

/// Runs one statement on the server's admin database.
async fn admin_execute(
    backend: Backend,
    admin_url: &str,
    statement: &str,
) -> Result<(), sqlx::Error> {
    // The statement names a database, which cannot be bound; it is built
    // from constant text and `unique_name`, which holds [a-z0-9_] only.
    let statement = AssertSqlSafe(statement.to_string());
    match backend {
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(admin_url).await?;
            sqlx::raw_sql(statement).execute(&mut conn).await?;
            conn.close().await
        }
        Backend::Mariadb => {
            let mut conn = sqlx::MySqlConnection::connect(admin_url).await?;
            sqlx::raw_sql(statement).execute(&mut conn).await?;
            conn.close().await
        }
        Backend::Sqlite => Ok(()),
    }
}

/// `postier_t_<pid>_<n>_<random>`: unique across the tests of one run and
/// across runs against a long-lived server.
fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "postier_t_{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

/// `admin_url` with its database (path) replaced by `name`, query kept.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..host_end])
}

#[test]
fn replaces_the_database_in_a_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5/postgres", "x"),
        "postgres://postgres@127.0.0.1:5/x"
    );
    assert_eq!(with_database("mysql://u:p@h:3", "x"), "mysql://u:p@h:3/x");
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}
