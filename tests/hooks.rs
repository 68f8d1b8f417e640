//! Hooks (SPEC.md, "Hooks") on real parts: a real HTTP server on loopback
//! that fails the first posts, real commands, real SQLite, PostgreSQL and
//! MariaDB for the hooks' state. Retries and parking are driven by config
//! (`backoff = "0s"`, small `max_attempts`), not by sleeping.

use postier::config::Config;
use postier::directory::Directory;
use postier::hooks::{Hooks, Outcome};
use postier::model::*;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::{Password, Scheme};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::http::{Behaviour, HttpServer};
use support::slapd::Slapd;
use support::sql::{Backend, TestDatabase};
use tempfile::TempDir;

mod support;

const SECRET: &str = "hook-shared-secret-3f9a";

/// A directory on `backend` with a config holding `hooks` (TOML text).
struct Setup {
    dir: TempDir,
    db: Option<TestDatabase>,
    /// An LDAP directory instead (its hooks' state in its local store).
    _ldap: Option<Slapd>,
    config: Config,
    ops: Ops,
}

/// Which directory a story runs on.
#[derive(Clone, Copy)]
enum Store {
    Sql(Backend),
    Ldap,
}

async fn setup(backend: Backend, hooks: &str) -> Option<Setup> {
    setup_on(Store::Sql(backend), hooks).await
}

