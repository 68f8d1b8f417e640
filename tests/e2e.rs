//! End to end: real Postfix and Dovecot, configured only from `postier
//! stack render`, deliver to and authenticate what the postier CLI created,
//! for each directory backend in turn (SQLite, PostgreSQL, MariaDB, OpenLDAP).
//!
//! Run as root with the services of tests/services/ (see the harness in
//! tests/support/mailstack.rs): `tests/services/with-services.sh cargo test --test e2e`.

mod support;

use std::time::Instant;
use support::mailstack::{Backend, MailStack};

#[test]
fn sqlite_directory_serves_the_mail_stack() {
    run(Backend::Sqlite);
}

#[test]
fn postgres_directory_serves_the_mail_stack() {
    run(Backend::Postgres);
}

#[test]
fn mariadb_directory_serves_the_mail_stack() {
    run(Backend::Mariadb);
}

#[test]
fn ldap_directory_serves_the_mail_stack() {
    run(Backend::Ldap);
}

fn run(backend: Backend) {
    let start = Instant::now();
    let Some(stack) = MailStack::start(backend) else {
        return;
    };
    eprintln!("{backend:?}: stack up in {:.1?}", start.elapsed());
    scenario(&stack);
    // The one complaint the scenario causes on purpose: a wrong SMTP password.
    let problems: Vec<String> = stack
        .log_problems()
        .into_iter()
        .filter(|l| !l.contains("SASL PLAIN authentication failed"))
        .collect();
    assert!(problems.is_empty(), "logged:\n{}", problems.join("\n"));
    eprintln!("{backend:?}: scenario done in {:.1?}", start.elapsed());
}

