//! Restore into the live mailbox on the real stack: a maildir of a few
//! hundred messages delivered by Dovecot's LMTP, archived by `backup run`
//! (real borg), restored into a folder through `doveadm import` and read
//! back over IMAP, the live mail untouched; and restored to a directory,
//! byte-identical to what was archived. The TUI's restore dialog, driven
//! by keys, restores into another folder the same way.

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

/// The TUI's restore dialog, driven by keys as an admin types them:
/// `:restore ADDRESS`, the folder's name typed over the default, then
/// Restore; its jobs run in process (the same `backup` calls as the CLI's).
fn restore_from_the_tui(config: &std::path::Path, address: &str, folder: &str) {
    use postier::i18n::Lang;
    use postier::ops::{Actor, Ops};
    use postier::tui::state::{Overlay, State};
    use postier::tui::{Action, Effect, Services, Theme, keymap, run_job, update};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let config = postier::config::Config::read(config).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = config.directory.url.clone().unwrap();
        let directory = postier::directory::open(&url).await.unwrap();
        let actor = Actor::admin("root");
        let services = Services {
            ops: Some(Ops::new(directory, actor.clone(), config.passwords.scheme)),
            hooks: Err(postier::error::Error::forbidden(
                "hooks",
                "not in this test",
            )),
            dns: postier::ops::dns::DnsChecker::new(&config, actor.clone()).unwrap(),
            quota: postier::stack::quota::reader(&config.stack).into(),
            lang: Lang::En,
        };
        let mut state = State::new(actor, Lang::En, Theme::PLAIN, url);
        state.backup = true;
        let mut jobs = Vec::new();
        let press = |state: &mut State, jobs: &mut Vec<_>, code: KeyCode| {
            let event = KeyEvent::new(code, KeyModifiers::NONE);
            if let Some(action) = keymap::action_for(state, event) {
                for effect in update(state, action) {
                    if let Effect::Run(job) = effect {
                        jobs.push(job);
                    }
                }
            }
        };
        let typed = format!(":restore {address}");
        for c in typed.chars() {
            press(&mut state, &mut jobs, KeyCode::Char(c));
        }
        press(&mut state, &mut jobs, KeyCode::Enter);
        let settle = async |state: &mut State, jobs: &mut Vec<_>| {
            while let Some(job) = jobs.pop() {
                let outcome = run_job(&services, job).await;
                for effect in update(state, Action::Done(outcome)) {
                    if let Effect::Run(job) = effect {
                        jobs.push(job);
                    }
                }
            }
        };
        settle(&mut state, &mut jobs).await;
        let Some(Overlay::Restore(view)) = &state.overlay else {
            panic!("no restore dialog: {:?} {:?}", state.overlay, state.flash);
        };
        assert_eq!(view.archives.value.as_ref().map(Vec::len), Some(1));
        // Tab to the folder's name (the choice before it is a folder).
        press(&mut state, &mut jobs, KeyCode::Tab);
        press(&mut state, &mut jobs, KeyCode::Tab);
        for _ in 0..40 {
            press(&mut state, &mut jobs, KeyCode::Backspace);
        }
        for c in folder.chars() {
            press(&mut state, &mut jobs, KeyCode::Char(c));
        }
        press(&mut state, &mut jobs, KeyCode::Enter);
        press(&mut state, &mut jobs, KeyCode::Right);
        press(&mut state, &mut jobs, KeyCode::Enter);
        assert_eq!(jobs.len(), 1, "the restore job");
        settle(&mut state, &mut jobs).await;
        assert!(state.overlay.is_none(), "{:?}", state.overlay);
        let flash = state.flash.expect("the result");
        assert!(!flash.error, "{}", flash.text);
        assert!(
            flash.text.contains(&format!("into folder \"{folder}\"")),
            "{}",
            flash.text
        );
    });
}

#[test]
fn a_mailbox_restored_into_a_folder_reads_back_over_imap() {
    let work = tempfile::tempdir().unwrap();
    let base = work.path().join("borg-base");
    // The TUI's restore runs borg from this process: its cache and its
    // record of known repositories go in the test's temp dir too.
    // SAFETY: set before this test starts a thread; the binary's other
    // tests (the support modules' own) read no environment variable.
    unsafe { std::env::set_var("BORG_BASE_DIR", &base) };
    let Some(stack) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    let repo = work.path().join("repo");
    let pass = work.path().join("borg.pass");
    std::fs::write(&pass, "restore test passphrase\n").unwrap();
    support::borg::set_mode(&pass, 0o600);
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

    // The same from the TUI, into another folder.
    restore_from_the_tui(&config, "alice@example.org", "From the TUI");
    let mut imap = stack.imap("alice@example.org", "alice-pass-1").unwrap();
    let messages = imap.folder("From the TUI.INBOX").unwrap();
    assert_eq!(messages.len(), MESSAGES, "restored from the TUI, over IMAP");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("<archived-7@backup.test>"))
    );
    assert!(!messages.iter().any(|m| m.contains("live-")));
    assert_eq!(
        imap.inbox().unwrap().len(),
        MESSAGES + 5,
        "live INBOX untouched"
    );
    assert_eq!(
        imap.folder("Restored 2026-12-01.INBOX").unwrap().len(),
        MESSAGES,
        "the first restore's folder untouched"
    );
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
