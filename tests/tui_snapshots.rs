//! Snapshots of every TUI view and dialog at 80x24 and 120x40, in English
//! and French, for each role, rendered from a real SQLite directory
//! through the same keys a user would press. Styles (which snapshots do not
//! keep) are asserted in `tui_styles.rs`.

mod tui_support;

use postier::error::Error;
use postier::i18n::{Lang, Msg};
use postier::model::{AuditEntry, Size};
use postier::password::Password;
use postier::tui::action::{Conflict, Done};
use postier::tui::state::{MailboxRow, Subject};
use postier::tui::{Action, Outcome, Theme};
use ratatui::crossterm::event::KeyCode;
use tui_support::{Fixture, Tui, key};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const LANGS: [(Lang, &str); 2] = [(Lang::En, "en"), (Lang::Fr, "fr")];

/// Drives a fresh TUI to the screen called `name`.
async fn drive(tui: &mut Tui, name: &str) {
    let enter = key(KeyCode::Enter);
    let tab = key(KeyCode::Tab);
    match name {
        "domains" => {}
        "domains-filter" => tui.keys("/radio"),
        "command" => tui.keys(":aud"),
        "domain-mailboxes" => {
            tui.keys("j");
            tui.press(enter);
        }
        "domain-aliases" | "domain-alias-domains" | "domain-dns" | "domain-dkim" => {
            tui.keys("j");
            tui.press(enter);
            let tabs = match name {
                "domain-aliases" => 1,
                "domain-alias-domains" => 2,
                "domain-dns" => 3,
                _ => 4,
            };
            for _ in 0..tabs {
                tui.press(tab);
            }
        }
        "radio-alias-domains" | "form-edit-alias-domain" | "confirm-alias-domain" => {
            tui.keys("/radio");
            tui.press(enter);
            tui.press(enter);
            tui.press(tab);
            tui.press(tab);
            tui.settle().await;
            match name {
                "form-edit-alias-domain" => tui.keys("e"),
                "confirm-alias-domain" => tui.keys("d"),
                _ => {}
            }
        }
        "radio-dkim" => {
            // A key made by a rotation and not published yet.
            tui.keys("/radio");
            tui.press(enter);
            tui.press(enter);
            for _ in 0..4 {
                tui.press(tab);
            }
            tui.settle().await;
            tui.keys("j");
        }
        "failing-dns" => {
            // The IDN domain has no MX: the detail shows the fix.
            tui.keys("G");
            tui.press(enter);
            for _ in 0..3 {
                tui.press(tab);
            }
        }
        "mailboxes" => {
            tui.keys(":mailboxes");
            tui.press(enter);
        }
        "audit" => {
            tui.keys(":audit");
            tui.press(enter);
        }
        "help" => tui.keys("?"),
        "form-add-domain" => tui.keys("aexample..org"),
        "form-edit-domain" => tui.keys("e"),
        "form-add-mailbox" => {
            tui.keys("j");
            tui.press(enter);
            tui.keys("azoe");
            tui.press(tab);
            tui.keys("Zoé");
            tui.press(tab);
            tui.keys("1Q");
            tui.press(tab);
            tui.keys(" ");
            tui.press(tab);
            tui.keys("short");
        }
        "form-edit-mailbox" => {
            tui.keys("j");
            tui.press(enter);
            tui.press(enter);
        }
        "form-password" => {
            tui.keys(":mailboxes");
            tui.press(enter);
            tui.keys("p");
        }
        "form-add-alias" => {
            tui.keys("j");
            tui.press(enter);
            tui.press(tab);
            tui.keys("ainfo2");
            tui.press(tab);
            tui.keys("marie@lesjardiniers.example, nobody");
        }
        "form-add-alias-domain" => tui.keys("A"),
        "confirm-mailbox" => {
            tui.keys("j");
            tui.press(enter);
            tui.keys("d");
        }
        "confirm-domain" => tui.keys("jd"),
        "typed-domain" => {
            tui.keys("jd");
            // The dialog has said what goes with the domain.
            tui.settle().await;
            tui.press(key(KeyCode::Right));
            tui.press(key(KeyCode::Right));
            tui.press(enter);
            tui.keys("lesjardiniers");
            tui.press(enter);
        }
        "error" => tui.act(Action::Done(Outcome::Failed(
            Error::limit(
                "mailbox zoe@lesjardiniers.example",
                "domain lesjardiniers.example has reached its limit of 20 mailboxes",
            )
            .with_hint("raise the limit with: postier domain edit --max-mailboxes"),
        ))),
        "conflict" => {
            // Saving a name change after someone else raised the quota.
            tui.keys("j");
            tui.press(enter);
            tui.settle().await;
            tui.keys("je");
            tui.keys(" (trésorière)");
            tui.press(enter);
            tui.jobs.clear();
            let Some(seen) = tui
                .state
                .data
                .domain_mailboxes
                .value
                .as_ref()
                .map(|m| m[1].clone())
            else {
                panic!("no mailboxes")
            };
            let fresh = MailboxRow {
                quota: Size::parse("2G").unwrap(),
                version: seen.version + 1,
                ..seen.clone()
            };
            let latest = AuditEntry {
                id: 99,
                at: "2025-03-14T09:26:53Z".into(),
                actor: "alice".into(),
                action: "mailbox.edit".into(),
                object: seen.address.to_string(),
                before: None,
                after: None,
            };
            tui.act(Action::Done(Outcome::Conflict(Box::new(Conflict {
                seen: Subject::Mailbox(seen),
                fresh: Some(Subject::Mailbox(fresh)),
                latest: Some(latest),
                error: Error::conflict("mailbox marie@lesjardiniers.example", "was changed"),
            }))));
        }
        "password-once" => tui.act(Action::Done(Outcome::Changed(Done {
            verb: Msg::DoneAdded,
            object: Msg::ObjMailbox,
            subject: "zoe@lesjardiniers.example".into(),
            password: Some(Password::new("Abcde-fghij-kmnop-qrstu".into()).unwrap()),
        }))),
        "working" => {
            tui.keys("r");
            tui.state.tick = 3;
        }
        "flash" => {
            tui.keys(":nope");
            tui.press(enter);
        }
        other => panic!("no screen {other}"),
    }
    // Answer every read, except where the spinner is the point.
    if name != "working" {
        tui.settle().await;
    }
}

