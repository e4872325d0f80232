//! ZoneMTA sender lines (syslog program `zone-mta` or `zonemta`, or its npmlog output
//! without a syslog head: `info Sender/...`, also behind a pm2 prefix `0|app | `).
//!
//! One line per delivery attempt of one recipient, in three generations:
//!
//! ```text
//! info Sender/ZONE/PID[N] id=SESSION QID.SEQ ACCEPTED from=S to=R src=IP mx=HOST[IP] id=<MSGID> (250 2.0.0 Ok)
//! info Sender/ZONE/PID[N] id=SESSION QID.SEQ DEFERRED[CATEGORY] from=S to=R src=IP mx=HOST[IP] id=<MSGID> (450 ...)
//! info Sender/ZONE/PID[N] id=SESSION QID.SEQ REJECTED[CATEGORY] from=S to=R src=IP mx=HOST[IP] id=<MSGID> (550 ...)
//! (Sender/ZONE/PID) QID.SEQ DEFERRED[CATEGORY] from=S[ENVELOPE] to=R mx=DOMAIN (450 ...)
//! Sender/ZONE/PID DEFERRED[CATEGORY] QID.SEQ for <R> by DOMAIN: MESSAGE (RESPONSE)
//! ```
//!
//! `ACCEPTED` is a delivery, `DEFERRED` a deferral and `REJECTED` a bounce. `CATEGORY` is
//! ZoneMTA's own guess from its bounce rules (`dns`, `network`, `blacklist`, ...); the
//! classifier reads the response itself. For network and DNS failures ZoneMTA writes its
//! own text, with a made-up `450`/`550` code in older versions.

use crate::Format;
use crate::event::{
    DeliveryEvent, Outcome, Relay, Src, parse_relay_in, set_recipient_in, strip_angles, trim,
};
use crate::opensmtpd::{offset, reply, split_word};
use crate::parse::Parsed;
use crate::syslog::Syslog;

/// The status words, each with the outcome it logs and whether a `[CATEGORY]` follows.
const STATUS: [(&[u8], Outcome, bool); 3] = [
    (b"ACCEPTED", Outcome::Delivered, false),
    (b"DEFERRED[", Outcome::Deferred, true),
    (b"REJECTED[", Outcome::Bounced, true),
];

/// Parses the message part of a syslog line whose program is ZoneMTA's.
pub(crate) fn parse<'a>(line: &'a [u8], sys: &Syslog<'a>, base: u64) -> Parsed<'a> {
    let Some(r) = record(line, sys.msg_at) else {
        return Parsed::Ignored;
    };
    let src = Src::new(line);
    let mut e = DeliveryEvent::new(Format::Zonemta, r.outcome, base..base + line.len() as u64);
    e.timestamp = Some(sys.timestamp);
    e.host = sys.host.map(|h| src.text(h));
    e.program = Some(src.text(sys.program));
    fill(line, &src, &r, e)
}

/// A sender line without a syslog head (npmlog or pm2 output, or a pasted record).
pub(crate) fn parse_fragment(line: &[u8], base: u64) -> Parsed<'_> {
    let Some(r) = record(line, 0) else {
        return Parsed::Ignored;
    };
    let src = Src::new(line);
    let e = DeliveryEvent::new(Format::Zonemta, r.outcome, base..base + line.len() as u64);
    fill(line, &src, &r, e)
}

/// `true` when `line` holds a ZoneMTA sender record (used to choose a stream's format).
pub(crate) fn is_record(line: &[u8]) -> bool {
    record(line, 0).is_some()
}

/// Where the parts of a sender record are.
struct Record<'a> {
    outcome: Outcome,
    /// `QID.SEQ`.
    id: &'a [u8],
    /// The `key=value` fields and the response (newer forms), or `for <R> by ...`.
    rest: &'a [u8],
    /// The oldest form: `STATUS QID.SEQ for <R> by DOMAIN: ...`.
    legacy: bool,
}

/// Finds the record in `line` from `from`: a `Sender/` logger name, then (after at most
/// a session id and the delivery id) one of the status words.
fn record(line: &[u8], from: usize) -> Option<Record<'_>> {
    // Built once: the classifier tries every text it reads as a ZoneMTA record.
    static SENDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"Sender/"));
    let msg = line.get(from..)?;
    let at = SENDER.find(msg)?;
    // The logger name is a word of its own (`info Sender/...`, `(Sender/...)`).
    if at > 0 && !matches!(msg[at - 1], b' ' | b'(' | b'|') {
        return None;
    }
    let (_, mut rest) = split_word(&msg[at..]);
    // Up to three words before the status: `id=SESSION`, `QID.SEQ`; or none (oldest form).
    let mut id: &[u8] = b"";
    for _ in 0..3 {
        let (word, after) = split_word(rest);
        if let Some(outcome) = status(word) {
            let legacy = id.is_empty();
            let (id, rest) = if legacy {
                split_word(after)
            } else {
                (id, after)
            };
            if !is_delivery_id(id) {
                return None;
            }
            return Some(Record {
                outcome,
                id,
                rest,
                legacy,
            });
        }
        if !word.starts_with(b"id=") {
            id = word;
        }
        rest = after;
    }
    None
}

