//! The shared vocabulary of the maildiag crates.
//!
//! * [`ReplyCode`] — an RFC 5321 basic reply code such as `450` (three digits, the first
//!   2–5, the second 0–5).
//! * [`EnhancedCode`] — an RFC 3463 enhanced status code `class.subject.detail` such as
//!   `4.7.1`, with its [`Class`].
//! * [`Severity`] — what a code (or a whole diagnosis) says about the outcome.
//! * [`Category`] — the 30-name failure taxonomy used by every maildiag crate; its
//!   snake_case names are a public contract.
//! * [`Party`] — who must act to fix a failure.
//!
//! This crate parses only the codes themselves, strictly; finding replies inside free
//! text is the job of `maildiag-reply`.
//!
//! ```
//! use maildiag_types::{Category, Class, EnhancedCode, ReplyCode, Severity};
//!
//! let code: EnhancedCode = "5.7.515".parse()?;
//! assert_eq!(code.class(), Class::Permanent);
//! assert_eq!((code.subject(), code.detail()), (7, 515));
//! assert_eq!(code.to_string(), "5.7.515");
//!
//! let basic: ReplyCode = "451".parse()?;
//! assert_eq!(basic.severity(), Severity::Transient);
//!
//! assert_eq!("greylisted".parse::<Category>()?, Category::Greylisted);
//! # Ok::<(), maildiag_types::ParseError>(())
//! ```
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize`/`Deserialize` for every type: codes as `"4.7.1"` strings and `450` numbers, enums as snake_case names |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use core::fmt;
use core::str::FromStr;

/// Why a code or a name could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// A basic reply code was not three digits with the first in 2–5 and the second in 0–5.
    #[error("invalid SMTP reply code {0:?}: expected three digits, first 2-5, second 0-5")]
    ReplyCode(String),
    /// An enhanced status code was not `class.subject.detail` with class 2, 4 or 5 and
    /// subject and detail of 1–3 digits without leading zeros.
    #[error("invalid enhanced status code {0:?}: expected class.subject.detail (e.g. 4.7.1)")]
    EnhancedCode(String),
    /// A name is not one of the enum's known names.
    #[error("unknown {kind} name {name:?}")]
    UnknownName {
        /// Which vocabulary was searched (`category`, `party`, `severity`).
        kind: &'static str,
        /// The name that was not found.
        name: String,
    },
}

/// The class digit of an enhanced status code (RFC 3463 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Class {
    /// `2.x.x`: the action succeeded.
    Success = 2,
    /// `4.x.x`: persistent transient failure; the same message may succeed later.
    Transient = 4,
    /// `5.x.x`: permanent failure; resending unchanged will not succeed.
    Permanent = 5,
}

impl Class {
    /// The class for a digit (2, 4 or 5).
    pub const fn from_digit(d: u8) -> Option<Class> {
        match d {
            2 => Some(Class::Success),
            4 => Some(Class::Transient),
            5 => Some(Class::Permanent),
            _ => None,
        }
    }

    /// The class digit.
    pub const fn digit(self) -> u8 {
        self as u8
    }

    /// The severity this class states.
    pub const fn severity(self) -> Severity {
        match self {
            Class::Success => Severity::Success,
            Class::Transient => Severity::Transient,
            Class::Permanent => Severity::Permanent,
        }
    }
}

/// How final an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    /// Delivered, accepted or otherwise positive.
    Success,
    /// A temporary failure: retrying later may succeed.
    Transient,
    /// A permanent failure: retrying unchanged will not succeed.
    Permanent,
    /// Nothing says which.
    #[default]
    Unknown,
}

impl Severity {
    /// The snake_case name (`success`, `transient`, `permanent`, `unknown`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Success => "success",
            Severity::Transient => "transient",
            Severity::Permanent => "permanent",
            Severity::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 5321 basic reply code (`250`, `450`, `550`...).
///
/// Invariant: three digits, the first 2–5, the second 0–5 (RFC 5321 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// The code for a number, if it is a valid reply code.
    pub const fn new(code: u16) -> Option<ReplyCode> {
        let first = code / 100;
        let second = (code / 10) % 10;
        if first >= 2 && first <= 5 && second <= 5 {
            Some(ReplyCode(code))
        } else {
            None
        }
    }

    /// The code for three ASCII digits, if valid.
    pub const fn from_digits(d: [u8; 3]) -> Option<ReplyCode> {
        if !d[0].is_ascii_digit() || !d[1].is_ascii_digit() || !d[2].is_ascii_digit() {
            return None;
        }
        ReplyCode::new(
            (d[0] - b'0') as u16 * 100 + (d[1] - b'0') as u16 * 10 + (d[2] - b'0') as u16,
        )
    }

    /// The numeric value.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The first digit (2–5).
    pub const fn first_digit(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// What the first digit says: 2xx/3xx success (3xx is an intermediate positive
    /// reply), 4xx transient, 5xx permanent.
    pub const fn severity(self) -> Severity {
        match self.first_digit() {
            2 | 3 => Severity::Success,
            4 => Severity::Transient,
            _ => Severity::Permanent,
        }
    }

    /// `true` for 4xx.
    pub const fn is_transient(self) -> bool {
        self.first_digit() == 4
    }

    /// `true` for 5xx.
    pub const fn is_permanent(self) -> bool {
        self.first_digit() == 5
    }

    /// `true` for 2xx and 3xx.
    pub const fn is_positive(self) -> bool {
        self.first_digit() <= 3
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ReplyCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if let [a, b2, c] = *b
            && let Some(code) = ReplyCode::from_digits([a, b2, c])
        {
            return Ok(code);
        }
        Err(ParseError::ReplyCode(s.to_owned()))
    }
}

impl From<ReplyCode> for u16 {
    fn from(c: ReplyCode) -> u16 {
        c.0
    }
}

/// An RFC 3463 enhanced status code `class.subject.detail`.
///
/// Invariant: class is 2, 4 or 5; subject and detail are at most 999 (1–3 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnhancedCode {
    class: Class,
    subject: u16,
    detail: u16,
}

impl EnhancedCode {
    /// Largest subject or detail value (three digits).
    pub const MAX_PART: u16 = 999;

    /// A code from its parts, if subject and detail are at most 999.
    pub const fn new(class: Class, subject: u16, detail: u16) -> Option<EnhancedCode> {
        if subject > Self::MAX_PART || detail > Self::MAX_PART {
            return None;
        }
        Some(EnhancedCode {
            class,
            subject,
            detail,
        })
    }

    /// The class.
    pub const fn class(self) -> Class {
        self.class
    }

    /// The subject (the middle number).
    pub const fn subject(self) -> u16 {
        self.subject
    }

    /// The detail (the last number).
    pub const fn detail(self) -> u16 {
        self.detail
    }

    /// Whether this code says more than `other`: the same class, where `other` is a bare
    /// `X.0.0` and this one is not (a remote server's `5.7.1` quoted in a report whose own
    /// status is `5.0.0`).
    ///
    /// ```
    /// use maildiag_types::EnhancedCode;
    /// let c = |s: &str| s.parse::<EnhancedCode>().unwrap();
    /// assert!(c("5.7.1").says_more_than(c("5.0.0")));
    /// assert!(!c("4.7.1").says_more_than(c("5.0.0")));
    /// assert!(!c("5.0.0").says_more_than(c("5.0.0")));
    /// assert!(!c("5.7.1").says_more_than(c("5.1.1")));
    /// ```
    pub fn says_more_than(self, other: EnhancedCode) -> bool {
        self.class == other.class
            && other.subject == 0
            && other.detail == 0
            && (self.subject != 0 || self.detail != 0)
    }

    /// The severity the class states.
    pub const fn severity(self) -> Severity {
        self.class.severity()
    }

    /// The same subject and detail under another class (`4.7.1` → `5.7.1`).
    pub const fn with_class(self, class: Class) -> EnhancedCode {
        EnhancedCode { class, ..self }
    }

    /// Parses the strict RFC 3463 form: no leading zeros, 1–3 digits per part.
    ///
    /// ```
    /// use maildiag_types::EnhancedCode;
    /// assert!(EnhancedCode::parse_strict(b"4.4.317").is_some());
    /// assert!(EnhancedCode::parse_strict(b"4.07.1").is_none());
    /// assert!(EnhancedCode::parse_strict(b"3.1.1").is_none());
    /// ```
    pub fn parse_strict(b: &[u8]) -> Option<EnhancedCode> {
        // One pass: `C.`, then the subject up to the next dot, then the detail to the end
        // (the log readers call this for every status they meet).
        let [c, b'.', rest @ ..] = b else {
            return None;
        };
        let class = Class::from_digit(c.wrapping_sub(b'0'))?;
        let dot = rest.iter().take(4).position(|&c| c == b'.')?;
        let (subject, detail) = (&rest[..dot], &rest[dot + 1..]);
        EnhancedCode::new(class, strict_part(subject)?, strict_part(detail)?)
    }
}

