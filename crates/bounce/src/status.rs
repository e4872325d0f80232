//! Turning what a reader found into a [`BounceRecipient`]: the reply and enhanced code
//! found in the diagnostic, or a status inferred from its words.

use maildiag_reply::{Action, Extracted, SmtpCommand, parse_enhanced_lenient};
use maildiag_types::{Class, EnhancedCode, ReplyCode};

use crate::email::Ctx;
use crate::model::{BounceRecipient, StatusSource};
use crate::text::{Found, collapse, find_ci};

/// Longest diagnostic kept, in bytes.
const MAX_DIAGNOSTIC: usize = 4096;

/// Phrases and the `subject.detail` they imply, most specific first.
const INFERENCE: &[(&str, u16, u16)] = &[
    // mailbox full
    ("mailbox is full", 2, 2),
    ("mailfolder is full", 2, 2),
    ("mailbox full", 2, 2),
    ("mailbox exceeds", 2, 2),
    ("exceeds allowed size", 2, 2),
    ("over quota", 2, 2),
    ("quota exceeded", 2, 2),
    ("exceeded storage", 2, 2),
    ("exceeded the local limit", 2, 2),
    ("mailbox has exceeded", 2, 2),
    ("insufficient disk", 2, 2),
    ("mailbox size limit", 2, 2),
    ("is over the allowed quota", 2, 2),
    // message size
    ("message too large", 3, 4),
    ("message is too large", 3, 4),
    ("message size exceeds", 3, 4),
    ("size limit exceeded", 3, 4),
    ("mail size limit", 3, 4),
    ("message too big", 3, 4),
    ("exceeds the maximum size", 3, 4),
    // disabled mailboxes
    ("account disabled", 2, 1),
    ("account has been disabled", 2, 1),
    ("mailbox disabled", 2, 1),
    ("account is inactive", 2, 1),
    ("account inactive", 2, 1),
    ("suspended", 2, 1),
    ("is not accepting mail", 2, 1),
    // unknown users
    ("user unknown", 1, 1),
    ("unknown user", 1, 1),
    ("no such user", 1, 1),
    ("no such mailbox", 1, 1),
    ("no mailbox here", 1, 1),
    ("user not found", 1, 1),
    ("unknown recipient", 1, 1),
    ("recipient unknown", 1, 1),
    ("invalid recipient", 1, 1),
    ("recipient not found", 1, 1),
    ("mailbox not found", 1, 1),
    ("mailbox unavailable", 1, 1),
    ("mailbox does not exist", 1, 1),
    ("address does not exist", 1, 1),
    ("user does not exist", 1, 1),
    ("does not have an account", 1, 1),
    ("doesn't have a", 1, 1),
    ("no longer available", 1, 1),
    ("not a valid mailbox", 1, 1),
    ("recipient name is not recognized", 1, 1),
    ("unknown local part", 1, 1),
    ("unknown address", 1, 1),
    ("invalid mailbox", 1, 1),
    ("no such recipient", 1, 1),
    ("address rejected", 1, 1),
    ("could not be found", 1, 1),
    ("does not exist", 1, 1),
    // domains
    ("host unknown", 1, 2),
    ("unknown host", 1, 2),
    ("host not found", 1, 2),
    ("domain not found", 1, 2),
    ("no such domain", 1, 2),
    ("unrouteable address", 1, 2),
    ("unroutable", 1, 2),
    ("name service error", 1, 2),
    ("domain does not exist", 1, 2),
    ("all relevant mx records point to non-existent hosts", 1, 2),
    // relaying
    ("relaying denied", 7, 1),
    ("relay access denied", 7, 1),
    ("relaying not allowed", 7, 1),
    ("not permitted to relay", 7, 1),
    ("relay not permitted", 7, 1),
    // network
    ("connection refused", 4, 1),
    ("connection timed out", 4, 7),
    ("timed out", 4, 7),
    ("retry timeout exceeded", 4, 7),
    ("too long in the queue", 4, 7),
    ("been in the queue too long", 4, 7),
    // policy and content
    ("virus", 7, 1),
    ("spam", 7, 1),
    ("blacklist", 7, 1),
    ("blocklist", 7, 1),
    ("blocked", 7, 1),
    ("access denied", 7, 1),
    ("not authorized", 7, 1),
    // closed mailing lists: X.7.2, mailing list expansion prohibited
    ("not a member of", 7, 2),
    ("policy", 7, 1),
    ("rejected", 7, 1),
];