async fn setup_on(store: Store, hooks: &str) -> Option<Setup> {
    let (db, ldap, directory): (_, _, Arc<dyn Directory>) = match store {
        Store::Sql(backend) => {
            let db = TestDatabase::create(backend).await?;
            let directory = postier::directory::open(db.url()).await.unwrap();
            (Some(db), None, directory)
        }
        Store::Ldap => {
            let slapd = Slapd::start()?;
            let settings = slapd.config("state.db");
            let directory = postier::directory::open_with(&slapd.ldap_url(), &settings)
                .await
                .unwrap();
            (None, Some(slapd), directory)
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("hook.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = hooks.replace("SECRET_FILE", &secret.display().to_string());
    let path = dir.path().join("postier.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::read(&path).unwrap();
    let ops = Ops::new(directory, Actor::admin("tester"), Scheme::Sha512Crypt);
    Some(Setup {
        dir,
        db,
        _ldap: ldap,
        config,
        ops,
    })
}

impl Setup {
    fn hooks(&self) -> Hooks {
        Hooks::new(&self.ops, &self.config).unwrap()
    }

    /// A second consumer with its own connection pool, as on another host.
    async fn other_consumer(&self) -> Hooks {
        let url = self.db.as_ref().expect("a SQL directory").url();
        let directory = postier::directory::open(url).await.unwrap();
        let ops = Ops::new(directory, Actor::admin("tester"), Scheme::Sha512Crypt);
        Hooks::new(&ops, &self.config).unwrap()
    }

    async fn add_domain(&self, name: &str) -> i64 {
        self.add_domain_with(name, 0).await
    }

    async fn add_domain_with(&self, name: &str, max_mailboxes: u64) -> i64 {
        let settings = DomainSettings {
            max_mailboxes,
            ..Default::default()
        };
        self.ops
            .add_domain(DomainName::parse(name).unwrap(), settings)
            .await
            .unwrap();
        self.last_event().await
    }

    async fn last_event(&self) -> i64 {
        let events = self.ops.directory().journal(0, 100_000).await.unwrap();
        events.last().map(|e| e.id).unwrap_or(0)
    }

    async fn add_mailbox(&self, address: &str, password: &str) -> postier::Result<()> {
        self.ops
            .add_mailbox(MailboxRequest {
                address: Address::parse(address).unwrap(),
                name: "Alice".into(),
                quota: None,
                password: PasswordInput::Plain(Password::new(password.into()).unwrap()),
            })
            .await
            .map(drop)
    }
}

fn url_hook(server: &HttpServer, extra: &str) -> String {
    format!(
        "[[hooks]]\nname = \"web\"\nevents = [\"*\"]\nurl = \"{}\"\nsecret_file = \"SECRET_FILE\"\n\
         backoff = \"0s\"\ntimeout = \"5s\"\n{extra}\n",
        server.url("/hooks/s3cret-path")
    )
}

fn ids(requests: &[support::http::Request]) -> Vec<i64> {
    requests
        .iter()
        .map(|r| r.json()["id"].as_i64().unwrap())
        .collect()
}

fn verify_signature(r: &support::http::Request) {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let header = r.headers.get("x-postier-signature").expect("signed");
    let hex = header.strip_prefix("sha256=").expect("sha256= prefix");
    let tag: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    ring::hmac::verify(&key, &r.body, &tag).expect("the signature is the body's HMAC");
}

/// Retries, order, signature, parking after max_attempts, a parked event
/// holding back the later ones, and `retry` delivering them all.
async fn webhook_story(store: Store) {
    let server = HttpServer::start(Behaviour {
        fail_first: 2,
        ..Default::default()
    });
    let Some(s) = setup_on(store, &url_hook(&server, "max_attempts = 3")).await else {
        return;
    };
    let hooks = s.hooks();
    // A new hook starts at the journal's end: this one sees what follows.
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    let b = s.add_domain("b.example").await;
    let c = s.add_domain("c.example").await;

    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 3, "{report:?}");
    assert_eq!(report.hooks[0].failed_attempts, 2);
    let all = server.requests();
    assert_eq!(all.len(), 5, "two failures then three deliveries");
    assert_eq!(
        ids(&all),
        vec![a, a, a, b, c],
        "retried in place, in journal order"
    );
    for r in &all {
        verify_signature(r);
        assert_eq!(r.path, "/hooks/s3cret-path");
    }
    let doc = all[4].json();
    assert_eq!(doc["event"], "domain.add");
    assert_eq!(doc["object"], "c.example");
    assert_eq!(doc["domain"], "c.example");
    assert_eq!(doc["actor"], "tester");
    assert_eq!(server.connections(), 1, "one kept-alive connection");

    // Everything fails now: parked after three attempts, and the next
    // event waits behind it.
    server.set(Behaviour {
        fail_first: usize::MAX,
        ..Default::default()
    });
    let d = s.add_domain("d.example").await;
    let e = s.add_domain("e.example").await;
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.hooks[0].parked, Some(d), "{report:?}");
    assert!(report.has_failures());
    assert_eq!(server.requests().len(), 8);
    assert_eq!(ids(&server.requests()[5..]), vec![d, d, d]);
    let again = hooks.run_once().await.unwrap();
    assert_eq!(again.hooks[0].parked, Some(d));
    assert_eq!(
        again.hooks[0].last_error.as_deref(),
        Some("parked (500): try again later"),
        "a later round says why it is parked"
    );
    assert_eq!(
        server.requests().len(),
        8,
        "a parked event is not tried again"
    );

    let status = hooks.status(10).await.unwrap();
    let st = &status.hooks[0];
    assert_eq!((st.pending, st.failed, st.last_delivered_id), (2, 1, c));
    assert!(st.detail.parked);
    assert_eq!(st.detail.head, Some((d, 3)));
    let attempt = &st.detail.attempts[0];
    assert_eq!(
        (attempt.event_id, attempt.outcome.as_str(), attempt.code),
        (d, "parked", Some(500))
    );
    assert_eq!(attempt.detail, "try again later");

    // A wrong event id is refused, naming the right one.
    let wrong = hooks.retry("web", Some(e)).await.unwrap_err();
    assert!(wrong.to_string().contains(&d.to_string()), "{wrong}");
    server.set(Behaviour::default());
    assert_eq!(hooks.retry("web", None).await.unwrap(), d);
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 2);
    assert!(!report.has_failures());
    assert_eq!(ids(&server.delivered()), vec![a, b, c, d, e]);
    let status = hooks.status(0).await.unwrap();
    assert_eq!(
        (
            status.hooks[0].pending,
            status.hooks[0].failed,
            status.hooks[0].last_delivered_id
        ),
        (0, 0, e)
    );
}

#[tokio::test]
async fn webhook_story_sqlite() {
    webhook_story(Store::Sql(Backend::Sqlite)).await;
}

#[tokio::test]
async fn webhook_story_postgres() {
    webhook_story(Store::Sql(Backend::Postgres)).await;
}

#[tokio::test]
async fn webhook_story_mariadb() {
    webhook_story(Store::Sql(Backend::Mariadb)).await;
}

#[tokio::test]
async fn webhook_story_ldap() {
    webhook_story(Store::Ldap).await;
}

#[tokio::test]
async fn skip_moves_a_parked_hook_on() {
    let server = HttpServer::start(Behaviour {
        fail_first: 1,
        ..Default::default()
    });
    let s = setup(Backend::Sqlite, &url_hook(&server, "max_attempts = 1"))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    let b = s.add_domain("b.example").await;
    assert_eq!(hooks.run_once().await.unwrap().hooks[0].parked, Some(a));
    hooks.skip("web", a).await.unwrap();
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 1);
    assert_eq!(
        ids(&server.delivered()),
        vec![b],
        "a skipped event is not delivered"
    );
    let attempts = &hooks.status(5).await.unwrap().hooks[0].detail.attempts;
    let seen: Vec<(i64, &str, &str)> = attempts
        .iter()
        .map(|x| (x.event_id, x.outcome.as_str(), x.detail.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (b, "delivered", ""),
            (a, "skipped", "by tester"),
            (a, "parked", "try again later")
        ]
    );
    let err = hooks.skip("web", a).await.unwrap_err();
    assert!(err.to_string().contains("web"), "{err}");
}

