//! DMARC records (RFC 7489 and DMARCbis tags) and the `tag=value` lists
//! they are written in. A tag list that parses, written back, parses to
//! the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::dns::dmarc::{self, DmarcRecord};
use postier::dns::tags::TagList;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = dmarc::is_dmarc(text);
    if let Ok(tags) = TagList::parse(text) {
        let shown: Vec<String> = tags.tags.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let shown = shown.join("; ");
        assert_eq!(TagList::parse(&shown).as_ref(), Ok(&tags), "{shown:?}");
    }
    if let Ok(record) = DmarcRecord::parse(text) {
        assert!(record.pct <= 100);
        assert!(record.policy.is_some() || !record.rua.is_empty());
        let _ = (record.policy_for(true), record.policy_for(false));
        for uri in record.rua.iter().chain(&record.ruf) {
            if let Some(domain) = dmarc::report_domain(uri) {
                let _ = dmarc::organizational_domain(&domain);
            }
        }
    }
    let _ = dmarc::report_domain(text);
});
