//! Nothing half-done: a postier process is killed (SIGKILL) between the
//! steps of an LDAP change, at every step in turn, and the next run
//! completes the change or rolls it back cleanly.
//!
//! The process killed is this test binary, started again to run
//! [`child_process_entry_point`] alone: it applies one change and, at the
//! chosen step, tells the parent and waits to be killed. The parent then
//! opens the directory as the next run would (same server, same state
//! store) and checks what it finds: the change done once with one audit
//! entry and one journal event, or rolled back with no trace, and no
//! lease or pending intent left behind.

#[path = "support/mod.rs"]
mod support;

use postier::config::DirectoryConfig;
use postier::directory::Directory;
use postier::directory::ldap::{LdapDirectory, LdapSettings, Step};
use postier::model::*;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::Scheme;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use support::slapd::{BASE_DN, Slapd};

const SCENARIO: &str = "POSTIER_CRASH_SCENARIO";
const STOP_AT: &str = "POSTIER_CRASH_STOP_AT";
const URL: &str = "POSTIER_CRASH_URL";
const CA: &str = "POSTIER_CRASH_CA";
const RUN: &str = "POSTIER_CRASH_RUN";

/// The changes killed mid-way, each on a domain of its own per run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scenario {
    /// A mailbox in a domain without limits: written at once.
    AddMailbox,
    /// A mailbox in a domain with a mailbox limit: under the domain's lease.
    AddMailboxLimited,
    /// An alias with several targets (order kept).
    AddAlias,
    /// Name, password and quota of a mailbox (the quota under the lease).
    EditMailbox,
    /// A domain with mailboxes, an alias and an alias domain, cascading.
    RemoveDomainCascade,
    /// An empty domain, without cascading.
    RemoveDomain,
    /// A mailbox two aliases forward to, taken out of them first.
    RemoveMailboxDetach,
}

const ALL: [Scenario; 7] = [
    Scenario::AddMailbox,
    Scenario::AddMailboxLimited,
    Scenario::AddAlias,
    Scenario::EditMailbox,
    Scenario::RemoveDomainCascade,
    Scenario::RemoveDomain,
    Scenario::RemoveMailboxDetach,
];

impl Scenario {
    fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(text: &str) -> Scenario {
        *ALL.iter().find(|s| s.name() == text).expect("a scenario")
    }

    fn domain(self, run: usize) -> DomainName {
        DomainName::parse(&format!("r{run}.{}.test", self.name().to_lowercase())).unwrap()
    }

    fn address(self, run: usize, local: &str) -> Address {
        Address::new(LocalPart::parse(local).unwrap(), self.domain(run)).unwrap()
    }

    /// The action and object the change's audit entry names.
    fn trail(self, run: usize) -> (&'static str, String) {
        match self {
            Scenario::AddMailbox | Scenario::AddMailboxLimited => {
                ("mailbox.add", self.address(run, "new").to_string())
            }
            Scenario::AddAlias => ("alias.add", self.address(run, "info").to_string()),
            Scenario::EditMailbox => ("mailbox.edit", self.address(run, "old").to_string()),
            Scenario::RemoveDomainCascade | Scenario::RemoveDomain => {
                ("domain.rm", self.domain(run).to_string())
            }
            Scenario::RemoveMailboxDetach => ("mailbox.rm", self.address(run, "gone").to_string()),
        }
    }

