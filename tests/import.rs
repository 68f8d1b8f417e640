//! Batch import and export (SPEC.md, "Import and export"), through the real
//! binary on real databases: export then import plans nothing; a changed
//! file gives the exact plan; every bad row is reported with its line and
//! nothing is written; an import is one transaction on SQL; a saved plan
//! refuses to apply once the directory moved on.
//!
//! The server backends run under `tests/services/with-services.sh`.

use assert_cmd::Command;
use serde_json::Value;
use sqlx::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use support::slapd::Slapd;
use support::sql::{Backend, TestDatabase};
use tempfile::TempDir;

mod support;

const BACKENDS: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mariadb];

/// A throwaway directory (SQLite or a server database) and an empty config.
struct Env {
    dir: TempDir,
    server: Option<TestDatabase>,
    backend: Backend,
    ldap: Option<Slapd>,
}

impl Env {
    fn on(backend: Backend) -> Option<Env> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postier.toml"), "").unwrap();
        let server = if backend == Backend::Sqlite {
            None
        } else {
            Some(runtime().block_on(TestDatabase::create(backend))?)
        };
        let env = Env {
            dir,
            server,
            backend,
            ldap: None,
        };
        env.ok(&["db", "migrate"]);
        Some(env)
    }
    /// A throwaway OpenLDAP directory (its state store in the temp dir).
    fn ldap() -> Option<Env> {
        let slapd = Slapd::start()?;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postier.toml"), "").unwrap();
        Some(Env {
            dir,
            server: None,
            backend: Backend::Sqlite,
            ldap: Some(slapd),
        })
    }
    fn url(&self) -> String {
        if let Some(slapd) = &self.ldap {
            return slapd.ldap_url();
        }
        match &self.server {
            Some(db) => db.url().to_string(),
            None => format!("sqlite:{}", self.dir.path().join("directory.db").display()),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
    fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }
    fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("postier"));
        c.env("POSTIER_CONFIG", self.path("postier.toml"))
            .env("POSTIER_DIRECTORY", self.url())
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .env("LC_ALL", "C.UTF-8");
        if let Some(slapd) = &self.ldap {
            c.env("POSTIER_LDAP_BASE_DN", support::slapd::BASE_DN)
                .env("POSTIER_LDAP_BIND_DN", support::slapd::BIND_DN)
                .env("POSTIER_LDAP_BIND_PASSWORD_FILE", slapd.password_file())
                .env(
                    "POSTIER_LDAP_STATE_URL",
                    format!("sqlite:{}", self.path("ldap-state.db").display()),
                );
        }
        c
    }
    /// Runs, expects exit `code`, returns (stdout, stderr).
    fn run(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
    fn ok(&self, args: &[&str]) -> String {
        self.run(args, 0).0
    }
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("one JSON document")
    }
    fn audit_len(&self) -> usize {
        self.json(&["audit", "--limit", "100000"])
            .as_array()
            .unwrap()
            .len()
    }
    /// A directory with a bit of everything: limits, an IDN domain, an
    /// alias domain, an inactive mailbox, an alias and a catch-all.
    fn seed(&self) {
        self.ok(&[
            "domain",
            "add",
            "example.org",
            "--description",
            "Chorale, \"la Clé\"",
            "--max-mailboxes",
            "10",
            "--quota",
            "10G",
            "--default-quota",
            "1G",
        ]);
        self.ok(&["domain", "add", "exämple.net", "--max-aliases", "5"]);
        self.ok(&["domain", "alias", "add", "example.com", "example.org"]);
        for (address, name) in [
            ("alice@example.org", "Alice"),
            ("bob@example.org", "Bob Ünïcode"),
            ("carol@exämple.net", ""),
        ] {
            self.ok(&[
                "mailbox",
                "add",
                address,
                "--name",
                name,
                "--password-hash",
                HASH,
            ]);
        }
        self.ok(&["mailbox", "disable", "bob@example.org"]);
        self.ok(&[
            "alias",
            "add",
            "info@example.org",
            "alice@example.org",
            "x@gmail.com",
        ]);
        self.ok(&["alias", "add", "@exämple.net", "carol@exämple.net"]);
    }
    /// Runs SQL on the directory's own database (a test's trigger).
    fn sql(&self, statement: &str) {
        let url = self.url();
        let statement = sqlx::AssertSqlSafe(statement.to_string());
        runtime().block_on(async {
            match self.backend {
                Backend::Sqlite => {
                    let path = url.trim_start_matches("sqlite:");
                    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                        .await
                        .unwrap();
                    sqlx::raw_sql(statement).execute(&mut c).await.unwrap();
                }
                Backend::Postgres => {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::raw_sql(statement).execute(&mut c).await.unwrap();
                }
                Backend::Mariadb => {
                    let mut c = sqlx::MySqlConnection::connect(&url).await.unwrap();
                    sqlx::raw_sql(statement).execute(&mut c).await.unwrap();
                }
            }
        });
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

fn mode(path: &str) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn export_then_import_plans_nothing_and_rebuilds_the_same_directory() {
    for backend in BACKENDS {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        env.seed();
        let name = backend.name();
        for (format, file) in [("yaml", "all.yaml"), ("csv", "all.csv")] {
            let out = env.path(file).display().to_string();
            env.ok(&["export", "--format", format, "--with-hashes", "--out", &out]);
            assert_eq!(mode(&out), 0o600, "{name} {format}: hashes are private");
            let (stdout, _) = env.run(&["import", &out, "--plan", "--detailed-exitcode"], 0);
            assert_eq!(
                stdout, "nothing to change (8 unchanged)\n",
                "{name} {format}"
            );
            let before = env.audit_len();
            env.ok(&["import", &out]);
            assert_eq!(
                env.audit_len(),
                before,
                "{name}: a no-op import writes nothing"
            );

            // Into an empty directory: the same directory again.
            let Some(fresh) = Env::on(backend) else {
                continue;
            };
            let (stdout, _) = fresh.run(&["import", &out], 0);
            assert!(
                stdout.ends_with("applied: 8 added, 0 changed, 0 removed, 0 unchanged\n"),
                "{name} {format}: {stdout}"
            );
            let again = fresh.path("again").display().to_string();
            fresh.ok(&[
                "export",
                "--format",
                format,
                "--with-hashes",
                "--out",
                &again,
            ]);
            assert_eq!(
                std::fs::read_to_string(&out).unwrap(),
                std::fs::read_to_string(&again).unwrap(),
                "{name} {format}: export, import, export gives the same file"
            );
            let bob = fresh.json(&["mailbox", "show", "bob@example.org"]);
            assert_eq!(bob["active"], false);
            assert_eq!(bob["name"], "Bob Ünïcode");
            assert_eq!(bob["quota_bytes"], 1u64 << 30);
        }
        // Without --with-hashes: no hash anywhere, plain file mode.
        let text = env.ok(&["export"]);
        assert!(
            !text.contains("$6$") && !text.contains("password"),
            "{text}"
        );
        assert!(text.contains("name: example.org"), "{text}");
    }
}

#[test]
fn a_changed_file_gives_the_exact_plan_and_prune_removes_what_it_does_not_name() {
    for backend in BACKENDS {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        env.seed();
        let file = env.write(
            "changed.yaml",
            &format!(
                "mailboxes:\n\
                 - address: alice@example.org\n  quota: 2G\n  name: Alice L.\n\
                 - address: dave@example.org\n  password: '{HASH}'\n\
                 - address: bob@example.org\n\
                 aliases:\n\
                 - address: info@example.org\n  targets: [alice@example.org, dave@example.org]\n"
            ),
        );
        let plan = [
            "- mailbox carol@exämple.net",
            "~ mailbox alice@example.org: name \"Alice\" -> \"Alice L.\", quota 1G -> 2G",
            "+ mailbox dave@example.org",
            "~ alias info@example.org: targets alice@example.org, x@gmail.com -> alice@example.org, dave@example.org",
        ];
        // Without --prune, carol (not named) stays.
        let (stdout, _) = env.run(&["import", &file, "--plan", "--detailed-exitcode"], 4);
        let expected = format!(
            "{}\n1 to add, 2 to change, 0 to remove, 1 unchanged\n",
            plan[1..].join("\n")
        );
        assert_eq!(stdout, expected, "{}", backend.name());
        // With --prune of the IDN domain: carol and the catch-all go (the
        // catch-all first: it forwards to her).
        let (stdout, _) = env.run(
            &["import", &file, "--plan", "--prune", "xn--exmple-cua.net"],
            0,
        );
        let expected = format!(
            "- alias @exämple.net\n{}\n1 to add, 2 to change, 2 to remove, 1 unchanged\n",
            plan.join("\n")
        );
        assert_eq!(stdout, expected, "{}", backend.name());
        let doc = env.json(&["import", &file, "--plan", "--prune", "exämple.net"]);
        assert_eq!(
            doc["summary"],
            serde_json::json!({"add": 1, "change": 2, "remove": 2, "unchanged": 1})
        );
        let alice = doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["object"] == "alice@example.org")
            .unwrap();
        assert_eq!(alice["op"], "change");
        assert_eq!(alice["kind"], "mailbox");
        assert_eq!(
            alice["fields"]["quota_bytes"],
            serde_json::json!({"from": 1u64 << 30, "to": 2u64 << 30})
        );
        assert_eq!(doc["changes"][0]["op"], "remove");

        let audit = env.audit_len();
        env.ok(&["import", &file, "--prune", "exämple.net"]);
        assert_eq!(env.audit_len(), audit + 5, "one audit entry per change");
        assert_eq!(
            env.json(&["mailbox", "show", "alice@example.org"])["quota_bytes"],
            2u64 << 30
        );
        env.run(&["mailbox", "show", "carol@exämple.net"], 1);
        let (stdout, _) = env.run(
            &[
                "import",
                &file,
                "--plan",
                "--detailed-exitcode",
                "--prune",
                "exämple.net",
            ],
            0,
        );
        assert_eq!(stdout, "nothing to change (4 unchanged)\n");
    }
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_nothing_is_written() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    env.seed();
    let audit = env.audit_len();
    let file = env.write(
        "bad.csv",
        "kind;address;name;quota;password;targets;colour\n\
         mailbox;new@example.org;New;1G;{SHA512-CRYPT}$6$a$b;;\n",
    );
    let (_, stderr) = env.run(&["import", &file], 2);
    assert_eq!(
        stderr,
        format!(
            "postier: {file}:1: column 7 (\"colour\"): is not a column postier knows (columns: kind, address, name, description, targets, quota, default_quota, max_mailboxes, max_aliases, active, password, password_plain)\n\
             postier: import: 1 problem(s) in the files, nothing changed\n"
        )
    );
    let file = env.write(
        "bad.csv",
        "\u{feff}kind;address;name;quota;password;targets\r\n\
         mailbox;new@example.org;New;1G;{SHA512-CRYPT}$6$a$b;\r\n\
         mailbox;NEW@Example.ORG;Again;1G;{SHA512-CRYPT}$6$a$b;\r\n\
         mailbox;x@nowhere.example;;;{SHA512-CRYPT}$6$a$b;\r\n\
         \r\n\
         mailbox;y@example.org;;12Q;plain-text-here;\r\n\
         robot;z@example.org;;;;\r\n\
         alias;info@example.org;;;;ghost@example.org\r\n\
         mailbox;info@example.org;;;{SHA512-CRYPT}$6$a$b;\r\n\
         mailbox;big@example.org;;20G;{SHA512-CRYPT}$6$a$b;\r\n\
         mailbox;nopass@example.org;;;;\r\n",
    );
    let (stdout, stderr) = env.run(&["import", &file, "--plan"], 2);
    assert!(stdout.is_empty());
    let lines: Vec<&str> = stderr.lines().collect();
    let expect = [
        ":3: mailbox new@example.org: is already at",
        ":4: mailbox x@nowhere.example: domain nowhere.example is neither in the files nor in the directory",
        ":6: size \"12Q\": has an unknown unit \"Q\"",
        ":6: password hash: is neither {SCHEME}… nor a crypt hash",
        ":7: kind \"robot\": is not a kind of row postier knows",
        ":8: alias info@example.org: target ghost@example.org is in a domain postier hosts",
        ":9: mailbox info@example.org: is already an alias",
        ":10: domain example.org: would give its mailboxes",
        ":11: mailbox nopass@example.org: is new and has no password",
    ];
    assert_eq!(lines.len(), expect.len() + 1, "{stderr}");
    for (line, want) in lines.iter().zip(expect) {
        assert!(
            line.starts_with(&format!("postier: {file}{want}")),
            "{line}\nwanted {want}"
        );
    }
    assert!(
        !stderr.contains("plain-text-here"),
        "a plaintext is never echoed"
    );
    assert_eq!(
        *lines.last().unwrap(),
        "postier: import: 9 problem(s) in the files, nothing changed"
    );
    env.run(&["import", &file], 2);
    assert_eq!(env.audit_len(), audit, "nothing was written");
}

