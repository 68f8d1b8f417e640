//! postier's own import file, YAML form (`domains`, `alias_domains`,
//! `mailboxes`, `aliases` sections), read and validated as `postier
//! import` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("common/import.rs");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (rows, errors) = postier::import::format::read_yaml("fuzz.yaml", text);
    validate(rows, errors);
});
