//! Aliases and the catch-all: create, read, update targets, disable,
//! enable, delete; duplicates, unknown domains, empty or self-only target
//! lists, stale versions. Leaves `info@`, `0-sales@` and the catch-all in
//! `example.org`, and the catch-all of `exämple.org`.

use super::*;
use ErrorKind::*;

fn targets(list: &[&str]) -> Vec<Address> {
    list.iter().map(|t| address(t)).collect()
}

pub async fn chapter(s: &Story) {
    let org = domain("example.org");
    let info = alias_address("info@example.org");

    // Targets keep their order; a repeated target is kept once.
    let given = targets(&[
        "alice@example.org",
        "bob@example.org",
        "ALICE@example.org",
        "friend@elsewhere.test",
    ]);
    let created = s
        .ok(
            "alias.add",
            "info@example.org",
            s.admin.add_alias(alias_address("Info@Example.org"), given),
        )
        .await;
    assert_eq!(created.address, info);
    assert_eq!(
        created.targets,
        targets(&[
            "alice@example.org",
            "bob@example.org",
            "friend@elsewhere.test"
        ])
    );
    assert!(created.active);
    assert_eq!(created.version, 1);
    assert_eq!(s.dir.alias(&info).await.unwrap(), created);

    s.refused(
        AlreadyExists,
        "alias info@example.org",
        s.admin
            .add_alias(info.clone(), targets(&["carol@example.org"])),
    )
    .await;
    s.refused(
        NotFound,
        "domain nowhere.test",
        s.admin
            .add_alias(alias_address("x@nowhere.test"), targets(&["a@example.org"])),
    )
    .await;
    s.refused(
        Invalid,
        "alias help@example.org",
        s.admin.add_alias(alias_address("help@example.org"), vec![]),
    )
    .await;
    s.refused(
        Invalid,
        "alias help@example.org",
        s.admin.add_alias(
            alias_address("help@example.org"),
            targets(&["help@example.org"]),
        ),
    )
    .await;

    // Update the targets with the version read.
    let patch = AliasPatch {
        add_targets: targets(&["carol@example.org"]),
        remove_targets: targets(&["bob@example.org"]),
        active: None,
    };
    let edited = s
        .ok(
            "alias.edit",
            "info@example.org",
            s.admin.edit_alias(info.clone(), patch, Some(1)),
        )
        .await;
    assert_eq!(
        edited.targets,
        targets(&[
            "alice@example.org",
            "friend@elsewhere.test",
            "carol@example.org"
        ])
    );
    assert_eq!(edited.version, 2);
    assert_eq!(s.dir.alias(&info).await.unwrap(), edited);
    let stale = AliasPatch {
        add_targets: targets(&["bob@example.org"]),
        ..Default::default()
    };
    s.refused(
        Conflict,
        "alias info@example.org",
        s.admin.edit_alias(info.clone(), stale, Some(1)),
    )
    .await;
    let absent = AliasPatch {
        remove_targets: targets(&["bob@example.org"]),
        ..Default::default()
    };
    s.refused(
        NotFound,
        "bob@example.org",
        s.admin.edit_alias(info.clone(), absent, None),
    )
    .await;
    let all_gone = AliasPatch {
        remove_targets: edited.targets.clone(),
        ..Default::default()
    };
    s.refused(
        Invalid,
        "alias info@example.org",
        s.admin.edit_alias(info.clone(), all_gone, None),
    )
    .await;
    s.refused(
        Invalid,
        "alias info@example.org",
        s.admin
            .edit_alias(info.clone(), AliasPatch::default(), None),
    )
    .await;

    // Disable, enable.
    let set_active = |active| AliasPatch {
        active: Some(active),
        ..Default::default()
    };
    let off = s
        .ok(
            "alias.edit",
            "info@example.org",
            s.admin.edit_alias(info.clone(), set_active(false), None),
        )
        .await;
    assert!(!off.active);
    assert_eq!(off.targets, edited.targets, "disabling keeps the targets");
    let on = s
        .ok(
            "alias.edit",
            "info@example.org",
            s.admin.edit_alias(info.clone(), set_active(true), None),
        )
        .await;
    assert!(on.active);

    // The catch-all.
    let catch = alias_address("@example.org");
    let catch_all = s
        .ok(
            "alias.add",
            "@example.org",
            s.admin.add_alias(
                alias_address("@Example.ORG"),
                targets(&["alice@example.org"]),
            ),
        )
        .await;
    assert!(catch_all.address.is_catch_all());
    assert_eq!(catch_all.address, catch);
    assert_eq!(serde_json::to_value(&catch_all).unwrap()["catch_all"], true);
    assert_eq!(s.dir.alias(&catch).await.unwrap(), catch_all);
    s.refused(
        AlreadyExists,
        "alias @example.org",
        s.admin
            .add_alias(catch.clone(), targets(&["bob@example.org"])),
    )
    .await;
    let more = AliasPatch {
        add_targets: targets(&["bob@example.org"]),
        ..Default::default()
    };
    let widened = s
        .ok(
            "alias.edit",
            "@example.org",
            s.admin.edit_alias(catch.clone(), more, Some(1)),
        )
        .await;
    assert_eq!(
        widened.targets,
        targets(&["alice@example.org", "bob@example.org"])
    );
    let off = s
        .ok(
            "alias.edit",
            "@example.org",
            s.admin.edit_alias(catch.clone(), set_active(false), None),
        )
        .await;
    assert!(!off.active);
    s.ok(
        "alias.edit",
        "@example.org",
        s.admin.edit_alias(catch.clone(), set_active(true), None),
    )
    .await;
    let idn_catch = s
        .ok(
            "alias.add",
            "@xn--exmple-cua.org",
            s.admin.add_alias(
                alias_address("@exämple.org"),
                targets(&["jürgen@exämple.org"]),
            ),
        )
        .await;
    assert_eq!(
        idn_catch.targets[0].to_string(),
        "jürgen@xn--exmple-cua.org"
    );

    // The catch-all lists first, even before local parts that sort before '@'.
    s.ok(
        "alias.add",
        "0-sales@example.org",
        s.admin.add_alias(
            alias_address("0-sales@example.org"),
            targets(&["bob@example.org"]),
        ),
    )
    .await;
    let listed: Vec<String> = s
        .dir
        .aliases(Some(&org))
        .await
        .unwrap()
        .iter()
        .map(|a| a.address.to_string())
        .collect();
    assert_eq!(
        listed,
        ["@example.org", "0-sales@example.org", "info@example.org"]
    );
    assert_eq!(s.dir.domain(&org).await.unwrap().aliases, 3);

    // Delete, and not found.
    let brief = alias_address("brief@example.org");
    s.ok(
        "alias.add",
        "brief@example.org",
        s.admin
            .add_alias(brief.clone(), targets(&["alice@example.org"])),
    )
    .await;
    s.ok(
        "alias.rm",
        "brief@example.org",
        s.admin.remove_alias(brief.clone()),
    )
    .await;
    assert_fails(
        s.dir.alias(&brief).await,
        NotFound,
        "alias brief@example.org",
    );
    s.refused(
        NotFound,
        "alias brief@example.org",
        s.admin.remove_alias(brief.clone()),
    )
    .await;
    s.refused(
        NotFound,
        "alias brief@example.org",
        s.admin.edit_alias(brief.clone(), set_active(false), None),
    )
    .await;
    let gone_catch = alias_address("@xn--exmple-cua.org");
    s.ok(
        "alias.rm",
        "@xn--exmple-cua.org",
        s.admin.remove_alias(gone_catch.clone()),
    )
    .await;
    assert_fails(
        s.dir.alias(&gone_catch).await,
        NotFound,
        "alias @xn--exmple-cua.org",
    );
    s.ok(
        "alias.add",
        "@xn--exmple-cua.org",
        s.admin
            .add_alias(gone_catch, targets(&["jürgen@xn--exmple-cua.org"])),
    )
    .await;
    assert_eq!(s.dir.domain(&org).await.unwrap().aliases, 3);
}
