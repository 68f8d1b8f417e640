//! Key sequences → state and jobs: filter, command mode, tabs, forms with
//! inline validation, the disable/delete dialog (Cancel focused by
//! default), typed confirmation of irreversible deletes, and what each
//! role may do. Jobs run against a real SQLite directory.

mod tui_support;

use postier::error::ErrorKind;
use postier::i18n::{Lang, Msg};
use postier::model::*;
use postier::ops::{Actor, Ops};
use postier::password::Scheme;
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
    // The dialog reads which aliases forward to the mailbox; nothing else.
    assert!(matches!(&tui.jobs[..], [Job::LoadForwarders(_)]));
    tui.settle().await;
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
    assert!(tui.state.overlay.is_none());
    assert!(matches!(&tui.jobs[..], [Job::LoadForwarders(_)]));
    tui.settle().await;
    // Disable is one step away; it runs and the list shows it.
    tui.keys("dl");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::LoadForwarders(_), Job::SetMailboxActive(a, false)] if a.address.to_string() == "contact@lesjardiniers.example")
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
    // The dialog reads which aliases forward to marie@ before Delete does
    // anything, and says she leaves them too.
    tui.settle().await;
    let screen = tui.screen();
    assert!(
        screen.contains("Aliases forward to it (1): info@lesjardiniers.example"),
        "{screen}"
    );
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
        matches!(&tui.jobs[..], [Job::RemoveMailbox(a, true)] if a.to_string() == "marie@lesjardiniers.example")
    );
    tui.settle().await;
    let info = fixture
        .ops("admin")
        .alias(&AliasAddress::parse("info@lesjardiniers.example").unwrap())
        .await
        .unwrap();
    assert_eq!(
        info.targets,
        vec![Address::parse("contact@lesjardiniers.example").unwrap()],
        "taken out of the alias in the same change"
    );
    assert_eq!(visible(&tui, ListId::DomainMailboxes), 2);
    let err = fixture
        .ops("admin")
        .mailbox(&Address::parse("marie@lesjardiniers.example").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind, postier::error::ErrorKind::NotFound);
}

/// Regression (issue 10, item 5): the TUI deleted a domain with its
/// mailboxes and alias as soon as its name was typed, without saying what
/// went with it.
#[tokio::test]
async fn domain_delete_says_what_goes_with_it_before_the_typed_confirmation() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    tui.keys("jd");
    assert!(
        matches!(&tui.jobs[..], [Job::LoadHoldings(d)] if d.as_ascii() == "lesjardiniers.example"),
        "the dialog reads what the domain holds"
    );
    // Delete before the dialog has said what goes with it does nothing.
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    assert!(matches!(tui.state.overlay, Some(Overlay::Confirm(_))));
    tui.settle().await;
    let Some(Overlay::Confirm(c)) = &tui.state.overlay else {
        panic!("no dialog")
    };
    let holdings = c.holdings.as_ref().unwrap().value.as_ref().unwrap();
    let names: Vec<String> = holdings.mailboxes.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        names,
        [
            "contact@lesjardiniers.example",
            "marie@lesjardiniers.example",
            "paul@lesjardiniers.example"
        ]
    );
    assert_eq!(holdings.aliases.len(), 2);
    let screen = tui.screen();
    assert!(
        screen.contains("mailboxes (3): contact@lesjardiniers.example"),
        "{screen}"
    );
    assert!(screen.contains("aliases (2):"), "{screen}");
    tui.press(key(KeyCode::Esc));
    assert!(tui.state.overlay.is_none() && tui.jobs.is_empty());

    tui.keys("d");
    tui.settle().await;
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Typed(t)) = &tui.state.overlay else {
        panic!("no typed confirmation")
    };
    assert!(t.holdings.is_some());
    assert!(
        tui.screen()
            .contains("mailboxes 3, aliases 2, alias domains 0")
    );
    assert!(tui.jobs.is_empty(), "nothing goes before the name is typed");
    tui.keys("lesjardiniers.example");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RemoveDomain(d, true)] if d.as_ascii() == "lesjardiniers.example")
    );
    tui.settle().await;
    assert_eq!(visible(&tui, ListId::Domains), 3);
    let ops = fixture.ops("admin");
    let gone = ops
        .mailbox(&Address::parse("marie@lesjardiniers.example").unwrap())
        .await
        .unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NotFound);

    // A domain that holds only an alias domain goes with it too (the
    // dialog says so), and one that holds nothing needs no cascade.
    let radio = DomainName::parse("radio-libre.example").unwrap();
    for m in ["studio@radio-libre.example", "prog@radio-libre.example"] {
        ops.remove_mailbox(Address::parse(m).unwrap(), true)
            .await
            .unwrap();
    }
    tui.keys("r");
    tui.settle().await;
    tui.keys("/radio-libre");
    tui.press(key(KeyCode::Enter));
    tui.keys("d");
    tui.settle().await;
    assert!(
        tui.screen()
            .contains("alias domains (1): radiolibre.example")
    );
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    tui.keys("radio-libre.example");
    tui.press(key(KeyCode::Enter));
    assert!(matches!(&tui.jobs[..], [Job::RemoveDomain(d, true)] if *d == radio));
    tui.settle().await;
    assert!(ops.domain(&radio).await.is_err());

    ops.add_domain(
        DomainName::parse("empty.example").unwrap(),
        Default::default(),
    )
    .await
    .unwrap();
    tui.press(key(KeyCode::Esc));
    tui.keys("r");
    tui.settle().await;
    tui.keys("/empty");
    tui.press(key(KeyCode::Enter));
    tui.keys("d");
    tui.settle().await;
    assert!(
        tui.screen()
            .contains("It holds no mailboxes, aliases or alias domains.")
    );
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    tui.keys("empty.example");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RemoveDomain(d, false)] if d.as_ascii() == "empty.example")
    );
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
    assert!(matches!(&tui.jobs[..], [Job::SetAliasDomainActive(a, false)] if a.name == alias));
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

