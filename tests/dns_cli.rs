//! The `dns` and `dkim` commands as scripts and contacts use them, run as
//! the real binary against a real Knot DNS serving `fixtures/dns/`:
//! `dns check` exit codes 0/1/2/3 and its JSON, `--expect` with no config
//! and no directory, `dns spf`, `dns records`, French by locale, and DKIM
//! keys that `openssl` reads, rotated through DNS.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::dns_proxy::Silent;
use support::dns_service;
use support::knot::{Knot, Zone};
use tempfile::TempDir;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns")
}

/// A config for the fixtures' service, a SQLite directory, in a temp dir.
struct Env {
    dir: TempDir,
    nameserver: String,
}

impl Env {
    fn new(nameserver: &str, key_dir: &Path) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[directory]\nurl = \"sqlite:{}\"\n\n{}",
            dir.path().join("directory.db").display(),
            dns_service::service_toml(key_dir, nameserver),
        );
        std::fs::write(dir.path().join("postier.toml"), config).unwrap();
        let env = Env {
            dir,
            nameserver: nameserver.to_string(),
        };
        env.run(&["db", "migrate"], 0);
        env
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("postier.toml")
    }

    /// The binary with this config, in English, whatever the machine's.
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("postier").unwrap();
        c.env("POSTIER_CONFIG", self.config())
            .env_remove("POSTIER_DIRECTORY")
            .env("LC_ALL", "C");
        c
    }

    /// Runs, expects exit `code`, returns stdout.
    fn run(&self, args: &[&str], code: i32) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str], code: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.run(&all, code)).expect("one JSON document")
    }
}

fn knot() -> Option<Knot> {
    Knot::start(Knot::zones_in(fixtures()))
}

#[test]
fn check_exit_codes_follow_monitoring_plugins() {
    let Some(knot) = knot() else { return };
    let env = Env::new(&knot.addr.to_string(), &fixtures().join("keys"));
    env.run(&["dns", "check", "good.test"], 0);
    env.run(&["dns", "check", "cname-mx.test"], 1); // a warning only
    env.run(&["dns", "check", "foreign-mx.test"], 2); // a failure
    env.run(&["dns", "check", "spf-unknown.test"], 3); // unknown, no failure
    // The worst domain decides; a failure beats an unknown.
    env.run(&["dns", "check", "good.test", "spf-unknown.test"], 3);
    env.run(&["dns", "check", "spf-unknown.test", "foreign-mx.test"], 2);

    // Nobody answers: unknown.
    let silent = Silent::start();
    let out = env
        .cmd()
        .args(["dns", "check", "good.test", "--timeout", "0.3"])
        .args(["--nameserver", &silent.addr.to_string()])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("good.test: UNKNOWN"), "{text}");
    // One row per cause, naming the silent server: not the same line for
    // every check.
    let cause = format!("could not be looked up (no answer from {})", silent.addr);
    assert!(text.contains(&cause), "{text}");
    assert!(
        text.contains("mx.present … spf.authorizes_ours (10)"),
        "{text}"
    );
    assert_eq!(
        text.matches(&cause).count(),
        7,
        "one row per name asked: {text}"
    );

    // Bad input is a usage error (2), named on stderr.
    let out = env
        .cmd()
        .args(["dns", "check", "bad..domain"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("postier: domain \"bad..domain\""), "{err}");
    env.run(
        &["dns", "check", "good.test", "--nameserver", "ns.example"],
        2,
    );
}

