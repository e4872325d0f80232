//! The syslog envelope shared by Postfix and Sendmail lines:
//! `STAMP [HOST] PROGRAM[PID]: MESSAGE`.

use crate::time::{Reference, Timestamp, parse_bsd, parse_iso};

/// The parts of a syslog line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syslog<'a> {
    pub(crate) timestamp: Timestamp,
    pub(crate) host: Option<&'a [u8]>,
    pub(crate) program: &'a [u8],
    /// Offset of the message (after `: `) in the line.
    pub(crate) msg_at: usize,
}

/// Splits a syslog line; `None` when it is not one.
pub(crate) fn parse(line: &[u8], r: Reference) -> Option<Syslog<'_>> {
    let mut at = 0;
    // An optional `<PRI>` prefix.
    if line.first() == Some(&b'<') {
        let close = memchr::memchr(b'>', &line[..line.len().min(6)])?;
        at = close + 1;
    }
    let rest = &line[at..];
    let (timestamp, len) = match rest.first() {
        Some(b'0'..=b'9') => parse_iso(rest)?,
        _ => parse_bsd(rest, r)?,
    };
    at += len;
    if line.get(at) != Some(&b' ') {
        return None;
    }
    at += 1;
    // First token: host, or the program when there is no host.
    let t1_end = token_end(line, at);
    let t1 = &line[at..t1_end];
    let (host, prog_start) = if t1.ends_with(b":") || t1.contains(&b'[') {
        (None, at)
    } else {
        (Some(t1), t1_end + 1)
    };
    if prog_start >= line.len() {
        return None;
    }
    let p_end = token_end(line, prog_start);
    let tok = &line[prog_start..p_end];
    let colon_free = tok.strip_suffix(b":")?;
    let program = match memchr::memchr(b'[', colon_free) {
        Some(n) => &colon_free[..n],
        None => colon_free,
    };
    if program.is_empty() {
        return None;
    }
    let msg_at = (p_end + 1).min(line.len());
    Some(Syslog {
        timestamp,
        host,
        program,
        msg_at,
    })
}

/// The end of the space-delimited token at `from` (host and program names are short:
/// a word-at-a-time search beats `memchr`'s set-up).
fn token_end(line: &[u8], from: usize) -> usize {
    from + crate::event::find_any(&line[from..], [b' '])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let r = Reference::year(2024);
        let s = parse(b"Nov 22 10:00:01 mx1 postfix/smtp[123]: ABC: to=<a@b>", r).unwrap();
        assert_eq!(s.host, Some(&b"mx1"[..]));
        assert_eq!(s.program, b"postfix/smtp");
        let line = b"Nov 22 10:00:01 postfix-out/smtp[123]: ABC: x";
        let s = parse(line, r).unwrap();
        assert_eq!((s.host, s.program), (None, &b"postfix-out/smtp"[..]));
        assert_eq!(&line[s.msg_at..], b"ABC: x");
        let s = parse(
            b"2024-11-22T10:00:01.5+01:00 mx postfix/submission/smtpd[9]: NOQUEUE: reject",
            r,
        )
        .unwrap();
        assert_eq!(s.program, b"postfix/submission/smtpd");
        assert!(parse(b"Nov 22 10:00:01 mx", r).is_none());
        assert!(parse(b"garbage", r).is_none());
    }
}