/// Someone else, changing the directory as the CLI would.
fn outside(fixture: &Fixture) -> Ops {
    Ops::new(
        fixture.directory.clone(),
        Actor::admin("alice"),
        Scheme::Sha512Crypt,
    )
}

fn conflict(tui: &Tui) -> &postier::tui::state::ConflictDialog {
    match &tui.state.overlay {
        Some(Overlay::Conflict(c)) => c,
        other => panic!("no conflict shown: {other:?}"),
    }
}

/// Regression (issue 10, item 1): `e` on a mailbox, then `mailbox edit …
/// --quota 2G` from the CLI, then saving only a name change in the TUI put
/// the quota back. The TUI's edit carries the version it read and only the
/// name: the directory refuses it as a conflict, the TUI says what changed
/// and by whom, and Reload re-opens the form on the current values with
/// the name change kept; saving that sends the name alone.
#[tokio::test]
async fn tui_mailbox_edit_does_not_overwrite_a_concurrent_quota_change() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    let marie = Address::parse("marie@lesjardiniers.example").unwrap();
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("je");
    let two_g = Size::parse("2G").unwrap();
    let patch = MailboxPatch {
        quota: Some(two_g),
        ..Default::default()
    };
    outside(&fixture)
        .edit_mailbox(marie.clone(), patch, None)
        .await
        .unwrap();

    tui.keys(" (trésorière)");
    tui.press(key(KeyCode::Enter));
    let [Job::EditMailbox(seen, patch)] = &tui.jobs[..] else {
        panic!("no edit job: {:?}", tui.jobs)
    };
    assert_eq!(seen.address, marie);
    assert_eq!(patch.name.as_deref(), Some("Marie Dupont (trésorière)"));
    assert_eq!(patch.quota, None, "the quota was not touched: not sent");
    tui.settle().await;

    let ops = fixture.ops("admin");
    let stored = ops.mailbox(&marie).await.unwrap();
    assert_eq!(stored.quota, two_g, "the outside change stands");
    assert_eq!(
        stored.name, "Marie Dupont",
        "nothing of the TUI's was saved"
    );
    let c = conflict(&tui);
    assert_eq!(c.focus, 0, "Reload is focused");
    assert_eq!(c.conflict.latest.as_ref().unwrap().actor, "alice");
    let screen = tui.screen();
    assert!(screen.contains("Changed meanwhile"), "{screen}");
    assert!(screen.contains("was changed by alice"), "{screen}");
    assert!(screen.contains("quota: 1G → 2G"), "{screen}");
    assert!(screen.contains("[ Reload ]"), "{screen}");

    // Reload: the form on the current values, the name change kept.
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("the form was not re-opened")
    };
    assert_eq!(form.fields[0].value(), "Marie Dupont (trésorière)");
    assert_eq!(form.fields[1].value(), "2G");
    tui.press(key(KeyCode::Enter));
    let [Job::EditMailbox(_, patch)] = &tui.jobs[..] else {
        panic!("no edit job")
    };
    assert_eq!(patch.quota, None);
    tui.settle().await;
    assert!(tui.state.overlay.is_none(), "saved");
    let stored = ops.mailbox(&marie).await.unwrap();
    assert_eq!(stored.name, "Marie Dupont (trésorière)");
    assert_eq!(stored.quota, two_g);
}

