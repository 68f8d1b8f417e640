//! postier: the mail directory of a small hosting association.
//!
//! The library holds everything but the terminal: validated values
//! ([`model`]), Dovecot-compatible password hashing ([`password`]), the
//! directory backends ([`directory`]), and the one gate every change passes
//! through ([`ops`]). The binary (`src/main.rs`) only parses arguments, picks a
//! front-end ([`cli`]) and maps errors to exit codes.

pub mod backup;
pub mod cli;
pub mod config;
pub mod directory;
pub mod dkim;
pub mod dns;
pub mod doctor;
pub mod error;
pub mod hooks;
pub mod i18n;
pub mod import;
pub mod mailer;
pub mod model;
pub mod monitor;
pub mod ops;
pub mod password;
pub mod stack;
pub mod tui;

pub use error::{Error, Result};
