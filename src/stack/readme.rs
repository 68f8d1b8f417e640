//! `DIR/README`: how to wire a rendering into Postfix and Dovecot, in plain
//! words, naming this rendering's own paths.

use super::backend::{LookupSource, Settings};
use super::files::{Access, RenderedFile};
use super::{dovecot, postfix};
use std::path::Path;

pub fn readme(
    source: &dyn LookupSource,
    settings: &Settings,
    out: &Path,
    postfix_group: &str,
    dovecot_group: &str,
) -> RenderedFile {
    let pf = out.join(postfix::DIR);
    let dc = out.join(dovecot::DIR);
    let maps = source.postfix(settings, &pf);
    let mailboxes = maps
        .parameters
        .iter()
        .find(|(p, _)| *p == "virtual_mailbox_maps")
        .and_then(|(_, tables)| tables.first())
        .map(|t| t.render(maps.map_type, &pf))
        .unwrap_or_default();
    let args: Vec<String> = source
        .dovecot(settings)
        .files
        .iter()
        .map(|(name, _)| dc.join(name).display().to_string())
        .collect();
    let text = format!(
        "postier mail stack files: Postfix + Dovecot on the {kind} directory
===================================================================

Written by `postier stack render`. Postfix and Dovecot read postier's
directory directly through these files; nothing is copied. Render again
after changing [directory] or [stack] settings instead of editing them.

  {pf}/*.cf
      Postfix lookup tables. They hold the database credentials:
      mode 0640, group {postfix_group}.
  {pf}/{psnip}
      The lines to append to /etc/postfix/main.cf.
  {args}
      Dovecot passdb, userdb and iterate lookups, with credentials:
      mode 0640, group {dovecot_group}.
  {dc}/{dsnip}
      The blocks to append to /etc/dovecot/dovecot.conf.

1. Mail storage
   Create {root} owned by uid {uid}, gid {gid}, mode 0770. Each mailbox
   lives in {root}<domain>/<local part>/ (a maildir), created by Dovecot
   on first delivery or login.

2. Postfix
   Append {pf}/{psnip} to main.cf. It sets virtual_mailbox_domains,
   virtual_alias_domains, virtual_alias_maps, virtual_mailbox_maps,
   smtpd_sender_login_maps, recipient_delimiter and virtual_transport.
   Do not also list these domains in mydestination.
   virtual_transport must name Dovecot's LMTP listener, e.g. with
   `lmtp:unix:private/dovecot-lmtp` (set it with [stack] virtual_transport):
       service lmtp {{
         unix_listener /var/spool/postfix/private/dovecot-lmtp {{
           user = postfix
           group = postfix
           mode = 0600
         }}
       }}
   To make logins send only as their own addresses, add
   reject_sender_login_mismatch to smtpd_sender_restrictions of the
   submission service in master.cf.
   Check, then reload:
       postmap -q someone@example.org {mailboxes}
       postfix check && postfix reload

3. Dovecot
   Append {dc}/{dsnip} to dovecot.conf and remove the other passdb and
   userdb blocks (Debian: comment out `!include auth-system.conf.ext` in
   conf.d/10-auth.conf). It also enables the quota plugin: if your config
   sets mail_plugins inside protocol blocks, add `quota` there too.
   Check, then reload:
       doveadm user someone@example.org
       doveadm auth test someone@example.org
       doveadm reload

What the stack then does
   - Only active domains, mailboxes and aliases are served; mail to a
     disabled mailbox is refused at RCPT time and it cannot log in.
{catch_all}
   - name@alias-domain reaches name@target when that address exists.
   - Each mailbox's quota (0 = no limit) is Dovecot's quota_rule; a full
     mailbox refuses mail at LMTP and Postfix bounces it (552).
",
        kind = source.kind(),
        pf = pf.display(),
        dc = dc.display(),
        psnip = postfix::SNIPPET,
        dsnip = dovecot::SNIPPET,
        args = args.join("\n  "),
        root = settings.home_prefix(),
        uid = settings.vmail_uid,
        gid = settings.vmail_gid,
        mailboxes = mailboxes,
        catch_all = bullet(&format!(
            "A mailbox or alias wins over its domain's catch-all, which takes the \
             domain's other addresses. Mail for a disabled mailbox of a domain with \
             a catch-all is {}.",
            source.disabled_under_catch_all()
        )),
    );
    RenderedFile {
        path: "README".into(),
        contents: text,
        access: Access::Public,
    }
}

/// `text` as a README bullet: "   - " then lines of at most 74 columns.
fn bullet(text: &str) -> String {
    let mut lines = vec![String::from("   -")];
    for word in text.split_whitespace() {
        let last = lines.last_mut().map(|l| (l.len(), l));
        match last {
            Some((len, line)) if len + 1 + word.len() <= 74 || len <= 5 => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(format!("     {word}")),
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bullets_wrap_under_the_dash() {
        let text = super::bullet(&"word ".repeat(30));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("   - word"));
        assert!(lines[1].starts_with("     word"));
        assert!(lines.iter().all(|l| l.len() <= 74));
    }
}
