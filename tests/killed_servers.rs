//! The directory server killed with SIGKILL in the middle of postier's
//! work: PostgreSQL, MariaDB and slapd of the test's own, each killed 20
//! times at points spread over an import, over a single change and over a
//! hooks delivery. Whatever the moment, the command that was running
//! either finished (exit 0, everything there) or says the directory is
//! down naming the server (exit 1, within the connect timeout and a
//! margin). After the server's own crash recovery:
//! - SQL left nothing half applied: an import is all there or not at all,
//!   a change is there with its audit entry and journal event or not at
//!   all;
//! - LDAP converges: running the same command again completes it, with one
//!   audit entry per object;
//! - the journal agrees with what is there (a hook gets one event per
//!   mailbox added, none for one that is not); a hook whose delivery was
//!   cut gets every journal event, in journal order; an event comes again
//!   only when the run that delivered it was cut before it recorded it
//!   (at least once, as SPEC.md says: deliveries are recorded every 100
//!   events or 250 ms), never after a run that finished. (On LDAP, deliveries
//!   are recorded in postier's local state store, which slapd's death
//!   does not touch.)

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::mariadb::PrivateMariadb;
use support::pg::PrivatePg;
use support::slapd::{BASE_DN, BIND_DN, Slapd};

const ROUNDS: u32 = 20;

const HASH: &str = "{SHA512-CRYPT}$6$Hp/xUm6rzxPLKjQA$4Tortnb3CaeOxmXrcYBwpb4v6BUrgRBQNnn7CotgDWQ9\
    ClfJW0qB.J1o2Akeyot9ePZ0n7a7/AGod9WEyiLiP/";

/// A server of the test's own, to kill and boot again.
enum Server {
    Pg(PrivatePg),
    Mariadb(PrivateMariadb),
    Ldap(Slapd),
}

impl Server {
    fn pg() -> Option<Server> {
        PrivatePg::start().map(Server::Pg)
    }

    fn mariadb() -> Option<Server> {
        PrivateMariadb::start().map(Server::Mariadb)
    }

    fn ldap() -> Option<Server> {
        Slapd::start().map(Server::Ldap)
    }

    fn port(&self) -> u16 {
        match self {
            Server::Pg(s) => s.port,
            Server::Mariadb(s) => s.port,
            Server::Ldap(s) => s.port,
        }
    }

    fn kill(&mut self) {
        match self {
            Server::Pg(s) => s.kill(),
            Server::Mariadb(s) => s.kill(),
            Server::Ldap(s) => s.kill(),
        }
    }

    fn boot(&mut self) {
        match self {
            Server::Pg(s) => s.boot(),
            Server::Mariadb(s) => s.boot(),
            Server::Ldap(s) => s.restart(),
        }
    }

    fn is_sql(&self) -> bool {
        !matches!(self, Server::Ldap(_))
    }

    /// A migrated directory named `name` on this server (on slapd, the
    /// one directory under its base DN), with `config` as postier.toml.
    fn directory(&self, name: &str, config: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postier.toml"), config).unwrap();
        let mut vars = Vec::new();
        let url = match self {
            Server::Pg(pg) => {
                let out = Command::new("runuser")
                    .args(["-u", "postgres", "--", "psql", "-h", "127.0.0.1", "-p"])
                    .arg(pg.port.to_string())
                    .args(["-c", &format!("CREATE DATABASE {name}")])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                format!("postgres://postgres@127.0.0.1:{}/{name}", pg.port)
            }
            Server::Mariadb(db) => {
                db.create(name);
                db.url(name)
            }
            Server::Ldap(slapd) => {
                vars.push(("POSTIER_LDAP_BASE_DN", BASE_DN.to_string()));
                vars.push(("POSTIER_LDAP_BIND_DN", BIND_DN.to_string()));
                vars.push((
                    "POSTIER_LDAP_BIND_PASSWORD_FILE",
                    slapd.password_file().display().to_string(),
                ));
                vars.push((
                    "POSTIER_LDAP_STATE_URL",
                    format!("sqlite:{}", slapd.path().join("state.db").display()),
                ));
                slapd.ldap_url()
            }
        };
        let env = Env { dir, url, vars };
        if self.is_sql() {
            env.ok(&["db", "migrate"]);
        }
        env
    }
}

