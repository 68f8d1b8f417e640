//! Key sequences → state and jobs: filter, command mode, tabs, forms with
//! inline validation, the disable/delete dialog (Cancel focused by
//! default), typed confirmation of irreversible deletes, and what each
//! role may do. Jobs run against a real SQLite directory.

mod tui_support;

use postier::i18n::Lang;
use postier::model::*;
use postier::tui::state::{Choice, ListId, Overlay, PromptKind, Tab, View};
use postier::tui::{Job, Theme};
use ratatui::crossterm::event::KeyCode;
use tui_support::{Fixture, Tui, key};

async fn admin(fixture: &Fixture) -> Tui {
    fixture.tui("admin", Lang::En, Theme::PLAIN, 80, 24).await
}

fn visible(tui: &Tui, id: ListId) -> usize {
    tui.state.list(id).map(|l| l.visible.len()).unwrap_or(0)
}

#[tokio::test]
async fn filter_is_incremental_and_esc_clears_it() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    assert_eq!(visible(&tui, ListId::Domains), 4);
    tui.keys("/");
    assert!(matches!(
        tui.state.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::Filter)
    ));
    tui.keys("r");
    assert_eq!(visible(&tui, ListId::Domains), 4, "every name has an r");
    tui.keys("ad");
    assert_eq!(visible(&tui, ListId::Domains), 1, "only radio-libre");
    // Backspace widens again.
    tui.press(key(KeyCode::Backspace));
    tui.press(key(KeyCode::Backspace));
    assert_eq!(visible(&tui, ListId::Domains), 4);
    tui.keys("ad");
    // Enter keeps the filter and leaves the prompt; q is a key again.
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.prompt.is_none());
    assert_eq!(tui.state.list(ListId::Domains).unwrap().filter, "rad");
    // Esc clears the filter before it would go back.
    tui.press(key(KeyCode::Esc));
    assert_eq!(visible(&tui, ListId::Domains), 4);
    // Esc in the prompt also clears.
    tui.keys("/xyz");
    assert_eq!(visible(&tui, ListId::Domains), 0);
    tui.press(key(KeyCode::Esc));
    assert_eq!(visible(&tui, ListId::Domains), 4);
    // Descriptions are searched too.
    tui.keys("/bike");
    assert_eq!(visible(&tui, ListId::Domains), 1);
}

#[tokio::test]
async fn command_mode_navigates_and_quits() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys(":audit");
    tui.press(key(KeyCode::Enter));
    assert_eq!(*tui.state.view(), View::Audit);
    tui.settle().await;
    assert!(visible(&tui, ListId::Audit) > 10);
    tui.keys(":mailboxes");
    tui.press(key(KeyCode::Enter));
    assert_eq!(tui.state.stack, vec![View::Domains, View::Mailboxes]);
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::AllMailboxes), 7);
    tui.keys(":nope");
    tui.press(key(KeyCode::Enter));
    let flash = tui.state.flash.as_ref().expect("a flash message");
    assert!(
        flash.error && flash.text.contains(":nope"),
        "{}",
        flash.text
    );
    tui.keys(":domains");
    tui.press(key(KeyCode::Enter));
    assert_eq!(tui.state.stack, vec![View::Domains]);
    assert!(!tui.quit);
    tui.keys(":q");
    tui.press(key(KeyCode::Enter));
    assert!(tui.quit);
}

#[tokio::test]
async fn navigation_tabs_and_back() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let jardiniers = DomainName::parse("lesjardiniers.example").unwrap();
    assert_eq!(
        *tui.state.view(),
        View::Domain {
            name: jardiniers.clone(),
            tab: Tab::Mailboxes
        }
    );
    assert_eq!(visible(&tui, ListId::DomainMailboxes), 3);
    tui.keys("G");
    assert_eq!(tui.state.list(ListId::DomainMailboxes).unwrap().selected, 2);
    tui.keys("g");
    assert_eq!(tui.state.list(ListId::DomainMailboxes).unwrap().selected, 0);
    tui.keys("l");
    assert_eq!(visible(&tui, ListId::DomainAliases), 2);
    tui.press(key(KeyCode::BackTab));
    tui.press(key(KeyCode::BackTab));
    assert_eq!(
        *tui.state.view(),
        View::Domain {
            name: jardiniers,
            tab: Tab::Dkim
        }
    );
    tui.press(key(KeyCode::Esc));
    assert_eq!(*tui.state.view(), View::Domains);
    tui.keys("q");
    assert!(tui.quit);
}

#[tokio::test]
async fn delete_dialog_focuses_cancel() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("d");
    let Some(Overlay::Confirm(c)) = &tui.state.overlay else {
        panic!("no dialog")
    };
    assert_eq!(c.focus, 0, "Cancel has the focus");
    // Enter right away cancels: nothing runs.
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none());
    assert!(tui.jobs.is_empty());
    // Esc cancels too, from any button.
    tui.keys("dl");
    tui.press(key(KeyCode::Esc));
    assert!(tui.state.overlay.is_none() && tui.jobs.is_empty());
    // Disable is one step away; it runs and the list shows it.
    tui.keys("dl");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::SetMailboxActive(a, false)] if a.to_string() == "contact@lesjardiniers.example")
    );
    tui.settle().await;
    let m = &tui.state.data.domain_mailboxes.value.as_ref().unwrap()[0];
    assert!(!m.active);
    assert!(tui.state.flash.as_ref().unwrap().text.contains("disabled"));
}