/// A 1–3 digit number without leading zeros (a lone `0` is allowed).
fn strict_part(b: &[u8]) -> Option<u16> {
    if b.is_empty() || b.len() > 3 || (b.len() > 1 && b[0] == b'0') {
        return None;
    }
    let mut v = 0u16;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u16::from(c - b'0');
    }
    Some(v)
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class.digit(), self.subject, self.detail)
    }
}

impl FromStr for EnhancedCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EnhancedCode::parse_strict(s.as_bytes())
            .ok_or_else(|| ParseError::EnhancedCode(s.to_owned()))
    }
}

/// Declares a fieldless enum with stable snake_case names, `ALL`, `as_str`, `FromStr`,
/// `Display` and (with the feature) serde as those names.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident : $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum $name {
            $( $(#[$vmeta])* #[cfg_attr(feature = "serde", serde(rename = $text))] $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable snake_case name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)*
                    _ => Err(ParseError::UnknownName { kind: $kind, name: s.to_owned() }),
                }
            }
        }
    };
}

named_enum! {
    /// The failure taxonomy shared by every maildiag crate (see `docs/taxonomy.md`).
    ///
    /// The snake_case names are a public contract: they appear in JSON output and in
    /// the knowledge-base data files.
    pub enum Category: "category" {
        /// The receiver deferred a first attempt from an unknown sender triplet.
        Greylisted = "greylisted",
        /// Too many messages or recipients per unit of time.
        RateLimited = "rate_limited",
        /// Too many simultaneous connections from the sending host.
        TooManyConnections = "too_many_connections",
        /// The recipient's mailbox is over quota.
        MailboxFull = "mailbox_full",
        /// The mailbox exists but cannot take mail now (locked, busy, unavailable).
        MailboxUnavailable = "mailbox_unavailable",
        /// No such recipient.
        UserUnknown = "user_unknown",
        /// The mailbox exists but is disabled, suspended or inactive.
        MailboxDisabled = "mailbox_disabled",
        /// The recipient's domain does not exist or accepts no mail (null MX).
        DomainNotFound = "domain_not_found",
        /// A DNS lookup failed (temporarily or by misconfiguration).
        DnsFailure = "dns_failure",
        /// SPF check failed for the sender.
        SpfFail = "spf_fail",
        /// DKIM signature missing or invalid.
        DkimFail = "dkim_fail",
        /// DMARC policy evaluation failed.
        DmarcFail = "dmarc_fail",
        /// The server requires authentication (SMTP AUTH) first.
        AuthRequired = "auth_required",
        /// The sending IP has no (or no matching) reverse DNS.
        PtrMissing = "ptr_missing",
        /// The sending IP or domain is on a blocklist.
        Blocklisted = "blocklisted",
        /// The sender's reputation is too poor (without a named list).
        BadReputation = "bad_reputation",
        /// The content looked like spam.
        SpamContent = "spam_content",
        /// The message carried malware.
        Virus = "virus",
        /// A local policy refused the message.
        Policy = "policy",
        /// Relaying was refused.
        RelayDenied = "relay_denied",
        /// The receiver requires TLS (or a stronger TLS).
        TlsRequired = "tls_required",
        /// The receiving server is overloaded or temporarily not accepting.
        ServerBusy = "server_busy",
        /// An internal error on the receiving side.
        SystemError = "system_error",
        /// The message looped (too many hops).
        RoutingLoop = "routing_loop",
        /// The message exceeds a size limit.
        MessageTooBig = "message_too_big",
        /// A connection or command timed out.
        Timeout = "timeout",
        /// Connection refused, reset or unreachable.
        NetworkError = "network_error",
        /// A command or address was syntactically wrong.
        SyntaxError = "syntax_error",
        /// The message stayed queued past its lifetime.
        Expired = "expired",
        /// Anything else, or unknown.
        Other = "other",
    }
}

