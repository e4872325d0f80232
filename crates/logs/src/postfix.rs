//! Postfix syslog lines (`postfix/smtp`, `postfix/lmtp`, `postfix/smtpd`, `postfix/qmgr`...).

use std::borrow::Cow;

use std::sync::LazyLock;

use maildiag_reply::{Extracted, RemoteHost, SmtpCommand, extract_best};
use maildiag_types::{EnhancedCode, ReplyCode};
use memchr::memmem;

use crate::Format;
use crate::event::{
    DeliveryEvent, Outcome, Src, field, find_any, parse_f64, parse_relay_in, set_recipient_in,
    strip_angles, value_token,
};
use crate::parse::Parsed;
use crate::syslog::Syslog;

/// Parses the message part of a Postfix line (after `program[pid]: `).
pub(crate) fn parse<'a>(line: &'a [u8], sys: &Syslog<'a>, base: u64) -> Parsed<'a> {
    let msg = &line[sys.msg_at..];
    let src = Src::new(line);
    let text = |b| src.text(b);
    let ev = |outcome| {
        let mut ev = DeliveryEvent::new(Format::Postfix, outcome, base..base + line.len() as u64);
        ev.timestamp = Some(sys.timestamp);
        ev.host = sys.host.map(text);
        ev.program = Some(text(sys.program));
        ev
    };
    // Incoming rejections: `NOQUEUE: reject: RCPT from ...` or `QID: reject: ...`,
    // `QID: milter-reject: ...`.
    let (qid, body) = split_qid(msg);
    if let Some(r) = body
        .strip_prefix(b"reject: ")
        .or_else(|| body.strip_prefix(b"milter-reject: "))
    {
        let mut e = ev(Outcome::RejectedIncoming);
        if qid != b"NOQUEUE" && !qid.is_empty() {
            e.queue_id = Some(text(qid));
        }
        return reject(&src, line, r, e);
    }
    if body.starts_with(b"to=<") {
        return delivery(&src, line, body, Some(qid), ev);
    }
    if body.starts_with(b"from=<") {
        if let Some(p) = expired(body, qid, ev) {
            return p;
        }
        if qid.is_empty() || qid == b"NOQUEUE" {
            return Parsed::Ignored;
        }
        return match field(body, b"from=") {
            Some(f) => Parsed::Sender {
                queue_id: qid,
                sender: strip_angles(f),
            },
            None => Parsed::Unparsed,
        };
    }
    // Session-level failures with or without a queue id.
    const FAILS: &[&[u8]] = &[
        b"connect to ",
        b"lost connection with ",
        b"conversation with ",
        b"SSL_connect error to ",
        b"host ",
    ];
    for p in FAILS {
        if let Some(rest) = body.strip_prefix(*p) {
            if *p == b"host " && memchr::memmem::find(rest, b"refused to talk to me").is_none() {
                return Parsed::Ignored;
            }
            if *p == b"conversation with " && memchr::memmem::find(rest, b"timed out").is_none() {
                return Parsed::Ignored;
            }
            let mut e = ev(Outcome::ConnectionFailure);
            if !qid.is_empty() {
                e.queue_id = Some(text(qid));
            }
            let host_end = rest
                .iter()
                .position(|&c| c == b':' || c == b' ')
                .unwrap_or(rest.len());
            // `host[ip]:port:` keeps its port: find the `]` first.
            let relay_raw = match memchr::memchr(b']', rest) {
                Some(n) if n < rest.len() => {
                    let mut end = n + 1;
                    if rest.get(end) == Some(&b':') {
                        end += 1 + rest[end + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                    }
                    &rest[..end]
                }
                _ => &rest[..host_end],
            };
            let relay = parse_relay_in(&src, relay_raw);
            let body_at = line.len() - body.len();
            let reply = extract_best(line)
                .filter(|r| r.span.start >= body_at)
                .unwrap_or_else(|| Extracted {
                    span: body_at..line.len(),
                    code: None,
                    enhanced: None,
                    text: Cow::Borrowed(body),
                    command: None,
                    host: host_of(&relay),
                });
            if !relay.is_empty() {
                e.relay = Some(relay);
            }
            e.reply = Some(reply);
            return Parsed::Event(e);
        }
    }
    Parsed::Ignored
}

/// `QID: rest` → (`QID`, `rest`); (`""`, msg) when the line has no queue id.
pub(crate) fn split_qid(msg: &[u8]) -> (&[u8], &[u8]) {
    let n = msg
        .iter()
        .take(32)
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(0);
    if n > 0 && msg.get(n) == Some(&b':') && msg.get(n + 1) == Some(&b' ') {
        (&msg[..n], &msg[n + 2..])
    } else {
        (b"", msg)
    }
}

fn host_of<'a>(r: &crate::Relay<'a>) -> Option<RemoteHost<'a>> {
    (r.host.is_some() || r.ip.is_some()).then(|| RemoteHost {
        name: r.host.clone(),
        ip: r.ip,
    })
}

