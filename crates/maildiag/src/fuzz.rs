//! Fuzz harnesses: the bodies of the `fuzz/` targets that reach the classifier, kept here
//! so that crashes replay as ordinary tests on stable Rust.

use crate::Classifier;

/// Any bytes as an email (feature `bounce`): parsing never panics, and every recipient of a parsed report
/// classifies with a reason from Sisimai's vocabulary and a verdict consistent with it.
#[cfg(feature = "bounce")]
pub fn bounce(data: &[u8]) {
    static CLASSIFIER: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    let c = CLASSIFIER.get_or_init(Classifier::new);
    let Ok(b) = maildiag_bounce::parse(data) else {
        return;
    };
    for r in &b.recipients {
        let d = c.classify_bounce(r);
        assert!(
            maildiag_codes::SISIMAI_REASONS.contains(&d.sisimai_reason),
            "unknown reason {}",
            d.sisimai_reason
        );
        if d.hard_bounce {
            assert!(!d.temporary, "a hard bounce is not temporary");
        }
    }
    // Classifying the raw text as a whole never panics either.
    let _ = c.classify(data);
}

/// Any bytes as a reply, log line or diagnostic: classifying never panics, every evidence
/// span lies inside the input, a hard bounce is never temporary, and the compact verdict
/// agrees with the full diagnosis.
pub fn classify(data: &[u8]) {
    static CLASSIFIER: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    let c = CLASSIFIER.get_or_init(Classifier::new);
    let d = c.classify(data);
    for e in &d.evidence {
        if let Some((a, b)) = e.span {
            assert!(
                a <= b && b <= data.len(),
                "evidence span {a}..{b} outside the input"
            );
        }
    }
    if d.hard_bounce {
        assert!(!d.temporary, "a hard bounce is not temporary");
    }
    let v = c.verdict(data);
    assert_eq!(
        (v.category, v.severity, v.hard_bounce),
        (d.category, d.severity, d.hard_bounce),
        "verdict and diagnosis disagree"
    );
}
