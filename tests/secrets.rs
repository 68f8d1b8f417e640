//! Secrets audit: every way a password enters postier, in one scenario,
//! with everything postier writes and hands on captured and searched.
//!
//! Plaintexts: a password on stdin (`mailbox add`, `mailbox passwd`), one
//! generated (`--generate-password`), an import's `password_plain` and
//! `password: generate`, the borg passphrase, a webhook's secret and the
//! database password in the directory URL. Captured: stdout and stderr of
//! every command, every file under the setup (the SQLite directory, the
//! backup catalogue and state, borg's repository and cache, the export, the
//! hooks' captures), the webhook requests (bodies and headers), and what
//! the processes postier starts were given: the hook command's and borg's
//! `/proc/PID/environ` and `/proc/PID/cmdline`, read by those processes
//! themselves (postier runs with a password in its own environment, as
//! `PGPASSWORD`, which none of them may get). Each plaintext may appear only where SPEC.md says: a
//! generated password on the stdout of the command that made it, once; the
//! import's generated one in `--passwords-out` (0600). Secret files
//! readable by every user are refused. The database password in a SQL
//! URL and the LDAP bind password are searched for the same way, on real
//! PostgreSQL and slapd.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use support::borg::{BorgSetup, set_mode};
use support::http::{Behaviour, HttpServer};
use support::process::feed;

const TYPED: &str = "Typed-in pass 4 alice!";
const CHANGED: &str = "Changed-pass 7 alice?";
const IMPORTED: &str = "Imported plain 9 bob#";
const HOOK_SECRET: &str = "hook-secret-3f9a1c77e2";
/// In postier's environment, as a database client's password often is:
/// no process postier starts may get it.
const INHERITED: &str = "pgpassword-in-env-51d0";

/// Runs postier with `stdin` as its input; every output kept for the
/// search.
struct Recorder<'a> {
    setup: &'a BorgSetup,
    outputs: Vec<(String, String)>,
}

