//! OpenSMTPD syslog lines (program `smtpd`).
//!
//! Deliveries, one line per envelope (OpenSMTPD 6 and later):
//!
//! ```text
//! SESSION mta delivery evpid=EVPID from=<S> to=<R> rcpt=<ORIG> source="IP" relay="IP (HOST)" delay=1m2s result="TempFail" stat="421 4.7.0 Try again later"
//! SESSION mda delivery evpid=EVPID from=<S> to=<R> user=U delay=0s result=Ok stat=Delivered
//! ```
//!
//! The same in the older form (OpenSMTPD 5): `relay: TempFail for EVPID: session=...,
//! from=<S>, to=<R>, rcpt=<ORIG>, source=IP, relay=HOST [IP], delay=..., stat=...` and
//! `delivery: Ok for EVPID: from=<S>, to=<R>, user=U, method=M, delay=..., stat=...`.
//! `result`/the status word is `Ok`, `TempFail` or `PermFail`. Refused incoming commands:
//! `SESSION smtp failed-command command="RCPT TO:<R>" result="550 Invalid recipient"`.

use std::borrow::Cow;
use std::net::IpAddr;

use maildiag_reply::{Extracted, extract_best};

use crate::Format;
use crate::event::{
    DeliveryEvent, Outcome, Relay, Src, field, parse_relay_in, set_recipient_in, strip_angles, trim,
};
use crate::exim::parse_duration;
use crate::parse::Parsed;
use crate::sendmail::{plain, relay_value, shift};
use crate::syslog::Syslog;

/// Parses the message part of an OpenSMTPD line.
pub(crate) fn parse<'a>(line: &'a [u8], sys: &Syslog<'a>, base: u64) -> Parsed<'a> {
    let msg = &line[sys.msg_at..];
    let src = Src::new(line);
    let mut e = DeliveryEvent::new(
        Format::Opensmtpd,
        Outcome::Delivered,
        base..base + line.len() as u64,
    );
    e.timestamp = Some(sys.timestamp);
    e.host = sys.host.map(|h| src.text(h));
    e.program = Some(src.text(sys.program));
    // The session id, then the event's kind.
    let (_, rest) = split_word(msg);
    let (kind, rest) = split_word(rest);
    match kind {
        b"mta" | b"mda" => {
            let (what, fields) = split_word(rest);
            match what {
                b"delivery" => delivery(line, &src, fields, e, kind == b"mta"),
                // `mta error reason=Connection timed out`: a session to a relay failed.
                b"error" if kind == b"mta" => match fields.strip_prefix(b"reason=") {
                    Some(r) if !r.trim_ascii().is_empty() => connection_failure(line, r, e),
                    _ => Parsed::Unparsed,
                },
                _ => Parsed::Ignored,
            }
        }
        b"smtp" => {
            let (what, fields) = split_word(rest);
            if what != b"failed-command" {
                return Parsed::Ignored;
            }
            failed_command(line, &src, fields, e)
        }
        _ => legacy(line, &src, msg, e),
    }
}

/// An `mta delivery` / `mda delivery` record pasted without its syslog head (and perhaps
/// without its session id), as people quote them: the record's outcome still decides.
pub(crate) fn parse_fragment(line: &[u8], base: u64) -> Parsed<'_> {
    // Most text handed here (any reply a user pastes) has no field at all, and a record's
    // fields begin with `evpid=`.
    if memchr::memchr(b'=', line).is_none() {
        return Parsed::Ignored;
    }
    let t = line.trim_ascii_start();
    let (first, rest) = split_word(t);
    let body = if !first.is_empty() && first.iter().all(u8::is_ascii_hexdigit) {
        rest
    } else {
        t
    };
    let (kind, rest) = split_word(body);
    let (what, fields) = split_word(rest);
    if !matches!(kind, b"mta" | b"mda") || what != b"delivery" || !fields.starts_with(b"evpid=") {
        return Parsed::Ignored;
    }
    let src = Src::new(line);
    let e = DeliveryEvent::new(
        Format::Opensmtpd,
        Outcome::Delivered,
        base..base + line.len() as u64,
    );
    delivery(line, &src, fields, e, kind == b"mta")
}

