//! Concurrent changes from several callers at once: no limit is overshot,
//! no update is lost, and exactly one of several competing writers wins;
//! two writers making 500 read-modify-write updates each lose none.
//! Leaves `race.test` with r0..r2 and `race2.test`.

use super::*;
use ErrorKind::*;
use postier::ops::{MailboxRequest, PasswordInput};
use tokio::task::JoinSet;

const WRITERS: usize = 8;

/// Runs `WRITERS` copies of a change at once; returns the outcomes.
async fn all_at_once<T, F>(s: &Story, change: impl Fn(Ops, usize) -> F) -> Vec<Result<T>>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let mut set = JoinSet::new();
    for i in 0..WRITERS {
        set.spawn(change(s.admin.clone(), i));
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next().await {
        outcomes.push(joined.expect("a writer task"));
    }
    outcomes
}

/// Updates each of the two writers makes in [`sustained`].
const ROUNDS: u64 = 500;

/// Two admins, 500 read-modify-write updates each on one mailbox (what the
/// TUI and `mailbox edit --if-version` do: read, change, write with the
/// version read): each update lands or is refused as a conflict naming the
/// version edited; none is lost, the quota counts every landed one.
async fn sustained(s: &Story, target: &Address) {
    let start = s.dir.mailbox(target).await.unwrap();
    let mut set = JoinSet::new();
    for _ in 0..2 {
        let (ops, target) = (s.admin.clone(), target.clone());
        set.spawn(async move {
            let (mut landed, mut conflicts) = (0u64, 0u64);
            for _ in 0..ROUNDS {
                let read = ops.mailbox(&target).await.unwrap();
                let patch = MailboxPatch {
                    quota: Some(bytes(read.quota.bytes() + 1)),
                    ..Default::default()
                };
                match ops
                    .edit_mailbox(target.clone(), patch, Some(read.version))
                    .await
                {
                    Ok(_) => landed += 1,
                    Err(e) if e.kind == Conflict => {
                        let told = format!("you edited version {}", read.version);
                        assert!(e.to_string().contains(&told), "{e}");
                        conflicts += 1;
                    }
                    Err(e) => panic!("an update neither landed nor conflicted: {e}"),
                }
            }
            (landed, conflicts)
        });
    }
    let (mut landed, mut conflicts) = (0, 0);
    while let Some(joined) = set.join_next().await {
        let (l, c) = joined.expect("a writer task");
        landed += l;
        conflicts += c;
    }
    assert_eq!(landed + conflicts, 2 * ROUNDS);
    let end = s.dir.mailbox(target).await.unwrap();
    assert_eq!(
        end.quota.bytes(),
        start.quota.bytes() + landed,
        "no landed update lost ({landed} landed, {conflicts} conflicts)"
    );
    assert_eq!(end.version, start.version + landed as i64);
    eprintln!("sustained race: {landed} updates landed, {conflicts} told conflict, none lost");
    s.witnessed(landed);
}

/// Splits outcomes into successes and errors.
fn tally<T>(outcomes: Vec<Result<T>>) -> (Vec<T>, Vec<Error>) {
    let mut won = Vec::new();
    let mut lost = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(v) => won.push(v),
            Err(e) => lost.push(e),
        }
    }
    (won, lost)
}

async fn history_len(s: &Story) -> (usize, usize) {
    let audit = s.dir.audit(u64::MAX).await.unwrap().len();
    let journal = s.dir.journal(0, u64::MAX).await.unwrap().len();
    (audit, journal)
}

