//! `backup prune`: `borg prune` of postier's archives with the `keep_*`
//! settings, then `borg compact`; the catalogue then marks every archive
//! the repository no longer lists as pruned, and such an archive no
//! longer counts as holding anything. With `dry_run`, borg only says
//! which archives it would prune; nothing is deleted or recorded.

use super::borg::{self, Borg, Exit};
use super::catalogue::Catalogue;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::Ops;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    /// Archives gone from the repository, now marked pruned (with
    /// `dry_run`: those borg would prune).
    pub pruned: Vec<String>,
    /// Archives the repository still has (would still have).
    pub kept: Vec<String>,
    /// Nothing was deleted: `pruned` is what a real run would take.
    pub dry_run: bool,
}

pub async fn prune(config: &Config, ops: &Ops, dry_run: bool) -> Result<PruneReport> {
    let settings = super::settings(config)?;
    ops.actor().require_admin("backup prune")?;
    let borg = Borg::new(settings)?;
    if dry_run {
        let mut args = borg::prune_args(settings);
        args.push("--dry-run".into());
        let out = checked(&borg, "prune", &args).await?;
        let pruned = borg::would_prune(&out.log);
        let kept = super::list::remote_archives(settings)
            .await?
            .into_iter()
            .filter(|a| !pruned.contains(a))
            .collect();
        return Ok(PruneReport {
            pruned,
            kept,
            dry_run: true,
        });
    }
    checked(&borg, "prune", &borg::prune_args(settings)).await?;
    checked(&borg, "compact", &borg::compact_args(settings.lock_wait)).await?;
    let kept = super::list::remote_archives(settings).await?;
    let mut catalogue = Catalogue::open(&settings.state_dir).await?;
    let pruned = catalogue.mark_pruned(&kept, &super::aside::now()).await?;
    Ok(PruneReport {
        pruned,
        kept,
        dry_run: false,
    })
}

/// Runs borg `what`; a failure says why, and whether the repository could
/// not be reached.
async fn checked(borg: &Borg, what: &str, args: &[String]) -> Result<borg::Output> {
    let out = borg.run(args, &std::env::temp_dir()).await?;
    if let Exit::Error(_) = out.exit {
        return Err(Error::unavailable(
            format!("borg {what}"),
            borg.failure(&out),
        ));
    }
    Ok(out)
}
