//! Bounce email and DSN reader: per-recipient delivery failures for maildiag
#![forbid(unsafe_code)]
