//! RFC 3464 `message/delivery-status` bodies: per-message and per-recipient fields.

use std::borrow::Cow;

use maildiag_types::EnhancedCode;
use nom::{IResult, Parser, bytes::complete::take_while1, character::complete::char};

use crate::error::{Error, ErrorKind};
use crate::extract::{Extracted, extract_best};

/// Largest delivery-status body accepted (1 MiB).
pub const MAX_DSN_LEN: usize = 1 << 20;
/// Most fields kept per group; further ones are ignored.
const MAX_FIELDS: usize = 256;
/// Most per-recipient groups kept.
const MAX_RECIPIENTS: usize = 10_000;

/// A `type; value` field such as `Final-Recipient: rfc822; u@example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TypedValue<'a> {
    /// The address or name type (`rfc822`, `dns`, `smtp`, `X-Postfix`...); empty when the
    /// field has no `;`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub kind: Cow<'a, [u8]>,
    /// The value after the `;`, trimmed and unfolded.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub value: Cow<'a, [u8]>,
}

impl TypedValue<'_> {
    /// The value as a string, invalid UTF-8 replaced.
    pub fn value_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.value)
    }

    fn into_owned(self) -> TypedValue<'static> {
        TypedValue {
            kind: Cow::Owned(self.kind.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
        }
    }
}

/// The `Action` field (RFC 3464 §2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Action {
    /// The message could not be delivered.
    Failed,
    /// Delivery is delayed; the MTA will keep trying.
    Delayed,
    /// Delivered.
    Delivered,
    /// Relayed to a system that does not send DSNs.
    Relayed,
    /// Delivered and forwarded to several addresses.
    Expanded,
    /// A value outside RFC 3464.
    Other,
}

impl Action {
    /// Reads an action word (case-insensitive; trailing comments ignored).
    pub fn parse(value: &[u8]) -> Action {
        let word_len = value.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let word = &value[..word_len];
        [
            (&b"failed"[..], Action::Failed),
            (b"failure", Action::Failed),
            (b"delayed", Action::Delayed),
            (b"delivered", Action::Delivered),
            (b"relayed", Action::Relayed),
            (b"expanded", Action::Expanded),
        ]
        .iter()
        .find(|(w, _)| word.eq_ignore_ascii_case(w))
        .map_or(Action::Other, |(_, a)| *a)
    }

    /// The RFC 3464 name (`failed`, `delayed`...; `other` for anything else).
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered",
            Action::Relayed => "relayed",
            Action::Expanded => "expanded",
            Action::Other => "other",
        }
    }
}

/// A `Diagnostic-Code` field with its reply parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DiagnosticCode<'a> {
    /// The diagnostic type (`smtp`, `X-Postfix`, `X-Unix`...).
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub kind: Cow<'a, [u8]>,
    /// The diagnostic text, unfolded.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub text: Cow<'a, [u8]>,
    /// The SMTP reply found in the text, if any.
    pub reply: Option<Extracted<'static>>,
}

/// One field not otherwise interpreted (`X-...` extensions, unknown names).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Field<'a> {
    /// The field name as written.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::slice"))]
    pub name: &'a [u8],
    /// The value, unfolded and trimmed.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub value: Cow<'a, [u8]>,
}

/// The per-message fields (RFC 3464 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MessageFields<'a> {
    /// `Reporting-MTA`.
    pub reporting_mta: Option<TypedValue<'a>>,
    /// `DSN-Gateway`.
    pub dsn_gateway: Option<TypedValue<'a>>,
    /// `Received-From-MTA`.
    pub received_from_mta: Option<TypedValue<'a>>,
    /// `Arrival-Date`, as written.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub arrival_date: Option<Cow<'a, [u8]>>,
    /// `Original-Envelope-Id`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub original_envelope_id: Option<Cow<'a, [u8]>>,
    /// Every other field, `X-` extensions included.
    pub extensions: Vec<Field<'a>>,
}

