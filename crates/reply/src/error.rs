//! Typed parse errors.

use thiserror::Error;

/// Why input could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset}")]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
}

impl Error {
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Error {
        Error { kind, offset }
    }

    /// `true` when more input could complete the parse (see [`ErrorKind::Incomplete`]).
    pub const fn is_incomplete(&self) -> bool {
        matches!(self.kind, ErrorKind::Incomplete)
    }
}

/// The kinds of [`Error`](struct@Error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ends before the final line of the reply; feed more bytes.
    #[error("incomplete input: the final reply line has not arrived")]
    Incomplete,
    /// A line does not start with a valid three-digit reply code.
    #[error("invalid reply code: expected three digits, first 2-5, second 0-5")]
    InvalidCode,
    /// The character after the reply code is neither `-`, a space nor the end of the line.
    #[error("invalid separator after the reply code: expected '-', ' ' or end of line")]
    InvalidSeparator,
    /// A continuation line carries a different reply code than the first line.
    #[error("reply code {found} differs from the first line's {expected}")]
    InconsistentCode {
        /// The first line's code.
        expected: u16,
        /// This line's code.
        found: u16,
    },
    /// A line carries a different enhanced status code than the first line (RFC 2034 §4).
    #[error("enhanced status code differs from the first line's")]
    InconsistentEnhancedCode,
    /// A line is longer than the parser's limit.
    #[error("line longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// The reply has more lines than the parser's limit.
    #[error("more than {limit} lines in one reply")]
    TooManyLines {
        /// The limit in force.
        limit: usize,
    },
    /// A line contains a bare NUL or other byte RFC 5321 does not allow in reply text.
    #[error("control byte 0x{0:02x} in reply text")]
    ControlByte(u8),
    /// An RFC 3464 field line is not `Name: value`.
    #[error("malformed delivery-status field: expected 'Name: value'")]
    MalformedField,
    /// An RFC 3464 delivery-status body has no per-recipient group.
    #[error("delivery-status body has no per-recipient fields")]
    NoRecipients,
    /// The input exceeds a hard size limit of the parser.
    #[error("input larger than the limit of {limit} bytes")]
    InputTooLarge {
        /// The limit in force.
        limit: usize,
    },
}
