//! Complete SMTP replies (RFC 5321 §4.2), single- and multi-line, whole or fed in chunks.

use std::borrow::Cow;

use maildiag_types::{EnhancedCode, ReplyCode};

use crate::code::{enhanced_code_lenient, enhanced_code_strict, reply_code};
use crate::error::{Error, ErrorKind};

/// A parsed SMTP reply.
///
/// The text lines borrow from the input where they can; [`Reply::into_owned`] detaches
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Reply<'a> {
    /// The basic reply code, the same on every line.
    pub code: ReplyCode,
    /// The RFC 2034 enhanced status code, when the first line carries one.
    pub enhanced: Option<EnhancedCode>,
    /// The text of each line with the reply code, separator and enhanced code removed.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::lines"))]
    pub lines: Vec<Cow<'a, [u8]>>,
}

impl<'a> Reply<'a> {
    /// The text as one line: the lines joined by single spaces (borrowed for one line).
    pub fn text(&self) -> Cow<'_, [u8]> {
        match self.lines.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one.as_ref()),
            many => {
                let mut out = Vec::with_capacity(many.iter().map(|l| l.len() + 1).sum());
                for (n, l) in many.iter().enumerate() {
                    if n > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(l);
                }
                Cow::Owned(out)
            }
        }
    }

    /// [`Reply::text`] as a string, with invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.text()).into_owned()
    }

    /// Renders the reply in wire form: `code-enh text CRLF` per line, `code SP` on the last.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let n = self.lines.len().max(1);
        for i in 0..n {
            let line: &[u8] = self.lines.get(i).map_or(&[], |l| l.as_ref());
            out.extend_from_slice(self.code.to_string().as_bytes());
            out.push(if i + 1 == n { b' ' } else { b'-' });
            if let Some(e) = self.enhanced {
                out.extend_from_slice(e.to_string().as_bytes());
                if !line.is_empty() {
                    out.push(b' ');
                }
            }
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Detaches the reply from its input.
    pub fn into_owned(self) -> Reply<'static> {
        Reply {
            code: self.code,
            enhanced: self.enhanced,
            lines: self
                .lines
                .into_iter()
                .map(|l| Cow::Owned(l.into_owned()))
                .collect(),
        }
    }
}

/// Parses complete SMTP replies.
///
/// ```
/// use maildiag_reply::ReplyParser;
///
/// let input = b"550-5.1.1 The email account that you tried to reach does not exist.\r\n\
///               550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp\r\n";
/// let (reply, rest) = ReplyParser::default().parse(input)?;
/// assert_eq!(reply.code.get(), 550);
/// assert_eq!(reply.enhanced.map(|e| e.to_string()).as_deref(), Some("5.1.1"));
/// assert_eq!(reply.lines.len(), 2);
/// assert!(rest.is_empty());
/// # Ok::<(), maildiag_reply::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplyParser {
    /// Longest accepted line, without its line ending (default 16 KiB; RFC 5321 says 512,
    /// real servers send more).
    pub max_line_len: usize,
    /// Most lines accepted in one reply (default 1000).
    pub max_lines: usize,
    /// Strict RFC 3463 enhanced codes and RFC 2034 consistency (default `true`). When
    /// `false`, leading zeros are accepted and a line whose enhanced code differs keeps it
    /// in its text instead of failing.
    pub strict: bool,
}

impl Default for ReplyParser {
    fn default() -> Self {
        ReplyParser {
            max_line_len: 16 * 1024,
            max_lines: 1000,
            strict: true,
        }
    }
}

/// One reply line split into its parts.
struct Line<'a> {
    code: ReplyCode,
    last: bool,
    text: &'a [u8],
}

impl ReplyParser {
    /// A parser with the default limits in lenient mode.
    pub fn lenient() -> ReplyParser {
        ReplyParser {
            strict: false,
            ..ReplyParser::default()
        }
    }

