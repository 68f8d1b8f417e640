//! The TUI's DNS column, DNS tab and DKIM tab against a real Knot DNS
//! serving the demo domains' zones (see `tui_support`): every domain gets
//! its status, `c` re-checks afresh and sees a zone as it is now, an
//! answer overtaken by a newer check is dropped, the DKIM tab tells a
//! published key from one that is not, an admin makes and rotates a key
//! from it, and a contact checks their domains with no directory at all.

mod tui_support;

use postier::dns::Status;
use postier::error::ErrorKind;
use postier::i18n::Lang;
use postier::model::DomainName;
use postier::model::KeyState;
use postier::ops::dns::Published;
use postier::tui::state::{ListId, Overlay, State, Tab, View};
use postier::tui::{Action, Outcome, Theme};
use ratatui::crossterm::event::KeyCode;
use tui_support::{Fixture, Tui, fixtures, key};

fn d(name: &str) -> DomainName {
    DomainName::parse(name).unwrap()
}

fn status(state: &State, domain: &str) -> Option<Status> {
    state.dns_report(&d(domain)).map(|r| r.status)
}

fn check(state: &State, domain: &str, id: &str) -> Status {
    state
        .dns_report(&d(domain))
        .unwrap()
        .check(id)
        .unwrap()
        .status
}

/// Opens `domain` (found with the filter) on its `tabs`-th tab.
async fn open(tui: &mut Tui, domain: &str, tabs: usize) {
    tui.keys(&format!("/{domain}"));
    tui.press(key(KeyCode::Enter));
    tui.press(key(KeyCode::Enter));
    for _ in 0..tabs {
        tui.press(key(KeyCode::Tab));
    }
    tui.settle().await;
}

#[tokio::test]
async fn every_domain_gets_its_dns_status() {
    let fixture = Fixture::new().await;
    let tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 80, 24).await;
    let expected = [
        ("lesjardiniers.example", Status::Ok),
        ("radio-libre.example", Status::Warn),
        ("chœur-de-la-ville.example", Status::Fail),
        ("atelier-velo.example", Status::Unknown),
    ];
    for (domain, want) in expected {
        assert_eq!(status(&tui.state, domain), Some(want), "{domain}");
    }
    assert_eq!(tui.state.jobs, 0, "every check reported back");
    // Alias domains are checked too: radiolibre.example lacks DMARC.
    assert_eq!(status(&tui.state, "radiolibre.example"), Some(Status::Fail));
    assert_eq!(
        check(&tui.state, "radiolibre.example", "dmarc.present"),
        Status::Fail
    );
    assert_eq!(
        check(&tui.state, "radiolibre.example", "mx.ours"),
        Status::Ok
    );
    // The column shows the words, not colour alone.
    let screen = tui.screen();
    for word in ["ok", "warn", "FAIL", "unknown"] {
        assert!(screen.contains(word), "{word} in\n{screen}");
    }
}

