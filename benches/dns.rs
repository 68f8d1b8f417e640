//! The DNS self-check of 130 generated domains (MX, SPF with one include,
//! DMARC, DKIM) served by a real Knot DNS on loopback: wall time of
//! `postier dns check --all` (the process, SQLite directory included) and
//! of the check in-process, and the DNS queries per domain as Knot counts
//! them (mod-stats). Targets: ≤ 0.25 s for all 130, ≤ 10 queries/domain.
//!
//! Peer, in the same run when installed: checkdmarc (PyPI). Point
//! `CHECKDMARC_PYTHON` at the Python that has it (e.g. a venv's
//! `bin/python`); it only talks to port 53, so it is run through a
//! wrapper that sets Knot's port. It does no DKIM check.

#[path = "../tests/support/mod.rs"]
mod support;

use postier::config::{Config, DkimConfig, DmarcPolicy, MailConfig};
use postier::dns::{Resolver, ResolverOptions, Status, check_domains};
use postier::i18n::Lang;
use postier::model::DomainName;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::knot::{Knot, Zone};

const DOMAINS: usize = 130;
const RUNS: usize = 7;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns")
}

fn domain(i: usize) -> String {
    format!("member{i:03}.test")
}

/// One member domain's zone, with the service's DKIM public key.
fn zone(name: &str, dkim_key: &str) -> Zone {
    let dkim = postier::dns::zone::quote_txt(&format!("v=DKIM1; k=rsa; p={dkim_key}"));
    Zone {
        name: name.to_string(),
        text: format!(
            "$ORIGIN {name}.\n$TTL 300\n\
             @ SOA ns.service.test. hostmaster.service.test. 1 3600 600 86400 300\n\
             @ NS ns.service.test.\n\
             @ MX 10 mx1.service.test.\n\
             @ MX 20 mx2.service.test.\n\
             @ TXT \"v=spf1 include:_spf.service.test -all\"\n\
             s1._domainkey TXT {dkim}\n\
             _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{name}\"\n"
        ),
    }
}

fn main() {
    let keys_json =
        std::fs::read_to_string(fixtures().join("keys/good.test/keys.json")).expect("fixture key");
    let index: serde_json::Value = serde_json::from_str(&keys_json).unwrap();
    let dkim_key = index["keys"][0]["public_key"].as_str().unwrap().to_string();

    let mut zones: Vec<Zone> = Knot::zones_in(fixtures())
        .into_iter()
        .filter(|z| z.name == "service.test" || z.name.ends_with(".arpa"))
        .collect();
    let names: Vec<String> = (1..=DOMAINS).map(domain).collect();
    zones.extend(names.iter().map(|n| zone(n, &dkim_key)));
    let Some(knot) = Knot::start(zones) else {
        println!("dns: knotd is not installed; benchmark skipped");
        return;
    };

    let work = tempfile::tempdir().unwrap();
    let key_dir = work.path().join("dkim");
    for n in &names {
        std::fs::create_dir_all(key_dir.join(n)).unwrap();
        std::fs::write(key_dir.join(n).join("keys.json"), &keys_json).unwrap();
    }
    let config = Config {
        mail: MailConfig {
            mx_hosts: vec!["mx1.service.test".into(), "mx2.service.test".into()],
            outbound_ips: vec![
                "192.0.2.10".parse().unwrap(),
                "2001:db8::10".parse().unwrap(),
            ],
            spf_include: Some("_spf.service.test".into()),
            dmarc_min_policy: DmarcPolicy::Quarantine,
            ..Default::default()
        },
        dkim: DkimConfig {
            key_dir: key_dir.clone(),
            ..Default::default()
        },
        ..Default::default()
    };

    println!(
        "dns: self-check of {DOMAINS} domains (MX, SPF with one include, DMARC, DKIM) on Knot, median of {RUNS} runs"
    );
    in_process(&knot, &config, &names);
    cli(&knot, work.path(), &key_dir, &names);
    checkdmarc(&knot, &names);
}

