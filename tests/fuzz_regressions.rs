//! Inputs the fuzz targets (fuzz/, docs/fuzzing.md) failed on, pinned
//! with the outcome they must have: a value that keeps its promises, or a
//! clear error, never a panic.

use postier::model::{Address, DomainName, LocalPart, Selector};

/// `address`: "İ" is 2 octets but lowercases to 3 ("i" and a combining
/// dot above): 32 of them passed the 64-octet limit, then were stored as
/// 96 octets, and the stored address no longer parsed.
#[test]
fn local_part_limits_hold_for_the_lowercase_form() {
    let long = format!("{}@example.org", "\u{130}".repeat(32));
    let err = Address::parse(&long).unwrap_err();
    assert!(
        err.why
            .contains("96 octets long in lower case; the limit is 64"),
        "{err}"
    );
    // Its lowercase holds a combining mark, which no local part may hold.
    let err = LocalPart::parse("\u{130}").unwrap_err();
    assert!(err.why.contains("\\u{307}"), "{err}");
    assert!(
        err.what.contains('\u{130}'),
        "the error quotes the input: {err}"
    );
    // Letters whose lowercase is a letter are still fine, and what is
    // stored parses back to itself.
    let a = Address::parse("\u{1e9e}TRASSE@example.org").unwrap();
    assert_eq!(a.local().as_str(), "\u{df}trasse");
    assert_eq!(Address::parse(&a.to_string()).unwrap(), a);
}

/// `address`: the successor of `s18446744073709551615` overflowed (a
/// panic in debug builds, `s0` in release ones), and a 63-octet label got
/// `-2` appended, a label DNS cannot hold.
#[test]
fn a_selector_successor_does_not_overflow_and_is_a_selector() {
    let next = Selector::parse("s18446744073709551615").unwrap().next();
    assert_eq!(next.unwrap().as_str(), "s18446744073709551615-2");
    let a = "a".repeat(63);
    let full = format!("{a}.{a}.{a}.{}", "b".repeat(8));
    for s in [&a, &full] {
        let err = Selector::parse(s).unwrap().next().unwrap_err();
        assert!(err.why.contains("no successor"), "{s}: {err}");
        assert!(err.hint.as_deref().unwrap_or("").contains("--selector"));
    }
    let next = Selector::parse("s18446744073709551614").unwrap().next();
    assert_eq!(next.unwrap().as_str(), "s18446744073709551615");
    assert_eq!(
        Selector::parse(&"c".repeat(61))
            .unwrap()
            .next()
            .unwrap()
            .as_str(),
        format!("{}-2", "c".repeat(61))
    );
}

/// `hook_event`: a removal event whose maildir was spelled with `.` and
/// empty components (`exa.org/…/./…//…`) was taken as a path inside the
/// mail root but kept its spelling, so it could never match the
/// catalogue's `domain/local`: such a maildir is now refused.
#[test]
fn a_maildir_spelled_with_dot_or_empty_components_is_refused() {
    use postier::backup::aside::relative_maildir;
    let crafted = "exa.org/pleam/ple.org//pleample.org/pa.org/////./////.org/p";
    let err = relative_maildir(crafted).unwrap_err();
    assert!(err.why.contains("not a path inside the mail root"), "{err}");
    assert!(relative_maildir("exa.org/./alice").is_err());
    assert_eq!(relative_maildir("exa.org/alice/").unwrap(), "exa.org/alice");
}

/// `address`: "xn--xn--\u{212a}r-de-la-ville-t6c.example" (a Kelvin sign
/// for the K) maps to the A-label `xn--xn--kr-de-la-ville-t6c`, whose
/// U-label `xn--kr-de-la-villļe` is no valid name: the domain was
/// accepted, then shown as text that did not parse. Refused now; names
/// that do round trip are still taken.
#[test]
fn a_domain_whose_unicode_form_does_not_parse_is_refused() {
    let err = DomainName::parse("xn--xn--\u{212a}r-de-la-ville-t6c.example").unwrap_err();
    assert_eq!(err.why, "is not a valid (internationalized) domain name");
    assert!(DomainName::parse("xn--xn--kr-de-la-ville-t6c.example").is_err());
    for name in [
        "bücher.example",
        "xn--bcher-kva.example",
        "\u{212a}ino.example",
    ] {
        let d = DomainName::parse(name).unwrap();
        assert_eq!(DomainName::parse(&d.to_unicode()).unwrap(), d, "{name}");
        assert_eq!(DomainName::parse(&d.to_string()).unwrap(), d, "{name}");
    }
    assert_eq!(
        DomainName::parse("\u{212a}ino.example")
            .unwrap()
            .to_string(),
        "kino.example"
    );
}

/// Found by `yaml_readers_agree`: a plain file with a long run of comments
/// was read by the quick reader while the full reader refused it ("too
/// many buffered comments while looking ahead"). Neither holds comments
/// now: a commented-out block of any length is read, the same by both.
#[test]
fn both_yaml_readers_read_long_comment_runs_alike() {
    let commented_out = "# - name: old.example\n#   quota: 1G\n".repeat(100);
    for text in [
        format!("domains:{}\n- g0ets: [a0l]\n", "\t\t\r\t#\t\r".repeat(60)),
        format!("domains:\n{commented_out}- name: new.example\n"),
        format!("domains:\n- name: a.example\n{commented_out}  quota: 0\n"),
    ] {
        let (full, errors) = postier::import::format::read_yaml_fully("f.yaml", &text);
        assert!(errors.is_empty(), "the full reader reads it: {errors:?}");
        let quick = postier::import::plain_yaml::read("f.yaml", &text).expect("read the quick way");
        assert_eq!(format!("{quick:?}"), format!("{full:?}"));
        assert_eq!(full.len(), 1);
    }
}
