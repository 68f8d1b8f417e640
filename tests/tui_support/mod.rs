//! Test harness for the TUI: a real SQLite directory in a temp dir, seeded
//! through the ops layer; a real Knot DNS serving the demo domains' zones
//! (`fixtures/tui/dns/`, with the service's own zones of `fixtures/dns/`)
//! and their DKIM keys (`fixtures/tui/keys/`); and a [`Tui`] that feeds
//! keys through the keymap into `update`, runs the jobs it asks for
//! against those, and renders into a `TestBackend`.
//!
//! The demo domains' DNS: lesjardiniers.example is all right,
//! radio-libre.example warns (no SPF `all`), chœur-de-la-ville.example
//! fails (no MX), atelier-velo.example is unknown (SERVFAIL), and the
//! alias domain radiolibre.example fails (no DMARC).
#![allow(dead_code)]

#[path = "../support/mod.rs"]
pub mod support;

use postier::config::Config;
use postier::directory;
use postier::i18n::Lang;
use postier::model::*;
use postier::ops::dns::DnsChecker;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput, Role};
use postier::password::Scheme;
use postier::tui::state::{Clock, State};
use postier::tui::{Action, Effect, Job, Services, Theme, keymap, render, run_job, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use support::knot::Knot;
use tempfile::TempDir;

pub const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

/// A seeded directory and the DNS of its domains.
pub struct Fixture {
    _dir: TempDir,
    pub directory: Arc<dyn postier::directory::Directory>,
    /// Serves the demo domains' zones.
    pub knot: Knot,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Knot serving the demo domains' zones and the service's own.
fn start_knot() -> Knot {
    let mut zones = Knot::zones_in(fixtures().join("dns"));
    zones.extend(Knot::zones_in(fixtures().join("tui/dns")));
    Knot::start(zones).expect(
        "the TUI tests need Knot DNS (knotd) for the DNS tab: install it with tests/services/install.sh",
    )
}

/// A DNS checker asking `server` only, quickly, for `actor`, with the
/// Copies the folder `from` (files and folders, modes kept) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::metadata(from).unwrap().permissions()).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// DKIM keys of `key_dir`.
pub fn dns_checker(server: SocketAddr, actor: Actor, key_dir: &Path) -> DnsChecker {
    dns_checker_with(
        server,
        actor,
        &support::dns_service::service_config(key_dir),
    )
}

/// The same, on `config` (the TUI reads `[backup]` and `[stack]` there).
pub fn dns_checker_with(server: SocketAddr, actor: Actor, config: &Config) -> DnsChecker {
    let options = postier::dns::ResolverOptions {
        nameservers: vec![server],
        timeout: Duration::from_secs(2),
        attempts: 1,
        ..Default::default()
    };
    DnsChecker::with_options(config, actor, options)
}

fn d(name: &str) -> DomainName {
    DomainName::parse(name).unwrap()
}

impl Fixture {
    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("directory.db").display());
        let directory = directory::open(&url).await.unwrap();
        let ops = Ops::new(directory.clone(), Actor::admin("root"), Scheme::Sha512Crypt);
        let domain =
            |desc: &str, maxm: u64, maxa: u64, quota: &str, default: &str| DomainSettings {
                description: desc.into(),
                max_mailboxes: maxm,
                max_aliases: maxa,
                quota: Size::parse(quota).unwrap(),
                default_quota: Size::parse(default).unwrap(),
            };
        ops.add_domain(
            d("lesjardiniers.example"),
            domain("Jardins partagés du quartier", 20, 0, "10G", "500M"),
        )
        .await
        .unwrap();
        ops.add_domain(
            d("radio-libre.example"),
            domain("Community radio", 50, 100, "0", "1G"),
        )
        .await
        .unwrap();
        ops.add_domain(
            d("chœur-de-la-ville.example"),
            domain("Chorale (IDN domain)", 0, 0, "0", "250M"),
        )
        .await
        .unwrap();
        ops.add_domain(
            d("atelier-velo.example"),
            domain("Bike repair workshop", 0, 0, "0", "0"),
        )
        .await
        .unwrap();
        ops.add_alias_domain(d("radiolibre.example"), d("radio-libre.example"))
            .await
            .unwrap();
        for (address, name, quota) in [
            ("contact@lesjardiniers.example", "Contact Jardiniers", None),
            ("marie@lesjardiniers.example", "Marie Dupont", Some("1G")),
            ("paul@lesjardiniers.example", "Paul Martin", None),
            ("studio@radio-libre.example", "Studio", Some("2G")),
            ("prog@radio-libre.example", "Programmation", None),
            ("chef@chœur-de-la-ville.example", "Cheffe de chœur", None),
            ("atelier@atelier-velo.example", "Atelier", None),
        ] {
            ops.add_mailbox(MailboxRequest {
                address: Address::parse(address).unwrap(),
                name: name.into(),
                quota: quota.map(|q| Size::parse(q).unwrap()),
                password: PasswordInput::Hash(PasswordHash::parse(HASH).unwrap()),
            })
            .await
            .unwrap();
        }
        let a = |s: &str| Address::parse(s).unwrap();
        ops.add_alias(
            AliasAddress::parse("info@lesjardiniers.example").unwrap(),
            vec![
                a("contact@lesjardiniers.example"),
                a("marie@lesjardiniers.example"),
            ],
        )
        .await
        .unwrap();
        ops.add_alias(
            AliasAddress::parse("@lesjardiniers.example").unwrap(),
            vec![a("contact@lesjardiniers.example")],
        )
        .await
        .unwrap();
        ops.set_mailbox_active(a("paul@lesjardiniers.example"), false)
            .await
            .unwrap();
        for (maildir, size) in [
            ("lesjardiniers.example/marie", "1073741824S\n524288000 12\n"),
            ("lesjardiniers.example/paul", "524288000S\n503316480 80\n"),
        ] {
            let path = dir.path().join("vmail").join(maildir);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("maildirsize"), size).unwrap();
        }
        Fixture {
            _dir: dir,
            directory,
            knot: start_knot(),
        }
    }

    /// What the TUI of `role` runs its jobs against: no directory for a
    /// contact, as `postier tui` does.
    pub fn services(&self, role: &str, lang: Lang) -> Services {
        self.services_with_keys(role, lang, &self.key_dir())
    }

    /// This fixture's own copy of `fixtures/tui/keys`: a change (a removed
    /// domain retires its keys) never touches the checked-in files.
    pub fn key_dir(&self) -> PathBuf {
        let dir = self._dir.path().join("keys");
        if !dir.exists() {
            copy_tree(&fixtures().join("tui/keys"), &dir);
        }
        dir
    }

    /// The same, with the DKIM key store at `key_dir` (for tests that
    /// change keys).
    pub fn services_with_keys(&self, role: &str, lang: Lang, key_dir: &Path) -> Services {
        let ops = self.ops(role);
        let actor = ops.actor().clone();
        let stack = postier::config::StackConfig {
            mail_root: self.mail_root(),
            ..Default::default()
        };
        let hooks = postier::hooks::Hooks::new(&ops, &self.hooks_config()).map(Arc::new);
        Services {
            hooks,
            ops: (role != "contact").then_some(ops),
            dns: dns_checker(self.knot.addr, actor, key_dir),
            quota: postier::stack::quota::reader(&stack).into(),
            lang,
        }
    }

    /// What the TUI of `role` runs its jobs against, with `config` (its
    /// `[backup]` and `[stack]`) in place of the DNS tests' own.
    pub fn services_with_config(&self, role: &str, lang: Lang, config: &Config) -> Services {
        let mut services = self.services(role, lang);
        let actor = services.dns.actor().clone();
        let mut config = config.clone();
        config.mail = support::dns_service::service_config(&self.key_dir()).mail;
        config.dkim.key_dir = self.key_dir();
        services.dns = dns_checker_with(self.knot.addr, actor, &config);
        services
    }

    /// The config the hooks view runs with: `chat` gets every event and
    /// delivers, `monitoring` gets mailbox events and always fails (parked
    /// at its first attempt).
    pub fn hooks_config(&self) -> postier::config::Config {
        let path = self._dir.path().join("hooks.toml");
        if !path.exists() {
            std::fs::write(
                &path,
                "[[hooks]]\nname = \"chat\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n\n\
                 [[hooks]]\nname = \"monitoring\"\nevents = [\"mailbox.*\"]\n\
                 command = [\"/bin/false\"]\nmax_attempts = 1\n",
            )
            .unwrap();
        }
        postier::config::Config::read(&path).unwrap()
    }

    /// Where the maildirs are: marie's is half full, paul's nearly full,
    /// the others have no `maildirsize` yet (no mail delivered).
    pub fn mail_root(&self) -> PathBuf {
        self._dir.path().join("vmail")
    }

    /// The TUI of `role`, started and settled.
    pub async fn tui(&self, role: &str, lang: Lang, theme: Theme, width: u16, height: u16) -> Tui {
        Tui::new(self.services(role, lang), lang, theme, width, height).await
    }

    pub fn ops(&self, role: &str) -> Ops {
        let actor = match role {
            "admin" => Actor::admin("root"),
            "domain-admin" => Actor {
                user: "dana".into(),
                role: Role::DomainAdmin(vec![d("lesjardiniers.example")]),
            },
            "contact" => Actor {
                user: "carl".into(),
                role: Role::Contact(vec![d("radio-libre.example"), d("atelier-velo.example")]),
            },
            other => panic!("no role {other}"),
        };
        Ops::new(self.directory.clone(), actor, Scheme::Sha512Crypt)
    }
}

