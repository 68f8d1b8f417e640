//! Validated values and the directory's entities. No I/O here.
//!
//! Every value that crosses an edge (CLI argument, form field, import row,
//! database row) is parsed into one of these types once; code behind them can
//! rely on the value being well formed.

mod address;
mod dkim;
mod domain;
mod entities;
mod hash;
mod size;

pub use address::{Address, AliasAddress, LocalPart};
pub use dkim::{KeyAlgorithm, KeyState, Selector};
pub use domain::{DomainName, unicode_names};
pub use entities::*;
pub use hash::{KNOWN_SCHEMES, PasswordHash};
pub use size::Size;
