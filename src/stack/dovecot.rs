//! Dovecot's part of a rendering: the driver args file (passdb, userdb and
//! iterate lookups, with credentials) and `dovecot.conf.snippet`, the blocks
//! an admin appends to `dovecot.conf`: passdb/userdb reading the directory,
//! and the quota plugin enforcing each mailbox's `quota_rule`.

use super::backend::{LookupSource, Settings};
use super::files::{Access, RenderedFile};
use super::postfix::header;
use std::path::Path;

pub const DIR: &str = "dovecot";
pub const SNIPPET: &str = "dovecot.conf.snippet";

/// Dovecot's default `first_valid_uid`: a lower vmail uid must lower it.
const DOVECOT_FIRST_VALID_UID: u32 = 500;

/// The args file, readable by `group` only (it holds credentials).
pub fn args_file(source: &dyn LookupSource, settings: &Settings, group: &str) -> RenderedFile {
    RenderedFile {
        path: Path::new(DIR).join(source.dovecot_args_file()),
        contents: format!(
            "{}# passdb, userdb (home, uid, gid, quota_rule) and iterate lookups.\n{}",
            header(source),
            source.dovecot_args(settings)
        ),
        access: Access::Secret {
            group: group.to_string(),
        },
    }
}

/// `dovecot.conf.snippet`, naming the args file under `out`.
pub fn snippet(source: &dyn LookupSource, settings: &Settings, out: &Path) -> RenderedFile {
    let args = out.join(DIR).join(source.dovecot_args_file());
    let driver = source.dovecot_driver();
    let mut text = header(source);
    text.push_str(&format!(
        "# Append to dovecot.conf, and remove other passdb/userdb blocks\n\
         # (e.g. `!include auth-system.conf.ext`).\n\
         passdb {{\n  driver = {driver}\n  args = {args}\n}}\n\
         userdb {{\n  driver = {driver}\n  args = {args}\n}}\n",
        args = args.display()
    ));
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
    RenderedFile {
        path: Path::new(DIR).join(SNIPPET),
        contents: text,
        access: Access::Public,
    }
}
