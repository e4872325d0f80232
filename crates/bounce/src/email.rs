//! The parsed email as the readers see it: headers, decoded text, report parts and the
//! returned original message.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use mail_parser::{HeaderName, Message, MessageParser, MimeHeaders, PartType};

use crate::model::OriginalMessage;

/// The body phrases the format detectors test, found case-insensitively in one pass over
/// the body when the email is prepared ([`Ctx::body_marker`]). A detector names one with
/// [`phrase!`], which fails to compile for a phrase missing here. At most 128.
const BODY_MARKERS: &[&str] = &[
    "Final-Recipient:",
    "Original-Recipient:",
    "\"notificationType\"",
    "Message details:",
    "Error message below:",
    "Non-delivered information",
    "This is a delivery status notification from",
    "was not delivered to:",
    "because:",
    "This is the DragonFly Mail Agent",
    "There was an error delivering your mail to",
    "For the following reason:",
    "The header of the original message",
    "did not reach the following recipient",
    "MSEXCH:",
    "Diagnostic information for administrators",
    "Delivery has failed to these recipients",
    "Your message to",
    "couldn't be delivered",
    "This message was created automatically by mail delivery software",
    "Delivery to the following recipient",
    "Google tried to deliver",
    "Delivery to the following recipient failed permanently",
    "Google Groups",
    "group you tried to contact",
    "The message that you sent was undeliverable to the following",
    "Original message follows.",
    "Message from InterScan",
    "InterScan",
    "Could not be delivered to:",
    "Delivery failed for the following reason:",
    "Unable to deliver message to:",
    "The following recipients were affected",
    "MessageName:",
    "Could not be delivered because of",
    "--- The following addresses had delivery problems ---",
    "This report relates to a message you sent",
    "-------server message",
    "m-FILTER",
    "-------original message",
    "could not be delivered",
    "The problem appears to be :",
    "------- Failure Reasons",
    "This is the MAILER-DAEMON, please DO NOT REPLY",
    "An error has occurred while attempting to deliver a message for",
    "This is the mail system at host",
    "This is the Postfix program",
    "This is the qmail-send program",
    "This is the qmail program",
    "----- The following addresses had permanent fatal errors",
    "Transcript of session follows",
    "Unsent message follows",
    "following addresses had",
    "Message could not be delivered to mobile",
    "---The following addresses had delivery errors---",
    "Unable to deliver message to the following address",
    "following address(es) could not be delivered",
    "--- Below this line is a copy",
    "Sorry, we were unable to deliver your message",
    "Hi. This is the qmail",
    "A message that you sent could not be delivered to all of its recipients",
    "A message that you sent contained one or more recipient addresses",
    "A message that you sent was rejected by the local scan",
    " router encountered the following error",
    "Informations de diagnostic pour les administrateurs",
    "Informazioni di diagnostica per gli amministratori",
    "\"eventType\"",
    "Original Message Details",
];

/// One of the body phrases in the marker table, by index. Made at compile time by
/// [`phrase!`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marker(u8);

impl Marker {
    /// The marker for `text` (exactly as written in the table); panics, at compile time
    /// when called through [`phrase!`], when `text` is not in the table.
    pub(crate) const fn of(text: &str) -> Marker {
        assert!(BODY_MARKERS.len() <= 128, "too many body markers");
        let mut i = 0;
        while i < BODY_MARKERS.len() {
            if const_eq(BODY_MARKERS[i].as_bytes(), text.as_bytes()) {
                return Marker(i as u8);
            }
            i += 1;
        }
        panic!("not a body marker: add it to BODY_MARKERS in email.rs");
    }

    /// The marker's text.
    #[cfg(test)]
    pub(crate) fn text(self) -> &'static str {
        BODY_MARKERS[self.0 as usize]
    }

    fn bit(self) -> u128 {
        1 << self.0
    }
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The [`Marker`] for a body phrase, checked at compile time:
/// `ctx.body_marker(phrase!("This is the qmail-send program"))`.
macro_rules! phrase {
    ($text:literal) => {
        const { $crate::email::Marker::of($text) }
    };
}
pub(crate) use phrase;

/// What one pass over the body found.
struct Scan {
    /// Which of the [`BODY_MARKERS`] occur, one bit each.
    markers: u128,
    /// The SMTP command names the body holds (`status::COMMAND_PHRASES`), by position.
    commands: Vec<(usize, maildiag_reply::SmtpCommand)>,
    /// Where `text::ORIGINAL_MARKERS` (case-insensitive) and `text::RETURNED_HEADERS` (as
    /// written) occur, ascending; `None` when the automaton could not be built.
    returns: Option<(Vec<usize>, Vec<usize>)>,
}

