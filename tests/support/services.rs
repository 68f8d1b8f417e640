//! The rule for tests that need a real service (a database server, slapd,
//! Postfix, …): under CI (`CI=true`) a missing service is a test failure;
//! locally the test prints a loud warning and returns early, so a developer
//! without the service still gets a useful run.

/// True when running under CI, where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Hands back `found` when the service is there. When it is `None`, panics
/// under CI, and otherwise warns loudly and returns `None` for the test to
/// return early:
///
/// ```ignore
/// let Some(url) = require_service("PostgreSQL", std::env::var("POSTIER_TEST_PG_URL").ok(),
///     "run the tests through tests/services/with-services.sh") else { return };
/// ```
pub fn require_service<T>(name: &str, found: Option<T>, how_to_get_it: &str) -> Option<T> {
    if found.is_some() {
        return found;
    }
    if under_ci() {
        panic!("{name} is required under CI but is not available: {how_to_get_it}");
    }
    eprintln!();
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!! SKIPPED: {name} is not available, so this test proves nothing.");
    eprintln!("!! {how_to_get_it}");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!();
    None
}
