//! The evaluation tree of one `check_host()`, from viaspf's trace, as
//! spftrace shows it: each record asked, each mechanism with the names it
//! asked, whether it matched, and the running lookup count.

use crate::dns::messages::Text;
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

/// One line of the tree before it is worded in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceStep {
    pub depth: usize,
    pub text: Text,
}

/// The tree of `trace`, its words in `lang`.
pub fn tree(trace: Trace, lang: Lang) -> Vec<TraceLine> {
    word(&steps(trace), lang)
}

/// `steps` worded in `lang`.
pub fn word(steps: &[TraceStep], lang: Lang) -> Vec<TraceLine> {
    steps
        .iter()
        .map(|s| TraceLine {
            depth: s.depth,
            text: s.text.render(lang),
        })
        .collect()
}

/// The term of the domain's own record that decided the result (the one
/// that matched, or failed with an error), its redirect, or none when no
/// term matched (the default, neutral).
pub fn decider(trace: &Trace) -> Option<String> {
    let mut queries = 0usize;
    let mut current: Option<String> = None;
    for event in trace.events.iter() {
        use Tracepoint as T;
        match &event.tracepoint {
            T::ExecuteQuery(_) => queries += 1,
            T::QueryResult(_) => queries = queries.saturating_sub(1),
            T::EvaluateDirective(d) if queries == 1 => current = Some(d.to_string()),
            T::EvaluateRedirect(r) if queries == 1 => return Some(r.to_string()),
            T::MechanismMatch | T::MechanismErrorResult(..) if queries == 1 => {
                return current;
            }
            _ => {}
        }
    }
    None
}

/// A line shown as it is (a name, a record, a result).
fn v(text: impl ToString) -> Text {
    Text::new(Msg::Verbatim).arg(text)
}

/// The tree of `trace`, as steps to word later.
pub fn steps(trace: Trace) -> Vec<TraceStep> {
    let mut out: Vec<TraceStep> = Vec::new();
    let mut depth = 0usize;
    let (mut lookups, mut voids) = (0u32, 0u32);
    let mut step = |depth: usize, text: Text| out.push(TraceStep { depth, text });
    for event in trace {
        use Tracepoint as T;
        match event.tracepoint {
            T::ExecuteQuery(name) => {
                step(depth, v(name.to_string()));
                depth += 1;
            }
            T::QueryResult(result) => {
                step(depth, v(format!("→ {result}")));
                depth = depth.saturating_sub(1);
            }
            T::LookupTxt(name) => step(depth, v(format!("? TXT {name}"))),
            T::LookupA(name) => step(depth, v(format!("? A {name}"))),
            T::LookupAaaa(name) => step(depth, v(format!("? AAAA {name}"))),
            T::LookupMx(name) => step(depth, v(format!("? MX {name}"))),
            T::LookupPtr(ip) => step(depth, v(format!("? PTR {ip}"))),
            T::IncrementLookupCount => {
                lookups += 1;
                step(
                    depth,
                    Text::new(Msg::SpfTraceLookup).arg(lookups.to_string()),
                );
            }
            T::IncrementVoidLookupCount => {
                voids += 1;
                step(depth, Text::new(Msg::SpfTraceVoid).arg(voids.to_string()));
            }
            T::SpfRecordLookupError(e) | T::ExplainStringLookupError(e) => {
                step(depth, Text::new(Msg::SpfTraceError).arg(e.to_string()));
            }
            T::NoSpfRecord | T::RedirectNoSpfRecord => {
                step(depth, Text::new(Msg::SpfTraceNoRecord));
            }
            T::MultipleSpfRecords(records) => {
                step(
                    depth,
                    Text::new(Msg::SpfTraceSeveral).arg(records.join(" | ")),
                );
            }
            T::InvalidSpfRecordSyntax(record) => {
                step(depth, Text::new(Msg::SpfTraceInvalid).arg(record));
            }
            T::MultipleRedirectModifiers(_) => {
                step(
                    depth,
                    Text::new(Msg::SpfTraceSeveralModifiers).arg("redirect"),
                );
            }
            T::MultipleExpModifiers(_) => {
                step(depth, Text::new(Msg::SpfTraceSeveralModifiers).arg("exp"));
            }
            T::EvaluateSpfRecord(record) => step(depth, v(format!("\"{record}\""))),
            T::EvaluateDirective(directive) => {
                step(depth, v(directive.to_string()));
                depth += 1;
            }
            T::MechanismMatch => step(depth, Text::new(Msg::SpfTraceMatch)),
            T::MechanismNoMatch => {
                step(depth, Text::new(Msg::SpfTraceNoMatch));
                depth = depth.saturating_sub(1);
            }
            T::MechanismErrorResult(e, result) => {
                let error = Text::new(Msg::SpfTraceErrorThen)
                    .arg(e.to_string())
                    .arg(result.to_string());
                step(depth, error);
                depth = depth.saturating_sub(1);
            }
            T::DirectiveResult(result) | T::RedirectResult(result) => {
                step(depth, v(format!("→ {result}")));
                depth = depth.saturating_sub(1);
            }
            T::NeutralResult => step(depth, Text::new(Msg::SpfTraceDefault)),
            T::TryIpAddr(ip) => step(depth, v(ip.to_string())),
            T::TryMxName(name) => step(depth, v(format!("MX {name}"))),
            T::ValidatePtrName(name) => step(depth, v(format!("PTR {name}"))),
            T::ReverseLookupError(e) | T::PtrAddressLookupError(e) => {
                step(depth, Text::new(Msg::SpfTraceError).arg(e.to_string()));
            }
            T::PtrAddressLookupLimitExceeded => {
                step(depth, Text::new(Msg::SpfTracePtrLimit));
            }
            T::PtrNameValidated => step(depth, Text::new(Msg::SpfTraceValidated)),
            T::TryValidatedName(name)
            | T::TryValidatedNameExactMatch(name)
            | T::TryValidatedNameSubdomainMatch(name) => step(depth, v(format!("PTR {name}"))),
            T::DefaultUnknownValidatedName => {
                step(depth, Text::new(Msg::SpfTraceNoValidated));
            }
            T::EvaluateRedirect(redirect) => {
                step(depth, v(redirect.to_string()));
                depth += 1;
            }
            T::RedirectLookupLimitExceeded => {
                step(depth, Text::new(Msg::SpfTraceLimit));
            }
            T::InvalidRedirectTargetName => {
                step(depth, Text::new(Msg::SpfTraceInvalidTarget));
            }
            T::EvaluateExplanation(explanation) => {
                step(depth, v(explanation.to_string()));
                depth += 1;
            }
            T::ExplanationStringResult(text) => {
                step(depth, v(format!("\"{text}\"")));
                depth = depth.saturating_sub(1);
            }
            T::ExplanationStringErrorResult(e) => {
                step(depth, Text::new(Msg::SpfTraceError).arg(e.to_string()));
                depth = depth.saturating_sub(1);
            }
            T::DefaultExplanation => {
                step(depth, Text::new(Msg::SpfTraceDefaultExplanation));
            }
            T::NoExplainString => step(depth, Text::new(Msg::SpfTraceNoRecord)),
            T::MultipleExplainStrings(texts) => {
                step(
                    depth,
                    Text::new(Msg::SpfTraceSeveral).arg(texts.join(" | ")),
                );
            }
            T::InvalidExplainStringSyntax(text) => {
                step(depth, Text::new(Msg::SpfTraceInvalid).arg(text));
            }
            // Target names, macro expansions, the per-mechanism count:
            // the lookups they lead to say it.
            _ => {}
        }
    }
    out
}
