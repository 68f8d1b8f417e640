//! `postier mail test|welcome`: sends postier's messages through the
//! configured transport and reports what the server answered.

use super::args::MailCmd;
use super::{Context, output};
use crate::config::Language;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use crate::mailer::{self, Delivery, Outgoing, Transport};
use crate::model::Address;
use crate::password::{self, Password};
use std::io::BufRead;

pub async fn run(ctx: &Context, cmd: &MailCmd) -> Result<()> {
    match cmd {
        MailCmd::Test { address } => {
            let to = Address::parse(address)?;
            // Any address of a managed domain, mailbox or not: testing
            // aliases and catch-alls is the point.
            ctx.ops
                .actor()
                .require_manage(to.domain(), &format!("mail test {to}"))?;
            let transport = Transport::from_config(&ctx.config.mail.sender)?;
            let outgoing = mailer::test_message(&ctx.config.mail, &to)?;
            send(ctx, &transport, outgoing, Msg::MailTestMessage).await
        }
        MailCmd::Welcome {
            address,
            language,
            password_stdin,
            to,
        } => {
            let address = Address::parse(address)?;
            let to = to.as_deref().map(Address::parse).transpose()?;
            let mailbox = ctx.ops.mailbox(&address).await?;
            let asked = language
                .as_deref()
                .map(str::parse::<Language>)
                .transpose()?;
            let language =
                mailer::welcome_language(&ctx.config.mail.welcome, address.domain(), asked);
            let password = if *password_stdin {
                Some(checked_password(&mailbox.password).await?)
            } else {
                None
            };
            let transport = Transport::from_config(&ctx.config.mail.sender)?;
            let outgoing = mailer::welcome_message(
                &ctx.config.mail,
                &mailbox,
                to.as_ref(),
                language,
                password.as_ref(),
            )?;
            send(ctx, &transport, outgoing, Msg::MailWelcomeMessage).await
        }
    }
}

/// Reads the password to include from stdin and refuses it unless it is
/// the mailbox's own, so a welcome mail never carries a wrong one.
async fn checked_password(stored: &crate::model::PasswordHash) -> Result<Password> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::invalid("password", format!("cannot read standard input: {e}")))?;
    let line = line.trim_end_matches(['\n', '\r']);
    let given = Password::new(line.to_string())?;
    let (p, h) = (given.clone(), stored.clone());
    let matches = tokio::task::spawn_blocking(move || password::verify(&p, &h))
        .await
        .map_err(|e| Error::unavailable("password check", e.to_string()))??;
    if !matches {
        return Err(Error::invalid(
            "password",
            "is not this mailbox's password, so it is not put in the message",
        )
        .with_hint(
            "give the current password, or set a new one first with: postier mailbox passwd",
        ));
    }
    Ok(given)
}

async fn send(ctx: &Context, transport: &Transport, outgoing: Outgoing, what: Msg) -> Result<()> {
    let to = outgoing.to.clone();
    let message_id = outgoing.message_id.clone();
    let delivery: Delivery = transport.send(outgoing.message).await.map_err(|e| {
        let what = Lang::En.t(what);
        e.about(format!(
            "{what} to {} via {}",
            to.to_unicode(),
            transport.via()
        ))
    })?;
    if ctx.json {
        return output::json(&serde_json::json!({
            "to": to,
            "message_id": message_id,
            "via": delivery.via,
            "accepted": true,
            "code": delivery.code,
            "reply": delivery.reply,
        }));
    }
    let reply = match delivery.code {
        Some(code) => format!("{code} {}", delivery.reply),
        None => delivery.reply.clone(),
    };
    let l = ctx.lang;
    let accepted = l.fmt(
        Msg::CliMailAccepted,
        &[l.t(what), &to.to_unicode(), &delivery.via, &reply],
    );
    output::say(&accepted);
    output::say(&l.fmt(Msg::CliMessageId, &[&message_id]));
    Ok(())
}
