//! CSV logs with a header: Microsoft Exchange message tracking (`#Fields:`) and PowerMTA
//! accounting files (a `type,timeLogged,...` header row).

use std::borrow::Cow;

use maildiag_reply::{Extracted, RemoteHost, extract_best};
use maildiag_types::EnhancedCode;

use crate::Format;
use crate::event::{DeliveryEvent, Outcome, Relay, parse_relay, set_recipient, text, trim};
use crate::parse::Parsed;
use crate::time::{parse_epoch, parse_iso};

/// Most columns read from one CSV line.
const MAX_COLUMNS: usize = 128;

/// Column positions of the Exchange fields this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExchangeColumns {
    date_time: usize,
    server_hostname: usize,
    client_hostname: usize,
    event_id: usize,
    message_id: usize,
    recipient: usize,
    recipient_status: usize,
    sender: usize,
}

/// The default Exchange 2013+ message tracking layout.
const EXCHANGE_DEFAULT: &[u8] = b"#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version";

/// Column positions of the PowerMTA accounting fields this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PmtaColumns {
    kind: usize,
    time_logged: usize,
    orig: usize,
    rcpt: usize,
    dsn_action: usize,
    dsn_status: usize,
    dsn_diag: usize,
    dsn_mta: usize,
    bounce_cat: usize,
    job_id: usize,
    vmta: usize,
}

/// The PowerMTA default accounting layout.
const PMTA_DEFAULT: &[u8] = b"type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool";

/// The CSV layouts in effect for a stream (see [`crate::HEADER_WINDOW`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Headers {
    pub(crate) exchange: Option<ExchangeColumns>,
    pub(crate) pmta: Option<PmtaColumns>,
}

impl Headers {
    /// Takes the header on `line`, if it is one; `true` when it was.
    pub(crate) fn learn(&mut self, line: &[u8]) -> bool {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"#Fields:") {
            if let Some(c) = exchange_columns(line) {
                self.exchange = Some(c);
            }
            return true;
        }
        if line.starts_with(b"type,") {
            if let Some(c) = pmta_columns(line) {
                self.pmta = Some(c);
            }
            return true;
        }
        false
    }
}

fn position(names: &[&[u8]], want: &[u8]) -> Option<usize> {
    names.iter().position(|n| n.eq_ignore_ascii_case(want))
}

fn exchange_columns(header: &[u8]) -> Option<ExchangeColumns> {
    let body = trim(header.strip_prefix(b"#Fields:")?);
    let names: Vec<&[u8]> = body
        .split(|&c| c == b',')
        .map(trim)
        .take(MAX_COLUMNS)
        .collect();
    let p = |w: &[u8]| position(&names, w);
    let none = usize::MAX;
    Some(ExchangeColumns {
        date_time: p(b"date-time").unwrap_or(none),
        server_hostname: p(b"server-hostname").unwrap_or(none),
        client_hostname: p(b"client-hostname").unwrap_or(none),
        event_id: p(b"event-id")?,
        message_id: p(b"internal-message-id")
            .or_else(|| p(b"message-id"))
            .unwrap_or(none),
        recipient: p(b"recipient-address").unwrap_or(none),
        recipient_status: p(b"recipient-status").unwrap_or(none),
        sender: p(b"sender-address")
            .or_else(|| p(b"return-path"))
            .unwrap_or(none),
    })
}

fn pmta_columns(header: &[u8]) -> Option<PmtaColumns> {
    let names: Vec<&[u8]> = header
        .split(|&c| c == b',')
        .map(trim)
        .take(MAX_COLUMNS)
        .collect();
    let p = |w: &[u8]| position(&names, w);
    let none = usize::MAX;
    Some(PmtaColumns {
        kind: p(b"type")?,
        time_logged: p(b"timeLogged").unwrap_or(none),
        orig: p(b"orig").unwrap_or(none),
        rcpt: p(b"rcpt")?,
        dsn_action: p(b"dsnAction").unwrap_or(none),
        dsn_status: p(b"dsnStatus").unwrap_or(none),
        dsn_diag: p(b"dsnDiag").unwrap_or(none),
        dsn_mta: p(b"dsnMta").unwrap_or(none),
        bounce_cat: p(b"bounceCat").unwrap_or(none),
        job_id: p(b"jobId").unwrap_or(none),
        vmta: p(b"vmta").unwrap_or(none),
    })
}