#[test]
fn csv_from_a_french_spreadsheet_and_passwords_in_every_form() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    env.seed();
    // A quoted cell may span lines; a name may not hold a line break, and
    // the rows after it keep their true line numbers.
    let multi = env.write(
        "multi.csv",
        "address,name,quota,password\r\n\
         zoe@example.org,\"Zoe\r\nsur deux lignes\",1G,generate\r\n\
         \r\n\
         yan@example.org,\"Yan, \"\"le boss\"\"\",7Q,generate\r\n",
    );
    let (_, stderr) = env.run(&["import", &multi, "--plan"], 2);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with(&format!("postier: {multi}:2: name: contains a line break")),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("postier: {multi}:5: size \"7Q\"")),
        "{stderr}"
    );
    assert_eq!(lines.len(), 3, "{stderr}");

    // BOM, `;`, CRLF, header in another case, quoted cells with the
    // separator and quotes, blank lines, U-label and A-label, a bare
    // MD5-CRYPT hash from an old system, a plaintext, a generated one.
    let file = env.write(
        "membres.csv",
        "\u{feff}Address;NAME;Quota;Password;Password_Plain\r\n\
         \r\n\
         dora@exämple.net;\"Dora; \"\"la chef\"\"\";500M;$1$saltsalt$25LgGon3XNtYIa0Snr8ar/;\r\n\
         eve@xn--exmple-cua.net;\"Eve, la trésorière\";1GiB;;correct horse battery\r\n\
         \r\n\
         fred@example.org;Fred;;generate;\r\n",
    );
    let (_, stderr) = env.run(&["import", &file], 2);
    assert!(stderr.contains("--passwords-out: is needed"), "{stderr}");
    let secrets = env.path("secrets.csv").display().to_string();
    let (stdout, stderr) = env.run(&["import", &file, "--passwords-out", &secrets], 0);
    assert!(stdout.contains("applied: 3 added"), "{stdout}");
    assert!(
        stderr.contains("1 generated passwords written to"),
        "{stderr}"
    );
    assert_eq!(mode(&secrets), 0o600);
    let text = std::fs::read_to_string(&secrets).unwrap();
    let generated = text
        .lines()
        .nth(1)
        .unwrap()
        .strip_prefix("fred@example.org,")
        .unwrap()
        .to_string();
    assert!(!stdout.contains(&generated) && !stderr.contains(&generated));

    let dora = env.json(&["mailbox", "show", "dora@exämple.net"]);
    assert_eq!(dora["name"], "Dora; \"la chef\"");
    assert_eq!(dora["quota_bytes"], 500u64 << 20);
    assert_eq!(dora["password_scheme"], "MD5-CRYPT");
    let eve = env.json(&["mailbox", "show", "eve@exämple.net"]);
    assert_eq!(eve["name"], "Eve, la trésorière");
    assert_eq!(eve["password_scheme"], "SHA512-CRYPT");
    // The hashes stored verify the passwords given.
    let yaml = env.ok(&["export", "--with-hashes"]);
    let doc: Value = serde_saphyr::from_str(&yaml).unwrap();
    let hash_of = |address: &str| {
        doc["mailboxes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["address"] == address)
            .unwrap()["password"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        hash_of("dora@xn--exmple-cua.net"),
        "{MD5-CRYPT}$1$saltsalt$25LgGon3XNtYIa0Snr8ar/"
    );
    let verifies = |address: &str, plain: &str| {
        let hash = postier::model::PasswordHash::parse(&hash_of(address)).unwrap();
        let plain = postier::password::Password::new(plain.to_string()).unwrap();
        postier::password::verify(&plain, &hash).unwrap()
    };
    assert!(verifies("eve@xn--exmple-cua.net", "correct horse battery"));
    assert!(verifies("fred@example.org", &generated));
    // Again: the plaintext verifies, a generated password is not made
    // again for an existing mailbox; nothing to change.
    let (stdout, _) = env.run(&["import", &file, "--plan", "--detailed-exitcode"], 0);
    assert_eq!(stdout, "nothing to change (3 unchanged)\n");
    // A new plaintext for Eve is a password change.
    let changed = env.write(
        "eve.csv",
        "address,password_plain\neve@exämple.net,a brand new one\n",
    );
    let (stdout, _) = env.run(&["import", &changed, "--plan"], 0);
    assert_eq!(
        stdout,
        "~ mailbox eve@exämple.net: password\n0 to add, 1 to change, 0 to remove, 0 unchanged\n"
    );
}

#[test]
fn an_import_is_one_transaction_on_sql() {
    for backend in BACKENDS {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        env.ok(&["domain", "add", "example.org"]);
        let mut yaml = String::from("mailboxes:\n");
        for n in 1..=60 {
            yaml.push_str(&format!(
                "- address: m{n}@example.org\n  password: '{HASH}'\n"
            ));
        }
        let file = env.write("sixty.yaml", &yaml);
        // The directory's database refuses the 50th mailbox.
        let trigger = match backend {
            Backend::Sqlite => "CREATE TRIGGER refuse_m50 BEFORE INSERT ON mailboxes \
                 WHEN NEW.address = 'm50@example.org' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                .to_string(),
            Backend::Postgres => "CREATE FUNCTION refuse_m50() RETURNS trigger AS $$ BEGIN \
                 IF NEW.address = 'm50@example.org' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_m50 BEFORE INSERT ON mailboxes FOR EACH ROW EXECUTE FUNCTION refuse_m50()"
                .to_string(),
            Backend::Mariadb => "CREATE TRIGGER refuse_m50 BEFORE INSERT ON mailboxes FOR EACH ROW \
                 BEGIN IF NEW.address = 'm50@example.org' THEN \
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END"
                .to_string(),
        };
        env.sql(&trigger);
        let audit = env.audit_len();
        let (stdout, stderr) = env.run(&["import", &file], 1);
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains("refused by the test"), "{stderr}");
        assert!(
            stderr.contains(" of 60: mailbox.add m50@example.org)"),
            "the refused change is named: {stderr}"
        );
        assert!(stderr.contains("nothing changed"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_eq!(
            env.audit_len(),
            audit,
            "{}: nothing written",
            backend.name()
        );
        assert_eq!(env.json(&["mailbox", "list"]).as_array().unwrap().len(), 0);

        let drop = match backend {
            Backend::Postgres => "DROP TRIGGER refuse_m50 ON mailboxes",
            _ => "DROP TRIGGER refuse_m50",
        };
        env.sql(drop);
        env.ok(&["import", &file]);
        assert_eq!(env.json(&["mailbox", "list"]).as_array().unwrap().len(), 60);
        let entries = env.json(&["audit", "--limit", "1000"]);
        let added = entries
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "mailbox.add")
            .count();
        assert_eq!(added, 60, "one audit entry per change");
        assert_eq!(env.audit_len(), audit + 60);
    }
}

#[test]
fn a_saved_plan_applies_only_while_the_directory_has_not_moved() {
    for backend in BACKENDS {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        env.seed();
        let file = env.write(
            "change.yaml",
            "mailboxes:\n- address: alice@example.org\n  quota: 3G\n- address: bob@example.org\n  active: true\n",
        );
        let plan = env.path("plan.json").display().to_string();
        let (stdout, stderr) = env.run(&["import", &file, "--plan-out", &plan], 0);
        assert!(
            stdout.contains("~ mailbox alice@example.org: quota 1G -> 3G"),
            "{stdout}"
        );
        assert!(stderr.contains("--apply-plan"), "{stderr}");
        assert_eq!(mode(&plan), 0o600);
        // Nothing changed yet.
        assert_eq!(
            env.json(&["mailbox", "show", "alice@example.org"])["quota_bytes"],
            1u64 << 30
        );
        // Someone else changes Bob: the plan is stale, nothing applies.
        env.ok(&["mailbox", "edit", "bob@example.org", "--name", "Robert"]);
        let audit = env.audit_len();
        let (_, stderr) = env.run(&["import", "--apply-plan", &plan], 1);
        assert!(
            stderr.starts_with("postier: mailbox bob@example.org: changed since the plan was made"),
            "{stderr}"
        );
        assert_eq!(env.audit_len(), audit);
        // A plan made now applies.
        env.run(&["import", &file, "--plan-out", &plan], 0);
        let (stdout, _) = env.run(&["import", "--apply-plan", &plan], 0);
        assert!(stdout.contains("applied: 0 added, 2 changed"), "{stdout}");
        assert_eq!(
            env.json(&["mailbox", "show", "alice@example.org"])["quota_bytes"],
            3u64 << 30
        );
        assert_eq!(
            env.json(&["mailbox", "show", "bob@example.org"])["active"],
            true
        );
        // A plan is for the directory it was made against.
        let Some(other) = Env::on(backend) else {
            continue;
        };
        other.seed();
        env.run(&["import", &file, "--plan-out", &plan], 0);
        let (_, stderr) = other.run(&["import", "--apply-plan", &plan], 1);
        assert!(
            stderr.starts_with("postier: plan: was made for directory"),
            "{stderr}"
        );
    }
}

fn fixture(path: &str) -> String {
    format!("{}/fixtures/import/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The stored hash of `address`, from an export with hashes.
fn stored_hash(env: &Env, address: &str) -> String {
    let doc: Value = serde_saphyr::from_str(&env.ok(&["export", "--with-hashes"])).unwrap();
    doc["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["address"] == address)
        .unwrap_or_else(|| panic!("{address} exported"))["password"]
        .as_str()
        .unwrap()
        .to_string()
}

fn verifies(hash: &str, plain: &str) -> bool {
    let hash = postier::model::PasswordHash::parse(hash).unwrap();
    let plain = postier::password::Password::new(plain.to_string()).unwrap();
    postier::password::verify(&plain, &hash).unwrap()
}

/// Dovecot's own verdict on a hash, when doveadm is installed.
fn dovecot_verifies(hash: &str, plain: &str) -> Option<bool> {
    let out = std::process::Command::new("doveadm")
        .args(["pw", "-t", hash, "-p", plain])
        .output()
        .ok()?;
    Some(out.status.success())
}

#[test]
fn docker_mailserver_config_imports_and_reimports_as_nothing() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    let from = format!("dms:{}", fixture("dms"));
    let (stdout, _) = env.run(&["import", "--from", &from], 0);
    assert_eq!(
        stdout,
        "+ domain dms.example\n+ mailbox one@dms.example\n+ mailbox two@dms.example\n\
         + alias @dms.example\n+ alias contact@dms.example\n+ alias friends@dms.example\n\
         applied: 6 added, 0 changed, 0 removed, 0 unchanged\n"
    );
    let one = env.json(&["mailbox", "show", "one@dms.example"]);
    assert_eq!(one["quota_bytes"], 2u64 << 30);
    let two = env.json(&["mailbox", "show", "two@dms.example"]);
    assert_eq!(two["quota_bytes"], 500u64 << 20);
    assert_eq!(two["password_scheme"], "BLF-CRYPT");
    assert_eq!(
        env.json(&["alias", "show", "contact@dms.example"])["targets"],
        serde_json::json!(["one@dms.example", "two@dms.example"])
    );
    assert!(verifies(
        &stored_hash(&env, "one@dms.example"),
        "dms user one"
    ));
    assert!(verifies(
        &stored_hash(&env, "two@dms.example"),
        "dms user two"
    ));
    let (stdout, _) = env.run(
        &["import", "--from", &from, "--plan", "--detailed-exitcode"],
        0,
    );
    assert_eq!(stdout, "nothing to change (6 unchanged)\n");
}

#[test]
fn modoboa_rows_import_with_quotas_in_mb_and_plaintexts_hashed() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    let from = format!("modoboa-csv:{}", fixture("modoboa.csv"));
    let (stdout, _) = env.run(&["import", "--from", &from], 0);
    assert!(
        stdout.ends_with("applied: 5 added, 0 changed, 0 removed, 0 unchanged\n"),
        "{stdout}"
    );
    let domain = env.json(&["domain", "show", "modo.example"]);
    assert_eq!(domain["quota_bytes"], 5000u64 << 20);
    assert_eq!(domain["default_quota_bytes"], 1000u64 << 20);
    assert_eq!(
        domain["alias_domains"],
        serde_json::json!(["modo-alias.example"])
    );
    let ann = env.json(&["mailbox", "show", "ann@modo.example"]);
    assert_eq!(ann["name"], "Ann Martin");
    assert_eq!(ann["quota_bytes"], 1000u64 << 20);
    assert!(verifies(
        &stored_hash(&env, "ann@modo.example"),
        "modoboa secret"
    ));
    // Modoboa would store "a plaintext one" verbatim; postier hashes it.
    let ben = stored_hash(&env, "ben@modo.example");
    assert!(ben.starts_with("{SHA512-CRYPT}$6$"), "{ben}");
    assert!(verifies(&ben, "a plaintext one"));
    assert_eq!(
        env.json(&["alias", "show", "team@modo.example"])["targets"],
        serde_json::json!(["ann@modo.example", "ben@modo.example", "ext@example.net"])
    );
    let (stdout, _) = env.run(
        &["import", "--from", &from, "--plan", "--detailed-exitcode"],
        0,
    );
    assert_eq!(stdout, "nothing to change (5 unchanged)\n");
    // A row type postier does not host is named with its line.
    let bad = env.write(
        "relay.csv",
        "relaydomain; relay.example; mx.example; 25; smtp; True; False\n",
    );
    let (_, stderr) = env.run(&["import", "--from", &format!("modoboa-csv:{bad}")], 2);
    assert!(
        stderr.starts_with(&format!(
            "postier: {bad}:1: row type \"relaydomain\": is not one postier imports"
        )),
        "{stderr}"
    );
}

#[test]
fn a_postfixadmin_database_imports_without_its_plumbing() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    let db = env.path("postfixadmin.db").display().to_string();
    runtime().block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}?mode=rwc"))
            .await
            .unwrap();
        let schema = std::fs::read_to_string(fixture("postfixadmin.sql")).unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(schema))
            .execute(&mut c)
            .await
            .unwrap();
    });
    let from = format!("postfixadmin:sqlite:{db}");
    let (stdout, _) = env.run(&["import", "--from", &from], 0);
    // No alias at paul's or rita's own address, no vacation target.
    assert_eq!(
        stdout,
        "+ domain pfx.example\n+ alias domain pfx-alias.example\n+ mailbox paul@pfx.example\n\
         + mailbox rita@pfx.example\n+ alias @pfx.example\n+ alias office@pfx.example\n\
         applied: 6 added, 0 changed, 0 removed, 0 unchanged\n"
    );
    let domain = env.json(&["domain", "show", "pfx.example"]);
    assert_eq!(domain["quota_bytes"], 2000u64 * 1_024_000);
    assert_eq!(domain["default_quota_bytes"], 100u64 * 1_024_000);
    assert_eq!(domain["max_mailboxes"], 50);
    assert_eq!(domain["description"], "Radio libre");
    let paul = env.json(&["mailbox", "show", "paul@pfx.example"]);
    assert_eq!(paul["quota_bytes"], 51_200_000);
    assert_eq!(paul["password_scheme"], "MD5-CRYPT");
    assert_eq!(paul["password_weak"], true, "a weak scheme is told apart");
    let shown = env.ok(&["mailbox", "show", "paul@pfx.example"]);
    assert!(
        shown.contains("MD5-CRYPT (weak: have the member change password)"),
        "{shown}"
    );
    assert_eq!(
        env.json(&["mailbox", "show", "rita@pfx.example"])["password_weak"],
        false
    );
    assert_eq!(
        env.json(&["mailbox", "show", "rita@pfx.example"])["active"],
        false
    );
    let md5 = stored_hash(&env, "paul@pfx.example");
    assert_eq!(md5, "{MD5-CRYPT}$1$pfxsalt1$VtFHr7Xz/5ayzCakjSl7W1");
    if let Some(ok) = dovecot_verifies(&md5, "postfixadmin pw") {
        assert!(ok, "Dovecot verifies the imported MD5-CRYPT hash");
    }
    assert!(verifies(
        &stored_hash(&env, "rita@pfx.example"),
        "pfx second pw"
    ));
    let (stdout, _) = env.run(
        &["import", "--from", &from, "--plan", "--detailed-exitcode"],
        0,
    );
    assert_eq!(stdout, "nothing to change (6 unchanged)\n");
}

