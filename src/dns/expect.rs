//! What a hosted domain should publish, from the service's `[mail]`
//! config and its DKIM keys: the public expectations file a contact checks
//! against (`postier dns expectations`), and the zone lines it implies
//! (`postier dns records`).

use super::spf::record::{self as spf_record};
use super::zone::ZoneLine;
use crate::config::{DmarcPolicy, MailClientConfig, MailConfig, Security};
use crate::error::{Error, Result};
use crate::model::{DomainName, KeyAlgorithm, KeyState, Selector};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::Path;

/// A DKIM public key the domain should publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedKey {
    pub selector: Selector,
    pub algorithm: KeyAlgorithm,
    /// The `p=` value: base64 of the SubjectPublicKeyInfo (RSA) or of the
    /// raw 32-byte key (Ed25519, RFC 8463).
    pub public_key: String,
    pub state: KeyState,
}

impl ExpectedKey {
    /// `<selector>._domainkey.<domain>`
    pub fn record_name(&self, domain: &DomainName) -> String {
        format!("{}._domainkey.{}", self.selector, domain.as_ascii())
    }

    /// The TXT value to publish.
    pub fn record_value(&self) -> String {
        format!("v=DKIM1; k={}; p={}", self.algorithm.tag(), self.public_key)
    }

    pub fn zone_line(&self, domain: &DomainName) -> ZoneLine {
        ZoneLine::txt(&self.record_name(domain), &self.record_value())
    }
}

/// A service record mail clients look up to configure themselves (RFC
/// 6186, RFC 8314).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedSrv {
    /// `_imaps._tcp`, `_submission._tcp`, …
    pub service: String,
    pub target: String,
    pub port: u16,
}

/// Everything postier expects of one domain's DNS. Public: it holds no
/// secret, and a domain's contact checks their zone against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectations {
    pub domain: DomainName,
    #[serde(default)]
    pub mx_hosts: Vec<String>,
    #[serde(default)]
    pub mx_networks: Vec<IpNet>,
    #[serde(default)]
    pub outbound_ips: Vec<IpAddr>,
    #[serde(default)]
    pub spf_include: Option<String>,
    #[serde(default)]
    pub dmarc_min_policy: DmarcPolicy,
    #[serde(default)]
    pub dmarc_rua: Option<String>,
    #[serde(default)]
    pub dkim: Vec<ExpectedKey>,
    #[serde(default)]
    pub mta_sts: bool,
    #[serde(default)]
    pub tls_rpt: bool,
    #[serde(default)]
    pub tls_rpt_rua: Option<String>,
    #[serde(default)]
    pub autoconfig: bool,
    /// The SRV records, when `autoconfig` is offered.
    #[serde(default)]
    pub srv: Vec<ExpectedSrv>,
}

impl Expectations {
    /// The expectations of `domain` under `mail`, with its DKIM keys.
    pub fn new(domain: DomainName, mail: &MailConfig, dkim: Vec<ExpectedKey>) -> Expectations {
        let host = |h: &str| h.trim_end_matches('.').to_ascii_lowercase();
        Expectations {
            domain,
            mx_hosts: mail.mx_hosts.iter().map(|h| host(h)).collect(),
            mx_networks: mail.mx_networks.clone(),
            outbound_ips: mail.outbound_ips.clone(),
            spf_include: mail.spf_include.as_deref().map(host),
            dmarc_min_policy: mail.dmarc_min_policy,
            dmarc_rua: mail.dmarc_rua.clone(),
            dkim,
            mta_sts: mail.mta_sts,
            tls_rpt: mail.tls_rpt,
            tls_rpt_rua: mail.tls_rpt_rua.clone(),
            autoconfig: mail.autoconfig,
            srv: if mail.autoconfig {
                client_srv(&mail.client)
            } else {
                Vec::new()
            },
        }
    }

