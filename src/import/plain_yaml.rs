//! The quick way through a plain postier YAML file, the shape `export`
//! writes: sections of lists of maps whose values are strings, whole
//! numbers, sizes or lists of strings. It walks the YAML parser's events
//! (the parser serde-saphyr itself uses) instead of building a document
//! through serde, which takes most of the time of a 100,000-mailbox import.
//!
//! It reads only what it is sure of and reads it as [`super::format`]'s
//! full reader does: anything else (anchors, tags, block scalars, values
//! YAML could read as booleans, nulls or other numbers, nested maps,
//! duplicate keys, unknown sections, syntax errors) makes it give up
//! (`None`), and the full reader reads the file, errors and all.

use super::rows::{Kind, Origin, RawRow, Value};
use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle};
use std::collections::BTreeMap;

/// The rows of `text`, in the full reader's order, or `None` when the file
/// is not plain enough to be read here.
pub fn read(file: &str, text: &str) -> Option<Vec<RawRow>> {
    // Comments are skipped, not held: the full reader skips them too.
    let mut options = Options::default();
    options.emit_comments = false;
    let mut events = Parser::new_from_str_with_options(text, options).map(|e| e.ok());
    let mut next = move || -> Option<(Event<'_>, usize)> {
        loop {
            let (event, span) = events.next()??;
            match event {
                Event::StreamStart | Event::DocumentStart(..) => continue,
                event => return Some((event, span.start.line())),
            }
        }
    };
    let Event::MappingStart(_, 0, None) = next()?.0 else {
        return None;
    };
    let mut sections: BTreeMap<String, Vec<RawRow>> = BTreeMap::new();
    loop {
        let name = match next()?.0 {
            Event::MappingEnd => break,
            Event::Scalar(name, style, 0, None) => text_of(&name, style)?,
            _ => return None,
        };
        let kind = Kind::parse(&name).filter(|_| name.ends_with('s'))?;
        let Event::SequenceStart(_, 0, None) = next()?.0 else {
            return None;
        };
        let mut rows = Vec::new();
        loop {
            let line = match next()? {
                (Event::SequenceEnd, _) => break,
                (Event::MappingStart(_, 0, None), line) => line,
                _ => return None,
            };
            let mut fields: BTreeMap<String, Value> = BTreeMap::new();
            loop {
                let key = match next()?.0 {
                    Event::MappingEnd => break,
                    Event::Scalar(key, style, 0, None) => text_of(&key, style)?,
                    _ => return None,
                };
                let value = match next()?.0 {
                    Event::Scalar(value, style, 0, None) => Value::Text(text_of(&value, style)?),
                    Event::SequenceStart(_, 0, None) => {
                        let mut items = Vec::new();
                        loop {
                            match next()?.0 {
                                Event::SequenceEnd => break,
                                Event::Scalar(item, style, 0, None) => {
                                    items.push(string_of(&item, style)?)
                                }
                                _ => return None,
                            }
                        }
                        Value::List(items)
                    }
                    _ => return None,
                };
                if fields.insert(key, value).is_some() {
                    return None;
                }
            }
            rows.push(RawRow {
                origin: Origin {
                    file: file.to_string(),
                    line: line as u64,
                },
                kind,
                fields: fields
                    .into_iter()
                    .map(|(key, value)| (key.trim().to_ascii_lowercase(), value))
                    .collect(),
            });
        }
        if sections.insert(name, rows).is_some() {
            return None;
        }
    }
    match next() {
        Some((Event::DocumentEnd, _)) => {}
        _ => return None,
    }
    match next() {
        Some((Event::StreamEnd, _)) => {}
        _ => return None,
    }
    Some(sections.into_values().flatten().collect())
}

/// A scalar as the full reader has it in a field: a string, or a whole
/// number written as it is.
fn text_of(scalar: &str, style: ScalarStyle) -> Option<String> {
    if style == ScalarStyle::Plain && is_whole_number(scalar) {
        return Some(scalar.to_string());
    }
    string_of(scalar, style)
}

/// A scalar YAML reads as a string for certain, or `None`.
fn string_of(scalar: &str, style: ScalarStyle) -> Option<String> {
    match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Some(scalar.to_string()),
        ScalarStyle::Plain if is_plain_string(scalar) => Some(scalar.to_string()),
        _ => None,
    }
}

/// `0`, or digits without a leading zero, signed, that fit any integer.
fn is_whole_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == s && digits == "0" || !digits.starts_with('0'))
}

