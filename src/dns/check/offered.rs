//! What the service may offer on top of mail: MTA-STS (RFC 8461 §3.1),
//! TLS reporting (RFC 8460 §3) and client autoconfiguration SRV records
//! (RFC 6186, RFC 8314). Each is "skip" unless `[mail]` offers it.

use super::{skip, unknown};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Resolver};
use crate::dns::tags::TagList;
use crate::i18n::Msg;

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    let (mta_sts, tls_rpt, srv) = tokio::join!(
        mta_sts(resolver, exp),
        tls_rpt(resolver, exp),
        autoconfig(resolver, exp)
    );
    vec![mta_sts, tls_rpt, srv]
}

/// The records at `name` whose first tag is `v=<version>`, parsed.
enum Versioned {
    None,
    One(TagList),
    Invalid(String),
}

fn versioned(answer: &Answer<String>, version: &str) -> Versioned {
    let records: Vec<&String> = answer
        .records()
        .iter()
        .filter(|t| {
            t.split(';')
                .next()
                .is_some_and(|v| v.replace(' ', "") == format!("v={version}"))
        })
        .collect();
    match records.as_slice() {
        [] => Versioned::None,
        [one] => match TagList::parse(one) {
            Ok(tags) => Versioned::One(tags),
            Err(e) => Versioned::Invalid(e),
        },
        several => Versioned::Invalid(format!("there are {} records", several.len())),
    }
}

async fn mta_sts(resolver: &Resolver, exp: &Expectations) -> Finding {
    const ID: &str = "mta_sts.present";
    if !exp.mta_sts {
        return skip(ID, Msg::DnsSkipNotOffered);
    }
    let name = exp.mta_sts_name();
    let answer = resolver.txt(&name).await;
    if let Answer::Failed(f) = &answer {
        return unknown(ID, &name, f);
    }
    let invalid = |error: String| {
        Finding::new(
            ID,
            Status::Fail,
            Text::new(Msg::DnsMtaStsPresentInvalid)
                .arg(&name)
                .arg(error),
        )
        .with_records(vec![exp.mta_sts_line()])
    };
    let tags = match versioned(&answer, "STSv1") {
        Versioned::None => {
            return Finding::new(
                ID,
                Status::Warn,
                Text::new(Msg::DnsMtaStsPresentNone).arg(&name),
            )
            .with_records(vec![exp.mta_sts_line()]);
        }
        Versioned::Invalid(e) => return invalid(e),
        Versioned::One(tags) => tags,
    };
    let id = tags.get("id").unwrap_or_default().to_string();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return invalid(format!("id={id:?} must be 1 to 32 letters or digits"));
    }
    let host = format!("mta-sts.{}", exp.domain.as_ascii());
    match resolver.addresses(&host).await {
        Answer::Failed(f) => unknown(ID, &host, &f),
        Answer::Empty { .. } => Finding::new(
            ID,
            Status::Warn,
            Text::new(Msg::DnsMtaStsPresentNoHost).arg(&host),
        )
        .with_action(Text::new(Msg::DnsMtaStsFixHost).arg(&host)),
        Answer::Records(_) => Finding::new(
            ID,
            Status::Ok,
            Text::new(Msg::DnsMtaStsPresentOk).arg(&name).arg(id),
        ),
    }
}

async fn tls_rpt(resolver: &Resolver, exp: &Expectations) -> Finding {
    const ID: &str = "tls_rpt.present";
    if !exp.tls_rpt {
        return skip(ID, Msg::DnsSkipNotOffered);
    }
    let name = exp.tls_rpt_name();
    let answer = resolver.txt(&name).await;
    if let Answer::Failed(f) = &answer {
        return unknown(ID, &name, f);
    }
    let error = match versioned(&answer, "TLSRPTv1") {
        Versioned::None => {
            return Finding::new(
                ID,
                Status::Warn,
                Text::new(Msg::DnsTlsRptPresentNone).arg(&name),
            )
            .with_records(vec![exp.tls_rpt_line()]);
        }
        Versioned::Invalid(e) => e,
        Versioned::One(tags) => {
            let rua = tags.get("rua").unwrap_or_default();
            let valid = !rua.is_empty()
                && rua.split(',').all(|u| {
                    let u = u.trim().to_ascii_lowercase();
                    u.starts_with("mailto:") || u.starts_with("https://")
                });
            if valid {
                return Finding::new(
                    ID,
                    Status::Ok,
                    Text::new(Msg::DnsTlsRptPresentOk).arg(&name),
                );
            }
            format!("rua={rua:?} must list mailto: or https: URIs")
        }
    };
    Finding::new(
        ID,
        Status::Fail,
        Text::new(Msg::DnsTlsRptPresentInvalid)
            .arg(&name)
            .arg(error),
    )
    .with_records(vec![exp.tls_rpt_line()])
}

async fn autoconfig(resolver: &Resolver, exp: &Expectations) -> Finding {
    const ID: &str = "autoconfig.srv";
    if !exp.autoconfig {
        return skip(ID, Msg::DnsSkipNotOffered);
    }
    let expected = exp.srv_records();
    if expected.is_empty() {
        return skip(ID, Msg::DnsSkipNotConfigured);
    }
    let answers =
        futures::future::join_all(expected.iter().map(|(owner, _, _)| resolver.srv(owner))).await;
    for ((owner, port, target), answer) in expected.iter().zip(&answers) {
        let found = match answer {
            Answer::Failed(f) => return unknown(ID, owner, f),
            Answer::Empty { .. } => {
                return Finding::new(
                    ID,
                    Status::Warn,
                    Text::new(Msg::DnsAutoconfigSrvMissing).arg(owner),
                )
                .with_records(exp.srv_lines());
            }
            Answer::Records(records) => records,
        };
        if !found.iter().any(|s| s.target == *target && s.port == *port) {
            let first = &found[0];
            return Finding::new(
                ID,
                Status::Warn,
                Text::new(Msg::DnsAutoconfigSrvElsewhere)
                    .arg(owner)
                    .arg(&first.target)
                    .arg(first.port)
                    .arg(format!("{target}:{port}")),
            )
            .with_records(exp.srv_lines());
        }
    }
    Finding::new(ID, Status::Ok, Text::new(Msg::DnsAutoconfigSrvOk))
}
