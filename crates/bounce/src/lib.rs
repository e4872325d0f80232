//! Bounce emails and delivery status notifications, read into per-recipient results.
//!
//! A bounce is an email. Most MTAs send RFC 3464 reports
//! (`multipart/report; report-type=delivery-status`), but many do not: qmail, Exim,
//! Exchange, Gmail, Yahoo, Amazon SES notifications and dozens more write prose. This
//! crate parses the email with [`mail_parser`] (MIME, transfer encodings, charsets),
//! reads `message/delivery-status` parts with `maildiag-reply`'s RFC 3464 parser, and
//! otherwise hands the text to one of its format readers, each of which recognises its
//! own MTA's bounces by headers and body markers.
//!
//! The result is a [`Bounce`]: what kind of report the email is ([`ReportKind`]: a
//! failure, an automatic reply, an ARF feedback report, a delivery-success report or
//! nothing at all) and one [`BounceRecipient`] per recipient with its action, enhanced
//! status code, reply code, diagnostic text, remote and reporting MTA, the format that
//! read it and the bounced message's identifiers.
//!
//! ```
//! let email = b"From: MAILER-DAEMON@mx.example.net\r\n\
//! Subject: failure notice\r\n\
//! \r\n\
//! Hi. This is the qmail-send program at mx.example.net.\r\n\
//! I'm afraid I wasn't able to deliver your message to the following addresses.\r\n\
//! This is a permanent error; I've given up. Sorry it didn't work out.\r\n\
//! \r\n\
//! <bob@example.org>:\r\n\
//! 192.0.2.7 does not like recipient.\r\n\
//! Remote host said: 550 5.1.1 <bob@example.org>: Recipient address rejected\r\n\
//! Giving up on 192.0.2.7.\r\n\
//! \r\n\
//! --- Below this line is a copy of the message.\r\n\
//! \r\n\
//! From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\nMessage-ID: <1@example.com>\r\n\r\nhello\r\n";
//!
//! let bounce = maildiag_bounce::parse(email)?;
//! assert!(bounce.is_bounce());
//! let r = &bounce.recipients[0];
//! assert_eq!(r.recipient, "bob@example.org");
//! assert_eq!(r.format, "qmail");
//! assert_eq!(r.status.map(|s| s.to_string()).as_deref(), Some("5.1.1"));
//! assert_eq!(r.reply_code.map(|c| c.get()), Some(550));
//! assert_eq!(r.original.message_id.as_deref(), Some("1@example.com"));
//! # Ok::<(), maildiag_bounce::Error>(())
//! ```
//!
//! Order of work: ARF feedback reports first, then the standard delivery-status reader
//! (the format is then named by the first format reader that recognises the email),
//! then the format readers, then automatic replies, then a generic reader for emails
//! from a mailer daemon. Emails that are none of these are [`ReportKind::NotAReport`].
//! Broken input is an [`Error`], never a panic.
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize` for [`Bounce`], [`BounceRecipient`] and friends |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dsn;
mod email;
mod error;
mod formats;
mod model;
mod nonbounce;
mod status;
mod text;

pub use error::{Error, ErrorKind};
pub use formats::names as format_names;
pub use maildiag_reply::{Action, SmtpCommand};
pub use maildiag_types::{EnhancedCode, ReplyCode};
pub use model::{Bounce, BounceRecipient, OriginalMessage, ReportKind, StatusSource};

use email::Ctx;
use formats::REGISTRY;

/// Largest email accepted (32 MiB).
pub const MAX_EMAIL_LEN: usize = 32 << 20;

/// The bounce reader. Holds no state; [`BounceParser::default`] is the usual one.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BounceParser {}

impl BounceParser {
    /// A reader with the default settings.
    pub fn new() -> BounceParser {
        BounceParser {}
    }

    /// Reads one email (LF, CRLF or CR line ends).
    pub fn parse(&self, raw: &[u8]) -> Result<Bounce, Error> {
        if raw.len() > MAX_EMAIL_LEN {
            return Err(Error::new(ErrorKind::TooLarge {
                limit: MAX_EMAIL_LEN,
            }));
        }
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::new(ErrorKind::Empty));
        }
        // CR-only line ends (old Macintosh files): mail-parser expects LF.
        let fixed;
        let raw = if memchr::memchr(b'\n', raw).is_none() && memchr::memchr(b'\r', raw).is_some() {
            fixed = raw
                .iter()
                .map(|&c| if c == b'\r' { b'\n' } else { c })
                .collect::<Vec<u8>>();
            &fixed[..]
        } else {
            raw
        };
        // mbox "From " separator line: skip it.
        let raw = if raw.starts_with(b"From ") {
            memchr::memchr(b'\n', raw).map_or(raw, |n| &raw[n + 1..])
        } else {
            raw
        };
        // mail-parser 0.11 has a `debug_assert!` that fires on a multipart whose first
        // delimiter line carries text after the boundary (`--b5Content-Type: ...`; fixed in
        // 1.0, where the content stays a part). Release builds go on; in debug builds that
        // email is reported as not readable instead of unwinding through the caller.
        let parsed = std::panic::catch_unwind(|| email::mail_parser().parse(raw));
        let msg = parsed
            .ok()
            .flatten()
            .ok_or(Error::new(ErrorKind::NotAnEmail))?;
        if msg.headers().is_empty() {
            return Err(Error::new(ErrorKind::NotAnEmail));
        }
        let mut ctx = Ctx::new(&msg);
        let b = read(&mut ctx);
        // An email that only forwards a delivery report (no reader knew the email
        // itself): the attached report is the report.
        if ctx.forwards_report
            && b.as_ref()
                .map_or(true, |b| matches!(b.format, "generic" | "none"))
            && let Ok(w) = read(&mut Ctx::unwrapped(&msg))
            && matches!(w.kind, ReportKind::Failure | ReportKind::DeliverySuccess)
        {
            return Ok(w);
        }
        b
    }
}

/// Reads one email with the default [`BounceParser`].
pub fn parse(raw: &[u8]) -> Result<Bounce, Error> {
    BounceParser::default().parse(raw)
}

/// The result for the whole email; the last step of reading it, so it takes the report's
/// fields out of `ctx` instead of copying them.
fn bounce(
    ctx: &mut Ctx,
    kind: ReportKind,
    format: &'static str,
    recipients: Vec<BounceRecipient>,
) -> Bounce {
    Bounce {
        kind,
        format,
        subject: Some(std::mem::take(&mut ctx.subject)).filter(|s| !s.is_empty()),
        from: ctx.header("from").map(text::clean_address),
        date: ctx.date.take(),
        feedback_type: None,
        original: std::mem::take(&mut ctx.original),
        recipients,
    }
}

/// The whole multi-line reply of a transcript (consecutive `<<< ` lines, joined with
/// spaces) whose first line begins with `first`, when it has more lines than that.
fn transcript_reply(body: &str, first: &str) -> Option<String> {
    // White space runs may have been collapsed in the diagnostic.
    let first = text::collapse(first);
    if first.is_empty() || !body.contains("<<< ") {
        return None;
    }
    let mut lines = body.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(head) = line.trim_start().strip_prefix("<<< ") else {
            continue;
        };
        if !text::collapse(head).starts_with(&first) {
            continue;
        }
        let mut full = head.trim().to_owned();
        let mut n = 1;
        while let Some(next) = lines
            .peek()
            .and_then(|l| l.trim_start().strip_prefix("<<< "))
        {
            full.push(' ');
            full.push_str(next.trim());
            n += 1;
            lines.next();
        }
        return (n > 1 && full.len() > first.len()).then_some(full);
    }
    None
}

fn read(ctx: &mut Ctx) -> Result<Bounce, Error> {
    if nonbounce::is_feedback(ctx) {
        let (ftype, rcpts) = nonbounce::read_feedback(ctx);
        let mut b = bounce(ctx, ReportKind::Feedback, "arf", rcpts);
        b.feedback_type = ftype;
        return Ok(b);
    }
    if let Some((ftype, rcpts)) = formats::amazonses::complaint(ctx) {
        let mut b = bounce(ctx, ReportKind::Feedback, "amazonses", rcpts);
        b.feedback_type = ftype;
        return Ok(b);
    }
    let first = REGISTRY.iter().position(|f| (f.detect)(ctx));
    let detected = first.and_then(|i| REGISTRY.get(i));
    // The standard delivery-status reader.
    let has_dsn = !ctx.dsn_parts.is_empty() || dsn::text_dsn_start(ctx).is_some();
    if has_dsn {
        let name = detected.map_or("rfc3464", |f| f.name);
        let mut rcpts = dsn::read(ctx, name);
        // Formats whose text says more than their DSN (e.g. a missing diagnostic).
        // Without a format reader, the generic one reads the text.
        // A diagnostic that is only a number (Sendmail's `X-Unix; 77`, an exit status)
        // says no more than an empty one.
        let uninformative = |d: &str| d.trim().bytes().all(|c| c.is_ascii_digit());
        if rcpts.iter().any(|r| uninformative(&r.diagnostic)) {
            let read = detected
                .and_then(|f| f.read)
                .unwrap_or(generic_text as fn(&mut Ctx) -> Vec<text::Found>);
            let extra = read(ctx);
            // One recipient in the report and one in the text are the same recipient
            // even when the report names it differently (an alias, or a
            // `Final-Recipient` that is no address, such as `@mx.example.org`).
            let only = match (&rcpts[..], &extra[..]) {
                ([_], [x]) => Some(x),
                _ => None,
            };
            for r in &mut rcpts {
                if uninformative(&r.diagnostic)
                    && let Some(x) = extra
                        .iter()
                        .find(|x| x.recipient.eq_ignore_ascii_case(&r.recipient))
                        .or(only.filter(|x| x.recipient.contains('@')))
                {
                    let mut fresh =
                        status::finish(x.clone(), name, ctx, r.reporting_mta.as_deref());
                    fresh.action = r.action;
                    // A bare `X.0.0` in the report says less than a specific code of the
                    // same class written in the remote server's reply the text quotes.
                    let vaguer = r.status.is_some_and(|s| {
                        fresh.status_source == StatusSource::Diagnostic
                            && fresh.status.is_some_and(|f| f.says_more_than(s))
                    });
                    if r.status.is_some() && !vaguer {
                        fresh.status = r.status;
                        fresh.status_source = r.status_source;
                    }
                    // What only the report's fields say stays.
                    if dsn::is_address(&r.recipient) {
                        fresh.recipient = std::mem::take(&mut r.recipient);
                    }
                    fresh.remote_mta = fresh.remote_mta.or_else(|| r.remote_mta.take());
                    fresh.original_recipient = r.original_recipient.take();
                    fresh.arrival_date = r.arrival_date.take();
                    fresh.last_attempt_date = r.last_attempt_date.take();
                    *r = fresh;
                }
            }
        }
        // Sendmail copies only the first line of a multi-line reply into Diagnostic-Code;
        // its transcript (`<<< ` lines) holds the whole reply.
        if let [r] = &mut rcpts[..]
            && let Some(full) = transcript_reply(&ctx.body, &r.diagnostic)
        {
            r.diagnostic = full;
        }
        if !rcpts.is_empty() {
            for r in &mut rcpts {
                r.original = ctx.original.clone();
            }
            let success = rcpts.iter().all(|r| {
                matches!(
                    r.action,
                    Action::Delivered | Action::Relayed | Action::Expanded
                )
            });
            let kind = if success {
                ReportKind::DeliverySuccess
            } else {
                ReportKind::Failure
            };
            return Ok(bounce(ctx, kind, name, rcpts));
        }
    }
    // Every reader that recognises the email, in registry order, until one finds
    // recipients: a broad detector (Amazon SES's sending headers on a Yahoo bounce) must
    // not hide the reader that can read it.
    // (The first detector that matched is not asked again.)
    for (i, f) in REGISTRY
        .iter()
        .enumerate()
        .skip(first.unwrap_or(REGISTRY.len()))
    {
        let Some(read) = f.read.filter(|_| Some(i) == first || (f.detect)(ctx)) else {
            continue;
        };
        let found = read(ctx);
        if found.is_empty() {
            continue;
        }
        let reporting = reporting_mta(ctx);
        let rcpts: Vec<BounceRecipient> = found
            .into_iter()
            .filter(|x| x.recipient.contains('@'))
            .map(|x| status::finish(x, f.name, ctx, reporting.as_deref()))
            .collect();
        if !rcpts.is_empty() {
            let success = rcpts.iter().all(|r| r.action == Action::Delivered);
            let kind = if success {
                ReportKind::DeliverySuccess
            } else {
                ReportKind::Failure
            };
            return Ok(bounce(ctx, kind, f.name, rcpts));
        }
    }
    let daemon = formats::from_daemon(ctx) || text::any_ci(&ctx.subject, BOUNCE_SUBJECTS);
    if !daemon && nonbounce::is_auto_reply(ctx) {
        let rcpts = nonbounce::read_auto_reply(ctx);
        return Ok(bounce(ctx, ReportKind::AutoReply, "rfc3834", rcpts));
    }
    if daemon || detected.is_some() {
        let found = formats::simple(ctx, &[], &[], &[]);
        let reporting = reporting_mta(ctx);
        let rcpts: Vec<BounceRecipient> = found
            .into_iter()
            .filter(|x| x.recipient.contains('@'))
            .map(|x| status::finish(x, "generic", ctx, reporting.as_deref()))
            .collect();
        if rcpts.is_empty() {
            return Err(Error::new(ErrorKind::NoRecipients {
                format: detected.map_or("generic", |f| f.name),
            }));
        }
        return Ok(bounce(ctx, ReportKind::Failure, "generic", rcpts));
    }
    if nonbounce::is_auto_reply(ctx) {
        let rcpts = nonbounce::read_auto_reply(ctx);
        return Ok(bounce(ctx, ReportKind::AutoReply, "rfc3834", rcpts));
    }
    Ok(bounce(ctx, ReportKind::NotAReport, "none", Vec::new()))
}

const BOUNCE_SUBJECTS: &[&str] = &[
    "undeliver",
    "undelivered",
    "delivery status notification",
    "delivery failure",
    "delivery failed",
    "failure notice",
    "returned mail",
    "mail delivery",
    "could not be delivered",
    "delivery notification",
    "nondeliverable",
    "non-delivery",
];

/// The generic text reader ([`formats::simple`] over the whole body).
fn generic_text(ctx: &mut Ctx) -> Vec<text::Found> {
    formats::simple(ctx, &[], &[], &[])
}

/// The host that wrote the report: the `by` host of the topmost `Received` header.
fn reporting_mta(ctx: &Ctx) -> Option<String> {
    let rcv = ctx.header("received")?;
    let p = text::find_ci(rcv, " by ")?;
    let host: String = rcv[p + 4..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (host.contains('.')).then_some(host)
}

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod transcript_tests {
    use super::transcript_reply;

    #[test]
    fn the_first_line_is_completed_from_the_transcript() {
        let body = "... while talking to mx.example.net.:\n>>> DATA\n<<< 550-5.7.1 [192.0.2.1      13] Messages with multiple addresses in From:\n<<< 550 5.7.1 header are not accepted. - gsmtp\n554 5.0.0 Service unavailable\n";
        assert_eq!(
            transcript_reply(
                body,
                "550-5.7.1 [192.0.2.1 13] Messages with multiple addresses in From:"
            )
            .as_deref(),
            Some(
                "550-5.7.1 [192.0.2.1      13] Messages with multiple addresses in From: 550 5.7.1 header are not accepted. - gsmtp"
            )
        );
        // Another reply, or a one-line reply: nothing to add.
        assert_eq!(transcript_reply(body, "550 5.1.1 User unknown"), None);
        assert_eq!(
            transcript_reply("<<< 550 5.1.1 User unknown\n", "550 5.1.1 User unknown"),
            None
        );
        assert_eq!(transcript_reply(body, ""), None);
    }
}

#[cfg(test)]
mod forwarded_tests {
    const INNER: &str = "From: MAILER-DAEMON@mx.example.org\nTo: alice@example.com\n\
Subject: Delivery failure\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"in\"\n\n\
--in\nContent-Type: text/plain\n\nFailed.\n--in\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; bob@example.org\n\
Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 unknown user\n\n\
--in\nContent-Type: text/rfc822-headers\n\nFrom: alice@example.com\nTo: bob@example.org\n\
Message-ID: <inner-orig@example.com>\n\n--in--\n";

    fn wrap(from: &str, text: &str) -> String {
        format!(
            "From: {from}\nTo: admins@example.com\nSubject: FYI\nMIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"out\"\n\n--out\nContent-Type: text/plain\n\n\
{text}\n--out\nContent-Type: message/rfc822\n\n{INNER}\n--out--\n"
        )
    }

    #[test]
    fn a_forwarded_report_is_read_when_the_email_itself_says_nothing() {
        for from in ["gateway@example.com", "MAILER-DAEMON@gw.example.com"] {
            let b = crate::parse(wrap(from, "A bounce, forwarded.").as_bytes()).expect("parse");
            assert!(b.is_bounce(), "{from}");
            assert_eq!(b.format, "rfc3464");
            assert_eq!(b.recipients.len(), 1);
            assert_eq!(b.recipients[0].recipient, "bob@example.org");
            assert_eq!(
                b.original.message_id.as_deref(),
                Some("inner-orig@example.com")
            );
        }
    }

    #[test]
    fn a_bounce_of_its_own_keeps_its_reading() {
        // qmail bouncing a message that was itself a report: the qmail text counts.
        let text = "Hi. This is the qmail-send program at gw.example.com.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\n\
<carol@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n";
        let b = crate::parse(wrap("MAILER-DAEMON@gw.example.com", text).as_bytes()).expect("parse");
        assert_eq!(b.format, "qmail");
        assert_eq!(b.recipients[0].recipient, "carol@example.net");
    }
}