/// A delivery record, `body` starting at its `to=<`: the event `ev` makes for its
/// outcome, with the recipient, relay, delay, DSN status and reply filled in. `qid` is
/// the queue id before it, required when given (a syslog line always has one).
fn delivery<'a>(
    src: &Src<'a>,
    line: &'a [u8],
    body: &'a [u8],
    qid: Option<&'a [u8]>,
    ev: impl FnOnce(Outcome) -> DeliveryEvent<'a>,
) -> Parsed<'a> {
    let Some(f) = status_fields(body) else {
        return Parsed::Unparsed;
    };
    let outcome = match f.status {
        b"sent" | b"delivered" => Outcome::Delivered,
        b"deferred" => Outcome::Deferred,
        b"bounced" => Outcome::Bounced,
        b"expired" => Outcome::Expired,
        _ => return Parsed::Ignored,
    };
    if qid.is_some_and(<[u8]>::is_empty) {
        return Parsed::Unparsed;
    }
    let mut e = ev(outcome);
    e.queue_id = qid.filter(|q| !q.is_empty()).map(|q| src.text(q));
    set_recipient_in(src, &mut e, f.to);
    if let Some(o) = f.orig_to {
        let o = strip_angles(o);
        if !o.is_empty() {
            e.orig_recipient = Some(src.text(o));
        }
    }
    if let Some(r) = f.relay {
        let r = parse_relay_in(src, r);
        if !r.is_empty() {
            e.relay = Some(r);
        }
    }
    e.delay = f.delay.and_then(parse_f64);
    e.dsn = f.dsn.and_then(EnhancedCode::parse_strict);
    let status_at = line.len() - body.len() + f.status_end;
    e.reply = paren_reply(src, line, status_at, &e, f.relay);
    Parsed::Event(e)
}

/// qmgr's `from=<S>, status=expired, returned to sender`: the message's lifetime ran out.
fn expired<'a>(
    body: &'a [u8],
    qid: &'a [u8],
    ev: impl FnOnce(Outcome) -> DeliveryEvent<'a>,
) -> Option<Parsed<'a>> {
    if memchr::memchr(b'=', body.get(5..)?).is_none() || field(body, b"status=") != Some(b"expired")
    {
        return None;
    }
    let mut e = ev(Outcome::Expired);
    if !qid.is_empty() {
        e.queue_id = Some(crate::event::text(qid));
    }
    if let Some(f) = field(body, b"from=") {
        e.sender = Some(crate::event::text(strip_angles(f)));
    }
    Some(Parsed::Event(e))
}

static TO: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"to=<"));

/// A Postfix delivery record without a syslog head Postfix's detector knows: pasted on
/// its own (`to=<u@example.com>, relay=..., status=deferred (...)`, perhaps after its
/// queue id), or logged by an instance whose program name does not say `postfix`
/// (`server1-1/smtp[17514]: EEC614DD82BD4: to=<...>`). No timestamp or host.
pub(crate) fn parse_fragment(line: &[u8], base: u64) -> Parsed<'_> {
    let Some(at) = TO.find(line) else {
        return status_only(line, base);
    };
    // `to=<` begins the line or follows a space (not `orig_to=<`, `reply-to=<`).
    if at > 0 && line[at - 1] != b' ' {
        return Parsed::Ignored;
    }
    let qid = qid_before(line, at);
    let src = Src::new(line);
    let mut parsed = delivery(&src, line, &line[at..], None, |outcome| {
        DeliveryEvent::new(Format::Postfix, outcome, base..base + line.len() as u64)
    });
    if let (Parsed::Event(e), Some(q)) = (&mut parsed, qid) {
        e.queue_id = Some(src.text(q));
    }
    parsed
}

