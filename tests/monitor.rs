//! Monitoring (SPEC.md, "Monitoring") on real parts: the real binary on a
//! SQLite directory holding every kind of object, real maildirsize files,
//! real hooks parked by a failing command, a real Knot DNS serving
//! `fixtures/dns/`, and Prometheus's own `promtool` judging the metrics
//! text and the shipped alerting rules.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::dns_proxy::Silent;
use support::dns_service;
use support::knot::Knot;
use support::services::require_service;
use tempfile::TempDir;

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";
const WEAK_HASH: &str = "{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDugX/";

/// A SQLite directory, a mail root and a DKIM key store in a temp dir,
/// with a config naming them (plus `extra` TOML).
struct Env {
    dir: TempDir,
}

impl Env {
    fn new(extra: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(env.mail_root()).unwrap();
        env.write_config("postier.toml", extra);
        env.run(&["db", "migrate"], 0);
        env
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn mail_root(&self) -> PathBuf {
        self.path().join("vmail")
    }

    fn key_dir(&self) -> PathBuf {
        self.path().join("dkim")
    }

    /// Writes a config file `name` for this environment.
    fn write_config(&self, name: &str, extra: &str) -> PathBuf {
        let text = format!(
            "[directory]\nurl = \"sqlite:{}\"\n\n[stack]\nmail_root = \"{}\"\n\n{extra}\n",
            self.path().join("directory.db").display(),
            self.mail_root().display(),
        );
        let text = if extra.contains("[dkim]") {
            text
        } else {
            format!(
                "{text}\n[dkim]\nkey_dir = \"{}\"\n",
                self.key_dir().display()
            )
        };
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn cmd_with(&self, config: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_postier"));
        c.env("POSTIER_CONFIG", config)
            .env_remove("POSTIER_DIRECTORY")
            .env_remove("LANG")
            .env_remove("LC_MESSAGES")
            .env("LC_ALL", "C");
        c
    }

    fn cmd(&self) -> Command {
        self.cmd_with(&self.path().join("postier.toml"))
    }

    /// Runs with the main config, expects exit `code`, returns stdout.
    fn run(&self, args: &[&str], code: i32) -> String {
        expect(self.cmd().args(args).output().unwrap(), args, code)
    }

    /// Writes `bytes` as the maildirsize of `maildir` (`domain/local`).
    fn maildirsize(&self, maildir: &str, text: &str) {
        let dir = self.mail_root().join(maildir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("maildirsize"), text).unwrap();
    }
}

fn expect(out: Output, args: &[&str], code: i32) -> String {
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "postier {args:?}: stdout {stdout}\nstderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Two hooks: `chat` fails at once (parked after one attempt), `audit`
/// would deliver but is not run: its events wait.
const HOOKS: &str = r#"
[[hooks]]
name = "chat"
events = ["*"]
command = ["false"]
max_attempts = 1
backoff = "0s"

[[hooks]]
name = "audit"
events = ["*"]
command = ["true"]
"#;

/// The journal events the fixture makes.
const FIXTURE_EVENTS: u64 = 13;

/// A directory with every kind of object: domains (one capped, one
/// disabled), an alias domain, mailboxes (one disabled, one with a weak
/// hash, one near its quota, unlimited ones), aliases and a catch-all,
/// mail in maildirs, a DKIM key, and hooks with a parked failure.
fn fixture() -> Env {
    let env = Env::new(HOOKS);
    // The hooks start at the journal's end: every change below is theirs.
    env.run(&["hooks", "status"], 0);
    let mailbox = |address: &str, quota: &str, hash: &str| {
        env.run(
            &[
                "mailbox",
                "add",
                address,
                "--quota",
                quota,
                "--password-hash",
                hash,
            ],
            0,
        );
    };
    env.run(
        &[
            "domain",
            "add",
            "example.org",
            "--quota",
            "10G",
            "--default-quota",
            "1M",
        ],
        0,
    );
    env.run(&["domain", "add", "radio-libre.fr"], 0);
    env.run(&["domain", "add", "old.example"], 0);
    env.run(&["domain", "disable", "old.example"], 0);
    env.run(
        &["domain", "alias", "add", "alias.example", "example.org"],
        0,
    );
    mailbox("alice@example.org", "1M", HASH);
    mailbox("bob@example.org", "1M", HASH);
    mailbox("carol@example.org", "2M", HASH);
    env.run(&["mailbox", "disable", "carol@example.org"], 0);
    mailbox("dave@radio-libre.fr", "0", WEAK_HASH);
    mailbox("erin@radio-libre.fr", "0", HASH);
    env.run(
        &["alias", "add", "info@example.org", "alice@example.org"],
        0,
    );
    env.run(
        &["alias", "add", "@radio-libre.fr", "dave@radio-libre.fr"],
        0,
    );
    env.run(
        &["dkim", "generate", "example.org", "--algorithm", "ed25519"],
        0,
    );
    // alice at 950,000 of 1 MiB (90.6 %), bob at 100,000, erin unlimited.
    env.maildirsize("example.org/alice", "1048576S\n900000 9\n50000 1\n");
    env.maildirsize("example.org/bob", "1048576S\n100000 2\n");
    env.maildirsize("radio-libre.fr/erin", "0S\n5000 1\n");
    // Only chat runs: it fails its first event and parks there.
    let only_chat = env.write_config(
        "chat-only.toml",
        "[[hooks]]\nname = \"chat\"\nevents = [\"*\"]\ncommand = [\"false\"]\nmax_attempts = 1\nbackoff = \"0s\"\n",
    );
    expect(
        env.cmd_with(&only_chat)
            .args(["hooks", "run"])
            .output()
            .unwrap(),
        &["hooks", "run"],
        1,
    );
    env
}

/// `name{labels} value` lines as a map (HELP/TYPE left out).
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse().unwrap())
        })
        .collect()
}

fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    require_service(
        "promtool",
        found.then_some("promtool"),
        "install Debian's prometheus package: tests/services/install.sh",
    )
}

/// `promtool check metrics` on `text`: no error and no lint complaint.
fn promtool_accepts(text: &str) {
    let Some(promtool) = promtool() else { return };
    let mut check = Command::new(promtool);
    check.args(["check", "metrics"]);
    let out = support::process::feed(check, text);
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn metrics_of_a_known_directory_have_exact_values_and_pass_promtool() {
    let env = fixture();
    let before = chrono::Utc::now().timestamp();
    let text = env.run(&["metrics"], 0);
    promtool_accepts(&text);
    let s = samples(&text);
    let at = |series: &str| {
        *s.get(series)
            .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
    };
    assert_eq!(at("postier_directory_up"), 1.0);
    assert_eq!(at("postier_directory_schema_version"), 3.0);
    for source in ["directory", "dkim", "hooks"] {
        assert_eq!(
            at(&format!("postier_source_up{{source=\"{source}\"}}")),
            1.0
        );
    }
    assert_eq!(at("postier_domains"), 3.0);
    assert_eq!(at("postier_domains_disabled"), 1.0);
    assert_eq!(at("postier_alias_domains"), 1.0);
    let per_domain = [
        ("postier_mailboxes", [3.0, 2.0, 0.0]),
        ("postier_mailboxes_disabled", [1.0, 0.0, 0.0]),
        ("postier_mailboxes_weak_password", [0.0, 1.0, 0.0]),
        ("postier_aliases", [1.0, 1.0, 0.0]),
        ("postier_quota_allotted_bytes", [4_194_304.0, 0.0, 0.0]),
        ("postier_quota_used_bytes", [1_050_000.0, 5_000.0, 0.0]),
        ("postier_mailboxes_near_quota", [1.0, 0.0, 0.0]),
    ];
    for (name, values) in per_domain {
        for (domain, value) in ["example.org", "radio-libre.fr", "old.example"]
            .iter()
            .zip(values)
        {
            assert_eq!(
                at(&format!("{name}{{domain=\"{domain}\"}}")),
                value,
                "{name} of {domain}"
            );
        }
    }
    assert_eq!(
        at("postier_quota_limit_bytes{domain=\"example.org\"}"),
        10_737_418_240.0
    );
    assert!(!text.contains("postier_quota_limit_bytes{domain=\"radio-libre.fr\"}"));
    // The DKIM key, with the time the key store recorded.
    let keys: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.key_dir().join("example.org/keys.json")).unwrap(),
    )
    .unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(keys["keys"][0]["created"].as_str().unwrap())
        .unwrap()
        .timestamp() as f64;
    assert_eq!(
        at(
            "postier_dkim_key_created_timestamp_seconds{domain=\"example.org\",selector=\"s1\",state=\"pending\"}"
        ),
        created
    );
    // chat parked at the first event, audit never run: both owe everything.
    let events = FIXTURE_EVENTS as f64;
    assert_eq!(at("postier_hooks_pending{hook=\"chat\"}"), events);
    assert_eq!(at("postier_hooks_pending{hook=\"audit\"}"), events);
    assert_eq!(at("postier_hooks_failed{hook=\"chat\"}"), 1.0);
    assert_eq!(at("postier_hooks_failed{hook=\"audit\"}"), 0.0);
    let oldest = at("postier_hooks_oldest_pending_timestamp_seconds{hook=\"audit\"}");
    assert!(
        oldest <= before as f64 && oldest > (before - 600) as f64,
        "{oldest} vs {before}"
    );
    // No mailbox address anywhere: not as a label, not in a value.
    for address in ["alice", "bob@", "carol", "dave", "erin", "info@"] {
        assert!(!text.contains(address), "{address} in:\n{text}");
    }
    // Every family has its HELP and TYPE.
    for name in s.keys().map(|k| k.split('{').next().unwrap()) {
        assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        assert!(text.contains(&format!("# TYPE {name} gauge")), "{name}");
    }
}