/// An `mta delivery` / `mda delivery` record (`fields` from `evpid=` on).
fn delivery<'a>(
    line: &'a [u8],
    src: &Src<'a>,
    fields: &'a [u8],
    mut e: DeliveryEvent<'a>,
    remote: bool,
) -> Parsed<'a> {
    let (Some(result), Some((stat, stat_at))) =
        (value(fields, b"result="), stat_value(line, fields))
    else {
        return Parsed::Unparsed;
    };
    let Some(outcome) = outcome(result) else {
        return Parsed::Unparsed;
    };
    e.outcome = outcome;
    if let Some(id) = value(fields, b"evpid=") {
        // The envelope id's first eight digits are the message id.
        e.queue_id = Some(src.text(&id[..id.len().min(8)]));
    }
    if let Some(s) = value(fields, b"from=") {
        e.sender = Some(src.text(strip_angles(s)));
    }
    if let Some(r) = value(fields, b"to=") {
        set_recipient_in(src, &mut e, r);
    }
    if let Some(o) = value(fields, b"rcpt=").map(strip_angles)
        && !o.is_empty()
        && o != b"-"
    {
        e.orig_recipient = Some(src.text(o));
    }
    if remote && let Some(r) = value(fields, b"relay=") {
        e.relay = relay(src, r);
    }
    e.delay = value(fields, b"delay=").and_then(parse_duration);
    e.reply = Some(reply(line, stat, stat_at, outcome));
    Parsed::Event(e)
}

/// `smtp failed-command command="..." result="550 ..."`: an incoming command refused.
fn failed_command<'a>(
    line: &'a [u8],
    src: &Src<'a>,
    fields: &'a [u8],
    mut e: DeliveryEvent<'a>,
) -> Parsed<'a> {
    let Some(result) = value(fields, b"result=") else {
        return Parsed::Unparsed;
    };
    let at = offset(line, result);
    let Some(x) =
        extract_best(result).filter(|x| x.code.is_some_and(|c| matches!(c.get() / 100, 4 | 5)))
    else {
        return Parsed::Ignored;
    };
    e.outcome = Outcome::RejectedIncoming;
    if let Some(cmd) = value(fields, b"command=")
        && cmd.len() > 8
        && cmd[..8].eq_ignore_ascii_case(b"RCPT TO:")
    {
        set_recipient_in(src, &mut e, trim(&cmd[8..]));
    }
    e.reply = Some(shift(x, at));
    Parsed::Event(e)
}

/// A failed session to a relay, with OpenSMTPD's reason as the reply text.
fn connection_failure<'a>(
    line: &'a [u8],
    reason: &'a [u8],
    mut e: DeliveryEvent<'a>,
) -> Parsed<'a> {
    e.outcome = Outcome::ConnectionFailure;
    e.reply = Some(reply(line, reason, offset(line, reason), e.outcome));
    Parsed::Event(e)
}

/// The OpenSMTPD 5 form: `relay: TempFail for EVPID: from=<S>, to=<R>, ..., stat=...`,
/// and its `smtp-out: Error on session SESSION: REASON`.
fn legacy<'a>(
    line: &'a [u8],
    src: &Src<'a>,
    msg: &'a [u8],
    mut e: DeliveryEvent<'a>,
) -> Parsed<'a> {
    let msg = msg.strip_prefix(b"warn: ").unwrap_or(msg);
    if let Some(rest) = msg.strip_prefix(b"smtp-out: Error on session ") {
        let (_, reason) = split_word(rest);
        return if reason.trim_ascii().is_empty() {
            Parsed::Unparsed
        } else {
            connection_failure(line, reason, e)
        };
    }
    let (who, rest) = split_word(msg);
    let remote = match who {
        b"relay:" => true,
        b"delivery:" => false,
        _ => return Parsed::Ignored,
    };
    let (result, rest) = split_word(rest);
    let Some(outcome) = outcome(result) else {
        return Parsed::Ignored;
    };
    let Some(rest) = rest.strip_prefix(b"for ") else {
        return Parsed::Unparsed;
    };
    let (id, fields) = split_word(rest);
    let Some(stat_at) = memchr::memmem::find(fields, b"stat=") else {
        return Parsed::Unparsed;
    };
    e.outcome = outcome;
    let id = id.strip_suffix(b":").unwrap_or(id);
    if !id.is_empty() {
        e.queue_id = Some(src.text(&id[..id.len().min(8)]));
    }
    let head = &fields[..stat_at];
    let get = |name: &[u8]| field(head, name);
    if let Some(s) = get(b"from=") {
        e.sender = Some(src.text(strip_angles(s)));
    }
    if let Some(r) = get(b"to=") {
        set_recipient_in(src, &mut e, r);
    }
    if let Some(o) = get(b"rcpt=").map(strip_angles)
        && !o.is_empty()
        && o != b"-"
    {
        e.orig_recipient = Some(src.text(o));
    }
    if remote && let Some(r) = relay_value(head) {
        let r = parse_relay_in(src, r);
        e.relay = (!r.is_empty()).then_some(r);
    }
    e.delay = get(b"delay=").and_then(parse_duration);
    let stat = &fields[stat_at + 5..];
    e.reply = Some(reply(line, stat, offset(line, stat), outcome));
    Parsed::Event(e)
}

