//! A throwaway Modoboa instance, for timing its `modo import` next to
//! postier's: Modoboa from PyPI in the virtualenv that
//! tests/services/install-peers.sh makes, its own Redis on a loopback
//! port, and an instance deployed by Modoboa's own `modoboa-admin.py
//! deploy` on SQLite in a temp dir. Redis stops when this is dropped.

use super::ports::free_port;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The version install-peers.sh installs.
pub const VERSION: &str = "2.12.0";

pub struct Modoboa {
    dir: TempDir,
    venv: PathBuf,
    redis: Child,
}

impl Modoboa {
    /// A fresh instance, or why there is none (Modoboa or Redis not
    /// installed: tests/services/install-peers.sh installs them).
    pub fn start() -> Result<Modoboa, String> {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let peers = std::env::var("POSTIER_PEERS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| Path::new(&home).join(".cache/postier/peers"));
        let venv = peers.join(format!("modoboa-{VERSION}"));
        if !venv.join("bin/modoboa-admin.py").exists() {
            return Err(format!(
                "Modoboa {VERSION} is not in {} (run tests/services/install-peers.sh)",
                venv.display()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("postier-modoboa-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let port = free_port();
        let redis = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e} (run tests/services/install-peers.sh)"))?;
        let modoboa = Modoboa { dir, venv, redis };
        modoboa.wait_for_redis(port)?;
        let deployed = Command::new(modoboa.venv.join("bin/python"))
            .arg(modoboa.venv.join("bin/modoboa-admin.py"))
            .args(["deploy", "instance", "--dburl"])
            .arg(format!(
                "default:sqlite:///{}",
                modoboa.dir.path().join("modoboa.db").display()
            ))
            .arg("--redisurl")
            .arg(format!("redis://127.0.0.1:{port}/0"))
            .args(["--domain", "localhost", "--dont-install-extensions"])
            .current_dir(modoboa.dir.path())
            .output()
            .map_err(|e| format!("modoboa-admin.py: {e}"))?;
        if !deployed.status.success() || !modoboa.instance().join("manage.py").exists() {
            return Err(format!(
                "modoboa-admin.py deploy failed: {}",
                String::from_utf8_lossy(&deployed.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
        Ok(modoboa)
    }

    fn wait_for_redis(&self, port: u16) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("redis-server did not listen on 127.0.0.1:{port}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn instance(&self) -> PathBuf {
        self.dir.path().join("instance")
    }

    /// `manage.py modo import --sepchar ';' FILE`, as an admin runs it;
    /// panics with Modoboa's output unless it succeeded.
    pub fn import(&self, file: &Path) {
        let out = Command::new(self.venv.join("bin/python"))
            .args(["manage.py", "modo", "import", "--sepchar", ";"])
            .arg(file)
            .current_dir(self.instance())
            .stdin(Stdio::null())
            .output()
            .expect("manage.py modo import");
        assert!(
            out.status.success(),
            "modo import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// How many mailboxes its database holds.
    pub fn mailboxes(&self) -> usize {
        let out = Command::new("sqlite3")
            .arg(self.dir.path().join("modoboa.db"))
            .arg("SELECT count(*) FROM admin_mailbox")
            .output()
            .expect("sqlite3");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    }
}

impl Drop for Modoboa {
    fn drop(&mut self) {
        let _ = self.redis.kill();
        let _ = self.redis.wait();
    }
}
