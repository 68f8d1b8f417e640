//! The way out for postier's messages, from `[mail.sender]`: SMTP
//! (submission with STARTTLS or implicit TLS and a login, or a plain relay
//! on loopback) or the local `sendmail` program. Sending reports the
//! server's final reply, or an error saying which step refused and why.

use crate::config::{MailSenderConfig, Security, SenderTransport};
use crate::error::{Error, Result};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSendmailTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::net::IpAddr;
use std::time::Duration;

/// What the receiving side said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    /// How it was sent, e.g. `smtp 127.0.0.1:25 (STARTTLS)`.
    pub via: String,
    /// The SMTP reply code to the message data; None for sendmail.
    pub code: Option<u16>,
    /// The reply text, e.g. `2.0.0 Ok: queued as 4Xb2Lq0h5`.
    pub reply: String,
}

enum Way {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Sendmail(AsyncSendmailTransport<Tokio1Executor>),
}

/// A configured transport.
pub struct Transport {
    way: Way,
    via: String,
}

impl Transport {
    pub fn from_config(c: &MailSenderConfig) -> Result<Transport> {
        match c.transport {
            SenderTransport::Sendmail => Ok(Transport {
                way: Way::Sendmail(AsyncSendmailTransport::<Tokio1Executor>::new_with_command(
                    c.sendmail.as_os_str(),
                )),
                via: format!("sendmail {}", c.sendmail.display()),
            }),
            SenderTransport::Smtp => smtp(c),
        }
    }

    pub fn via(&self) -> &str {
        &self.via
    }

    pub async fn send(&self, message: Message) -> Result<Delivery> {
        match &self.way {
            Way::Smtp(t) => match t.send(message).await {
                Ok(response) => Ok(Delivery {
                    via: self.via.clone(),
                    code: Some(response.code().into()),
                    reply: response.message().collect::<Vec<_>>().join(" "),
                }),
                Err(e) => Err(self.smtp_error(&e)),
            },
            Way::Sendmail(t) => match t.send(message).await {
                Ok(()) => Ok(Delivery {
                    via: self.via.clone(),
                    code: None,
                    reply: "accepted for delivery".into(),
                }),
                Err(e) => Err(Error::unavailable(self.via.clone(), e.to_string())
                    .with_hint("check [mail.sender] sendmail")),
            },
        }
    }

    fn smtp_error(&self, e: &lettre::transport::smtp::Error) -> Error {
        let text = e.to_string();
        // lettre writes "permanent error (550): <server text>".
        let said = text.split_once("): ").map(|(_, s)| s).unwrap_or(&text);
        match e.status() {
            Some(code) if e.is_permanent() => {
                Error::refused(self.via.clone(), format!("the server said {code} {said}"))
            }
            Some(code) => {
                Error::unavailable(self.via.clone(), format!("the server said {code} {said}"))
                    .with_hint("a temporary failure: try again later")
            }
            None if e.is_tls() => Error::unavailable(self.via.clone(), text).with_hint(
                "check [mail.sender] security, host (the certificate's name) and ca_file",
            ),
            None => Error::unavailable(self.via.clone(), text)
                .with_hint("check [mail.sender] host, port and security"),
        }
    }
}

fn smtp(c: &MailSenderConfig) -> Result<Transport> {
    let tls = |host: &str| -> Result<TlsParameters> {
        let mut builder = TlsParameters::builder(host.to_string());
        if let Some(path) = &c.ca_file {
            let what = format!("[mail.sender] ca_file {}", path.display());
            let pem = std::fs::read(path)
                .map_err(|e| Error::invalid(&what, format!("cannot be read: {e}")))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| Error::invalid(&what, format!("is not a PEM certificate: {e}")))?;
            builder = builder.add_root_certificate(cert);
        }
        builder
            .build()
            .map_err(|e| Error::invalid("[mail.sender] TLS settings", e.to_string()))
    };
    let (tls, label) = match c.security {
        Security::Tls => (Tls::Wrapper(tls(&c.host)?), "TLS"),
        Security::Starttls => (Tls::Required(tls(&c.host)?), "STARTTLS"),
        Security::None => (Tls::None, "no TLS"),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.as_str())
        .port(c.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(c.timeout_seconds.max(1))));
    if let Some(user) = &c.username {
        if c.security == Security::None && !is_loopback(&c.host) {
            return Err(Error::invalid(
                "[mail.sender] username",
                format!(
                    "a password would cross the network to {} unencrypted",
                    c.host
                ),
            )
            .with_hint("set security = \"starttls\" or \"tls\""));
        }
        builder = builder.credentials(Credentials::new(user.clone(), read_password(c)?));
    }
    Ok(Transport {
        way: Way::Smtp(builder.build()),
        via: format!("smtp {}:{} ({label})", c.host, c.port),
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The SMTP password, from `password_file`.
fn read_password(c: &MailSenderConfig) -> Result<String> {
    let path = c.password_file.as_ref().ok_or_else(|| {
        Error::invalid("[mail.sender] username", "is set without password_file")
            .with_hint("name a file holding the SMTP password in [mail.sender] password_file")
    })?;
    let secret = crate::config::read_secret_file(
        path,
        &format!("[mail.sender] password_file {}", path.display()),
        "check [mail.sender] password_file",
    )?;
    Ok(secret.expose_secret().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_login_over_plain_text_to_another_host() {
        let c = MailSenderConfig {
            host: "smtp.example.net".into(),
            security: Security::None,
            username: Some("postier".into()),
            ..MailSenderConfig::default()
        };
        let err = Transport::from_config(&c).err().unwrap();
        assert!(err.why.contains("unencrypted"), "{err}");
    }

    #[test]
    fn describes_the_way_out() {
        let c = MailSenderConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security: Security::None,
            ..MailSenderConfig::default()
        };
        assert_eq!(
            Transport::from_config(&c).unwrap().via(),
            "smtp 127.0.0.1:2525 (no TLS)"
        );
        let c = MailSenderConfig {
            transport: SenderTransport::Sendmail,
            ..MailSenderConfig::default()
        };
        assert_eq!(
            Transport::from_config(&c).unwrap().via(),
            "sendmail /usr/sbin/sendmail"
        );
    }

    #[test]
    fn password_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp.secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = MailSenderConfig {
            username: Some("postier".into()),
            password_file: Some(file.clone()),
            ..MailSenderConfig::default()
        };
        assert!(read_password(&c).unwrap_err().why.contains("every user"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_password(&c).unwrap(), "s3cret");
    }
}