/// A plain scalar no YAML schema reads as anything but a string: it does
/// not start like a number (except a size such as `1G` or `500MiB`) and is
/// not one of the words read as a boolean or null.
fn is_plain_string(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_ascii_digit() || matches!(first, '+' | '-' | '.') {
        return is_size(s);
    }
    !matches!(
        s.to_ascii_lowercase().as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

/// Digits, an optional fraction, then a unit: `1G`, `1.5GiB`, `500MB`.
fn is_size(s: &str) -> bool {
    let number_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(number_end);
    let mut parts = number.split('.');
    let whole_ok = parts
        .next()
        .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
    let fraction_ok = parts
        .next()
        .is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let unit = unit.to_ascii_lowercase();
    whole_ok
        && fraction_ok
        && parts.next().is_none()
        && matches!(
            unit.as_str(),
            "b" | "k" | "m" | "g" | "t" | "kb" | "mb" | "gb" | "tb" | "kib" | "mib" | "gib" | "tib"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reader reads what the full one does, or leaves the file
    /// to it.
    fn same_as_full(text: &str) -> bool {
        let quick = read("f.yaml", text);
        let (full, errors) = super::super::format::read_yaml_fully("f.yaml", text);
        match quick {
            Some(rows) => {
                assert!(errors.is_empty(), "quick read a file with errors: {text}");
                assert_eq!(format!("{rows:?}"), format!("{full:?}"), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_an_export_as_the_full_reader_does() {
        let text = "# an export\n---\ndomains:\n- name: example.org\n  quota: 0\n  max_mailboxes: 10\n\
                    \n  description: 'Radio libre'\nmailboxes:\n# first\n- address: alice@example.org\n  \
                    name: Alice Martin\n  quota: 1.5GiB\n  password: '{SHA512-CRYPT}$6$x$y'\n\n\
                    - address: \"bob@example.org\"\n  Name: Bob\n  active: 'false'\naliases:\n- address: \
                    all@example.org\n  targets: [alice@example.org, 'bob@example.org']\n- address: x@example.org\n  \
                    targets:\n  - alice@example.org\n";
        assert!(same_as_full(text));
        assert!(same_as_full(&text.replace('\n', "\r\n")));
        let rows = read("f.yaml", text).unwrap();
        assert_eq!(rows.len(), 5);
        // Sections in name order, as the full reader has them.
        assert_eq!(rows[0].kind, Kind::Alias);
        assert_eq!(rows[2].origin.line, 4);
    }

    #[test]
    fn leaves_anything_else_to_the_full_reader() {
        for text in [
            "mailboxes:\n- address: a@example.org\n  active: true\n",
            "mailboxes:\n- address: a@example.org\n  active: no\n",
            "mailboxes:\n- address: a@example.org\n  quota: 010\n",
            "mailboxes:\n- address: a@example.org\n  quota: 1e3\n",
            "mailboxes:\n- address: a@example.org\n  quota: 0x10\n",
            "mailboxes:\n- address: a@example.org\n  quota:\n",
            "mailboxes:\n- address: a@example.org\n  quota: ~\n",
            "mailboxes:\n- address: a@example.org\n  name: |\n    Alice\n",
            "mailboxes:\n- address: &a a@example.org\n  name: *a\n",
            "mailboxes:\n- address: !!str a@example.org\n",
            "mailboxes:\n- address: a@example.org\n  address: b@example.org\n",
            "mailboxes:\n- address: a@example.org\n  name: {first: A}\n",
            "mailbox:\n- address: a@example.org\n",
            "boxes:\n- address: a@example.org\n",
            "mailboxes:\n- a@example.org\n",
            "mailboxes:\n",
            "mailboxes:\n- address: a@example.org\n---\nmailboxes: []\n",
            "mailboxes:\n- address: a@example.org\n  name: [oops\n",
        ] {
            assert!(!same_as_full(text), "read quickly: {text}");
        }
    }

    /// Values of every sort the quick reader must read as the full one
    /// does, or leave to it.
    const VALUES: &[&str] = &[
        "0",
        "-0",
        "07",
        "12",
        "-5",
        "1G",
        "1.5GiB",
        "1e3",
        "0x1f",
        "0o7",
        "1_000",
        "+1",
        ".5",
        "true",
        "False",
        "yes",
        "No",
        "on",
        "y",
        "~",
        "null",
        "",
        "'quoted'",
        "\"dq\\t\"",
        "'0'",
        "\"true\"",
        "alice@example.org",
        "Ünïcode",
        "a b",
        "a: b",
        "x #c",
        "[a, 1]",
        "[]",
        "{a: 1}",
        "!!str x",
        "&a x",
        "*a",
        "|\n    block",
        ">\n    folded",
        "12:30",
        "2026-12-03",
        "@x",
        "- z",
        "'it''s'",
        "[a, [b]]",
        "[~, yes]",
        "'multi\n    line'",
    ];
    const KEYS: &[&str] = &[
        "address", "Address", "name", "quota", "targets", "x y", "1", "'k'",
    ];
    const SECTIONS: &[&str] = &[
        "domains",
        "mailboxes",
        "aliases",
        "alias_domains",
        "mailbox",
        "other",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn never_reads_differently_from_the_full_reader(
            doc in proptest::collection::vec(
                (0..SECTIONS.len(), proptest::collection::vec(
                    proptest::collection::vec((0..KEYS.len(), 0..VALUES.len()), 0..4), 0..3)),
                1..3),
            blank in proptest::bool::ANY,
        ) {
            let mut text = String::new();
            for (section, items) in &doc {
                text.push_str(SECTIONS[*section]);
                text.push_str(":\n");
                for fields in items {
                    let mut lead = "- ";
                    if fields.is_empty() {
                        text.push_str("- {}\n");
                    }
                    for (key, value) in fields {
                        text.push_str(&format!("{lead}{}: {}\n", KEYS[*key], VALUES[*value]));
                        lead = "  ";
                    }
                    if blank {
                        text.push('\n');
                    }
                }
            }
            same_as_full(&text);
        }
    }

    #[test]
    fn numbers_and_sizes_are_told_apart() {
        for s in ["0", "7", "-3", "1024", "999999999999999999"] {
            assert!(is_whole_number(s), "{s}");
        }
        for s in [
            "-0",
            "00",
            "07",
            "+1",
            "1.0",
            "",
            "-",
            "1_000",
            "9999999999999999999",
        ] {
            assert!(!is_whole_number(s), "{s}");
        }
        for s in ["1G", "1.5GiB", "500MB", "2t", "10k", "3B"] {
            assert!(is_plain_string(s), "{s}");
        }
        for s in [
            "1.",
            ".5G",
            "1..2G",
            "1e3",
            "0x10",
            "+1G",
            "12:30",
            "2026-12-03",
            "Yes",
            "~",
            "",
        ] {
            assert!(!is_plain_string(s), "{s}");
        }
    }
}
