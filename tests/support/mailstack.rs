//! A throwaway mail stack for the e2e suite: postier's directory on one
//! backend (SQLite, PostgreSQL or MariaDB), and real Postfix (SMTP on a free
//! loopback port, delivering by LMTP) and Dovecot (IMAP and LMTP on free
//! loopback ports) in a temp dir, configured by appending the snippets that
//! the real `postier stack render` wrote to an otherwise ordinary main.cf
//! and dovecot.conf. Nothing of the maps is written here by hand.
//!
//! Needs root (Postfix and Dovecot drop to their own users) and the Debian
//! packages from tests/services/install.sh. Mail is stored as the existing
//! system user `mail` (uid/gid 8 on Debian), so no user is created on the
//! machine; the rendered dovecot.conf.snippet lowers Dovecot's
//! `first_valid_uid` to match. Under CI a missing piece is a failure;
//! locally the test says so loudly and returns.
//!
//! Everything is stopped by PID when the stack is dropped, then the test
//! database is removed.

#![allow(dead_code)]

use super::imap::Imap;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long anything may take to happen before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Which directory backend the stack reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
}

/// A missing prerequisite: a failure under CI, a loud skip locally.
pub fn unavailable(what: &str) -> Option<MailStack> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what} (required under CI: run tests/services/install.sh and with-services.sh)");
    }
    eprintln!("\n!!! SKIPPED e2e: {what} !!!\n");
    None
}

/// The test database and the read-only account the mail stack uses.
struct Database {
    /// postier's own URL (read-write).
    url: String,
    /// What Postfix and Dovecot connect with (SELECT only), if separate.
    lookup_url: Option<String>,
    /// Statements that remove the database again, run with `admin_url`.
    cleanup: Vec<String>,
    admin_url: Option<String>,
    /// Statements to run after postier created the schema.
    grants: Vec<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

fn execute(admin_url: &str, statements: &[String]) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    block_on(async {
        let mut conn = sqlx::AnyConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach {admin_url}: {e}"));
        for s in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(s.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    });
}

fn with_path(admin_url: &str, path: &str, user: Option<(&str, &str)>) -> String {
    let mut url = url::Url::parse(admin_url).expect("admin URL");
    url.set_path(path);
    if let Some((name, password)) = user {
        url.set_username(name).expect("user");
        url.set_password(Some(password)).expect("password");
    }
    url.to_string()
}

impl Database {
    fn new(backend: Backend, dir: &Path) -> Result<Database, String> {
        match backend {
            Backend::Sqlite => {
                let db_dir = dir.join("db");
                std::fs::create_dir(&db_dir).expect("db dir");
                Ok(Database {
                    url: format!("sqlite:{}", db_dir.join("directory.db").display()),
                    lookup_url: None,
                    cleanup: Vec::new(),
                    admin_url: None,
                    grants: Vec::new(),
                })
            }
            Backend::Postgres => {
                let admin = std::env::var("POSTIER_TEST_PG_URL")
                    .map_err(|_| "POSTIER_TEST_PG_URL is not set".to_string())?;
                let db = unique("postier_e2e");
                let reader = unique("postier_lookup");
                execute(
                    &admin,
                    &[
                        format!("CREATE DATABASE {db}"),
                        format!("CREATE ROLE {reader} LOGIN PASSWORD 'lookup-pw-1'"),
                    ],
                );
                Ok(Database {
                    url: with_path(&admin, &db, None),
                    lookup_url: Some(with_path(&admin, &db, Some((&reader, "lookup-pw-1")))),
                    grants: vec![format!(
                        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}"
                    )],
                    cleanup: vec![
                        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
                        format!("DROP ROLE IF EXISTS {reader}"),
                    ],
                    admin_url: Some(admin),
                })
            }
            Backend::Mariadb => {
                let admin = std::env::var("POSTIER_TEST_MYSQL_URL")
                    .map_err(|_| "POSTIER_TEST_MYSQL_URL is not set".to_string())?;
                let db = unique("postier_e2e");
                let reader = unique("lookup");
                execute(
                    &admin,
                    &[
                        format!("CREATE DATABASE {db}"),
                        format!("CREATE USER '{reader}'@'127.0.0.1' IDENTIFIED BY 'lookup-pw-1'"),
                    ],
                );
                Ok(Database {
                    url: with_path(&admin, &db, None),
                    lookup_url: Some(with_path(&admin, &db, Some((&reader, "lookup-pw-1")))),
                    grants: vec![format!("GRANT SELECT ON {db}.* TO '{reader}'@'127.0.0.1'")],
                    cleanup: vec![
                        format!("DROP DATABASE IF EXISTS {db}"),
                        format!("DROP USER IF EXISTS '{reader}'@'127.0.0.1'"),
                    ],
                    admin_url: Some(admin),
                })
            }
        }
    }

