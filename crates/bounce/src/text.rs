//! Text helpers shared by the format readers: case-insensitive search, addresses,
//! sections between markers and recipient blocks.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use maildiag_reply::{Action, SmtpCommand};
use maildiag_types::{EnhancedCode, ReplyCode};

/// ASCII case-insensitive substring position.
pub(crate) fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    find_ci_bytes(hay.as_bytes(), needle.as_bytes())
}

/// How common each byte is in bounce text, ASCII letters folded: higher is rarer.
/// `COMMON_FIRST` is a rough English/e-mail frequency ranking; bytes not listed (rare
/// punctuation, control bytes) are the rarest, non-ASCII bytes rank near the top.
static RARITY: [u8; 256] = {
    const COMMON_FIRST: &[u8] = b" \netaoinsrhldcu.:m-pfgywb,0v1k2<>@53=4\"896x7/;()_'jqz";
    let mut t = [u8::MAX; 256];
    let mut b = 128;
    while b < 256 {
        t[b] = 16;
        b += 1;
    }
    let mut i = 0;
    while i < COMMON_FIRST.len() {
        let c = COMMON_FIRST[i];
        t[c as usize] = i as u8;
        t[c.to_ascii_uppercase() as usize] = i as u8;
        i += 1;
    }
    t
};

/// [`find_ci`] on bytes: scans for the needle's rarest byte (both cases) and compares
/// around each hit, so the leftmost match is found with few comparisons.
pub(crate) fn find_ci_bytes(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return Some(0);
    }
    if n.len() > h.len() {
        return None;
    }
    let mut k = 0;
    for (i, &c) in n.iter().enumerate().skip(1) {
        if RARITY[c as usize] > RARITY[n[k] as usize] {
            k = i;
        }
    }
    let (lo, up) = (n[k].to_ascii_lowercase(), n[k].to_ascii_uppercase());
    // Hits of byte k at `q` are matches starting at `q - k`; a match must end in `h`.
    let last = h.len() - n.len() + k;
    let mut q = k;
    while q <= last {
        let rel = memchr::memchr2(lo, up, &h[q..=last])?;
        let start = q + rel - k;
        if h[start..start + n.len()].eq_ignore_ascii_case(n) {
            return Some(start);
        }
        q += rel + 1;
    }
    None
}

/// ASCII case-insensitive `contains`.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    find_ci(hay, needle).is_some()
}

/// `true` when `hay` contains any of the needles (case-insensitive).
pub(crate) fn any_ci(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| contains_ci(hay, n))
}

/// Whitespace runs (line breaks included) collapsed to one space, trimmed.
pub(crate) fn collapse(s: &str) -> String {
    if s.is_ascii() {
        // Byte-wise: the same words as `split_whitespace`, whose ASCII white space is
        // exactly these bytes, without decoding characters.
        let mut out = Vec::with_capacity(s.len());
        let words = s
            .as_bytes()
            .split(|c| matches!(c, b'\t'..=b'\r' | b' '))
            .filter(|w| !w.is_empty());
        for w in words {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(w);
        }
        // ASCII in, ASCII out.
        if let Ok(out) = String::from_utf8(out) {
            return out;
        }
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Bytes of an address's local part (`LOCAL`) and domain (`DOMAIN`), as one table.
static ADDRESS_BYTES: [u8; 256] = {
    const LOCAL: u8 = 1;
    const DOMAIN: u8 = 2;
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = LOCAL | DOMAIN;
        }
        c += 1;
    }
    let local = b".!#$%&'*+-/=?^_`{|}~";
    let mut i = 0;
    while i < local.len() {
        t[local[i] as usize] |= LOCAL;
        i += 1;
    }
    t[b'.' as usize] |= DOMAIN;
    t[b'-' as usize] |= DOMAIN;
    t[b'_' as usize] |= DOMAIN;
    t
};

fn is_local_char(c: u8) -> bool {
    ADDRESS_BYTES[c as usize] & 1 != 0
}

fn is_domain_char(c: u8) -> bool {
    ADDRESS_BYTES[c as usize] & 2 != 0
}

/// Every email address in `s`, as byte ranges, in order.
pub(crate) fn addresses(s: &str) -> Vec<(usize, usize)> {
    AddressSpans::new(s).collect()
}

/// The first address in `s`.
pub(crate) fn first_address(s: &str) -> Option<&str> {
    AddressSpans::new(s).next().and_then(|(a, b)| s.get(a..b))
}

