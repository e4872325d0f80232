//! Classification of parsed evidence: bounce recipients (and, through them, DSNs).

use std::borrow::Cow;

use maildiag_bounce::{Action, BounceRecipient, StatusSource};
use maildiag_reply::{Extracted, extract_best};
use maildiag_types::{Class, EnhancedCode, Severity};

use crate::classify::Classifier;
use crate::diagnosis::Diagnosis;
use crate::hosts;
use crate::reason::status_reason;

impl Classifier {
    /// Classifies one recipient of a parsed bounce: its diagnostic text with the reply
    /// code, status and command the bounce reader found, and the DSN action.
    ///
    /// ```
    /// use maildiag::{Category, Classifier};
    /// let raw = b"From: MAILER-DAEMON@mx.example.net\r\nTo: s@example.org\r\n\
    ///     Subject: failure notice\r\n\r\nHi. This is the qmail-send program at mx.example.net.\r\n\
    ///     I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
    ///     This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n\
    ///     <nobody@example.net>:\r\n192.0.2.5 does not like recipient.\r\n\
    ///     Remote host said: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n\
    ///     Giving up on 192.0.2.5.\r\n";
    /// let bounce = maildiag_bounce::parse(raw).unwrap();
    /// let d = Classifier::new().classify_bounce(&bounce.recipients[0]);
    /// assert_eq!(d.category, Category::UserUnknown);
    /// assert_eq!(d.sisimai_reason, "userunknown");
    /// ```
    pub fn classify_bounce(&self, r: &BounceRecipient) -> Diagnosis {
        let text = r.diagnostic.as_bytes();
        let reply = extract_best(text)
            .map(|mut e| {
                e.code = e.code.or(r.reply_code);
                // A bare `X.0.0` in the text says less than the report's specific status
                // of the same class (Sendmail: `Status: 5.3.0`, transcript `550 5.0.0`).
                e.enhanced = match (e.enhanced, r.status) {
                    (Some(t), Some(s)) if s.says_more_than(t) => Some(s),
                    (t, s) => t.or(s),
                };
                e.command = e.command.or(r.command);
                e
            })
            .or_else(|| {
                (r.reply_code.is_some() || r.status.is_some()).then_some(Extracted {
                    span: 0..text.len(),
                    code: r.reply_code,
                    enhanced: r.status,
                    text: Cow::Borrowed(text),
                    command: r.command,
                    host: None,
                })
            });
        let mut v = crate::classify::decide(text, reply.as_ref());
        match r.action {
            // The reporting MTA keeps trying: whatever the text, it is not final yet.
            Action::Delayed
                if v.severity != Severity::Success && v.severity != Severity::Transient =>
            {
                v.severity = Severity::Transient;
                v.record = Some((
                    "Action: delayed",
                    "the report says the MTA still tries: not final yet",
                ));
            }
            Action::Delivered | Action::Relayed | Action::Expanded
                if v.severity != Severity::Success =>
            {
                v.severity = Severity::Success;
                let field = match r.action {
                    Action::Relayed => "Action: relayed",
                    Action::Expanded => "Action: expanded",
                    _ => "Action: delivered",
                };
                v.record = Some((field, "the report records a delivery"));
            }
            _ => {}
        }
        v.settle();
        let mut d = self.expand(text, reply.as_ref(), &v);
        if v.severity != Severity::Success {
            // What the wording says, in Sisimai's vocabulary: its reasons are finer than
            // (and cut across) our categories, so the verdict's category is not used here.
            let mut said = Said::default();
            let explicit = matches!(
                r.status_source,
                StatusSource::Report | StatusSource::Diagnostic
            );
            let status = reply
                .as_ref()
                .and_then(|e| e.enhanced)
                .filter(|_| explicit)
                .or(r.status.filter(|_| explicit));
            // A reply is short; the phrase rules read no further than this into a hostile
            // or garbled diagnostic, so their work stays bounded.
            let head = head_of(&r.diagnostic);
            wording(head.as_bytes(), &mut said);
            let reply_code = r.reply_code.map(|c| c.get()).or(v.basic.map(|c| c.get()));
            let facts = hosts::Facts {
                text: head,
                domain: r.recipient.rsplit_once('@').map_or("", |(_, d)| d),
                remote: host_of(r.remote_mta.as_deref()),
                reporting: host_of(r.reporting_mta.as_deref()),
                status: reply.as_ref().and_then(|e| e.enhanced).or(r.status),
                reply: reply_code,
                command: r.command.or(v.command),
            };
            // First what the bounce's own MTA wrote, then what the receiving service's
            // documented reply says, then the status code checked against the wording.
            let mta = hosts::mta_reason(r.format, &facts);
            let rec = Record {
                status,
                command: r.command.or(v.command),
                reply: reply_code,
                action: r.action,
                has_text: !r.diagnostic.trim().is_empty(),
                forced: mta,
            };
            let reason = if r.format == "googlegroups" {
                // Sisimai's Google Groups reader calls every refusal of a post `rejected`.
                Some("rejected")
            } else if let Some(m) = mta.filter(|m| !hosts::is_retried(m)) {
                Some(m)
            } else if let Some(h) = hosts::host_reason(&facts) {
                Some(h)
            } else {
                bounce_reason(&rec, said)
            };
            if let Some(reason) = reason {
                d.sisimai_reason = reason;
                // Sisimai's hard bounces: the address itself is bad.
                // A temporary failure is never one, whatever its reason.
                d.hard_bounce = v.severity != Severity::Transient
                    && matches!(
                        reason,
                        "userunknown" | "hostunknown" | "hasmoved" | "notaccept"
                    );
            }
        }
        d
    }
}

