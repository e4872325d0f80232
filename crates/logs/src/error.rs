//! The crate's error type.

use std::io;
use std::path::PathBuf;

/// Why a stream could not be read. Malformed lines are never errors: they are counted in
/// [`crate::Stats::unparsed`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// Reading the input failed.
    #[error("read error at byte {offset}: {source}")]
    Io {
        /// Stream offset (after decompression) where the read was attempted.
        offset: u64,
        /// The system's reason.
        source: io::Error,
    },
    /// The input started like gzip but could not be decompressed.
    #[error("gzip error at byte {offset}: {source}")]
    Gzip {
        /// Stream offset (after decompression) where decompression failed.
        offset: u64,
        /// The decoder's reason.
        source: io::Error,
    },
    /// The worker threads of a parallel read could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

impl Error {
    pub(crate) fn io(source: io::Error) -> Error {
        Error::Io { offset: 0, source }
    }

    pub(crate) fn gzip(source: io::Error) -> Error {
        Error::Gzip { offset: 0, source }
    }

    /// The same error at stream offset `at`.
    pub(crate) fn at(self, at: u64) -> Error {
        match self {
            Error::Io { source, .. } => Error::Io { offset: at, source },
            Error::Gzip { source, .. } => Error::Gzip { offset: at, source },
            e => e,
        }
    }
}
