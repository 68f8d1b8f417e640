//! The mail service as the DNS fixture zones (`fixtures/dns/`) know it:
//! its MX hosts and networks, outbound addresses, SPF include, and what it
//! offers (MTA-STS, TLS-RPT, autoconfig), for tests that check zones — as
//! a [`Config`] for the library, and as config file text for the binary.

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

/// The same service as `postier.toml` sections, asking `nameserver`.
pub fn service_toml(key_dir: &Path, nameserver: &str) -> String {
    format!(
        r#"[mail]
mx_hosts = ["mx1.service.test", "mx2.service.test"]
mx_networks = ["192.0.2.0/28"]
outbound_ips = ["192.0.2.10", "2001:db8::10"]
spf_include = "_spf.service.test"
dmarc_min_policy = "quarantine"
mta_sts = true
tls_rpt = true
autoconfig = true

[mail.client]
imap_host = "mx1.service.test"
imap_port = 993
imap_security = "tls"
smtp_host = "mx1.service.test"
smtp_port = 465
smtp_security = "tls"

[dkim]
key_dir = "{keys}"

[dns]
nameservers = ["{nameserver}"]
timeout = 2
"#,
        keys = key_dir.display(),
    )
}
