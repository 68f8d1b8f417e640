//! Mailboxes per second into OpenLDAP: 10,000 pre-hashed mailboxes created
//! one after the other through the ops layer (what `postier mailbox add` and
//! an import do: intent, LDAP add, settle, audit entry, journal event),
//! next to `ldapadd` loading the same entries from an LDIF, on the same
//! slapd in the same run. Both bind as postier's account over
//! `ldap://127.0.0.1`. Target: postier within 2x of raw `ldapadd`.
//!
//! The two alternate in rounds of 1,000 so that load from elsewhere on the
//! machine falls on both alike. A third run has 8 adds in flight at once
//! through the same ops layer, as an import may. All of it runs twice:
//! with slapd's default durability (every write synced to disk) and with
//! `olcDbNoSync`, where postier's own cost per mailbox shows most (three
//! LDAP round trips and two SQLite commits against ldapadd's one add).
//!
//! `POSTIER_BENCH_LDAP_MAILBOXES=N` changes the count.

#[path = "../tests/support/mod.rs"]
mod support;

use postier::model::*;
use postier::ops::{Actor, MailboxRequest, Ops, PasswordInput};
use postier::password::Scheme;
use std::time::{Duration, Instant};
use support::slapd::{BASE_DN, Options, Slapd};

const HASH: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH.NrRi5.x00RLoKs7MApIblHgq2cG1jdT6a7St8VsBVztnJdan3YdVz8jOlosIUefcln2V31";
const ROUND: usize = 1_000;
const IN_FLIGHT: usize = 8;

fn main() {
    let count: usize = std::env::var("POSTIER_BENCH_LDAP_MAILBOXES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!(
        "ldap: {count} pre-hashed mailboxes into slapd, ldapadd vs postier (same server, same run)"
    );
    for (label, sync) in [
        ("writes synced (slapd default)", true),
        ("olcDbNoSync", false),
    ] {
        let Some(slapd) = Slapd::start_with(Options {
            sync,
            ..Default::default()
        }) else {
            return;
        };
        let (raw, ops, parallel) = measure(&slapd, count);
        let rate = |t: Duration| count as f64 / t.as_secs_f64();
        println!("  {label}:");
        println!(
            "    ldapadd from LDIF:  {:>7.0} mailboxes/s  ({:.2} s)",
            rate(raw),
            raw.as_secs_f64()
        );
        println!(
            "    postier ops layer:  {:>7.0} mailboxes/s  ({:.2} s)",
            rate(ops),
            ops.as_secs_f64()
        );
        println!(
            "    ratio (postier time / ldapadd time): {:.2}x   (target: <= 2x)",
            ops.as_secs_f64() / raw.as_secs_f64()
        );
        println!(
            "    postier, {IN_FLIGHT} adds in flight: {:>7.0} mailboxes/s  ({:.2}x ldapadd's time)",
            rate(parallel),
            parallel.as_secs_f64() / raw.as_secs_f64()
        );
    }
}

/// Total time of `ldapadd`, of the ops layer one mailbox after the other,
/// and of the ops layer with several adds in flight (as an import could
/// run them), for `count` mailboxes each.
fn measure(slapd: &Slapd, count: usize) -> (Duration, Duration, Duration) {
    // As the CLI runs: one thread, the adds in flight interleaved on it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = runtime
        .block_on(postier::directory::open_with(
            &slapd.ldap_url(),
            &slapd.config("state.db"),
        ))
        .expect("open the LDAP directory");
    let ops = Ops::new(dir.clone(), Actor::admin("bench"), Scheme::Sha512Crypt);
    let raw = DomainName::parse("raw.bench").expect("domain");
    let through_ops = DomainName::parse("ops.bench").expect("domain");
    let in_parallel = DomainName::parse("parallel.bench").expect("domain");
    for d in [&raw, &through_ops, &in_parallel] {
        runtime
            .block_on(ops.add_domain(d.clone(), DomainSettings::default()))
            .expect("domain");
    }
    let hash = PasswordHash::parse(HASH).expect("hash");
    let (mut raw_time, mut ops_time, mut parallel_time) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut done = 0;
    while done < count {
        let round = done..(done + ROUND).min(count);

        // Raw: the same entries postier writes, from an LDIF, by ldapadd.
        let ldif_path = slapd.path().join("raw.ldif");
        std::fs::write(&ldif_path, ldif(&raw, round.clone(), &hash)).expect("LDIF");
        let start = Instant::now();
        let out = slapd
            .tool("ldapadd")
            .arg("-f")
            .arg(&ldif_path)
            .stdout(std::process::Stdio::null())
            .output()
            .expect("ldapadd");
        raw_time += start.elapsed();
        assert!(
            out.status.success(),
            "ldapadd: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        // Through the ops layer, one mailbox after the other.
        let start = Instant::now();
        runtime.block_on(async {
            for i in round.clone() {
                let request = MailboxRequest {
                    address: address(&through_ops, i),
                    name: format!("User {i}"),
                    quota: None,
                    password: PasswordInput::Hash(hash.clone()),
                };
                ops.add_mailbox(request).await.expect("mailbox");
            }
        });
        ops_time += start.elapsed();

        // Through the ops layer, several at a time.
        let start = Instant::now();
        runtime.block_on(async {
            let mut tasks: tokio::task::JoinSet<postier::Result<()>> = tokio::task::JoinSet::new();
            for i in round.clone() {
                if tasks.len() == IN_FLIGHT {
                    let joined = tasks.join_next().await.expect("a task");
                    joined.expect("a task").expect("mailbox");
                }
                let ops = ops.clone();
                let request = MailboxRequest {
                    address: address(&in_parallel, i),
                    name: format!("User {i}"),
                    quota: None,
                    password: PasswordInput::Hash(hash.clone()),
                };
                tasks.spawn(async move { ops.add_mailbox(request).await.map(drop) });
            }
            while let Some(joined) = tasks.join_next().await {
                joined.expect("a task").expect("mailbox");
            }
        });
        parallel_time += start.elapsed();
        done = round.end;
    }

    let counted = |d: &DomainName| runtime.block_on(dir.domain(d)).expect("domain").mailboxes;
    for d in [&raw, &through_ops, &in_parallel] {
        assert_eq!(counted(d), count as u64, "{d}");
    }
    let audit = runtime.block_on(dir.audit(u64::MAX)).expect("audit").len();
    assert_eq!(audit, 2 * count + 3, "one audit entry per change");
    drop(ops);
    drop(dir);
    (raw_time, ops_time, parallel_time)
}

fn address(domain: &DomainName, i: usize) -> Address {
    Address::parse(&format!("user{i:05}@{domain}")).expect("address")
}

/// The entries `mailbox add` writes (see src/directory/ldap/entry.rs).
fn ldif(domain: &DomainName, range: std::ops::Range<usize>, hash: &PasswordHash) -> String {
    let stored = format!("{{CRYPT}}{}", hash.hash());
    let mut out = String::with_capacity(range.len() * 420);
    for i in range {
        let a = address(domain, i);
        let local = a.local();
        out.push_str(&format!(
            "dn: uid={local},ou={domain},ou=domains,{BASE_DN}\n\
             objectClass: inetOrgPerson\nobjectClass: postierMailbox\n\
             uid: {local}\ncn: {a}\nsn: {local}\nmail: {a}\ndisplayName: User {i}\n\
             postierAddress: {a}\nuserPassword: {stored}\npostierQuotaBytes: 0\n\
             postierMaildir: {domain}/{local}/\npostierActive: TRUE\npostierVersion: 1\n\
             postierChange: {i:032x}\n\n"
        ));
    }
    out
}
