//! Rows as read from a file, before and after validation: every row keeps
//! where it came from (`FILE:LINE`), and every problem found in it is a
//! [`RowError`] naming that place, so all of them can be reported at once.

use crate::error::{Error, Result};
use crate::model::{Address, AliasAddress, DomainName, PasswordHash, Size};
use crate::password::Password;
use std::fmt;

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// A bad row: `FILE:LINE: what: why (hint)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub origin: Origin,
    pub error: Error,
}

impl RowError {
    pub fn new(origin: &Origin, error: Error) -> Self {
        RowError {
            origin: origin.clone(),
            error,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.error)
    }
}

/// The kinds of object a file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Domain,
    AliasDomain,
    Mailbox,
    Alias,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Domain => "domain",
            Kind::AliasDomain => "alias_domain",
            Kind::Mailbox => "mailbox",
            Kind::Alias => "alias",
        }
    }

    /// A `kind` cell or a YAML section name (`domains`, `mailbox`…).
    pub fn parse(text: &str) -> Option<Kind> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "domain" | "domains" => Some(Kind::Domain),
            "alias_domain" | "alias_domains" | "domainalias" => Some(Kind::AliasDomain),
            "mailbox" | "mailboxes" | "account" => Some(Kind::Mailbox),
            "alias" | "aliases" => Some(Kind::Alias),
            _ => None,
        }
    }

    /// The fields a row of this kind may have (besides `kind`).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Domain => &[
                "name",
                "address",
                "description",
                "active",
                "max_mailboxes",
                "max_aliases",
                "quota",
                "default_quota",
            ],
            Kind::AliasDomain => &["name", "address", "target", "targets", "active"],
            Kind::Mailbox => &[
                "address",
                "name",
                "quota",
                "active",
                "password",
                "password_plain",
            ],
            Kind::Alias => &["address", "targets", "target", "active"],
        }
    }
}

/// A cell: text, or a list (YAML sequences; CSV splits on spaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    List(Vec<String>),
}

/// One row as read, fields by name (lowercase), empty cells left out.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub origin: Origin,
    pub kind: Kind,
    pub fields: Vec<(String, Value)>,
}

/// How a mailbox gets its password from a file.
#[derive(Debug, Clone)]
pub enum PasswordValue {
    /// Stored as is.
    Hash(PasswordHash),
    /// Hashed with the configured scheme; an existing mailbox whose hash
    /// already verifies it is left alone.
    Plain(Password),
    /// Made by postier, written to `--passwords-out`.
    Generate,
}

#[derive(Debug, Clone)]
pub struct DomainRow {
    pub origin: Origin,
    pub name: DomainName,
    pub description: Option<String>,
    pub active: Option<bool>,
    pub max_mailboxes: Option<u64>,
    pub max_aliases: Option<u64>,
    pub quota: Option<Size>,
    pub default_quota: Option<Size>,
}

#[derive(Debug, Clone)]
pub struct AliasDomainRow {
    pub origin: Origin,
    pub name: DomainName,
    pub target: DomainName,
    pub active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct MailboxRow {
    pub origin: Origin,
    pub address: Address,
    pub name: Option<String>,
    pub quota: Option<Size>,
    pub active: Option<bool>,
    pub password: Option<PasswordValue>,
}

#[derive(Debug, Clone)]
pub struct AliasRow {
    pub origin: Origin,
    pub address: AliasAddress,
    pub targets: Vec<Address>,
    pub active: Option<bool>,
}

/// What the files ask for, row by row.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub domains: Vec<DomainRow>,
    pub alias_domains: Vec<AliasDomainRow>,
    pub mailboxes: Vec<MailboxRow>,
    pub aliases: Vec<AliasRow>,
}

