//! Typed errors for [`parse`](crate::parse).

use thiserror::Error;

/// Why an email could not be read as a report.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    pub(crate) const fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind }
    }
}

/// The kinds of [`Error`](struct@Error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty or only whitespace.
    #[error("empty input: no email to read")]
    Empty,
    /// The input exceeds the parser's size limit.
    #[error("email larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The input has no RFC 5322 header section, so it is not an email.
    #[error("not an email: no header section found")]
    NotAnEmail,
    /// The email looks like a failure report (of the named format) but no recipient
    /// could be found in it.
    #[error("bounce in format {format} names no recipient")]
    NoRecipients {
        /// The format that recognised the email.
        format: &'static str,
    },
}
