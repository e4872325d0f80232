//! The SMTP status-code and provider-reply knowledge base of maildiag.
//!
//! Everything here is static data compiled into the binary; every lookup is
//! allocation-free and returns `&'static` references.
//!
//! * [`enhanced`], [`subject`], [`class`] — the IANA *SMTP Enhanced Status Codes*
//!   registry (3 class, 8 subject and 81 enumerated codes) with our explanation of what
//!   each means for a sender and what to do.
//! * [`basic`] — every RFC 5321 basic reply code (plus the RFC 4954 and RFC 7504 ones).
//! * [`category`] — the 30-name failure taxonomy ([`Category`]) with severity, the party
//!   that must act, remedies, retry guidance and the Sisimai / PowerMTA / KumoMTA
//!   equivalents.
//! * [`providers`], [`provider`] — the catalogue of provider-specific replies (Gmail,
//!   Microsoft, Yahoo, Apple, Comcast, Mimecast, ... and MTA defaults), each with a
//!   source URL.
//! * [`matches()`](fn@matches) — one pass over a reply text that finds every provider entry, generic
//!   phrase rule and provider marker it contains.
//! * [`search`] — word search over titles and texts (for the CLI).
//! * [`sisimai_words`], [`sisimai_services`], [`sisimai_mta_texts`] — the wording, the
//!   receiving services' documented replies and the MTAs' fixed texts that decide
//!   Sisimai's bounce reasons.
//!
//! The tables are generated from the human-editable files in `crates/codes/data/` by
//! `cargo xtask codegen`; never edit `src/generated/` by hand.
//!
//! ```
//! use maildiag_codes::{Rule, matches};
//! use maildiag_types::{Category, EnhancedCode};
//!
//! let code: EnhancedCode = "5.1.1".parse()?;
//! let info = maildiag_codes::enhanced(code).ok_or("missing")?;
//! assert_eq!(info.title, "Bad destination mailbox address");
//! assert_eq!(info.category, Category::UserUnknown);
//!
//! assert_eq!(maildiag_codes::basic(421).map(|b| b.code), Some(421));
//! assert!(maildiag_codes::category(Category::Greylisted).retry.advised);
//!
//! let reply = b"421 4.7.0 [TSS04] Messages from 203.0.113.9 temporarily deferred";
//! let yahoo = matches(reply).find_map(|m| match m.rule {
//!     Rule::Provider(e) => Some(e),
//!     _ => None,
//! });
//! assert_eq!(yahoo.map(|e| e.provider), Some("yahoo"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! | feature | effect |
//! |---|---|
//! | `serde` | `Serialize` for every info struct (static data: no `Deserialize`) |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod generated;
mod literals;
mod matcher;
mod search;

pub use maildiag_types::{Category, Class, EnhancedCode, Party, Severity};
pub use matcher::{Match, Matches, Rule, matches};
pub use search::{Hit, search};

/// Which part of the IANA registry a [`CodeInfo`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CodeKind {
    /// A class sub-code: `2.XXX.YYY`, `4.XXX.YYY`, `5.XXX.YYY`.
    Class,
    /// A subject sub-code: `X.0.YYY` ... `X.7.YYY`.
    Subject,
    /// An enumerated code `X.s.d` (valid under every class).
    Enhanced,
}

impl CodeKind {
    /// The snake_case name (`class`, `subject`, `enhanced`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CodeKind::Class => "class",
            CodeKind::Subject => "subject",
            CodeKind::Enhanced => "enhanced",
        }
    }
}

