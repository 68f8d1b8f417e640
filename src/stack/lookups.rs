//! What the mail stack asks the directory, whatever the backend: the
//! Postfix parameters postier fills and the Dovecot auth databases, as
//! backend-neutral values ([`PostfixMaps`], [`DovecotAuth`]) that each
//! backend fills in and [`super::postfix`] / [`super::dovecot`] write out.
//!
//! Semantics every backend gives its tables (the e2e suite checks them
//! against real Postfix and Dovecot, for each backend):
//!
//! - Only active objects in active domains are served; an alias domain is
//!   served while it and its target are active.
//! - A mailbox or an alias wins over its domain's catch-all, which takes the
//!   other addresses of the domain; `bob+news@` counts as `bob@`.
//! - `name@alias-domain` reaches `name@target` only when that address is
//!   deliverable, so Postfix refuses unknown alias-domain addresses at RCPT
//!   time instead of bouncing them later.
//! - A disabled mailbox refuses mail and logins. SQL backends refuse it at
//!   RCPT time even when the domain has a catch-all: their catch-all lookup
//!   asks "does this address exist at all?". An LDAP directory cannot answer
//!   a "does not exist" question in one lookup, so there Postfix's own
//!   `@domain` fallback serves the catch-all, and mail to a disabled mailbox
//!   of a domain with a catch-all goes to the catch-all.

use std::path::Path;

/// What a `main.cf` parameter lists: table files, combined with Postfix's
/// `pipemap:` (each result is the next table's key: an AND of conditions)
/// and `unionmap:` (all results together: an OR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Table {
    File(&'static str),
    Pipe(Vec<Table>),
    Union(Vec<Table>),
}

impl Table {
    /// The table as `main.cf` names it, files under `dir` of `map_type`.
    pub fn render(&self, map_type: &str, dir: &Path) -> String {
        let list = |tables: &[Table]| {
            tables
                .iter()
                .map(|t| t.render(map_type, dir))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Table::File(name) => format!("{map_type}:{}", dir.join(name).display()),
            Table::Pipe(tables) => format!("pipemap:{{{}}}", list(tables)),
            Table::Union(tables) => format!("unionmap:{{{}}}", list(tables)),
        }
    }
}

/// One lookup table file under `DIR/postfix/`.
#[derive(Clone, PartialEq, Eq)]
pub struct TableFile {
    pub name: &'static str,
    /// What it answers, for the file's header comment.
    pub answers: &'static str,
    /// Connection settings and query; may hold credentials.
    pub body: String,
}

/// A backend's Postfix side.
pub struct PostfixMaps {
    /// The table type in `main.cf`, e.g. `sqlite` in `sqlite:/path.cf`.
    pub map_type: &'static str,
    pub files: Vec<TableFile>,
    /// Each parameter postier sets, with the tables it lists in order.
    pub parameters: Vec<(&'static str, Vec<Table>)>,
}

/// One `passdb { }` or `userdb { }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthDb {
    pub driver: &'static str,
    /// The args file under `DIR/dovecot/`.
    pub args_file: &'static str,
    /// Further settings of the block (`result_success = continue-ok`, …).
    pub settings: Vec<(&'static str, &'static str)>,
}

/// A backend's Dovecot side.
pub struct DovecotAuth {
    /// Args files under `DIR/dovecot/` (they hold credentials).
    pub files: Vec<(&'static str, String)>,
    /// In order; Dovecot chains them by their `result_*` settings.
    pub passdbs: Vec<AuthDb>,
    pub userdbs: Vec<AuthDb>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_tables_read_as_postfix_writes_them() {
        let t = Table::Union(vec![
            Table::File("a.cf"),
            Table::Pipe(vec![Table::File("b.cf"), Table::File("c.cf")]),
        ]);
        assert_eq!(
            t.render("ldap", Path::new("/s/postfix")),
            "unionmap:{ldap:/s/postfix/a.cf, pipemap:{ldap:/s/postfix/b.cf, ldap:/s/postfix/c.cf}}"
        );
    }
}