/// Which of the [`BODY_MARKERS`] occur in `body` (case-insensitive), the SMTP command
/// names the body holds, and where the markers of a returned message stand, in one pass.
fn scan_markers(body: &str) -> Scan {
    use crate::status::COMMAND_PHRASES;
    use crate::text::{ORIGINAL_MARKERS, RETURNED_HEADERS};
    /// The automaton holds the phrases' first bytes only (a small automaton is a fast
    /// one); a hit is verified against the whole phrase.
    const PREFIX: usize = 8;
    // Phrase indices: body markers, then command names, then original-message markers,
    // then returned headers.
    let (commands_at, originals_at) = (
        BODY_MARKERS.len(),
        BODY_MARKERS.len() + COMMAND_PHRASES.len(),
    );
    let headers_at = originals_at + ORIGINAL_MARKERS.len();
    let phrase = |i: usize| {
        if i < commands_at {
            BODY_MARKERS.get(i)
        } else if i < originals_at {
            COMMAND_PHRASES.get(i - commands_at)
        } else if i < headers_at {
            ORIGINAL_MARKERS.get(i - originals_at)
        } else {
            RETURNED_HEADERS.get(i - headers_at)
        }
    };
    static AC: LazyLock<Option<(AhoCorasick, Vec<Vec<usize>>)>> = LazyLock::new(|| {
        let mut prefixes: Vec<String> = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, m) in BODY_MARKERS
            .iter()
            .chain(COMMAND_PHRASES.iter())
            .chain(ORIGINAL_MARKERS.iter())
            .chain(RETURNED_HEADERS.iter())
            .enumerate()
        {
            let cut = (0..=m.len().min(PREFIX))
                .rev()
                .find(|&c| m.is_char_boundary(c))
                .unwrap_or(0);
            let key = m[..cut].to_ascii_lowercase();
            match prefixes.iter().position(|p| *p == key) {
                Some(g) => groups[g].push(i),
                None => {
                    prefixes.push(key);
                    groups.push(vec![i]);
                }
            }
        }
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&prefixes)
            .ok()
            .map(|ac| (ac, groups))
    });
    let mut bits = 0u128;
    let (mut originals, mut returned) = (Vec::new(), Vec::new());
    let mut hits: Vec<(usize, usize, usize)> = Vec::new();
    match &*AC {
        Some((ac, groups)) => {
            let hay = body.as_bytes();
            for m in ac.find_overlapping_iter(body) {
                for &i in &groups[m.pattern().as_usize()] {
                    let marker = phrase(i).map_or(&b""[..], |m| m.as_bytes());
                    let here = hay.get(m.start()..m.start() + marker.len());
                    let found = if i < headers_at {
                        here.is_some_and(|t| t.eq_ignore_ascii_case(marker))
                    } else {
                        // Header names are searched as written.
                        here == Some(marker)
                    };
                    if i < commands_at && bits & (1 << i) != 0 || !found {
                        continue;
                    }
                    if i < commands_at {
                        bits |= 1 << i;
                    } else if i < originals_at {
                        let end = m.start() + marker.len();
                        hits.push((i - commands_at, m.start(), end));
                    } else if i < headers_at {
                        originals.push(m.start());
                    } else {
                        returned.push(m.start());
                    }
                }
            }
        }
        None => {
            for (i, m) in BODY_MARKERS.iter().enumerate() {
                if crate::text::contains_ci(body, m) {
                    bits |= 1 << i;
                }
            }
            // Without the automaton, `section` searches for the returned-message markers.
            for (j, p) in COMMAND_PHRASES.iter().enumerate() {
                let mut from = 0;
                while let Some(at) = body.get(from..).and_then(|b| crate::text::find_ci(b, p)) {
                    hits.push((j, from + at, from + at + p.len()));
                    from += at + 1;
                }
            }
        }
    }
    // Phrases are reported by the end of their prefix; order them by their own end, as a
    // search for each phrase would.
    hits.sort_by_key(|h| h.2);
    Scan {
        markers: bits,
        commands: crate::status::commands_from_hits(body, hits.into_iter()),
        returns: AC.is_some().then(|| (sorted(originals), sorted(returned))),
    }
}