impl Recorder<'_> {
    fn run_with(&mut self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = self.setup.command(args);
        cmd.env("PGPASSWORD", INHERITED);
        let out = feed(cmd, stdin);
        let name = args.join(" ");
        self.outputs.push((
            format!("stdout of {name}"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        self.outputs.push((
            format!("stderr of {name}"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
        out
    }

    fn ok(&mut self, args: &[&str]) -> String {
        self.ok_with(args, "")
    }

    fn ok_with(&mut self, args: &[&str], stdin: &str) -> String {
        let out = self.run_with(args, stdin);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Every file under `dir`, with its path.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A script that records what it was given (environment, argv, stdin)
/// under `capture` with the `tag`, then runs `then` (or nothing).
fn recording_script(path: &Path, capture: &Path, tag: &str, then: Option<&str>) {
    let capture = capture.display();
    let run = then
        .map(|p| format!("exec {p} \"$@\"\n"))
        .unwrap_or_else(|| format!("cat > {capture}/{tag}-stdin-$$\n"));
    std::fs::write(
        path,
        format!(
            "#!/bin/sh\n\
             tr '\\0' '\\n' < /proc/$$/environ > {capture}/{tag}-environ-$$\n\
             tr '\\0' '\\n' < /proc/$$/cmdline > {capture}/{tag}-cmdline-$$\n\
             {run}"
        ),
    )
    .unwrap();
    set_mode(path, 0o755);
}

#[test]
fn no_plaintext_secret_leaks_anywhere() {
    if support::services::require_service(
        "borg",
        which("borg"),
        "install borgbackup (tests/services/install.sh)",
    )
    .is_none()
    {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let capture = root.path().join("capture");
    std::fs::create_dir(&capture).unwrap();
    let borg_wrapper = root.path().join("borg-recording");
    recording_script(&borg_wrapper, &capture, "borg", which("borg").as_deref());
    let hook_script = root.path().join("hook-recording");
    recording_script(&hook_script, &capture, "hook", None);
    let setup = BorgSetup::new(&format!("borg = \"{}\"", borg_wrapper.display()));
    let secret_file = setup.dir.path().join("hook.secret");
    std::fs::write(&secret_file, HOOK_SECRET).unwrap();
    set_mode(&secret_file, 0o600);
    let web = HttpServer::start(Behaviour::default());
    let mut config = std::fs::read_to_string(&setup.config).unwrap();
    config.push_str(&format!(
        "\n[[hooks]]\nname = \"script\"\nevents = [\"*\"]\ncommand = [\"{}\"]\n\n\
         [[hooks]]\nname = \"web\"\nevents = [\"*\"]\nurl = \"{}\"\nsecret_file = \"{}\"\n",
        hook_script.display(),
        web.url("/hook"),
        secret_file.display()
    ));
    std::fs::write(&setup.config, config).unwrap();
    let passphrase = std::fs::read_to_string(&setup.passphrase_file)
        .unwrap()
        .trim()
        .to_string();

    let mut rec = Recorder {
        setup: &setup,
        outputs: Vec::new(),
    };
    rec.ok(&["hooks", "run"]);
    rec.ok(&["domain", "add", "audit.example"]);
    rec.ok_with(
        &["mailbox", "add", "alice@audit.example", "--password-stdin"],
        &format!("{TYPED}\n"),
    );
    rec.ok_with(
        &[
            "mailbox",
            "passwd",
            "alice@audit.example",
            "--password-stdin",
        ],
        &format!("{CHANGED}\n"),
    );
    let shown = rec.ok(&["mailbox", "add", "gen@audit.example", "--generate-password"]);
    let generated = shown
        .lines()
        .find_map(|l| l.split_once("store it now): "))
        .map(|(_, p)| p.trim().to_string())
        .expect("the generated password is shown");
    let shown_at = rec.outputs.len() - 2;

    let import = setup.dir.path().join("members.yaml");
    std::fs::write(
        &import,
        format!(
            "mailboxes:\n- address: bob@audit.example\n  password_plain: '{IMPORTED}'\n\
             - address: carol@audit.example\n  password: generate\n"
        ),
    )
    .unwrap();
    let passwords_out = setup.dir.path().join("passwords.txt");
    rec.ok(&[
        "import",
        &import.display().to_string(),
        "--passwords-out",
        &passwords_out.display().to_string(),
    ]);
    let given = std::fs::read_to_string(&passwords_out).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&passwords_out)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let imported_generated = given
        .lines()
        .find(|l| l.contains("carol@audit.example"))
        .and_then(|l| l.split([' ', '\t', ',', ':']).rfind(|w| !w.is_empty()))
        .expect("carol's generated password in --passwords-out")
        .to_string();
    assert!(imported_generated.len() >= 12, "{given}");

    setup.deliver("alice@audit.example", 3, "secret audit");
    rec.ok(&["backup", "run"]);
    rec.ok(&["backup", "status"]);
    rec.ok(&["mailbox", "rm", "gen@audit.example"]);
    rec.ok(&["hooks", "run"]);
    rec.ok(&["--json", "audit"]);
    rec.ok(&["--json", "mailbox", "show", "alice@audit.example"]);
    let export = setup.dir.path().join("export.yaml");
    rec.ok(&[
        "export",
        "--with-hashes",
        "--out",
        &export.display().to_string(),
    ]);

    // The processes postier started recorded themselves.
    let recorded = files(&capture);
    for (tag, what) in [("hook-environ", "hook"), ("borg-environ", "borg")] {
        assert!(
            recorded
                .iter()
                .any(|(p, _)| p.file_name().unwrap().to_string_lossy().starts_with(tag)),
            "the {what} command ran and recorded its environment"
        );
    }
    let requests = web.requests();
    assert!(!requests.is_empty(), "the webhook was called");
    assert!(
        requests
            .iter()
            .all(|r| r.headers.contains_key("x-postier-signature")),
        "signed"
    );

    let secrets = [
        ("typed password", TYPED),
        ("changed password", CHANGED),
        ("imported password", IMPORTED),
        ("generated password", generated.as_str()),
        ("import-generated password", imported_generated.as_str()),
        ("borg passphrase", passphrase.as_str()),
        ("hook secret", HOOK_SECRET),
        ("postier's environment", INHERITED),
    ];
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (name, text)) in rec.outputs.iter().enumerate() {
        let mut text = text.clone();
        if i == shown_at {
            // Shown once, here, as SPEC.md says.
            assert_eq!(text.matches(&generated).count(), 1, "{text}");
            text = text.replace(&generated, "");
        }
        places.push((name.clone(), text.into_bytes()));
    }
    for (path, bytes) in files(setup.dir.path()).into_iter().chain(recorded) {
        let allowed = [
            &setup.passphrase_file,
            &secret_file,
            &passwords_out,
            &import,
        ];
        if allowed.contains(&&path) {
            continue;
        }
        places.push((path.display().to_string(), bytes));
    }
    for r in &requests {
        places.push((format!("webhook body {}", r.path), r.body.clone()));
        places.push((
            format!("webhook headers {}", r.path),
            format!("{:?}", r.headers).into_bytes(),
        ));
    }
    let mut leaks = Vec::new();
    for (place, bytes) in &places {
        for (secret, text) in &secrets {
            if contains(bytes, text) {
                leaks.push(format!("{secret} in {place}"));
            }
        }
    }
    assert!(leaks.is_empty(), "plaintext secrets found: {leaks:#?}");
    // The passwords-out file holds the generated one, and only that.
    for (secret, text) in &secrets[..4] {
        assert!(!given.contains(text), "{secret} in --passwords-out");
    }
    // Hashes stay in the directory (and an export asked --with-hashes):
    // never in hook payloads, the audit or a mailbox shown.
    for (place, bytes) in &places {
        let hashed = contains(bytes, "{SHA512-CRYPT}") || contains(bytes, "$6$");
        let may_hold = place.ends_with("directory.db")
            || place.ends_with("directory.db-wal")
            || place.ends_with("export.yaml");
        assert!(!hashed || may_hold, "a password hash in {place}");
    }
    eprintln!(
        "secrets audit: {} places searched for {} plaintexts, none found",
        places.len(),
        secrets.len()
    );

    // Secret files readable by every user are refused, naming them.
    set_mode(&setup.passphrase_file, 0o644);
    let out = rec.run_with(&["backup", "run"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("readable by every user"), "{stderr}");
    assert!(stderr.contains("borg.passphrase"), "{stderr}");
    set_mode(&setup.passphrase_file, 0o600);
    set_mode(&secret_file, 0o644);
    rec.ok(&["domain", "add", "refused.example"]);
    let out = rec.run_with(&["hooks", "run"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("hook.secret"), "{stderr}");
}

/// The database password in the directory URL (`POSTIER_DIRECTORY`, as
/// admins set it) reaches neither output, errors, the audit, nor the
/// processes postier starts.
#[test]
fn the_database_password_stays_out_of_outputs_and_children() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Some(db) = runtime.block_on(support::sql::TestDatabase::create(
        support::sql::Backend::Postgres,
    )) else {
        return;
    };
    let password = "db-pass-8c1e5a0f";
    // The URL as an admin writes it, with a password (the test server
    // trusts loopback, so any password passes).
    let url = db
        .url()
        .replacen("://postgres@", &format!("://postgres:{password}@"), 1);
    assert!(url.contains(password), "{url}");
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("capture");
    std::fs::create_dir(&capture).unwrap();
    let script = dir.path().join("hook");
    recording_script(&script, &capture, "hook", None);
    std::fs::write(
        dir.path().join("postier.toml"),
        format!(
            "[[hooks]]\nname = \"script\"\nevents = [\"*\"]\ncommand = [\"{}\"]\n",
            script.display()
        ),
    )
    .unwrap();
    let run = |args: &[&str], url: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_postier"))
            .env("POSTIER_CONFIG", dir.path().join("postier.toml"))
            .env("POSTIER_DIRECTORY", url)
            .env("LANG", "C")
            .args(args)
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();
    for args in [
        &["db", "migrate"][..],
        &["hooks", "run"],
        &["domain", "add", "db.example"],
        &["hooks", "run"],
        &["--json", "audit"],
        &["--json", "hooks", "status"],
        &["check", "directory"],
        &["metrics"],
    ] {
        let out = run(args, &url);
        assert!(out.status.success(), "{args:?}: {out:?}");
        outputs.push(out);
    }
    // Errors name the server, not the password: a database that is not
    // there, and a server that is down.
    let missing = format!("{}/no_such_db_here", url.rsplit_once('/').unwrap().0);
    outputs.push(run(&["domain", "list"], &missing));
    let down = format!("postgres://postgres:{password}@127.0.0.1:9/x");
    let refused = run(&["domain", "list"], &down);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("127.0.0.1:9"),
        "{refused:?}"
    );
    outputs.push(refused);
    for out in &outputs {
        for bytes in [&out.stdout, &out.stderr] {
            assert!(
                !contains(bytes, password),
                "the database password in an output: {}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
    let recorded = files(&capture);
    assert!(!recorded.is_empty(), "the hook ran");
    for (path, bytes) in recorded {
        assert!(
            !contains(&bytes, password),
            "the database password reached the hook: {}",
            path.display()
        );
    }
}

fn which(program: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// On LDAP: the bind password (from its file) and a typed mailbox
/// password appear in no output and in no file of postier's state store;
/// the server stores the hash only.
#[test]
fn the_ldap_bind_password_and_typed_passwords_stay_secret() {
    let Some(slapd) = support::slapd::Slapd::start() else {
        return;
    };
    let config = slapd.config("state.db");
    let bind_password = std::fs::read_to_string(slapd.password_file()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("postier.toml"), "").unwrap();
    let state = dir.path().join("state");
    // postier on the server, bound as `bind_dn`.
    let postier = |bind_dn: &str, args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_postier"));
        cmd.env("POSTIER_CONFIG", dir.path().join("postier.toml"))
            .env("POSTIER_DIRECTORY", slapd.ldap_url())
            .env("POSTIER_LDAP_BASE_DN", support::slapd::BASE_DN)
            .env("POSTIER_LDAP_BIND_DN", bind_dn)
            .env(
                "POSTIER_LDAP_BIND_PASSWORD_FILE",
                config.bind_password_file.as_ref().unwrap(),
            )
            .env(
                "POSTIER_LDAP_STATE_URL",
                format!("sqlite:{}", state.join("state.db").display()),
            )
            .env("LANG", "C")
            .args(args);
        cmd
    };
    let bind_dn = config.bind_dn.clone().unwrap();
    let run = |args: &[&str], stdin: &str| feed(postier(&bind_dn, args), stdin);
    let mut outputs = Vec::new();
    for (args, stdin) in [
        (&["domain", "add", "ldap.example"][..], ""),
        (
            &["mailbox", "add", "ann@ldap.example", "--password-stdin"],
            "Typed-on-ldap 5 ann\n",
        ),
        (
            &["mailbox", "passwd", "ann@ldap.example", "--password-stdin"],
            "Changed-on-ldap 6 ann\n",
        ),
        (&["--json", "mailbox", "show", "ann@ldap.example"], ""),
        (&["--json", "audit"], ""),
    ] {
        let out = run(args, stdin);
        assert!(out.status.success(), "{args:?}: {out:?}");
        outputs.push(out);
    }
    // A bind refused (wrong DN) says so without the password.
    let wrong = feed(
        postier("cn=nobody,dc=postier,dc=test", &["domain", "list"]),
        "",
    );
    assert!(!wrong.status.success());
    outputs.push(wrong);
    let secrets = [
        ("bind password", bind_password.trim()),
        ("typed password", "Typed-on-ldap 5 ann"),
        ("changed password", "Changed-on-ldap 6 ann"),
    ];
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, out) in outputs.iter().enumerate() {
        places.push((format!("stdout {i}"), out.stdout.clone()));
        places.push((format!("stderr {i}"), out.stderr.clone()));
    }
    for (path, bytes) in files(dir.path()) {
        places.push((path.display().to_string(), bytes));
    }
    // What the server holds for the mailbox.
    let stored = slapd
        .tool("ldapsearch")
        .args([
            "-b",
            support::slapd::BASE_DN,
            "-LLL",
            "(mail=ann@ldap.example)",
        ])
        .output()
        .unwrap();
    assert!(stored.status.success(), "{stored:?}");
    places.push(("the LDAP entry".into(), stored.stdout.clone()));
    assert!(
        contains(&stored.stdout, "userPassword"),
        "the entry holds a password: {}",
        String::from_utf8_lossy(&stored.stdout)
    );
    for (place, bytes) in &places {
        for (secret, text) in &secrets {
            assert!(!contains(bytes, text), "{secret} in {place}");
        }
    }
}
