//! Whole-table reads of an embedded SQLite directory, made on a blocking
//! thread through rusqlite. sqlx's SQLite driver hands every row from its
//! worker thread to the caller (and its `Any` layer copies each value
//! again): right for single objects, but reading a whole service's
//! mailboxes that way — monitoring reads 100,000 at once — costs ten
//! times the read itself. Only reads go this way; every write stays on
//! sqlx, in its transactions.

use super::read::{Addresses, FACTS_COLUMNS, FactsRow, facts_from};
use crate::error::{Error, Result};
use crate::model::{DomainName, MailboxFacts};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a read waits for a writer holding the file (as the pool does).
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// Every mailbox's facts (of `domain` only, when given), in domain and
/// address order, as [`super::read::mailbox_facts`] reads them.
pub async fn mailbox_facts(
    file: &Path,
    shown: &str,
    domain: Option<&DomainName>,
) -> Result<Vec<MailboxFacts>> {
    let file: PathBuf = file.to_path_buf();
    let domain = domain.map(|d| d.as_ascii().to_string());
    let shown = shown.to_string();
    tokio::task::spawn_blocking(move || {
        read_facts(&file, domain.as_deref()).map_err(|e| match e {
            Scan::Db(e) => Error::unavailable(format!("directory {shown}"), e.to_string()),
            Scan::Row(e) => e,
        })
    })
    .await
    .map_err(|e| Error::unavailable("directory", format!("the read stopped: {e}")))?
}

enum Scan {
    Db(rusqlite::Error),
    Row(Error),
}

impl From<rusqlite::Error> for Scan {
    fn from(e: rusqlite::Error) -> Scan {
        Scan::Db(e)
    }
}

fn read_facts(file: &Path, domain: Option<&str>) -> std::result::Result<Vec<MailboxFacts>, Scan> {
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_WAIT)?;
    let q = match domain {
        Some(_) => format!("{FACTS_COLUMNS} WHERE domain = ?1 ORDER BY domain, address"),
        None => format!("{FACTS_COLUMNS} ORDER BY domain, address"),
    };
    let mut stmt = conn.prepare(&q)?;
    let mut rows = match domain {
        Some(d) => stmt.query([d])?,
        None => stmt.query([])?,
    };
    let mut facts = Vec::new();
    let mut addresses = Addresses::default();
    while let Some(row) = rows.next()? {
        let address = row
            .get_ref("address")?
            .as_str()
            .map_err(rusqlite::Error::from)?;
        let password_start = row
            .get_ref("password_start")?
            .as_str()
            .map_err(rusqlite::Error::from)?;
        let read = FactsRow {
            address,
            quota_bytes: row.get("quota_bytes")?,
            maildir: row.get("maildir")?,
            active: row.get::<_, i64>("active")? != 0,
            password_start,
        };
        facts.push(facts_from(read, &mut addresses).map_err(Scan::Row)?);
    }
    Ok(facts)
}