/// Positions in ascending order (hits come by the end of their prefix).
fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Everything a format reader may look at, prepared once per email.
pub(crate) struct Ctx {
    /// Top-level headers, lower-cased name then unfolded raw value, one after the other
    /// (one allocation for all of them; see `header_spans`).
    header_text: String,
    /// For each top-level header: where its name starts, where its value starts (the
    /// name's end) and where the value ends, in `header_text`.
    header_spans: Vec<(u32, u32, u32)>,
    /// Decoded `Subject`.
    pub subject: String,
    /// Lower-cased `From` header (raw).
    pub from: String,
    /// Decoded text of the textual parts (not the returned message), LF line ends.
    pub body: String,
    /// Bodies of `message/delivery-status` parts.
    pub dsn_parts: Vec<Vec<u8>>,
    /// Body of a `message/feedback-report` part.
    pub feedback: Option<Vec<u8>>,
    /// `report-type` of a `multipart/report` content type, lower-cased.
    pub report_type: Option<String>,
    /// The returned message's identifiers (from a MIME part; see `original_in_body`).
    pub original: OriginalMessage,
    /// The returned message's `To` addresses (for formats that name no recipient).
    pub original_to: Vec<String>,
    /// The report's `Date`.
    pub date: Option<String>,
    /// Which body markers `body` contains (see [`Ctx::body_marker`]).
    markers: u128,
    /// The SMTP commands the body names, by position.
    body_commands: Vec<(usize, maildiag_reply::SmtpCommand)>,
    /// Where the body's original-message markers and returned header lines start
    /// (`None`: not known, `text::section` searches for them).
    returns: Option<(Vec<usize>, Vec<usize>)>,
    /// The email is no report of its own but carries one as its first attached message
    /// (see [`is_delivery_report`]); [`Ctx::unwrapped`] reads that one.
    pub forwards_report: bool,
    /// The report was read from the delivery report attached to the email, not from the
    /// email's own parts.
    pub wrapped: bool,
}

