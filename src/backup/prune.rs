//! `backup prune`: `borg prune` of postier's archives with the `keep_*`
//! settings, then `borg compact`; the catalogue then marks every archive
//! the repository no longer lists as pruned, and such an archive no
//! longer counts as holding anything.

use super::borg::{self, Borg, Exit};
use super::catalogue::Catalogue;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::Ops;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    /// Archives gone from the repository, now marked pruned.
    pub pruned: Vec<String>,
    /// Archives the repository still has.
    pub kept: Vec<String>,
}

pub async fn prune(config: &Config, ops: &Ops) -> Result<PruneReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup prune")?;
    let borg = Borg::new(settings)?;
    let cwd = std::env::temp_dir();
    for (what, args) in [
        ("prune", borg::prune_args(settings)),
        ("compact", borg::compact_args(settings.lock_wait)),
    ] {
        let out = borg.run(&args, &cwd).await?;
        if let Exit::Error(_) = out.exit {
            let why = if out.unreachable() {
                format!(
                    "repository {} is not reachable: {}",
                    borg.repository(),
                    out.error_text()
                )
            } else {
                out.error_text()
            };
            return Err(Error::unavailable(format!("borg {what}"), why));
        }
    }
    let kept = super::list::remote_archives(settings).await?;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let pruned = catalogue.mark_pruned(&kept, &super::aside::now()).await?;
    Ok(PruneReport { pruned, kept })
}
