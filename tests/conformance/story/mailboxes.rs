//! Mailboxes: create (with a given hash, a typed password, a generated
//! one), read, update, change password, disable, enable, delete;
//! duplicates, unknown domains, stale versions, IDN and UTF-8 addresses.
//! Leaves alice, bob and carol in `example.org` and jürgen in `exämple.org`.

use super::*;
use ErrorKind::*;
use postier::ops::{MailboxRequest, PasswordInput};
use postier::password::{self, Password};

fn request(addr: &str, name: &str, quota: Option<Size>, password: PasswordInput) -> MailboxRequest {
    MailboxRequest {
        address: address(addr),
        name: name.into(),
        quota,
        password,
    }
}

pub async fn chapter(s: &Story) {
    let org = domain("example.org");
    let alice_addr = address("alice@example.org");

    // With a hash, an explicit quota, a mixed-case address.
    let h1 = s.hash(10);
    let req = request(
        "Alice@Example.ORG",
        "Alice Liddell",
        Some(size("2G")),
        PasswordInput::Hash(h1.clone()),
    );
    let (alice, generated) = s
        .ok("mailbox.add", "alice@example.org", s.admin.add_mailbox(req))
        .await;
    assert!(generated.is_none());
    assert_eq!(alice.address, alice_addr);
    assert_eq!(alice.address.to_string(), "alice@example.org");
    assert_eq!(alice.name, "Alice Liddell");
    assert_eq!(alice.password, h1);
    assert_eq!(alice.quota, size("2G"));
    assert_eq!(alice.maildir, "example.org/alice/");
    assert!(alice.active);
    assert_eq!(alice.version, 1);
    assert_eq!(s.dir.mailbox(&alice_addr).await.unwrap(), alice);

    // A typed password, no quota: the domain's default quota (1G).
    let typed = Password::new("correct horse battery staple".into()).unwrap();
    s.keep_secret(typed.expose());
    let req = request(
        "bob@example.org",
        "Bob",
        None,
        PasswordInput::Plain(typed.clone()),
    );
    let (bob, _) = s
        .ok("mailbox.add", "bob@example.org", s.admin.add_mailbox(req))
        .await;
    assert_eq!(bob.quota, size("1G"));
    assert_eq!(bob.password.scheme(), "SHA512-CRYPT");
    assert!(password::verify(&typed, &bob.password).unwrap());
    s.keep_secret(bob.password.hash());

    // A generated password, handed back once, that verifies.
    let req = request(
        "carol@example.org",
        "Carol",
        Some(size("500M")),
        PasswordInput::Generate,
    );
    let (carol, generated) = s
        .ok("mailbox.add", "carol@example.org", s.admin.add_mailbox(req))
        .await;
    let generated = generated.expect("the generated password is handed back");
    s.keep_secret(generated.expose());
    s.keep_secret(carol.password.hash());
    assert!(
        password::verify(
            &generated,
            &s.dir.mailbox(&carol.address).await.unwrap().password
        )
        .unwrap()
    );

    // IDN domain and a UTF-8 local part.
    let req = request(
        "Jürgen@Exämple.org",
        "Jürgen Groß",
        None,
        PasswordInput::Hash(s.hash(11)),
    );
    let (jurgen, _) = s
        .ok(
            "mailbox.add",
            "jürgen@xn--exmple-cua.org",
            s.admin.add_mailbox(req),
        )
        .await;
    assert_eq!(jurgen.address.to_string(), "jürgen@xn--exmple-cua.org");
    assert_eq!(jurgen.address.to_unicode(), "jürgen@exämple.org");
    assert_eq!(jurgen.maildir, "xn--exmple-cua.org/jürgen/");
    assert_eq!(jurgen.name, "Jürgen Groß");
    assert_eq!(
        s.dir
            .mailbox(&address("JÜRGEN@xn--exmple-cua.org"))
            .await
            .unwrap(),
        jurgen
    );

    // Duplicates and unknown domains.
    let again = request(
        "ALICE@example.org",
        "",
        None,
        PasswordInput::Hash(s.hash(12)),
    );
    s.refused(
        AlreadyExists,
        "mailbox alice@example.org",
        s.admin.add_mailbox(again),
    )
    .await;
    let astray = request("x@nowhere.test", "", None, PasswordInput::Hash(s.hash(13)));
    s.refused(NotFound, "domain nowhere.test", s.admin.add_mailbox(astray))
        .await;

    // Update with the version read.
    let patch = MailboxPatch {
        name: Some("Alice L.".into()),
        quota: Some(size("3G")),
        ..Default::default()
    };
    let edited = s
        .ok(
            "mailbox.edit",
            "alice@example.org",
            s.admin.edit_mailbox(alice_addr.clone(), patch, Some(1)),
        )
        .await;
    assert_eq!(
        (edited.name.as_str(), edited.quota, edited.version),
        ("Alice L.", size("3G"), 2)
    );
    assert_eq!(edited.password, h1, "an edit keeps the password");
    assert_eq!(edited.created_at, alice.created_at);
    assert_eq!(s.dir.mailbox(&alice_addr).await.unwrap(), edited);
    let stale = MailboxPatch {
        name: Some("lost update".into()),
        ..Default::default()
    };
    s.refused(
        Conflict,
        "mailbox alice@example.org",
        s.admin.edit_mailbox(alice_addr.clone(), stale, Some(1)),
    )
    .await;
    s.refused(
        Invalid,
        "mailbox alice@example.org",
        s.admin
            .edit_mailbox(alice_addr.clone(), MailboxPatch::default(), None),
    )
    .await;

    // A new password: stored, and the audit says so without the hash.
    let h2 = s.hash(14);
    let (changed, _) = s
        .ok(
            "mailbox.edit",
            "alice@example.org",
            s.admin
                .set_password(alice_addr.clone(), PasswordInput::Hash(h2.clone())),
        )
        .await;
    assert_eq!((&changed.password, changed.version), (&h2, 3));
    let entry = s.admin.audit(1).await.unwrap().remove(0);
    assert_eq!(entry.after.as_ref().unwrap()["password_changed"], true);

    // Disable, enable.
    let off = s
        .ok(
            "mailbox.edit",
            "alice@example.org",
            s.admin.set_mailbox_active(alice_addr.clone(), false),
        )
        .await;
    assert!(!off.active);
    assert!(!s.dir.mailbox(&alice_addr).await.unwrap().active);
    let on = s
        .ok(
            "mailbox.edit",
            "alice@example.org",
            s.admin.set_mailbox_active(alice_addr.clone(), true),
        )
        .await;
    assert!(on.active);
    assert_eq!(
        (on.name.as_str(), on.quota, &on.password),
        ("Alice L.", size("3G"), &h2)
    );

    // Not found.
    let nobody = address("nobody@example.org");
    assert_fails(
        s.dir.mailbox(&nobody).await,
        NotFound,
        "mailbox nobody@example.org",
    );
    let rename = MailboxPatch {
        name: Some("x".into()),
        ..Default::default()
    };
    s.refused(
        NotFound,
        "mailbox nobody@example.org",
        s.admin.edit_mailbox(nobody.clone(), rename, None),
    )
    .await;
    s.refused(
        NotFound,
        "mailbox nobody@example.org",
        s.admin
            .set_password(nobody.clone(), PasswordInput::Hash(s.hash(15))),
    )
    .await;
    s.refused(
        NotFound,
        "mailbox nobody@example.org",
        s.admin.set_mailbox_active(nobody.clone(), false),
    )
    .await;
    s.refused(
        NotFound,
        "mailbox nobody@example.org",
        s.admin.remove_mailbox(nobody.clone(), false),
    )
    .await;

    // Delete.
    let temp = request(
        "temp@example.org",
        "",
        None,
        PasswordInput::Hash(s.hash(16)),
    );
    s.ok("mailbox.add", "temp@example.org", s.admin.add_mailbox(temp))
        .await;
    assert_eq!(s.dir.domain(&org).await.unwrap().mailboxes, 4);
    s.ok(
        "mailbox.rm",
        "temp@example.org",
        s.admin.remove_mailbox(address("temp@example.org"), false),
    )
    .await;
    assert_fails(
        s.dir.mailbox(&address("temp@example.org")).await,
        NotFound,
        "mailbox temp@example.org",
    );

    // Counts and allotted quota follow.
    let d = s.dir.domain(&org).await.unwrap();
    assert_eq!(d.mailboxes, 3);
    assert_eq!(
        d.allotted_quota.bytes(),
        size("3G").bytes() + size("1G").bytes() + size("500M").bytes()
    );
    let listed: Vec<String> = s
        .dir
        .mailboxes(Some(&org))
        .await
        .unwrap()
        .iter()
        .map(|m| m.address.to_string())
        .collect();
    assert_eq!(
        listed,
        ["alice@example.org", "bob@example.org", "carol@example.org"]
    );
}
