//! The TUI on a real terminal: tmux runs `postier` (no command, so the TUI
//! opens, as SPEC.md says) on a temp SQLite directory; keys sent with
//! `send-keys` add a domain and a mailbox through the forms; the screen
//! read with `capture-pane` shows them; then `postier mailbox show --json`
//! confirms the mailbox and its quota. A second run checks DNS in the
//! background against a real Knot DNS and shows the result; a third, as a
//! contact, does so with no directory reachable at all; a fourth edits a
//! mailbox in the TUI while the CLI changes it; a fifth kills the
//! directory's server under it and brings it back. Every wait polls the
//! screen against a deadline.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "postier"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }
    fn type_text(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", "postier", "-l", text])
                .status
                .success()
        );
    }
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "postier"]).stdout)
            .into_owned()
    }
    /// Polls the screen until it shows `text`.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{text:?} did not appear within {DEADLINE:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    fn alive(&self) -> bool {
        self.cmd(&["has-session", "-t", "postier"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn postier(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_postier"));
    c.env("POSTIER_CONFIG", dir.join("postier.toml")).env(
        "POSTIER_DIRECTORY",
        format!("sqlite:{}", dir.join("directory.db").display()),
    );
    c
}

/// Creates the empty SQLite directory of `dir` (an explicit path that is
/// not there is refused by every command but `db migrate`).
fn new_directory(dir: &Path) {
    let out = postier(dir).args(["db", "migrate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// tmux, or `None` (loudly) outside CI when it is not installed.
fn tmux_or_skip() -> Option<()> {
    support::services::require_service("tmux", have_tmux().then_some(()), "apt install tmux")
}

/// Starts `postier` (the TUI) on `dir`'s config and directory in a tmux
/// session of 80x24.
fn start_tui(dir: &Path, name: &str) -> Tmux {
    let directory = format!("sqlite:{}", dir.join("directory.db").display());
    start_tui_on(dir, &directory, name)
}

/// The same on the directory `url`.
fn start_tui_on(dir: &Path, url: &str, name: &str) -> Tmux {
    let tmux = Tmux {
        socket: format!("postier-test-{name}-{}", std::process::id()),
    };
    let command = format!(
        "env LANG=C.UTF-8 LC_ALL= NO_COLOR= SUDO_USER= POSTIER_CONFIG='{}' POSTIER_DIRECTORY='{url}' '{}'",
        dir.join("postier.toml").display(),
        env!("CARGO_BIN_EXE_postier"),
    );
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "postier",
        "-x",
        "80",
        "-y",
        "24",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux
}

#[test]
fn adds_a_domain_and_a_mailbox_through_the_forms() {
    if tmux_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postier.toml"), "").unwrap();
    new_directory(dir.path());
    let tmux = start_tui(dir.path(), "forms");

    tmux.wait_for("Domains (0)");
    tmux.send(&["a"]);
    tmux.wait_for("Add domain");
    tmux.type_text("tmux-test.example");
    // Domain, description, max mailboxes, max aliases, then the quota.
    for _ in 0..4 {
        tmux.send(&["Tab"]);
    }
    tmux.send(&["C-u"]);
    tmux.type_text("5G");
    // A total quota needs a default for mailboxes added without one.
    tmux.send(&["Enter"]);
    tmux.wait_for("fill in the default mailbox quota");
    tmux.send(&["Tab"]);
    tmux.send(&["C-u"]);
    tmux.type_text("500M");
    tmux.send(&["Enter"]);
    tmux.wait_for("domain tmux-test.example added");
    let screen = tmux.wait_for("Domains (1)");
    assert!(screen.contains("tmux-test.example"), "{screen}");

    tmux.send(&["Enter"]);
    tmux.wait_for("Mailboxes (0)");
    tmux.send(&["a"]);
    tmux.wait_for("Add mailbox");
    tmux.type_text("alice");
    tmux.send(&["Tab"]);
    tmux.type_text("Alice Liddell");
    tmux.send(&["Tab"]);
    tmux.type_text("750M");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("Password for alice@tmux-test.example");
    assert!(screen.contains("Shown once"), "{screen}");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("Mailboxes (1)");
    assert!(screen.contains("alice@tmux-test.example"), "{screen}");
    assert!(screen.contains("Alice Liddell"), "{screen}");
    assert!(screen.contains("750M"), "{screen}");

    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < DEADLINE, "postier did not quit on q");
        std::thread::sleep(Duration::from_millis(25));
    }

    let out = postier(dir.path())
        .args(["mailbox", "show", "alice@tmux-test.example", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mailbox: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(mailbox["address"], "alice@tmux-test.example");
    assert_eq!(mailbox["name"], "Alice Liddell");
    assert_eq!(mailbox["quota_bytes"], 750u64 << 20);
    assert_eq!(mailbox["active"], true);
    let out = postier(dir.path())
        .args(["domain", "show", "tmux-test.example", "--json"])
        .output()
        .unwrap();
    let domain: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(domain["quota_bytes"], 5u64 << 30);
}

/// Runs a CLI command on `dir`'s directory; it must succeed.
fn cli(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = postier(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "postier {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn mailbox_json(dir: &Path, address: &str) -> Value {
    let out = cli(dir, &["mailbox", "show", address, "--json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Regression (issue 10, item 1): `e` on a mailbox in the TUI, then
/// `mailbox edit … --quota 2G` from the CLI, then saving only a name
/// change in the TUI put the quota back. Now the TUI shows the conflict
/// and the quota stays; Reload and save changes the name alone.
#[test]
fn a_cli_edit_during_a_tui_edit_is_not_overwritten() {
    if tmux_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postier.toml"), "").unwrap();
    let d = dir.path();
    cli(d, &["db", "migrate"]);
    cli(d, &["domain", "add", "conflict.example"]);
    let address = "marie@conflict.example";
    cli(
        d,
        &[
            "mailbox",
            "add",
            address,
            "--name",
            "Marie",
            "--quota",
            "1G",
            "--generate-password",
        ],
    );
    let tmux = start_tui(d, "conflict");
    tmux.wait_for("Domains (1)");
    tmux.send(&["Enter"]);
    tmux.wait_for("Mailboxes (1)");
    tmux.send(&["e"]);
    tmux.wait_for("Edit mailbox marie@conflict.example");

    cli(d, &["mailbox", "edit", address, "--quota", "2G"]);
    tmux.type_text(" Curie");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("Changed meanwhile");
    assert!(screen.contains("was changed by"), "{screen}");
    assert!(screen.contains("quota: 1G → 2G"), "{screen}");
    let stored = mailbox_json(d, address);
    assert_eq!(stored["quota_bytes"], 2u64 << 30, "the CLI's quota stands");
    assert_eq!(stored["name"], "Marie", "nothing of the TUI's was saved");

    // Reload: the form on the current values, the name change kept.
    tmux.send(&["Enter"]);
    tmux.wait_for("Edit mailbox marie@conflict.example");
    tmux.send(&["Enter"]);
    tmux.wait_for("mailbox marie@conflict.example changed");
    let stored = mailbox_json(d, address);
    assert_eq!(stored["name"], "Marie Curie");
    assert_eq!(stored["quota_bytes"], 2u64 << 30);

    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < DEADLINE, "postier did not quit on q");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn checks_dns_in_the_background_and_shows_it() {
    if tmux_or_skip().is_none() {
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut zones = support::knot::Knot::zones_in(fixtures.join("dns"));
    zones.extend(support::knot::Knot::zones_in(fixtures.join("tui/dns")));
    let Some(knot) = support::knot::Knot::start(zones) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config =
        support::dns_service::service_toml(&fixtures.join("tui/keys"), &knot.addr.to_string());
    std::fs::write(dir.path().join("postier.toml"), config).unwrap();
    new_directory(dir.path());
    for domain in ["radio-libre.example", "chœur-de-la-ville.example"] {
        let out = postier(dir.path())
            .args(["domain", "add", domain])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tmux = start_tui(dir.path(), "dns");
    // Both badges arrive without a key pressed.
    let screen = tmux.wait_for("FAIL");
    let row = |name: &str| {
        tmux.wait_for(name)
            .lines()
            .find(|l| l.contains(name))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(
        row("chœur-de-la-ville.example").contains("FAIL"),
        "{screen}"
    );
    tmux.wait_for("warn");
    assert!(
        row("radio-libre.example").contains("warn"),
        "{}",
        tmux.screen()
    );

    // The failing domain's DNS tab: its checks, the first one's fix below.
    tmux.send(&["/"]);
    tmux.type_text("xn--chur");
    tmux.send(&["Enter"]);
    tmux.wait_for("Domains (1/2)");
    tmux.send(&["Enter"]);
    for _ in 0..3 {
        tmux.send(&["Tab"]);
    }
    tmux.wait_for("DNS checks (22) FAIL");
    // A frame is written top to bottom: once the DNS tab's bottom bar is
    // there, the detail pane above it is too (a capture may fall between).
    let screen = tmux.wait_for("c re-check DNS");
    assert!(screen.contains("DNS checks (22) FAIL"), "{screen}");
    assert!(screen.contains("mx.present"), "{screen}");
    assert!(screen.contains("Fix:"), "{screen}");
    assert!(
        screen.contains("xn--chur-de-la-ville-t6c.example. 3600 IN MX 10 mx1.service.test."),
        "{screen}"
    );
    tmux.send(&["c"]);
    tmux.wait_for("Re-checking the DNS of chœur-de-la-ville.example");
    tmux.wait_for("DNS checks (22) FAIL");
    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < DEADLINE, "postier did not quit on q");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn a_contact_checks_their_domains_with_no_directory() {
    if tmux_or_skip().is_none() {
        return;
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut zones = support::knot::Knot::zones_in(fixtures.join("dns"));
    zones.extend(support::knot::Knot::zones_in(fixtures.join("tui/dns")));
    let Some(knot) = support::knot::Knot::start(zones) else {
        return;
    };
    let me = users::get_current_username().expect("a user name");
    let me = me.to_string_lossy();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n[access]\nadmins = [\"nobody-else\"]\ncontacts = {{ \"{me}\" = [\"radio-libre.example\"] }}\n",
        support::dns_service::service_toml(&fixtures.join("tui/keys"), &knot.addr.to_string()),
    );
    std::fs::write(dir.path().join("postier.toml"), config).unwrap();
    // A directory nobody could reach: a contact's TUI must not need it.
    let tmux = start_tui_on(dir.path(), "postgres://postier@127.0.0.1:1/none", "contact");
    let screen = tmux.wait_for("no directory (DNS self-check only)");
    assert!(screen.contains("(contact)"), "{screen}");
    let screen = tmux.wait_for("warn");
    assert!(screen.contains("radio-libre.example"), "{screen}");
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("DNS checks (22) warn");
    assert!(
        !screen.contains("Mailboxes"),
        "a contact sees the DNS tab only:\n{screen}"
    );
    tmux.send(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < DEADLINE, "postier did not quit on q");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The directory's server killed while the TUI is open (a PostgreSQL of
/// the test's own, SIGKILL): a refresh shows the outage naming the server,
/// the TUI keeps answering keys meanwhile, and once the server is back a
/// refresh shows the directory again.
#[test]
fn shows_a_directory_outage_and_recovers() {
    if tmux_or_skip().is_none() {
        return;
    }
    let Some(pg) = support::pg::PrivatePg::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postier.toml"), "").unwrap();
    let url = pg.admin_url();
    let cli_on = |args: &[&str]| {
        let out = postier(dir.path())
            .env("POSTIER_DIRECTORY", &url)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    cli_on(&["db", "migrate"]);
    cli_on(&["domain", "add", "outage.example"]);
    let tmux = start_tui_on(dir.path(), &url, "outage");
    tmux.wait_for("outage.example");

    pg.kill();
    tmux.send(&["r"]);
    let screen = tmux.wait_for("Could not load");
    // The header names the directory; the message names the server too.
    let named = format!("127.0.0.1:{}", pg.port);
    assert!(screen.matches(&named).count() >= 2, "{screen}");
    assert!(!screen.contains("outage.example "), "{screen}");
    // Still answering keys while the directory is down.
    tmux.send(&["?"]);
    tmux.wait_for("Keys");
    tmux.send(&["Escape"]);

    pg.boot();
    tmux.send(&["r"]);
    let start = Instant::now();
    loop {
        let screen = tmux.screen();
        if screen.contains("outage.example") && !screen.contains("Could not load") {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the directory did not come back; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    tmux.send(&["q"]);
}
