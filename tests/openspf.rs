//! The OpenSPF RFC 7208 test suite (release 2014.04, from pyspf's test
//! folder) run through `postier dns spf`. Each YAML document's zone data is
//! served by a real Knot DNS; names the suite marks `TIMEOUT` go through a
//! relay that drops those questions, so they really time out.
//!
//! The suite lives outside the repository, in `../shared/testdata/openspf/`
//! next to the checkout. Where postier's result (or, on fail, its
//! explanation) differs from the suite's, the test is listed in
//! [`DEVIATIONS`] with the reason; the run must match that list exactly,
//! so a new deviation (or a fixed one) fails.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use support::dns_proxy::Proxy;
use support::knot::{Knot, Zone};

/// Tests whose result differs from the suite's, and why. viaspf evaluates
/// `check_host()` over postier's resolver: every result is the suite's;
/// two explanation texts differ in spelling only.
const DEVIATIONS: &[(&str, &str)] = &[
    // MAIL FROM `Macro Error@e8.example.com`: a local part with a space is
    // only valid quoted (RFC 5321 §4.1.2), which is how viaspf takes it,
    // so `%{l}` expands to `"Macro Error"`, quotes included. Result: fail,
    // as the suite wants.
    (
        "dorky-sentinel",
        "%{l} of a local part with a space keeps its quotes",
    ),
    // `%{ir}` of an IPv6 client: the nibbles in lowercase, as in RFC 7208
    // §7.4's own examples; pyspf, which wrote the suite, prints them in
    // uppercase. DNS names are case-insensitive; the result is fail.
    (
        "v-macro-ip6",
        "%{ir} nibbles in lowercase in the explanation",
    ),
];

fn suite_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/openspf/rfc7208-tests.yml")
}

#[test]
fn openspf_rfc7208_suite() {
    let path = suite_path();
    let Some(text) = support::services::require_service(
        "the OpenSPF test suite",
        std::fs::read_to_string(&path).ok(),
        &format!("expected at {}", path.display()),
    ) else {
        return;
    };
    let docs: Vec<Value> = serde_saphyr::from_str_multiple(&text).expect("suite parses");
    // An empty config: no system config read, the defaults otherwise.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").unwrap();

    let mut passed = 0;
    let mut total = 0;
    let mut deviations: BTreeMap<String, String> = BTreeMap::new();
    for doc in &docs {
        let zonedata = ZoneData::from(&doc["zonedata"]);
        let Some(knot) = Knot::start(zonedata.zones()) else {
            return;
        };
        let timeouts = zonedata.clone();
        let relay = Proxy::start(knot.addr, move |name, qtype| {
            timeouts.times_out(name, qtype)
        });
        let tests = doc["tests"].as_object().expect("tests map");
        for (name, case) in tests {
            total += 1;
            let got = run_case(&config, relay.addr, case);
            let result = got["result"].as_str().expect("a result").to_string();
            let expected: Vec<String> = match &case["result"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                other => panic!("{name}: result {other}"),
            };
            // The suite's explanation, where it gives one, is what a fail
            // must carry; "DEFAULT" is the receiver's own (postier: null).
            let explanation = case["explanation"]
                .as_str()
                .map(|e| (e != "DEFAULT").then_some(e));
            if !expected.contains(&result) {
                deviations.insert(
                    name.clone(),
                    format!("got {result}, suite wants {}", expected.join(" or ")),
                );
            } else if let Some(want) = explanation.filter(|_| result == "fail")
                && got["explanation"].as_str() != want
            {
                deviations.insert(
                    name.clone(),
                    format!(
                        "explanation {}, suite wants {}",
                        got["explanation"],
                        want.map_or("null".to_string(), |w| format!("{w:?}"))
                    ),
                );
            } else {
                passed += 1;
            }
            if result != "fail" {
                assert!(got["explanation"].is_null(), "{name}: {got}");
            }
        }
    }

    println!("OpenSPF RFC 7208 suite: {passed}/{total} pass");
    for (name, what) in &deviations {
        println!("  deviation {name}: {what}");
    }
    let found: BTreeSet<&str> = deviations.keys().map(String::as_str).collect();
    let listed: BTreeSet<&str> = DEVIATIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(found, listed, "deviations differ from the documented list");
    assert_eq!(total, 203, "the suite has 203 tests");
    assert_eq!(passed, total - DEVIATIONS.len());
}

