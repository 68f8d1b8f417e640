//! Monitoring on a large directory: 100,000 mailboxes over 1,000 domains
//! on SQLite, each with a maildir holding a `maildirsize` file (so quota
//! usage is really read, 100,000 files), as the processes a monitoring
//! system runs:
//! - `postier metrics` (without `--dns`): wall time and peak RSS of the
//!   process (targets ≤ 500 ms, ≤ 100 MB);
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-monitor-100k");
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
    std::fs::write(&done, "").expect("marker");
    eprintln!(
        "seeded {DOMAINS} domains, {} mailboxes and their maildirs in {:.1?}",
        DOMAINS * PER_DOMAIN,
        start.elapsed()
    );
    dir
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_postier"));
    c.args(args)
        .env("POSTIER_CONFIG", dir.join("postier.toml"))
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
fn measure(dir: &Path, args: &[&str]) -> (Duration, f64, i32) {
    let start = Instant::now();
    let child = command(dir, args)
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
    let mut times = Vec::new();
    let mut rss: f64 = 0.0;
    for _ in 0..RUNS {
        let (took, mb, code) = measure(dir, args);
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
    report(&dir, &["check", "quota"], None, None);
    report(&dir, &["check", "directory"], None, None);
}
