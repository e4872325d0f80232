//! The record every reader produces: [`DeliveryEvent`].

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::str::FromStr;

use maildiag_reply::Extracted;
use maildiag_types::EnhancedCode;

use crate::Format;
use crate::time::Timestamp;

/// What happened to one recipient (or one incoming attempt) according to a log line.
///
/// The snake_case names (`delivered`, `deferred`, ...) are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Outcome {
    /// The receiving server accepted the message (Postfix `status=sent`, Exim `=>`).
    Delivered,
    /// A transient failure: the message stays queued (Postfix `status=deferred`, Exim `==`).
    Deferred,
    /// A permanent failure: the message was returned (Postfix `status=bounced`, Exim `**`).
    Bounced,
    /// The message stayed queued past its lifetime (Postfix `status=expired`).
    Expired,
    /// This server refused an incoming message (Postfix `NOQUEUE: reject`, Exim `rejected RCPT`).
    RejectedIncoming,
    /// A connection attempt or an SMTP session failed without a per-recipient status
    /// (`connect to ...: Connection timed out`, `lost connection with ...`, TLS failures).
    ConnectionFailure,
}

impl Outcome {
    /// Every outcome, in declaration order (the index used by [`crate::Stats::events`]).
    pub const ALL: [Outcome; 6] = [
        Outcome::Delivered,
        Outcome::Deferred,
        Outcome::Bounced,
        Outcome::Expired,
        Outcome::RejectedIncoming,
        Outcome::ConnectionFailure,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Deferred => "deferred",
            Outcome::Bounced => "bounced",
            Outcome::Expired => "expired",
            Outcome::RejectedIncoming => "rejected_incoming",
            Outcome::ConnectionFailure => "connection_failure",
        }
    }

    /// The position in [`Outcome::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An outcome name was not one of [`Outcome::ALL`]'s names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome name {0:?}")]
pub struct UnknownOutcome(pub String);

impl FromStr for Outcome {
    type Err = UnknownOutcome;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownOutcome(s.to_owned()))
    }
}

/// The remote peer of an event: the relay a message went to, or, for
/// [`Outcome::RejectedIncoming`], the client that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Relay<'a> {
    /// The host name (`mx.example.com`), when the log gives one (`none`/`unknown` are omitted).
    pub host: Option<Cow<'a, str>>,
    /// The IP address, when given.
    pub ip: Option<IpAddr>,
    /// The TCP port, when given.
    pub port: Option<u16>,
}

impl Relay<'_> {
    /// Detaches the relay from its input.
    pub fn into_owned(self) -> Relay<'static> {
        Relay {
            host: own(self.host),
            ip: self.ip,
            port: self.port,
        }
    }

    /// `true` when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.host.is_none() && self.ip.is_none() && self.port.is_none()
    }
}

