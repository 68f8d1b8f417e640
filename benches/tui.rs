//! The TUI on a large directory: 100,000 mailboxes over 1,000 domains on
//! SQLite. Measures, in a fresh child process so that seeding does not
//! count towards its memory:
//! - time to first frame (directory opened, state built, first frame drawn),
//!   and to the first frame that shows the domain list;
//! - filter keystroke to redrawn frame over typed queries in the global
//!   mailbox search (100,000 rows): median and p99;
//! - peak RSS (VmHWM).
//!
//! Targets: first frame <= 200 ms, keystroke-to-frame p99 <= 16 ms, RSS <= 100 MB.
//! Frames go through the crossterm backend into a sink, so the escape
//! sequences a real terminal would get are produced too.
//!
//! The seeded directory is kept under the target dir and reused.

use postier::i18n::Lang;
use postier::model::*;
use postier::ops::dns::DnsChecker;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::Scheme;
use postier::tui::state::{ListId, State};
use postier::tui::{Action, Effect, Job, Services, Theme, keymap, render, run_job, update};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DOMAINS: usize = 1_000;
const PER_DOMAIN: usize = 100;
const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";
const CHILD: &str = "POSTIER_BENCH_TUI_DB";
const QUERIES: &[&str] = &["user042@domain0777", "domain0999", "user099", "zzz"];
const ROUNDS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(db) = std::env::var(CHILD) {
        return runtime.block_on(measure(Path::new(&db)));
    }
    let db = runtime.block_on(seeded());
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD, &db)
        .status()
        .expect("run the measuring child");
    assert!(status.success(), "the measuring child failed");
}

fn name(domain: usize) -> String {
    format!("domain{domain:04}.example")
}

/// The 100k directory, seeded once through the ops layer.
async fn seeded() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-tui-100k");
    let db = dir.join("directory.db");
    let done = dir.join("seeded");
    if done.exists() {
        return db;
    }
    std::fs::create_dir_all(&dir).expect("bench dir");
    // Seed where fsync is free (tmpfs) when there is one, then copy.
    let shm = Path::new("/dev/shm");
    let scratch = tempfile::tempdir_in(if shm.is_dir() { shm } else { &dir }).expect("scratch");
    let scratch_db = scratch.path().join("directory.db");
    let start = Instant::now();
    let url = format!("sqlite:{}", scratch_db.display());
    let directory = postier::directory::open(&url).await.expect("open");
    let ops = Ops::new(directory, Actor::admin("bench"), Scheme::Sha512Crypt);
    let hash = PasswordHash::parse(HASH).expect("hash");
    for d in 0..DOMAINS {
        let domain = DomainName::parse(&name(d)).expect("domain");
        let settings = DomainSettings {
            description: format!("Collective number {d}"),
            max_mailboxes: 200,
            default_quota: Size::parse("1G").expect("size"),
            ..Default::default()
        };
        ops.add_domain(domain, settings).await.expect("add domain");
        for u in 0..PER_DOMAIN {
            let address = Address::parse(&format!("user{u:03}@{}", name(d))).expect("address");
            ops.add_mailbox(MailboxRequest {
                address,
                name: format!("User {u} of {d}"),
                quota: None,
                password: PasswordInput::Hash(hash.clone()),
            })
            .await
            .expect("add mailbox");
        }
        if d % 100 == 99 {
            eprintln!("seeded {} domains ({:.0?})", d + 1, start.elapsed());
        }
    }
    drop(ops);
    std::fs::copy(&scratch_db, &db).expect("copy the seeded directory");
    std::fs::write(&done, "").expect("marker");
    eprintln!(
        "seeded {DOMAINS} domains, {} mailboxes in {:.1?}",
        DOMAINS * PER_DOMAIN,
        start.elapsed()
    );
    db
}

type Term = Terminal<CrosstermBackend<std::io::Sink>>;

fn terminal() -> Term {
    let area = Rect::new(0, 0, 120, 40);
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )
    .expect("terminal")
}