/// The iterator behind [`addresses`]: each `@` with the local part before it and the
/// domain after it, skipping hits inside the previous address.
struct AddressSpans<'a> {
    b: &'a [u8],
    /// Where the search for the next `@` starts.
    from: usize,
    /// The end of the last address yielded.
    last_end: usize,
}

impl AddressSpans<'_> {
    fn new(s: &str) -> AddressSpans<'_> {
        AddressSpans {
            b: s.as_bytes(),
            from: 0,
            last_end: 0,
        }
    }
}

impl Iterator for AddressSpans<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let b = self.b;
        while let Some(rel) = b.get(self.from..).and_then(|t| memchr::memchr(b'@', t)) {
            let at = self.from + rel;
            let mut start = at;
            while start > 0 && is_local_char(b[start - 1]) {
                start -= 1;
            }
            let mut end = at + 1;
            while end < b.len() && is_domain_char(b[end]) {
                end += 1;
            }
            while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
                end -= 1;
            }
            while start < at && b[start] == b'.' {
                start += 1;
            }
            self.from = end.max(at + 1);
            if start < at && end > at + 1 && start >= self.last_end {
                self.last_end = end;
                return Some((start, end));
            }
        }
        None
    }
}

/// Normalises an address: strips `<>`, quotes and a `mailto:`/`rfc822;` prefix.
pub(crate) fn clean_address(s: &str) -> String {
    let s = s
        .trim()
        .trim_matches(|c| c == '<' || c == '>' || c == '"' || c == '\'');
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    match first_address(s) {
        Some(a) => a.to_owned(),
        None => s.to_owned(),
    }
}

/// The first position of any marker (case-insensitive), with the marker's length; of
/// markers found at the same position, the first in the list.
pub(crate) fn find_any(hay: &str, markers: &[&str]) -> Option<(usize, usize)> {
    let h = hay.as_bytes();
    let mut best: Option<(usize, usize)> = None;
    for m in markers {
        // Only a match that starts before the best one so far can win.
        let limit = match best {
            Some((0, _)) => break,
            Some((p, _)) => (p + m.len() - 1).min(h.len()),
            None => h.len(),
        };
        if let Some(p) = find_ci_bytes(&h[..limit], m.as_bytes()) {
            best = Some((p, m.len()));
        }
    }
    best
}

/// The position of the first of the [`ORIGINAL_MARKERS`] in `hay` (case-insensitive):
/// `find_any(hay, ORIGINAL_MARKERS)` in one pass.
pub(crate) fn find_original(hay: &str) -> Option<usize> {
    static AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(ORIGINAL_MARKERS)
            .ok()
    });
    match &*AC {
        Some(ac) => ac.find(hay).map(|m| m.start()),
        None => find_any(hay, ORIGINAL_MARKERS).map(|(p, _)| p),
    }
}

/// The position of the first returned header line (`Received:`, `Return-Path:`...) in
/// `hay`, pointing at the line break before it.
/// Header lines that start a returned message's header block (case-sensitive).
pub(crate) const RETURNED_HEADERS: &[&str] = &[
    "\nReceived: ",
    "\nReturn-Path:",
    "\nReturn-path:",
    "\nDKIM-Signature:",
    "\nX-Google-Smtp-Source:",
];

fn find_returned_header(hay: &str) -> Option<usize> {
    static AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(RETURNED_HEADERS)
            .ok()
    });
    match &*AC {
        Some(ac) => ac.find(hay).map(|m| m.start()),
        None => RETURNED_HEADERS.iter().filter_map(|h| hay.find(h)).min(),
    }
}

/// Generic markers that introduce the returned copy of the original message.
pub(crate) const ORIGINAL_MARKERS: &[&str] = &[
    "------ This is a copy of the message",
    "------ This is a copy of your message",
    "--- Below this line is a copy of the message",
    "----- Original message -----",
    "----- Unsent message follows -----",
    "-----Unsent message follows-----",
    "--- Original message follows",
    "Original message follows.",
    "Message headers follow",
    "Below is a copy of the original message",
    "-------original message",
    "--- The header of the original message is following",
    "----- The text of the message follows",
    "----- Original message header follows",
    "----- Original Message Header -----",
    "original message headers:",
    "The original message headers are",
    "---- Original Message ----",
    "------- Returned Message --------",
    "--- Original Message ---",
    "Your original message is included as attachment",
    "------ Unsent message follows",
    "----- Message header follows -----",
    "Header of original message",
    "Included is a copy of the message header",
    "----- No message was collected -----",
    "-------original mail info",
    "Original mail as follows:",
    "En-têtes de message d'origine",
    "Intestazioni originali del messaggio",
    "Here is a copy of the first part of the message",
    "The non-delivered message is attached to this message.",
    "A copy of the original message below this line:",
    "attachment is a copy of the message",
    "Your message reads (in part):",
    "Unsent message below",
];

