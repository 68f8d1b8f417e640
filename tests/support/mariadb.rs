//! A MariaDB server of a test's own (not the shared one of
//! `tests/services/with-services.sh`), on a loopback port in a temp dir,
//! that the test may kill with SIGKILL and start again: crash recovery is
//! InnoDB's, on the same data directory.

use super::ports::free_port;
use super::services::require_service;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateMariadb {
    dir: tempfile::TempDir,
    server: Option<Child>,
    pub port: u16,
}

impl PrivateMariadb {
    /// Installs a data directory and starts; `None` (outside CI) when
    /// MariaDB is missing.
    pub fn start() -> Option<PrivateMariadb> {
        let installed = ["/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db"]
            .iter()
            .all(|p| Path::new(p).exists())
            .then_some(());
        require_service(
            "MariaDB server",
            installed,
            "install mariadb-server (tests/services/install.sh)",
        )?;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        // A temp dir of its own: a MariaDB starting up deletes every
        // `#sql-temptable-*` file in its tmpdir, so servers sharing /tmp
        // delete each other's bootstrap tables.
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).expect("tmp dir");
        chown_mysql(dir.path());
        chown_mysql(&data);
        chown_mysql(&tmp);
        let init = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--tmpdir={}", tmp.display()))
            .args([
                "--user=mysql",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .output()
            .expect("mariadb-install-db");
        assert!(init.status.success(), "mariadb-install-db: {init:?}");
        let mut db = PrivateMariadb {
            dir,
            server: None,
            port: free_port(),
        };
        db.boot();
        let grant = db
            .client()
            .arg("-e")
            .arg(
                "CREATE USER 'postier'@'127.0.0.1' IDENTIFIED BY 'postier-test'; \
                 GRANT ALL ON *.* TO 'postier'@'127.0.0.1' WITH GRANT OPTION;",
            )
            .output()
            .expect("mariadb client");
        assert!(grant.status.success(), "grant: {grant:?}");
        Some(db)
    }

    /// The URL of a database on this server (created by [`Self::create`]).
    pub fn url(&self, database: &str) -> String {
        format!(
            "mysql://postier:postier-test@127.0.0.1:{}/{database}",
            self.port
        )
    }

    pub fn create(&self, database: &str) {
        let out = self
            .client()
            .arg("-e")
            .arg(format!("CREATE DATABASE {database}"))
            .output()
            .expect("mariadb client");
        assert!(out.status.success(), "create database: {out:?}");
    }

    /// The command-line client, as root over the server's socket.
    fn client(&self) -> Command {
        let mut cmd = Command::new("mariadb");
        cmd.arg("--no-defaults")
            .arg("-S")
            .arg(self.socket())
            .args(["-u", "root"]);
        cmd
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// Starts the server (InnoDB recovering from a crash if there was one)
    /// and waits until it accepts connections.
    pub fn boot(&mut self) {
        let log = self.dir.path().join("error.log");
        let child = Command::new("mariadbd")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", self.data().display()))
            .arg(format!(
                "--tmpdir={}",
                self.dir.path().join("tmp").display()
            ))
            .arg(format!("--socket={}", self.socket().display()))
            .arg(format!("--port={}", self.port))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!(
                "--pid-file={}",
                self.dir.path().join("pid").display()
            ))
            .args([
                "--bind-address=127.0.0.1",
                "--user=mysql",
                "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=1",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mariadbd");
        self.server = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answers = TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self
                    .client()
                    .args(["-e", "SELECT 1"])
                    .output()
                    .is_ok_and(|o| o.status.success());
            if answers {
                return;
            }
            if let Some(status) = self
                .server
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("mariadbd exited {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "mariadbd did not answer within 60 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL to the server, as a machine losing it would; returns once it
    /// is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for PrivateMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}

fn chown_mysql(path: &Path) {
    let status = Command::new("chown")
        .arg("mysql:mysql")
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success());
}
