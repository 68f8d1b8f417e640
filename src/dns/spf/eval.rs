//! `check_host()` (RFC 7208 §4): the result a receiver gets for a client
//! address, a domain and a sender.
//!
//! mail-auth evaluates the record, asking DNS through the same hickory
//! resolver (and so the same cache) as the rest of postier. It takes the
//! first of several records and has no void-lookup limit, so postier's
//! own walk ([`super::walk`]) is run first and decides those cases:
//! several `v=spf1` records at the domain → permerror; more than two void
//! lookups in the record tree → permerror. The void limit is applied to
//! the whole tree, also where a receiver would have matched before the
//! third void lookup (a stricter reading than §4.6.4's).

use super::walk::{self, SpfAnalysis, VOID_LIMIT};
use crate::dns::resolver::Resolver;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{MessageAuthenticator, Parameters, SpfResult};
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

/// The seven results of RFC 7208 §2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfVerdict {
    Pass,
    Fail,
    Softfail,
    Neutral,
    None,
    Permerror,
    Temperror,
}

impl SpfVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            SpfVerdict::Pass => "pass",
            SpfVerdict::Fail => "fail",
            SpfVerdict::Softfail => "softfail",
            SpfVerdict::Neutral => "neutral",
            SpfVerdict::None => "none",
            SpfVerdict::Permerror => "permerror",
            SpfVerdict::Temperror => "temperror",
        }
    }
}

impl fmt::Display for SpfVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<SpfResult> for SpfVerdict {
    fn from(r: SpfResult) -> Self {
        match r {
            SpfResult::Pass => SpfVerdict::Pass,
            SpfResult::Fail => SpfVerdict::Fail,
            SpfResult::SoftFail => SpfVerdict::Softfail,
            SpfResult::Neutral => SpfVerdict::Neutral,
            SpfResult::None => SpfVerdict::None,
            SpfResult::PermError => SpfVerdict::Permerror,
            SpfResult::TempError => SpfVerdict::Temperror,
        }
    }
}

/// The inputs of `check_host()`.
#[derive(Debug, Clone)]
pub struct SpfQuery<'a> {
    /// The domain whose policy is evaluated (MAIL FROM domain or HELO).
    pub domain: &'a str,
    /// The SMTP client's address.
    pub ip: IpAddr,
    /// MAIL FROM; `postmaster@domain` when absent or without local part.
    pub sender: Option<&'a str>,
    /// HELO/EHLO name, for `%{h}`; the domain when absent.
    pub helo: Option<&'a str>,
}

/// What `check_host()` returned, with the counts of the record tree.
#[derive(Debug, Clone, Serialize)]
pub struct SpfEvaluation {
    pub result: SpfVerdict,
    /// DNS-querying terms in the whole record tree.
    pub lookups: u32,
    pub void_lookups: u32,
    /// The `exp=` text, on fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// Runs `check_host()` for `query`, reusing `analysis` when the caller
/// already walked the domain's record tree.
pub async fn evaluate(
    resolver: &Resolver,
    query: &SpfQuery<'_>,
    analysis: Option<&SpfAnalysis>,
) -> SpfEvaluation {
    let domain = query.domain.trim_end_matches('.').to_ascii_lowercase();
    let done = |result, a: Option<&SpfAnalysis>| SpfEvaluation {
        result,
        lookups: a.map_or(0, |a| a.lookups),
        void_lookups: a.map_or(0, |a| a.void_lookups),
        explanation: None,
    };
    // §4.3: a malformed domain gives "none" before any lookup.
    if !is_valid_domain(&domain) {
        return done(SpfVerdict::None, None);
    }
    let owned;
    let analysis = match analysis {
        Some(a) => a,
        None => {
            owned = walk::analyse(resolver, &domain).await;
            &owned
        }
    };
    if analysis.top_failure.is_some() {
        return done(SpfVerdict::Temperror, Some(analysis));
    }
    match analysis.records.len() {
        0 => return done(SpfVerdict::None, Some(analysis)),
        1 => {}
        _ => return done(SpfVerdict::Permerror, Some(analysis)),
    }
    // §4.6: a syntax error anywhere in the record is a permerror, before
    // any evaluation (mail-auth's parser lets some through).
    if analysis.record.is_none() {
        return done(SpfVerdict::Permerror, Some(analysis));
    }

    let sender = match query.sender {
        Some(s) if !s.is_empty() => match s.rsplit_once('@') {
            Some(("", d)) => format!("postmaster@{d}"),
            Some(_) => s.to_string(),
            None => format!("postmaster@{s}"),
        },
        _ => format!("postmaster@{domain}"),
    };
    let helo = query.helo.unwrap_or(&domain);
    // §5: an IPv4-mapped IPv6 client is an IPv4 client.
    let ip = match query.ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(query.ip, IpAddr::V4),
        v4 => v4,
    };
    let authenticator = MessageAuthenticator(resolver.hickory().clone());
    let params = SpfParameters::new(ip, &domain, helo, "unknown", &sender);
    let output = authenticator.check_host(Parameters::new(params)).await;
    let mut result = SpfVerdict::from(output.result());
    if analysis.void_lookups > VOID_LIMIT && result != SpfVerdict::Temperror {
        result = SpfVerdict::Permerror;
    }
    SpfEvaluation {
        result,
        lookups: analysis.lookups,
        void_lookups: analysis.void_lookups,
        explanation: output.explanation().map(str::to_string),
    }
}

/// §4.3: at least two dot-separated labels of 1 to 63 letters, digits,
/// hyphens or underscores (a domain literal such as `[192.0.2.1]` is not
/// a domain).
fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
