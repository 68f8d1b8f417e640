//! Sizes (quotas): `500M`, `2G`, `1GiB`, bytes. A size that parses shows
//! as text that parses back to the same size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::model::Size;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(size) = Size::parse(text) {
        let shown = size.to_string();
        assert_eq!(Size::parse(&shown), Ok(size), "{shown:?}");
        if !size.is_unlimited() {
            assert_eq!(Size::parse(&size.human()), Ok(size));
        }
        assert_eq!(Size::from_stored(size.as_i64()), size);
        let _ = size.approx();
    }
});