/// The whole story, through the postier CLI only; Postfix and Dovecot see
/// nothing but what `stack render` told them.
fn scenario(s: &MailStack) {
    s.ok(&["domain", "add", "example.org"]);
    add_mailbox(s, "alice@example.org", "alice-pass-1", &["--name", "Alice"]);
    add_mailbox(s, "bob@example.org", "bob-pass-12", &[]);
    add_mailbox(s, "carol@example.org", "carol-pass-1", &[]);
    s.ok(&["alias", "add", "info@example.org", "alice@example.org"]);
    s.ok(&["alias", "add", "@example.org", "bob@example.org"]);
    s.ok(&["domain", "alias", "add", "example.net", "example.org"]);

    // A test mail lands in the maildir, and IMAP with the password shows it.
    let sent = s.mail_test("alice@example.org");
    assert_eq!(sent.code, 250, "{sent:?}");
    s.wait_for_mail("alice@example.org", &sent.message_id);
    let mut imap = s
        .imap("alice@example.org", "alice-pass-1")
        .expect("alice logs in");
    let inbox = imap.inbox().expect("alice's inbox");
    assert!(
        inbox.iter().any(|m| m.contains(&sent.message_id)),
        "fetched over IMAP"
    );
    imap.logout();

    // Aliases, alias domains, extensions and the catch-all each reach the
    // right maildir, and a real mailbox wins over the catch-all.
    for (to, lands_in) in [
        ("info@example.org", "alice@example.org"),
        ("alice@example.net", "alice@example.org"),
        ("info@example.net", "alice@example.org"),
        ("alice+news@example.org", "alice@example.org"),
        ("carol@example.org", "carol@example.org"),
        ("nobody-here@example.org", "bob@example.org"),
        ("nobody-here@example.net", "bob@example.org"),
    ] {
        let sent = s.mail_test(to);
        s.wait_for_mail(lands_in, &sent.message_id);
        let status = s.wait_for_status(&sent.queue_id);
        assert!(
            status.contains(&format!("to=<{lands_in}")) || to.contains('+'),
            "{status}"
        );
        assert!(status.contains("status=sent"), "{status}");
    }
    assert!(
        s.messages("bob@example.org")
            .iter()
            .all(|m| !m.contains("To: alice")),
        "the catch-all never takes a mailbox's mail"
    );

    // Who may send as whom, as Postfix's smtpd_sender_login_maps answers.
    let logins = "smtpd_sender_login_maps";
    assert_eq!(s.postmap("alice@example.org", logins), "alice@example.org");
    assert_eq!(s.postmap("info@example.org", logins), "alice@example.org");
    assert_eq!(s.postmap("alice@example.net", logins), "alice@example.org");
    assert_eq!(s.postmap("nobody@example.org", logins), "");

    // A disabled alias domain is not a domain Postfix takes mail for, nor
    // are its addresses; enabled again, it is.
    let (domains, aliases) = ("virtual_alias_domains", "virtual_alias_maps");
    assert_eq!(s.postmap("example.net", domains), "example.net");
    s.ok(&["domain", "alias", "disable", "example.net"]);
    assert_eq!(s.postmap("example.net", domains), "");
    assert_eq!(s.postmap("alice@example.net", aliases), "");
    assert_eq!(s.postmap("alice@example.net", logins), "");
    s.ok(&["domain", "alias", "enable", "example.net"]);
    assert_eq!(s.postmap("example.net", domains), "example.net");
    // (LDAP's union of tables may name the same recipient twice; Postfix
    // delivers once.)
    let answer = s.postmap("alice@example.net", aliases);
    assert!(
        !answer.is_empty() && answer.split(',').all(|a| a == "alice@example.org"),
        "{answer}"
    );

    // A disabled mailbox cannot log in, and refuses mail at RCPT time,
    // despite the catch-all where the backend can tell (SQL); LDAP hands
    // it to the catch-all (see the stack's lookups module). Enabled again,
    // it works again.
    s.ok(&["mailbox", "disable", "carol@example.org"]);
    if s.refuses_disabled_under_catch_all() {
        let err = s.fails(&["mail", "test", "carol@example.org"], 1);
        assert!(
            err.contains(" 550 ") && err.contains("carol@example.org"),
            "{err}"
        );
    } else {
        let sent = s.mail_test("carol@example.org");
        s.wait_for_mail("bob@example.org", &sent.message_id);
    }
    let refused = s.imap("carol@example.org", "carol-pass-1").err();
    assert!(
        refused.is_some_and(|r| r.contains("NO")),
        "disabled login refused"
    );
    s.ok(&["mailbox", "enable", "carol@example.org"]);
    s.imap("carol@example.org", "carol-pass-1")
        .expect("enabled again")
        .logout();

    // A new password replaces the old one at once.
    s.ok_with_stdin(
        &["mailbox", "passwd", "alice@example.org", "--password-stdin"],
        Some("alice-pass-2\n"),
    );
    assert!(
        s.imap("alice@example.org", "alice-pass-1").is_err(),
        "old password refused"
    );
    s.imap("alice@example.org", "alice-pass-2")
        .expect("new password works")
        .logout();

    // Quota: usage comes from Dovecot's accounting; a quota below it makes
    // the next delivery bounce with 552.
    let shown = s.json(&["mailbox", "show", "bob@example.org"]);
    let used = shown["quota_used_bytes"]
        .as_u64()
        .expect("bob's usage is known");
    assert!(used > 512, "bob holds the catch-all mail: {shown}");
    s.ok(&["mailbox", "edit", "bob@example.org", "--quota", "512"]);
    let sent = s.mail_test("bob@example.org");
    let status = s.wait_for_status(&sent.queue_id);
    assert!(
        status.contains("status=bounced") && status.contains(" 552 "),
        "{status}"
    );
    let unseen = s.json(&["mailbox", "show", "carol@example.org"]);
    assert!(unseen["quota_used_bytes"].is_u64(), "{unseen}");
    add_mailbox(s, "dave@example.org", "dave-pass-12", &[]);
    let fresh = s.json(&["mailbox", "show", "dave@example.org"]);
    assert!(
        fresh["quota_used_bytes"].is_null(),
        "no maildirsize yet: {fresh}"
    );
    assert!(
        fresh["quota_usage_unknown"]
            .as_str()
            .is_some_and(|w| w.contains("maildirsize"))
    );

    // Without the catch-all, unknown addresses are refused; a removed
    // alias and a disabled mailbox are refused too, at both domains.
    s.ok(&["alias", "rm", "@example.org"]);
    s.ok(&["alias", "rm", "info@example.org"]);
    s.ok(&["mailbox", "disable", "carol@example.org"]);
    for to in [
        "info@example.org",
        "info@example.net",
        "nobody-here@example.org",
        "carol@example.org",
        "carol@example.net",
    ] {
        let err = s.fails(&["mail", "test", to], 1);
        assert!(err.contains(" 550 "), "{to}: {err}");
    }

    // The welcome mail arrives and reads over IMAP, in either language; a
    // password goes in only when asked for, and only the right one.
    let welcome = s.json(&["mail", "welcome", "alice@example.org"]);
    let id = welcome["message_id"].as_str().expect("message id");
    s.wait_for_mail("alice@example.org", id);
    let out = s.run(
        &[
            "mail",
            "welcome",
            "alice@example.org",
            "--password-stdin",
            "--language",
            "fr",
        ],
        Some("wrong-password\n"),
    );
    assert_eq!(out.status.code(), Some(2), "a wrong password is not mailed");
    let french = s.ok_with_stdin(
        &[
            "--json",
            "mail",
            "welcome",
            "alice@example.org",
            "--password-stdin",
            "--language",
            "fr",
        ],
        Some("alice-pass-2\n"),
    );
    let french: serde_json::Value = serde_json::from_str(&french).expect("json");
    let french_id = french["message_id"].as_str().expect("message id");
    s.wait_for_mail("alice@example.org", french_id);
    let mut imap = s.imap("alice@example.org", "alice-pass-2").expect("login");
    let inbox = imap.inbox().expect("inbox");
    imap.logout();
    let english = inbox
        .iter()
        .find(|m| m.contains(id))
        .expect("welcome over IMAP");
    for needle in [
        "Hello Alice",
        "imap.postier.test",
        "smtp.postier.test",
        "the one your administrator gave you",
    ] {
        assert!(english.contains(needle), "{needle} in:\n{english}");
    }
    assert!(
        !english.contains("alice-pass-2"),
        "no password unless asked"
    );
    let french = inbox
        .iter()
        .find(|m| m.contains(french_id))
        .expect("French welcome");
    assert!(
        french.contains("Bonjour Alice") && french.contains("alice-pass-2"),
        "{french}"
    );
    // A welcome can go to the member's other address, read before the new
    // mailbox is (dave's here, bob's is over quota); it still comes from
    // the service's postmaster, not the recipient domain's.
    let elsewhere = s.json(&[
        "mail",
        "welcome",
        "alice@example.org",
        "--to",
        "dave@example.org",
    ]);
    let elsewhere = s.wait_for_mail(
        "dave@example.org",
        elsewhere["message_id"].as_str().expect("message id"),
    );
    assert!(elsewhere.contains("Hello Alice"), "{elsewhere}");
    assert!(
        !elsewhere.contains("From: postier <postmaster@example.org>"),
        "{elsewhere}"
    );

    transports(s);

    // A disabled domain is served no more: no mail, no logins.
    s.ok(&["domain", "disable", "example.org"]);
    let err = s.fails(&["mail", "test", "alice@example.org"], 1);
    assert!(err.contains(" 5"), "{err}");
    assert!(s.imap("alice@example.org", "alice-pass-2").is_err());
}