struct Env {
    dir: tempfile::TempDir,
    url: String,
    vars: Vec<(&'static str, String)>,
}

impl Env {
    fn postier(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_postier"));
        cmd.env("POSTIER_CONFIG", self.dir.path().join("postier.toml"))
            .env("POSTIER_DIRECTORY", &self.url)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.postier().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(out.status.success(), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Mailboxes whose address ends with `suffix`, and audit entries of
    /// such mailboxes added.
    fn counts(&self, suffix: &str) -> (usize, usize) {
        let mailboxes = self.json(&["mailbox", "list"]);
        let mailboxes = mailboxes
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["address"].as_str().unwrap().ends_with(suffix))
            .count();
        let audit = self.json(&["audit", "--limit", "100000"]);
        let added = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "mailbox.add")
            .filter(|e| e["object"].as_str().unwrap_or_default().ends_with(suffix))
            .count();
        (mailboxes, added)
    }

    /// Starts `args` and kills the server `delay` after; the command's
    /// outcome (true: it finished) once it is done. The server is up again
    /// when this returns.
    fn kill_during(&self, server: &mut Server, args: &[&str], delay: Duration) -> bool {
        let begun = Instant::now();
        let child: Child = self.postier().args(args).spawn().unwrap();
        while begun.elapsed() < delay {
            std::thread::sleep(Duration::from_micros(200));
        }
        server.kill();
        let out = child.wait_with_output().unwrap();
        let finished = check_outcome(&out, begun.elapsed(), server.port());
        server.boot();
        finished
    }
}

/// Exit 1 naming the server, within the connect timeout and a margin, or
/// exit 0; never anything else.
fn check_outcome(out: &Output, took: Duration, port: u16) -> bool {
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => true,
        Some(1) => {
            // A connection refused and a connection the dying server cut
            // both name the server.
            assert!(
                stderr.starts_with("postier: directory")
                    && stderr.contains(&format!("127.0.0.1:{port}")),
                "the error says the directory is down, naming it: {stderr}"
            );
            assert!(took < Duration::from_secs(20), "took {took:?}: {stderr}");
            false
        }
        other => panic!("exit {other:?}: {stderr}"),
    }
}

/// Delays spread over a command's run, from before it connects to past
/// the time it took alone (it takes longer beside the other tests).
fn delays(took: Duration) -> Vec<Duration> {
    let spread = took * 2;
    (0..ROUNDS).map(|i| spread * i / ROUNDS).collect()
}

/// How long `args` takes here, to spread the kills over it.
fn timed(env: &Env, args: &[&str]) -> Duration {
    let start = Instant::now();
    env.ok(args);
    start.elapsed()
}

