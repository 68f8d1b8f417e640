//! The linter's view of a domain's SPF: fetch the record, then follow every
//! `include:` and `redirect=` (whatever the client address would be) and
//! count what RFC 7208 §4.6.4 limits: DNS-querying terms (at most 10) and
//! void lookups (at most 2). Also notes syntax errors anywhere in the tree,
//! missing or duplicate records at include targets, loops, `ptr`, and the
//! record's effective `all`.
//!
//! Names holding macros cannot be resolved without a message: they count
//! as lookups but are not resolved, so they never count as void. Void
//! lookups are counted for an IPv4 client (`a` asks for A records).

use super::record::{self, Mechanism, Qualifier, SpfRecord, SyntaxError};
use crate::dns::resolver::{Answer, Failure, Resolver};
use std::future::Future;
use std::pin::Pin;

/// RFC 7208 §4.6.4.
pub const LOOKUP_LIMIT: u32 = 10;
pub const VOID_LIMIT: u32 = 2;
/// More than 10 MX records for an `mx` term is a permerror (§4.6.4).
const MX_LIMIT: usize = 10;
/// Stop following includes this deep: a loop or an absurd chain.
const MAX_DEPTH: usize = 12;

/// Something in the record tree that makes evaluation a permerror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeError {
    Syntax {
        domain: String,
        error: SyntaxError,
    },
    /// An include/redirect target publishes no SPF record.
    NoRecord {
        domain: String,
    },
    /// A name publishes several SPF records.
    Several {
        domain: String,
        count: usize,
    },
    Loop {
        domain: String,
    },
    TooManyMx {
        domain: String,
        count: usize,
    },
}

impl std::fmt::Display for TreeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TreeError::Syntax { domain, error } => write!(f, "{domain}: {error}"),
            TreeError::NoRecord { domain } => write!(f, "{domain} has no SPF record"),
            TreeError::Several { domain, count } => {
                write!(f, "{domain} has {count} SPF records")
            }
            TreeError::Loop { domain } => write!(f, "{domain} includes itself"),
            TreeError::TooManyMx { domain, count } => {
                write!(f, "{domain} has {count} MX records (at most 10)")
            }
        }
    }
}

/// What the walk found.
#[derive(Debug, Clone, Default)]
pub struct SpfAnalysis {
    /// The `v=spf1` TXT records at the domain itself, as published.
    pub records: Vec<String>,
    /// The domain's record, parsed, when there is exactly one.
    pub record: Option<SpfRecord>,
    /// DNS-querying terms met in the whole tree (include, a, mx, ptr,
    /// exists, redirect).
    pub lookups: u32,
    pub void_lookups: u32,
    pub errors: Vec<TreeError>,
    /// A lookup that could not be answered: counts are lower bounds and
    /// the verdict of anything depending on it is unknown.
    pub failure: Option<(String, Failure)>,
    /// Where `ptr` is used.
    pub ptr_in: Vec<String>,
    /// The effective `all` of the domain (following `redirect=`).
    pub all: Option<Qualifier>,
    /// The domain's own TXT lookup failed: nothing is known.
    pub top_failure: Option<Failure>,
    /// The term of the domain's own record that costs the most lookups
    /// (an include counts its whole tree), and how many.
    pub heaviest: Option<(String, u32)>,
}

/// Walks the SPF tree of `domain`.
pub async fn analyse(resolver: &Resolver, domain: &str) -> SpfAnalysis {
    let mut walk = Walk {
        resolver,
        out: SpfAnalysis::default(),
        stack: Vec::new(),
    };
    let txt = resolver.txt(domain).await;
    if let Answer::Failed(f) = &txt {
        walk.out.failure = Some((domain.to_string(), f.clone()));
        walk.out.top_failure = Some(f.clone());
        return walk.out;
    }
    walk.out.records = spf_records(&txt);
    if walk.out.records.len() != 1 {
        return walk.out;
    }
    match record::parse(&walk.out.records[0]) {
        Ok(parsed) => {
            walk.out.record = Some(parsed.clone());
            walk.stack.push(domain.to_string());
            walk.out.all = walk.terms(domain, &parsed).await;
        }
        Err(error) => walk.out.errors.push(TreeError::Syntax {
            domain: domain.to_string(),
            error,
        }),
    }
    walk.out
}

/// The `v=spf1` records among a TXT answer.
pub fn spf_records(txt: &Answer<String>) -> Vec<String> {
    txt.records()
        .iter()
        .filter(|t| record::is_spf(t))
        .cloned()
        .collect()
}

