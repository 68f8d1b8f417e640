//! Property tests for the validated values: what parses displays and
//! re-parses to the same value, and what is invalid never parses.

use postier::model::{Address, AliasAddress, DomainName, LocalPart, Size};
use proptest::prelude::*;

/// An LDH label. "--" in third and fourth place is reserved (`xn--` is
/// punycode, and a random `xn--0` is not valid punycode), so no label here
/// holds two hyphens in a row.
fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
        .prop_filter("no reserved double hyphen", |l| !l.contains("--"))
}

fn domain() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..4), "[a-z]{2,6}")
        .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
}

fn local() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_+=-]{1,10}(\\.[a-zA-Z0-9_+=-]{1,10}){0,2}"
}

proptest! {
    #[test]
    fn domain_round_trips(d in domain()) {
        let parsed = DomainName::parse(&d).unwrap();
        prop_assert_eq!(parsed.as_ascii(), d.as_str());
        prop_assert_eq!(DomainName::parse(&parsed.to_string()).unwrap(), parsed.clone());
        prop_assert_eq!(DomainName::parse(&d.to_uppercase()).unwrap(), parsed);
    }

    #[test]
    fn unicode_domains_round_trip_through_a_labels(u in "[a-zäöüéèçœ]{1,12}", tld in "[a-z]{2,4}") {
        let d = format!("{u}.{tld}");
        let parsed = DomainName::parse(&d).unwrap();
        prop_assert!(parsed.as_ascii().is_ascii());
        prop_assert_eq!(parsed.to_unicode(), d);
        prop_assert_eq!(DomainName::parse(parsed.as_ascii()).unwrap(), parsed);
    }

    #[test]
    fn address_round_trips_lowercased(l in local(), d in domain()) {
        let a = Address::parse(&format!("{l}@{d}")).unwrap();
        prop_assert_eq!(a.local().as_str(), l.to_lowercase());
        prop_assert_eq!(Address::parse(&a.to_string()).unwrap(), a.clone());
        prop_assert_eq!(AliasAddress::parse(&a.to_string()).unwrap(), AliasAddress::Address(a));
    }

    #[test]
    fn local_parts_with_forbidden_characters_are_rejected(
        l in local(), bad in prop::sample::select(vec![' ', '/', '"', ',', '@', '\n', '\u{0}', '(', '<', ';'])
    ) {
        let s = format!("{l}{bad}x");
        prop_assert!(LocalPart::parse(&s).is_err());
    }

    #[test]
    fn labels_over_63_octets_are_rejected(n in 64usize..100) {
        let long = format!("{}.org", "a".repeat(n));
        prop_assert!(DomainName::parse(&long).is_err());
    }

    #[test]
    fn sizes_round_trip(n in 0u64..1_000_000, unit in prop::sample::select(vec!["", "K", "M", "G", "KiB", "MiB", "GiB", "MB"])) {
        let s = Size::parse(&format!("{n}{unit}")).unwrap();
        prop_assert_eq!(Size::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}") {
        let _ = DomainName::parse(&s);
        let _ = Address::parse(&s);
        let _ = AliasAddress::parse(&s);
        let _ = Size::parse(&s);
    }
}
