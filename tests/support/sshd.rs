//! A second sshd on 127.0.0.1:PORT for the backup agent tests: its own
//! host key, config and log in a temp dir (run in the foreground, `-D`,
//! stopped when dropped), keys in files it names per user, and the Unix
//! users the tests log in as, created once and reused (idempotent).

use super::ports::free_port;
use super::services::require_service;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Unix user for the tests: created when missing (`useradd`), with a
/// shell (a forced command runs through it), an unlocked account (sshd
/// without PAM refuses a locked one) and a home of its own.
pub struct TestUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
}

pub fn test_user(name: &str) -> TestUser {
    // useradd and usermod lock /etc/passwd and fail ("cannot lock
    // /etc/passwd") rather than wait: the tests of one binary, which
    // start in parallel, make their users one at a time.
    static ACCOUNTS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let home = PathBuf::from("/var/tmp/postier-test-homes").join(name);
    if users::get_user_by_name(name).is_none() {
        let out = Command::new("useradd")
            .args([
                "--system",
                "--user-group",
                "--shell",
                "/bin/sh",
                "--home-dir",
            ])
            .arg(&home)
            .arg(name)
            .output()
            .expect("useradd");
        // Another test process may have made it in between.
        assert!(
            out.status.success() || users::get_user_by_name(name).is_some(),
            "useradd {name}: {out:?}"
        );
    }
    let out = Command::new("usermod")
        .args(["-p", "*", name])
        .output()
        .expect("usermod");
    assert!(out.status.success(), "usermod {name}: {out:?}");
    let user = users::get_user_by_name(name).expect("the user exists");
    std::fs::create_dir_all(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(user.uid()), Some(user.primary_group_id())).unwrap();
    TestUser {
        name: name.to_string(),
        uid: user.uid(),
        gid: user.primary_group_id(),
        home,
    }
}

pub struct Sshd {
    pub port: u16,
    pub dir: PathBuf,
    pub host_public_key: String,
    child: Child,
}

impl Sshd {
    /// Starts sshd in `dir` with `match_blocks` appended to its config;
    /// `authorized_keys` lines per user go in `dir/keys/<user>`.
    pub fn start(dir: &Path, allow_users: &[&str], match_blocks: &str) -> Option<Sshd> {
        require_service(
            "sshd",
            Path::new("/usr/sbin/sshd").exists().then_some(()),
            "run tests/services/install.sh (openssh-server)",
        )?;
        // sshd's privilege separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let port = free_port();
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        let host_key = dir.join("host_ed25519");
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&host_key)
            .output()
            .unwrap();
        assert!(out.status.success(), "ssh-keygen: {out:?}");
        // StrictModes would refuse keys under /tmp (world-writable): the
        // key files here are root's and 0644 anyway.
        let config = dir.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile {dir}/sshd.pid\n\
                 AuthorizedKeysFile {dir}/keys/%u\nUsePAM no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nStrictModes no\n\
                 PermitRootLogin no\nAllowUsers {users}\nLogLevel VERBOSE\n\
                 AllowTcpForwarding no\nAllowStreamLocalForwarding no\n{match_blocks}\n",
                key = host_key.display(),
                dir = dir.display(),
                users = allow_users.join(" "),
            ),
        )
        .unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-f")
            .arg(&config)
            .arg("-E")
            .arg(dir.join("sshd.log"))
            .stdin(Stdio::null())
            .spawn()
            .expect("sshd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd did not listen: {}",
                std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let host_public_key = std::fs::read_to_string(host_key.with_extension("pub")).unwrap();
        Some(Sshd {
            port,
            dir: dir.to_path_buf(),
            host_public_key,
            child,
        })
    }

    /// Writes `user`'s authorized_keys (root's, 0644).
    pub fn authorize(&self, user: &str, lines: &str) {
        std::fs::write(self.dir.join("keys").join(user), lines).unwrap();
    }

    /// A `known_hosts` file trusting this sshd.
    pub fn known_hosts(&self) -> PathBuf {
        let path = self.dir.join("known_hosts");
        std::fs::write(
            &path,
            format!("[127.0.0.1]:{} {}", self.port, self.host_public_key),
        )
        .unwrap();
        path
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new ed25519 key pair at `path` (private) owned by `owner`; the
/// public key line.
pub fn client_key(path: &Path, owner: &TestUser) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "backup-server", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ssh-keygen: {out:?}");
    std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid)).unwrap();
    std::fs::read_to_string(path.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}