impl Desired {
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
            && self.alias_domains.is_empty()
            && self.mailboxes.is_empty()
            && self.aliases.is_empty()
    }

    pub fn extend(&mut self, other: Desired) {
        self.domains.extend(other.domains);
        self.alias_domains.extend(other.alias_domains);
        self.mailboxes.extend(other.mailboxes);
        self.aliases.extend(other.aliases);
    }

    /// Does any row ask for a generated password?
    pub fn wants_generated(&self) -> bool {
        self.mailboxes
            .iter()
            .any(|m| matches!(m.password, Some(PasswordValue::Generate)))
    }

    /// Validates raw rows into typed ones, adding each problem to `errors`.
    pub fn add_rows(&mut self, rows: Vec<RawRow>, errors: &mut Vec<RowError>) {
        for row in rows {
            let mut cells = Cells {
                row: &row,
                errors: Vec::new(),
            };
            cells.unknown_fields();
            match row.kind {
                Kind::Domain => {
                    let name = cells.required_any(&["name", "address"], DomainName::parse);
                    let parsed = DomainRow {
                        origin: row.origin.clone(),
                        name: match name {
                            Some(n) => n,
                            None => {
                                errors.extend(cells.errors);
                                continue;
                            }
                        },
                        description: cells.text("description"),
                        active: cells.parse("active", parse_bool),
                        max_mailboxes: cells.parse("max_mailboxes", parse_count),
                        max_aliases: cells.parse("max_aliases", parse_count),
                        quota: cells.parse("quota", Size::parse),
                        default_quota: cells.parse("default_quota", Size::parse),
                    };
                    cells.finish(errors, || self.domains.push(parsed));
                }
                Kind::AliasDomain => {
                    let name = cells.required_any(&["name", "address"], DomainName::parse);
                    let target = cells.required_any(&["target", "targets"], DomainName::parse);
                    let active = cells.parse("active", parse_bool);
                    if let (Some(name), Some(target)) = (name, target) {
                        let parsed = AliasDomainRow {
                            origin: row.origin.clone(),
                            name,
                            target,
                            active,
                        };
                        cells.finish(errors, || self.alias_domains.push(parsed));
                    } else {
                        errors.extend(cells.errors);
                    }
                }
                Kind::Mailbox => {
                    let address = cells.required_any(&["address"], Address::parse);
                    let name = cells.parse("name", plain_name);
                    let quota = cells.parse("quota", Size::parse);
                    let active = cells.parse("active", parse_bool);
                    let password = cells.password();
                    match address {
                        Some(address) => {
                            let parsed = MailboxRow {
                                origin: row.origin.clone(),
                                address,
                                name,
                                quota,
                                active,
                                password,
                            };
                            cells.finish(errors, || self.mailboxes.push(parsed));
                        }
                        None => errors.extend(cells.errors),
                    }
                }
                Kind::Alias => {
                    let address = cells.required_any(&["address"], AliasAddress::parse);
                    let targets = cells.targets();
                    let active = cells.parse("active", parse_bool);
                    match address {
                        Some(address) => {
                            let parsed = AliasRow {
                                origin: row.origin.clone(),
                                address,
                                targets,
                                active,
                            };
                            cells.finish(errors, || self.aliases.push(parsed));
                        }
                        None => errors.extend(cells.errors),
                    }
                }
            }
        }
    }
}

/// Reading one row's cells, collecting what is wrong with them.
struct Cells<'a> {
    row: &'a RawRow,
    errors: Vec<RowError>,
}