/// The reason names a [`Said`] set can hold (the knowledge base's list).
const REASONS: &[&str] = maildiag_codes::SISIMAI_REASONS;
// `Said` is a bit set over `REASONS`.
const _: () = assert!(REASONS.len() <= 64);

/// A set of Sisimai reasons the wording points to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Said(u64);

impl Said {
    fn add(&mut self, reason: &str) {
        if let Some(i) = REASONS.iter().position(|r| *r == reason) {
            self.0 |= 1 << i;
        }
    }
    fn remove(&mut self, reason: &str) {
        if let Some(i) = REASONS.iter().position(|r| *r == reason) {
            self.0 &= !(1 << i);
        }
    }
    fn has(self, reason: &str) -> bool {
        REASONS
            .iter()
            .position(|r| *r == reason)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// Reasons whose status-code verdict Sisimai still checks against the wording.
fn retryable(reason: &str) -> bool {
    reason.is_empty() || hosts::is_retried(reason)
}

/// Wording Sisimai reads as a reason although our taxonomy files it elsewhere (see
/// [`words`](crate::words)). A refusal worded as the recipient's or the client IP's is
/// not a refusal of the sender, whatever else it says.
fn wording(text: &[u8], said: &mut Said) {
    crate::words::reasons_in(text, |r| said.add(r));
    // Multi-line replies repeat their codes on every line (`550-5.2.1 prevents add...`):
    // read the text again without them so phrases broken across lines are found.
    let joined = without_line_codes(text);
    if joined != text {
        crate::words::reasons_in(&joined, |r| said.add(r));
    }
    let has = |needle: &str| {
        let n = needle.as_bytes();
        text.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    };
    if [
        "5.1.0 address rejected",
        "recipient address rejected",
        "sender ip address rejected",
    ]
    .iter()
    .any(|n| has(n))
    {
        said.remove("rejected");
    }
}

/// `text` without reply codes (`550-`, `550 5.7.1 `) where a word starts, so phrases of a
/// multi-line reply broken by the codes of its continuation lines read whole.
fn without_line_codes(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let code = (i == 0 || text[i - 1].is_ascii_whitespace())
            && text.len() >= i + 4
            && matches!(text[i], b'2' | b'4' | b'5')
            && text[i + 1].is_ascii_digit()
            && text[i + 2].is_ascii_digit()
            && matches!(text[i + 3], b'-' | b' ');
        if !code {
            out.push(text[i]);
            i += 1;
            continue;
        }
        i += 4;
        // An enhanced code after it: `5.2.1 `.
        if let Some((_, n)) = maildiag_reply::parse_enhanced_lenient(&text[i..])
            && text.get(i + n).is_none_or(u8::is_ascii_whitespace)
        {
            i += n;
        }
        if !out.last().is_some_and(u8::is_ascii_whitespace) {
            out.push(b' ');
        }
        while text.get(i).is_some_and(|c| *c == b' ') && out.last() == Some(&b' ') {
            i += 1;
        }
    }
    out
}

/// How much of a diagnostic the Sisimai-reason rules read.
const REASON_TEXT_MAX: usize = 8 << 10;

/// The first [`REASON_TEXT_MAX`] bytes of `s`, cut at a character boundary.
fn head_of(s: &str) -> &str {
    let mut end = s.len().min(REASON_TEXT_MAX);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// What a bounce recipient's record tells the reason decision beyond the verdict.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The status the report or the diagnostic wrote (not one we inferred).
    status: Option<EnhancedCode>,
    /// The SMTP command that failed.
    command: Option<maildiag_reply::SmtpCommand>,
    /// The basic reply code.
    reply: Option<u16>,
    /// The report's action.
    action: Action,
    /// Whether the diagnostic holds any text at all.
    has_text: bool,
    /// The reason the bounce's MTA named in its own words, checked again like Sisimai.
    forced: Option<&'static str>,
}

/// The host name in a `Remote-MTA`/`Reporting-MTA` value (`dns; mx.example.net`,
/// `mx.example.net [192.0.2.1]`).
fn host_of(v: Option<&str>) -> &str {
    let v = v.unwrap_or("").trim();
    let v = v.rsplit_once(';').map_or(v, |(_, h)| h.trim());
    v.split(|c: char| c.is_whitespace() || c == '[' || c == '(')
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
}

/// The Sisimai reason for one bounce recipient, decided in Sisimai's order: a status that
/// names a reason, checked against the wording and the failed command reason by reason
/// (mailboxfull, mesgtoobig, exceedlimit, suspend, hasmoved, norelaying, authfailure,
/// userunknown, filtered, requireptr, notcompliantrfc, badreputation, contenterror,
/// rejected, hostunknown, spamdetected, speeding, toomanyconn, blocked); then, when the
/// status names no final reason, the wording alone; then the status's own reason; then
/// `expired` for delays and `onhold` for text nobody could read.
fn bounce_reason(rec: &Record, said: Said) -> Option<&'static str> {
    use maildiag_reply::SmtpCommand as C;
    let st = rec.status.and_then(status_reason).unwrap_or("");
    if st == "delivered" {
        return Some("delivered");
    }
    let before_data = matches!(
        rec.command,
        Some(C::Connect | C::Helo | C::Ehlo | C::StartTls | C::Auth | C::MailFrom | C::RcptTo)
    );
    let probe = |r: &str| -> bool {
        if rec.forced == Some(r) {
            return true;
        }
        match r {
            "suspend" => said.has(r) || rec.reply == Some(525),
            "hasmoved" | "norelaying" => said.has(r),
            "userunknown" => {
                if st == r {
                    ![
                        "blocked",
                        "mailboxfull",
                        "hasmoved",
                        "rejected",
                        "notaccept",
                    ]
                    .iter()
                    .any(|o| said.has(o))
                } else {
                    rec.command == Some(C::RcptTo) && said.has(r)
                }
            }
            "filtered" => {
                if st == r {
                    said.has("userunknown") || said.has(r)
                } else {
                    !before_data && (said.has(r) || said.has("userunknown"))
                }
            }
            "rejected" => {
                st == r
                    || said.has(r)
                        && match rec.command {
                            Some(C::MailFrom) => true,
                            Some(C::Data) => st != "userunknown",
                            _ => matches!(st, "" | "securityerror" | "systemerror"),
                        }
            }
            "hostunknown" => {
                if st == r {
                    !said.has("networkerror")
                } else {
                    said.has(r)
                }
            }
            _ => st == r || said.has(r),
        }
    };
    const FIRST: [&str; 19] = [
        "mailboxfull",
        "mesgtoobig",
        "exceedlimit",
        "suspend",
        "hasmoved",
        "norelaying",
        "authfailure",
        "userunknown",
        "filtered",
        "requireptr",
        "notcompliantrfc",
        "badreputation",
        "contenterror",
        "rejected",
        "hostunknown",
        "spamdetected",
        "speeding",
        "toomanyconn",
        "blocked",
    ];
    if let Some(r) = FIRST.iter().find(|r| probe(r)) {
        return Some(r);
    }
    if let Some(f) = rec.forced.filter(|f| !matches!(*f, "onhold" | "undefined")) {
        return Some(f);
    }
    if !retryable(st) {
        return Some(st);
    }
    const SECOND: [&str; 19] = [
        "mailboxfull",
        "authfailure",
        "badreputation",
        "speeding",
        "spamdetected",
        "virusdetected",
        "policyviolation",
        "norelaying",
        "systemerror",
        "networkerror",
        "suspend",
        "contenterror",
        "systemfull",
        "notaccept",
        "expired",
        "failedstarttls",
        "securityerror",
        "suppressed",
        "mailererror",
    ];
    if let Some(r) = SECOND.iter().find(|r| said.has(r)) {
        return Some(r);
    }
    if !st.is_empty() {
        return Some(st);
    }
    if let Some(s) = rec.status {
        match (s.subject(), s.class()) {
            (6, Class::Permanent | Class::Transient) => return Some("contenterror"),
            (7, Class::Permanent | Class::Transient) => return Some("securityerror"),
            _ => {}
        }
    }
    if said.has("syntaxerror") {
        return Some("syntaxerror");
    }
    if rec.action == Action::Delayed {
        return Some("expired");
    }
    if matches!(rec.command, Some(C::Helo | C::Ehlo)) {
        return Some("blocked");
    }
    if said.has("vacation") {
        return Some("vacation");
    }
    Some(if rec.has_text { "onhold" } else { "undefined" })
}

