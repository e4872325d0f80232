//! Replays inputs that once broke a fuzz harness (found by cargo-fuzz or proptest).
//!
//! Each file in `tests/fuzz_regressions/` is named `TARGET-what-broke.bin`, where TARGET
//! is `reply`, `extractor` or `dsn` (the harnesses in `maildiag_reply::fuzz`). Root causes:
//! - `extractor-lookback-before-line-start`: the command look-back window started after
//!   the line start on lines longer than 1 KiB, and slicing panicked.
//! - `reply-invalid-continuation-line`: the chunked reader waited for more lines after a
//!   line with an invalid code, where whole-input parsing already failed.
//! - `extractor-adjacent-continuation-prefixes`: two continuation prefixes in a row
//!   (`550-5.1.1 550-5.1.1 `) made the prefix stripper slice backwards (found by the
//!   bounce reader on a real corpus email).
//! - `reply-fuzz-*`: cargo-fuzz, first campaign: a continuation line whose enhanced code
//!   differed from the first line's; the whole parser rejected it (RFC 2034), the chunked
//!   reader kept waiting. The reader now applies the same per-line rule.
//! - `extractor-fuzz-*`, `dsn-fuzz-*`: cargo-fuzz, first campaign: the two extractor
//!   slicing bugs above (the DSN parser reaches the extractor through Diagnostic-Code).
//! - `extractor-phpmailer-overlap`: cargo-fuzz, session 9: PHPMailer's layout (`Detail:
//!   TEXT SMTP code: NNN`) starts a reply's span before its code, and the `Detail:` it
//!   found lay inside the previous reply, so the spans overlapped. The search for
//!   `Detail:` now stops at the end of the previous reply.

#[test]
fn replay_fuzz_regressions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_regressions");
    let mut ran = 0;
    for entry in std::fs::read_dir(dir).expect("regression dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let data = std::fs::read(&path).expect("read");
        match name.split('-').next() {
            Some("reply") => maildiag_reply::fuzz::reply(&data),
            Some("extractor") => maildiag_reply::fuzz::extractor(&data),
            Some("dsn") => maildiag_reply::fuzz::dsn(&data),
            _ => continue,
        }
        ran += 1;
    }
    assert!(ran >= 6, "no regression inputs replayed");
}
