//! Shared helpers for the maildiag benchmarks (input generation lives in `cargo xtask`).
#![forbid(unsafe_code)]
