//! The library's error type: one enum whose kinds scripts can tell apart
//! (the CLI maps them to exit codes), each naming the value it is about and,
//! where one helps, what to do next.

use std::fmt;

/// What went wrong, in a form a front-end can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input itself is malformed (bad address, quota syntax, ...).
    Invalid,
    /// The object named does not exist.
    NotFound,
    /// The object named exists already.
    AlreadyExists,
    /// Someone else changed the object since it was read.
    Conflict,
    /// A domain limit (mailboxes, aliases, quota) would be exceeded.
    LimitReached,
    /// The change is refused as it stands (e.g. a domain still has mailboxes).
    Refused,
    /// The caller's role does not allow this.
    Forbidden,
    /// The directory (or another service) cannot be reached or failed.
    Unavailable,
}

/// An error naming `what` it is about, `why`, and optionally a `hint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub what: String,
    pub why: String,
    pub hint: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, what: impl Into<String>, why: impl Into<String>) -> Self {
        Error {
            kind,
            what: what.into(),
            why: why.into(),
            hint: None,
        }
    }
    pub fn invalid(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, what, why)
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, what, "not found")
    }
    pub fn already_exists(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, what, "already exists")
    }
    pub fn conflict(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, what, why)
    }
    pub fn limit(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitReached, what, why)
    }
    pub fn refused(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused, what, why)
    }
    pub fn forbidden(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, what, why)
    }
    pub fn unavailable(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, what, why)
    }
    /// Adds what the user can do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Replaces the subject, keeping kind, reason and hint.
    pub fn about(mut self, what: impl Into<String>) -> Self {
        self.what = what.into();
        self
    }
    /// Replaces the reason, keeping kind, subject and hint.
    pub fn with_why(mut self, why: impl Into<String>) -> Self {
        self.why = why.into();
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.why)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