/// The part of `body` after the first `start` marker's line (or all of it when no
/// marker is given or found and `need_start` is false) up to the first end marker or
/// returned header block. Returns the section and the offset where it ends.
pub(crate) fn section<'a>(
    body: &'a str,
    starts: &[&str],
    ends: &[&str],
    need_start: bool,
) -> Option<(&'a str, usize)> {
    section_with(body, starts, ends, need_start, None)
}

/// [`section`], given (when known) where in `body` the [`ORIGINAL_MARKERS`] and the
/// [`RETURNED_HEADERS`] start, ascending, instead of searching for them.
pub(crate) fn section_with<'a>(
    body: &'a str,
    starts: &[&str],
    ends: &[&str],
    need_start: bool,
    returns: Option<(&[usize], &[usize])>,
) -> Option<(&'a str, usize)> {
    let begin = if starts.is_empty() {
        0
    } else {
        match find_any(body, starts) {
            Some((p, _)) => p,
            None if need_start => return None,
            None => 0,
        }
    };
    let tail = &body[begin..];
    let mut end = tail.len();
    // Search for end markers after the start marker line.
    let skip = if starts.is_empty() {
        0
    } else {
        tail.find('\n').map_or(tail.len(), |n| n + 1)
    };
    if let Some((p, _)) = find_any(&tail[skip..], ends) {
        end = end.min(skip + p);
    }
    // The first known position at or after the search's start, relative to it.
    let from = begin + skip;
    let first_from = |at: &[usize]| at.iter().find(|&&p| p >= from).map(|p| p - from);
    let (original, header) = match returns {
        Some((o, h)) => (first_from(o), first_from(h)),
        None => (
            find_original(&tail[skip..]),
            find_returned_header(&tail[skip..]),
        ),
    };
    if let Some(p) = original {
        end = end.min(skip + p);
    }
    // A returned header block (Received:/Return-Path: at the start of a line).
    if let Some(p) = header {
        end = end.min(skip + p + 1);
    }
    Some((&tail[..end], begin + end))
}

/// What a format reader found for one recipient, before normalisation.
#[derive(Debug, Default, Clone)]
pub(crate) struct Found {
    pub recipient: String,
    pub diagnostic: String,
    pub status: Option<EnhancedCode>,
    pub reply_code: Option<ReplyCode>,
    pub remote_mta: Option<String>,
    pub command: Option<SmtpCommand>,
    pub action: Option<Action>,
    pub diagnostic_type: Option<String>,
}

impl Found {
    pub fn new(recipient: &str, diagnostic: &str) -> Found {
        Found {
            recipient: clean_address(recipient),
            diagnostic: diagnostic.to_owned(),
            ..Found::default()
        }
    }
}

/// Prefixes that may come before a recipient address on its line.
const RCPT_PREFIXES: &[&str] = &[
    "final-recipient: rfc822;",
    "original-recipient: rfc822;",
    "recipient address:",
    "recipient:",
    "failed recipient:",
    "failed address:",
    "address:",
    "addressee:",
    "rcpt to:",
    "could not be delivered to:",
    "unable to deliver message to:",
    "unable to deliver to",
    // The lead-ins other bounce writers put before the address (the forms Sisimai's
    // RFC 3464 fallback knows).
    "delivery failed:",
    "did not reach the following recipient:",
    "error-for:",
    "failed to deliver to",
    "intended recipient:",
    "mailbox is full:",
    "the following recipients returned permanent errors:",
    "the following message to",
    "unknown user:",
    "undeliverable to",
    "undeliverable address:",
    "you sent mail to",
    "your message to",
    "addressed to",
    "delivered to",
    "delivery to",
    "* ",
    "- ",
    "-- ",
    ">>> ",
];