/// `maildiag_reply::extract_best`, detached from its input.
pub(crate) fn safe_extract(text: &[u8]) -> Option<Extracted<'static>> {
    maildiag_reply::extract_best(text).map(Extracted::into_owned)
}

/// The enhanced code written standalone in `text`, if any.
pub(crate) fn find_enhanced(text: &str) -> Option<EnhancedCode> {
    let b = text.as_bytes();
    for i in 0..b.len() {
        if !matches!(b[i], b'2' | b'4' | b'5') {
            continue;
        }
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.' || b[i - 1] == b'-') {
            continue;
        }
        if b.get(i + 1) != Some(&b'.') {
            continue;
        }
        if let Some((code, len)) = parse_enhanced_lenient(&b[i..]) {
            let next = b.get(i + len).copied();
            let next2 = b.get(i + len + 1).copied();
            let ok = match next {
                None => true,
                Some(b'.') => !next2.is_some_and(|c| c.is_ascii_digit()),
                Some(c) => !c.is_ascii_alphanumeric(),
            };
            if ok {
                return Some(code);
            }
        }
    }
    None
}

/// A reply code directly followed by an enhanced code (`550-'5.7.1`, `550: 5.1.1`,
/// `550 5.2.2`), which the strict extractor may not accept in prose.
pub(crate) fn find_pair(text: &str) -> Option<(ReplyCode, EnhancedCode)> {
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(3) {
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let Some(code) = ReplyCode::from_digits([b[i], b[i + 1], b[i + 2]]) else {
            continue;
        };
        if b.get(i + 3).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let mut j = i + 3;
        while j < b.len() && j < i + 7 && matches!(b[j], b' ' | b'-' | b':' | b'\'' | b'"') {
            j += 1;
        }
        if j == i + 3 {
            continue;
        }
        let end = (j + 12).min(text.len());
        let seg = text.get(j..end).or_else(|| text.get(j..)).unwrap_or("");
        if let Some(e) = find_enhanced(seg.split(' ').next().unwrap_or(""))
            && e.class().digit() == code.first_digit()
        {
            return Some((code, e));
        }
    }
    None
}

/// The `subject.detail` the diagnostic's words imply.
pub(crate) fn infer(text: &str) -> Option<(u16, u16)> {
    static AC: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(INFERENCE.iter().map(|&(p, _, _)| p))
                .ok()
        });
    match &*AC {
        Some(ac) => ac
            .find_overlapping_iter(text)
            .map(|m| m.pattern().as_usize())
            .min()
            .map(|i| (INFERENCE[i].1, INFERENCE[i].2)),
        None => INFERENCE
            .iter()
            .filter_map(|&(p, s, d)| find_ci(text, p).map(|_| (s, d)))
            .next(),
    }
}

fn temporary_words(text: &str) -> bool {
    crate::text::any_ci(
        text,
        &[
            "temporar",
            "try again later",
            "will retry",
            "will be retried",
            "delayed",
            "deferred",
            "still trying",
        ],
    )
}