async fn snapshots(role: &str, screens: &[&str]) {
    let fixture = Fixture::new().await;
    let mut settings = insta::Settings::clone_current();
    // Audit timestamps are the directory's clock.
    settings.add_filter(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "YYYY-MM-DD hh:mm:ss");
    // The test name server's port (always five digits, so lines wrap the
    // same whichever it is).
    settings.add_filter(r"127\.0\.0\.1:\d{5}", "127.0.0.1:PORT");
    let _guard = settings.bind_to_scope();
    for &(lang, lang_name) in &LANGS {
        for &(w, h) in &SIZES {
            for screen in screens {
                let mut tui = fixture.tui(role, lang, Theme::PLAIN, w, h).await;
                drive(&mut tui, screen).await;
                let name = format!("{role}-{screen}-{lang_name}-{w}x{h}");
                insta::assert_snapshot!(name, tui.screen());
            }
        }
    }
}

#[tokio::test]
async fn admin_views_and_dialogs() {
    snapshots(
        "admin",
        &[
            "domains",
            "domains-filter",
            "command",
            "domain-mailboxes",
            "domain-aliases",
            "domain-alias-domains",
            "radio-alias-domains",
            "domain-dns",
            "failing-dns",
            "domain-dkim",
            "radio-dkim",
            "mailboxes",
            "audit",
            "help",
            "form-add-domain",
            "form-edit-domain",
            "form-add-mailbox",
            "form-edit-mailbox",
            "form-password",
            "form-add-alias",
            "form-add-alias-domain",
            "form-edit-alias-domain",
            "confirm-alias-domain",
            "confirm-mailbox",
            "confirm-domain",
            "typed-domain",
            "conflict",
            "error",
            "password-once",
            "working",
            "flash",
        ],
    )
    .await;
}