/// The queue id right before the field at `at` (`EEC614DD82BD4: to=<...>`), if any.
fn qid_before(line: &[u8], at: usize) -> Option<&[u8]> {
    let head = line[..at].strip_suffix(b": ")?;
    let n = head
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    Some(&head[head.len() - n..]).filter(|q| !q.is_empty())
}

/// What is left of a Postfix record when it is pasted without `to=`: qmgr's
/// `QID: from=<S>, status=expired, returned to sender`, or a bare `status=deferred
/// (REASON)` (the status word must be followed by its parenthesised reason).
fn status_only(line: &[u8], base: u64) -> Parsed<'_> {
    static FROM: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"from=<"));
    static STATUS: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"status="));
    // Most text handed here (any reply a user pastes) has no field at all.
    if memchr::memchr(b'=', line).is_none() {
        return Parsed::Ignored;
    }
    let ev = |outcome| DeliveryEvent::new(Format::Postfix, outcome, base..base + line.len() as u64);
    if let Some(from) = FROM.find(line)
        && (from == 0 || line[from - 1] == b' ')
    {
        let qid = qid_before(line, from).unwrap_or_default();
        return expired(&line[from..], qid, ev).unwrap_or(Parsed::Ignored);
    }
    let Some(at) = STATUS
        .find_iter(line)
        .find(|&i| i == 0 || matches!(line[i - 1], b' ' | b','))
    else {
        return Parsed::Ignored;
    };
    let word_end = line[at + 7..]
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .map_or(line.len(), |n| at + 7 + n);
    if !line[word_end..].starts_with(b" (") {
        return Parsed::Ignored;
    }
    let src = Src::new(line);
    match delivery(&src, line, &line[at..], None, ev) {
        p @ Parsed::Event(_) => p,
        _ => Parsed::Ignored,
    }
}

/// The fields of a `to=<...>, relay=..., status=...` line.
struct StatusFields<'a> {
    to: &'a [u8],
    orig_to: Option<&'a [u8]>,
    relay: Option<&'a [u8]>,
    delay: Option<&'a [u8]>,
    dsn: Option<&'a [u8]>,
    status: &'a [u8],
    /// Offset in the body just after the status word.
    status_end: usize,
}

/// One forward pass over `key=value, ` pairs up to `status=WORD`.
fn status_fields(body: &[u8]) -> Option<StatusFields<'_>> {
    let mut f = StatusFields {
        to: b"",
        orig_to: None,
        relay: None,
        delay: None,
        dsn: None,
        status: b"",
        status_end: 0,
    };
    let mut pos = 0;
    for _ in 0..32 {
        let rest = &body[pos..];
        let eq = pos + find_any(rest, [b'=']);
        if eq == body.len() {
            return None;
        }
        let key = &body[pos..eq];
        let val = value_token(&body[eq + 1..]);
        let next = eq + 1 + val.len();
        match key {
            b"to" => f.to = val,
            b"orig_to" => f.orig_to = Some(val),
            b"relay" => f.relay = Some(val),
            b"delay" => f.delay = Some(val),
            b"dsn" => f.dsn = Some(val),
            b"status" => {
                f.status = val;
                f.status_end = next;
                return Some(f);
            }
            _ => {}
        }
        if body.get(next..next + 2) != Some(b", ") {
            return None;
        }
        pos = next + 2;
    }
    None
}

static SAID: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b" said: "));