/// Builds the recipient record from what a reader found.
pub(crate) fn finish(
    f: Found,
    format: &'static str,
    ctx: &Ctx,
    reporting_mta: Option<&str>,
) -> BounceRecipient {
    let mut r = BounceRecipient::new(f.recipient, format);
    let mut diag = collapse(&f.diagnostic);
    if diag.len() > MAX_DIAGNOSTIC {
        let mut cut = MAX_DIAGNOSTIC;
        while !diag.is_char_boundary(cut) {
            cut -= 1;
        }
        diag.truncate(cut);
    }
    r.action = f.action.unwrap_or(Action::Failed);
    r.reply_code = f.reply_code;
    r.command = f.command;
    r.remote_mta = f.remote_mta;
    r.diagnostic_type = f.diagnostic_type;
    if let Some(s) = f.status {
        r.status = Some(s);
        r.status_source = StatusSource::Report;
    }
    if let Some(ex) = safe_extract(diag.as_bytes()) {
        if r.reply_code.is_none() {
            r.reply_code = ex.code;
        }
        if r.status.is_none()
            && let Some(e) = ex.enhanced
        {
            r.status = Some(e);
            r.status_source = StatusSource::Diagnostic;
        }
        if r.command.is_none() {
            r.command = ex.command;
        }
        if r.remote_mta.is_none()
            && let Some(h) = ex.host
        {
            r.remote_mta = h
                .name
                .map(|n| n.into_owned())
                .or_else(|| h.ip.map(|i| i.to_string()));
        }
    }
    if r.command.is_none() {
        r.command = command_for(&ctx.body, ctx.body_commands(), &r.recipient);
    }
    if r.reply_code.is_none()
        && let Some((c, e)) = find_pair(&diag)
    {
        r.reply_code = Some(c);
        if r.status.is_none() {
            r.status = Some(e);
            r.status_source = StatusSource::Diagnostic;
        }
    }
    // A bare X.0.0 is less than a reply-and-code pair in the remote server's words.
    if let Some(s) = r.status
        && s.subject() == 0
        && s.detail() == 0
        && let Some((c, e)) = find_pair(&diag)
        && e.class() == s.class()
    {
        r.status = Some(e);
        r.status_source = StatusSource::Diagnostic;
        r.reply_code = r.reply_code.or(Some(c));
    }
    if r.status.is_none()
        && let Some(e) = find_enhanced(&diag)
    {
        r.status = Some(e);
        r.status_source = StatusSource::Diagnostic;
    }
    if r.status.is_none() {
        let class = match r.reply_code {
            Some(c) if c.is_transient() => Class::Transient,
            Some(c) if c.is_positive() => Class::Success,
            Some(_) => Class::Permanent,
            None if r.action == Action::Delayed || temporary_words(&diag) => Class::Transient,
            None => Class::Permanent,
        };
        if let Some((s, d)) = infer(&diag) {
            r.status = EnhancedCode::new(class, s, d);
            r.status_source = StatusSource::Inferred;
        } else if r.reply_code.is_some() {
            r.status = EnhancedCode::new(class, 0, 0);
            r.status_source = StatusSource::ReplyCode;
        }
    }
    if r.action == Action::Failed
        && r.status.is_some_and(|s| s.class() == Class::Transient)
        && f.action.is_none()
        && temporary_words(&diag)
    {
        r.action = Action::Delayed;
    }
    r.diagnostic = diag;
    r.reporting_mta = reporting_mta.map(str::to_owned);
    r.report_date = ctx.date.clone();
    r.original = ctx.original.clone();
    r
}

/// How far after a recipient's address its failed command is looked for in the prose.
const COMMAND_WINDOW: usize = 2000;

/// The SMTP command a bounce's prose names as the one refused, for a recipient whose
/// diagnostic names none: Postfix's `(in reply to RCPT TO command)`, qmail's `did not like
/// our RCPT TO`, Yahoo's `[RCPT_TO]`, Exim's and GMX's `SMTP error from remote server after
/// RCPT command`, `(Error following RCPT command)`, and in a Sendmail transcript the
/// `>>> ` line before the first `<<< 4xx`/`<<< 5xx` reply. The command closest after the
/// recipient's address wins; otherwise one command named alone in the whole text.
#[cfg(test)]
pub(crate) fn body_command(body: &str, recipient: &str) -> Option<SmtpCommand> {
    command_for(body, &commands_in(body), recipient)
}

/// Every command a body names, by position (see [`body_command`]); it does not
/// depend on the recipient, so a report makes it once (`Ctx::body_commands`).
#[cfg(test)]
pub(crate) fn commands_in(body: &str) -> Vec<(usize, SmtpCommand)> {
    static AC: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(COMMAND_PHRASES)
                .ok()
        });
    let Some(ac) = AC.as_ref() else {
        return Vec::new();
    };
    commands_from_hits(
        body,
        ac.find_overlapping_iter(body)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end())),
    )
}