fn outcome(result: &[u8]) -> Option<Outcome> {
    match result {
        b"Ok" => Some(Outcome::Delivered),
        b"TempFail" => Some(Outcome::Deferred),
        b"PermFail" => Some(Outcome::Bounced),
        _ => None,
    }
}

/// The reply in a `stat` text: the server's reply when it has a code (`421 4.7.0 ...`),
/// else OpenSMTPD's own diagnostic (`Connection refused`, `Loop detected`) as text. (ZoneMTA
/// writes its responses the same way.)
pub(crate) fn reply<'a>(
    line: &'a [u8],
    stat: &'a [u8],
    at: usize,
    outcome: Outcome,
) -> Extracted<'a> {
    match extract_best(stat).filter(|x| x.code.is_some()) {
        Some(x) if outcome != Outcome::Delivered || stat.first().is_some_and(|c| *c == b'2') => {
            shift(x, at)
        }
        _ => {
            let mut p = plain(line, at);
            p.text = Cow::Borrowed(trim(stat));
            p.span = at..at + stat.len();
            p
        }
    }
}

/// `relay="192.0.2.25 (mx.example.net)"`, `relay="192.0.2.25"`, `relay="[IPv6:2001:db8::1]"`;
/// a relay that is only a routing rule (`[relay:example.net,smtp]`) names no host.
fn relay<'a>(src: &Src<'a>, v: &'a [u8]) -> Option<Relay<'a>> {
    let v = trim(v);
    let (addr, host) = match memchr::memchr(b'(', v) {
        Some(open) => {
            let inner = &v[open + 1..];
            let close = memchr::memchr(b')', inner).unwrap_or(inner.len());
            (trim(&v[..open]), Some(trim(&inner[..close])))
        }
        None => (v, None),
    };
    if addr.starts_with(b"[relay:") {
        return None;
    }
    let bare = addr.strip_prefix(b"[").unwrap_or(addr);
    let bare = bare.strip_suffix(b"]").unwrap_or(bare);
    let bare = bare.strip_prefix(b"IPv6:").unwrap_or(bare);
    let ip = std::str::from_utf8(bare)
        .ok()
        .and_then(|s| s.parse::<IpAddr>().ok());
    let mut r = Relay {
        host: host.filter(|h| !h.is_empty()).map(|h| src.text(h)),
        ip,
        port: None,
    };
    if ip.is_none() && r.host.is_none() && !addr.is_empty() {
        r.host = Some(src.text(addr));
    }
    (!r.is_empty()).then_some(r)
}

/// The value of `name` in a space-separated record: `name=value` or `name="value"`
/// (`None` when absent). `name` must start a word.
fn value<'a>(fields: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find_iter(fields, name).find(|&i| i == 0 || fields[i - 1] == b' ')?;
    let v = &fields[at + name.len()..];
    Some(match v.strip_prefix(b"\"") {
        Some(q) => &q[..memchr::memchr(b'"', q).unwrap_or(q.len())],
        None => &v[..memchr::memchr(b' ', v).unwrap_or(v.len())],
    })
}

/// The `stat=` value, which runs to the line's end (quoted: to the last quote), and its
/// offset in the line.
fn stat_value<'a>(line: &'a [u8], fields: &'a [u8]) -> Option<(&'a [u8], usize)> {
    let at = memchr::memmem::rfind(fields, b" stat=")? + 6;
    let v = &fields[at..];
    let v = match v.strip_prefix(b"\"") {
        Some(q) => q.strip_suffix(b"\"").unwrap_or(q),
        None => v,
    };
    Some((v, offset(line, v)))
}

/// The first space-separated word and the rest after the space.
pub(crate) fn split_word(b: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', b) {
        Some(n) => (&b[..n], &b[n + 1..]),
        None => (b, &b""[..]),
    }
}