/// Splits one CSV record (RFC 4180 quoting, `""` inside quotes) into at most
/// [`MAX_COLUMNS`] fields, calling `f(index, field)`.
fn split<'a>(line: &'a [u8], mut f: impl FnMut(usize, Cow<'a, [u8]>)) {
    let mut i = 0;
    let mut col = 0;
    while col < MAX_COLUMNS {
        if line.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            loop {
                match memchr::memchr(b'"', &line[j.min(line.len())..]) {
                    Some(n) if line.get(j + n + 1) == Some(&b'"') => {
                        escaped = true;
                        j += n + 2;
                    }
                    Some(n) => {
                        j += n;
                        break;
                    }
                    None => {
                        j = line.len();
                        break;
                    }
                }
            }
            let raw = &line[start.min(j)..j];
            let v = if escaped {
                let mut out = Vec::with_capacity(raw.len());
                let mut k = 0;
                while k < raw.len() {
                    out.push(raw[k]);
                    k += if raw[k] == b'"' && raw.get(k + 1) == Some(&b'"') {
                        2
                    } else {
                        1
                    };
                }
                Cow::Owned(out)
            } else {
                Cow::Borrowed(raw)
            };
            f(col, v);
            i = memchr::memchr(b',', &line[(j + 1).min(line.len())..])
                .map_or(line.len() + 1, |n| j + 1 + n + 1);
        } else {
            let rest = &line[i.min(line.len())..];
            let end = memchr::memchr(b',', rest).unwrap_or(rest.len());
            f(col, Cow::Borrowed(&rest[..end]));
            i += end + 1;
        }
        col += 1;
        if i > line.len() {
            break;
        }
    }
}

fn cow_text(c: Cow<'_, [u8]>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(b) => text(b),
        Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
    }
}

/// Parses an Exchange message tracking line.
pub(crate) fn parse_exchange<'a>(line: &'a [u8], base: u64, h: &Headers) -> Parsed<'a> {
    if line.starts_with(b"#") {
        return if line.starts_with(b"#Fields:") {
            Parsed::Header
        } else {
            Parsed::Ignored
        };
    }
    let cols = h
        .exchange
        .unwrap_or_else(|| exchange_columns(EXCHANGE_DEFAULT).unwrap_or(DUMMY_EX));
    let mut f: [Option<Cow<'a, [u8]>>; 8] = Default::default();
    split(line, |i, v| {
        let slot = [
            cols.date_time,
            cols.server_hostname,
            cols.client_hostname,
            cols.event_id,
            cols.message_id,
            cols.recipient,
            cols.recipient_status,
            cols.sender,
        ]
        .iter()
        .position(|&c| c == i);
        if let Some(s) = slot {
            f[s] = Some(v);
        }
    });
    let [date, server, client, event_id, msg_id, rcpt, status, sender] = f;
    let outcome = match event_id.as_deref() {
        Some(b"DELIVER") | Some(b"SEND") => Outcome::Delivered,
        Some(b"FAIL") => Outcome::Bounced,
        Some(b"DEFER") => Outcome::Deferred,
        Some(_) => return Parsed::Ignored,
        None => return Parsed::Unparsed,
    };
    let mut e = DeliveryEvent::new(Format::Exchange, outcome, base..base + line.len() as u64);
    e.timestamp = date.as_deref().and_then(parse_iso).map(|t| t.0);
    // SMTP SEND/FAIL/DEFER: client = this server, server = the remote one.
    e.host = client.filter(|s| !s.is_empty()).map(cow_text);
    if let Some(c) = server.filter(|s| !s.is_empty()) {
        e.relay = Some(Relay {
            host: Some(cow_text(c)),
            ip: None,
            port: None,
        });
    }
    e.queue_id = msg_id.filter(|s| !s.is_empty()).map(cow_text);
    e.sender = sender.filter(|s| !s.is_empty()).map(cow_text);
    let several = rcpt.as_deref().is_some_and(|r| r.contains(&b';'));
    if let Some(r) = rcpt {
        let first = |b: &[u8]| b.iter().position(|&c| c == b';').unwrap_or(b.len());
        match r {
            Cow::Borrowed(b) => set_recipient(&mut e, &b[..first(b)]),
            Cow::Owned(v) => {
                let s = String::from_utf8_lossy(&v[..first(&v)]).into_owned();
                e.recipient_domain = s
                    .rsplit_once('@')
                    .map(|(_, d)| Cow::Owned(d.to_ascii_lowercase()));
                e.recipient = Some(Cow::Owned(s));
            }
        }
    }
    if let Some(s) = status.filter(|s| !s.is_empty()) {
        let s = if several { first_status(s) } else { s };
        e.reply = reply_from_field(s, None);
    }
    Parsed::Event(e)
}

