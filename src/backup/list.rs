//! `backup list [ADDRESS|DOMAIN] [--remote]`: the archives the catalogue
//! knows (and, with `--remote`, what the repository itself lists), or the
//! archives holding one mailbox's or one domain's maildirs.

use super::borg::{self, Borg, Exit};
use super::catalogue::{Archive, Catalogue, Holding};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::Ops;
use serde::Serialize;

/// What `backup list` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    /// Without a filter: every archive, newest first.
    pub archives: Vec<Archive>,
    /// With ADDRESS or DOMAIN: each archive holding one of its maildirs.
    pub holdings: Vec<Holding>,
    /// With `--remote`: the archives the repository lists.
    pub remote: Option<Vec<String>>,
}

/// Lists archives; `filter` is an address (with `@`) or a domain.
pub async fn list(
    config: &Config,
    ops: &Ops,
    filter: Option<&str>,
    remote: bool,
) -> Result<ListReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup list")?;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let mut report = ListReport {
        archives: Vec::new(),
        holdings: Vec::new(),
        remote: None,
    };
    match filter {
        None => report.archives = catalogue.archives().await?,
        Some(f) if f.contains('@') => {
            let address = crate::model::Address::parse(f)?;
            report.holdings = catalogue.holdings_of(&address.to_string()).await?;
        }
        Some(f) => {
            let domain = crate::model::DomainName::parse(f)?;
            report.holdings = catalogue.holdings_in(domain.as_ascii()).await?;
        }
    }
    if remote {
        report.remote = Some(remote_archives(settings).await?);
    }
    Ok(report)
}

/// The archive names the repository lists, oldest first.
pub async fn remote_archives(settings: &crate::config::BackupConfig) -> Result<Vec<String>> {
    let borg = Borg::new(settings)?;
    let cwd = std::env::temp_dir();
    let out = borg
        .run(&borg::list_archives_args(settings.lock_wait), &cwd)
        .await?;
    if let Exit::Error(_) = out.exit {
        let why = if out.unreachable() {
            format!("is not reachable: {}", out.error_text())
        } else {
            out.error_text()
        };
        return Err(Error::unavailable(
            format!("repository {}", borg.repository()),
            why,
        ));
    }
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .map_err(|e| Error::unavailable("borg list", format!("unreadable answer: {e}")))?;
    Ok(doc["archives"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| a["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}
