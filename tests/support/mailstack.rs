//! A throwaway mail stack for the e2e suite: postier's directory on one
//! backend (SQLite, PostgreSQL, MariaDB or OpenLDAP), and real Postfix (SMTP
//! on a free loopback port, delivering by LMTP) and Dovecot (IMAP and LMTP
//! on free loopback ports) in a temp dir, configured by appending the
//! snippets that the real `postier stack render` wrote to an otherwise
//! ordinary main.cf and dovecot.conf. Nothing of the maps is written here
//! by hand.
//!
//! Needs root (Postfix and Dovecot drop to their own users) and the Debian
//! packages from tests/services/install.sh. Mail is stored as the existing
//! system user `mail` (uid/gid 8 on Debian), so no user is created on the
//! machine; the rendered dovecot.conf.snippet lowers Dovecot's
//! `first_valid_uid` to match. SQL servers get a read-only account for the
//! lookups (`[stack] lookup_url`), proving the maps need nothing more than
//! SELECT. A missing piece fails under CI and is skipped loudly elsewhere
//! ([`super::services::require_service`]).
//!
//! Everything is stopped by PID when the stack is dropped, then the test
//! database (or slapd) goes away.

use super::imap::Imap;
use super::ports::free_port;
use super::services::require_service;
use super::slapd::{self, Slapd};
use super::sql::{self, TestDatabase};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long anything may take to happen before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Which directory backend the stack reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mariadb,
    Ldap,
}

impl Backend {
    fn sql(self) -> Option<sql::Backend> {
        match self {
            Backend::Sqlite => Some(sql::Backend::Sqlite),
            Backend::Postgres => Some(sql::Backend::Postgres),
            Backend::Mariadb => Some(sql::Backend::Mariadb),
            Backend::Ldap => None,
        }
    }
}

/// The directory under test, with what the mail stack reads it as.
enum Directory {
    Sql {
        db: TestDatabase,
        /// Dropped after `db` (field order): a role outlives its grants.
        lookup: Option<LookupAccount>,
    },
    Ldap(Slapd),
}

/// A SELECT-only account for Postfix and Dovecot on a SQL server.
struct LookupAccount {
    url: String,
    admin_url: String,
    drop: String,
}

impl LookupAccount {
    /// Creates the account on `db`'s server and lets it read `db`'s
    /// tables (run once postier created them).
    fn create(backend: sql::Backend, db: &TestDatabase) -> Option<LookupAccount> {
        let admin_url = std::env::var(backend.env_var()?).ok()?;
        let name = format!(
            "lookup_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let password = "lookup-pw-1";
        let mut url = url::Url::parse(db.url()).expect("database URL");
        url.set_username(&name).expect("user");
        url.set_password(Some(password)).expect("password");
        let database = url.path().trim_start_matches('/').to_string();
        let (statements, drop) = match backend {
            sql::Backend::Postgres => (
                vec![
                    format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"),
                    format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}"),
                ],
                format!("DROP ROLE IF EXISTS {name}"),
            ),
            _ => (
                vec![
                    format!("CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{password}'"),
                    format!("GRANT SELECT ON {database}.* TO '{name}'@'127.0.0.1'"),
                ],
                format!("DROP USER IF EXISTS '{name}'@'127.0.0.1'"),
            ),
        };
        // Run as the admin, connected to the test database (for the grants).
        execute(db.url(), &statements);
        Some(LookupAccount {
            url: url.to_string(),
            admin_url,
            drop,
        })
    }
}

