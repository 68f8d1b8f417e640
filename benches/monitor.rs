//! Monitoring on a large directory: 100,000 mailboxes over 1,000 domains
//! on SQLite, each with a maildir holding a `maildirsize` file (so quota
//! usage is really read, 100,000 files), as the processes a monitoring
//! system runs:
//! - `postier metrics` (without `--dns`): wall time and peak RSS of the
//!   process (targets ≤ 500 ms, ≤ 100 MB);
//! - `postier check backup` (target ≤ 20 ms: it runs every minute), with a
//!   backup catalogue of 17 archives (7 daily, 4 weekly, 6 monthly) each
//!   holding every maildir;
//! - `postier check quota` and `check directory`, for comparison.
//!
//! The seeded directory and mail root are kept under the target dir and
//! reused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DOMAINS: usize = 1_000;
const PER_DOMAIN: usize = 100;
const RUNS: usize = 7;
const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

fn domain(d: usize) -> String {
    format!("collective{d:04}.example")
}

/// The seeded place: config, directory, mail root.
fn seeded() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-monitor-100k-v2");
    let done = dir.join("seeded");
    if done.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("vmail")).expect("bench dir");
    std::fs::write(
        dir.join("postier.toml"),
        format!(
            "[directory]\nurl = \"sqlite:{}\"\n\n[stack]\nmail_root = \"{}\"\n\n[dkim]\nkey_dir = \"{}\"\n",
            dir.join("directory.db").display(),
            dir.join("vmail").display(),
            dir.join("dkim").display(),
        ),
    )
    .expect("config");
    let start = Instant::now();
    let mut yaml = String::from("domains:\n");
    for d in 0..DOMAINS {
        yaml.push_str(&format!("- name: {}\n  quota: 0\n", domain(d)));
    }
    yaml.push_str("mailboxes:\n");
    for d in 0..DOMAINS {
        for u in 0..PER_DOMAIN {
            yaml.push_str(&format!(
                "- address: member{u:03}@{}\n  name: Member {u}\n  quota: 1G\n  password: '{HASH}'\n",
                domain(d)
            ));
        }
    }
    let file = dir.join("import.yaml");
    std::fs::write(&file, yaml).expect("import file");
    run(&dir, &["db", "migrate"]);
    run(&dir, &["import", &file.display().to_string()]);
    std::fs::remove_file(&file).expect("remove import file");
    // Every maildir with mail, some near their quota.
    for d in 0..DOMAINS {
        for u in 0..PER_DOMAIN {
            let maildir = dir
                .join("vmail")
                .join(domain(d))
                .join(format!("member{u:03}"));
            std::fs::create_dir_all(&maildir).expect("maildir");
            let used = if u % 50 == 0 {
                1_000_000_000
            } else {
                1_000_000 * (u as u64 + 1)
            };
            std::fs::write(
                maildir.join("maildirsize"),
                format!("1073741824S\n{used} {u}\n"),
            )
            .expect("maildirsize");
        }
    }
    seed_catalogue(&dir);
    std::fs::write(&done, "").expect("marker");
    eprintln!(
        "seeded {DOMAINS} domains, {} mailboxes and their maildirs in {:.1?}",
        DOMAINS * PER_DOMAIN,
        start.elapsed()
    );
    dir
}

