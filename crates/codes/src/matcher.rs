//! One-pass matching of reply texts against the catalogue.
//!
//! Every provider entry, phrase rule and provider marker contributes one literal anchor
//! to a single ASCII-case-insensitive Aho-Corasick automaton (built once); the automaton
//! holds only the anchors' first bytes (a small automaton, a contiguous NFA) and a hit is
//! verified against the whole anchor before it counts. Entries whose
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

/// Anchors longer than this enter the automaton by their first `ANCHOR_PREFIX` bytes and
/// are verified in full after a hit: a smaller automaton stays in the CPU caches.
const ANCHOR_PREFIX: usize = 12;

/// How far before its anchor a template's match may start.
const TEMPLATE_LOOKBACK: usize = 256;

struct Automaton {
    ac: AhoCorasick,
    /// For each automaton pattern, the `PATTERNS` indices it stands for (`first..first+n`
    /// into `members`).
    groups: Vec<(u32, u32)>,
    /// `PATTERNS` indices grouped by automaton pattern.
    members: Vec<u16>,
}

static AUTOMATON: OnceLock<Option<Automaton>> = OnceLock::new();
static REGEX_CACHE: [OnceLock<Option<Regex>>; REGEX_COUNT] =
    [const { OnceLock::new() }; REGEX_COUNT];

fn automaton() -> Option<&'static Automaton> {
    AUTOMATON
        .get_or_init(|| {
            // Group the anchors by their (lower-cased, truncated) prefix.
            let mut keyed: Vec<(Vec<u8>, u16)> = PATTERNS
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let b = p.as_bytes();
                    let key = b[..b.len().min(ANCHOR_PREFIX)].to_ascii_lowercase();
                    Some((key, u16::try_from(i).ok()?))
                })
                .collect();
            keyed.sort();
            let mut prefixes: Vec<Vec<u8>> = Vec::new();
            let mut groups: Vec<(u32, u32)> = Vec::new();
            let mut members: Vec<u16> = Vec::with_capacity(keyed.len());
            for (key, i) in keyed {
                if prefixes.last() != Some(&key) {
                    prefixes.push(key);
                    groups.push((members.len() as u32, 0));
                }
                members.push(i);
                if let Some(g) = groups.last_mut() {
                    g.1 += 1;
                }
            }
            let build = |kind| {
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(AcMatchKind::Standard)
                    .kind(kind)
                    .build(prefixes.iter())
            };
            // A contiguous NFA: a DFA's table grows with the byte classes the phrases use,
            // and since phrases in Chinese, Japanese and Russian joined it took 16 MB and
            // 75 M instructions to build at every start for no measurable gain in verdicts
            // per second (docs/PERFORMANCE.md, session 12). Fall back to the automatic
            // choice if it cannot be built.
            let ac = build(Some(AhoCorasickKind::ContiguousNFA))
                .or_else(|_| build(None))
                .ok()?;
            Some(Automaton {
                ac,
                groups,
                members,
            })
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
        automaton: automaton(),
        inner: automaton().map(|a| a.ac.find_overlapping_iter(text)),
        group: None,
        pending: None,
    }
}

/// The iterator returned by [`matches`].
pub struct Matches<'t> {
    text: &'t [u8],
    automaton: Option<&'static Automaton>,
    inner: Option<aho_corasick::FindOverlappingIter<'static, 't>>,
    /// The current prefix hit: its start and the group members `next..end` to verify.
    group: Option<(usize, usize, usize)>,
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
            if let Some((start, next, stop)) = self.group {
                if next < stop {
                    self.group = Some((start, next + 1, stop));
                    let Some(&i) = self.automaton.and_then(|a| a.members.get(next)) else {
                        continue;
                    };
                    let i = usize::from(i);
                    // The whole anchor must be there, not only its prefix.
                    let Some(pattern) = PATTERNS.get(i).map(|p| p.as_bytes()) else {
                        continue;
                    };
                    let end = start + pattern.len();
                    if !self
                        .text
                        .get(start..end)
                        .is_some_and(|t| t.eq_ignore_ascii_case(pattern))
                    {
                        continue;
                    }
                    let (first, len) = PATTERN_TARGETS.get(i).copied().unwrap_or((0, 0));
                    let first = first as usize;
                    self.pending = Some((start, end, first, first + len as usize));
                    continue;
                }
                self.group = None;
            }
            let m = self.inner.as_mut()?.next()?;
            let (first, n) = self
                .automaton
                .and_then(|a| a.groups.get(m.pattern().as_usize()))
                .copied()
                .unwrap_or((0, 0));
            self.group = Some((m.start(), first as usize, (first + n) as usize));
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
        // A template's placeholders before its anchor are short: search from a little
        // before the anchor instead of the text's start.
        let from = start.saturating_sub(TEMPLATE_LOOKBACK);
        re.find_iter(text.get(from..)?)
            .map(|m| (from + m.start(), from + m.end()))
            .take_while(|m| m.0 <= start)
            .find(|m| m.1 >= end)?
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every rule found by searching each anchor on its own, the slow way.
    fn naive(text: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            let p = p.as_bytes();
            if p.is_empty() || p.len() > text.len() {
                continue;
            }
            for start in 0..=text.len() - p.len() {
                if !text[start..start + p.len()].eq_ignore_ascii_case(p) {
                    continue;
                }
                let (first, n) = PATTERN_TARGETS[i];
                for t in &TARGETS[first as usize..(first + n) as usize] {
                    if let Some(m) = resolve(text, t, start, start + p.len()) {
                        out.push(format!("{m:?}"));
                    }
                }
            }
        }
        out.sort();
        out
    }

    fn fast(text: &[u8]) -> Vec<String> {
        let mut v: Vec<String> = matches(text).map(|m| format!("{m:?}")).collect();
        v.sort();
        v
    }

    #[test]
    fn prefix_anchors_find_what_whole_anchors_find() {
        // Each anchor alone, and anchors run together (shared prefixes, overlaps).
        for p in PATTERNS.iter().step_by(7) {
            let t = format!("550 5.7.1 {p}. 421 {}", p.to_ascii_uppercase());
            assert_eq!(fast(t.as_bytes()), naive(t.as_bytes()), "{t}");
        }
        let all: String = PATTERNS
            .iter()
            .step_by(13)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(fast(all.as_bytes()), naive(all.as_bytes()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn prefix_anchors_on_pieces_of_anchors(picks in proptest::collection::vec((0..PATTERNS.len(), 0usize..40, 0usize..40), 1..6)) {
            // Pieces of anchors: prefixes that must not match on their own.
            let mut text = String::new();
            for (i, a, b) in picks {
                let p = PATTERNS[i];
                let (lo, hi) = (a.min(b).min(p.len()), a.max(b).min(p.len()));
                let piece = if lo == 0 && hi < p.len() / 2 { p } else { p.get(..hi).unwrap_or(p) };
                text.push_str(piece);
                text.push(' ');
            }
            prop_assert_eq!(fast(text.as_bytes()), naive(text.as_bytes()));
        }
    }
}
