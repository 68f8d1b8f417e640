//! The checks of SPEC.md, one module per family, each returning one
//! [`Finding`] per check id it owns. A domain's families run concurrently
//! and many domains run at once (bounded), all sharing one [`Resolver`],
//! so each DNS name is asked once.

mod dkim;
mod dmarc;
mod mx;
mod offered;
mod ptr;
mod spf;

use super::expect::Expectations;
use super::messages::Text;
use super::report::{DomainReport, Finding, Report, Status};
use super::resolver::{Failure, Resolver};
use crate::i18n::{Lang, Msg};
use futures::StreamExt;

/// Checks one domain.
pub async fn check_domain(resolver: &Resolver, exp: &Expectations, lang: Lang) -> DomainReport {
    check_domain_with(resolver, exp, lang, Vec::new()).await
}

/// Checks one domain, reporting `extra` findings after the standard ones.
pub async fn check_domain_with(
    resolver: &Resolver,
    exp: &Expectations,
    lang: Lang,
    extra: Vec<Finding>,
) -> DomainReport {
    let (mx, spf, dkim, dmarc, ptr, offered) = tokio::join!(
        mx::check(resolver, exp),
        spf::check(resolver, exp),
        dkim::check(resolver, exp),
        dmarc::check(resolver, exp),
        ptr::check(resolver, exp),
        offered::check(resolver, exp),
    );
    let findings = [mx, spf, dkim, dmarc, ptr, offered, extra].concat();
    DomainReport::new(exp.domain.clone(), findings, lang)
}

/// Checks many domains, at most `concurrency` at a time, in the given
/// order.
pub async fn check_domains(
    resolver: &Resolver,
    expectations: &[Expectations],
    concurrency: usize,
    lang: Lang,
) -> Report {
    let domains = futures::stream::iter(expectations)
        .map(|exp| check_domain(resolver, exp, lang))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    Report { domains }
}

/// The check could not be made: `name` could not be looked up.
pub(crate) fn unknown(id: &'static str, name: &str, why: &Failure) -> Finding {
    Finding::new(
        id,
        Status::Unknown,
        Text::new(Msg::DnsLookupFailed).arg(name).arg(why),
    )
}

/// The check does not apply, for the reason `msg` gives.
fn skip(id: &'static str, msg: Msg) -> Finding {
    debug_assert!(
        !msg.text(Lang::En).contains("{}"),
        "{msg:?} has placeholders: word the finding with its values instead"
    );
    Finding::new(id, Status::Skip, Text::new(msg))
}

/// The same finding for several ids.
fn all_of(ids: &[&'static str], f: impl Fn(&'static str) -> Finding) -> Vec<Finding> {
    ids.iter().map(|id| f(id)).collect()
}