/// One row of the IANA enhanced-status-code registry, with our explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct CodeInfo {
    /// The code as the registry writes it: `4.XXX.YYY`, `X.7.YYY` or `X.7.1`.
    pub code: &'static str,
    /// Which sub-registry the row belongs to.
    pub kind: CodeKind,
    /// The class digit, for class rows.
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser_class"))]
    pub class: Option<Class>,
    /// The subject number, for subject and enumerated rows.
    pub subject: Option<u16>,
    /// The detail number, for enumerated rows.
    pub detail: Option<u16>,
    /// The registry's title (sample text or summary).
    pub title: &'static str,
    /// The registry's associated basic status, exactly as listed (`"451, 550"`, `"Not given"`).
    pub basic: &'static str,
    /// The basic codes parsed from [`basic`](Self::basic) (empty when none are given).
    pub basic_codes: &'static [u16],
    /// The RFCs or drafts the registry cites (`"RFC7505; RFC7504"`).
    pub reference: &'static str,
    /// The taxonomy category this code usually signals.
    pub category: Category,
    /// What the code means for a sender (our words).
    pub description: &'static str,
    /// What to do about it (our words).
    pub action: &'static str,
    /// A note for when the code arrives with class 4 (transient), if it differs.
    pub transient_note: Option<&'static str>,
    /// A note for when the code arrives with class 5 (permanent), if it differs.
    pub permanent_note: Option<&'static str>,
}

impl CodeInfo {
    /// The note specific to `class`, if any.
    pub fn note_for(&self, class: Class) -> Option<&'static str> {
        match class {
            Class::Transient => self.transient_note,
            Class::Permanent => self.permanent_note,
            Class::Success => None,
        }
    }
}

#[cfg(feature = "serde")]
fn ser_class<S: serde::Serializer>(c: &Option<Class>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(&c.digit()),
        None => s.serialize_none(),
    }
}

/// An RFC 5321 (or RFC 4954 / RFC 7504) basic reply code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct BasicInfo {
    /// The three-digit code.
    pub code: u16,
    /// The RFC's short text for the code.
    pub title: &'static str,
    /// Positive (`Success`), `Transient` or `Permanent`.
    pub class: Severity,
    /// The category this code most often means when nothing else is known.
    pub category: Category,
    /// What the code means (our words).
    pub description: &'static str,
    /// Typical causes (our words).
    pub causes: &'static [&'static str],
    /// The RFC that defines it.
    pub reference: &'static str,
}

/// Whether and when to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RetryGuidance {
    /// `true` when retrying the same message can succeed.
    pub advised: bool,
    /// A sensible delay before the next attempt, in seconds, when one is known.
    pub after_s: Option<u32>,
}

/// What the knowledge base says about one taxonomy [`Category`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct CategoryInfo {
    /// The category.
    pub category: Category,
    /// What it means.
    pub description: &'static str,
    /// How final such a failure usually is.
    pub default_severity: Severity,
    /// Who usually has to act.
    pub party: Party,
    /// What to do, most useful first.
    pub remedies: &'static [&'static str],
    /// The default retry guidance.
    pub retry: RetryGuidance,
    /// The equivalent Sisimai reason names; the first is the primary one.
    pub sisimai_reasons: &'static [&'static str],
    /// The equivalent PowerMTA / KumoMTA bounce class (`InvalidRecipient`, `SpamBlock`...).
    pub bounce_class: &'static str,
    /// Whether a permanent failure of this category should suppress the address.
    pub hard_bounce: bool,
    /// How to read the category when the refused address is the envelope sender's
    /// (`Sender address rejected: Domain not found`, status X.1.7 / X.1.8), for the
    /// address categories; `None` for the others.
    pub sender: Option<SenderSide>,
}

/// An address category read as a problem of the envelope sender's address: who acts
/// and what to do differ, and the recipient's address must not be suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SenderSide {
    /// What it means for the sender's address.
    pub description: &'static str,
    /// Who has to act.
    pub party: Party,
    /// What to do, most useful first.
    pub remedies: &'static [&'static str],
    /// The PowerMTA / KumoMTA bounce class (`InvalidSender`).
    pub bounce_class: &'static str,
}

/// How a catalogue pattern is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MatchKind {
    /// A case-insensitive substring.
    Literal,
    /// A provider reason code (`[TSS04]`, `BL000001`, `RP-001`), matched as a whole word.
    Code,
    /// A template whose placeholders (`%s`, `$name`, `ip-address`...) match anything.
    Template,
    /// A regular expression, found through a literal anchor.
    Regex,
}