#[tokio::test]
async fn mailbox_delete_needs_the_address_typed() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("jd");
    tui.press(key(KeyCode::Right));
    tui.press(key(KeyCode::Right));
    tui.press(key(KeyCode::Right)); // stays on the last button
    tui.press(key(KeyCode::Enter));
    assert!(matches!(tui.state.overlay, Some(Overlay::Typed(_))));
    assert!(tui.jobs.is_empty(), "choosing Delete alone deletes nothing");
    // q and d type, they do not quit or delete.
    tui.keys("marie@lesjardiniers.exampleq");
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Typed(t)) = &tui.state.overlay else {
        panic!("dialog closed")
    };
    assert!(t.mismatch);
    assert!(tui.jobs.is_empty() && !tui.quit);
    tui.press(key(KeyCode::Backspace));
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RemoveMailbox(a)] if a.to_string() == "marie@lesjardiniers.example")
    );
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::DomainMailboxes), 2);
    let err = fixture
        .ops("admin")
        .mailbox(&Address::parse("marie@lesjardiniers.example").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind, postier::error::ErrorKind::NotFound);
}

#[tokio::test]
async fn domain_delete_cascades_only_after_typing_its_name() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("jd");
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Esc));
    assert!(tui.state.overlay.is_none() && tui.jobs.is_empty());
    tui.keys("dll");
    tui.press(key(KeyCode::Enter));
    tui.keys("lesjardiniers.example");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RemoveDomain(d, true)] if d.as_ascii() == "lesjardiniers.example")
    );
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::Domains), 3);
}

#[tokio::test]
async fn alias_delete_needs_no_typing() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Tab));
    tui.settle().await;
    tui.keys("jdll");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RemoveAlias(a)] if a.to_string() == "info@lesjardiniers.example")
    );
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::DomainAliases), 1);
}

#[tokio::test]
async fn forms_validate_inline_and_submit_through_ops() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("a");
    tui.keys("bad..name");
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("no form")
    };
    assert!(form.fields[0].error.is_some(), "checked while typing");
    tui.press(key(KeyCode::Enter));
    assert!(tui.jobs.is_empty(), "an invalid form is not submitted");
    for _ in 0.."bad..name".len() {
        tui.press(key(KeyCode::Backspace));
    }
    tui.keys("new.example");
    tui.press(key(KeyCode::Tab));
    tui.keys("New one");
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Backspace));
    tui.keys("x");
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("form closed")
    };
    assert_eq!(form.focus, 2, "focus goes to the bad field");
    assert!(
        form.fields[2]
            .error
            .as_deref()
            .unwrap()
            .contains("whole number")
    );
    tui.press(key(KeyCode::Backspace));
    tui.keys("5");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::AddDomain(d, s)] if d.as_ascii() == "new.example" && s.max_mailboxes == 5)
    );
    tui.settle().await;
    assert!(
        tui.state.overlay.is_none(),
        "closed once the directory took it"
    );
    let d = fixture
        .ops("admin")
        .domain(&DomainName::parse("new.example").unwrap())
        .await
        .unwrap();
    assert_eq!((d.description.as_str(), d.max_mailboxes), ("New one", 5));

    // A refusal from the directory keeps the form open with the reason.
    tui.keys("anew.example");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("form closed")
    };
    assert!(
        form.error.as_deref().unwrap().contains("already exists"),
        "{:?}",
        form.error
    );
}

#[tokio::test]
async fn mailbox_form_generates_or_takes_a_typed_password() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    // Generated: shown once.
    tui.keys("azoe");
    tui.press(key(KeyCode::Tab));
    tui.keys("Zoé");
    tui.press(key(KeyCode::Tab));
    tui.keys("750M");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let Some(Overlay::Password { subject, password }) = &tui.state.overlay else {
        panic!("no password shown")
    };
    assert_eq!(subject, "zoe@lesjardiniers.example");
    assert_eq!(password.expose().len(), 23);
    assert!(tui.screen().contains(password.expose()));
    let shown = password.expose().to_string();
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none());
    assert!(!tui.screen().contains(&shown), "gone once closed");
    let m = fixture
        .ops("admin")
        .mailbox(&Address::parse("zoe@lesjardiniers.example").unwrap())
        .await
        .unwrap();
    assert_eq!(m.quota.bytes(), 750 << 20);

    // Typed twice, masked; a mismatch is caught before anything runs.
    tui.keys("ayan");
    for _ in 0..3 {
        tui.press(key(KeyCode::Tab));
    }
    tui.keys(" ");
    tui.press(key(KeyCode::Tab));
    tui.keys("correct horse");
    tui.press(key(KeyCode::Tab));
    tui.keys("correct horsE");
    assert!(!tui.screen().contains("correct"), "masked");
    tui.press(key(KeyCode::Enter));
    assert!(tui.jobs.is_empty());
    tui.press(key(KeyCode::Backspace));
    tui.keys("e");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(
        tui.state.overlay.is_none(),
        "no password to show when typed"
    );
    let m = fixture
        .ops("admin")
        .mailbox(&Address::parse("yan@lesjardiniers.example").unwrap())
        .await
        .unwrap();
    let typed = postier::password::Password::new("correct horse".into()).unwrap();
    assert!(postier::password::verify(&typed, &m.password).unwrap());
}

