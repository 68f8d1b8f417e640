//! Addresses, local parts, catch-alls and domain names (IDN), as every
//! edge reads them (CLI, forms, import rows, database rows). A value that
//! parses shows as text that parses back to the same value, in its
//! A-label form and in its U-label form alike; a DKIM selector's
//! successor, when it has one, is a selector.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::model::{Address, AliasAddress, DomainName, LocalPart, Selector, unicode_names};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = DomainName::parse(text) {
        let shown = d.to_string();
        assert_eq!(DomainName::parse(&shown).as_ref(), Ok(&d), "{shown:?}");
        assert!(shown.len() <= 253 && shown.is_ascii(), "{shown:?}");
        let unicode = d.to_unicode();
        assert_eq!(DomainName::parse(&unicode).as_ref(), Ok(&d), "{unicode:?}");
        let _ = d.is_idn();
    }
    if let Ok(l) = LocalPart::parse(text) {
        assert_eq!(LocalPart::parse(l.as_str()).as_ref(), Ok(&l));
    }
    if let Ok(a) = Address::parse(text) {
        let shown = a.to_string();
        assert_eq!(Address::parse(&shown).as_ref(), Ok(&a), "{shown:?}");
        assert!(shown.len() <= 254, "{shown:?}");
        let unicode = a.to_unicode();
        assert_eq!(Address::parse(&unicode).as_ref(), Ok(&a), "{unicode:?}");
    }
    if let Ok(a) = AliasAddress::parse(text) {
        let shown = a.to_string();
        assert_eq!(AliasAddress::parse(&shown).as_ref(), Ok(&a), "{shown:?}");
    }
    if let Ok(s) = Selector::parse(text) {
        assert_eq!(Selector::parse(s.as_str()).as_ref(), Ok(&s));
        if let Ok(next) = s.next() {
            assert_ne!(next, s);
            assert_eq!(Selector::parse(next.as_str()).as_ref(), Ok(&next));
        }
    }
    let _ = unicode_names(text);
    let _ = postier::dns::dmarc::organizational_domain(text);
});
