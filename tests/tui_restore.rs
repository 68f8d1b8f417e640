//! The TUI's restore of a mailbox from the backups, on a real borg
//! repository: `b` on a mailbox opens a dialog listing the archives the
//! catalogue says hold it (newest first, the newest chosen), with Cancel
//! focused (Enter right away restores nothing); Restore to a new
//! directory brings the maildir's files back, byte for byte; a removed
//! mailbox is reached with `:restore ADDRESS`; the library's refusals
//! (a directory that is not empty, a folder of a mailbox that is gone)
//! are shown in the dialog, in the user's language. The archives are made
//! by `postier::backup::run`, the call behind `postier backup run`.
//!
//! Restoring into a folder of the live mailbox needs Dovecot's doveadm:
//! that path is driven in `backup_dovecot.rs`.

mod tui_support;

use postier::config::Config;
use postier::i18n::Lang;
use postier::model::Address;
use postier::ops::Ops;
use postier::tui::restore::{Focus, RestoreView};
use postier::tui::state::Overlay;
use postier::tui::{Job, Theme};
use ratatui::crossterm::event::KeyCode;
use std::path::{Path, PathBuf};
use tui_support::support::borg::tree;
use tui_support::{Fixture, Tui, key};

const PASSPHRASE: &str = "tui restore passphrase";

/// A borg repository and the config naming it, beside a TUI fixture.
struct Backup {
    work: tempfile::TempDir,
    config: Config,
}

impl Backup {
    fn new(fixture: &Fixture) -> Backup {
        let work = tempfile::tempdir().unwrap();
        let repo = work.path().join("repo");
        let pass = work.path().join("borg.pass");
        std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
        tui_support::support::borg::set_mode(&pass, 0o600);
        let init = std::process::Command::new("borg")
            .env("BORG_PASSCOMMAND", format!("cat {}", pass.display()))
            .args(["init", "--encryption=repokey-blake2"])
            .arg(&repo)
            .output()
            .expect("the restore tests need borg: install it with tests/services/install.sh");
        assert!(init.status.success(), "borg init: {init:?}");
        let path = work.path().join("postier.toml");
        std::fs::write(
            &path,
            format!(
                "[stack]\nmail_root = \"{}\"\n\n[backup]\nrepository = \"{}\"\n\
                 passphrase_file = \"{}\"\nstate_dir = \"{}\"\nlock_wait = \"5s\"\n",
                fixture.mail_root().display(),
                repo.display(),
                pass.display(),
                work.path().join("state").display(),
            ),
        )
        .unwrap();
        let config = Config::read(&path).unwrap();
        Backup { work, config }
    }

    /// One `backup run`: the archive's name.
    async fn run(&self, ops: &Ops) -> String {
        let report = postier::backup::run(&self.config, ops, false)
            .await
            .unwrap();
        assert_eq!(
            report.result,
            postier::backup::RunResult::Ok,
            "{:?}",
            report.error
        );
        report.archive
    }

    fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }
}

/// Writes `n` messages into the maildir at `maildir` (cur/ and new/).
fn deliver(maildir: &Path, n: usize, tag: &str) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for i in 0..n {
        let (sub, flags) = if i % 3 == 0 {
            ("new", "")
        } else {
            ("cur", ":2,S")
        };
        let name = format!("17000{i:05}.M{i}P1{tag}.host,S=300{flags}");
        let body = format!("Subject: {tag} {i}\r\n\r\nMessage {i} ({tag}).\r\n");
        std::fs::write(maildir.join(sub).join(name), body).unwrap();
    }
}

fn view(tui: &Tui) -> &RestoreView {
    match &tui.state.overlay {
        Some(Overlay::Restore(view)) => view,
        other => panic!("no restore dialog: {other:?}"),
    }
}

fn archive_names(tui: &Tui) -> Vec<String> {
    let archives = view(tui).archives.value.as_ref().expect("archives listed");
    archives.iter().map(|a| a.name.clone()).collect()
}

/// Opens lesjardiniers.example and the restore dialog on marie.
async fn open_on_marie(tui: &mut Tui) {
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("j");
    tui.keys("b");
}

/// Types into the dialog's path field, replacing what it holds.
fn type_path(tui: &mut Tui, text: &str) {
    while view(tui).focus != Focus::Path {
        tui.press(key(KeyCode::Tab));
    }
    for _ in 0..view(tui).path().value().chars().count() {
        tui.press(key(KeyCode::Backspace));
    }
    tui.keys(text);
}

