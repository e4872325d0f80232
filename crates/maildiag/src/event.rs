//! Classification of MTA log events (`maildiag-logs`).

use std::borrow::Cow;

use maildiag_codes::Rule;
use maildiag_logs::{DeliveryEvent, Outcome, Reference};
use maildiag_reply::Extracted;
use maildiag_types::{Category, Severity};

use crate::classify::{Classifier, Verdict};
use crate::diagnosis::Diagnosis;

impl Classifier {
    /// The compact verdict for a log event: its reply text classified, then the log's own
    /// outcome applied (a delivered line is a success; an expired one is final and counts
    /// as `expired`; a deferral is temporary whatever its text), and the provider taken
    /// from the relay host name when the text names none.
    ///
    /// ```
    /// use maildiag::{Category, Classifier, Severity};
    /// use maildiag_logs::{Reference, parse_line};
    ///
    /// let line = b"Nov 22 10:00:01 mx1 postfix/smtp[123]: 4BC2: to=<u@example.com>, \
    ///     relay=mx.example.com[192.0.2.1]:25, delay=0.4, dsn=4.7.1, status=deferred \
    ///     (host mx.example.com[192.0.2.1] said: 450 4.7.1 <u@example.com>: Recipient \
    ///     address rejected: Greylisted for 5 minutes (in reply to RCPT TO command))";
    /// let event = parse_line(line, None, Reference::year(2026)).expect("an event");
    /// let v = Classifier::new().verdict_event(&event);
    /// assert_eq!(v.category, Category::Greylisted);
    /// assert_eq!(v.severity, Severity::Transient);
    /// assert_eq!(v.retry_after_s, Some(300));
    /// ```
    pub fn verdict_event(&self, ev: &DeliveryEvent<'_>) -> Verdict {
        event_verdict(ev, crate::classify::decide)
    }

    /// The full diagnosis for a log event (see [`Classifier::verdict_event`]).
    pub fn classify_event(&self, ev: &DeliveryEvent<'_>) -> Diagnosis {
        let reply = event_reply(ev);
        let text: &[u8] = reply.as_ref().map_or(&[], |r| &r.text[..]);
        let mut v = crate::classify::decide(text, reply.as_ref());
        apply_outcome(&mut v, ev);
        self.expand(text, reply.as_ref(), &v)
    }
}

