//! Helpers shared by the integration tests. Each test crate includes this
//! module with `#[path = "support/mod.rs"] mod support;` (or plain
//! `mod support;` from a top-level test file) and uses the parts it needs.
//!
//! - [`services`]: what a test does when a real service it needs is missing.
//! - [`knot`]: a real Knot DNS serving given zones on loopback.
//! - [`dns_service`]: the service's `[mail]` config as the DNS fixture
//!   zones know it.
//! - [`dns_proxy`]: a name server that never answers, and a relay that
//!   drops chosen questions (timeouts) and counts the others.
//! - [`ports`]: ports for those servers, outside the ephemeral range.
//! - [`sql`]: a fresh, uniquely named SQL database per test (SQLite,
//!   PostgreSQL, MariaDB), dropped when the test ends.
//! - [`pg`], [`mariadb`]: database servers of a test's own, to kill with
//!   SIGKILL and start again.
//! - [`slapd`]: a throwaway OpenLDAP server per test, stopped when the
//!   test ends.
//! - [`mailstack`]: real Postfix and Dovecot configured from `postier stack
//!   render` over one of those directories (with [`imap`], a minimal IMAP
//!   client), stopped when the test ends.
//! - [`sshd`]: a second sshd on loopback and the Unix users tests log
//!   in as.
//! - [`borg`]: a directory, mail root, borg repository and `[backup]`
//!   config in a temp dir, and the postier binary run on them.
//! - [`process`]: a program run with its standard input given.
//! - [`modoboa`]: a throwaway Modoboa instance (PyPI, its own Redis), for
//!   timing its `modo import` in the import benchmark.
//! - [`postfixadmin`]: a throwaway PostfixAdmin (its schema and its CLI)
//!   on SQLite, for imports from it.

// Every test crate compiles all helpers but uses only some of them.
#![allow(dead_code)]

pub mod borg;
pub mod dns_proxy;
pub mod dns_service;
pub mod http;
pub mod imap;
pub mod knot;
pub mod mailstack;
pub mod mariadb;
pub mod modoboa;
pub mod pg;
pub mod ports;
pub mod postfixadmin;
pub mod process;
pub mod services;
pub mod slapd;
pub mod sql;
pub mod sshd;
