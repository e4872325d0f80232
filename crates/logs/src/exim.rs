//! Exim mainlog lines: `STAMP [+ZONE] [[PID]] MSGID FLAG ADDRESS FIELDS...`.

use maildiag_reply::extract_best;

use crate::Format;
use crate::event::{DeliveryEvent, Outcome, Src, parse_relay_in, set_recipient_in, strip_angles};
use crate::parse::Parsed;
use crate::sendmail::plain;
use crate::time::{Reference, Timestamp, parse_iso};

/// Parses a mainlog line (it starts with its timestamp).
pub(crate) fn parse(line: &[u8], base: u64, _r: Reference) -> Parsed<'_> {
    let Some((ts, len)) = parse_iso(line) else {
        return Parsed::Unparsed;
    };
    parse_body(line, len, Some(ts), base)
}

/// Parses what follows the timestamp at `at`.
pub(crate) fn parse_body(
    line: &[u8],
    mut at: usize,
    ts: Option<Timestamp>,
    base: u64,
) -> Parsed<'_> {
    let skip_spaces = |at: &mut usize| {
        while line.get(*at) == Some(&b' ') {
            *at += 1;
        }
    };
    let src = Src::new(line);
    let text = |b| src.text(b);
    let parse_relay = |b| parse_relay_in(&src, b);
    skip_spaces(&mut at);
    // Optional `[pid]`.
    if line.get(at) == Some(&b'[') {
        match memchr::memchr(b']', &line[at..]) {
            Some(n) => at += n + 1,
            None => return Parsed::Unparsed,
        }
        skip_spaces(&mut at);
    }
    let mut e = DeliveryEvent::new(
        Format::Exim,
        Outcome::Delivered,
        base..base + line.len() as u64,
    );
    e.timestamp = ts;
    // The message id: `1tEXhm-000Abc-2x` or `1tEXhm-00000000Abc-2x`.
    let tok_end = memchr::memchr(b' ', &line[at..]).map_or(line.len(), |n| at + n);
    let tok = &line[at..tok_end];
    let is_id =
        tok.len() >= 14 && tok.iter().filter(|&&c| c == b'-').count() == 2 && tok[6] == b'-';
    let rest = if is_id {
        e.queue_id = Some(text(tok));
        &line[(tok_end + 1).min(line.len())..]
    } else {
        &line[at..]
    };
    let rest_at = line.len() - rest.len();
    let flag = rest.get(..3);
    let outcome = match flag {
        Some(b"=> ") | Some(b"-> ") | Some(b"*> ") => Some(Outcome::Delivered),
        Some(b"== ") => Some(Outcome::Deferred),
        Some(b"** ") => Some(Outcome::Bounced),
        Some(b"<= ") => {
            let s = &rest[3..];
            let end = memchr::memchr(b' ', s).unwrap_or(s.len());
            return match &e.queue_id {
                Some(_) if is_id => Parsed::Sender {
                    queue_id: tok,
                    sender: strip_angles(&s[..end]),
                },
                _ => Parsed::Ignored,
            };
        }
        _ => None,
    };
    let Some(mut outcome) = outcome else {
        return other(&src, line, rest, e);
    };
    let addr_part = &rest[3..];
    let addr_end = memchr::memchr(b' ', addr_part).unwrap_or(addr_part.len());
    let addr = &addr_part[..addr_end];
    let addr = addr.strip_suffix(b":").unwrap_or(addr);
    set_recipient_in(&src, &mut e, addr);
    // `user@d <orig@d>`: the original address in angles.
    let after_addr = &addr_part[addr_end..];
    if let Some(o) = after_addr.strip_prefix(b" <")
        && let Some(close) = memchr::memchr(b'>', o)
    {
        e.orig_recipient = Some(text(&o[..close]));
    }
    if let Some(h) = exim_field(rest, b"H=") {
        let r = parse_relay(h);
        if !r.is_empty() {
            e.relay = Some(r);
        }
    }
    e.delay = exim_field(rest, b"QT=")
        .or_else(|| exim_field(rest, b"DT="))
        .and_then(parse_duration);
    if outcome == Outcome::Bounced
        && memchr::memmem::find(rest, b"retry timeout exceeded").is_some()
    {
        outcome = Outcome::Expired;
    }
    e.outcome = outcome;
    e.reply = if outcome == Outcome::Delivered {
        exim_field(rest, b"C=").and_then(|c| {
            let c = c.strip_prefix(b"\"").unwrap_or(c);
            let at = c.as_ptr() as usize - line.as_ptr() as usize;
            let end = at + c.len();
            // `C="` with nothing after the opening quote: its own quote is no closing one
            // (this sliced backwards before: fuzz regression `logs_line-exim-empty-c.bin`).
            let end = if end > at && line[..end].ends_with(b"\"") {
                end - 1
            } else {
                end
            };
            if let Some(x) = crate::postfix::fast_reply_in(&src, line, at, end, None, None) {
                return Some(x);
            }
            extract_best(&line[at..end]).map(|mut x| {
                x.span = x.span.start + at..x.span.end + at;
                x
            })
        })
    } else {
        match extract_best(line).filter(|x| x.code.is_some() && x.span.start >= rest_at) {
            Some(x) => Some(x),
            None => {
                // `defer (-44): ...`, `retry time not reached`, `Unrouteable address`.
                let at = memchr::memmem::rfind(rest, b": ")
                    .map_or(rest_at + 3 + addr_end, |n| rest_at + n + 2);
                Some(plain(line, at.min(line.len())))
            }
        }
    };
    Parsed::Event(e)
}