/// A receiving provider or MTA known to the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ProviderInfo {
    /// The stable slug (`gmail`, `microsoft`, `yahoo`...).
    pub id: &'static str,
    /// The display name.
    pub name: &'static str,
    /// A documentation or postmaster page.
    pub url: &'static str,
    /// Host names and words that identify the provider inside a reply.
    pub markers: &'static [&'static str],
    /// MTA or filter software (Postfix, Exim, postgrey...), not a receiving service: its
    /// name in a log line says who wrote the line, not who answered.
    pub software: bool,
    /// The provider's catalogue entries.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub entries: &'static [ProviderEntry],
}

/// One known provider reply, reason code or template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ProviderEntry {
    /// The provider's id (see [`provider`]).
    pub provider: &'static str,
    /// How [`pattern`](Self::pattern) is matched.
    pub kind: MatchKind,
    /// What is matched (case-insensitively).
    pub pattern: &'static str,
    /// The full published text when it is longer than the pattern.
    pub text: Option<&'static str>,
    /// The basic code as the source gives it (`"550"`, `"450/550"`).
    pub basic: Option<&'static str>,
    /// The first basic code of [`basic`](Self::basic).
    pub basic_code: Option<u16>,
    /// The enhanced code as the source gives it (`"5.7.1"`, `"4.7.500-699"`, `"4.1.2 / 5.1.2"`).
    pub enhanced_text: Option<&'static str>,
    /// The first enhanced code of [`enhanced_text`](Self::enhanced_text).
    pub enhanced: Option<EnhancedCode>,
    /// The taxonomy category.
    pub category: Category,
    /// A finer snake_case detail (`postgrey`, `tss04`, `per_recipient`).
    pub detail: Option<&'static str>,
    /// Whether the failure is really temporary (the provider's word wins over the code).
    pub temporary: bool,
    /// What it means (our words).
    pub meaning: &'static str,
    /// What to do (our words).
    pub remedy: &'static str,
    /// When to retry.
    pub retry: RetryGuidance,
    /// Where the text or code was published.
    pub source: &'static str,
    /// The letters and digits of [`pattern`](Self::pattern) outside its placeholders: how
    /// much fixed text a match proves (computed by codegen).
    pub fixed_len: usize,
    /// `true` when the wording is an MTA's default text that many servers send (Postfix's
    /// `Client host [IP] blocked using ...`): it tells what happened, but names the
    /// provider only together with one of the provider's markers.
    pub shared: bool,
}

impl ProviderEntry {
    /// The provider this entry belongs to.
    pub fn provider_info(&self) -> Option<&'static ProviderInfo> {
        provider(self.provider)
    }

    /// Whether the entry's basic code text names `code` (alternatives like `450/550`
    /// included).
    pub fn covers_basic(&self, code: u16) -> bool {
        // Fast path: a single code, already parsed by codegen.
        match (self.basic, self.basic_code) {
            (Some(b), Some(first)) if !b.contains(['/', ',', ' ']) => first == code,
            (Some(b), _) => codes_in(b).any(|c| c.parse::<u16>().ok() == Some(code)),
            (None, _) => false,
        }
    }

    /// Whether the entry's enhanced code text covers `code`, including ranges such as
    /// `4.7.500-699` and alternatives such as `4.1.2 / 5.1.2`.
    pub fn covers_enhanced(&self, code: EnhancedCode) -> bool {
        // Fast path: a single code, already parsed by codegen.
        match (self.enhanced_text, self.enhanced) {
            (Some(t), Some(first)) if !t.contains(['/', ',', ' ', '-']) => first == code,
            (Some(t), _) => codes_in(t).any(|c| enhanced_covers(c, code)),
            (None, _) => false,
        }
    }
}