/// Where `sub` (a slice of `line`) starts in it.
pub(crate) fn offset(line: &[u8], sub: &[u8]) -> usize {
    (sub.as_ptr() as usize)
        .saturating_sub(line.as_ptr() as usize)
        .min(line.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn records_without_their_syslog_head() {
        let line = br#"9a1b2c3d4e5f6a7b mda delivery evpid=f9293a5cb336a379 from=<me@example.org> to=<repo@example.net> rcpt=<repo@example.net> user=forge delay=40s result=TempFail stat=Error (temporary failure: "lmtp: 550 5.7.1 Permanent failure")"#;
        let Parsed::Event(e) = parse_fragment(line, 0) else {
            panic!("no event");
        };
        assert_eq!(e.outcome, Outcome::Deferred);
        assert_eq!(e.recipient.as_deref(), Some("repo@example.net"));
        // Without the session id too; other words are no record.
        let Parsed::Event(e) = parse_fragment(&line[17..], 0) else {
            panic!("no event");
        };
        assert_eq!(e.outcome, Outcome::Deferred);
        assert!(matches!(
            parse_fragment(b"mda delivery failed", 0),
            Parsed::Ignored
        ));
        assert!(matches!(parse_fragment(b"", 0), Parsed::Ignored));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration(b"0s"), Some(0.0));
        assert_eq!(parse_duration(b"2m5s"), Some(125.0));
        assert_eq!(parse_duration(b"1d2h"), Some(93_600.0));
        assert_eq!(parse_duration(b"3d4h2m1s"), Some(273_721.0));
        for bad in [&b""[..], b"m", b"1x", b"99999999999999999999s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn values() {
        let f = br#"evpid=9f0b from=<a@b> relay="192.0.2.1 (mx.example.net)" result="Ok" stat="250 2.0.0 Ok""#;
        assert_eq!(value(f, b"evpid="), Some(&b"9f0b"[..]));
        assert_eq!(
            value(f, b"relay="),
            Some(&b"192.0.2.1 (mx.example.net)"[..])
        );
        assert_eq!(value(f, b"result="), Some(&b"Ok"[..]));
        assert_eq!(value(f, b"to="), None);
        let (stat, _) = stat_value(f, f).unwrap();
        assert_eq!(stat, b"250 2.0.0 Ok");
    }

    #[test]
    fn relays() {
        let r = |s: &'static [u8]| relay(&Src::new(s), s);
        let a = r(b"192.0.2.25 (mx.example.net)").unwrap();
        assert_eq!(
            (a.host.as_deref(), a.ip),
            (Some("mx.example.net"), "192.0.2.25".parse().ok())
        );
        let b = r(b"[IPv6:2001:db8::1]").unwrap();
        assert_eq!((b.host, b.ip), (None, "2001:db8::1".parse().ok()));
        assert!(r(b"[relay:example.net,smtp]").is_none());
        assert_eq!(
            r(b"mx.example.net").unwrap().host.as_deref(),
            Some("mx.example.net")
        );
    }

    /// One record read field by field: the values below are the line's, worked out by
    /// hand (1h2m3s = 3,723 s; the message id is the envelope id's first eight digits).
    #[test]
    fn a_deferral_record() {
        let line = br#"Nov 22 10:00:04 mx smtpd[7]: 5c1d2e3f4a5b6c7d mta delivery evpid=9f0b0d0b2c8d9b5f from=<a@example.org> to=<Bob@Example.NET> rcpt=<list@example.org> source="198.51.100.2" relay="198.51.100.7 (mx.example.net)" delay=1h2m3s result="TempFail" stat="450 4.7.1 Greylisted, see https://x.example/?a=b""#;
        let e =
            crate::parse_line(line, Some(Format::Opensmtpd), crate::Reference::year(2024)).unwrap();
        assert_eq!(e.outcome, Outcome::Deferred);
        assert_eq!(e.queue_id.as_deref(), Some("9f0b0d0b"));
        assert_eq!(e.sender.as_deref(), Some("a@example.org"));
        assert_eq!(e.recipient.as_deref(), Some("Bob@Example.NET"));
        assert_eq!(e.recipient_domain.as_deref(), Some("example.net"));
        assert_eq!(e.orig_recipient.as_deref(), Some("list@example.org"));
        let r = e.relay.unwrap();
        assert_eq!(
            (r.host.as_deref(), r.ip),
            (Some("mx.example.net"), "198.51.100.7".parse().ok())
        );
        assert_eq!(e.delay, Some(3723.0));
        let reply = e.reply.unwrap();
        assert_eq!(reply.code.map(|c| c.get()), Some(450));
        assert_eq!(reply.text_lossy(), "Greylisted, see https://x.example/?a=b");
        // The span covers the reply inside the quotes.
        let at = memchr::memmem::find(line, b"450 4.7.1").unwrap();
        assert_eq!(reply.span, at..line.len() - 1);
    }
}
