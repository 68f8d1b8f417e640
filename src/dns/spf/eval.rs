//! `check_host()` (RFC 7208 §4): the result a receiver gets for a client
//! address, a domain and a sender.
//!
//! viaspf evaluates the record, a clean-room implementation of RFC 7208
//! (it passes the OpenSPF suite). It asks DNS through [`SpfLookup`], over
//! postier's own [`Resolver`]: one cache, the cap on queries in flight and
//! the timeouts serve the evaluation as they serve the rest of the
//! self-check, and a timeout is a temperror. postier's own walk
//! ([`super::walk`]) gives what the result does not: the lookup and void
//! counts of the whole record tree.

use super::trace::{TraceLine, TraceStep, decider, steps, word};
use super::walk::{self, SpfAnalysis};
use crate::dns::resolver::{Answer, Failure, Resolver};
use crate::i18n::Lang;
use async_trait::async_trait;
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use viaspf::lookup::{Lookup, LookupError, LookupResult, Name};
use viaspf::{Config, DomainName, Sender, SpfResult};

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

impl From<&SpfResult> for SpfVerdict {
    fn from(r: &SpfResult) -> Self {
        match r {
            SpfResult::Pass => SpfVerdict::Pass,
            SpfResult::Fail(_) => SpfVerdict::Fail,
            SpfResult::Softfail => SpfVerdict::Softfail,
            SpfResult::Neutral => SpfVerdict::Neutral,
            SpfResult::None => SpfVerdict::None,
            SpfResult::Permerror => SpfVerdict::Permerror,
            SpfResult::Temperror => SpfVerdict::Temperror,
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
    /// The `exp=` text, on fail (null otherwise).
    pub explanation: Option<String>,
    /// The term of the domain's own record that decided the result (the
    /// one that matched, or its redirect), when the evaluation was traced;
    /// null when no term matched (the default result).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// The evaluation tree, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<TraceLine>>,
    /// The same tree, not yet worded (see [`evaluate_explained`]).
    #[serde(skip)]
    pub steps: Option<Vec<TraceStep>>,
}

/// Runs `check_host()` for `query`, reusing `analysis` when the caller
/// already walked the domain's record tree.
pub async fn evaluate(
    resolver: &Resolver,
    query: &SpfQuery<'_>,
    analysis: Option<&SpfAnalysis>,
) -> SpfEvaluation {
    run(resolver, query, analysis, false).await
}

/// [`evaluate`], with the evaluation tree, its words in `lang`.
pub async fn evaluate_traced(
    resolver: &Resolver,
    query: &SpfQuery<'_>,
    lang: Lang,
) -> SpfEvaluation {
    let mut evaluation = run(resolver, query, None, true).await;
    evaluation.trace = evaluation.steps.as_deref().map(|s| word(s, lang));
    evaluation
}

/// [`evaluate`], with the term that decided and the evaluation tree as
/// steps to word later (for the self-check, worded when rendered).
pub async fn evaluate_explained(
    resolver: &Resolver,
    query: &SpfQuery<'_>,
    analysis: Option<&SpfAnalysis>,
) -> SpfEvaluation {
    run(resolver, query, analysis, true).await
}

async fn run(
    resolver: &Resolver,
    query: &SpfQuery<'_>,
    analysis: Option<&SpfAnalysis>,
    capture: bool,
) -> SpfEvaluation {
    let domain = query.domain.trim_end_matches('.').to_ascii_lowercase();
    // §4.3: a malformed domain gives "none" before any lookup.
    let Some(sender) = sender(query.sender, &domain) else {
        return SpfEvaluation {
            result: SpfVerdict::None,
            lookups: 0,
            void_lookups: 0,
            explanation: None,
            decided_by: None,
            trace: None,
            steps: capture.then(Vec::new),
        };
    };
    // An unusable HELO name expands `%{h}` as "unknown".
    let helo = DomainName::new(query.helo.unwrap_or(&domain)).ok();
    let config = Config::builder().capture_trace(capture).build();
    let lookup = SpfLookup(resolver);
    let owned;
    let analysis = match analysis {
        Some(a) => a,
        None => {
            owned = walk::analyse(resolver, &domain).await;
            &owned
        }
    };
    let output = viaspf::evaluate_sender(&lookup, &config, query.ip, &sender, helo.as_ref()).await;
    let mut result = SpfVerdict::from(&output.spf_result);
    // §4.6, §7.1: a syntax error anywhere in the record is a permerror,
    // whatever a match before it; postier's parser also refuses the
    // macro letters `c`, `r`, `t` outside explanation text, which
    // viaspf's lets through in `exp=`.
    if analysis.records.len() == 1 && analysis.record.is_none() && result != SpfVerdict::Temperror {
        result = SpfVerdict::Permerror;
    }
    let explanation = match &output.spf_result {
        SpfResult::Fail(exp) if result == SpfVerdict::Fail && !exp.as_ref().is_empty() => {
            Some(exp.as_ref().to_string())
        }
        _ => None,
    };
    SpfEvaluation {
        result,
        lookups: analysis.lookups,
        void_lookups: analysis.void_lookups,
        explanation,
        decided_by: output.trace.as_ref().and_then(decider),
        trace: None,
        steps: output.trace.map(steps),
    }
}

/// The sender viaspf is given: the local part of `sender` ("postmaster"
/// when there is none, §4.3), quoted when RFC 5321 wants it so (a local
/// part with spaces), at `domain`. `None` when `domain` is malformed.
fn sender(sender: Option<&str>, domain: &str) -> Option<Sender> {
    let local = match sender.and_then(|s| s.rsplit_once('@')) {
        Some((local, _)) if !local.is_empty() => local,
        _ => "postmaster",
    };
    let quoted = format!("\"{}\"", local.replace('\\', "\\\\").replace('"', "\\\""));
    [local, quoted.as_str(), "postmaster"]
        .iter()
        .find_map(|l| Sender::new(&format!("{l}@{domain}")).ok())
}

/// viaspf's view of postier's resolver: the same cache and limits. A
/// name that does not exist is "no records"; a name that exists without
/// records of the type is an empty answer (both are void lookups); a
/// timeout is a timeout and any other failure a DNS error (temperror).
pub struct SpfLookup<'a>(pub &'a Resolver);

fn answer<T>(answer: Answer<T>) -> LookupResult<Vec<T>> {
    match answer {
        Answer::Records(records) => Ok(records),
        Answer::Empty { nxdomain: true } => Err(LookupError::NoRecords),
        Answer::Empty { nxdomain: false } => Ok(Vec::new()),
        Answer::Failed(Failure::Timeout(_)) => Err(LookupError::Timeout),
        Answer::Failed(f) => Err(LookupError::Dns(Some(f.to_string().into()))),
    }
}

fn names(names: Vec<String>) -> Vec<Name> {
    // A null MX (`0 .`) names no host.
    names.iter().filter_map(|n| Name::new(n).ok()).collect()
}

#[async_trait]
impl Lookup for SpfLookup<'_> {
    async fn lookup_a<'lookup, 'a>(&'lookup self, name: &'a Name) -> LookupResult<Vec<Ipv4Addr>> {
        answer(self.0.a(name.as_str()).await)
    }

    async fn lookup_aaaa<'lookup, 'a>(
        &'lookup self,
        name: &'a Name,
    ) -> LookupResult<Vec<Ipv6Addr>> {
        answer(self.0.aaaa(name.as_str()).await)
    }

    async fn lookup_mx<'lookup, 'a>(&'lookup self, name: &'a Name) -> LookupResult<Vec<Name>> {
        let mut mx = answer(self.0.mx(name.as_str()).await)?;
        mx.sort_by_key(|mx| mx.preference);
        Ok(names(mx.into_iter().map(|mx| mx.exchange).collect()))
    }

    async fn lookup_txt<'lookup, 'a>(&'lookup self, name: &'a Name) -> LookupResult<Vec<String>> {
        answer(self.0.txt(name.as_str()).await)
    }

    async fn lookup_ptr<'lookup>(&'lookup self, ip: IpAddr) -> LookupResult<Vec<Name>> {
        answer(self.0.ptr(ip).await).map(names)
    }
}