#[tokio::test]
async fn an_unreachable_webhook_is_named_by_host_and_port_only() {
    // A port nothing listens on (bound, then let go).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hook = format!(
        "[[hooks]]\nname = \"web\"\nevents = [\"*\"]\nurl = \"http://127.0.0.1:{port}/hooks/s3cret-path\"\n\
         backoff = \"0s\"\nmax_attempts = 1\n"
    );
    let s = setup(Backend::Sqlite, &hook).await.unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.hooks[0].parked, Some(a));
    let status = hooks.status(1).await.unwrap();
    let attempt = &status.hooks[0].detail.attempts[0];
    assert_eq!(
        attempt.detail,
        format!("cannot connect to 127.0.0.1:{port}: connection refused")
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = HttpServer::start(Behaviour {
        redirect_to: Some("/elsewhere".into()),
        ..Default::default()
    });
    let s = setup(Backend::Sqlite, &url_hook(&server, "max_attempts = 1"))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.hooks[0].parked, Some(a));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests.iter().all(|r| r.path != "/elsewhere"));
    let status = hooks.status(1).await.unwrap();
    let attempt = &status.hooks[0].detail.attempts[0];
    assert_eq!(attempt.code, Some(302));
    assert!(attempt.detail.contains("redirect"), "{attempt:?}");
}

#[tokio::test]
async fn mattermost_gets_a_readable_french_text() {
    let server = HttpServer::start(Behaviour::default());
    let toml = format!(
        "[[hooks]]\nname = \"chat\"\nevents = [\"mailbox.add\"]\ndomains = [\"radio-libre.fr\"]\n\
         url = \"{}\"\nformat = \"mattermost\"\nlanguage = \"fr\"\n",
        server.url("/hooks/x")
    );
    let s = setup(Backend::Sqlite, &toml).await.unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    s.add_domain("radio-libre.fr").await;
    s.add_domain("other.org").await;
    s.add_mailbox("alice@other.org", "pw-one-two-three")
        .await
        .unwrap();
    s.add_mailbox("alice@radio-libre.fr", "pw-one-two-three")
        .await
        .unwrap();
    let report = hooks.run_once().await.unwrap();
    assert_eq!(
        report.delivered(),
        1,
        "only the wanted event of the wanted domain"
    );
    let body = server.delivered()[0].json();
    assert_eq!(
        body,
        serde_json::json!({"text": "Boîte aux lettres alice@radio-libre.fr créé(e) par tester."})
    );
    assert!(
        !server.delivered()[0]
            .headers
            .contains_key("x-postier-signature")
    );
}

#[tokio::test]
async fn no_secret_in_payloads_or_records_and_a_refused_change_makes_no_event() {
    let server = HttpServer::start(Behaviour {
        fail_first: 1,
        ..Default::default()
    });
    let s = setup(Backend::Sqlite, &url_hook(&server, "max_attempts = 5"))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    s.add_domain_with("small.example", 1).await;
    s.add_mailbox("one@small.example", "Sup3r-Secret-Pass!")
        .await
        .unwrap();
    let refused = s.add_mailbox("two@small.example", "An0ther-Secret!").await;
    assert!(
        refused.is_err(),
        "the domain's limit refuses a second mailbox"
    );
    hooks.run_once().await.unwrap();
    let delivered = server.delivered();
    let events: Vec<String> = delivered
        .iter()
        .map(|r| r.json()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        ["domain.add", "mailbox.add"],
        "no event for the refused change"
    );
    let stored_hash = s
        .ops
        .mailbox(&Address::parse("one@small.example").unwrap())
        .await
        .unwrap()
        .password
        .as_str()
        .to_string();
    let hash_tail = stored_hash.rsplit('$').next().unwrap().to_string();
    for r in server.requests() {
        let body = String::from_utf8(r.body.clone()).unwrap();
        for secret in ["Sup3r-Secret-Pass", "An0ther-Secret", SECRET, &hash_tail] {
            assert!(!body.contains(secret), "{secret} in {body}");
            assert!(!r.headers.values().any(|v| v.contains(secret)));
        }
    }
    let attempts = s
        .ops
        .directory()
        .hook_store()
        .attempts("web", 100)
        .await
        .unwrap();
    assert!(!attempts.is_empty());
    let text = format!("{attempts:?} {:?}", s.config);
    for secret in ["Sup3r-Secret-Pass", SECRET, "s3cret-path"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn command_hook(program: &str, extra: &str) -> String {
    format!(
        "[[hooks]]\nname = \"script\"\nevents = [\"*\"]\ncommand = [\"{program}\"]\nbackoff = \"0s\"\n{extra}\n"
    )
}

#[tokio::test]
async fn a_failing_command_is_recorded_retried_and_parked() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let program = script(
        dir.path(),
        "fail.sh",
        &format!(
            "echo x >> {}\necho \"cannot reach monitoring for $POSTIER_OBJECT\" >&2\nexit 3",
            count.display()
        ),
    );
    let s = setup(Backend::Sqlite, &command_hook(&program, "max_attempts = 2"))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.hooks[0].parked, Some(a));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 2);
    let status = hooks.status(5).await.unwrap();
    let attempts = &status.hooks[0].detail.attempts;
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (attempts[1].outcome.as_str(), attempts[1].code),
        ("failed", Some(3))
    );
    assert_eq!(
        (attempts[0].outcome.as_str(), attempts[0].code),
        ("parked", Some(3))
    );
    assert_eq!(attempts[0].detail, "cannot reach monitoring for a.example");
}