/// Splits `450/550`, `4.1.2 / 5.1.2`, `451, 550` into their parts.
fn codes_in(t: &str) -> impl Iterator<Item = &str> {
    t.split(['/', ',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `4.7.500-699` covers `4.7.650`; `5.7.1` covers `5.7.1`.
fn enhanced_covers(pat: &str, code: EnhancedCode) -> bool {
    let (base, hi) = match pat.split_once('-') {
        Some((b, h)) => (b, h.parse::<u16>().ok()),
        None => (pat, None),
    };
    let Ok(lo) = base.parse::<EnhancedCode>() else {
        return false;
    };
    if lo.class() != code.class() || lo.subject() != code.subject() {
        return false;
    }
    match hi {
        Some(hi) => (lo.detail()..=hi).contains(&code.detail()),
        None => lo.detail() == code.detail(),
    }
}

/// A generic phrase rule, not tied to a provider ("user unknown", "greylist"...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct PhraseRule {
    /// How [`pattern`](Self::pattern) is matched.
    pub kind: MatchKind,
    /// The phrase (case-insensitive).
    pub pattern: &'static str,
    /// The category the phrase signals.
    pub category: Category,
    /// A finer snake_case detail.
    pub detail: Option<&'static str>,
    /// `Some(true)` when the phrase means a temporary failure whatever the code says,
    /// `Some(false)` when it means a final one.
    pub temporary: Option<bool>,
    /// Retry guidance specific to the phrase, overriding the category's.
    pub retry: Option<RetryGuidance>,
    /// How much more (or, negative, less) than its length the phrase counts when phrases
    /// compete: generic wording (`refused`, `spam`) weighs less than a named cause.
    pub weight: i8,
    /// The letters and digits of [`pattern`](Self::pattern), in any script: its strength
    /// when phrases compete, before [`weight`](Self::weight) (counted once, at codegen).
    pub letters: u16,
    /// `true` when the phrase says the refused address is the envelope sender's
    /// (`Sender address rejected`, `Sender verify failed`), not the recipient's.
    pub about_sender: bool,
    /// What to do when this phrase decides, before the category's remedies.
    pub remedy: Option<&'static str>,
    /// Who must act when this phrase decides, where it is not the category's usual party
    /// (a blocklist lookup that failed on the receiver's side is a DNS failure that the
    /// receiving postmaster must fix).
    pub party: Option<Party>,
}

/// The IANA entry for the enumerated code `X.s.d` of `code` (the class is ignored: the
/// registry lists each code once for every class; see [`CodeInfo::note_for`]).
pub fn enhanced(code: EnhancedCode) -> Option<&'static CodeInfo> {
    let key = (code.subject(), code.detail());
    let table = &generated::iana::ENHANCED;
    table
        .binary_search_by(|c| (c.subject.unwrap_or(0), c.detail.unwrap_or(0)).cmp(&key))
        .ok()
        .map(|i| &table[i])
}

/// The IANA subject entry `X.s.YYY` for `subject` (0–7).
pub fn subject(subject: u16) -> Option<&'static CodeInfo> {
    generated::iana::SUBJECTS.get(usize::from(subject))
}

/// The IANA class entry (`2.XXX.YYY`, `4.XXX.YYY`, `5.XXX.YYY`).
pub fn class(class: Class) -> &'static CodeInfo {
    let t = &generated::iana::CLASSES;
    match class {
        Class::Success => &t[0],
        Class::Transient => &t[1],
        Class::Permanent => &t[2],
    }
}

/// Every class entry, then every subject entry, then every enumerated entry.
pub fn iana() -> impl Iterator<Item = &'static CodeInfo> {
    generated::iana::CLASSES
        .iter()
        .chain(generated::iana::SUBJECTS.iter())
        .chain(generated::iana::ENHANCED.iter())
}

/// The basic reply code `code`, if it is one the RFCs define.
pub fn basic(code: u16) -> Option<&'static BasicInfo> {
    let t = &generated::basic::BASIC;
    t.binary_search_by(|b| b.code.cmp(&code))
        .ok()
        .map(|i| &t[i])
}

