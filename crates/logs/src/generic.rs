//! Any other line that holds an SMTP reply, found by `maildiag_reply::extract_best`.

use maildiag_reply::extract_best;
use maildiag_types::Severity;

use crate::Format;
use crate::event::{DeliveryEvent, Outcome};
use crate::parse::Parsed;
use crate::time::{Reference, parse_bsd, parse_iso};

/// A line with a reply code becomes an event whose outcome follows the reply's severity
/// (2xx delivered, 4xx deferred, 5xx bounced); a timestamp at the line start is kept.
pub(crate) fn parse(line: &[u8], base: u64, r: Reference) -> Parsed<'_> {
    let Some(reply) = extract_best(line).filter(|x| x.code.is_some() || x.enhanced.is_some())
    else {
        return Parsed::Unparsed;
    };
    let sev = reply
        .code
        .map(|c| c.severity())
        .or(reply.enhanced.map(|e| e.severity()));
    let outcome = match sev {
        Some(Severity::Success) => Outcome::Delivered,
        Some(Severity::Transient) => Outcome::Deferred,
        _ => Outcome::Bounced,
    };
    let mut e = DeliveryEvent::new(Format::Generic, outcome, base..base + line.len() as u64);
    e.timestamp = match line.first() {
        Some(b'0'..=b'9') => parse_iso(line).map(|t| t.0),
        // `[2024-11-22 10:00:01] production.ERROR: ...` (Monolog and similar)
        Some(b'[') => parse_iso(&line[1..]).map(|t| t.0),
        _ => parse_bsd(line, r).map(|t| t.0),
    };
    if let Some(h) = &reply.host {
        e.relay = Some(crate::Relay {
            host: h.name.clone(),
            ip: h.ip,
            port: None,
        });
    }
    if let Some(at) = memchr::memmem::find(line, b"to=<") {
        let v = &line[at + 3..];
        let end = memchr::memchr(b'>', v).map_or(v.len(), |n| n + 1);
        crate::event::set_recipient(&mut e, &v[..end]);
    }
    e.reply = Some(reply);
    Parsed::Event(e)
}