/// A YAML import of `domains` domains with `per_domain` mailboxes each,
/// all under `.tag.example`.
fn import_file(dir: &Path, tag: &str, domains: usize, per_domain: usize) -> String {
    let mut yaml = String::from("domains:\n");
    for d in 0..domains {
        yaml.push_str(&format!("- name: d{d}.{tag}.example\n"));
    }
    yaml.push_str("mailboxes:\n");
    for d in 0..domains {
        for m in 0..per_domain {
            yaml.push_str(&format!(
                "- address: m{m}@d{d}.{tag}.example\n  name: Member {m}\n  password: '{HASH}'\n"
            ));
        }
    }
    let path = dir.join(format!("{tag}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

/// 20 imports, each cut by the server's death at another point.
fn import_killed(mut server: Server) {
    let (domains, per_domain) = if server.is_sql() { (20, 40) } else { (4, 10) };
    let total = domains * per_domain;
    let env = server.directory("killed_import_timing", "");
    let file = import_file(env.dir.path(), "timing", domains, per_domain);
    let spread = timed(&env, &["import", &file]);
    let (mut finished, mut cut) = (0, 0);
    for (round, delay) in delays(spread).into_iter().enumerate() {
        let env = if server.is_sql() {
            server.directory(&format!("killed_import{round}"), "")
        } else {
            env.postier_clone()
        };
        let tag = format!("r{round}");
        let suffix = format!(".{tag}.example");
        let file = import_file(env.dir.path(), &tag, domains, per_domain);
        let completed = env.kill_during(&mut server, &["import", &file], delay);
        let (mailboxes, audited) = env.counts(&suffix);
        if completed {
            finished += 1;
            assert_eq!(mailboxes, total, "round {round}: exit 0 means complete");
        } else {
            cut += 1;
            if server.is_sql() {
                assert!(
                    mailboxes == 0 || mailboxes == total,
                    "round {round}: half applied: {mailboxes} of {total}"
                );
            }
        }
        if server.is_sql() {
            assert_eq!(
                audited, mailboxes,
                "round {round}: one audit entry per mailbox"
            );
        }
        // Running it again completes it, and then changes nothing.
        env.ok(&["import", &file]);
        assert_eq!(
            env.counts(&suffix),
            (total, total),
            "round {round}: complete, one audit entry per mailbox"
        );
    }
    eprintln!("import killed {ROUNDS} times: {finished} finished before the kill, {cut} cut off");
    assert!(cut > 0, "no kill landed during an import");
}

/// 20 `mailbox add`, each cut by the server's death at another point.
fn change_killed(mut server: Server) {
    let env = server.directory("killed_change", "");
    std::fs::write(
        env.dir.path().join("postier.toml"),
        format!(
            "[[hooks]]\nname = \"log\"\nevents = [\"mailbox.add\"]\n\
             command = [\"/bin/sh\", \"-c\", \"echo $POSTIER_OBJECT >> {}\"]\n",
            env.dir.path().join("delivered").display()
        ),
    )
    .unwrap();
    // A new hook gets the changes made from now on.
    env.ok(&["hooks", "run"]);
    env.ok(&["domain", "add", "one.example"]);
    let spread = timed(
        &env,
        &[
            "mailbox",
            "add",
            "timing@one.example",
            "--password-hash",
            HASH,
        ],
    );
    let (mut finished, mut cut) = (0, 0);
    for (round, delay) in delays(spread).into_iter().enumerate() {
        let address = format!("m{round}@one.example");
        let add = ["mailbox", "add", &address, "--password-hash", HASH];
        let completed = env.kill_during(&mut server, &add, delay);
        let (there, audited) = env.counts(&format!("m{round}@one.example"));
        if completed {
            finished += 1;
            assert_eq!(there, 1, "round {round}: exit 0 means added");
        } else {
            cut += 1;
        }
        if server.is_sql() {
            assert_eq!(audited, there, "round {round}: audited as it is");
        } else {
            // The same command again completes it, or finds it done.
            let again = env.run(&add);
            let stderr = String::from_utf8_lossy(&again.stderr);
            assert!(
                again.status.success() || stderr.contains("already exists"),
                "round {round}: {again:?}"
            );
            assert_eq!(env.counts(&address), (1, 1), "round {round}: converged");
        }
    }
    // The journal agrees: a hook gets an event for each mailbox there, and
    // for nothing else.
    env.ok(&["hooks", "run"]);
    let mut delivered: Vec<String> = std::fs::read_to_string(env.dir.path().join("delivered"))
        .unwrap()
        .lines()
        .filter(|object| object.starts_with('m'))
        .map(str::to_string)
        .collect();
    delivered.sort();
    delivered.dedup();
    let mut mailboxes: Vec<String> = env
        .json(&["mailbox", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap().to_string())
        .filter(|a| a.starts_with('m'))
        .collect();
    mailboxes.sort();
    assert_eq!(delivered, mailboxes, "one journal event per mailbox there");
    eprintln!(
        "mailbox add killed {ROUNDS} times: {finished} finished before the kill, {cut} cut off"
    );
    assert!(cut > 0, "no kill landed during a change");
}

/// 20 `hooks run`, each cut by the server's death at another point, with
/// five new changes before each.
fn delivery_killed(mut server: Server) {
    let scratch = tempfile::tempdir().unwrap();
    let log = scratch.path().join("delivered");
    let config = format!(
        "[[hooks]]\nname = \"log\"\nevents = [\"*\"]\nbackoff = \"0s\"\n\
         command = [\"/bin/sh\", \"-c\", \"echo $POSTIER_EVENT_ID $POSTIER_OBJECT >> {}\"]\n",
        log.display()
    );
    let env = server.directory("killed_delivery", &config);
    // A new hook gets the changes made from now on.
    env.ok(&["hooks", "run"]);
    env.ok(&["domain", "add", "two.example"]);
    let add_five = |round: u32| {
        for i in 0..5 {
            let address = format!("m{round}-{i}@two.example");
            env.ok(&["mailbox", "add", &address, "--password-hash", HASH]);
        }
    };
    add_five(100);
    let spread = timed(&env, &["hooks", "run"]);
    let read_log = || -> Vec<(i64, String)> {
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| {
                let (id, object) = l.split_once(' ').unwrap();
                (id.parse().unwrap(), object.to_string())
            })
            .collect()
    };
    // Each run's deliveries, and whether the run finished.
    let mut runs: Vec<(Vec<i64>, bool)> = vec![(read_log().iter().map(|d| d.0).collect(), true)];
    let (mut finished, mut cut) = (0, 0);
    for (round, delay) in delays(spread).into_iter().enumerate() {
        add_five(round as u32);
        let before = read_log().len();
        let completed = env.kill_during(&mut server, &["hooks", "run"], delay);
        if completed {
            finished += 1;
        } else {
            cut += 1;
        }
        let ids = read_log()[before..].iter().map(|d| d.0).collect();
        runs.push((ids, completed));
    }
    // What was left is delivered now.
    let before = read_log().len();
    env.ok(&["hooks", "run"]);
    runs.push((read_log()[before..].iter().map(|d| d.0).collect(), true));
    let status = env.json(&["hooks", "status"]);
    assert_eq!(status["hooks"][0]["pending"], 0, "{status}");
    assert_eq!(status["hooks"][0]["failed"], 0, "{status}");
    let delivered = read_log();
    // Every change made reached the hook: the domain and 5 × 21 mailboxes,
    // one event each.
    let objects: std::collections::BTreeSet<&str> =
        delivered.iter().map(|(_, o)| o.as_str()).collect();
    assert_eq!(
        objects.len(),
        1 + 5 * (ROUNDS as usize + 1),
        "{delivered:?}"
    );
    let mut firsts: Vec<i64> = Vec::new();
    for (id, _) in &delivered {
        if !firsts.contains(id) {
            firsts.push(*id);
        }
    }
    assert_eq!(firsts.len(), objects.len(), "one event per change");
    // In journal order, run by run.
    assert!(
        firsts.windows(2).all(|w| w[0] < w[1]),
        "in journal order: {firsts:?}"
    );
    for (ids, _) in &runs {
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "a run in journal order: {ids:?}"
        );
    }
    // Delivered again only after a run that was cut before it recorded
    // them: what a finished run delivered is never delivered again.
    for (i, (ids, completed)) in runs.iter().enumerate() {
        if !completed {
            continue;
        }
        for later in &runs[i + 1..] {
            assert!(
                !later.0.iter().any(|id| ids.contains(id)),
                "an event a finished run delivered came again: {:?} then {:?}",
                ids,
                later.0
            );
        }
    }
    let repeats = delivered.len() - firsts.len();
    eprintln!(
        "hooks run killed {ROUNDS} times: {finished} finished before the kill, {cut} cut off, \
         {repeats} deliveries made again after a cut"
    );
}

impl Env {
    /// Another handle on the same directory (a fresh config dir).
    fn postier_clone(&self) -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            self.dir.path().join("postier.toml"),
            dir.path().join("postier.toml"),
        )
        .unwrap();
        Env {
            dir,
            url: self.url.clone(),
            vars: self.vars.clone(),
        }
    }
}