#[tokio::test]
async fn recheck_sees_the_zone_as_it_is_now() {
    let fixture = Fixture::new().await;
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 80, 24).await;
    open(&mut tui, "lesjardiniers", 3).await;
    assert!(matches!(
        tui.state.view(),
        View::Domain { tab: Tab::Dns, .. }
    ));
    assert_eq!(
        status(&tui.state, "lesjardiniers.example"),
        Some(Status::Ok)
    );
    assert!(tui.screen().contains("mx.present"));

    // The collective's MX records go missing.
    let zone = std::fs::read_to_string(fixtures().join("tui/dns/lesjardiniers.example.zone"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("@ MX"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(" 1 3600 600", " 2 3600 600");
    fixture.knot.replace_zone("lesjardiniers.example", &zone, 2);

    tui.keys("c");
    assert!(
        tui.state.data.dns[&d("lesjardiniers.example")]
            .report
            .loading,
        "checking"
    );
    assert!(
        tui.screen()
            .contains("Re-checking the DNS of lesjardiniers.example")
    );
    tui.settle().await;
    assert_eq!(
        check(&tui.state, "lesjardiniers.example", "mx.present"),
        Status::Fail
    );
    assert_eq!(
        status(&tui.state, "lesjardiniers.example"),
        Some(Status::Fail)
    );
    assert!(tui.screen().contains("has no MX record"));

    // The domain list shows the new status too.
    tui.press(key(KeyCode::Esc));
    tui.press(key(KeyCode::Esc));
    assert!(matches!(tui.state.view(), View::Domains));
    let row = tui
        .screen()
        .lines()
        .find(|l| l.contains("lesjardiniers.example"))
        .unwrap()
        .to_string();
    assert!(row.contains(" FAIL "), "{row}");
}

#[tokio::test]
async fn an_answer_overtaken_by_a_newer_check_is_dropped() {
    let fixture = Fixture::new().await;
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 80, 24).await;
    let domain = d("lesjardiniers.example");
    let old = tui.state.data.dns[&domain].clone();
    assert_eq!(old.report.value.as_ref().unwrap().status, Status::Ok);
    // `r` starts a new round; the old round's answer arrives late.
    tui.keys("r");
    let round = tui.state.data.dns[&domain].round;
    assert!(round > old.round);
    let stale = postier::dns::DomainReport::new(domain.clone(), Vec::new(), Lang::En);
    tui.act(Action::Done(Outcome::Dns(
        domain.clone(),
        old.round,
        Ok(stale),
    )));
    assert!(
        tui.state.dns_report(&domain).is_none(),
        "the stale answer is not shown"
    );
    tui.settle().await;
    assert_eq!(
        status(&tui.state, "lesjardiniers.example"),
        Some(Status::Ok)
    );
    assert_eq!(
        tui.state.dns_report(&domain).unwrap().checks.len(),
        22,
        "the new round's report"
    );
}

#[tokio::test]
async fn dkim_tab_tells_a_published_key_from_one_that_is_not() {
    let fixture = Fixture::new().await;
    let mut tui = fixture.tui("admin", Lang::En, Theme::PLAIN, 120, 40).await;
    open(&mut tui, "radio-libre", 4).await;
    assert!(matches!(
        tui.state.view(),
        View::Domain { tab: Tab::Dkim, .. }
    ));
    let keys = tui.state.data.domain_dkim.value.clone().unwrap();
    let seen: Vec<(String, Published)> = keys
        .iter()
        .map(|k| (k.key.selector.to_string(), k.published))
        .collect();
    assert_eq!(
        seen,
        [("s1".into(), Published::Yes), ("s2".into(), Published::No)]
    );
    // The selected key's record, ready to publish.
    tui.keys("j");
    let screen = tui.screen();
    assert!(
        screen.contains("s2._domainkey.radio-libre.example. 3600 IN TXT \"v=DKIM1; k=rsa;"),
        "{screen}"
    );
    assert!(
        screen.contains("s2 · rsa · pending · published: NO"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_contact_checks_their_domains_without_a_directory() {
    let fixture = Fixture::new().await;
    let services = fixture.services("contact", Lang::En);
    assert!(services.ops.is_none());
    // The checker enforces the role as ops does.
    let err = services
        .dns
        .check(&d("lesjardiniers.example"), 0, Lang::En)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    let mut tui = Tui::new(services, Lang::En, Theme::PLAIN, 80, 24).await;
    assert_eq!(
        status(&tui.state, "radio-libre.example"),
        Some(Status::Warn)
    );
    assert_eq!(
        status(&tui.state, "atelier-velo.example"),
        Some(Status::Unknown)
    );
    assert_eq!(tui.state.data.dns.len(), 2, "their domains only");
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    assert_eq!(tui.state.list_id(), Some(ListId::DomainDns));
    assert!(tui.state.overlay.is_none(), "no directory error");
    let screen = tui.screen();
    assert!(screen.contains("radio-libre.example › DNS"), "{screen}");
    assert!(screen.contains("DNS checks (22) warn"), "{screen}");
    // The warning, found with the filter, and its fix below.
    tui.keys("/warn");
    tui.press(key(KeyCode::Enter));
    let screen = tui.screen();
    assert!(screen.contains("spf.all"), "{screen}");
    assert!(screen.contains("Fix:"), "{screen}");
}

/// The open domain's keys: (selector, state, published).
fn keys(tui: &Tui) -> Vec<(String, KeyState, Published)> {
    let keys = tui
        .state
        .data
        .domain_dkim
        .value
        .as_deref()
        .unwrap_or_default();
    keys.iter()
        .map(|k| (k.key.selector.to_string(), k.key.state, k.published))
        .collect()
}

#[tokio::test]
async fn an_admin_makes_and_rotates_a_key_from_the_dkim_tab() {
    let fixture = Fixture::new().await;
    let store = tempfile::tempdir().unwrap();
    let services = fixture.services_with_keys("admin", Lang::En, store.path());
    let mut tui = Tui::new(services, Lang::En, Theme::PLAIN, 120, 40).await;
    open(&mut tui, "lesjardiniers", 4).await;
    assert!(keys(&tui).is_empty());
    assert!(tui.screen().contains("has no DKIM key yet"));
    let dkim = |tui: &Tui| check(&tui.state, "lesjardiniers.example", "dkim.matches_key");
    assert_eq!(dkim(&tui), Status::Skip, "no key, nothing to check");

    tui.keys("a");
    tui.settle().await;
    // The domain's DNS is checked again: s1 publishes another key.
    assert_eq!(dkim(&tui), Status::Fail);
    // A new key, pending until the zone publishes it: it does not sign
    // (a key nobody can look up would fail every message's DKIM).
    assert_eq!(
        keys(&tui),
        [("s1".into(), KeyState::Pending, Published::No)]
    );
    assert!(
        tui.screen()
            .contains("DKIM key s1 (lesjardiniers.example) made")
    );
    let file = store.path().join("lesjardiniers.example/s1.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A second `a` makes no second key beside the first.
    tui.keys("a");
    assert!(tui.jobs.is_empty());

    // R before the zone publishes it: refused, naming the record.
    tui.keys("R");
    tui.settle().await;
    let Some(Overlay::Error(e)) = &tui.state.overlay else {
        panic!("signing before the record is published is refused")
    };
    assert!(
        e.to_string()
            .contains("s1._domainkey.lesjardiniers.example"),
        "{e}"
    );
    assert_eq!(keys(&tui)[0].1, KeyState::Pending, "s1 does not sign yet");
    tui.press(key(KeyCode::Esc));

    // The collective publishes s1; R makes it sign.
    // The zone without its old s1 record (another key's).
    let base: String =
        std::fs::read_to_string(fixtures().join("tui/dns/lesjardiniers.example.zone"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("s1._domainkey"))
            .map(|l| format!("{l}\n"))
            .collect();
    let record = |tui: &Tui, n: usize| {
        tui.state.data.domain_dkim.value.as_ref().unwrap()[n]
            .record
            .to_string()
    };
    let s1 = record(&tui, 0);
    let zone = base.replace(" 1 3600 600", " 2 3600 600") + &s1 + "\n";
    fixture.knot.replace_zone("lesjardiniers.example", &zone, 2);
    tui.keys("R");
    tui.settle().await;
    assert!(tui.state.overlay.is_none(), "{:?}", tui.state.overlay);
    assert_eq!(
        keys(&tui),
        [("s1".into(), KeyState::Active, Published::Yes)]
    );

    // R: the next key, pending until DNS publishes it; then it takes over
    // and s1 retires.
    tui.keys("R");
    tui.settle().await;
    assert_eq!(
        keys(&tui)[1],
        ("s2".into(), KeyState::Pending, Published::No)
    );
    assert!(tui.screen().contains("made, pending: publish its record"));
    let s2 = record(&tui, 1);
    let zone = base.replace(" 1 3600 600", " 3 3600 600") + &s1 + "\n" + &s2 + "\n";
    fixture.knot.replace_zone("lesjardiniers.example", &zone, 3);
    tui.keys("R");
    tui.settle().await;
    assert!(tui.state.overlay.is_none(), "{:?}", tui.state.overlay);
    assert!(
        tui.screen()
            .contains("DKIM key s2 (lesjardiniers.example) now signs")
    );
    assert_eq!(
        keys(&tui),
        [
            ("s1".into(), KeyState::Retiring, Published::Yes),
            ("s2".into(), KeyState::Active, Published::Yes),
        ]
    );
}

#[tokio::test]
async fn only_admins_change_dkim_keys() {
    let fixture = Fixture::new().await;
    let store = tempfile::tempdir().unwrap();
    let services = fixture.services_with_keys("domain-admin", Lang::En, store.path());
    let mut tui = Tui::new(services.clone(), Lang::En, Theme::PLAIN, 80, 24).await;
    tui.press(key(KeyCode::Enter));
    for _ in 0..4 {
        tui.press(key(KeyCode::Tab));
    }
    tui.settle().await;
    assert_eq!(tui.state.list_id(), Some(ListId::DomainDkim));
    tui.keys("aR");
    assert!(tui.jobs.is_empty(), "not offered to a domain admin");
    // And refused by ops if asked anyway.
    let outcome = postier::tui::run_job(
        &services,
        postier::tui::Job::GenerateDkim(d("lesjardiniers.example")),
    )
    .await;
    let Outcome::Failed(e) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(
        std::fs::read_dir(store.path()).unwrap().next().is_none(),
        "no key written"
    );
}

/// Under an SPF check, the detail pane shows how receivers evaluate the
/// record for the service's address, term by term (the include that
/// matched here), in the user's language.
#[tokio::test]
async fn spf_checks_show_the_evaluation_tree() {
    let fixture = Fixture::new().await;
    let services = fixture.services("contact", Lang::Fr);
    let mut tui = Tui::new(services, Lang::Fr, Theme::PLAIN, 100, 40).await;
    tui.press(key(KeyCode::Enter));
    tui.settle().await;
    tui.keys("/spf.all");
    tui.press(key(KeyCode::Enter));
    let screen = tui.screen();
    assert!(
        screen.contains("Comment les destinataires l'évaluent pour l'adresse du service :"),
        "{screen}"
    );
    assert!(screen.contains("  include:_spf.service.test"), "{screen}");
    assert!(screen.contains("requête 1/10"), "{screen}");
    // Not under the other checks.
    tui.press(key(KeyCode::Esc));
    tui.keys("/dmarc.present");
    tui.press(key(KeyCode::Enter));
    assert!(!tui.screen().contains("Comment les destinataires"));
}
