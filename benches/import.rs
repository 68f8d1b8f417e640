//! Batch import into an embedded SQLite directory, as the `postier import`
//! process an admin runs: parse + plan + apply (one transaction, audit and
//! journal included), then the plan of the same file against the directory
//! that now holds it (nothing to change).
//!
//! Sizes: the association's 2,210 accounts over 130 domains, and 100,000
//! pre-hashed mailboxes over 1,000 domains (target: whole process ≤ 3 s;
//! set POSTIER_BENCH_IMPORT_LARGE=0 to skip it).

use std::process::Command;
use std::time::{Duration, Instant};

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

fn yaml(mailboxes: usize, domains: usize) -> String {
    let mut out = String::from("domains:\n");
    for d in 0..domains {
        out.push_str(&format!("- name: d{d}.example\n  quota: 0\n"));
    }
    out.push_str("mailboxes:\n");
    for m in 0..mailboxes {
        out.push_str(&format!(
            "- address: user{m}@d{}.example\n  name: Member {m}\n  quota: 1G\n  password: '{HASH}'\n",
            m % domains
        ));
    }
    out
}

fn run(mailboxes: usize, domains: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let url = format!("sqlite:{}", dir.path().join("directory.db").display());
    let file = dir.path().join("import.yaml");
    std::fs::write(&file, yaml(mailboxes, domains)).expect("file");
    let postier = env!("CARGO_BIN_EXE_postier");
    let time = |args: &[&str]| -> Duration {
        let start = Instant::now();
        let out = Command::new(postier)
            .args(args)
            .env("POSTIER_CONFIG", &config)
            .env("POSTIER_DIRECTORY", &url)
            .output()
            .expect("run postier");
        let elapsed = start.elapsed();
        assert!(
            out.status.success(),
            "postier {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    };
    time(&["db", "migrate"]);
    let file = file.display().to_string();
    let apply = time(&["import", &file]);
    let plan = time(&["import", &file, "--plan", "--detailed-exitcode"]);
    let rate = mailboxes as f64 / apply.as_secs_f64();
    println!(
        "import: {mailboxes} pre-hashed mailboxes over {domains} domains into SQLite (one process)"
    );
    println!(
        "  parse + plan + apply {:.2} s ({rate:.0} mailboxes/s, audit and journal included)",
        apply.as_secs_f64()
    );
    println!(
        "  plan of the same file, nothing to change: {:.0} ms",
        plan.as_secs_f64() * 1000.0
    );
}

fn main() {
    run(2_210, 130);
    if std::env::var("POSTIER_BENCH_IMPORT_LARGE").as_deref() != Ok("0") {
        run(100_000, 1_000);
    }
}
