//! KumoMTA JSON log records (one JSON object per line).

use std::borrow::Cow;
use std::net::IpAddr;

use maildiag_reply::{Extracted, RemoteHost, SmtpCommand};
use maildiag_types::{Class, EnhancedCode, ReplyCode};
use serde::Deserialize;

use crate::Format;
use crate::event::{DeliveryEvent, Outcome, Relay, domain_of, parse_relay};
use crate::parse::Parsed;
use crate::time::{Timestamp, parse_epoch, parse_iso};

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    sender: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    recipient: Option<Cow<'a, str>>,
    #[serde(default)]
    response: Option<Response<'a>>,
    #[serde(borrow, default)]
    peer_address: Option<Peer<'a>>,
    #[serde(borrow, default)]
    timestamp: Option<Stamp<'a>>,
    #[serde(borrow, default)]
    nodeid: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    enhanced_code: Option<Enhanced>,
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    command: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Enhanced {
    class: u8,
    subject: u16,
    detail: u16,
}

#[derive(Deserialize)]
struct Peer<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    addr: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Stamp<'a> {
    Number(f64),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

fn to_bytes(c: Cow<'_, str>) -> Cow<'_, [u8]> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

fn strip_root_dot(n: Cow<'_, str>) -> Cow<'_, str> {
    match n {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_suffix('.').unwrap_or(s)),
        Cow::Owned(mut s) => {
            if s.ends_with('.') {
                s.pop();
            }
            Cow::Owned(s)
        }
    }
}

/// Parses one KumoMTA log record.
pub(crate) fn parse(line: &[u8], base: u64) -> Parsed<'_> {
    let Ok(rec) = serde_json::from_slice::<Record<'_>>(line) else {
        return Parsed::Unparsed;
    };
    let outcome = match &*rec.kind {
        "Delivery" => Outcome::Delivered,
        "TransientFailure" => Outcome::Deferred,
        "Bounce" | "AdminBounce" => Outcome::Bounced,
        "Expiration" => Outcome::Expired,
        "Rejection" => Outcome::RejectedIncoming,
        _ => return Parsed::Ignored,
    };
    let mut e = DeliveryEvent::new(Format::Kumo, outcome, base..base + line.len() as u64);
    e.timestamp = rec.timestamp.and_then(|t| match t {
        Stamp::Number(n) if (0.0..1e12).contains(&n) => Some(Timestamp {
            unix: n.trunc() as i64,
            micros: ((n - n.trunc()) * 1e6).round().min(999_999.0) as u32,
            utc_offset: Some(0),
        }),
        Stamp::Number(_) => None,
        Stamp::Text(s) => parse_iso(s.as_bytes())
            .map(|t| t.0)
            .or_else(|| parse_epoch(s.as_bytes())),
    });
    e.host = rec.nodeid;
    e.queue_id = rec.id;
    e.sender = rec.sender;
    if let Some(r) = rec.recipient {
        e.recipient_domain = match &r {
            Cow::Borrowed(s) => domain_of(s.as_bytes()),
            Cow::Owned(s) => domain_of(s.as_bytes()).map(|d| Cow::Owned(d.into_owned())),
        };
        e.recipient = Some(r);
    }
    if let Some(p) = rec.peer_address {
        let ip: Option<IpAddr> = p.addr.as_deref().and_then(|a| {
            let r = parse_relay(a.as_bytes());
            r.ip.or_else(|| a.parse().ok())
                .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        });
        let relay = Relay {
            // MX names are logged fully qualified (`mx.example.com.`).
            host: p.name.map(strip_root_dot).filter(|n| !n.is_empty()),
            ip,
            port: None,
        };
        if !relay.is_empty() {
            e.relay = Some(relay);
        }
    }
    if let Some(resp) = rec.response {
        let enhanced = resp
            .enhanced_code
            .and_then(|c| EnhancedCode::new(Class::from_digit(c.class)?, c.subject, c.detail));
        e.dsn = enhanced;
        let command = resp.command.as_deref().and_then(|c| {
            let c = c.trim();
            if c == "." {
                Some(SmtpCommand::EndOfData)
            } else {
                SmtpCommand::from_phrase(c.as_bytes())
            }
        });
        let host = e.relay.as_ref().map(|r| RemoteHost {
            name: r.host.clone(),
            ip: r.ip,
        });
        let text = resp.content.map(to_bytes).unwrap_or(Cow::Borrowed(b""));
        e.reply = Some(Extracted {
            span: 0..line.len(),
            code: resp.code.and_then(ReplyCode::new),
            enhanced,
            text,
            command,
            host,
        });
    }
    Parsed::Event(e)
}