impl Ctx {
    /// The first top-level header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.values_of(name).next()
    }

    /// `true` when any top-level header of this name contains `needle` (case-insensitive).
    pub fn header_contains(&self, name: &str, needle: &str) -> bool {
        self.values_of(name)
            .any(|v| crate::text::contains_ci(v, needle))
    }

    /// The values of the top-level headers with this (lower-case) name, in order; names
    /// are compared as bytes before any value is sliced out.
    fn values_of<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        let text = self.header_text.as_bytes();
        self.header_spans.iter().filter_map(move |&(n, v, e)| {
            let (n, v, e) = (n as usize, v as usize, e as usize);
            if text.get(n..v) != Some(name.as_bytes()) {
                return None;
            }
            self.header_text.get(v..e)
        })
    }

    /// `true` when the subject contains `needle` (case-insensitive).
    pub fn subject_has(&self, needle: &str) -> bool {
        crate::text::contains_ci(&self.subject, needle)
    }

    /// `true` when the body contains `needle` (case-insensitive).
    pub fn body_has(&self, needle: &str) -> bool {
        crate::text::contains_ci(&self.body, needle)
    }

    /// `true` when the body contains the marker's phrase (case-insensitive): the same
    /// answer as `body_has(marker.text())`, looked up instead of searched.
    pub fn body_marker(&self, marker: Marker) -> bool {
        self.markers & marker.bit() != 0
    }

    /// A section of the body ([`crate::text::section`]), with the returned-message
    /// markers the body-marker pass found instead of new searches for them.
    pub fn body_section(
        &self,
        starts: &[&str],
        ends: &[&str],
        need_start: bool,
    ) -> Option<(&str, usize)> {
        let known = self.returns.as_ref().map(|(o, h)| (&o[..], &h[..]));
        crate::text::section_with(&self.body, starts, ends, need_start, known)
    }

    /// The SMTP commands the body names, by position.
    pub fn body_commands(&self) -> &[(usize, maildiag_reply::SmtpCommand)] {
        &self.body_commands
    }

    /// `true` when a delivery-status part contains `needle` (ASCII, case-insensitive).
    pub fn dsn_has(&self, needle: &str) -> bool {
        self.dsn_parts
            .iter()
            .any(|p| crate::text::find_ci_bytes(p, needle.as_bytes()).is_some())
    }

    /// `true` when the From header contains `needle` (lower-case).
    pub fn sender_has(&self, needle: &str) -> bool {
        short_contains(&self.from, needle)
    }

    pub fn new(msg: &Message<'_>) -> Ctx {
        Ctx::read(msg, false)
    }

    /// For an email that forwards a delivery report ([`Ctx::forwards_report`]): the
    /// email with the attached report read as its own (its text after the email's, its
    /// delivery-status parts and returned message), as a gateway passing bounces on to
    /// its administrators sends them.
    pub fn unwrapped(msg: &Message<'_>) -> Ctx {
        Ctx::read(msg, true)
    }

    fn read(msg: &Message<'_>, unwrap: bool) -> Ctx {
        // An upper bound of the text below, from the offsets (without checking UTF-8).
        let capacity = msg
            .headers()
            .iter()
            .map(|h| h.name.len() + (h.offset_end.saturating_sub(h.offset_start)) as usize)
            .sum();
        let mut header_text = String::with_capacity(capacity);
        let mut header_spans = Vec::with_capacity(msg.headers().len());
        for (n, v) in msg.headers_raw() {
            let (Ok(ns), Ok(vs)) = (
                u32::try_from(header_text.len()),
                u32::try_from(header_text.len() + n.len()),
            ) else {
                break;
            };
            let at = header_text.len();
            header_text.push_str(n);
            header_text[at..].make_ascii_lowercase();
            unfold_into(&mut header_text, v);
            let Ok(ve) = u32::try_from(header_text.len()) else {
                break;
            };
            header_spans.push((ns, vs, ve));
        }
        let subject = msg.subject().map(str::to_owned).unwrap_or_default();
        let report_type = msg.content_type().and_then(|ct| {
            if ct.ctype().eq_ignore_ascii_case("multipart") {
                ct.attribute("report-type").map(str::to_ascii_lowercase)
            } else {
                None
            }
        });
        let mut ctx = Ctx {
            header_text,
            header_spans,
            subject,
            from: String::new(),
            body: String::new(),
            dsn_parts: Vec::new(),
            feedback: None,
            report_type,
            original: OriginalMessage::default(),
            original_to: Vec::new(),
            date: None,
            markers: 0,
            body_commands: Vec::new(),
            returns: None,
            forwards_report: false,
            wrapped: false,
        };
        ctx.from = ctx
            .header("from")
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        ctx.date = ctx.header("date").map(str::to_owned);
        // HTML parts are read only when the text parts say nothing.
        let mut html_parts: Vec<&str> = Vec::new();
        let mut have_original = false;
        let attached = ctx.read_parts(msg, &mut html_parts, &mut have_original);
        // A delivery report forwarded as the attachment of a notice.
        if ctx.dsn_parts.is_empty()
            && ctx.feedback.is_none()
            && ctx.report_type.is_none()
            && let Some(inner) = attached.filter(|m| is_delivery_report(m))
        {
            ctx.forwards_report = true;
            if unwrap {
                ctx.original = OriginalMessage::default();
                ctx.original_to = Vec::new();
                have_original = false;
                ctx.wrapped = true;
                ctx.read_parts(inner, &mut html_parts, &mut have_original);
            }
        }
        if ctx.body.trim().is_empty() && !html_parts.is_empty() {
            let mut html = String::new();
            for t in html_parts {
                push_text(&mut html, &strip_html(t));
            }
            if !html.is_empty() {
                ctx.body = html;
            }
        }
        let scan = scan_markers(&ctx.body);
        ctx.markers = scan.markers;
        ctx.body_commands = scan.commands;
        ctx.returns = scan.returns;
        ctx
    }

    /// Reads the parts of `msg` into the body text, the report parts and the returned
    /// message (the first attached one unless one was read already); returns the first
    /// attached message.
    fn read_parts<'a>(
        &mut self,
        msg: &'a Message<'a>,
        html_parts: &mut Vec<&'a str>,
        have_original: &mut bool,
    ) -> Option<&'a Message<'a>> {
        let mut attached = None;
        for part in &msg.parts {
            let (ctype, sub) = match part.content_type() {
                Some(ct) => (lower(ct.ctype()), lower(ct.subtype().unwrap_or(""))),
                None => (Cow::Borrowed(""), Cow::Borrowed("")),
            };
            match &part.body {
                PartType::Multipart(_) => {}
                PartType::Message(m) => {
                    attached = attached.or(Some(m));
                    if !*have_original {
                        *have_original = true;
                        self.set_original(m);
                    }
                }
                body => {
                    let kind = (&*ctype, &*sub);
                    match kind {
                        ("message", "delivery-status" | "global-delivery-status")
                        | ("text", "delivery-status") => {
                            self.dsn_parts.push(part.contents().to_vec());
                        }
                        ("message", "feedback-report") => {
                            self.feedback = Some(part.contents().to_vec());
                        }
                        ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                            if !*have_original {
                                *have_original = true;
                                if let Some(m) = mail_parser().parse_headers(part.contents()) {
                                    self.set_original(&m);
                                }
                            }
                        }
                        ("message", "rfc822" | "global") => {
                            // A returned message mail-parser did not nest (e.g. encoded).
                            if !*have_original {
                                *have_original = true;
                                if let Some(m) = mail_parser().parse_headers(part.contents()) {
                                    self.set_original(&m);
                                }
                            }
                        }
                        _ => match body {
                            PartType::Text(t) => push_text(&mut self.body, t),
                            PartType::Html(t) => html_parts.push(t),
                            PartType::Binary(b) | PartType::InlineBinary(b)
                                if ctype.is_empty() || ctype == "text" =>
                            {
                                push_text(&mut self.body, &String::from_utf8_lossy(b));
                            }
                            _ => {}
                        },
                    }
                }
            }
        }
        attached
    }

    fn set_original(&mut self, m: &Message<'_>) {
        (self.original, self.original_to) = original_and_to(m);
    }

    /// Reads the returned message's headers from the body text after `at`, when no MIME
    /// part carried them.
    pub fn original_from_text(&mut self, at: usize) {
        if !self.original.is_empty() {
            return;
        }
        let Some(rest) = self.body.get(at..) else {
            return;
        };
        // Skip the marker line itself and blank lines.
        let rest = rest
            .split_once('\n')
            .map_or("", |(_, r)| r)
            .trim_start_matches(['\n', ' ']);
        if let Some(m) = mail_parser().parse_headers(rest.as_bytes()) {
            (self.original, self.original_to) = original_and_to(&m);
        }
    }
}