/// On OpenLDAP an import has hundreds of mailbox creations in flight: in
/// a domain with a limit they queue for its lease, in one without they
/// are checked after their write; every one is made and audited once. A
/// file that would break the limit is refused before anything is written.
#[test]
fn many_mailboxes_in_flight_on_openldap_keep_the_limits() {
    let Some(env) = Env::ldap() else { return };
    env.ok(&["domain", "add", "limited.example", "--max-mailboxes", "700"]);
    env.ok(&["domain", "add", "free.example"]);
    let mut file = String::from("mailboxes:\n");
    for i in 0..600 {
        for domain in ["limited.example", "free.example"] {
            file.push_str(&format!("- address: m{i}@{domain}\n  password: '{HASH}'\n"));
        }
    }
    let file = env.write("many.yaml", &file);
    let (stdout, _) = env.run(&["import", &file], 0);
    assert!(
        stdout.ends_with("applied: 1200 added, 0 changed, 0 removed, 0 unchanged\n"),
        "{stdout}"
    );
    for domain in ["limited.example", "free.example"] {
        let listed = env.json(&["mailbox", "list", domain]);
        assert_eq!(listed.as_array().unwrap().len(), 600, "{domain}");
    }
    // 2 domains and 1,200 mailboxes, each audited once.
    assert_eq!(env.audit_len(), 1202);
    // 200 more than the limit allows: refused before anything is written.
    let mut more = String::from("mailboxes:\n");
    for i in 600..800 {
        more.push_str(&format!(
            "- address: m{i}@limited.example\n  password: '{HASH}'\n"
        ));
    }
    let more = env.write("more.yaml", &more);
    let (_, stderr) = env.run(&["import", &more], 2);
    assert!(
        stderr.contains("domain limited.example: would have 800 mailboxes, over its limit of 700"),
        "{stderr}"
    );
    let listed = env.json(&["mailbox", "list", "limited.example"]);
    assert_eq!(listed.as_array().unwrap().len(), 600);
}

