//! The layered decision: provider entries, then phrase rules, then the enhanced code,
//! then the basic code; severity from the codes, overridden by stronger evidence.

use std::borrow::Cow;
use std::net::IpAddr;

use maildiag_codes::{
    self as codes, Concept, MatchKind, PhraseRule, ProviderEntry, ProviderInfo, Rule,
};
use maildiag_reply::{Extracted, SmtpCommand, extract_best};
use maildiag_types::{Category, Class, EnhancedCode, Party, ReplyCode, Severity};

use crate::diagnosis::{
    Diagnosis, DnsCheck, DnsCheckKind, DnsTarget, Evidence, Layer, Retry, human_duration,
};
use crate::retry::stated_delay;

/// Typical queue lifetime of an MTA (Postfix `maximal_queue_lifetime`): 5 days.
const QUEUE_LIFETIME_S: u32 = 5 * 86_400;
/// How far before a reply provider markers are looked for (the relay host name).
const MARKER_LOOKBACK: usize = 256;

/// The compact, allocation-free verdict: everything but the prose and evidence lists.
///
/// [`Classifier::verdict`] returns it at full speed for bulk work (log scans);
/// [`Classifier::classify`] expands it into a [`Diagnosis`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Verdict {
    /// The basic reply code found.
    pub basic: Option<ReplyCode>,
    /// The enhanced status code found.
    pub enhanced: Option<EnhancedCode>,
    /// The command the reply answered.
    pub command: Option<SmtpCommand>,
    /// How final the failure is.
    pub severity: Severity,
    /// The taxonomy category.
    pub category: Category,
    /// The finer detail.
    pub detail: Option<&'static str>,
    /// Whether the address must be suppressed.
    pub hard_bounce: bool,
    /// The provider recognised.
    pub provider: Option<&'static ProviderInfo>,
    /// The stated or advised delay before retrying, in seconds.
    pub retry_after_s: Option<u32>,
    /// How sure the classifier is, 0.0 to 1.0.
    pub confidence: f32,
    /// `true` when the refused address is the envelope sender's, not the recipient's
    /// (`Sender address rejected: Domain not found`, status X.1.7 / X.1.8), for the
    /// address categories that have a sender reading in the knowledge base.
    pub about_sender: bool,
    /// The winning catalogue entry, if any.
    entry: Option<(&'static ProviderEntry, (usize, usize))>,
    /// The winning phrase rule, if any.
    phrase: Option<(&'static PhraseRule, (usize, usize))>,
    /// The concept pair that decided the category, if any.
    concept: Option<ConceptHit>,
    /// What the record around the reply (a log line's outcome, a report's action) said
    /// when it revised the verdict: the field as written, and what it means.
    pub(crate) record: Option<(&'static str, &'static str)>,
    /// The phrase that overrode the severity, if any.
    severity_phrase: Option<(&'static PhraseRule, (usize, usize))>,
    /// The marker that named the provider, if any.
    marker: Option<(&'static ProviderInfo, (usize, usize))>,
    /// A delay the reply text states, in seconds, and where (relative to the reply text,
    /// or to the input when there is no reply); computed once, for transient verdicts.
    pub(crate) stated_delay: Option<(u32, (usize, usize))>,
    /// The reply text's span in the input.
    text_span: Option<(usize, usize)>,
    /// The layer that decided the category.
    decided_by: Layer,
    /// Whether the rule spans index the input (not a merged reply text).
    spans_in_input: bool,
}

impl Verdict {
    /// `true` when a retry of the same message may succeed.
    pub fn temporary(&self) -> bool {
        self.severity == Severity::Transient
    }

    /// Derives `hard_bounce` from the severity and category, and keeps `about_sender`
    /// only for a category that has a sender reading; called again wherever the severity
    /// or category is revised (a log event's outcome, a report's action).
    pub(crate) fn settle(&mut self) {
        let info = codes::category(self.category);
        self.about_sender &= info.sender.is_some();
        self.hard_bounce =
            self.severity == Severity::Permanent && info.hard_bounce && !self.about_sender;
    }
}

/// Classifies delivery evidence. Cheap to create (the rule automaton is built once per
/// process and shared); `Send + Sync`, so one instance can serve every thread.
///
/// ```
/// use maildiag::{Category, Classifier, Severity};
///
/// let c = Classifier::new();
/// let d = c.classify(b"450 4.7.1 <u@example.com>: Recipient address rejected: Greylisted for 5 minutes");
/// assert_eq!(d.category, Category::Greylisted);
/// assert_eq!(d.severity, Severity::Transient);
/// assert_eq!(d.retry.after_s, Some(300));
///
/// let d = c.classify(b"550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table");
/// assert_eq!(d.category, Category::UserUnknown);
/// assert!(d.hard_bounce && !d.temporary);
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Classifier {}

impl Classifier {
    /// A classifier with the built-in knowledge base.
    pub fn new() -> Classifier {
        Classifier {}
    }

    /// Classifies any text: a bare reply, a log line, a Diagnostic-Code, bounce prose.
    pub fn classify(&self, input: &[u8]) -> Diagnosis {
        let input = unfolded(input);
        let input = &input[..];
        let reply = extract_best(input);
        let v = self.verdict_with(input, reply.as_ref());
        self.expand(input, reply.as_ref(), &v)
    }

    /// The compact verdict for any text, without building prose or evidence lists.
    pub fn verdict(&self, input: &[u8]) -> Verdict {
        let input = unfolded(input);
        let input = &input[..];
        let reply = extract_best(input);
        self.verdict_with(input, reply.as_ref())
    }

    /// Classifies an already extracted reply; `context` is the text it was found in (its
    /// span indexes into it), used for provider markers and failures without a reply.
    pub fn classify_extracted(&self, context: &[u8], reply: Option<&Extracted<'_>>) -> Diagnosis {
        let v = self.verdict_with(context, reply);
        self.expand(context, reply, &v)
    }

    /// Classifies a complete SMTP reply.
    pub fn classify_reply(&self, reply: &maildiag_reply::Reply<'_>) -> Diagnosis {
        let text = reply.text();
        let ex = Extracted {
            span: 0..text.len(),
            code: Some(reply.code),
            enhanced: reply.enhanced,
            text: Cow::Borrowed(&text),
            command: None,
            host: None,
        };
        self.classify_extracted(&text, Some(&ex))
    }

    /// The verdict for `input`, with `reply` the reply found in it (if any). A line of a
    /// known MTA log (Postfix, Exim, Sendmail, ...; feature `logs`) also gets the outcome
    /// the log states: a deferral is temporary, a delivery a success, an expiry final,
    /// whatever the reply's own code says.
    pub fn verdict_with(&self, input: &[u8], reply: Option<&Extracted<'_>>) -> Verdict {
        #[allow(unused_mut)]
        let mut v = decide(input, reply);
        #[cfg(feature = "logs")]
        crate::event::apply_line_outcome(&mut v, input, reply);
        v
    }

    /// Builds the full diagnosis from a verdict.
    pub fn expand(&self, input: &[u8], reply: Option<&Extracted<'_>>, v: &Verdict) -> Diagnosis {
        expand(input, reply, v)
    }
}

/// How strongly a provider entry matches: the fixed characters it matched, a bonus for
/// reason codes and long literal texts, whether its codes agree with the reply's, and
/// whether a marker names the same provider. A short generic text (`Try again later`)
/// attributed to a provider without a marker counts less than a phrase: it says nothing
/// of that provider's meaning. An entry whose enhanced code names another subject than
/// the reply's (`5.4.1` vs `5.7.1`) describes another reply.
fn entry_score(
    e: &ProviderEntry,
    basic: Option<ReplyCode>,
    enhanced: Option<EnhancedCode>,
    continuation: i32,
    corroborated: bool,
) -> i32 {
    let fixed = e.fixed_len as i32;
    let generic = e.kind != MatchKind::Code && fixed < 24 && continuation < 3;
    let mut score = match e.kind {
        MatchKind::Code => 60 + fixed,
        MatchKind::Literal if fixed >= 24 => 20 + fixed,
        _ => fixed,
    } + continuation;
    if let (Some(b), Some(_)) = (basic, e.basic) {
        score += if e.covers_basic(b.get()) { 8 } else { -8 };
    }
    if let (Some(x), Some(ee)) = (enhanced, e.enhanced) {
        score += if e.covers_enhanced(x) {
            8
        } else if ee.subject() != x.subject() {
            // Another subject is another reply: never this entry.
            return i32::MIN / 2;
        } else {
            -8
        };
    }
    if corroborated {
        score += 15;
    } else if generic {
        // Known wording, unknown sender: as strong as a phrase of the same length.
        score = score.min(fixed);
    }
    score
}

/// How many letters of a reply may stand outside a generic catalogue text that claims to
/// be the whole reply (a greeting, a host name, an id).
const GENERIC_ENTRY_SLACK: usize = 8;

/// The letters of `text` (a range of `hay`) outside `span`.
fn words_outside(hay: &[u8], text: std::ops::Range<usize>, span: (usize, usize)) -> usize {
    let letters = |r: std::ops::Range<usize>| {
        hay.get(r)
            .map_or(0, |b| b.iter().filter(|c| c.is_ascii_alphabetic()).count())
    };
    letters(text.start..span.0.max(text.start)) + letters(span.1.min(text.end)..text.end)
}

/// Whether an entry only says what its wording means, not who sent it: a short text
/// (`Too many recipients`) that several MTAs publish, or an MTA's default wording a
/// provider also uses (`ProviderEntry::shared`), with no marker naming its provider.
fn anonymous(e: &ProviderEntry, marker: Option<(&'static ProviderInfo, (usize, usize))>) -> bool {
    e.kind != MatchKind::Code
        && (e.fixed_len < 24 || e.shared)
        && marker.is_none_or(|(m, _)| m.id != e.provider)
}

/// Several published replies share their first sentence (the entry's anchor) and differ
/// after it (`Email relay denied <ip>. Invalid credentials...` vs `... suspended due to
/// abuse`). The entry whose full published text continues the way the input does wins:
/// one point per word of four or more letters of the rest of its text found after the
/// anchor, at most 40. Also returns how many of those words the input lacks, which
/// breaks ties (`..., try again` against `Host not found`).
fn continuation_bonus(e: &ProviderEntry, input: &[u8], anchor_end: usize) -> (i32, i32) {
    let Some(full) = e.text else { return (0, 0) };
    let Some(rest) = full.get(e.pattern.len()..) else {
        return (0, 0);
    };
    if rest.len() < 8 || anchor_end >= input.len() {
        return (0, 0);
    }
    let after = &input[anchor_end..];
    let (mut found, mut missing) = (0, 0);
    for word in rest
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 4)
        .take(40)
    {
        if contains_ci(after, word.as_bytes()) {
            found += 1;
        } else {
            missing += 1;
        }
    }
    (found, missing)
}

/// ASCII-case-insensitive substring test, anchored with memchr2 on the first byte's two
/// cases.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), hay).any(|i| {
        hay.get(i + 1..i + 1 + rest.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
    })
}

/// The text as the classifier reads it: the input itself, except a qmail-send delivery
/// record (`delivery 12: failure: 192.0.2.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_No_such_user/`),
/// whose spaces and line breaks qmail wrote as `_` and `/` are put back after the status
/// word. Byte for byte the same length, so spans index the original as well.
/// Likewise, a reply pasted from a quoted email loses the `>` marks that start its lines,
/// and a reply that a W3C-format log (IIS SMTP, Exchange 2003 and others) wrote as one
/// field with `+` for each space (`550+5.7.1+Unable+to+relay`) gets its spaces back.
/// [`Classifier::classify`] and [`Classifier::verdict`] apply it; callers that extract
/// the reply themselves (for [`Classifier::classify_extracted`]) apply it first.
///
/// ```
/// let line = b"delivery 3: failure: Remote_host_said:_550_5.1.1_No_such_user/";
/// assert_eq!(&maildiag::unfolded(line)[..], &b"delivery 3: failure: Remote host said: 550 5.1.1 No such user "[..]);
/// assert_eq!(&maildiag::unfolded(b"550 5.1.1 user_name unknown")[..], &b"550 5.1.1 user_name unknown"[..]);
/// let iis = b"OutboundConnectionResponse SMTPSVC1 - 550+5.7.1+Unable+to+relay 0 0";
/// assert_eq!(&maildiag::unfolded(iis)[..], &b"OutboundConnectionResponse SMTPSVC1 - 550 5.7.1 Unable to relay 0 0"[..]);
/// assert_eq!(&maildiag::unfolded(b"550 5.1.1 <a+b@example.com> unknown")[..], &b"550 5.1.1 <a+b@example.com> unknown"[..]);
/// let quoted = b"> said: 550 sorry, no mailbox\n> here by that name";
/// assert_eq!(&maildiag::unfolded(quoted)[..], &b"  said: 550 sorry, no mailbox\n  here by that name"[..]);
/// let transcript = b">>> DATA\n<<< 554 5.7.1 rejected\n>>> QUIT";
/// assert_eq!(&maildiag::unfolded(transcript)[..], &transcript[..]);
/// ```
pub fn unfolded(input: &[u8]) -> Cow<'_, [u8]> {
    let mut text = qmail_unfolded(input).map_or(Cow::Borrowed(input), Cow::Owned);
    plus_unjoined(&mut text);
    unquoted(&mut text);
    text
}

