//! A PostgreSQL server of a test's own (not the shared one of
//! `tests/services/with-services.sh`), on a loopback port in a temp dir,
//! that the test may kill with SIGKILL and start again: crash recovery is
//! PostgreSQL's, on the same data directory.

use super::ports::free_port;
use super::services::require_service;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct PrivatePg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl PrivatePg {
    /// initdb and start; `None` (outside CI) when PostgreSQL is missing.
    pub fn start() -> Option<PrivatePg> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).max())
            .filter(|b| b.join("initdb").exists());
        let bin = require_service(
            "PostgreSQL server binaries",
            bin,
            "install postgresql (tests/services/install.sh)",
        )?;
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        chown_postgres(dir.path());
        chown_postgres(&data);
        let init = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .expect("initdb");
        assert!(init.status.success(), "initdb: {init:?}");
        let pg = PrivatePg {
            dir,
            bin,
            port: free_port(),
        };
        pg.boot();
        Some(pg)
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (recovering from a crash if there was one) and
    /// waits until it accepts connections.
    pub fn boot(&self) {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=on",
                self.port,
                self.dir.path().display()
            ))
            .arg("start")
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start: {out:?}\n{}",
            self.log()
        );
    }

    /// The postmaster's pid, from its pid file.
    fn postmaster(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// SIGKILL to the postmaster and every process of the instance, as a
    /// machine losing the server would; returns once they are gone.
    pub fn kill(&self) {
        let Some(pid) = self.postmaster() else {
            return;
        };
        let children = children_of(pid);
        for p in std::iter::once(pid).chain(children.iter().copied()) {
            // SAFETY: sends a signal to a process of this test's server.
            unsafe {
                libc::kill(p, libc::SIGKILL);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::iter::once(pid)
            .chain(children.iter().copied())
            .any(|p| Path::new(&format!("/proc/{p}")).exists() && !zombie(p))
        {
            assert!(Instant::now() < deadline, "the killed server lingers");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Its processes may stay zombies where nothing reaps orphans (a
        // container); PostgreSQL would take the pid file's pid for a live
        // server. They are gone, as after a power cut: so is the file.
        let _ = std::fs::remove_file(self.data().join("postmaster.pid"));
        let lock = format!(".s.PGSQL.{}.lock", self.port);
        let _ = std::fs::remove_file(self.dir.path().join(lock));
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        self.kill();
    }
}

fn chown_postgres(path: &Path) {
    let status = Command::new("chown")
        .arg("postgres:postgres")
        .arg(path)
        .status()
        .expect("chown");
    assert!(status.success());
}

/// The direct children of `pid` (the server's backends and workers).
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.parse::<i32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    let after = s.rsplit_once(')')?.1.to_string();
                    after.split_whitespace().nth(1)?.parse::<i32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}