#[test]
fn metrics_say_the_directory_is_down_and_still_write_the_file() {
    let env = Env::new("");
    let textfile = env.path().join("textfile");
    std::fs::create_dir(&textfile).unwrap();
    let out = env
        .cmd()
        .env(
            "POSTIER_DIRECTORY",
            format!("sqlite:{}", env.path().join("gone.db").display()),
        )
        .args(["metrics", "--textfile", &textfile.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("gone.db"), "{stderr}");
    let text = std::fs::read_to_string(textfile.join("postier.prom")).unwrap();
    promtool_accepts(&text);
    let s = samples(&text);
    assert_eq!(s["postier_directory_up"], 0.0);
    assert_eq!(s["postier_source_up{source=\"directory\"}"], 0.0);
    assert!(!s.contains_key("postier_domains"), "{text}");
    // Bad usage: a textfile directory that is not there.
    let out = env
        .cmd()
        .args(["metrics", "--textfile", "/nonexistent/textfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("/nonexistent/textfile"), "{stderr}");
}

/// Monitoring reads the embedded directory's mailboxes straight from the
/// file: while another process holds a write open on it, the read still
/// answers (with what was committed); a row changed outside postier is
/// named, never read as something else.
#[test]
fn metrics_read_the_sqlite_file_beside_a_writer_and_name_a_bad_row() {
    let env = fixture();
    let before = samples(&env.run(&["metrics"], 0));
    let db = rusqlite::Connection::open(env.path().join("directory.db")).unwrap();
    db.execute_batch(
        "BEGIN IMMEDIATE; UPDATE mailboxes SET quota_bytes = 1 WHERE address = 'bob@example.org';",
    )
    .unwrap();
    let during = samples(&env.run(&["metrics"], 0));
    assert_eq!(
        during["postier_mailboxes{domain=\"example.org\"}"],
        before["postier_mailboxes{domain=\"example.org\"}"]
    );
    assert_eq!(
        during["postier_quota_allotted_bytes{domain=\"example.org\"}"],
        before["postier_quota_allotted_bytes{domain=\"example.org\"}"],
        "the uncommitted quota is not read"
    );
    db.execute_batch("ROLLBACK").unwrap();
    db.execute(
        "UPDATE mailboxes SET password = '{NOPE}abc' WHERE address = 'bob@example.org'",
        [],
    )
    .unwrap();
    let out = check(&env, &["quota"], 3);
    assert!(
        out.contains("a stored password hash (mailbox bob@example.org) is not valid: password hash: scheme {NOPE} is not supported"),
        "{out}"
    );
}

/// The first line of a plugin's output, its state word and exit code.
fn check(env: &Env, args: &[&str], code: i32) -> String {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out = env.run(&all, code);
    let first = out.lines().next().unwrap_or_default().to_string();
    let what = args[0].to_uppercase();
    let state = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code as usize];
    assert!(
        first.starts_with(&format!("POSTIER {what} {state} - ")),
        "{args:?}: {out}"
    );
    out
}

#[test]
fn check_hooks_in_each_state() {
    let env = fixture();
    // chat is parked: critical, naming it and what to do.
    let out = check(&env, &["hooks"], 2);
    assert!(
        out.contains("1 of 2 hooks parked at a failed event: chat"),
        "{out}"
    );
    assert!(out.contains("chat: 13 pending"), "{out}");
    assert!(out.contains("parked at event 1 after 1 attempts"), "{out}");
    assert!(out.contains("postier hooks retry chat"), "{out}");
    assert!(
        out.contains("| parked=1;;;0 pending=26;;;0 oldest_pending="),
        "{out}"
    );
    assert!(out.contains("s;3600;21600;0"), "{out}");
    // Without chat: audit's events wait, young: OK; older than -w: WARNING.
    let audit_only = env.write_config(
        "audit.toml",
        "[[hooks]]\nname = \"audit\"\nevents = [\"*\"]\ncommand = [\"true\"]\n",
    );
    let run = |args: &[&str], code: i32| {
        expect(
            env.cmd_with(&audit_only).args(args).output().unwrap(),
            args,
            code,
        )
    };
    let out = run(&["check", "hooks"], 0);
    assert!(
        out.starts_with("POSTIER HOOKS OK - 1 hooks, 13 events pending, oldest "),
        "{out}"
    );
    let out = run(&["check", "hooks", "-w", "@0:", "-c", "1d"], 1);
    assert!(out.starts_with("POSTIER HOOKS WARNING - "), "{out}");
    assert!(
        out.contains("oldest_pending=") && out.contains(";@0:;86400;0"),
        "{out}"
    );
    // -c wins over -w when both alert.
    let out = run(&["check", "hooks", "-w", "@0:", "-c", "@0:"], 2);
    assert!(out.starts_with("POSTIER HOOKS CRITICAL - "), "{out}");
    // Delivered: nothing pending.
    run(&["hooks", "run"], 0);
    let out = run(&["check", "hooks"], 0);
    assert!(
        out.starts_with("POSTIER HOOKS OK - 1 hooks, nothing pending |"),
        "{out}"
    );
    // No directory: UNKNOWN.
    let out = env
        .cmd()
        .env(
            "POSTIER_DIRECTORY",
            format!("sqlite:{}", env.path().join("gone.db").display()),
        )
        .args(["check", "hooks"])
        .output()
        .unwrap();
    let text = expect(out, &["check", "hooks"], 3);
    assert!(
        text.starts_with("POSTIER HOOKS UNKNOWN - directory sqlite:"),
        "{text}"
    );
}

#[test]
fn check_quota_in_each_state() {
    let env = fixture();
    // alice is at 90.6 %: over the default 90.
    let out = check(&env, &["quota"], 1);
    assert!(
        out.contains(
            "1 mailboxes over their threshold, fullest alice@example.org 91% (928K of 1M)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "| fullest=90.6%;90;@100:;0 over_warning=1;;;0 over_critical=0;;;0 with_quota=3;;;0"
        ),
        "{out}"
    );
    assert!(out.contains("\nWARNING: alice@example.org 91%"), "{out}");
    assert!(!out.contains("bob@example.org"), "{out}");
    let out = check(&env, &["quota", "-w", "95"], 0);
    assert!(out.contains("fullest alice@example.org 91%"), "{out}");
    let out = check(&env, &["quota", "-w", "50", "-c", "90"], 2);
    assert!(out.contains("\nCRITICAL: alice@example.org"), "{out}");
    // [monitor] near_quota_percent moves the default warning.
    std::fs::write(
        env.path().join("postier.toml"),
        std::fs::read_to_string(env.path().join("postier.toml")).unwrap()
            + "\n[monitor]\nnear_quota_percent = 95\n",
    )
    .unwrap();
    check(&env, &["quota"], 0);
    // Usage that cannot be read is UNKNOWN, never 0 %.
    std::fs::rename(env.mail_root(), env.path().join("moved")).unwrap();
    let out = check(&env, &["quota"], 3);
    assert!(
        out.contains("quota usage cannot be read: the mail root"),
        "{out}"
    );
    // A bad range: UNKNOWN, naming it and the forms.
    let out = check(&env, &["quota", "-w", "ninety"], 3);
    assert!(
        out.contains("-w: \"ninety\" is not a range like 10, 10:, ~:10, 10:20 or @10:20"),
        "{out}"
    );
    let out = check(&env, &["quota", "-w", "90h"], 3);
    assert!(out.contains("\"90h\""), "{out}");
}

#[test]
fn check_directory_in_each_state_and_usage_errors_are_unknown() {
    let env = fixture();
    let out = check(&env, &["directory"], 0);
    assert!(
        out.contains(", schema 3, 3 domains, 5 mailboxes |"),
        "{out}"
    );
    assert!(
        out.contains(" time=")
            && out.contains("s;1;5;0 domains=3;;;0 mailboxes=5;;;0 schema=3;;;0"),
        "{out}"
    );
    check(&env, &["directory", "-w", "@0:"], 1);
    check(&env, &["directory", "-w", "@0:", "-c", "@0:"], 2);
    // Down: CRITICAL, naming the directory.
    let gone = env.path().join("gone.db");
    let out = env
        .cmd()
        .env("POSTIER_DIRECTORY", format!("sqlite:{}", gone.display()))
        .args(["check", "directory"])
        .output()
        .unwrap();
    let text = expect(out, &["check", "directory"], 2);
    assert!(
        text.starts_with("POSTIER DIRECTORY CRITICAL - directory sqlite:"),
        "{text}"
    );
    assert!(text.contains("gone.db does not exist"), "{text}");
    // Usage errors, clap's included, are UNKNOWN (3) in the plugin's form.
    for (args, says) in [
        (vec!["check"], "POSTIER CHECK UNKNOWN - usage: "),
        (
            vec!["check", "quota", "--bogus"],
            "POSTIER CHECK UNKNOWN - usage: ",
        ),
        (
            vec!["check", "quota", "-w"],
            "POSTIER CHECK UNKNOWN - usage: ",
        ),
        (
            vec!["check", "nothing"],
            "POSTIER CHECK UNKNOWN - check \"nothing\": is not a check postier has",
        ),
        (
            vec!["check", "directory", "-c", "5:1"],
            "POSTIER DIRECTORY UNKNOWN - -c: \"5:1\" starts above its end",
        ),
    ] {
        let out = env.cmd().args(&args).output().unwrap();
        let text = expect(out, &args, 3);
        assert!(text.starts_with(says), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }
    // A config that cannot be read: UNKNOWN too.
    let out = env
        .cmd()
        .env("POSTIER_CONFIG", env.path().join("missing.toml"))
        .args(["check", "directory"])
        .output()
        .unwrap();
    let text = expect(out, &["check", "directory"], 3);
    assert!(text.contains("missing.toml"), "{text}");
}

fn fixtures_dns() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns")
}

#[test]
fn check_dns_and_dns_metrics_follow_the_self_check() {
    let Some(knot) = Knot::start(Knot::zones_in(fixtures_dns())) else {
        return;
    };
    let keys = fixtures_dns().join("keys");
    let env = Env::new(&dns_service::service_toml(&keys, &knot.addr.to_string()));
    env.run(&["domain", "add", "good.test"], 0);
    check(&env, &["dns"], 0);
    env.run(&["domain", "add", "cname-mx.test"], 0); // a warning
    let out = check(&env, &["dns"], 1);
    assert!(
        out.contains("2 domains: 0 fail, 1 warn, 0 unknown"),
        "{out}"
    );
    assert!(out.contains("\ncname-mx.test: WARN - warn mx."), "{out}");
    check(&env, &["dns", "-w", "1"], 0);
    env.run(&["domain", "add", "foreign-mx.test"], 0); // a failure
    let out = check(&env, &["dns"], 2);
    assert!(
        out.contains("1 fail, 1 warn, 0 unknown (failing: foreign-mx.test)"),
        "{out}"
    );
    assert!(
        out.contains("| domains=3;;;0 not_ok=2;0;;0 fail=1;;0;0 unknown=0;;;0"),
        "{out}"
    );
    // One failing collective tolerated: what is left is a warning.
    check(&env, &["dns", "-c", "1"], 1);
    env.run(&["domain", "add", "spf-unknown.test"], 0); // cannot be told
    check(&env, &["dns", "-c", "1"], 3);
    check(&env, &["dns"], 2);

    let text = env.run(&["metrics", "--dns"], 0);
    promtool_accepts(&text);
    let s = samples(&text);
    for (domain, status) in [
        ("good.test", 0.0),
        ("cname-mx.test", 1.0),
        ("foreign-mx.test", 2.0),
        ("spf-unknown.test", 3.0),
    ] {
        assert_eq!(
            s[&format!("postier_dns_status{{domain=\"{domain}\"}}")],
            status,
            "{domain}"
        );
    }
    assert!(!env.run(&["metrics"], 0).contains("postier_dns_status"));

    // A name server that never answers: each domain unknown once the
    // deadline has passed, and not much later.
    let silent = Silent::start();
    let slow = env.write_config(
        "slow.toml",
        &format!(
            "{}\n[monitor]\ndns_deadline = \"1s\"\n",
            dns_service::service_toml(&keys, &silent.addr.to_string())
                .replace("timeout = 2", "timeout = 30")
        ),
    );
    let started = Instant::now();
    let out = expect(
        env.cmd_with(&slow).args(["check", "dns"]).output().unwrap(),
        &["check", "dns"],
        3,
    );
    let took = started.elapsed();
    assert!(
        out.contains("4 domains: 0 fail, 0 warn, 4 unknown; 4 not checked within 1s"),
        "{out}"
    );
    assert!(
        out.contains("\ngood.test: UNKNOWN - not checked by the deadline"),
        "{out}"
    );
    // Well before the resolver's own 30 s timeout (a loaded machine may
    // take a while to start the process).
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let started = Instant::now();
    let text = expect(
        env.cmd_with(&slow)
            .args(["metrics", "--dns"])
            .output()
            .unwrap(),
        &["metrics", "--dns"],
        0,
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        samples(&text)["postier_dns_status{domain=\"good.test\"}"],
        3.0
    );
}

#[test]
fn textfile_is_replaced_atomically() {
    // Big enough that a torn read would show: 400 domains.
    let env = Env::new("");
    let mut yaml = String::from("domains:\n");
    for d in 0..400 {
        yaml.push_str(&format!("- name: collective{d:03}.example\n"));
    }
    yaml.push_str("mailboxes:\n");
    for m in 0..800 {
        yaml.push_str(&format!(
            "- address: member{m}@collective{:03}.example\n  quota: 1G\n  password: '{HASH}'\n",
            m % 400
        ));
    }
    let file = env.path().join("import.yaml");
    std::fs::write(&file, yaml).unwrap();
    env.run(&["import", &file.display().to_string()], 0);
    let textfile = env.path().join("textfile");
    std::fs::create_dir(&textfile).unwrap();
    let target = textfile.join("postier.prom");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let target = target.clone();
        std::thread::spawn(move || {
            let mut seen: Vec<usize> = Vec::new();
            let mut reads = 0u64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let text = match std::fs::read_to_string(&target) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => panic!("{e}"),
                };
                reads += 1;
                assert!(
                    text.starts_with("# HELP postier_directory_up "),
                    "torn start"
                );
                assert!(
                    text.ends_with('\n'),
                    "torn end: {:?}",
                    &text[text.len().saturating_sub(80)..]
                );
                let lines = text.lines().count();
                if !seen.contains(&lines) {
                    seen.push(lines);
                }
            }
            (reads, seen)
        })
    };
    let dir = textfile.display().to_string();
    for _ in 0..200 {
        env.run(&["metrics", "--textfile", &dir], 0);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (reads, seen) = reader.join().unwrap();
    // Every complete file has the same lines; the reader saw many of them.
    assert_eq!(seen.len(), 1, "line counts seen: {seen:?}");
    assert!(seen[0] > 400 * 7, "{seen:?}");
    assert!(reads >= 200, "only {reads} reads");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // Nothing left behind but the file itself.
    let names: Vec<_> = std::fs::read_dir(&textfile)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["postier.prom".to_string()]);
    promtool_accepts(&std::fs::read_to_string(&target).unwrap());
}

