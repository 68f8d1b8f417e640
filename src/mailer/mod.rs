//! postier's own outgoing mail: the welcome message a new mailbox gets
//! (English or French, with the client settings from `[mail.client]`) and
//! the test message that proves an address receives mail, sent through the
//! transport `[mail.sender]` names ([`Transport`]).
//!
//! A welcome message never carries a password unless the caller passes one
//! in explicitly.

mod templates;
mod transport;

pub use templates::{Text, Welcome};
pub use transport::{Delivery, Transport};

use crate::config::{Language, MailConfig, WelcomeConfig};
use crate::error::{Error, Result};
use crate::model::{Address, DomainName, Mailbox};
use crate::password::Password;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use rand::Rng;

/// A message ready to send, with the Message-ID it can be found by.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub message: lettre::Message,
    pub message_id: String,
    pub to: Address,
}

/// The language of a welcome mail: the one asked for, else the domain's
/// (`[mail.welcome.domain_language]`), else `[mail.welcome] language`.
pub fn welcome_language(
    config: &WelcomeConfig,
    domain: &DomainName,
    asked: Option<Language>,
) -> Language {
    asked
        .or_else(|| config.domain_language.get(domain).copied())
        .unwrap_or(config.language)
}

/// The test message for `to`.
pub fn test_message(config: &MailConfig, to: &Address) -> Result<Outgoing> {
    let token = token();
    let text = templates::test(&to.to_unicode(), &token);
    compose(config, to, None, text, &token)
}

/// The welcome message for `mailbox`, sent to it or to `to` (a member's
/// outside address, read before they can read the new mailbox);
/// `password` only if the admin asked.
pub fn welcome_message(
    config: &MailConfig,
    mailbox: &Mailbox,
    to: Option<&Address>,
    language: Language,
    password: Option<&Password>,
) -> Result<Outgoing> {
    let address = mailbox.address.to_unicode();
    let welcome = Welcome {
        address: &address,
        name: &mailbox.name,
        quota: mailbox.quota,
        client: &config.client,
        password,
    };
    let text = templates::welcome(&welcome, language);
    let name = (!mailbox.name.is_empty()).then(|| mailbox.name.clone());
    compose(config, to.unwrap_or(&mailbox.address), name, text, &token())
}

/// A short notice (a hook's message) to `to`.
pub fn notice(config: &MailConfig, to: &Address, text: Text) -> Result<Outgoing> {
    compose(config, to, None, text, &token())
}

/// A unique, findable tag: `postier.<time>.<random>`.
fn token() -> String {
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let random: u64 = rand::rng().random();
    format!("postier.{now}.{random:016x}")
}

/// `From:` of every message postier sends: `[mail.sender] from`, else the
/// service's own postmaster — at the domain of its first `[mail]
/// mx_hosts` entry (`mx1.example.net` → `postmaster@example.net`), else at
/// this host's name. Never the recipient's domain: a test message to an
/// outside address must not claim to come from that domain.
pub fn sender(config: &MailConfig) -> Result<lettre::message::Mailbox> {
    if let Some(from) = &config.sender.from {
        return from.parse().map_err(|e| {
            Error::invalid(format!("[mail.sender] from {from:?}"), format!("{e}"))
                .with_hint("write an address, e.g. \"Postmaster <postmaster@example.net>\"")
        });
    }
    let service = config
        .mx_hosts
        .first()
        .and_then(|mx| mx.trim_end_matches('.').split_once('.'))
        .map(|(_, domain)| domain.to_string())
        .filter(|domain| domain.contains('.'))
        .or_else(host_name)
        .ok_or_else(|| {
            Error::invalid(
                "[mail.sender] from",
                "is not set and no service domain is known",
            )
            .with_hint("set [mail.sender] from = \"Postmaster <postmaster@example.net>\"")
        })?;
    let address = lettre::Address::new("postmaster", &service).map_err(|e| {
        Error::invalid(format!("postmaster@{service}"), e.to_string())
            .with_hint("set [mail.sender] from in the config")
    })?;
    Ok(lettre::message::Mailbox::new(
        Some("postier".into()),
        address,
    ))
}

/// This host's name, if it has one.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn compose(
    config: &MailConfig,
    to: &Address,
    to_name: Option<String>,
    text: Text,
    token: &str,
) -> Result<Outgoing> {
    let from = sender(config)?;
    let recipient = lettre::Address::new(to.local().as_str(), to.domain().as_ascii())
        .map_err(|e| Error::invalid(format!("address {to}"), e.to_string()))?;
    let message_id = format!("<{token}@{}>", from.email.domain());
    let message = lettre::Message::builder()
        .from(from)
        .to(lettre::message::Mailbox::new(to_name, recipient))
        .subject(text.subject)
        .message_id(Some(message_id.clone()))
        .date_now()
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ))
        .header(ContentType::TEXT_PLAIN)
        .body(text.body)
        .map_err(|e| Error::invalid(format!("message to {to}"), e.to_string()))?;
    Ok(Outgoing {
        message,
        message_id,
        to: to.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_asked_then_domain_then_default() {
        let fr = DomainName::parse("exemple.fr").unwrap();
        let org = DomainName::parse("example.org").unwrap();
        let mut config = WelcomeConfig::default();
        config.domain_language.insert(fr.clone(), Language::Fr);
        assert_eq!(welcome_language(&config, &fr, None), Language::Fr);
        assert_eq!(welcome_language(&config, &org, None), Language::En);
        assert_eq!(
            welcome_language(&config, &fr, Some(Language::En)),
            Language::En
        );
    }

    /// `mail test someone@gmail.com` once sent `From: postmaster@gmail.com`.
    #[test]
    fn test_message_is_from_the_services_postmaster_whatever_the_recipient() {
        let to = Address::parse("someone@gmail.example").unwrap();
        let config = MailConfig {
            mx_hosts: vec!["mx1.example.org".into()],
            ..MailConfig::default()
        };
        let out = test_message(&config, &to).unwrap();
        let text = String::from_utf8(out.message.formatted()).unwrap();
        assert!(
            text.contains(&format!("Message-ID: {}", out.message_id)),
            "{text}"
        );
        assert!(out.message_id.ends_with("@example.org>"));
        assert!(
            text.contains("From: postier <postmaster@example.org>"),
            "{text}"
        );
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
    }
}
