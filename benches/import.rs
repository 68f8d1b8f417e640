//! Batch import, as the `postier import` process an admin runs, on every
//! backend: parse + plan (a `--plan` run against the empty directory),
//! the whole import (parse + plan + apply, one transaction on SQL, audit
//! and journal included; the apply is the difference of the two), then
//! the plan of the same file against the directory that now holds it
//! (nothing to change).
//!
//! - SQLite, PostgreSQL, MariaDB: 100,000 pre-hashed mailboxes over 1,000
//!   domains (targets: SQLite apply ≥ 50,000/s and whole process ≤ 3 s,
//!   PostgreSQL ≥ 20,000/s, MariaDB ≥ 10,000/s), and the association's
//!   2,250 accounts over 130 domains (re-plan ≤ 200 ms). PostgreSQL and
//!   MariaDB come from `POSTIER_TEST_PG_URL` / `POSTIER_TEST_MYSQL_URL`
//!   (`make bench` starts them).
//! - OpenLDAP: 10,000 mailboxes imported next to `ldapadd` of the same
//!   entries on the same slapd (target: within 2x).
//! - Passwords: 2,250 `password_plain` rows hashed with SHA512-CRYPT
//!   (`--plan-out`: parse, plan and hash, nothing applied), on one core
//!   (`taskset -c 0`) and on every core (target ≥ 1.8x on 2 cores).
//! - Peers, where they are installed: PostfixAdmin's CLI adding the same
//!   kind of mailboxes one process each; Modoboa's `modo import` of a
//!   Modoboa CSV file next to postier's import of the same file
//!   (tests/services/install-peers.sh installs Modoboa from PyPI).
//!
//! For the 100,000-mailbox runs the apply is also timed alone inside one
//! process, through the library the CLI calls (read, plan and hash are
//! done first and not counted): the figure the SQLite target is held to,
//! free of the noise of subtracting two process runs.
//!
//! `POSTIER_BENCH_IMPORT_LARGE=0` skips the 100,000-mailbox runs;
//! `POSTIER_BENCH_IMPORT_ONLY=sqlite,postgres,mariadb,ldap,hash,peers`
//! limits the parts run.

#[path = "../tests/support/mod.rs"]
mod support;

// The allocator of the postier binary, for the apply timed in this process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::slapd::{BASE_DN, Slapd};
use support::sql::{Backend, TestDatabase};

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";

/// The import file: `domains` domains, then `mailboxes` spread over them.
fn yaml(mailboxes: usize, domains: usize, password: &dyn Fn(usize) -> String) -> String {
    let mut out = String::from("domains:\n");
    for d in 0..domains {
        out.push_str(&format!("- name: d{d}.example\n  quota: 0\n"));
    }
    out.push_str("mailboxes:\n");
    for m in 0..mailboxes {
        out.push_str(&format!(
            "- address: user{m}@d{}.example\n  name: Member {m}\n  quota: 1G\n  {}\n",
            m % domains,
            password(m)
        ));
    }
    out
}

fn hashed(_: usize) -> String {
    format!("password: '{HASH}'")
}

fn wanted(part: &str) -> bool {
    match std::env::var("POSTIER_BENCH_IMPORT_ONLY") {
        Ok(only) if !only.is_empty() => only.split(',').any(|p| p.trim() == part),
        _ => true,
    }
}

/// Runs postier against `url` with an empty config; its wall time.
struct Postier<'a> {
    config: &'a Path,
    url: String,
    env: Vec<(String, String)>,
}

