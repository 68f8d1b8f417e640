//! Migrating from a real PostfixAdmin: its database made by its own
//! schema (`upgrade.php` of Debian's `postfixadmin` package), mailboxes
//! and aliases added through its own CLI with the hash schemes it offers,
//! imported by `postier import --from postfixadmin:…` into the directory
//! of a running Postfix + Dovecot, then each member logs in over IMAP with
//! the password they had in PostfixAdmin.

mod support;

use support::mailstack::{Backend, MailStack};
use support::postfixadmin::PostfixAdmin;

/// Each member, the password they chose in PostfixAdmin, and how
/// PostfixAdmin was set to hash it.
const MEMBERS: [(&str, &str, &str); 3] = [
    ("paul@pfa.example", "Corr3ct horse 42", "md5crypt"),
    (
        "rita@pfa.example",
        "Zweites Passwort 99",
        "php_crypt:SHA512",
    ),
    (
        "lena@pfa.example",
        "tr0is mots 77 ici",
        "dovecot:SHA512-CRYPT",
    ),
];

#[test]
fn members_of_a_postfixadmin_log_in_over_imap_after_the_import() {
    let Some(pfa) = PostfixAdmin::start() else {
        return;
    };
    let Some(stack) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    pfa.cli(&[
        "domain",
        "add",
        "pfa.example",
        "--mailboxes",
        "20",
        "--aliases",
        "0",
        "--maxquota",
        "500",
        "--quota",
        "2000",
    ]);
    for (address, password, encrypt) in MEMBERS {
        pfa.configure(encrypt);
        pfa.add_mailbox(address, password, 100);
    }
    pfa.cli(&[
        "alias",
        "add",
        "office@pfa.example",
        "--goto",
        "paul@pfa.example,rita@pfa.example",
    ]);
    // What PostfixAdmin stored: three schemes, a self-alias per mailbox.
    let stored = pfa.query("SELECT password FROM mailbox ORDER BY username");
    let hashes: Vec<&str> = stored.lines().collect();
    assert_eq!(hashes.len(), 3, "{stored}");
    assert!(hashes[0].starts_with("{SHA512-CRYPT}$6$"), "lena: {stored}");
    assert!(hashes[1].starts_with("$1$"), "paul: {stored}");
    assert!(hashes[2].starts_with("$6$"), "rita: {stored}");
    assert_eq!(
        pfa.query("SELECT goto FROM alias WHERE address = 'paul@pfa.example'"),
        "paul@pfa.example"
    );

    let from = pfa.source();
    let plan = stack.ok(&["import", "--from", &from, "--plan"]);
    assert!(plan.contains("+ mailbox paul@pfa.example"), "{plan}");
    assert!(plan.contains("+ alias office@pfa.example"), "{plan}");
    assert!(
        !plan.contains("alias paul@pfa.example"),
        "PostfixAdmin's self-alias is plumbing, not an alias: {plan}"
    );
    let applied = stack.ok(&["import", "--from", &from]);
    assert!(applied.contains("applied: "), "{applied}");

    let paul = stack.json(&["mailbox", "show", "paul@pfa.example"]);
    assert_eq!(paul["password_scheme"], "MD5-CRYPT");
    assert_eq!(paul["password_weak"], true);
    assert_eq!(paul["quota_bytes"], 100u64 * 1_024_000);
    let rita = stack.json(&["mailbox", "show", "rita@pfa.example"]);
    assert_eq!(rita["password_scheme"], "SHA512-CRYPT");
    assert_eq!(rita["password_weak"], false);

    for (address, password, encrypt) in MEMBERS {
        stack
            .imap(address, password)
            .unwrap_or_else(|e| panic!("{address} ({encrypt}) cannot log in: {e}"));
        assert!(
            stack.imap(address, "not the password 1").is_err(),
            "{address} logs in with a wrong password"
        );
    }

    // The same database again: nothing to change.
    let again = stack.ok(&["import", "--from", &from, "--plan"]);
    assert!(again.starts_with("nothing to change"), "{again}");
}
