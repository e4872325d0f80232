//! Finding many fixed strings in a text at once, ASCII case ignored: the knowledge
//! base's anchors (about two thousand phrases) are searched this way.
//!
//! Every literal is indexed by one four-byte *gram* of its first bytes, the one least
//! common among all the literals (they are written in the words the texts use, so this
//! stands in for how common a gram is in text). A search reads each four-byte window of
//! the text once and tests its hash in an 8 KB bit filter; nearly every window stops
//! there, and one that passes is looked up and the literals behind its gram compared in
//! full. For this set it is faster than the Aho-Corasick automaton it replaced, which had
//! to be a (compact, slow) NFA: a DFA of two thousand phrases in several scripts took
//! 16 MB and 30 ms to build at every start. For a small set whose automaton is a DFA it is
//! not (the bounce reader's markers: 2 % more instructions). See docs/PERFORMANCE.md,
//! session 15.

/// The filter's size in bits (a power of two); the hash keeps its top bits.
const FILTER_BITS: u32 = 16;

/// The filter's size in 64-bit words.
const FILTER_WORDS: usize = (1 << FILTER_BITS) / 64;

/// The second level's size in bits: slots of a few grams each.
const SLOT_BITS: u32 = 12;

/// How far into a literal its gram may start.
const MAX_GRAM_OFFSET: usize = 8;

/// A literal indexed by its gram.
#[derive(Debug, Clone, Copy)]
struct Gram {
    /// The gram's four bytes, folded ([`fold`]), little-endian.
    key: u32,
    /// Index of the literal.
    literal: u32,
    /// Where the gram starts in the literal.
    offset: u32,
    /// Where the literal starts in `Literals::bytes`, and its length.
    span: (u32, u32),
}

/// A set of literals, indexed once for one-pass searches.
#[derive(Clone)]
pub(crate) struct Literals {
    /// One bit per hash of a folded four-byte window; set when some gram hashes there.
    filter: Box<[u64; FILTER_WORDS]>,
    /// Where each slot's grams start in `grams` (a slot is the hash's top `SLOT_BITS`),
    /// and, last, the number of grams.
    slots: Box<[u32]>,
    /// Every literal by its gram, sorted by slot, then gram key, then literal. A
    /// three-byte literal stands here once for every byte that can follow it.
    grams: Vec<Gram>,
    /// Literals of one or two bytes, by index.
    tiny: Vec<u32>,
    /// The literals, one after the other.
    bytes: Vec<u8>,
    /// Where each literal starts in `bytes`, and, last, the length of `bytes`.
    starts: Vec<u32>,
    /// Hits are ordered by where this many first bytes of their literal end.
    order_prefix: usize,
}

impl core::fmt::Debug for Literals {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Literals")
            .field("literals", &self.len())
            .field("grams", &self.grams.len())
            .finish_non_exhaustive()
    }
}

/// ASCII letters of a window folded to lower case. Other bytes get bit 5 set too: windows
/// that differ only there share a key, and the full comparison tells them apart.
fn fold(w: u32) -> u32 {
    w | 0x2020_2020
}

fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - FILTER_BITS)) as usize
}

/// How rare a byte is in mail text (higher is rarer), to choose between grams equally
/// common among the literals: a rough English and mail ranking of the common bytes;
/// other ASCII is rarest, non-ASCII bytes in between.
fn rarity(b: u8) -> u32 {
    u32::from(RARITY[usize::from(b)])
}

/// [`rarity`] of every byte, ranked once at compile time.
static RARITY: [u8; 256] = {
    const COMMON_FIRST: &[u8] = b" etaoinsrhldcu.:m-pfgywb,0v1k2<>@53=4\"896x7/;()_'jqz";
    let mut t = [40u8; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = 100;
        b += 1;
    }
    let mut i = COMMON_FIRST.len();
    while i > 0 {
        i -= 1;
        let c = COMMON_FIRST[i];
        t[c as usize] = i as u8;
        t[c.to_ascii_uppercase() as usize] = i as u8;
    }
    t
};

/// The four bytes at `at`, folded, little-endian; past the text's end, zero bytes (which
/// fold to spaces).
fn window(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(rest) = b.get(at..) {
        let n = rest.len().min(4);
        w[..n].copy_from_slice(&rest[..n]);
    }
    fold(u32::from_le_bytes(w))
}