impl Postier<'_> {
    fn run(&self, args: &[&str], ok_codes: &[i32]) -> Duration {
        self.run_with(None, args, ok_codes)
    }

    fn run_with(&self, cpus: Option<&str>, args: &[&str], ok_codes: &[i32]) -> Duration {
        let postier = env!("CARGO_BIN_EXE_postier");
        let mut cmd = match cpus {
            Some(list) => {
                let mut c = Command::new("taskset");
                c.args(["-c", list, postier]);
                c
            }
            None => Command::new(postier),
        };
        cmd.args(args)
            .env("POSTIER_CONFIG", self.config)
            .env("POSTIER_DIRECTORY", &self.url)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        settle_disk();
        let start = Instant::now();
        let out = cmd.output().expect("run postier");
        let elapsed = start.elapsed();
        assert!(
            ok_codes.contains(&out.status.code().unwrap_or(-1)),
            "postier {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    }
}

/// Writes out what earlier runs left dirty in the page cache, so that a
/// run's own commit (its fsync) does not wait behind their writes.
fn settle_disk() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The apply alone of importing `text` into the empty directory at `url`,
/// inside this process: what `postier import` does after parsing,
/// planning and hashing, timed from the first write to the commit.
async fn apply_alone(url: &str, text: &str) -> Duration {
    use postier::import;
    let dir = postier::directory::open(url).await.expect("open directory");
    dir.migrate().await.expect("migrate");
    let ops = postier::ops::Ops::new(
        dir,
        postier::ops::Actor::admin("bench"),
        postier::password::Scheme::Sha512Crypt,
    );
    let (desired, errors) = import::read_files(&[("import.yaml".into(), text.into())]);
    assert!(errors.is_empty(), "bad rows: {}", errors.len());
    let silent = import::progress::silent();
    let current = import::current(&ops).await.expect("current");
    let plan = import::make_plan(&current, &desired, &[], &silent)
        .await
        .unwrap_or_else(|e| panic!("plan refused: {} rows", e.len()));
    let ready = import::prepare(&plan, ops.scheme(), &silent)
        .await
        .expect("prepare");
    settle_disk();
    let start = Instant::now();
    import::apply(&ops, &ready.changes, &*silent)
        .await
        .expect("apply");
    start.elapsed()
}

/// Plan, import and re-plan of `mailboxes` over `domains` into `url`.
fn sql_run(backend: Backend, url: &str, mailboxes: usize, domains: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let file = dir.path().join("import.yaml");
    std::fs::write(&file, yaml(mailboxes, domains, &hashed)).expect("file");
    let file = file.display().to_string();
    let postier = Postier {
        config: &config,
        url: url.to_string(),
        env: Vec::new(),
    };
    postier.run(&["db", "migrate"], &[0]);
    let plan = postier.run(&["import", &file, "--plan"], &[0]);
    let whole = postier.run(&["import", &file], &[0]);
    let replan = postier.run(&["import", &file, "--plan", "--detailed-exitcode"], &[0]);
    let apply = whole.saturating_sub(plan);
    println!(
        "  {:<10} {mailboxes:>6} mailboxes / {domains:>4} domains: whole import {:>6.0} ms \
         (parse + plan {:>5.0} ms, apply {:>6.0} ms = {:>6.0} mailboxes/s); re-plan, nothing to change: {:>4.0} ms",
        backend.name(),
        ms(whole),
        ms(plan),
        ms(apply),
        mailboxes as f64 / apply.as_secs_f64(),
        ms(replan),
    );
}

fn sql(backend: Backend, runtime: &tokio::runtime::Runtime) {
    if let Some(var) = backend.env_var()
        && std::env::var(var).map_or(true, |v| v.is_empty())
    {
        println!(
            "  {:<10} NOT MEASURED: {var} is not set (run it through `make bench`)",
            backend.name()
        );
        return;
    }
    let mut sizes = vec![(2_250, 130)];
    if std::env::var("POSTIER_BENCH_IMPORT_LARGE").as_deref() != Ok("0") {
        sizes.push((100_000, 1_000));
    }
    for (mailboxes, domains) in sizes {
        let Some(db) = runtime.block_on(TestDatabase::create(backend)) else {
            return;
        };
        sql_run(backend, db.url(), mailboxes, domains);
        // Dropped inside the runtime's context (it drops server databases).
        let _guard = runtime.enter();
        drop(db);
    }
    if std::env::var("POSTIER_BENCH_IMPORT_LARGE").as_deref() == Ok("0") {
        return;
    }
    let (mailboxes, domains) = (100_000, 1_000);
    let text = yaml(mailboxes, domains, &hashed);
    let mut runs = Vec::new();
    for _ in 0..3 {
        let Some(db) = runtime.block_on(TestDatabase::create(backend)) else {
            return;
        };
        // On a runtime like the CLI's: one thread.
        let cli_runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runs.push(cli_runtime.block_on(apply_alone(db.url(), &text)));
        let _guard = runtime.enter();
        drop(db);
    }
    let shown: Vec<String> = runs
        .iter()
        .map(|d| format!("{:.0}/s", mailboxes as f64 / d.as_secs_f64()))
        .collect();
    runs.sort();
    let median = runs[1];
    println!(
        "  {:<10} {mailboxes:>6} mailboxes, apply alone in one process: median {:>6.0} ms = {:>6.0} mailboxes/s (runs: {})",
        backend.name(),
        ms(median),
        mailboxes as f64 / median.as_secs_f64(),
        shown.join(", "),
    );
}

/// The entries the LDAP backend writes for a mailbox (see
/// src/directory/ldap/entry.rs), for `ldapadd`.
fn ldif(domains: &[String], range: std::ops::Range<usize>) -> String {
    let stored = format!("{{CRYPT}}{}", HASH.split_once('}').expect("hash").1);
    let mut out = String::new();
    for i in range {
        let domain = &domains[i % domains.len()];
        let local = format!("user{i}");
        let a = format!("{local}@{domain}");
        out.push_str(&format!(
            "dn: uid={local},ou={domain},ou=domains,{BASE_DN}\n\
             objectClass: inetOrgPerson\nobjectClass: postierMailbox\n\
             uid: {local}\ncn: {a}\nsn: {local}\nmail: {a}\ndisplayName: Member {i}\n\
             postierAddress: {a}\nuserPassword: {stored}\npostierQuotaBytes: 1073741824\n\
             postierMaildir: {domain}/{local}/\npostierActive: TRUE\npostierVersion: 1\n\
             postierChange: {i:032x}\n\n"
        ));
    }
    out
}

/// 10,000 mailboxes over 10 domains: `ldapadd` of the entries vs
/// `postier import` of the rows, on the same slapd, domains made first.
fn ldap() {
    let count: usize = std::env::var("POSTIER_BENCH_LDAP_MAILBOXES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let Some(slapd) = Slapd::start() else {
        println!("  OpenLDAP   NOT MEASURED: slapd is not installed");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let postier = Postier {
        config: &config,
        url: slapd.ldap_url(),
        env: vec![
            ("POSTIER_LDAP_BASE_DN".into(), BASE_DN.into()),
            (
                "POSTIER_LDAP_BIND_DN".into(),
                support::slapd::BIND_DN.into(),
            ),
            (
                "POSTIER_LDAP_BIND_PASSWORD_FILE".into(),
                slapd.password_file().display().to_string(),
            ),
            (
                "POSTIER_LDAP_STATE_URL".into(),
                format!("sqlite:{}", dir.path().join("state.db").display()),
            ),
        ],
    };
    let domains =
        |prefix: &str| -> Vec<String> { (0..10).map(|d| format!("{prefix}{d}.example")).collect() };
    let (raw, ours) = (domains("raw"), domains("imp"));
    let mut setup = String::from("domains:\n");
    for d in raw.iter().chain(&ours) {
        setup.push_str(&format!("- name: {d}\n"));
    }
    let setup_file = dir.path().join("domains.yaml");
    std::fs::write(&setup_file, setup).expect("file");
    postier.run(&["import", &setup_file.display().to_string()], &[0]);

    let ldif_file = dir.path().join("raw.ldif");
    std::fs::write(&ldif_file, ldif(&raw, 0..count)).expect("LDIF");
    let start = Instant::now();
    let out = slapd
        .tool("ldapadd")
        .arg("-f")
        .arg(&ldif_file)
        .stdout(std::process::Stdio::null())
        .output()
        .expect("ldapadd");
    let ldapadd = start.elapsed();
    assert!(
        out.status.success(),
        "ldapadd: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut rows = String::from("mailboxes:\n");
    for i in 0..count {
        rows.push_str(&format!(
            "- address: user{i}@{}\n  name: Member {i}\n  quota: 1G\n  password: '{HASH}'\n",
            ours[i % ours.len()]
        ));
    }
    let file = dir.path().join("mailboxes.yaml");
    std::fs::write(&file, rows).expect("file");
    let import = postier.run(&["import", &file.display().to_string()], &[0]);
    let rate = |t: Duration| count as f64 / t.as_secs_f64();
    println!(
        "  OpenLDAP   {count:>6} mailboxes / 10 domains: ldapadd {:>6.0} ms ({:>5.0}/s), \
         postier import {:>6.0} ms ({:>5.0}/s): {:.2}x ldapadd's time (target ≤ 2x)",
        ms(ldapadd),
        rate(ldapadd),
        ms(import),
        rate(import),
        import.as_secs_f64() / ldapadd.as_secs_f64()
    );
}

/// 2,250 `password_plain` rows hashed with SHA512-CRYPT, one core vs all.
fn hashing() {
    const ROWS: usize = 2_250;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let file = dir.path().join("plain.yaml");
    let plain = |m: usize| format!("password_plain: 'correct horse {m:05} staple'");
    std::fs::write(&file, yaml(ROWS, 130, &plain)).expect("file");
    let postier = Postier {
        config: &config,
        url: format!("sqlite:{}", dir.path().join("directory.db").display()),
        env: Vec::new(),
    };
    postier.run(&["db", "migrate"], &[0]);
    let file = file.display().to_string();
    let out = dir.path().join("plan.json").display().to_string();
    let args = ["import", &file, "--plan-out", &out];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = postier.run_with(Some("0"), &args, &[0]);
    let all = postier.run(&args, &[0]);
    let rate = |t: Duration| ROWS as f64 / t.as_secs_f64();
    println!(
        "  passwords  {ROWS} password_plain rows, SHA512-CRYPT (parse + plan + hash): \
         1 core {:>6.0} ms ({:>4.0}/s), {cores} cores {:>6.0} ms ({:>4.0}/s): {:.2}x (target ≥ 1.8x on 2 cores)",
        ms(one),
        rate(one),
        ms(all),
        rate(all),
        one.as_secs_f64() / all.as_secs_f64()
    );
}

/// PostfixAdmin's own CLI, one process per mailbox, on SQLite.
fn peers() {
    const COUNT: usize = 100;
    let Some(pfa) = support::postfixadmin::PostfixAdmin::start() else {
        println!("  PostfixAdmin NOT MEASURED: postfixadmin is not installed");
        return;
    };
    pfa.cli(&[
        "domain",
        "add",
        "peer.example",
        "--mailboxes",
        "0",
        "--aliases",
        "0",
        "--maxquota",
        "500",
        "--quota",
        "100000",
    ]);
    let start = Instant::now();
    for i in 0..COUNT {
        pfa.add_mailbox(
            &format!("user{i}@peer.example"),
            "correct horse staple 42",
            100,
        );
    }
    let took = start.elapsed();
    println!(
        "  PostfixAdmin CLI `mailbox add`: {COUNT} mailboxes in {:>6.0} ms ({:>4.0}/s, one PHP process each, hashing included)",
        ms(took),
        COUNT as f64 / took.as_secs_f64()
    );
    modoboa();
}

/// Modoboa's `modo import` and postier's `import --from modoboa-csv:` of
/// the same file: 500 pre-hashed accounts over 5 domains.
fn modoboa() {
    const COUNT: usize = 500;
    let modoboa = match support::modoboa::Modoboa::start() {
        Ok(m) => m,
        Err(why) => {
            println!("  Modoboa NOT MEASURED: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::new();
    for d in 0..5 {
        csv.push_str(&format!("domain; d{d}.peer.example; 0; 0; True\n"));
    }
    for i in 0..COUNT {
        let address = format!("user{i}@d{}.peer.example", i % 5);
        csv.push_str(&format!(
            "account; {address}; {HASH}; User; {i}; True; SimpleUsers; {address}; 100\n"
        ));
    }
    let file = dir.path().join("modoboa.csv");
    std::fs::write(&file, csv).expect("file");
    let start = Instant::now();
    modoboa.import(&file);
    let theirs = start.elapsed();
    assert_eq!(modoboa.mailboxes(), COUNT, "modo import left mailboxes out");

    let config = dir.path().join("postier.toml");
    std::fs::write(&config, "").expect("config");
    let postier = Postier {
        config: &config,
        url: format!("sqlite:{}", dir.path().join("directory.db").display()),
        env: Vec::new(),
    };
    postier.run(&["db", "migrate"], &[0]);
    let source = format!("modoboa-csv:{}", file.display());
    let ours = postier.run(&["import", "--from", &source], &[0]);
    println!(
        "  Modoboa {} `modo import` of {COUNT} pre-hashed accounts: {:>6.0} ms ({:>5.0}/s); \
         postier `import --from modoboa-csv:` of the same file: {:>6.0} ms ({:>6.0}/s, {:.0}x)",
        support::modoboa::VERSION,
        ms(theirs),
        COUNT as f64 / theirs.as_secs_f64(),
        ms(ours),
        COUNT as f64 / ours.as_secs_f64(),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!("import: the postier import process, per backend (release build)");
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!("  (load average at start: {})", load.join(" "));
    }
    for (part, backend) in [
        ("sqlite", Backend::Sqlite),
        ("postgres", Backend::Postgres),
        ("mariadb", Backend::Mariadb),
    ] {
        if wanted(part) {
            sql(backend, &runtime);
        }
    }
    if wanted("ldap") {
        ldap();
    }
    if wanted("hash") {
        hashing();
    }
    if wanted("peers") {
        peers();
    }
}