/// See [`unfolded`]: a reply pasted from a quoted email (`> Remote host said: 550 sorry,
/// your recipient address is\n> not in my local list`) has the `>` marks that start its
/// lines made spaces, so that a wrapped sentence reads on. Only when two or more lines
/// start with `>` and none starts like an SMTP transcript (`>>> RCPT TO:<...>`).
fn unquoted(text: &mut Cow<'_, [u8]>) {
    let at: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text).map(|i| i + 1))
        .filter(|&i| text.get(i) == Some(&b'>'))
        .collect();
    if at.len() < 2 || at.iter().any(|&i| text[i..].starts_with(b">>> ")) {
        return;
    }
    let t = text.to_mut();
    for i in at {
        for c in t[i..].iter_mut().take_while(|c| matches!(c, b'>' | b' ')) {
            *c = b' ';
        }
    }
}

/// See [`unfolded`]: puts back the spaces of every blank-delimited field that starts with a
/// reply code and a `+` (`421+4.4.2+Connection+dropped`), in place (same length).
fn plus_unjoined(text: &mut Cow<'_, [u8]>) {
    let field_start = |t: &[u8], i: usize| {
        let code = t.get(i..i + 4).is_some_and(|w| {
            matches!(w[0], b'2'..=b'5') && w[1..3].iter().all(u8::is_ascii_digit) && w[3] == b'+'
        });
        let after_blank =
            i == 0 || t[i - 1].is_ascii_whitespace() || matches!(t[i - 1], b'"' | b'\'' | b'(');
        code && after_blank
            && t.get(i + 4)
                .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'+')
    };
    // Each `+` that ends a code: one memchr pass, nothing copied for any other text.
    let starts: Vec<usize> = memchr::memchr_iter(b'+', text)
        .filter_map(|p| p.checked_sub(3))
        .filter(|&i| field_start(text, i))
        .collect();
    if starts.is_empty() {
        return;
    }
    let t = text.to_mut();
    for i in starts {
        for c in t[i..].iter_mut().take_while(|c| !c.is_ascii_whitespace()) {
            if *c == b'+' {
                *c = b' ';
            }
        }
    }
}

