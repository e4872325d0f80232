//! The crate's error type.

/// Why a check could not run at all (individual DNS failures are findings, not errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The resolver configuration is unusable (no name server, bad address...).
    #[error("resolver configuration: {0}")]
    Config(String),
    /// An argument (domain, address, selector) is not valid.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}