#[tokio::test]
async fn domain_admin_sees_only_their_domains() {
    snapshots(
        "domain-admin",
        &[
            "domains",
            "domain-mailboxes",
            "domain-aliases",
            "mailboxes",
            "help",
            "form-add-mailbox",
            "confirm-mailbox",
        ],
    )
    .await;
}

#[tokio::test]
async fn contact_sees_only_dns() {
    snapshots("contact", &["domains", "domain-dns", "help", "flash"]).await;
}

#[tokio::test]
async fn too_small_terminal() {
    let fixture = Fixture::new().await;
    for &(lang, lang_name) in &LANGS {
        let tui = fixture.tui("admin", lang, Theme::PLAIN, 50, 12).await;
        insta::assert_snapshot!(format!("too-small-{lang_name}"), tui.screen());
    }
}

/// The restore dialog (`b` on a mailbox), over a catalogue of three
/// archives holding marie's maildir (one from a degraded run); as it
/// opens (Cancel focused), and set to restore into a directory.
#[tokio::test]
async fn restore_dialog() {
    use postier::backup::RunResult;
    use postier::backup::catalogue::{Catalogue, Held, Run};
    let fixture = Fixture::new().await;
    let work = tempfile::tempdir().unwrap();
    let state_dir = work.path().join("state");
    let mut catalogue = Catalogue::open(&state_dir).await.unwrap();
    for (archive, result) in [
        ("mail-2026-11-30T03:00:03Z", RunResult::Ok),
        ("mail-2026-12-01T03:00:05Z", RunResult::Warning),
        ("mail-2026-12-02T03:00:04Z", RunResult::Ok),
    ] {
        let started = archive.trim_start_matches("mail-").to_string();
        let run = Run {
            archive: archive.into(),
            finished: started.clone(),
            started,
            result,
            stats: None,
            warnings: Vec::new(),
            error: None,
        };
        let held = Held {
            path: "lesjardiniers.example/marie".into(),
            address: "marie@lesjardiniers.example".into(),
            removed: false,
        };
        catalogue.record_run(&run, &[held]).await.unwrap();
    }
    let path = work.path().join("postier.toml");
    std::fs::write(
        &path,
        format!(
            "[stack]\nmail_root = \"{}\"\n\n[backup]\nrepository = \"/srv/borg/mail\"\n\
             state_dir = \"{}\"\n",
            fixture.mail_root().display(),
            state_dir.display()
        ),
    )
    .unwrap();
    let config = postier::config::Config::read(&path).unwrap();
    let enter = key(KeyCode::Enter);
    for &(lang, lang_name) in &LANGS {
        for &(w, h) in &SIZES {
            for screen in ["restore", "restore-dir", "restore-refused"] {
                let services = fixture.services_with_config("admin", lang, &config);
                let mut tui = Tui::new(services, lang, Theme::PLAIN, w, h).await;
                tui.keys("j");
                tui.press(key(KeyCode::Enter));
                tui.settle().await;
                tui.keys("jb");
                tui.settle().await;
                if screen != "restore" {
                    tui.press(key(KeyCode::Down));
                    tui.press(key(KeyCode::Tab));
                    tui.press(key(KeyCode::Right));
                    tui.press(key(KeyCode::Tab));
                    tui.keys("/srv/restore/marie");
                }
                if screen == "restore-refused" {
                    // Restore, and the library's refusal (the restore
                    // itself is driven in tui_restore.rs).
                    tui.press(enter);
                    tui.press(key(KeyCode::Right));
                    tui.press(enter);
                    tui.jobs.clear();
                    tui.act(Action::Done(Outcome::Restored(
                        postier::model::Address::parse("marie@lesjardiniers.example").unwrap(),
                        Err(Error::refused(
                            "--to /srv/restore/marie",
                            "exists and is not empty: a restore never writes over anything",
                        )
                        .with_hint("name a new directory")),
                    )));
                }
                // The backup check ages with the machine's clock; the
                // header's health word is not what these screens show.
                if let Some(checks) = &mut tui.state.data.health.value {
                    checks.retain(|c| c.kind != postier::monitor::check::CheckKind::Backup);
                }
                let name = format!("admin-{screen}-{lang_name}-{w}x{h}");
                insta::assert_snapshot!(name, tui.screen());
            }
        }
    }
}
