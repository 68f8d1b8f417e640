//! The DNS self-check: what each hosted domain should publish
//! ([`expect`]), asking DNS ([`resolver`]), the checks themselves
//! ([`check`]) with their SPF, DMARC and DKIM record logic, and the report
//! they produce ([`report`]), worded for people by [`messages`].
//!
//! Nothing here prints: front-ends render the [`report::Report`].

pub mod authority;
pub mod check;
pub mod dkim_record;
pub mod dmarc;
pub mod expect;
pub mod messages;
pub mod report;
pub mod resolver;
pub mod spf;
pub mod tags;
pub mod zone;

pub use check::{check_domain, check_domains};
pub use expect::{Expectations, ExpectedKey};

pub use report::{Check, DomainReport, Report, Status};
pub use resolver::{Resolver, ResolverOptions};
