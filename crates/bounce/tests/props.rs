//! Property tests: any bytes give a result or a typed error, never a panic; recipients
//! of a parsed bounce carry an address.

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = maildiag_bounce::parse(&data);
    }

    #[test]
    fn mutated_dsn_never_panics(cut in 0usize..900, junk in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut mail = b"From: MAILER-DAEMON@mx.example.net\r\nTo: s@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--b1\r\n\
Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; u@example.com\r\n\
Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <u@example.com>: Recipient address rejected: User unknown\r\n\r\n--b1--\r\n".to_vec();
        let at = cut.min(mail.len());
        mail.splice(at..at, junk);
        if let Ok(b) = maildiag_bounce::parse(&mail) {
            for r in &b.recipients {
                prop_assert!(!r.recipient.is_empty() || !b.is_bounce());
            }
        }
    }
}

/// Committed fuzz findings replay on stable Rust.
///
/// - `bounce-text-after-first-boundary.bin`: text right after the first boundary line
///   (`--BOUNDARY` followed by more bytes on the same line) tripped a `debug_assert!` in
///   mail-parser 0.11 (fixed in its 1.0); the reader turns it into `NotAnEmail` in debug
///   builds.
#[test]
fn fuzz_regressions_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut ran = 0;
    for e in std::fs::read_dir(&dir)
        .expect("regressions dir")
        .filter_map(Result::ok)
    {
        let data = std::fs::read(e.path()).expect("read");
        let _ = maildiag_bounce::parse(&data);
        ran += 1;
    }
    assert!(ran >= 1);
}