/// The outcome when `word` is a status word (`DEFERRED[dns]`).
fn status(word: &[u8]) -> Option<Outcome> {
    STATUS.iter().find_map(|&(name, outcome, bracket)| {
        let ok = if bracket {
            word.starts_with(name) && word.ends_with(b"]")
        } else {
            word == name
        };
        ok.then_some(outcome)
    })
}

/// `QID.SEQ`: hexadecimal digits, a dot and decimal digits.
fn is_delivery_id(id: &[u8]) -> bool {
    match memchr::memchr(b'.', id) {
        Some(dot) => {
            dot > 0
                && dot + 1 < id.len()
                && id[..dot].iter().all(u8::is_ascii_hexdigit)
                && id[dot + 1..].iter().all(u8::is_ascii_digit)
        }
        None => false,
    }
}

fn fill<'a>(line: &'a [u8], src: &Src<'a>, r: &Record<'a>, mut e: DeliveryEvent<'a>) -> Parsed<'a> {
    let qid = &r.id[..memchr::memchr(b'.', r.id).unwrap_or(r.id.len())];
    e.queue_id = Some(src.text(qid));
    if r.legacy {
        return legacy(line, src, r.rest, e);
    }
    // `key=value` words up to the response in parentheses.
    let mut rest = r.rest;
    let mut response = None;
    while !rest.is_empty() {
        if rest.first() == Some(&b'(') {
            response = Some(rest);
            break;
        }
        let (word, after) = split_word(rest);
        if let Some(eq) = memchr::memchr(b'=', word) {
            let (key, v) = (&word[..eq], &word[eq + 1..]);
            match key {
                // `from=S` or `from=S[ENVELOPE]`: the envelope sender is the bracketed one.
                b"from" => {
                    let env = match (memchr::memchr(b'[', v), v.last()) {
                        (Some(open), Some(b']')) => &v[open + 1..v.len() - 1],
                        _ => v,
                    };
                    // `<>` (the null sender) becomes the empty string.
                    e.sender = Some(src.text(strip_angles(env)));
                }
                b"to" => set_recipient_in(src, &mut e, v),
                b"mx" if !v.is_empty() => {
                    let relay = parse_relay_in(src, v);
                    e.relay = (!relay.is_empty()).then_some(relay);
                }
                _ => {}
            }
        } else if !word.is_empty() {
            // Not a field: the response starts here (it is not parenthesised).
            response = Some(rest);
            break;
        }
        rest = after;
    }
    let Some(resp) = response else {
        return Parsed::Unparsed;
    };
    let resp = unparen(resp);
    e.reply = Some(reply(line, resp, offset(line, resp), e.outcome));
    Parsed::Event(e)
}

/// The oldest form's `for <R> by DOMAIN: MESSAGE (RESPONSE)`.
fn legacy<'a>(
    line: &'a [u8],
    src: &Src<'a>,
    rest: &'a [u8],
    mut e: DeliveryEvent<'a>,
) -> Parsed<'a> {
    let Some(rest) = rest.strip_prefix(b"for ") else {
        return Parsed::Unparsed;
    };
    let (rcpt, rest) = split_word(rest);
    set_recipient_in(src, &mut e, rcpt);
    let Some(rest) = rest.strip_prefix(b"by ") else {
        return Parsed::Unparsed;
    };
    let Some(colon) = memchr::memmem::find(rest, b": ") else {
        return Parsed::Unparsed;
    };
    let domain = trim(&rest[..colon]);
    if !domain.is_empty() {
        e.relay = Some(Relay {
            host: Some(src.text(domain)),
            ip: None,
            port: None,
        });
    }
    let text = &rest[colon + 2..];
    // The server's response in the last parentheses, when it has a code; else ZoneMTA's
    // own message.
    let resp = memchr::memrchr(b'(', text)
        .map(|open| unparen(&text[open..]))
        .filter(|r| r.first().is_some_and(u8::is_ascii_digit));
    let text = resp.unwrap_or(text);
    e.reply = Some(reply(line, text, offset(line, text), e.outcome));
    Parsed::Event(e)
}