/// On OpenLDAP the changes apply one by one through the backend's
/// resumable path: export, import and export again give the same file, a
/// re-import plans nothing, a changed file plans exactly its change.
#[test]
fn the_import_story_on_openldap() {
    let Some(env) = Env::ldap() else { return };
    env.seed();
    let out = env.path("all.yaml").display().to_string();
    env.ok(&["export", "--with-hashes", "--out", &out]);
    let (stdout, _) = env.run(&["import", &out, "--plan", "--detailed-exitcode"], 0);
    assert_eq!(stdout, "nothing to change (8 unchanged)\n");
    let Some(fresh) = Env::ldap() else { return };
    let (stdout, _) = fresh.run(&["import", &out], 0);
    assert!(
        stdout.ends_with("applied: 8 added, 0 changed, 0 removed, 0 unchanged\n"),
        "{stdout}"
    );
    let again = fresh.path("again.yaml").display().to_string();
    fresh.ok(&["export", "--with-hashes", "--out", &again]);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
    let changed = fresh.write(
        "changed.yaml",
        "mailboxes:\n- address: alice@example.org\n  quota: 2G\n",
    );
    let (stdout, _) = fresh.run(&["import", &changed, "--prune", "exämple.net"], 0);
    assert_eq!(
        stdout,
        "- alias @exämple.net\n- mailbox carol@exämple.net\n~ mailbox alice@example.org: quota 1G -> 2G\n\
         applied: 0 added, 1 changed, 2 removed, 0 unchanged\n"
    );
    let (stdout, _) = fresh.run(&["import", &changed, "--plan", "--prune", "exämple.net"], 0);
    assert_eq!(stdout, "nothing to change (1 unchanged)\n");
}