/// Phrases before a command name (every occurrence counts).
const BEFORE: [&str; 9] = [
    "in reply to ",
    "did not like our ",
    "[",
    "while sending ",
    "server after ",
    "error following ",
    // Exim `LMTP error after RCPT TO:<...>`.
    "error after ",
    // InterScan MSS transcripts: `Sent <<< RCPT TO:<...>`.
    "sent <<< ",
    // qmail's remote fallback patch: `no SMTP connection got far enough; most progress
    // was RCPT TO response`.
    "most progress was ",
];
/// Fixed phrases that name the step that failed (the first occurrence counts): qmail's,
/// IMail's, Microsoft's and 1&1's.
const QMAIL: [(&str, SmtpCommand); 12] = [
    (" but greeting failed", SmtpCommand::Connect),
    (" but my name was rejected", SmtpCommand::Ehlo),
    (" but sender was rejected", SmtpCommand::MailFrom),
    (" does not like recipient", SmtpCommand::RcptTo),
    (" failed on data command", SmtpCommand::Data),
    (" failed after i sent the message", SmtpCommand::EndOfData),
    (
        "additional rcpt to generated following response",
        SmtpCommand::RcptTo,
    ),
    ("server response to mail from", SmtpCommand::MailFrom),
    ("data command generated response", SmtpCommand::Data),
    ("unexpected response to ehlo/helo", SmtpCommand::Ehlo),
    (
        "unknown recipient or mailbox unavailable ->",
        SmtpCommand::RcptTo,
    ),
    ("for text command", SmtpCommand::Data),
];
/// Transcript refusals: the command sent last before the first one counts.
const REFUSALS: [&str; 2] = ["<<< 5", "<<< 4"];

/// Every phrase [`commands_from_hits`] reads, by index: [`BEFORE`], then [`QMAIL`], then
/// [`REFUSALS`] (matched ASCII case-insensitively).
pub(crate) const COMMAND_PHRASES: [&str; BEFORE.len() + QMAIL.len() + REFUSALS.len()] = {
    let mut out = [""; BEFORE.len() + QMAIL.len() + REFUSALS.len()];
    let mut i = 0;
    while i < BEFORE.len() {
        out[i] = BEFORE[i];
        i += 1;
    }
    let mut j = 0;
    while j < QMAIL.len() {
        out[BEFORE.len() + j] = QMAIL[j].0;
        j += 1;
    }
    let mut k = 0;
    while k < REFUSALS.len() {
        out[BEFORE.len() + QMAIL.len() + k] = REFUSALS[k];
        k += 1;
    }
    out
};