/// Every known basic reply code, in ascending order.
pub fn basics() -> &'static [BasicInfo] {
    &generated::basic::BASIC
}

/// What the knowledge base says about a category.
pub fn category(c: Category) -> &'static CategoryInfo {
    // The generated table is in `Category::ALL` order (checked by codegen and a test).
    &generated::categories::CATEGORIES[c as usize]
}

/// Every category, in `Category::ALL` order.
pub fn categories() -> &'static [CategoryInfo] {
    &generated::categories::CATEGORIES
}

/// Every provider, sorted by id.
pub fn providers() -> &'static [ProviderInfo] {
    &generated::providers::PROVIDERS
}

/// The provider with slug `id`.
pub fn provider(id: &str) -> Option<&'static ProviderInfo> {
    let t = &generated::providers::PROVIDERS;
    t.binary_search_by(|p| p.id.cmp(id)).ok().map(|i| &t[i])
}

/// Every provider entry, provider by provider.
pub fn provider_entries() -> impl Iterator<Item = &'static ProviderEntry> {
    providers().iter().flat_map(|p| p.entries.iter())
}

/// Every provider entry whose enhanced code covers `code` (ranges included).
pub fn entries_for_enhanced(code: EnhancedCode) -> impl Iterator<Item = &'static ProviderEntry> {
    provider_entries().filter(move |e| e.covers_enhanced(code))
}

/// Every provider entry whose basic code is `code`.
pub fn entries_for_basic(code: u16) -> impl Iterator<Item = &'static ProviderEntry> {
    provider_entries().filter(move |e| e.covers_basic(code))
}

/// Every generic phrase rule.
pub fn phrases() -> &'static [PhraseRule] {
    &generated::phrases::PHRASES
}

/// A concept pair (from `data/concepts.toml`): the classifier's fallback for wording that
/// no catalogue entry or phrase rule knows. The category applies when a word of `what`
/// (what the reply is about: user, mailbox, domain...) and a word of `state` (what it says
/// of it: unknown, full, does not exist...) stand at most `gap` bytes apart in one sentence.
/// Words are lower case and match ASCII-case-insensitively at the start of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Concept {
    /// The category the pair names.
    pub category: Category,
    /// Words for what the reply is about.
    pub what: &'static [&'static str],
    /// Words for what it says of it.
    pub state: &'static [&'static str],
    /// At most this many bytes between the two words.
    pub gap: u8,
}

/// Every concept pair, in the order that breaks ties.
///
/// ```
/// use maildiag_codes::Category;
/// let c = maildiag_codes::concepts();
/// let unknown = c.iter().find(|c| c.category == Category::UserUnknown).ok_or("missing")?;
/// assert!(unknown.what.contains(&"recipient") && unknown.state.contains(&"not found"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn concepts() -> &'static [Concept] {
    &generated::concepts::CONCEPTS
}

/// The wording that tells one of Sisimai's reasons from the others: phrases seen in
/// real replies, and ordered fragment pairs (from `data/sisimai_words.toml`). Matching is
/// ASCII-case-insensitive on substrings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SisimaiWords {
    /// The reason, one of [`SISIMAI_REASONS`].
    pub reason: &'static str,
    /// Any of these anywhere in a reply says the reason.
    pub any: &'static [&'static str],
    /// All fragments of one of these, each after the end of the one before, say it too.
    pub pairs: &'static [&'static [&'static str]],
}

/// The per-reason wording, in the order reasons are reported when several match.
///
/// ```
/// let words = maildiag_codes::sisimai_words();
/// let full = words.iter().find(|w| w.reason == "mailboxfull").ok_or("missing")?;
/// assert!(full.any.iter().any(|p| p.contains("quota")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sisimai_words() -> &'static [SisimaiWords] {
    &generated::sisimai_words::SISIMAI_WORDS
}