    /// What exists before the change (made by another, live process).
    async fn setup(self, ops: &Ops, run: usize) {
        let domain = self.domain(run);
        // Without limits, a mailbox is written at once; with them, under
        // the domain's lease.
        let limited = matches!(self, Scenario::AddMailboxLimited | Scenario::EditMailbox);
        let settings = DomainSettings {
            max_mailboxes: if limited { 5 } else { 0 },
            quota: bytes(if limited { 1_000_000 } else { 0 }),
            default_quota: bytes(1_000),
            ..Default::default()
        };
        ops.add_domain(domain.clone(), settings).await.unwrap();
        match self {
            Scenario::AddMailbox | Scenario::AddMailboxLimited | Scenario::RemoveDomain => {}
            Scenario::AddAlias => {
                // Targets in a hosted domain must exist.
                for (n, target) in targets(self, run).into_iter().enumerate() {
                    ops.add_mailbox(request(target, n as u32)).await.unwrap();
                }
            }
            Scenario::RemoveMailboxDetach => {
                for local in ["gone", "stay"] {
                    ops.add_mailbox(request(self.address(run, local), 4))
                        .await
                        .unwrap();
                }
                for (local, forward) in detach_sources(self, run) {
                    ops.add_alias(AliasAddress::Address(self.address(run, local)), forward)
                        .await
                        .unwrap();
                }
            }
            Scenario::EditMailbox => {
                ops.add_mailbox(request(self.address(run, "old"), 1))
                    .await
                    .unwrap();
            }
            Scenario::RemoveDomainCascade => {
                for local in ["one", "two"] {
                    ops.add_mailbox(request(self.address(run, local), 2))
                        .await
                        .unwrap();
                }
                ops.add_alias(
                    AliasAddress::Address(self.address(run, "all")),
                    vec![self.address(run, "one"), self.address(run, "two")],
                )
                .await
                .unwrap();
                let alias_domain = DomainName::parse(&format!("alias-r{run}.test")).unwrap();
                ops.add_alias_domain(alias_domain, domain).await.unwrap();
            }
        }
    }

    /// The change itself, as the killed process makes it.
    async fn change(self, ops: &Ops, run: usize) {
        let result = match self {
            Scenario::AddMailbox | Scenario::AddMailboxLimited => ops
                .add_mailbox(request(self.address(run, "new"), 3))
                .await
                .map(drop),
            Scenario::AddAlias => ops
                .add_alias(
                    AliasAddress::Address(self.address(run, "info")),
                    targets(self, run),
                )
                .await
                .map(drop),
            Scenario::EditMailbox => ops
                .edit_mailbox(self.address(run, "old"), edit_patch(), Some(1))
                .await
                .map(drop),
            Scenario::RemoveDomainCascade => {
                ops.remove_domain(self.domain(run), true).await.map(drop)
            }
            Scenario::RemoveMailboxDetach => {
                ops.remove_mailbox(self.address(run, "gone"), true).await
            }
            Scenario::RemoveDomain => ops.remove_domain(self.domain(run), false).await.map(drop),
        };
        result.expect("the change");
    }

    /// The directory as the change leaves it when it is done.
    async fn check_done(self, dir: &dyn Directory, run: usize) {
        let domain = self.domain(run);
        match self {
            Scenario::AddMailbox | Scenario::AddMailboxLimited => {
                let m = dir.mailbox(&self.address(run, "new")).await.unwrap();
                assert_eq!((m.version, m.quota), (1, bytes(1_000)));
                assert_eq!(m.password, hash(3));
                assert_eq!(dir.domain(&domain).await.unwrap().mailboxes, 1);
            }
            Scenario::AddAlias => {
                let a = dir
                    .alias(&AliasAddress::Address(self.address(run, "info")))
                    .await
                    .unwrap();
                assert_eq!((a.version, &a.targets), (1, &targets(self, run)));
            }
            Scenario::EditMailbox => {
                let m = dir.mailbox(&self.address(run, "old")).await.unwrap();
                let expected = edit_patch();
                assert_eq!(m.version, 2);
                assert_eq!(Some(m.name), expected.name);
                assert_eq!(Some(m.password), expected.password);
                assert_eq!(Some(m.quota), expected.quota);
            }
            Scenario::RemoveDomainCascade | Scenario::RemoveDomain => {
                assert_eq!(
                    dir.domain(&domain).await.unwrap_err().kind,
                    postier::error::ErrorKind::NotFound
                );
                assert!(
                    dir.alias_domains()
                        .await
                        .unwrap()
                        .iter()
                        .all(|a| a.target != domain)
                );
                assert!(
                    dir.mailboxes(None)
                        .await
                        .unwrap()
                        .iter()
                        .all(|m| m.domain() != &domain)
                );
            }
            Scenario::RemoveMailboxDetach => {
                let gone = self.address(run, "gone");
                assert_eq!(
                    dir.mailbox(&gone).await.unwrap_err().kind,
                    postier::error::ErrorKind::NotFound
                );
                let mut names = Vec::new();
                for (local, mut forward) in detach_sources(self, run) {
                    let alias = AliasAddress::Address(self.address(run, local));
                    let a = dir.alias(&alias).await.unwrap();
                    forward.retain(|t| t != &gone);
                    assert_eq!((a.version, &a.targets), (2, &forward), "{alias}");
                    names.push(alias.to_string());
                }
                let audit = dir.audit(u64::MAX).await.unwrap();
                let removal = audit
                    .iter()
                    .find(|a| a.action == "mailbox.rm" && a.object == gone.to_string())
                    .expect("the removal's audit entry");
                let before = removal.before.as_ref().expect("its before");
                assert_eq!(before["detached_from"], serde_json::json!(names));
            }
        }
    }
}