/// See [`unfolded`]; `None` for any text that is no qmail delivery record.
fn qmail_unfolded(input: &[u8]) -> Option<Vec<u8>> {
    // Built once: `verdict` calls this for every input.
    static DELIVERY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"delivery "));
    let at = DELIVERY.find_iter(input).find_map(|i| {
        let rest = &input[i + 9..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let rest = rest.get(digits..)?.strip_prefix(b": ")?;
        let word = [&b"failure: "[..], b"deferral: ", b"success: "]
            .into_iter()
            .find(|w| rest.starts_with(w))?;
        (digits > 0).then(|| input.len() - rest.len() + word.len())
    })?;
    let tail = &input[at..];
    if !tail.contains(&b'_') {
        return None;
    }
    let mut out = input.to_vec();
    for c in &mut out[at..] {
        if *c == b'_' || *c == b'/' {
            *c = b' ';
        }
    }
    Some(out)
}

/// A text with its blank runs collapsed, and where bytes were dropped: `cuts` holds, for
/// each run that lost bytes, the position in `text` after which they were dropped and the
/// number dropped so far (ascending), so that a position maps back to the source text.
struct Collapsed {
    text: Vec<u8>,
    cuts: Vec<(usize, usize)>,
}

impl Collapsed {
    /// The source position of the collapsed span `(start, end)`.
    fn source_span(&self, (start, end): (usize, usize)) -> (usize, usize) {
        // Bytes dropped at or before `at` (`inclusive`) or strictly before it: a span's start
        // moves past a run dropped right before it, its end does not take the run in.
        let dropped = |at: usize, inclusive: bool| {
            let n = self
                .cuts
                .partition_point(|&(p, _)| if inclusive { p <= at } else { p < at });
            n.checked_sub(1).map_or(0, |i| self.cuts[i].1)
        };
        (start + dropped(start, true), end + dropped(end, false))
    }
}

/// `text` with every run of blanks (spaces, tabs, line breaks) made one space, and every
/// typographic apostrophe (`’`, `‘`, which web pages put in pasted replies: `doesn’t
/// exist`) made `'`, when it has a run of two or more blanks, a tab, a line break or such
/// an apostrophe; `None` when it has none (the common case: no copy). A line break inside
/// a text is a pasted wrap (`Connection timed\nout`).
fn collapse_blank_runs(text: &[u8]) -> Option<Collapsed> {
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    // U+2018 and U+2019 in UTF-8.
    let apostrophe =
        |t: &[u8], i: usize| matches!(t.get(i..i + 3), Some([0xE2, 0x80, 0x98 | 0x99]));
    // A tab or line break, or a space followed by a space or carriage return: vector
    // searches that stop only at a hit (a search for the spaces themselves stopped at
    // every word; ` \r` is looked for only when there is a carriage return).
    static TWO_SPACES: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));
    let has_run = memchr::memchr2(b'\t', b'\n', text).is_some()
        || TWO_SPACES.find(text).is_some()
        || memchr::memchr(b'\r', text).is_some() && memchr::memmem::find(text, b" \r").is_some();
    let has_apostrophe = || memchr::memchr_iter(0xE2, text).any(|i| apostrophe(text, i));
    if !has_run && !has_apostrophe() {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut dropped = 0;
    let mut i = 0;
    while let Some(&c) = text.get(i) {
        let lost = if c == 0xE2 && apostrophe(text, i) {
            out.push(b'\'');
            i += 3;
            2
        } else if !blank(c) {
            out.push(c);
            i += 1;
            0
        } else if out.last() != Some(&b' ') {
            out.push(b' ');
            i += 1;
            0
        } else {
            i += 1;
            1
        };
        if lost > 0 {
            dropped += lost;
            match cuts.last_mut() {
                Some(last) if last.0 == out.len() => last.1 = dropped,
                _ => cuts.push((out.len(), dropped)),
            }
        }
    }
    Some(Collapsed { text: out, cuts })
}

/// Where `sub` starts inside `whole`, when it is a slice of it.
fn offset_in(whole: &[u8], sub: &[u8]) -> Option<usize> {
    let (w, p) = (whole.as_ptr() as usize, sub.as_ptr() as usize);
    (p >= w && p + sub.len() <= w + whole.len()).then(|| p - w)
}

/// How strongly a phrase decides the category: its fixed characters plus the data's
/// weight (negative for generic wording such as `refused` or pure severity wording).
fn phrase_score(p: &PhraseRule) -> i32 {
    // Phrases are literal: their fixed characters are their letters and digits, in any
    // script (`收件人不存在` counts six, as `conexão` counts seven), counted at codegen.
    i32::from(p.letters) + i32::from(p.weight)
}

/// The `detail` of the severity phrases that advise a retry without saying when (`please
/// try again`): temporary without a code, no match for a 5xx.
const RETRY_ADVICE: &str = "retry_advice";

/// The `detail` of the severity phrases in which the reporting server says it will retry
/// (`will retry for`): they outweigh wording that gives up.
const STATED_RETRY: &str = "stated_retry";

/// The weight of severity wording (`p.temporary` set): wording that gives up (`I'm not
/// going to try again`, `permanently`) outweighs wording that hopes (`temporarily
/// unavailable`) in one text, and a report that says it will retry (`Gmail will retry for
/// 45 more hours. You'll be notified if the delivery fails permanently`) outweighs both:
/// its `permanently` is only a condition.
fn severity_score(p: &PhraseRule) -> i32 {
    phrase_score(p)
        + match (p.temporary, p.detail) {
            (Some(true), Some(STATED_RETRY)) => 200,
            _ if gives_up(p) => 100,
            _ => 0,
        }
}

/// Whether `p` says the message will not be tried again: `permanent failure`, `no further
/// attempts`, or an expiry (`Message expired`).
fn gives_up(p: &PhraseRule) -> bool {
    p.temporary == Some(false) || p.temporary.is_none() && p.category == Category::Expired
}

/// Whether `p`, found before the reply, can tell what the reporting system did with the
/// message (`Delivery to the following recipient failed permanently: ... 421 ...`,
/// `Message expired for domain ...: 454 ...`): wording that gives up, or a stated retry,
/// which outweighs it. (Other wording before the reply decides nothing.)
fn outcome_word(p: &PhraseRule) -> bool {
    gives_up(p) || p.detail == Some(STATED_RETRY)
}

/// The `detail` of the phrases that only say a connection failed (`unable to connect`):
/// another phrase in the text that names a cause (`timed out`, `getaddrinfo`) decides.
const CONNECT_FAILED: &str = "connect_failed";

/// The `detail` of the phrases that only say the content was refused (`message content
/// rejected`): a phrase that names what was found (`virus`) decides.
const CONTENT_REJECTED: &str = "content_rejected";

/// Whether `p` only says that something failed, and gives way to a phrase that names why.
fn generic(p: &PhraseRule) -> bool {
    matches!(p.detail, Some(CONNECT_FAILED | CONTENT_REJECTED))
}

/// Below this score a phrase is generic wording (`denied`, `blocked`, `refused`): a
/// specific enhanced code (`535 5.7.8 Permission denied`) says more.
const WEAK_PHRASE: i32 = 5;

/// A security or policy status that names its cause (`5.7.8` authentication, `5.7.23`
/// SPF, `5.7.25` PTR): registered, with a category, not a catch-all. The other subjects
/// are often reused loosely (`550 5.4.1 Access denied`, `421 4.2.1 Service refused`).
fn specific_enhanced(x: EnhancedCode) -> bool {
    x.subject() == 7
        && !generic_enhanced(x)
        && codes::enhanced(x).is_some_and(|i| i.category != Category::Other)
}

/// The catch-all enhanced codes (`X.0.0`, `X.7.0`, `X.7.1`) that say little of the cause.
fn generic_enhanced(x: EnhancedCode) -> bool {
    matches!((x.subject(), x.detail()), (0, 0) | (7, 0) | (7, 1))
}

/// A template that ends in a placeholder for free text (`... undeliverable address: %s`):
/// its match stops where that text begins, and the text may state the real cause.
fn open_ended(e: &ProviderEntry) -> bool {
    if e.kind != MatchKind::Template {
        return false;
    }
    // `%s`, `%.100s`
    e.pattern.trim_end().strip_suffix('s').is_some_and(|r| {
        r.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
            .ends_with('%')
    })
}