/// Lines without a delivery flag: incoming rejections and connection failures.
fn other<'a>(
    src: &Src<'a>,
    line: &'a [u8],
    rest: &'a [u8],
    mut e: DeliveryEvent<'a>,
) -> Parsed<'a> {
    let text = |b| src.text(b);
    let parse_relay = |b| parse_relay_in(src, b);
    let rest_at = line.len() - rest.len();
    if let Some(rj) = memchr::memmem::find(rest, b" rejected RCPT ")
        .or_else(|| memchr::memmem::find(rest, b" rejected after DATA"))
        .or_else(|| memchr::memmem::find(rest, b" rejected MAIL "))
    {
        e.outcome = Outcome::RejectedIncoming;
        if let Some(h) = exim_field(rest, b"H=") {
            let r = parse_relay(h);
            if !r.is_empty() {
                e.relay = Some(r);
            }
        }
        if let Some(f) = exim_field(rest, b"F=") {
            e.sender = Some(text(strip_angles(f)));
        }
        let after = &rest[rj..];
        if let Some(r) = after.strip_prefix(b" rejected RCPT ") {
            let end = r
                .iter()
                .position(|&c| c == b':' || c == b' ')
                .unwrap_or(r.len());
            set_recipient_in(src, &mut e, &r[..end]);
        }
        let at = rest_at + rj + 1;
        e.reply = match extract_best(&line[at..]) {
            Some(mut x) if x.code.is_some() => {
                x.span = x.span.start + at..x.span.end + at;
                Some(x)
            }
            _ => {
                let colon = memchr::memchr(b':', &line[at..]).map_or(at, |n| at + n + 1);
                Some(plain(line, colon))
            }
        };
        return Parsed::Event(e);
    }
    const FAILS: &[&[u8]] = &[
        b"Connection timed out",
        b"Connection refused",
        b"Network is unreachable",
    ];
    if FAILS
        .iter()
        .any(|f| memchr::memmem::find(rest, f).is_some())
    {
        e.outcome = Outcome::ConnectionFailure;
        if let Some(h) = exim_field(rest, b"H=") {
            let r = parse_relay(h);
            if !r.is_empty() {
                e.relay = Some(r);
            }
        } else {
            // `mx.example.com [192.0.2.1] Connection timed out`
            if let Some(close) = memchr::memchr(b']', rest) {
                let r = parse_relay(&rest[..close + 1]);
                if !r.is_empty() {
                    e.relay = Some(r);
                }
            }
        }
        let at = memchr::memmem::find(rest, b"Connection")
            .or_else(|| memchr::memmem::find(rest, b"Network"))
            .map_or(rest_at, |n| rest_at + n);
        e.reply = Some(plain(line, at));
        return Parsed::Event(e);
    }
    Parsed::Ignored
}

/// An Exim `X=value` field: `H=host [ip]` keeps its bracketed address, `C="..."` its quotes.
fn exim_field<'a>(rest: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    // Every key ends with its only `=`: try each `=` rather than build a substring
    // searcher per call (same first match).
    let name = key.strip_suffix(b"=")?;
    let at = memchr::memchr_iter(b'=', rest)
        .filter(|&eq| eq >= name.len() && &rest[eq - name.len()..eq] == name)
        .map(|eq| eq - name.len())
        .find(|&n| n == 0 || rest[n - 1] == b' ')?;
    let v = &rest[at + key.len()..];
    if v.first() == Some(&b'"') {
        let end = memchr::memchr(b'"', &v[1..]).map_or(v.len(), |n| n + 2);
        return Some(&v[..end]);
    }
    let mut end = memchr::memchr(b' ', v).unwrap_or(v.len());
    // `H=mx.example.com [192.0.2.1]:25` or `H=mx (helo) [ip]`.
    let mut look = end;
    for _ in 0..2 {
        if v.get(look + 1) == Some(&b'[') || v.get(look + 1) == Some(&b'(') {
            let close = if v[look + 1] == b'[' { b']' } else { b')' };
            if let Some(n) = memchr::memchr(close, &v[look + 1..]) {
                look += 1 + n + 1;
                while look < v.len() && v[look] != b' ' {
                    look += 1;
                }
                if v[..look].ends_with(b"]") || v[..look].contains(&b'[') {
                    end = look;
                }
            }
        }
    }
    let v = &v[..end];
    Some(v.strip_suffix(b":").unwrap_or(v))
}

