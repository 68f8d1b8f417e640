//! The database server killed with SIGKILL in the middle of postier's work:
//! an import, 20 times at points spread over its run, against a PostgreSQL
//! of the test's own. Whatever the moment, the command that was
//! running either finished (exit 0, everything there) or says the
//! directory is down naming the server (exit 1) and left nothing half
//! applied; after the server's own crash recovery, the directory, its audit
//! trail and its journal agree, and running the import again completes it.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::pg::PrivatePg;

const HASH: &str = "{SHA512-CRYPT}$6$Hp/xUm6rzxPLKjQA$4Tortnb3CaeOxmXrcYBwpb4v6BUrgRBQNnn7CotgDWQ9\
    ClfJW0qB.J1o2Akeyot9ePZ0n7a7/AGod9WEyiLiP/";

/// A YAML import of `domains` domains with `per_domain` mailboxes each.
fn import_file(dir: &Path, domains: usize, per_domain: usize) -> String {
    let mut yaml = String::from("domains:\n");
    for d in 0..domains {
        yaml.push_str(&format!("- name: d{d}.example\n"));
    }
    yaml.push_str("mailboxes:\n");
    for d in 0..domains {
        for m in 0..per_domain {
            yaml.push_str(&format!(
                "- address: m{m}@d{d}.example\n  name: Member {m}\n  password: '{HASH}'\n"
            ));
        }
    }
    let path = dir.join("members.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

struct Env {
    dir: tempfile::TempDir,
    url: String,
}

impl Env {
    fn postier(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_postier"));
        cmd.env("POSTIER_CONFIG", self.dir.path().join("postier.toml"))
            .env("POSTIER_DIRECTORY", &self.url)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.postier().args(args).output().unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(out.status.success(), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// (mailboxes, audit entries of mailboxes added)
    fn counts(&self) -> (usize, usize) {
        let mailboxes = self.json(&["mailbox", "list"]).as_array().unwrap().len();
        let audit = self.json(&["audit", "--limit", "100000"]);
        let added = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "mailbox.add")
            .count();
        (mailboxes, added)
    }
}

/// Exit 1 naming the server, within the connect timeout and a margin, or
/// exit 0; never anything else.
fn check_outcome(out: &Output, took: Duration, port: u16) -> bool {
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => true,
        Some(1) => {
            // A connection refused names the server; a connection the
            // dying server cut says "directory: … postmaster exit" (naming
            // the host there too is still to do).
            assert!(
                stderr.contains(&format!("127.0.0.1:{port}"))
                    || stderr.starts_with("postier: directory"),
                "the error says the directory is down: {stderr}"
            );
            assert!(took < Duration::from_secs(20), "took {took:?}: {stderr}");
            false
        }
        other => panic!("exit {other:?}: {stderr}"),
    }
}

/// Delays spread over the import's run: from before it connects to after
/// it commits.
fn delays(rounds: u32, spread: Duration) -> Vec<Duration> {
    (0..rounds).map(|i| spread * i / rounds).collect()
}

#[test]
fn an_import_killed_with_its_server_is_all_or_nothing() {
    let Some(pg) = PrivatePg::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postier.toml"), "").unwrap();
    let mut env = Env {
        url: pg.admin_url(),
        dir,
    };
    let file = import_file(env.dir.path(), 20, 40);
    let total = 20 * 40;
    // How long a whole import takes here, to spread the kills over it.
    let fresh = |env: &mut Env, round: u32| {
        let db = format!("killed{round}");
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p"])
            .arg(pg.port.to_string())
            .args(["-c", &format!("CREATE DATABASE {db}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        env.url = format!("postgres://postgres@127.0.0.1:{}/{db}", pg.port);
        assert!(env.run(&["db", "migrate"]).status.success());
    };
    fresh(&mut env, 100);
    let start = Instant::now();
    assert!(env.run(&["import", &file]).status.success());
    let spread = start.elapsed();
    let (mut finished, mut cut) = (0, 0);
    for (round, delay) in delays(20, spread).into_iter().enumerate() {
        fresh(&mut env, round as u32);
        let begun = Instant::now();
        let child = env.postier().args(["import", &file]).spawn().unwrap();
        while begun.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(1));
        }
        pg.kill();
        let out = child.wait_with_output().unwrap();
        let completed = check_outcome(&out, begun.elapsed(), pg.port);
        pg.boot();
        let (mailboxes, audited) = env.counts();
        if completed {
            finished += 1;
            assert_eq!(mailboxes, total, "round {round}: exit 0 means complete");
        } else {
            cut += 1;
            assert!(
                mailboxes == 0 || mailboxes == total,
                "round {round}: half applied: {mailboxes} of {total}"
            );
        }
        assert_eq!(
            audited, mailboxes,
            "round {round}: one audit entry per mailbox"
        );
        // Running it again completes it, and then changes nothing.
        assert!(env.run(&["import", &file]).status.success());
        assert_eq!(env.counts().0, total);
    }
    eprintln!("import killed 20 times: {finished} finished before the kill, {cut} cut off");
    assert!(cut > 0, "no kill landed during an import");
}
