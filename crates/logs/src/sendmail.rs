//! Sendmail syslog lines (`sm-mta`, `sendmail`, `sm-msp-queue`).

use std::borrow::Cow;

use maildiag_reply::{Extracted, extract_best};
use maildiag_types::{Class, EnhancedCode};

use crate::Format;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::event::{
    DeliveryEvent, Outcome, Src, field, parse_relay_in, set_recipient_in, strip_angles, trim,
};
use crate::parse::Parsed;
use crate::postfix::split_qid;
use crate::syslog::Syslog;

// Built once: a one-shot `memmem::find` builds its searcher on every call.
static REJECT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"reject="));
static STAT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"stat="));
static RELAY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"relay="));
static COMMA_SPACE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b", "));
static CANNOT_SEND: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"Cannot send message"));

/// Parses the message part of a Sendmail line.
pub(crate) fn parse<'a>(line: &'a [u8], sys: &Syslog<'a>, base: u64) -> Parsed<'a> {
    let msg = &line[sys.msg_at..];
    let src = Src::new(line);
    let text = |b| src.text(b);
    let parse_relay = |b| parse_relay_in(&src, b);
    let (qid, body) = split_qid(msg);
    let mut e = DeliveryEvent::new(
        Format::Sendmail,
        Outcome::Delivered,
        base..base + line.len() as u64,
    );
    e.timestamp = Some(sys.timestamp);
    e.host = sys.host.map(text);
    e.program = Some(text(sys.program));
    if !qid.is_empty() {
        e.queue_id = Some(text(qid));
    }
    if body.starts_with(b"from=") {
        return match field(body, b"from=") {
            Some(f) if !qid.is_empty() => Parsed::Sender {
                queue_id: qid,
                sender: strip_angles(f),
            },
            _ => Parsed::Ignored,
        };
    }
    // ruleset=check_rcpt, arg1=<u@d>, relay=client [ip], reject=550 5.7.1 <u@d>... Relaying denied
    if let Some(rj) = REJECT.find(body) {
        e.outcome = Outcome::RejectedIncoming;
        if let Some(a) = field(body, b"arg1=") {
            if body.starts_with(b"ruleset=check_rcpt") {
                set_recipient_in(&src, &mut e, a);
            } else if body.starts_with(b"ruleset=check_mail") {
                e.sender = Some(text(strip_angles(a)));
            }
        }
        if let Some(r) = relay_value(body) {
            let r = parse_relay(r);
            if !r.is_empty() {
                e.relay = Some(r);
            }
        }
        let at = line.len() - body.len() + rj;
        e.reply = extract_best(&line[at..]).map(|x| shift(x, at));
        return if e.reply.is_some() {
            Parsed::Event(e)
        } else {
            Parsed::Unparsed
        };
    }
    if let Some(rest) = body.strip_prefix(b"DSN: ") {
        if CANNOT_SEND.find(rest).is_some() {
            e.outcome = Outcome::Expired;
            e.reply = Some(plain(line, line.len() - rest.len()));
            return Parsed::Event(e);
        }
        return Parsed::Ignored;
    }
    if !body.starts_with(b"to=") {
        return Parsed::Ignored;
    }
    let Some(stat_at) = STAT.find(body) else {
        return Parsed::Unparsed;
    };
    let stat = &body[stat_at + 5..];
    if let Some(to) = field(body, b"to=") {
        // `to=` may list several recipients: keep the first.
        let first = to.split(|&c| c == b',').next().unwrap_or(to);
        set_recipient_in(&src, &mut e, first);
    }
    if let Some(r) = relay_value(&body[..stat_at]) {
        let r = parse_relay(r);
        if !r.is_empty() {
            e.relay = Some(r);
        }
    }
    e.delay = field(body, b"delay=").and_then(parse_delay);
    e.dsn = field(body, b"dsn=").and_then(EnhancedCode::parse_strict);
    e.outcome = if stat.starts_with(b"Sent") {
        Outcome::Delivered
    } else if stat.starts_with(b"Deferred") {
        Outcome::Deferred
    } else {
        match e.dsn.map(|d| d.class()) {
            Some(Class::Success) => Outcome::Delivered,
            Some(Class::Transient) => Outcome::Deferred,
            _ => Outcome::Bounced,
        }
    };
    let at = line.len() - stat.len();
    e.reply = match extract_best(stat).filter(|x| x.code.is_some()) {
        Some(x) if e.outcome != Outcome::Delivered || stat.starts_with(b"Sent (") => {
            Some(shift(x, at))
        }
        _ => Some(plain(line, at)),
    };
    Parsed::Event(e)
}

/// The `relay=` value up to the next `, ` (Sendmail writes `host. [ip]` with a space, and
/// so does OpenSMTPD 5).
pub(crate) fn relay_value(body: &[u8]) -> Option<&[u8]> {
    let at = RELAY
        .find_iter(body)
        .find(|&n| n == 0 || body[n - 1] == b' ')?;
    let v = &body[at + 6..];
    let end = COMMA_SPACE.find(v).unwrap_or(v.len());
    Some(trim(&v[..end]))
}

/// Sendmail delays: `00:00:01`, `1+02:03:04`.
fn parse_delay(b: &[u8]) -> Option<f64> {
    let (days, hms) = match memchr::memchr(b'+', b) {
        Some(n) => (crate::event::parse_f64(&b[..n])?, &b[n + 1..]),
        None => (0.0, b),
    };
    let mut total = 0.0;
    for part in hms.split(|&c| c == b':') {
        total = total * 60.0 + crate::event::parse_f64(part)?;
    }
    Some(days * 86_400.0 + total)
}

pub(crate) fn shift(mut x: Extracted<'_>, by: usize) -> Extracted<'_> {
    x.span = x.span.start + by..x.span.end + by;
    x
}

/// A reply without a code: the text from `at` to the end of the line.
pub(crate) fn plain(line: &[u8], at: usize) -> Extracted<'_> {
    Extracted {
        span: at..line.len(),
        code: None,
        enhanced: None,
        text: Cow::Borrowed(trim(&line[at..])),
        command: None,
        host: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn delays() {
        assert_eq!(super::parse_delay(b"00:00:01"), Some(1.0));
        assert_eq!(super::parse_delay(b"1+00:01:00"), Some(86_460.0));
    }
}