/// The per-recipient fields (RFC 3464 §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RecipientFields<'a> {
    /// `Original-Recipient`.
    pub original_recipient: Option<TypedValue<'a>>,
    /// `Final-Recipient`.
    pub final_recipient: Option<TypedValue<'a>>,
    /// `Action`.
    pub action: Option<Action>,
    /// `Status`, when it holds a valid (leniently read) enhanced code.
    pub status: Option<EnhancedCode>,
    /// `Status` as written.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub status_raw: Option<Cow<'a, [u8]>>,
    /// `Remote-MTA`.
    pub remote_mta: Option<TypedValue<'a>>,
    /// `Diagnostic-Code`, with its reply parsed.
    pub diagnostic_code: Option<DiagnosticCode<'a>>,
    /// `Last-Attempt-Date`, as written.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub last_attempt_date: Option<Cow<'a, [u8]>>,
    /// `Will-Retry-Until`, as written.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub will_retry_until: Option<Cow<'a, [u8]>>,
    /// `Final-Log-ID`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::opt_bytes"))]
    pub final_log_id: Option<Cow<'a, [u8]>>,
    /// Every other field, `X-` extensions included.
    pub extensions: Vec<Field<'a>>,
}

/// A parsed `message/delivery-status` body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DeliveryStatus<'a> {
    /// The per-message fields.
    pub message: MessageFields<'a>,
    /// One entry per recipient group.
    pub recipients: Vec<RecipientFields<'a>>,
}

/// Parses a `message/delivery-status` body.
///
/// Field names are case-insensitive, folded lines are unfolded, CRLF and LF both end a
/// line. Lenient as real bounces require: lines that are not fields are skipped, and a
/// first group that carries recipient fields (some MTAs omit the blank line) is read as
/// both.
///
/// ```
/// let body = b"Reporting-MTA: dns; mx.example.net\r\n\r\n\
///     Final-Recipient: rfc822; u@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
///     Diagnostic-Code: smtp; 550 5.1.1 <u@example.com>: Recipient address\r\n rejected: User unknown\r\n";
/// let dsn = maildiag_reply::parse_delivery_status(body)?;
/// let rcpt = &dsn.recipients[0];
/// assert_eq!(rcpt.final_recipient.as_ref().unwrap().value_lossy(), "u@example.com");
/// let diag = rcpt.diagnostic_code.as_ref().unwrap();
/// assert_eq!(diag.reply.as_ref().unwrap().code.unwrap().get(), 550);
/// assert_eq!(diag.reply.as_ref().unwrap().text_lossy(),
///     "<u@example.com>: Recipient address rejected: User unknown");
/// # Ok::<(), maildiag_reply::Error>(())
/// ```
pub fn parse_delivery_status(input: &[u8]) -> Result<DeliveryStatus<'_>, Error> {
    if input.len() > MAX_DSN_LEN {
        return Err(Error::new(
            ErrorKind::InputTooLarge { limit: MAX_DSN_LEN },
            MAX_DSN_LEN,
        ));
    }
    let mut dsn = DeliveryStatus::default();
    let mut first_group = true;
    let mut current: Option<RecipientFields<'_>> = None;
    let mut fields_in_group = 0;
    for item in Fields::new(input) {
        match item {
            Item::GroupBreak => {
                if let Some(r) = current.take() {
                    push_recipient(&mut dsn.recipients, r);
                }
                if fields_in_group > 0 {
                    first_group = false;
                }
                fields_in_group = 0;
            }
            Item::Field(name, value) => {
                fields_in_group += 1;
                if fields_in_group > MAX_FIELDS {
                    continue;
                }
                let recipient_field = is_recipient_field(name);
                if first_group && !recipient_field {
                    set_message_field(&mut dsn.message, name, value);
                } else if recipient_field || !first_group {
                    let r = current.get_or_insert_with(RecipientFields::default);
                    // A second Final-Recipient in one group starts a new recipient.
                    if name.eq_ignore_ascii_case(b"Final-Recipient") && r.final_recipient.is_some()
                    {
                        let done = std::mem::take(r);
                        push_recipient(&mut dsn.recipients, done);
                    }
                    let r = current.get_or_insert_with(RecipientFields::default);
                    set_recipient_field(r, name, value);
                }
            }
        }
    }
    if let Some(r) = current.take() {
        push_recipient(&mut dsn.recipients, r);
    }
    if dsn.recipients.is_empty() {
        return Err(Error::new(ErrorKind::NoRecipients, input.len()));
    }
    Ok(dsn)
}

