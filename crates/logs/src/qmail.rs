//! qmail-send logs (qmail, netqmail, notqmail, s/qmail), and `rblsmtpd` refusals logged
//! beside them.
//!
//! Three envelopes: multilog's TAI64N label (`@400000006740e2a10b2c3d4e MESSAGE`), the same
//! converted by `tai64nlocal` (`2024-11-22 10:00:01.123456789 MESSAGE`), and syslog
//! through `splogger` (`Nov 22 10:00:01 mx qmail: 1732269601.123456 MESSAGE`).
//!
//! A delivery takes three records, joined by the reader:
//!
//! ```text
//! info msg 4711: bytes 2345 from <s@example.org> qp 123 uid 89
//! starting delivery 17: msg 4711 to remote u@example.com
//! delivery 17: deferral: Connected_to_192.0.2.1_but_greeting_failed./Remote_host_said:_421_busy/
//! ```
//!
//! `info msg` names the sender of message 4711 ([`Parsed::Sender`]), `starting delivery`
//! the message and recipient of delivery 17 ([`Parsed::Delivery`]); the result line
//! (`success`, `deferral`, `failure`) carries only the delivery number
//! ([`Parsed::Pending`]). qmail writes the report with spaces as `_` and line breaks as
//! `/`; the event's reply is read from the text with both put back. A `failure` that says
//! the message `has been in the queue too long` is an expiry.

use std::borrow::Cow;

use maildiag_reply::{Extracted, extract_best};

use crate::Format;
use crate::event::{DeliveryEvent, Outcome, Relay, Src, parse_ip, strip_angles, trim};
use crate::opensmtpd::{offset, split_word};
use crate::parse::Parsed;
use crate::syslog::Syslog;
use crate::time::{Timestamp, parse_epoch, parse_iso};

/// The words a qmail-send (or rblsmtpd) record starts with: how a line is told apart
/// from other multilog or `YYYY-MM-DD` lines.
const RECORDS: [&[u8]; 10] = [
    b"delivery ",
    b"starting delivery ",
    b"info msg ",
    b"new msg ",
    b"end msg ",
    b"bounce msg ",
    b"status: local ",
    b"triple bounce: ",
    b"rblsmtpd: ",
    b"warning: trouble ",
];

/// Whether `msg` (a line's message part) is a qmail-send or rblsmtpd record.
pub(crate) fn is_record(msg: &[u8]) -> bool {
    let msg = skip_epoch(msg);
    RECORDS.iter().any(|r| msg.starts_with(r))
}

/// The start of the message after a multilog or `tai64nlocal` stamp, with the stamp;
/// `None` when the line has neither.
pub(crate) fn stamp(line: &[u8]) -> Option<(Timestamp, usize)> {
    match line.first()? {
        b'@' => {
            let t = tai64n(line.get(1..25)?)?;
            (line.get(25) == Some(&b' ')).then_some((t, 26))
        }
        b'0'..=b'9' => {
            let (t, len) = parse_iso(line)?;
            (line.get(len) == Some(&b' ')).then_some((t, len + 1))
        }
        _ => None,
    }
}

/// A TAI64N label (24 hex digits): seconds since 1970 are the label minus 2^62 and the
/// 10 s by which TAI ran ahead of UTC in 1970 (as daemontools writes it).
fn tai64n(hex: &[u8]) -> Option<Timestamp> {
    let mut v: u128 = 0;
    for &c in hex {
        v = (v << 4) | u128::from((c as char).to_digit(16)?);
    }
    let secs = (v >> 32) as u64;
    let nanos = (v & 0xffff_ffff) as u32;
    let unix = secs.checked_sub((1u64 << 62) + 10)?;
    if unix > 1 << 40 || nanos >= 1_000_000_000 {
        return None;
    }
    Some(Timestamp {
        unix: unix as i64,
        micros: nanos / 1000,
        utc_offset: Some(0),
    })
}