#[test]
fn check_json_shape() {
    let Some(knot) = knot() else { return };
    let env = Env::new(&knot.addr.to_string(), &fixtures().join("keys"));
    let report = env.json(&["dns", "check", "foreign-mx.test", "good.test"], 2);
    let domains = report["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 2);
    assert_eq!(domains[0]["domain"], "foreign-mx.test");
    assert_eq!(domains[0]["status"], "fail");
    assert_eq!(domains[1]["status"], "ok");
    let checks = domains[0]["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, postier::dns::report::CHECK_IDS);
    for c in checks {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["fix", "id", "message", "status"]);
    }
    let ours = &checks[1];
    assert_eq!(ours["status"], "fail");
    assert_eq!(
        ours["fix"],
        "foreign-mx.test. 3600 IN MX 10 mx1.service.test.\nforeign-mx.test. 3600 IN MX 20 mx2.service.test."
    );
    assert!(domains[1]["checks"][0]["fix"].is_null());

    // Asking the domain's own servers adds ns.serials at the end.
    let port = knot.addr.port().to_string();
    let fresh = env.json(
        &[
            "dns",
            "check",
            "good.test",
            "--authoritative",
            "--ns-port",
            &port,
        ],
        0,
    );
    let checks = fresh["domains"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 23);
    assert_eq!(checks[22]["id"], "ns.serials");
    assert_eq!(checks[22]["status"], "ok");
}

#[test]
fn a_contact_checks_with_the_expectations_file_alone() {
    let Some(knot) = knot() else { return };
    let env = Env::new(&knot.addr.to_string(), &fixtures().join("keys"));
    // The service publishes the expectations...
    let published = env.run(&["dns", "expectations", "good.test"], 0);
    let exp: Value = serde_json::from_str(&published).unwrap();
    assert_eq!(exp["domain"], "good.test");
    assert_eq!(exp["dkim"][0]["selector"], "s1");
    assert!(!published.contains("key_dir") && !published.contains("sqlite"));
    let contact = tempfile::tempdir().unwrap();
    let file = contact.path().join("good.test.json");
    std::fs::write(&file, &published).unwrap();

    // ...and a contact with no config and no directory checks against it:
    // were either opened, these settings would make it fail.
    let run = |args: &[&str], code: i32| {
        let out = Command::cargo_bin("postier")
            .unwrap()
            .env("POSTIER_CONFIG", contact.path().join("no-such-config.toml"))
            .env("POSTIER_DIRECTORY", "nowhere://at-all")
            .env("HOME", contact.path())
            .env("LC_ALL", "C")
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        String::from_utf8(out.stdout).unwrap()
    };
    let ns = env.nameserver.as_str();
    let file = file.to_str().unwrap();
    let report: Value = serde_json::from_str(&run(
        &[
            "--json",
            "dns",
            "check",
            "--expect",
            file,
            "--nameserver",
            ns,
        ],
        0,
    ))
    .unwrap();
    assert_eq!(report["domains"][0]["domain"], "good.test");
    assert_eq!(report["domains"][0]["status"], "ok");
    // Naming the domain is allowed; naming another is refused.
    run(
        &[
            "dns",
            "check",
            "good.test",
            "--expect",
            file,
            "--nameserver",
            ns,
        ],
        0,
    );
    run(
        &[
            "dns",
            "check",
            "nomx.test",
            "--expect",
            file,
            "--nameserver",
            ns,
        ],
        2,
    );
    // The same file against another domain's zone would fail: prove the
    // check is really made by pointing the file at nomx.test.
    let other = published.replace("\"good.test\"", "\"nomx.test\"");
    let other_file = contact.path().join("nomx.test.json");
    std::fs::write(&other_file, other).unwrap();
    let text = run(
        &[
            "dns",
            "check",
            "--expect",
            other_file.to_str().unwrap(),
            "--nameserver",
            ns,
        ],
        2,
    );
    assert!(text.contains("nomx.test has no MX record"), "{text}");
}

#[test]
fn check_all_covers_the_directory() {
    let Some(knot) = knot() else { return };
    let env = Env::new(&knot.addr.to_string(), &fixtures().join("keys"));
    for d in ["good.test", "cname-mx.test"] {
        env.run(&["domain", "add", d], 0);
    }
    // An alias domain is checked too (and this one has no MX: FAIL).
    env.run(&["domain", "alias", "add", "nomx.test", "good.test"], 0);
    let report = env.json(&["dns", "check", "--all"], 2);
    let statuses: Vec<(&str, &str)> = report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["domain"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("cname-mx.test", "warn"),
            ("good.test", "ok"),
            ("nomx.test", "fail")
        ]
    );
}