/// When `line` is a recipient line (the address first, perhaps after a label), the
/// address and the rest of the line.
pub(crate) fn recipient_line(line: &str) -> Option<(String, String)> {
    // No `@`, no address: most lines of a section.
    memchr::memchr(b'@', line.as_bytes())?;
    let mut t = line.trim();
    for p in RCPT_PREFIXES {
        if t.len() >= p.len() && t.is_char_boundary(p.len()) && t[..p.len()].eq_ignore_ascii_case(p)
        {
            t = t[p.len()..].trim_start();
            break;
        }
    }
    let t2 = t.trim_start_matches(['<', '"', '[']);
    let (a, b) = *addresses(t2).first()?;
    if a != 0 {
        return None;
    }
    let addr = &t2[..b];
    let rest = t2[b..]
        .trim_start_matches(['>', '"', ')', ']', ':', '.', ',', ';'])
        .trim();
    // Lines such as "user@example.com said: ..." are replies, not lists, but still name
    // the recipient; accept them.
    Some((addr.to_owned(), rest.to_owned()))
}

/// Splits a section into recipient blocks: each recipient line starts a block and the
/// following lines (until the next recipient line) are its diagnostic.
pub(crate) fn blocks(section: &str) -> Vec<Found> {
    blocks_with(section, recipient_line)
}

/// [`blocks`] with a format's own recipient-line recogniser.
pub(crate) fn blocks_with(
    section: &str,
    rl: impl Fn(&str) -> Option<(String, String)>,
) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut preamble = String::new();
    for line in section.lines() {
        if let Some((addr, rest)) = rl(line) {
            let addr = clean_address(&addr);
            if let Some(prev) = out
                .iter_mut()
                .find(|f| f.recipient.eq_ignore_ascii_case(&addr))
            {
                // The same address again: more text for it.
                push_line(&mut prev.diagnostic, &rest);
                continue;
            }
            out.push(Found::new(&addr, &rest));
        } else if let Some(cur) = out.last_mut() {
            push_line(&mut cur.diagnostic, line);
        } else {
            push_line(&mut preamble, line);
        }
    }
    // Diagnostics written before the list apply to every recipient without one.
    for f in &mut out {
        if f.diagnostic.trim().is_empty() {
            f.diagnostic = preamble.clone();
        }
    }
    out
}

pub(crate) fn push_line(s: &mut String, line: &str) {
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    if !s.is_empty() {
        s.push('\n');
    }
    s.push_str(line);
}

/// The text after `label` (case-insensitive) up to the end of its line.
pub(crate) fn after_label<'a>(hay: &'a str, label: &str) -> Option<&'a str> {
    let p = find_ci(hay, label)? + label.len();
    let rest = &hay[p..];
    Some(rest.split('\n').next().unwrap_or("").trim())
}

/// Lines of `s` after removing boilerplate sentences of bounce prose.
pub(crate) fn drop_lines(s: &str, boring: &[&str]) -> String {
    let mut out = String::new();
    for l in s.lines() {
        if !any_ci(l, boring) {
            push_line(&mut out, l);
        }
    }
    out
}

#[cfg(test)]
mod find_ci_tests {
    use super::find_ci;

    /// A naive oracle: the first position where the needle matches ignoring ASCII case.
    pub(super) fn naive(h: &str, n: &str) -> Option<usize> {
        if n.is_empty() {
            return Some(0);
        }
        (0..=h.len().checked_sub(n.len())?)
            .find(|&i| h.as_bytes()[i..i + n.len()].eq_ignore_ascii_case(n.as_bytes()))
    }

    #[test]
    fn agrees_with_naive_search() {
        let hays = [
            "",
            "a",
            "The quick brown fox",
            "xxQUICKxxquick",
            "said: 550 5.1.1 User unknown",
            "zzzz",
            "abcabcabd",
        ];
        let needles = [
            "",
            "q",
            "quick",
            "QUICK",
            "user UNKNOWN",
            "5.1.1",
            "z",
            "zz",
            "abd",
            "abcabd",
            "fox!",
            "The quick brown fox jumps",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(find_ci(h, n), naive(h, n), "{h:?} / {n:?}");
            }
        }
    }
}

#[cfg(test)]
mod search_tests {
    use proptest::prelude::*;

    use super::find_ci_tests::naive;
    use super::{ORIGINAL_MARKERS, find_any, find_ci, find_original, find_returned_header};

    /// The first implementation of `find_any`: every marker searched in the whole text.
    fn find_any_oracle(hay: &str, markers: &[&str]) -> Option<(usize, usize)> {
        markers
            .iter()
            .filter_map(|m| naive(hay, m).map(|p| (p, m.len())))
            .min_by_key(|&(p, _)| p)
    }