impl Drop for LookupAccount {
    fn drop(&mut self) {
        let (admin, drop) = (self.admin_url.clone(), vec![self.drop.clone()]);
        // Never panic in drop: a leftover account is reported, not fatal.
        if std::panic::catch_unwind(|| execute(&admin, &drop)).is_err() {
            eprintln!("warning: the e2e lookup account could not be removed");
        }
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(f)
}

fn execute(url: &str, statements: &[String]) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    block_on(async {
        let mut conn = sqlx::AnyConnection::connect(url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test server: {e}"));
        for s in statements {
            sqlx::raw_sql(sqlx::AssertSqlSafe(s.clone()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    });
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
    /// Plain SMTP (port 25's role), what postier's own config sends to.
    pub smtp_port: u16,
    /// Submission: STARTTLS required, then SMTP AUTH against Dovecot, and
    /// senders checked with smtpd_sender_login_maps.
    pub submission_port: u16,
    /// The same with implicit TLS (port 465's role).
    pub smtps_port: u16,
    pub imap_port: u16,
    pub lmtp_port: u16,
    /// Dovecot's SASL service, for Postfix's SMTP AUTH.
    auth_port: u16,
    /// The test CA and the server certificate of the TLS listeners.
    tls_dir: PathBuf,
    vmail: (u32, u32),
    lookup_url: Option<String>,
    pub render_dir: PathBuf,
    pub mail_root: PathBuf,
    config: PathBuf,
    postfix_dir: PathBuf,
    queue_dir: PathBuf,
    dovecot_conf: PathBuf,
    dovecot_run: PathBuf,
    maillog: PathBuf,
    postfix_pid: Option<u32>,
    dovecot_pid: Option<u32>,
    // Dropped after the services are stopped (see Drop), in this order.
    directory: Directory,
    dir: tempfile::TempDir,
}

impl MailStack {
    /// Starts the stack on `backend`, or returns None (after a loud
    /// warning) when a prerequisite is missing outside CI.
    pub fn start(backend: Backend) -> Option<MailStack> {
        let root_user = (users::get_current_uid() == 0).then_some(());
        require_service(
            "root",
            root_user,
            "the mail stack e2e suite must run as root",
        )?;
        for tool in ["postfix", "postmap", "postconf", "dovecot", "doveadm"] {
            require_service(tool, which(tool), "run tests/services/install.sh")?;
        }
        let mail = require_service(
            "the system user `mail`",
            users::get_user_by_name("mail"),
            "the maildirs belong to it",
        )?;
        let directory = match backend.sql() {
            Some(sql::Backend::Sqlite) => Directory::Sql {
                db: TestDatabase::sqlite(),
                lookup: None,
            },
            Some(kind) => Directory::Sql {
                db: block_on(TestDatabase::create(kind))?,
                lookup: None,
            },
            None => Directory::Ldap(Slapd::start()?),
        };
        let dir = tempfile::Builder::new()
            .prefix("postier-e2e-")
            .tempdir()
            .expect("temp dir");
        chmod(dir.path(), 0o755);
        let root = dir.path().to_path_buf();
        let mut stack = MailStack {
            backend,
            smtp_port: free_port(),
            submission_port: free_port(),
            smtps_port: free_port(),
            imap_port: free_port(),
            lmtp_port: free_port(),
            auth_port: free_port(),
            tls_dir: root.join("tls"),
            vmail: (mail.uid(), mail.primary_group_id()),
            lookup_url: None,
            render_dir: root.join("render"),
            mail_root: root.join("vmail"),
            config: root.join("postier.toml"),
            postfix_dir: root.join("postfix"),
            queue_dir: root.join("queue"),
            dovecot_conf: root.join("dovecot").join("dovecot.conf"),
            dovecot_run: root.join("dovecot").join("run"),
            maillog: root.join("maillog"),
            postfix_pid: None,
            dovecot_pid: None,
            directory,
            dir,
        };
        stack.write_config(&stack.config, &stack.config_text(&stack.plain_sender()));
        stack.ok(&["db", "migrate"]);
        stack.prepare_lookups();
        let render = stack.render_dir.display().to_string();
        let listing = stack.ok(&["stack", "render", "--out", &render]);
        stack.check_rendering(&listing);
        let json = stack.json(&["stack", "render", "--out", &render]);
        assert_eq!(json["stack"], "postfix-dovecot");
        let files = json["files"].as_array().expect("files");
        assert!(
            files
                .iter()
                .any(|f| f["mode"] == "0640" && f["group"] == "postfix")
        );
        stack.check_rendering(&json.to_string());
        std::fs::create_dir(&stack.tls_dir).expect("tls dir");
        slapd::make_certificates(&stack.tls_dir);
        std::fs::create_dir(&stack.mail_root).expect("mail root");
        chown(&stack.mail_root, "mail", "mail");
        chmod(&stack.mail_root, 0o770);
        stack.start_dovecot();
        stack.start_postfix();
        Some(stack)
    }

    /// Gives Postfix and Dovecot what they read the directory with: a
    /// read-only account on SQL servers, file access to SQLite.
    fn prepare_lookups(&mut self) {
        let Directory::Sql { db, lookup } = &mut self.directory else {
            return;
        };
        match self.backend.sql() {
            Some(sql::Backend::Sqlite) => {
                // Postfix reads the file as user postfix, Dovecot as root.
                let file = PathBuf::from(db.url().trim_start_matches("sqlite:"));
                let db_dir = file.parent().expect("database dir").to_path_buf();
                for (path, mode) in [(&db_dir, 0o750), (&file, 0o640)] {
                    chown(path, "root", "postfix");
                    chmod(path, mode);
                }
            }
            Some(kind) => {
                *lookup = LookupAccount::create(kind, db);
                self.lookup_url = lookup.as_ref().map(|l| l.url.clone());
                std::fs::remove_file(&self.config).expect("rewrite postier.toml");
                self.write_config(&self.config, &self.config_text(&self.plain_sender()));
            }
            None => {}
        }
    }

    /// The rendering lists its files without printing a credential, and
    /// the files holding credentials are 0640 for the servers' groups.
    fn check_rendering(&self, listing: &str) {
        let secrets = ["lookup-pw-1", "postier-test"];
        let ldap_password = match &self.directory {
            Directory::Ldap(slapd) => Some(slapd.password().to_string()),
            Directory::Sql { .. } => None,
        };
        for secret in secrets.iter().copied().chain(ldap_password.as_deref()) {
            assert!(!listing.contains(secret), "stack render printed a password");
        }
        // postier's own LDAP account may write: the mail stack never gets
        // its password, only the read-only account's.
        if let Some(password) = &ldap_password {
            let postfix = self.render_dir.join("postfix/virtual_mailbox_maps.cf");
            let text = std::fs::read_to_string(&postfix).expect("rendered table");
            assert!(text.contains(slapd::LOOKUP_DN), "{text}");
            for sub in ["postfix", "dovecot"] {
                for entry in std::fs::read_dir(self.render_dir.join(sub)).expect("rendered dir") {
                    let path = entry.expect("entry").path();
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    assert!(!text.contains(password.as_str()), "{}", path.display());
                    assert!(!text.contains(slapd::BIND_DN), "{}", path.display());
                }
            }
        }
        for (sub, group) in [("postfix", "postfix"), ("dovecot", "dovecot")] {
            let gid = users::get_group_by_name(group).expect(group).gid();
            for entry in std::fs::read_dir(self.render_dir.join(sub)).expect("rendered dir") {
                let path = entry.expect("entry").path();
                let meta = std::fs::metadata(&path).expect("metadata");
                let name = path.display().to_string();
                if name.ends_with(".snippet") {
                    continue;
                }
                use std::os::unix::fs::MetadataExt;
                assert_eq!(meta.mode() & 0o777, 0o640, "{name}");
                assert_eq!(meta.gid(), gid, "{name}");
            }
        }
    }

    /// postier's config: the directory, the stack settings, and
    /// `[mail.sender]` set to `sender` (the table's body).
    fn config_text(&self, sender: &str) -> String {
        let directory = match &self.directory {
            Directory::Sql { db, .. } => format!("url = {:?}\n", db.url()),
            Directory::Ldap(slapd) => format!(
                "url = {:?}\nbase_dn = {:?}\nbind_dn = {:?}\nbind_password_file = {:?}\n\
                 state_url = {:?}\n",
                slapd.ldap_url(),
                slapd::BASE_DN,
                slapd::BIND_DN,
                slapd.password_file().display().to_string(),
                format!("sqlite:{}", self.dir.path().join("ldap-state.db").display()),
            ),
        };
        // The mail stack reads with an account that can do nothing else:
        // a SELECT-only SQL user, or a read-only LDAP account.
        let lookup = match (&self.lookup_url, &self.directory) {
            (Some(url), _) => format!("lookup_url = {url:?}\n"),
            (None, Directory::Ldap(slapd)) => format!(
                "lookup_bind_dn = {:?}\nlookup_bind_password_file = {:?}\n",
                slapd::LOOKUP_DN,
                slapd.lookup_password_file().display().to_string(),
            ),
            (None, Directory::Sql { .. }) => String::new(),
        };
        format!(
            "[directory]\n{directory}\n\
             [stack]\nmail_root = {root:?}\nvmail_uid = {uid}\nvmail_gid = {gid}\n\
             virtual_transport = \"lmtp:inet:127.0.0.1:{lmtp}\"\n{lookup}\n\
             [mail.client]\nimap_host = \"imap.postier.test\"\nimap_port = 993\n\
             smtp_host = \"smtp.postier.test\"\nsmtp_port = 587\n\n\
             [mail.sender]\n{sender}",
            root = self.mail_root.display().to_string(),
            uid = self.vmail.0,
            gid = self.vmail.1,
            lmtp = self.lmtp_port,
        )
    }

    /// Plain SMTP to the loopback relay: what the scenario sends with.
    fn plain_sender(&self) -> String {
        format!(
            "transport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             timeout_seconds = 20\n",
            self.smtp_port
        )
    }

    fn write_config(&self, path: &Path, text: &str) {
        use std::os::unix::fs::OpenOptionsExt;
        // It may hold a password: postier refuses it world-readable.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .expect("postier config");
        f.write_all(text.as_bytes()).expect("write postier config");
    }

    /// Another postier config, identical but for `[mail.sender]`; for
    /// [`MailStack::run_with`].
    pub fn sender_config(&self, name: &str, sender: &str) -> PathBuf {
        let path = self.dir.path().join(format!("postier-{name}.toml"));
        self.write_config(&path, &self.config_text(sender));
        path
    }

    /// Another postier config: the scenario's, with `extra` (more tables)
    /// after it.
    pub fn config_with(&self, name: &str, extra: &str) -> PathBuf {
        let path = self.dir.path().join(format!("postier-{name}.toml"));
        let text = format!(
            "{}
{extra}",
            self.config_text(&self.plain_sender())
        );
        self.write_config(&path, &text);
        path
    }

    /// The running Dovecot's config (for `doveadm -c`).
    pub fn dovecot_conf(&self) -> &Path {
        &self.dovecot_conf
    }

    /// A private file holding `secret`, e.g. an SMTP password.
    pub fn secret_file(&self, name: &str, secret: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        self.write_config(&path, &format!("{secret}\n"));
        path
    }

    /// The CA that signed the TLS listeners' certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.tls_dir.join("ca.pem")
    }

    /// Postfix's config dir (for its sendmail: `MAIL_CONFIG`).
    pub fn postfix_dir(&self) -> &Path {
        &self.postfix_dir
    }

    /// Whether mail to a disabled mailbox is refused at RCPT time even when
    /// its domain has a catch-all (SQL), or taken by the catch-all (LDAP;
    /// see the stack's lookups module).
    pub fn refuses_disabled_under_catch_all(&self) -> bool {
        self.backend != Backend::Ldap
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
             smtpd_tls_cert_file = {tls}/server.pem\n\
             smtpd_tls_key_file = {tls}/server.key\n\
             smtpd_sasl_type = dovecot\n\
             smtpd_sasl_path = inet:127.0.0.1:{auth}\n\
             maillog_file = {log}\n\
             maillog_file_prefixes = {root}\n\
             biff = no\n\n{snippet}",
            queue = self.queue_dir.display(),
            data = data.display(),
            log = self.maillog.display(),
            root = root.display(),
            tls = self.tls_dir.display(),
            auth = self.auth_port,
        );
        std::fs::write(self.postfix_dir.join("main.cf"), main_cf).expect("main.cf");
        let master = std::fs::read_to_string("/etc/postfix/master.cf").expect("master.cf");
        // Submission as members' mail programs use it: TLS first (STARTTLS,
        // or from the first byte), then a login, then only their own
        // sender addresses (smtpd_sender_login_maps).
        let mut master = loopback_master_cf(&master, self.smtp_port);
        for (port, name, wrapper) in [
            (self.submission_port, "submission", "no"),
            (self.smtps_port, "smtps", "yes"),
        ] {
            master.push_str(&format!(
                "127.0.0.1:{port} inet n - n - - smtpd\n\
                 \x20 -o syslog_name=postfix/{name}\n\
                 \x20 -o smtpd_tls_wrappermode={wrapper}\n\
                 \x20 -o smtpd_tls_security_level=encrypt\n\
                 \x20 -o smtpd_sasl_auth_enable=yes\n\
                 \x20 -o smtpd_tls_auth_only=yes\n\
                 \x20 -o smtpd_sender_restrictions=reject_sender_login_mismatch\n\
                 \x20 -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            ));
        }
        std::fs::write(self.postfix_dir.join("master.cf"), master).expect("master.cf");
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
        for port in [self.smtp_port, self.submission_port] {
            assert!(
                wait_for_banner(port, "220 "),
                "Postfix does not answer on {port}:\n{}",
                self.log()
            );
        }
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
             auth_mechanisms = plain login\n\
             service auth {{\n\
             \x20 inet_listener postfix {{\n    address = 127.0.0.1\n    port = {auth}\n  }}\n}}\n\
             service anvil {{\n\
             \x20 unix_listener anvil-auth-penalty {{\n    mode = 0\n  }}\n}}\n\n\
             {snippet}",
            run = self.dovecot_run.display(),
            base = base.display(),
            imap = self.imap_port,
            lmtp = self.lmtp_port,
            auth = self.auth_port,
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
        self.run_with(&self.config, &[], args, stdin)
    }

    /// Runs postier with extra environment (a locale, say).
    pub fn run_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.run_with(&self.config, env, args, None)
    }

    /// Runs postier with another config (see [`MailStack::sender_config`])
    /// and extra environment.
    pub fn run_with(
        &self,
        config: &Path,
        env: &[(&str, &str)],
        args: &[&str],
        stdin: Option<&str>,
    ) -> Output {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("postier"));
        cmd.env("POSTIER_CONFIG", config)
            .envs(env.iter().copied())
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

    /// Warnings and errors Postfix or Dovecot logged: a stack configured
    /// right runs the scenario without any.
    pub fn log_problems(&self) -> Vec<String> {
        let dovecot = self.dovecot_conf.with_file_name("dovecot.log");
        let dovecot = std::fs::read_to_string(dovecot).unwrap_or_default();
        self.log()
            .lines()
            .chain(dovecot.lines())
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                ["warning:", "error:", "fatal:", "panic:"]
                    .iter()
                    .any(|w| l.contains(w))
            })
            .map(str::to_string)
            .collect()
    }

    /// Logs in over IMAP; Err carries the server's refusal.
    pub fn imap(&self, user: &str, password: &str) -> Result<Imap, String> {
        let mut imap = Imap::connect(self.imap_port).map_err(|e| e.to_string())?;
        imap.login(user, password)?;
        Ok(imap)
    }

    /// `postmap -q KEY` against what `parameter` names in the running
    /// Postfix's main.cf (a table, or a pipemap/unionmap of tables).
    pub fn postmap(&self, key: &str, parameter: &str) -> String {
        let conf = self.postfix_dir.display().to_string();
        let table = Command::new("postconf")
            .args(["-c", &conf, "-h", parameter])
            .output()
            .expect("postconf");
        let tables = String::from_utf8_lossy(&table.stdout).to_string();
        // A list of tables: postmap asks each in turn, the first answer
        // wins, as in Postfix.
        let out = Command::new("postmap")
            .args(["-c", &conf, "-q", key])
            .args(split_tables(&tables))
            .output()
            .expect("postmap");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

/// The tables of a Postfix parameter value: separated by commas or spaces,
/// except inside `{…}` (pipemap:{a, b} is one table).
fn split_tables(value: &str) -> Vec<String> {
    let (mut tables, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in value.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 && (c == ',' || c.is_whitespace()) {
            if !current.is_empty() {
                tables.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tables.push(current);
    }
    tables
}

impl Drop for MailStack {
    fn drop(&mut self) {
        let pids: Vec<u32> = [self.postfix_pid.take(), self.dovecot_pid.take()]
            .into_iter()
            .flatten()
            .collect();
        stop_pids(&pids);
        // Then the fields drop: the directory (database, account, slapd),
        // then the temp dir.
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