/// Exim durations: `2s`, `1m3s`, `2h`, `1d2h`, `3w` (OpenSMTPD writes the same units).
pub(crate) fn parse_duration(b: &[u8]) -> Option<f64> {
    let mut total = 0u64;
    let mut n = 0u64;
    let mut any = false;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                any = true;
            }
            b's' | b'm' | b'h' | b'd' | b'w' => {
                let mul = match c {
                    b's' => 1,
                    b'm' => 60,
                    b'h' => 3600,
                    b'd' => 86_400,
                    _ => 604_800,
                };
                total = total.checked_add(n.checked_mul(mul)?)?;
                n = 0;
            }
            _ => return None,
        }
    }
    any.then_some((total + n) as f64)
}

/// An Exim mainlog record pasted without its time stamp and message id (`== a@b.example
/// R=dnslookup T=remote_smtp defer (-53): retry time not reached`): its flag and router
/// or transport field say it is one.
pub(crate) fn parse_fragment(line: &[u8], base: u64) -> Parsed<'_> {
    let t = line.trim_ascii_start();
    let flagged = [&b"== "[..], b"** ", b"=> ", b"-> ", b"*> "]
        .iter()
        .any(|f| t.starts_with(f));
    if !flagged
        || memchr::memmem::find(t, b" R=").is_none() && memchr::memmem::find(t, b" T=").is_none()
    {
        return Parsed::Ignored;
    }
    parse_body(line, line.len() - t.len(), None, base)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::synth::{GenOptions, generate_vec};

    #[test]
    fn records_without_stamp_and_id() {
        let line = b"== me@example.com R=dnslookup T=remote_smtp defer (-1): failed to expand \"interface\" option";
        let Parsed::Event(e) = parse_fragment(line, 0) else {
            panic!("no event");
        };
        assert_eq!(e.outcome, crate::Outcome::Deferred);
        assert_eq!(e.recipient.as_deref(), Some("me@example.com"));
        let line = b"  ** bob@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<bob@example.net>: 550 5.1.1 User unknown";
        let Parsed::Event(e) = parse_fragment(line, 0) else {
            panic!("no event");
        };
        assert_eq!(e.outcome, crate::Outcome::Bounced);
        // A flag without a router or transport field is prose, not a record.
        assert!(matches!(
            parse_fragment(b"== see the note below", 0),
            Parsed::Ignored
        ));
        assert!(matches!(parse_fragment(b"", 0), Parsed::Ignored));
    }

    /// The `C="..."` fast path gives exactly what the general extractor gives.
    #[test]
    fn fast_confirmation_equals_extractor() {
        let (log, _) = generate_vec(&GenOptions::new(Format::Exim, 3 << 20, 7));
        let mut checked = 0;
        for line in log.split(|&c| c == b'\n') {
            let Some(rest) = memchr::memmem::find(line, b" C=\"") else {
                continue;
            };
            let at = rest + 4;
            let Some(close) = memchr::memchr(b'"', &line[at..]) else {
                continue;
            };
            let end = at + close;
            if let Some(fast) =
                crate::postfix::fast_reply_in(&Src::new(line), line, at, end, None, None)
            {
                let mut slow = extract_best(&line[at..end]).unwrap();
                slow.span = slow.span.start + at..slow.span.end + at;
                assert_eq!(fast, slow, "{}", String::from_utf8_lossy(line));
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn fields_and_durations() {
        let r = b"== u@d R=dnslookup T=remote_smtp defer (-44) H=mx.d [192.0.2.1]: SMTP error";
        assert_eq!(exim_field(r, b"H="), Some(&b"mx.d [192.0.2.1]"[..]));
        assert_eq!(exim_field(r, b"R="), Some(&b"dnslookup"[..]));
        assert_eq!(parse_duration(b"1m3s"), Some(63.0));
        assert_eq!(parse_duration(b"x"), None);
    }
}