fn add_mailbox(s: &MailStack, address: &str, password: &str, extra: &[&str]) {
    let mut args = vec!["mailbox", "add", address, "--password-stdin"];
    args.extend_from_slice(extra);
    s.ok_with_stdin(&args, Some(&format!("{password}\n")));
}

/// Every way postier sends: submission with STARTTLS and with implicit TLS,
/// logging in as a member (checked by Dovecot against the directory), where
/// Postfix lets a login send only as its own addresses; and the local
/// sendmail program.
fn transports(s: &MailStack) {
    let password = s.secret_file("alice-smtp.pw", "alice-pass-2");
    let login = |port: u16, security: &str, from: &str| {
        format!(
            "transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\n\
             security = \"{security}\"\nusername = \"alice@example.org\"\n\
             password_file = {password:?}\nca_file = {ca:?}\nfrom = \"{from}\"\n",
            ca = s.ca_file(),
        )
    };
    for (name, port, security) in [
        ("starttls", s.submission_port, "starttls"),
        ("tls", s.smtps_port, "tls"),
    ] {
        // As herself and as an alias she receives: both hers to send as.
        for from in ["alice@example.org", "alice@example.net"] {
            let config = s.sender_config(&format!("{name}-{from}"), &login(port, security, from));
            let out = s.run_with(
                &config,
                &[],
                &["--json", "mail", "test", "dave@example.org"],
                None,
            );
            assert!(
                out.status.success(),
                "{name} as {from}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let sent: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(sent["code"], 250, "{sent}");
            s.wait_for_mail("dave@example.org", sent["message_id"].as_str().expect("id"));
        }
        let config = s.sender_config(
            &format!("{name}-bob"),
            &login(port, security, "bob@example.org"),
        );
        let out = s.run_with(&config, &[], &["mail", "test", "dave@example.org"], None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(" 553 ") && err.contains("not owned by user alice@example.org"),
            "{err}"
        );
    }
    let wrong = s.secret_file("wrong-smtp.pw", "not-her-password");
    let config = s.sender_config(
        "wrong-login",
        &login(s.submission_port, "starttls", "alice@example.org")
            .replace(&format!("{password:?}"), &format!("{wrong:?}")),
    );
    let out = s.run_with(&config, &[], &["mail", "test", "dave@example.org"], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a wrong SMTP password is refused"
    );

    let config = s.sender_config(
        "sendmail",
        "transport = \"sendmail\"\nsendmail = \"/usr/sbin/sendmail\"\n",
    );
    let postfix = s.postfix_dir().display().to_string();
    let out = s.run_with(
        &config,
        &[("MAIL_CONFIG", &postfix)],
        &["--json", "mail", "test", "dave@example.org"],
        None,
    );
    assert!(
        out.status.success(),
        "sendmail: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    s.wait_for_mail("dave@example.org", sent["message_id"].as_str().expect("id"));
}

/// With `[mail.welcome] on_add`, the built-in `welcome-mail` hook sends
/// every new mailbox its welcome message through real Postfix, once, in
/// the domain's language, with no password; a mailbox removed before the
/// hook ran gets nothing and holds nothing back.
#[test]
fn the_welcome_mail_hook_greets_each_new_mailbox_once() {
    let Some(s) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    let config = s.config_with(
        "welcome",
        "[mail.welcome]\non_add = true\n\n[mail.welcome.domain_language]\n\"example.org\" = \"fr\"\n",
    );
    let hooks = |args: &[&str]| {
        let out = s.run_with(&config, &[], args, None);
        assert!(out.status.success(), "{args:?}: {out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    // The hook starts where the journal is when it is first seen.
    hooks(&["--json", "hooks", "status"]);
    s.ok(&["domain", "add", "example.org"]);
    add_mailbox(&s, "erin@example.org", "erin-pass-1", &["--name", "Erin"]);
    add_mailbox(&s, "gone@example.org", "gone-pass-1", &[]);
    s.ok(&["mailbox", "rm", "gone@example.org"]);
    let round = hooks(&["--json", "hooks", "run"]);
    let welcome = round["hooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "welcome-mail")
        .expect("the built-in hook runs");
    assert_eq!(welcome["delivered"], 2, "{round}");
    let mail = s.wait_for_mail("erin@example.org", "Bonjour Erin");
    assert!(!mail.contains("erin-pass-1"), "{mail}");
    assert!(mail.contains("imap.postier.test"), "{mail}");
    let again = hooks(&["--json", "hooks", "run"]);
    assert!(
        again["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["delivered"] == 0),
        "{again}"
    );
    let status = hooks(&["--json", "hooks", "status"]);
    let row = &status["hooks"][0];
    assert_eq!(row["name"], "welcome-mail");
    assert_eq!(
        (row["pending"].as_u64(), row["failed"].as_u64()),
        (Some(0), Some(0))
    );
    let greetings = s
        .messages("erin@example.org")
        .into_iter()
        .filter(|m| m.contains("Bonjour Erin"))
        .count();
    assert_eq!(greetings, 1, "one welcome, however often hooks run");
}

/// Members moved from PostfixAdmin, docker-mailserver and Modoboa log in
/// over IMAP on real Dovecot with the passwords they had there (MD5-CRYPT,
/// SHA512-CRYPT, BLF-CRYPT hashes kept as they were; a Modoboa plaintext
/// hashed by postier).
#[test]
fn imported_members_log_in_with_their_old_passwords() {
    let Some(s) = MailStack::start(Backend::Sqlite) else {
        return;
    };
    let fixture = |p: &str| format!("{}/fixtures/import/{p}", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("postfixadmin.db").display().to_string();
    let schema = std::fs::read_to_string(fixture("postfixadmin.sql")).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}?mode=rwc"))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(schema))
                .execute(&mut c)
                .await
                .unwrap();
        });
    s.ok(&[
        "import",
        "--from",
        &format!("postfixadmin:sqlite:{db}"),
        "--from",
        &format!("dms:{}", fixture("dms")),
        "--from",
        &format!("modoboa-csv:{}", fixture("modoboa.csv")),
    ]);
    for (user, password) in [
        ("paul@pfx.example", "postfixadmin pw"),
        ("one@dms.example", "dms user one"),
        ("two@dms.example", "dms user two"),
        ("ann@modo.example", "modoboa secret"),
        ("ben@modo.example", "a plaintext one"),
    ] {
        let imap = s
            .imap(user, password)
            .unwrap_or_else(|e| panic!("{user} logs in with the old password: {e}"));
        imap.logout();
        assert!(s.imap(user, "not the password").is_err(), "{user}");
    }
    // Rita was disabled in PostfixAdmin, and stays so.
    assert!(s.imap("rita@pfx.example", "pfx second pw").is_err());
}