#[tokio::test]
async fn roles_see_and_do_only_what_they_may() {
    let fixture = Fixture::new().await;
    // A domain admin sees their domain only and cannot add domains.
    let mut tui = fixture
        .tui("domain-admin", Lang::En, Theme::PLAIN, 80, 24)
        .await;
    assert_eq!(visible(&tui, ListId::Domains), 1);
    tui.keys("a");
    assert!(tui.state.overlay.is_none());
    tui.keys(":audit");
    tui.press(key(KeyCode::Enter));
    assert_eq!(*tui.state.view(), View::Domains);
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("a");
    assert!(
        matches!(tui.state.overlay, Some(Overlay::Form(_))),
        "may add mailboxes"
    );

    // A contact sees the DNS pane of their domains, and nothing else.
    let mut tui = fixture.tui("contact", Lang::En, Theme::PLAIN, 80, 24).await;
    assert_eq!(visible(&tui, ListId::Domains), 2);
    assert!(tui.jobs.is_empty(), "no directory reads for a contact");
    for keys in ["a", "e", "d", "A"] {
        tui.keys(keys);
        assert!(tui.state.overlay.is_none(), "{keys}");
    }
    tui.keys(":mailboxes");
    tui.press(key(KeyCode::Enter));
    assert_eq!(*tui.state.view(), View::Domains);
    tui.press(key(KeyCode::Enter));
    assert!(matches!(
        tui.state.view(),
        View::Domain { tab: Tab::Dns, .. }
    ));
    tui.press(key(KeyCode::Tab));
    assert!(
        matches!(tui.state.view(), View::Domain { tab: Tab::Dns, .. }),
        "DNS is the only tab"
    );
    assert!(
        tui.screen().contains("not available"),
        "no faked DNS status"
    );
}

#[tokio::test]
async fn ops_refuses_what_the_role_may_not_do_even_if_asked() {
    let fixture = Fixture::new().await;
    let mut tui = fixture
        .tui("domain-admin", Lang::En, Theme::PLAIN, 80, 24)
        .await;
    tui.jobs.push(Job::AddDomain(
        DomainName::parse("sneaky.example").unwrap(),
        Default::default(),
    ));
    tui.state.jobs += 1;
    tui.settle().await;
    let Some(Overlay::Error(e)) = &tui.state.overlay else {
        panic!("no error shown")
    };
    assert_eq!(e.kind, postier::error::ErrorKind::Forbidden);
    tui.press(key(KeyCode::Esc));
    assert!(tui.state.overlay.is_none());
}

#[tokio::test]
async fn resize_keeps_the_cursor_in_view() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys(":mailboxes");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("G");
    tui.act(postier::tui::Action::Resize(80, 10));
    let list = tui.state.list(ListId::AllMailboxes).unwrap();
    assert_eq!(list.selected, 6);
    assert!(list.offset + tui.state.list_height() > list.selected);
    assert!(tui.screen().contains("Terminal too small"));
}

#[tokio::test]
async fn alias_domain_is_disabled_and_repointed_through_ops() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    let alias = DomainName::parse("radiolibre.example").unwrap();
    tui.keys("/radio");
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Tab));
    tui.press(key(KeyCode::Tab));
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::DomainAliasDomains), 1);

    // d offers Disable beside Delete; Cancel has the focus.
    tui.keys("d");
    let Some(Overlay::Confirm(c)) = &tui.state.overlay else {
        panic!("no dialog")
    };
    assert_eq!(c.choices, [Choice::Cancel, Choice::Disable, Choice::Delete]);
    assert_eq!(c.focus, 0);
    tui.keys("l");
    tui.press(key(KeyCode::Enter));
    assert!(matches!(&tui.jobs[..], [Job::SetAliasDomainActive(a, false)] if *a == alias));
    tui.settle().await;
    let ops = fixture.ops("admin");
    assert!(!ops.alias_domain(&alias).await.unwrap().active);

    // e re-points it at another hosted domain.
    tui.keys("e");
    for _ in "radio-libre.example".chars() {
        tui.press(key(KeyCode::Backspace));
    }
    tui.keys("lesjardiniers.example");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(
        tui.state.overlay.is_none(),
        "the form closed once ops took it"
    );
    let moved = ops.alias_domain(&alias).await.unwrap();
    assert_eq!(moved.target.as_ascii(), "lesjardiniers.example");
    assert_eq!(
        visible(&tui, ListId::DomainAliasDomains),
        0,
        "no longer radio-libre's"
    );
}