    /// Parses one complete reply from the start of `input`, returning it and the rest.
    ///
    /// Lines end in CRLF or LF. Returns [`ErrorKind::Incomplete`] while the final line
    /// (the one with a space or nothing after the code) has not fully arrived.
    ///
    /// ```abnf
    /// Reply-line = *( Reply-code "-" [ textstring ] CRLF )
    ///              Reply-code [ SP textstring ] CRLF
    /// textstring = 1*(%d09 / %d32-126)   ; 8-bit text is accepted too (RFC 6531)
    /// ```
    pub fn parse<'a>(&self, input: &'a [u8]) -> Result<(Reply<'a>, &'a [u8]), Error> {
        let mut pos = 0;
        let mut first: Option<(ReplyCode, Option<EnhancedCode>)> = None;
        let mut lines = Vec::new();
        loop {
            if lines.len() >= self.max_lines {
                return Err(Error::new(
                    ErrorKind::TooManyLines {
                        limit: self.max_lines,
                    },
                    pos,
                ));
            }
            let (raw, next) = self.next_line(input, pos)?;
            let line = self.split_line(raw, pos)?;
            let (code, enhanced) = *first.get_or_insert_with(|| {
                (line.code, self.enhanced_prefix(line.text).map(|(e, _)| e))
            });
            if line.code != code {
                return Err(Error::new(
                    ErrorKind::InconsistentCode {
                        expected: code.get(),
                        found: line.code.get(),
                    },
                    pos,
                ));
            }
            let text = match (enhanced, self.enhanced_prefix(line.text)) {
                (Some(e), Some((found, len))) if found == e => &line.text[len..],
                (Some(_), Some(_)) if self.strict => {
                    return Err(Error::new(ErrorKind::InconsistentEnhancedCode, pos + 4));
                }
                _ => line.text,
            };
            lines.push(Cow::Borrowed(text));
            pos = next;
            if line.last {
                return Ok((
                    Reply {
                        code,
                        enhanced,
                        lines,
                    },
                    &input[pos..],
                ));
            }
        }
    }

    /// The line starting at `pos` without its ending, and the offset after its LF.
    fn next_line<'a>(&self, input: &'a [u8], pos: usize) -> Result<(&'a [u8], usize), Error> {
        let window = &input[pos..input.len().min(pos.saturating_add(self.max_line_len + 2))];
        match memchr::memchr(b'\n', window) {
            Some(n) => {
                let raw = &window[..n];
                let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
                if raw.len() > self.max_line_len {
                    return Err(Error::new(
                        ErrorKind::LineTooLong {
                            limit: self.max_line_len,
                        },
                        pos,
                    ));
                }
                Ok((raw, pos + n + 1))
            }
            None if input.len() - pos > self.max_line_len + 1 => Err(Error::new(
                ErrorKind::LineTooLong {
                    limit: self.max_line_len,
                },
                pos,
            )),
            None => Err(Error::new(ErrorKind::Incomplete, input.len())),
        }
    }

    /// Splits `Reply-code ( "-" / SP / end ) text`.
    fn split_line<'a>(&self, raw: &'a [u8], pos: usize) -> Result<Line<'a>, Error> {
        let (rest, code) = reply_code(raw).map_err(|_| Error::new(ErrorKind::InvalidCode, pos))?;
        let (last, text) = match rest {
            [] => (true, rest),
            [b' ', text @ ..] => (true, text),
            [b'-', text @ ..] => (false, text),
            _ => return Err(Error::new(ErrorKind::InvalidSeparator, pos + 3)),
        };
        if let Some(i) = text
            .iter()
            .position(|&c| c < 0x20 && c != b'\t' || c == 0x7f)
        {
            return Err(Error::new(ErrorKind::ControlByte(text[i]), pos + 4 + i));
        }
        Ok(Line { code, last, text })
    }

    /// An enhanced code at the start of a line's text and the length to strip (the code
    /// and one following space).
    fn enhanced_prefix(&self, text: &[u8]) -> Option<(EnhancedCode, usize)> {
        let rule = if self.strict {
            enhanced_code_strict
        } else {
            enhanced_code_lenient
        };
        let (rest, code) = rule(text).ok()?;
        match rest {
            [] => Some((code, text.len())),
            [b' ', ..] => Some((code, text.len() - rest.len() + 1)),
            _ => None,
        }
    }
}

/// Parses one complete reply with the default [`ReplyParser`].
///
/// ```
/// let (reply, _) = maildiag_reply::parse_reply(b"451 4.7.0 Temporary server error. PRX2\r\n")?;
/// assert_eq!(reply.text_lossy(), "Temporary server error. PRX2");
/// # Ok::<(), maildiag_reply::Error>(())
/// ```
pub fn parse_reply(input: &[u8]) -> Result<(Reply<'_>, &[u8]), Error> {
    ReplyParser::default().parse(input)
}

/// Reads replies from bytes that arrive in chunks of any size.
///
/// Feeding the same bytes in any chunking yields the same replies as
/// [`ReplyParser::parse`] on the whole. Work is linear in the input: each byte is searched
/// for a line end once, and each reply is parsed once, when its final line is complete.
///
/// ```
/// use maildiag_reply::ReplyReader;
/// let mut reader = ReplyReader::default();
/// reader.feed(b"250-mx.example.com\r\n250-PIPEL");
/// assert!(reader.next_reply()?.is_none());
/// reader.feed(b"INING\r\n250 SIZE 10240000\r\n");
/// let reply = reader.next_reply()?.expect("complete");
/// assert_eq!(reply.lines.len(), 3);
/// # Ok::<(), maildiag_reply::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReplyReader {
    parser: ReplyParser,
    buf: Vec<u8>,
    /// Bytes of complete continuation lines already seen.
    lines_end: usize,
    /// Number of complete continuation lines already seen.
    line_count: usize,
    /// Bytes already searched for a line end.
    searched: usize,
    /// The enhanced code of the reply's first line, once it has been seen.
    first_enhanced: Option<Option<EnhancedCode>>,
}

impl ReplyReader {
    /// A reader using `parser`'s limits and mode.
    pub fn new(parser: ReplyParser) -> ReplyReader {
        ReplyReader {
            parser,
            ..ReplyReader::default()
        }
    }