/// `splogger`'s own stamp before the message (`1732269601.123456 `), skipped.
fn skip_epoch(msg: &[u8]) -> &[u8] {
    let digits = msg
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    if digits >= 9 && msg.get(digits) == Some(&b' ') {
        &msg[digits + 1..]
    } else {
        msg
    }
}

/// Parses a multilog or `tai64nlocal` line (see [`stamp`]).
pub(crate) fn parse(line: &[u8], base: u64) -> Parsed<'_> {
    match stamp(line) {
        Some((t, at)) => message(line, at, Some(t), None, base),
        None => Parsed::Unparsed,
    }
}

/// Parses a qmail-send record pasted without its stamp (`delivery 17: failure: ...`).
pub(crate) fn parse_bare(line: &[u8], base: u64) -> Parsed<'_> {
    match message(line, 0, None, None, base) {
        p @ Parsed::Pending { .. } => p,
        _ => Parsed::Ignored,
    }
}

/// Parses a syslog line written through `splogger`.
pub(crate) fn parse_syslog<'a>(line: &'a [u8], sys: &Syslog<'a>, base: u64) -> Parsed<'a> {
    let msg = &line[sys.msg_at..];
    let rest = skip_epoch(msg);
    let own = (rest.len() < msg.len())
        .then(|| parse_epoch(trim(&msg[..msg.len() - rest.len()])))
        .flatten();
    message(
        line,
        line.len() - rest.len(),
        Some(own.unwrap_or(sys.timestamp)),
        Some(sys),
        base,
    )
}

/// The record at `at` in `line`.
fn message<'a>(
    line: &'a [u8],
    at: usize,
    timestamp: Option<Timestamp>,
    sys: Option<&Syslog<'a>>,
    base: u64,
) -> Parsed<'a> {
    let msg = &line[at..];
    if let Some(rest) = msg.strip_prefix(b"info msg ") {
        // `info msg 4711: bytes 2345 from <s@example.org> qp 123 uid 89`
        let (id, rest) = split_word(rest);
        let Some(id) = id.strip_suffix(b":").filter(|i| is_number(i)) else {
            return Parsed::Unparsed;
        };
        let Some(from) = memchr::memmem::find(rest, b" from <") else {
            return Parsed::Unparsed;
        };
        let addr = &rest[from + 6..];
        let end = memchr::memchr(b'>', addr).map_or(addr.len(), |n| n + 1);
        return Parsed::Sender {
            queue_id: id,
            sender: strip_angles(&addr[..end]),
        };
    }
    if let Some(rest) = msg.strip_prefix(b"starting delivery ") {
        // `starting delivery 17: msg 4711 to remote u@example.com`
        let (id, rest) = split_word(rest);
        let (Some(id), Some(rest)) = (
            id.strip_suffix(b":").filter(|i| is_number(i)),
            rest.strip_prefix(b"msg "),
        ) else {
            return Parsed::Unparsed;
        };
        let (m, rest) = split_word(rest);
        let rest = rest.strip_prefix(b"to ").unwrap_or(rest);
        let (channel, recipient) = split_word(rest);
        if !is_number(m) || !matches!(channel, b"local" | b"remote") || recipient.is_empty() {
            return Parsed::Unparsed;
        }
        return Parsed::Delivery {
            id,
            msg: m,
            recipient: trim(recipient),
        };
    }
    let src = Src::new(line);
    let mut e = DeliveryEvent::new(
        Format::Qmail,
        Outcome::Delivered,
        base..base + line.len() as u64,
    );
    e.timestamp = timestamp;
    if let Some(s) = sys {
        e.host = s.host.map(|h| src.text(h));
        e.program = Some(src.text(s.program));
    }
    if let Some(rest) = msg.strip_prefix(b"delivery ") {
        // `delivery 17: failure: TEXT`
        let (id, rest) = split_word(rest);
        let Some(id) = id.strip_suffix(b":").filter(|i| is_number(i)) else {
            return Parsed::Unparsed;
        };
        let (result, report) = split_word(rest);
        e.outcome = match result {
            b"success:" => Outcome::Delivered,
            b"deferral:" => Outcome::Deferred,
            b"failure:" => Outcome::Bounced,
            _ => return Parsed::Unparsed,
        };
        let report = trim(report);
        let report_at = offset(line, report);
        let (reply, ip) = read_report(report, report_at);
        if e.outcome == Outcome::Bounced
            && reply.text.windows(17).any(|w| w == b"in the queue too ")
        {
            e.outcome = Outcome::Expired;
        }
        e.reply = Some(reply);
        if let Some(ip) = ip {
            e.relay = Some(Relay {
                host: None,
                ip: Some(ip),
                port: None,
            });
        }
        return Parsed::Pending { id, event: e };
    }
    if let Some(rest) = msg.strip_prefix(b"rblsmtpd: ") {
        // `rblsmtpd: 192.0.2.7 pid 4321: 451 Blocked, see https://...`
        let (ip, rest) = split_word(rest);
        let Some(colon) = memchr::memmem::find(rest, b": ") else {
            return Parsed::Unparsed;
        };
        let text = &rest[colon + 2..];
        let text_at = offset(line, text);
        let Some(x) = extract_best(text).filter(|x| x.code.is_some()) else {
            return Parsed::Unparsed;
        };
        e.outcome = Outcome::RejectedIncoming;
        e.relay = parse_ip(ip).map(|ip| Relay {
            host: None,
            ip: Some(ip),
            port: None,
        });
        e.reply = Some(crate::sendmail::shift(x, text_at));
        return Parsed::Event(e);
    }
    if RECORDS.iter().any(|r| msg.starts_with(r)) {
        Parsed::Ignored
    } else {
        Parsed::Unparsed
    }
}

