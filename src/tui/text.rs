//! Text for people, from values and errors made for the directory: domain
//! names in U-labels (the directory and its errors speak A-labels, `xn--…`),
//! and hints that fit the TUI where an error's hint names a CLI flag.

use crate::error::Error;
use crate::i18n::{Lang, Msg};
use crate::model::{AliasAddress, DomainName};

/// `text` with every domain name written in A-labels shown in U-labels,
/// through [`DomainName::to_unicode`]: `mailbox a@xn--exmple-cua.org` reads
/// `mailbox a@exämple.org`. Anything that is not a domain stays as it is.
pub fn unicode(text: &str) -> String {
    if !text.contains("xn--") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            word.push(c);
        } else {
            out.push_str(&unicode_word(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&unicode_word(&word));
    out
}

fn unicode_word(word: &str) -> String {
    // A sentence's full stop is not part of the name.
    let name = word.trim_end_matches('.');
    if !name.contains("xn--") {
        return word.to_string();
    }
    match DomainName::parse(name) {
        Ok(d) => format!("{}{}", d.to_unicode(), &word[name.len()..]),
        Err(_) => word.to_string(),
    }
}

/// An alias's address as people read it: U-labels, `@domain` for a catch-all.
pub fn alias(address: &AliasAddress) -> String {
    match address {
        AliasAddress::Address(a) => a.to_unicode(),
        AliasAddress::CatchAll(d) => format!("@{}", d.to_unicode()),
    }
}

/// Does `hint` tell the user to run or pass something on the command line?
fn names_the_cli(hint: &str) -> bool {
    hint.contains("--") || hint.contains("postier ")
}

/// What the user can do about `e` in the TUI: the error's own hint, unless
/// it names the command line (`pass --quota SIZE`, `see: postier domain
/// list`); then the TUI's way of doing the same, or nothing.
pub fn hint(e: &Error, lang: Lang) -> Option<String> {
    let hint = e.hint.as_deref()?;
    if !names_the_cli(hint) {
        return Some(unicode(&crate::i18n::error_text(lang, hint)));
    }
    let flag = |f: &str| {
        hint.split(|c: char| c.is_whitespace() || c == ',' || c == ')' || c == '(')
            .any(|w| w == f)
    };
    let msg = if flag("--default-quota") {
        Msg::HintDefaultQuota
    } else if flag("--quota") {
        Msg::HintQuota
    } else if flag("--max-mailboxes") {
        Msg::HintMaxMailboxes
    } else if flag("--max-aliases") {
        Msg::HintMaxAliases
    } else if flag("--cascade") {
        Msg::HintCascade
    } else if flag("--generate-password") {
        Msg::HintGeneratePassword
    } else if hint.contains("--help") {
        Msg::HintChangeAField
    } else {
        return None;
    };
    Some(lang.t(msg).to_string())
}

/// `what: why`, in U-labels.
pub fn error_line(e: &Error) -> String {
    unicode(&format!("{}: {}", e.what, e.why))
}

/// `what: why` in `lang` (the error catalogue), in U-labels.
pub fn error_line_in(e: &Error, lang: Lang) -> String {
    let what = crate::i18n::error_subject(lang, &e.what);
    let why = crate::i18n::error_text(lang, &e.why);
    let colon = if lang == Lang::Fr { " :" } else { ":" };
    unicode(&format!("{what}{colon} {why}"))
}

/// `what: why (hint)` as the TUI says it, in one line.
pub fn error(e: &Error, lang: Lang) -> String {
    match hint(e, lang) {
        Some(h) => format!("{} ({h})", error_line_in(e, lang)),
        None => error_line_in(e, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labels_read_as_u_labels() {
        assert_eq!(
            unicode("mailbox a@xn--exmple-cua.org: not found."),
            "mailbox a@exämple.org: not found."
        );
        assert_eq!(
            unicode("domain xn--exmple-cua.org's quota"),
            "domain exämple.org's quota"
        );
        assert_eq!(unicode("plain example.org"), "plain example.org");
        // Not a domain: left alone.
        assert_eq!(unicode("xn--"), "xn--");
    }

    #[test]
    fn cli_hints_become_tui_hints() {
        let e = Error::limit("quota 0", "cannot be unlimited").with_hint("give --quota SIZE");
        assert_eq!(
            hint(&e, Lang::En).as_deref(),
            Some(Msg::HintQuota.text(Lang::En))
        );
        assert!(!error(&e, Lang::Fr).contains("--"));
        let e = Error::not_found("domain x.org").with_hint("see: postier domain list");
        assert_eq!(hint(&e, Lang::En), None);
        let e = Error::conflict("x", "y").with_hint("show it again and redo your change");
        assert_eq!(
            hint(&e, Lang::En).as_deref(),
            Some("show it again and redo your change")
        );
    }
}
