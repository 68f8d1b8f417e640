//! postier's own file formats, read and written: YAML (sections `domains`,
//! `alias_domains`, `mailboxes`, `aliases`) and CSV (a header row; a
//! `kind` column, or none and every row a mailbox). Which one a file is,
//! is seen from its content: a YAML file starts with a section name
//! followed by `:` (or `---`), anything else is CSV.

use super::rows::{Kind, Origin, RawRow, RowError, Value};
use crate::error::Error;
use crate::model::{Alias, AliasDomain, Domain, Mailbox};
use std::collections::BTreeMap;

/// Reads one file's text into the rows that could be read, and the
/// reasons the others (or the whole file) could not.
pub fn read(file: &str, text: &str) -> (Vec<RawRow>, Vec<RowError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_like_yaml(text) {
        read_yaml(file, text)
    } else {
        read_csv(file, text)
    }
}

fn looks_like_yaml(text: &str) -> bool {
    let Some(first) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return true;
    };
    first.starts_with("---")
        || first.strip_suffix(':').is_some_and(|k| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
        })
        || first.contains(": ") && !first.contains(';') && !first.contains(',')
}

fn whole(file: &str, error: Error) -> Vec<RowError> {
    vec![RowError::new(
        &Origin {
            file: file.to_string(),
            line: 0,
        },
        error,
    )]
}

type YamlRow = serde_saphyr::Spanned<BTreeMap<String, serde_json::Value>>;

/// Reads a file known to be postier YAML ([`read`] tells which it is):
/// quickly when it is as plain as an export ([`super::plain_yaml`]).
pub fn read_yaml(file: &str, text: &str) -> (Vec<RawRow>, Vec<RowError>) {
    match super::plain_yaml::read(file, text) {
        Some(rows) => (rows, Vec::new()),
        None => read_yaml_fully(file, text),
    }
}

/// Reads any postier YAML file, through serde, reporting what is wrong.
pub fn read_yaml_fully(file: &str, text: &str) -> (Vec<RawRow>, Vec<RowError>) {
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---"
    }) {
        return (Vec::new(), Vec::new());
    }
    // The parser's budget guards against YAML bombs (alias expansion keeps
    // its own limits); a big directory is a big but honest file: allow as
    // many nodes and events as its size can hold.
    let mut options = serde_saphyr::Options::default();
    // Comments are skipped, not kept: a long commented-out block (old
    // accounts kept for the record) would otherwise overflow the parser's
    // look-ahead ("too many buffered comments").
    options.emit_comments = false;
    if let Some(budget) = options.budget.as_mut() {
        budget.max_nodes = budget.max_nodes.max(text.len());
        budget.max_events = budget.max_events.max(text.len().saturating_mul(2));
    }
    let parsed = serde_saphyr::from_str_with_options(text, options);
    let doc: BTreeMap<String, Option<Vec<YamlRow>>> = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            let reason = e.to_string();
            let first = reason.lines().next().unwrap_or("cannot be read");
            let first = first.trim_start_matches("error: ");
            // "line N column M: why": the line goes where every row's does.
            let (line, why) = match first.strip_prefix("line ").and_then(|rest| {
                let (n, rest) = rest.split_once(' ')?;
                let why = rest.split_once(": ").map(|(_, w)| w).unwrap_or(rest);
                Some((n.parse::<u64>().ok()?, why))
            }) {
                Some((n, why)) => (n, why.to_string()),
                None => (0, first.to_string()),
            };
            let error = Error::invalid("YAML", why).with_hint(
                "sections are domains, alias_domains, mailboxes, aliases; each a list of maps",
            );
            let origin = Origin {
                file: file.to_string(),
                line,
            };
            return (Vec::new(), vec![RowError::new(&origin, error)]);
        }
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (section, items) in doc {
        let Some(kind) = Kind::parse(&section).filter(|_| section.ends_with('s')) else {
            let line = text
                .lines()
                .position(|l| l.trim_end().trim_end_matches(':') == section)
                .map(|i| i as u64 + 1)
                .unwrap_or(0);
            errors.push(RowError::new(
                &Origin {
                    file: file.to_string(),
                    line,
                },
                Error::invalid(format!("section {section:?}"), "is not one postier knows")
                    .with_hint("use domains, alias_domains, mailboxes, aliases"),
            ));
            continue;
        };
        for item in items.unwrap_or_default() {
            let origin = Origin {
                file: file.to_string(),
                line: item.referenced.line(),
            };
            let mut fields = Vec::new();
            for (key, value) in item.value {
                let key = key.trim().to_ascii_lowercase();
                let value = match value {
                    serde_json::Value::Null => continue,
                    serde_json::Value::String(s) => Value::Text(s),
                    serde_json::Value::Bool(b) => Value::Text(b.to_string()),
                    serde_json::Value::Number(n) => Value::Text(n.to_string()),
                    serde_json::Value::Array(items) => Value::List(
                        items
                            .into_iter()
                            .map(|v| match v {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            })
                            .collect(),
                    ),
                    serde_json::Value::Object(_) => {
                        errors.push(RowError::new(
                            &origin,
                            Error::invalid(format!("field {key}"), "is a map, not a value"),
                        ));
                        continue;
                    }
                };
                fields.push((key, value));
            }
            rows.push(RawRow {
                origin,
                kind,
                fields,
            });
        }
    }
    (rows, errors)
}