pub async fn chapter(s: &Story) {
    let race = domain("race.test");
    let settings = DomainSettings {
        max_mailboxes: 3,
        ..Default::default()
    };
    s.ok(
        "domain.add",
        "race.test",
        s.admin.add_domain(race.clone(), settings),
    )
    .await;
    let hash = s.hash(30);

    // Eight admins add a mailbox each to a domain with room for three.
    let (audit0, journal0) = history_len(s).await;
    let outcomes = all_at_once(s, |ops, i| {
        let request = MailboxRequest {
            address: address(&format!("r{i}@race.test")),
            name: String::new(),
            quota: None,
            password: PasswordInput::Hash(hash.clone()),
        };
        async move { ops.add_mailbox(request).await }
    })
    .await;
    let (won, lost) = tally(outcomes);
    assert_eq!(
        won.len(),
        3,
        "exactly max_mailboxes adds win; the others got {lost:?}"
    );
    assert!(lost.iter().all(|e| e.kind == LimitReached), "{lost:?}");
    assert_eq!(s.dir.domain(&race).await.unwrap().mailboxes, 3);
    assert_eq!(
        history_len(s).await,
        (audit0 + 3, journal0 + 3),
        "one trail per winner only"
    );
    s.witnessed(3);

    // Eight admins edit the same mailbox from the same version: one wins.
    let target = won[0].0.address.clone();
    let read = s.dir.mailbox(&target).await.unwrap();
    let outcomes = all_at_once(s, |ops, i| {
        let target = target.clone();
        let patch = MailboxPatch {
            name: Some(format!("writer {i}")),
            ..Default::default()
        };
        async move { ops.edit_mailbox(target, patch, Some(read.version)).await }
    })
    .await;
    let (won_edit, lost) = tally(outcomes);
    assert_eq!(
        won_edit.len(),
        1,
        "one writer wins; the others got {lost:?}"
    );
    assert!(lost.iter().all(|e| e.kind == Conflict), "{lost:?}");
    let stored = s.dir.mailbox(&target).await.unwrap();
    assert_eq!(
        stored, won_edit[0],
        "the stored mailbox is the winner's write"
    );
    assert_eq!(stored.version, read.version + 1);
    s.witnessed(1);

    // Blind writers (no version): all apply, one after the other, none lost.
    let outcomes = all_at_once(s, |ops, i| {
        let target = target.clone();
        let patch = MailboxPatch {
            quota: Some(bytes(1000 + i as u64)),
            ..Default::default()
        };
        async move { ops.edit_mailbox(target, patch, None).await }
    })
    .await;
    let (applied, lost) = tally(outcomes);
    assert!(lost.is_empty(), "{lost:?}");
    let stored = s.dir.mailbox(&target).await.unwrap();
    assert_eq!(
        stored.version,
        read.version + 1 + WRITERS as i64,
        "every write counted"
    );
    assert!(
        applied.contains(&stored),
        "the stored mailbox is the last write"
    );
    s.witnessed(WRITERS as u64);
    sustained(s, &target).await;

    // Eight admins create the same mailbox: one wins, the others are told it exists.
    let open = domain("race2.test");
    s.ok(
        "domain.add",
        "race2.test",
        s.admin.add_domain(open.clone(), DomainSettings::default()),
    )
    .await;
    let outcomes = all_at_once(s, |ops, _| {
        let request = MailboxRequest {
            address: address("same@race2.test"),
            name: String::new(),
            quota: None,
            password: PasswordInput::Hash(hash.clone()),
        };
        async move { ops.add_mailbox(request).await }
    })
    .await;
    let (won, lost) = tally(outcomes);
    assert_eq!(won.len(), 1, "{lost:?}");
    assert!(lost.iter().all(|e| e.kind == AlreadyExists), "{lost:?}");
    s.witnessed(1);

    // ... and the same domain.
    let outcomes = all_at_once(s, |ops, _| async move {
        ops.add_domain(domain("contested.test"), DomainSettings::default())
            .await
    })
    .await;
    let (won, lost) = tally(outcomes);
    assert_eq!(won.len(), 1, "{lost:?}");
    assert!(lost.iter().all(|e| e.kind == AlreadyExists), "{lost:?}");
    s.witnessed(1);

    // Eight admins remove the same mailbox: one removes it, the others find nothing.
    let outcomes = all_at_once(s, |ops, _| async move {
        ops.remove_mailbox(address("same@race2.test"), false).await
    })
    .await;
    let (won, lost) = tally(outcomes);
    assert_eq!(won.len(), 1, "{lost:?}");
    assert!(lost.iter().all(|e| e.kind == NotFound), "{lost:?}");
    s.witnessed(1);
    s.ok(
        "domain.rm",
        "contested.test",
        s.admin.remove_domain(domain("contested.test"), false),
    )
    .await;
}