#[test]
fn people_read_the_plan_and_the_errors_in_french() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    env.ok(&["domain", "add", "example.org"]);
    let file = env.write(
        "membres.csv",
        &format!("address;password\nalice@example.org;{HASH}\nbob@example.org;\n"),
    );
    let out = env
        .cmd()
        .env("LC_ALL", "fr_FR.UTF-8")
        .args(["import", &file, "--plan"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr
            .ends_with("postier: import : 1 problème(s) dans les fichiers, rien n'a été modifié\n"),
        "{stderr}"
    );
    let file = env.write(
        "ok.csv",
        &format!("address;password\nalice@example.org;{HASH}\n"),
    );
    let out = env
        .cmd()
        .env("LC_ALL", "fr_FR.UTF-8")
        .args(["import", &file, "--plan"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "+ mailbox alice@example.org\n1 à ajouter, 0 à modifier, 0 à supprimer, 0 inchangés\n"
    );
}

/// PostfixAdmin's own tables on MariaDB and PostgreSQL (its PostgreSQL
/// flavour has BOOLEAN flags and TIMESTAMP dates) read as on SQLite.
#[test]
fn a_postfixadmin_database_on_a_server_imports_the_same() {
    for backend in [Backend::Mariadb, Backend::Postgres] {
        let Some(source) = runtime().block_on(TestDatabase::create(backend)) else {
            continue;
        };
        let mut schema = std::fs::read_to_string(fixture("postfixadmin.sql")).unwrap();
        if backend == Backend::Postgres {
            for (from, to) in [
                ("int(10)", "int"),
                ("bigint(20)", "bigint"),
                (
                    "tinyint(1) NOT NULL DEFAULT 1",
                    "boolean NOT NULL DEFAULT true",
                ),
                (
                    "tinyint(1) NOT NULL DEFAULT 0",
                    "boolean NOT NULL DEFAULT false",
                ),
                ("datetime", "timestamp"),
                (", 1),", ", true),"),
                (", 1);", ", true);"),
                (", 0);", ", false);"),
            ] {
                schema = schema.replace(from, to);
            }
        }
        let url = source.url().to_string();
        runtime().block_on(async {
            let schema = sqlx::AssertSqlSafe(schema);
            match backend {
                Backend::Postgres => {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::raw_sql(schema).execute(&mut c).await.unwrap();
                }
                _ => {
                    let mut c = sqlx::MySqlConnection::connect(&url).await.unwrap();
                    sqlx::raw_sql(schema).execute(&mut c).await.unwrap();
                }
            }
        });
        let Some(env) = Env::on(Backend::Sqlite) else {
            return;
        };
        let from = format!("postfixadmin:{url}");
        let (stdout, _) = env.run(&["import", "--from", &from], 0);
        assert!(
            stdout.ends_with("applied: 6 added, 0 changed, 0 removed, 0 unchanged\n"),
            "{}: {stdout}",
            backend.name()
        );
        let paul = env.json(&["mailbox", "show", "paul@pfx.example"]);
        assert_eq!(paul["quota_bytes"], 51_200_000);
        assert_eq!(paul["password_scheme"], "MD5-CRYPT");
        assert_eq!(
            env.json(&["mailbox", "show", "rita@pfx.example"])["active"],
            false
        );
        assert_eq!(
            env.json(&["domain", "show", "pfx.example"])["quota_bytes"],
            2000u64 * 1_024_000
        );
        let (stdout, _) = env.run(
            &["import", "--from", &from, "--plan", "--detailed-exitcode"],
            0,
        );
        assert_eq!(
            stdout,
            "nothing to change (6 unchanged)\n",
            "{}",
            backend.name()
        );
    }
}

/// An import SIGKILLed at random points leaves the directory untouched or
/// complete, never in between (one transaction), on SQLite and PostgreSQL.
#[test]
fn an_import_killed_at_random_points_is_all_or_nothing() {
    use std::time::{Duration, Instant};
    const MAILBOXES: usize = 400;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut yaml = String::from("domains:\n- name: example.org\nmailboxes:\n");
        for n in 0..MAILBOXES {
            yaml.push_str(&format!(
                "- address: m{n}@example.org\n  password: '{HASH}'\n"
            ));
        }
        // How long a whole import takes here: the kills land within it.
        let Some(probe) = Env::on(backend) else {
            continue;
        };
        let file = probe.write("many.yaml", &yaml);
        let start = Instant::now();
        probe.ok(&["import", &file]);
        let whole = start.elapsed();
        let (mut untouched, mut complete) = (0, 0);
        for _ in 0..20 {
            let Some(env) = Env::on(backend) else { return };
            let file = env.write("many.yaml", &yaml);
            let mut child = env
                .std_cmd()
                .args(["import", &file])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let at = whole.mul_f64(rand::random::<f64>() * 1.2);
            std::thread::sleep(at.min(Duration::from_secs(20)));
            let _ = child.kill();
            let _ = child.wait();
            let mailboxes = env.json(&["mailbox", "list"]).as_array().unwrap().len();
            let domains = env.json(&["domain", "list"]).as_array().unwrap().len();
            let audit = env.audit_len();
            match (domains, mailboxes, audit) {
                (0, 0, 0) => untouched += 1,
                (1, MAILBOXES, n) if n == MAILBOXES + 1 => complete += 1,
                other => panic!("{}: half an import: {other:?}", backend.name()),
            }
        }
        eprintln!(
            "{}: {untouched} untouched, {complete} complete after 20 kills",
            backend.name()
        );
    }
}

