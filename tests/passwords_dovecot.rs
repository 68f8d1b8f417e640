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
