//! Streaming MTA log readers: Postfix, Exim, Sendmail, Microsoft Exchange message
//! tracking, PowerMTA accounting, KumoMTA, OpenSMTPD and qmail logs — plus any other line that
//! holds an SMTP reply — turned into typed [`DeliveryEvent`]s, fast and in bounded memory.
//!
//! * [`LogReader`] reads any `io::Read` (gzip is recognised by its magic bytes) in large
//!   blocks of whole lines. A single-pass multi-substring prefilter finds the lines that
//!   can hold an event; only those are parsed. Events borrow from the read buffer:
//!   [`LogReader::for_each_event`] allocates nothing per line.
//! * [`LogReader::par_fold`] parses blocks on all cores and merges per-chunk results in
//!   input order; its events and [`Stats`] equal the sequential ones.
//! * Non-UTF-8 bytes, CRLF, truncated last lines and very long lines are normal input: a
//!   line longer than [`ReaderOptions::max_line`] is skipped and counted
//!   ([`Stats::oversized`]), a malformed line is counted ([`Stats::unparsed`]); neither
//!   stops the stream.
//! * [`parse_line`] reads one line on its own (no sender join, default CSV columns).
//! * The [`synth`] module writes deterministic synthetic logs with a ground truth (used by
//!   `cargo xtask gen-logs`, the benchmarks and the tests).
//!
//! ```
//! use maildiag_logs::{LogReader, Outcome, ReaderOptions, Reference};
//!
//! let log = "\
//! Nov 22 10:00:01 mx postfix/smtpd[7]: connect from client.example[198.51.100.7]
//! Nov 22 10:00:02 mx postfix/smtp[12]: 4BC2: to=<u@Example.com>, relay=mx.example.com[192.0.2.1]:25, delay=0.4, delays=0/0/0.2/0.2, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 <u@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))
//! Nov 22 10:00:03 mx postfix/smtp[13]: connect to mx.example.net[203.0.113.5]:25: Connection timed out
//! ";
//! let opts = ReaderOptions::default().reference(Reference::year(2024));
//! let mut events = Vec::new();
//! let stats = LogReader::new(log.as_bytes(), opts).for_each_event(|ev| {
//!     events.push(ev.clone().into_owned());
//! })?;
//! assert_eq!(stats.lines, 3);
//! assert_eq!(stats.count(Outcome::Bounced), 1);
//! assert_eq!(stats.count(Outcome::ConnectionFailure), 1);
//!
//! let bounce = &events[0];
//! assert_eq!(bounce.recipient_domain.as_deref(), Some("example.com"));
//! assert_eq!(bounce.dsn.map(|d| d.to_string()).as_deref(), Some("5.1.1"));
//! let reply = bounce.reply.as_ref().expect("a reply");
//! assert_eq!(reply.code.map(|c| c.get()), Some(550));
//! assert_eq!(bounce.timestamp.map(|t| t.to_string()).as_deref(), Some("2024-11-22T10:00:02"));
//! # Ok::<(), maildiag_logs::Error>(())
//! ```
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize` for [`DeliveryEvent`], [`Stats`], [`Timestamp`] (RFC 3339 string); `Serialize`/`Deserialize` for [`Outcome`] and [`Format`] as snake_case names |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod csv;
mod error;
mod event;
mod exim;
pub mod fuzz;
mod generic;
mod join;
mod kumo;
mod opensmtpd;
mod parse;
mod postfix;
mod prefilter;
mod qmail;
mod reader;
mod sendmail;
pub mod synth;
mod syslog;
mod time;
mod zonemta;

use std::fmt;
use std::str::FromStr;

pub use error::Error;
pub use event::{DeliveryEvent, Outcome, Relay, UnknownOutcome};
pub use maildiag_reply::{Extracted, RemoteHost, SmtpCommand};
pub use reader::{
    Events, HEADER_WINDOW, JOIN_HORIZON, LogReader, ReaderOptions, SNIFF_WINDOW, Stats,
};
pub use time::{Reference, Timestamp};

/// A log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Format {
    /// Postfix syslog lines.
    Postfix,
    /// Exim mainlog.
    Exim,
    /// Sendmail syslog lines.
    Sendmail,
    /// Microsoft Exchange message tracking CSV (`#Fields:` header).
    Exchange,
    /// PowerMTA accounting CSV (header row).
    Pmta,
    /// KumoMTA JSON log records.
    Kumo,
    /// OpenSMTPD syslog lines (`smtpd`: `mta delivery`, `mda delivery`, `failed-command`).
    Opensmtpd,
    /// qmail-send logs (multilog TAI64N, `tai64nlocal` or `splogger` syslog lines:
    /// `starting delivery`, `delivery N: success/deferral/failure`), and `rblsmtpd` refusals.
    Qmail,
    /// ZoneMTA sender lines (`ACCEPTED`, `DEFERRED[...]`, `REJECTED[...]`), from syslog
    /// (`zone-mta`, `zonemta`) or its own npmlog output.
    Zonemta,
    /// Any line holding an SMTP reply.
    Generic,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 10] = [
        Format::Postfix,
        Format::Exim,
        Format::Sendmail,
        Format::Exchange,
        Format::Pmta,
        Format::Kumo,
        Format::Opensmtpd,
        Format::Qmail,
        Format::Zonemta,
        Format::Generic,
    ];

    /// The stable lower-case name (`postfix`, `exim`, `sendmail`, `exchange`, `pmta`, `kumo`,
    /// `opensmtpd`, `qmail`, `zonemta`, `generic`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Postfix => "postfix",
            Format::Exim => "exim",
            Format::Sendmail => "sendmail",
            Format::Exchange => "exchange",
            Format::Pmta => "pmta",
            Format::Kumo => "kumo",
            Format::Opensmtpd => "opensmtpd",
            Format::Qmail => "qmail",
            Format::Zonemta => "zonemta",
            Format::Generic => "generic",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name was not one of [`Format::ALL`]'s names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown log format {0:?} (expected postfix, exim, sendmail, exchange, pmta, kumo, opensmtpd, qmail, zonemta or generic)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s2 = s.to_ascii_lowercase();
        Format::ALL
            .iter()
            .copied()
            .find(|f| {
                f.as_str() == s2
                    || (s2 == "powermta" && *f == Format::Pmta)
                    || (s2 == "kumomta" && *f == Format::Kumo)
                    || (s2 == "smtpd" && *f == Format::Opensmtpd)
                    || (s2 == "zone-mta" && *f == Format::Zonemta)
            })
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Parses one line on its own: `format` forced or (`None`) detected. Lines without an
/// event give `None`. No sender join; CSV lines use the default column layouts.
///
/// ```
/// use maildiag_logs::{parse_line, Outcome, Reference};
/// let ev = parse_line(b"2024-11-22 10:00:01 1tEXhm-000Abc-2x ** u@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<u@example.com>: 550 5.1.1 User unknown", None, Reference::year(2024)).unwrap();
/// assert_eq!(ev.outcome, Outcome::Bounced);
/// assert_eq!(ev.reply.unwrap().code.unwrap().get(), 550);
/// ```
pub fn parse_line(
    line: &[u8],
    format: Option<Format>,
    reference: Reference,
) -> Option<DeliveryEvent<'_>> {
    let headers = csv::Headers::default();
    match parse::parse_line(line, 0, format, reference, &headers) {
        parse::Parsed::Event(e) | parse::Parsed::Pending { event: e, .. } => Some(e),
        _ => None,
    }
}

