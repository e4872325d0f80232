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

/// The input's bytes at each phrase's evidence span, with blank runs made one space, are
/// the phrase: spans index the caller's input also when the classifier matched on a copy
/// whose blank runs and line breaks it collapsed.
fn check_phrase_spans(input: &str) -> Result<usize, TestCaseError> {
    let d = Classifier::new().classify(input.as_bytes());
    let mut n = 0;
    for e in d
        .evidence
        .iter()
        .filter(|e| e.layer == maildiag::Layer::Phrase)
    {
        let Some((a, b)) = e.span else {
            continue;
        };
        let at = input.get(a..b).unwrap_or_default();
        let words = at.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
        prop_assert!(
            words.eq_ignore_ascii_case(&e.rule),
            "span {a}..{b} reads {at:?}, not {:?}",
            e.rule
        );
        n += 1;
    }
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn phrase_spans_index_the_input(
        code in prop_oneof![Just(""), Just("450 "), Just("550 5.2.2 ")],
        words in proptest::collection::vec(prop_oneof![
            Just("mailbox full"), Just("user unknown"), Just("greylisted"), Just("try again later"),
            Just("relay access denied"), Just("x"), Just("<u@example.org>:"),
        ], 1..5),
        blanks in proptest::collection::vec(prop_oneof![
            Just(" "), Just("  "), Just("\t"), Just("\n"), Just("\r\n"), Just(" \n   "),
        ], 8),
    ) {
        // Words joined, and the blanks inside each phrase varied as pastes vary them.
        let mut input = code.to_owned();
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                input.push_str(blanks[i % blanks.len()]);
            }
            input.push_str(&w.replace(' ', blanks[(i + 3) % blanks.len()]));
        }
        check_phrase_spans(&input)?;
    }
}

#[test]
fn phrase_spans_in_wrapped_and_padded_text() {
    // (The first text's `try again later` is evidence too: it makes the 5xx temporary.)
    for (input, phrases) in [
        ("550  5.2.2   Mailbox   full, try again later", 2),
        (
            "Delivery failed:\n\n   <u@example.org>:   user\r\n   unknown",
            1,
        ),
    ] {
        let r = check_phrase_spans(input);
        assert!(matches!(r, Ok(n) if n == phrases), "{input:?}: {r:?}");
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
