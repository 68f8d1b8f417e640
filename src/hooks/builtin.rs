//! postier's own hooks ([`Builtin`]), delivered like any `[[hooks]]`
//! entry (cursor, retries, parking, `hooks status`): the welcome message a
//! new mailbox gets. An event that can no longer have an effect (the
//! mailbox is gone) counts as delivered, with a note saying so.

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
    }
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