struct Walk<'r> {
    resolver: &'r Resolver,
    out: SpfAnalysis,
    stack: Vec<String>,
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<'r> Walk<'r> {
    /// Visits a record's terms in evaluation order; returns its effective
    /// `all` qualifier.
    fn terms<'a>(
        &'a mut self,
        domain: &'a str,
        rec: &'a SpfRecord,
    ) -> Boxed<'a, Option<Qualifier>> {
        Box::pin(async move {
            if rec.uses_ptr() {
                self.out.ptr_in.push(domain.to_string());
            }
            let top = self.stack.len() == 1;
            for directive in &rec.directives {
                let before = self.out.lookups;
                if directive.mechanism.costs_lookup() {
                    self.out.lookups += 1;
                }
                match &directive.mechanism {
                    Mechanism::Include(spec) if !spec.has_macros() => {
                        self.target(&spec.0).await;
                    }
                    Mechanism::A(spec) => {
                        if let Some(name) = resolvable(spec.as_ref(), domain) {
                            let answer = self.resolver.a(&name).await;
                            self.note(&name, &answer);
                        }
                    }
                    Mechanism::Mx(spec) => {
                        if let Some(name) = resolvable(spec.as_ref(), domain) {
                            let answer = self.resolver.mx(&name).await;
                            self.note(&name, &answer);
                            if answer.records().len() > MX_LIMIT {
                                self.out.errors.push(TreeError::TooManyMx {
                                    domain: name,
                                    count: answer.records().len(),
                                });
                            }
                        }
                    }
                    Mechanism::Exists(spec) if !spec.has_macros() => {
                        let answer = self.resolver.a(&spec.0).await;
                        self.note(&spec.0, &answer);
                    }
                    _ => {}
                }
                if top {
                    self.weigh(directive.to_string(), self.out.lookups - before);
                }
            }
            if let Some(all) = rec.all() {
                return Some(all);
            }
            // redirect= is ignored when the record has an `all` (§6.1).
            let spec = rec.redirect.as_ref()?;
            let before = self.out.lookups;
            self.out.lookups += 1;
            let all = if spec.has_macros() {
                None
            } else {
                self.target(&spec.0).await
            };
            if top {
                self.weigh(format!("redirect={}", spec.0), self.out.lookups - before);
            }
            all
        })
    }

    /// Keeps the costliest term of the domain's own record.
    fn weigh(&mut self, term: String, lookups: u32) {
        if lookups > 0 && self.out.heaviest.as_ref().is_none_or(|(_, n)| lookups > *n) {
            self.out.heaviest = Some((term, lookups));
        }
    }

    /// Follows an include/redirect target; returns its effective `all`.
    async fn target(&mut self, name: &str) -> Option<Qualifier> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if self.stack.contains(&name) || self.stack.len() >= MAX_DEPTH {
            self.out.errors.push(TreeError::Loop { domain: name });
            return None;
        }
        let txt = self.resolver.txt(&name).await;
        self.note(&name, &txt);
        if txt.failure().is_some() {
            return None;
        }
        let records = spf_records(&txt);
        match records.len() {
            0 => {
                self.out.errors.push(TreeError::NoRecord { domain: name });
                None
            }
            1 => match record::parse(&records[0]) {
                Ok(rec) => {
                    self.stack.push(name.clone());
                    let all = self.terms(&name, &rec).await;
                    self.stack.pop();
                    all
                }
                Err(error) => {
                    self.out.errors.push(TreeError::Syntax {
                        domain: name,
                        error,
                    });
                    None
                }
            },
            count => {
                self.out.errors.push(TreeError::Several {
                    domain: name,
                    count,
                });
                None
            }
        }
    }

    fn note<T>(&mut self, name: &str, answer: &Answer<T>) {
        match answer {
            Answer::Empty { .. } => self.out.void_lookups += 1,
            Answer::Failed(f) if self.out.failure.is_none() => {
                self.out.failure = Some((name.to_string(), f.clone()));
            }
            _ => {}
        }
    }
}

/// The name an `a`/`mx` term asks about, unless it holds macros.
fn resolvable(spec: Option<&record::DomainSpec>, domain: &str) -> Option<String> {
    match spec {
        None => Some(domain.to_string()),
        Some(s) if s.has_macros() => None,
        Some(s) => Some(s.0.trim_end_matches('.').to_ascii_lowercase()),
    }
}