/// A pruned mailbox leaves the aliases the files keep by its removal; an
/// alias the files leave with only such a target is named before anything
/// is written.
#[test]
fn pruning_a_mailbox_takes_it_out_of_the_aliases_kept() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    env.seed();
    env.ok(&["mailbox", "add", "dan@exämple.net", "--password-hash", HASH]);
    env.ok(&[
        "alias",
        "add",
        "team@example.org",
        "alice@example.org",
        "carol@exämple.net",
    ]);
    env.ok(&["alias", "add", "solo@example.org", "carol@exämple.net"]);
    // solo would be left with no target.
    let file = env.write(
        "keep.yaml",
        "mailboxes:\n- address: dan@exämple.net\naliases:\n\
         - address: team@example.org\n  targets: [alice@example.org]\n",
    );
    let (_, stderr) = env.run(&["import", &file, "--prune", "exämple.net"], 2);
    assert!(
        stderr.starts_with("postier: --prune: alias solo@example.org: forwards only to mailboxes the import removes"),
        "{stderr}"
    );
    env.ok(&["alias", "rm", "solo@example.org"]);
    let (stdout, _) = env.run(&["import", &file, "--prune", "exämple.net"], 0);
    assert_eq!(
        stdout,
        "- alias @exämple.net\n- mailbox carol@exämple.net\n\
         applied: 0 added, 0 changed, 2 removed, 2 unchanged\n"
    );
    assert_eq!(
        env.json(&["alias", "show", "team@example.org"])["targets"],
        serde_json::json!(["alice@example.org"])
    );
}

