//! Dovecot's part of a rendering: the backend's driver args files (passdb,
//! userdb and iterate lookups, with credentials) and `dovecot.conf.snippet`,
//! the blocks an admin appends to `dovecot.conf`: passdbs and userdbs
//! reading the directory, and the quota plugin enforcing each mailbox's
//! `quota_rule`.

use super::backend::{LookupSource, Settings};
use super::files::{Access, RenderedFile};
use super::lookups::AuthDb;
use super::postfix::header;
use std::path::Path;

pub const DIR: &str = "dovecot";
pub const SNIPPET: &str = "dovecot.conf.snippet";

/// Dovecot's default `first_valid_uid`: a lower vmail uid must lower it.
const DOVECOT_FIRST_VALID_UID: u32 = 500;

/// The args files (readable by `group` only: they hold credentials) and
/// `dovecot.conf.snippet`, naming them under `out`.
pub fn files(
    source: &dyn LookupSource,
    settings: &Settings,
    out: &Path,
    group: &str,
) -> Vec<RenderedFile> {
    let auth = source.dovecot(settings);
    let mut files: Vec<RenderedFile> = auth
        .files
        .iter()
        .map(|(name, body)| RenderedFile {
            path: Path::new(DIR).join(name),
            contents: format!(
                "{}# Dovecot {} lookups for postier's directory.\n{body}",
                header(source),
                source.kind()
            ),
            access: Access::Secret {
                group: group.to_string(),
            },
        })
        .collect();
    let dir = out.join(DIR);
    let block = |kind: &str, db: &AuthDb| {
        let mut b = format!(
            "{kind} {{\n  driver = {}\n  args = {}\n",
            db.driver,
            dir.join(db.args_file).display()
        );
        for (key, value) in &db.settings {
            b.push_str(&format!("  {key} = {value}\n"));
        }
        b.push_str("}\n");
        b
    };
    let mut text = header(source);
    text.push_str(
        "# Append to dovecot.conf, and remove other passdb/userdb blocks\n\
         # (e.g. `!include auth-system.conf.ext`).\n",
    );
    for db in &auth.passdbs {
        text.push_str(&block("passdb", db));
    }
    for db in &auth.userdbs {
        text.push_str(&block("userdb", db));
    }
    if settings.vmail_uid < DOVECOT_FIRST_VALID_UID {
        text.push_str(&format!(
            "# The mail files' owner ([stack] vmail_uid) is below Dovecot's default floor.\n\
             first_valid_uid = {}\n",
            settings.vmail_uid
        ));
    }
    text.push_str(
        "# Quota: the userdb gives each mailbox quota_rule = *:storage=<bytes>B (0 = no limit).\n\
         mail_plugins = $mail_plugins quota\n\
         protocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n\
         plugin {\n  quota = maildir:User quota\n}\n\
         # Refuse mail for a full mailbox at RCPT, so Postfix bounces it (552).\n\
         lmtp_rcpt_check_quota = yes\n",
    );
    files.push(RenderedFile {
        path: Path::new(DIR).join(SNIPPET),
        contents: text,
        access: Access::Public,
    });
    files
}