/// One delivery event read from a log line, borrowing from the line where it can.
///
/// Use [`DeliveryEvent::into_owned`] to keep an event beyond the callback that received it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct DeliveryEvent<'a> {
    /// The log format the line was read as.
    pub format: Format,
    /// When it happened. BSD syslog stamps get their year from
    /// [`crate::ReaderOptions::reference`].
    pub timestamp: Option<Timestamp>,
    /// The host that wrote the log (syslog host name, Exchange server), when given.
    pub host: Option<Cow<'a, str>>,
    /// The program that wrote the line (`postfix/smtp`, `postfix-out/smtp`, `sm-mta`...).
    pub program: Option<Cow<'a, str>>,
    /// The MTA's queue or message id.
    pub queue_id: Option<Cow<'a, str>>,
    /// The envelope sender, when the line gives it or a recent `from=` line of the same
    /// queue id did (see [`crate::JOIN_HORIZON`]). `<>` (the null sender) is the empty string.
    pub sender: Option<Cow<'a, str>>,
    /// The recipient address.
    pub recipient: Option<Cow<'a, str>>,
    /// The original recipient before aliasing (Postfix `orig_to=`), when given.
    pub orig_recipient: Option<Cow<'a, str>>,
    /// The recipient's domain, lower-cased.
    pub recipient_domain: Option<Cow<'a, str>>,
    /// The remote peer (see [`Relay`]).
    pub relay: Option<Relay<'a>>,
    /// What happened.
    pub outcome: Outcome,
    /// The remote server's reply (or the MTA's own diagnostic) as parsed by
    /// `maildiag-reply`. For lines without a reply code (`Connection timed out`, `Host or
    /// domain name not found`) the reply has `code: None` and the diagnostic as text.
    pub reply: Option<Extracted<'a>>,
    /// The DSN status the log gives in a separate field (Postfix and Sendmail `dsn=`,
    /// PowerMTA `dsnStatus`, KumoMTA `enhanced_code`).
    pub dsn: Option<EnhancedCode>,
    /// The delay in seconds (Postfix `delay=`, Sendmail `delay=`, Exim `QT=`/`DT=`).
    pub delay: Option<f64>,
    /// The line's byte range in the whole input stream (without its line ending).
    pub span: Range<u64>,
}

impl<'a> DeliveryEvent<'a> {
    /// An empty event for `format` with `outcome` at `span`.
    pub fn new(format: Format, outcome: Outcome, span: Range<u64>) -> DeliveryEvent<'a> {
        DeliveryEvent {
            format,
            timestamp: None,
            host: None,
            program: None,
            queue_id: None,
            sender: None,
            recipient: None,
            orig_recipient: None,
            recipient_domain: None,
            relay: None,
            outcome,
            reply: None,
            dsn: None,
            delay: None,
            span,
        }
    }

    /// Detaches the event from its input.
    pub fn into_owned(self) -> DeliveryEvent<'static> {
        DeliveryEvent {
            format: self.format,
            timestamp: self.timestamp,
            host: own(self.host),
            program: own(self.program),
            queue_id: own(self.queue_id),
            sender: own(self.sender),
            recipient: own(self.recipient),
            orig_recipient: own(self.orig_recipient),
            recipient_domain: own(self.recipient_domain),
            relay: self.relay.map(Relay::into_owned),
            outcome: self.outcome,
            reply: self.reply.map(Extracted::into_owned),
            dsn: self.dsn,
            delay: self.delay,
            span: self.span,
        }
    }

    /// The enhanced status code: the reply's, else the separate DSN field.
    pub fn enhanced_code(&self) -> Option<EnhancedCode> {
        self.reply.as_ref().and_then(|r| r.enhanced).or(self.dsn)
    }

    /// The reply text (lossy UTF-8), or `""`.
    pub fn reply_text(&self) -> Cow<'_, str> {
        self.reply
            .as_ref()
            .map_or(Cow::Borrowed(""), |r| r.text_lossy())
    }
}

fn own(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(|c| Cow::Owned(c.into_owned()))
}

/// Bytes as a string: borrowed when valid UTF-8, else lossily converted.
#[inline]
pub(crate) fn text(b: &[u8]) -> Cow<'_, str> {
    // `from_utf8` first: the lossy conversion's chunk iterator costs several times more
    // on the (usual) valid input.
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// A line whose UTF-8 validity is checked once, when the first field is read as text:
/// the fields of a valid line are then borrowed by slicing, without validating each.
pub(crate) struct Src<'a> {
    line: &'a [u8],
    valid: std::cell::OnceCell<Option<&'a str>>,
}

