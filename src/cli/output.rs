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

/// Prints rows under a header, columns padded to their widest cell. On a
/// terminal narrower than the table, columns are cut so that no line
/// wraps: the last one first (descriptions, targets), then the widest of
/// the others, the first one (the name of each row) only when nothing
/// else can give, and then in its middle, so that `…numero-2@exemple.org`
/// still tells rows apart. Through a pipe every cell is printed whole.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    if let Some(room) = terminal_width() {
        fit(&mut widths, room);
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            let shown = if i == 0 {
                cut_middle(cell, widths[i])
            } else {
                cut(cell, widths[i])
            };
            out.push_str(&shown);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - shown.width() + 2));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// The width of the terminal stdout is, if it is one.
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    ratatui::crossterm::terminal::size()
        .ok()
        .map(|(columns, _)| usize::from(columns))
        .filter(|columns| *columns > 0)
}

/// Narrows column `widths` until they and the two spaces between them fit
/// in `room`: the last column down to 12, then the widest of all but the
/// first, then the first; none below 8.
fn fit(widths: &mut [usize], room: usize) {
    const LAST_MIN: usize = 12;
    const MIN: usize = 8;
    let Some(last) = widths.len().checked_sub(1) else {
        return;
    };
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * last;
    while total(widths) > room {
        let column = if widths[last] > LAST_MIN {
            last
        } else {
            match (1..widths.len())
                .filter(|&i| widths[i] > MIN)
                .max_by_key(|&i| widths[i])
            {
                Some(i) => i,
                None if widths[0] > MIN => 0,
                None => return,
            }
        };
        widths[column] -= 1;
    }
}

/// `cell` within `width` columns: whole if it fits, else cut with `…`.
fn cut(cell: &str, width: usize) -> std::borrow::Cow<'_, str> {
    use unicode_width::UnicodeWidthChar;
    if cell.width() <= width {
        return cell.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in cell.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.into()
}

/// `cell` within `width` columns: whole if it fits, else its start and its
/// end around `…` (the end of a name is what tells similar ones apart).
fn cut_middle(cell: &str, width: usize) -> std::borrow::Cow<'_, str> {
    use unicode_width::UnicodeWidthChar;
    if cell.width() <= width {
        return cell.into();
    }
    let room = width.saturating_sub(1);
    let (head_room, tail_room) = (room / 3, room - room / 3);
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in cell.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_room {
            break;
        }
        tail.push(c);
        used += w;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in cell.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.extend(tail.into_iter().rev());
    out.into()
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

#[cfg(test)]
mod fit_tests {
    use super::*;

    #[test]
    fn a_wide_table_is_narrowed_last_column_first() {
        // ADDRESS 40, QUOTA 9, DESCRIPTION 60: 113 with the gaps.
        let mut widths = vec![40, 9, 60];
        fit(&mut widths, 80);
        assert_eq!(widths, vec![40, 9, 27]);
        fit(&mut widths, 40);
        assert_eq!(widths.iter().sum::<usize>() + 4, 40);
        assert_eq!(widths, vec![20, 8, 8], "the others give before the first");
        // The last column down to 12 first, then the widest but the first.
        let mut widths = vec![14, 12, 40];
        fit(&mut widths, 40);
        assert_eq!(widths, vec![14, 11, 11]);
        // Nothing goes below 8: a terminal too narrow still gets rows.
        fit(&mut widths, 10);
        assert_eq!(widths, vec![8, 8, 8]);
        let mut fits = vec![10, 10];
        fit(&mut fits, 80);
        assert_eq!(fits, vec![10, 10]);
    }

    #[test]
    fn a_cell_is_cut_by_display_width() {
        assert_eq!(cut("exemple.org", 20), "exemple.org");
        assert_eq!(cut("une-adresse-longue@exemple.org", 12), "une-adresse…");
        // Wide characters count twice.
        let cut_wide = cut("日本語のドメイン.example", 9);
        assert_eq!(cut_wide, "日本語の…");
        assert!(cut_wide.width() <= 9);
        // The first column keeps the end of the name.
        let names = [
            "une-adresse-vraiment-tres-longue-numero-1@exemple.org",
            "une-adresse-vraiment-tres-longue-numero-2@exemple.org",
        ];
        let shown: Vec<String> = names
            .iter()
            .map(|n| cut_middle(n, 29).into_owned())
            .collect();
        assert_eq!(shown[0], "une-adres…umero-1@exemple.org");
        assert_ne!(shown[0], shown[1]);
        assert!(shown.iter().all(|s| s.width() <= 29));
        assert_eq!(cut_middle("exemple.org", 29), "exemple.org");
    }
}