/// The same for a domain: a description saved from the TUI after the CLI
/// raised the quota leaves the quota as the CLI set it.
#[tokio::test]
async fn tui_domain_edit_does_not_overwrite_a_concurrent_change() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    let domain = DomainName::parse("lesjardiniers.example").unwrap();
    tui.keys("je");
    let twenty = Size::parse("20G").unwrap();
    let patch = DomainPatch {
        quota: Some(twenty),
        ..Default::default()
    };
    outside(&fixture)
        .edit_domain(domain.clone(), patch, None)
        .await
        .unwrap();
    tui.keys(" (2025)");
    tui.press(key(KeyCode::Enter));
    let [Job::EditDomain(_, patch)] = &tui.jobs[..] else {
        panic!("no edit job: {:?}", tui.jobs)
    };
    assert_eq!(
        *patch,
        DomainPatch {
            description: Some("Jardins partagés du quartier (2025)".into()),
            ..Default::default()
        },
        "only the description is sent"
    );
    tui.settle().await;
    let ops = fixture.ops("admin");
    let stored = ops.domain(&domain).await.unwrap();
    assert_eq!(stored.quota, twenty);
    assert_eq!(stored.description, "Jardins partagés du quartier");
    conflict(&tui);
    let screen = tui.screen();
    assert!(screen.contains("quota: 10G → 20G"), "{screen}");
    assert!(screen.contains("by alice"), "{screen}");

    // Cancel: nothing saved, nothing left open.
    tui.keys("l");
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none() && tui.jobs.is_empty());
    assert_eq!(ops.domain(&domain).await.unwrap().version, stored.version);

    // An edit form that changes nothing sends nothing.
    tui.keys("e");
    tui.press(key(KeyCode::Enter));
    assert!(tui.jobs.is_empty());
    assert!(tui.state.overlay.is_none());
    assert_eq!(tui.state.flash.as_ref().unwrap().text, "nothing changed");
}

/// The same for an alias: targets saved from the TUI after the CLI added
/// one keep the one added; Reload shows the targets as they are now.
#[tokio::test]
async fn tui_alias_edit_does_not_overwrite_a_concurrent_change() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    let info = AliasAddress::parse("info@lesjardiniers.example").unwrap();
    let paul = Address::parse("paul@lesjardiniers.example").unwrap();
    let marie = Address::parse("marie@lesjardiniers.example").unwrap();
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Tab));
    tui.settle().await;
    tui.keys("je");
    let patch = AliasPatch {
        add_targets: vec![paul.clone()],
        ..Default::default()
    };
    outside(&fixture)
        .edit_alias(info.clone(), patch, None)
        .await
        .unwrap();
    // Drop marie (the last target) in the TUI.
    for _ in ", marie@lesjardiniers.example".chars() {
        tui.press(key(KeyCode::Backspace));
    }
    tui.press(key(KeyCode::Enter));
    let [Job::EditAlias(_, patch)] = &tui.jobs[..] else {
        panic!("no edit job: {:?}", tui.jobs)
    };
    assert_eq!(patch.remove_targets, std::slice::from_ref(&marie));
    assert!(patch.add_targets.is_empty());
    tui.settle().await;
    let ops = fixture.ops("admin");
    let stored = ops.alias(&info).await.unwrap();
    assert!(stored.targets.contains(&paul) && stored.targets.contains(&marie));
    conflict(&tui);
    assert!(
        tui.screen().contains("paul@lesjardiniers.example"),
        "what changed names the new target"
    );
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("the form was not re-opened")
    };
    assert!(
        form.fields[0]
            .value()
            .contains("paul@lesjardiniers.example")
    );
}

