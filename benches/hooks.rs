//! Hooks: events per second from the journal to a `url` hook (a loopback
//! HTTP server, one kept-alive connection) and to a `command` hook
//! (`/bin/true`), and the latency from a committed change to its delivery
//! while `watch` runs (that is the hook's start plus one loopback POST), on
//! SQLite and on PostgreSQL (when `POSTIER_TEST_PG_URL` is set: `make bench`
//! starts it).
//!
//! Targets: ≥ 2,000 events/s over HTTP, ≥ 300/s for a command, watch
//! latency p99 ≤ 500 ms on SQLite. `POSTIER_BENCH_HOOK_EVENTS` changes the
//! event count (default 10,000).

#[path = "../tests/support/mod.rs"]
mod support;

use postier::config::Config;
use postier::hooks::Hooks;
use postier::model::{DomainName, DomainPatch, DomainSettings};
use postier::ops::{Actor, Ops};
use postier::password::Scheme;
use std::time::{Duration, Instant};
use support::http::{Behaviour, HttpServer};
use support::sql::{Backend, TestDatabase};

const EVENTS: usize = 10_000;
const LATENCY_SAMPLES: usize = 100;

fn events() -> usize {
    std::env::var("POSTIER_BENCH_HOOK_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(EVENTS)
}

fn config(dir: &std::path::Path, name: &str, text: &str) -> Config {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    Config::read(&path).unwrap()
}

async fn bench(backend: Backend) {
    let Some(db) = TestDatabase::create(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = HttpServer::start(Behaviour::default());
    let url = config(
        dir.path(),
        "url",
        &format!(
            "[[hooks]]\nname = \"web\"\nevents = [\"*\"]\nurl = \"{}\"\n",
            server.url("/bench")
        ),
    );
    let command = config(
        dir.path(),
        "command",
        "[[hooks]]\nname = \"true\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n",
    );
    let directory = postier::directory::open(db.url()).await.unwrap();
    let ops = Ops::new(directory, Actor::admin("bench"), Scheme::Sha512Crypt);
    let web = Hooks::new(&ops, &url).unwrap();
    let run_true = Hooks::new(&ops, &command).unwrap();
    // Both hooks start here, before the events.
    web.status(0).await.unwrap();
    run_true.status(0).await.unwrap();

    let n = events();
    let name = DomainName::parse("bench.example").unwrap();
    ops.add_domain(name.clone(), DomainSettings::default())
        .await
        .unwrap();
    let made = Instant::now();
    for i in 1..n {
        let patch = DomainPatch {
            description: Some(format!("change {i}")),
            ..Default::default()
        };
        ops.edit_domain(name.clone(), patch, None).await.unwrap();
    }
    println!(
        "  {}: {n} journal events made in {:.1}s",
        backend.name(),
        made.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let report = web.run_once().await.unwrap();
    let took = start.elapsed();
    assert_eq!(report.delivered() as usize, n, "{report:?}");
    println!(
        "  {}: url hook     {:>7.0} events/s ({n} in {:.2}s, {} connection(s); target ≥ 2,000/s)",
        backend.name(),
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64(),
        server.connections()
    );

    let start = Instant::now();
    let report = run_true.run_once().await.unwrap();
    let took = start.elapsed();
    assert_eq!(report.delivered() as usize, n, "{report:?}");
    println!(
        "  {}: command hook {:>7.0} events/s ({n} × /bin/true in {:.2}s; target ≥ 300/s)",
        backend.name(),
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );

    // Watch latency: one change at a time, timed until the server has it.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = tokio::spawn(async move {
        web.watch(stop_rx, Duration::from_millis(100), |_| {}).await;
    });
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..LATENCY_SAMPLES {
        let patch = DomainPatch {
            description: Some(format!("watched {i}")),
            ..Default::default()
        };
        let before = server.delivered().len();
        let t0 = Instant::now();
        ops.edit_domain(name.clone(), patch, None).await.unwrap();
        let got = tokio::task::block_in_place(|| {
            server.wait_delivered(before + 1, Duration::from_secs(10))
        });
        assert!(got.len() > before, "watch delivered nothing within 10s");
        latencies.push(t0.elapsed());
    }
    let _ = stop_tx.send(true);
    watcher.await.unwrap();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "  {}: watch latency (poll 100ms), change committed → delivered: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        backend.name(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!("hooks: journal events to a url hook and to a command hook, one consumer");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("  (load average at start: {})", load.join(" "));
    }
    runtime.block_on(async {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            bench(backend).await;
        }
    });
}