/// The reply inside the parentheses that follow `status=WORD` at `at`. `relay_raw` is the
/// line's `relay=` value (its host is usually the one the reply names).
fn paren_reply<'a>(
    src: &Src<'a>,
    line: &'a [u8],
    at: usize,
    e: &DeliveryEvent<'a>,
    relay_raw: Option<&'a [u8]>,
) -> Option<Extracted<'a>> {
    let rest = line.get(at..)?;
    let open = memchr::memchr(b'(', rest)?;
    let start = at + open + 1;
    let end = if line.ends_with(b")") {
        line.len() - 1
    } else {
        line.len()
    };
    if start >= end {
        return None;
    }
    let inner = &line[start..end];
    if let Some(r) = fast_reply_in(src, line, start, end, e.relay.as_ref(), relay_raw) {
        return Some(r);
    }
    if may_have_code(inner)
        && let Some(r) =
            extract_best(&line[..end]).filter(|r| r.span.start >= start && r.code.is_some())
    {
        return Some(r);
    }
    Some(Extracted {
        span: start..end,
        code: None,
        enhanced: None,
        text: Cow::Borrowed(inner),
        command: None,
        host: e.relay.as_ref().and_then(host_of),
    })
}

/// `true` when `s` holds something that could be a reply code: three digits starting
/// with 2–5, at a token start, followed by a space, `-` or the end.
fn may_have_code(s: &[u8]) -> bool {
    let mut i = 0;
    while i + 3 <= s.len() {
        let c = s[i];
        if (b'2'..=b'5').contains(&c)
            && s[i + 1].is_ascii_digit()
            && s[i + 2].is_ascii_digit()
            && (i == 0
                || !s[i - 1].is_ascii_alphanumeric()
                    && !matches!(s[i - 1], b'.' | b'-' | b'_' | b'/' | b'+' | b'@' | b'%'))
            && matches!(s.get(i + 3), None | Some(b' ' | b'-' | b'\t'))
        {
            return true;
        }
        i += 1;
    }
    false
}

/// The common Postfix shapes, read directly: `host H[IP] said: 550 5.1.1 text (in reply
/// to RCPT TO command)` and `250 2.0.0 text`. Gives exactly what `extract_best` would, or
/// `None` to let it decide (continuation lines, repeated codes, qmail or Gmail suffixes).
#[cfg(test)]
fn fast_reply<'a>(
    line: &'a [u8],
    start: usize,
    end: usize,
    e: &DeliveryEvent<'a>,
) -> Option<Extracted<'a>> {
    fast_reply_in(&Src::new(line), line, start, end, e.relay.as_ref(), None)
}

