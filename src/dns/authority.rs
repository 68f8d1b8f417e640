//! Checking against each domain's authoritative servers rather than a
//! resolver (`dns check --authoritative`): answers are fresh, not what a
//! cache kept, and the servers are compared on the zone's SOA serial, so
//! that a secondary left behind (stale records) is reported as check
//! `ns.serials`.
//!
//! Names outside the domains' zones (the service's own hosts, reverse
//! zones) are still asked of the configured resolvers. The SPF evaluation
//! asks through the same resolver, so it sees the same fresh answers.

use super::check::{check_domain_with, unknown};
use super::expect::Expectations;
use super::messages::Text;
use super::report::{Finding, Report, Status};
use super::resolver::{Answer, Failure, Resolver, ResolverOptions};
use crate::error::Result;
use crate::i18n::{Lang, Msg};
use futures::StreamExt;
use std::net::SocketAddr;

pub const SERIAL_CHECK: &str = "ns.serials";

/// A zone and the addresses of its name servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub zone: String,
    /// (name server host, address)
    pub servers: Vec<(String, SocketAddr)>,
}

/// The zone holding `domain` (the closest enclosing name with NS
/// records) and its servers' addresses, on `port`.
pub async fn find(
    resolver: &Resolver,
    domain: &str,
    port: u16,
) -> std::result::Result<Authority, (String, Failure)> {
    let mut zone = domain.to_string();
    let hosts = loop {
        match resolver.ns(&zone).await {
            Answer::Records(hosts) => break hosts,
            Answer::Failed(f) => return Err((zone, f)),
            Answer::Empty { .. } => match zone.split_once('.') {
                Some((_, parent)) if parent.contains('.') => zone = parent.to_string(),
                _ => {
                    return Err((domain.to_string(), Failure::Other("no NS records".into())));
                }
            },
        }
    };
    let addresses = futures::future::join_all(hosts.iter().map(|h| resolver.addresses(h))).await;
    let mut servers = Vec::new();
    for (host, answer) in hosts.iter().zip(&addresses) {
        if let Answer::Failed(f) = answer {
            return Err((host.clone(), f.clone()));
        }
        for ip in answer.records() {
            servers.push((host.clone(), SocketAddr::new(*ip, port)));
        }
    }
    Ok(Authority { zone, servers })
}

/// `ns.serials`: every server of the zone serves the same SOA serial.
pub async fn serials(authority: &Authority, options: &ResolverOptions) -> Finding {
    let asked = futures::future::join_all(authority.servers.iter().map(|(_, addr)| async move {
        // One fresh resolver per server: each must answer for itself.
        let one = ResolverOptions {
            nameservers: vec![*addr],
            authorities: Vec::new(),
            ..options.clone()
        };
        match Resolver::new(&one) {
            Ok(r) => r.soa_serial(&authority.zone).await,
            Err(e) => Answer::Failed(Failure::Other(e.to_string())),
        }
    }))
    .await;
    let mut seen: Vec<(String, u32)> = Vec::new();
    for ((host, addr), answer) in authority.servers.iter().zip(&asked) {
        let who = format!("{host} ({})", addr.ip());
        match answer {
            Answer::Failed(f) => return unknown(SERIAL_CHECK, &who, f),
            Answer::Empty { .. } => {
                return unknown(SERIAL_CHECK, &who, &Failure::Other("no SOA".into()));
            }
            Answer::Records(serials) => seen.push((who, serials[0])),
        }
    }
    let newest = seen.iter().map(|(_, s)| *s).max().unwrap_or_default();
    let all = seen
        .iter()
        .map(|(who, s)| format!("{who}: {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    match seen.iter().find(|(_, s)| *s != newest) {
        None => Finding::new(
            SERIAL_CHECK,
            Status::Ok,
            Text::new(Msg::DnsNsSerialsOk).arg(&authority.zone).arg(all),
        ),
        Some((stale, serial)) => Finding::new(
            SERIAL_CHECK,
            Status::Warn,
            Text::new(Msg::DnsNsSerialsStale)
                .arg(stale)
                .arg(serial)
                .arg(newest)
                .arg(&authority.zone),
        )
        .with_action(Text::new(Msg::DnsNsFixStale).arg(stale)),
    }
}

/// Checks `expectations` asking each domain's zone at its own servers
/// (on `port`), other names at `options.nameservers`, and adds
/// `ns.serials` to each domain's report.
pub async fn check_domains(
    options: &ResolverOptions,
    expectations: &[Expectations],
    port: u16,
    concurrency: usize,
    lang: Lang,
) -> Result<Report> {
    let recursive = Resolver::new(options)?;
    let found: Vec<_> = futures::stream::iter(expectations)
        .map(|e| find(&recursive, e.domain.as_ascii(), port))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let authorities = found
        .iter()
        .filter_map(|a| a.as_ref().ok())
        .map(|a| (a.zone.clone(), a.servers.iter().map(|(_, s)| *s).collect()))
        .collect();
    let routed = Resolver::new(&ResolverOptions {
        authorities,
        ..options.clone()
    })?;
    let domains = futures::stream::iter(expectations.iter().zip(&found))
        .map(|(exp, authority)| {
            let routed = &routed;
            async move {
                let serial = match authority {
                    Ok(a) => serials(a, options).await,
                    Err((name, f)) => unknown(SERIAL_CHECK, name, f),
                };
                check_domain_with(routed, exp, lang, vec![serial]).await
            }
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    Ok(Report { domains })
}