/// Disable from the dialog carries the version too: a mailbox changed
/// meanwhile is not disabled behind the changer's back, and Reload asks
/// again on the current mailbox.
#[tokio::test]
async fn tui_disable_meets_a_concurrent_change_as_a_conflict() {
    let fixture = Fixture::new().await;
    let mut tui = admin(&fixture).await;
    let contact = Address::parse("contact@lesjardiniers.example").unwrap();
    tui.keys("j");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("d");
    let patch = MailboxPatch {
        name: Some("Contact".into()),
        ..Default::default()
    };
    outside(&fixture)
        .edit_mailbox(contact.clone(), patch, None)
        .await
        .unwrap();
    tui.keys("l");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(fixture.ops("admin").mailbox(&contact).await.unwrap().active);
    conflict(&tui);
    assert!(tui.screen().contains("name: Contact Jardiniers → Contact"));
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Confirm(c)) = &tui.state.overlay else {
        panic!("the dialog was not asked again")
    };
    assert_eq!(c.focus, 0, "Cancel focused again");
    tui.keys("l");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(!fixture.ops("admin").mailbox(&contact).await.unwrap().active);
}

/// A domain admin may not read the audit log: the conflict says what
/// changed, not who.
#[tokio::test]
async fn tui_password_change_meets_a_concurrent_change_as_a_conflict() {
    let fixture = Fixture::new().await;
    let mut tui = fixture
        .tui("domain-admin", Lang::En, Theme::PLAIN, 80, 24)
        .await;
    let marie = Address::parse("marie@lesjardiniers.example").unwrap();
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("jp");
    let patch = MailboxPatch {
        active: Some(false),
        ..Default::default()
    };
    outside(&fixture)
        .edit_mailbox(marie.clone(), patch, None)
        .await
        .unwrap();
    tui.press(key(KeyCode::Enter));
    assert!(matches!(&tui.jobs[..], [Job::SetPassword(m, _)] if m.address == marie));
    tui.settle().await;
    let c = conflict(&tui);
    assert!(c.conflict.latest.is_none());
    let screen = tui.screen();
    assert!(screen.contains("was changed by someone"), "{screen}");
    assert!(screen.contains("active: on → off"), "{screen}");
    assert!(
        !tui.screen().contains("Password for"),
        "no password was set"
    );
}

/// Regression (issue 10, item 7): IDN domains leaked as A-labels in the
/// status line, edit titles, the audit view and dialogs.
#[tokio::test]
async fn idn_names_read_as_u_labels_everywhere() {
    let fixture = Fixture::new().await;
    let ops = fixture.ops("admin");
    let domain = DomainName::parse("exämple.org").unwrap();
    assert!(domain.as_ascii().starts_with("xn--"));
    let settings = DomainSettings {
        default_quota: Size::parse("1G").unwrap(),
        ..Default::default()
    };
    ops.add_domain(domain.clone(), settings).await.unwrap();
    let anna = Address::parse("anna@exämple.org").unwrap();
    ops.add_mailbox(postier::ops::MailboxRequest {
        address: anna.clone(),
        name: "Anna".into(),
        quota: None,
        password: postier::ops::PasswordInput::Generate,
    })
    .await
    .unwrap();
    ops.add_alias(
        AliasAddress::parse("info@exämple.org").unwrap(),
        vec![anna.clone()],
    )
    .await
    .unwrap();
    let mut tui = admin(&fixture).await;
    let no_a_labels = |tui: &Tui, what: &str| {
        let screen = tui.screen();
        assert!(!screen.contains("xn--"), "{what}: {screen}");
        screen
    };
    tui.keys("/exämple");
    tui.press(key(KeyCode::Enter));
    assert_eq!(visible(&tui, ListId::Domains), 1);
    // The edit form's title, then the status line after saving.
    tui.keys("e");
    assert!(no_a_labels(&tui, "title").contains("Edit domain exämple.org"));
    tui.keys("!");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(no_a_labels(&tui, "flash").contains("domain exämple.org changed"));
    // The delete dialog.
    tui.keys("d");
    tui.settle().await;
    let screen = no_a_labels(&tui, "dialog");
    assert!(
        screen.contains("mailboxes (1): anna@exämple.org"),
        "{screen}"
    );
    assert!(screen.contains("aliases (1): info@exämple.org"), "{screen}");
    tui.press(key(KeyCode::Esc));
    // An alias's edit title and the status line after a change.
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Tab));
    tui.settle().await;
    tui.keys("e");
    assert!(no_a_labels(&tui, "alias title").contains("Edit alias info@exämple.org"));
    tui.press(key(KeyCode::Esc));
    tui.keys("d");
    tui.press(key(KeyCode::Right));
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(no_a_labels(&tui, "alias flash").contains("alias info@exämple.org disabled"));
    // An error from the directory, in a form.
    tui.press(key(KeyCode::BackTab));
    tui.settle().await;
    tui.keys("aanna");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let Some(Overlay::Form(form)) = &tui.state.overlay else {
        panic!("form closed")
    };
    let error = form.error.clone().unwrap();
    assert!(error.contains("anna@exämple.org"), "{error}");
    no_a_labels(&tui, "form error");
    tui.press(key(KeyCode::Esc));
    // An error dialog.
    tui.act(postier::tui::Action::Done(postier::tui::Outcome::Failed(
        postier::error::Error::not_found(format!("mailbox {anna}")),
    )));
    assert!(no_a_labels(&tui, "error").contains("mailbox anna@exämple.org: not found"));
    tui.press(key(KeyCode::Esc));
    // The audit view: objects and the detail pane.
    tui.keys(":audit");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let screen = no_a_labels(&tui, "audit");
    assert!(screen.contains("info@exämple.org"), "{screen}");
    // The filter finds them by either form.
    tui.keys("/xn--");
    assert!(visible(&tui, ListId::Audit) >= 4);
}