/// Old attempts are pruned, except those at an event a hook still works
/// on (parked here); once the admin skips it, those go too.
async fn old_attempts_are_pruned_but_not_a_parked_head(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let fail = script(dir.path(), "fail.sh", "echo down >&2\nexit 3");
    let toml = format!(
        "[[hooks]]\nname = \"ok\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n\n\
         [[hooks]]\nname = \"bad\"\nevents = [\"*\"]\ncommand = [\"{fail}\"]\nmax_attempts = 1\n"
    );
    let Some(s) = setup_on(store, &toml).await else {
        return;
    };
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    hooks.run_once().await.unwrap();
    let kept = |name: &'static str| {
        let hooks = &hooks;
        async move {
            let status = hooks.status(10).await.unwrap();
            let h = status.hooks.iter().find(|h| h.name == name).unwrap();
            h.detail.attempts.len()
        }
    };
    assert_eq!((kept("ok").await, kept("bad").await), (1, 1));
    let store = s.ops.directory().hook_store();
    let future = (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(store.prune_attempts(&future).await.unwrap(), 1);
    assert_eq!(
        (kept("ok").await, kept("bad").await),
        (0, 1),
        "the parked head's stay"
    );
    hooks.skip("bad", a).await.unwrap();
    assert!(store.prune_attempts(&future).await.unwrap() >= 1);
    assert_eq!(kept("bad").await, 0, "done with: pruned");
    let past = "2000-01-01T00:00:00.000Z";
    s.add_domain("b.example").await;
    hooks.run_once().await.unwrap();
    assert_eq!(
        store.prune_attempts(past).await.unwrap(),
        0,
        "recent ones stay"
    );
}

#[tokio::test]
async fn old_attempts_are_pruned_sqlite() {
    old_attempts_are_pruned_but_not_a_parked_head(Store::Sql(Backend::Sqlite)).await;
}

#[tokio::test]
async fn old_attempts_are_pruned_postgres() {
    old_attempts_are_pruned_but_not_a_parked_head(Store::Sql(Backend::Postgres)).await;
}

#[tokio::test]
async fn old_attempts_are_pruned_mariadb() {
    old_attempts_are_pruned_but_not_a_parked_head(Store::Sql(Backend::Mariadb)).await;
}

#[tokio::test]
async fn old_attempts_are_pruned_ldap() {
    old_attempts_are_pruned_but_not_a_parked_head(Store::Ldap).await;
}

#[tokio::test]
async fn a_hanging_command_is_killed_at_the_timeout_with_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    let program = script(
        dir.path(),
        "hang.sh",
        &format!("sleep 300 &\necho $! > {}\nwait", pidfile.display()),
    );
    let s = setup(
        Backend::Sqlite,
        &command_hook(&program, "max_attempts = 1\ntimeout = \"1s\""),
    )
    .await
    .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    s.add_domain("a.example").await;
    let started = Instant::now();
    let report = hooks.run_once().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(report.hooks[0].parked.is_some());
    let status = hooks.status(1).await.unwrap();
    let attempt = &status.hooks[0].detail.attempts[0];
    assert!(attempt.detail.contains("timeout"), "{attempt:?}");
    // The sleep the script started went with it (the whole group).
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let gone = state.is_empty() || state.contains(") Z ");
        if gone {
            break;
        }
        assert!(Instant::now() < deadline, "sleep {pid} still runs: {state}");
        std::thread::yield_now();
    }
}

