//! Mailboxes per second through the ops layer in one process: 10,000
//! mailboxes with a ready hash (`PasswordInput::Hash`, as an import does),
//! added one change at a time, on SQLite and on PostgreSQL (and MariaDB
//! when it is there). Each change is a full transaction with its domain
//! lock, limit checks, audit entry and journal event.
//!
//! Prints the overall rate and the rate of the first and the last thousand,
//! which shows whether a change costs more as the domain fills up.
//! PostgreSQL and MariaDB come from `POSTIER_TEST_PG_URL` /
//! `POSTIER_TEST_MYSQL_URL` (`make bench` starts them). The figures depend
//! on the disk's fsync latency (SQLite commits) and on how busy the CPUs
//! are (round trips to a server), so the load average is printed too.

#[path = "../tests/support/mod.rs"]
mod support;

use postier::model::{Address, DomainName, DomainSettings, PasswordHash, Size};
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::Scheme;
use std::time::{Duration, Instant};
use support::sql::{Backend, TestDatabase};

/// How many mailboxes to add; `POSTIER_BENCH_MAILBOXES` overrides it.
const MAILBOXES: usize = 10_000;
const SLICE: usize = 1_000;

fn mailboxes() -> usize {
    std::env::var("POSTIER_BENCH_MAILBOXES")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= SLICE)
        .unwrap_or(MAILBOXES)
}

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

struct Figures {
    count: usize,
    total: Duration,
    slices: Vec<Duration>,
}

fn rate(count: usize, took: Duration) -> f64 {
    count as f64 / took.as_secs_f64()
}

async fn add_mailboxes(url: &str, count: usize) -> postier::Result<Figures> {
    let dir = postier::directory::open(url).await?;
    let ops = Ops::new(dir, Actor::admin("bench"), Scheme::Sha512Crypt);
    let domain = DomainName::parse("bench.example")?;
    // Limits set, so every add checks them (none is reached).
    let settings = DomainSettings {
        description: "benchmark".into(),
        max_mailboxes: count as u64 * 2,
        max_aliases: 0,
        quota: Size::parse("100T")?,
        default_quota: Size::parse("1G")?,
    };
    ops.add_domain(domain, settings).await?;
    let hash = PasswordHash::parse(HASH)?;

    let mut slices = Vec::new();
    let start = Instant::now();
    let mut slice_start = start;
    for n in 0..count {
        let request = MailboxRequest {
            address: Address::parse(&format!("user{n:05}@bench.example"))?,
            name: format!("User {n}"),
            quota: None,
            password: PasswordInput::Hash(hash.clone()),
        };
        ops.add_mailbox(request).await?;
        if (n + 1) % SLICE == 0 {
            let now = Instant::now();
            slices.push(now - slice_start);
            slice_start = now;
        }
    }
    Ok(Figures {
        count,
        total: start.elapsed(),
        slices,
    })
}

fn report(backend: Backend, figures: &Figures) {
    let first = figures.slices.first().copied().unwrap_or_default();
    let last = figures.slices.last().copied().unwrap_or_default();
    println!(
        "  {:<10} {:>8.0} mailboxes/s   ({} in {:.2} s; first {SLICE}: {:.0}/s, last {SLICE}: {:.0}/s)",
        backend.name(),
        rate(figures.count, figures.total),
        figures.count,
        figures.total.as_secs_f64(),
        rate(SLICE, first),
        rate(SLICE, last),
    );
}

async fn bench(backend: Backend) {
    if let Some(var) = backend.env_var()
        && std::env::var(var).map_or(true, |v| v.is_empty())
    {
        println!(
            "  {:<10} NOT MEASURED: {var} is not set (run it through `make bench`)",
            backend.name()
        );
        return;
    }
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    match add_mailboxes(db.url(), mailboxes()).await {
        Ok(figures) => report(backend, &figures),
        Err(e) => println!("  {:<10} FAILED: {e}", backend.name()),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!(
        "directory: mailbox add through the ops layer, one process, pre-hashed, one change per transaction"
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("  (load average at start: {})", load.join(" "));
    }
    runtime.block_on(async {
        for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mariadb] {
            bench(backend).await;
        }
    });
}
