//! The DNS self-check against a real Knot DNS serving `fixtures/dns/`:
//! every check id in each of its states (ok, warn, fail, unknown, skip),
//! domain by domain, with the DKIM key store of `fixtures/dns/keys/`.
//! SERVFAIL comes from a zone Knot cannot load, timeouts from a server
//! that never answers. A relay in front of Knot records the questions, to
//! prove each (name, type) is asked once for the whole run.

mod support;

use postier::config::{Config, DkimConfig, DmarcPolicy, MailConfig};
use postier::dns::{DomainReport, Report, Resolver, ResolverOptions, Status, check_domains};
use postier::i18n::Lang;
use postier::model::DomainName;
use postier::ops;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use support::dns_proxy::{Proxy, Silent};
use support::dns_service;
use support::knot::{Knot, Zone};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns")
}

/// The service as the fixture zones know it.
fn service_config() -> Config {
    dns_service::service_config(&fixtures().join("keys"))
}

/// A service that offers nothing and configured nothing.
fn minimal_config(empty_key_dir: &std::path::Path) -> Config {
    Config {
        mail: MailConfig {
            dmarc_min_policy: DmarcPolicy::None,
            ..Default::default()
        },
        dkim: DkimConfig {
            key_dir: empty_key_dir.to_path_buf(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn resolver(server: SocketAddr, timeout: Duration) -> Resolver {
    Resolver::new(&ResolverOptions {
        nameservers: vec![server],
        timeout,
        attempts: 1,
        ..ResolverOptions::default()
    })
    .unwrap()
}

fn run(config: &Config, resolver: &Resolver, domains: &[&str]) -> Report {
    let expectations: Vec<_> = domains
        .iter()
        .map(|d| ops::dns::expectations(config, &DomainName::parse(d).unwrap()).unwrap())
        .collect();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(check_domains(resolver, &expectations, 16, Lang::En))
}

/// Per domain, the checks that are not "ok" and what they are.
const EXPECTED: &[(&str, &[(&str, Status)])] = {
    use Status::*;
    const NO_DMARC: [(&str, Status); 4] = [
        ("dmarc.present", Fail),
        ("dmarc.syntax", Skip),
        ("dmarc.policy", Skip),
        ("dmarc.report_auth", Skip),
    ];
    const NO_EXTRAS: [(&str, Status); 3] = [
        ("mta_sts.present", Warn),
        ("tls_rpt.present", Warn),
        ("autoconfig.srv", Warn),
    ];
    const NOTHING: [(&str, Status); 22] = [
        ("mx.present", Unknown),
        ("mx.ours", Unknown),
        ("mx.target_valid", Unknown),
        ("spf.present", Unknown),
        ("spf.single", Unknown),
        ("spf.syntax", Unknown),
        ("spf.lookup_limit", Unknown),
        ("spf.void_limit", Unknown),
        ("spf.all", Unknown),
        ("spf.authorizes_ours", Unknown),
        ("dkim.present", Skip),
        ("dkim.matches_key", Skip),
        ("dkim.key_size", Skip),
        ("dkim.testing", Skip),
        ("dmarc.present", Unknown),
        ("dmarc.syntax", Unknown),
        ("dmarc.policy", Unknown),
        ("dmarc.report_auth", Unknown),
        ("ptr.outbound", Ok),
        ("mta_sts.present", Unknown),
        ("tls_rpt.present", Unknown),
        ("autoconfig.srv", Unknown),
    ];
    &[
        ("good.test", &[]),
        ("xn--exmple-cua.test", &[]),
        (
            "nomx.test",
            &[
                ("mx.present", Fail),
                ("mx.ours", Skip),
                ("mx.target_valid", Skip),
                ("spf.present", Fail),
                ("spf.single", Skip),
                ("spf.syntax", Skip),
                ("spf.lookup_limit", Skip),
                ("spf.void_limit", Skip),
                ("spf.all", Skip),
                ("spf.authorizes_ours", Fail),
                ("dkim.present", Skip),
                ("dkim.matches_key", Skip),
                ("dkim.key_size", Skip),
                ("dkim.testing", Skip),
                NO_DMARC[0],
                NO_DMARC[1],
                NO_DMARC[2],
                NO_DMARC[3],
                NO_EXTRAS[0],
                NO_EXTRAS[1],
                NO_EXTRAS[2],
            ],
        ),
        (
            "nullmx.test",
            &[
                ("mx.present", Fail),
                ("mx.ours", Skip),
                ("mx.target_valid", Skip),
                ("dkim.present", Fail),
                ("dkim.matches_key", Skip),
                ("dkim.key_size", Skip),
                ("dkim.testing", Skip),
                NO_DMARC[0],
                NO_DMARC[1],
                NO_DMARC[2],
                NO_DMARC[3],
                NO_EXTRAS[0],
                NO_EXTRAS[1],
                NO_EXTRAS[2],
            ],
        ),
        ("cname-mx.test", &[("mx.target_valid", Warn)]),
        ("foreign-mx.test", &[("mx.ours", Fail)]),
        ("mixed-mx.test", &[("mx.ours", Warn)]),
        ("netmx.test", &[]),
        (
            "dangling-mx.test",
            &[("mx.ours", Fail), ("mx.target_valid", Fail)],
        ),
        (
            "twospf.test",
            &[
                ("spf.single", Fail),
                ("spf.syntax", Skip),
                ("spf.lookup_limit", Skip),
                ("spf.void_limit", Skip),
                ("spf.all", Skip),
                ("spf.authorizes_ours", Fail),
            ],
        ),
        (
            "badspf.test",
            &[
                ("spf.syntax", Fail),
                ("spf.lookup_limit", Skip),
                ("spf.void_limit", Skip),
                ("spf.all", Skip),
                ("spf.authorizes_ours", Fail),
            ],
        ),
        ("lookups.test", &[("spf.lookup_limit", Fail)]),
        ("heavy.test", &[("spf.lookup_limit", Fail)]),
        ("exactlimit.test", &[]),
        // The record is over the void limit (the linter fails it), but
        // the service's addresses match in the include, before the third
        // void lookup: receivers give them pass (RFC 7208 §4.6.4).
        ("voids.test", &[("spf.void_limit", Fail)]),
        ("twovoids.test", &[]),
        ("plusall.test", &[("spf.all", Fail)]),
        ("neutralall.test", &[("spf.all", Warn)]),
        ("noall.test", &[("spf.all", Warn)]),
        ("ptrspf.test", &[("spf.syntax", Warn)]),
        ("notours-spf.test", &[("spf.authorizes_ours", Fail)]),
        (
            "spf-unknown.test",
            &[("spf.lookup_limit", Unknown), ("spf.void_limit", Unknown)],
        ),
        ("dkim-mismatch.test", &[("dkim.matches_key", Fail)]),
        ("dkim-weak.test", &[("dkim.key_size", Warn)]),
        ("dkim-tiny.test", &[("dkim.key_size", Fail)]),
        ("dkim-testing.test", &[("dkim.testing", Warn)]),
        (
            "dkim-missing.test",
            &[
                ("dkim.present", Fail),
                ("dkim.matches_key", Skip),
                ("dkim.key_size", Skip),
                ("dkim.testing", Skip),
            ],
        ),
        ("dkim-pending.test", &[("dkim.present", Warn)]),
        ("dmarc-none.test", &[("dmarc.policy", Warn)]),
        (
            "dmarc-bad.test",
            &[
                ("dmarc.syntax", Fail),
                ("dmarc.policy", Skip),
                ("dmarc.report_auth", Skip),
            ],
        ),
        ("dmarc-ext.test", &[("dmarc.report_auth", Warn)]),
        ("dmarc-extok.test", &[]),
        ("dmarc-unknown.test", &[("dmarc.report_auth", Unknown)]),
        ("sub.orgdmarc.test", &[]),
        (
            "unknownmx.test",
            &[("mx.ours", Unknown), ("mx.target_valid", Unknown)],
        ),
        (
            "extras-bad.test",
            &[
                ("mta_sts.present", Fail),
                ("tls_rpt.present", Fail),
                ("autoconfig.srv", Warn),
            ],
        ),
        ("nostshost.test", &[("mta_sts.present", Warn)]),
        ("servfail.test", &NOTHING),
    ]
};

/// Every status each check id can take; the runs below must show all.
const STATES: &[(&str, &[Status])] = {
    use Status::*;
    &[
        ("mx.present", &[Ok, Fail, Unknown]),
        ("mx.ours", &[Ok, Warn, Fail, Unknown, Skip]),
        ("mx.target_valid", &[Ok, Warn, Fail, Unknown, Skip]),
        ("spf.present", &[Ok, Fail, Unknown]),
        ("spf.single", &[Ok, Fail, Unknown, Skip]),
        ("spf.syntax", &[Ok, Warn, Fail, Unknown, Skip]),
        ("spf.lookup_limit", &[Ok, Fail, Unknown, Skip]),
        ("spf.void_limit", &[Ok, Fail, Unknown, Skip]),
        ("spf.all", &[Ok, Warn, Fail, Unknown, Skip]),
        ("spf.authorizes_ours", &[Ok, Fail, Unknown, Skip]),
        ("dkim.present", &[Ok, Warn, Fail, Unknown, Skip]),
        ("dkim.matches_key", &[Ok, Fail, Unknown, Skip]),
        ("dkim.key_size", &[Ok, Warn, Fail, Unknown, Skip]),
        ("dkim.testing", &[Ok, Warn, Unknown, Skip]),
        ("dmarc.present", &[Ok, Warn, Fail, Unknown]),
        ("dmarc.syntax", &[Ok, Fail, Unknown, Skip]),
        ("dmarc.policy", &[Ok, Warn, Unknown, Skip]),
        ("dmarc.report_auth", &[Ok, Warn, Unknown, Skip]),
        ("ptr.outbound", &[Ok, Fail, Unknown, Skip]),
        ("mta_sts.present", &[Ok, Warn, Fail, Unknown, Skip]),
        ("tls_rpt.present", &[Ok, Warn, Fail, Unknown, Skip]),
        ("autoconfig.srv", &[Ok, Warn, Unknown, Skip]),
    ]
};

fn statuses(d: &DomainReport) -> BTreeMap<String, Status> {
    d.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
}

fn assert_well_formed(report: &Report) {
    for d in &report.domains {
        let ids: Vec<&str> = d.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, postier::dns::report::CHECK_IDS, "{}", d.domain);
        for c in &d.checks {
            assert!(!c.message.is_empty(), "{} {}", d.domain, c.id);
            // A problem always says what to do.
            if matches!(c.status, Status::Fail | Status::Warn) {
                assert!(c.fix.is_some(), "{} {} has no fix", d.domain, c.id);
            }
        }
        assert_ne!(d.status, Status::Skip);
    }
}

/// The SPF findings name the term to change: the include that costs most
/// of the lookups, the term that gave the failing result; and carry the
/// evaluation tree the TUI shows under them.
#[test]
fn spf_findings_name_the_term_that_decides() {
    let Some(knot) = Knot::start(Knot::zones_in(fixtures())) else {
        return;
    };
    let shared = resolver(knot.addr, Duration::from_secs(2));
    let report = run(
        &service_config(),
        &shared,
        &["heavy.test", "notours-spf.test"],
    );
    let check = |d: usize, id: &str| {
        report.domains[d]
            .checks
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .clone()
    };
    let heavy = check(0, "spf.lookup_limit");
    assert_eq!(
        heavy.message,
        "include:_spf.oldhost.heavy.test adds 7 DNS lookups: the record needs 11, above the 10 \
         RFC 7208 allows, so receivers answer permerror and ignore it."
    );
    assert!(
        heavy
            .fix
            .as_deref()
            .unwrap()
            .starts_with("Replace include:_spf.oldhost.heavy.test with the ip4:/ip6: ranges"),
        "{heavy:?}"
    );
    let ours = check(1, "spf.authorizes_ours");
    assert_eq!(ours.status, Status::Fail);
    assert!(
        ours.message
            .starts_with("-all decides: SPF gives fail for the service's address 192.0.2.10"),
        "{}",
        ours.message
    );
    let trace: Vec<String> = ours.trace.unwrap().into_iter().map(|l| l.text).collect();
    assert!(
        trace.contains(&"ip4:198.51.100.0/24".to_string()),
        "{trace:?}"
    );
    assert!(trace.contains(&"-all".to_string()), "{trace:?}");
    let passing = check(0, "spf.authorizes_ours");
    assert_eq!(passing.status, Status::Ok);
    assert!(passing.trace.is_some_and(|t| !t.is_empty()));
}

#[test]
fn every_check_in_every_state() {
    let Some(knot) = Knot::start(Knot::zones_in(fixtures())) else {
        return;
    };
    assert!(
        knot.log().contains("servfail.test"),
        "the broken zone is refused: {}",
        knot.log()
    );
    let relay = Proxy::start(knot.addr, |_, _| false);
    let mut seen: HashSet<(String, Status)> = HashSet::new();
    let mut note = |report: &Report| {
        assert_well_formed(report);
        for d in &report.domains {
            for c in &d.checks {
                seen.insert((c.id.clone(), c.status));
            }
        }
    };

    // The service's own config, every fixture domain at once.
    let domains: Vec<&str> = EXPECTED.iter().map(|(d, _)| *d).collect();
    let shared = resolver(relay.addr, Duration::from_secs(2));
    let report = run(&service_config(), &shared, &domains);
    note(&report);
    let mut wrong = Vec::new();
    for ((domain, deviations), got) in EXPECTED.iter().zip(&report.domains) {
        assert_eq!(got.domain.as_ascii(), *domain);
        let got = statuses(got);
        for id in postier::dns::report::CHECK_IDS {
            let want = deviations
                .iter()
                .find(|(i, _)| *i == id)
                .map_or(Status::Ok, |(_, s)| *s);
            if got[id] != want {
                let check = report
                    .domains
                    .iter()
                    .find(|d| d.domain.as_ascii() == *domain)
                    .and_then(|d| d.check(id))
                    .unwrap();
                wrong.push(format!(
                    "{domain} {id}: got {:?}, want {want:?} ({})",
                    got[id], check.message
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));

    // Each (name, type) went to the server once for the whole run.
    let questions = relay.questions();
    let distinct: BTreeSet<&(String, u16)> = questions.iter().collect();
    assert_eq!(
        questions.len(),
        distinct.len(),
        "some questions were asked twice: {:?}",
        duplicates(&questions)
    );

    // A service that configured and offers nothing: skips, and a missing
    // DMARC record only warns when the minimum policy is none.
    let empty = tempfile::tempdir().unwrap();
    let report = run(
        &minimal_config(empty.path()),
        &resolver(knot.addr, Duration::from_secs(2)),
        &["good.test", "nomx.test"],
    );
    note(&report);
    let good = statuses(&report.domains[0]);
    for id in [
        "mx.ours",
        "spf.authorizes_ours",
        "dkim.present",
        "ptr.outbound",
        "mta_sts.present",
        "tls_rpt.present",
        "autoconfig.srv",
    ] {
        assert_eq!(good[id], Status::Skip, "{id}");
    }
    assert_eq!(statuses(&report.domains[1])["dmarc.present"], Status::Warn);

    // Outbound addresses whose reverse DNS is not forward-confirmed, or
    // missing.
    for ip in ["192.0.2.11", "192.0.2.12"] {
        let mut config = service_config();
        config.mail.outbound_ips = vec![ip.parse().unwrap()];
        let report = run(
            &config,
            &resolver(knot.addr, Duration::from_secs(2)),
            &["good.test"],
        );
        note(&report);
        assert_eq!(
            statuses(&report.domains[0])["ptr.outbound"],
            Status::Fail,
            "{ip}"
        );
    }

    // A server that never answers: everything it would tell is unknown.
    let silent = Silent::start();
    let report = run(
        &service_config(),
        &resolver(silent.addr, Duration::from_millis(300)),
        &["good.test"],
    );
    note(&report);
    let d = &report.domains[0];
    assert_eq!(d.status, Status::Unknown);
    for c in &d.checks {
        assert_eq!(c.status, Status::Unknown, "{} under timeout", c.id);
    }
    assert_eq!(report.status().exit_code(), 3);

    let mut missing = Vec::new();
    for (id, states) in STATES {
        for s in *states {
            if !seen.contains(&(id.to_string(), *s)) {
                missing.push(format!("{id} {s:?}"));
            }
        }
    }
    assert!(missing.is_empty(), "states never produced: {missing:?}");
}

fn duplicates(questions: &[(String, u16)]) -> Vec<&(String, u16)> {
    let mut seen = BTreeSet::new();
    questions.iter().filter(|q| !seen.insert(*q)).collect()
}

#[test]
fn french_messages_by_locale() {
    let Some(knot) = Knot::start(Knot::zones_in(fixtures())) else {
        return;
    };
    let config = service_config();
    let exp = ops::dns::expectations(&config, &DomainName::parse("nomx.test").unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let resolver = resolver(knot.addr, Duration::from_secs(2));
    let fr = runtime.block_on(postier::dns::check_domain(&resolver, &exp, Lang::Fr));
    let en = runtime.block_on(postier::dns::check_domain(&resolver, &exp, Lang::En));
    let mx_fr = fr.check("mx.present").unwrap();
    let mx_en = en.check("mx.present").unwrap();
    assert!(
        mx_fr.message.contains("n'a aucun enregistrement MX"),
        "{}",
        mx_fr.message
    );
    assert!(
        mx_en.message.contains("has no MX record"),
        "{}",
        mx_en.message
    );
    // The fix is the record itself, the same in every language.
    assert_eq!(mx_fr.fix, mx_en.fix);
    assert_eq!(
        mx_en.fix.as_deref(),
        Some(
            "nomx.test. 3600 IN MX 10 mx1.service.test.\nnomx.test. 3600 IN MX 20 mx2.service.test."
        )
    );
}

/// `auth.test` as served by its primary (127.0.0.1) and by a secondary
/// left behind ([::1]), which still names another MX.
fn auth_zone(serial: u32, mx: &str) -> Zone {
    Zone {
        name: "auth.test".into(),
        text: format!(
            "$ORIGIN auth.test.\n$TTL 300\n\
             @ SOA ns1.auth.test. hostmaster.auth.test. {serial} 3600 600 86400 300\n\
             @ NS ns1\n@ NS ns2\nns1 A 127.0.0.1\nns2 AAAA ::1\n\
             @ MX 10 {mx}.\n"
        ),
    }
}

#[test]
fn authoritative_servers_fresh_answers_and_a_stale_secondary() {
    let mut zones = Knot::zones_in(fixtures());
    zones.push(auth_zone(2, "mx1.service.test"));
    let Some(primary) = Knot::start(zones) else {
        return;
    };
    let secondary_addr = SocketAddr::new("::1".parse().unwrap(), primary.addr.port());
    let Some(_secondary) = Knot::start_at(secondary_addr, vec![auth_zone(1, "mx.elsewhere.test")])
    else {
        return;
    };
    // The "recursive" resolver is a relay to the primary, to see which
    // questions still go through it.
    let relay = Proxy::start(primary.addr, |_, _| false);
    let config = service_config();
    let expectations: Vec<_> = ["auth.test", "good.test"]
        .iter()
        .map(|d| ops::dns::expectations(&config, &DomainName::parse(d).unwrap()).unwrap())
        .collect();
    let options = ResolverOptions {
        nameservers: vec![relay.addr],
        timeout: Duration::from_secs(2),
        ..ResolverOptions::default()
    };
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(postier::dns::authority::check_domains(
            &options,
            &expectations,
            primary.addr.port(),
            8,
            Lang::En,
        ))
        .unwrap();

    let serials = |d: &DomainReport| d.checks.last().cloned().unwrap();
    let auth = serials(&report.domains[0]);
    assert_eq!(
        (auth.id.as_str(), auth.status),
        ("ns.serials", Status::Warn)
    );
    assert!(
        auth.message
            .starts_with("ns2.auth.test (::1) serves serial 1 but the newest is 2"),
        "{}",
        auth.message
    );
    assert!(auth.fix.unwrap().contains("ns2.auth.test"));
    let good = serials(&report.domains[1]);
    assert_eq!((good.id.as_str(), good.status), ("ns.serials", Status::Ok));
    assert_eq!(report.domains[1].checks.len(), 23);
    assert_eq!(report.domains[1].status, Status::Ok);

    // The zones' own names were asked of their servers, not of the relay:
    // only the delegation (NS) and the servers' addresses went through it.
    let questions = relay.questions();
    for zone in ["auth.test", "good.test"] {
        assert!(
            questions.contains(&(zone.to_string(), 2)),
            "{zone} NS via relay"
        );
        assert!(
            !questions.contains(&(zone.to_string(), 15)),
            "{zone} MX must not go via relay"
        );
    }
}