/// `true` when `m` is an RFC 3464 report: `multipart/report; report-type=delivery-status`
/// or a message with a delivery-status part.
fn is_delivery_report(m: &Message<'_>) -> bool {
    let is = |ct: &mail_parser::ContentType<'_>, t: &str, s: &str| {
        ct.ctype().eq_ignore_ascii_case(t)
            && ct.subtype().is_some_and(|x| x.eq_ignore_ascii_case(s))
    };
    m.content_type().is_some_and(|ct| {
        is(ct, "multipart", "report")
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    }) || m.parts.iter().any(|p| {
        p.content_type().is_some_and(|ct| {
            is(ct, "message", "delivery-status") || is(ct, "message", "global-delivery-status")
        })
    })
}

/// The returned message's identifiers and its `To` addresses.
fn original_and_to(m: &Message<'_>) -> (OriginalMessage, Vec<String>) {
    // The last `To`, `From`, `Message-ID` and `Date` (as mail-parser's `header_raw` and
    // typed getters pick them), raw, in one walk over the headers from the end
    // (`header_raw` would walk them once per name).
    let mut seen: [Option<Option<&str>>; 4] = [None; 4];
    for h in m.headers().iter().rev() {
        let slot = match h.name {
            HeaderName::To => 0,
            HeaderName::From => 1,
            HeaderName::MessageId => 2,
            HeaderName::Date => 3,
            _ => continue,
        };
        if seen[slot].is_none() {
            let bytes = m
                .raw_message
                .get(h.offset_start as usize..h.offset_end as usize);
            // As `header_raw`: the last header of the name decides, and a value that is
            // not UTF-8 is no value.
            seen[slot] = Some(bytes.and_then(|b| std::str::from_utf8(b).ok()));
        }
    }
    let raw = seen.map(Option::flatten);
    let addresses = |v: Option<&str>| {
        v.map(|v| simple_addresses(v).unwrap_or_else(|| full_addresses(v)))
            .unwrap_or_default()
    };
    let to = addresses(raw[0]);
    let joined = |v: &[String]| Some(v.join(", ")).filter(|s| !s.is_empty());
    let message_id = raw[2].and_then(|v| {
        mail_parser::parsers::MessageStream::new(v.as_bytes())
            .parse_id()
            .as_text()
            .map(str::to_owned)
    });
    let original = OriginalMessage {
        message_id,
        from: joined(&addresses(raw[1])),
        to: joined(&to),
        subject: m.subject().map(str::to_owned),
        date: raw[3].map(unfold),
    };
    (original, to)
}

/// The addresses mail-parser's RFC 5322 address parser reads from a header value.
fn full_addresses(raw: &str) -> Vec<String> {
    mail_parser::parsers::MessageStream::new(raw.as_bytes())
        .parse_address()
        .as_address()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.address.as_deref().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The addresses of an address-list value in its plain form — comma-separated `a@b` or
/// `Name <a@b>`, ASCII, without quotes, comments, groups, escapes or encoded words — the
/// same list mail-parser's RFC 5322 parser gives for it; `None` when the value is not in
/// that form and needs the full parser. (Most returned messages' headers are plain, and
/// the full parser's allocations made it a tenth of a bounce's reading time.)
fn simple_addresses(v: &str) -> Option<Vec<String>> {
    let b = v.as_bytes();
    let special = |(i, &c): (usize, &u8)| {
        !c.is_ascii()
            || matches!(c, b'"' | b'(' | b')' | b'\\' | b':' | b';' | b'[' | b']')
            || c == b'=' && b.get(i + 1) == Some(&b'?')
    };
    if b.iter().enumerate().any(special) {
        return None;
    }
    let mut out = Vec::new();
    for item in v.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let addr = match (item.find('<'), item.rfind('>')) {
            (Some(l), Some(r)) if l < r && !item[..l].contains('@') && r + 1 == item.len() => {
                &item[l + 1..r]
            }
            (None, None) => item,
            _ => return None,
        };
        let (local, domain) = addr.split_once('@')?;
        let odd = |c: u8| {
            c.is_ascii_whitespace() || c.is_ascii_control() || matches!(c, b'<' | b'>' | b'@')
        };
        if local.is_empty()
            || domain.is_empty()
            || local.bytes().any(odd)
            || domain.bytes().any(odd)
        {
            return None;
        }
        out.push(addr.to_owned());
    }
    Some(out)
}

