//! Directory integrity (SPEC.md): an address is a mailbox or an alias,
//! never both, in either order and under a race; an alias target in a
//! hosted domain (or one of its alias domains) must exist; a mailbox that
//! aliases forward to is removed only with `detach`, which takes it out of
//! them in the same change; adding a target already there changes nothing.
//! Works in `integrity.test` and its alias domain `integrity-alias.test`.

use super::*;
use ErrorKind::*;
use postier::ops::{MailboxRequest, PasswordInput};
use tokio::task::JoinSet;

fn mailbox(s: &Story, addr: &str, n: u32) -> MailboxRequest {
    MailboxRequest {
        address: address(addr),
        name: String::new(),
        quota: None,
        password: PasswordInput::Hash(s.hash(n)),
    }
}

fn targets(list: &[&str]) -> Vec<Address> {
    list.iter().map(|t| address(t)).collect()
}

pub async fn chapter(s: &Story) {
    let home = domain("integrity.test");
    s.ok(
        "domain.add",
        "integrity.test",
        s.admin.add_domain(home.clone(), DomainSettings::default()),
    )
    .await;
    s.ok(
        "alias_domain.add",
        "integrity-alias.test",
        s.admin
            .add_alias_domain(domain("integrity-alias.test"), home.clone()),
    )
    .await;
    s.ok(
        "mailbox.add",
        "anna@integrity.test",
        s.admin.add_mailbox(mailbox(s, "anna@integrity.test", 900)),
    )
    .await;

    // A mailbox and an alias never share an address, whichever comes first.
    s.refused(
        AlreadyExists,
        "alias anna@integrity.test",
        s.admin.add_alias(
            alias_address("anna@integrity.test"),
            targets(&["out@elsewhere.test"]),
        ),
    )
    .await;
    s.ok(
        "alias.add",
        "team@integrity.test",
        s.admin.add_alias(
            alias_address("team@integrity.test"),
            targets(&["anna@integrity.test", "out@elsewhere.test"]),
        ),
    )
    .await;
    s.refused(
        AlreadyExists,
        "mailbox team@integrity.test",
        s.admin.add_mailbox(mailbox(s, "team@integrity.test", 901)),
    )
    .await;

    // Targets in a hosted domain must exist; an alias domain's address
    // must exist in its target domain; outside addresses are free.
    let typo = s
        .refused(
            Refused,
            "alias info@integrity.test",
            s.admin.add_alias(
                alias_address("info@integrity.test"),
                targets(&["ana@integrity.test"]),
            ),
        )
        .await;
    assert!(typo.why.contains("ana@integrity.test"), "{typo}");
    s.refused(
        Refused,
        "alias info@integrity.test",
        s.admin.add_alias(
            alias_address("info@integrity.test"),
            targets(&["nobody@integrity-alias.test"]),
        ),
    )
    .await;
    let info = s
        .ok(
            "alias.add",
            "info@integrity.test",
            s.admin.add_alias(
                alias_address("info@integrity.test"),
                targets(&["anna@integrity-alias.test", "team@integrity.test"]),
            ),
        )
        .await;
    let no_such = AliasPatch {
        add_targets: targets(&["bernard@integrity.test"]),
        ..Default::default()
    };
    s.refused(
        Refused,
        "alias info@integrity.test",
        s.admin
            .edit_alias(alias_address("info@integrity.test"), no_such, None),
    )
    .await;

    // Adding a target already there is nothing to change, not a version.
    let again = AliasPatch {
        add_targets: targets(&["team@integrity.test"]),
        ..Default::default()
    };
    s.refused(
        Invalid,
        "nothing to change",
        s.admin
            .edit_alias(alias_address("info@integrity.test"), again, None),
    )
    .await;
    assert_eq!(
        s.dir
            .alias(&alias_address("info@integrity.test"))
            .await
            .unwrap()
            .version,
        info.version
    );

    // A mailbox that aliases forward to: refused, naming them ...
    s.ok(
        "mailbox.add",
        "solo@integrity.test",
        s.admin.add_mailbox(mailbox(s, "solo@integrity.test", 902)),
    )
    .await;
    s.ok(
        "alias.add",
        "only@integrity.test",
        s.admin.add_alias(
            alias_address("only@integrity.test"),
            targets(&["solo@integrity.test"]),
        ),
    )
    .await;
    let refusal = s
        .refused(
            Refused,
            "mailbox anna@integrity.test",
            s.admin
                .remove_mailbox(address("anna@integrity.test"), false),
        )
        .await;
    assert!(refusal.why.contains("team@integrity.test"), "{refusal}");
    // ... and those naming her through an alias domain.
    assert!(refusal.why.contains("info@integrity.test"), "{refusal}");
    // ... and with detach, never leaving an alias without a target.
    let only = s
        .refused(
            Refused,
            "mailbox solo@integrity.test",
            s.admin.remove_mailbox(address("solo@integrity.test"), true),
        )
        .await;
    assert!(only.why.contains("only@integrity.test"), "{only}");
    let team_before = s
        .dir
        .alias(&alias_address("team@integrity.test"))
        .await
        .unwrap();
    s.ok(
        "mailbox.rm",
        "anna@integrity.test",
        s.admin.remove_mailbox(address("anna@integrity.test"), true),
    )
    .await;
    let team = s
        .dir
        .alias(&alias_address("team@integrity.test"))
        .await
        .unwrap();
    assert_eq!(team.targets, targets(&["out@elsewhere.test"]));
    assert!(team.version > team_before.version);
    // info@ named her through the alias domain: taken out of it too.
    let info = s
        .dir
        .alias(&alias_address("info@integrity.test"))
        .await
        .unwrap();
    assert_eq!(info.targets, targets(&["team@integrity.test"]));
    let removal = &s.dir.audit(1).await.unwrap()[0];
    let detached = removal.before.as_ref().unwrap()["detached_from"].clone();
    assert_eq!(
        detached,
        serde_json::json!(["team@integrity.test", "info@integrity.test"])
    );

    // Two admins at once, one adding a mailbox and one an alias at the
    // same address: exactly one wins, every round.
    for round in 0..5u32 {
        let addr = format!("race{round}@integrity.test");
        let mut set = JoinSet::new();
        let (ops, req) = (s.admin.clone(), mailbox(s, &addr, 910 + round));
        set.spawn(async move { ops.add_mailbox(req).await.map(drop) });
        let (ops, alias) = (s.admin.clone(), alias_address(&addr));
        set.spawn(async move {
            ops.add_alias(alias, targets(&["out@elsewhere.test"]))
                .await
                .map(drop)
        });
        let mut won = 0;
        while let Some(outcome) = set.join_next().await {
            match outcome.expect("a writer task") {
                Ok(()) => won += 1,
                Err(e) => assert!(matches!(e.kind, AlreadyExists | Conflict), "{e}"),
            }
        }
        assert_eq!(
            won, 1,
            "round {round}: both a mailbox and an alias at {addr}"
        );
        s.witnessed(1);
        let as_mailbox = s.dir.mailbox(&address(&addr)).await.is_ok();
        let as_alias = s.dir.alias(&alias_address(&addr)).await.is_ok();
        assert!(
            as_mailbox != as_alias,
            "{addr}: mailbox {as_mailbox}, alias {as_alias}"
        );
    }
}