/// The first recipient's status of a row listing several recipients, whose statuses are
/// `;`-separated (`250 2.1.5 OK;250 2.1.5 OK`); a `;` inside one status
/// (`RESOLVER.ADR.RecipNotFound; not found`) is not followed by a reply code.
fn first_status(s: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let cut = memchr::memchr_iter(b';', &s).find(|&i| {
        matches!(
            s.get(i + 1..i + 5),
            Some([b'2'..=b'5', b'0'..=b'9', b'0'..=b'9', b' ' | b'-'])
        )
    });
    match (s, cut) {
        (Cow::Borrowed(b), Some(n)) => Cow::Borrowed(&b[..n]),
        (Cow::Owned(mut v), Some(n)) => {
            v.truncate(n);
            Cow::Owned(v)
        }
        (s, None) => s,
    }
}

const DUMMY_EX: ExchangeColumns = ExchangeColumns {
    date_time: 0,
    server_hostname: 4,
    client_hostname: 2,
    event_id: 8,
    message_id: 9,
    recipient: 12,
    recipient_status: 13,
    sender: 19,
};

/// A reply from a CSV field; spans are relative to the field.
fn reply_from_field<'a>(s: Cow<'a, [u8]>, host: Option<RemoteHost<'a>>) -> Option<Extracted<'a>> {
    match s {
        Cow::Borrowed(b) => Some(extract_best(b).unwrap_or(Extracted {
            span: 0..b.len(),
            code: None,
            enhanced: None,
            text: Cow::Borrowed(b),
            command: None,
            host: None,
        }))
        .map(|mut x| {
            if x.host.is_none() {
                x.host = host;
            }
            x
        }),
        Cow::Owned(v) => {
            let x = extract_best(&v)
                .map(Extracted::into_owned)
                .unwrap_or_else(|| Extracted {
                    span: 0..v.len(),
                    code: None,
                    enhanced: None,
                    text: Cow::Owned(v.clone()),
                    command: None,
                    host: None,
                });
            Some(Extracted {
                host: x.host.or(host),
                ..x
            })
        }
    }
}

/// `true` when `line` looks like a PowerMTA accounting record (`d,`, `b,`, `t,`, `rb,`, and
/// the eventless `r,`, `f,`, `tq,`, `rs,`) or header.
pub(crate) fn is_pmta_row(line: &[u8]) -> bool {
    matches!(line.get(..2), Some(b"d," | b"b," | b"t," | b"r," | b"f,"))
        || matches!(line.get(..3), Some(b"rb," | b"tq," | b"rs,"))
        || line.starts_with(b"type,")
}

