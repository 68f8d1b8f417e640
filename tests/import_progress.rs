//! Progress of a long import: the library reports it as values (phase,
//! done, total) while it hashes and applies; the CLI draws a bar on stderr
//! only when stderr is a terminal, and a pipe gets the plain summary alone.

use postier::import::{self, progress::Phase, progress::Progress};
use postier::ops::{Actor, Ops};
use postier::password::Scheme;
use std::process::Command;
use std::sync::{Arc, Mutex};

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

fn yaml(mailboxes: usize, plain: usize) -> String {
    let mut out = String::from("domains:\n- name: progress.example\nmailboxes:\n");
    for n in 0..mailboxes {
        let password = if n < plain {
            format!("password_plain: 'member {n} horse staple'")
        } else {
            format!("password: '{HASH}'")
        };
        out.push_str(&format!("- address: m{n}@progress.example\n  {password}\n"));
    }
    out
}

#[tokio::test]
async fn the_library_reports_hashing_and_applying_as_values() {
    const MAILBOXES: usize = 12_000;
    const PLAIN: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("directory.db").display());
    let directory = postier::directory::open(&url).await.unwrap();
    let ops = Ops::new(directory, Actor::admin("root"), Scheme::Sha512Crypt);
    let (desired, errors) = import::read_files(&[("f.yaml".into(), yaml(MAILBOXES, PLAIN))]);
    assert!(errors.is_empty());
    let current = import::current(&ops).await.unwrap();
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let report: Arc<import::progress::Reporter> = Arc::new(move |p| sink.lock().unwrap().push(p));
    let plan = import::make_plan(&current, &desired, &[], &report)
        .await
        .unwrap();
    let ready = import::prepare(&plan, Scheme::Sha512Crypt, &report)
        .await
        .unwrap();
    import::apply(&ops, &ready.changes, &*report).await.unwrap();

    let seen = seen.lock().unwrap();
    let of =
        |phase| -> Vec<Progress> { seen.iter().filter(|p| p.phase == phase).copied().collect() };
    let hash = of(Phase::Hash);
    assert_eq!(
        hash.first().map(|p| (p.done, p.total)),
        Some((0, PLAIN as u64))
    );
    assert_eq!(hash.iter().map(|p| p.done).max(), Some(PLAIN as u64));
    assert_eq!(hash.len(), PLAIN + 1, "one report per password hashed");
    let apply = of(Phase::Apply);
    let total = (MAILBOXES + 1) as u64; // and the domain
    assert!(apply.iter().all(|p| p.total == total));
    assert_eq!(apply.first().map(|p| p.done), Some(0));
    assert_eq!(apply.last().map(|p| p.done), Some(total));
    assert!(
        apply.len() >= 4,
        "a long apply reports as it goes, not only at the end: {apply:?}"
    );
    assert!(apply.windows(2).all(|w| w[0].done <= w[1].done));
    // Hashing comes before applying.
    let first_apply = seen.iter().position(|p| p.phase == Phase::Apply).unwrap();
    assert!(seen[..first_apply].iter().all(|p| p.phase != Phase::Apply));
    assert!(seen[first_apply..].iter().all(|p| p.phase == Phase::Apply));
}

fn setup(dir: &std::path::Path) -> (std::path::PathBuf, String, String) {
    let config = dir.join("postier.toml");
    std::fs::write(&config, "").unwrap();
    let url = format!("sqlite:{}", dir.join("directory.db").display());
    let file = dir.join("members.yaml");
    std::fs::write(&file, yaml(3_000, 0)).unwrap();
    let migrated = Command::new(env!("CARGO_BIN_EXE_postier"))
        .args(["db", "migrate"])
        .env("POSTIER_CONFIG", &config)
        .env("POSTIER_DIRECTORY", &url)
        .output()
        .unwrap();
    assert!(migrated.status.success());
    (config, url, file.display().to_string())
}

#[test]
fn a_pipe_gets_no_bar_only_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (config, url, file) = setup(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_postier"))
        .args(["import", &file])
        .env("POSTIER_CONFIG", &config)
        .env("POSTIER_DIRECTORY", &url)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "nothing drawn on a pipe: {stderr:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.ends_with("applied: 3001 added, 0 changed, 0 removed, 0 unchanged\n"),
        "{}",
        &stdout[stdout.len().saturating_sub(200)..]
    );
}

#[test]
fn a_terminal_gets_a_bar_on_stderr_then_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (config, url, file) = setup(dir.path());
    // `script` runs the import on a pseudo-terminal and records it; stdout
    // goes to a file so that only stderr is the terminal's.
    let stdout = dir.path().join("stdout.txt");
    let shell = format!(
        "{} import {file} > {}",
        env!("CARGO_BIN_EXE_postier"),
        stdout.display()
    );
    let out = Command::new("script")
        .args(["-qec", &shell, "/dev/null"])
        .env("POSTIER_CONFIG", &config)
        .env("POSTIER_DIRECTORY", &url)
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("apply") && terminal.contains("/3001"),
        "the bar names the phase and the total: {terminal:?}"
    );
    let summary = std::fs::read_to_string(&stdout).unwrap();
    assert!(
        summary.ends_with("applied: 3001 added, 0 changed, 0 removed, 0 unchanged\n"),
        "{summary}"
    );
}
