//! The self-check's result: per domain, one entry per check id, each with
//! a status, a message for people and a fix (the exact record or action).
//! Serializes to the JSON of SPEC.md (`{"domains": [...]}`).

use super::messages::Text;
use super::zone::ZoneLine;
use crate::i18n::Lang;
use crate::model::DomainName;
use serde::{Deserialize, Serialize};

/// Every check id, in report order (SPEC.md).
pub const CHECK_IDS: [&str; 22] = [
    "mx.present",
    "mx.ours",
    "mx.target_valid",
    "spf.present",
    "spf.single",
    "spf.syntax",
    "spf.lookup_limit",
    "spf.void_limit",
    "spf.all",
    "spf.authorizes_ours",
    "dkim.present",
    "dkim.matches_key",
    "dkim.key_size",
    "dkim.testing",
    "dmarc.present",
    "dmarc.syntax",
    "dmarc.policy",
    "dmarc.report_auth",
    "ptr.outbound",
    "mta_sts.present",
    "tls_rpt.present",
    "autoconfig.srv",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// The DNS answer could not be had.
    Unknown,
    /// Not applicable.
    Skip,
}

impl Status {
    /// fail > unknown > warn > ok; skip counts as ok.
    fn severity(self) -> u8 {
        match self {
            Status::Ok | Status::Skip => 0,
            Status::Warn => 1,
            Status::Unknown => 2,
            Status::Fail => 3,
        }
    }

    /// The worst of `statuses` (skip counted as ok).
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            .map(|s| if s == Status::Skip { Status::Ok } else { s })
            .max_by_key(|s| s.severity())
            .unwrap_or(Status::Ok)
    }

    /// The monitoring-plugins exit code: 0 ok, 1 warn, 2 fail, 3 unknown
    /// (and no fail).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Ok | Status::Skip => 0,
            Status::Warn => 1,
            Status::Fail => 2,
            Status::Unknown => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Skip => "skip",
        }
    }
}

/// What to do about a finding: records to publish, or an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    Records(Vec<ZoneLine>),
    Action(Text),
}

/// A check's outcome before it is worded in a language.
#[derive(Debug, Clone)]
pub struct Finding {
    pub id: &'static str,
    pub status: Status,
    pub text: Text,
    pub fix: Option<Fix>,
    /// How the verdict was reached (SPF's evaluation tree), if it helps.
    pub trace: Option<Vec<crate::dns::spf::TraceStep>>,
}

impl Finding {
    pub fn new(id: &'static str, status: Status, text: Text) -> Finding {
        Finding {
            id,
            status,
            text,
            fix: None,
            trace: None,
        }
    }

    pub fn with_trace(mut self, steps: Option<Vec<crate::dns::spf::TraceStep>>) -> Finding {
        self.trace = steps;
        self
    }

    pub fn with_records(mut self, lines: Vec<ZoneLine>) -> Finding {
        if !lines.is_empty() {
            self.fix = Some(Fix::Records(lines));
        }
        self
    }

    pub fn with_action(mut self, action: Text) -> Finding {
        self.fix = Some(Fix::Action(action));
        self
    }

    /// Words it in `lang`.
    pub fn render(&self, lang: Lang) -> Check {
        Check {
            trace: self
                .trace
                .as_deref()
                .map(|s| crate::dns::spf::trace::word(s, lang)),
            id: self.id.to_string(),
            status: self.status,
            message: self.text.render(lang),
            fix: self.fix.as_ref().map(|fix| match fix {
                Fix::Records(lines) => lines
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
                Fix::Action(text) => text.render(lang),
            }),
        }
    }
}

/// One check, worded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub message: String,
    /// The zone line(s) to publish or the action to take; none when ok.
    pub fix: Option<String>,
    /// How the verdict was reached (SPF's evaluation tree, as `dns spf
    /// --trace` prints it), for the TUI's detail pane; not in the JSON.
    #[serde(skip)]
    pub trace: Option<Vec<crate::dns::spf::TraceLine>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainReport {
    pub domain: DomainName,
    /// The worst of its checks; never "skip".
    pub status: Status,
    pub checks: Vec<Check>,
}

impl DomainReport {
    /// Orders `findings` by check id (others after, as given) and words
    /// them.
    pub fn new(domain: DomainName, mut findings: Vec<Finding>, lang: Lang) -> DomainReport {
        findings.sort_by_key(|f| {
            CHECK_IDS
                .iter()
                .position(|id| *id == f.id)
                .unwrap_or(CHECK_IDS.len())
        });
        let checks: Vec<Check> = findings.iter().map(|f| f.render(lang)).collect();
        DomainReport {
            status: Status::worst(checks.iter().map(|c| c.status)),
            domain,
            checks,
        }
    }

    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub domains: Vec<DomainReport>,
}

impl Report {
    pub fn status(&self) -> Status {
        Status::worst(self.domains.iter().map(|d| d.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_and_exit_codes() {
        use Status::*;
        assert_eq!(Status::worst([Ok, Skip]), Ok);
        assert_eq!(Status::worst([Ok, Warn, Skip]), Warn);
        assert_eq!(Status::worst([Warn, Unknown]), Unknown);
        assert_eq!(Status::worst([Unknown, Fail, Warn]), Fail);
        assert_eq!(Status::worst([Skip]), Ok);
        assert_eq!(
            [Ok, Warn, Fail, Unknown].map(Status::exit_code),
            [0, 1, 2, 3]
        );
    }
}