/// Regression (issue 10, item 8): in the French TUI `/échec` filtered
/// nothing, as the search keys held the English status words. The filter
/// matches what is displayed, in either language.
#[tokio::test]
async fn filter_matches_the_words_displayed_in_either_language() {
    let fixture = Fixture::new().await;
    for (lang, fail, ok) in [(Lang::Fr, "échec", "oui"), (Lang::En, "fail", "on")] {
        let mut tui = fixture.tui("admin", lang, Theme::PLAIN, 80, 24).await;
        let word = lang.t(Msg::DnsFail).to_lowercase();
        assert_eq!(word, fail);
        // The domain list: chœur-de-la-ville has no MX.
        tui.keys(&format!("/{fail}"));
        tui.press(key(KeyCode::Enter));
        assert_eq!(visible(&tui, ListId::Domains), 1, "{lang:?}");
        tui.press(key(KeyCode::Enter));
        for _ in 0..3 {
            tui.press(key(KeyCode::Tab));
        }
        tui.settle().await;
        // Its DNS tab: the failing checks.
        let report = tui
            .state
            .dns_report(&DomainName::parse("chœur-de-la-ville.example").unwrap())
            .unwrap();
        let failing = report
            .checks
            .iter()
            .filter(|c| c.status == postier::dns::Status::Fail)
            .count();
        assert!(failing > 0 && failing < report.checks.len());
        tui.keys(&format!("/{fail}"));
        assert_eq!(visible(&tui, ListId::DomainDns), failing, "{lang:?}");
        tui.press(key(KeyCode::Esc));
        tui.press(key(KeyCode::Esc));
        tui.press(key(KeyCode::Esc));
        // Words of the ACTIVE column too.
        tui.keys(":mailboxes");
        tui.press(key(KeyCode::Enter));
        tui.settle().await;
        tui.keys(&format!("/{ok}"));
        assert_eq!(visible(&tui, ListId::AllMailboxes), 6, "paul is off");
    }
}

