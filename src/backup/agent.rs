//! `backup agent`: the SSH forced command through which a backup server
//! starts the backup itself (no root, no shell on the mail host). It reads
//! only `SSH_ORIGINAL_COMMAND`, accepts exactly one of the verbs `run`,
//! `status`, `list`, `prune` — nothing else, no options, no arguments —
//! and passes nothing of it to borg: borg's repository, `--rsh` and the
//! rest come from `[backup]` alone. Anything else is refused and logged
//! (`state_dir/agent.log`).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::Ops;
use serde_json::Value;
use std::io::Write;

/// What a backup server may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Run,
    Status,
    List,
    Prune,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Run => "run",
            Verb::Status => "status",
            Verb::List => "list",
            Verb::Prune => "prune",
        }
    }
}

/// The verb `SSH_ORIGINAL_COMMAND` names, or why it is refused.
pub fn parse(original: Option<&str>) -> std::result::Result<Verb, String> {
    let Some(command) = original else {
        return Err("no command was given (an interactive login)".into());
    };
    match command.trim_matches([' ', '\t']) {
        "run" => Ok(Verb::Run),
        "status" => Ok(Verb::Status),
        "list" => Ok(Verb::List),
        "prune" => Ok(Verb::Prune),
        _ => Err(format!(
            "{command:?} is not one of run, status, list, prune (the agent takes no arguments)"
        )),
    }
}

/// What the agent answered: one JSON document, and whether it went well.
pub struct Reply {
    pub verb: Verb,
    pub document: Value,
    pub ok: bool,
}

/// Serves one SSH session: `original` is `SSH_ORIGINAL_COMMAND`,
/// `client` what sshd says of the peer (`SSH_CONNECTION`), for the log.
pub async fn serve(
    config: &Config,
    ops: &Ops,
    original: Option<&str>,
    client: Option<&str>,
) -> Result<Reply> {
    let settings = super::settings(config)?;
    let verb = match parse(original) {
        Ok(verb) => verb,
        Err(why) => {
            log(settings, &format!("refused {why}; client {client:?}"));
            return Err(Error::forbidden("backup agent", why)
                .with_hint("the agent accepts only: run, status, list, prune"));
        }
    };
    log(
        settings,
        &format!("{} from client {client:?}", verb.as_str()),
    );
    let (document, ok) = match verb {
        Verb::Run => {
            let report = super::run(config, ops, false).await?;
            let ok = report.result == super::RunResult::Ok;
            (json(&report), ok)
        }
        Verb::Status => (json(&super::status(config, ops).await?), true),
        Verb::List => (json(&super::list(config, ops, None, false).await?), true),
        Verb::Prune => (json(&super::prune(config, ops, false).await?), true),
    };
    Ok(Reply { verb, document, ok })
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Appends one line to `state_dir/agent.log`; a log that cannot be written
/// is not a reason to refuse the backup server.
fn log(settings: &crate::config::BackupConfig, line: &str) {
    let path = settings.state_dir.join("agent.log");
    let _ = std::fs::create_dir_all(&settings.state_dir);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{} {line}", super::aside::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_verbs_pass() {
        assert_eq!(parse(Some("run")), Ok(Verb::Run));
        assert_eq!(parse(Some(" status ")), Ok(Verb::Status));
        for bad in [
            "run --rsh sh",
            "run; sh",
            "$(id)",
            "sh",
            "borg serve",
            "list\nrun",
            "RUN",
            "",
        ] {
            assert!(parse(Some(bad)).is_err(), "{bad:?}");
        }
        assert!(parse(None).is_err());
    }
}
