//! postier's own hooks ([`Builtin`]), delivered like any `[[hooks]]`
//! entry (cursor, retries, parking, `hooks status`): the welcome message a
//! new mailbox gets, and the move aside of a removed mailbox's maildir.
//! An event that can no longer have an effect (the mailbox is gone)
//! counts as delivered, with a note saying so.

use super::event::EventDoc;
use crate::config::{Builtin, Config};
use crate::error::{ErrorKind, Result};
use crate::mailer::{self, Transport};
use crate::model::Address;
use crate::ops::Ops;

/// What a built-in hook did: a reply code (SMTP) and a note for the
/// attempt record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Done {
    pub code: Option<i64>,
    pub note: String,
}

/// Runs `builtin` for `doc`.
pub async fn deliver(builtin: Builtin, ops: &Ops, config: &Config, doc: &EventDoc) -> Result<Done> {
    match builtin {
        Builtin::WelcomeMail => welcome_mail(ops, config, doc).await,
        Builtin::MoveAside => move_aside(config, doc).await,
    }
}

/// Moves the maildir(s) the event removed aside, under the mail root,
/// until a backup holds them (`crate::backup::aside`).
async fn move_aside(config: &Config, doc: &EventDoc) -> Result<Done> {
    // Even delivered late, with a new mailbox at the address by now,
    // what is at the old maildir is moved: nothing is lost (it is kept
    // aside and archived) and a new owner never reads the old mail.
    let event = crate::model::JournalEvent {
        id: doc.id,
        at: doc.at.clone(),
        event: doc.event.clone(),
        object: doc.object.clone(),
        payload: doc.payload.clone(),
    };
    let aside = crate::backup::move_aside(config, &event).await?;
    let note = if aside.is_empty() {
        "no maildir on disk: nothing to move".to_string()
    } else {
        let paths: Vec<_> = aside.iter().map(|r| r.path.as_str()).collect();
        format!("moved aside to {}", paths.join(", "))
    };
    Ok(Done { code: None, note })
}

/// Sends the welcome message to the mailbox the event added, in its
/// domain's language (`[mail.welcome]`); never with a password.
async fn welcome_mail(ops: &Ops, config: &Config, doc: &EventDoc) -> Result<Done> {
    let address = Address::parse(&doc.object)?;
    let mailbox = match ops.mailbox(&address).await {
        Ok(m) => m,
        Err(e) if e.kind == ErrorKind::NotFound => {
            return Ok(Done {
                code: None,
                note: "the mailbox no longer exists: nothing sent".to_string(),
            });
        }
        Err(e) => return Err(e),
    };
    let language = mailer::welcome_language(&config.mail.welcome, address.domain(), None);
    let outgoing = mailer::welcome_message(&config.mail, &mailbox, None, language, None)?;
    let transport = Transport::from_config(&config.mail.sender)?;
    let delivery = transport.send(outgoing.message).await?;
    Ok(Done {
        code: delivery.code.map(i64::from),
        note: String::new(),
    })
}
