//! Backups on real borg (a local repository in a temp dir): runs and the
//! catalogue, status, list, dry-run; the faults (repository unreachable,
//! an unreadable file, a run killed midway); removal, move-aside, purge
//! only once an archive really holds the data, prune; restore to a
//! directory, byte-identical.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::borg::{BorgSetup, tree};

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

    // People read it in their language.
    let human = s.ok(&["backup", "status"]);
    assert!(human.contains("last run:      none"), "{human}");
    assert!(human.contains("unprotected:   2"), "{human}");
    let french = s
        .command(&["backup", "status"])
        .env("LANG", "fr_FR.UTF-8")
        .output()
        .unwrap();
    let french = String::from_utf8_lossy(&french.stdout);
    assert!(french.contains("dernier passage : aucun"), "{french}");
    assert!(french.contains("non protégées :   2"), "{french}");

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
    assert_eq!(s.archives_in_repo(), std::slice::from_ref(&archive));
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
    assert_eq!(alice["holdings"][0]["result"], "ok");
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

/// Before any mailbox received mail there is no maildir to archive: the
/// run still makes an (empty) archive, proving the repository answers.
#[test]
fn a_run_before_any_mail_makes_an_empty_archive() {
    let s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    let report = s.json(&["backup", "run"]);
    assert_eq!(report["result"], "ok", "{report}");
    let archive = report["archive"].as_str().unwrap().to_string();
    assert_eq!(s.archives_in_repo(), [archive]);
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
    // The lock names the borg process holding it: `host@node.PID-TID`.
    let holder: Option<u32> = std::fs::read_dir(&lock)
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok()?.file_name().into_string().ok())
        .and_then(|n| n.rsplit_once('.')?.1.split('-').next()?.parse().ok());
    child.kill().unwrap();
    child.wait().unwrap();
    // borg follows postier (it is told to stop when its parent dies); a
    // borg stopped before it could clean up leaves a stale lock, which the
    // next run breaks (its holder is gone).
    let deadline = Instant::now() + Duration::from_secs(60);
    while holder.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists()) {
        assert!(Instant::now() < deadline, "borg outlived the killed run");
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

fn pending(status: &Value) -> Vec<(String, String)> {
    status["pending_purge"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap().to_string(),
                p["waiting_for"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn removed_data_is_purged_only_once_an_archive_really_holds_it() {
    let s = BorgSetup::new("purge_after = \"0s\"");
    s.add_mailbox("alice@example.org");
    s.deliver("alice@example.org", 10, "old");
    let before = tree(&s.maildir("alice@example.org"));
    s.ok(&["backup", "run"]);

    let aside = s.remove_mailbox("alice@example.org");
    assert_eq!(aside.len(), 1);
    let hooks = s.json(&["hooks", "status"]);
    assert!(
        hooks["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "move-aside" && h["pending"] == 0 && h["failed"] == 0),
        "{hooks}"
    );
    let aside_dir = s.mail_root.join(&aside[0]);
    assert!(
        aside[0].starts_with(".removed/example.org/alice@"),
        "{aside:?}"
    );
    assert_eq!(tree(&aside_dir), before, "moved aside whole");
    assert!(!s.maildir("alice@example.org").exists());
    // The same event delivered again (after a crash) changes nothing.
    assert_eq!(s.move_aside_last_rm(), aside);
    assert_eq!(tree(&aside_dir), before);

    // A new mailbox at the address starts empty.
    s.add_mailbox("alice@example.org");
    assert!(!s.maildir("alice@example.org").exists());

    // No archive made after the removal holds it: kept.
    let status = s.json(&["backup", "status"]);
    assert_eq!(
        pending(&status),
        [("alice@example.org".to_string(), "archive".to_string())]
    );
    let purge = s.json(&["backup", "purge"]);
    assert_eq!(purge["purged"], Value::Array(vec![]));
    assert!(aside_dir.exists());

    let run = s.json(&["backup", "run"]);
    let archive = run["archive"].as_str().unwrap().to_string();
    assert!(
        s.archive_paths(&archive)
            .iter()
            .any(|p| p.starts_with(&aside[0])),
        "the run archived the moved-aside data"
    );
    let status = s.json(&["backup", "status"]);
    assert_eq!(status["pending_purge"][0]["waiting_for"], "nothing");
    assert_eq!(status["pending_purge"][0]["archive"], archive.as_str());

    // Tamper with the catalogue: a newer archive that does not hold the
    // path is said to. The archive itself is asked, and purge refuses.
    let empty = s.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let made = s
        .borg()
        .current_dir(&empty)
        .args(["create", "::unrelated", "."])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    s.catalogue_sql(&format!(
        "INSERT INTO archives (name, run_id, started) VALUES ('unrelated', 0, '2999-01-01T00:00:00.000Z');\
         INSERT INTO held (archive, path, address, removed) VALUES ('unrelated', '{}', 'alice@example.org', 1);",
        aside[0]
    ));
    let (purge, stderr) = s.json_exit(&["backup", "purge"], 1);
    assert_eq!(purge["purged"], Value::Array(vec![]));
    assert_eq!(purge["refused"][0]["archive"], "unrelated");
    assert!(
        purge["refused"][0]["why"]
            .as_str()
            .unwrap()
            .contains("does not hold"),
        "{purge}"
    );
    assert!(stderr.contains(&aside[0]), "{stderr}");
    assert!(aside_dir.exists(), "purged on the catalogue's word alone");
    s.catalogue_sql("DELETE FROM held WHERE archive = 'unrelated'; DELETE FROM archives WHERE name = 'unrelated';");

    // A dry run says so and deletes nothing; then the purge.
    let dry = s.json(&["backup", "purge", "--dry-run"]);
    assert_eq!(dry["purged"][0]["path"], aside[0].as_str());
    assert!(aside_dir.exists());
    let purge = s.json(&["backup", "purge"]);
    assert_eq!(purge["purged"][0]["address"], "alice@example.org");
    assert!(!aside_dir.exists());
    assert!(s.json(&["backup", "status"])["pending_purge"] == Value::Array(vec![]));
    let purged: Vec<_> = s
        .journal()
        .into_iter()
        .filter(|(e, _, _)| e == "mailbox.purged")
        .collect();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].1, "alice@example.org");
    assert_eq!(purged[0].2["archive"], archive.as_str());
    assert_eq!(purged[0].2["path"], aside[0].as_str());
}

#[test]
fn purge_waits_for_purge_after() {
    let s = BorgSetup::new("purge_after = \"1d\"");
    s.add_mailbox("alice@example.org");
    s.deliver("alice@example.org", 2, "x");
    let aside = s.remove_mailbox("alice@example.org");
    s.ok(&["backup", "run"]);
    let status = s.json(&["backup", "status"]);
    assert_eq!(
        pending(&status),
        [("alice@example.org".to_string(), "purge_after".to_string())]
    );
    let purge = s.json(&["backup", "purge"]);
    assert_eq!(purge["purged"], Value::Array(vec![]));
    assert_eq!(purge["waiting"][0]["waiting_for"], "purge_after");
    assert!(s.mail_root.join(&aside[0]).exists());
}

#[test]
fn prune_takes_away_what_only_the_pruned_archive_held() {
    let s =
        BorgSetup::new("purge_after = \"0s\"\nkeep_daily = 1\nkeep_weekly = 0\nkeep_monthly = 0");
    s.add_mailbox("alice@example.org");
    s.add_mailbox("bob@example.org");
    s.deliver("alice@example.org", 2, "a");
    s.deliver("bob@example.org", 2, "b");
    s.remove_mailbox("alice@example.org");
    let first = s.json(&["backup", "run"])["archive"]
        .as_str()
        .unwrap()
        .to_string();
    let status = s.json(&["backup", "status"]);
    assert!(addresses(&status["unprotected"]).is_empty());
    assert_eq!(status["pending_purge"][0]["waiting_for"], "nothing");

    // A newer archive of the same day (made elsewhere) is the one
    // keep_daily = 1 keeps: postier's only archive is pruned.
    let empty = s.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let made = s
        .borg()
        .current_dir(&empty)
        .args(["create", "::mail-elsewhere", "."])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    // A dry run names what would go, and deletes or records nothing.
    let would = s.json(&["backup", "prune", "--dry-run"]);
    assert_eq!(would["dry_run"], true);
    assert_eq!(would["pruned"], serde_json::json!([first.as_str()]));
    let shown = s.ok(&["backup", "prune", "-n"]);
    assert!(
        shown.contains("would prune 1 archive(s)") && shown.contains(&first),
        "{shown}"
    );
    let mut both = s.archives_in_repo();
    both.sort();
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(addresses(&s.json(&["backup", "status"])["unprotected"]).is_empty());
    let prune = s.json(&["backup", "prune"]);
    assert_eq!(prune["dry_run"], false);
    assert_eq!(prune["pruned"][0], first.as_str());
    assert_eq!(s.archives_in_repo(), ["mail-elsewhere"]);

    let status = s.json(&["backup", "status"]);
    assert_eq!(addresses(&status["unprotected"]), ["bob@example.org"]);
    assert_eq!(status["pending_purge"][0]["waiting_for"], "archive");
    assert_eq!(
        s.json(&["backup", "list", "bob@example.org"])["holdings"],
        Value::Array(vec![])
    );
    let list = s.json(&["backup", "list"]);
    assert_ne!(list["archives"][0]["pruned"], Value::Null);
    // Nothing is purged on the word of a pruned archive.
    let purge = s.json(&["backup", "purge"]);
    assert_eq!(purge["purged"], Value::Array(vec![]));
}

#[test]
fn restore_to_a_directory_is_byte_identical_and_never_overwrites() {
    let s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    s.deliver("alice@example.org", 120, "kept");
    // A subfolder, as Dovecot's Maildir++ keeps them.
    let sent = s.maildir("alice@example.org").join(".Sent/cur");
    std::fs::create_dir_all(&sent).unwrap();
    std::fs::write(sent.join("1.M1P1.host,S=5:2,S"), b"sent\n").unwrap();
    std::fs::write(
        s.maildir("alice@example.org").join("subscriptions"),
        b"Sent\n",
    )
    .unwrap();
    let original = tree(&s.maildir("alice@example.org"));
    let archive = s.json(&["backup", "run"])["archive"]
        .as_str()
        .unwrap()
        .to_string();

    let out = s.dir.path().join("restored");
    let report = s.json(&[
        "backup",
        "restore",
        "alice@example.org",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert_eq!(report["archive"], archive.as_str());
    assert_eq!(report["files"], 122);
    assert_eq!(tree(&out), original);

    // Never over anything.
    let (_, stderr) = s.json_exit(
        &[
            "backup",
            "restore",
            "alice@example.org",
            "--to",
            out.to_str().unwrap(),
        ],
        1,
    );
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(tree(&out), original);
    // No leftovers of the staging.
    let left: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("postier-restore"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A removed mailbox comes back too, from its moved-aside data.
    s.remove_mailbox("alice@example.org");
    s.ok(&["backup", "run"]);
    let out2 = s.dir.path().join("restored-removed");
    let report = s.json(&[
        "backup",
        "restore",
        "alice@example.org",
        "--to",
        out2.to_str().unwrap(),
    ]);
    assert!(report["path"].as_str().unwrap().starts_with(".removed/"));
    assert_eq!(tree(&out2), original);
    // And the older archive, named, still has the live maildir.
    let out3 = s.dir.path().join("restored-older");
    let report = s.json(&[
        "backup",
        "restore",
        "alice@example.org",
        "--archive",
        &archive,
        "--to",
        out3.to_str().unwrap(),
    ]);
    assert_eq!(report["path"], "example.org/alice");
    assert_eq!(tree(&out3), original);
    // An archive that does not hold it is named in the error.
    let (_, stderr) = s.json_exit(
        &[
            "backup",
            "restore",
            "nobody@example.org",
            "--to",
            "/nonexistent/x",
        ],
        1,
    );
    assert!(stderr.contains("nobody@example.org"), "{stderr}");
}

#[test]
fn bad_backup_settings_are_named_at_load() {
    let s = BorgSetup::new("");
    s.write_config(&s.repo.display().to_string(), "purge_after = \"2x\"");
    let out = s.run(&["backup", "status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[backup] purge_after") && stderr.contains("\"2x\""),
        "{stderr}"
    );
    // A passphrase file readable by everyone is refused, naming it.
    s.write_config(&s.repo.display().to_string(), "");
    support::borg::set_mode(&s.passphrase_file, 0o644);
    let out = s.run(&["backup", "run"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("passphrase_file") && stderr.contains("chmod o-rwx"),
        "{stderr}"
    );
    assert!(s.archives_in_repo().is_empty());
    // No [backup] at all: one line saying what to add.
    std::fs::write(
        &s.config,
        format!("[directory]\nurl = \"sqlite:{}\"\n", s.db.display()),
    )
    .unwrap();
    let out = s.run(&["backup", "status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[backup]") && stderr.contains("not configured"),
        "{stderr}"
    );
}

/// Monitoring reads the backup state from the local catalogue: `check
/// backup` is CRITICAL before any success, OK after one, WARNING once the
/// last success is older than `-w`, and still answers when the backup
/// server is off; `metrics` carries the backup families (promtool-valid).
#[test]
fn monitoring_sees_the_backups_from_the_catalogue() {
    let s = BorgSetup::new("");
    s.add_mailbox("alice@example.org");
    s.deliver("alice@example.org", 3, "m");
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "backup"];
        args.extend_from_slice(extra);
        let out = s.run(&args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, text) = check(&[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.starts_with("POSTIER BACKUP CRITICAL"), "{text}");
    let archive = s.json(&["backup", "run"])["archive"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, text) = check(&[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.starts_with("POSTIER BACKUP OK"), "{text}");
    assert!(text.contains(&archive), "{text}");
    // A warning range the age falls in (`@` alerts inside it).
    let (code, text) = check(&["-w", "@0:1h", "-c", "1d"]);
    assert_eq!(code, Some(1), "{text}");
    // The backup server is switched off: the answer is the same.
    let socket = s.dir.path().join("gone.sock");
    s.write_config(
        "ssh://backup-server/./mail",
        &format!(
            "rsh = \"sh -c 'exec socat STDIO UNIX-CONNECT:{}'\"",
            socket.display()
        ),
    );
    let (code, text) = check(&[]);
    assert_eq!(code, Some(0), "{text}");
    let metrics = s.ok(&["metrics"]);
    assert!(
        metrics.contains("postier_backup_last_success_timestamp_seconds "),
        "{metrics}"
    );
    assert!(
        metrics.contains("postier_backup_unprotected_mailboxes 0"),
        "{metrics}"
    );
    let mut promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool");
    use std::io::Write;
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(metrics.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
}