#[test]
fn spf_records_and_french() {
    let Some(knot) = knot() else { return };
    let env = Env::new(&knot.addr.to_string(), &fixtures().join("keys"));
    for (domain, ip, result) in [
        ("good.test", "192.0.2.10", "pass"),
        ("good.test", "2001:db8::10", "pass"),
        ("good.test", "198.51.100.7", "fail"),
        ("nomx.test", "192.0.2.10", "none"),
        ("twospf.test", "192.0.2.10", "permerror"),
        ("neutralall.test", "198.51.100.7", "neutral"),
    ] {
        assert_eq!(
            env.run(&["dns", "spf", domain, "--ip", ip], 0),
            format!("{result}\n"),
            "{domain} {ip}"
        );
    }
    let v = env.json(&["dns", "spf", "voids.test", "--ip", "198.51.100.7"], 0);
    assert_eq!(
        v,
        serde_json::json!({"result": "permerror", "lookups": 4, "void_lookups": 3, "explanation": null})
    );
    let v = env.json(
        &[
            "dns",
            "spf",
            "lookups.test",
            "--ip",
            "203.0.113.5",
            "--sender",
            "a@lookups.test",
            "--helo",
            "mail.example",
        ],
        0,
    );
    assert_eq!(
        v,
        serde_json::json!({"result": "permerror", "lookups": 11, "void_lookups": 0, "explanation": null})
    );
    env.run(&["dns", "spf", "good.test", "--ip", "not-an-ip"], 2);

    // A fail carries the domain's exp= text, macros expanded; other
    // results none.
    let v = env.json(
        &[
            "dns",
            "spf",
            "exp.test",
            "--ip",
            "198.51.100.7",
            "--sender",
            "bob@exp.test",
        ],
        0,
    );
    assert_eq!(
        v,
        serde_json::json!({"result": "fail", "lookups": 0, "void_lookups": 0,
            "explanation": "198.51.100.7 may not send for exp.test (sender bob)"})
    );
    let v = env.json(&["dns", "spf", "exp.test", "--ip", "192.0.2.10"], 0);
    assert_eq!(v["result"], "pass");
    assert!(v["explanation"].is_null(), "{v}");

    // An underscored name (an include target) is evaluated itself.
    assert_eq!(
        env.run(
            &["dns", "spf", "_spf.service.test", "--ip", "192.0.2.10"],
            0
        ),
        "pass\n"
    );

    // RFC 7208 §4.3: a malformed identity is the result "none", not a
    // usage error.
    let long = format!("{}.test", "a".repeat(64));
    for domain in ["a..good.test", "[192.0.2.1]", "localhost", long.as_str()] {
        assert_eq!(
            env.run(&["dns", "spf", domain, "--ip", "192.0.2.10"], 0),
            "none\n",
            "{domain}"
        );
    }
    let v = env.json(&["dns", "spf", "[192.0.2.1]", "--ip", "192.0.2.10"], 0);
    assert_eq!(
        v,
        serde_json::json!({"result": "none", "lookups": 0, "void_lookups": 0, "explanation": null})
    );

    // --trace: the evaluation tree before the result.
    for (name, domain, ip, sender) in [
        (
            "include-exists-macro",
            "trace.test",
            "192.0.2.10",
            "bob@trace.test",
        ),
        (
            "redirect-mx",
            "trace.test",
            "203.0.113.25",
            "alice@trace.test",
        ),
        (
            "redirect-softfail",
            "trace.test",
            "198.51.100.7",
            "carol@trace.test",
        ),
        ("void-limit", "voids.test", "198.51.100.7", "dan@voids.test"),
        ("exp", "exp.test", "198.51.100.7", "erin@exp.test"),
    ] {
        let out = env.run(
            &[
                "dns", "spf", domain, "--ip", ip, "--sender", sender, "--trace",
            ],
            0,
        );
        insta::assert_snapshot!(format!("spf-trace-{name}"), out);
    }
    let out = env
        .cmd()
        .env("LC_ALL", "fr_FR.UTF-8")
        .args([
            "dns",
            "spf",
            "trace.test",
            "--ip",
            "198.51.100.7",
            "--trace",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!("spf-trace-fr", String::from_utf8(out.stdout).unwrap());
    let v = env.json(
        &["dns", "spf", "trace.test", "--ip", "192.0.2.10", "--trace"],
        0,
    );
    assert_eq!(
        v["trace"][0],
        serde_json::json!({"depth": 0, "text": "trace.test"})
    );
    assert!(v["trace"].as_array().unwrap().len() > 5, "{v}");

    let records = env.run(&["dns", "records", "good.test"], 0);
    let lines: Vec<&str> = records.lines().collect();
    assert_eq!(lines[0], "good.test. 3600 IN MX 10 mx1.service.test.");
    assert_eq!(
        lines[2],
        "good.test. 3600 IN TXT \"v=spf1 include:_spf.service.test -all\""
    );
    assert!(lines[3].starts_with("s1._domainkey.good.test. 3600 IN TXT \"v=DKIM1; k=rsa; p=MIIB"));
    assert!(
        lines[3].contains("\" \""),
        "the DKIM record is split: {}",
        lines[3]
    );
    assert!(records.contains("_dmarc.good.test. 3600 IN TXT \"v=DMARC1; p=quarantine\""));
    assert!(records.contains("_submissions._tcp.good.test. 3600 IN SRV 0 1 465 mx1.service.test."));

    let out = env
        .cmd()
        .env("LC_ALL", "fr_FR.UTF-8")
        .args(["dns", "check", "nomx.test"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("nomx.test n'a aucun enregistrement MX"),
        "{text}"
    );
}

/// The fixture zone for `rotate.test`, with the given DKIM records.
fn rotate_zone(serial: u32, dkim: &[(&str, &str)]) -> String {
    let mut text = format!(
        "$ORIGIN rotate.test.\n$TTL 1\n@ SOA ns.service.test. h.service.test. {serial} 3600 600 86400 1\n@ NS ns.service.test.\n"
    );
    for (selector, value) in dkim {
        text.push_str(&format!(
            "{selector}._domainkey TXT {}\n",
            postier::dns::zone::quote_txt(value)
        ));
    }
    text
}

#[test]
fn dkim_keys_openssl_reads_and_rotation_through_dns() {
    let keys = tempfile::tempdir().unwrap();
    let key_dir = keys.path().join("dkim");
    let mut zones = Knot::zones_in(fixtures());
    zones.push(Zone {
        name: "rotate.test".into(),
        text: rotate_zone(1, &[]),
    });
    let Some(knot) = Knot::start(zones) else {
        return;
    };
    let env = Env::new(&knot.addr.to_string(), &key_dir);
    // Keys are made for domains the service runs only.
    env.run(&["dkim", "generate", "rsa.test", "--selector", "r1"], 1);
    for domain in ["rsa.test", "rotate.test"] {
        env.run(&["domain", "add", domain], 0);
    }

    // RSA: a PKCS#8 key openssl reads, whose public half is p=.
    let rsa = env.json(&["dkim", "generate", "rsa.test", "--selector", "r1"], 0);
    let rsa_file = rsa["key_file"].as_str().unwrap();
    assert_mode_0600(Path::new(rsa_file));
    let der = openssl(&["pkey", "-in", rsa_file, "-pubout", "-outform", "DER"]);
    let value = rsa["record_value"].as_str().unwrap();
    assert_eq!(value, format!("v=DKIM1; k=rsa; p={}", b64(&der)));
    env.run(&["dkim", "generate", "rsa.test", "--selector", "r1"], 1); // exists

    // Ed25519: PKCS#8 v1, which OpenSSL 3 needs; p= is the raw key.
    let ed = env.json(
        &["dkim", "generate", "rotate.test", "--algorithm", "ed25519"],
        0,
    );
    let ed_file = ed["key_file"].as_str().unwrap().to_string();
    let der = openssl(&["pkey", "-in", &ed_file, "-pubout", "-outform", "DER"]);
    let s1_value = ed["record_value"].as_str().unwrap().to_string();
    assert_eq!(
        s1_value,
        format!("v=DKIM1; k=ed25519; p={}", b64(&der[der.len() - 32..]))
    );
    assert_eq!(ed["selector"], "s1");
    // A new key is pending: it signs only once DNS publishes it.
    assert_eq!(ed["state"], "pending");
    let tables = env.run(&["dkim", "tables", "--format", "opendkim"], 0);
    assert!(!tables.contains("rotate.test"), "{tables}");
    env.run(&["dkim", "rotate", "rotate.test"], 1);
    knot.replace_zone("rotate.test", &rotate_zone(2, &[("s1", &s1_value)]), 2);
    let first = env.json(&["dkim", "rotate", "rotate.test"], 0);
    assert_eq!(first["active"]["selector"], "s1");
    assert_eq!(first["retiring"], serde_json::json!([]));
    let tables = env.run(&["dkim", "tables", "--format", "opendkim"], 0);
    assert!(tables.contains("*@rotate.test"), "{tables}");

    // Rotation: a pending key first...
    let started = env.json(&["dkim", "rotate", "rotate.test"], 0);
    assert_eq!(
        (started["selector"].as_str(), started["state"].as_str()),
        (Some("s2"), Some("pending"))
    );
    let s2_value = started["record_value"].as_str().unwrap().to_string();
    // ...which does not take over before DNS shows it.
    let out = env
        .cmd()
        .args(["dkim", "rotate", "rotate.test"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("selector s2 of rotate.test: is not published"),
        "{err}"
    );
    assert!(
        err.contains("s2._domainkey.rotate.test. 3600 IN TXT"),
        "{err}"
    );
    let check = env.json(&["dns", "check", "rotate.test"], 2);
    let present = &check["domains"][0]["checks"][10];
    assert_eq!(
        (present["id"].as_str(), present["status"].as_str()),
        (Some("dkim.present"), Some("warn"))
    );

    knot.replace_zone(
        "rotate.test",
        &rotate_zone(3, &[("s1", &s1_value), ("s2", &s2_value)]),
        3,
    );
    let switched = env.json(&["dkim", "rotate", "rotate.test"], 0);
    assert_eq!(switched["active"]["selector"], "s2");
    assert_eq!(switched["retiring"][0]["selector"], "s1");
    let shown = env.json(&["dkim", "show", "rotate.test"], 0);
    let states: Vec<(&str, &str)> = shown["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["selector"].as_str().unwrap(),
                k["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("s1", "retiring"), ("s2", "active")]);
    let check = env.json(&["dns", "check", "rotate.test"], 2);
    assert_eq!(check["domains"][0]["checks"][10]["status"], "ok");

    // Signer tables name the active keys.
    let opendkim = env.run(&["dkim", "tables", "--format", "opendkim"], 0);
    let s2_file = PathBuf::from(&ed_file).with_file_name("s2.key");
    assert!(
        opendkim.contains(&format!(
            "s2._domainkey.rotate.test rotate.test:s2:{}",
            s2_file.display()
        )),
        "{opendkim}"
    );
    assert!(
        opendkim.contains("*@rotate.test s2._domainkey.rotate.test"),
        "{opendkim}"
    );
    // rsa.test's r1 was never published: pending, it signs nothing.
    assert!(!opendkim.contains("rsa.test"), "{opendkim}");
    let out = tempfile::tempdir().unwrap();
    env.run(
        &[
            "dkim",
            "tables",
            "--format",
            "rspamd",
            "--out",
            out.path().to_str().unwrap(),
        ],
        0,
    );
    let selectors = std::fs::read_to_string(out.path().join("dkim_selectors.map")).unwrap();
    assert!(selectors.contains("rotate.test s2\n"), "{selectors}");
    let conf = std::fs::read_to_string(out.path().join("dkim_signing.conf")).unwrap();
    assert!(conf.contains("dkim_paths.map"), "{conf}");
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn assert_mode_0600(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", path.display());
    let dir_mode = std::fs::metadata(path.parent().unwrap().parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}