    /// Appends bytes.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes buffered and not yet returned as part of a reply.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// The next complete reply, `Ok(None)` when more input is needed.
    ///
    /// On an error the offending bytes up to the end of the bad line are dropped, so the
    /// reader can go on with the next reply.
    pub fn next_reply(&mut self) -> Result<Option<Reply<'static>>, Error> {
        loop {
            let Some(n) = memchr::memchr(b'\n', &self.buf[self.searched..]) else {
                self.searched = self.buf.len();
                if self.buf.len() - self.lines_end > self.parser.max_line_len + 1 {
                    let limit = self.parser.max_line_len;
                    self.reset(self.buf.len());
                    return Err(Error::new(ErrorKind::LineTooLong { limit }, 0));
                }
                return Ok(None);
            };
            let line_end = self.searched + n + 1;
            self.searched = line_end;
            // A valid continuation line with the first line's code: wait for more. Anything
            // else ends the reply here, so that errors surface exactly where the whole-input
            // parser reports them.
            let raw = &self.buf[self.lines_end..line_end - 1];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let continuation = match self.parser.split_line(raw, self.lines_end) {
                Ok(line) => {
                    let enhanced = self.parser.enhanced_prefix(line.text).map(|(e, _)| e);
                    let first = *self.first_enhanced.get_or_insert(enhanced);
                    // The same RFC 2034 consistency rule as `ReplyParser::parse`.
                    let consistent = !self.parser.strict
                        || !matches!((first, enhanced), (Some(a), Some(b)) if a != b);
                    !line.last && consistent && self.buf.get(..3) == raw.get(..3)
                }
                Err(_) => false,
            };
            self.line_count += 1;
            if continuation && self.line_count < self.parser.max_lines {
                self.lines_end = line_end;
                continue;
            }
            let result = self
                .parser
                .parse(&self.buf[..line_end])
                .map(|(r, _)| r.into_owned());
            self.reset(line_end);
            return result.map(Some);
        }
    }

    fn reset(&mut self, consumed: usize) {
        self.buf.drain(..consumed);
        self.lines_end = 0;
        self.line_count = 0;
        self.searched = 0;
        self.first_enhanced = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Reply<'_>, Error> {
        parse_reply(s.as_bytes()).map(|(r, _)| r)
    }

    #[test]
    fn single_and_multi() {
        let r = parse("250 OK\r\n").unwrap();
        assert_eq!(
            (r.code.get(), r.enhanced, r.text_lossy().as_str()),
            (250, None, "OK")
        );
        let r = parse("250\n").unwrap();
        assert_eq!(r.lines, vec![Cow::Borrowed(&b""[..])]);
        let r = parse("450-4.7.1 a\n450-4.7.1 b\n450 4.7.1 c\n").unwrap();
        assert_eq!(r.text_lossy(), "a b c");
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("4.7.1"));
    }

    #[test]
    fn errors() {
        assert_eq!(parse("250-a\r\n").unwrap_err().kind, ErrorKind::Incomplete);
        assert_eq!(parse("250 a").unwrap_err().kind, ErrorKind::Incomplete);
        assert!(matches!(
            parse("250-a\n251 b\n").unwrap_err().kind,
            ErrorKind::InconsistentCode {
                expected: 250,
                found: 251
            }
        ));
        assert_eq!(
            parse("250xa\n").unwrap_err(),
            Error::new(ErrorKind::InvalidSeparator, 3)
        );
        assert_eq!(parse("650 a\n").unwrap_err().kind, ErrorKind::InvalidCode);
        assert_eq!(
            parse("550-5.1.1 a\n550 5.1.2 b\n").unwrap_err().kind,
            ErrorKind::InconsistentEnhancedCode
        );
        assert_eq!(
            parse("550 a\0b\n").unwrap_err().kind,
            ErrorKind::ControlByte(0)
        );
        let long = format!("250 {}\n", "x".repeat(20_000));
        assert!(matches!(
            parse(&long).unwrap_err().kind,
            ErrorKind::LineTooLong { .. }
        ));
    }

    #[test]
    fn lenient_keeps_differing_code_in_text() {
        let (r, _) = ReplyParser::lenient()
            .parse(b"550-5.1.1 a\n550 5.1.2 b\n")
            .unwrap();
        assert_eq!(r.text_lossy(), "a 5.1.2 b");
    }

    #[test]
    fn reader_byte_by_byte() {
        let input = b"220 hi\r\n250-a\r\n250 b\r\n";
        let mut rd = ReplyReader::default();
        let mut got = Vec::new();
        for b in input {
            rd.feed(std::slice::from_ref(b));
            while let Some(r) = rd.next_reply().unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].text_lossy(), "a b");
        assert!(rd.buffered().is_empty());
    }

    #[test]
    fn render_round_trip() {
        let r = parse("421-4.7.0 x\r\n421 4.7.0 y\r\n").unwrap();
        assert_eq!(r.render(), b"421-4.7.0 x\r\n421 4.7.0 y\r\n");
    }
}
