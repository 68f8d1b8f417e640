//! The backup server starts the backup (pull mode), end to end on
//! loopback: a second sshd on 127.0.0.1:PORT, an unprivileged agent
//! account whose key may run only `postier backup agent` (forced command)
//! and forward one Unix socket back, and a "backup server" account owning
//! the repository, serving it with `borg serve --append-only` behind a
//! Unix socket that `ssh -R` carries to the mail host. The agent account
//! cannot run anything but the allowlisted verbs.

mod support;

use serde_json::Value;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::borg::{BorgSetup, chown_tree, set_mode};
use support::sshd::{Sshd, TestUser, client_key, test_user};

const AGENT: &str = "postier-backup";
const SERVER: &str = "postier-borgsrv";

struct Pull {
    s: BorgSetup,
    sshd: Sshd,
    server: TestUser,
    key: std::path::PathBuf,
    known_hosts: std::path::PathBuf,
    server_socket: std::path::PathBuf,
    agent_socket: std::path::PathBuf,
    borg_serve: Child,
}

impl Drop for Pull {
    fn drop(&mut self) {
        let _ = self.borg_serve.kill();
        let _ = self.borg_serve.wait();
    }
}

fn as_user(cmd: &mut Command, user: &TestUser) {
    use std::os::unix::process::CommandExt;
    cmd.uid(user.uid).gid(user.gid).env("HOME", &user.home);
}

impl Pull {
    fn start() -> Option<Pull> {
        support::services::require_service(
            "root",
            (users::get_current_uid() == 0).then_some(()),
            "the agent test creates users and runs sshd: run it as root",
        )?;
        let agent = test_user(AGENT);
        let server = test_user(SERVER);
        let mut s = BorgSetup::new("");
        s.add_mailbox("alice@example.org");
        s.deliver("alice@example.org", 25, "pulled");
        // The mail host's side is the agent account's; the repository is
        // the backup server's.
        s.run_as(agent.uid, agent.gid);
        chown_tree(&s.repo, server.uid, server.gid);
        set_mode(s.dir.path(), 0o755);
        let agent_run = s.dir.path().join("agent-run");
        let server_dir = s.dir.path().join("server");
        for (dir, user) in [(&agent_run, &agent), (&server_dir, &server)] {
            std::fs::create_dir_all(dir).unwrap();
            std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).unwrap();
            set_mode(dir, 0o700);
        }
        let agent_socket = agent_run.join("borg.sock");
        let server_socket = server_dir.join("borg.sock");
        s.write_config(
            &format!("ssh://backup-server{}", s.repo.display()),
            &format!(
                "rsh = \"sh -c 'exec socat STDIO UNIX-CONNECT:{}'\"",
                agent_socket.display()
            ),
        );

        let sshd_dir = s.dir.path().join("sshd");
        std::fs::create_dir_all(&sshd_dir).unwrap();
        let sshd = Sshd::start(
            &sshd_dir,
            &[AGENT],
            &format!(
                "Match User {AGENT}\n    AllowTcpForwarding remote\n    \
                 AllowStreamLocalForwarding remote\n    StreamLocalBindUnlink yes\n    \
                 PermitTTY no\n    X11Forwarding no\n"
            ),
        )?;
        let key = server_dir.join("id_ed25519");
        let public = client_key(&key, &server);
        sshd.authorize(
            AGENT,
            &format!(
                "restrict,port-forwarding,permitlisten=\"localhost:1\",command=\"{} --config {} backup agent\" {public}\n",
                s.program.display(),
                s.config.display()
            ),
        );
        let known_hosts = sshd.known_hosts();

        // The backup server serves its repository, append-only, behind a
        // Unix socket.
        let mut serve = Command::new("socat");
        serve
            .arg(format!("UNIX-LISTEN:{},fork", server_socket.display()))
            .arg(format!(
                "EXEC:borg serve --append-only --restrict-to-repository {}",
                s.repo.display()
            ))
            .stdin(Stdio::null());
        as_user(&mut serve, &server);
        let borg_serve = serve.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !server_socket.exists() {
            assert!(
                Instant::now() < deadline,
                "the borg serve socket never came"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Pull {
            s,
            sshd,
            server,
            key,
            known_hosts,
            server_socket,
            agent_socket,
            borg_serve,
        })
    }