    /// Lets the lookup account read the tables postier created (run as
    /// the admin, connected to the test database).
    fn grant(&self) {
        if !self.grants.is_empty() {
            execute(&self.url, &self.grants);
        }
    }
}

/// A free TCP port on 127.0.0.1 (free when asked; the services bind it next).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn chown(path: &Path, user: &str, group: &str) {
    let uid = users::get_user_by_name(user).map(|u| u.uid());
    let gid = users::get_group_by_name(group).map(|g| g.gid());
    std::os::unix::fs::chown(path, uid, gid).expect("chown");
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if start.elapsed() > DEADLINE {
            panic!("timed out after {DEADLINE:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for a greeting starting with `expect` on `port`.
fn wait_for_banner(port: u16, expect: &str) -> bool {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_ok() && line.starts_with(expect) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Runs a command that starts a daemon. Its output goes to a file: the
/// daemon inherits the descriptors, so a pipe would never reach EOF.
fn daemonize(cmd: &mut Command, output: &Path) -> bool {
    let file = std::fs::File::create(output).expect("daemon output file");
    let err = file.try_clone().expect("daemon output file");
    cmd.stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .status()
        .is_ok_and(|s| s.success())
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Sends SIGTERM to each of `pids` and waits for all of them to be gone.
fn stop_pids(pids: &[u32]) {
    for pid in pids {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let start = Instant::now();
    while pids.iter().any(|p| pid_alive(*p)) && start.elapsed() < DEADLINE {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The result of `postier mail test --json`.
#[derive(Debug)]
pub struct Sent {
    pub message_id: String,
    pub queue_id: String,
    pub code: u64,
}

/// A running Postfix + Dovecot pair serving one postier directory.
pub struct MailStack {
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pub smtp_port: u16,
    pub imap_port: u16,
    pub lmtp_port: u16,
    pub render_dir: PathBuf,
    pub mail_root: PathBuf,
    config: PathBuf,
    postfix_dir: PathBuf,
    queue_dir: PathBuf,
    dovecot_conf: PathBuf,
    dovecot_run: PathBuf,
    maillog: PathBuf,
    database: Database,
    postfix_pid: Option<u32>,
    dovecot_pid: Option<u32>,
}

impl MailStack {
    /// Starts the stack on `backend`, or returns None (after a loud
    /// warning) when a prerequisite is missing outside CI.
    pub fn start(backend: Backend) -> Option<MailStack> {
        if users::get_current_uid() != 0 {
            return unavailable("the mail stack e2e suite must run as root");
        }
        for tool in ["postfix", "postmap", "dovecot", "doveadm"] {
            if which(tool).is_none() {
                return unavailable(&format!("{tool} is not installed"));
            }
        }
        let Some(mail) = users::get_user_by_name("mail") else {
            return unavailable("the system user `mail` does not exist");
        };
        let dir = tempfile::Builder::new()
            .prefix("postier-e2e-")
            .tempdir()
            .expect("temp dir");
        chmod(dir.path(), 0o755);
        let database = match Database::new(backend, dir.path()) {
            Ok(db) => db,
            Err(why) => return unavailable(&why),
        };
        let root = dir.path().to_path_buf();
        let mut stack = MailStack {
            backend,
            smtp_port: free_port(),
            imap_port: free_port(),
            lmtp_port: free_port(),
            render_dir: root.join("render"),
            mail_root: root.join("vmail"),
            config: root.join("postier.toml"),
            postfix_dir: root.join("postfix"),
            queue_dir: root.join("queue"),
            dovecot_conf: root.join("dovecot").join("dovecot.conf"),
            dovecot_run: root.join("dovecot").join("run"),
            maillog: root.join("maillog"),
            database,
            postfix_pid: None,
            dovecot_pid: None,
            dir,
        };
        stack.write_postier_config(mail.uid(), mail.primary_group_id());
        stack.ok(&["db", "migrate"]);
        stack.database.grant();
        if backend == Backend::Sqlite {
            // Postfix reads the directory as user postfix, Dovecot as root.
            let db_dir = stack.dir.path().join("db");
            chown(&db_dir, "root", "postfix");
            chmod(&db_dir, 0o750);
            let file = db_dir.join("directory.db");
            chown(&file, "root", "postfix");
            chmod(&file, 0o640);
        }
        let render = stack.render_dir.display().to_string();
        stack.ok(&["stack", "render", "--out", &render]);
        std::fs::create_dir(&stack.mail_root).expect("mail root");
        chown(&stack.mail_root, "mail", "mail");
        chmod(&stack.mail_root, 0o770);
        stack.start_dovecot();
        stack.start_postfix();
        Some(stack)
    }

    fn write_postier_config(&self, uid: u32, gid: u32) {
        let lookup = match &self.database.lookup_url {
            Some(url) => format!("lookup_url = {url:?}\n"),
            None => String::new(),
        };
        let text = format!(
            "[directory]\nurl = {url:?}\n\n\
             [stack]\nmail_root = {root:?}\nvmail_uid = {uid}\nvmail_gid = {gid}\n\
             virtual_transport = \"lmtp:inet:127.0.0.1:{lmtp}\"\n{lookup}\n\
             [mail.client]\nimap_host = \"imap.postier.test\"\nimap_port = 993\n\
             smtp_host = \"smtp.postier.test\"\nsmtp_port = 587\n\n\
             [mail.sender]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {smtp}\n\
             security = \"none\"\ntimeout_seconds = 20\n",
            url = self.database.url,
            root = self.mail_root.display().to_string(),
            lmtp = self.lmtp_port,
            smtp = self.smtp_port,
        );
        use std::os::unix::fs::OpenOptionsExt;
        // It may hold a database password: postier refuses it world-readable.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.config)
            .expect("postier.toml");
        f.write_all(text.as_bytes()).expect("write postier.toml");
    }

    fn start_postfix(&mut self) {
        let root = self.dir.path();
        std::fs::create_dir(&self.postfix_dir).expect("postfix dir");
        std::fs::create_dir(&self.queue_dir).expect("queue dir");
        let data = root.join("postfix-data");
        std::fs::create_dir(&data).expect("data dir");
        chown(&data, "postfix", "postfix");
        let snippet = std::fs::read_to_string(self.render_dir.join("postfix/main.cf.snippet"))
            .expect("rendered main.cf.snippet");
        let main_cf = format!(
            "# An ordinary Postfix on loopback; postier's snippet is appended below.\n\
             compatibility_level = 3.6\n\
             queue_directory = {queue}\n\
             data_directory = {data}\n\
             mail_owner = postfix\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             myhostname = mx.postier.test\n\
             mydestination =\n\
             mynetworks = 127.0.0.0/8\n\
             alias_maps =\n\
             alias_database =\n\
             local_recipient_maps =\n\
             default_transport = error:nothing leaves this test\n\
             relay_transport = error:nothing leaves this test\n\
             smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n\
             maillog_file = {log}\n\
             maillog_file_prefixes = {root}\n\
             biff = no\n\n{snippet}",
            queue = self.queue_dir.display(),
            data = data.display(),
            log = self.maillog.display(),
            root = root.display(),
        );
        std::fs::write(self.postfix_dir.join("main.cf"), main_cf).expect("main.cf");
        let master = std::fs::read_to_string("/etc/postfix/master.cf").expect("master.cf");
        std::fs::write(
            self.postfix_dir.join("master.cf"),
            loopback_master_cf(&master, self.smtp_port),
        )
        .expect("master.cf");
        let conf = self.postfix_dir.display().to_string();
        let output = root.join("postfix-start.out");
        let ok = daemonize(
            Command::new("postfix").args(["-c", &conf, "start"]),
            &output,
        );
        assert!(
            ok,
            "postfix start failed: {}\n{}",
            std::fs::read_to_string(&output).unwrap_or_default(),
            self.log()
        );
        self.postfix_pid = Some(wait_until("Postfix's master.pid", || {
            read_pid(&self.queue_dir.join("pid/master.pid"))
        }));
        assert!(
            wait_for_banner(self.smtp_port, "220 "),
            "Postfix does not answer on {}:\n{}",
            self.smtp_port,
            self.log()
        );
    }

    fn start_dovecot(&mut self) {
        let base = self
            .dovecot_conf
            .parent()
            .expect("dovecot dir")
            .to_path_buf();
        std::fs::create_dir_all(&self.dovecot_run).expect("dovecot run dir");
        std::fs::create_dir_all(base.join("state")).expect("dovecot state dir");
        let snippet = std::fs::read_to_string(self.render_dir.join("dovecot/dovecot.conf.snippet"))
            .expect("rendered dovecot.conf.snippet");
        let conf = format!(
            "# An ordinary Dovecot on loopback; postier's snippet is appended below.\n\
             base_dir = {run}\n\
             state_dir = {base}/state\n\
             log_path = {base}/dovecot.log\n\
             listen = 127.0.0.1\n\
             protocols = imap lmtp\n\
             ssl = no\n\
             disable_plaintext_auth = no\n\
             auth_failure_delay = 0\n\
             service imap-login {{\n\
             \x20 inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap}\n  }}\n\
             \x20 inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service lmtp {{\n\
             \x20 inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {lmtp}\n  }}\n}}\n\
             # The scenario fails logins on purpose; no growing per-IP delays.\n\
             service anvil {{\n\
             \x20 unix_listener anvil-auth-penalty {{\n    mode = 0\n  }}\n}}\n\n\
             {snippet}",
            run = self.dovecot_run.display(),
            base = base.display(),
            imap = self.imap_port,
            lmtp = self.lmtp_port,
        );
        std::fs::write(&self.dovecot_conf, conf).expect("dovecot.conf");
        let output = base.join("dovecot-start.out");
        let ok = daemonize(
            Command::new("dovecot").args(["-c", &self.dovecot_conf.display().to_string()]),
            &output,
        );
        assert!(
            ok,
            "dovecot failed to start: {}",
            std::fs::read_to_string(&output).unwrap_or_default()
        );
        self.dovecot_pid = Some(wait_until("Dovecot's master.pid", || {
            read_pid(&self.dovecot_run.join("master.pid"))
        }));
        assert!(
            wait_for_banner(self.imap_port, "* OK"),
            "Dovecot IMAP is not up"
        );
        assert!(
            wait_for_banner(self.lmtp_port, "220 "),
            "Dovecot LMTP is not up"
        );
    }

    // ---- running postier ----

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("postier"));
        cmd.env("POSTIER_CONFIG", &self.config)
            .env_remove("POSTIER_DIRECTORY")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("postier");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("postier output")
    }

    /// Runs postier and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with_stdin(args, None)
    }

    pub fn ok_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "postier {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("one JSON document")
    }

    /// Runs postier, expects exit `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args, None);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "postier {}: {err}",
            args.join(" ")
        );
        err
    }

    /// `postier mail test ADDRESS`, accepted at SMTP.
    pub fn mail_test(&self, address: &str) -> Sent {
        let v = self.json(&["mail", "test", address]);
        let reply = v["reply"].as_str().expect("reply").to_string();
        Sent {
            message_id: v["message_id"].as_str().expect("message_id").to_string(),
            queue_id: reply
                .rsplit(' ')
                .next()
                .expect("queue id in the reply")
                .to_string(),
            code: v["code"].as_u64().expect("code"),
        }
    }

    // ---- observing the stack ----

    /// The maildir of `address` (`local@domain`).
    pub fn maildir(&self, address: &str) -> PathBuf {
        let (local, domain) = address.split_once('@').expect("address");
        self.mail_root.join(domain).join(local)
    }

    /// Files in the maildir's new/ and cur/ (after an IMAP SELECT, mail
    /// moves from new/ to cur/).
    pub fn messages(&self, address: &str) -> Vec<String> {
        let dir = self.maildir(address);
        ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }

    /// Waits until a message holding `needle` is in `address`'s maildir.
    pub fn wait_for_mail(&self, address: &str, needle: &str) -> String {
        wait_until(&format!("{needle} in the maildir of {address}"), || {
            self.messages(address)
                .into_iter()
                .find(|m| m.contains(needle))
        })
    }

    /// Postfix's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.maillog).unwrap_or_default()
    }

    /// Waits for the log line about queue id `qid`'s final delivery status.
    pub fn wait_for_status(&self, qid: &str) -> String {
        wait_until(&format!("a delivery status for {qid}"), || {
            self.log()
                .lines()
                .find(|l| l.contains(&format!("{qid}: to=<")) && l.contains(" status="))
                .map(str::to_string)
        })
    }

    /// Logs in over IMAP; Err carries the server's refusal.
    pub fn imap(&self, user: &str, password: &str) -> Result<Imap, String> {
        let mut imap = Imap::connect(self.imap_port).map_err(|e| e.to_string())?;
        imap.login(user, password)?;
        Ok(imap)
    }

    /// `postmap -q KEY` against one rendered table.
    pub fn postmap(&self, key: &str, table: &str) -> String {
        let kind = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "pgsql",
            Backend::Mariadb => "mysql",
        };
        let file = self.render_dir.join("postfix").join(table);
        let out = Command::new("postmap")
            .args(["-c", &self.postfix_dir.display().to_string(), "-q", key])
            .arg(format!("{kind}:{}", file.display()))
            .output()
            .expect("postmap");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        let pids: Vec<u32> = [self.postfix_pid.take(), self.dovecot_pid.take()]
            .into_iter()
            .flatten()
            .collect();
        stop_pids(&pids);
        if let Some(admin) = &self.database.admin_url {
            let cleanup = self.database.cleanup.clone();
            let admin = admin.clone();
            // Never panic in drop: a leftover database is reported, not fatal.
            if std::panic::catch_unwind(|| execute(&admin, &cleanup)).is_err() {
                eprintln!("warning: the e2e database could not be removed");
            }
        }
    }
}

/// Debian's master.cf with smtpd on `127.0.0.1:port` and nothing chrooted
/// (chrooted services could not reach the temp dir's paths).
fn loopback_master_cf(master: &str, port: u16) -> String {
    master
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let is_service = fields.len() >= 8 && !line.starts_with(['#', ' ', '\t']);
            if !is_service {
                return line.to_string();
            }
            let mut f: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
            if f[0] == "smtp" && f[1] == "inet" {
                f[0] = format!("127.0.0.1:{port}");
            }
            if f[4] == "y" || f[4] == "-" {
                f[4] = "n".into();
            }
            f.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists())
}
