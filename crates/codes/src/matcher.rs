//! One-pass matching of reply texts against the catalogue.
//!
//! Every provider entry, phrase rule and provider marker contributes one literal anchor;
//! all anchors are found in one pass over the text by `Literals` (`literals.rs`: a bit
//! filter of the anchors' four-byte grams, then a full comparison where a window passes
//! it; one vector of hits per text). Entries whose pattern has placeholders or is a regex
//! are verified, after their anchor was found, with a regex compiled lazily the first
//! time it is needed.

use std::sync::OnceLock;

use regex::bytes::Regex;

use crate::generated::patterns::{PATTERN_TARGETS, PATTERNS, REGEX_COUNT, REGEXES, TARGETS};
use crate::literals::Literals;
use crate::{PhraseRule, ProviderEntry, ProviderInfo};

/// What an anchor leads to (generated table row).
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

/// Matches are ordered by the end of their anchor's first `ORDER_PREFIX` bytes (then by
/// start, then by anchor): the order the earlier automaton over twelve-byte prefixes
/// reported them in, which the classifier's tie-breaks were written against.
const ORDER_PREFIX: usize = 12;

/// How far before its anchor a template's match may start.
const TEMPLATE_LOOKBACK: usize = 256;

static INDEX: OnceLock<Literals> = OnceLock::new();
static REGEX_CACHE: [OnceLock<Option<Regex>>; REGEX_COUNT] =
    [const { OnceLock::new() }; REGEX_COUNT];

/// Every anchor occurrence in `text`: (start, `PATTERNS` index), in the order
/// [`matches`] reports them.
fn anchor_hits(text: &[u8]) -> Vec<(usize, usize)> {
    let index =
        INDEX.get_or_init(|| Literals::new(PATTERNS.iter().map(|p| p.as_bytes()), ORDER_PREFIX));
    let mut hits = Vec::new();
    index.find_all(text, &mut hits);
    hits
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
/// in the order the first twelve bytes of their anchors end in the text (then by start).
/// Multi-line replies should be joined first (drop the `550-5.7.1 ` continuation
/// prefixes).
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
        hits: anchor_hits(text).into_iter(),
        pending: None,
    }
}

/// The iterator returned by [`matches()`](fn@matches).
pub struct Matches<'t> {
    text: &'t [u8],
    /// The anchors found, in order: (start, `PATTERNS` index).
    hits: std::vec::IntoIter<(usize, usize)>,
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
            let (start, i) = self.hits.next()?;
            let len = PATTERNS.get(i).map_or(0, |p| p.len());
            let (first, n) = PATTERN_TARGETS.get(i).copied().unwrap_or((0, 0));
            let first = first as usize;
            self.pending = Some((start, start + len, first, first + n as usize));
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

    /// The anchors found by the automaton this index replaced (an Aho-Corasick automaton
    /// over the anchors' lower-cased twelve-byte prefixes, walked overlapping, each hit
    /// checked against its anchors in `PATTERNS` order): start and `PATTERNS` index, in
    /// the order it reported them.
    fn automaton_order(text: &[u8]) -> Vec<(usize, u16)> {
        use aho_corasick::{AhoCorasick, MatchKind};
        static AC: OnceLock<(AhoCorasick, Vec<Vec<u16>>)> = OnceLock::new();
        let (ac, groups) = AC.get_or_init(|| {
            let mut keyed: Vec<(Vec<u8>, u16)> = PATTERNS
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let b = p.as_bytes();
                    (
                        b[..b.len().min(ORDER_PREFIX)].to_ascii_lowercase(),
                        i as u16,
                    )
                })
                .collect();
            keyed.sort();
            let mut prefixes: Vec<Vec<u8>> = Vec::new();
            let mut groups: Vec<Vec<u16>> = Vec::new();
            for (key, i) in keyed {
                if prefixes.last() != Some(&key) {
                    prefixes.push(key);
                    groups.push(Vec::new());
                }
                groups.last_mut().unwrap().push(i);
            }
            let ac = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&prefixes)
                .unwrap();
            (ac, groups)
        });
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            for &i in &groups[m.pattern().as_usize()] {
                let p = PATTERNS[usize::from(i)].as_bytes();
                if text
                    .get(m.start()..m.start() + p.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(p))
                {
                    out.push((m.start(), i));
                }
            }
        }
        out
    }

    fn index_order(text: &[u8]) -> Vec<(usize, u16)> {
        anchor_hits(text)
            .into_iter()
            .map(|(s, p)| (s, p as u16))
            .collect()
    }

    #[test]
    fn anchors_come_in_the_order_the_automaton_gave() {
        for p in PATTERNS.iter().step_by(3) {
            let t = format!("550 5.7.1 {p}. 421 {}", p.to_ascii_uppercase());
            assert_eq!(
                index_order(t.as_bytes()),
                automaton_order(t.as_bytes()),
                "{t}"
            );
        }
        // Anchors run together and overlapping, and at the text's very end.
        for step in [5, 11, 17] {
            let all: String = PATTERNS.iter().step_by(step).copied().collect();
            assert_eq!(index_order(all.as_bytes()), automaton_order(all.as_bytes()));
        }
        for p in PATTERNS.iter().filter(|p| p.len() < 6) {
            for t in [
                p.to_string(),
                format!("x{p}"),
                format!("{p}x"),
                format!("{p}{p}"),
            ] {
                assert_eq!(
                    index_order(t.as_bytes()),
                    automaton_order(t.as_bytes()),
                    "{t}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn order_on_pieces_and_noise(picks in proptest::collection::vec((0..PATTERNS.len(), 0usize..40, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..4)), 1..8)) {
            // Pieces of anchors glued to each other and to arbitrary bytes, in either case.
            let mut text: Vec<u8> = Vec::new();
            for (i, cut, upper, noise) in picks {
                let p = PATTERNS[i].as_bytes();
                let piece = &p[p.len().saturating_sub(cut.max(1))..];
                text.extend(if upper { piece.to_ascii_uppercase() } else { piece.to_vec() });
                text.extend(noise);
            }
            prop_assert_eq!(index_order(&text), automaton_order(&text));
        }
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
