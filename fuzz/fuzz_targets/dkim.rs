//! DKIM key records (RFC 6376 §3.6.1, RFC 8463), including the size of
//! the RSA key a `p=` tag publishes (base64, then DER).
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use postier::dns::dkim_record::DkimRecord;

fuzz_target!(|data: &[u8]| {
    // Any bytes as a published key: the DER readers behind rsa_bits.
    let key = DkimRecord {
        key_type: "rsa".into(),
        public_key: base64::engine::general_purpose::STANDARD.encode(data),
        testing: false,
    };
    if let Some(bits) = key.rsa_bits() {
        assert!(bits <= data.len() * 8, "{bits}");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(record) = DkimRecord::parse(text) {
        assert!(!record.public_key.contains(char::is_whitespace));
        let _ = record.rsa_bits();
    }
    // A name's TXT records, split as a resolver hands them.
    let txts: Vec<String> = text.split('\n').map(str::to_string).collect();
    if let Some(Ok(record)) = DkimRecord::find(&txts) {
        let _ = record.rsa_bits();
    }
});
