//! The classifier's answer.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;

use maildiag_reply::SmtpCommand;
use maildiag_types::{Category, EnhancedCode, Party, Severity};

/// When (and whether) to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Retry {
    /// Whether retrying the same message can succeed.
    pub advised: bool,
    /// Wait at least this long before the next attempt, in seconds.
    pub after_s: Option<u32>,
    /// Stop retrying after this long, in seconds from the first failure.
    pub until_s: Option<u32>,
    /// Why: a delay stated in the reply, the provider's guidance or the category's.
    pub reason: Cow<'static, str>,
}

/// Which layer of the decision a piece of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Layer {
    /// A provider-specific catalogue entry.
    Provider,
    /// A generic phrase rule.
    Phrase,
    /// A concept pair: a word of what the reply is about next to a word of what it says
    /// of it (`recipient ... unknown`), for wording no rule knows.
    Concept,
    /// A host name or word naming the provider.
    Marker,
    /// The enhanced status code.
    Enhanced,
    /// The basic reply code.
    Basic,
    /// A delay stated in the text.
    Delay,
    /// The log or bounce record around the reply (outcome, DSN action).
    Record,
}

/// One thing the classifier relied on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Evidence {
    /// The decision layer.
    pub layer: Layer,
    /// The rule: a pattern, a code, or a provider id.
    pub rule: Cow<'static, str>,
    /// What it says (category, severity override...).
    pub says: Cow<'static, str>,
    /// Where it matched in the classified input, as byte offsets.
    pub span: Option<(usize, usize)>,
}

/// A DNS check that would confirm (or rule out) the diagnosed cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum DnsCheckKind {
    /// A PTR record for the sending IP.
    Ptr,
    /// Forward-confirmed reverse DNS for the sending IP.
    Fcrdns,
    /// The sender domain's SPF record, evaluated for the sending IP when known.
    Spf,
    /// The sender domain's DKIM keys.
    Dkim,
    /// The sender domain's DMARC record.
    Dmarc,
    /// DNS blocklists for the sending IP.
    Dnsbl,
    /// The recipient domain's MX records.
    Mx,
    /// The recipient domain's MTA-STS policy.
    MtaSts,
}

/// What a [`DnsCheck`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "kind", content = "value")
)]
#[non_exhaustive]
pub enum DnsTarget {
    /// An IP address named in the reply.
    Ip(IpAddr),
    /// The sending IP (not named in the text: take it from the log or `--ip`).
    SendingIp,
    /// The sender's domain (from the envelope or From:).
    SenderDomain,
    /// The recipient's domain.
    RecipientDomain,
}

/// One DNS check the classifier suggests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DnsCheck {
    /// Which check.
    pub check: DnsCheckKind,
    /// On what.
    pub target: DnsTarget,
}

/// What happened and what to do: the classifier's verdict on one piece of evidence.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Diagnosis {
    /// The basic reply code found.
    pub basic: Option<u16>,
    /// The enhanced status code found.
    pub enhanced: Option<EnhancedCode>,
    /// The SMTP command the reply answered, when stated.
    pub command: Option<SmtpCommand>,
    /// How final the failure is (codes, overridden by stronger evidence in the text).
    pub severity: Severity,
    /// `true` when a later retry of the same message may succeed.
    pub temporary: bool,
    /// The taxonomy category.
    pub category: Category,
    /// A finer description within the category (`postgrey`, `per_recipient`...).
    pub detail: Option<&'static str>,
    /// `true` when the address itself is bad and must be suppressed (Sisimai's sense).
    pub hard_bounce: bool,
    /// `true` when the refused address is the envelope sender's, not the recipient's
    /// (`Sender address rejected: Domain not found`): the sender must act, the recipient
    /// is not suppressed.
    pub about_sender: bool,
    /// The equivalent Sisimai reason name.
    pub sisimai_reason: &'static str,
    /// The equivalent PowerMTA / KumoMTA bounce class.
    pub bounce_class: &'static str,
    /// The receiving provider or filter recognised, by id (`gmail`, `microsoft`...).
    pub provider: Option<&'static str>,
    /// Who must act.
    pub party: Party,
    /// When to retry.
    pub retry: Retry,
    /// Ordered, concrete steps.
    pub remedies: Vec<Cow<'static, str>>,
    /// DNS checks that would confirm the cause.
    pub dns_checks: Vec<DnsCheck>,
    /// What the decision rests on.
    pub evidence: Vec<Evidence>,
    /// How sure the classifier is, 0.0 to 1.0 (serialised rounded to two decimals, so
    /// JSON shows `0.85`, not the `f32`'s `0.8500000238418579`).
    #[cfg_attr(feature = "serde", serde(serialize_with = "two_decimals"))]
    pub confidence: f32,
    /// The reply text the decision was made on (codes stripped), when a reply was found.
    pub text: Option<String>,
}

/// Serialises a confidence as the `f64` nearest its value rounded to two decimals.
#[cfg(feature = "serde")]
fn two_decimals<S: serde::Serializer>(x: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*x) * 100.0).round() / 100.0)
}

impl Diagnosis {
    /// A one-line verdict for people: `TEMPORARY · greylisted · retry in 5 min`.
    pub fn verdict(&self) -> String {
        let mut s = String::new();
        s.push_str(match self.severity {
            Severity::Success => "SUCCESS",
            Severity::Transient => "TEMPORARY",
            Severity::Permanent => "PERMANENT",
            Severity::Unknown => "UNKNOWN",
        });
        let _ = write!(s, " · {}", self.category);
        if let Some(d) = self.detail {
            let _ = write!(s, " ({d})");
        }
        if self.hard_bounce {
            s.push_str(" · hard bounce: suppress the address");
        } else if self.retry.advised {
            match self.retry.after_s {
                Some(a) => {
                    let _ = write!(s, " · retry in {}", human_duration(a));
                }
                None => s.push_str(" · retry later"),
            }
        } else if self.severity == Severity::Permanent {
            s.push_str(" · do not retry unchanged");
        }
        s
    }
}

/// `300` → `5 min`, `7200` → `2 h`, `45` → `45 s`.
pub fn human_duration(secs: u32) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 3600 => format!("{:.1} h", f64::from(s) / 3600.0),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s if s >= 60 => format!("{:.1} min", f64::from(s) / 60.0),
        s => format!("{s} s"),
    }
}