#[test]
fn yaml_mistakes_are_named_with_their_lines() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    let broken = env.write("broken.yaml", "domains:\n  - name: [x\n");
    let (_, stderr) = env.run(&["import", &broken], 2);
    assert!(
        stderr.starts_with(&format!("postier: {broken}:2: YAML: unclosed bracket")),
        "{stderr}"
    );
    let typo = env.write(
        "typo.yaml",
        "mailboxes:\n- address: a@example.org\n  colour: red\n- adress: b@example.org\ncolours:\n- a: b\n",
    );
    let (_, stderr) = env.run(&["import", &typo, "--plan"], 2);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    assert!(
        lines[0].starts_with(&format!(
            "postier: {typo}:2: field \"colour\": is not a field of a mailbox row"
        )),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("postier: {typo}:4: field \"adress\"")),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with(&format!("postier: {typo}:4: mailbox row: has no address")),
        "{stderr}"
    );
    assert!(
        lines[3].starts_with(&format!("postier: {typo}:5: section \"colours\"")),
        "{stderr}"
    );
}

/// A directory-sized YAML file is not mistaken for a YAML bomb (the
/// parser's default budget stops at 250,000 nodes).
#[test]
fn a_large_yaml_file_is_read_whole() {
    let Some(env) = Env::on(Backend::Sqlite) else {
        return;
    };
    let mut yaml = String::from("domains:\n- name: example.org\nmailboxes:\n");
    for n in 0..30_000 {
        yaml.push_str(&format!(
            "- address: m{n}@example.org\n  name: Member {n}\n  quota: 1G\n  password: '{HASH}'\n"
        ));
    }
    let file = env.write("large.yaml", &yaml);
    let (stdout, stderr) = env.run(&["import", &file, "--plan", "--detailed-exitcode"], 4);
    assert!(
        stdout.ends_with("30001 to add, 0 to change, 0 to remove, 0 unchanged\n"),
        "{stderr}"
    );
}

/// A French admin reads an import's bad rows in French, with their lines
/// and values as they are.
#[test]
fn bad_rows_read_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").unwrap();
    let url = format!("sqlite:{}", dir.path().join("directory.db").display());
    let postier = |args: &[&str]| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("postier"))
            .env("POSTIER_CONFIG", &config)
            .env("POSTIER_DIRECTORY", &url)
            .env("LC_ALL", "fr_FR.UTF-8")
            .args(args)
            .output()
            .unwrap()
    };
    assert!(postier(&["db", "migrate"]).status.success());
    let file = dir.path().join("equipe.yaml");
    std::fs::write(
        &file,
        "domains:\n- name: jardin.example\naliases:\n- address: info@jardin.example\n  targets:\n  - pual@jardin.example\n",
    )
    .unwrap();
    let out = postier(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "postier: {}:4: alias info@jardin.example : la destination pual@jardin.example",
            file.display()
        )) && first
            .contains("(ajoutez pual@jardin.example aux fichiers, ou vérifiez l'orthographe)"),
        "{err}"
    );
}

/// On OpenLDAP an import applies change by change (mailbox creations a
/// few at a time): killed at a random point, it leaves some of its changes
/// made; running it again converges to the same directory, each change
/// made and audited exactly once.
#[test]
fn an_import_killed_on_openldap_converges_when_run_again() {
    use std::time::{Duration, Instant};
    const MAILBOXES: usize = 150;
    const KILLS: usize = 6;
    let Some(env) = Env::ldap() else { return };
    env.ok(&["db", "migrate"]);
    let file_for = |k: usize| {
        let mut yaml = format!("domains:\n- name: kill{k}.example\nmailboxes:\n");
        for n in 0..MAILBOXES {
            yaml.push_str(&format!(
                "- address: m{n}@kill{k}.example\n  password: '{HASH}'\n"
            ));
        }
        env.write(&format!("kill{k}.yaml"), &yaml)
    };
    // How long a whole import takes here: the kills land within it.
    let probe = file_for(KILLS);
    let start = Instant::now();
    env.ok(&["import", &probe]);
    let whole = start.elapsed();
    let mut audit = env.audit_len();
    assert_eq!(audit, MAILBOXES + 1);
    for k in 0..KILLS {
        let file = file_for(k);
        let mut child = env
            .std_cmd()
            .args(["import", &file])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let at = whole.mul_f64(0.1 + rand::random::<f64>() * 0.8);
        std::thread::sleep(at.min(Duration::from_secs(20)));
        let _ = child.kill();
        let _ = child.wait();
        env.ok(&["import", &file]);
        let (stdout, _) = env.run(&["import", &file, "--plan", "--detailed-exitcode"], 0);
        assert!(stdout.starts_with("nothing to change"), "{stdout}");
        let domain = format!("kill{k}.example");
        let listed = env.json(&["mailbox", "list", &domain]);
        assert_eq!(listed.as_array().unwrap().len(), MAILBOXES, "{domain}");
        let now = env.audit_len();
        assert_eq!(
            now - audit,
            MAILBOXES + 1,
            "{domain}: every change audited once, resumed or not"
        );
        audit = now;
    }
}

/// 20 mailboxes of race.example, each with a 1,000-byte quota, and what
/// their quotas add up to.
struct RaceField<'a> {
    env: &'a Env,
    addresses: Vec<String>,
}