    /// Reads an expectations file (`postier dns expectations` output).
    pub fn read(path: &Path) -> Result<Expectations> {
        let what = format!("expectations {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid(&what, format!("cannot be read: {e}"))
                .with_hint("ask the service for it: postier dns expectations DOMAIN --json")
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::invalid(&what, format!("is not an expectations file: {e}"))
                .with_hint("it is the JSON printed by postier dns expectations DOMAIN")
        })
    }

    fn domain(&self) -> &str {
        self.domain.as_ascii()
    }

    /// True when MX targets can be recognised as the service's.
    pub fn knows_mx(&self) -> bool {
        !self.mx_hosts.is_empty() || !self.mx_networks.is_empty()
    }

    /// Whether `host` (or one of its addresses) is one of the service's
    /// MX hosts.
    pub fn is_service_mx(&self, host: &str, addresses: &[IpAddr]) -> bool {
        self.mx_hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || addresses
                .iter()
                .any(|ip| self.mx_networks.iter().any(|n| n.contains(ip)))
    }

    /// The SPF mechanism that authorizes the service.
    fn spf_terms(&self) -> Vec<String> {
        if let Some(include) = &self.spf_include {
            return vec![format!("include:{include}")];
        }
        let terms: Vec<String> = self
            .outbound_ips
            .iter()
            .map(|ip| match ip {
                IpAddr::V4(v4) => format!("ip4:{v4}"),
                IpAddr::V6(v6) => format!("ip6:{v6}"),
            })
            .collect();
        if terms.is_empty() {
            vec!["mx".to_string()]
        } else {
            terms
        }
    }

    /// The SPF record to publish: `existing` with the service's terms
    /// added before its `all`/`redirect=` (and `+all`/`?all` made `-all`),
    /// or a fresh record.
    pub fn spf_record(&self, existing: Option<&str>) -> String {
        let ours = self.spf_terms();
        let Some(existing) = existing.filter(|r| spf_record::is_spf(r)) else {
            return format!("v=spf1 {} -all", ours.join(" "));
        };
        let mut terms: Vec<String> = existing
            .split(' ')
            .skip(1)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let is_all = |t: &str| {
            t.trim_start_matches(['+', '-', '~', '?'])
                .eq_ignore_ascii_case("all")
        };
        for t in terms.iter_mut() {
            if is_all(t) && !matches!(t.as_bytes()[0], b'-' | b'~') {
                *t = "-all".to_string();
            }
        }
        let at = terms
            .iter()
            .position(|t| is_all(t) || t.to_ascii_lowercase().starts_with("redirect="))
            .unwrap_or(terms.len());
        let missing: Vec<String> = ours
            .into_iter()
            .filter(|o| !terms.iter().any(|t| t.eq_ignore_ascii_case(o)))
            .collect();
        terms.splice(at..at, missing);
        if !terms
            .iter()
            .any(|t| is_all(t) || t.to_ascii_lowercase().starts_with("redirect="))
        {
            terms.push("-all".into());
        }
        format!("v=spf1 {}", terms.join(" "))
    }

    pub fn mx_lines(&self) -> Vec<ZoneLine> {
        self.mx_hosts
            .iter()
            .enumerate()
            .map(|(i, host)| ZoneLine::mx(self.domain(), 10 * (i as u16 + 1), host))
            .collect()
    }

    pub fn spf_line(&self, existing: Option<&str>) -> ZoneLine {
        ZoneLine::txt(self.domain(), &self.spf_record(existing))
    }

    pub fn dmarc_name(&self) -> String {
        format!("_dmarc.{}", self.domain())
    }

    pub fn dmarc_line(&self) -> ZoneLine {
        let policy = match self.dmarc_min_policy {
            DmarcPolicy::None => "none",
            DmarcPolicy::Quarantine => "quarantine",
            DmarcPolicy::Reject => "reject",
        };
        let mut value = format!("v=DMARC1; p={policy}");
        if let Some(rua) = &self.dmarc_rua {
            value.push_str(&format!("; rua={rua}"));
        }
        ZoneLine::txt(&self.dmarc_name(), &value)
    }

    pub fn mta_sts_name(&self) -> String {
        format!("_mta-sts.{}", self.domain())
    }

    pub fn mta_sts_line(&self) -> ZoneLine {
        ZoneLine::txt(&self.mta_sts_name(), "v=STSv1; id=1")
    }

    pub fn tls_rpt_name(&self) -> String {
        format!("_smtp._tls.{}", self.domain())
    }

    pub fn tls_rpt_line(&self) -> ZoneLine {
        let rua = self
            .tls_rpt_rua
            .clone()
            .unwrap_or_else(|| format!("mailto:postmaster@{}", self.domain()));
        ZoneLine::txt(&self.tls_rpt_name(), &format!("v=TLSRPTv1; rua={rua}"))
    }

    /// RFC 6186/8314 SRV records: (owner, port, target).
    pub fn srv_records(&self) -> Vec<(String, u16, String)> {
        self.srv
            .iter()
            .map(|s| {
                let owner = format!("{}.{}", s.service, self.domain());
                (owner, s.port, s.target.clone())
            })
            .collect()
    }

    pub fn srv_lines(&self) -> Vec<ZoneLine> {
        self.srv_records()
            .iter()
            .map(|(owner, port, target)| ZoneLine::srv(owner, 0, 1, *port, target))
            .collect()
    }

    /// Every record the domain should publish, in zone-file form.
    pub fn records(&self) -> Vec<ZoneLine> {
        let mut lines = self.mx_lines();
        lines.push(self.spf_line(None));
        lines.extend(self.dkim.iter().map(|k| k.zone_line(&self.domain)));
        lines.push(self.dmarc_line());
        if self.mta_sts {
            lines.push(self.mta_sts_line());
        }
        if self.tls_rpt {
            lines.push(self.tls_rpt_line());
        }
        if self.autoconfig {
            lines.extend(self.srv_lines());
        }
        lines
    }
}

