//! `ptr.outbound`: every outbound address of the service has a PTR name
//! that resolves back to it (forward-confirmed reverse DNS), as receivers
//! require of sending servers.

use super::{skip, unknown};
use crate::dns::expect::Expectations;
use crate::dns::messages::Text;
use crate::dns::report::{Finding, Status};
use crate::dns::resolver::{Answer, Failure, Resolver};
use crate::i18n::Msg;
use std::net::IpAddr;

const ID: &str = "ptr.outbound";

enum Reverse {
    Confirmed(String),
    Missing,
    Unconfirmed(String),
    Unknown(String, Failure),
}

async fn reverse(resolver: &Resolver, ip: IpAddr) -> Reverse {
    let names = match resolver.ptr(ip).await {
        Answer::Failed(f) => return Reverse::Unknown(ip.to_string(), f),
        Answer::Empty { .. } => return Reverse::Missing,
        Answer::Records(records) => records,
    };
    let answers = futures::future::join_all(names.iter().map(|n| resolver.addresses(n))).await;
    if let Some((name, _)) = names
        .iter()
        .zip(&answers)
        .find(|(_, a)| a.records().contains(&ip))
    {
        return Reverse::Confirmed(name.clone());
    }
    if let Some((name, f)) = names
        .iter()
        .zip(&answers)
        .find_map(|(n, a)| a.failure().map(|f| (n, f)))
    {
        return Reverse::Unknown(name.clone(), f.clone());
    }
    Reverse::Unconfirmed(names[0].clone())
}

pub async fn check(resolver: &Resolver, exp: &Expectations) -> Vec<Finding> {
    if exp.outbound_ips.is_empty() {
        return vec![skip(ID, Msg::DnsSkipNoOutbound)];
    }
    let results =
        futures::future::join_all(exp.outbound_ips.iter().map(|ip| reverse(resolver, *ip))).await;
    let host = exp
        .mx_hosts
        .first()
        .cloned()
        .unwrap_or_else(|| "mail.example.net".into());
    let pairs = || exp.outbound_ips.iter().zip(&results);
    for (ip, result) in pairs() {
        let text = match result {
            Reverse::Missing => Text::new(Msg::DnsPtrOutboundMissing).arg(ip),
            Reverse::Unconfirmed(name) => Text::new(Msg::DnsPtrOutboundUnconfirmed)
                .arg(ip)
                .arg(name)
                .arg(ip),
            _ => continue,
        };
        let fix_name = match result {
            Reverse::Unconfirmed(name) => name.clone(),
            _ => host.clone(),
        };
        return vec![
            Finding::new(ID, Status::Fail, text).with_action(
                Text::new(Msg::DnsPtrFix)
                    .arg(ip)
                    .arg(&fix_name)
                    .arg(&fix_name)
                    .arg(ip),
            ),
        ];
    }
    if let Some((name, f)) = pairs().find_map(|(_, r)| match r {
        Reverse::Unknown(name, f) => Some((name, f)),
        _ => None,
    }) {
        return vec![unknown(ID, name, f)];
    }
    let confirmed: Vec<String> = pairs()
        .filter_map(|(ip, r)| match r {
            Reverse::Confirmed(name) => Some(format!("{ip} → {name}")),
            _ => None,
        })
        .collect();
    vec![Finding::new(
        ID,
        Status::Ok,
        Text::new(Msg::DnsPtrOutboundOk).arg(confirmed.join(", ")),
    )]
}