named_enum! {
    /// Who must act to resolve a failure.
    pub enum Party: "party" {
        /// The sender (fix the message, address list or sending behaviour).
        Sender = "sender",
        /// The sender's DNS (SPF, DKIM, DMARC, PTR records).
        SenderDns = "sender_dns",
        /// The sender's servers, IPs or network reputation.
        SenderInfrastructure = "sender_infrastructure",
        /// The recipient (free space, re-enable the mailbox, whitelist).
        Recipient = "recipient",
        /// The recipient's mail server administrators.
        RecipientServer = "recipient_server",
        /// The network between both sides.
        Network = "network",
        /// Nobody identifiable.
        Unknown = "unknown",
    }
}

impl FromStr for Severity {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "success" => Ok(Severity::Success),
            "transient" => Ok(Severity::Transient),
            "permanent" => Ok(Severity::Permanent),
            "unknown" => Ok(Severity::Unknown),
            _ => Err(ParseError::UnknownName {
                kind: "severity",
                name: s.to_owned(),
            }),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use super::{EnhancedCode, ReplyCode};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    impl Serialize for EnhancedCode {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    impl<'de> Deserialize<'de> for EnhancedCode {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            s.parse().map_err(D::Error::custom)
        }
    }

    impl Serialize for ReplyCode {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u16(self.get())
        }
    }

    impl<'de> Deserialize<'de> for ReplyCode {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = u16::deserialize(d)?;
            ReplyCode::new(v).ok_or_else(|| D::Error::custom(format!("invalid reply code {v}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_code_bounds() {
        assert!(ReplyCode::new(199).is_none());
        assert!(ReplyCode::new(200).is_some());
        assert!(ReplyCode::new(559).is_some());
        assert!(ReplyCode::new(560).is_none());
        assert!(ReplyCode::new(600).is_none());
        assert!(ReplyCode::new(461).is_none());
        assert_eq!("550".parse::<ReplyCode>().map(ReplyCode::get), Ok(550));
        assert!("55".parse::<ReplyCode>().is_err());
        assert!("5500".parse::<ReplyCode>().is_err());
        assert_eq!(
            ReplyCode::new(354).map(ReplyCode::severity),
            Some(Severity::Success)
        );
    }

    #[test]
    fn enhanced_strict() {
        for ok in ["2.0.0", "4.7.1", "5.7.515", "4.4.317", "5.0.0", "5.999.999"] {
            let c: EnhancedCode = ok.parse().unwrap();
            assert_eq!(c.to_string(), ok);
        }
        for bad in [
            "", "4.7", "4.7.1.1", "3.1.1", "4.01.1", "4.1.01", "4.1000.1", "4..1", "44.1.1",
            "4.a.1",
        ] {
            assert!(bad.parse::<EnhancedCode>().is_err(), "{bad}");
        }
    }

    /// Every string of up to seven bytes over the bytes that matter reads as splitting at
    /// the dots reads it.
    #[test]
    fn enhanced_strict_like_split() {
        fn by_split(b: &[u8]) -> Option<EnhancedCode> {
            let parts: Vec<&[u8]> = b.split(|&c| c == b'.').collect();
            let [class, subject, detail] = parts[..] else {
                return None;
            };
            if class.len() != 1 {
                return None;
            }
            let class = Class::from_digit(class[0].wrapping_sub(b'0'))?;
            EnhancedCode::new(class, strict_part(subject)?, strict_part(detail)?)
        }
        const BYTES: &[u8] = b"0145.a";
        let mut s = Vec::new();
        for len in 0..=7u32 {
            for mut n in 0..BYTES.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(BYTES[n % BYTES.len()]);
                    n /= BYTES.len();
                }
                assert_eq!(EnhancedCode::parse_strict(&s), by_split(&s), "{s:?}");
            }
        }
        for long in [
            "5.7.1234",
            "5.1234.1",
            "5.123.123",
            "4.7.1 ",
            "5.7.1.",
            "5.7.11111111",
        ] {
            assert_eq!(
                EnhancedCode::parse_strict(long.as_bytes()),
                by_split(long.as_bytes()),
                "{long}"
            );
        }
    }

    #[test]
    fn category_names_round_trip() {
        assert_eq!(Category::ALL.len(), 30);
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(*c));
        }
        assert!("nope".parse::<Category>().is_err());
        assert_eq!(Party::ALL.len(), 7);
    }
}