#[tokio::test]
async fn a_command_gets_the_event_on_stdin_and_a_bare_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let program = script(
        dir.path(),
        "log.sh",
        &format!(
            "cat > {o}/$POSTIER_EVENT_ID.json\nenv > {o}/$POSTIER_EVENT_ID.env\n\
             head -c 2000000 /dev/zero | tr '\\0' x >&2\nyes | head -n 200000",
            o = out.display()
        ),
    );
    let s = setup(Backend::Sqlite, &command_hook(&program, ""))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    s.add_mailbox("bob@a.example", "Bob-Secret-Pass1")
        .await
        .unwrap();
    let b = s.last_event().await;
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 2, "{report:?}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(format!("{b}.json"))).unwrap())
            .unwrap();
    assert_eq!(doc["id"], b);
    assert_eq!(doc["event"], "mailbox.add");
    assert_eq!(doc["object"], "bob@a.example");
    assert_eq!(doc["payload"]["after"]["password_scheme"], "SHA512-CRYPT");
    assert!(!doc.to_string().contains("Bob-Secret"));
    let env = std::fs::read_to_string(out.join(format!("{b}.env"))).unwrap();
    for line in [
        "POSTIER_EVENT=mailbox.add",
        &format!("POSTIER_EVENT_ID={b}"),
        "POSTIER_OBJECT=bob@a.example",
        "POSTIER_DOMAIN=a.example",
        "POSTIER_HOOK=script",
    ] {
        assert!(env.lines().any(|l| l == line), "{line} not in {env}");
    }
    let names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
    for name in &names {
        assert!(
            name.starts_with("POSTIER_") && !name.contains("DIRECTORY")
                || ["PATH", "PWD", "SHLVL", "_", "OLDPWD"].contains(name),
            "{name} leaked into the hook's environment: {env}"
        );
    }
    let a_env = std::fs::read_to_string(out.join(format!("{a}.env"))).unwrap();
    assert!(a_env.contains("POSTIER_EVENT=domain.add"));
    // Megabytes on stderr and stdout: delivered, and only a little kept.
    let status = hooks.status(0).await.unwrap();
    assert_eq!(status.hooks[0].pending, 0);
    let attempts = s
        .ops
        .directory()
        .hook_store()
        .attempts("script", 10)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 2);
    assert!(attempts.iter().all(|x| x.outcome == "delivered"));
    assert!(
        attempts.iter().all(|x| x.detail.len() <= 1030),
        "{}",
        attempts[0].detail.len()
    );
}

/// Two consumers at once on one server database: each event reaches the
/// hook exactly once (counted at the receiver), in order.
async fn two_consumers(backend: Backend) {
    let server = HttpServer::start(Behaviour::default());
    let Some(s) = setup(backend, &url_hook(&server, "max_attempts = 3")).await else {
        return;
    };
    let one = s.hooks();
    let two = s.other_consumer().await;
    assert_ne!(one.owner(), two.owner());
    one.status(0).await.unwrap();
    let mut expected = Vec::new();
    for round in 0..5 {
        for i in 0..8 {
            expected.push(s.add_domain(&format!("d{round}-{i}.example")).await);
        }
        let (r1, r2) = tokio::join!(one.run_once(), two.run_once());
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert!(!r1.has_failures() && !r2.has_failures());
    }
    // Whatever one left to the other, a last round each finishes.
    let (r1, r2) = tokio::join!(one.run_once(), two.run_once());
    r1.unwrap();
    r2.unwrap();
    one.run_once().await.unwrap();
    assert_eq!(
        ids(&server.requests()),
        expected,
        "each event once, in order"
    );
}

#[tokio::test]
async fn two_consumers_postgres() {
    two_consumers(Backend::Postgres).await;
}

#[tokio::test]
async fn two_consumers_mariadb() {
    two_consumers(Backend::Mariadb).await;
}

