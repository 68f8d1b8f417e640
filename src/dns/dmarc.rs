//! DMARC records (RFC 7489 §6.3, with the DMARCbis additions `np`, `psd`,
//! `t`): parsing with errors people can act on, the organizational domain
//! (public suffix list), and where reports go.

use super::tags::TagList;
use crate::config::DmarcPolicy;

/// True when `text` is a DMARC record: it starts with `v=DMARC1`.
pub fn is_dmarc(text: &str) -> bool {
    let t = text.trim_start();
    t.strip_prefix("v")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('='))
        .map(str::trim_start)
        .is_some_and(|r| {
            r.starts_with("DMARC1") && r[6..].trim_start().chars().next().is_none_or(|c| c == ';')
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcRecord {
    /// `p=`; absent only when `rua` is present (RFC 7489 §6.6.3: then
    /// treated as `none`).
    pub policy: Option<DmarcPolicy>,
    /// `sp=`: for subdomains.
    pub subdomain_policy: Option<DmarcPolicy>,
    /// `pct=` (RFC 7489; dropped by DMARCbis), default 100.
    pub pct: u8,
    pub rua: Vec<String>,
    pub ruf: Vec<String>,
}

impl DmarcRecord {
    pub fn parse(text: &str) -> Result<DmarcRecord, String> {
        let tags = TagList::parse(text)?;
        if tags.first() != Some(("v", "DMARC1")) {
            return Err("it must start with v=DMARC1".into());
        }
        let policy = tags.get("p").map(|p| parse_policy(p, "p")).transpose()?;
        let subdomain_policy = tags.get("sp").map(|p| parse_policy(p, "sp")).transpose()?;
        if let Some(np) = tags.get("np") {
            parse_policy(np, "np")?;
        }
        for tag in ["adkim", "aspf"] {
            if let Some(v) = tags.get(tag)
                && !matches!(v.to_ascii_lowercase().as_str(), "r" | "s")
            {
                return Err(format!("{tag}={v} must be r or s"));
            }
        }
        let pct = match tags.get("pct") {
            None => 100,
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 100)
                .ok_or(format!("pct={v} must be a number from 0 to 100"))?,
        };
        if let Some(fo) = tags.get("fo")
            && !fo
                .split(':')
                .all(|o| matches!(o.trim(), "0" | "1" | "d" | "s"))
        {
            return Err(format!("fo={fo} must be 0, 1, d or s, separated by ':'"));
        }
        if let Some(ri) = tags.get("ri")
            && ri.parse::<u32>().is_err()
        {
            return Err(format!("ri={ri} must be a number of seconds"));
        }
        for (tag, allowed) in [("t", &["y", "n"][..]), ("psd", &["y", "n", "u"][..])] {
            if let Some(v) = tags.get(tag)
                && !allowed.contains(&v.to_ascii_lowercase().as_str())
            {
                return Err(format!("{tag}={v} must be one of {}", allowed.join(", ")));
            }
        }
        let rua = uris(tags.get("rua"), "rua")?;
        let ruf = uris(tags.get("ruf"), "ruf")?;
        if policy.is_none() && rua.is_empty() {
            return Err("there is no p= policy".into());
        }
        Ok(DmarcRecord {
            policy,
            subdomain_policy,
            pct,
            rua,
            ruf,
        })
    }

    /// The policy a receiver applies to `domain` when this record was
    /// found at `found_at` (the domain itself or its organizational one).
    pub fn policy_for(&self, inherited: bool) -> DmarcPolicy {
        let p = self.policy.unwrap_or(DmarcPolicy::None);
        if inherited {
            self.subdomain_policy.unwrap_or(p)
        } else {
            p
        }
    }
}

fn parse_policy(value: &str, tag: &str) -> Result<DmarcPolicy, String> {
    match value.to_ascii_lowercase().as_str() {
        "none" => Ok(DmarcPolicy::None),
        "quarantine" => Ok(DmarcPolicy::Quarantine),
        "reject" => Ok(DmarcPolicy::Reject),
        _ => Err(format!("{tag}={value} must be none, quarantine or reject")),
    }
}

fn uris(value: Option<&str>, tag: &str) -> Result<Vec<String>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            if report_domain(u).is_some() || u.to_ascii_lowercase().starts_with("https://") {
                Ok(u.to_string())
            } else {
                Err(format!("{tag} holds {u:?}, not a mailto: address"))
            }
        })
        .collect()
}

/// The domain a `mailto:` report URI delivers to (`mailto:a@b.example!10m`
/// → `b.example`).
pub fn report_domain(uri: &str) -> Option<String> {
    let rest = uri
        .get(..7)?
        .eq_ignore_ascii_case("mailto:")
        .then(|| &uri[7..])?;
    let address = rest.split('!').next()?;
    let (local, domain) = address.rsplit_once('@')?;
    (!local.is_empty() && domain.contains('.'))
        .then(|| domain.trim_end_matches('.').to_ascii_lowercase())
}

/// The organizational domain of `domain` (RFC 7489 §3.2): its registrable
/// part under the public suffix list.
pub fn organizational_domain(domain: &str) -> Option<String> {
    addr::parse_dns_name(domain)
        .ok()?
        .root()
        .map(|r| r.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_and_parses() {
        assert!(is_dmarc("v=DMARC1; p=none"));
        assert!(is_dmarc("v = DMARC1"));
        assert!(!is_dmarc("v=DMARC10; p=none"));
        assert!(!is_dmarc("v=spf1 -all"));
        let r = DmarcRecord::parse(
            "v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@r.example,mailto:b@x.example!10m; fo=0:d",
        )
        .unwrap();
        assert_eq!(r.policy, Some(DmarcPolicy::Quarantine));
        assert_eq!(r.policy_for(true), DmarcPolicy::Reject);
        assert_eq!(r.pct, 50);
        assert_eq!(r.rua.len(), 2);
        for (bad, needle) in [
            ("p=none; v=DMARC1", "start with"),
            ("v=DMARC1; p=block", "p=block"),
            ("v=DMARC1; p=none; pct=101", "pct"),
            ("v=DMARC1; p=none; rua=a@b.example", "mailto"),
            ("v=DMARC1; adkim=x; p=none", "adkim"),
            ("v=DMARC1", "no p="),
        ] {
            let err = DmarcRecord::parse(bad).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
        // RFC 7489 §6.6.3: no p= but a valid rua means "none".
        let r = DmarcRecord::parse("v=DMARC1; rua=mailto:a@b.example").unwrap();
        assert_eq!(r.policy_for(false), DmarcPolicy::None);
    }

    #[test]
    fn report_domains_and_org_domains() {
        assert_eq!(
            report_domain("mailto:dmarc@Reports.Example!10m").as_deref(),
            Some("reports.example")
        );
        assert_eq!(report_domain("https://x.example/r"), None);
        assert_eq!(
            organizational_domain("mail.sub.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            organizational_domain("sub.example.org").as_deref(),
            Some("example.org")
        );
    }
}
