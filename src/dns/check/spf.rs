//! The `spf.*` checks: one `v=spf1` record, valid through all its includes,
//! within RFC 7208's lookup and void-lookup limits, ending in a refusing
//! `all`, and giving `pass` to the service's outbound addresses.

use super::{all_of, skip, unknown};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::Resolver;
use crate::dns::spf::record::Qualifier;
use crate::dns::spf::{
    LOOKUP_LIMIT, SpfAnalysis, SpfQuery, SpfVerdict, TreeError, VOID_LIMIT, analyse,
    evaluate_explained,
};
use crate::i18n::Msg;

const IDS: [&str; 7] = [
    "spf.present",
    "spf.single",
    "spf.syntax",
    "spf.lookup_limit",
    "spf.void_limit",
    "spf.all",
    "spf.authorizes_ours",
];

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    let domain = exp.domain.as_ascii();
    let analysis = analyse(resolver, domain).await;
    if let Some(why) = &analysis.top_failure {
        return all_of(&IDS, |id| unknown(id, domain, why));
    }
    let existing = analysis.records.first().map(String::as_str);
    let fix = || vec![exp.spf_line(existing)];
    let present = match existing {
        None => Finding::new(
            "spf.present",
            Status::Fail,
            Text::new(Msg::DnsSpfPresentNone).arg(exp.domain.to_unicode()),
        )
        .with_records(fix()),
        Some(record) => Finding::new(
            "spf.present",
            Status::Ok,
            Text::new(Msg::DnsSpfPresentOk)
                .arg(exp.domain.to_unicode())
                .arg(record),
        ),
    };
    let authorizes = authorizes_ours(resolver, exp, &analysis).await;
    if analysis.records.len() != 1 {
        let single = if analysis.records.is_empty() {
            skip("spf.single", Msg::DnsSkipNeedsSpf)
        } else {
            Finding::new(
                "spf.single",
                Status::Fail,
                Text::new(Msg::DnsSpfSingleSeveral)
                    .arg(exp.domain.to_unicode())
                    .arg(analysis.records.len()),
            )
            .with_records(fix())
        };
        let mut out = vec![present, single];
        out.extend(IDS[2..6].iter().map(|id| skip(id, Msg::DnsSkipNeedsSpf)));
        out.push(authorizes);
        return out;
    }
    let single = Finding::new("spf.single", Status::Ok, Text::new(Msg::DnsSpfSingleOk));
    let syntax = syntax(exp, &analysis);
    if analysis.record.is_none() {
        let mut out = vec![present, single, syntax];
        out.extend(IDS[3..6].iter().map(|id| skip(id, Msg::DnsSkipNeedsSpf)));
        out.push(authorizes);
        return out;
    }
    vec![
        present,
        single,
        syntax,
        lookup_limit(&analysis),
        void_limit(&analysis),
        all(exp, &analysis, existing),
        authorizes,
    ]
}

fn syntax(exp: &Expectations, a: &SpfAnalysis) -> Finding {
    const ID: &str = "spf.syntax";
    if let Some(error) = a.errors.first() {
        let text = match error {
            TreeError::Syntax { domain, error } => {
                Text::new(Msg::DnsSpfSyntaxTerm).arg(domain).arg(error)
            }
            TreeError::NoRecord { domain } => Text::new(Msg::DnsSpfSyntaxNoRecord).arg(domain),
            TreeError::Several { domain, count } => Text::new(Msg::DnsSpfSyntaxSeveralIncluded)
                .arg(domain)
                .arg(count),
            TreeError::Loop { domain } => Text::new(Msg::DnsSpfSyntaxLoop).arg(domain),
            TreeError::TooManyMx { domain, count } => {
                Text::new(Msg::DnsSpfSyntaxTooManyMx).arg(domain).arg(count)
            }
        };
        return Finding::new(ID, Status::Fail, text)
            .with_action(Text::new(Msg::DnsSpfFixSyntax).arg(exp.spf_record(None)));
    }
    if !a.ptr_in.is_empty() {
        return Finding::new(
            ID,
            Status::Warn,
            Text::new(Msg::DnsSpfSyntaxPtr).arg(a.ptr_in.join(", ")),
        )
        .with_action(Text::new(Msg::DnsSpfFixPtr));
    }
    Finding::new(ID, Status::Ok, Text::new(Msg::DnsSpfSyntaxOk))
}

fn lookup_limit(a: &SpfAnalysis) -> Finding {
    const ID: &str = "spf.lookup_limit";
    if a.lookups > LOOKUP_LIMIT {
        // Name the term that costs the most, as people fix it.
        return match &a.heaviest {
            Some((term, n)) if *n > 1 => Finding::new(
                ID,
                Status::Fail,
                Text::new(Msg::DnsSpfLookupLimitOverBy)
                    .arg(term)
                    .arg(n)
                    .arg(a.lookups),
            )
            .with_action(Text::new(Msg::DnsSpfFixLookupsBy).arg(term)),
            _ => Finding::new(
                ID,
                Status::Fail,
                Text::new(Msg::DnsSpfLookupLimitOver).arg(a.lookups),
            )
            .with_action(Text::new(Msg::DnsSpfFixLookups)),
        };
    }
    if let Some((name, why)) = &a.failure {
        return Finding::new(
            ID,
            Status::Unknown,
            Text::new(Msg::DnsSpfLookupLimitPartial)
                .arg(a.lookups)
                .arg(name)
                .arg(why),
        );
    }
    Finding::new(
        ID,
        Status::Ok,
        Text::new(Msg::DnsSpfLookupLimitOk).arg(a.lookups),
    )
}