impl Literals {
    /// Indexes `literals`; hits will be ordered by where the first `order_prefix` bytes
    /// of their literal end, then by start, then by literal (the order an overlapping
    /// Aho-Corasick search over those prefixes reports them in, each prefix's literals
    /// in index order). Empty literals are never found. At most `u32::MAX` literals.
    pub(crate) fn new<'a>(
        literals: impl IntoIterator<Item = &'a [u8]>,
        order_prefix: usize,
    ) -> Self {
        let mut bytes = Vec::new();
        let mut starts = vec![0u32];
        for l in literals {
            bytes.extend_from_slice(l);
            starts.push(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        }
        // Each literal's start in `bytes` and length.
        let spans: Vec<(u32, u32)> = starts.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
        let literal = |(a, n): (u32, u32)| -> &[u8] {
            bytes.get(a as usize..(a + n) as usize).unwrap_or_default()
        };
        let count = spans.len();
        // How often each gram occurs anywhere in the literals.
        // (Counted by the gram's hash, as the filter sees it: grams that share a hash share
        // a count, which only makes the choice a little coarser; a map of the grams took
        // as long as everything else a process does before its first verdict.)
        let mut seen = vec![0u16; 1 << FILTER_BITS];
        for &span in &spans {
            let l = literal(span);
            for at in 0..l.len().saturating_sub(3) {
                let n = &mut seen[hash(window(l, at))];
                *n = n.saturating_add(1);
            }
        }
        let mut grams = Vec::with_capacity(count);
        let mut tiny = Vec::new();
        for (i, &span) in spans.iter().enumerate() {
            let (l, Ok(index)) = (literal(span), u32::try_from(i)) else {
                continue;
            };
            if l.is_empty() {
                continue;
            }
            if l.len() < 3 {
                // Compared wherever their first byte stands (a one-byte literal would
                // stand for 128³ grams).
                tiny.push(index);
                continue;
            }
            if l.len() == 3 {
                // Any folded byte (bit 5 set) may follow, the text's end included.
                let known = window(l, 0) & 0x00FF_FFFF;
                grams.extend((0..=u8::MAX).filter(|c| c & 0x20 != 0).map(|c| Gram {
                    key: known | u32::from(c) << 24,
                    literal: index,
                    offset: 0,
                    span,
                }));
                continue;
            }
            // The least common gram, then the one of rarest bytes, then the earliest.
            let best = (0..=(l.len() - 4).min(MAX_GRAM_OFFSET)).min_by_key(|&o| {
                let rare: u32 = l[o..o + 4].iter().map(|&c| rarity(c)).sum();
                let common = seen[hash(window(l, o))];
                (common, u32::MAX - rare, o)
            });
            if let Some(o) = best {
                grams.push(Gram {
                    key: window(l, o),
                    literal: index,
                    offset: o as u32,
                    span,
                });
            }
        }
        let slot = |key: u32| hash(key) >> (FILTER_BITS - SLOT_BITS);
        grams.sort_unstable_by_key(|g| (slot(g.key), g.key, g.literal));
        let mut filter = Box::new([0u64; FILTER_WORDS]);
        let mut slots = vec![0u32; (1 << SLOT_BITS) + 1].into_boxed_slice();
        for g in &grams {
            let h = hash(g.key);
            filter[h / 64] |= 1 << (h % 64);
            slots[slot(g.key) + 1] += 1;
        }
        for i in 1..slots.len() {
            slots[i] += slots[i - 1];
        }
        Literals {
            filter,
            slots,
            grams,
            tiny,
            bytes,
            starts,
            order_prefix,
        }
    }

    /// How many literals the set holds.
    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The literal at `index`, as given.
    pub(crate) fn literal(&self, index: usize) -> Option<&[u8]> {
        let (a, b) = (*self.starts.get(index)?, *self.starts.get(index + 1)?);
        self.bytes.get(a as usize..b as usize)
    }

    /// Appends to `out` every occurrence of every literal in `text` (ASCII case
    /// ignored, overlapping ones included) as `(start, literal index)`, in the order
    /// [`Literals::new`] describes. Work is linear in the text plus the literals compared.
    pub(crate) fn find_all(&self, text: &[u8], out: &mut Vec<(usize, usize)>) {
        let filter = &*self.filter;
        // Whether some gram hashes where `w` does: one load for nearly every window.
        let maybe = |w: u32| {
            let h = hash(w);
            filter[(h / 64) % FILTER_WORDS] & (1 << (h % 64)) != 0
        };
        let first = out.len();
        // Most texts hold a few literals: one allocation for them, not a growth per hit.
        out.reserve(16);
        // Literals of one or two bytes: each compared wherever its first byte stands.
        for &i in &self.tiny {
            let i = i as usize;
            let Some(l) = self.literal(i) else {
                continue;
            };
            let Some(&b) = l.first() else {
                continue;
            };
            let b = b.to_ascii_lowercase();
            for (at, c) in text.iter().enumerate() {
                if c.to_ascii_lowercase() == b
                    && text
                        .get(at..at + l.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(l))
                {
                    out.push((at, i));
                }
            }
        }
        let mut look = |at: usize, w: u32| {
            let s = hash(w) >> (FILTER_BITS - SLOT_BITS);
            let (Some(&lo), Some(&hi)) = (self.slots.get(s), self.slots.get(s + 1)) else {
                return;
            };
            for g in self.grams.get(lo as usize..hi as usize).unwrap_or_default() {
                if g.key != w {
                    continue;
                }
                let Some(start) = at.checked_sub(g.offset as usize) else {
                    continue;
                };
                let (from, len) = (g.span.0 as usize, g.span.1 as usize);
                if let (Some(t), Some(l)) = (
                    text.get(start..start + len),
                    self.bytes.get(from..from + len),
                ) && t.eq_ignore_ascii_case(l)
                {
                    out.push((start, g.literal as usize));
                }
            }
        };
        for (at, w) in text.windows(4).enumerate() {
            let w = fold(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            if maybe(w) {
                look(at, w);
            }
        }
        // The last three positions, where only literals shorter than a gram fit.
        for at in text.len().saturating_sub(3)..text.len() {
            let w = window(text, at);
            if maybe(w) {
                look(at, w);
            }
        }
        let order = |&(start, i): &(usize, usize)| {
            let len = self.literal(i).map_or(0, <[u8]>::len);
            (start + len.min(self.order_prefix), start, i)
        };
        if let Some(found) = out.get_mut(first..) {
            found.sort_unstable_by_key(order);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every occurrence, the slow way, in the documented order.
    fn naive(lits: &[Vec<u8>], order: usize, text: &[u8]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            if l.is_empty() || l.len() > text.len() {
                continue;
            }
            for s in 0..=text.len() - l.len() {
                if text[s..s + l.len()].eq_ignore_ascii_case(l) {
                    v.push((s + l.len().min(order), s, i));
                }
            }
        }
        v.sort_unstable();
        v.into_iter().map(|(_, s, i)| (s, i)).collect()
    }

    fn fast(lits: &[Vec<u8>], order: usize, text: &[u8]) -> Vec<(usize, usize)> {
        let set = Literals::new(lits.iter().map(Vec::as_slice), order);
        let mut v = Vec::new();
        set.find_all(text, &mut v);
        v
    }

    #[test]
    fn hits_come_by_the_end_of_their_first_bytes() {
        let set = Literals::new([&b"user unknown"[..], b"unknown", b"spf"], 12);
        let mut hits = Vec::new();
        set.find_all(b"550 SPF fail: User Unknown", &mut hits);
        assert_eq!(hits, vec![(4, 2), (14, 0), (19, 1)]);
        // With a shorter order prefix, "user unknown" is reported by its first 4 bytes.
        let set = Literals::new([&b"unknown"[..], b"user unknown"], 4);
        hits.clear();
        set.find_all(b"User Unknown", &mut hits);
        assert_eq!(hits, vec![(0, 1), (5, 0)]);
    }

    #[test]
    fn short_literals_at_the_ends_and_shared_grams() {
        let lits: Vec<Vec<u8>> = [
            "a", "ab", "abc", "abcd", "bcd", "ABCDE", "", "cd\u{e9}", "d",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for text in [
            "",
            "a",
            "ab",
            "abcd",
            "xabcde",
            "ABCDE abcd",
            "cd\u{e9}d",
            "dddd",
        ] {
            assert_eq!(
                fast(&lits, 3, text.as_bytes()),
                naive(&lits, 3, text.as_bytes()),
                "{text}"
            );
        }
    }

    #[test]
    fn byte_ranks() {
        assert_eq!((rarity(b' '), rarity(b'e'), rarity(b'E')), (0, 1, 1));
        assert_eq!((rarity(b'z'), rarity(b'~'), rarity(0xE4)), (51, 100, 40));
    }

    #[test]
    fn case_folding_is_for_ascii_letters_only() {
        // `@` and `` ` `` fold to the same key; only the comparison tells them apart.
        let lits = vec![b"a@b.c".to_vec(), b"[x]".to_vec()];
        assert_eq!(
            fast(&lits, 12, b"A`B.C A@B.C {X} [X]"),
            vec![(6, 0), (16, 1)]
        );
    }

    proptest! {
        #[test]
        fn agrees_with_searching_each_literal(
            lits in proptest::collection::vec(proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'B'), Just(b' '), Just(b'@'), Just(b'`'), Just(0xC3u8), any::<u8>()], 0..9), 1..12),
            text in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'b'), Just(b' '), Just(b'@'), Just(b'`'), Just(0xC3u8), any::<u8>()], 0..80),
            order in 1usize..14,
        ) {
            prop_assert_eq!(fast(&lits, order, &text), naive(&lits, order, &text));
        }
    }
}
