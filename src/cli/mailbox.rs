//! `postier mailbox …`, including where passwords come from: stdin, a
//! prompt on a terminal, generation, or an existing hash — never argv.

use super::args::{MailboxCmd, PasswordSource};
use super::domain::removed;
use super::{Context, output};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::{Address, DomainName, Mailbox, MailboxPatch, PasswordHash, Size};
use crate::ops::{MailboxRequest, PasswordInput};
use crate::password::Password;
use crate::stack::quota::{self, QuotaUsage};
use futures::StreamExt;
use std::io::{BufRead, IsTerminal};

pub async fn run(ctx: &Context, cmd: &MailboxCmd) -> Result<()> {
    match cmd {
        MailboxCmd::Add {
            address,
            name,
            quota,
            password,
        } => {
            let address = Address::parse(address)?;
            let quota = quota.as_deref().map(Size::parse).transpose()?;
            let password = password_input(password, true)?;
            let req = MailboxRequest {
                address,
                name: name.clone().unwrap_or_default(),
                quota,
                password,
            };
            let (mailbox, generated) = ctx.ops.add_mailbox(req).await?;
            report(ctx, &mailbox, Msg::DoneAdded, generated)
        }
        MailboxCmd::List { domain, search } => {
            let domain = domain.as_deref().map(DomainName::parse).transpose()?;
            let mut mailboxes = match search {
                Some(text) => ctx.ops.search_mailboxes(text).await?,
                None => ctx.ops.mailboxes(domain.as_ref()).await?,
            };
            if let (Some(_), Some(d)) = (search, &domain) {
                mailboxes.retain(|m| m.domain() == d);
            }
            if ctx.json {
                return output::json(&mailboxes);
            }
            let l = ctx.lang;
            // How full each is, read a few at a time as Dovecot counts it.
            let reader = quota::reader(&ctx.config.stack);
            let usage: Vec<QuotaUsage> = futures::stream::iter(&mailboxes)
                .map(|m| reader.usage(&m.maildir))
                .buffered(16)
                .collect()
                .await;
            let rows = mailboxes
                .iter()
                .zip(&usage)
                .map(|(m, used)| {
                    vec![
                        m.address.to_unicode(),
                        m.name.clone(),
                        quota(ctx, m),
                        used_cell(m, used),
                        output::on_off(l, m.active),
                    ]
                })
                .collect();
            let header = [
                Msg::ColAddress,
                Msg::ColName,
                Msg::ColQuota,
                Msg::ColUsed,
                Msg::ColActive,
            ];
            output::table(&header.map(|m| l.t(m)), rows);
            Ok(())
        }
        MailboxCmd::Show { address } => {
            let m = ctx.ops.mailbox(&Address::parse(address)?).await?;
            let usage = quota::reader(&ctx.config.stack).usage(&m.maildir).await;
            if ctx.json {
                let mut value = to_json(&m)?;
                if let serde_json::Value::Object(map) = &mut value {
                    map.insert("quota_used_bytes".into(), usage.used_bytes().into());
                    let unknown = match &usage {
                        QuotaUsage::Unknown(why) => Some(why.clone()),
                        QuotaUsage::UsedBytes(_) => None,
                    };
                    map.insert("quota_usage_unknown".into(), unknown.into());
                }
                return output::json(&value);
            }
            let l = ctx.lang;
            let key = |msg| output::key(l, msg);
            output::fields(&[
                (key(Msg::ColAddress), m.address.to_unicode()),
                (key(Msg::ColName), m.name.clone()),
                (key(Msg::ColActive), output::on_off(l, m.active)),
                (key(Msg::ColQuota), quota(ctx, &m)),
                (
                    l.t(Msg::ShowQuotaUsed).to_string(),
                    quota_used(ctx, &m, &usage),
                ),
                (
                    key(Msg::ShowPasswordScheme),
                    if m.password.is_weak() {
                        l.fmt(Msg::ShowWeakScheme, &[m.password.scheme()])
                    } else {
                        m.password.scheme().to_string()
                    },
                ),
                (key(Msg::ShowMaildir), m.maildir.clone()),
                (key(Msg::ShowCreated), m.created_at.clone()),
                (key(Msg::ShowUpdated), m.updated_at.clone()),
                (key(Msg::ShowVersion), m.version.to_string()),
            ]);
            Ok(())
        }
        MailboxCmd::Edit {
            address,
            name,
            quota,
            if_version,
        } => {
            let address = Address::parse(address)?;
            let patch = MailboxPatch {
                name: name.clone(),
                quota: quota.as_deref().map(Size::parse).transpose()?,
                ..Default::default()
            };
            let m = ctx.ops.edit_mailbox(address, patch, *if_version).await?;
            report(ctx, &m, Msg::DoneChanged, None)
        }
        MailboxCmd::Passwd { address, password } => {
            let address = Address::parse(address)?;
            let input = password_input(password, true)?;
            let (m, generated) = ctx.ops.set_password(address, input).await?;
            report(ctx, &m, Msg::DonePassword, generated)
        }
        MailboxCmd::Disable { address } => {
            let m = ctx
                .ops
                .set_mailbox_active(Address::parse(address)?, false)
                .await?;
            report(ctx, &m, Msg::DoneDisabled, None)
        }
        MailboxCmd::Enable { address } => {
            let m = ctx
                .ops
                .set_mailbox_active(Address::parse(address)?, true)
                .await?;
            report(ctx, &m, Msg::DoneEnabled, None)
        }
        MailboxCmd::Rm { address, detach } => {
            let address = Address::parse(address)?;
            ctx.ops.remove_mailbox(address.clone(), *detach).await?;
            removed(
                ctx,
                Msg::ObjMailbox,
                &address.to_unicode(),
                &address.to_string(),
            )
        }
    }
}

