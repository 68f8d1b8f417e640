//! The mail service as the DNS fixture zones (`fixtures/dns/`) know it:
//! its MX hosts and networks, outbound addresses, SPF include, and what it
//! offers (MTA-STS, TLS-RPT, autoconfig), for tests that check zones.

use postier::config::{Config, DkimConfig, DmarcPolicy, MailClientConfig, MailConfig, Security};
use std::path::Path;

/// The service as the fixture zones know it.
pub fn service_config(key_dir: &Path) -> Config {
    Config {
        mail: MailConfig {
            mx_hosts: vec!["mx1.service.test".into(), "mx2.service.test".into()],
            mx_networks: vec!["192.0.2.0/28".parse().unwrap()],
            outbound_ips: vec![
                "192.0.2.10".parse().unwrap(),
                "2001:db8::10".parse().unwrap(),
            ],
            spf_include: Some("_spf.service.test".into()),
            dmarc_min_policy: DmarcPolicy::Quarantine,
            mta_sts: true,
            tls_rpt: true,
            autoconfig: true,
            client: MailClientConfig {
                imap_host: "mx1.service.test".into(),
                imap_port: 993,
                imap_security: Security::Tls,
                smtp_host: "mx1.service.test".into(),
                smtp_port: 465,
                smtp_security: Security::Tls,
                ..Default::default()
            },
            ..Default::default()
        },
        dkim: DkimConfig {
            key_dir: key_dir.to_path_buf(),
            ..Default::default()
        },
        ..Default::default()
    }
}
