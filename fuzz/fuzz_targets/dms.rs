//! docker-mailserver's config files (`--from dms:DIR`), read and validated
//! as `postier import` does. The input is the three files' texts joined by
//! NUL bytes: `postfix-accounts.cf`, `dovecot-quotas.cf`,
//! `postfix-virtual.cf` (a missing part is a missing file).
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::import::peers::{DmsFile, read_dms_files};

include!("common/import.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let file = |name: &str, text: &str| DmsFile {
        name: name.to_string(),
        text: text.to_string(),
    };
    let accounts = file("postfix-accounts.cf", parts.next().unwrap_or_default());
    let quotas = parts.next().map(|t| file("dovecot-quotas.cf", t));
    let virtual_ = parts.next().map(|t| file("postfix-virtual.cf", t));
    let (rows, errors) = read_dms_files(&accounts, quotas.as_ref(), virtual_.as_ref());
    validate(rows, errors);
});