/// `s` in lower case, copied only when it has upper-case letters (content types are
/// mostly written in lower case).
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn push_text(out: &mut String, t: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    // CRLF and lone CR line ends become LF, in one pass.
    let mut rest = t;
    while let Some(cr) = memchr::memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..cr]);
        out.push('\n');
        let skip = if rest.as_bytes().get(cr + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        rest = &rest[cr + skip..];
    }
    out.push_str(rest);
}

/// `hay.contains(needle)` for a short haystack, without a searcher to set up per call.
fn short_contains(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    match n.split_first() {
        None => true,
        Some((&first, rest)) => {
            memchr::memchr_iter(first, h).any(|i| h.get(i + 1..i + 1 + rest.len()) == Some(rest))
        }
    }
}

/// [`unfold`] appended to `out`.
fn unfold_into(out: &mut String, v: &str) {
    let v = v.trim();
    if memchr::memchr(b'\n', v.as_bytes()).is_none() {
        out.push_str(v);
        return;
    }
    let start = out.len();
    for (i, line) in v.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if i > 0 {
            out.push(' ');
            out.push_str(line.trim_start());
        } else {
            out.push_str(line);
        }
    }
    // Trim what was appended, as `unfold` trims its result.
    let end = out[start..].trim_end().len() + start;
    out.truncate(end);
    let lead = out[start..].len() - out[start..].trim_start().len();
    if lead > 0 {
        out.replace_range(start..start + lead, "");
    }
}

/// The mail-parser configuration every reader in this crate uses: typed values only for
/// the MIME structure and `Subject`; every other header is skipped, its raw text still
/// reachable through `headers_raw`/`header_raw`, which is how the readers see headers. It
/// spares the parse of headers nobody looks at (trace, date, address and id headers of
/// every part).
/// The returned message's `From`, `To` and `Message-ID` are parsed on demand
/// ([`original_and_to`]).
pub(crate) fn mail_parser() -> &'static MessageParser {
    static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
        MessageParser::new()
            .with_mime_headers()
            .header_text(HeaderName::Subject)
            .default_header_ignore()
    });
    &PARSER
}

/// Joins folded header lines and trims.
pub(crate) fn unfold(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    unfold_into(&mut s, v);
    s
}