/// The reply in a qmail report (at `at` in the line), read with `_` and `/` put back as
/// spaces, and the remote IP the report names (`192.0.2.1_does_not_like_recipient.`,
/// `Connected_to_192.0.2.1_but_greeting_failed.`, `Giving_up_on_192.0.2.1.`).
fn read_report(report: &[u8], at: usize) -> (Extracted<'static>, Option<std::net::IpAddr>) {
    let unfolded: Vec<u8> = report
        .iter()
        .map(|&c| if c == b'_' || c == b'/' { b' ' } else { c })
        .collect();
    let ip = unfolded
        .split(|&c| c == b' ')
        .take(12)
        .find_map(|w| parse_ip(w.strip_suffix(b".").unwrap_or(w)));
    let whole = |enhanced| Extracted {
        span: at..at + report.len(),
        code: None,
        enhanced,
        text: Cow::Owned(trim(&unfolded).to_vec()),
        command: None,
        host: None,
    };
    let x = match extract_best(&unfolded) {
        Some(x) if x.code.is_some() => crate::sendmail::shift(x, at).into_owned(),
        // qmail's own diagnostics end in a bare status (`... named x.example. (#5.1.2)`):
        // the words are the whole report.
        Some(x) => whole(x.enhanced),
        None => whole(None),
    };
    (x, ip)
}