/// The verdict for `ev`: `decide` classifies its reply (text and reply), then the log's
/// outcome is applied.
pub(crate) fn event_verdict(
    ev: &DeliveryEvent<'_>,
    decide: impl FnOnce(&[u8], Option<&Extracted<'_>>) -> Verdict,
) -> Verdict {
    let reply = event_reply(ev);
    let text: &[u8] = reply.as_ref().map_or(&[], |r| &r.text[..]);
    let mut v = decide(text, reply.as_ref());
    apply_outcome(&mut v, ev);
    v
}

/// The event's reply re-based on its own text (its span is relative to the log line, which
/// the event does not keep), with the log's separate DSN status filled in.
fn event_reply<'e>(ev: &'e DeliveryEvent<'_>) -> Option<Extracted<'e>> {
    match &ev.reply {
        Some(r) => Some(Extracted {
            span: 0..r.text.len(),
            code: r.code,
            enhanced: r.enhanced.or(ev.dsn),
            text: Cow::Borrowed(&r.text[..]),
            command: r.command,
            host: None,
        }),
        None => ev.dsn.map(|d| Extracted {
            span: 0..0,
            code: None,
            enhanced: Some(d),
            text: Cow::Borrowed(&[]),
            command: None,
            host: None,
        }),
    }
}

/// When `input` is one line of a known MTA log (not just a reply), the outcome the log
/// states is applied to the verdict of its text, as for an event: `status=deferred` stays
/// queued whatever the reply says, `status=sent` is a delivery. So `classify` reads a
/// pasted log line the way `scan` does.
pub(crate) fn apply_line_outcome(v: &mut Verdict, input: &[u8], reply: Option<&Extracted<'_>>) {
    // Log lines are one line with a timestamp, a program and a field or two.
    if input.len() < 24 || memchr::memchr(b'\n', input).is_some() {
        return;
    }
    // The year only matters to timestamps, which the verdict does not use.
    if let Some(ev) = maildiag_logs::parse_mta_line(input, Reference::year(2000)) {
        let had_delay = v.stated_delay.is_some();
        apply_outcome(v, &ev);
        // A delay found now was found in the log parser's reply text; the verdict's spans
        // index the reply the classifier extracted (or the input), so find it there.
        if !had_delay && v.stated_delay.is_some() {
            v.stated_delay = crate::retry::stated_delay(reply.map_or(input, |r| &r.text[..]));
        }
    }
}

/// The log keeps the message queued whatever the reply's code: the verdict becomes
/// transient, with the delay the reply states (the classifier only reads it for transient
/// replies), else the category's usual delay.
fn make_transient(v: &mut Verdict, ev: &DeliveryEvent<'_>) {
    v.severity = Severity::Transient;
    if v.stated_delay.is_none() {
        v.stated_delay = ev
            .reply
            .as_ref()
            .and_then(|r| crate::retry::stated_delay(&r.text));
    }
    v.retry_after_s = v
        .stated_delay
        .map(|(s, _)| s)
        .or(v.retry_after_s)
        .or(maildiag_codes::category(v.category).retry.after_s);
}

/// Whether the verdict is final although the reply's own code is temporary: the wording
/// or a provider's published meaning said so.
fn final_despite_code(v: &Verdict) -> bool {
    let code_transient = match (v.basic, v.enhanced) {
        (Some(b), _) => b.severity() == Severity::Transient,
        (None, Some(x)) => x.severity() == Severity::Transient,
        (None, None) => false,
    };
    v.severity == Severity::Permanent && code_transient
}

fn apply_outcome(v: &mut Verdict, ev: &DeliveryEvent<'_>) {
    let before = (v.severity, v.category);
    match ev.outcome {
        Outcome::Delivered => {
            v.severity = Severity::Success;
            v.category = Category::Other;
            v.detail = None;
            v.retry_after_s = None;
        }
        Outcome::Expired => {
            v.severity = Severity::Permanent;
            v.category = Category::Expired;
            v.detail = None;
            v.retry_after_s = None;
        }
        // The MTA keeps the message queued: it will retry, whatever the reply's code. Not
        // when the words overrode a temporary code (Yahoo's `421 ... [TS03] permanently
        // deferred; Retrying will NOT succeed`): the retries are in vain.
        Outcome::Deferred if v.severity != Severity::Transient && !final_despite_code(v) => {
            make_transient(v, ev)
        }
        Outcome::Bounced
            if v.severity == Severity::Transient || v.severity == Severity::Unknown =>
        {
            v.severity = Severity::Permanent;
            v.retry_after_s = None;
        }
        _ => {}
    }
    // A failed connection leaves the message queued: it is retried whatever the words.
    // Not when the server answered with a permanent code (`host X refused to talk to me:
    // 554 Blocked`): Postfix tries the next MX and keeps the message, but that server's
    // refusal is final, and a retry there will not succeed.
    let refused_for_good = v.basic.is_some_and(|b| b.severity() == Severity::Permanent);
    if ev.outcome == Outcome::ConnectionFailure
        && v.severity != Severity::Success
        && v.severity != Severity::Transient
        && !refused_for_good
    {
        make_transient(v, ev);
    }
    if (v.severity, v.category) != before {
        v.record = Some(match ev.outcome {
            Outcome::Delivered => ("delivered", "the log records a delivery"),
            Outcome::Expired => ("expired", "the log records that the MTA gave up: final"),
            Outcome::Deferred => ("deferred", "the log records a deferral: the MTA retries"),
            Outcome::Bounced => ("bounced", "the log records a bounce: final"),
            Outcome::ConnectionFailure => (
                "connection failure",
                "the log records a failed connection: the MTA retries",
            ),
            _ => ("outcome", "the log's outcome"),
        });
    }
    v.settle();
    if v.provider.is_none()
        && let Some(host) = ev.relay.as_ref().and_then(|r| r.host.as_deref())
    {
        v.provider = maildiag_codes::matches(host.as_bytes()).find_map(|m| match m.rule {
            Rule::Marker(p) => Some(p),
            _ => None,
        });
    }
}
