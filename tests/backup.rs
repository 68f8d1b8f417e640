//! Backups on real borg (a local repository in a temp dir): runs and the
//! catalogue, status, list, dry-run; the faults (repository unreachable,
//! an unreadable file, a run killed midway); removal, move-aside, purge
//! only once an archive really holds the data, prune; restore to a
//! directory, byte-identical.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::borg::BorgSetup;

fn addresses(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_run_archives_every_maildir_and_the_catalogue_says_which() {
    let s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    s.add_mailbox("bob@example.org");
    s.deliver("alice@example.org", 20, "first");

    // Before any run: everyone is unprotected, nothing ran.
    let status = s.json(&["backup", "status"]);
    assert_eq!(status["last_run"], Value::Null);
    assert_eq!(status["last_success"], Value::Null);
    assert_eq!(
        addresses(&status["unprotected"]),
        ["alice@example.org", "bob@example.org"]
    );

    // A dry run says what would be archived and archives nothing.
    let plan = s.json(&["backup", "run", "--dry-run"]);
    assert_eq!(plan["dry_run"], true);
    let planned: Vec<&str> = plan["maildirs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ["example.org/alice", "example.org/bob"]);
    assert!(s.archives_in_repo().is_empty(), "a dry run made an archive");

    let report = s.json(&["backup", "run"]);
    assert_eq!(report["result"], "ok");
    let archive = report["archive"].as_str().unwrap().to_string();
    assert!(
        archive.starts_with("mail-") && archive.ends_with('Z'),
        "{archive}"
    );
    assert_eq!(s.archives_in_repo(), [archive.clone()]);
    assert_eq!(report["stats"]["nfiles"], 20);
    let paths = s.archive_paths(&archive);
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("example.org/alice/cur/")),
        "{paths:?}"
    );

    // The catalogue: the archive, and who it holds.
    let list = s.json(&["backup", "list"]);
    assert_eq!(list["archives"][0]["name"], archive.as_str());
    assert_eq!(list["archives"][0]["maildirs"], 2);
    let alice = s.json(&["backup", "list", "alice@example.org"]);
    assert_eq!(alice["holdings"][0]["archive"], archive.as_str());
    assert_eq!(alice["holdings"][0]["path"], "example.org/alice");
    let domain = s.json(&["backup", "list", "example.org"]);
    assert_eq!(domain["holdings"].as_array().unwrap().len(), 2);

    let status = s.json(&["backup", "status"]);
    assert_eq!(status["last_run"]["archive"], archive.as_str());
    assert_eq!(status["last_run"]["result"], "ok");
    assert_eq!(status["last_success"], status["last_run"]["finished"]);
    assert!(status["age_seconds"].as_i64().unwrap() < 60);
    assert!(addresses(&status["unprotected"]).is_empty());
    assert_eq!(status["pending_purge"], Value::Array(vec![]));

    // A mailbox created since the last run is unprotected until the next.
    s.add_mailbox("carol@example.org");
    let status = s.json(&["backup", "status"]);
    assert_eq!(addresses(&status["unprotected"]), ["carol@example.org"]);
    let second = s.json(&["backup", "run"]);
    assert_eq!(second["result"], "ok");
    assert_ne!(second["archive"], report["archive"]);
    let status = s.json(&["backup", "status"]);
    assert!(addresses(&status["unprotected"]).is_empty());
    let remote = s.json(&["backup", "list", "--remote"]);
    assert_eq!(remote["remote"].as_array().unwrap().len(), 2);

    // Each run reached the hooks' journal.
    let done: Vec<_> = s
        .journal()
        .into_iter()
        .filter(|(e, _, _)| e == "backup.done")
        .collect();
    assert_eq!(done.len(), 2);
    assert_eq!(done[0].1, archive);
    assert_eq!(done[0].2["result"], "ok");
}