#[cfg(test)]
mod reason_tests {
    use super::*;
    use maildiag_reply::SmtpCommand as C;

    fn code(s: &str) -> Option<EnhancedCode> {
        maildiag_reply::parse_enhanced_lenient(s.as_bytes()).map(|(c, _)| c)
    }

    fn name(status: &str) -> Option<&'static str> {
        status_reason(code(status).expect("a valid status code"))
    }

    fn rec(status: &str, command: Option<C>) -> Record {
        Record {
            status: code(status),
            command,
            reply: Some(550),
            action: Action::Failed,
            has_text: true,
            forced: None,
        }
    }

    fn said(reasons: &[&str]) -> Said {
        let mut s = Said::default();
        reasons.iter().for_each(|r| s.add(r));
        s
    }

    #[test]
    fn status_table() {
        assert_eq!(name("5.1.1"), Some("userunknown"));
        assert_eq!(name("5.2.2"), Some("mailboxfull"));
        assert_eq!(name("5.1.6"), Some("hasmoved"));
        assert_eq!(name("4.7.1"), Some("blocked"));
        assert_eq!(name("5.7.1"), Some("securityerror"));
        assert_eq!(name("5.4.4"), Some("hostunknown"));
        assert_eq!(name("4.4.4"), Some("networkerror"));
        assert_eq!(name("5.0.0"), None);
        assert_eq!(name("4.3.0"), None);
        assert_eq!(name("2.6.0"), None);
    }

    #[test]
    fn user_unknown_needs_status_or_rcpt_else_filtered() {
        let s = said(&["userunknown"]);
        assert_eq!(bounce_reason(&rec("5.1.1", None), s), Some("userunknown"));
        assert_eq!(
            bounce_reason(&rec("5.0.0", Some(C::RcptTo)), s),
            Some("userunknown")
        );
        assert_eq!(bounce_reason(&rec("5.0.0", None), s), Some("filtered"));
        assert_eq!(bounce_reason(&rec("5.2.1", None), s), Some("filtered"));
        // Refused before DATA without a user-unknown status: neither.
        assert_eq!(
            bounce_reason(&rec("5.0.0", Some(C::MailFrom)), s),
            Some("onhold")
        );
    }

    #[test]
    fn user_unknown_status_yields_to_other_wording() {
        assert_eq!(
            bounce_reason(&rec("5.1.1", None), said(&["mailboxfull"])),
            Some("mailboxfull")
        );
        assert_eq!(
            bounce_reason(&rec("5.1.1", None), said(&["blocked"])),
            Some("blocked")
        );
    }

    #[test]
    fn rejected_depends_on_command_and_status() {
        let s = said(&["rejected"]);
        assert_eq!(
            bounce_reason(&rec("5.0.0", Some(C::MailFrom)), s),
            Some("rejected")
        );
        assert_eq!(
            bounce_reason(&rec("5.7.1", Some(C::RcptTo)), s),
            Some("rejected")
        );
        assert_eq!(
            bounce_reason(&rec("5.2.2", Some(C::RcptTo)), s),
            Some("mailboxfull")
        );
        assert_eq!(
            bounce_reason(&rec("5.1.8", None), Said::default()),
            Some("rejected")
        );
    }

    #[test]
    fn host_unknown_status_yields_to_network_wording() {
        assert_eq!(
            bounce_reason(&rec("5.1.2", None), Said::default()),
            Some("hostunknown")
        );
        assert_eq!(
            bounce_reason(&rec("5.1.2", None), said(&["networkerror"])),
            Some("networkerror")
        );
    }

    #[test]
    fn status_reason_when_no_wording_matches() {
        assert_eq!(
            bounce_reason(&rec("5.1.6", None), Said::default()),
            Some("hasmoved")
        );
        assert_eq!(
            bounce_reason(&rec("5.7.1", None), Said::default()),
            Some("securityerror")
        );
        assert_eq!(
            bounce_reason(&rec("5.7.99", None), Said::default()),
            Some("securityerror")
        );
        assert_eq!(
            bounce_reason(&rec("5.6.99", None), Said::default()),
            Some("contenterror")
        );
    }

    #[test]
    fn fallbacks_expired_blocked_onhold_undefined() {
        let mut r = rec("4.0.0", None);
        r.action = Action::Delayed;
        assert_eq!(bounce_reason(&r, Said::default()), Some("expired"));
        assert_eq!(
            bounce_reason(&rec("5.0.0", Some(C::Ehlo)), Said::default()),
            Some("blocked")
        );
        assert_eq!(
            bounce_reason(&rec("5.0.0", None), Said::default()),
            Some("onhold")
        );
        let mut r = rec("5.0.0", None);
        r.has_text = false;
        assert_eq!(bounce_reason(&r, Said::default()), Some("undefined"));
    }

    #[test]
    fn suspend_by_reply_code_525() {
        let mut r = rec("5.0.0", None);
        r.reply = Some(525);
        assert_eq!(bounce_reason(&r, Said::default()), Some("suspend"));
    }

    #[test]
    fn wording_lists() {
        let mut s = Said::default();
        wording(b"550 Unroutable sender address", &mut s);
        assert!(s.has("rejected"));
        let mut s = Said::default();
        wording(
            b"550 5.1.1 <a@b>: Recipient address rejected: User unknown",
            &mut s,
        );
        assert!(s.has("userunknown") && !s.has("rejected"));
        let mut s = Said::default();
        wording(b"Host not found, try again", &mut s);
        assert!(s.has("networkerror"));
    }

    #[test]
    fn reason_rules_read_a_bounded_head() {
        let long = "<".repeat(3 * REASON_TEXT_MAX) + "é";
        assert_eq!(head_of(&long).len(), REASON_TEXT_MAX);
        assert_eq!(head_of("é"), "é");
        // A pathological diagnostic still gets its reason from the head: "<a> not found"
        // is unknown-user wording, and with no command named (so not before DATA) and no
        // status Sisimai files it as `filtered`.
        let c = Classifier::new();
        let mut r = BounceRecipient::new("a@example.net", "postfix");
        r.diagnostic = "<a> not found ".repeat(200_000);
        let d = c.classify_bounce(&r);
        assert_eq!(d.sisimai_reason, "filtered");
    }

    #[test]
    fn continuation_codes_do_not_break_phrases() {
        let text = b"550-5.2.1 The user is receiving mail at a rate that 550-5.2.1 prevents additional messages from being delivered.";
        assert_eq!(
            without_line_codes(text),
            b" The user is receiving mail at a rate that prevents additional messages from being delivered.".to_vec()
        );
        let mut s = Said::default();
        wording(text, &mut s);
        assert!(s.has("speeding"));
        // Codes inside words stay.
        assert_eq!(without_line_codes(b"id 5501-x"), b"id 5501-x".to_vec());
    }

    #[test]
    fn hard_bounce_follows_the_reason() {
        let c = Classifier::new();
        let mut r = BounceRecipient::new("a@example.net", "postfix");
        r.diagnostic = "550 User unknown".into();
        r.reply_code = maildiag_types::ReplyCode::new(550);
        r.command = Some(C::RcptTo);
        let d = c.classify_bounce(&r);
        assert_eq!(d.sisimai_reason, "userunknown");
        assert!(d.hard_bounce);
        r.command = Some(C::EndOfData);
        let d = c.classify_bounce(&r);
        assert_eq!(d.sisimai_reason, "filtered");
        assert!(!d.hard_bounce);
    }
}
