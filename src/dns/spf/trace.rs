//! The evaluation tree of one `check_host()`, from viaspf's trace, as
//! spftrace shows it: each record asked, each mechanism with the names it
//! asked, whether it matched, and the running lookup count.

use crate::i18n::{Lang, Msg};
use serde::Serialize;
use viaspf::trace::{Trace, Tracepoint};

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceLine {
    /// Nesting: 0 for the domain asked, +1 inside a record, a mechanism,
    /// an include's record, a redirect.
    pub depth: usize,
    pub text: String,
}

/// The tree of `trace`, its words in `lang`.
pub fn tree(trace: Trace, lang: Lang) -> Vec<TraceLine> {
    let mut out: Vec<TraceLine> = Vec::new();
    let mut depth = 0usize;
    let (mut lookups, mut voids) = (0u32, 0u32);
    let mut line = |depth: usize, text: String| out.push(TraceLine { depth, text });
    for event in trace {
        use Tracepoint as T;
        match event.tracepoint {
            T::ExecuteQuery(name) => {
                line(depth, name.to_string());
                depth += 1;
            }
            T::QueryResult(result) => {
                line(depth, format!("→ {result}"));
                depth = depth.saturating_sub(1);
            }
            T::LookupTxt(name) => line(depth, format!("? TXT {name}")),
            T::LookupA(name) => line(depth, format!("? A {name}")),
            T::LookupAaaa(name) => line(depth, format!("? AAAA {name}")),
            T::LookupMx(name) => line(depth, format!("? MX {name}")),
            T::LookupPtr(ip) => line(depth, format!("? PTR {ip}")),
            T::IncrementLookupCount => {
                lookups += 1;
                line(
                    depth,
                    lang.fmt(Msg::SpfTraceLookup, &[&lookups.to_string()]),
                );
            }
            T::IncrementVoidLookupCount => {
                voids += 1;
                line(depth, lang.fmt(Msg::SpfTraceVoid, &[&voids.to_string()]));
            }
            T::SpfRecordLookupError(e) | T::ExplainStringLookupError(e) => {
                line(depth, lang.fmt(Msg::SpfTraceError, &[&e.to_string()]));
            }
            T::NoSpfRecord | T::RedirectNoSpfRecord => {
                line(depth, lang.t(Msg::SpfTraceNoRecord).to_string());
            }
            T::MultipleSpfRecords(records) => {
                line(
                    depth,
                    lang.fmt(Msg::SpfTraceSeveral, &[&records.join(" | ")]),
                );
            }
            T::InvalidSpfRecordSyntax(record) => {
                line(depth, lang.fmt(Msg::SpfTraceInvalid, &[&record]));
            }
            T::MultipleRedirectModifiers(_) => {
                line(
                    depth,
                    lang.fmt(Msg::SpfTraceSeveralModifiers, &["redirect"]),
                );
            }
            T::MultipleExpModifiers(_) => {
                line(depth, lang.fmt(Msg::SpfTraceSeveralModifiers, &["exp"]));
            }
            T::EvaluateSpfRecord(record) => line(depth, format!("\"{record}\"")),
            T::EvaluateDirective(directive) => {
                line(depth, directive.to_string());
                depth += 1;
            }
            T::MechanismMatch => line(depth, lang.t(Msg::SpfTraceMatch).to_string()),
            T::MechanismNoMatch => {
                line(depth, lang.t(Msg::SpfTraceNoMatch).to_string());
                depth = depth.saturating_sub(1);
            }
            T::MechanismErrorResult(e, result) => {
                let error = lang.fmt(Msg::SpfTraceError, &[&e.to_string()]);
                line(depth, format!("{error} → {result}"));
                depth = depth.saturating_sub(1);
            }
            T::DirectiveResult(result) | T::RedirectResult(result) => {
                line(depth, format!("→ {result}"));
                depth = depth.saturating_sub(1);
            }
            T::NeutralResult => line(depth, lang.t(Msg::SpfTraceDefault).to_string()),
            T::TryIpAddr(ip) => line(depth, ip.to_string()),
            T::TryMxName(name) => line(depth, format!("MX {name}")),
            T::ValidatePtrName(name) => line(depth, format!("PTR {name}")),
            T::ReverseLookupError(e) | T::PtrAddressLookupError(e) => {
                line(depth, lang.fmt(Msg::SpfTraceError, &[&e.to_string()]));
            }
            T::PtrAddressLookupLimitExceeded => {
                line(depth, lang.t(Msg::SpfTracePtrLimit).to_string());
            }
            T::PtrNameValidated => line(depth, lang.t(Msg::SpfTraceValidated).to_string()),
            T::TryValidatedName(name)
            | T::TryValidatedNameExactMatch(name)
            | T::TryValidatedNameSubdomainMatch(name) => line(depth, format!("PTR {name}")),
            T::DefaultUnknownValidatedName => {
                line(depth, lang.t(Msg::SpfTraceNoValidated).to_string());
            }
            T::EvaluateRedirect(redirect) => {
                line(depth, redirect.to_string());
                depth += 1;
            }
            T::RedirectLookupLimitExceeded => {
                line(depth, lang.t(Msg::SpfTraceLimit).to_string());
            }
            T::InvalidRedirectTargetName => {
                line(depth, lang.t(Msg::SpfTraceInvalidTarget).to_string());
            }
            T::EvaluateExplanation(explanation) => {
                line(depth, explanation.to_string());
                depth += 1;
            }
            T::ExplanationStringResult(text) => {
                line(depth, format!("\"{text}\""));
                depth = depth.saturating_sub(1);
            }
            T::ExplanationStringErrorResult(e) => {
                line(depth, lang.fmt(Msg::SpfTraceError, &[&e.to_string()]));
                depth = depth.saturating_sub(1);
            }
            T::DefaultExplanation => {
                line(depth, lang.t(Msg::SpfTraceDefaultExplanation).to_string());
            }
            T::NoExplainString => line(depth, lang.t(Msg::SpfTraceNoRecord).to_string()),
            T::MultipleExplainStrings(texts) => {
                line(depth, lang.fmt(Msg::SpfTraceSeveral, &[&texts.join(" | ")]));
            }
            T::InvalidExplainStringSyntax(text) => {
                line(depth, lang.fmt(Msg::SpfTraceInvalid, &[&text]));
            }
            // Target names, macro expansions, the per-mechanism count:
            // the lookups they lead to say it.
            _ => {}
        }
    }
    out
}