fn push_recipient<'a>(list: &mut Vec<RecipientFields<'a>>, r: RecipientFields<'a>) {
    let meaningful = r.final_recipient.is_some()
        || r.original_recipient.is_some()
        || r.status.is_some()
        || r.action.is_some();
    if meaningful && list.len() < MAX_RECIPIENTS {
        list.push(r);
    }
}

fn is_recipient_field(name: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"Original-Recipient",
        b"Final-Recipient",
        b"Action",
        b"Status",
        b"Remote-MTA",
        b"Diagnostic-Code",
        b"Last-Attempt-Date",
        b"Will-Retry-Until",
        b"Final-Log-ID",
    ];
    NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
}

fn set_message_field<'a>(m: &mut MessageFields<'a>, name: &'a [u8], value: Cow<'a, [u8]>) {
    let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
    if is(b"Reporting-MTA") {
        m.reporting_mta = Some(typed(value));
    } else if is(b"DSN-Gateway") {
        m.dsn_gateway = Some(typed(value));
    } else if is(b"Received-From-MTA") {
        m.received_from_mta = Some(typed(value));
    } else if is(b"Arrival-Date") {
        m.arrival_date = Some(value);
    } else if is(b"Original-Envelope-Id") {
        m.original_envelope_id = Some(value);
    } else {
        m.extensions.push(Field { name, value });
    }
}

fn set_recipient_field<'a>(r: &mut RecipientFields<'a>, name: &'a [u8], value: Cow<'a, [u8]>) {
    let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
    if is(b"Original-Recipient") {
        r.original_recipient = Some(typed(value));
    } else if is(b"Final-Recipient") {
        r.final_recipient = Some(typed(value));
    } else if is(b"Action") {
        r.action = Some(Action::parse(&value));
    } else if is(b"Status") {
        r.status = crate::code::parse_enhanced_lenient(&value).map(|(c, _)| c);
        r.status_raw = Some(value);
    } else if is(b"Remote-MTA") {
        r.remote_mta = Some(typed(value));
    } else if is(b"Diagnostic-Code") {
        let t = typed(value);
        let reply = extract_best(&t.value).map(Extracted::into_owned);
        r.diagnostic_code = Some(DiagnosticCode {
            kind: t.kind,
            text: t.value,
            reply,
        });
    } else if is(b"Last-Attempt-Date") {
        r.last_attempt_date = Some(value);
    } else if is(b"Will-Retry-Until") {
        r.will_retry_until = Some(value);
    } else if is(b"Final-Log-ID") {
        r.final_log_id = Some(value);
    } else {
        r.extensions.push(Field { name, value });
    }
}

/// Splits `type; value`; without a `;` the type is empty.
fn typed(value: Cow<'_, [u8]>) -> TypedValue<'_> {
    let Some(semi) = memchr::memchr(b';', &value) else {
        return TypedValue {
            kind: Cow::Borrowed(&[]),
            value,
        };
    };
    // A type is one token; `550 5.1.1 a; b` has no type.
    let kind_raw = &value[..semi];
    if kind_raw.iter().any(|c| c.is_ascii_whitespace()) || kind_raw.is_empty() {
        return TypedValue {
            kind: Cow::Borrowed(&[]),
            value,
        };
    }
    let trim_start = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_whitespace()).count();
    match value {
        Cow::Borrowed(b) => {
            let v = &b[semi + 1..];
            TypedValue {
                kind: Cow::Borrowed(&b[..semi]),
                value: Cow::Borrowed(&v[trim_start(v)..]),
            }
        }
        Cow::Owned(v) => {
            let rest = &v[semi + 1..];
            TypedValue {
                kind: Cow::Owned(v[..semi].to_vec()),
                value: Cow::Owned(rest[trim_start(rest)..].to_vec()),
            }
            .into_owned()
        }
    }
}

/// One step of the field reader.
#[derive(Debug)]
enum Item<'a> {
    Field(&'a [u8], Cow<'a, [u8]>),
    GroupBreak,
}