fn void_limit(a: &SpfAnalysis) -> Finding {
    const ID: &str = "spf.void_limit";
    if a.void_lookups > VOID_LIMIT {
        return Finding::new(
            ID,
            Status::Fail,
            Text::new(Msg::DnsSpfVoidLimitOver).arg(a.void_lookups),
        )
        .with_action(Text::new(Msg::DnsSpfFixVoids));
    }
    if let Some((name, why)) = &a.failure {
        return unknown(ID, name, why);
    }
    Finding::new(
        ID,
        Status::Ok,
        Text::new(Msg::DnsSpfVoidLimitOk).arg(a.void_lookups),
    )
}

fn all(exp: &Expectations, a: &SpfAnalysis, existing: Option<&str>) -> Finding {
    const ID: &str = "spf.all";
    let domain = exp.domain.to_unicode();
    let fix = || vec![exp.spf_line(existing)];
    match a.all {
        Some(q @ (Qualifier::Fail | Qualifier::SoftFail)) => Finding::new(
            ID,
            Status::Ok,
            Text::new(Msg::DnsSpfAllOk).arg(format!("{}all", q.symbol())),
        ),
        Some(Qualifier::Pass) => {
            Finding::new(ID, Status::Fail, Text::new(Msg::DnsSpfAllPass).arg(domain))
                .with_records(fix())
        }
        Some(Qualifier::Neutral) => {
            Finding::new(ID, Status::Warn, Text::new(Msg::DnsSpfAllNeutral)).with_records(fix())
        }
        None => match &a.failure {
            Some((name, why)) => unknown(ID, name, why),
            None => Finding::new(ID, Status::Warn, Text::new(Msg::DnsSpfAllMissing))
                .with_action(Text::new(Msg::DnsSpfFixAll)),
        },
    }
}

async fn authorizes_ours(resolver: &Resolver, exp: &Expectations, a: &SpfAnalysis) -> Finding {
    const ID: &str = "spf.authorizes_ours";
    if exp.outbound_ips.is_empty() {
        return skip(ID, Msg::DnsSkipNoOutbound);
    }
    let domain = exp.domain.as_ascii();
    let results = futures::future::join_all(exp.outbound_ips.iter().map(|ip| {
        let query = SpfQuery {
            domain,
            ip: *ip,
            sender: None,
            helo: None,
        };
        async move { (*ip, evaluate_explained(resolver, &query, Some(a)).await) }
    }))
    .await;
    let existing = a.records.first().map(String::as_str);
    if let Some((ip, evaluation)) = results
        .iter()
        .find(|(_, e)| !matches!(e.result, SpfVerdict::Pass | SpfVerdict::Temperror))
    {
        // Which term decided: the one a collective has to change. No
        // record (none) or a broken one (permerror) is no term's doing.
        let text = match (&evaluation.decided_by, evaluation.result) {
            (_, SpfVerdict::None | SpfVerdict::Permerror) => {
                Text::new(Msg::DnsSpfAuthorizesOursFail)
            }
            (Some(term), _) => Text::new(Msg::DnsSpfAuthorizesOursFailBy).arg(term),
            (None, _) => Text::new(Msg::DnsSpfAuthorizesOursFailDefault),
        };
        let finding = Finding::new(
            ID,
            Status::Fail,
            text.arg(evaluation.result)
                .arg(ip)
                .arg(exp.domain.to_unicode()),
        )
        .with_trace(evaluation.steps.clone());
        return match existing {
            // The record names the service already: its errors are the cause.
            Some(record) if exp.spf_record(Some(record)) == record => {
                finding.with_action(Text::new(Msg::DnsSpfFixErrors))
            }
            _ => finding.with_records(vec![exp.spf_line(existing)]),
        };
    }
    if let Some((ip, evaluation)) = results
        .iter()
        .find(|(_, e)| e.result == SpfVerdict::Temperror)
    {
        return Finding::new(
            ID,
            Status::Unknown,
            Text::new(Msg::DnsSpfAuthorizesOursTemperror).arg(ip),
        )
        .with_trace(evaluation.steps.clone());
    }
    let ips: Vec<String> = exp.outbound_ips.iter().map(ToString::to_string).collect();
    Finding::new(
        ID,
        Status::Ok,
        Text::new(Msg::DnsSpfAuthorizesOursOk).arg(ips.join(", ")),
    )
    .with_trace(results.first().and_then(|(_, e)| e.steps.clone()))
}