#[tokio::test]
async fn two_consumers_sqlite() {
    two_consumers(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_dead_consumers_lease_expires_and_another_takes_over() {
    let server = HttpServer::start(Behaviour::default());
    let s = setup(Backend::Sqlite, &url_hook(&server, ""))
        .await
        .unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let a = s.add_domain("a.example").await;
    // A consumer that took the lease for one second and died.
    let store = s.ops.directory().hook_store();
    let now = postier::hooks::now_ms();
    assert!(
        store
            .lease("web", "dead-host:1:0", now, now + 1000)
            .await
            .unwrap()
            .is_some()
    );
    let report = hooks.run_once().await.unwrap();
    assert!(report.hooks[0].busy, "{report:?}");
    assert!(server.requests().is_empty());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let report = hooks.run_once().await.unwrap();
        if report.delivered() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the lease never expired");
        tokio::task::yield_now().await;
    }
    assert_eq!(ids(&server.requests()), vec![a]);
}

#[tokio::test]
async fn test_sends_a_synthetic_event_and_records_nothing() {
    let server = HttpServer::start(Behaviour::default());
    let s = setup(Backend::Sqlite, &url_hook(&server, ""))
        .await
        .unwrap();
    let hooks = s.hooks();
    let attempt = hooks.test("web").await.unwrap();
    assert_eq!(attempt.outcome, Outcome::Delivered);
    assert_eq!(attempt.code, Some(200));
    let r = &server.requests()[0];
    verify_signature(r);
    assert_eq!(r.json()["event"], "hook.test");
    assert_eq!(r.json()["id"], 0);
    assert!(
        s.ops
            .directory()
            .hook_store()
            .attempts("web", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let err = hooks.test("nope").await.unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("web"), "{err}");
}

#[tokio::test]
async fn only_admins_run_hooks() {
    let s = setup(Backend::Sqlite, &command_hook("/bin/true", ""))
        .await
        .unwrap();
    let dom = DomainName::parse("a.example").unwrap();
    let other = Ops::new(
        s.ops.directory().clone(),
        Actor {
            user: "dana".into(),
            role: postier::ops::Role::DomainAdmin(vec![dom]),
        },
        Scheme::Sha512Crypt,
    );
    let err = Hooks::new(&other, &s.config).err().unwrap().to_string();
    assert!(err.contains("admin") && err.contains("dana"), "{err}");
    drop(s.dir);
}

// ---- the CLI: `postier hooks …` as scripts, cron and systemd run it ----

/// A config file holding `hooks`, a SQLite directory, and the binary.
struct CliEnv {
    dir: TempDir,
}

impl CliEnv {
    fn new(hooks: &str) -> CliEnv {
        let dir = tempfile::tempdir().unwrap();
        // The directory first (an explicit path must exist), then the
        // config under test.
        std::fs::write(dir.path().join("postier.toml"), "").unwrap();
        let env = CliEnv { dir };
        env.ok(&["db", "migrate"]);
        std::fs::write(env.dir.path().join("postier.toml"), hooks).unwrap();
        env
    }

    fn cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("postier"));
        c.env("POSTIER_CONFIG", self.dir.path().join("postier.toml"))
            .env(
                "POSTIER_DIRECTORY",
                format!("sqlite:{}", self.dir.path().join("directory.db").display()),
            )
            .env("MY_TOKEN", "leaky-token-6c1d")
            .env("LC_ALL", "C.UTF-8")
            .env_remove("LANG")
            .env_remove("LC_MESSAGES")
            .stdin(std::process::Stdio::null());
        c
    }

    /// Runs `args`, returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        out
    }
}

