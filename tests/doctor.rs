//! `postier doctor` against a real Postfix and Dovecot configured from
//! `postier stack render` (the e2e mail stack): a good setup is all OK
//! (exit 0); then one broken thing at a time is named, with its fix, and
//! the exit code says how bad: a table file edited by hand, a main.cf
//! parameter that no longer names postier's table, a mail root owned by
//! someone else, a config file readable by every user — worded in French
//! for a French locale.

mod support;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use support::mailstack::{Backend, MailStack};

/// `doctor --no-dns` against the stack's own Postfix and Dovecot files.
fn doctor_args(stack: &MailStack) -> Vec<String> {
    vec![
        "doctor".into(),
        "--no-dns".into(),
        "--postfix-config".into(),
        stack.postfix_dir().display().to_string(),
        "--dovecot-config".into(),
        stack.dovecot_conf().display().to_string(),
    ]
}

fn doctor(stack: &MailStack) -> (i32, Value) {
    let args = doctor_args(stack);
    let mut argv = vec!["--json"];
    argv.extend(args.iter().map(String::as_str));
    let out = stack.run(&argv, None);
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), doc)
}

fn finding<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding: {doc}"))
}

#[test]
fn doctor_finds_a_good_setup_good_and_names_each_broken_thing() {
    let Some(stack) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    stack.ok(&["domain", "add", "doctor.example"]);
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["status"], "OK");
    for id in [
        "config",
        "directory",
        "postfix",
        "dovecot",
        "mail_root",
        "dkim",
        "hooks",
    ] {
        assert_eq!(finding(&doc, id)["state"], "OK", "{id}: {doc:#}");
    }
    assert!(
        finding(&doc, "postfix")["text"]
            .as_str()
            .unwrap()
            .contains("as rendered")
    );

    // A table edited by hand.
    let table = stack.render_dir.join("postfix/virtual_alias_maps.cf");
    let original = std::fs::read_to_string(&table).unwrap();
    std::fs::write(&table, format!("{original}# edited\n")).unwrap();
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 2, "{doc:#}");
    let postfix = finding(&doc, "postfix");
    assert_eq!(postfix["state"], "CRITICAL");
    assert!(
        postfix["text"]
            .as_str()
            .unwrap()
            .contains("virtual_alias_maps.cf differs"),
        "{postfix}"
    );
    assert!(
        postfix["fix"]
            .as_str()
            .unwrap()
            .contains("postier stack render --out"),
        "{postfix}"
    );
    assert_eq!(
        finding(&doc, "dovecot")["state"],
        "OK",
        "one thing at a time"
    );
    std::fs::write(&table, original).unwrap();

    // main.cf no longer names postier's alias table.
    let main_cf = stack.postfix_dir().join("main.cf");
    let main = std::fs::read_to_string(&main_cf).unwrap();
    std::fs::write(
        &main_cf,
        format!("{main}\nvirtual_alias_maps = hash:/etc/aliases\n"),
    )
    .unwrap();
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 2, "{doc:#}");
    let text = finding(&doc, "postfix")["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("virtual_alias_maps is \"hash:/etc/aliases\""),
        "{text}"
    );
    std::fs::write(&main_cf, main).unwrap();

    // The mail root taken over by root.
    let meta = std::fs::metadata(&stack.mail_root).unwrap();
    use std::os::unix::fs::MetadataExt;
    let owner = (meta.uid(), meta.gid());
    std::os::unix::fs::chown(&stack.mail_root, Some(0), Some(0)).unwrap();
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 2, "{doc:#}");
    let root = finding(&doc, "mail_root");
    assert_eq!(root["state"], "CRITICAL");
    assert!(
        root["fix"].as_str().unwrap().starts_with("mkdir -p"),
        "{root}"
    );
    std::os::unix::fs::chown(&stack.mail_root, Some(owner.0), Some(owner.1)).unwrap();

    // A config file every user may read: a warning, exit 1.
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 0, "all mended: {doc:#}");
    let config = finding(&doc, "config")["text"]
        .as_str()
        .unwrap()
        .to_string();
    let path = config.split(" (mode").next().unwrap().to_string();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, doc) = doctor(&stack);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        finding(&doc, "config")["fix"],
        format!("chmod o-rwx {path}")
    );

    // The same report for a French-speaking admin: every line in French,
    // the commands to type as they are; JSON stays English for scripts.
    let out = human(&stack, "fr_FR.UTF-8");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        format!("WARNING  config     {path} est lisible par tous les utilisateurs (mode 0644)"),
        format!("à faire : chmod o-rwx {path}"),
        "OK       postfix    lit l'annuaire de postier (".to_string(),
    ] {
        assert!(text.contains(&line), "{line:?} not in:\n{text}");
    }
    assert!(text.contains(" a répondu en "), "{text}");
    assert!(
        text.contains("OK       hooks      aucun crochet configuré")
            || text.contains(" crochets, rien en attente"),
        "{text}"
    );
    for english in [
        "readable by every user",
        "fix:",
        "reads postier's",
        "nothing pending",
        "no hooks",
        "answered in",
        "no keys yet",
        "private keys in",
    ] {
        assert!(!text.contains(english), "{english:?} in:\n{text}");
    }
    let text = String::from_utf8(human(&stack, "C.UTF-8").stdout).unwrap();
    assert!(text.contains(&format!("fix: chmod o-rwx {path}")), "{text}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The human report, in the locale `lang`.
fn human(stack: &MailStack, lang: &str) -> std::process::Output {
    let args = doctor_args(stack);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    stack.run_env(&[("LC_ALL", lang), ("LANG", lang)], &argv)
}
