//! DKIM keys: generating them ([`keys`]), keeping them in a private key
//! store with their selectors and states ([`store`]), rotating them one
//! safe step at a time ([`rotate`]), and rendering the signer tables of
//! OpenDKIM and rspamd ([`tables`]).
//!
//! Checking that the keys are published is the DNS check's job; this
//! module never asks DNS.

pub mod keys;
pub mod rotate;
pub mod store;
pub mod tables;

pub use keys::Algorithm;
pub use store::{KeyStore, StoredKey};
