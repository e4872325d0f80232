//! The values a bounce is read into.

use maildiag_reply::{Action, SmtpCommand};
use maildiag_types::{EnhancedCode, ReplyCode};

/// What kind of report an email is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ReportKind {
    /// A delivery failure (or delay) report: a bounce.
    #[default]
    Failure,
    /// An automatic reply (RFC 3834: vacation, out-of-office); not a bounce.
    AutoReply,
    /// An ARF feedback report (RFC 5965: abuse, fraud, auth-failure...); not a bounce.
    Feedback,
    /// A delivery-success report (a DSN whose recipients were all delivered, relayed
    /// or expanded); not a bounce.
    DeliverySuccess,
    /// An ordinary email that reports nothing.
    NotAReport,
}

impl ReportKind {
    /// The snake_case name (`failure`, `auto_reply`, `feedback`, `delivery_success`,
    /// `not_a_report`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ReportKind::Failure => "failure",
            ReportKind::AutoReply => "auto_reply",
            ReportKind::Feedback => "feedback",
            ReportKind::DeliverySuccess => "delivery_success",
            ReportKind::NotAReport => "not_a_report",
        }
    }

    /// The reason name Sisimai reports for non-bounces (`vacation`, `feedback`,
    /// `delivered`); `None` for failures and ordinary emails.
    pub const fn sisimai_reason(self) -> Option<&'static str> {
        match self {
            ReportKind::AutoReply => Some("vacation"),
            ReportKind::Feedback => Some("feedback"),
            ReportKind::DeliverySuccess => Some("delivered"),
            ReportKind::Failure | ReportKind::NotAReport => None,
        }
    }
}

/// Where a recipient's [`BounceRecipient::status`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StatusSource {
    /// No status: none written and none derivable.
    #[default]
    None,
    /// The `Status` field of a delivery-status report.
    Report,
    /// An enhanced code written in the diagnostic text.
    Diagnostic,
    /// Derived from the basic reply code alone (`550` gives `5.0.0`).
    ReplyCode,
    /// Inferred from the words of the diagnostic (`User unknown` gives `5.1.1`).
    Inferred,
}

/// Identifiers of the message that bounced, read from the returned copy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct OriginalMessage {
    /// `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// `From` address.
    pub from: Option<String>,
    /// `To` addresses, comma-separated.
    pub to: Option<String>,
    /// `Subject`, decoded.
    pub subject: Option<String>,
    /// `Date`, as written.
    pub date: Option<String>,
}

impl OriginalMessage {
    /// `true` when no identifier was found.
    pub fn is_empty(&self) -> bool {
        self.message_id.is_none()
            && self.from.is_none()
            && self.to.is_none()
            && self.subject.is_none()
            && self.date.is_none()
    }
}

/// One recipient of a report, with what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BounceRecipient {
    /// The recipient address (final recipient), lower-cased domain kept as written.
    pub recipient: String,
    /// The original recipient, when the report names one that differs.
    pub original_recipient: Option<String>,
    /// What the reporting MTA did.
    pub action: Action,
    /// The enhanced status code; see [`status_source`](Self::status_source).
    pub status: Option<EnhancedCode>,
    /// Where [`status`](Self::status) came from.
    pub status_source: StatusSource,
    /// The SMTP reply code found in the diagnostic.
    pub reply_code: Option<ReplyCode>,
    /// The diagnostic text (the remote server's reply or the MTA's explanation), on one
    /// line.
    pub diagnostic: String,
    /// The diagnostic type (`smtp`, `X-Postfix`...) when the report states it.
    pub diagnostic_type: Option<String>,
    /// The SMTP command the diagnostic answered, when stated.
    pub command: Option<SmtpCommand>,
    /// The remote MTA that refused (host name or address).
    pub remote_mta: Option<String>,
    /// The MTA that wrote the report.
    pub reporting_mta: Option<String>,
    /// The format (MTA or service) the report was read as: `rfc3464`, `postfix`,
    /// `qmail`, `exim`, `office365`...
    pub format: &'static str,
    /// The report's `Date` header.
    pub report_date: Option<String>,
    /// `Arrival-Date` of a delivery-status report.
    pub arrival_date: Option<String>,
    /// `Last-Attempt-Date` of a delivery-status report.
    pub last_attempt_date: Option<String>,
    /// The ARF feedback type, for feedback reports.
    pub feedback_type: Option<String>,
    /// The bounced message's identifiers.
    pub original: OriginalMessage,
}

impl BounceRecipient {
    /// An empty record for `recipient` read by `format`.
    pub fn new(recipient: impl Into<String>, format: &'static str) -> BounceRecipient {
        BounceRecipient {
            recipient: recipient.into(),
            original_recipient: None,
            action: Action::Failed,
            status: None,
            status_source: StatusSource::None,
            reply_code: None,
            diagnostic: String::new(),
            diagnostic_type: None,
            command: None,
            remote_mta: None,
            reporting_mta: None,
            format,
            report_date: None,
            arrival_date: None,
            last_attempt_date: None,
            feedback_type: None,
            original: OriginalMessage::default(),
        }
    }

    /// `true` when the status (or else the reply code) says the failure is temporary.
    pub fn is_temporary(&self) -> bool {
        match (self.status, self.reply_code) {
            (Some(s), _) => s.class() == maildiag_types::Class::Transient,
            (None, Some(r)) => r.is_transient(),
            _ => self.action == Action::Delayed,
        }
    }
}

/// One email read as a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Bounce {
    /// What kind of report this is.
    pub kind: ReportKind,
    /// The format it was read as (`rfc3464`, `qmail`, `arf`, `rfc3834`...).
    pub format: &'static str,
    /// The report's `Subject`.
    pub subject: Option<String>,
    /// The report's `From` address.
    pub from: Option<String>,
    /// The report's `Date`.
    pub date: Option<String>,
    /// The ARF `Feedback-Type`, for feedback reports.
    pub feedback_type: Option<String>,
    /// The bounced (or reported) message's identifiers.
    pub original: OriginalMessage,
    /// One entry per recipient, in report order. Empty for ordinary emails.
    pub recipients: Vec<BounceRecipient>,
}

impl Bounce {
    /// `true` when this is a failure or delay report.
    pub fn is_bounce(&self) -> bool {
        self.kind == ReportKind::Failure
    }
}
