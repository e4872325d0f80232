//! Property tests: the classifier never panics, and its answers are consistent whatever
//! the input.

use maildiag::{Classifier, Severity};
use proptest::prelude::*;

fn check_consistent(input: &[u8]) -> Result<(), TestCaseError> {
    // The fuzz harness's checks: evidence spans inside the input, no temporary hard
    // bounce, the compact verdict agrees with the full diagnosis.
    maildiag::fuzz::classify(input);
    let d = Classifier::new().classify(input);
    // Temporary means transient, and only then is a retry advised.
    prop_assert_eq!(d.temporary, d.severity == Severity::Transient);
    prop_assert_eq!(d.retry.advised, d.temporary);
    prop_assert!(!d.hard_bounce || d.severity == Severity::Permanent);
    prop_assert!(d.retry.after_s.is_none() || d.retry.advised);
    prop_assert!((0.0..=1.0).contains(&d.confidence));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_consistent(&input)?;
    }

    #[test]
    fn reply_like_text(
        code in prop_oneof![Just("250"), Just("421"), Just("450"), Just("451"), Just("550"), Just("552"), Just("554")],
        enhanced in prop_oneof![Just(""), Just("4.7.1 "), Just("5.1.1 "), Just("5.7.26 "), Just("4.2.2 ")],
        words in proptest::collection::vec(prop_oneof![
            Just("greylisted"), Just("try again later"), Just("user unknown"), Just("mailbox full"),
            Just("spamhaus"), Just("permanently"), Just("rate limit"), Just("in 5 minutes"),
            Just("(2/h)"), Just("[TSS04]"), Just("gsmtp"), Just("relay access denied"), Just("x"),
            Just("recipient"), Just("unknown"), Just("account"), Just("locked"), Just("daily"),
            Just("limit"), Just("no user found"), Just("undeliverable address:"), Just("."),
        ], 0..6),
    ) {
        let input = format!("{code} {enhanced}{}", words.join(" "));
        check_consistent(input.as_bytes())?;
    }
}

/// The fuzz harness over its seeds (the golden cases' texts) and any committed crash
/// inputs, on stable Rust.
#[test]
fn fuzz_classify_seeds_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in [
        root.join("../../fuzz/seeds/classify"),
        root.join("tests/fuzz_regressions"),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in rd.flatten() {
            let data = std::fs::read(entry.path()).expect("readable seed");
            maildiag::fuzz::classify(&data);
            n += 1;
        }
    }
    assert!(n >= 100, "only {n} seeds replayed");
}
