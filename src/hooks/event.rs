//! The event document a hook receives (SPEC.md, "Hooks"), and the short
//! English or French sentence a chat message or a mail says it with.

use crate::config::Language;
use crate::model::JournalEvent;
use serde::Serialize;
use serde_json::Value;

/// `{"id", "at", "event", "object", "domain", "actor", "payload"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDoc {
    pub id: i64,
    pub at: String,
    pub event: String,
    pub object: String,
    pub domain: Option<String>,
    pub actor: String,
    /// The object before and after the change; never a password or hash.
    pub payload: Value,
}

impl EventDoc {
    pub fn from_journal(e: &JournalEvent) -> EventDoc {
        let actor = e
            .payload
            .get("actor")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut payload = match &e.payload {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| k.as_str() != "actor")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        scrub(&mut payload);
        EventDoc {
            id: e.id,
            at: e.at.clone(),
            event: e.event.clone(),
            object: e.object.clone(),
            domain: domain_of(&e.event, &e.object, &payload),
            actor,
            payload,
        }
    }

    /// The JSON text posted or piped.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// One readable line, e.g. "Mailbox alice@example.org added by admin."
    pub fn sentence(&self, language: Language) -> String {
        let (kind, action) = self.event.split_once('.').unwrap_or((&self.event, ""));
        let fr = language == Language::Fr;
        let what = match (kind, fr) {
            ("domain", false) => "Domain",
            ("domain", true) => "Domaine",
            ("alias_domain", false) => "Alias domain",
            ("alias_domain", true) => "Domaine alias",
            ("mailbox", false) => "Mailbox",
            ("mailbox", true) => "Boîte aux lettres",
            ("alias", false) => "Alias",
            ("alias", true) => "Alias",
            ("backup", false) => "Backup",
            ("backup", true) => "Sauvegarde",
            ("hook", false) => "Hook",
            ("hook", true) => "Crochet",
            (other, _) => other,
        };
        let done = match (action, fr) {
            ("add", false) => "added",
            ("add", true) => "créé(e)",
            ("edit", false) => "changed",
            ("edit", true) => "modifié(e)",
            ("rm", false) => "removed",
            ("rm", true) => "supprimé(e)",
            ("done", false) => "done",
            ("done", true) => "terminée",
            ("failed", false) => "failed",
            ("failed", true) => "en échec",
            ("purged", false) => "purged",
            ("purged", true) => "purgé(e)",
            ("test", false) => "test",
            ("test", true) => "test",
            (other, _) => other,
        };
        if self.actor.is_empty() {
            format!("{what} {} {done}.", self.object)
        } else if fr {
            format!("{what} {} {done} par {}.", self.object, self.actor)
        } else {
            format!("{what} {} {done} by {}.", self.object, self.actor)
        }
    }
}

/// The domain a journal event is about (see [`EventDoc::domain`]).
pub fn domain_of_journal(e: &JournalEvent) -> Option<String> {
    domain_of(&e.event, &e.object, &e.payload)
}

/// The domain an event is about: the object itself for domain events,
/// what follows `@` for addresses, else the payload's `domain` if any.
fn domain_of(event: &str, object: &str, payload: &Value) -> Option<String> {
    let kind = event.split_once('.').map(|(k, _)| k).unwrap_or(event);
    match kind {
        "domain" | "alias_domain" => Some(object.to_string()),
        _ => object
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .or_else(|| {
                ["after", "before"]
                    .iter()
                    .find_map(|k| payload.get(k)?.get("domain")?.as_str())
                    .or_else(|| payload.get("domain")?.as_str())
                    .map(str::to_string)
            }),
    }
}

/// Removes any key that could hold a credential. Entities never serialize
/// one (a mailbox shows `password_scheme` only); this keeps it so whatever
/// a future event puts in its payload.
fn scrub(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| {
                let k = k.to_ascii_lowercase();
                k == "password_scheme"
                    || !(k.contains("password") || k.contains("secret") || k.contains("hash"))
            });
            map.values_mut().for_each(scrub);
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn journal(event: &str, object: &str, payload: Value) -> JournalEvent {
        JournalEvent {
            id: 7,
            at: "2025-01-02T03:04:05Z".into(),
            event: event.into(),
            object: object.into(),
            payload,
        }
    }

    #[test]
    fn the_document_has_the_spec_keys_and_no_secret() {
        let e = journal(
            "mailbox.add",
            "alice@example.org",
            json!({"actor": "root", "before": null,
                   "after": {"address": "alice@example.org", "password_scheme": "SHA512-CRYPT",
                             "password": "{SHA512-CRYPT}$6$x", "nested": [{"password_hash": "h"}]}}),
        );
        let doc = EventDoc::from_journal(&e);
        let v: Value = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(v["id"], 7);
        assert_eq!(v["event"], "mailbox.add");
        assert_eq!(v["object"], "alice@example.org");
        assert_eq!(v["domain"], "example.org");
        assert_eq!(v["actor"], "root");
        assert_eq!(v["payload"]["after"]["password_scheme"], "SHA512-CRYPT");
        let text = doc.to_json();
        assert!(
            !text.contains("$6$") && !text.contains("password_hash"),
            "{text}"
        );
        assert!(v["payload"].get("actor").is_none());
    }

    #[test]
    fn domains_of_each_kind() {
        let d = |ev, obj| EventDoc::from_journal(&journal(ev, obj, json!({}))).domain;
        assert_eq!(
            d("domain.add", "example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            d("alias.add", "@example.org").as_deref(),
            Some("example.org")
        );
        assert_eq!(d("backup.done", "mail-2025"), None);
    }

    #[test]
    fn sentences_in_both_languages() {
        let doc = EventDoc::from_journal(&journal(
            "mailbox.rm",
            "a@example.org",
            json!({"actor": "zoe"}),
        ));
        assert_eq!(
            doc.sentence(Language::En),
            "Mailbox a@example.org removed by zoe."
        );
        assert_eq!(
            doc.sentence(Language::Fr),
            "Boîte aux lettres a@example.org supprimé(e) par zoe."
        );
    }
}
