//! The texts of postier's messages: the welcome mail in English and French,
//! and the test message. Pure functions from values to subject and body.

use crate::config::{Language, MailClientConfig, Security};
use crate::model::Size;
use crate::password::Password;

/// A subject and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

/// What a welcome mail says about its mailbox.
pub struct Welcome<'a> {
    /// For people (U-labels).
    pub address: &'a str,
    pub name: &'a str,
    pub quota: Size,
    pub client: &'a MailClientConfig,
    /// Only when the admin asked for it explicitly.
    pub password: Option<&'a Password>,
}

/// Every phrase a welcome mail needs, per language.
struct Phrases {
    subject: &'static str,
    hello: &'static str,
    ready: &'static str,
    settings: &'static str,
    incoming: &'static str,
    outgoing: &'static str,
    server: &'static str,
    port: &'static str,
    security: &'static str,
    authentication: &'static str,
    normal_password: &'static str,
    user_name: &'static str,
    password: &'static str,
    password_elsewhere: &'static str,
    storage: &'static str,
    unlimited: &'static str,
    webmail: &'static str,
    questions: &'static str,
    no_encryption: &'static str,
}

const EN: Phrases = Phrases {
    subject: "Welcome to your mailbox",
    hello: "Hello",
    ready: "is ready.",
    settings: "Set up your mail program with these settings:",
    incoming: "Incoming mail (IMAP)",
    outgoing: "Outgoing mail (SMTP)",
    server: "Server",
    port: "Port",
    security: "Security",
    authentication: "Authentication",
    normal_password: "normal password",
    user_name: "User name",
    password: "Password",
    password_elsewhere: "the one your administrator gave you",
    storage: "Storage space",
    unlimited: "unlimited",
    webmail: "Webmail",
    questions: "Questions? Write to",
    no_encryption: "none (not encrypted)",
};

const FR: Phrases = Phrases {
    subject: "Bienvenue dans votre boîte aux lettres",
    hello: "Bonjour",
    ready: "est prête.",
    settings: "Configurez votre logiciel de messagerie avec ces paramètres :",
    incoming: "Courrier entrant (IMAP)",
    outgoing: "Courrier sortant (SMTP)",
    server: "Serveur",
    port: "Port",
    security: "Sécurité",
    authentication: "Authentification",
    normal_password: "mot de passe normal",
    user_name: "Identifiant",
    password: "Mot de passe",
    password_elsewhere: "celui que votre administrateur vous a remis",
    storage: "Espace de stockage",
    unlimited: "illimité",
    webmail: "Webmail",
    questions: "Une question ? Écrivez à",
    no_encryption: "aucune (non chiffré)",
};

fn phrases(language: Language) -> &'static Phrases {
    match language {
        Language::En => &EN,
        Language::Fr => &FR,
    }
}

fn security(p: &Phrases, s: Security) -> &'static str {
    match s {
        Security::Tls => "SSL/TLS",
        Security::Starttls => "STARTTLS",
        Security::None => p.no_encryption,
    }
}

/// The welcome mail in `language`.
pub fn welcome(w: &Welcome<'_>, language: Language) -> Text {
    let p = phrases(language);
    let c = w.client;
    let greeting = if w.name.is_empty() { w.address } else { w.name };
    let mailbox = match language {
        Language::En => format!("Your mailbox {} {}", w.address, p.ready),
        Language::Fr => format!("Votre boîte aux lettres {} {}", w.address, p.ready),
    };
    let password = match w.password {
        Some(pw) => pw.expose().to_string(),
        None => p.password_elsewhere.to_string(),
    };
    let storage = if w.quota.is_unlimited() {
        p.unlimited.to_string()
    } else {
        w.quota.human()
    };
    let mut body = format!(
        "{hello} {greeting},\n\n\
         {mailbox}\n\n\
         {settings}\n\n\
         \x20 {incoming}\n\
         \x20   {server}: {imap_host}\n\
         \x20   {port}: {imap_port}\n\
         \x20   {security}: {imap_security}\n\n\
         \x20 {outgoing}\n\
         \x20   {server}: {smtp_host}\n\
         \x20   {port}: {smtp_port}\n\
         \x20   {security}: {smtp_security}\n\
         \x20   {authentication}: {normal_password}\n\n\
         \x20 {user_name}: {address}\n\
         \x20 {password_label}: {password}\n\
         \x20 {storage_label}: {storage}\n",
        hello = p.hello,
        settings = p.settings,
        incoming = p.incoming,
        server = p.server,
        port = p.port,
        security = p.security,
        imap_host = c.imap_host,
        imap_port = c.imap_port,
        imap_security = security(p, c.imap_security),
        outgoing = p.outgoing,
        smtp_host = c.smtp_host,
        smtp_port = c.smtp_port,
        smtp_security = security(p, c.smtp_security),
        authentication = p.authentication,
        normal_password = p.normal_password,
        user_name = p.user_name,
        address = w.address,
        password_label = p.password,
        storage_label = p.storage,
    );
    if let Some(url) = &c.webmail_url {
        body.push_str(&format!("\n{}: {url}\n", p.webmail));
    }
    if let Some(support) = &c.support {
        body.push_str(&format!("\n{} {support}.\n", p.questions));
    }
    Text {
        subject: format!("{} {}", p.subject, w.address),
        body,
    }
}

/// The test message; `token` makes it findable in the mailbox.
pub fn test(address: &str, token: &str) -> Text {
    Text {
        subject: format!("postier test message {token}"),
        body: format!(
            "This is a test message from postier to {address}.\n\
             If it arrived, mail to this address is delivered.\n\n\
             Token: {token}\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> MailClientConfig {
        MailClientConfig {
            imap_host: "imap.example.net".into(),
            smtp_host: "smtp.example.net".into(),
            webmail_url: Some("https://webmail.example.net".into()),
            ..MailClientConfig::default()
        }
    }

    #[test]
    fn both_languages_give_every_setting() {
        let client = client();
        let w = Welcome {
            address: "alice@exämple.org",
            name: "Alice",
            quota: Size::parse("2G").unwrap(),
            client: &client,
            password: None,
        };
        for (language, hello) in [
            (Language::En, "Hello Alice"),
            (Language::Fr, "Bonjour Alice"),
        ] {
            let t = welcome(&w, language);
            assert!(t.subject.ends_with("alice@exämple.org"), "{}", t.subject);
            for needle in [
                hello,
                "imap.example.net",
                "993",
                "SSL/TLS",
                "smtp.example.net",
                "587",
                "STARTTLS",
                "alice@exämple.org",
                "2G",
                "https://webmail.example.net",
            ] {
                assert!(
                    t.body.contains(needle),
                    "{language:?} lacks {needle}:\n{}",
                    t.body
                );
            }
        }
        assert!(welcome(&w, Language::Fr).body.contains("Identifiant"));
    }

    #[test]
    fn password_only_when_given() {
        let client = client();
        let secret = Password::new("correct-horse-9".into()).unwrap();
        let mut w = Welcome {
            address: "a@example.org",
            name: "",
            quota: Size::UNLIMITED,
            client: &client,
            password: None,
        };
        let without = welcome(&w, Language::En);
        assert!(without.body.contains("the one your administrator gave you"));
        assert!(without.body.contains("Hello a@example.org,"));
        assert!(without.body.contains("unlimited"));
        w.password = Some(&secret);
        assert!(welcome(&w, Language::En).body.contains("correct-horse-9"));
    }
}
