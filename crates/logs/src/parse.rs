//! Per-line dispatch: format detection and the parsers' common result.

use crate::csv::{self, Headers};
use crate::event::DeliveryEvent;
use crate::time::Reference;
use crate::{Format, exim, generic, kumo, opensmtpd, postfix, qmail, sendmail, syslog, zonemta};

/// What one line held.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // boxing the event would allocate per line
pub(crate) enum Parsed<'a> {
    /// A delivery event.
    Event(DeliveryEvent<'a>),
    /// The envelope sender of a queue id (Postfix qmgr `from=<...>`, Exim `<=`, Sendmail
    /// `from=`), to be joined to that queue id's later events.
    Sender {
        queue_id: &'a [u8],
        sender: &'a [u8],
    },
    /// qmail `starting delivery ID: msg MSG to remote RECIPIENT`: the message and
    /// recipient of a later [`Parsed::Pending`] result with the same delivery id.
    Delivery {
        id: &'a [u8],
        msg: &'a [u8],
        recipient: &'a [u8],
    },
    /// An event whose queue id, recipient and sender are joined from an earlier
    /// [`Parsed::Delivery`] line (qmail `delivery ID: failure: ...`).
    Pending {
        id: &'a [u8],
        event: DeliveryEvent<'a>,
    },
    /// A CSV header line (`#Fields:`, PowerMTA `type,...`).
    Header,
    /// A line of a known shape that carries no event.
    Ignored,
    /// A line that looked like an event but could not be read.
    Unparsed,
}

/// Parses one line (without its line ending) that starts at stream offset `base`.
///
/// `forced` is the format to read it as (`None`: detect); `headers` are the CSV column
/// layouts in effect.
pub(crate) fn parse_line<'a>(
    line: &'a [u8],
    base: u64,
    forced: Option<Format>,
    reference: Reference,
    headers: &Headers,
) -> Parsed<'a> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Parsed::Ignored;
    }
    match forced {
        Some(Format::Postfix) | Some(Format::Sendmail) | Some(Format::Opensmtpd) => {
            match syslog::parse(line, reference) {
                Some(s) if forced == Some(Format::Postfix) => postfix::parse(line, &s, base),
                Some(s) if forced == Some(Format::Opensmtpd) => opensmtpd::parse(line, &s, base),
                Some(s) => sendmail::parse(line, &s, base),
                None => Parsed::Unparsed,
            }
        }
        Some(Format::Exim) => exim::parse(line, base, reference),
        Some(Format::Qmail) => match line[0] {
            b'@' | b'0'..=b'9' if qmail::stamp(line).is_some() => qmail::parse(line, base),
            _ => match syslog::parse(line, reference) {
                Some(s) => qmail::parse_syslog(line, &s, base),
                None => Parsed::Unparsed,
            },
        },
        Some(Format::Exchange) => csv::parse_exchange(line, base, headers),
        Some(Format::Pmta) => csv::parse_pmta(line, base, headers),
        Some(Format::Kumo) => kumo::parse(line, base),
        Some(Format::Zonemta) => match syslog::parse(line, reference) {
            Some(s) => zonemta::parse(line, &s, base),
            None => zonemta::parse_fragment(line, base),
        },
        Some(Format::Generic) => generic::parse(line, base, reference),
        None => detect_and_parse(line, base, reference, headers, true),
    }
}

