//! Reports that are not bounces: ARF feedback reports and automatic replies.

use crate::email::Ctx;
use crate::model::BounceRecipient;
use crate::text::{any_ci, clean_address};

/// `true` for an ARF feedback report (RFC 5965), or one of the complaint and
/// unsubscribe messages that stand for one without its MIME structure.
pub(crate) fn is_feedback(ctx: &Ctx) -> bool {
    ctx.feedback.is_some()
        || ctx.report_type.as_deref() == Some("feedback-report")
        || informal_feedback(ctx).is_some()
}

/// The feedback type of a complaint or unsubscribe request sent as a plain message:
/// Microsoft's junk-mail reporting program (JMRP) forwards the reported message as a
/// `message/rfc822` part of a `multipart/mixed` email titled "complaint about message
/// from <IP>", and Apple Mail's Unsubscribe button sends a short text saying so (marked
/// `X-Apple-Unsubscribe: true`).
fn informal_feedback(ctx: &Ctx) -> Option<&'static str> {
    let subject = ctx.subject.trim_start();
    let complaint = subject.len() >= 28
        && subject.is_char_boundary(28)
        && subject[..28].eq_ignore_ascii_case("complaint about message from");
    if complaint && !ctx.original.is_empty() {
        return Some("abuse");
    }
    if ctx
        .header("x-apple-unsubscribe")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Some("opt-out");
    }
    (ctx.subject.trim().eq_ignore_ascii_case("unsubscribe")
        && crate::text::contains_ci(&ctx.body, "sent this email to unsubscribe"))
    .then_some("opt-out")
}

/// The feedback type and recipients of an ARF report.
pub(crate) fn read_feedback(ctx: &Ctx) -> (Option<String>, Vec<BounceRecipient>) {
    let mut ftype = None;
    let mut rcpts: Vec<String> = Vec::new();
    let mut arrival = None;
    let mut reporting = None;
    if let Some(fb) = &ctx.feedback {
        let text = String::from_utf8_lossy(fb);
        // The fields are header-like; read them with mail-parser's header reader.
        let mut owned = text.replace("\r\n", "\n");
        owned.push_str("\n\n");
        if let Some(m) = crate::email::mail_parser().parse_headers(owned.as_bytes()) {
            for (name, value) in m.headers_raw() {
                let v = crate::email::unfold(value);
                match name.to_ascii_lowercase().as_str() {
                    "feedback-type" => ftype = Some(v.to_ascii_lowercase()),
                    "original-rcpt-to" | "removal-recipient" => rcpts.push(clean_address(&v)),
                    "arrival-date" | "received-date" => arrival = Some(v),
                    "reporting-mta" => {
                        reporting = Some(v.rsplit(';').next().unwrap_or("").trim().to_owned())
                    }
                    _ => {}
                }
            }
        }
    }
    if ftype.is_none() {
        ftype = informal_feedback(ctx).map(str::to_owned);
    }
    if rcpts.is_empty() {
        rcpts = ctx.original_to.clone();
    }
    if rcpts.is_empty() {
        // Hotmail-style reports put the recipient in the report's own To.
        if let Some(to) = ctx.header("to") {
            rcpts.push(clean_address(to));
        }
    }
    let list = rcpts
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let mut b = BounceRecipient::new(r, "arf");
            b.action = maildiag_reply::Action::Other;
            b.feedback_type.clone_from(&ftype);
            b.arrival_date.clone_from(&arrival);
            b.reporting_mta.clone_from(&reporting);
            b.report_date.clone_from(&ctx.date);
            b.original = ctx.original.clone();
            b
        })
        .collect();
    (ftype, list)
}

const AUTO_SUBJECTS: &[&str] = &[
    "auto:",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "autoresponse",
    "out of office",
    "out of the office",
    "vacation",
    "abwesenheit",
    "réponse automatique",
    "respuesta automática",
    "自動応答",
    "自動返信",
    "不在",
];