/// A crude HTML-to-text: drops tags, scripts and styles, turns block ends into line
/// breaks and decodes the common entities.
pub(crate) fn strip_html(h: &str) -> String {
    let mut out = String::with_capacity(h.len() / 2);
    let mut rest = h;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        // The tag's name: its leading ASCII letters and digits, any case.
        let inner = after[1..gt].trim_start_matches('/');
        let name = &inner[..inner.bytes().take_while(u8::is_ascii_alphanumeric).count()];
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        rest = &after[gt + 1..];
        if is("script") || is("style") {
            let close = if is("script") { "</script" } else { "</style" };
            match crate::text::find_ci(rest, close) {
                Some(p) => {
                    rest = &rest[p..];
                    if let Some(g) = rest.find('>') {
                        rest = &rest[g + 1..];
                    }
                }
                None => rest = "",
            }
            continue;
        }
        if ["br", "p", "div", "tr", "li", "table", "h1", "h2", "h3"]
            .iter()
            .any(|n| is(n))
        {
            out.push('\n');
        } else if is("td") || is("th") {
            out.push(' ');
        }
    }
    out.push_str(rest);
    if memchr::memchr(b'&', out.as_bytes()).is_none() {
        return out;
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use mail_parser::MessageParser;

    use super::{BODY_MARKERS, Ctx, Marker, short_contains, unfold, unfold_into};

    fn ctx_of(raw: &[u8]) -> Option<Ctx> {
        MessageParser::default().parse(raw).map(|m| Ctx::new(&m))
    }

    /// Every marker's looked-up answer equals a plain search of the body.
    fn check_markers(ctx: &Ctx, name: &str) -> usize {
        let mut found = 0;
        for (i, text) in BODY_MARKERS.iter().enumerate() {
            let m = Marker::of(text);
            assert_eq!(m, Marker(i as u8), "duplicate marker {text:?}");
            assert_eq!(m.text(), *text);
            assert_eq!(
                ctx.body_marker(m),
                ctx.body_has(text),
                "{name}: marker {text:?}"
            );
            found += usize::from(ctx.body_marker(m));
        }
        // The returned-message positions of the same pass: every start where a search
        // finds a marker (case-insensitive) or a header line (as written).
        let all = |list: &[&str], ci: bool| {
            let b = ctx.body.as_bytes();
            let mut at: Vec<usize> = (0..b.len())
                .filter(|&i| {
                    list.iter().any(|t| {
                        b.get(i..i + t.len()).is_some_and(|h| {
                            if ci {
                                h.eq_ignore_ascii_case(t.as_bytes())
                            } else {
                                h == t.as_bytes()
                            }
                        })
                    })
                })
                .collect();
            at.dedup();
            at
        };
        assert_eq!(
            ctx.returns,
            Some((
                all(crate::text::ORIGINAL_MARKERS, true),
                all(crate::text::RETURNED_HEADERS, false)
            )),
            "{name}: returned-message positions"
        );
        found
    }

    #[test]
    fn body_markers_agree_with_search_on_golden_emails() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let mut emails = 0;
        let mut found = 0;
        let mut returned = 0;
        for e in std::fs::read_dir(dir).expect("golden dir").flatten() {
            let p = e.path();
            if p.extension().is_none_or(|x| x != "eml") {
                continue;
            }
            let raw = std::fs::read(&p).expect("read golden email");
            let name = p.display().to_string();
            let ctx = ctx_of(&raw).expect("golden email parses");
            found += check_markers(&ctx, &name);
            // The command names found in the same pass equal a search of their own.
            assert_eq!(
                ctx.body_commands(),
                &crate::status::commands_in(&ctx.body)[..],
                "{name}"
            );
            emails += 1;
            returned += ctx.returns.as_ref().map_or(0, |(o, h)| o.len() + h.len());
        }
        assert!(emails >= 30, "golden emails not found");
        // The positions are exercised.
        assert!(
            returned >= 10,
            "{returned} returned-message positions in {emails} emails"
        );
        // The golden emails exercise the detectors: many markers are present.
        assert!(found >= emails, "{found} markers in {emails} emails");
    }

    #[test]
    fn body_markers_find_overlapping_and_differently_cased_phrases() {
        let raw = b"From: a@example.org\nSubject: x\n\nCOULD NOT BE DELIVERED TO: b@example.org\n\
this is the qmail-send PROGRAM; Delivery to the following recipient failed permanently\n\
The following addresses had delivery problems ---\n";
        let ctx = ctx_of(raw).expect("parses");
        assert!(ctx.body_marker(crate::email::phrase!("Could not be delivered to:")));
        assert!(ctx.body_marker(crate::email::phrase!("could not be delivered")));
        assert!(ctx.body_marker(crate::email::phrase!("This is the qmail-send program")));
        assert!(ctx.body_marker(crate::email::phrase!("Delivery to the following recipient")));
        assert!(ctx.body_marker(crate::email::phrase!(
            "Delivery to the following recipient failed permanently"
        )));
        assert!(!ctx.body_marker(crate::email::phrase!(
            "--- The following addresses had delivery problems ---"
        )));
        check_markers(&ctx, "synthetic");
    }

    /// The first implementation of `unfold`.
    fn unfold_oracle(v: &str) -> String {
        let mut s = String::new();
        for (i, line) in v.split('\n').enumerate() {
            let line = line.trim_end_matches('\r');
            if i > 0 {
                s.push(' ');
                s.push_str(line.trim_start());
            } else {
                s.push_str(line);
            }
        }
        s.trim().to_owned()
    }

    proptest::proptest! {
        #[test]
        fn short_contains_agrees_with_str_contains(
            hay in "[ab@.é-]{0,30}",
            needle in "[ab@.é-]{0,4}"
        ) {
            proptest::prop_assert_eq!(short_contains(&hay, &needle), hay.contains(needle.as_str()));
        }

        #[test]
        fn unfold_agrees_with_first_implementation_on_any_text(
            v in "[a \t\r\n\u{a0}\u{3000}]{0,24}"
        ) {
            proptest::prop_assert_eq!(unfold(&v), unfold_oracle(&v));
        }

        #[test]
        fn unfold_into_appends_what_unfold_returns(
            v in "[a \t\r\n\u{a0}\u{3000}]{0,24}"
        ) {
            let mut out = String::from("x-name");
            unfold_into(&mut out, &v);
            proptest::prop_assert_eq!(out, format!("x-name{}", unfold(&v)));
        }
    }

    #[test]
    fn unfold_agrees_with_first_implementation() {
        for v in [
            "",
            " a ",
            "abc\r",
            "abc \r \r",
            "a\r\n\tb",
            "a\n b\n\tc ",
            "\n",
            " x\r\n ",
            "\u{a0}a\u{3000}\r",
        ] {
            assert_eq!(unfold(v), unfold_oracle(v), "{v:?}");
        }
    }

    proptest::proptest! {
        /// Plain address lists take the fast path and read as the full parser reads them.
        #[test]
        fn plain_address_lists_read_as_the_full_parser_reads_them(
            items in proptest::collection::vec(
                ("[A-Za-z][A-Za-z ]{0,10}", "[a-z0-9][a-z0-9._+-]{0,7}", "[a-z0-9]{1,8}\\.[a-z]{2,3}", proptest::bool::ANY),
                1..4,
            ),
            sep in proptest::sample::select(vec![",", ", ", ",\r\n ", " ,\n\t"]),
            // `header_raw` values end with the header's line end.
            tail in proptest::sample::select(vec!["\r\n", "\n", " \n"]),
        ) {
            let v = items
                .iter()
                .map(|(name, local, domain, named)| {
                    if *named { format!("{name} <{local}@{domain}>") } else { format!("{local}@{domain}") }
                })
                .collect::<Vec<_>>()
                .join(sep);
            let v = format!(" {v}{tail}");
            let fast = super::simple_addresses(&v);
            proptest::prop_assert!(fast.is_some(), "plain value not on the fast path: {:?}", v);
            proptest::prop_assert_eq!(fast.unwrap_or_default(), super::full_addresses(&v), "{:?}", v);
        }
    }

    /// `strip_html` as first written.
    fn strip_html_oracle(h: &str) -> String {
        let mut out = String::new();
        let mut rest = h;
        while let Some(lt) = rest.find('<') {
            out.push_str(&rest[..lt]);
            let after = &rest[lt..];
            let Some(gt) = after.find('>') else {
                rest = "";
                break;
            };
            let tag = after[1..gt].trim_start_matches('/').to_ascii_lowercase();
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            rest = &after[gt + 1..];
            if name == "script" || name == "style" {
                let close = format!("</{name}");
                match crate::text::find_ci(rest, &close) {
                    Some(p) => {
                        rest = &rest[p..];
                        if let Some(g) = rest.find('>') {
                            rest = &rest[g + 1..];
                        }
                    }
                    None => rest = "",
                }
                continue;
            }
            if matches!(
                name.as_str(),
                "br" | "p" | "div" | "tr" | "li" | "table" | "h1" | "h2" | "h3"
            ) {
                out.push('\n');
            } else if matches!(name.as_str(), "td" | "th") {
                out.push(' ');
            }
        }
        out.push_str(rest);
        out.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    proptest::proptest! {
        /// Small pieces of markup in any order and case.
        #[test]
        fn strip_html_agrees_with_the_first_implementation(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "<", ">", "</", "<BR>", "<p class=\"x\">", "</DIV>", "<td>", "<Th>", "<script>",
                "</SCRIPT>", "<style type=x>", "</style>", "<h2>", "<b>", "&amp;", "&lt;",
                "&nbsp;", "&#39;", "&quot;", "&gt;", "&", "text", " é ", "550 5.1.1", "\n",
            ]), 0..24)
        ) {
            let h: String = parts.concat();
            proptest::prop_assert_eq!(super::strip_html(&h), strip_html_oracle(&h));
        }
    }

    #[test]
    fn push_text_makes_every_line_end_lf() {
        for t in [
            "",
            "a",
            "a\r\nb",
            "a\rb",
            "a\r\r\nb\r",
            "\r\n\r\n",
            "x\n\ry\r\n",
        ] {
            let mut out = String::from("head");
            super::push_text(&mut out, t);
            let want = format!("head\n{}", t.replace("\r\n", "\n").replace('\r', "\n"));
            assert_eq!(out, want, "{t:?}");
        }
    }

    #[test]
    fn the_returned_message_s_last_header_of_a_name_counts() {
        let raw = b"From: MAILER-DAEMON@example.org\nSubject: failure\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\n\
Content-Type: text/plain\n\nfailed\n--b\nContent-Type: message/rfc822\n\n\
To: <first@example.net>\nFrom: \"Sender\" <s@example.com>\nTo: second@example.net\n\
Message-ID: <1@example.com>\nDate: Tue, 13 Sep 2016 04:50:26 +0900\nSubject: hi\n\nbody\n--b--\n";
        let ctx = ctx_of(raw).expect("parses");
        assert_eq!(ctx.original_to, ["second@example.net"]);
        assert_eq!(ctx.original.from.as_deref(), Some("s@example.com"));
        assert_eq!(ctx.original.message_id.as_deref(), Some("1@example.com"));
        assert_eq!(
            ctx.original.date.as_deref(),
            Some("Tue, 13 Sep 2016 04:50:26 +0900")
        );
    }

    #[test]
    fn address_values_the_fast_path_leaves_to_the_full_parser() {
        for v in [
            "\"Doe, John\" <j@example.com>",
            "John (work) <j@example.com>",
            "undisclosed-recipients:;",
            "team: a@example.com, b@example.com;",
            "=?UTF-8?B?w4lsaXNl?= <e@example.com>",
            "Doe, John <j@example.com>",
            "<>",
            "a@b@c",
            "<j@example.com> trailing",
            "j@[192.0.2.1]",
            "Ünïcode <u@example.com>",
        ] {
            assert_eq!(super::simple_addresses(v), None, "{v:?}");
        }
        assert_eq!(
            super::simple_addresses("Jo <jo@example.com>, x@example.org"),
            Some(vec![
                "jo@example.com".to_owned(),
                "x@example.org".to_owned()
            ])
        );
    }
}
