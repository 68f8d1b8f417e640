//! The TUI's `:import FILE`: the plan in a scrollable view with Cancel
//! focused (Enter right away applies nothing), Apply one step away; a
//! file with bad rows shows every one with its line and offers nothing to
//! apply. Jobs run against a real SQLite directory.

mod tui_support;

use postier::i18n::Lang;
use postier::model::Address;
use postier::tui::state::Overlay;
use postier::tui::{Job, Theme};
use ratatui::crossterm::event::KeyCode;
use tui_support::{Fixture, Tui, key};

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";
const NEW: usize = 30;

fn import_file(dir: &std::path::Path) -> String {
    let mut yaml = String::from("mailboxes:\n");
    for n in 0..NEW {
        yaml.push_str(&format!(
            "- address: member{n:02}@atelier-velo.example\n  name: Member {n}\n  password: '{HASH}'\n"
        ));
    }
    let path = dir.join("members.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

fn command(tui: &mut Tui, text: &str) {
    tui.keys(":");
    tui.keys(text);
    tui.press(key(KeyCode::Enter));
}

fn view(tui: &Tui) -> &postier::tui::state::ImportView {
    match &tui.state.overlay {
        Some(Overlay::Import(view)) => view,
        other => panic!("no import view: {other:?}"),
    }
}

async fn exists(fixture: &Fixture, address: &str) -> bool {
    fixture
        .ops("admin")
        .mailbox(&Address::parse(address).unwrap())
        .await
        .is_ok()
}

#[tokio::test]
async fn the_plan_scrolls_cancel_is_focused_and_apply_applies() {
    let fixture = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = import_file(dir.path());
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 100, 30).await;

    command(&mut tui, &format!("import {file}"));
    assert!(matches!(&tui.jobs[..], [Job::PlanImport(p)] if p.display().to_string() == file));
    tui.settle().await;
    let v = view(&tui);
    assert_eq!(v.lines.len(), NEW);
    assert_eq!(v.lines[0], "+ mailbox member00@atelier-velo.example");
    assert_eq!(v.focus, 0, "Cancel has the focus");
    assert!(v.summary.contains("30 to add"), "{}", v.summary);
    let screen = tui.screen();
    assert!(screen.contains("member00@atelier-velo.example"), "{screen}");
    assert!(
        !screen.contains("member29@"),
        "the last line is below: {screen}"
    );
    assert!(
        screen.contains("Cancel") && screen.contains("Apply"),
        "{screen}"
    );

    // Enter right away cancels: nothing is applied.
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none());
    assert!(tui.jobs.is_empty());
    assert!(!exists(&fixture, "member00@atelier-velo.example").await);

    // Again; the plan scrolls to its end, then Apply.
    command(&mut tui, &format!("import {file}"));
    tui.settle().await;
    tui.press(key(KeyCode::PageDown));
    tui.press(key(KeyCode::End));
    assert!(view(&tui).scroll > 0);
    let screen = tui.screen();
    assert!(screen.contains("member29@atelier-velo.example"), "{screen}");
    assert!(!screen.contains("member00@"), "scrolled past: {screen}");
    tui.press(key(KeyCode::Right));
    assert_eq!(view(&tui).focus, 1);
    tui.press(key(KeyCode::Enter));
    assert!(matches!(&tui.jobs[..], [Job::ApplyImport(_)]));
    assert!(view(&tui).applying);
    // While it applies, keys do nothing.
    tui.press(key(KeyCode::Esc));
    assert!(matches!(&tui.state.overlay, Some(Overlay::Import(_))));
    tui.settle().await;
    assert!(tui.state.overlay.is_none());
    let flash = tui.state.flash.as_ref().expect("a summary");
    assert!(!flash.error);
    assert!(flash.text.contains("applied: 30 added"), "{}", flash.text);
    for n in [0, NEW - 1] {
        assert!(exists(&fixture, &format!("member{n:02}@atelier-velo.example")).await);
    }
    // The same file again: nothing to apply.
    command(&mut tui, &format!("import {file}"));
    tui.settle().await;
    let v = view(&tui);
    assert!(v.plan.is_none());
    assert!(v.summary.starts_with("nothing to change"), "{}", v.summary);
}

#[tokio::test]
async fn bad_rows_are_all_shown_with_their_lines_and_nothing_applies() {
    let fixture = Fixture::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "mailboxes:\n- address: ok@atelier-velo.example\n  password: 'x'\n\
         - address: nobody@unknown-domain.example\n  password_plain: 'long enough pw'\n",
    )
    .unwrap();
    let file = path.display().to_string();
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 100, 30).await;
    command(&mut tui, &format!("import {file}"));
    tui.settle().await;
    let v = view(&tui);
    assert!(v.plan.is_none());
    assert_eq!(v.lines.len(), 2, "{:?}", v.lines);
    assert!(
        v.lines[0].starts_with(&format!("{file}:2: ")),
        "{:?}",
        v.lines
    );
    assert!(
        v.lines[1].starts_with(&format!("{file}:4: ")),
        "{:?}",
        v.lines
    );
    assert!(
        v.lines[1].contains("unknown-domain.example"),
        "{:?}",
        v.lines
    );
    assert!(v.summary.contains("2 problem"), "{}", v.summary);
    assert!(!tui.screen().contains("Apply"));
    // No Apply to move to.
    tui.press(key(KeyCode::Right));
    tui.press(key(KeyCode::Enter));
    assert!(tui.jobs.is_empty());
    assert!(tui.state.overlay.is_none());
    assert!(!exists(&fixture, "ok@atelier-velo.example").await);
}

#[tokio::test]
async fn import_without_a_file_or_with_a_missing_one_says_so() {
    let fixture = Fixture::new().await;
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 100, 30).await;
    command(&mut tui, "import");
    let flash = tui.state.flash.as_ref().expect("a flash");
    assert!(
        flash.error && flash.text.contains(":import FILE"),
        "{}",
        flash.text
    );
    assert!(tui.jobs.is_empty());
    command(&mut tui, "import /nonexistent/members.yaml");
    tui.settle().await;
    let flash = tui.state.flash.as_ref().expect("a flash");
    assert!(flash.error, "{}", flash.text);
    assert!(
        flash.text.contains("/nonexistent/members.yaml"),
        "{}",
        flash.text
    );
    assert!(tui.state.overlay.is_none());
}