/// [`fast_reply`] reading text through `src`: the reply in `line[start..end]`, with
/// `relay` the event's parsed relay and `relay_raw` as for [`paren_reply`]. With no
/// relay, a reply that starts `NNN X.Y.Z` is read exactly as `extract_best` reads it on
/// its own (Exim's `C="..."`).
pub(crate) fn fast_reply_in<'a>(
    src: &Src<'a>,
    line: &'a [u8],
    start: usize,
    end: usize,
    relay: Option<&crate::Relay<'a>>,
    relay_raw: Option<&'a [u8]>,
) -> Option<Extracted<'a>> {
    let inner = line.get(start..end)?;
    let (code_at, host) = if inner.starts_with(b"host ") {
        let said = SAID.find(inner)?;
        // `host said: ...` names no host (the ` said: ` starts inside `host `): leave it
        // to `extract_best`.
        let named = inner.get(5..said)?;
        // `relay=H[IP]:25` and `host H[IP] said:` name the same host: reuse its parse.
        let same = relay_raw.is_some_and(|r| {
            r.strip_prefix(named).is_some_and(|port| {
                port.is_empty()
                    || port.len() > 1 && port[0] == b':' && port[1..].iter().all(u8::is_ascii_digit)
            })
        });
        let host = match relay {
            Some(r) if same && memchr::memchr(b'[', named).is_some() => host_of(r),
            _ => host_of(&parse_relay_in(src, named)),
        };
        (start + said + 7, host)
    } else if inner.first().is_some_and(u8::is_ascii_digit) {
        (start, relay.and_then(host_of))
    } else {
        return None;
    };
    let r = &line[code_at..end];
    if r.len() < 5 || r[3] != b' ' {
        return None;
    }
    let code = ReplyCode::from_digits([r[0], r[1], r[2]])?;
    let mut pos = 4;
    let tok_end = r[pos..]
        .iter()
        .position(|&c| c == b' ')
        .map_or(r.len(), |n| pos + n);
    let tok = &r[pos..tok_end];
    let enhanced = if tok.first().is_some_and(u8::is_ascii_digit) {
        let e = EnhancedCode::parse_strict(tok)?;
        pos = (tok_end + 1).min(r.len());
        Some(e)
    } else {
        None
    };
    if enhanced.is_none() && start == code_at {
        return None;
    }
    let mut text = &r[pos..];
    // Anything the extractor would rewrite: let it. One pass finds a repeated code, a
    // line break, `(state `, `(#` and the last `(in reply to `.
    if text.len() > maildiag_reply::MAX_TEXT {
        return None;
    }
    let mut in_reply = None;
    for n in memchr::memchr3_iter(b'(', b'\n', r[0], text) {
        match text[n] {
            b'(' => {
                let t = &text[n + 1..];
                if t.starts_with(b"state ") || t.starts_with(b"#") {
                    return None;
                }
                if t.starts_with(b"in reply to ") {
                    in_reply = Some(n);
                }
            }
            b'\n' => return None,
            _ => {
                if text[n..].starts_with(&r[..3]) {
                    return None;
                }
            }
        }
    }
    let mut command = None;
    if let Some(at) = in_reply {
        let tail = &text[at + 13..];
        command = SmtpCommand::from_phrase(tail);
        let close = memchr::memchr(b')', tail).map_or(text.len(), |n| at + 13 + n + 1);
        if command.is_none() || !text[close..].iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        text = &text[..at];
    } else if start != code_at {
        return None;
    }
    let text = trim_ws(text);
    Some(Extracted {
        span: code_at..end,
        code: Some(code),
        enhanced,
        text: Cow::Borrowed(text),
        command,
        host,
    })
}

fn trim_ws(mut b: &[u8]) -> &[u8] {
    while let [c, rest @ ..] = b {
        if !c.is_ascii_whitespace() {
            break;
        }
        b = rest;
    }
    while let [rest @ .., c] = b {
        if !c.is_ascii_whitespace() {
            break;
        }
        b = rest;
    }
    b
}