    const TEXTS: &[&str] = &[
        "",
        "----- Original message -----\nFrom: a@b",
        "x\n--- Original message follows\n----- Original message -----",
        "Hi.\nRECEIVED: x\nReceived: y\nReturn-path: z",
        "------ This is a copy of the message, including all the headers. ------",
        "text\n---- ORIGINAL MESSAGE ----\n\nReturn-Path: <a@b>",
        "Original message follows.Original message follows",
        "\nX-Google-Smtp-Source: a\nDKIM-Signature: v=1",
        "-----Unsent message follows-----\n----- Unsent message follows -----",
        "no marker here at all",
        "Ünïcödé ----- original message header follows ---- é",
    ];

    #[test]
    fn find_any_agrees_with_searching_every_marker() {
        let lists: &[&[&str]] = &[
            ORIGINAL_MARKERS,
            &["message", "Original", "follows"],
            &["follows", "Original message follows", "original"],
            &["", "x"],
            &["x", ""],
            &["nothing", "Return-path:"],
        ];
        for t in TEXTS {
            for l in lists {
                assert_eq!(find_any(t, l), find_any_oracle(t, l), "{t:?} / {l:?}");
            }
        }
    }

    #[test]
    fn one_pass_searches_agree_with_marker_lists() {
        for t in TEXTS {
            assert_eq!(
                find_original(t),
                find_any_oracle(t, ORIGINAL_MARKERS).map(|(p, _)| p),
                "{t:?}"
            );
            let headers = [
                "\nReceived: ",
                "\nReturn-Path:",
                "\nReturn-path:",
                "\nDKIM-Signature:",
                "\nX-Google-Smtp-Source:",
            ];
            assert_eq!(
                find_returned_header(t),
                headers.iter().filter_map(|h| t.find(h)).min(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn address_byte_table_is_the_character_classes() {
        for c in 0..=255u8 {
            let local = c.is_ascii_alphanumeric() || b".!#$%&'*+-/=?^_`{|}~".contains(&c);
            let domain = c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_');
            assert_eq!(super::is_local_char(c), local, "{c}");
            assert_eq!(super::is_domain_char(c), domain, "{c}");
        }
    }

    /// `addresses` as first written: all spans collected in one loop.
    fn addresses_oracle(s: &str) -> Vec<(usize, usize)> {
        let b = s.as_bytes();
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        while let Some(rel) = b[from..].iter().position(|&c| c == b'@') {
            let at = from + rel;
            let mut start = at;
            while start > 0 && super::is_local_char(b[start - 1]) {
                start -= 1;
            }
            let mut end = at + 1;
            while end < b.len() && super::is_domain_char(b[end]) {
                end += 1;
            }
            while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
                end -= 1;
            }
            while start < at && b[start] == b'.' {
                start += 1;
            }
            if start < at && end > at + 1 && start >= out.last().map_or(0, |l| l.1) {
                out.push((start, end));
            }
            from = end.max(at + 1);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// ASCII text (the byte-wise path) and text with Unicode white space.
        #[test]
        fn collapse_joins_the_words_split_whitespace_finds(
            s in "[a-z \t\n\r\x0b\x0c\x1f]{0,40}|[a-z \t\n\u{a0}\u{3000}\u{85}]{0,40}"
        ) {
            let words: Vec<&str> = s.split_whitespace().collect();
            prop_assert_eq!(super::collapse(&s), words.join(" "));
        }

        #[test]
        fn address_spans_agree_with_the_first_implementation(s in "[a-z.@ <>_-]{0,30}") {
            prop_assert_eq!(super::addresses(&s), addresses_oracle(&s));
            let first = addresses_oracle(&s).first().map(|&(a, b)| s[a..b].to_owned());
            prop_assert_eq!(super::first_address(&s).map(str::to_owned), first);
        }

        /// Small alphabets give many partial and overlapping matches.
        #[test]
        fn find_ci_agrees_with_naive(hay in "[aAbB:qQ é-]{0,60}", needle in "[abAB:qQ é-]{0,6}") {
            prop_assert_eq!(find_ci(&hay, &needle), naive(&hay, &needle));
        }

        #[test]
        fn find_any_agrees_with_oracle(
            hay in "[aAbB:qQ é-]{0,60}",
            markers in proptest::collection::vec("[abAB:qQ é-]{0,5}", 0..5),
        ) {
            let m: Vec<&str> = markers.iter().map(String::as_str).collect();
            prop_assert_eq!(find_any(&hay, &m), find_any_oracle(&hay, &m));
        }
    }
}