/// Regression (issue 10, item 8): the TUI's form errors were English in
/// the French TUI. They come from the catalogue.
#[tokio::test]
async fn form_errors_speak_the_users_language() {
    let fixture = Fixture::new().await;
    for lang in [Lang::Fr, Lang::En] {
        let mut tui = fixture.tui("admin", lang, Theme::PLAIN, 80, 24).await;
        let error = |tui: &Tui, i: usize| -> String {
            let Some(Overlay::Form(form)) = &tui.state.overlay else {
                panic!("no form")
            };
            form.fields[i].error.clone().unwrap_or_default()
        };
        tui.keys("aexa mple.org");
        assert_eq!(error(&tui, 0), lang.t(Msg::ErrDomainChars));
        for _ in 0.."exa mple.org".len() {
            tui.press(key(KeyCode::Backspace));
        }
        tui.keys("example");
        assert_eq!(error(&tui, 0), lang.t(Msg::ErrDomainLabels));
        tui.keys(".org");
        assert_eq!(error(&tui, 0), "");
        for _ in 0..4 {
            tui.press(key(KeyCode::Tab));
        }
        tui.press(key(KeyCode::Backspace));
        tui.keys("1Q");
        assert_eq!(error(&tui, 4), lang.t(Msg::ErrSize));
        tui.press(key(KeyCode::Esc));

        // A mailbox: address, quota and a typed password.
        tui.keys("j");
        tui.press(key(KeyCode::Enter));
        tui.settle().await;
        tui.keys("a");
        tui.press(key(KeyCode::Enter));
        assert_eq!(error(&tui, 0), lang.t(Msg::ErrLocalPartEmpty));
        tui.keys("zo(e");
        assert_eq!(error(&tui, 0), lang.t(Msg::ErrLocalPart));
        tui.press(key(KeyCode::Backspace));
        tui.press(key(KeyCode::Backspace));
        tui.keys(".");
        assert_eq!(error(&tui, 0), lang.t(Msg::ErrLocalPartDots));
        for _ in 0..3 {
            tui.press(key(KeyCode::Tab));
        }
        tui.keys(" ");
        tui.press(key(KeyCode::Tab));
        tui.keys("short");
        let least = postier::password::MIN_LENGTH.to_string();
        assert_eq!(error(&tui, 4), lang.fmt(Msg::ErrPasswordShort, &[&least]));
        tui.press(key(KeyCode::Esc));

        // An alias's targets.
        tui.press(key(KeyCode::Tab));
        tui.settle().await;
        tui.keys("ainfo2");
        tui.press(key(KeyCode::Tab));
        tui.keys("nobody");
        let expected = lang.fmt(Msg::ErrTarget, &["nobody", lang.t(Msg::ErrAddressNoAt)]);
        assert_eq!(error(&tui, 1), expected);
        tui.press(key(KeyCode::Esc));
        tui.press(key(KeyCode::Esc));
    }
}

/// Regression (issue 10, item 10): the TUI told the user to pass
/// `--quota SIZE`. A domain with a total quota gives no mailbox an
/// unlimited one; the TUI says what to do in the TUI.
#[tokio::test]
async fn tui_hints_name_no_cli_flags() {
    let fixture = Fixture::new().await;
    for lang in [Lang::En, Lang::Fr] {
        let mut tui = fixture.tui("admin", lang, Theme::PLAIN, 80, 24).await;
        // lesjardiniers.example has a total quota of 10G.
        tui.keys("j");
        tui.press(key(KeyCode::Enter));
        tui.settle().await;
        tui.keys("azoe");
        tui.press(key(KeyCode::Tab));
        tui.press(key(KeyCode::Tab));
        tui.keys("0");
        tui.press(key(KeyCode::Enter));
        tui.settle().await;
        let Some(Overlay::Form(form)) = &tui.state.overlay else {
            panic!("form closed")
        };
        let error = form.error.clone().unwrap();
        assert!(error.contains(lang.t(Msg::HintQuota)), "{error}");
        assert!(!error.contains("--"), "{error}");
        assert!(!tui.screen().contains("--quota"));
        tui.press(key(KeyCode::Esc));
    }
}

/// The audit view shows the selected entry's before and after; never a
/// password or hash, even one an entry would hold.
#[tokio::test]
async fn audit_view_shows_an_entrys_before_and_after_without_secrets() {
    let fixture = Fixture::new().await;
    let marie = Address::parse("marie@lesjardiniers.example").unwrap();
    let patch = MailboxPatch {
        quota: Some(Size::parse("2G").unwrap()),
        ..Default::default()
    };
    outside(&fixture)
        .edit_mailbox(marie, patch, None)
        .await
        .unwrap();
    let mut tui = admin(&fixture).await;
    tui.keys(":audit");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    let screen = tui.screen();
    assert!(
        screen.contains("mailbox.edit marie@lesjardiniers.example by alice"),
        "{screen}"
    );
    assert!(screen.contains("quota: 1G → 2G"), "{screen}");
    assert!(
        !screen.contains("version:"),
        "bookkeeping left out: {screen}"
    );

    let entry = AuditEntry {
        id: 1000,
        at: "2025-01-01T10:00:00Z".into(),
        actor: "mallory".into(),
        action: "mailbox.edit".into(),
        object: "marie@lesjardiniers.example".into(),
        before: Some(serde_json::json!({"name": "A", "password": HASH_IN_ENTRY})),
        after: Some(serde_json::json!({"name": "B", "password_hash": HASH_IN_ENTRY})),
    };
    tui.act(postier::tui::Action::Done(postier::tui::Outcome::Audit(
        Ok(vec![entry]),
    )));
    let screen = tui.screen();
    assert!(screen.contains("name: A → B"), "{screen}");
    assert!(
        !screen.contains("SHA512") && !screen.contains("password"),
        "{screen}"
    );
}

