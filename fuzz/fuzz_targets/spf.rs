//! SPF records (RFC 7208), as the DNS check reads them from TXT records.
//! A record that parses, written back term by term, parses to the same
//! record (the CIDR lengths of a/mx are not kept, so not compared).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::dns::spf::record::{self, Mechanism};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = record::is_spf(text);
    let _ = record::check_explanation(text);
    let Ok(parsed) = record::parse(text) else {
        return;
    };
    let _ = (parsed.all(), parsed.uses_ptr());
    let mut shown = String::from("v=spf1");
    for d in &parsed.directives {
        let _ = d.mechanism.costs_lookup();
        if let Mechanism::Ip4(_, len) = d.mechanism {
            assert!(len <= 32);
        }
        if let Mechanism::Ip6(_, len) = d.mechanism {
            assert!(len <= 128);
        }
        shown.push(' ');
        shown.push_str(&d.to_string());
    }
    if let Some(r) = &parsed.redirect {
        shown.push_str(&format!(" redirect={}", r.0));
    }
    if let Some(e) = &parsed.exp {
        shown.push_str(&format!(" exp={}", e.0));
    }
    assert_eq!(
        record::parse(&shown),
        Ok(parsed),
        "{text:?} shown as {shown:?}"
    );
});
