//! `mx.present`, `mx.ours`, `mx.target_valid`: the domain's MX records
//! exist (a null MX, RFC 7505, is understood and refused), point at the
//! service by name or address range, and name hosts that have addresses
//! and are not aliases (RFC 5321 §5.1).

use super::{all_of, skip, unknown};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Resolver};
use std::net::IpAddr;

const IDS: [&str; 3] = ["mx.present", "mx.ours", "mx.target_valid"];

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    let domain = exp.domain.as_ascii();
    let mut mx = match resolver.mx(domain).await {
        Answer::Failed(f) => return all_of(&IDS, |id| unknown(id, domain, &f)),
        Answer::Empty { nxdomain } => {
            let key = if nxdomain {
                "mx.present.nxdomain"
            } else {
                "mx.present.none"
            };
            return absent(exp, key);
        }
        Answer::Records { records, .. } => records,
    };
    if mx.len() == 1 && mx[0].exchange.is_empty() {
        return absent(exp, "mx.present.null");
    }
    mx.sort_by_key(|m| m.preference);
    let mut targets: Vec<String> = Vec::new();
    for m in mx.iter().filter(|m| !m.exchange.is_empty()) {
        if !targets.contains(&m.exchange) {
            targets.push(m.exchange.clone());
        }
    }
    let answers = futures::future::join_all(targets.iter().map(|t| resolver.addresses(t))).await;
    let present = Finding::new(
        "mx.present",
        Status::Ok,
        Text::new("mx.present.ok")
            .arg("domain", exp.domain.to_unicode())
            .arg("targets", targets.join(", ")),
    );
    vec![
        present,
        ours(exp, &targets, &answers),
        target_valid(exp, &targets, &answers),
    ]
}

/// No usable MX: `mx.present` fails with `key`, the others wait for it.
fn absent(exp: &Expectations, key: &'static str) -> Vec<Finding> {
    vec![
        Finding::new(
            "mx.present",
            Status::Fail,
            Text::new(key).arg("domain", exp.domain.to_unicode()),
        )
        .with_records(exp.mx_lines()),
        skip("mx.ours", "skip.needs_mx"),
        skip("mx.target_valid", "skip.needs_mx"),
    ]
}

fn ours(exp: &Expectations, targets: &[String], answers: &[Answer<IpAddr>]) -> Finding {
    const ID: &str = "mx.ours";
    if !exp.knows_mx() {
        return skip(ID, "skip.not_configured");
    }
    let mut foreign = Vec::new();
    for (target, answer) in targets.iter().zip(answers) {
        let alias = match answer {
            Answer::Records { alias, .. } => alias.as_deref(),
            _ => None,
        };
        let by_name =
            exp.is_service_mx(target, &[]) || alias.is_some_and(|a| exp.is_service_mx(a, &[]));
        if by_name || exp.is_service_mx(target, answer.records()) {
            continue;
        }
        if let (Answer::Failed(f), false) = (answer, exp.mx_networks.is_empty()) {
            return unknown(ID, target, f);
        }
        foreign.push(target.clone());
    }
    let finding = if foreign.is_empty() {
        return Finding::new(ID, Status::Ok, Text::new("mx.ours.ok"));
    } else if foreign.len() == targets.len() {
        Finding::new(
            ID,
            Status::Fail,
            Text::new("mx.ours.none").arg("targets", targets.join(", ")),
        )
    } else {
        Finding::new(
            ID,
            Status::Warn,
            Text::new("mx.ours.some").arg("foreign", foreign.join(", ")),
        )
    };
    finding.with_records(exp.mx_lines())
}

fn target_valid(exp: &Expectations, targets: &[String], answers: &[Answer<IpAddr>]) -> Finding {
    const ID: &str = "mx.target_valid";
    let pairs = || targets.iter().zip(answers);
    if let Some((target, f)) = pairs().find_map(|(t, a)| a.failure().map(|f| (t, f))) {
        return unknown(ID, target, f);
    }
    if let Some((target, _)) = pairs().find(|(_, a)| a.is_void()) {
        let finding = Finding::new(
            ID,
            Status::Fail,
            Text::new("mx.target_valid.unresolved").arg("target", target),
        );
        return finding.with_records(exp.mx_lines());
    }
    let aliased = pairs().find_map(|(t, a)| match a {
        Answer::Records {
            alias: Some(alias), ..
        } => Some((t, alias)),
        _ => None,
    });
    if let Some((target, alias)) = aliased {
        return Finding::new(
            ID,
            Status::Warn,
            Text::new("mx.target_valid.cname")
                .arg("target", target)
                .arg("alias", alias),
        )
        .with_action(
            Text::new("mx.fix.target")
                .arg("target", target)
                .arg("alias", alias),
        );
    }
    Finding::new(ID, Status::Ok, Text::new("mx.target_valid.ok"))
}