/// The bytes that end a word of an address for [`in_address`]: white space and the
/// punctuation around addresses and fields (`<>"'()[],;:=|\`).
static ADDRESS_DELIMITER: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).is_ascii_whitespace();
        i += 1;
    }
    let punct = b"<>\"'()[],;:=|\\";
    let mut j = 0;
    while j < punct.len() {
        t[punct[j] as usize] = true;
        j += 1;
    }
    t
};

/// Whether the phrase at `start` names an authentication check's result rather than the
/// delivery's fate: `SPF Permanent Error` (SPF's `permerror`), `DKIM temporary error`. A
/// `421 ... SPF Permanent Error: Too many DNS lookups` is still a 4xx (both labellers of
/// set 44).
fn names_auth_result(hay: &[u8], start: usize) -> bool {
    let before = hay.get(start.saturating_sub(6)..start).unwrap_or_default();
    [&b"spf "[..], b"dkim ", b"dmarc "].iter().any(|name| {
        before.len() >= name.len() && before[before.len() - name.len()..].eq_ignore_ascii_case(name)
    })
}

/// Whether `hay[start..end]` stands inside an email address (`noreply-spf@example.org`,
/// `mailbox-full@...`): the run of bytes around it, up to a delimiter, holds an `@`. Looks
/// at most 128 bytes to each side; a match that holds a delimiter (several words) never
/// does.
pub(crate) fn in_address(hay: &[u8], start: usize, end: usize) -> bool {
    const LOOK: usize = 128;
    let delim = |c: u8| ADDRESS_DELIMITER[usize::from(c)];
    let inner = hay.get(start..end).unwrap_or_default();
    if inner.iter().any(|&c| delim(c)) {
        return false;
    }
    // Walking away from the match, an `@` comes before the first delimiter.
    fn at_before_delimiter(mut run: impl Iterator<Item = u8>) -> bool {
        run.find(|&c| c == b'@' || ADDRESS_DELIMITER[usize::from(c)]) == Some(b'@')
    }
    let left = hay
        .get(start.saturating_sub(LOOK)..start)
        .unwrap_or_default();
    let right = hay.get(end..hay.len().min(end + LOOK)).unwrap_or_default();
    at_before_delimiter(left.iter().rev().copied()) || at_before_delimiter(right.iter().copied())
}

/// Categories whose failure is final whatever code carried it: a 4xx "user unknown" or
/// "domain not found" will not heal by waiting.
fn final_category(c: Category) -> bool {
    matches!(c, Category::UserUnknown | Category::DomainNotFound)
}

/// A concept pair that matched: the concept, its two words as the data writes them, and
/// the span from the first word to the end of the second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ConceptHit {
    concept: &'static Concept,
    words: (&'static str, &'static str),
    span: (usize, usize),
}

