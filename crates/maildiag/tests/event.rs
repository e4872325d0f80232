//! Log events: the log's outcome overrides the reply's code, and the retry advice stays
//! consistent with it.
#![cfg(feature = "logs")]

use maildiag::{Classifier, Severity};
use maildiag_logs::{Reference, parse_line};

/// A 5xx reply in a line the MTA logged as deferred: the message stays queued, so the
/// verdict is transient, and the delay the reply states ("blocked for 2 hours", which is
/// no temporary wording by itself) is the retry advice, matching the reason given.
#[test]
fn deferred_5xx_uses_the_stated_delay() {
    let line = b"Nov 22 10:00:01 mx1 postfix/smtp[9]: 7A: to=<u@b.example>, relay=mx.b.example[192.0.2.7]:25, \
        dsn=5.7.1, status=deferred (host mx.b.example[192.0.2.7] said: 550 5.7.1 Sender IP blocked \
        for 2 hours (in reply to RCPT TO command))";
    let ev = parse_line(line, None, Reference::year(2026)).expect("an event");
    let c = Classifier::new();
    let v = c.verdict_event(&ev);
    assert_eq!(v.severity, Severity::Transient);
    assert_eq!(v.retry_after_s, Some(7200));
    let d = c.classify_event(&ev);
    assert!(d.temporary && d.retry.advised);
    assert_eq!(d.retry.after_s, Some(7200));
    assert!(
        d.retry.reason.contains("states a delay of 2 h"),
        "{}",
        d.retry.reason
    );
}

/// An expired message is final and advises no retry, whatever its text says.
#[test]
fn expired_is_final() {
    let line = b"Nov 22 10:00:01 mx1 postfix/qmgr[9]: 7B: from=<s@a.example>, status=expired, returned to sender";
    let ev = parse_line(line, None, Reference::year(2026)).expect("an event");
    let d = Classifier::new().classify_event(&ev);
    assert_eq!(d.severity, Severity::Permanent);
    assert_eq!(d.category.as_str(), "expired");
    assert!(!d.retry.advised && d.retry.after_s.is_none());
}

/// An address category read as the envelope sender's, then revised by the log's outcome
/// to `expired`: the sender reading (and its Sisimai `rejected`) goes with the category.
#[test]
fn a_revised_category_drops_the_sender_reading() {
    let line = br#"{"type":"Expiration","id":"x1","sender":"bounce@a.example","recipient":"u@b.example","queue":"b.example","site":"","size":1200,"response":{"code":450,"enhanced_code":{"class":4,"subject":1,"detail":8},"content":"<bounce@a.example>: Sender address rejected: Domain not found","command":"MAIL FROM:<bounce@a.example>\r\n"},"peer_address":{"name":"mx.b.example","addr":"192.0.2.7"},"timestamp":1732269601,"created":1732269000,"num_attempts":9}"#;
    let ev = parse_line(line, None, Reference::year(2026)).expect("an event");
    let c = Classifier::new();
    let v = c.verdict_event(&ev);
    assert_eq!(v.category.as_str(), "expired");
    assert!(!v.about_sender && !v.hard_bounce);
    let d = c.classify_event(&ev);
    assert!(!d.about_sender);
    assert_ne!(d.sisimai_reason, "rejected");
    // The same reply as a bare text is the sender's problem.
    let bare =
        c.classify(b"450 4.1.8 <bounce@a.example>: Sender address rejected: Domain not found");
    assert!(bare.about_sender && !bare.hard_bounce);
    assert_eq!(bare.sisimai_reason, "rejected");
}

/// The same line pasted as text: `classify` reads it as the log line it is, and the
/// evidence says that the log's outcome, not the reply's code, made it temporary.
#[test]
fn a_pasted_log_line_says_why_it_is_temporary() {
    let line = b"Nov 22 10:00:01 mx1 postfix/smtp[9]: 7A: to=<u@b.example>, relay=mx.b.example[192.0.2.7]:25, \
        dsn=5.7.1, status=deferred (host mx.b.example[192.0.2.7] said: 550 5.7.1 Sender IP blocked \
        for 2 hours (in reply to RCPT TO command))";
    let d = Classifier::new().classify(line);
    assert_eq!(d.severity, Severity::Transient);
    assert_eq!(d.retry.after_s, Some(7200));
    let record = d
        .evidence
        .iter()
        .find(|e| e.layer == maildiag::Layer::Record)
        .expect("record evidence");
    assert_eq!(record.rule, "deferred");
    // The reply alone is final.
    let reply = Classifier::new().classify(b"550 5.7.1 Sender IP blocked for 2 hours");
    assert_eq!(reply.severity, Severity::Permanent);
    assert!(
        reply
            .evidence
            .iter()
            .all(|e| e.layer != maildiag::Layer::Record)
    );
}