/// `postier --json dns spf` for one case: the MAIL FROM identity when the
/// case has one, else the HELO identity (sender `postmaster@HELO`).
fn run_case(config: &Path, server: SocketAddr, case: &Value) -> Value {
    let text = |k: &str| case[k].as_str().unwrap_or_default().to_string();
    let (helo, mailfrom, ip) = (text("helo"), text("mailfrom"), text("host"));
    let domain = match mailfrom.rsplit_once('@') {
        Some((_, d)) if !mailfrom.is_empty() => d.to_string(),
        _ => helo.clone(),
    };
    let mut args = vec![
        "--json".to_string(),
        "dns".into(),
        "spf".into(),
        format!("--nameserver={server}"),
        "--timeout=0.3".into(),
        format!("--ip={ip}"),
        format!("--helo={helo}"),
    ];
    if !mailfrom.is_empty() {
        args.push(format!("--sender={mailfrom}"));
    }
    args.extend(["--".to_string(), domain]);
    let out = Command::cargo_bin("postier")
        .unwrap()
        .env("POSTIER_CONFIG", config)
        .env("LC_ALL", "C")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "postier {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// A document's `zonedata`: name → entries, in the suite's order.
#[derive(Clone)]
struct ZoneData(BTreeMap<String, Vec<Entry>>);

#[derive(Clone, Debug)]
enum Entry {
    Record { rtype: String, value: Value },
    Timeout,
}

impl From<&Value> for ZoneData {
    fn from(v: &Value) -> ZoneData {
        let mut names = BTreeMap::new();
        for (name, entries) in v.as_object().expect("zonedata map") {
            let mut list = Vec::new();
            let mut has_txt = false;
            let mut spf_as_txt = Vec::new();
            for e in entries.as_array().expect("entry list") {
                match e {
                    Value::String(s) if s == "TIMEOUT" => list.push(Entry::Timeout),
                    Value::Object(m) => {
                        for (rtype, value) in m {
                            has_txt |= rtype == "TXT";
                            // `TXT: NONE`: the name has no TXT, and no
                            // generated one either.
                            if value.as_str() == Some("NONE") {
                                continue;
                            }
                            if rtype == "SPF" {
                                spf_as_txt.push(value.clone());
                            }
                            list.push(Entry::Record {
                                rtype: rtype.clone(),
                                value: value.clone(),
                            });
                        }
                    }
                    other => panic!("{name}: entry {other}"),
                }
            }
            // The suite's driver rule: SPF entries also serve as TXT when
            // the name has no TXT of its own (appended after the others).
            if !has_txt {
                list.extend(spf_as_txt.into_iter().map(|value| Entry::Record {
                    rtype: "TXT".into(),
                    value,
                }));
            }
            names.insert(name.to_ascii_lowercase(), list);
        }
        ZoneData(names)
    }
}

impl ZoneData {
    /// pyspf's driver: a question times out when `TIMEOUT` comes before
    /// any record of the asked type, or for unknown names under `error.`.
    fn times_out(&self, name: &str, qtype: u16) -> bool {
        let Some(entries) = self.0.get(name) else {
            return name.starts_with("error.");
        };
        for entry in entries {
            match entry {
                Entry::Timeout => return true,
                Entry::Record { rtype, .. } if type_code(rtype) == Some(qtype) => return false,
                Entry::Record { .. } => {}
            }
        }
        false
    }

    /// One zone per last-two-labels suffix, plus the root so that every
    /// other name is NXDOMAIN.
    fn zones(&self) -> Vec<Zone> {
        let mut zones: BTreeMap<String, String> = BTreeMap::new();
        zones.insert(".".into(), soa("."));
        for (name, entries) in &self.0 {
            let labels: Vec<&str> = name.split('.').collect();
            let apex = labels[labels.len() - 2..].join(".");
            let text = zones.entry(apex.clone()).or_insert_with(|| soa(&apex));
            for entry in entries {
                if let Entry::Record { rtype, value } = entry
                    && let Some(data) = rdata(rtype, value)
                {
                    text.push_str(&format!("{} 300 IN {rtype} {data}\n", fqdn(name)));
                }
            }
        }
        zones
            .into_iter()
            .map(|(name, text)| Zone { name, text })
            .collect()
    }
}

fn soa(apex: &str) -> String {
    let owner = if apex == "." {
        ".".to_string()
    } else {
        format!("{apex}.")
    };
    format!(
        "{owner} 300 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 300\n\
         {owner} 300 IN NS ns.invalid.\n"
    )
}

fn type_code(rtype: &str) -> Option<u16> {
    Some(match rtype {
        "A" => 1,
        "CNAME" => 5,
        "PTR" => 12,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "SPF" => 99,
        _ => return None,
    })
}

/// A name in master-file form: final dot, and characters other than
/// letters, digits, `-`, `_` escaped as \DDD (the suite has names such as
/// `foo:bar/baz.example.com`).
fn fqdn(name: &str) -> String {
    let name = name.trim_end_matches('.');
    let mut out = String::new();
    for b in name.bytes() {
        match b {
            b'.' | b'-' | b'_' => out.push(b as char),
            b if b.is_ascii_alphanumeric() => out.push(b as char),
            b => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('.');
    out
}

/// The presentation form of one entry's data; `None` for `TXT: NONE`.
fn rdata(rtype: &str, value: &Value) -> Option<String> {
    match (rtype, value) {
        ("TXT" | "SPF", Value::String(s)) if s == "NONE" => None,
        ("TXT" | "SPF", Value::String(s)) => Some(char_string(s)),
        ("TXT" | "SPF", Value::Array(parts)) if parts.is_empty() => Some("\"\"".into()),
        ("TXT" | "SPF", Value::Array(parts)) => Some(
            parts
                .iter()
                .map(|p| char_string(p.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("MX", Value::Array(mx)) => Some(format!(
            "{} {}",
            mx[0],
            fqdn(mx[1].as_str().unwrap_or_default())
        )),
        ("A" | "AAAA", Value::String(ip)) => Some(ip.clone()),
        ("PTR" | "CNAME", Value::String(name)) => Some(fqdn(name)),
        (t, v) => panic!("zone data {t}: {v} not understood"),
    }
}

/// One quoted character-string, non-printable and non-ASCII bytes as \DDD.
fn char_string(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
    out
}
