//! SPF (RFC 7208): parsing and linting a record ([`record`]), walking a
//! domain's record tree to count what the RFC limits ([`walk`]), and
//! evaluating `check_host()` for a client address ([`eval`]) and showing
//! how it went ([`trace`]).

pub mod eval;
pub mod record;
pub mod trace;
pub mod walk;

pub use eval::{
    SpfEvaluation, SpfQuery, SpfVerdict, evaluate, evaluate_explained, evaluate_traced,
};
pub use trace::{TraceLine, TraceStep};
pub use walk::{LOOKUP_LIMIT, SpfAnalysis, TreeError, VOID_LIMIT, analyse};