/// `RCPT from client[ip]: 450 4.7.1 text; from=<a> to=<b> proto=ESMTP helo=<h>`.
fn reject<'a>(src: &Src<'a>, line: &'a [u8], r: &'a [u8], mut e: DeliveryEvent<'a>) -> Parsed<'a> {
    // The client.
    if let Some(fr) = memchr::memmem::find(r, b" from ") {
        let c = &r[fr + 6..];
        let end = memchr::memmem::find(c, b"]: ").map_or_else(
            || {
                c.iter()
                    .position(|&b| b == b':' || b == b' ')
                    .unwrap_or(c.len())
            },
            |n| n + 1,
        );
        let relay = parse_relay_in(src, &c[..end]);
        if !relay.is_empty() {
            e.relay = Some(relay);
        }
    }
    let semi = memchr::memmem::rfind(r, b"; from=<").unwrap_or(r.len());
    let tail = &r[semi..];
    if let Some(t) = field(tail, b"to=") {
        set_recipient_in(src, &mut e, t);
    }
    if let Some(f) = field(tail, b"from=") {
        e.sender = Some(src.text(strip_angles(f)));
    }
    let r_at = line.len() - r.len();
    let limit = r_at + semi;
    // smtpd writes the reply before the envelope (`RCPT from h[ip]: 550 5.1.1 ...; from=<a>
    // to=<b> ...`); cleanup's header and body checks after it (`reject: header Subject: ...
    // from h[ip]; from=<a> to=<b> proto=ESMTP helo=<h>: 5.7.1 message content rejected`).
    let reply = extract_best(&line[..limit])
        .filter(|x| x.span.start >= r_at)
        .or_else(|| {
            // The first `>: ` after the envelope closes `helo=<h>`; the reply may hold more.
            let after = limit + memchr::memmem::find(tail, b">: ")? + 3;
            extract_best(line).filter(|x| x.span.start >= after)
        });
    match reply {
        Some(x) => {
            e.reply = Some(x);
            Parsed::Event(e)
        }
        None => Parsed::Unparsed,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::synth::{GenOptions, generate_vec};

    #[test]
    fn cleanup_checks_reply_after_the_envelope() {
        let line = b"Feb 10 06:00:01 mx postfix/cleanup[2813]: 1ED84ACC1E: reject: header Subject: cheap pills from mail.example.net[192.0.2.4]; from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<mail.example.net>: 5.7.1 message content rejected";
        let sys = crate::syslog::parse(line, crate::time::Reference::year(2026)).unwrap();
        let Parsed::Event(e) = parse(line, &sys, 0) else {
            panic!("no event");
        };
        assert_eq!(e.outcome, Outcome::RejectedIncoming);
        assert_eq!(e.queue_id.as_deref(), Some("1ED84ACC1E"));
        assert_eq!(e.recipient.as_deref(), Some("b@example.org"));
        assert_eq!(e.sender.as_deref(), Some("a@example.net"));
        let reply = e.reply.unwrap();
        assert_eq!(reply.text_lossy(), "message content rejected");
        assert_eq!(
            reply.enhanced.map(|c| c.to_string()).as_deref(),
            Some("5.7.1")
        );
        // A reply that names an address itself (`<a@b>: ...`) is still read from its code.
        let line = b"Feb 10 06:00:01 mx postfix/cleanup[2813]: 1ED84ACC1F: reject: body spam spam from mail.example.net[192.0.2.4]; from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<mail.example.net>: 5.7.1 <b@example.org>: message content rejected";
        let sys = crate::syslog::parse(line, crate::time::Reference::year(2026)).unwrap();
        let Parsed::Event(e) = parse(line, &sys, 0) else {
            panic!("no event");
        };
        let reply = e.reply.unwrap();
        assert_eq!(
            reply.enhanced.map(|c| c.to_string()).as_deref(),
            Some("5.7.1")
        );
        assert!(reply.text_lossy().ends_with("message content rejected"));
        // smtpd's form keeps its reply before the envelope.
        let line = b"Feb 10 06:00:02 mx postfix/smtpd[2814]: NOQUEUE: reject: RCPT from x.example.net[192.0.2.5]: 550 5.1.1 <b@example.org>: Recipient address rejected: User unknown; from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x.example.net>";
        let sys = crate::syslog::parse(line, crate::time::Reference::year(2026)).unwrap();
        let Parsed::Event(e) = parse(line, &sys, 0) else {
            panic!("no event");
        };
        assert_eq!(e.reply.unwrap().code.map(ReplyCode::get), Some(550));
    }

    /// The fast path gives exactly what the general extractor gives.
    #[test]
    fn fast_path_equals_extractor() {
        let (log, _) = generate_vec(&GenOptions::new(Format::Postfix, 3 << 20, 11));
        let mut checked = 0;
        for line in log.split(|&c| c == b'\n') {
            let Some(at) = memmem::find(line, b"status=") else {
                continue;
            };
            let Some(open) = memchr::memchr(b'(', &line[at..]) else {
                continue;
            };
            let start = at + open + 1;
            let end = line.len() - 1;
            let e = DeliveryEvent::new(Format::Postfix, Outcome::Delivered, 0..0);
            if let Some(fast) = fast_reply(line, start, end, &e) {
                let slow = extract_best(&line[..end]).unwrap();
                let fast_host = fast.host.clone();
                assert_eq!(
                    Extracted { host: None, ..fast },
                    Extracted {
                        host: None,
                        ..slow.clone()
                    },
                    "{}",
                    String::from_utf8_lossy(line)
                );
                if memmem::find(line, b" said: ").is_some() {
                    assert_eq!(fast_host, slow.host, "{}", String::from_utf8_lossy(line));
                    // With the line's own relay (whose parse the fast path reuses when it
                    // names the same host): the same host again.
                    let raw = field(line, b"relay=").unwrap();
                    let relay = crate::event::parse_relay(raw);
                    let src = Src::new(line);
                    let with = fast_reply_in(&src, line, start, end, Some(&relay), Some(raw));
                    assert_eq!(
                        with.map(|r| r.host),
                        Some(slow.host.clone()),
                        "{}",
                        String::from_utf8_lossy(line)
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// `host said:` without a host name made the fast path slice backwards (a panic found
    /// by the `classify` fuzz target; `tests/fuzz_regressions/logs_line-host-said-without-a-host.bin`).
    #[test]
    fn host_said_without_a_host() {
        let Parsed::Event(e) = parse_fragment(
            b"4BC2: to=<u@example.com>, relay=none, delay=2, dsn=4.7.1, \
              status=deferred (host said: 421 4.7.1 try later)",
            0,
        ) else {
            panic!()
        };
        assert_eq!(e.outcome, Outcome::Deferred);
        let r = e.reply.expect("reply");
        assert_eq!(r.code.map(|c| c.get()), Some(421));
    }

    /// A delivery record without a syslog head Postfix's detector knows: its own fields,
    /// and the same reply as the full line gives.
    #[test]
    fn records_pasted_without_to() {
        let Parsed::Event(e) = parse_fragment(
            b"B1508348E: from=<list-bounces@example.org>, status=expired, returned to sender",
            0,
        ) else {
            panic!()
        };
        assert_eq!(e.outcome, Outcome::Expired);
        assert_eq!(e.queue_id.as_deref(), Some("B1508348E"));
        assert_eq!(e.sender.as_deref(), Some("list-bounces@example.org"));
        let Parsed::Event(e) = parse_fragment(
            b"status=deferred (TLS is required, but was not offered by host mx.example.net[192.0.2.1])",
            0,
        ) else {
            panic!()
        };
        assert_eq!(e.outcome, Outcome::Deferred);
        assert!(e.reply.unwrap().text_lossy().starts_with("TLS is required"));
        // No reason in parentheses, or a status word glued to other text: not a record.
        assert!(matches!(
            parse_fragment(b"status=deferred", 0),
            Parsed::Ignored
        ));
        assert!(matches!(
            parse_fragment(b"xstatus=sent (ok)", 0),
            Parsed::Ignored
        ));
        assert!(matches!(
            parse_fragment(b"from=<a@b>, size=12, nrcpt=1", 0),
            Parsed::Ignored
        ));
    }

    #[test]
    fn fragments_read_like_full_lines() {
        let record = b"EEC614DD82BD4: to=<u@example.com>, relay=mx.example.net[192.0.2.5]:25, \
            delay=3875, dsn=4.0.0, status=deferred (host mx.example.net[192.0.2.5] said: \
            450 4.7.1 Try later (in reply to RCPT TO command))";
        let unknown_program = [
            &b"2021-04-21T17:16:28+02:00 server1 server1-1/smtp[17514]: "[..],
            record,
        ]
        .concat();
        for line in [&record[..], &unknown_program, &record[15..]] {
            let Parsed::Event(e) = parse_fragment(line, 0) else {
                panic!("no event: {}", String::from_utf8_lossy(line));
            };
            assert_eq!((e.format, e.outcome), (Format::Postfix, Outcome::Deferred));
            assert_eq!(e.recipient.as_deref(), Some("u@example.com"));
            assert_eq!(e.dsn, EnhancedCode::parse_strict(b"4.0.0"));
            let reply = e.reply.as_ref().unwrap();
            assert_eq!(reply.code.map(|c| c.get()), Some(450));
            let qid = (line.len() != record.len() - 15).then_some("EEC614DD82BD4");
            assert_eq!(e.queue_id.as_deref(), qid);
        }
        // Not a delivery record: `to=<` inside another field, an unknown status, no status.
        for line in [
            &b"from=<a@example.com>, orig_to=<u@example.com>, status=deferred"[..],
            b"to=<u@example.com>, relay=none, status=queued (x)",
            b"to=<u@example.com>, relay=none",
        ] {
            assert!(!matches!(parse_fragment(line, 0), Parsed::Event(_)));
        }
    }
}