/// `true` for an automatic reply (RFC 3834 and the usual non-standard markers).
///
/// As in Sisimai, mail from `root` (cron, sudo's "security information for" reports) and
/// Exim's "Mail failure -" notices are never auto-replies. `X-Auto-Response-Suppress:
/// OOF` asks others not to answer; Exchange writes it on much of its own mail (NDRs,
/// meeting notices), so it marks nothing (Sisimai 5 dropped it too).
pub(crate) fn is_auto_reply(ctx: &Ctx) -> bool {
    if any_ci(
        &ctx.subject,
        &["security information for", "mail failure -"],
    ) || ["from", "to"]
        .iter()
        .any(|h| ctx.header(h).is_some_and(|v| names_local_part(v, "root")))
    {
        return false;
    }
    if ctx.header_contains("auto-submitted", "auto-replied")
        || ctx.header("x-autoreply").is_some()
        || ctx.header("x-autorespond").is_some()
        || ctx.header_contains("precedence", "auto_reply")
        || ctx
            .header("x-autogenerated")
            .is_some_and(|v| crate::text::contains_ci(v, "reply"))
        || ctx
            .header("x-apple-action")
            .is_some_and(|v| starts_with_ci(v.trim(), "vacation"))
    {
        return true;
    }
    if generated_not_report(ctx) {
        return true;
    }
    any_ci(&ctx.subject, AUTO_SUBJECTS)
}

