//! The CLI contract (SPEC.md): every domain, mailbox and alias command,
//! `--json` shapes, exit codes (0 ok, 1 refused/failed, 2 usage/invalid),
//! one-line errors that name the bad value, and passwords never on argv.
//! Runs the real binary on a temp SQLite directory.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use support::sql::{Backend, TestDatabase};
use tempfile::TempDir;

mod support;

/// A throwaway directory and an empty config, isolated from the machine's.
struct Env {
    dir: TempDir,
    /// A server database instead of the temp SQLite file.
    server: Option<TestDatabase>,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postier.toml"), "").unwrap();
        let env = Env { dir, server: None };
        env.ok(&["db", "migrate"]);
        env
    }
    /// An environment on `backend`, or None when that server is missing
    /// locally (a failure under CI).
    fn on(backend: Backend) -> Option<Env> {
        let mut env = Env::new();
        if backend != Backend::Sqlite {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            env.server = Some(runtime.block_on(TestDatabase::create(backend))?);
        }
        Some(env)
    }
    fn url(&self) -> String {
        match &self.server {
            Some(db) => db.url().to_string(),
            None => format!("sqlite:{}", self.dir.path().join("directory.db").display()),
        }
    }
    fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("postier"));
        c.env("POSTIER_CONFIG", self.dir.path().join("postier.toml"))
            .env("POSTIER_DIRECTORY", self.url())
            .env_remove("NO_COLOR")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .env("LC_ALL", "C.UTF-8");
        c
    }
    fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }
    fn ok(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    }
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("one JSON document on stdout")
    }
    /// Runs, expects `code`, and returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        assert!(
            out.stdout.is_empty(),
            "no output on failure: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("postier: "), "error form: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        err
    }
    fn hash() -> &'static str {
        "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31"
    }
    fn seeded() -> Env {
        Env::new().seed()
    }
    fn seed(self) -> Env {
        let env = self;
        env.ok(&[
            "domain",
            "add",
            "example.org",
            "--max-mailboxes",
            "3",
            "--quota",
            "1G",
            "--default-quota",
            "100M",
        ]);
        env.ok(&[
            "mailbox",
            "add",
            "alice@example.org",
            "--name",
            "Alice",
            "--password-hash",
            Env::hash(),
        ]);
        env
    }
}

