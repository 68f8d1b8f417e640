//! The quick reader of plain YAML files and the full one: whenever the
//! quick one reads a file, it reads exactly the rows the full one does,
//! and the full one finds nothing wrong with it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(quick) = postier::import::plain_yaml::read("fuzz.yaml", text) {
        let (full, errors) = postier::import::format::read_yaml_fully("fuzz.yaml", text);
        assert!(errors.is_empty(), "the quick reader read a file with errors");
        assert_eq!(format!("{quick:?}"), format!("{full:?}"));
    }
});