/// A TUI driven by keys, its jobs run against the real directory and DNS.
pub struct Tui {
    pub services: Services,
    pub state: State,
    /// Jobs asked for and not yet run.
    pub jobs: Vec<Job>,
    pub quit: bool,
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

impl Tui {
    pub async fn new(services: Services, lang: Lang, theme: Theme, width: u16, height: u16) -> Tui {
        let mut state = State::new(
            services.dns.actor().clone(),
            lang,
            theme,
            "sqlite:directory.db".into(),
        );
        state.banner = Some("DEMO".into());
        state.backup = services.dns.config().backup.is_some();
        // Times shown in a fixed zone (UTC+1), on a fixed day.
        state.clock = Clock::Fixed {
            now: "2026-12-03T09:30:00Z".parse().unwrap(),
            offset: chrono::FixedOffset::east_opt(3600).unwrap(),
        };
        let mut tui = Tui {
            services,
            state,
            jobs: Vec::new(),
            quit: false,
        };
        tui.act(Action::Resize(width, height));
        tui.act(Action::Start);
        tui.settle().await;
        tui
    }

    /// Applies an action; remembers the jobs it asks for.
    pub fn act(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::Run(job) => self.jobs.push(job),
                Effect::Quit => self.quit = true,
                Effect::Suspend => {}
            }
        }
    }

    /// Presses one key, through the keymap.
    pub fn press(&mut self, event: KeyEvent) {
        if let Some(action) = keymap::action_for(&self.state, event) {
            self.act(action);
        }
    }

    /// Presses each character of `text` (a key each).
    pub fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.press(key(KeyCode::Char(c)));
        }
    }

    /// Runs every pending job against the directory and feeds the results
    /// back, until no job is left.
    pub async fn settle(&mut self) {
        while !self.jobs.is_empty() {
            for job in std::mem::take(&mut self.jobs) {
                let outcome = run_job(&self.services, job).await;
                self.act(Action::Done(outcome));
            }
        }
    }

    pub fn terminal(&self) -> Terminal<TestBackend> {
        let mut terminal =
            Terminal::new(TestBackend::new(self.state.width, self.state.height)).unwrap();
        terminal.draw(|f| render(f, &self.state)).unwrap();
        terminal
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.terminal().backend().to_string()
    }
}