impl<'a> RaceField<'a> {
    fn seed(env: &'a Env) -> RaceField<'a> {
        env.ok(&["domain", "add", "race.example"]);
        let addresses: Vec<String> = (0..20).map(|i| format!("m{i}@race.example")).collect();
        for a in &addresses {
            env.ok(&[
                "mailbox",
                "add",
                a,
                "--quota",
                "1000",
                "--password-hash",
                HASH,
            ]);
        }
        RaceField { env, addresses }
    }

    fn quota_sum(&self) -> u64 {
        self.env
            .json(&["mailbox", "list", "race.example"])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["quota_bytes"].as_u64().unwrap())
            .sum()
    }

    /// How many mailboxes carry the name round `round` gives them.
    fn renamed(&self, round: usize) -> usize {
        self.env
            .json(&["mailbox", "list", "race.example"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["name"].as_str() == Some(&format!("Round {round}")))
            .count()
    }

    /// The file of round `round`: every mailbox renamed "Round N".
    fn file(&self, round: usize) -> String {
        let mut yaml = String::from("mailboxes:\n");
        for a in &self.addresses {
            yaml.push_str(&format!("- address: {a}\n  name: Round {round}\n"));
        }
        self.env.write(&format!("round{round}.yaml"), &yaml)
    }

    /// Runs the import of round `round` while making 6 read-modify-write
    /// quota edits (`mailbox edit --if-version`, as the TUI does) on the
    /// same mailboxes; every refused edit must name the version it read.
    /// Returns the import's output and how many edits landed.
    /// After a round that started at `before` (quota sum, audit length):
    /// every edit that landed is there, and each change made (`landed`
    /// edits, `renamed` by the import) was audited once.
    fn assert_kept(&self, round: usize, before: (u64, usize), landed: u64, renamed: usize) {
        let (start_sum, audit_before) = before;
        assert_eq!(
            self.quota_sum(),
            start_sum + landed,
            "round {round}: every edit that landed is there"
        );
        assert_eq!(
            self.env.audit_len(),
            audit_before + renamed + landed as usize,
            "round {round}: one audit entry per change made"
        );
    }

    fn race(&self, round: usize) -> (std::process::Output, u64) {
        let env = self.env;
        let file = self.file(round);
        std::thread::scope(|scope| {
            let importer = scope.spawn(|| env.std_cmd().args(["import", &file]).output().unwrap());
            let mut landed = 0u64;
            for i in 0..6 {
                let a = &self.addresses[(round * 7 + i * 3) % self.addresses.len()];
                let read = env.json(&["mailbox", "show", a]);
                let version = read["version"].as_i64().unwrap().to_string();
                let quota = (read["quota_bytes"].as_u64().unwrap() + 1).to_string();
                let out = env
                    .std_cmd()
                    .args([
                        "mailbox",
                        "edit",
                        a,
                        "--quota",
                        &quota,
                        "--if-version",
                        &version,
                    ])
                    .output()
                    .unwrap();
                match out.status.code() {
                    Some(0) => landed += 1,
                    Some(1) => {
                        let stderr = String::from_utf8_lossy(&out.stderr);
                        assert!(
                            stderr.contains(&format!("version {version}")),
                            "a refused edit names the version it read: {stderr}"
                        );
                    }
                    other => panic!("edit exited {other:?}: {out:?}"),
                }
            }
            (importer.join().unwrap(), landed)
        })
    }
}

/// An import renaming 20 mailboxes while another admin makes
/// read-modify-write quota edits on the same mailboxes, 8 rounds on each
/// SQL backend: the import lands whole or is refused as a conflict with
/// nothing changed; no edit that was told it landed is lost (the quotas
/// add up), every edit refused is told "conflict"; one audit entry per
/// change made.
#[test]
fn an_import_racing_single_edits_loses_none_of_them() {
    for backend in BACKENDS {
        let Some(env) = Env::on(backend) else {
            continue;
        };
        let field = RaceField::seed(&env);
        let (mut imports, mut refused, mut landed_total) = (0, 0, 0u64);
        for round in 0..8 {
            let start_sum = field.quota_sum();
            let audit_before = env.audit_len();
            let (import, landed) = field.race(round);
            let renamed = field.renamed(round);
            match import.status.code() {
                Some(0) => {
                    imports += 1;
                    assert_eq!(renamed, 20, "round {round}: an import that landed is whole");
                }
                Some(1) => {
                    refused += 1;
                    let stderr = String::from_utf8_lossy(&import.stderr);
                    assert!(stderr.contains("nothing changed"), "{stderr}");
                    assert_eq!(
                        renamed, 0,
                        "round {round}: a refused import changed nothing"
                    );
                }
                other => panic!("import exited {other:?}: {import:?}"),
            }
            field.assert_kept(round, (start_sum, audit_before), landed, renamed);
            landed_total += landed;
        }
        eprintln!(
            "{}: 8 imports racing edits: {imports} landed, {refused} refused as a conflict; \
             {landed_total} edits landed, none lost",
            backend.name()
        );
    }
}

/// The same race on OpenLDAP, where an import applies change by change:
/// an import that meets an edit made since its plan stops at that
/// mailbox with a conflict (the edit is not written over) and says to run
/// it again; run again, it finishes. No edit that landed is lost, every
/// mailbox ends renamed, each change is audited once.
#[test]
fn an_import_racing_single_edits_on_openldap_loses_none_of_them() {
    let Some(env) = Env::ldap() else { return };
    let field = RaceField::seed(&env);
    let (mut whole, mut rerun, mut landed_total) = (0, 0, 0u64);
    for round in 0..8 {
        let start_sum = field.quota_sum();
        let audit_before = env.audit_len();
        let (import, landed) = field.race(round);
        match import.status.code() {
            Some(0) => whole += 1,
            Some(1) => {
                rerun += 1;
                let stderr = String::from_utf8_lossy(&import.stderr);
                assert!(stderr.contains("run the import again"), "{stderr}");
                let (stdout, _) = env.run(&["import", &field.file(round)], 0);
                assert!(stdout.contains("applied:"), "{stdout}");
            }
            other => panic!("import exited {other:?}: {import:?}"),
        }
        assert_eq!(
            field.renamed(round),
            20,
            "round {round}: every mailbox renamed"
        );
        field.assert_kept(round, (start_sum, audit_before), landed, 20);
        landed_total += landed;
    }
    eprintln!(
        "openldap: 8 imports racing edits: {whole} finished at once, {rerun} finished when run again; \
         {landed_total} edits landed, none lost"
    );
}