/// The retention's worth of archives, every one holding every maildir, in
/// the catalogue of a `[backup]` config of its own (`postier-backup.toml`):
/// as after weeks of nightly runs. The newest finished an hour ago.
fn seed_catalogue(dir: &Path) {
    use postier::backup::catalogue::{Catalogue, Held, Run, RunResult, Stats};
    let state = dir.join("backup-state");
    let base = std::fs::read_to_string(dir.join("postier.toml")).expect("config");
    std::fs::write(
        dir.join("postier-backup.toml"),
        format!(
            "{base}\n[backup]\nrepository = \"{}\"\nstate_dir = \"{}\"\n",
            dir.join("repo").display(),
            state.display()
        ),
    )
    .expect("backup config");
    let held: Vec<Held> = (0..DOMAINS)
        .flat_map(|d| {
            (0..PER_DOMAIN).map(move |u| Held {
                path: format!("{}/member{u:03}", domain(d)),
                address: format!("member{u:03}@{}", domain(d)),
                removed: false,
            })
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut catalogue = Catalogue::open(&state).await.expect("catalogue");
        let now = chrono::Utc::now();
        for age_days in (0..17).rev() {
            let finished = now - chrono::Duration::hours(1) - chrono::Duration::days(age_days);
            let started = finished - chrono::Duration::minutes(20);
            let time = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            };
            let run = Run {
                archive: format!("mail-{}", started.format("%Y-%m-%dT%H:%M:%S")),
                started: time(started),
                finished: time(finished),
                result: RunResult::Ok,
                stats: Some(Stats::default()),
                warnings: Vec::new(),
                error: None,
            };
            catalogue.record_run(&run, &held).await.expect("record run");
        }
    });
}

fn command(dir: &Path, args: &[&str]) -> Command {
    command_with(dir, "postier.toml", args)
}

fn command_with(dir: &Path, config: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_postier"));
    c.args(args)
        .env("POSTIER_CONFIG", dir.join(config))
        .env_remove("POSTIER_DIRECTORY")
        .env("LC_ALL", "C");
    c
}

fn run(dir: &Path, args: &[&str]) {
    let out = command(dir, args).output().expect("run postier");
    assert!(
        out.status.success(),
        "postier {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs once: wall time, peak RSS in MB (of this very child, by wait4),
/// exit code.
// The child is reaped by wait4 (which also gives its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn measure(dir: &Path, config: &str, args: &[&str]) -> (Duration, f64, i32) {
    let start = Instant::now();
    let child = command_with(dir, config, args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn postier");
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by wait4 for this child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, by its pid.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let took = start.elapsed();
    assert_eq!(pid, child.id() as i32, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (took, usage.ru_maxrss as f64 / 1024.0, code)
}

fn report(dir: &Path, args: &[&str], target_ms: Option<f64>, target_mb: Option<f64>) {
    report_with(dir, "postier.toml", args, target_ms, target_mb)
}

fn report_with(
    dir: &Path,
    config: &str,
    args: &[&str],
    target_ms: Option<f64>,
    target_mb: Option<f64>,
) {
    let mut times = Vec::new();
    let mut rss: f64 = 0.0;
    for _ in 0..RUNS {
        let (took, mb, code) = measure(dir, config, args);
        assert!(code <= 3, "postier {args:?} exited {code}");
        times.push(took);
        rss = rss.max(mb);
    }
    times.sort();
    let median = times[RUNS / 2].as_secs_f64() * 1000.0;
    let worst = times[RUNS - 1].as_secs_f64() * 1000.0;
    let target = |t: Option<f64>, unit: &str| {
        t.map(|t| format!("   (target <= {t:.0} {unit})"))
            .unwrap_or_default()
    };
    println!(
        "  postier {:<24} median {median:7.1} ms, worst {worst:7.1} ms{}",
        args.join(" "),
        target(target_ms, "ms")
    );
    println!(
        "  {:<32} peak RSS {rss:6.1} MB{}",
        "",
        target(target_mb, "MB")
    );
}

fn main() {
    let dir = seeded();
    println!(
        "monitor: {} mailboxes over {DOMAINS} domains (SQLite), every maildir with a maildirsize; {RUNS} runs each",
        DOMAINS * PER_DOMAIN
    );
    report(&dir, &["metrics"], Some(500.0), Some(100.0));
    report_with(
        &dir,
        "postier-backup.toml",
        &["check", "backup"],
        Some(20.0),
        None,
    );
    report(&dir, &["check", "quota"], None, None);
    report(&dir, &["check", "directory"], None, None);
}