/// Parses `line` in the format it looks like (a Postfix delivery record without a known
/// syslog head too); a line of no known MTA format goes to the generic reader when
/// `generic` is set, else is `Ignored`.
pub(crate) fn detect_and_parse<'a>(
    line: &'a [u8],
    base: u64,
    reference: Reference,
    headers: &Headers,
    generic: bool,
) -> Parsed<'a> {
    match line[0] {
        b'{' => return kumo::parse(line, base),
        b'#' if line.starts_with(b"#Fields:") => return Parsed::Header,
        b'#' if headers.exchange.is_some() => return Parsed::Ignored,
        b'@' | b'0'..=b'9' if is_qmail(line) => return qmail::parse(line, base),
        b'd' if line.starts_with(b"delivery ") => return qmail::parse_bare(line, base),
        b'0'..=b'9' => {
            // Exim: `YYYY-MM-DD HH:MM:SS`; Exchange: `YYYY-MM-DDTHH:MM:SS...,`.
            if line.len() > 19 && line[10] == b' ' {
                return exim::parse(line, base, reference);
            }
            if line.len() > 19 && line[10] == b'T' {
                let comma = memchr::memchr(b',', &line[..line.len().min(40)]);
                let space = memchr::memchr(b' ', &line[..line.len().min(40)]);
                if comma.is_some() && (space.is_none() || comma < space) {
                    return csv::parse_exchange(line, base, headers);
                }
            }
        }
        b'a'..=b'z' if csv::is_pmta_row(line) => return csv::parse_pmta(line, base, headers),
        _ => {}
    }
    if let Some(s) = syslog::parse(line, reference) {
        let p = s.program;
        if memchr::memmem::find(p, b"postfix").is_some() {
            return postfix::parse(line, &s, base);
        }
        if p.starts_with(b"sm-") || p.starts_with(b"sendmail") {
            return sendmail::parse(line, &s, base);
        }
        if p.starts_with(b"exim") {
            return exim::parse_body(line, s.msg_at, Some(s.timestamp), base);
        }
        if p == b"smtpd" {
            return opensmtpd::parse(line, &s, base);
        }
        if is_qmail_program(p) && qmail::is_record(&line[s.msg_at..]) {
            return qmail::parse_syslog(line, &s, base);
        }
        if is_zonemta_program(p) {
            return zonemta::parse(line, &s, base);
        }
    }
    // A record pasted without its head: each MTA's reader knows its own.
    let fragments: [for<'l> fn(&'l [u8], u64) -> Parsed<'l>; 4] = [
        postfix::parse_fragment,
        opensmtpd::parse_fragment,
        exim::parse_fragment,
        zonemta::parse_fragment,
    ];
    for fragment in fragments {
        if let Parsed::Event(e) = fragment(line, base) {
            return Parsed::Event(e);
        }
    }
    if generic {
        generic::parse(line, base, reference)
    } else {
        Parsed::Ignored
    }
}

/// The format a line looks like, without parsing it (used to choose a stream's format).
pub(crate) fn sniff(line: &[u8]) -> Option<Format> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match *line.first()? {
        b'@' | b'0'..=b'9' if is_qmail(line) => return Some(Format::Qmail),
        b'{' => return memchr::memmem::find(line, b"\"type\"").map(|_| Format::Kumo),
        b'#' => return line.starts_with(b"#Fields:").then_some(Format::Exchange),
        b'0'..=b'9' if line.len() > 19 && line[10] == b' ' && line[4] == b'-' => {
            return Some(Format::Exim);
        }
        b'0'..=b'9' if line.len() > 19 && line[10] == b'T' => {
            let head = &line[..line.len().min(40)];
            let comma = memchr::memchr(b',', head);
            let space = memchr::memchr(b' ', head);
            if comma.is_some() && (space.is_none() || comma < space) {
                return Some(Format::Exchange);
            }
        }
        b'a'..=b'z' if csv::is_pmta_row(line) => return Some(Format::Pmta),
        _ => {}
    }
    let Some(s) = syslog::parse(line, Reference::year(2000)) else {
        // ZoneMTA's own npmlog output has no syslog head.
        return zonemta::is_record(line).then_some(Format::Zonemta);
    };
    let p = s.program;
    if memchr::memmem::find(p, b"postfix").is_some() {
        Some(Format::Postfix)
    } else if p.starts_with(b"sm-") || p.starts_with(b"sendmail") {
        Some(Format::Sendmail)
    } else if p == b"smtpd" {
        Some(Format::Opensmtpd)
    } else if is_qmail_program(p) && qmail::is_record(&line[s.msg_at..]) {
        Some(Format::Qmail)
    } else if is_zonemta_program(p) {
        Some(Format::Zonemta)
    } else {
        None
    }
}

/// A multilog or `tai64nlocal` line holding a qmail-send or rblsmtpd record.
fn is_qmail(line: &[u8]) -> bool {
    qmail::stamp(line).is_some_and(|(_, at)| qmail::is_record(&line[at..]))
}

/// The syslog tags qmail-send's log goes out under (`splogger qmail`, `qmail-send`).
fn is_qmail_program(p: &[u8]) -> bool {
    p.starts_with(b"qmail")
}

/// The syslog tags ZoneMTA logs under (`zone-mta`, `zonemta`).
fn is_zonemta_program(p: &[u8]) -> bool {
    p.starts_with(b"zone-mta") || p.starts_with(b"zonemta")
}