    /// `ssh agent@127.0.0.1 COMMAND` from the backup server's account,
    /// with the socket forwarded when `forward`.
    fn ssh(&self, command: Option<&str>, forward: bool) -> Output {
        let mut cmd = Command::new("ssh");
        cmd.args(["-F", "/dev/null", "-T", "-i"])
            .arg(&self.key)
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", self.known_hosts.display()))
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "ExitOnForwardFailure=yes",
                "-p",
            ])
            .arg(self.sshd.port.to_string());
        if forward {
            cmd.arg("-R").arg(format!(
                "{}:{}",
                self.agent_socket.display(),
                self.server_socket.display()
            ));
        }
        cmd.arg(format!("{AGENT}@127.0.0.1"));
        if let Some(c) = command {
            cmd.arg(c);
        }
        cmd.stdin(Stdio::null());
        as_user(&mut cmd, &self.server);
        cmd.output().unwrap()
    }

    fn agent_log(&self) -> String {
        std::fs::read_to_string(self.s.state_dir.join("agent.log")).unwrap_or_default()
    }
}

fn doc(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_backup_server_starts_the_run_through_the_forced_command() {
    let Some(p) = Pull::start() else { return };

    let out = p.ssh(Some("run"), true);
    let report = doc(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        p.sshd.log()
    );
    assert_eq!(report["result"], "ok");
    let archive = report["archive"].as_str().unwrap().to_string();
    // The archive is in the backup server's repository.
    assert_eq!(p.s.archives_in_repo(), std::slice::from_ref(&archive));
    assert!(
        p.s.archive_paths(&archive)
            .iter()
            .any(|f| f.starts_with("example.org/alice/")),
    );

    let status = doc(&p.ssh(Some("status"), false));
    assert_eq!(status["last_run"]["archive"], archive.as_str());
    assert_eq!(status["unprotected"], Value::Array(vec![]));
    let list = doc(&p.ssh(Some("list"), false));
    assert_eq!(list["archives"][0]["name"], archive.as_str());

    // Without the forwarded socket (nobody is serving): a clear "not
    // reachable", not a success.
    let out = p.ssh(Some("run"), false);
    assert_eq!(out.status.code(), Some(1));
    let report = doc(&out);
    assert_eq!(report["result"], "error");
    assert_eq!(report["unreachable"], true);
    assert!(
        p.agent_log().contains("run from client"),
        "{}",
        p.agent_log()
    );
}

#[test]
fn the_agent_account_runs_nothing_but_the_allowlisted_verbs() {
    let Some(p) = Pull::start() else { return };
    let witness = p.s.dir.path().join("pwned");
    let attempts = [
        Some("sh".to_string()),
        Some("/bin/sh -c id".to_string()),
        Some("run --rsh 'sh -c id'".to_string()),
        Some(format!("run; touch {}", witness.display())),
        Some(format!("$(touch {})", witness.display())),
        Some(format!("status `touch {}`", witness.display())),
        Some("borg list".to_string()),
        Some("list --remote".to_string()),
        Some("restore alice@example.org --to /tmp/x".to_string()),
        None,
    ];
    for attempt in &attempts {
        let out = p.ssh(attempt.as_deref(), false);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{attempt:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{attempt:?} answered something");
        assert!(
            stderr.contains("backup agent") && stderr.contains("run, status, list, prune"),
            "{attempt:?}: {stderr}"
        );
    }
    assert!(!witness.exists(), "a shell ran");
    let log = p.agent_log();
    let refused = log.lines().filter(|l| l.contains(" refused ")).count();
    assert_eq!(refused, attempts.len(), "{log}");
    assert!(log.contains("\"borg list\""), "{log}");
    assert!(
        p.s.archives_in_repo().is_empty(),
        "a refused command ran borg"
    );
    // The key cannot open a TCP forward or a session with a terminal.
    let mut cmd = Command::new("ssh");
    cmd.args(["-F", "/dev/null", "-i"])
        .arg(&p.key)
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", p.known_hosts.display()))
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "ExitOnForwardFailure=yes",
            "-p",
        ])
        .arg(p.sshd.port.to_string())
        .args(["-R", "127.0.0.1:2222:127.0.0.1:22"])
        .arg(format!("{AGENT}@127.0.0.1"))
        .arg("status")
        .stdin(Stdio::null());
    as_user(&mut cmd, &p.server);
    let out = cmd.output().unwrap();
    assert_ne!(out.status.code(), Some(0), "a TCP listen was allowed");
}