impl<'a> Src<'a> {
    pub(crate) fn new(line: &'a [u8]) -> Src<'a> {
        Src {
            line,
            valid: std::cell::OnceCell::new(),
        }
    }

    /// `sub` (a part of the line, or any other bytes) as text, exactly as [`text`] gives it.
    #[inline]
    pub(crate) fn text(&self, sub: &'a [u8]) -> Cow<'a, str> {
        let valid = *self
            .valid
            .get_or_init(|| std::str::from_utf8(self.line).ok());
        if let Some(s) = valid {
            let off = (sub.as_ptr() as usize).wrapping_sub(self.line.as_ptr() as usize);
            // A valid part of a valid string starts and ends on character boundaries, so
            // `get` fails only where `text` would have replaced bytes.
            if off <= self.line.len()
                && sub.len() <= self.line.len() - off
                && let Some(t) = s.get(off..off + sub.len())
            {
                return Cow::Borrowed(t);
            }
        }
        text(sub)
    }
}

/// An address without its angle brackets.
pub(crate) fn strip_angles(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"<").unwrap_or(b);
    b.strip_suffix(b">").unwrap_or(b)
}

/// The domain part of an address, lower-cased (borrowed when already lower case).
pub(crate) fn domain_of(addr: &[u8]) -> Option<Cow<'_, str>> {
    domain_in(&Src::new(addr), addr)
}

/// [`domain_of`] reading text through `src`.
pub(crate) fn domain_in<'a>(src: &Src<'a>, addr: &'a [u8]) -> Option<Cow<'a, str>> {
    let at = memchr::memrchr(b'@', addr)?;
    let d = &addr[at + 1..];
    let d = d.strip_suffix(b".").unwrap_or(d);
    if d.is_empty() {
        return None;
    }
    if d.iter().any(u8::is_ascii_uppercase) {
        Some(Cow::Owned(String::from_utf8_lossy(d).to_ascii_lowercase()))
    } else {
        Some(src.text(d))
    }
}

/// Sets recipient and recipient domain from a raw address (angles stripped).
pub(crate) fn set_recipient<'a>(ev: &mut DeliveryEvent<'a>, raw: &'a [u8]) {
    set_recipient_in(&Src::new(raw), ev, raw);
}

/// [`set_recipient`] reading text through `src`.
pub(crate) fn set_recipient_in<'a>(src: &Src<'a>, ev: &mut DeliveryEvent<'a>, raw: &'a [u8]) {
    let addr = strip_angles(raw);
    if addr.is_empty() {
        return;
    }
    ev.recipient_domain = domain_in(src, addr);
    ev.recipient = Some(src.text(addr));
}

/// Parses `host[ip]:port`, `host [ip]`, `[ip]`, `host`. `none` and `unknown` hosts are dropped.
pub(crate) fn parse_relay(b: &[u8]) -> Relay<'_> {
    parse_relay_in(&Src::new(b), b)
}

/// [`parse_relay`] reading text through `src`.
pub(crate) fn parse_relay_in<'a>(src: &Src<'a>, b: &'a [u8]) -> Relay<'a> {
    let b = trim(b);
    let mut relay = Relay::default();
    let (name, rest) = match memchr::memchr(b'[', b) {
        Some(open) => (trim(&b[..open]), &b[open + 1..]),
        None => {
            // host:port or plain host
            match memchr::memrchr(b':', b) {
                Some(c) if b[c + 1..].iter().all(u8::is_ascii_digit) && c + 1 < b.len() => {
                    relay.port = parse_u16(&b[c + 1..]);
                    (&b[..c], &b""[..])
                }
                _ => (b, &b""[..]),
            }
        }
    };
    if !name.is_empty() && name != b"none" && name != b"unknown" {
        let name = name.strip_suffix(b".").unwrap_or(name);
        relay.host = Some(src.text(name));
    }
    if let Some(close) = memchr::memchr(b']', rest) {
        let ip = &rest[..close];
        let ip = ip.strip_prefix(b"IPv6:").unwrap_or(ip);
        relay.ip = parse_ip(ip);
        let after = &rest[close + 1..];
        if let Some(p) = after.strip_prefix(b":") {
            let end = p
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(p.len());
            relay.port = parse_u16(&p[..end]);
        }
    }
    relay
}