/// Iterates over `Name: value` fields (unfolded) and blank-line group breaks.
struct Fields<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(input: &'a [u8]) -> Self {
        Fields { input, pos: 0 }
    }

    /// The next physical line without its ending, advancing past it.
    fn line(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.input.len() {
            return None;
        }
        let rest = &self.input[self.pos..];
        let n = memchr::memchr(b'\n', rest).map_or(rest.len(), |n| n);
        self.pos += (n + 1).min(rest.len());
        let l = &rest[..n];
        Some(l.strip_suffix(b"\r").unwrap_or(l))
    }

    fn peek_is_continuation(&self) -> bool {
        matches!(self.input.get(self.pos), Some(b' ' | b'\t'))
    }
}

/// RFC 3464 §2.1 (RFC 822 header syntax):
///
/// ```abnf
/// field      = field-name ":" [ FWS ] field-body CRLF
/// field-name = 1*(%d33-57 / %d59-126)   ; printable US-ASCII except ":"
/// ```
fn field_name(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let (rest, name) = take_while1(|c: u8| (33..=126).contains(&c) && c != b':').parse(i)?;
    let (rest, _) = char(':').parse(rest)?;
    Ok((rest, name))
}

impl<'a> Iterator for Fields<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            let line = self.line()?;
            if line.iter().all(|c| c.is_ascii_whitespace()) {
                return Some(Item::GroupBreak);
            }
            let Ok((value, name)) = field_name(line) else {
                continue; // not a field: skip (lenient)
            };
            let mut value = Cow::Borrowed(trim(value));
            while self.peek_is_continuation() {
                let Some(cont) = self.line() else { break };
                let cont = trim(cont);
                if cont.is_empty() {
                    continue;
                }
                let v = value.to_mut();
                if !v.is_empty() {
                    v.push(b' ');
                }
                v.extend_from_slice(cont);
            }
            return Some(Item::Field(name, value));
        }
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let end = s.len()
        - s[start..]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_extensions() {
        let body = b"Reporting-MTA: dns; mx.example.net\nX-Postfix-Queue-ID: 4BC2\nArrival-Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nFinal-Recipient: rfc822; a@example.com\nOriginal-Recipient: rfc822;A@example.com\nAction: delayed\nStatus: 4.4.1\nRemote-MTA: dns; mx.example.com\nDiagnostic-Code: X-Postfix; connect to mx.example.com[192.0.2.1]:25:\n    Connection timed out\nWill-Retry-Until: Tue, 2 Jan 2024 10:00:00 +0000\nX-Custom: 1\n\nfinal-recipient: RFC822; b@example.com\naction: FAILED\nstatus: 5.1.1\n";
        let d = parse_delivery_status(body).unwrap();
        assert_eq!(
            d.message.reporting_mta.as_ref().unwrap().value_lossy(),
            "mx.example.net"
        );
        assert_eq!(d.message.extensions.len(), 1);
        assert_eq!(d.recipients.len(), 2);
        let a = &d.recipients[0];
        assert_eq!(a.action, Some(Action::Delayed));
        assert_eq!(a.status.map(|s| s.to_string()).as_deref(), Some("4.4.1"));
        let diag = a.diagnostic_code.as_ref().unwrap();
        assert_eq!(&*diag.kind, b"X-Postfix");
        assert_eq!(
            &*diag.text,
            &b"connect to mx.example.com[192.0.2.1]:25: Connection timed out"[..]
        );
        assert!(diag.reply.is_none());
        assert_eq!(a.extensions.len(), 1);
        assert_eq!(d.recipients[1].action, Some(Action::Failed));
    }

    #[test]
    fn no_blank_line_between_groups() {
        let d = parse_delivery_status(
            b"Reporting-MTA: dns; x\nFinal-Recipient: rfc822; a@b\nStatus: 5.0.0\n",
        )
        .unwrap();
        assert_eq!(d.recipients.len(), 1);
        assert!(d.message.reporting_mta.is_some());
    }

    #[test]
    fn empty_is_error() {
        assert_eq!(
            parse_delivery_status(b"Reporting-MTA: dns; x\n")
                .unwrap_err()
                .kind,
            ErrorKind::NoRecipients
        );
    }
}
