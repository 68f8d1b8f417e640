//! Password hashes are Dovecot's own: every scheme postier writes verifies
//! with the real `doveadm pw -t`, and hashes made by `doveadm pw` verify in
//! postier.

use postier::model::PasswordHash;
use postier::password::{Password, Scheme, hash, verify};
use std::process::Command;

/// `doveadm`, or None locally (loudly) when Dovecot is not installed.
/// Under CI a missing Dovecot is a failure.
fn doveadm() -> Option<&'static str> {
    if Command::new("doveadm").arg("help").output().is_ok() {
        return Some("doveadm");
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("doveadm is missing under CI: run tests/services/install.sh");
    }
    eprintln!(
        "\n!!! SKIPPED: doveadm (dovecot-core) is not installed; run tests/services/install.sh !!!\n"
    );
    None
}

const SCHEMES: [Scheme; 3] = [Scheme::Sha512Crypt, Scheme::BlfCrypt, Scheme::Argon2id];

#[test]
fn dovecot_verifies_postier_hashes() {
    let Some(doveadm) = doveadm() else { return };
    let password = Password::new("Ünïcode and spaces 42".into()).unwrap();
    for scheme in SCHEMES {
        let h = hash(&password, scheme).unwrap();
        let ok = Command::new(doveadm)
            .args(["pw", "-t", h.as_str(), "-p", password.expose()])
            .output()
            .unwrap();
        assert!(
            ok.status.success(),
            "{scheme:?}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(String::from_utf8_lossy(&ok.stdout).contains("verified"));
        let wrong = Command::new(doveadm)
            .args(["pw", "-t", h.as_str(), "-p", "wrong password"])
            .output()
            .unwrap();
        assert!(
            !wrong.status.success(),
            "{scheme:?} must reject a wrong password"
        );
    }
}

#[test]
fn postier_verifies_dovecot_hashes() {
    let Some(doveadm) = doveadm() else { return };
    let password = Password::new("made by dovecot 123".into()).unwrap();
    let wrong = Password::new("not the password".into()).unwrap();
    for scheme in SCHEMES {
        let out = Command::new(doveadm)
            .args(["pw", "-s", scheme.name(), "-p", password.expose()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{scheme:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let h = PasswordHash::parse(text.trim()).unwrap();
        assert_eq!(h.scheme(), scheme.name());
        assert!(verify(&password, &h).unwrap(), "{scheme:?}: {}", h.as_str());
        assert!(!verify(&wrong, &h).unwrap(), "{scheme:?}");
    }
}

/// Every scheme postier accepts on import, each made by `doveadm pw -s`,
/// with whether `mailbox show` must call it weak. `MD5` is Dovecot's name
/// for MD5-CRYPT and is stored under that name.
const IMPORTED: [(&str, &str, bool); 18] = [
    ("SHA512-CRYPT", "SHA512-CRYPT", false),
    ("SHA256-CRYPT", "SHA256-CRYPT", false),
    ("BLF-CRYPT", "BLF-CRYPT", false),
    ("ARGON2ID", "ARGON2ID", false),
    ("ARGON2I", "ARGON2I", false),
    ("MD5-CRYPT", "MD5-CRYPT", true),
    ("MD5", "MD5-CRYPT", true),
    ("CRYPT", "CRYPT", true),
    ("SSHA512", "SSHA512", true),
    ("SSHA256", "SSHA256", true),
    ("SSHA", "SSHA", true),
    ("SHA512", "SHA512", true),
    ("SHA256", "SHA256", true),
    ("SHA", "SHA", true),
    ("SHA1", "SHA1", true),
    ("SMD5", "SMD5", true),
    ("PLAIN-MD5", "PLAIN-MD5", true),
    ("LDAP-MD5", "LDAP-MD5", true),
];

fn doveadm_verifies(doveadm: &str, stored: &str, password: &str) -> bool {
    Command::new(doveadm)
        .args(["pw", "-t", stored, "-p", password])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn every_scheme_accepted_on_import_is_one_dovecot_verifies() {
    let Some(doveadm) = doveadm() else { return };
    let password = "legacy system pw 42";
    for (made_as, stored_as, weak) in IMPORTED {
        let out = Command::new(doveadm)
            .args(["pw", "-s", made_as, "-p", password])
            .output()
            .unwrap();
        assert!(out.status.success(), "doveadm pw -s {made_as}");
        let made = String::from_utf8(out.stdout).unwrap();
        let h = PasswordHash::parse(made.trim())
            .unwrap_or_else(|e| panic!("{made_as}: {} refused: {e}", made.trim()));
        assert_eq!(h.scheme(), stored_as, "{made_as}");
        assert_eq!(h.is_weak(), weak, "{made_as} weak?");
        // What postier stores is what Dovecot checks the member against.
        assert!(
            doveadm_verifies(doveadm, h.as_str(), password),
            "{made_as}: Dovecot does not verify the stored {}",
            h.as_str()
        );
        assert!(
            !doveadm_verifies(doveadm, h.as_str(), "another password"),
            "{made_as}: Dovecot verifies a wrong password"
        );
    }
    // KNOWN_SCHEMES is exactly what this test covers.
    let mut covered: Vec<&str> = IMPORTED.iter().map(|(m, _, _)| *m).collect();
    covered.sort_unstable();
    covered.dedup();
    let mut known = postier::model::KNOWN_SCHEMES.to_vec();
    known.sort_unstable();
    assert_eq!(covered, known);
}

#[test]
fn legacy_digests_of_the_wrong_shape_are_refused() {
    for (bad, why) in [
        ("{SHA512}c2hvcnQ=", "64-byte digest"),
        ("{SSHA}c2hvcnQ=", "20-byte digest then a salt"),
        ("{SHA256}not-base64!", "base64"),
        ("{PLAIN}secret password", "password_plain"),
        ("{CLEARTEXT}secret password", "password_plain"),
    ] {
        let e = PasswordHash::parse(bad).expect_err(bad);
        let text = format!("{e}: {}", e.hint.clone().unwrap_or_default());
        assert!(text.contains(why), "{bad}: {text}");
    }
}
