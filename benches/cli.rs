//! Wall time of one `postier mailbox add … --password-hash …` process on an
//! embedded SQLite directory: what a batch script pays per mailbox.
//! Prints the median, p90 and p99 over many runs (target: median ≤ 15 ms).

use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 300;
const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let url = format!("sqlite:{}", dir.path().join("directory.db").display());
    let postier = env!("CARGO_BIN_EXE_postier");
    let run = |args: &[&str]| {
        let status = Command::new(postier)
            .args(args)
            .env("POSTIER_CONFIG", &config)
            .env("POSTIER_DIRECTORY", &url)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run postier");
        assert!(status.success(), "postier {args:?} failed");
    };
    run(&["db", "migrate"]);
    run(&["domain", "add", "bench.example"]);

    let mut times: Vec<Duration> = (0..RUNS)
        .map(|i| {
            let address = format!("user{i}@bench.example");
            let start = Instant::now();
            run(&["mailbox", "add", &address, "--password-hash", HASH]);
            start.elapsed()
        })
        .collect();
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("cli: `postier mailbox add --password-hash` process on SQLite, {RUNS} runs");
    println!(
        "  median {:.2} ms   p90 {:.2} ms   p99 {:.2} ms   min {:.2} ms   (target: median <= 15 ms)",
        ms(pct(50)),
        ms(pct(90)),
        ms(pct(99)),
        ms(times[0])
    );
}