#[test]
fn domain_commands() {
    let env = Env::new();
    let added = env.json(&[
        "domain",
        "add",
        "Exämple.ORG",
        "--description",
        "Choir",
        "--max-aliases",
        "5",
    ]);
    assert_eq!(added["name"], "xn--exmple-cua.org");
    assert_eq!(added["description"], "Choir");
    assert_eq!(added["max_aliases"], 5);
    assert_eq!(added["active"], true);

    let list = env.json(&["domain", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    for key in ["name", "active", "mailboxes", "aliases"] {
        assert!(list[0].get(key).is_some(), "domain JSON has {key}");
    }
    assert!(
        env.ok(&["domain", "list"]).contains("exämple.org"),
        "people see U-labels"
    );

    let edited = env.json(&[
        "domain",
        "edit",
        "exämple.org",
        "--quota",
        "2G",
        "--default-quota",
        "200M",
    ]);
    assert_eq!(edited["quota_bytes"], 2u64 << 30);
    assert_eq!(
        env.json(&["domain", "disable", "exämple.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["domain", "show", "xn--exmple-cua.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["domain", "enable", "exämple.org"])["active"],
        true
    );

    env.ok(&["domain", "add", "other.org"]);
    let alias = env.json(&["domain", "alias", "add", "alias.org", "other.org"]);
    assert_eq!(alias["target"], "other.org");
    assert_eq!(
        env.json(&["domain", "alias", "list"])[0]["name"],
        "alias.org"
    );
    assert_eq!(
        env.json(&["domain", "show", "other.org"])["alias_domains"][0],
        "alias.org"
    );
    let shown = env.json(&["domain", "alias", "show", "alias.org"]);
    assert_eq!(
        (&shown["target"], &shown["active"]),
        (&"other.org".into(), &true.into())
    );
    let version = shown["version"].as_i64().unwrap();
    assert_eq!(
        env.json(&["domain", "alias", "disable", "alias.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["domain", "alias", "show", "alias.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["domain", "alias", "enable", "alias.org"])["active"],
        true
    );
    // Re-pointing from a version read before those changes is refused.
    let stale = version.to_string();
    let err = env.fails(
        &[
            "domain",
            "alias",
            "edit",
            "alias.org",
            "--target",
            "exämple.org",
            "--if-version",
            &stale,
        ],
        1,
    );
    assert!(err.contains("alias.org"), "{err}");
    assert_eq!(
        env.json(&["domain", "alias", "show", "alias.org"])["target"],
        "other.org"
    );
    let moved = env.json(&[
        "domain",
        "alias",
        "edit",
        "alias.org",
        "--target",
        "exämple.org",
    ]);
    assert_eq!(moved["target"], "xn--exmple-cua.org");
    assert!(
        env.ok(&["domain", "alias", "show", "alias.org"])
            .contains("exämple.org")
    );
    let err = env.fails(
        &[
            "domain",
            "alias",
            "edit",
            "alias.org",
            "--target",
            "nowhere.org",
        ],
        1,
    );
    assert!(err.contains("nowhere.org"), "{err}");
    env.ok(&["domain", "alias", "rm", "alias.org"]);
    assert_eq!(
        env.json(&["domain", "alias", "list"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    assert_eq!(
        env.json(&["domain", "rm", "other.org"])["removed"],
        "other.org"
    );
    let err = env.fails(&["domain", "show", "other.org"], 1);
    assert!(
        err.contains("other.org") && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn mailbox_commands() {
    let env = Env::seeded();
    let m = env.json(&["mailbox", "show", "Alice@Example.org"]);
    for key in [
        "address",
        "domain",
        "name",
        "quota_bytes",
        "active",
        "password_scheme",
    ] {
        assert!(m.get(key).is_some(), "mailbox JSON has {key}");
    }
    assert_eq!(m["address"], "alice@example.org");
    assert_eq!(
        m["quota_bytes"],
        100u64 << 20,
        "domain default quota applies"
    );
    assert_eq!(m["password_scheme"], "SHA512-CRYPT");
    let text = serde_json::to_string(&m).unwrap();
    assert!(!text.contains("$6$"), "the hash never appears in output");

    let generated = env.json(&[
        "mailbox",
        "add",
        "bob@example.org",
        "--generate-password",
        "--quota",
        "200M",
    ]);
    let password = generated["generated_password"].as_str().unwrap();
    assert_eq!(password.len(), 23);
    assert_eq!(generated["quota_bytes"], 200u64 << 20);

    env.cmd()
        .args(["mailbox", "add", "carol@example.org", "--password-stdin"])
        .write_stdin("a long enough password\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("carol@example.org added"));

    let listed = env.json(&["mailbox", "list", "example.org"]);
    let addresses: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        ["alice@example.org", "bob@example.org", "carol@example.org"]
    );
    assert_eq!(env.json(&["mailbox", "list"]).as_array().unwrap().len(), 3);

    assert_eq!(
        env.json(&["mailbox", "edit", "alice@example.org", "--name", "Alice B."])["name"],
        "Alice B."
    );
    assert_eq!(
        env.json(&["mailbox", "disable", "alice@example.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["mailbox", "enable", "alice@example.org"])["active"],
        true
    );

    let before = env.json(&["mailbox", "show", "alice@example.org"])["version"]
        .as_i64()
        .unwrap();
    let out = env.ok(&[
        "mailbox",
        "passwd",
        "alice@example.org",
        "--generate-password",
    ]);
    assert!(out.contains("shown once"), "{out}");
    let after = env.json(&["mailbox", "show", "alice@example.org"]);
    assert_eq!(after["version"].as_i64().unwrap(), before + 1);

    env.ok(&["mailbox", "rm", "carol@example.org"]);
    env.fails(&["mailbox", "show", "carol@example.org"], 1);
}

#[test]
fn alias_commands() {
    let env = Env::seeded();
    let a = env.json(&[
        "alias",
        "add",
        "info@example.org",
        "alice@example.org",
        "ext@other.net",
    ]);
    assert_eq!(
        a["targets"],
        serde_json::json!(["alice@example.org", "ext@other.net"])
    );
    assert_eq!(a["active"], true);
    let catch_all = env.json(&["alias", "add", "@example.org", "alice@example.org"]);
    assert_eq!(catch_all["address"], "@example.org");
    assert_eq!(catch_all["catch_all"], true);

    let list = env.json(&["alias", "list", "example.org"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["@example.org", "info@example.org"]);

    let edited = env.json(&[
        "alias",
        "edit",
        "info@example.org",
        "--remove",
        "ext@other.net",
        "--add",
        "x@other.net",
    ]);
    assert_eq!(
        edited["targets"],
        serde_json::json!(["alice@example.org", "x@other.net"])
    );
    assert_eq!(
        env.json(&["alias", "disable", "info@example.org"])["active"],
        false
    );
    assert_eq!(
        env.json(&["alias", "show", "info@example.org"])["active"],
        false
    );
    env.ok(&["alias", "rm", "@example.org"]);
    let err = env.fails(&["alias", "show", "@example.org"], 1);
    assert!(err.contains("@example.org"), "{err}");
}

#[test]
fn invalid_input_exits_2_and_names_the_value() {
    let env = Env::seeded();
    let cases: &[(&[&str], &str)] = &[
        (&["domain", "add", "not a domain"], "not a domain"),
        (&["domain", "add", "bad_domain.org"], "bad_domain.org"),
        (&["domain", "add", "x.org", "--quota", "12Q"], "12Q"),
        (
            &["mailbox", "add", "no-at-sign", "--generate-password"],
            "no-at-sign",
        ),
        (
            &["mailbox", "add", "a b@example.org", "--generate-password"],
            "a b@example.org",
        ),
        (
            &["mailbox", "edit", "alice@example.org", "--quota", "lots"],
            "lots",
        ),
        (
            &[
                "mailbox",
                "add",
                "z@example.org",
                "--password-hash",
                "{PLAIN}secret",
            ],
            "PLAIN",
        ),
        (
            &["alias", "add", "x@example.org", "not-an-address"],
            "not-an-address",
        ),
        (&["mailbox", "list", "bad-.org"], "bad-.org"),
    ];
    for (args, named) in cases {
        let err = env.fails(args, 2);
        assert!(err.contains(named), "{args:?}: {err}");
    }
    // Usage errors from the parser keep the one-line form and exit 2.
    let err = env.fails(&["mailbox", "frobnicate"], 2);
    assert!(err.contains("frobnicate"), "{err}");
    env.fails(&["mailbox", "edit", "alice@example.org"], 2);
}

#[test]
fn refusals_exit_1() {
    let env = Env::seeded();
    let cases: &[(&[&str], &str)] = &[
        (
            &["mailbox", "add", "x@unknown.org", "--generate-password"],
            "unknown.org",
        ),
        (
            &["mailbox", "add", "alice@example.org", "--generate-password"],
            "already exists",
        ),
        (&["domain", "add", "example.org"], "already exists"),
        (&["domain", "rm", "example.org"], "--cascade"),
        (
            &[
                "mailbox",
                "add",
                "big@example.org",
                "--quota",
                "2G",
                "--generate-password",
            ],
            "total quota",
        ),
        (
            &[
                "mailbox",
                "edit",
                "alice@example.org",
                "--name",
                "X",
                "--if-version",
                "7",
            ],
            "changed by someone else",
        ),
        (&["alias", "rm", "nobody@example.org"], "nobody@example.org"),
    ];
    for (args, says) in cases {
        let err = env.fails(args, 1);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    env.ok(&["mailbox", "add", "b@example.org", "--generate-password"]);
    env.ok(&["mailbox", "add", "c@example.org", "--generate-password"]);
    let err = env.fails(
        &["mailbox", "add", "d@example.org", "--generate-password"],
        1,
    );
    assert!(err.contains("limit of 3 mailboxes"), "{err}");
    // Nothing half-done: the refused mailbox is absent and not audited.
    env.fails(&["mailbox", "show", "d@example.org"], 1);
    let audit = env.json(&["audit", "--limit", "100"]);
    assert!(
        !serde_json::to_string(&audit)
            .unwrap()
            .contains("d@example.org")
    );

    env.ok(&["domain", "rm", "example.org", "--cascade"]);
    assert_eq!(env.json(&["mailbox", "list"]).as_array().unwrap().len(), 0);
}

#[test]
fn passwords_never_on_argv() {
    let env = Env::seeded();
    let err = env.fails(
        &[
            "mailbox",
            "add",
            "x@example.org",
            "--password",
            "hunter2hunter2",
        ],
        2,
    );
    assert!(err.contains("--password-stdin"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the refused password is not echoed: {err}"
    );
    // No source and no terminal: refused, nothing created.
    let err = env.fails(&["mailbox", "add", "x@example.org"], 2);
    assert!(err.contains("--password-stdin"), "{err}");
    env.fails(&["mailbox", "show", "x@example.org"], 1);
    // Two sources at once is a usage error.
    env.fails(
        &[
            "mailbox",
            "add",
            "x@example.org",
            "--generate-password",
            "--password-stdin",
        ],
        2,
    );
    // A short password from stdin is refused with a reason.
    let out = env
        .cmd()
        .args(["mailbox", "passwd", "alice@example.org", "--password-stdin"])
        .write_stdin("short\n")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("shorter than"));
}

#[test]
fn secrets_stay_out_of_the_store_and_audit() {
    let env = Env::seeded();
    env.cmd()
        .args(["mailbox", "passwd", "alice@example.org", "--password-stdin"])
        .write_stdin("PlaintextMarker-1234\n")
        .assert()
        .success();
    let db = std::fs::read(env.dir.path().join("directory.db")).unwrap();
    let needle = b"PlaintextMarker-1234";
    assert!(
        !db.windows(needle.len()).any(|w| w == needle),
        "plaintext password in the store"
    );
    let audit = serde_json::to_string(&env.json(&["audit"])).unwrap();
    assert!(
        !audit.contains("PlaintextMarker") && !audit.contains("$6$"),
        "{audit}"
    );
    assert!(
        audit.contains("password_changed"),
        "the audit says the password changed: {audit}"
    );
}

#[test]
fn config_errors() {
    let env = Env::new();
    let missing = env.dir.path().join("nope.toml");
    let err = env.fails(
        &["--config", missing.to_str().unwrap(), "domain", "list"],
        2,
    );
    assert!(
        err.contains("nope.toml") && err.contains("cannot be read"),
        "{err}"
    );

    let bad = env.dir.path().join("bad.toml");
    std::fs::write(&bad, "[stack]\nmail_rot = \"/x\"\n").unwrap();
    let err = env.fails(&["--config", bad.to_str().unwrap(), "domain", "list"], 2);
    assert!(err.contains("mail_rot") && err.contains("line 2"), "{err}");

    let unreadable = env.dir.path().join("unreadable.toml");
    std::fs::write(&unreadable, "").unwrap();
    let dir_as_file: PathBuf = env.dir.path().to_path_buf();
    let err = env.fails(
        &["--config", dir_as_file.to_str().unwrap(), "domain", "list"],
        2,
    );
    assert!(err.contains("cannot be read"), "{err}");

    let leaky = env.dir.path().join("leaky.toml");
    std::fs::write(
        &leaky,
        "[directory]\nurl = \"postgres://u:secret@127.0.0.1/x\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&leaky, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = env.fails(&["--config", leaky.to_str().unwrap(), "domain", "list"], 2);
    assert!(
        err.contains("readable by every user") && !err.contains("secret"),
        "{err}"
    );

    let err = env.fails(&["--directory", "ftp://x", "domain", "list"], 2);
    assert!(err.contains("ftp://x"), "{err}");
}

#[test]
fn unreachable_directory_exits_1() {
    let env = Env::new();
    // A port nothing listens on: refused at once, naming host:port, never
    // the pool's "timed out" after seconds.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://nobody:pw@127.0.0.1:{port}/none");
    let err = env.fails(&["--directory", &url, "domain", "list"], 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "postier: directory postgres://nobody:***@127.0.0.1:{port}/none: cannot connect to \
             127.0.0.1:{port}: connection refused (is the database server running and listening \
             there? Check [directory] url)"
        )
    );
}

#[test]
fn mistyped_sqlite_path_is_refused_and_creates_nothing() {
    let env = Env::new();
    let missing = env.dir.path().join("typo").join("directory.db");
    let url = format!("sqlite:{}", missing.display());
    for args in [&["domain", "list"][..], &["--json", "mailbox", "list"][..]] {
        let mut all = vec!["--directory", &url];
        all.extend_from_slice(args);
        let err = env.fails(&all, 1);
        assert_eq!(
            err.trim_end(),
            format!(
                "postier: directory {url}: {} does not exist (check the path; to start a new \
                 directory there: postier --directory {url} db migrate)",
                missing.display()
            )
        );
    }
    assert!(!missing.parent().unwrap().exists(), "no folder made");
    // db migrate is how a new directory is started there.
    env.ok(&["--directory", &url, "db", "migrate"]);
    assert!(missing.exists());
}

#[test]
fn the_default_directory_is_created_on_first_use_and_said_so() {
    let env = Env::new();
    let data = env.dir.path().join("xdg");
    let out = env
        .cmd()
        .env_remove("POSTIER_DIRECTORY")
        .env("XDG_DATA_HOME", &data)
        .args(["domain", "list"])
        .assert()
        .success()
        .get_output()
        .clone();
    let made = data.join("postier").join("directory.db");
    assert!(made.exists());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "postier: created a new, empty directory at {} (the default location; set \
             [directory] url or --directory to use another)",
            made.display()
        )
    );
    // Said once: the next run finds it.
    let again = env
        .cmd()
        .env_remove("POSTIER_DIRECTORY")
        .env("XDG_DATA_HOME", &data)
        .args(["domain", "list"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(again.stderr.is_empty());
}

#[test]
fn damaged_sqlite_file_is_named_with_what_to_do() {
    let env = Env::new();
    let file = env.dir.path().join("damaged.db");
    std::fs::write(
        &file,
        "this is not a database, it is a text file of some length",
    )
    .unwrap();
    let url = format!("sqlite:{}", file.display());
    let err = env.fails(&["--directory", &url, "domain", "list"], 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "postier: directory {url}: {} is not a SQLite database or is damaged (restore it \
             from your backup, or check that [directory] url names the right file)",
            file.display()
        )
    );
}

#[test]
fn access_roles_are_enforced() {
    let env = Env::seeded();
    env.ok(&["domain", "add", "other.org"]);
    let me = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let me = me.trim();
    let config = env.dir.path().join("roles.toml");
    std::fs::write(
        &config,
        format!("[access.domain_admins]\n{me} = [\"example.org\"]\n"),
    )
    .unwrap();
    let as_domain_admin = |args: &[&str]| {
        let mut c = env.cmd();
        c.env("POSTIER_CONFIG", &config)
            .env_remove("SUDO_USER")
            .args(args);
        c
    };
    as_domain_admin(&["mailbox", "add", "da@example.org", "--generate-password"])
        .assert()
        .success();
    let out = as_domain_admin(&["mailbox", "add", "da@other.org", "--generate-password"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("may not manage domain other.org")
    );
    as_domain_admin(&["domain", "add", "third.org"])
        .assert()
        .code(1);
    let out = as_domain_admin(&["--json", "domain", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let seen: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        seen.as_array().unwrap().len(),
        1,
        "a domain admin sees only their domains"
    );
}

/// Two processes edit the same mailbox from the same version at once: one
/// wins, the other is refused with a conflict, and the stored state is the
/// winner's write — on every SQL backend.
#[test]
fn concurrent_edits_one_wins_one_conflicts() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mariadb] {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        let env = env.seed();
        for round in 0..5 {
            let version = env.json(&["mailbox", "show", "alice@example.org"])["version"]
                .as_i64()
                .unwrap()
                .to_string();
            let spawn = |name: String| {
                let mut c = env.std_cmd();
                c.args([
                    "mailbox",
                    "edit",
                    "alice@example.org",
                    "--name",
                    &name,
                    "--if-version",
                    &version,
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
            };
            let (one, two) = (spawn(format!("One {round}")), spawn(format!("Two {round}")));
            let (one, two) = (
                one.wait_with_output().unwrap(),
                two.wait_with_output().unwrap(),
            );
            let codes = [one.status.code(), two.status.code()];
            assert!(
                codes.contains(&Some(0)) && codes.contains(&Some(1)),
                "{}: {codes:?}",
                backend.name()
            );
            let (winner, loser) = if one.status.success() {
                (format!("One {round}"), &two)
            } else {
                (format!("Two {round}"), &one)
            };
            let refusal = String::from_utf8_lossy(&loser.stderr);
            assert!(
                refusal.contains("changed by someone else") || refusal.contains("try again"),
                "{}: {refusal}",
                backend.name()
            );
            let stored = env.json(&["mailbox", "show", "alice@example.org"]);
            assert_eq!(stored["name"], winner.as_str(), "{}", backend.name());
            assert_eq!(
                stored["version"].as_i64().unwrap(),
                version.parse::<i64>().unwrap() + 1,
                "exactly one write"
            );
        }
    }
}

/// A mailbox and an alias once shared an address (Postfix then hands the
/// mailbox's mail to the alias): two processes racing to make one of each
/// at the same address — exactly one wins, on every SQL backend.
#[test]
fn a_mailbox_and_an_alias_racing_for_one_address_never_both_win() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mariadb] {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        let env = env.seed();
        for round in 0..5 {
            let address = format!("race{round}@example.org");
            let spawn = |args: &[&str]| {
                env.std_cmd()
                    .args(args)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            };
            let mailbox = spawn(&["mailbox", "add", &address, "--password-hash", Env::hash()]);
            let alias = spawn(&["alias", "add", &address, "friend@elsewhere.test"]);
            let (mailbox, alias) = (
                mailbox.wait_with_output().unwrap(),
                alias.wait_with_output().unwrap(),
            );
            let won = [mailbox.status.success(), alias.status.success()];
            assert_eq!(
                won.iter().filter(|w| **w).count(),
                1,
                "{} round {round}: {:?} / {:?}",
                backend.name(),
                String::from_utf8_lossy(&mailbox.stderr),
                String::from_utf8_lossy(&alias.stderr)
            );
            let loser = if won[0] { &alias } else { &mailbox };
            assert_eq!(loser.status.code(), Some(1));
            let shown = env
                .cmd()
                .args(["mailbox", "show", &address])
                .output()
                .unwrap();
            assert_eq!(shown.status.success(), won[0], "{}", backend.name());
            // The mailbox limit of the seed is 3: make room for the next round.
            if won[0] {
                env.ok(&["mailbox", "rm", &address]);
            } else {
                env.ok(&["alias", "rm", &address]);
            }
        }
    }
}

#[test]
fn human_output_follows_the_locale() {
    let env = Env::seeded();
    let french = |args: &[&str]| {
        let out = env
            .cmd()
            .env("LC_ALL", "fr_FR.UTF-8")
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let list = french(&["mailbox", "list"]);
    assert!(
        list.starts_with("ADRESSE") && list.contains("oui"),
        "{list}"
    );
    let added = french(&["mailbox", "add", "zoe@example.org", "--generate-password"]);
    assert!(
        added.contains("boîte zoe@example.org ajouté(e)")
            && added.contains("affiché une seule fois"),
        "{added}"
    );
    assert!(
        env.ok(&["mailbox", "list"]).starts_with("ADDRESS"),
        "English by default"
    );
    // JSON is the same whatever the locale.
    let out = env
        .cmd()
        .env("LC_ALL", "fr_FR.UTF-8")
        .args(["--json", "mailbox", "show", "zoe@example.org"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let fr: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(fr["active"], true);
}

#[test]
fn db_migrate_is_idempotent() {
    let env = Env::new();
    env.ok(&["db", "migrate"]);
    assert_eq!(env.json(&["db", "migrate"])["migrated"], true);
}

#[test]
fn a_new_sqlite_directory_is_not_world_readable() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    env.ok(&["domain", "list"]);
    let mode = std::fs::metadata(env.dir.path().join("directory.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o007,
        0,
        "mode {mode:o}: password hashes must not be world-readable"
    );
}

/// Regression: output into a pipe whose reader has gone (`postier … | head`)
/// used to panic with "failed printing to stdout".
#[test]
fn a_closed_pipe_stops_quietly() {
    let env = Env::seeded();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = env
        .std_cmd()
        .args(["mailbox", "list"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "no panic exit");
}

#[test]
fn a_missing_argument_is_named_with_its_subcommand_help() {
    let env = Env::new();
    for (args, line) in [
        (
            &["mailbox", "add"][..],
            "postier: usage: missing <ADDRESS> (see: postier mailbox add --help)",
        ),
        (
            &["alias", "add", "x@example.org"][..],
            "postier: usage: missing <TARGET>... (see: postier alias add --help)",
        ),
        (
            &["domain", "frob"][..],
            "postier: usage: unrecognized subcommand 'frob' (see: postier domain --help)",
        ),
    ] {
        assert_eq!(env.fails(args, 2).trim_end(), line);
    }
}

#[test]
fn a_negative_size_says_negative() {
    let env = Env::seeded();
    let err = env.fails(
        &["mailbox", "edit", "alice@example.org", "--quota", "-1G"],
        2,
    );
    assert_eq!(
        err.trim_end(),
        "postier: size \"-1G\": is negative (write bytes or a number with a unit, e.g. 500M, \
         2G, 1GiB; 0 means unlimited)"
    );
}

/// A domain with a total quota and no default quota once accepted no plain
/// `mailbox add`: now it shares the total by its mailbox limit (and says
/// so), or is refused when there is none to share by.
#[test]
fn capped_domain_without_default_quota_gets_a_fitting_one_or_is_refused() {
    let env = Env::new();
    let err = env.fails(&["domain", "add", "capped.org", "--quota", "10G"], 2);
    assert_eq!(
        err.trim_end(),
        "postier: domain capped.org: has a total quota of 10G but no default quota, so a \
         mailbox added without a quota could not be created (give a default quota too with \
         --default-quota SIZE, or a mailbox limit to share the total between)"
    );
    let out = env
        .cmd()
        .args([
            "domain",
            "add",
            "capped.org",
            "--quota",
            "10G",
            "--max-mailboxes",
            "20",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "postier: default quota set to 512M: the total quota of 10G shared by the 20 mailboxes \
         allowed (change it with --default-quota)"
    );
    env.ok(&[
        "mailbox",
        "add",
        "a@capped.org",
        "--password-hash",
        Env::hash(),
    ]);
    let m = env.json(&["mailbox", "show", "a@capped.org"]);
    assert_eq!(m["quota_bytes"], 512 * 1024 * 1024);
    // A cap set later over an unlimited default is held to the same rule.
    env.ok(&["domain", "add", "free.org"]);
    env.fails(&["domain", "edit", "free.org", "--quota", "1G"], 2);
    env.ok(&[
        "domain",
        "edit",
        "free.org",
        "--quota",
        "1G",
        "--default-quota",
        "100M",
    ]);
}

/// IDN domains leaked as A-labels in errors and the audit view: people see
/// U-labels everywhere; JSON keeps the A-label and adds `display`.
#[test]
fn idn_names_are_shown_as_u_labels() {
    let env = Env::new();
    env.ok(&["domain", "add", "exämple.org", "--max-mailboxes", "1"]);
    env.ok(&[
        "mailbox",
        "add",
        "a@exämple.org",
        "--password-hash",
        Env::hash(),
    ]);
    let err = env.fails(
        &[
            "mailbox",
            "add",
            "b@xn--exmple-cua.org",
            "--password-hash",
            Env::hash(),
        ],
        1,
    );
    assert_eq!(
        err.trim_end(),
        "postier: domain exämple.org: has reached its limit of 1 mailboxes (raise it with: \
         postier domain edit exämple.org --max-mailboxes N)"
    );
    let m = env.json(&["mailbox", "show", "a@exämple.org"]);
    assert_eq!(m["address"], "a@xn--exmple-cua.org");
    assert_eq!(m["display"], "a@exämple.org");
    let d = env.json(&["domain", "list"]);
    assert_eq!(d[0]["name"], "xn--exmple-cua.org");
    assert_eq!(d[0]["display"], "exämple.org");
    let audit = env.ok(&["audit"]);
    assert!(
        audit.contains("a@exämple.org") && !audit.contains("xn--"),
        "{audit}"
    );
}

/// `domain rm` left the domain's DKIM key active and in the signer tables,
/// and `dkim generate` made keys for domains the service does not run.
#[test]
fn a_removed_domains_dkim_keys_leave_the_signer_tables() {
    let env = Env::new();
    let keys = env.dir.path().join("dkim");
    std::fs::write(
        env.dir.path().join("postier.toml"),
        format!("[dkim]\nkey_dir = \"{}\"\n", keys.display()),
    )
    .unwrap();
    let err = env.fails(
        &[
            "dkim",
            "generate",
            "nobody-hosts-this.org",
            "--algorithm",
            "ed25519",
        ],
        1,
    );
    assert_eq!(
        err.trim_end(),
        "postier: DKIM key of nobody-hosts-this.org: nobody-hosts-this.org is not a domain \
         postier hosts (add it first: postier domain add nobody-hosts-this.org)"
    );
    assert!(!keys.join("nobody-hosts-this.org").exists());
    for domain in ["gone.org", "kept.org"] {
        env.ok(&["domain", "add", domain]);
        env.ok(&["dkim", "generate", domain, "--algorithm", "ed25519"]);
    }
    env.ok(&[
        "mailbox",
        "add",
        "a@gone.org",
        "--password-hash",
        Env::hash(),
    ]);
    // New keys are pending (they sign once DNS publishes them: see
    // dns_cli), so no table names them yet.
    let tables = env.ok(&["dkim", "tables", "--format", "opendkim"]);
    assert!(
        !tables.contains("gone.org") && !tables.contains("kept.org"),
        "{tables}"
    );
    env.ok(&["domain", "rm", "gone.org", "--cascade"]);
    assert_eq!(
        env.json(&["dkim", "show", "kept.org"])["keys"][0]["state"],
        "pending"
    );
    let shown = env.json(&["dkim", "show", "gone.org"]);
    assert_eq!(shown["keys"][0]["state"], "retiring");
    assert!(shown["keys"][0]["retire_after"].is_string());
}

/// What a new admin looked for and did not find: a search across
/// domains, who forwards to an address, how full each mailbox is, and the
/// audit log narrowed by who, what and when.
#[test]
fn search_forwarders_usage_and_audit_filters() {
    let env = Env::new();
    let mail_root = env.dir.path().join("vmail");
    std::fs::write(
        env.dir.path().join("postier.toml"),
        format!("[stack]\nmail_root = \"{}\"\n", mail_root.display()),
    )
    .unwrap();
    env.ok(&["domain", "add", "one.org"]);
    env.ok(&["domain", "add", "two.org"]);
    for (address, name) in [
        ("marie@one.org", "Marie Dupont"),
        ("marc@two.org", "Marc"),
        ("paul@two.org", "Paul Marie"),
    ] {
        env.ok(&[
            "mailbox",
            "add",
            address,
            "--name",
            name,
            "--quota",
            "2M",
            "--password-hash",
            Env::hash(),
        ]);
    }
    env.ok(&[
        "alias",
        "add",
        "info@two.org",
        "marie@one.org",
        "paul@two.org",
    ]);
    env.ok(&["alias", "add", "team@one.org", "marc@two.org"]);

    let found = env.json(&["mailbox", "list", "--search", "MARIE"]);
    let found: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["marie@one.org", "paul@two.org"]);

    let forwarders = env.json(&["alias", "list", "--target", "marie@one.org"]);
    assert_eq!(forwarders.as_array().unwrap().len(), 1);
    assert_eq!(forwarders[0]["address"], "info@two.org");

    // Dovecot's count of marie's mail: 1 MiB of her 2M.
    let maildir = mail_root.join("one.org").join("marie");
    std::fs::create_dir_all(&maildir).unwrap();
    std::fs::write(maildir.join("maildirsize"), "2097152S\n1048576 3\n").unwrap();
    let table = env.ok(&["mailbox", "list", "one.org"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("marie@one.org"))
        .unwrap();
    assert!(row.contains(" 1M 50% "), "{table}");
    let shown = env.ok(&["mailbox", "show", "marie@one.org"]);
    assert!(shown.contains("1M of 2M (50%; 1048576 bytes)"), "{shown}");

    let audit = env.json(&["audit", "--object", "two.org", "--limit", "2"]);
    let objects: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    assert_eq!(objects, ["info@two.org", "paul@two.org"]);
    assert!(
        env.json(&["audit", "--actor", "nobody-else"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        env.json(&["audit", "--since", "2999-01-01"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.json(&["audit", "--since", "2000-01-01"])
            .as_array()
            .unwrap()
            .len(),
        7
    );
    let err = env.fails(&["audit", "--since", "yesterday"], 2);
    assert_eq!(
        err.trim_end(),
        "postier: date \"yesterday\": is not a date (write YYYY-MM-DD, e.g. 2026-11-30, or an RFC 3339 time)"
    );
}

/// `dkim tables --out DIR` failed when DIR did not exist; keys were
/// readable by their owner only, so the signer could not load them.
#[test]
fn dkim_keys_for_the_signers_group_and_tables_into_a_new_folder() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let env = Env::new();
    let keys = env.dir.path().join("dkim");
    let config = |group: &str| {
        std::fs::write(
            env.dir.path().join("postier.toml"),
            format!(
                "[dkim]\nkey_dir = \"{}\"\nsigner_group = \"{group}\"\n",
                keys.display()
            ),
        )
        .unwrap()
    };
    config("no-such-group-here");
    env.ok(&["domain", "add", "signed.org"]);
    let err = env.fails(
        &["dkim", "generate", "signed.org", "--algorithm", "ed25519"],
        2,
    );
    assert!(
        err.contains("[dkim] signer_group \"no-such-group-here\": is not a group on this host"),
        "{err}"
    );
    config("mail");
    env.ok(&["dkim", "generate", "signed.org", "--algorithm", "ed25519"]);
    let mail_gid = users::get_group_by_name("mail")
        .expect("Debian's mail group")
        .gid();
    let key = std::fs::metadata(keys.join("signed.org").join("s1.key")).unwrap();
    assert_eq!(
        (key.permissions().mode() & 0o777, key.gid()),
        (0o640, mail_gid)
    );
    for dir in [keys.clone(), keys.join("signed.org")] {
        let meta = std::fs::metadata(&dir).unwrap();
        assert_eq!(
            (meta.permissions().mode() & 0o777, meta.gid()),
            (0o750, mail_gid),
            "{dir:?}"
        );
    }
    let out = env.dir.path().join("etc").join("opendkim");
    env.ok(&[
        "dkim",
        "tables",
        "--format",
        "opendkim",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o750
    );
    // Written, empty: the new key is pending until DNS publishes it.
    let signing = std::fs::read_to_string(out.join("SigningTable")).unwrap();
    assert!(!signing.contains("signed.org"), "{signing}");
    assert!(out.join("KeyTable").exists());
}

/// Every CLI error was English: a French admin reads them in French, the
/// values (addresses, commands) as they are.
#[test]
fn errors_follow_the_locale() {
    let env = Env::seeded();
    let french = |args: &[&str], code: i32| {
        let out = env
            .cmd()
            .env("LC_ALL", "fr_FR.UTF-8")
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        String::from_utf8(out.stderr)
            .unwrap()
            .trim_end()
            .to_string()
    };
    assert_eq!(
        french(&["mailbox", "show", "nobody@example.org"], 1),
        "postier: boîte nobody@example.org : introuvable"
    );
    assert_eq!(
        french(&["mailbox", "add"], 2),
        "postier: usage: il manque <ADDRESS> (voir : postier mailbox add --help)"
    );
    env.ok(&["alias", "add", "info@example.org", "alice@example.org"]);
    assert_eq!(
        french(
            &["alias", "add", "alice@example.org", "x@elsewhere.test"],
            1
        ),
        "postier: alias alice@example.org : est déjà une boîte (Postfix donnerait le courrier \
         de la boîte à l'alias) (choisissez une autre adresse, ou supprimez d'abord la boîte)"
    );
}

/// postier marks itself non-dumpable: no core dump holds a password it
/// read, and other processes of the same user cannot read its memory or
/// environment (`/proc/PID/environ` then belongs to root, not to the user).
#[test]
fn postier_is_not_dumpable() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("postier");
    std::fs::copy(env!("CARGO_BIN_EXE_postier"), &bin).unwrap();
    // A DNS server that never answers: postier waits on it meanwhile.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = silent.local_addr().unwrap().to_string();
    let mut child = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&bin)
        .args(["dns", "spf", "example.org", "--ip", "192.0.2.1"])
        .args(["--nameserver", &server])
        .current_dir("/")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("runuser");
    let running =
        |pid: &str| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == bin);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pid = loop {
        let found = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|p| p.bytes().all(|b| b.is_ascii_digit()) && running(p));
        if let Some(pid) = found {
            break pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "postier did not start as nobody"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    // Found right after its exec, postier may not have reached main yet:
    // it must turn non-dumpable while it waits on the silent server.
    let owner = || {
        std::fs::metadata(format!("/proc/{pid}/environ"))
            .map(|m| m.uid())
            .ok()
    };
    let mut environ_owner = owner();
    while environ_owner != Some(0) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
        environ_owner = owner();
    }
    let _ = std::process::Command::new("kill").arg(&pid).status();
    let _ = child.wait();
    assert_ne!(uid, "0", "it runs as nobody");
    assert_eq!(
        environ_owner,
        Some(0),
        "non-dumpable: /proc/{pid} belongs to root"
    );
}

/// `--quiet` (`-q`) is for scripts: a change that succeeds prints nothing,
/// while what was asked for (a read, a plan, a generated password) and
/// every error are still printed.
#[test]
fn quiet_changes_print_nothing_but_what_was_asked_for() {
    let env = Env::seeded();
    assert_eq!(env.ok(&["-q", "domain", "add", "quiet.example"]), "");
    assert_eq!(
        env.ok(&[
            "mailbox",
            "add",
            "bob@quiet.example",
            "--password-hash",
            Env::hash(),
            "--quiet"
        ]),
        ""
    );
    assert_eq!(
        env.ok(&[
            "--quiet",
            "alias",
            "add",
            "team@quiet.example",
            "bob@quiet.example"
        ]),
        ""
    );
    // The change was made: the read (asked for) still prints it.
    let list = env.ok(&["--quiet", "mailbox", "list", "quiet.example"]);
    assert!(list.contains("bob@quiet.example"), "{list}");
    // A generated password is what was asked for: shown once, even quiet.
    let shown = env.ok(&[
        "-q",
        "mailbox",
        "add",
        "carol@quiet.example",
        "--generate-password",
    ]);
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        !shown.contains("carol@quiet.example"),
        "no confirmation: {shown}"
    );
    // An import applied quietly says nothing; its plan, asked for, is printed.
    let file = env.dir.path().join("more.yaml");
    std::fs::write(
        &file,
        "mailboxes:\n- address: dan@quiet.example\n  password: generate\n",
    )
    .unwrap();
    let file = file.display().to_string();
    let plan = env.ok(&["-q", "import", "--plan", &file]);
    assert!(plan.contains("dan@quiet.example"), "{plan}");
    let passwords = env.dir.path().join("passwords.csv").display().to_string();
    assert_eq!(
        env.ok(&["-q", "import", &file, "--passwords-out", &passwords]),
        ""
    );
    assert!(
        env.ok(&["mailbox", "show", "dan@quiet.example"])
            .contains("dan@")
    );
    // Errors are never silenced.
    let err = env.fails(&["-q", "domain", "add", "quiet.example"], 1);
    assert!(err.contains("quiet.example"), "{err}");
}

/// `-n`/`--dry-run` changes nothing wherever it is offered for bulk
/// changes; on `import` it is `--plan`.
#[test]
fn dry_run_is_spelled_the_same_everywhere() {
    let env = Env::seeded();
    let file = env.dir.path().join("bulk.yaml");
    std::fs::write(
        &file,
        "domains:\n- name: bulk.example\nmailboxes:\n- address: eve@bulk.example\n  password: generate\n",
    )
    .unwrap();
    let file = file.display().to_string();
    for flag in ["-n", "--dry-run", "--plan"] {
        let plan = env.ok(&["import", flag, &file]);
        assert!(plan.contains("eve@bulk.example"), "{flag}: {plan}");
    }
    let domains = env.json(&["domain", "list"]);
    assert!(
        !domains.to_string().contains("bulk.example"),
        "nothing imported: {domains}"
    );
    // The help says so, for people.
    let help = env.ok(&["import", "--help"]);
    assert!(help.contains("-n, --plan"), "{help}");
    assert!(help.contains("dry-run"), "{help}");
    for cmd in [["backup", "run"], ["backup", "purge"], ["backup", "prune"]] {
        let help = env.ok(&[cmd[0], cmd[1], "--help"]);
        assert!(help.contains("-n, --dry-run"), "{cmd:?}: {help}");
    }
}

/// Output read by a pipe (`postier mailbox list | less`) carries no
/// terminal escape codes, even when the terminal type asks for colour;
/// help and usage errors neither.
#[test]
fn output_through_a_pipe_has_no_escape_codes() {
    let env = Env::seeded();
    for args in [
        vec!["mailbox", "list"],
        vec!["domain", "show", "example.org"],
        vec!["--help"],
        vec!["mailbox", "--help"],
        vec!["mailbox", "add"],
        vec!["mailbox", "show", "nobody@example.org"],
    ] {
        let out = env
            .std_cmd()
            .args(&args)
            .env("TERM", "xterm-256color")
            .env("COLORTERM", "truecolor")
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text.contains(&0x1b),
                "{args:?}: escape code on {name}: {}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(!out.stdout.is_empty() || !out.stderr.is_empty(), "{args:?}");
    }
}

/// `domain rm --cascade -n` lists everything the removal would take and
/// removes nothing; without `--cascade` it is refused as the removal is.
#[test]
fn a_domain_removal_dry_run_lists_what_would_go_and_keeps_it() {
    let env = Env::seeded();
    env.ok(&["alias", "add", "team@example.org", "alice@example.org"]);
    env.ok(&["domain", "alias", "add", "example.net", "example.org"]);
    let err = env.fails(&["domain", "rm", "example.org", "-n"], 1);
    assert!(
        err.contains("still has 1 mailboxes, 1 aliases and 1 alias domains"),
        "{err}"
    );
    let plan = env.ok(&["domain", "rm", "example.org", "--cascade", "--dry-run"]);
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(
        lines,
        [
            "mailbox alice@example.org would be removed",
            "alias team@example.org would be removed",
            "alias domain example.net would be removed",
            "domain example.org would be removed",
        ],
        "{plan}"
    );
    let doc = env.json(&["domain", "rm", "example.org", "--cascade", "-n"]);
    assert_eq!(doc["would_remove"], "example.org");
    assert_eq!(doc["with"]["mailboxes"][0], "alice@example.org");
    // Nothing went.
    env.ok(&["mailbox", "show", "alice@example.org"]);
    env.ok(&["alias", "show", "team@example.org"]);
    env.ok(&["domain", "alias", "show", "example.net"]);
    // The real removal takes exactly that.
    let done = env.ok(&["domain", "rm", "example.org", "--cascade"]);
    assert_eq!(done.lines().count(), 4, "{done}");
}
