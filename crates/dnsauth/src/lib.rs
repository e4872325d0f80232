//! DNS authentication checks for mail senders: SPF, DKIM, DMARC, PTR, MX, DNSBL,
//! MTA-STS, TLS-RPT and BIMI.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dns;
mod error;
pub mod finding;
pub mod spf;
pub mod testserver;

pub use error::Error;
pub use finding::{CheckKind, Finding, Level};