#[test]
fn cli_status_json_run_exit_codes_retry_and_skip() {
    let server = HttpServer::start(Behaviour {
        fail_first: usize::MAX,
        ..Default::default()
    });
    let env = CliEnv::new(&format!(
        "[[hooks]]\nname = \"web\"\nevents = [\"domain.*\"]\nurl = \"{}\"\nbackoff = \"0s\"\nmax_attempts = 2\n\n\
         [[hooks]]\nname = \"log\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n",
        server.url("/h")
    ));
    env.ok(&["hooks", "status"]);
    env.ok(&["domain", "add", "a.example"]);
    env.ok(&["domain", "add", "b.example"]);
    let (code, out, _) = env.run(&["hooks", "run"]);
    assert_eq!(code, 1, "a parked event makes `hooks run` fail: {out}");
    assert!(out.contains("web: parked at event"), "{out}");
    assert!(out.contains("log: 2 delivered"), "{out}");

    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "hooks", "status"])).unwrap();
    let web = &status["hooks"][0];
    assert_eq!(status["hooks"][1]["name"], "log", "in config order");
    let keys: Vec<&str> = web
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "failed",
            "last_delivered_id",
            "name",
            "oldest_pending_age_seconds",
            "pending"
        ]
    );
    assert_eq!(web["name"], "web");
    assert_eq!(
        (web["pending"].as_u64(), web["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(web["last_delivered_id"], 0);
    assert!(web["oldest_pending_age_seconds"].as_i64().unwrap() >= 0);
    let human = env.ok(&["hooks", "status"]);
    assert!(
        human.contains("HOOK") && human.contains("PENDING"),
        "{human}"
    );
    assert!(
        human.contains("parked: later events wait behind it"),
        "{human}"
    );
    assert!(human.contains("parked (500)"), "{human}");

    let (code, _, err) = env.run(&["hooks", "skip", "web", "2"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "postier: event 2: is not the one hook web is stopped at (that is event 1)"
        ),
        "{err}"
    );
    env.ok(&["hooks", "skip", "web", "1"]);
    server.set(Behaviour::default());
    let (code, out, _) = env.run(&["hooks", "run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("web: 1 delivered"), "{out}");
    assert_eq!(ids(&server.delivered()), vec![2]);
    let (code, _, err) = env.run(&["hooks", "retry", "web"]);
    assert_eq!(code, 1);
    assert!(err.contains("no failed event"), "{err}");
    let (code, out, _) = env.run(&["hooks", "test", "log"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "log: test event delivered (0)");
}

#[test]
fn cli_bad_hook_config_is_one_line_naming_the_value() {
    let env = CliEnv::new(
        "[[hooks]]\nname = \"chat\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\ntimeout = \"3 minutes\"\n",
    );
    let (code, out, err) = env.run(&["hooks", "status"]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("[[hooks]] \"chat\" timeout") && err.contains("3 minutes"),
        "{err}"
    );
    let fr = env
        .cmd()
        .args(["hooks", "status"])
        .env("LC_ALL", "fr_FR.UTF-8")
        .output()
        .unwrap();
    assert_eq!(fr.status.code(), Some(2));
}

#[test]
fn cli_non_admins_are_refused() {
    let env = CliEnv::new(
        "[access]\nadmins = [\"somebody-else\"]\ncontacts = { nobody = [\"a.example\"] }\n\n\
         [[hooks]]\nname = \"x\"\nevents = [\"*\"]\ncommand = [\"/bin/true\"]\n",
    );
    let (code, _, err) = env.run(&["hooks", "run"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("postier: "), "{err}");
}

#[test]
fn cli_watch_delivers_as_changes_land_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("env");
    let program = script(dir.path(), "env.sh", &format!("env > {}", out.display()));
    let server = HttpServer::start(Behaviour::default());
    let env = CliEnv::new(&format!(
        "[[hooks]]\nname = \"web\"\nevents = [\"*\"]\nurl = \"{}\"\n\n{}",
        server.url("/w"),
        command_hook(&program, "")
    ));
    env.ok(&["hooks", "status"]);
    let mut watch = env
        .cmd()
        .args(["hooks", "watch", "--poll", "50ms"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    env.ok(&["domain", "add", "a.example"]);
    env.ok(&["domain", "add", "b.example"]);
    let got = server.wait_delivered(2, Duration::from_secs(30));
    assert_eq!(ids(&got), vec![1, 2]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&out).map_or(true, |e| !e.contains("POSTIER_EVENT_ID=2")) {
        assert!(Instant::now() < deadline, "the command hook did not run");
        std::thread::yield_now();
    }
    // SAFETY: signals our own child.
    unsafe {
        libc::kill(watch.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = watch.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "watch did not stop on SIGTERM");
        std::thread::yield_now();
    };
    assert_eq!(status.code(), Some(0));
    let mut printed = String::new();
    use std::io::Read;
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert!(
        printed.contains("web: 1 delivered") || printed.contains("web: 2 delivered"),
        "{printed}"
    );
    // The command ran with nothing of postier's environment.
    let child_env = std::fs::read_to_string(&out).unwrap();
    for leaked in [
        "POSTIER_DIRECTORY",
        "POSTIER_CONFIG",
        "MY_TOKEN",
        "leaky-token",
        "directory.db",
    ] {
        assert!(!child_env.contains(leaked), "{leaked} leaked: {child_env}");
    }
    // The lease was given back: a `hooks run` now is not refused as busy.
    let (_, out, _) = env.run(&["hooks", "run"]);
    assert!(!out.contains("another consumer"), "{out}");
}

/// `hooks run` SIGKILLed mid-delivery 20 times: every event still reaches
/// the hook at least once, none is lost, and the order holds.
#[test]
fn crash_mid_delivery_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let program = script(
        dir.path(),
        "slow.sh",
        &format!("echo $POSTIER_EVENT_ID >> {}\nsleep 0.2", log.display()),
    );
    let env = CliEnv::new(&command_hook(&program, "timeout = \"10s\""));
    env.ok(&["hooks", "status"]);
    let events = 30;
    for i in 0..events {
        env.ok(&["domain", "add", &format!("d{i}.example")]);
    }
    let lines = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| l.parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    let mut kills = 0;
    while kills < 20 {
        let before = lines().len();
        let mut run = env.cmd().args(["hooks", "run"]).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        // Wait for a delivery to start (the script logged), then kill.
        loop {
            if lines().len() > before {
                break;
            }
            if run.try_wait().unwrap().is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "no delivery started");
            std::thread::yield_now();
        }
        if run.try_wait().unwrap().is_none() {
            run.kill().unwrap();
            kills += 1;
        }
        run.wait().unwrap();
        if lines().iter().max() == Some(&events) && kills < 20 {
            break;
        }
    }
    let (code, out, err) = env.run(&["hooks", "run"]);
    assert_eq!(code, 0, "{out}{err}");
    let seen = lines();
    // At least once: after a kill, events may come again, but no event
    // ever comes before every earlier one has.
    let mut highest = 0;
    for id in &seen {
        assert!(
            *id <= highest + 1,
            "event {id} before {}: {seen:?}",
            highest + 1
        );
        highest = highest.max(*id);
    }
    let mut distinct = seen.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        (1..=events).collect::<Vec<_>>(),
        "every event, none lost"
    );
    assert!(kills >= 10, "only {kills} kills");
}

/// On PostgreSQL a commit wakes `watch` at once (LISTEN/NOTIFY): with a
/// one-minute poll, a change is still delivered within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_wakes_on_postgres_notifications() {
    let server = HttpServer::start(Behaviour::default());
    let Some(s) = setup(Backend::Postgres, &url_hook(&server, "")).await else {
        return;
    };
    let hooks = Arc::new(s.hooks());
    hooks.status(0).await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (round_tx, mut rounds) = tokio::sync::mpsc::unbounded_channel();
    let watcher = {
        let hooks = hooks.clone();
        tokio::spawn(async move {
            hooks
                .watch(stop_rx, Duration::from_secs(60), |r| {
                    let _ = round_tx.send(r.is_ok());
                })
                .await;
        })
    };
    // Its first round has run, with nothing to deliver: it waits now.
    assert_eq!(rounds.recv().await, Some(true));
    let started = Instant::now();
    let a = s.add_domain("a.example").await;
    let got = tokio::task::block_in_place(|| server.wait_delivered(1, Duration::from_secs(20)));
    assert_eq!(ids(&got), vec![a]);
    assert!(started.elapsed() < Duration::from_secs(20));
    stop_tx.send(true).unwrap();
    watcher.await.unwrap();
}

/// A `mail` hook writes through `[mail.sender]`; here its sendmail
/// program is a script that keeps what it is given.
#[tokio::test]
async fn a_mail_hook_sends_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept");
    let sendmail = script(
        dir.path(),
        "sendmail",
        &format!("echo \"$@\" > {k}.args\ncat > {k}.msg", k = kept.display()),
    );
    let toml = format!(
        "[mail.sender]\ntransport = \"sendmail\"\nsendmail = \"{sendmail}\"\nfrom = \"postier@example.net\"\n\n\
         [[hooks]]\nname = \"admins\"\nevents = [\"mailbox.rm\"]\nmail = [\"admins@example.net\"]\nlanguage = \"fr\"\n"
    );
    let s = setup(Backend::Sqlite, &toml).await.unwrap();
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    s.add_domain("a.example").await;
    s.add_mailbox("bob@a.example", "Bob-Secret-Pass1")
        .await
        .unwrap();
    s.ops
        .remove_mailbox(Address::parse("bob@a.example").unwrap(), false)
        .await
        .unwrap();
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 1, "{report:?}");
    let args = std::fs::read_to_string(dir.path().join("kept.args")).unwrap();
    assert!(args.contains("admins@example.net"), "{args}");
    let message = std::fs::read_to_string(dir.path().join("kept.msg")).unwrap();
    assert!(message.contains("Subject: "), "{message}");
    assert!(message.contains("bob@a.example"), "{message}");
    assert!(message.contains("mailbox.rm"), "{message}");
    assert!(!message.contains("Bob-Secret"), "{message}");
}

/// The events of postier's own jobs (`backup.done`, `mailbox.purged`,
/// appended by `Directory::record_job_event`) reach the hooks like a
/// change's, in journal order, on every backend.
async fn job_events_story(store: Store) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let hook = format!(
        "[[hooks]]\nname = \"jobs\"\nevents = [\"backup.*\", \"mailbox.purged\"]\n\
         command = [\"/bin/sh\", \"-c\", \"cat >> {}; echo >> {}\"]\nbackoff = \"0s\"\n",
        out.path().display(),
        out.path().display()
    );
    let Some(s) = setup_on(store, &hook).await else {
        return;
    };
    let hooks = s.hooks();
    hooks.status(0).await.unwrap();
    let directory = s.ops.directory();
    directory
        .record_job_event(
            "backup.done",
            "mail-2026-12-01T03:00:00Z",
            serde_json::json!({"actor": "postier-backup", "result": "ok"}),
        )
        .await
        .unwrap();
    s.add_domain("between.example").await;
    directory
        .record_job_event(
            "mailbox.purged",
            "old@example.org",
            serde_json::json!({"actor": "root", "path": ".removed/example.org/old@7"}),
        )
        .await
        .unwrap();
    let report = hooks.run_once().await.unwrap();
    assert_eq!(report.delivered(), 2, "{report:?}");
    let docs: Vec<serde_json::Value> = std::fs::read_to_string(out.path())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["event"], "backup.done");
    assert_eq!(docs[0]["object"], "mail-2026-12-01T03:00:00Z");
    assert_eq!(docs[0]["actor"], "postier-backup");
    assert_eq!(docs[0]["payload"]["result"], "ok");
    assert_eq!(docs[1]["event"], "mailbox.purged");
    assert_eq!(docs[1]["domain"], "example.org");
    assert!(docs[0]["id"].as_i64() < docs[1]["id"].as_i64());
}

#[tokio::test]
async fn job_events_reach_hooks_sqlite() {
    job_events_story(Store::Sql(Backend::Sqlite)).await;
}

#[tokio::test]
async fn job_events_reach_hooks_postgres() {
    job_events_story(Store::Sql(Backend::Postgres)).await;
}

#[tokio::test]
async fn job_events_reach_hooks_mariadb() {
    job_events_story(Store::Sql(Backend::Mariadb)).await;
}

#[tokio::test]
async fn job_events_reach_hooks_ldap() {
    job_events_story(Store::Ldap).await;
}