/// `Auto-Submitted: auto-generated` or `auto-notified` (RFC 3834 section 5) on an email
/// that is nothing else. Delivery reports carry these values too (many MTAs mark their
/// bounces `auto-generated`), so they count only when no part of the email is a report:
/// no delivery-status part or fields, no report type, no forwarded report, no bounce
/// reader that recognises it, and not from a mail daemon.
fn generated_not_report(ctx: &Ctx) -> bool {
    let generated = ctx.header("auto-submitted").is_some_and(|v| {
        let v = v.trim();
        starts_with_ci(v, "auto-generated") || starts_with_ci(v, "auto-notified")
    });
    generated
        && ctx.dsn_parts.is_empty()
        && ctx.feedback.is_none()
        && ctx.report_type.is_none()
        && !ctx.forwards_report
        && !crate::formats::from_daemon(ctx)
        && crate::dsn::text_dsn_start(ctx).is_none()
        && !crate::formats::REGISTRY.iter().any(|f| (f.detect)(ctx))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `true` when an address in the header value `v` has the local part `local` (`root@`,
/// `<root@host>`, `"x" <ROOT@host>`), not merely one ending in it (`chroot@`).
fn names_local_part(v: &str, local: &str) -> bool {
    let b = v.as_bytes();
    let n = local.len();
    (0..b.len()).filter(|&i| b[i] == b'@').any(|at| {
        at >= n
            && b[at - n..at].eq_ignore_ascii_case(local.as_bytes())
            && (at == n || !matches!(b[at - n - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'+'))
    })
}

/// The auto-reply's sender, as the recipient that is away.
pub(crate) fn read_auto_reply(ctx: &Ctx) -> Vec<BounceRecipient> {
    let from = clean_address(ctx.header("from").unwrap_or(""));
    if from.is_empty() {
        return Vec::new();
    }
    let mut b = BounceRecipient::new(from, "rfc3834");
    b.action = maildiag_reply::Action::Other;
    b.diagnostic = crate::text::collapse(
        ctx.body
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
    );
    if b.diagnostic.len() > 300 {
        let mut cut = 300;
        while !b.diagnostic.is_char_boundary(cut) {
            cut -= 1;
        }
        b.diagnostic.truncate(cut);
    }
    b.report_date.clone_from(&ctx.date);
    b.original = ctx.original.clone();
    vec![b]
}

#[cfg(test)]
mod auto_reply_tests {
    use crate::ReportKind;

    fn kind(headers: &str, body: &str) -> (ReportKind, &'static str) {
        let raw = format!(
            "From: Kijitora <kijitora@example.jp>\nTo: sender@example.org\n\
             Date: Thu, 29 Apr 2010 23:34:45 +0900\n{headers}\n\n{body}\n"
        );
        let b = crate::parse(raw.as_bytes()).expect("parse");
        (b.kind, b.format)
    }

    const AWAY: &str = "I will be back on Monday.";

    #[test]
    fn rfc3834_generated_and_notified_messages_are_auto_replies() {
        for v in [
            "auto-generated",
            "Auto-Notified",
            "auto-generated; owner-email=x@y",
        ] {
            let h = format!("Subject: Re: hello\nAuto-Submitted: {v}");
            assert_eq!(kind(&h, AWAY), (ReportKind::AutoReply, "rfc3834"), "{v}");
        }
        // `no` says the opposite.
        let h = "Subject: Re: hello\nAuto-Submitted: no";
        assert_eq!(kind(h, AWAY).0, ReportKind::NotAReport);
    }

    #[test]
    fn apple_vacation_header_is_an_auto_reply() {
        let h = "Subject: Re: hello\nX-Apple-Action: vacation";
        assert_eq!(kind(h, AWAY), (ReportKind::AutoReply, "rfc3834"));
    }

    #[test]
    fn exchange_response_suppression_alone_is_not_an_auto_reply() {
        for v in ["OOF", "DR, RN, NRN, OOF, AutoReply", "All"] {
            let h = format!("Subject: Re: hello\nX-Auto-Response-Suppress: {v}");
            assert_eq!(kind(&h, AWAY).0, ReportKind::NotAReport, "{v}");
        }
    }

    #[test]
    fn root_and_exim_notices_are_never_auto_replies() {
        let raw = "From: root@host.example.jp\nTo: sender@example.org\n\
                   Subject: Out of office\nAuto-Submitted: auto-replied\n\nAway.\n";
        assert_eq!(
            crate::parse(raw.as_bytes()).unwrap().kind,
            ReportKind::NotAReport
        );
        let h = "Subject: *** SECURITY information for host.example.jp ***\n\
                 Auto-Submitted: auto-generated";
        assert_eq!(
            kind(h, "kijitora : user NOT in sudoers").0,
            ReportKind::NotAReport
        );
        let h = "Subject: Mail failure - malformed recipient address\nAuto-Submitted: auto-replied";
        assert_eq!(kind(h, AWAY).0, ReportKind::NotAReport);
        let raw = "From: Kijitora <kijitora@example.jp>\nTo: Admin <ROOT@example.org>\n\
                   Subject: Re: hello\nAuto-Submitted: auto-replied\n\nAway.\n";
        assert_eq!(
            crate::parse(raw.as_bytes()).unwrap().kind,
            ReportKind::NotAReport
        );
        // A local part that only ends in "root" is someone else.
        let raw = "From: chroot@example.jp\nTo: sender@example.org\n\
                   Subject: Re: hello\nAuto-Submitted: auto-replied\n\nAway.\n";
        assert_eq!(
            crate::parse(raw.as_bytes()).unwrap().kind,
            ReportKind::AutoReply
        );
    }

    /// Delivery reports carry `Auto-Submitted: auto-generated` too: they stay what they
    /// are even when nothing could be read from them.
    #[test]
    fn generated_reports_are_not_auto_replies() {
        // A delivery-status part without a recipient, from an ordinary address.
        let raw = "From: notifier@example.net\nTo: sender@example.org\nSubject: Note\n\
                   Auto-Submitted: auto-generated\nMIME-Version: 1.0\n\
                   Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
                   --b\nContent-Type: text/plain\n\nSee the report.\n\
                   --b\nContent-Type: message/delivery-status\n\n\
                   Reporting-MTA: dns; mx.example.net\n\n--b--\n";
        assert_ne!(
            crate::parse(raw.as_bytes()).map(|b| b.kind).ok(),
            Some(ReportKind::AutoReply)
        );
        // A report forwarded by a gateway that marks its own mail: the report is read.
        let inner = "From: MAILER-DAEMON@mx.example.org\nTo: alice@example.com\n\
            Subject: Delivery failure\nMIME-Version: 1.0\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"in\"\n\n\
            --in\nContent-Type: text/plain\n\nFailed.\n--in\nContent-Type: message/delivery-status\n\n\
            Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.org\n\
            Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown user\n\n--in--\n";
        let raw = format!(
            "From: gateway@example.com\nTo: admins@example.com\nSubject: FYI\n\
             Auto-Submitted: auto-generated\nMIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=\"out\"\n\n--out\nContent-Type: text/plain\n\n\
             A bounce, forwarded.\n--out\nContent-Type: message/rfc822\n\n{inner}\n--out--\n"
        );
        let b = crate::parse(raw.as_bytes()).expect("parse");
        assert_eq!((b.kind, b.format), (ReportKind::Failure, "rfc3464"));
        assert_eq!(b.recipients[0].recipient, "bob@example.org");
    }
}