fn bytes(n: u64) -> Size {
    Size::from_bytes(n).unwrap()
}

fn hash(n: u32) -> PasswordHash {
    let body: String = format!("Crash{n}Hash").chars().cycle().take(86).collect();
    PasswordHash::parse(&format!("{{SHA512-CRYPT}}$6${n:016}${body}")).unwrap()
}

fn request(address: Address, n: u32) -> MailboxRequest {
    MailboxRequest {
        address,
        name: String::new(),
        quota: None,
        password: PasswordInput::Hash(hash(n)),
    }
}

fn targets(s: Scenario, run: usize) -> Vec<Address> {
    ["zed", "alpha", "mid"]
        .iter()
        .map(|l| s.address(run, l))
        .collect()
}

/// The aliases that forward to the mailbox removed with detach, by
/// address: each keeps a target of its own.
fn detach_sources(s: Scenario, run: usize) -> Vec<(&'static str, Vec<Address>)> {
    let (gone, stay) = (s.address(run, "gone"), s.address(run, "stay"));
    let outside = Address::parse("friend@elsewhere.example").unwrap();
    vec![
        ("both", vec![gone.clone(), stay.clone()]),
        ("list", vec![stay, gone, outside]),
    ]
}

fn edit_patch() -> MailboxPatch {
    MailboxPatch {
        name: Some("Renamed".into()),
        password: Some(hash(9)),
        quota: Some(bytes(2_000)),
        active: Some(false),
    }
}

fn ops(dir: Arc<dyn Directory>) -> Ops {
    Ops::new(dir, Actor::admin("ada"), Scheme::Sha512Crypt)
}

/// Entry point of the child process (does nothing in a normal test run).
#[test]
fn child_process_entry_point() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    let scenario = Scenario::parse(&scenario);
    let stop_at: usize = std::env::var(STOP_AT).unwrap().parse().unwrap();
    let run: usize = std::env::var(RUN).unwrap().parse().unwrap();
    let url = std::env::var(URL).unwrap();
    // The rest of the settings come from the POSTIER_LDAP_* variables.
    let config = DirectoryConfig {
        ca_file: Some(std::env::var(CA).unwrap().into()),
        ..Default::default()
    }
    .with_env();
    let steps = std::sync::atomic::AtomicUsize::new(0);
    let observer: postier::directory::ldap::Observer = Arc::new(move |step: &Step| {
        if let Step::Recorded { token } = step {
            println!("RECORDED {token}");
        }
        if matches!(step, Step::Finished { .. }) {
            return;
        }
        if steps.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == stop_at {
            println!("STOPPED {step:?}");
            use std::io::Write;
            let _ = std::io::stdout().flush();
            // Wait here, mid-change, for the parent's SIGKILL.
            loop {
                std::thread::park();
            }
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let settings = LdapSettings::resolve(&url, &config).unwrap();
        let dir = LdapDirectory::connect_observed(settings, Some(observer))
            .await
            .unwrap();
        scenario.change(&ops(Arc::new(dir)), run).await;
    });
    println!("COMPLETED");
}