#[test]
fn an_unreachable_repository_is_a_clear_failure_not_a_success() {
    let s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    s.deliver("alice@example.org", 3, "x");
    s.ok(&["backup", "run"]);

    // The backup server is off: in pull mode, the socket it forwards is
    // not there.
    let socket = s.dir.path().join("borg.sock");
    s.write_config(
        "ssh://backup-server/./mail",
        &format!(
            "rsh = \"sh -c 'exec socat STDIO UNIX-CONNECT:{}'\"",
            socket.display()
        ),
    );
    let (report, stderr) = s.json_exit(&["backup", "run"], 1);
    assert_eq!(report["result"], "error");
    assert_eq!(report["unreachable"], true);
    assert!(stderr.contains("is not reachable"), "{stderr}");
    assert!(stderr.contains("ssh://backup-server/./mail"), "{stderr}");

    // A repository path that is gone (a backup disk not mounted).
    let gone = s.dir.path().join("unmounted/repo");
    s.write_config(&gone.display().to_string(), "");
    let (report, stderr) = s.json_exit(&["backup", "run"], 1);
    assert_eq!(report["unreachable"], true, "{report}");
    assert!(stderr.contains("not reachable"), "{stderr}");

    // Recorded as a failed run; the last success stays the earlier one.
    let status = s.json(&["backup", "status"]);
    assert_eq!(status["last_run"]["result"], "error");
    assert!(
        status["last_run"]["error"]
            .as_str()
            .unwrap()
            .contains("not reachable")
    );
    assert_ne!(status["last_success"], Value::Null);
    assert_ne!(
        status["last_run"]["archive"],
        s.json(&["backup", "list"])["archives"][0]["name"]
    );
    let failed: Vec<_> = s
        .journal()
        .into_iter()
        .filter(|(e, _, _)| e == "backup.failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0].2["unreachable"], true);
}

#[test]
fn an_unreadable_file_degrades_the_run_and_is_named() {
    let mut s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    s.add_mailbox("bob@example.org");
    s.deliver("alice@example.org", 5, "a");
    s.deliver("bob@example.org", 5, "b");
    // The backup runs unprivileged (as a backup account would), and one
    // of bob's files is not readable by it.
    s.run_as(65534, 65534);
    let secret = s.maildir("bob@example.org").join("cur/secret:2,S");
    std::fs::write(&secret, "not for the backup account").unwrap();
    std::os::unix::fs::chown(&secret, Some(0), Some(0)).unwrap();
    support::borg::set_mode(&secret, 0o600);

    let (report, stderr) = s.json_exit(&["backup", "run"], 1);
    assert_eq!(report["result"], "warning", "{report}");
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings, ["example.org/bob/cur/secret:2,S"]);
    assert!(stderr.contains("degraded"), "{stderr}");
    assert!(
        stderr.contains("example.org/bob/cur/secret:2,S"),
        "{stderr}"
    );
    // An archive was made (alice is in it) but it is not a success, and
    // bob's maildir is not held whole.
    assert_eq!(s.archives_in_repo().len(), 1);
    let status = s.json(&["backup", "status"]);
    assert_eq!(status["last_run"]["result"], "warning");
    assert_eq!(status["last_success"], Value::Null);
    assert_eq!(addresses(&status["unprotected"]), ["bob@example.org"]);
}

#[test]
fn a_killed_run_records_nothing_and_the_next_run_works() {
    let s = BorgSetup::new("");
    s.add_mailbox("big@example.org");
    // Enough incompressible data for borg to be caught midway.
    let md = s.maildir("big@example.org").join("cur");
    std::fs::create_dir_all(&md).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..48 {
        let mut data = vec![0u8; 4 << 20];
        for chunk in data.chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        std::fs::write(md.join(format!("{i}.big:2,S")), data).unwrap();
    }
    let mut child = s.command(&["backup", "run"]).spawn().unwrap();
    // borg holds the repository's lock while it writes.
    let lock = s.repo.join("lock.exclusive");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock.exists() {
        assert!(Instant::now() < deadline, "borg never took the lock");
        assert!(child.try_wait().unwrap().is_none(), "the run ended first");
        std::thread::yield_now();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // borg follows postier (it is told to stop when its parent dies) and
    // releases the lock.
    let deadline = Instant::now() + Duration::from_secs(60);
    while lock.exists() {
        assert!(
            Instant::now() < deadline,
            "borg kept the lock after the kill"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = s.json(&["backup", "status"]);
    assert_eq!(
        status["last_run"],
        Value::Null,
        "the killed run was recorded"
    );
    assert_eq!(
        s.json(&["backup", "list"])["archives"],
        Value::Array(vec![])
    );
    assert!(
        !s.journal().iter().any(|(e, _, _)| e.starts_with("backup.")),
        "the killed run reached the journal"
    );

    let report = s.json(&["backup", "run"]);
    assert_eq!(report["result"], "ok");
    let status = s.json(&["backup", "status"]);
    assert_eq!(status["last_run"]["result"], "ok");
    assert!(addresses(&status["unprotected"]).is_empty());
}
