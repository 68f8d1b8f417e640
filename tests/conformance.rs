//! The directory conformance story, run unchanged against every backend on
//! a real server: SQLite (a temp file), PostgreSQL and MariaDB (a fresh
//! database each on the servers of `tests/services/with-services.sh`), and
//! OpenLDAP (a slapd of its own on loopback).
//!
//! A new backend joins by opening its directory and calling
//! [`story::run`]; the story knows nothing of the backend behind the trait.

#[path = "support/mod.rs"]
mod support;

#[path = "conformance/story/mod.rs"]
mod story;

use support::sql::{Backend, TestDatabase};

async fn run_on(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let dir = postier::directory::open(db.url())
        .await
        .unwrap_or_else(|e| panic!("open {} directory: {e}", backend.name()));
    story::run(dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    run_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    run_on(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb() {
    run_on(Backend::Mariadb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap() {
    let Some(slapd) = support::slapd::Slapd::start() else {
        return;
    };
    let dir = postier::directory::open_with(&slapd.ldap_url(), &slapd.config("state.db"))
        .await
        .unwrap_or_else(|e| panic!("open LDAP directory: {e}"));
    story::run(dir).await;
}