fn is_number(b: &[u8]) -> bool {
    !b.is_empty() && b.len() <= 20 && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tai64n_labels() {
        // 2^62 + 10 + 1732269601 = 0x400000006740562b; 500,000,000 ns.
        let t = tai64n(b"400000006740562b1dcd6500").unwrap();
        assert_eq!((t.unix, t.micros), (1_732_269_601, 500_000));
        assert!(tai64n(b"0000000067404e2b1dcd6500").is_none());
        assert!(tai64n(b"400000006740562bffffffff").is_none());
        assert!(tai64n(b"40000000zz404e2b1dcd6500").is_none());
    }

    #[test]
    fn records() {
        let line =
            b"@400000006740562b1dcd6500 starting delivery 17: msg 4711 to remote u@example.com";
        match parse(line, 0) {
            Parsed::Delivery { id, msg, recipient } => {
                assert_eq!(
                    (id, msg, recipient),
                    (&b"17"[..], &b"4711"[..], &b"u@example.com"[..])
                );
            }
            other => panic!("{other:?}"),
        }
        let line = b"@400000006740562b1dcd6500 info msg 4711: bytes 2345 from <s@example.org> qp 123 uid 89";
        assert!(matches!(
            parse(line, 0),
            Parsed::Sender {
                queue_id: b"4711",
                sender: b"s@example.org"
            }
        ));
        let line = b"2024-11-22 10:00:01.500000000 delivery 17: failure: 192.0.2.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_No_such_user/Giving_up_on_192.0.2.1./";
        let Parsed::Pending { id, event } = parse(line, 0) else {
            panic!()
        };
        assert_eq!(id, b"17");
        assert_eq!(event.outcome, Outcome::Bounced);
        let r = event.reply.unwrap();
        assert_eq!(r.code.map(|c| c.get()), Some(550));
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.1.1"));
        assert_eq!(&line[r.span.start..r.span.start + 3], b"550");
        assert_eq!(event.relay.unwrap().ip.unwrap().to_string(), "192.0.2.1");
        let line = b"@400000006740562b1dcd6500 delivery 3: failure: I'm_not_going_to_try_again;_this_message_has_been_in_the_queue_too_long./";
        let Parsed::Pending { event, .. } = parse(line, 0) else {
            panic!()
        };
        assert_eq!(event.outcome, Outcome::Expired);
        assert!(matches!(
            parse(b"@400000006740562b1dcd6500 end msg 4711", 0),
            Parsed::Ignored
        ));
        assert!(matches!(
            parse(b"@400000006740562b1dcd6500 delivery x: y", 0),
            Parsed::Unparsed
        ));
        assert!(matches!(parse(b"@40000000 delivery", 0), Parsed::Unparsed));
    }

    #[test]
    fn envelopes_detected() {
        use crate::csv::Headers;
        use crate::parse::{detect_and_parse, sniff};
        use crate::time::Reference;
        let r = Reference::year(2024);
        let h = Headers::default();
        // splogger: the syslog stamp has no year, qmail's own epoch stamp wins.
        let line = b"Nov 22 10:00:01 mx qmail: 1732269601.500000 delivery 5: deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/";
        assert_eq!(sniff(line), Some(Format::Qmail));
        let Parsed::Pending { id, event } = detect_and_parse(line, 0, r, &h, true) else {
            panic!()
        };
        assert_eq!((id, event.outcome), (&b"5"[..], Outcome::Deferred));
        assert_eq!(event.timestamp.unwrap().unix, 1_732_269_601);
        assert_eq!(event.host.as_deref(), Some("mx"));
        assert_eq!(event.reply.unwrap().enhanced.unwrap().to_string(), "4.4.1");
        // tai64nlocal, told apart from an Exim line with the same stamp shape.
        let line =
            b"2024-11-22 10:00:01.123456789 starting delivery 5: msg 77 to remote u@x.example";
        assert_eq!(sniff(line), Some(Format::Qmail));
        assert!(matches!(
            detect_and_parse(line, 0, r, &h, true),
            Parsed::Delivery { .. }
        ));
        let exim = b"2024-11-22 10:00:01.123 1tEXhm-000Abc-2x == u@x.example R=dnslookup T=remote_smtp defer (-44): SMTP error from remote mail server after RCPT TO:<u@x.example>: 451 4.7.1 Greylisted";
        assert_eq!(sniff(exim), Some(Format::Exim));
        // A result pasted without any stamp.
        let bare = b"delivery 12: failure: 192.0.2.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_No_such_user/";
        let Parsed::Pending { event, .. } = detect_and_parse(bare, 0, r, &h, false) else {
            panic!()
        };
        assert_eq!(event.reply.unwrap().code.unwrap().get(), 550);
        // Other multilog lines are no qmail records.
        assert_eq!(
            sniff(b"@400000006740562b00000000 tcpserver: status: 1/40"),
            None
        );
    }
}
