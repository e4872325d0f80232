//! What went wrong with a mail delivery, who must act, and when to retry.
//!
//! Give the classifier any piece of evidence — a bare SMTP reply, an MTA log line, a
//! DSN `Diagnostic-Code`, bounce prose — and it answers with a [`Diagnosis`]: severity
//! (overriding the codes where real servers contradict them), one of the 30 taxonomy
//! [`Category`] names, whether the address must be suppressed, the equivalent Sisimai
//! reason and PowerMTA/KumoMTA bounce class, the provider, who must act, when to retry,
//! concrete remedies, the DNS checks that would confirm the cause, and the evidence.
//!
//! The decision is layered and explainable: provider-specific catalogue entries, then
//! phrase rules, then the enhanced status code, then the basic reply code. All rules are
//! data in `maildiag-codes`, compiled into one automaton that reads the input once.
//!
//! ```
//! use maildiag::{Category, Party, classify};
//!
//! let d = classify(b"421 4.7.0 [TSS04] Messages from 192.0.2.8 temporarily deferred due to \
//!                    unexpected volume or user complaints");
//! assert_eq!(d.category, Category::BadReputation);
//! assert_eq!(d.provider, Some("yahoo"));
//! assert!(d.temporary);
//!
//! let d = classify(b"450 4.7.25 Client host rejected: cannot find your hostname, [203.0.113.9]");
//! assert_eq!(d.category, Category::PtrMissing);
//! assert_eq!(d.party, Party::SenderDns);
//! assert!(d.remedies.iter().any(|r| r.contains("203.0.113.9")));
//! ```
//!
//! For bulk work, [`Classifier::verdict`] returns the allocation-free [`Verdict`].
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize` for [`Diagnosis`] (the JSON contract of `maildiag explain --json`) |
//! | `logs` (default) | `classify_event` / `Classifier::verdict_event` for `maildiag-logs` events |
//! | `bounce` (default) | `classify_bounce` for `maildiag-bounce` recipients, with Sisimai's reason rules for bounces |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod classify;
mod concept;
mod diagnosis;
#[cfg(feature = "logs")]
mod event;
pub mod fuzz;
#[cfg(feature = "bounce")]
mod hosts;
#[cfg(feature = "logs")]
mod memo;
mod reason;
mod retry;
#[cfg(feature = "bounce")]
mod sources;
#[cfg(feature = "bounce")]
mod words;

pub use classify::{Classifier, Verdict, unfolded};
pub use diagnosis::{
    Diagnosis, DnsCheck, DnsCheckKind, DnsTarget, Evidence, Layer, Retry, human_duration,
};
pub use maildiag_types::{Category, EnhancedCode, Party, ReplyCode, Severity};
#[cfg(feature = "logs")]
pub use memo::VerdictMemo;
pub use retry::stated_delay;

/// Classifies any text with the default [`Classifier`].
pub fn classify(input: &[u8]) -> Diagnosis {
    Classifier::new().classify(input)
}

/// Classifies one MTA log event with the default [`Classifier`].
#[cfg(feature = "logs")]
pub fn classify_event(ev: &maildiag_logs::DeliveryEvent<'_>) -> Diagnosis {
    Classifier::new().classify_event(ev)
}

/// Classifies one recipient of a parsed bounce with the default [`Classifier`].
#[cfg(feature = "bounce")]
pub fn classify_bounce(r: &maildiag_bounce::BounceRecipient) -> Diagnosis {
    Classifier::new().classify_bounce(r)
}

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
