//! The `dmarc.*` checks: a DMARC record at `_dmarc.<domain>` or, failing
//! that, at the organizational domain's (RFC 7489 §6.6.3), valid, with a
//! policy at least the service's minimum, and whose external report
//! destinations agreed to receive the reports (RFC 7489 §7.1).

use super::{all_of, skip, unknown};
use crate::config::DmarcPolicy;
use crate::dns::dmarc::{self, DmarcRecord};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Resolver};
use crate::dns::zone::ZoneLine;
use crate::i18n::Msg;

const IDS: [&str; 4] = [
    "dmarc.present",
    "dmarc.syntax",
    "dmarc.policy",
    "dmarc.report_auth",
];

/// Where the applicable DMARC record was found.
struct Found {
    /// The domain holding it (the domain itself or its organizational one).
    owner: String,
    records: Vec<String>,
}

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    let domain = exp.domain.as_ascii().to_string();
    let name = exp.dmarc_name();
    let found = match dmarc_records(resolver, &name).await {
        Err(f) => return all_of(&IDS, |id| unknown(id, &name, &f)),
        Ok(records) if !records.is_empty() => Some(Found {
            owner: domain.clone(),
            records,
        }),
        Ok(_) => match dmarc::organizational_domain(&domain).filter(|o| *o != domain) {
            None => None,
            Some(org) => {
                let org_name = format!("_dmarc.{org}");
                match dmarc_records(resolver, &org_name).await {
                    Err(f) => return all_of(&IDS, |id| unknown(id, &org_name, &f)),
                    Ok(records) if !records.is_empty() => Some(Found {
                        owner: org,
                        records,
                    }),
                    Ok(_) => None,
                }
            }
        },
    };
    let Some(found) = found else {
        let status = if exp.dmarc_min_policy == DmarcPolicy::None {
            Status::Warn
        } else {
            Status::Fail
        };
        let mut out = vec![
            Finding::new(
                "dmarc.present",
                status,
                Text::new(Msg::DnsDmarcPresentNone).arg(&name),
            )
            .with_records(vec![exp.dmarc_line()]),
        ];
        out.extend(IDS[1..].iter().map(|id| skip(id, Msg::DnsSkipNeedsDmarc)));
        return out;
    };
    let inherited = found.owner != domain;
    let found_name = format!("_dmarc.{}", found.owner);
    let present = if inherited {
        Finding::new(
            "dmarc.present",
            Status::Ok,
            Text::new(Msg::DnsDmarcPresentInherited)
                .arg(&name)
                .arg(&found_name),
        )
    } else {
        Finding::new(
            "dmarc.present",
            Status::Ok,
            Text::new(Msg::DnsDmarcPresentOk).arg(&name),
        )
    };
    let parsed = if found.records.len() > 1 {
        Err(Text::new(Msg::DnsDmarcSyntaxSeveral)
            .arg(found.records.len())
            .arg(&found_name))
    } else {
        DmarcRecord::parse(&found.records[0])
            .map_err(|e| Text::new(Msg::DnsDmarcSyntaxError).arg(&found_name).arg(e))
    };
    let record = match parsed {
        Err(text) => {
            return vec![
                present,
                Finding::new("dmarc.syntax", Status::Fail, text)
                    .with_records(vec![exp.dmarc_line()]),
                skip("dmarc.policy", Msg::DnsSkipNeedsDmarc),
                skip("dmarc.report_auth", Msg::DnsSkipNeedsDmarc),
            ];
        }
        Ok(record) => record,
    };
    vec![
        present,
        Finding::new("dmarc.syntax", Status::Ok, Text::new(Msg::DnsDmarcSyntaxOk)),
        policy(exp, &record, inherited),
        report_auth(resolver, &found.owner, &record).await,
    ]
}

/// The `v=DMARC1` records at `name`.
async fn dmarc_records(
    resolver: &Resolver,
    name: &str,
) -> Result<Vec<String>, crate::dns::resolver::Failure> {
    match resolver.txt(name).await {
        Answer::Failed(f) => Err(f),
        answer => Ok(answer
            .records()
            .iter()
            .filter(|t| dmarc::is_dmarc(t))
            .cloned()
            .collect()),
    }
}

fn policy_name(p: DmarcPolicy) -> &'static str {
    match p {
        DmarcPolicy::None => "none",
        DmarcPolicy::Quarantine => "quarantine",
        DmarcPolicy::Reject => "reject",
    }
}

fn policy(exp: &Expectations, record: &DmarcRecord, inherited: bool) -> Finding {
    const ID: &str = "dmarc.policy";
    let p = record.policy_for(inherited);
    let text = |msg| {
        Text::new(msg)
            .arg(policy_name(p))
            .arg(policy_name(exp.dmarc_min_policy))
    };
    if p < exp.dmarc_min_policy {
        return Finding::new(ID, Status::Warn, text(Msg::DnsDmarcPolicyWeak))
            .with_records(vec![exp.dmarc_line()]);
    }
    if record.pct < 100 && p != DmarcPolicy::None {
        let partial = Text::new(Msg::DnsDmarcPolicyPartial)
            .arg(policy_name(p))
            .arg(record.pct);
        return Finding::new(ID, Status::Warn, partial).with_records(vec![exp.dmarc_line()]);
    }
    Finding::new(ID, Status::Ok, text(Msg::DnsDmarcPolicyOk))
}

async fn report_auth(resolver: &Resolver, owner: &str, record: &DmarcRecord) -> Finding {
    const ID: &str = "dmarc.report_auth";
    if record.rua.is_empty() && record.ruf.is_empty() {
        return Finding::new(ID, Status::Ok, Text::new(Msg::DnsDmarcReportAuthNone));
    }
    let org = dmarc::organizational_domain(owner).unwrap_or_else(|| owner.to_string());
    let mut external: Vec<String> = record
        .rua
        .iter()
        .chain(&record.ruf)
        .filter_map(|u| dmarc::report_domain(u))
        .filter(|d| dmarc::organizational_domain(d).as_deref() != Some(org.as_str()))
        .collect();
    external.sort();
    external.dedup();
    let names: Vec<String> = external
        .iter()
        .map(|dest| format!("{owner}._report._dmarc.{dest}"))
        .collect();
    let answers = futures::future::join_all(names.iter().map(|n| resolver.txt(n))).await;
    for ((dest, name), answer) in external.iter().zip(&names).zip(&answers) {
        match answer {
            Answer::Failed(f) => return unknown(ID, name, f),
            a if a.records().iter().any(|t| dmarc::is_dmarc(t)) => {}
            _ => {
                let line = ZoneLine::txt(name, "v=DMARC1");
                return Finding::new(
                    ID,
                    Status::Warn,
                    Text::new(Msg::DnsDmarcReportAuthMissing)
                        .arg(dest)
                        .arg(owner),
                )
                .with_action(Text::new(Msg::DnsDmarcFixReportAuth).arg(dest).arg(line));
            }
        }
    }
    Finding::new(ID, Status::Ok, Text::new(Msg::DnsDmarcReportAuthOk))
}