const HASH_IN_ENTRY: &str = "{SHA512-CRYPT}$6$ck7MWXM127cykfX4$SyujfJk4A4QW3cH";

/// `:hooks` (admins) lists each hook with where it stands; the detail pane
/// names the event a hook is stuck at and its attempts; Enter on it offers
/// Retry and Skip (Cancel focused), which go through the hooks service.
#[tokio::test]
async fn hooks_view_shows_a_parked_event_and_retries_or_skips_it() {
    let fixture = Fixture::new().await;
    let hooks = postier::hooks::Hooks::new(&outside(&fixture), &fixture.hooks_config()).unwrap();
    hooks.status(0).await.unwrap();
    let marie = Address::parse("marie@lesjardiniers.example").unwrap();
    outside(&fixture)
        .set_mailbox_active(marie, false)
        .await
        .unwrap();
    let round = hooks.run_once().await.unwrap();
    let event = round.hooks[1].parked.expect("monitoring parks at once");
    assert_eq!(round.hooks[0].delivered, 1, "chat delivered");

    let mut tui = admin(&fixture).await;
    tui.keys(":hooks");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert_eq!(*tui.state.view(), View::Hooks);
    let screen = tui.screen();
    assert!(screen.contains("Hooks (2)"), "{screen}");
    assert!(
        screen.contains("chat") && screen.contains("PARKED"),
        "{screen}"
    );
    // On chat, Enter has nothing to act on.
    tui.press(key(KeyCode::Enter));
    assert!(tui.state.overlay.is_none());
    tui.keys("j");
    let screen = tui.screen();
    assert!(
        screen.contains(&format!("at event #{event} (failed attempts: 1)")),
        "{screen}"
    );
    assert!(screen.contains(&format!("#{event} parked (1)")), "{screen}");

    // Enter: Cancel first; Retry clears the parked mark.
    tui.press(key(KeyCode::Enter));
    let Some(Overlay::Confirm(c)) = &tui.state.overlay else {
        panic!("no dialog")
    };
    assert_eq!((c.focus, c.choices.len()), (0, 3));
    tui.keys("l");
    tui.press(key(KeyCode::Enter));
    assert!(
        matches!(&tui.jobs[..], [Job::RetryHook(h, e)] if h == "monitoring" && *e == event),
        "{:?}",
        tui.jobs
    );
    tui.settle().await;
    assert!(
        tui.state
            .flash
            .as_ref()
            .unwrap()
            .text
            .contains("tried again")
    );
    let status = hooks.status(0).await.unwrap();
    assert!(!status.hooks[1].detail.parked, "retry clears the mark");

    // It fails again; Skip moves the hook past it.
    let round = hooks.run_once().await.unwrap();
    assert_eq!(round.hooks[1].parked, Some(event));
    tui.keys("r");
    tui.settle().await;
    tui.press(key(KeyCode::Enter));
    tui.keys("ll");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert!(tui.state.flash.as_ref().unwrap().text.contains("skipped"));
    let status = hooks.status(0).await.unwrap();
    assert_eq!(
        (status.hooks[1].detail.head, status.hooks[1].pending),
        (None, 0),
        "skipped: the hook is past it"
    );
    assert!(
        tui.screen().contains("nothing held back"),
        "{}",
        tui.screen()
    );

    // Not for a domain admin.
    let mut tui = fixture
        .tui("domain-admin", Lang::En, Theme::PLAIN, 80, 24)
        .await;
    tui.keys(":hooks");
    tui.press(key(KeyCode::Enter));
    assert_eq!(*tui.state.view(), View::Domains);
}