/// `;` or `,`, whichever the header row has more of.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let count = |c| header.matches(c).count();
    if count(';') >= count(',') && count(';') > 0 {
        b';'
    } else {
        b','
    }
}

/// Reads a file known to be postier CSV ([`read`] tells which it is).
pub fn read_csv(file: &str, text: &str) -> (Vec<RawRow>, Vec<RowError>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let origin = |line| Origin {
        file: file.to_string(),
        line,
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return (
                Vec::new(),
                whole(file, Error::invalid("CSV header", e.to_string())),
            );
        }
    };
    let kind_column = header.iter().position(|h| h == "kind");
    let mut errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let known = name == "kind"
            || [Kind::Domain, Kind::AliasDomain, Kind::Mailbox, Kind::Alias]
                .iter()
                .any(|k| k.fields().contains(&name.as_str()));
        if !known || (kind_column.is_none() && !Kind::Mailbox.fields().contains(&name.as_str())) {
            errors.push(RowError::new(
                &origin(1),
                Error::invalid(
                    format!("column {} ({:?})", i + 1, name),
                    "is not a column postier knows",
                )
                .with_hint(if kind_column.is_some() {
                    "columns: kind, address, name, description, targets, quota, default_quota, max_mailboxes, max_aliases, active, password, password_plain".to_string()
                } else {
                    format!(
                        "a file without a kind column holds mailboxes: {}",
                        Kind::Mailbox.fields().join(", ")
                    )
                }),
            ));
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_at(text, p.byte())).unwrap_or(0);
                errors.push(RowError::new(
                    &origin(line),
                    Error::invalid("CSV row", e.to_string()),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map(|p| line_at(text, p.byte()))
            .unwrap_or(0);
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        if record.len() > header.len() {
            errors.push(RowError::new(
                &origin(line),
                Error::invalid(
                    "CSV row",
                    format!(
                        "has {} cells but the header names {} columns",
                        record.len(),
                        header.len()
                    ),
                )
                .with_hint("quote cells that hold the separator"),
            ));
            continue;
        }
        let kind = match kind_column {
            None => Kind::Mailbox,
            Some(c) => {
                let cell = record.get(c).unwrap_or("");
                match Kind::parse(cell) {
                    Some(k) => k,
                    None => {
                        errors.push(RowError::new(
                            &origin(line),
                            Error::invalid(
                                format!("kind {cell:?}"),
                                "is not a kind of row postier knows",
                            )
                            .with_hint("use domain, alias_domain, mailbox or alias"),
                        ));
                        continue;
                    }
                }
            }
        };
        let fields = header
            .iter()
            .zip(record.iter())
            .filter(|(h, cell)| *h != "kind" && !cell.is_empty())
            .map(|(h, cell)| (h.clone(), Value::Text(cell.to_string())))
            .collect();
        rows.push(RawRow {
            origin: origin(line),
            kind,
            fields,
        });
    }
    (rows, errors)
}

/// The 1-based line of the record starting at `byte` (the CSV reader's
/// own count is thrown off by CRLF and blank lines): blank lines before
/// the record are skipped as the reader skips them.
pub(crate) fn line_at(text: &str, byte: u64) -> u64 {
    let byte = (byte as usize).min(text.len());
    let mut line = text.as_bytes()[..byte]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1;
    let mut rest = &text[byte..];
    while let Some((first, tail)) = rest.split_once('\n') {
        if !first.trim().is_empty() {
            break;
        }
        line += 1;
        rest = tail;
    }
    line
}

/// The directory as a desired-state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Yaml,
    Csv,
}

/// What an export holds, in the order written.
pub struct Snapshot {
    pub domains: Vec<Domain>,
    pub alias_domains: Vec<AliasDomain>,
    pub mailboxes: Vec<Mailbox>,
    pub aliases: Vec<Alias>,
}

