//! Sisimai reason names for a verdict: the category's primary reason, refined by the
//! command, the wording and Sisimai's status-code table.

use maildiag_types::{Class, EnhancedCode};

use crate::classify::Verdict;

/// Refines a category's primary Sisimai reason with the command and the wording, the
/// way Sisimai tells its reasons apart (`rejected` at MAIL FROM, `filtered` for a
/// recipient refused after DATA, `notaccept` for a null MX, `hasmoved`...).
pub(crate) fn sisimai_reason(v: &Verdict, text: &[u8]) -> &'static str {
    use maildiag_reply::SmtpCommand as C;
    use maildiag_types::Category as K;
    let has = |needle: &str| {
        let n = needle.as_bytes();
        text.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    };
    let primary = maildiag_codes::category(v.category)
        .sisimai_reasons
        .first()
        .copied()
        .unwrap_or("undefined");
    match (v.category, v.command) {
        // Sisimai's `rejected`: the envelope sender's address was refused.
        _ if v.about_sender => "rejected",
        (K::UserUnknown, _) if has("moved") => "hasmoved",
        // Sisimai's status table: X.1.6 "destination mailbox has moved".
        (K::UserUnknown, _) if v.enhanced.and_then(status_reason) == Some("hasmoved") => "hasmoved",
        (K::UserUnknown, Some(C::Data | C::EndOfData)) => "filtered",
        (K::DomainNotFound, _) if has("null mx") || has("does not accept mail") => "notaccept",
        (K::TlsRequired, _) if has("starttls") => "failedstarttls",
        (K::Policy | K::Blocklisted | K::BadReputation | K::SyntaxError, Some(C::MailFrom)) => {
            "rejected"
        }
        (K::Policy, Some(C::RcptTo)) => "filtered",
        (K::Policy, _) if has("sender") && (has("rejected") || has("denied") || has("refused")) => {
            "rejected"
        }
        (K::MailboxFull, _) if has("system storage") || has("insufficient system") => "systemfull",
        (K::MessageTooBig, _) if has("exceeds") && has("limit") && !has("size") => "exceedlimit",
        (K::SpamContent, _) if has("mime") || has("content error") || has("header") => {
            "contenterror"
        }
        (K::SystemError, _)
            if has("mailer") || has("x-unix") || has("command died") || has("pipe to") =>
        {
            "mailererror"
        }
        _ => primary,
    }
}

/// The reason Sisimai's status table gives an enhanced status code (RFC 3463 subjects
/// mapped to its reasons); `None` for codes it leaves to the wording (`5.0.0`, `4.7.0`...).
pub(crate) fn status_reason(s: EnhancedCode) -> Option<&'static str> {
    if s.class() == Class::Success {
        return (s.subject() == 1 && s.detail() == 5).then_some("delivered");
    }
    let permanent = s.class() == Class::Permanent;
    let r = match (s.subject(), s.detail()) {
        (1, 0 | 1 | 3) if permanent => "userunknown",
        (1, 2) if permanent => "hostunknown",
        (1, 4) if permanent => "filtered",
        (1, 6) => "hasmoved",
        (1, 7 | 8) => "rejected",
        (1, 9) => "systemerror",
        (1, 10) if permanent => "notaccept",
        (2, 0) if permanent => "filtered",
        (2, 1) => {
            if permanent {
                "filtered"
            } else {
                "blocked"
            }
        }
        (2, 2) => "mailboxfull",
        (2, 3) => "exceedlimit",
        (2, 4) => "filtered",
        (3, 0) if permanent => "systemerror",
        (3, 1) => "systemfull",
        (3, 2) => "notaccept",
        (3, 3 | 5) => "systemerror",
        (3, 4) if permanent => "mesgtoobig",
        (4, 0) if permanent => "networkerror",
        (4, 1 | 7) if !permanent => "expired",
        (4, 2 | 4 | 6 | 8) if !permanent => "networkerror",
        (4, 3) => "systemerror",
        (4, 4) if permanent => "hostunknown",
        (4, 5) if !permanent => "systemfull",
        (5, 2 | 6) if permanent => "syntaxerror",
        (5, 3) => {
            if permanent {
                "toomanyconn"
            } else {
                "systemerror"
            }
        }
        (5, 4) if permanent => "systemerror",
        (5, 5) => "systemerror",
        (6, 0 | 2 | 5) => "contenterror",
        (6, 1 | 3 | 6..=9) if permanent => "contenterror",
        (7, 1 | 2) if !permanent => "blocked",
        (7, 0..=11 | 14 | 15 | 19) if permanent => "securityerror",
        (7, 5..=7 | 12 | 15) if !permanent => "securityerror",
        (7, 13) if permanent => "suspend",
        (7, 16) => "mesgtoobig",
        (7, 17 | 18) if permanent => "hasmoved",
        (7, 20..=23 | 26 | 29) if permanent => "authfailure",
        (7, 24 | 26) => "authfailure",
        (7, 25) => "requireptr",
        (7, 27) if permanent => "notaccept",
        (7, 28) if permanent => "spamdetected",
        (7, 30) if permanent => "failedstarttls",
        _ => return None,
    };
    Some(r)
}