/// `(TEXT)` without its parentheses (the closing one only when it ends the text).
fn unparen(b: &[u8]) -> &[u8] {
    let b = trim(b);
    let b = b.strip_prefix(b"(").unwrap_or(b);
    trim(b.strip_suffix(b")").unwrap_or(b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Reference;

    fn one(line: &[u8]) -> DeliveryEvent<'_> {
        crate::parse_line(line, None, Reference::year(2025)).unwrap()
    }

    /// The current form, read field by field (values worked out from the line by hand).
    #[test]
    fn a_deferral_with_every_field() {
        let line = b"Jul 28 12:59:52 zonemta[4133539]: info Sender/default/4133539[6] id=svd5unyzzguhz22p 1984e8a65b30004db0.001 DEFERRED[network] from=bookings@example.com to=To@Example.NET src=192.0.2.9 mx=mxa-00680501.gslb.pphosted.com[205.220.185.42] id=<bec241b7@example.com> (554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.9)";
        let e = one(line);
        assert_eq!(e.format, Format::Zonemta);
        assert_eq!(e.outcome, Outcome::Deferred);
        assert_eq!(e.program.as_deref(), Some("zonemta"));
        assert_eq!(e.queue_id.as_deref(), Some("1984e8a65b30004db0"));
        assert_eq!(e.sender.as_deref(), Some("bookings@example.com"));
        assert_eq!(e.recipient.as_deref(), Some("To@Example.NET"));
        assert_eq!(e.recipient_domain.as_deref(), Some("example.net"));
        let relay = e.relay.unwrap();
        assert_eq!(
            (relay.host.as_deref(), relay.ip),
            (
                Some("mxa-00680501.gslb.pphosted.com"),
                "205.220.185.42".parse().ok()
            )
        );
        let reply = e.reply.unwrap();
        assert_eq!(reply.code.map(|c| c.get()), Some(554));
        assert_eq!(
            reply.text_lossy(),
            "Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.9"
        );
        let at = memchr::memmem::find(line, b"554 Blocked").unwrap();
        assert_eq!(reply.span, at..line.len() - 1);
    }

    #[test]
    fn outcomes_and_older_forms() {
        let accepted = b"info Sender/default/7[1] id=abc 18e9d13c9950003872.001 ACCEPTED from=a@example.org to=b@example.net src=192.0.2.1 mx=mx.example.net[198.51.100.7] id=<m@x> (250 2.0.0 Ok: queued as 4XyZ)";
        let e = one(accepted);
        assert_eq!(
            (e.outcome, e.reply.unwrap().code.map(|c| c.get())),
            (Outcome::Delivered, Some(250))
        );
        let rejected = b"0|npm run start  | info Sender/zone_4/1644386[11] id=ad4v 1945a8c324c00085f2.001 REJECTED[recipient] from= to=x@example.net src=192.0.2.1 mx=mx.example.net[198.51.100.7] id=<m@x> (550 5.1.1 User unknown)";
        let e = one(rejected);
        assert_eq!(e.outcome, Outcome::Bounced);
        assert_eq!(e.sender.as_deref(), Some(""));
        // ZoneMTA 1.x: no session id, the envelope sender bracketed after the header one.
        let older = b"Aug 22 13:17:17 newsletter zone-mta[12239]: (Sender/default/12239) 15e091ac6130002871.001 DEFERRED[dns] from=news@example.com[bounce+x@example.com] to=someone@example.invalid mx=example.invalid (450 Can't find an MX server for example.invalid)";
        let e = one(older);
        assert_eq!(e.outcome, Outcome::Deferred);
        assert_eq!(e.host.as_deref(), Some("newsletter"));
        assert_eq!(e.sender.as_deref(), Some("bounce+x@example.com"));
        assert_eq!(e.relay.unwrap().host.as_deref(), Some("example.invalid"));
        assert_eq!(
            e.reply.unwrap().text_lossy(),
            "Can't find an MX server for example.invalid"
        );
        // The oldest form: status first, then `for <R> by DOMAIN: message (response)`.
        let oldest = b"info Sender/default/5128 DEFERRED[greylist] 1636695418700056aa.001 for <u@example.net> by example.net: Greylisted (451 4.7.1 Please try again later)";
        let e = one(oldest);
        assert_eq!(e.outcome, Outcome::Deferred);
        assert_eq!(e.recipient.as_deref(), Some("u@example.net"));
        assert_eq!(e.queue_id.as_deref(), Some("1636695418700056aa"));
        assert_eq!(e.reply.unwrap().code.map(|c| c.get()), Some(451));
    }

    #[test]
    fn a_network_error_without_a_code() {
        let line = b"info Sender/default/9[2] id=q 18e9d13c9950003872.002 DEFERRED[network] from=a@example.org to=b@example.net src=192.0.2.1 mx=example.net id=<m@x> (Network error when connecting to MX server mx.example.net[198.51.100.7] for example.net: Connection refused)";
        let e = one(line);
        assert_eq!(e.outcome, Outcome::Deferred);
        let reply = e.reply.unwrap();
        assert_eq!(reply.code, None);
        assert!(reply.text_lossy().ends_with("Connection refused"));
    }

    #[test]
    fn other_sender_lines_are_no_records() {
        for line in [
            &b"info Sender/zone1/5128[1] 1636695418700056aa.001 CONNECTING domain=example.net port=25"[..],
            b"info Sender/zone1/5128[1] 1636695418700056aa.001 SMTPCLOSE [3awF] Connection closed response=\"550 5.7.606\"",
            b"info Queue/22996 id=undefined 18e9d13c9950003872 QUEUED (message-id=<a@b> from=a@b to=c@d)",
            b"DEFERRED[dns] alone",
            b"info Sender/x DEFERRED[dns] not-an-id for <a@b> by b: x",
            b"Sender/",
            b"",
        ] {
            assert!(!is_record(line), "{}", String::from_utf8_lossy(line));
        }
        // A status word without its closing bracket is no status word.
        assert!(!is_record(
            b"info Sender/a/1[1] id=x 18e9.001 DEFERRED[dns from=a to=b (450 x)"
        ));
    }
}
