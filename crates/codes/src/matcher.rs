//! One-pass matching of reply texts against the catalogue.
//!
//! Every provider entry, phrase rule and provider marker contributes one literal anchor
//! to a single ASCII-case-insensitive Aho-Corasick automaton (built once). Entries whose
//! pattern has placeholders or is a regex are verified, after their anchor was found,
//! with a regex compiled lazily the first time it is needed.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind as AcMatchKind};
use regex::bytes::Regex;

use crate::generated::patterns::{PATTERN_TARGETS, PATTERNS, REGEX_COUNT, REGEXES, TARGETS};
use crate::{PhraseRule, ProviderEntry, ProviderInfo};

/// What a pattern id of the automaton leads to (generated table row).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    /// Entry, phrase or marker.
    pub(crate) kind: TargetKind,
    /// Provider index (entries, markers) or phrase index.
    pub(crate) a: u16,
    /// Entry index within the provider.
    pub(crate) b: u16,
    /// Index into `REGEXES`, or `NO_REGEX`.
    pub(crate) regex: u16,
    /// Require non-alphanumeric bytes (or the text's ends) around the anchor.
    pub(crate) word: bool,
}

/// `Target::regex` value for targets that need no verification.
pub(crate) const NO_REGEX: u16 = u16::MAX;

/// The three kinds of targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    /// A provider entry.
    Entry,
    /// A generic phrase rule.
    Phrase,
    /// A provider marker.
    Marker,
}

/// What a [`Match`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A provider-specific reply, reason code or template.
    Provider(&'static ProviderEntry),
    /// A generic phrase rule.
    Phrase(&'static PhraseRule),
    /// A host name or word that identifies a provider.
    Marker(&'static ProviderInfo),
}

/// One rule found in a text, with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// What matched.
    pub rule: Rule,
    /// Start of the matched bytes.
    pub start: usize,
    /// End (exclusive) of the matched bytes.
    pub end: usize,
}

struct Automaton {
    ac: AhoCorasick,
}

static AUTOMATON: OnceLock<Option<Automaton>> = OnceLock::new();
static REGEX_CACHE: [OnceLock<Option<Regex>>; REGEX_COUNT] =
    [const { OnceLock::new() }; REGEX_COUNT];

fn automaton() -> Option<&'static Automaton> {
    AUTOMATON
        .get_or_init(|| {
            let build = |kind| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(AcMatchKind::Standard)
                    .kind(kind)
                    .build(PATTERNS.iter())
            };
            // The DFA is fastest; fall back to the automatic choice if it cannot be built.
            let ac = build(Some(AhoCorasickKind::DFA))
                .or_else(|_| build(None))
                .ok()?;
            Some(Automaton { ac })
        })
        .as_ref()
}

fn regex(i: u16) -> Option<&'static Regex> {
    let i = usize::from(i);
    REGEX_CACHE
        .get(i)?
        .get_or_init(|| Regex::new(REGEXES.get(i)?).ok())
        .as_ref()
}

/// Finds every catalogue entry, phrase rule and provider marker in `text`, in one pass.
///
/// Matching is ASCII-case-insensitive and overlapping: a text can match several rules,
/// and the caller decides between them (for example by comparing codes). Matches come
/// in the order their anchors end in the text. Multi-line replies should be joined
/// first (drop the `550-5.7.1 ` continuation prefixes).
///
/// ```
/// use maildiag_codes::{Rule, matches};
/// let found: Vec<_> = matches(b"450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted")
///     .filter_map(|m| match m.rule { Rule::Phrase(p) => Some(p.category), _ => None })
///     .collect();
/// assert!(found.contains(&maildiag_codes::Category::Greylisted));
/// ```
pub fn matches(text: &[u8]) -> Matches<'_> {
    Matches {
        text,
        inner: automaton().map(|a| a.ac.find_overlapping_iter(text)),
        pending: None,
    }
}

/// The iterator returned by [`matches`].
pub struct Matches<'t> {
    text: &'t [u8],
    inner: Option<aho_corasick::FindOverlappingIter<'static, 't>>,
    /// The current anchor: its span and the remaining targets `next..end`.
    pending: Option<(usize, usize, usize, usize)>,
}

impl core::fmt::Debug for Matches<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Matches")
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl Iterator for Matches<'_> {
    type Item = Match;

    fn next(&mut self) -> Option<Match> {
        loop {
            if let Some((start, end, next, stop)) = self.pending {
                if next < stop {
                    self.pending = Some((start, end, next + 1, stop));
                    if let Some(m) = TARGETS
                        .get(next)
                        .and_then(|t| resolve(self.text, t, start, end))
                    {
                        return Some(m);
                    }
                    continue;
                }
                self.pending = None;
            }
            let m = self.inner.as_mut()?.next()?;
            let (first, len) = PATTERN_TARGETS
                .get(m.pattern().as_usize())
                .copied()
                .unwrap_or((0, 0));
            let first = first as usize;
            self.pending = Some((m.start(), m.end(), first, first + len as usize));
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Checks a target found at `start..end` and turns it into a [`Match`].
fn resolve(text: &[u8], t: &Target, start: usize, end: usize) -> Option<Match> {
    if t.word {
        let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
        let after = text.get(end).copied();
        let first = text.get(start).copied().unwrap_or(b' ');
        let last = end
            .checked_sub(1)
            .and_then(|i| text.get(i))
            .copied()
            .unwrap_or(b' ');
        if (is_word_byte(first) && before.is_some_and(is_word_byte))
            || (is_word_byte(last) && after.is_some_and(is_word_byte))
        {
            return None;
        }
    }
    let (start, end) = if t.regex == NO_REGEX {
        (start, end)
    } else {
        let re = regex(t.regex)?;
        let m = re
            .find_iter(text)
            .find(|m| m.start() <= start && m.end() >= end)?;
        (m.start(), m.end())
    };
    let rule = match t.kind {
        TargetKind::Entry => {
            let p = crate::providers().get(usize::from(t.a))?;
            Rule::Provider(p.entries.get(usize::from(t.b))?)
        }
        TargetKind::Phrase => Rule::Phrase(crate::phrases().get(usize::from(t.a))?),
        TargetKind::Marker => Rule::Marker(crate::providers().get(usize::from(t.a))?),
    };
    Some(Match { rule, start, end })
}