/// What the killed child reported.
struct Killed {
    token: String,
    step: String,
}

/// Runs `scenario` (on the domain of `run`) in a child process and kills
/// it after its `stop_at`-th step (0: the intent recorded); `None` if the
/// change finished before reaching it.
fn run_and_kill(slapd: &Slapd, scenario: Scenario, run: usize, stop_at: usize) -> Option<Killed> {
    let config = slapd.config("state.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_entry_point",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SCENARIO, scenario.name())
        .env(STOP_AT, stop_at.to_string())
        .env(RUN, run.to_string())
        .env(URL, slapd.ldap_url())
        .env(CA, slapd.ca_file())
        .env("POSTIER_LDAP_BASE_DN", BASE_DN)
        .env("POSTIER_LDAP_BIND_DN", config.bind_dn.unwrap())
        .env(
            "POSTIER_LDAP_BIND_PASSWORD_FILE",
            config.bind_password_file.unwrap(),
        )
        .env("POSTIER_LDAP_STATE_URL", config.state_url.unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child process");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut token = None;
    for line in stdout.lines() {
        // The test harness may print its "test … " prefix on the same line.
        let line = line.unwrap();
        if let Some((_, t)) = line.split_once("RECORDED ") {
            token = Some(t.to_string());
        } else if let Some((_, step)) = line.split_once("STOPPED ") {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
            return Some(Killed {
                token: token.expect("the intent was recorded first"),
                step: step.to_string(),
            });
        }
    }
    // The change ran to its end before the step was reached.
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    None
}

/// Opens the directory as the next postier run does; it finishes what the
/// killed process left.
async fn next_run(slapd: &Slapd) -> LdapDirectory {
    let config = slapd.config("state.db");
    let settings = LdapSettings::resolve(&slapd.ldap_url(), &config).unwrap();
    LdapDirectory::connect(settings).await.unwrap()
}

fn leases(slapd: &Slapd) -> String {
    let out = slapd
        .tool("ldapsearch")
        .args([
            "-LLL",
            "-b",
            &format!("ou=locks,{BASE_DN}"),
            "(objectClass=postierLock)",
            "1.1",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn trail_of(dir: &LdapDirectory, action: &str, object: &str) -> (usize, usize) {
    let audit = dir.audit(u64::MAX).await.unwrap();
    let journal = dir.journal(0, u64::MAX).await.unwrap();
    (
        audit
            .iter()
            .filter(|a| a.action == action && a.object == object)
            .count(),
        journal
            .iter()
            .filter(|j| j.event == action && j.object == object)
            .count(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_killed_at_any_step_is_completed_by_the_next_run() {
    let Some(slapd) = Slapd::start() else { return };
    let setup = ops(
        postier::directory::open_with(&slapd.ldap_url(), &slapd.config("setup.db"))
            .await
            .unwrap(),
    );
    let mut killed_at = Vec::new();
    for scenario in ALL {
        for stop_at in 0.. {
            scenario.setup(&setup, stop_at).await;
            let Some(killed) = run_and_kill(&slapd, scenario, stop_at, stop_at) else {
                // The change had fewer steps: it ran to its end.
                assert!(stop_at >= 2, "{scenario:?} has at least two steps");
                break;
            };
            let dir = next_run(&slapd).await;
            assert_eq!(
                dir.recovered_at_open().completed,
                1,
                "{scenario:?} killed after {}",
                killed.step
            );
            let outcome = dir.change_outcome(&killed.token).await.unwrap();
            assert_eq!(
                outcome,
                Some(("done".to_string(), None)),
                "{scenario:?} after {}",
                killed.step
            );
            assert!(dir.pending_changes().await.unwrap().is_empty());
            scenario.check_done(&dir, stop_at).await;
            let (action, object) = scenario.trail(stop_at);
            assert_eq!(
                trail_of(&dir, action, &object).await,
                (1, 1),
                "{scenario:?} after {}",
                killed.step
            );
            assert_eq!(leases(&slapd), "", "{scenario:?} after {}", killed.step);
            killed_at.push(format!("{scenario:?} after {}", killed.step));
        }
    }
    // Every scenario was killed at each of its steps.
    assert!(killed_at.len() >= ALL.len() * 2, "{killed_at:#?}");
    eprintln!("killed and completed: {killed_at:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_can_no_longer_complete_is_rolled_back() {
    let Some(slapd) = Slapd::start() else { return };
    let setup = ops(
        postier::directory::open_with(&slapd.ldap_url(), &slapd.config("setup.db"))
            .await
            .unwrap(),
    );

    // A mailbox written under the lease of a domain limited to 5, then the
    // process dies; meanwhile someone fills the domain by hand.
    let s = Scenario::AddMailboxLimited;
    s.setup(&setup, 1).await;
    let killed = run_and_kill(&slapd, s, 1, 2).expect("killed after the add");
    assert!(killed.step.starts_with("Wrote"), "{}", killed.step);
    let domain = s.domain(1);
    let ldif: String = (0..5)
        .map(|i| {
            format!(
                "dn: uid=hand{i},ou={domain},ou=domains,{BASE_DN}\nobjectClass: inetOrgPerson\n\
                 objectClass: postierMailbox\nuid: hand{i}\ncn: hand{i}@{domain}\nsn: hand{i}\n\
                 postierAddress: hand{i}@{domain}\npostierVersion: 1\n\n"
            )
        })
        .collect();
    add_by_hand(&slapd, &ldif);

    let dir = next_run(&slapd).await;
    assert_eq!(dir.recovered_at_open().rolled_back, 1);
    let (state, why) = dir.change_outcome(&killed.token).await.unwrap().unwrap();
    assert_eq!(state, "rolled_back");
    assert!(why.unwrap().contains("limit of 5 mailboxes"));
    let new = s.address(1, "new");
    assert_eq!(
        dir.mailbox(&new).await.unwrap_err().kind,
        postier::error::ErrorKind::NotFound
    );
    assert_eq!(
        dir.domain(&domain).await.unwrap().mailboxes,
        5,
        "only the hand-made ones"
    );
    assert_eq!(
        trail_of(&dir, "mailbox.add", &new.to_string()).await,
        (0, 0)
    );
    assert_eq!(leases(&slapd), "");

    // A removal (without cascade) killed while it holds the domain's
    // lease; meanwhile a mailbox is added by hand: the next run refuses
    // the removal and rolls it back.
    let s = Scenario::RemoveDomain;
    s.setup(&setup, 1).await;
    let killed = run_and_kill(&slapd, s, 1, 1).expect("killed after the lease");
    assert!(killed.step.starts_with("Leased"), "{}", killed.step);
    let plain = s.domain(1);
    let hand = format!(
        "dn: uid=late,ou={plain},ou=domains,{BASE_DN}\nobjectClass: inetOrgPerson\n\
         objectClass: postierMailbox\nuid: late\ncn: late@{plain}\nsn: late\n\
         postierAddress: late@{plain}\npostierVersion: 1\n"
    );
    add_by_hand(&slapd, &hand);
    let dir = next_run(&slapd).await;
    assert_eq!(dir.recovered_at_open().rolled_back, 1);
    let (state, why) = dir.change_outcome(&killed.token).await.unwrap().unwrap();
    assert_eq!(state, "rolled_back");
    assert!(why.unwrap().contains("still has 1 mailboxes"));
    assert_eq!(dir.domain(&plain).await.unwrap().mailboxes, 1);
    assert_eq!(trail_of(&dir, "domain.rm", plain.as_ascii()).await, (0, 0));
    assert_eq!(leases(&slapd), "");
}

/// Adds entries behind postier's back, as an admin with ldapadd would.
fn add_by_hand(slapd: &Slapd, ldif: &str) {
    let file = slapd.path().join("hand.ldif");
    std::fs::write(&file, ldif).unwrap();
    let out = slapd.tool("ldapadd").arg("-f").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