/// An IP address, as `str::parse::<IpAddr>` reads it; dotted quads in one pass without
/// the general parser (which is several times slower).
pub(crate) fn parse_ip(b: &[u8]) -> Option<IpAddr> {
    // The standard parser's rules for a dotted quad: four parts of 1–3 digits, no leading
    // zero, each ≤ 255. A byte other than a digit or a dot hands the whole input to the
    // standard parser, so a rule broken early (`2001:db8::1` has a four-digit part) only
    // marks the quad bad.
    let mut octets = [0u8; 4];
    let (mut part, mut value, mut digits, mut lead_zero, mut bad) = (0, 0u32, 0, false, false);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                lead_zero |= digits == 1 && value == 0;
                digits += 1;
                // A fourth digit makes the quad bad; the value stops growing there, so a
                // long run of digits cannot overflow it.
                bad |= digits > 3;
                if digits <= 3 {
                    value = value * 10 + u32::from(c - b'0');
                }
            }
            b'.' => {
                bad |= digits == 0 || lead_zero || value > 255 || part == 3;
                if !bad {
                    octets[part] = value as u8;
                    part += 1;
                }
                (value, digits, lead_zero) = (0, 0, false);
            }
            _ => return std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()),
        }
    }
    if bad || part != 3 || digits == 0 || lead_zero || value > 255 {
        return None;
    }
    octets[3] = value as u8;
    Some(IpAddr::from(octets))
}

pub(crate) fn parse_u16(b: &[u8]) -> Option<u16> {
    if b.is_empty() || b.len() > 5 {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    u16::try_from(v).ok()
}

/// A decimal number such as `1.2` or `3600`.
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    if b.is_empty() || b.len() > 24 {
        return None;
    }
    let mut int: u64 = 0;
    let mut frac: u64 = 0;
    let mut scale: f64 = 1.0;
    let mut seen_dot = false;
    let mut digits = 0;
    for &c in b {
        match c {
            b'0'..=b'9' if !seen_dot => {
                int = int.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
                digits += 1;
            }
            b'0'..=b'9' => {
                if scale < 1e15 {
                    frac = frac * 10 + u64::from(c - b'0');
                    scale *= 10.0;
                }
                digits += 1;
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    Some(int as f64 + frac as f64 / scale)
}

pub(crate) fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r'] = b {
        b = rest;
    }
    b
}

/// The value of `key` (e.g. `b"to="`) in a `key=value, key=value` list: up to `,` or
/// space, or the matching `>` when the value starts with `<`.
pub(crate) fn field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    if let [name @ .., b'='] = key {
        // Every `=` ends a possible key: cheaper than building a substring searcher for
        // a short line, and the same first match.
        for eq in memchr::memchr_iter(b'=', line) {
            if eq < name.len() || &line[eq - name.len()..eq] != name {
                continue;
            }
            let at = eq - name.len();
            if at > 0 && !matches!(line[at - 1], b' ' | b',' | b'\t' | b';') {
                continue;
            }
            return Some(value_token(&line[eq + 1..]));
        }
        return None;
    }
    let finder = memchr::memmem::find_iter(line, key);
    for at in finder {
        // The key must start a token.
        if at > 0 && !matches!(line[at - 1], b' ' | b',' | b'\t' | b';') {
            continue;
        }
        let v = &line[at + key.len()..];
        return Some(value_token(v));
    }
    None
}

/// A field's value: up to `,`, space or tab, or through the matching `>` when it starts
/// with `<`.
#[inline]
pub(crate) fn value_token(v: &[u8]) -> &[u8] {
    if v.first() == Some(&b'<') {
        let end = memchr::memchr(b'>', v).map_or(v.len(), |n| n + 1);
        return &v[..end];
    }
    &v[..find_any(v, [b',', b' ', b'\t'])]
}

