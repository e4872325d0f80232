//! The wording that tells Sisimai's reasons apart, matched: the knowledge base's
//! per-reason phrases and ordered fragment pairs ([`maildiag_codes::sisimai_words`]),
//! ASCII case-insensitively.
//!
//! Our taxonomy files many of these replies in other categories (a reputation block and
//! a blocklist are both `blocklisted`-like for a person, but two reasons for Sisimai), so
//! the bounce classifier reads these lists in addition to its verdict. All lists are
//! compiled into one Aho-Corasick automaton, built once.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use maildiag_codes::SisimaiWords;

/// The per-reason wording of the knowledge base (`crates/codes/data/sisimai_words.toml`).
fn words() -> &'static [SisimaiWords] {
    maildiag_codes::sisimai_words()
}

/// Every phrase and pair fragment, with what it belongs to.
struct Compiled {
    ac: AhoCorasick,
    /// For each pattern: the index in [`words`] and, for a pair fragment, the pair's
    /// index and the fragment's position.
    owner: Vec<(usize, Option<(usize, usize)>)>,
}

static COMPILED: LazyLock<Option<Compiled>> = LazyLock::new(|| {
    let mut patterns: Vec<&str> = Vec::new();
    let mut owner = Vec::new();
    for (i, words) in words().iter().enumerate() {
        for p in words.any {
            patterns.push(p);
            owner.push((i, None));
        }
        for (j, pair) in words.pairs.iter().enumerate() {
            for (k, frag) in pair.iter().enumerate() {
                patterns.push(frag);
                owner.push((i, Some((j, k))));
            }
        }
    }
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .ok()
        .map(|ac| Compiled { ac, owner })
});

/// Calls `found` with every reason whose wording `text` holds.
pub(crate) fn reasons_in(text: &[u8], mut found: impl FnMut(&'static str)) {
    let Some(c) = COMPILED.as_ref() else {
        return;
    };
    let mut hit = [false; 64];
    // Pair fragments seen: (words index, pair index, fragment index, start, end).
    let mut frags: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    for m in c.ac.find_overlapping_iter(text) {
        let (i, pair) = c.owner[m.pattern().as_usize()];
        match pair {
            None => hit[i] = true,
            Some((j, k)) => frags.push((i, j, k, m.start(), m.end())),
        }
    }
    for (i, words) in words().iter().enumerate() {
        if !hit[i] {
            hit[i] = words.pairs.iter().enumerate().any(|(j, pair)| {
                // Each fragment must start after the end of the previous one.
                let mut from = 0;
                (0..pair.len()).all(|k| {
                    let next = frags
                        .iter()
                        .filter(|f| f.0 == i && f.1 == j && f.2 == k && f.3 >= from)
                        .map(|f| f.4)
                        .min();
                    next.inspect(|end| from = *end).is_some()
                })
            });
        }
        if hit[i] {
            found(words.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Vec<&'static str> {
        let mut v = Vec::new();
        reasons_in(text.as_bytes(), |r| v.push(r));
        v
    }

    #[test]
    fn phrases_and_ordered_pairs() {
        assert!(said("550 5.1.1 <a@example.net>: User Unknown").contains(&"userunknown"));
        assert!(
            said("Messages with multiple addresses in From: header are not accepted")
                .contains(&"notcompliantrfc")
        );
        // A pair's fragments must come in order.
        assert!(said("450 service permits 2 unverifyable sending IPs").contains(&"requireptr"));
        assert!(!said("unverifyable sending IPs; service permits 2").contains(&"requireptr"));
        assert!(said("nothing to see here").is_empty());
    }

    #[test]
    fn the_table_fits_the_hit_array() {
        assert!(words().len() <= 64);
        assert!(COMPILED.is_some());
    }
}