/// A phrase rule that matched, where, and its score.
type ScoredPhrase = (&'static PhraseRule, (usize, usize), i32);
/// A catalogue entry that matched, where, and its score.
type ScoredEntry = (&'static ProviderEntry, (usize, usize), i32);

/// The verdict of the text alone (events and bounce recipients bring their own outcome;
/// [`Classifier::verdict_with`] adds a log line's).
pub(crate) fn decide(input: &[u8], reply: Option<&Extracted<'_>>) -> Verdict {
    let basic = reply.and_then(|r| r.code);
    let enhanced = reply.and_then(|r| r.enhanced);
    let command = reply.and_then(|r| r.command);

    // One pass of the automaton over the whole input.
    let mut cands: [Option<(&'static ProviderEntry, (usize, usize))>; 16] = [None; 16];
    let mut n_cands = 0;
    let mut phrase: Option<(&'static PhraseRule, (usize, usize), i32)> = None;
    let mut phrases: [Option<ScoredPhrase>; 16] = [None; 16];
    let mut n_phrases = 0;
    let mut sev_phrase: Option<(&'static PhraseRule, (usize, usize), i32)> = None;
    // Severity wording before the reply (input coordinates): the reporting system's own
    // outcome, as a log record's `status=bounced` is.
    let mut outcome_before: Option<(&'static PhraseRule, (usize, usize), i32)> = None;
    // (Called for `outcome_word`s only.)
    let mut note_outcome = |p: &'static PhraseRule, span: (usize, usize)| {
        let s = severity_score(p);
        if outcome_before.is_none_or(|(_, _, b)| s > b) {
            outcome_before = Some((p, span, s));
        }
    };
    let mut marker: Option<(&'static ProviderInfo, (usize, usize))> = None;
    let mut sender_words = false;
    // Rules must match inside the reply when there is one (the rest of a log line holds
    // addresses and host names, not the cause); provider markers may stand anywhere.
    // A bare status or code (`dsn=5.4.4`, `..., code: 500`) has no text of its own: the
    // cause is in the line.
    let worded = |r: &&Extracted<'_>| !r.text.iter().all(u8::is_ascii_whitespace);
    let window = reply
        .filter(worded)
        .map_or(0..input.len(), |r| r.span.clone());
    let scan_from = window.start.saturating_sub(MARKER_LOOKBACK);
    // A reply whose text was merged from continuation lines (`550-5.7.1 a 550 5.7.1 b`) is
    // matched on its merged text, since the raw bytes hold the prefixes inside sentences;
    // spans then index that text, and provider markers are also sought before the reply.
    // Likewise a reply whose words are set apart by runs of white space or a line break
    // (`Mailbox  full`, a folded line's indentation, a wrapped paste): phrases are written
    // with single spaces. The collapsed copy keeps where it dropped bytes, so that its spans
    // map back to the input when its source lies there (the reply's text or the input).
    let collapse_source: &[u8] = reply.filter(worded).map_or(input, |r| &r.text[..]);
    let collapsed = collapse_blank_runs(collapse_source);
    let merged: Option<&[u8]> = collapsed.as_ref().map(|c| &c.text[..]).or_else(|| {
        reply
            .filter(|r| r.code.is_some() && matches!(r.text, Cow::Owned(_)))
            .map(|r| &r.text[..])
    });
    // Provider markers: one inside the reply names who answered; before it (the relay
    // host, the recipient's domain), the one closest to the reply does, unless it is
    // MTA software (`postfix/smtp[...]` says who wrote the log line, not who answered).
    let mut before: Option<(&'static ProviderInfo, (usize, usize))> = None;
    let (hay, base, inside_from) = match merged {
        Some(t) => {
            let prefix = &input[scan_from..window.start];
            for m in codes::matches(prefix) {
                let span = (scan_from + m.start, scan_from + m.end);
                match m.rule {
                    Rule::Marker(pi) if !pi.software => before = Some((pi, span)),
                    Rule::Phrase(p) if outcome_word(p) && !in_address(prefix, m.start, m.end) => {
                        note_outcome(p, span);
                    }
                    _ => {}
                }
            }
            (t, 0, 0)
        }
        None => (&input[scan_from..window.end], scan_from, window.start),
    };
    // Without a reply the whole input is searched, and software names stay out.
    let has_reply = reply.is_some_and(|r| r.code.is_some() || !r.text.is_empty());
    // The text the spans below index.
    let spanned: &[u8] = merged.unwrap_or(input);
    for m in codes::matches(hay) {
        let span = (base + m.start, base + m.end);
        let inside = span.0 >= inside_from;
        match m.rule {
            Rule::Phrase(p) if !inside && outcome_word(p) && !in_address(hay, m.start, m.end) => {
                note_outcome(p, span);
            }
            Rule::Provider(_) | Rule::Phrase(_) if !inside => {}
            Rule::Provider(e) => {
                if n_cands < cands.len() {
                    cands[n_cands] = Some((e, span));
                    n_cands += 1;
                }
            }
            // `from = "noreply-spf@..."`: words of an address are not the cause.
            Rule::Phrase(_) if in_address(hay, m.start, m.end) => {}
            Rule::Phrase(p) => {
                sender_words |= p.about_sender;
                let s = phrase_score(p);
                if phrase.is_none_or(|(_, _, b)| s > b) {
                    phrase = Some((p, span, s));
                }
                if n_phrases < phrases.len() {
                    phrases[n_phrases] = Some((p, span, s));
                    n_phrases += 1;
                }
                // Advice to retry without a time (`please try again`, `at this time`)
                // does not overturn a 5xx code: the server refused for good this time.
                // Advice to retry later (`try again later`, `try again in 90 seconds`)
                // does; its phrases carry no `retry_advice` detail.
                let advice_only = p.detail == Some(RETRY_ADVICE)
                    && basic.is_some_and(|b| b.severity() == Severity::Permanent);
                // An authentication result's name (`SPF Permanent Error`) says nothing of the
                // delivery's fate beside a reply code; without one it is all there is.
                if p.temporary.is_some()
                    && !advice_only
                    && !(basic.is_some() && names_auth_result(hay, m.start))
                {
                    let s = severity_score(p);
                    if sev_phrase.is_none_or(|(_, _, b)| s > b) {
                        sev_phrase = Some((p, span, s));
                    }
                }
            }
            Rule::Marker(pi) if inside && (has_reply || !pi.software) => {
                if marker.is_none() {
                    marker = Some((pi, span));
                }
            }
            Rule::Marker(pi) if !pi.software && !inside => before = Some((pi, span)),
            Rule::Marker(_) => {}
        }
    }

    // With a merged text, a marker found before the reply holds input coordinates.
    let marker_in_input = marker.is_none() && before.is_some();
    let marker = marker.or(before);
    // Score the catalogue entries now that the markers are known.
    // The reply text the entries matched in (`spanned` coordinates).
    let text = match (merged, reply) {
        (Some(t), _) => 0..t.len(),
        // The reply's own text, without the code before it or the `(in reply to ...)`
        // after it.
        (None, Some(r)) => offset_in(input, &r.text)
            .filter(|_| !r.text.is_empty())
            .map_or(window.clone(), |o| o..o + r.text.len()),
        (None, None) => window.clone(),
    };
    // (entry, span, score, words of its full text the input lacks)
    let mut scored: [Option<(ScoredEntry, i32)>; 16] = [None; 16];
    for (slot, (e, span)) in scored.iter_mut().zip(cands.iter().flatten()) {
        let corroborated = marker.is_some_and(|(m, _)| m.id == e.provider);
        // A short, generic published text (`Try again later`) with no marker naming its
        // provider is that provider's reply only when it is (nearly) the whole reply;
        // inside a longer reply it is just wording, which the phrase rules read.
        if e.kind == MatchKind::Literal
            && anonymous(e, marker)
            && words_outside(spanned, text.clone(), *span) > GENERIC_ENTRY_SLACK
        {
            continue;
        }
        // The continuation only matters where entries compete or the anchor is short.
        let (continuation, missing) = if n_cands > 1 || e.fixed_len < 24 {
            continuation_bonus(e, spanned, span.1)
        } else {
            (0, 0)
        };
        let s = entry_score(e, basic, enhanced, continuation, corroborated);
        *slot = Some(((e, *span, s), missing));
    }
    // The best entry that starts at or after `from`; on equal scores, the one whose full
    // text the input lacks fewer words of.
    let best_entry = |from: usize| {
        let mut best: Option<(ScoredEntry, i32)> = None;
        for &((e, span, s), missing) in scored.iter().flatten() {
            if span.0 >= from && best.is_none_or(|((_, _, b), bm)| s > b || s == b && missing < bm)
            {
                best = Some(((e, span, s), missing));
            }
        }
        best.map(|(scored, _)| scored)
    };
    // A failed connection that names its cause (`unable to connect to X:25 (Operation timed
    // out)`, `Connection could not be established ...: getaddrinfo ... failed`) is filed
    // under the cause, and so is refused content that names what was found.
    if let Some((p, _, _)) = phrase
        && generic(p)
        && let Some(cause) = phrases
            .iter()
            .flatten()
            .filter(|(q, _, s)| !generic(q) && q.category != Category::Other && *s >= WEAK_PHRASE)
            .max_by_key(|(_, _, s)| *s)
    {
        phrase = Some(*cause);
    }
    let mut entry = best_entry(0);
    // A template that ends in free text (Postfix's `undeliverable address: %s`) matched
    // up to where that text begins; what the text says is the cause, when a rule reads it.
    let mut cause_after_template = false;
    if let Some((e, es, _)) = entry.filter(|(e, _, s)| open_ended(e) && *s > i32::MIN / 4) {
        if let Some(inner) = best_entry(es.1).filter(|(_, _, s)| *s > i32::MIN / 4) {
            entry = Some(inner);
        } else if let Some(inner) = phrases
            .iter()
            .flatten()
            .filter(|(p, span, s)| {
                span.0 >= es.1
                    && *s >= WEAK_PHRASE
                    && p.category != Category::Other
                    && p.category != e.category
            })
            .max_by_key(|(_, _, s)| *s)
        {
            phrase = Some(*inner);
            cause_after_template = true;
        }
    }
    let entry_hint = entry;
    // Disqualified entries (a contradicting enhanced code) are only provider hints.
    let mut entry = entry.filter(|(_, _, s)| *s > i32::MIN / 4);
    // Provider-private enhanced codes (Microsoft's 5.7.515, 4.7.650) identify an entry even
    // when the text was not published.
    if entry.is_none()
        && let Some(x) = enhanced.filter(|x| codes::enhanced(*x).is_none())
        && let Some(e) = codes::entries_for_enhanced(x).next()
    {
        entry = Some((e, (0, 0), 30));
    }

    // Category: provider entry, then phrase, then concept pair, then enhanced code, then
    // basic code (a generic word such as `denied` only after a concept pair). A phrase
    // that names a cause beats a template entry that matched fewer fixed characters, and
    // so does one in the free text a template ends with (above).
    let entry_wins = match (entry, phrase) {
        _ if cause_after_template => false,
        (Some((_, _, es)), Some((_, _, ps))) => es >= ps,
        (Some(_), None) => true,
        _ => false,
    };
    // Wording no rule of weight knows: a concept pair in the reply text may name the
    // cause (`550 No user found`, `account is locked`). It beats generic words and codes,
    // not a specific security status that names another cause.
    // Not for a positive reply: its words describe no failure.
    let concept = if entry_wins
        || phrase.is_some_and(|(p, _, s)| s >= WEAK_PHRASE && p.category != Category::Other)
        || basic.is_some_and(|b| b.is_positive())
    {
        None
    } else {
        spanned
            .get(text.clone())
            .and_then(crate::concept::find)
            .map(|f| ConceptHit {
                concept: f.concept,
                words: f.words,
                span: (
                    text.start + f.what.0.min(f.state.0),
                    text.start + f.what.1.max(f.state.1),
                ),
            })
            .filter(|ConceptHit { concept: c, .. }| {
                enhanced.is_none_or(|x| {
                    !specific_enhanced(x)
                        || codes::enhanced(x).is_some_and(|i| i.category == c.category)
                })
            })
    };
    let (category, detail, decided_by, confidence) = if entry_wins {
        let (e, _, s) = entry.expect("checked");
        (
            e.category,
            e.detail,
            Layer::Provider,
            if s >= 40 { 0.95 } else { 0.85 },
        )
    } else if let Some(c) = concept {
        (c.concept.category, None, Layer::Concept, 0.6)
    } else if let Some((p, _, s)) = phrase
        .filter(|(p, _, _)| p.category != Category::Other)
        .filter(|(_, _, s)| *s >= WEAK_PHRASE || enhanced.is_none_or(|x| !specific_enhanced(x)))
    {
        (
            p.category,
            p.detail,
            Layer::Phrase,
            if s >= 12 { 0.85 } else { 0.7 },
        )
    } else if let Some(info) = basic
        .filter(|b| matches!(b.get(), 530 | 534 | 535 | 538))
        .filter(|_| enhanced.is_none_or(generic_enhanced))
        .and_then(|b| codes::basic(b.get()))
    {
        // The authentication replies (`535 5.7.1 ...`) say more with their basic code
        // than with a catch-all enhanced one.
        (info.category, None, Layer::Basic, 0.6)
    } else if let Some(info) = enhanced
        .and_then(codes::enhanced)
        .filter(|i| i.category != Category::Other)
    {
        (info.category, None, Layer::Enhanced, 0.6)
    } else if let Some(info) = basic
        .and_then(|b| codes::basic(b.get()))
        .filter(|i| i.category != Category::Other)
    {
        (info.category, None, Layer::Basic, 0.4)
    } else {
        (
            Category::Other,
            None,
            Layer::Basic,
            if reply.is_some() { 0.3 } else { 0.1 },
        )
    };
    // A syntax status (`501 5.5.4 Invalid domain name`, the answer to an EHLO argument)
    // says the name was malformed, not that it does not exist.
    let category = if category == Category::DomainNotFound
        && decided_by == Layer::Phrase
        && match enhanced {
            Some(x) => x.subject() == 5,
            None => basic.is_some_and(|b| b.get() == 501),
        } {
        Category::SyntaxError
    } else {
        category
    };

    // Severity: the codes first, and of the two the reply code: an SMTP client acts on it
    // (Postfix ignores an enhanced code whose class contradicts the reply's), so `451
    // 5.7.3` is retried and `550 4.4.7` is not. A catalogue entry or explicit wording
    // below may still call a 4xx final (Gmail's `421 5.7.32`).
    let code_sev = match (basic, enhanced) {
        (Some(b), _) => b.severity(),
        (None, Some(e)) => e.severity(),
        (None, None) => codes::category(category).default_severity,
    };
    let mut severity = code_sev;
    // (Not on a code's or a concept pair's word alone: too little to call a 4xx final.)
    if final_category(category)
        && severity == Severity::Transient
        && !matches!(decided_by, Layer::Basic | Layer::Concept)
    {
        severity = Severity::Permanent;
    }
    // A winning catalogue entry that covers the reply's code is authoritative on severity
    // (Yahoo `421 [TS03]` is final although 4xx); so is one that contradicts its own code.
    // Otherwise explicit wording (`try again later`, `permanently`) overrides the codes.
    let authoritative = entry.filter(|_| entry_wins).map(|(e, _, _)| e).filter(|e| {
        let own_code_temporary = match (e.basic_code, e.enhanced) {
            (Some(b), _) => Some(b / 100 == 4),
            (None, Some(x)) => Some(x.class() == Class::Transient),
            (None, None) => None,
        };
        let contradicts_own_code = own_code_temporary.is_some_and(|t| t != e.temporary);
        // A template whose code the server's configuration chooses (Postfix's `450/550`
        // for a missing PTR) says nothing about severity that the reply's own code does
        // not say better.
        let configurable = e.basic.is_some_and(|b| {
            b.split('/').any(|c| c.trim_start().starts_with('4'))
                && b.split('/').any(|c| c.trim_start().starts_with('5'))
        });
        if configurable && basic.is_some() {
            return false;
        }
        let same_code = match (basic, e.basic_code) {
            (Some(b), Some(_)) => e.covers_basic(b.get()),
            (None, _) => {
                enhanced.is_none_or(|x| e.enhanced.is_none_or(|ee| ee.class() == x.class()))
            }
            (Some(b), None) => e.enhanced.is_some_and(|ee| ee.severity() == b.severity()),
        };
        contradicts_own_code || same_code
    });
    if severity != Severity::Success {
        if let Some(e) = authoritative {
            severity = if e.temporary {
                Severity::Transient
            } else {
                Severity::Permanent
            };
        } else if let Some(t) = sev_phrase.and_then(|(p, _, _)| p.temporary) {
            severity = if t {
                Severity::Transient
            } else {
                Severity::Permanent
            };
        }
    }
    // What the reporting system says it did, before the reply it quotes, decides over the
    // reply (`Technical details of permanent failure: ... 421 4.7.0 ...`): the message
    // will not be tried again, whatever the last answer was.
    let outcome = outcome_before.filter(|(p, _, _)| gives_up(p) && severity == Severity::Transient);
    if outcome.is_some() {
        severity = Severity::Permanent;
    }

    // The provider is who sent the reply: a marker (host name, `gsmtp`) says so directly;
    // a catalogue text only says who publishes that wording.
    let provider = marker
        .map(|(m, _)| m)
        .or_else(|| {
            entry
                .filter(|(e, _, _)| !anonymous(e, marker))
                .and_then(|(e, _, _)| e.provider_info())
        })
        .or_else(|| {
            entry_hint
                .filter(|(e, _, _)| e.kind == MatchKind::Code)
                .and_then(|(e, _, _)| e.provider_info())
        });

    let info = codes::category(category);
    // Whose address: the sender's when the status says so (X.1.7 bad sender mailbox, X.1.8
    // bad sender system), when the reply answered MAIL FROM, or when the words say so.
    // (`settle` keeps it only for a category with a sender reading.)
    let about_sender = enhanced.is_some_and(|x| x.subject() == 1 && matches!(x.detail(), 7 | 8))
        || command == Some(SmtpCommand::MailFrom)
        || sender_words;

    // Retry: a stated delay, then the entry's, the phrase's, the category's guidance.
    let text_span = reply.map(|r| (r.span.start, r.span.end));
    let delay = if severity == Severity::Transient {
        stated_delay(reply.map_or(input, |r| &r.text[..]))
    } else {
        None
    };
    let retry_after_s = if severity == Severity::Transient {
        delay
            .map(|(s, _)| s)
            .or_else(|| {
                entry
                    .filter(|_| entry_wins)
                    .and_then(|(e, _, _)| e.retry.after_s)
            })
            .or_else(|| phrase.and_then(|(p, _, _)| p.retry.and_then(|r| r.after_s)))
            .or(info.retry.after_s)
    } else {
        None
    };

    // Spans found in a collapsed copy of text that lies in the input map back to it; only
    // a reply text merged from continuation lines has no place in the input.
    let to_input = match (&collapsed, offset_in(input, collapse_source)) {
        (None, _) => merged.is_none().then_some(None),
        (Some(c), Some(at)) => Some(Some((c, at))),
        (Some(_), None) => None,
    };
    let map = |span: (usize, usize)| match to_input {
        Some(Some((c, at))) => {
            let (s, e) = c.source_span(span);
            (at + s, at + e)
        }
        _ => span,
    };
    let mut v = Verdict {
        basic,
        enhanced,
        command,
        severity,
        category,
        detail,
        hard_bounce: false,
        provider,
        retry_after_s,
        confidence,
        about_sender,
        entry: entry.map(|(e, s, _)| (e, map(s))),
        phrase: phrase.map(|(p, s, _)| (p, map(s))),
        concept: concept.map(|c| ConceptHit {
            span: map(c.span),
            ..c
        }),
        record: None,
        // The outcome's span is in input coordinates already.
        severity_phrase: match outcome {
            Some((p, s, _)) => Some((p, s)),
            None => sev_phrase.map(|(p, s, _)| (p, map(s))),
        },
        marker: marker.map(|(m, s)| (m, if marker_in_input { s } else { map(s) })),
        stated_delay: delay,
        text_span,
        spans_in_input: to_input.is_some(),
        decided_by,
    };
    v.settle();
    v
}

fn expand(input: &[u8], reply: Option<&Extracted<'_>>, v: &Verdict) -> Diagnosis {
    let info = codes::category(v.category);
    let mut evidence = Vec::with_capacity(6);
    let entry = v.entry.filter(|_| v.decided_by == Layer::Provider);
    if let Some((e, span)) = entry {
        evidence.push(Evidence {
            layer: Layer::Provider,
            rule: Cow::Owned(format!("{}: {}", e.provider, e.pattern)),
            says: Cow::Owned(format!(
                "{} ({})",
                e.category,
                if e.temporary { "temporary" } else { "final" }
            )),
            span: v.spans_in_input.then_some(span),
        });
    }
    if let Some((p, span)) = v.phrase.filter(|_| v.decided_by == Layer::Phrase) {
        evidence.push(Evidence {
            layer: Layer::Phrase,
            rule: Cow::Borrowed(p.pattern),
            says: Cow::Borrowed(p.category.as_str()),
            span: v.spans_in_input.then_some(span),
        });
    }
    if let Some((field, means)) = v.record {
        evidence.push(Evidence {
            layer: Layer::Record,
            rule: Cow::Borrowed(field),
            says: Cow::Borrowed(means),
            span: None,
        });
    }
    if let Some(c) = v.concept.filter(|_| v.decided_by == Layer::Concept) {
        evidence.push(Evidence {
            layer: Layer::Concept,
            rule: Cow::Owned(format!("{} … {}", c.words.0.trim(), c.words.1.trim())),
            says: Cow::Borrowed(c.concept.category.as_str()),
            span: v.spans_in_input.then_some(c.span),
        });
    }
    // (An expiry found before the reply, `Message expired for domain ...`, has no
    // `temporary` of its own: it gives up.)
    if let Some((p, span)) = v.severity_phrase
        && let Some(t) = p.temporary.or(gives_up(p).then_some(false))
    {
        evidence.push(Evidence {
            layer: Layer::Phrase,
            rule: Cow::Borrowed(p.pattern),
            says: Cow::Borrowed(if t {
                "temporary whatever the code"
            } else {
                "final whatever the code"
            }),
            span: v.spans_in_input.then_some(span),
        });
    }
    if let Some((m, span)) = v.marker {
        evidence.push(Evidence {
            layer: Layer::Marker,
            rule: Cow::Borrowed(m.id),
            says: Cow::Borrowed(m.name),
            span: v.spans_in_input.then_some(span),
        });
    }
    if let Some(e) = v.enhanced {
        let title = codes::enhanced(e).map_or("", |i| i.title);
        evidence.push(Evidence {
            layer: Layer::Enhanced,
            rule: Cow::Owned(e.to_string()),
            says: Cow::Owned(format!("{}: {title}", e.severity())),
            span: None,
        });
    }
    if let Some(b) = v.basic {
        let title = codes::basic(b.get()).map_or("", |i| i.title);
        evidence.push(Evidence {
            layer: Layer::Basic,
            rule: Cow::Owned(b.to_string()),
            says: Cow::Owned(format!("{}: {title}", b.severity())),
            span: v.text_span.map(|(s, _)| (s, s + 3)),
        });
    }

    let temporary = v.temporary();
    let reply_text = reply.map(|r| &r.text[..]);
    let retry = if temporary {
        let stated = v.stated_delay;
        if let Some((s, span)) = stated {
            // The span is relative to the text searched; move it into the input when that
            // text is a slice of it (a reply text merged from continuation lines is not).
            let searched = reply_text.unwrap_or(input);
            // (A span that does not index the searched text is a bug; it is left out of
            // the evidence rather than read.)
            if let Some(said) = searched.get(span.0..span.1) {
                let in_input = offset_in(input, searched).map(|o| (o + span.0, o + span.1));
                evidence.push(Evidence {
                    layer: Layer::Delay,
                    rule: Cow::Owned(String::from_utf8_lossy(said).into_owned()),
                    says: Cow::Owned(format!("retry after {}", human_duration(s))),
                    span: in_input,
                });
            }
        }
        let reason: Cow<'static, str> = match (stated, entry) {
            (Some((s, _)), _) => {
                Cow::Owned(format!("the reply states a delay of {}", human_duration(s)))
            }
            (None, Some((e, _))) if e.retry.after_s.is_some() => Cow::Owned(format!(
                "{} guidance: wait {} before retrying",
                e.provider_info().map_or(e.provider, |p| p.name),
                human_duration(e.retry.after_s.unwrap_or(0))
            )),
            _ => match v.retry_after_s {
                Some(s) => Cow::Owned(format!(
                    "usual for {}: retry after {}",
                    v.category,
                    human_duration(s)
                )),
                None => Cow::Borrowed("temporary failure: the MTA's normal retry schedule applies"),
            },
        };
        Retry {
            advised: true,
            after_s: v.retry_after_s,
            until_s: Some(QUEUE_LIFETIME_S),
            reason,
        }
    } else {
        let reason = match v.severity {
            Severity::Success => "delivered: nothing to retry",
            Severity::Unknown => "no code or known phrase says whether a retry can succeed",
            _ if v.hard_bounce => "permanent: the address is invalid; remove it from the list",
            _ => "permanent: retrying the same message unchanged will not succeed",
        };
        Retry {
            advised: false,
            after_s: None,
            until_s: None,
            reason: Cow::Borrowed(reason),
        }
    };

    let ip = reply_text.and_then(sender_ip_in).or_else(|| {
        if reply.is_none() {
            sender_ip_in(input)
        } else {
            None
        }
    });
    let mut remedies: Vec<Cow<'static, str>> = Vec::with_capacity(info.remedies.len() + 2);
    if let Some((e, _)) = entry
        && !e.remedy.is_empty()
    {
        remedies.push(Cow::Borrowed(e.remedy));
    }
    if let Some(r) = v
        .phrase
        .filter(|_| v.decided_by == Layer::Phrase)
        .and_then(|(p, _)| p.remedy)
    {
        remedies.push(Cow::Borrowed(r));
    }
    if let (Category::PtrMissing | Category::Blocklisted | Category::BadReputation, Some(ip)) =
        (v.category, ip)
    {
        remedies.push(Cow::Owned(match v.category {
            Category::PtrMissing => format!(
                "Publish a PTR record for {ip} naming a host whose A/AAAA record resolves back to {ip}."
            ),
            Category::Blocklisted => format!("Look {ip} up on the blocklist named in the reply and request delisting after fixing the cause."),
            _ => format!("Check the reputation of {ip} at the receiving provider's postmaster tools."),
        }));
    }
    let sender_side = info.sender.filter(|_| v.about_sender);
    let general = sender_side.map_or(info.remedies, |s| s.remedies);
    remedies.extend(general.iter().map(|r| Cow::Borrowed(*r)));
    remedies.dedup();

    let dns_checks = dns_checks(v.category, ip, v.about_sender);
    Diagnosis {
        basic: v.basic.map(ReplyCode::get),
        enhanced: v.enhanced,
        command: v.command,
        severity: v.severity,
        temporary,
        category: v.category,
        detail: v.detail,
        hard_bounce: v.hard_bounce,
        about_sender: v.about_sender,
        sisimai_reason: crate::reason::sisimai_reason(v, reply.map_or(input, |r| &r.text[..])),
        bounce_class: sender_side.map_or(info.bounce_class, |s| s.bounce_class),
        provider: v.provider.map(|p| p.id),
        party: if v.severity == Severity::Success {
            Party::Unknown
        } else {
            // A deciding phrase that names its own party, else the category's (or the
            // sender-side variant's).
            v.phrase
                .filter(|_| v.decided_by == Layer::Phrase)
                .and_then(|(p, _)| p.party)
                .unwrap_or_else(|| sender_side.map_or(info.party, |s| s.party))
        },
        retry,
        remedies,
        dns_checks,
        evidence,
        confidence: v.confidence,
        text: reply
            .filter(|r| r.code.is_some())
            .map(|r| r.text_lossy().into_owned()),
    }
}

/// The DNS checks that would confirm a category's usual cause (for an address category,
/// the domain of the address refused: the sender's when `about_sender`).
fn dns_checks(c: Category, ip: Option<IpAddr>, about_sender: bool) -> Vec<DnsCheck> {
    let ip_target = || ip.map_or(DnsTarget::SendingIp, DnsTarget::Ip);
    let mk = |check, target| DnsCheck { check, target };
    match c {
        Category::PtrMissing => vec![
            mk(DnsCheckKind::Ptr, ip_target()),
            mk(DnsCheckKind::Fcrdns, ip_target()),
        ],
        Category::SpfFail => vec![mk(DnsCheckKind::Spf, DnsTarget::SenderDomain)],
        Category::DkimFail => vec![mk(DnsCheckKind::Dkim, DnsTarget::SenderDomain)],
        Category::DmarcFail => vec![
            mk(DnsCheckKind::Dmarc, DnsTarget::SenderDomain),
            mk(DnsCheckKind::Spf, DnsTarget::SenderDomain),
            mk(DnsCheckKind::Dkim, DnsTarget::SenderDomain),
        ],
        Category::Blocklisted | Category::BadReputation => {
            vec![
                mk(DnsCheckKind::Dnsbl, ip_target()),
                mk(DnsCheckKind::Ptr, ip_target()),
            ]
        }
        Category::DomainNotFound | Category::DnsFailure => vec![mk(
            DnsCheckKind::Mx,
            if about_sender {
                DnsTarget::SenderDomain
            } else {
                DnsTarget::RecipientDomain
            },
        )],
        Category::TlsRequired => vec![mk(DnsCheckKind::MtaSts, DnsTarget::RecipientDomain)],
        _ => Vec::new(),
    }
}

/// The first IP address named inside a reply text (the sending IP, in the replies that
/// name one: `Client host [192.0.2.1]`, `Messages from 192.0.2.1`, `[192.0.2.1 12]`).
pub(crate) fn sender_ip_in(text: &[u8]) -> Option<IpAddr> {
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let boundary = i == 0
            || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'.' || text[i - 1] == b':');
        if boundary && (c.is_ascii_hexdigit() || c == b':') {
            let len = text[i..]
                .iter()
                .take(45)
                .take_while(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':'))
                .count();
            let cand = text[i..i + len]
                .strip_suffix(b".")
                .unwrap_or(&text[i..i + len]);
            if (cand.iter().filter(|b| **b == b'.').count() == 3
                || cand.iter().filter(|b| **b == b':').count() >= 2)
                && let Some(ip) = std::str::from_utf8(cand)
                    .ok()
                    .and_then(|s| s.parse::<IpAddr>().ok())
            {
                return Some(ip);
            }
            i += len.max(1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips_in_text() {
        assert_eq!(
            sender_ip_in(b"Client host [203.0.113.9] blocked"),
            "203.0.113.9".parse().ok()
        );
        assert_eq!(
            sender_ip_in(b"Messages from 192.0.2.8 temporarily deferred - 4.16.55.1"),
            "192.0.2.8".parse().ok()
        );
        assert_eq!(
            sender_ip_in(b"[2001:db8::25 15] Our system"),
            "2001:db8::25".parse().ok()
        );
        assert_eq!(sender_ip_in(b"5.7.1 no ip here"), None);
        assert_eq!(sender_ip_in(b"at 10:00:01 x"), None);
    }

    #[test]
    fn words_inside_addresses() {
        let t = b"from = \"noreply-spf@mail.example\", details = \"SPF fail\"";
        let at = |w: &[u8], from: usize| {
            from + t[from..]
                .windows(w.len())
                .position(|x| x.eq_ignore_ascii_case(w))
                .expect("word")
        };
        let s = at(b"spf", 0);
        assert!(in_address(t, s, s + 3));
        let s = at(b"spf", s + 3);
        assert!(!in_address(t, s, s + 3), "the details' own word");
        let t = b"<mailbox-full@example.org>: 552 mailbox full";
        assert!(in_address(t, 1, 13));
        assert!(!in_address(t, 32, 44), "a phrase of the reply");
        assert!(!in_address(b"x@y said no such user", 11, 23));
        // A line break pasted as the two characters `\n` ends the word before an address.
        let t = b"Check your SPF\\nbounce+1@example.org";
        assert!(!in_address(t, 11, 14));
    }

    #[test]
    fn blank_runs_of_every_kind_collapse() {
        // Each kind of run alone: two spaces, a space before a carriage return, a tab,
        // a line break; and text with single spaces only is left alone.
        for (text, want) in [
            (&b"550  user unknown"[..], &b"550 user unknown"[..]),
            (b"550 user \runknown", b"550 user unknown"),
            (b"550\tuser unknown", b"550 user unknown"),
            (b"550 user\nunknown", b"550 user unknown"),
        ] {
            let c = collapse_blank_runs(text).map(|c| c.text);
            assert_eq!(
                c.as_deref(),
                Some(want),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(collapse_blank_runs(b"550 5.1.1 user unknown\r").is_none());
    }

    /// A typographic apostrophe (a reply copied from a web page) reads as `'`, and the
    /// evidence span still covers the input's own bytes.
    #[test]
    fn typographic_apostrophes_read_as_plain_ones() {
        let c = Classifier::new();
        for input in [
            "550 Delivery failed: that address doesn\u{2019}t exist here",
            "550 Delivery failed:  that address doesn\u{2019}t exist here",
        ] {
            let d = c.classify(input.as_bytes());
            assert_eq!(d.category, Category::UserUnknown, "{input}");
            let (a, b) = d
                .evidence
                .iter()
                .find(|e| e.rule == "doesn't exist")
                .and_then(|e| e.span)
                .expect("a phrase span");
            assert_eq!(&input[a..b], "doesn\u{2019}t exist");
        }
    }

    /// A phrase's fixed characters are counted in any script: a longer Chinese phrase
    /// outweighs a shorter one of the same weight, as in English.
    #[test]
    fn phrase_scores_count_letters_of_any_script() {
        let score = |pattern: &str| {
            codes::phrases()
                .iter()
                .find(|p| p.pattern == pattern)
                .map(|p| phrase_score(p) - i32::from(p.weight))
        };
        assert_eq!(score("收件人不存在"), Some(6));
        assert_eq!(score("ящик переполнен"), Some(14));
        assert_eq!(score("conexão recusada"), Some(15));
        assert_eq!(score("mailbox full"), Some(11));
    }

    /// What the reporting system did, written before the reply it quotes, decides whether
    /// the message will be tried again; wording that says it will retry outweighs a
    /// conditional `permanently`; a prefix without such words leaves the codes' answer.
    #[test]
    fn outcome_before_the_reply() {
        let c = Classifier::new();
        let check = |input: &str, temporary: bool| {
            let d = c.classify(input.as_bytes());
            assert_eq!(d.temporary, temporary, "{input}");
            d
        };
        let input = "Your message could not be delivered: permanent failure.\n\
             The server said: 421 4.3.0 Too busy, come back later";
        let d = check(input, false);
        let e = d
            .evidence
            .iter()
            .find(|e| e.says == "final whatever the code")
            .expect("the outcome is evidence");
        let span = e.span.expect("a span in the input");
        assert_eq!(&input[span.0..span.1], "permanent failure");
        // A multi-line reply is matched on its merged text; the outcome before it still
        // counts.
        check(
            "Permanent failure for bob@example.org:\n\
             451-4.3.0 Our server is busy.\n451 4.3.0 Come back later",
            false,
        );
        // An expiry: the queue gave up, whatever the last reply was.
        check(
            "Message expired for example.org. Last reply: 451 4.7.1 Greylisted, try later",
            false,
        );
        // A delay notice: `permanently` is a condition of a stated retry.
        check(
            "We will retry for 40 more hours and tell you if delivery fails permanently.\n\
             Last reply: 452 4.2.2 Mailbox over quota",
            true,
        );
        // No outcome words before the reply: the reply's code decides.
        check(
            "Notice for bob@example.org. Reply: 451 4.3.0 Try later",
            true,
        );
        // Advice to retry before a 5xx reply does not make it temporary.
        check(
            "Please try again later. Reply: 550 5.1.1 No such user",
            false,
        );
    }
}