/// Where the first byte of `hay` that is one of `needles` is, or `hay.len()`. Eight bytes
/// at a time: the values and keys of a log line are a few to a few dozen bytes long,
/// too short for `memchr`'s vector set-up to pay and long enough that a byte loop
/// costs.
#[inline]
pub(crate) fn find_any<const N: usize>(hay: &[u8], needles: [u8; N]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` that is zero sets the high bit of its lane in `zero(x)`. Lanes above
    // the lowest zero byte may be set falsely (the borrow), never lanes below it, so the
    // lowest set bit is exact.
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let words = hay.chunks_exact(8);
    let tail = words.remainder();
    for (n, w) in words.enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let v = u64::from_le_bytes(a);
        let hits = needles
            .iter()
            .fold(0, |m, &b| m | zero(v ^ (LO * u64::from(b))));
        if hits != 0 {
            return n * 8 + (hits.trailing_zeros() / 8) as usize;
        }
    }
    let at = hay.len() - tail.len();
    tail.iter()
        .position(|c| needles.contains(c))
        .map_or(hay.len(), |n| at + n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn relays() {
        let r = parse_relay(b"mx.example.com[192.0.2.1]:25");
        assert_eq!(r.host.as_deref(), Some("mx.example.com"));
        assert_eq!(r.ip, "192.0.2.1".parse().ok());
        assert_eq!(r.port, Some(25));
        let r = parse_relay(b"none");
        assert!(r.is_empty());
        let r = parse_relay(b"mx[IPv6:2001:db8::1]:25");
        assert_eq!(r.ip, "2001:db8::1".parse().ok());
        let r = parse_relay(b"mx.example.com:587");
        assert_eq!(
            (r.host.as_deref(), r.port),
            (Some("mx.example.com"), Some(587))
        );
    }

    #[test]
    fn ips_like_std() {
        for s in [
            "192.0.2.1",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "",
            ".",
            "1.2.3.4.",
            "0001.2.3.4",
            "2001:db8::1",
            "::1",
            "::ffff:1.2.3.4",
            "1.2.3.00",
            "10.0.0.10",
            "999.0.0.1",
            "12345678901234567890",
            "1.2.3.44444444444444",
        ] {
            assert_eq!(parse_ip(s.as_bytes()), s.parse().ok(), "{s}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(4096))]
        /// The word-at-a-time search finds what a byte loop finds.
        #[test]
        fn find_any_like_a_loop(hay in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b',', b' ', b'\t', b'=', 0x80, 0xff, 0x01, 0x2b, 0x2d]), 0..40)
        ) {
            let naive = |n: &[u8]| hay.iter().position(|c| n.contains(c)).unwrap_or(hay.len());
            proptest::prop_assert_eq!(find_any(&hay, [b',', b' ', b'\t']), naive(b", \t"));
            proptest::prop_assert_eq!(find_any(&hay, [b'=']), naive(b"="));
        }

        /// Any short string of the bytes an address is made of reads as the standard
        /// parser reads it.
        #[test]
        fn ips_like_std_any(
            s in "[0-9.:a-fA-F]{0,20}|([0-9]{1,4}\\.){0,5}[0-9]{0,4}|(0?[0-9]{1,3}\\.){2,4}0?[0-9]{0,3}"
        ) {
            proptest::prop_assert_eq!(parse_ip(s.as_bytes()), s.parse().ok());
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_f64(b"1.25"), Some(1.25));
        assert_eq!(parse_f64(b"3600"), Some(3600.0));
        assert_eq!(parse_f64(b""), None);
        assert_eq!(parse_f64(b"1.2.3"), None);
        assert_eq!(parse_u16(b"70000"), None);
    }

    #[test]
    fn fields() {
        let l = b"to=<a@B.example>, relay=x, delay=1.2, status=sent (ok)";
        assert_eq!(field(l, b"to="), Some(&b"<a@B.example>"[..]));
        assert_eq!(field(l, b"delay="), Some(&b"1.2"[..]));
        assert_eq!(domain_of(b"a@B.example").as_deref(), Some("b.example"));
    }
}