/// The library call a front-end makes, with a cold cache each run.
fn in_process(knot: &Knot, config: &Config, names: &[String]) {
    let expectations: Vec<_> = names
        .iter()
        .map(|n| postier::ops::dns::expectations(config, &DomainName::parse(n).unwrap()).unwrap())
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut times = Vec::new();
    let mut per_domain = 0.0;
    let mut asked = 0;
    for _ in 0..RUNS {
        let resolver = Resolver::new(&ResolverOptions {
            nameservers: vec![knot.addr],
            ..ResolverOptions::default()
        })
        .unwrap();
        let before = knot.queries_received();
        let start = Instant::now();
        let report = runtime.block_on(check_domains(&resolver, &expectations, 32, Lang::En));
        times.push(start.elapsed());
        per_domain = (knot.queries_received() - before) as f64 / names.len() as f64;
        asked = resolver.queries_sent();
        assert_eq!(
            report.status(),
            Status::Ok,
            "every generated domain is right"
        );
    }
    println!(
        "  in-process check_domains: median {:.1} ms (min {:.1} ms); {per_domain:.2} queries/domain at Knot ({asked} asked by postier's resolver)   (targets: <= 250 ms, <= 10 queries/domain)",
        ms(median(&mut times)),
        ms(times[0]),
    );
}

/// `postier dns check --all`: process start, config, SQLite directory,
/// the check, JSON out.
fn cli(knot: &Knot, dir: &Path, key_dir: &Path, names: &[String]) {
    let config = dir.join("postier.toml");
    std::fs::write(
        &config,
        format!(
            "[directory]\nurl = \"sqlite:{}\"\n\n[mail]\nmx_hosts = [\"mx1.service.test\", \"mx2.service.test\"]\n\
             outbound_ips = [\"192.0.2.10\", \"2001:db8::10\"]\nspf_include = \"_spf.service.test\"\n\n\
             [dkim]\nkey_dir = \"{}\"\n\n[dns]\nnameservers = [\"{}\"]\n",
            dir.join("directory.db").display(),
            key_dir.display(),
            knot.addr
        ),
    )
    .unwrap();
    let postier = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_postier"))
            .args(args)
            .env("POSTIER_CONFIG", &config)
            .env_remove("POSTIER_DIRECTORY")
            .stdout(Stdio::null())
            .status()
            .expect("run postier")
    };
    assert!(postier(&["db", "migrate"]).success());
    for n in names {
        assert!(postier(&["domain", "add", n]).success());
    }
    let mut times = Vec::new();
    let mut per_domain = 0.0;
    for _ in 0..RUNS {
        let before = knot.queries_received();
        let start = Instant::now();
        let status = postier(&["--json", "dns", "check", "--all"]);
        times.push(start.elapsed());
        per_domain = (knot.queries_received() - before) as f64 / names.len() as f64;
        assert_eq!(status.code(), Some(0), "all {} domains are ok", names.len());
    }
    println!(
        "  `postier dns check --all` process: median {:.1} ms (min {:.1} ms); {per_domain:.2} queries/domain at Knot   (targets: <= 250 ms, <= 10 queries/domain)",
        ms(median(&mut times)),
        ms(times[0]),
    );
}

/// checkdmarc on the same 130 domains and the same Knot, when installed.
fn checkdmarc(knot: &Knot, names: &[String]) {
    let Some(python) = std::env::var_os("CHECKDMARC_PYTHON") else {
        println!(
            "  checkdmarc: not run (set CHECKDMARC_PYTHON to a Python with checkdmarc installed)"
        );
        return;
    };
    // checkdmarc builds port-53 name servers; point them at Knot's port.
    let wrapper = "import sys, dns.nameserver\n\
                   port = int(sys.argv.pop(1))\n\
                   init = dns.nameserver.Do53Nameserver.__init__\n\
                   def at_port(self, address, _port=53, *a, **k):\n    init(self, address, port, *a, **k)\n\
                   dns.nameserver.Do53Nameserver.__init__ = at_port\n\
                   from checkdmarc._cli import _main\n\
                   sys.argv[0] = 'checkdmarc'\n\
                   sys.exit(_main())\n";
    let mut times = Vec::new();
    let mut per_domain = 0.0;
    for _ in 0..RUNS.min(3) {
        let before = knot.queries_received();
        let start = Instant::now();
        let status = Command::new(&python)
            .args(["-c", wrapper, &knot.addr.port().to_string()])
            .args(["--nameserver", "127.0.0.1", "-f", "json"])
            .args(names)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        times.push(start.elapsed());
        match status {
            Ok(s) if s.success() => {}
            other => {
                println!("  checkdmarc: did not run ({other:?})");
                return;
            }
        }
        per_domain = (knot.queries_received() - before) as f64 / names.len() as f64;
    }
    println!(
        "  checkdmarc (no DKIM check), same domains and server: median {:.1} ms; {per_domain:.2} queries/domain at Knot",
        ms(median(&mut times)),
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