#[test]
fn postgresql_killed_during_an_import() {
    if let Some(server) = Server::pg() {
        import_killed(server);
    }
}

#[test]
fn postgresql_killed_during_a_change() {
    if let Some(server) = Server::pg() {
        change_killed(server);
    }
}

#[test]
fn postgresql_killed_during_a_hooks_delivery() {
    if let Some(server) = Server::pg() {
        delivery_killed(server);
    }
}

#[test]
fn mariadb_killed_during_an_import() {
    if let Some(server) = Server::mariadb() {
        import_killed(server);
    }
}

#[test]
fn mariadb_killed_during_a_change() {
    if let Some(server) = Server::mariadb() {
        change_killed(server);
    }
}

#[test]
fn mariadb_killed_during_a_hooks_delivery() {
    if let Some(server) = Server::mariadb() {
        delivery_killed(server);
    }
}

#[test]
fn slapd_killed_during_an_import() {
    if let Some(server) = Server::ldap() {
        import_killed(server);
    }
}

#[test]
fn slapd_killed_during_a_change() {
    if let Some(server) = Server::ldap() {
        change_killed(server);
    }
}

#[test]
fn slapd_killed_during_a_hooks_delivery() {
    if let Some(server) = Server::ldap() {
        delivery_killed(server);
    }
}
