//! Modoboa's `modo import` CSV (`--from modoboa-csv:FILE`), read and
//! validated as `postier import` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("common/import.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (rows, errors) = postier::import::peers::read_modoboa("fuzz.csv", text);
    validate(rows, errors);
});