/// Applies an action and returns the directory jobs it asks for. DNS
/// checks are left out: they run beside the UI, and are measured in
/// benches/dns.rs.
fn act(state: &mut State, action: Action) -> Vec<Job> {
    update(state, action)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Run(Job::CheckDns { .. } | Job::LoadDkim { .. }) => None,
            Effect::Run(job) => Some(job),
            _ => None,
        })
        .collect()
}

async fn run_all(services: &Services, state: &mut State, mut jobs: Vec<Job>) {
    while !jobs.is_empty() {
        let mut next = Vec::new();
        for job in jobs {
            let outcome = run_job(services, job).await;
            next.extend(act(state, Action::Done(outcome)));
        }
        jobs = next;
    }
}

fn draw(term: &mut Term, state: &mut State) {
    if state.dirty {
        term.draw(|f| render(f, state)).expect("draw");
        state.dirty = false;
    }
}

fn press(term: &mut Term, state: &mut State, code: KeyCode) -> Duration {
    let start = Instant::now();
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(action) = keymap::action_for(state, key) {
        act(state, action);
    }
    draw(term, state);
    start.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn measure(db: &Path) {
    let start = Instant::now();
    let url = format!("sqlite:{}", db.display());
    let directory = postier::directory::open(&url).await.expect("open");
    let ops = Ops::new(directory, Actor::admin("bench"), Scheme::Sha512Crypt);
    let services = Services {
        hooks: postier::hooks::Hooks::new(&ops, &Default::default()).map(std::sync::Arc::new),
        dns: DnsChecker::new(&Default::default(), ops.actor().clone()).expect("DNS checker"),
        ops: Some(ops.clone()),
        quota: postier::stack::quota::reader(&Default::default()).into(),
        lang: Lang::En,
    };
    let mut state = State::new(
        ops.actor().clone(),
        Lang::En,
        Theme::COLOR,
        ops.directory().describe(),
    );
    let mut term = terminal();
    act(&mut state, Action::Resize(120, 40));
    let jobs = act(&mut state, Action::Start);
    draw(&mut term, &mut state);
    let first_frame = start.elapsed();
    run_all(&services, &mut state, jobs).await;
    draw(&mut term, &mut state);
    let domains_frame = start.elapsed();
    let domains = state
        .list(ListId::Domains)
        .map(|l| l.keys.len())
        .unwrap_or(0);

    // The global mailbox search.
    let open = Instant::now();
    for c in ":mailboxes".chars() {
        press(&mut term, &mut state, KeyCode::Char(c));
    }
    let jobs = act(&mut state, Action::Submit);
    run_all(&services, &mut state, jobs).await;
    draw(&mut term, &mut state);
    let all_loaded = open.elapsed();
    let rows = state
        .list(ListId::AllMailboxes)
        .map(|l| l.keys.len())
        .unwrap_or(0);

    let mut samples = Vec::new();
    for _ in 0..ROUNDS {
        for query in QUERIES {
            press(&mut term, &mut state, KeyCode::Char('/'));
            for c in query.chars() {
                samples.push(press(&mut term, &mut state, KeyCode::Char(c)));
            }
            // Backspaces widen the filter: a full rescan each.
            for _ in 0..query.len().min(6) {
                samples.push(press(&mut term, &mut state, KeyCode::Backspace));
            }
            samples.push(press(&mut term, &mut state, KeyCode::Esc));
        }
    }
    samples.sort();
    let pct = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];

    println!("tui: {domains} domains, {rows} mailboxes on SQLite, 120x40 frames through crossterm");
    println!(
        "  first frame           {:8.1} ms   (target <= 200 ms; shows the header and a spinner)",
        ms(first_frame)
    );
    println!(
        "  domain list drawn     {:8.1} ms   (all {domains} domains with counts)",
        ms(domains_frame)
    );
    println!(
        "  100k mailboxes loaded {:8.1} ms   (global search opened, spinner meanwhile)",
        ms(all_loaded)
    );
    println!(
        "  filter keystroke->frame over {} keys: median {:.2} ms, p99 {:.2} ms, max {:.2} ms   (target p99 <= 16 ms)",
        samples.len(),
        ms(pct(50)),
        ms(pct(99)),
        ms(samples[samples.len() - 1])
    );
    println!(
        "  peak RSS              {:8.1} MB   (target <= 100 MB)",
        peak_rss_mb()
    );
}
