//! Findings: what a check concluded, in the vocabulary of the bounce classifier.

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// SPF evaluation and record lint.
    Spf,
    /// DMARC record discovery, validation and alignment.
    Dmarc,
    /// DKIM key records.
    Dkim,
    /// Reverse DNS and forward-confirmed reverse DNS.
    Ptr,
    /// MX records.
    Mx,
    /// DNS block and allow lists.
    Dnsbl,
    /// MTA-STS TXT record and policy.
    MtaSts,
    /// SMTP TLS reporting record.
    TlsRpt,
    /// BIMI record.
    Bimi,
}

impl CheckKind {
    /// The snake_case name (`spf`, `mta_sts`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckKind::Spf => "spf",
            CheckKind::Dmarc => "dmarc",
            CheckKind::Dkim => "dkim",
            CheckKind::Ptr => "ptr",
            CheckKind::Mx => "mx",
            CheckKind::Dnsbl => "dnsbl",
            CheckKind::MtaSts => "mta_sts",
            CheckKind::TlsRpt => "tls_rpt",
            CheckKind::Bimi => "bimi",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Checked and fine.
    Ok,
    /// Worth knowing; no action needed.
    Info,
    /// Likely to hurt deliverability somewhere; should be fixed.
    Warning,
    /// Broken: receivers will (or may at any time) refuse or defer mail because of it.
    Error,
}

impl Level {
    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One conclusion of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The check that produced it.
    pub check: CheckKind,
    /// How bad it is.
    pub level: Level,
    /// A stable dotted code such as `spf.too_many_lookups`; part of the public contract.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
    /// The DNS name involved, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The record text involved, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The taxonomy category a receiver's refusal caused by this would fall in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
}

impl Finding {
    /// A finding without name, record or category.
    pub fn new(check: CheckKind, level: Level, code: &str, message: impl Into<String>) -> Self {
        Finding {
            check,
            level,
            code: code.to_owned(),
            message: message.into(),
            name: None,
            record: None,
            category: None,
        }
    }

    /// Sets the DNS name involved.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the record involved.
    pub fn record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }

    /// Sets the category.
    pub fn category(mut self, category: Category) -> Self {
        self.category = Some(category);
        self
    }
}