#[derive(serde::Serialize)]
struct YamlDomain<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    active: bool,
    max_mailboxes: u64,
    max_aliases: u64,
    quota: String,
    default_quota: String,
}

#[derive(serde::Serialize)]
struct YamlAliasDomain<'a> {
    name: &'a str,
    target: &'a str,
    active: bool,
}

#[derive(serde::Serialize)]
struct YamlMailbox<'a> {
    address: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    quota: String,
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct YamlAlias {
    address: String,
    targets: Vec<String>,
    active: bool,
}

#[derive(serde::Serialize)]
struct YamlFile<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    domains: Vec<YamlDomain<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alias_domains: Vec<YamlAliasDomain<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mailboxes: Vec<YamlMailbox<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<YamlAlias>,
}

/// The CSV columns of an export (and of a `kind` file).
pub const CSV_COLUMNS: &[&str] = &[
    "kind",
    "address",
    "name",
    "description",
    "targets",
    "quota",
    "default_quota",
    "max_mailboxes",
    "max_aliases",
    "active",
    "password",
];

/// Writes `snapshot`; hashes only when `with_hashes`.
pub fn write(
    snapshot: &Snapshot,
    format: ExportFormat,
    with_hashes: bool,
) -> crate::error::Result<String> {
    let failed = |e: String| Error::unavailable("export", e);
    match format {
        ExportFormat::Yaml => {
            let file = YamlFile {
                domains: snapshot
                    .domains
                    .iter()
                    .map(|d| YamlDomain {
                        name: d.name.as_ascii(),
                        description: &d.description,
                        active: d.active,
                        max_mailboxes: d.max_mailboxes,
                        max_aliases: d.max_aliases,
                        quota: d.quota.to_string(),
                        default_quota: d.default_quota.to_string(),
                    })
                    .collect(),
                alias_domains: snapshot
                    .alias_domains
                    .iter()
                    .map(|a| YamlAliasDomain {
                        name: a.name.as_ascii(),
                        target: a.target.as_ascii(),
                        active: a.active,
                    })
                    .collect(),
                mailboxes: snapshot
                    .mailboxes
                    .iter()
                    .map(|m| YamlMailbox {
                        address: m.address.to_string(),
                        name: &m.name,
                        quota: m.quota.to_string(),
                        active: m.active,
                        password: with_hashes.then(|| m.password.as_str()),
                    })
                    .collect(),
                aliases: snapshot
                    .aliases
                    .iter()
                    .map(|a| YamlAlias {
                        address: a.address.to_string(),
                        targets: a.targets.iter().map(ToString::to_string).collect(),
                        active: a.active,
                    })
                    .collect(),
            };
            serde_saphyr::to_string(&file).map_err(|e| failed(e.to_string()))
        }
        ExportFormat::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            let mut row =
                |cells: [&str; 11]| w.write_record(cells).map_err(|e| failed(e.to_string()));
            row(CSV_COLUMNS.try_into().unwrap_or([""; 11]))?;
            for d in &snapshot.domains {
                let (q, dq) = (d.quota.to_string(), d.default_quota.to_string());
                let (mm, ma) = (d.max_mailboxes.to_string(), d.max_aliases.to_string());
                row([
                    "domain",
                    d.name.as_ascii(),
                    "",
                    &d.description,
                    "",
                    &q,
                    &dq,
                    &mm,
                    &ma,
                    bool_cell(d.active),
                    "",
                ])?;
            }
            for a in &snapshot.alias_domains {
                row([
                    "alias_domain",
                    a.name.as_ascii(),
                    "",
                    "",
                    a.target.as_ascii(),
                    "",
                    "",
                    "",
                    "",
                    bool_cell(a.active),
                    "",
                ])?;
            }
            for m in &snapshot.mailboxes {
                let (address, quota) = (m.address.to_string(), m.quota.to_string());
                let password = if with_hashes { m.password.as_str() } else { "" };
                row([
                    "mailbox",
                    &address,
                    &m.name,
                    "",
                    "",
                    &quota,
                    "",
                    "",
                    "",
                    bool_cell(m.active),
                    password,
                ])?;
            }
            for a in &snapshot.aliases {
                let address = a.address.to_string();
                let targets: Vec<String> = a.targets.iter().map(ToString::to_string).collect();
                row([
                    "alias",
                    &address,
                    "",
                    "",
                    &targets.join(" "),
                    "",
                    "",
                    "",
                    "",
                    bool_cell(a.active),
                    "",
                ])?;
            }
            let bytes = w.into_inner().map_err(|e| failed(e.to_string()))?;
            String::from_utf8(bytes).map_err(|e| failed(e.to_string()))
        }
    }
}

fn bool_cell(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}