#[test]
fn shipped_alerting_rules_pass_promtool_and_fire() {
    let Some(promtool) = promtool() else { return };
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/monitoring/postier.rules.yml");
    let out = Command::new(promtool)
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Series as postier writes them; the alerts that must (and must not) fire.
    let dir = tempfile::tempdir().unwrap();
    let test = format!(
        r#"rule_files:
  - {rules}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'postier_backup_last_success_timestamp_seconds{{instance="mail1"}}'
        values: '-100000x30'
      - series: 'postier_backup_last_success_timestamp_seconds{{instance="mail2"}}'
        values: '-600000x30'
      - series: 'postier_backup_warn_age_seconds{{instance="mail1"}}'
        values: '93600x30'
      - series: 'postier_backup_crit_age_seconds{{instance="mail1"}}'
        values: '518400x30'
      - series: 'postier_backup_warn_age_seconds{{instance="mail2"}}'
        values: '93600x30'
      - series: 'postier_backup_crit_age_seconds{{instance="mail2"}}'
        values: '518400x30'
      - series: 'postier_hooks_failed{{hook="chat",instance="mail1"}}'
        values: '0 0 1x30'
      - series: 'postier_hooks_failed{{hook="audit",instance="mail1"}}'
        values: '0x30'
      - series: 'postier_dns_status{{domain="radio-libre.fr",instance="mail1"}}'
        values: '2x90'
      - series: 'postier_dns_status{{domain="example.org",instance="mail1"}}'
        values: '1x90'
      - series: 'postier_directory_up{{instance="mail1"}}'
        values: '1 1 0x30'
    alert_rule_test:
      - eval_time: 10m
        alertname: PostierBackupLate
        exp_alerts:
          - exp_labels: {{severity: warning, instance: mail1}}
            exp_annotations:
              summary: "last successful mail backup on mail1 is older than [backup] warn_age"
              description: "Run: postier backup status (postier check backup says since when)."
      - eval_time: 10m
        alertname: PostierBackupTooOld
        exp_alerts:
          - exp_labels: {{severity: critical, instance: mail2}}
            exp_annotations:
              summary: "no successful mail backup on mail2 for 6d 22h 50m 0s"
              description: "Older than [backup] crit_age. Run: postier backup status"
      - eval_time: 10m
        alertname: PostierBackupNeverSucceeded
        exp_alerts: []
      - eval_time: 10m
        alertname: PostierHooksParked
        exp_alerts:
          - exp_labels: {{severity: critical, instance: mail1, hook: chat}}
            exp_annotations:
              summary: "hook chat on mail1 is parked at a failed event"
              description: "It delivers nothing more until: postier hooks retry chat (or hooks skip)."
      - eval_time: 30m
        alertname: PostierDnsFailing
        exp_alerts: []
      - eval_time: 70m
        alertname: PostierDnsFailing
        exp_alerts:
          - exp_labels: {{severity: warning, instance: mail1, domain: radio-libre.fr}}
            exp_annotations:
              summary: "DNS of radio-libre.fr fails postier's self-check"
              description: "Run: postier dns check radio-libre.fr (it prints the records to publish)."
      - eval_time: 10m
        alertname: PostierDirectoryDown
        exp_alerts:
          - exp_labels: {{severity: critical, instance: mail1}}
            exp_annotations:
              summary: "postier cannot read the mail directory on mail1"
              description: "Run: postier check directory (Postfix and Dovecot read the same store)."
  # A host whose backups never succeeded: critical after a day.
  - interval: 1m
    input_series:
      - series: 'postier_backup_crit_age_seconds{{instance="mail3"}}'
        values: '518400x1600'
      - series: 'postier_backup_last_run_status{{instance="mail3"}}'
        values: '2x1600'
    alert_rule_test:
      - eval_time: 20h
        alertname: PostierBackupNeverSucceeded
        exp_alerts: []
      - eval_time: 25h
        alertname: PostierBackupNeverSucceeded
        exp_alerts:
          - exp_labels: {{severity: critical, instance: mail3}}
            exp_annotations:
              summary: "mail backups on mail3 have never succeeded"
              description: "Run: postier backup status"
      - eval_time: 1h
        alertname: PostierBackupRunFailed
        exp_alerts:
          - exp_labels: {{severity: warning, instance: mail3}}
            exp_annotations:
              summary: "the last mail backup run on mail3 failed"
              description: "Run: postier backup status (a degraded run, status 1, names the files it could not read)."
"#,
        rules = rules.display()
    );
    let file = dir.path().join("postier.rules.test.yml");
    std::fs::write(&file, test).unwrap();
    let out = Command::new(promtool)
        .args(["test", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
