//! A journal event as the hooks read it back (event name, object, payload
//! JSON text from the journal row) and the document, sentences and
//! webhook bodies made from it. The input is the event name, the object
//! and the payload text joined by NUL bytes. The document never holds a
//! key that could carry a secret, and its JSON reads back to the same
//! document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::config::{Language, UrlFormat};
use postier::hooks::EventDoc;
use postier::hooks::event::domain_of_journal;
use postier::hooks::target::url_body;
use postier::model::JournalEvent;
use serde_json::Value;

fn no_secret_keys(v: &Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let k = k.to_ascii_lowercase();
                assert!(
                    k == "password_scheme"
                        || !(k.contains("password") || k.contains("secret") || k.contains("hash")),
                    "{k:?} kept"
                );
                no_secret_keys(v);
            }
        }
        Value::Array(items) => items.iter().for_each(no_secret_keys),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let event = parts.next().unwrap_or_default().to_string();
    let object = parts.next().unwrap_or_default().to_string();
    let journal = JournalEvent {
        id: 42,
        at: "2026-01-02T03:04:05Z".into(),
        event,
        object,
        payload: JournalEvent::decode_payload(parts.next()),
    };
    let doc = EventDoc::from_journal(&journal);
    no_secret_keys(&doc.payload);
    if let Value::Object(map) = &doc.payload {
        assert!(!map.contains_key("actor"));
    }
    assert_eq!(doc.domain, domain_of_journal(&journal));
    let json = doc.to_json();
    let back: Value = serde_json::from_str(&json).expect("the document is JSON");
    assert_eq!(back["id"], 42);
    assert_eq!(back["event"].as_str(), Some(doc.event.as_str()));
    assert_eq!(back["object"].as_str(), Some(doc.object.as_str()));
    assert_eq!(back["actor"].as_str(), Some(doc.actor.as_str()));
    assert_eq!(back["domain"].as_str(), doc.domain.as_deref());
    for language in [Language::En, Language::Fr] {
        let _ = doc.sentence(language);
        let body = url_body(&doc, UrlFormat::Mattermost, language);
        let v: Value = serde_json::from_str(&body).expect("the body is JSON");
        assert!(v["text"].is_string());
    }
    // Where a removal's maildir is: checked to stay under the mail root.
    let before = journal.payload.get("before");
    let maildirs = before.and_then(|b| b.get("maildir")).into_iter().chain(
        before
            .and_then(|b| b.get("mailboxes"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("maildir")),
    );
    for m in maildirs.filter_map(Value::as_str) {
        if let Ok(rel) = postier::backup::aside::relative_maildir(m) {
            assert!(!rel.starts_with('/') && !rel.split('/').any(|c| c == ".." || c == "."));
        }
    }
});
