//! Restore into the live mailbox on the real stack: a maildir of a few
//! hundred messages delivered by Dovecot's LMTP, archived by `backup run`
//! (real borg), restored into a folder through `doveadm import` and read
//! back over IMAP, the live mail untouched; and restored to a directory,
//! byte-identical to what was archived.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use support::mailstack::{Backend, MailStack};

const MESSAGES: usize = 300;

/// Delivers `n` messages to `rcpt` over one LMTP session.
fn deliver_lmtp(port: u16, rcpt: &str, n: usize, tag: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut reply = |w: &mut TcpStream, line: Option<&str>, want: &str| {
        if let Some(l) = line {
            w.write_all(l.as_bytes()).unwrap();
        }
        loop {
            let mut got = String::new();
            reader.read_line(&mut got).unwrap();
            assert!(got.starts_with(want), "LMTP: wanted {want}, got {got:?}");
            if got.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
    };
    reply(&mut writer, None, "220");
    reply(&mut writer, Some("LHLO backup.test\r\n"), "250");
    for i in 0..n {
        reply(
            &mut writer,
            Some("MAIL FROM:<someone@example.net>\r\n"),
            "250",
        );
        reply(&mut writer, Some(&format!("RCPT TO:<{rcpt}>\r\n")), "250");
        reply(&mut writer, Some("DATA\r\n"), "354");
        let body = format!(
            "From: someone@example.net\r\nTo: {rcpt}\r\nSubject: {tag} {i}\r\n\
             Message-ID: <{tag}-{i}@backup.test>\r\n\r\nThis is {tag} message {i}.\r\n.\r\n"
        );
        reply(&mut writer, Some(&body), "250");
    }
    reply(&mut writer, Some("QUIT\r\n"), "221");
}

#[test]
fn a_mailbox_restored_into_a_folder_reads_back_over_imap() {
    let Some(stack) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    let pass = work.path().join("borg.pass");
    std::fs::write(&pass, "restore test passphrase\n").unwrap();
    support::borg::set_mode(&pass, 0o600);
    let base = work.path().join("borg-base");
    let init = std::process::Command::new("borg")
        .env("BORG_BASE_DIR", &base)
        .env("BORG_PASSCOMMAND", format!("cat {}", pass.display()))
        .args(["init", "--encryption=repokey-blake2"])
        .arg(&repo)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let config = stack.config_with(
        "backup",
        &format!(
            "[backup]\nrepository = \"{}\"\npassphrase_file = \"{}\"\nstate_dir = \"{}\"\n\
             doveadm = [\"doveadm\", \"-c\", \"{}\"]\n",
            repo.display(),
            pass.display(),
            work.path().join("state").display(),
            stack.dovecot_conf().display()
        ),
    );
    let env = [("BORG_BASE_DIR", base.to_str().unwrap())];
    let run = |args: &[&str]| {
        let out = stack.run_with(&config, &env, args, None);
        assert!(
            out.status.success(),
            "postier {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };

    stack.ok(&["domain", "add", "example.org"]);
    stack.ok_with_stdin(
        &["mailbox", "add", "alice@example.org", "--password-stdin"],
        Some("alice-pass-1\n"),
    );
    deliver_lmtp(stack.lmtp_port, "alice@example.org", MESSAGES, "archived");
    let report = run(&["--json", "backup", "run"]);
    assert_eq!(report["result"], "ok", "{report}");
    let archived = support::borg::tree(&stack.maildir("alice@example.org"));

    // Mail that came after the archive stays as it is.
    deliver_lmtp(stack.lmtp_port, "alice@example.org", 5, "live");
    let restored = run(&[
        "--json",
        "backup",
        "restore",
        "alice@example.org",
        "--into-folder",
        "Restored 2026-12-01",
    ]);
    assert_eq!(restored["folder"], "Restored 2026-12-01");

    let mut imap = stack.imap("alice@example.org", "alice-pass-1").unwrap();
    let folders = imap.folders().unwrap();
    // doveadm import puts the archived INBOX under the folder.
    assert!(
        folders.iter().any(|f| f == "Restored 2026-12-01"),
        "{folders:?}"
    );
    let messages = imap.folder("Restored 2026-12-01.INBOX").unwrap();
    assert_eq!(messages.len(), MESSAGES, "restored over IMAP");
    for i in [0, 150, MESSAGES - 1] {
        let id = format!("<archived-{i}@backup.test>");
        assert!(messages.iter().any(|m| m.contains(&id)), "{id} restored");
    }
    assert!(!messages.iter().any(|m| m.contains("live-")));
    let inbox = imap.inbox().unwrap();
    assert_eq!(inbox.len(), MESSAGES + 5, "the live INBOX is untouched");
    imap.logout();

    // The same archive to a directory: byte for byte what was archived
    // (Dovecot's own index and uidlist files included).
    let out = work.path().join("alice-restored");
    run(&[
        "--json",
        "backup",
        "restore",
        "alice@example.org",
        "--to",
        out.to_str().unwrap(),
    ]);
    let restored = support::borg::tree(&out);
    assert!(restored.len() > MESSAGES, "{} entries", restored.len());
    assert_eq!(restored, archived);
    // The staging under the mail root is gone.
    let leftovers: Vec<_> = std::fs::read_dir(stack.mail_root.join(".restoring"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
