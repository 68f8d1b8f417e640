//! `mx.present`, `mx.ours`, `mx.target_valid`: the domain's MX records
//! exist (a null MX, RFC 7505, is understood and refused), point at the
//! service by name or address range, and name hosts that have addresses
//! and are not aliases (RFC 5321 §5.1).

use super::{all_of, skip, unknown};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Resolver};
use crate::i18n::Msg;
use std::net::IpAddr;

const IDS: [&str; 3] = ["mx.present", "mx.ours", "mx.target_valid"];

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    let domain = exp.domain.as_ascii();
    let mut mx = match resolver.mx(domain).await {
        Answer::Failed(f) => return all_of(&IDS, |id| unknown(id, domain, &f)),
        Answer::Empty { nxdomain } => {
            let msg = if nxdomain {
                Msg::DnsMxPresentNxdomain
            } else {
                Msg::DnsMxPresentNone
            };
            return absent(exp, msg);
        }
        Answer::Records(records) => records,
    };
    if mx.len() == 1 && mx[0].exchange.is_empty() {
        return absent(exp, Msg::DnsMxPresentNull);
    }
    mx.sort_by_key(|m| m.preference);
    let mut targets: Vec<String> = Vec::new();
    for m in mx.iter().filter(|m| !m.exchange.is_empty()) {
        if !targets.contains(&m.exchange) {
            targets.push(m.exchange.clone());
        }
    }
    let (answers, aliases) = tokio::join!(
        futures::future::join_all(targets.iter().map(|t| resolver.addresses(t))),
        futures::future::join_all(targets.iter().map(|t| resolver.cname(t))),
    );
    let present = Finding::new(
        "mx.present",
        Status::Ok,
        Text::new(Msg::DnsMxPresentOk)
            .arg(exp.domain.to_unicode())
            .arg(targets.join(", ")),
    );
    vec![
        present,
        ours(exp, &targets, &answers, &aliases),
        target_valid(exp, &targets, &answers, &aliases),
    ]
}

/// No usable MX: `mx.present` fails with `key`, the others wait for it.
fn absent(exp: &Expectations, msg: Msg) -> Vec<Finding> {
    vec![
        with_mx_fix(
            Finding::new(
                "mx.present",
                Status::Fail,
                Text::new(msg).arg(exp.domain.to_unicode()),
            ),
            exp,
        ),
        skip("mx.ours", Msg::DnsSkipNeedsMx),
        skip("mx.target_valid", Msg::DnsSkipNeedsMx),
    ]
}

fn ours(
    exp: &Expectations,
    targets: &[String],
    answers: &[Answer<IpAddr>],
    aliases: &[Answer<String>],
) -> Finding {
    const ID: &str = "mx.ours";
    if !exp.knows_mx() {
        return skip(ID, Msg::DnsSkipNotConfigured);
    }
    let mut foreign = Vec::new();
    for ((target, answer), alias) in targets.iter().zip(answers).zip(aliases) {
        let alias = alias.records().first();
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
        return Finding::new(ID, Status::Ok, Text::new(Msg::DnsMxOursOk));
    } else if foreign.len() == targets.len() {
        Finding::new(
            ID,
            Status::Fail,
            Text::new(Msg::DnsMxOursNone).arg(targets.join(", ")),
        )
    } else {
        Finding::new(
            ID,
            Status::Warn,
            Text::new(Msg::DnsMxOursSome).arg(foreign.join(", ")),
        )
    };
    with_mx_fix(finding, exp)
}

/// The MX records to publish, or what to do when the service named no
/// MX host (only address ranges).
fn with_mx_fix(finding: Finding, exp: &Expectations) -> Finding {
    let lines = exp.mx_lines();
    if lines.is_empty() {
        finding.with_action(Text::new(Msg::DnsMxFixAdd))
    } else {
        finding.with_records(lines)
    }
}

fn target_valid(
    exp: &Expectations,
    targets: &[String],
    answers: &[Answer<IpAddr>],
    aliases: &[Answer<String>],
) -> Finding {
    const ID: &str = "mx.target_valid";
    let pairs = || targets.iter().zip(answers);
    let failed = targets
        .iter()
        .zip(answers.iter().zip(aliases))
        .find_map(|(t, (a, c))| a.failure().or(c.failure()).map(|f| (t, f)));
    if let Some((target, f)) = failed {
        return unknown(ID, target, f);
    }
    if let Some((target, _)) = pairs().find(|(_, a)| a.is_void()) {
        let finding = Finding::new(
            ID,
            Status::Fail,
            Text::new(Msg::DnsMxTargetValidUnresolved).arg(target),
        );
        return with_mx_fix(finding, exp);
    }
    let aliased = targets
        .iter()
        .zip(aliases)
        .find_map(|(t, c)| c.records().first().map(|alias| (t, alias)));
    if let Some((target, alias)) = aliased {
        return Finding::new(
            ID,
            Status::Warn,
            Text::new(Msg::DnsMxTargetValidCname).arg(target).arg(alias),
        )
        .with_action(Text::new(Msg::DnsMxFixTarget).arg(alias).arg(target));
    }
    Finding::new(ID, Status::Ok, Text::new(Msg::DnsMxTargetValidOk))
}