/// Turns the password flags into an input for ops. With no flag, a
/// terminal gets a masked prompt (typed twice); anything else is refused.
fn password_input(src: &PasswordSource, allow_hash: bool) -> Result<PasswordInput> {
    if src.password.is_some() {
        return Err(Error::invalid(
            "--password",
            "passwords are never accepted on the command line",
        )
        .with_hint(
            "use --password-stdin, --generate-password, or run on a terminal to be prompted",
        ));
    }
    if src.generate_password {
        return Ok(PasswordInput::Generate);
    }
    if let Some(hash) = &src.password_hash {
        if !allow_hash {
            return Err(Error::invalid("--password-hash", "is not accepted here"));
        }
        return Ok(PasswordInput::Hash(PasswordHash::parse(hash)?));
    }
    if src.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::invalid("password", format!("cannot read standard input: {e}")))?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        return Ok(PasswordInput::Plain(Password::new(line.to_string())?));
    }
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")
            .map_err(|e| Error::invalid("password", format!("cannot read it: {e}")))?;
        let second = rpassword::prompt_password("Again: ")
            .map_err(|e| Error::invalid("password", format!("cannot read it: {e}")))?;
        if first != second {
            return Err(Error::invalid("password", "the two entries differ"));
        }
        return Ok(PasswordInput::Plain(Password::new(first)?));
    }
    Err(Error::invalid("password", "none given")
        .with_hint("use --password-stdin, --generate-password or --password-hash"))
}

fn quota(ctx: &Context, m: &Mailbox) -> String {
    if m.quota.is_unlimited() {
        ctx.lang.t(Msg::Unlimited).to_string()
    } else {
        m.quota.human()
    }
}

/// Usage as Dovecot counts it, against the quota; "unknown (why)" when
/// it cannot be read.
fn quota_used(ctx: &Context, m: &Mailbox, usage: &QuotaUsage) -> String {
    let l = ctx.lang;
    match usage {
        QuotaUsage::UsedBytes(b) => {
            let approx = Size::from_stored(i64::try_from(*b).unwrap_or(i64::MAX)).approx();
            match usage.percent_of(m.quota) {
                None => l.fmt(Msg::QuotaUsedBytes, &[&approx, &b.to_string()]),
                Some(percent) => l.fmt(
                    Msg::QuotaUsedOf,
                    &[
                        &approx,
                        &m.quota.human(),
                        &percent.to_string(),
                        &b.to_string(),
                    ],
                ),
            }
        }
        QuotaUsage::Unknown(why) => l.fmt(Msg::QuotaUnknown, &[why]),
    }
}

/// The USED column: `12.3M 49%`, `12.3M` with no quota, `?` unknown.
fn used_cell(m: &Mailbox, usage: &QuotaUsage) -> String {
    match usage {
        QuotaUsage::UsedBytes(b) => {
            let approx = Size::from_stored(i64::try_from(*b).unwrap_or(i64::MAX)).approx();
            match usage.percent_of(m.quota) {
                Some(percent) => format!("{approx} {percent}%"),
                None => approx,
            }
        }
        QuotaUsage::Unknown(_) => "?".to_string(),
    }
}

fn to_json(m: &Mailbox) -> Result<serde_json::Value> {
    serde_json::to_value(m)
        .map_err(|e| Error::unavailable("output", format!("cannot encode JSON: {e}")))
}

fn report(ctx: &Context, m: &Mailbox, msg: Msg, generated: Option<Password>) -> Result<()> {
    if ctx.json {
        let mut value = to_json(m)?;
        if let (Some(p), serde_json::Value::Object(map)) = (&generated, &mut value) {
            map.insert("generated_password".into(), p.expose().into());
        }
        return output::json(&value);
    }
    output::done(ctx.lang, msg, Msg::ObjMailbox, &m.address.to_unicode());
    if let Some(p) = generated {
        println!("{}", ctx.lang.fmt(Msg::CliPasswordOnce, &[p.expose()]));
    }
    Ok(())
}