/// Parses a PowerMTA accounting record.
pub(crate) fn parse_pmta<'a>(line: &'a [u8], base: u64, h: &Headers) -> Parsed<'a> {
    if line.starts_with(b"type,") {
        return Parsed::Header;
    }
    let cols = h
        .pmta
        .unwrap_or_else(|| pmta_columns(PMTA_DEFAULT).unwrap_or(DUMMY_PMTA));
    let want = [
        cols.kind,
        cols.time_logged,
        cols.orig,
        cols.rcpt,
        cols.dsn_action,
        cols.dsn_status,
        cols.dsn_diag,
        cols.dsn_mta,
        cols.bounce_cat,
        cols.job_id,
        cols.vmta,
    ];
    let mut f: [Option<Cow<'a, [u8]>>; 11] = Default::default();
    split(line, |i, v| {
        if let Some(s) = want.iter().position(|&c| c == i) {
            f[s] = Some(v);
        }
    });
    let [
        kind,
        time,
        orig,
        rcpt,
        action,
        status,
        diag,
        mta,
        bounce_cat,
        job,
        vmta,
    ] = f;
    let _ = (job, vmta);
    let _ = action;
    let status_code = status.as_deref().and_then(|s| {
        let end = s.iter().position(|&c| c == b' ').unwrap_or(s.len());
        EnhancedCode::parse_strict(&s[..end])
    });
    let expired = bounce_cat.as_deref() == Some(b"message-expired");
    let outcome = match kind.as_deref() {
        Some(b"d") => Outcome::Delivered,
        Some(b"t") => Outcome::Deferred,
        Some(b"b") | Some(b"rb") if expired => Outcome::Expired,
        Some(b"b") | Some(b"rb") => Outcome::Bounced,
        Some(_) => return Parsed::Ignored,
        None => return Parsed::Unparsed,
    };
    let mut e = DeliveryEvent::new(Format::Pmta, outcome, base..base + line.len() as u64);
    // `2024-11-22 10:00:01-0500`, or Unix seconds (`1732287601`).
    e.timestamp = time
        .as_deref()
        .and_then(|t| parse_iso(t).map(|t| t.0).or_else(|| parse_epoch(t)));
    e.sender = orig.filter(|s| !s.is_empty()).map(cow_text);
    match rcpt {
        Some(Cow::Borrowed(b)) => set_recipient(&mut e, b),
        Some(Cow::Owned(v)) => {
            let s = String::from_utf8_lossy(&v).into_owned();
            e.recipient_domain = s
                .rsplit_once('@')
                .map(|(_, d)| Cow::Owned(d.to_ascii_lowercase()));
            e.recipient = Some(Cow::Owned(s));
        }
        None => return Parsed::Unparsed,
    }
    e.dsn = status_code;
    let relay = match mta {
        // `mx.example.com (192.0.2.1)`
        Some(Cow::Borrowed(m)) if !m.is_empty() => {
            let mut r = Relay::default();
            let (name, ip) = match memchr::memchr(b'(', m) {
                Some(n) => (trim(&m[..n]), m[n + 1..].split(|&c| c == b')').next()),
                None => (trim(m), None),
            };
            let r2 = parse_relay(name);
            r.host = r2.host;
            r.ip = ip
                .and_then(|i| std::str::from_utf8(i).ok())
                .and_then(|s| s.parse().ok());
            Some(r)
        }
        _ => None,
    };
    let host = relay.as_ref().map(|r| RemoteHost {
        name: r.host.clone(),
        ip: r.ip,
    });
    e.relay = relay;
    if let Some(d) = diag.filter(|d| !d.is_empty()) {
        e.reply = reply_from_field(d, host);
    }
    Parsed::Event(e)
}

const DUMMY_PMTA: PmtaColumns = PmtaColumns {
    kind: 0,
    time_logged: 1,
    orig: 3,
    rcpt: 4,
    dsn_action: 6,
    dsn_status: 7,
    dsn_diag: 8,
    dsn_mta: 9,
    bounce_cat: 10,
    job_id: 19,
    vmta: 18,
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_split() {
        let mut out = Vec::new();
        split(b"a,\"b,\"\"c\"\"\",,d", |i, v| {
            out.push((i, v.into_owned()))
        });
        assert_eq!(
            out,
            vec![
                (0, b"a".to_vec()),
                (1, b"b,\"c\"".to_vec()),
                (2, b"".to_vec()),
                (3, b"d".to_vec())
            ]
        );
        assert_eq!(exchange_columns(EXCHANGE_DEFAULT), Some(DUMMY_EX));
        assert_eq!(pmta_columns(PMTA_DEFAULT), Some(DUMMY_PMTA));
    }
}
