//! The concept-pair fallback ([`maildiag_codes::concepts`]): a cause named by a word of
//! what a reply is about next to a word of what it says of it (`recipient ... unknown`,
//! `account is locked`), for wording no catalogue entry or phrase rule knows.
//!
//! One overlapping Aho-Corasick pass finds the words; only the first [`MAX_HITS`] word hits are
//! paired, so the work is bounded whatever the input. It runs only on the fallback path
//! (no entry and no phrase of weight decided), so it costs the common case nothing.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use maildiag_codes::{Concept, concepts};

/// A word may go on for at most this many letters (`limit` → `limited`).
const MAX_SUFFIX: usize = 3;

/// At most this many word hits are paired (the cause is stated early in a reply).
const MAX_HITS: usize = 32;

/// A concept found in a text: the concept and the spans of its two words (in the text's
/// coordinates, `what` first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    pub concept: &'static Concept,
    /// The concept's words that matched (`what`, `state`), as the data writes them.
    pub words: (&'static str, &'static str),
    pub what: (usize, usize),
    pub state: (usize, usize),
}

/// Every distinct word of every concept, and for each word the concepts and roles it
/// plays (`true`: a `what` word).
struct Words {
    automaton: AhoCorasick,
    words: Vec<&'static str>,
    roles: Vec<Vec<(u16, bool)>>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    let mut words: Vec<&'static str> = Vec::new();
    let mut roles: Vec<Vec<(u16, bool)>> = Vec::new();
    for (i, c) in concepts().iter().enumerate() {
        let i = u16::try_from(i).unwrap_or(u16::MAX);
        for (list, is_what) in [(c.what, true), (c.state, false)] {
            for w in list {
                match words.iter().position(|x| x == w) {
                    Some(k) => roles[k].push((i, is_what)),
                    None => {
                        words.push(w);
                        roles.push(vec![(i, is_what)]);
                    }
                }
            }
        }
    }
    let automaton = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&words)
        .unwrap_or_else(|e| unreachable!("concept words are checked by codegen: {e}"));
    Words {
        automaton,
        words,
        roles,
    }
});

/// The concept whose two words stand closest together in `text` (ties: the concept listed
/// first), if any.
pub(crate) fn find(text: &[u8]) -> Option<Found> {
    let words = &*WORDS;
    let mut hits: [(usize, usize, usize); MAX_HITS] = [(0, 0, 0); MAX_HITS];
    let mut n = 0;
    // Overlapping: a word inside a longer one (`limit` in `limit reached`) may belong to
    // another concept.
    for m in words.automaton.find_overlapping_iter(text) {
        // Words start at a word boundary (`user`, not the end of `superuser`).
        if m.start() > 0 && text[m.start() - 1].is_ascii_alphanumeric() {
            continue;
        }
        // ... and end within three letters (`recipients`, `limited`; not `username`).
        let run = text[m.end()..]
            .iter()
            .take(MAX_SUFFIX + 1)
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if run > MAX_SUFFIX {
            continue;
        }
        // ... and not inside an address (`"email": "user@example.org"` says nothing of a
        // user).
        if crate::classify::in_address(text, m.start(), m.end()) {
            continue;
        }
        hits[n] = (m.start(), m.end(), m.pattern().as_usize());
        n += 1;
        if n == MAX_HITS {
            break;
        }
    }
    let hits = &hits[..n];
    // (gap, concept index, (what span, its word), (state span, its word))
    type Pair = (usize, u16, ((usize, usize), usize), ((usize, usize), usize));
    let mut best: Option<Pair> = None;
    for (a, &(s1, e1, w1)) in hits.iter().enumerate() {
        for &(s2, e2, w2) in &hits[a + 1..] {
            let gap = s2.saturating_sub(e1);
            if best.is_some_and(|(g, ..)| gap > g) || sentence_end(&text[e1..s2.max(e1)]) {
                continue;
            }
            for &(c1, what1) in &words.roles[w1] {
                let Some(&(c, _)) = words.roles[w2]
                    .iter()
                    .find(|&&(c2, what2)| c2 == c1 && what2 != what1)
                else {
                    continue;
                };
                let concept = &concepts()[usize::from(c)];
                if gap > usize::from(concept.gap)
                    || best.is_some_and(|(g, bc, ..)| gap == g && c >= bc)
                {
                    continue;
                }
                let (what, state) = if what1 {
                    (((s1, e1), w1), ((s2, e2), w2))
                } else {
                    (((s2, e2), w2), ((s1, e1), w1))
                };
                best = Some((gap, c, what, state));
            }
        }
    }
    best.map(|(_, c, (what, w), (state, s))| Found {
        concept: &concepts()[usize::from(c)],
        words: (words.words[w], words.words[s]),
        what,
        state,
    })
}

/// Whether `between` ends a sentence: a full stop followed by a space, a semicolon, an
/// exclamation or question mark, or a line end.
fn sentence_end(between: &[u8]) -> bool {
    between.iter().enumerate().any(|(i, &c)| {
        matches!(c, b';' | b'!' | b'?' | b'\n' | b'\r')
            || c == b'.' && between.get(i + 1).is_some_and(u8::is_ascii_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use maildiag_codes::Category;

    fn category(text: &str) -> Option<Category> {
        find(text.as_bytes()).map(|f| f.concept.category)
    }

    #[test]
    fn pairs_name_causes() {
        assert_eq!(category("550 No user found"), Some(Category::UserUnknown));
        assert_eq!(
            category("local server don't exists that user"),
            Some(Category::UserUnknown)
        );
        assert_eq!(
            category("550 recipient e-mail adress unknown"),
            Some(Category::UserUnknown)
        );
        assert_eq!(
            category("550 user is locked."),
            Some(Category::MailboxDisabled)
        );
        assert_eq!(
            category("462 Daily send limit reached"),
            Some(Category::RateLimited)
        );
        assert_eq!(
            category("remote ip is forbidden"),
            Some(Category::Blocklisted)
        );
        assert_eq!(category("550 System is busy."), Some(Category::ServerBusy));
        assert_eq!(
            category("The domain you sent to does not exist"),
            Some(Category::DomainNotFound)
        );
    }

    #[test]
    fn the_closest_pair_wins() {
        // `account` + `disabled` (gap 1) beats `recipient` + `rejected`.
        let f = find(b"recipient rejected, account administratively disabled").expect("found");
        assert_eq!(f.concept.category, Category::MailboxDisabled);
        assert_eq!(f.what, (20, 27));
    }

    #[test]
    fn words_stay_within_a_sentence_and_the_gap() {
        assert_eq!(category("Hello user. Unknown error"), None);
        assert_eq!(category("user; unknown"), None);
        let far = format!("user {} unknown", "x".repeat(60));
        assert_eq!(category(&far), None);
        // Inside another word, a word does not count.
        assert_eq!(category("superuser unknownhost"), None);
        // Nor does a longer word that starts like one.
        assert_eq!(category("username unknownness"), None);
        assert_eq!(category("nothing to see here"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_spans_are_in_bounds(text in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            if let Some(f) = find(&text) {
                proptest::prop_assert!(f.what.1 <= text.len() && f.state.1 <= text.len());
                proptest::prop_assert!(f.what.0 < f.what.1 && f.state.0 < f.state.1);
            }
        }
    }
}
