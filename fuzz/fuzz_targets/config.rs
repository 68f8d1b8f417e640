//! The config file (TOML), parsed and checked as `--config` reads it:
//! `[[hooks]]`, `[monitor]`, `[backup]` and the rest. What a config that
//! loads holds is usable: event patterns written back parse to the same
//! patterns, retry delays and the DNS deadline are computed without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postier::config::{Config, EventPattern};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = match Config::parse(text, "config fuzz.toml") {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for hook in &config.hooks {
        for pattern in &hook.events {
            let shown = pattern.to_string();
            assert_eq!(
                EventPattern::parse(&shown).as_ref(),
                Ok(pattern),
                "{shown:?}"
            );
        }
        for attempt in [0, 1, 2, 30, u32::MAX] {
            for unit in [0.0, 0.5, 0.999] {
                let _ = hook.retry_delay(attempt, unit);
            }
        }
        let _ = hook.wants("mailbox.add", Some("example.org"));
        let _ = format!("{hook:?}");
    }
    let _ = config.monitor.dns_deadline();
    let _ = postier::ops::dns::resolver_options(&config.dns, &[], None);
    let _ = config.uses_default_directory(None);
    if let Some(url) = &config.directory.url {
        let _ = postier::config::redact_url(url);
    }
    let _ = config.stack.lookup_directory(config.directory.clone());
    let _ = format!("{:?} {:?}", config.directory, config.stack);
});