/// From the path field: to the buttons, then Restore.
fn press_restore(tui: &mut Tui) {
    tui.press(key(KeyCode::Enter));
    assert_eq!(view(tui).focus, Focus::Buttons);
    assert_eq!(view(tui).button, 0, "Cancel is focused again");
    tui.press(key(KeyCode::Right));
    tui.press(key(KeyCode::Enter));
}

async fn scenario() {
    let fixture = Fixture::new().await;
    let backup = Backup::new(&fixture);
    let admin = fixture.ops("admin");
    let marie = fixture.mail_root().join("lesjardiniers.example/marie");
    let paul = fixture.mail_root().join("lesjardiniers.example/paul");
    deliver(&marie, 12, "first");
    deliver(&paul, 4, "paul");
    let first = backup.run(&admin).await;
    let first_tree = tree(&marie);
    deliver(&marie, 5, "second");
    let second = backup.run(&admin).await;
    let second_tree = tree(&marie);
    assert_ne!(first, second);

    // Marie's dialog: the archives holding her, newest first and chosen;
    // Cancel focused.
    let services = fixture.services_with_config("admin", Lang::En, &backup.config);
    let mut tui = Tui::new(services, Lang::En, Theme::PLAIN, 100, 30).await;
    open_on_marie(&mut tui).await;
    let address = Address::parse("marie@lesjardiniers.example").unwrap();
    assert!(matches!(&tui.jobs[..], [Job::LoadRestoreArchives(a)] if *a == address));
    assert!(view(&tui).archives.loading);
    assert!(tui.screen().contains("reading the backup catalogue"));
    tui.settle().await;
    assert_eq!(archive_names(&tui), [second.clone(), first.clone()]);
    let v = view(&tui);
    assert_eq!(v.selected, 0, "the newest is chosen");
    assert_eq!((v.focus, v.button), (Focus::Buttons, 0), "Cancel focused");
    assert!(!v.to_dir);
    assert_eq!(v.folder.value(), "Restored 2026-12-03");
    let screen = tui.screen();
    assert!(
        screen.contains(&second) && screen.contains(&first),
        "{screen}"
    );
    assert!(screen.contains("complete"), "{screen}");

    // Enter right away cancels: nothing runs, nothing is written.
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none());
    assert!(tui.jobs.is_empty());
    // The help names the key.
    tui.keys("?");
    assert!(
        tui.screen().contains("restore from backup"),
        "{}",
        tui.screen()
    );
    tui.press(key(KeyCode::Esc));
    // Esc cancels too, after choosing a directory.
    let out = backup.path("marie-first");
    tui.keys("b");
    tui.settle().await;
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Right));
    assert!(view(&tui).to_dir);
    type_path(&mut tui, out.to_str().unwrap());
    tui.press(key(KeyCode::Esc));
    assert!(tui.state.overlay.is_none());
    assert!(tui.jobs.is_empty());
    assert!(!out.exists(), "Cancel restored nothing");

    // The older archive, to a new directory: what it held, byte for byte.
    tui.keys("b");
    tui.settle().await;
    tui.press(key(KeyCode::Down));
    assert_eq!(view(&tui).chosen().unwrap().name, first);
    tui.press(key(KeyCode::Tab));
    tui.keys(" ");
    assert!(view(&tui).to_dir);
    type_path(&mut tui, out.to_str().unwrap());
    press_restore(&mut tui);
    assert!(
        matches!(&tui.jobs[..], [Job::Restore { address: a, archive, target }]
            if *a == address && *archive == first
            && *target == postier::backup::RestoreTarget::Dir(out.clone())),
        "{:?}",
        tui.jobs
    );
    assert!(view(&tui).running);
    assert!(tui.screen().contains("restoring…"), "it says it works");
    // While it runs, keys do nothing to it.
    tui.press(key(KeyCode::Up));
    assert_eq!(view(&tui).selected, 1);
    tui.settle().await;
    assert!(tui.state.overlay.is_none());
    let flash = tui.state.flash.clone().expect("a result");
    assert!(!flash.error, "{}", flash.text);
    assert!(
        flash.text.contains(&format!(
            "files restored from {first} into {}",
            out.display()
        )),
        "{}",
        flash.text
    );
    assert!(
        flash.text.starts_with("marie@lesjardiniers.example: "),
        "{}",
        flash.text
    );
    assert_eq!(tree(&out), first_tree, "the first archive's maildir");
    assert!(tree(&out).keys().any(|p| p.starts_with("cur/")));
    assert_eq!(tree(&marie), second_tree, "the live maildir is untouched");

    // Not for a domain admin; not without [backup].
    let services = fixture.services_with_config("domain-admin", Lang::En, &backup.config);
    let mut other = Tui::new(services, Lang::En, Theme::PLAIN, 100, 30).await;
    open_on_marie(&mut other).await;
    assert!(other.state.overlay.is_none() && other.jobs.is_empty());
    other.keys(":restore marie@lesjardiniers.example");
    other.press(key(KeyCode::Enter));
    assert!(other.state.overlay.is_none() && other.jobs.is_empty());
    let flash = other.state.flash.clone().unwrap();
    assert_eq!(flash.text, "not available to your role");
    let mut other = fixture.tui("admin", Lang::En, Theme::PLAIN, 100, 30).await;
    open_on_marie(&mut other).await;
    assert!(other.state.overlay.is_none() && other.jobs.is_empty());
    other.keys(":restore marie@lesjardiniers.example");
    other.press(key(KeyCode::Enter));
    assert!(other.state.overlay.is_none() && other.jobs.is_empty());
    let flash = other.state.flash.clone().unwrap();
    assert!(
        flash.text.starts_with("no backup is configured"),
        "{}",
        flash.text
    );

    // The same directory again: the library refuses to write over it,
    // and the dialog says so (in French for a French reader).
    let services = fixture.services_with_config("admin", Lang::Fr, &backup.config);
    let mut tui = Tui::new(services, Lang::Fr, Theme::PLAIN, 80, 24).await;
    open_on_marie(&mut tui).await;
    tui.settle().await;
    assert_eq!(view(&tui).folder.value(), "Restauré 2026-12-03");
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Right));
    type_path(&mut tui, out.to_str().unwrap());
    press_restore(&mut tui);
    tui.settle().await;
    let v = view(&tui);
    assert!(!v.running);
    let error = v.error.clone().expect("the refusal");
    assert!(
        error.contains("existe et n'est pas vide : une restauration n'écrit jamais"),
        "{error}"
    );
    assert_eq!((v.focus, v.button), (Focus::Buttons, 0), "Cancel focused");
    assert!(
        tui.screen().contains("existe et n'est pas vide"),
        "{}",
        tui.screen()
    );
    assert_eq!(tree(&out), first_tree, "nothing written over");

    // Paul is removed: his maildir moves aside and the next run archives
    // it there. `:restore ADDRESS` reaches him.
    let paul_tree = tree(&paul);
    admin
        .remove_mailbox(Address::parse("paul@lesjardiniers.example").unwrap(), false)
        .await
        .unwrap();
    let event = fixture
        .directory
        .journal(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.event == "mailbox.rm")
        .unwrap();
    postier::backup::move_aside(&backup.config, &event)
        .await
        .unwrap();
    assert!(!paul.exists());
    let third = backup.run(&admin).await;

    let services = fixture.services_with_config("admin", Lang::En, &backup.config);
    let mut tui = Tui::new(services, Lang::En, Theme::PLAIN, 100, 30).await;
    tui.keys(":restore paul@lesjardiniers.example");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert_eq!(archive_names(&tui), [third.clone(), second, first]);
    let archives = view(&tui).archives.value.clone().unwrap();
    assert!(archives[0].removed, "the newest holds his moved-aside data");
    assert!(!archives[1].removed);
    assert!(tui.screen().contains("removed"), "{}", tui.screen());
    // Into a folder of his mailbox: there is none any more.
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Tab));
    press_restore(&mut tui);
    tui.settle().await;
    let error = view(&tui).error.clone().expect("the refusal");
    assert!(
        error.contains("mailbox paul@lesjardiniers.example: not found"),
        "{error}"
    );
    // To a directory: his mail as it was removed.
    let out = backup.path("paul");
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Right));
    type_path(&mut tui, out.to_str().unwrap());
    press_restore(&mut tui);
    tui.settle().await;
    assert!(tui.state.overlay.is_none(), "{:?}", view(&tui).error);
    assert_eq!(tree(&out), paul_tree);
    let flash = tui.state.flash.clone().unwrap();
    assert!(
        flash.text.contains(&format!("from {third} into")),
        "{}",
        flash.text
    );
}

/// One scenario, so that borg's base directory is set for the process
/// once, before it starts any thread: borg keeps its cache and its record of
/// known repositories in this test's own temp dir.
#[test]
fn restore_from_the_tui() {
    let base = tempfile::tempdir().unwrap();
    // SAFETY: set before this test starts a thread; the binary's other
    // tests (the support modules' own, on ports and URLs) read no
    // environment variable.
    unsafe { std::env::set_var("BORG_BASE_DIR", base.path()) };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario());
}