impl Cells<'_> {
    fn fail(&mut self, error: Error) {
        self.errors.push(RowError::new(&self.row.origin, error));
    }

    fn finish(self, errors: &mut Vec<RowError>, keep: impl FnOnce()) {
        if self.errors.is_empty() {
            keep();
        } else {
            errors.extend(self.errors);
        }
    }

    fn unknown_fields(&mut self) {
        let allowed = self.row.kind.fields();
        let unknown: Vec<String> = self
            .row
            .fields
            .iter()
            .filter(|(k, _)| !allowed.contains(&k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for field in unknown {
            self.fail(
                Error::invalid(
                    format!("field {field:?}"),
                    format!("is not a field of a {} row", self.row.kind.name()),
                )
                .with_hint(format!("use: {}", self.row.kind.fields().join(", "))),
            );
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.row
            .fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn text(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::Text(t) => Some(t.clone()),
            Value::List(_) => {
                self.fail(Error::invalid(
                    format!("field {key}"),
                    "is a list, not text",
                ));
                None
            }
        }
    }

    fn parse<T>(&mut self, key: &str, parse: impl Fn(&str) -> Result<T>) -> Option<T> {
        let text = self.text(key)?;
        match parse(text.trim()) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    fn required_any<T>(&mut self, keys: &[&str], parse: impl Fn(&str) -> Result<T>) -> Option<T> {
        let Some(key) = keys.iter().find(|k| self.get(k).is_some()) else {
            self.fail(Error::invalid(
                format!("{} row", self.row.kind.name()),
                format!("has no {}", keys[0]),
            ));
            return None;
        };
        self.parse(key, parse)
    }

    fn targets(&mut self) -> Vec<Address> {
        let key = if self.get("targets").is_some() {
            "targets"
        } else {
            "target"
        };
        let items: Vec<String> = match self.get(key) {
            None => {
                self.fail(Error::invalid("alias row", "has no targets"));
                return Vec::new();
            }
            Some(Value::List(items)) => items.clone(),
            Some(Value::Text(t)) => split_list(t),
        };
        if items.is_empty() {
            self.fail(Error::invalid("alias row", "has no targets"));
        }
        let mut out: Vec<Address> = Vec::new();
        for item in items {
            match Address::parse(item.trim()) {
                Ok(a) if !out.contains(&a) => out.push(a),
                Ok(_) => {}
                Err(e) => self.fail(e),
            }
        }
        out
    }

    fn password(&mut self) -> Option<PasswordValue> {
        let hash = self.text("password");
        let plain = self.text("password_plain");
        match (hash, plain) {
            (Some(_), Some(_)) => {
                self.fail(
                    Error::invalid("mailbox row", "has both password and password_plain")
                        .with_hint("keep one of them"),
                );
                None
            }
            (Some(h), None) if h.trim().eq_ignore_ascii_case("generate") => {
                Some(PasswordValue::Generate)
            }
            (Some(h), None) => match PasswordHash::parse_any(h.trim()) {
                Ok(h) => Some(PasswordValue::Hash(h)),
                // Never quote the value: it may be a plaintext in the wrong column.
                Err(e) => {
                    self.fail(e.with_hint(
                        "give a hash ({SCHEME}… or $6$…), 'generate', or put a plaintext under password_plain",
                    ));
                    None
                }
            },
            (None, Some(p)) => match Password::new(p) {
                Ok(p) => Some(PasswordValue::Plain(p)),
                Err(e) => {
                    self.fail(
                        e.about("password_plain")
                            .with_hint("give a longer one, or password: generate"),
                    );
                    None
                }
            },
            (None, None) => None,
        }
    }
}

/// A list in one cell: separated by spaces, commas or semicolons.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A display name: any text on one line.
fn plain_name(text: &str) -> Result<String> {
    if text.chars().any(char::is_control) {
        return Err(
            Error::invalid("name", "contains a line break or control character")
                .with_hint("keep a name on one line"),
        );
    }
    Ok(text.to_string())
}

fn parse_bool(text: &str) -> Result<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" | "oui" => Ok(true),
        "false" | "no" | "0" | "off" | "non" => Ok(false),
        _ => Err(
            Error::invalid(format!("active {text:?}"), "is not a yes/no value")
                .with_hint("write true or false"),
        ),
    }
}

fn parse_count(text: &str) -> Result<u64> {
    text.parse().map_err(|_| {
        Error::invalid(format!("limit {text:?}"), "is not a whole number")
            .with_hint("0 means unlimited")
    })
}
