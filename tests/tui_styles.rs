//! Styles that snapshots cannot see: the selected row is marked by a
//! marker and reverse video (and a colour only when colour is on); status
//! words are coloured only when colour is on; with colour off (NO_COLOR,
//! TERM=dumb, --color never) no cell has a colour at all.

mod tui_support;

use postier::i18n::Lang;
use postier::tui::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tui_support::Fixture;

/// The row of the buffer whose text contains `needle`.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            line.contains(needle)
        })
        .unwrap_or_else(|| panic!("{needle} not on screen"))
}

/// The first cell of row `y` whose symbol starts `word`.
fn cell_of(buf: &Buffer, y: u16, word: &str) -> (u16, u16) {
    let line: Vec<String> = (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect();
    let first = word.chars().next().unwrap().to_string();
    for x in 0..line.len() {
        if line[x] == first {
            let rest: String = line[x..].concat();
            if rest.starts_with(word) {
                return (x as u16, y);
            }
        }
    }
    panic!("{word} not in row {y}")
}

#[tokio::test]
async fn selection_and_status_colours() {
    let fixture = Fixture::new().await;
    let mut tui = fixture.tui("admin", Lang::En, Theme::COLOR, 80, 24).await;
    tui.keys("j");
    let term = tui.terminal();
    let buf = term.backend().buffer();
    let selected = row_of(buf, "▶ lesjardiniers.example");
    let cell = &buf[cell_of(buf, selected, "lesjardiniers")];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert_eq!(cell.fg, Color::Cyan);
    let other = row_of(buf, "  atelier-velo.example");
    assert!(
        !buf[cell_of(buf, other, "atelier")]
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert_eq!(buf[cell_of(buf, other, "on ")].fg, Color::Green);
    // DNS badges: a word each, coloured by status.
    let dns = |domain: &str, word: &str| {
        let y = row_of(buf, domain);
        buf[cell_of(buf, y, word)].clone()
    };
    assert_eq!(dns("radio-libre.example", "warn").fg, Color::Yellow);
    let fail = dns("chœur-de-la-ville.example", "FAIL");
    assert_eq!(fail.fg, Color::Red);
    assert!(fail.modifier.contains(Modifier::BOLD), "{fail:?}");
    assert_eq!(dns("atelier-velo.example", "unknown").fg, Color::DarkGray);

    // A disabled mailbox's status is red, and says "off".
    tui.press(tui_support::key(ratatui::crossterm::event::KeyCode::Enter));
    tui.settle().await;
    let term = tui.terminal();
    let buf = term.backend().buffer();
    let paul = row_of(buf, "paul@lesjardiniers.example");
    assert_eq!(buf[cell_of(buf, paul, "off")].fg, Color::Red);
    // How full: nearly full (96%) warns, half full (49%) is fine.
    assert_eq!(buf[cell_of(buf, paul, "480M 96%")].fg, Color::Yellow);
    let marie = row_of(buf, "marie@lesjardiniers.example");
    assert_eq!(buf[cell_of(buf, marie, "500M 49%")].fg, Color::Green);
}

#[tokio::test]
async fn no_colour_keeps_marker_and_reverse_video() {
    let fixture = Fixture::new().await;
    for theme in [
        Theme::resolve(postier::tui::ColorMode::Auto, true, "xterm-256color"),
        Theme::resolve(postier::tui::ColorMode::Never, false, "xterm-256color"),
        Theme::resolve(postier::tui::ColorMode::Auto, false, "dumb"),
    ] {
        let mut tui = fixture.tui("admin", Lang::En, theme, 80, 24).await;
        tui.keys("j");
        let term = tui.terminal();
        let buf = term.backend().buffer();
        for cell in buf.content() {
            assert_eq!(cell.fg, Color::Reset, "no foreground colour: {cell:?}");
            assert_eq!(cell.bg, Color::Reset, "no background colour: {cell:?}");
        }
        let marker = if theme.ascii {
            "> lesjardiniers"
        } else {
            "▶ lesjardiniers"
        };
        let selected = row_of(buf, marker);
        let cell = &buf[cell_of(buf, selected, "lesjardiniers")];
        assert!(cell.modifier.contains(Modifier::REVERSED));
        // Status is still a word, in colour or not.
        assert!(row_of(buf, "atelier-velo.example") > 0);
        let fail = row_of(buf, "chœur-de-la-ville.example");
        assert!(
            buf[cell_of(buf, fail, "FAIL")]
                .modifier
                .contains(Modifier::BOLD)
        );
        cell_of(buf, row_of(buf, "radio-libre.example"), "warn");
    }
}

#[tokio::test]
async fn dumb_terminal_draws_ascii() {
    let fixture = Fixture::new().await;
    let theme = Theme::resolve(postier::tui::ColorMode::Auto, false, "dumb");
    let tui = fixture.tui("admin", Lang::En, theme, 80, 24).await;
    let screen = tui.screen();
    for glyph in ["╭", "│", "▶", "›", "⠋"] {
        assert!(
            !screen.contains(glyph),
            "{glyph} on a dumb terminal:\n{screen}"
        );
    }
    assert!(screen.contains("+ Domains (4) -"), "{screen}");
}

#[tokio::test]
async fn focused_button_is_reverse_video_in_both_modes() {
    let fixture = Fixture::new().await;
    for theme in [Theme::COLOR, Theme::PLAIN] {
        let mut tui = fixture.tui("admin", Lang::En, theme, 80, 24).await;
        tui.keys("jd");
        let term = tui.terminal();
        let buf = term.backend().buffer();
        let y = row_of(buf, "[ Cancel ]");
        assert!(
            buf[cell_of(buf, y, "[ Cancel ]")]
                .modifier
                .contains(Modifier::REVERSED)
        );
        assert!(
            !buf[cell_of(buf, y, "Delete")]
                .modifier
                .contains(Modifier::REVERSED)
        );
    }
}
