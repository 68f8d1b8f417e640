//! A real Knot DNS server for tests: `knotd` started in a temp dir, bound
//! to 127.0.0.1 on a free port, serving the zones it is given, stopped (by
//! PID) when dropped. Readiness is polled with a real query.
//!
//! ```ignore
//! let Some(knot) = Knot::start(Knot::zones_in("fixtures/dns")) else { return };
//! // ask knot.addr
//! ```

use super::ports::free_port;
use super::services::require_service;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One zone: its apex (`example.org`, or `.` for the root) and its
/// master-file text.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub text: String,
}

pub struct Knot {
    pub addr: SocketAddr,
    conf: PathBuf,
    /// Zone name → its file.
    files: Vec<(String, PathBuf)>,
    child: Child,
    dir: tempfile::TempDir,
}

impl Knot {
    /// Starts knotd serving `zones`. `None` (after a loud warning) when
    /// knotd is not installed and not under CI.
    pub fn start(zones: Vec<Zone>) -> Option<Knot> {
        let knotd = knotd()?;
        // A port taken between probing and binding makes knotd fail to
        // listen: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            match Self::try_start(&knotd, addr, &zones) {
                Ok(knot) => return Some(knot),
                Err(e) => last_error = e,
            }
        }
        panic!("knotd did not start: {last_error}");
    }

    /// Starts knotd on a given loopback address and port (e.g. `[::1]` on
    /// the port of another instance, to play a second name server).
    pub fn start_at(addr: SocketAddr, zones: Vec<Zone>) -> Option<Knot> {
        assert!(
            addr.ip().is_loopback(),
            "test servers listen on loopback only"
        );
        let knotd = knotd()?;
        Some(Self::try_start(&knotd, addr, &zones).unwrap_or_else(|e| panic!("knotd: {e}")))
    }

    fn try_start(knotd: &Path, addr: SocketAddr, zones: &[Zone]) -> Result<Knot, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (ip, port) = (addr.ip(), addr.port());
        let mut zone_conf = String::new();
        let mut files = Vec::new();
        for (i, zone) in zones.iter().enumerate() {
            let file = format!("zone{i}.zone");
            std::fs::write(dir.path().join(&file), &zone.text).map_err(|e| e.to_string())?;
            files.push((zone.name.clone(), dir.path().join(&file)));
            zone_conf.push_str(&format!(
                "  - domain: \"{}\"\n    file: \"{file}\"\n",
                zone.name
            ));
        }
        let d = dir.path().display();
        let conf = dir.path().join("knot.conf");
        let text = format!(
            "server:\n    listen: {ip}@{port}\n    rundir: \"{d}\"\n    pidfile: \"{d}/knot.pid\"\n    udp-workers: 2\n    tcp-workers: 1\n    background-workers: 1\n\
             log:\n  - target: \"{d}/knot.log\"\n    any: warning\n\
             database:\n    storage: \"{d}/db\"\n\
             mod-stats:\n  - id: count\n    request-protocol: on\n    query-type: on\n\
             template:\n  - id: default\n    storage: \"{d}\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    global-module: mod-stats/count\n\
             zone:\n{zone_conf}"
        );
        std::fs::write(&conf, text).map_err(|e| e.to_string())?;
        let child = Command::new(knotd)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run knotd: {e}"))?;
        let mut knot = Knot {
            addr,
            conf,
            files,
            child,
            dir,
        };
        let probe = zones.first().map_or(".", |z| z.name.as_str()).to_string();
        knot.wait_ready(&probe)?;
        Ok(knot)
    }

    /// Polls with an SOA query until knotd answers.
    fn wait_ready(&mut self, zone: &str) -> Result<(), String> {
        let local = if self.addr.is_ipv6() {
            "[::1]:0"
        } else {
            "127.0.0.1:0"
        };
        let socket = UdpSocket::bind(local).map_err(|e| e.to_string())?;
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(|e| e.to_string())?;
        let query = super::dns_proxy::query_bytes(0x4242, zone, 6);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("knotd exited ({status}): {}", self.log()));
            }
            let _ = socket.send_to(&query, self.addr);
            if let Ok((n, _)) = socket.recv_from(&mut buf)
                && n >= 2
                && buf[..2] == [0x42, 0x42]
            {
                return Ok(());
            }
        }
        Err(format!("knotd did not answer within 10 s: {}", self.log()))
    }

    /// Replaces zone `name`'s content and waits until knotd serves it:
    /// `text` must carry a higher SOA serial, `serial`.
    pub fn replace_zone(&self, name: &str, text: &str, serial: u32) {
        let (_, file) = self
            .files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("knotd does not serve {name}"));
        std::fs::write(file, text).unwrap();
        self.knotc(&["zone-reload", name]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let soa = self.knotc(&["zone-read", name, "@", "SOA"]);
            if soa.split_whitespace().any(|w| w == serial.to_string()) {
                return;
            }
        }
        panic!(
            "knotd did not load serial {serial} of {name}: {}",
            self.log()
        );
    }

    fn knotc(&self, args: &[&str]) -> String {
        let out = Command::new("knotc")
            .arg("-c")
            .arg(&self.conf)
            .args(args)
            .output()
            .expect("knotc runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// knotd's log (warnings and errors), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knot.log")).unwrap_or_default()
    }

    /// Queries knotd has received since it started (mod-stats).
    pub fn queries_received(&self) -> u64 {
        self.knotc(&["stats", "mod-stats.server-operation"])
            .lines()
            .find_map(|l| l.strip_prefix("mod-stats.server-operation[query] = "))
            .map_or(0, |n| n.trim().parse().unwrap_or(0))
    }

    /// Every `*.zone` file of `dir`, named by its file stem.
    pub fn zones_in(dir: impl AsRef<Path>) -> Vec<Zone> {
        let mut zones: Vec<Zone> = std::fs::read_dir(dir.as_ref())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.as_ref().display()))
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let name = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".zone")?
                    .to_string();
                let text = std::fs::read_to_string(&path).ok()?;
                Some(Zone { name, text })
            })
            .collect();
        zones.sort_by(|a, b| a.name.cmp(&b.name));
        zones
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// knotd's path; `None` (after a loud warning) when it is not installed
/// and not under CI.
fn knotd() -> Option<PathBuf> {
    require_service(
        "Knot DNS (knotd)",
        which("knotd"),
        "install it with tests/services/install.sh (package knot)",
    )
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