/// Parses one line when it is a line of a known MTA log (Postfix, Exim, Sendmail,
/// Exchange or PowerMTA CSV, KumoMTA JSON, OpenSMTPD, qmail; also a Postfix delivery record pasted without
/// its syslog head, `to=<...>, relay=..., status=deferred (...)`); unlike [`parse_line`]
/// without a format, a line that merely holds an SMTP reply gives `None`, not a generic
/// event. For callers that take any text and want to know whether it is a log line.
///
/// ```
/// use maildiag_logs::{parse_mta_line, Outcome, Reference};
/// let line = b"Nov 22 10:00:01 mx1 postfix/smtp[123]: 4BC2: to=<u@example.com>, relay=none, delay=30, dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.1]:25: Connection timed out)";
/// assert_eq!(parse_mta_line(line, Reference::year(2026)).unwrap().outcome, Outcome::Deferred);
/// assert!(parse_mta_line(b"550 5.1.1 <u@example.com>: User unknown", Reference::year(2026)).is_none());
/// let pasted = b"4BC2: to=<u@example.com>, relay=none, delay=30, dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.1]:25: Connection timed out)";
/// let ev = parse_mta_line(pasted, Reference::year(2026)).unwrap();
/// assert_eq!((ev.outcome, ev.queue_id.as_deref()), (Outcome::Deferred, Some("4BC2")));
/// ```
pub fn parse_mta_line(line: &[u8], reference: Reference) -> Option<DeliveryEvent<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return None;
    }
    let headers = csv::Headers::default();
    match parse::detect_and_parse(line, 0, reference, &headers, false) {
        parse::Parsed::Event(e) | parse::Parsed::Pending { event: e, .. } => Some(e),
        _ => None,
    }
}

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
