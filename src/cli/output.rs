//! Printing results: aligned tables and `key: value` blocks for people,
//! one JSON document for scripts. The only module of the CLI that writes
//! to stdout.

use crate::error::{Error, Result};
use crate::i18n::{Lang, Msg};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use unicode_width::UnicodeWidthStr;

/// `--quiet`: set once, before any command runs.
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether confirmations and summaries of changes are left out (`--quiet`).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints the confirmation or summary of a change, unless `--quiet`.
pub fn say(line: &str) {
    if !quiet() {
        println!("{line}");
    }
}

/// Prints `value` as one pretty JSON document.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut value = serde_json::to_value(value)
        .map_err(|e| Error::unavailable("output", format!("cannot encode JSON: {e}")))?;
    add_display(&mut value);
    let text = serde_json::to_string_pretty(&value)
        .map_err(|e| Error::unavailable("output", format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Gives every domain, alias domain, mailbox and alias object a `display`
/// field: its name or address as people write it (U-labels), beside the
/// stored A-label form scripts match on.
fn add_display(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter_mut().for_each(add_display),
        Value::Object(map) => {
            let named = ["address", "name"]
                .into_iter()
                .find_map(|key| map.get(key).and_then(Value::as_str))
                .filter(|_| {
                    map.contains_key("address")
                        || map.contains_key("target")
                        || map.contains_key("mailboxes")
                })
                .map(crate::model::unicode_names);
            for child in map.values_mut() {
                add_display(child);
            }
            if let Some(display) = named {
                map.entry("display").or_insert(Value::String(display));
            }
        }
        _ => {}
    }
}

/// Prints rows under a header, columns padded to their widest cell.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints `key: value` lines, keys aligned.
pub fn fields(pairs: &[(String, String)]) {
    let width = pairs.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (k, v) in pairs {
        println!("{k}:{} {v}", " ".repeat(width - k.width()));
    }
}

/// `on`/`off` for flags, in the user's language.
pub fn on_off(lang: Lang, b: bool) -> String {
    lang.t(if b { Msg::On } else { Msg::Off }).to_string()
}

/// A column header used as a `show` key: `ADDRESS` → `address`.
pub fn key(lang: Lang, header: Msg) -> String {
    lang.t(header).to_lowercase()
}

/// A one-line report of a change: "mailbox a@example.org added".
pub fn done(lang: Lang, msg: Msg, object: Msg, name: &str) {
    say(&lang.fmt(msg, &[lang.t(object), name]));
}

/// `N/M` against a limit, `N` when unlimited.
pub fn of_limit(n: u64, limit: u64) -> String {
    if limit == 0 {
        n.to_string()
    } else {
        format!("{n}/{limit}")
    }
}
