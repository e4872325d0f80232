//! Delays stated in reply texts: `Greylisted for 5 minutes`, `retry after 60 seconds`,
//! `try again in 1 hour`, `(2/h)`.

/// Words that announce a delay within a few bytes before the number.
const CUES: &[&[u8]] = &[
    b"greylisted for",
    b"graylisted for",
    b"delayed for",
    b"deferred for",
    b"retry after",
    b"retry in",
    b"try again in",
    b"try again after",
    b"try later in",
    b"please wait",
    b"wait",
    b"come back in",
    b"come back after",
    b"resend in",
    b"retry later in",
    b"blocked for",
    b"suspended for",
    b"again later in",
    b"later in",
    b"after waiting",
];

/// A delay stated in `text`, in seconds, and the byte span that states it.
///
/// ```
/// use maildiag::stated_delay;
/// assert_eq!(stated_delay(b"Greylisted for 5 minutes").map(|d| d.0), Some(300));
/// assert_eq!(stated_delay(b"please retry after 60 seconds").map(|d| d.0), Some(60));
/// assert_eq!(stated_delay(b"rate limit for new clients, try later (2/h)").map(|d| d.0), Some(1800));
/// assert_eq!(stated_delay(b"user unknown"), None);
/// ```
pub fn stated_delay(text: &[u8]) -> Option<(u32, (usize, usize))> {
    rate_per_hour(text).or_else(|| cued_duration(text))
}

/// `(2/h)`, `(10/hour)`: a rate; the delay is the interval between allowed attempts.
fn rate_per_hour(text: &[u8]) -> Option<(u32, (usize, usize))> {
    for slash in memchr::memchr_iter(b'/', text) {
        let digits = text[..slash]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 4 || slash < digits + 1 || text[slash - digits - 1] != b'(' {
            continue;
        }
        let n: u32 = std::str::from_utf8(&text[slash - digits..slash])
            .ok()?
            .parse()
            .ok()?;
        let rest = &text[slash + 1..];
        let unit_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if rest.get(unit_len) != Some(&b')') || n == 0 {
            continue;
        }
        let per = unit_seconds(&rest[..unit_len])?;
        return Some((per / n, (slash - digits - 1, slash + unit_len + 2)));
    }
    None
}

/// The cue automaton, built once: one ASCII-case-insensitive pass finds every cue.
fn cues() -> Option<&'static aho_corasick::AhoCorasick> {
    static CUE_AC: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    CUE_AC
        .get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(CUES)
                .ok()
        })
        .as_ref()
}

/// A number and a time unit shortly after a retry cue; the earliest-listed cue wins.
fn cued_duration(text: &[u8]) -> Option<(u32, (usize, usize))> {
    let text = &text[..text.len().min(4096)];
    let mut best: Option<(usize, u32, (usize, usize))> = None;
    for m in cues()?.find_iter(text) {
        let rank = m.pattern().as_usize();
        let mut p = m.end();
        while text.get(p) == Some(&b' ') {
            p += 1;
        }
        if let Some((secs, end)) = number_and_unit(text, p)
            && best.as_ref().is_none_or(|(r, _, _)| rank < *r)
        {
            best = Some((rank, secs, (m.start(), end)));
        }
    }
    best.map(|(_, s, span)| (s, span))
}

/// `5 minutes`, `60s`, `1 hour`, `300 seconds`, `an hour` at `p`.
fn number_and_unit(t: &[u8], p: usize) -> Option<(u32, usize)> {
    let digits = t[p..].iter().take_while(|c| c.is_ascii_digit()).count();
    let (n, mut q) = if digits > 0 && digits <= 6 {
        (
            std::str::from_utf8(&t[p..p + digits])
                .ok()?
                .parse::<u32>()
                .ok()?,
            p + digits,
        )
    } else if t.len() >= p + 3 && t[p..p + 3].eq_ignore_ascii_case(b"an ") {
        (1, p + 3)
    } else if t.len() >= p + 2 && t[p..p + 2].eq_ignore_ascii_case(b"a ") {
        (1, p + 2)
    } else {
        return None;
    };
    while t.get(q) == Some(&b' ') {
        q += 1;
    }
    let unit_len = t[q..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let per = unit_seconds(&t[q..q + unit_len])?;
    Some((n.saturating_mul(per), q + unit_len))
}

fn unit_seconds(u: &[u8]) -> Option<u32> {
    let mut buf = [0u8; 8];
    if u.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(u) {
        *d = s.to_ascii_lowercase();
    }
    match &buf[..u.len()] {
        b"s" | b"sec" | b"secs" | b"second" | b"seconds" => Some(1),
        b"m" | b"min" | b"mins" | b"minute" | b"minutes" => Some(60),
        b"h" | b"hr" | b"hrs" | b"hour" | b"hours" => Some(3600),
        b"d" | b"day" | b"days" => Some(86_400),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::stated_delay;

    #[test]
    fn forms() {
        let d = |s: &str| stated_delay(s.as_bytes()).map(|x| x.0);
        assert_eq!(d("Greylisted for 5 minutes"), Some(300));
        assert_eq!(d("Greylisted, please try again in 180 seconds"), Some(180));
        assert_eq!(d("try again in 1 hour"), Some(3600));
        assert_eq!(d("Please retry after 60s"), Some(60));
        assert_eq!(
            d("delayed by rate limit for new clients, try later (2/h)"),
            Some(1800)
        );
        assert_eq!(d("deferred for an hour"), Some(3600));
        assert_eq!(d("see https://x.example/ 5.7.1"), None);
        assert_eq!(d("mailbox full"), None);
        assert_eq!(d("over 550 messages in 1 day"), None);
        assert_eq!(d("temporarily blocked for 2 hours"), Some(7200));
    }
}