/// The SRV records of the servers mail clients use (`[mail.client]`):
/// implicit TLS is `_imaps`/`_submissions` (RFC 8314), STARTTLS or none
/// `_imap`/`_submission` (RFC 6186).
fn client_srv(client: &MailClientConfig) -> Vec<ExpectedSrv> {
    let host = |h: &str| h.trim_end_matches('.').to_ascii_lowercase();
    let tls = |s: Security, implicit: &str, plain: &str| {
        if s == Security::Tls { implicit } else { plain }.to_string()
    };
    vec![
        ExpectedSrv {
            service: tls(
                client.smtp_security,
                "_submissions._tcp",
                "_submission._tcp",
            ),
            target: host(&client.smtp_host),
            port: client.smtp_port,
        },
        ExpectedSrv {
            service: tls(client.imap_security, "_imaps._tcp", "_imap._tcp"),
            target: host(&client.imap_host),
            port: client.imap_port,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Expectations {
        let mail = MailConfig {
            mx_hosts: vec!["MX1.example.net.".into()],
            outbound_ips: vec![
                "192.0.2.10".parse().unwrap(),
                "2001:db8::10".parse().unwrap(),
            ],
            ..Default::default()
        };
        Expectations::new(DomainName::parse("example.org").unwrap(), &mail, vec![])
    }

    #[test]
    fn spf_suggestions_keep_what_is_there() {
        let mut e = sample();
        assert_eq!(
            e.spf_record(None),
            "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
        );
        e.spf_include = Some("_spf.example.net".into());
        assert_eq!(e.spf_record(None), "v=spf1 include:_spf.example.net -all");
        assert_eq!(
            e.spf_record(Some("v=spf1 mx include:other.example ?all")),
            "v=spf1 mx include:other.example include:_spf.example.net -all"
        );
        assert_eq!(
            e.spf_record(Some("v=spf1 include:_spf.example.net ~all")),
            "v=spf1 include:_spf.example.net ~all"
        );
        assert_eq!(
            e.spf_record(Some("v=spf1 a redirect=x.example")),
            "v=spf1 a include:_spf.example.net redirect=x.example"
        );
        assert_eq!(
            e.spf_record(Some("v=spf1 a")),
            "v=spf1 a include:_spf.example.net -all"
        );
    }

    #[test]
    fn records_and_json_round_trip() {
        let e = sample();
        let lines: Vec<String> = e.records().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "example.org. 3600 IN MX 10 mx1.example.net.",
                "example.org. 3600 IN TXT \"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all\"",
                "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=quarantine\"",
            ]
        );
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Expectations>(&json).unwrap(), e);
        let minimal: Expectations = serde_json::from_str(r#"{"domain": "Exämple.org"}"#).unwrap();
        assert_eq!(minimal.domain.as_ascii(), "xn--exmple-cua.org");
    }
}