/// When a [`SisimaiRule`] applies beyond its phrases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum SisimaiCondition {
    /// Always.
    Any,
    /// The reply code is this one.
    Reply(u16),
    /// The status has this subject and a detail in `first..=last`, and this class when
    /// one is given.
    Status {
        /// The class digit, or `None` for any class.
        class: Option<u8>,
        /// The subject.
        subject: u16,
        /// The lowest detail.
        first: u16,
        /// The highest detail.
        last: u16,
    },
    /// Status and reply code (when known) are both permanent.
    Permanent,
    /// Neither the status nor the reply code is permanent.
    NotPermanent,
}

/// One rule of a service's documented replies or an MTA's fixed texts: any of the
/// phrases, under the condition, stands for the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SisimaiRule {
    /// The reason, one of [`SISIMAI_REASONS`].
    pub reason: &'static str,
    /// When the rule applies.
    pub when: SisimaiCondition,
    /// ASCII-case-insensitive substrings; the empty phrase matches any text.
    pub phrases: &'static [&'static str],
}

/// A receiving service, recognised by host-name suffix, with its documented replies
/// (from `data/sisimai_hosts.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SisimaiService {
    /// Who it is.
    pub name: &'static str,
    /// Host-name suffixes of its MX or reporting hosts (a leading dot: a label boundary).
    pub hosts: &'static [&'static str],
    /// The name of the reader that decodes the service's own codes in its replies, asked
    /// before the rules.
    pub code_reader: Option<&'static str>,
    /// Its replies, the first that holds wins.
    pub rules: &'static [SisimaiRule],
}

/// The fixed texts one bounce-writing MTA puts in its bounces (by maildiag's format name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SisimaiMta {
    /// The bounce format name (as `maildiag-bounce` reports it).
    pub format: &'static str,
    /// Its texts, the first that holds wins.
    pub rules: &'static [SisimaiRule],
}

/// Every receiving service with documented replies, in the order they are tried.
///
/// ```
/// let m365 = maildiag_codes::sisimai_services()
///     .iter()
///     .find(|s| s.hosts.contains(&".protection.outlook.com"))
///     .ok_or("missing")?;
/// assert!(m365.rules.iter().any(|r| r.reason == "userunknown"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sisimai_services() -> &'static [SisimaiService] {
    &generated::sisimai_hosts::SERVICES
}

/// Every bounce-writing MTA's fixed texts.
pub fn sisimai_mta_texts() -> &'static [SisimaiMta] {
    &generated::sisimai_hosts::MTAS
}

/// Case-insensitive ASCII substring test without allocating.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Builds an enhanced code in a `static` initializer (generated code only).
pub(crate) const fn ec(class: u8, subject: u16, detail: u16) -> EnhancedCode {
    let class = match Class::from_digit(class) {
        Some(c) => c,
        None => panic!("invalid class in generated table"),
    };
    match EnhancedCode::new(class, subject, detail) {
        Some(c) => c,
        None => panic!("invalid enhanced code in generated table"),
    }
}

/// This crate's README examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Every reason name Sisimai (4.x and 5.x) reports, the vocabulary of
/// [`CategoryInfo::sisimai_reasons`] and of the classifier's `sisimai_reason`.
pub const SISIMAI_REASONS: &[&str] = &[
    "authfailure",
    "badreputation",
    "blocked",
    "contenterror",
    "delivered",
    "exceedlimit",
    "expired",
    "failedstarttls",
    "filtered",
    "hasmoved",
    "hostunknown",
    "mailboxfull",
    "mailererror",
    "mesgtoobig",
    "networkerror",
    "norelaying",
    "notaccept",
    "notcompliantrfc",
    "onhold",
    "policyviolation",
    "rejected",
    "requireptr",
    "securityerror",
    "spamdetected",
    "speeding",
    "suppressed",
    "suspend",
    "syntaxerror",
    "systemerror",
    "systemfull",
    "toomanyconn",
    "undefined",
    "userunknown",
    "vacation",
    "virusdetected",
    "emailtoolarge",
    "feedback",
    "greylisted",
    "ratelimited",
];