/// The commands named by the occurrences (`phrase index`, start, end, in order of their
/// ends, every occurrence) of [`COMMAND_PHRASES`] in `body`, sorted by position.
pub(crate) fn commands_from_hits(
    body: &str,
    hits: impl Iterator<Item = (usize, usize, usize)>,
) -> Vec<(usize, SmtpCommand)> {
    let mut found: Vec<(usize, SmtpCommand)> = Vec::new();
    let mut first_seen = [false; QMAIL.len() + REFUSALS.len()];
    for (i, at, end) in hits {
        if let Some(marker) = BEFORE.get(i) {
            let rest = body.as_bytes().get(end..).unwrap_or_default();
            let cmd = if *marker == "[" {
                // Only the bracketed command names: `[RCPT_TO]`, `[MAIL_FROM]`.
                [&b"rcpt_to]"[..], b"mail_from]"]
                    .iter()
                    .any(|p| {
                        rest.get(..p.len())
                            .is_some_and(|r| r.eq_ignore_ascii_case(p))
                    })
                    .then(|| SmtpCommand::from_phrase(rest))
                    .flatten()
            } else {
                SmtpCommand::from_phrase(rest)
            };
            if let Some(c) = cmd {
                found.push((at, c));
            }
            continue;
        }
        let Some(j) = i
            .checked_sub(BEFORE.len())
            .filter(|j| *j < first_seen.len())
        else {
            continue;
        };
        if first_seen[j] {
            continue;
        }
        first_seen[j] = true;
        if let Some((_, c)) = QMAIL.get(j) {
            found.push((at, *c));
        } else if let Some(sent) = body.get(..at).and_then(|b| b.rfind(">>> "))
            && let Some(c) = SmtpCommand::from_phrase(&body.as_bytes()[sent + 4..])
        {
            found.push((sent, c));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found
}

/// The command [`commands_in`] found for `recipient`: the one closest after its address,
/// or the only one named.
pub(crate) fn command_for(
    body: &str,
    found: &[(usize, SmtpCommand)],
    recipient: &str,
) -> Option<SmtpCommand> {
    let first = found.first()?.1;
    let rcpt = recipient.trim();
    if !rcpt.is_empty()
        && let Some(pos) = crate::text::find_ci(body, rcpt)
        && let Some((_, c)) = found
            .iter()
            .find(|(at, _)| *at >= pos && *at - pos <= COMMAND_WINDOW)
    {
        return Some(*c);
    }
    found.iter().all(|(_, c)| *c == first).then_some(first)
}

#[cfg(test)]
mod command_tests {
    use super::*;

    #[test]
    fn postfix_in_reply_to() {
        let body = "<a@example.net>: host mx.example.net[192.0.2.1] said: 550 User unknown (in reply to RCPT TO command)\n";
        assert_eq!(
            body_command(body, "a@example.net"),
            Some(SmtpCommand::RcptTo)
        );
    }

    #[test]
    fn sendmail_transcript() {
        let body = "... while talking to mx.example.net.:\n>>> MAIL From:<s@example.org>\n<<< 250 ok\n>>> RCPT To:<a@example.net>\n<<< 550 5.1.1 unknown\n";
        assert_eq!(
            body_command(body, "a@example.net"),
            Some(SmtpCommand::RcptTo)
        );
    }

    #[test]
    fn other_writers_phrases() {
        for (body, want) in [
            (
                "LMTP error after RCPT TO:<a@x.example>: 550 5.1.1 unknown",
                SmtpCommand::RcptTo,
            ),
            (
                "Sent <<< RCPT TO:<a@x.example>\nReceived >>> 550 5.1.1 unknown",
                SmtpCommand::RcptTo,
            ),
            (
                "Sorry, no SMTP connection got far enough; most progress was RCPT TO response; 550 nope",
                SmtpCommand::RcptTo,
            ),
            (
                "Server response to MAIL FROM: 550 sender refused",
                SmtpCommand::MailFrom,
            ),
            (
                "unknown recipient or mailbox unavailable ->550 5.1.1",
                SmtpCommand::RcptTo,
            ),
            ("Mailbox full (for TEXT command)", SmtpCommand::Data),
        ] {
            assert_eq!(body_command(body, "a@x.example"), Some(want), "{body}");
        }
    }

    #[test]
    fn bracketed_and_qmail() {
        assert_eq!(
            body_command("554 refused [RCPT_TO]", ""),
            Some(SmtpCommand::RcptTo)
        );
        assert_eq!(
            body_command("192.0.2.1 did not like our MAIL FROM:", "x@y"),
            Some(SmtpCommand::MailFrom)
        );
        assert_eq!(body_command("no command here [192.0.2.1]", "x@y"), None);
        assert_eq!(
            body_command(
                "<x@y>:\nConnected to 192.0.2.1 but my name was rejected.\n",
                "x@y"
            ),
            Some(SmtpCommand::Ehlo)
        );
        let gmx = "\"a@example.net\":\nSMTP error from remote server after RCPT command:\nhost: mx.example.net\n5.2.1 <a@example.net>... User Unknown\n\"b@example.net\":\nSMTP error from remote server after end of data:\n";
        assert_eq!(
            body_command(gmx, "a@example.net"),
            Some(SmtpCommand::RcptTo)
        );
        assert_eq!(
            body_command(gmx, "b@example.net"),
            Some(SmtpCommand::EndOfData)
        );
    }

    #[test]
    fn conflicting_commands_far_from_recipient_give_none() {
        let body = "in reply to RCPT TO command\n\nin reply to end of DATA command\n";
        assert_eq!(body_command(body, "nobody@example.net"), None);
    }
}
