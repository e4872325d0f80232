//! Lenient extraction of SMTP replies embedded in other text: MTA log lines, bounce
//! prose, Exchange NDR fields and library error messages.
//!
//! The extractor looks for a reply code at a token boundary and accepts it as a reply
//! only with corroboration: an enhanced status code right after it, a label ending just
//! before it (`said:`, `returned was:`, `LED=`, `smtp;`, a quote), or the start of a
//! line. Numbers in prose such as `Expected response code 250 but got code "550"` are
//! therefore not taken for replies.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use maildiag_types::{Class, EnhancedCode, ReplyCode};

use crate::code::enhanced_code_lenient;

/// Most replies returned from one input; further ones are ignored (bounded work).
pub const MAX_REPLIES: usize = 64;
/// Longest reply text kept, in bytes; longer texts are cut (bounded work and memory).
pub const MAX_TEXT: usize = 8 * 1024;
/// How far before and after a reply the extractor looks for the host and command.
const CONTEXT_WINDOW: usize = 1024;

/// The SMTP command a reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SmtpCommand {
    /// The initial greeting, after connecting.
    Connect,
    /// `HELO`.
    Helo,
    /// `EHLO`.
    Ehlo,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH`.
    Auth,
    /// `MAIL FROM`.
    MailFrom,
    /// `RCPT TO`.
    RcptTo,
    /// `DATA` (the command itself).
    Data,
    /// The end of the message data (`.` after DATA, or the last `BDAT`).
    EndOfData,
    /// `BDAT`.
    Bdat,
    /// `RSET`.
    Rset,
    /// `QUIT`.
    Quit,
}

impl SmtpCommand {
    /// The command as people write it (`RCPT TO`, `end of DATA`...).
    pub const fn as_str(self) -> &'static str {
        match self {
            SmtpCommand::Connect => "connect",
            SmtpCommand::Helo => "HELO",
            SmtpCommand::Ehlo => "EHLO",
            SmtpCommand::StartTls => "STARTTLS",
            SmtpCommand::Auth => "AUTH",
            SmtpCommand::MailFrom => "MAIL FROM",
            SmtpCommand::RcptTo => "RCPT TO",
            SmtpCommand::Data => "DATA",
            SmtpCommand::EndOfData => "end of DATA",
            SmtpCommand::Bdat => "BDAT",
            SmtpCommand::Rset => "RSET",
            SmtpCommand::Quit => "QUIT",
        }
    }

    /// Recognises a command named at the start of `s` (ASCII case-insensitive), as MTAs
    /// name them in logs: `RCPT TO`, `end of DATA`, `MAIL FROM`, `initial greeting`...
    pub fn from_phrase(s: &[u8]) -> Option<SmtpCommand> {
        const TABLE: &[(&[u8], SmtpCommand)] = &[
            (b"end of data", SmtpCommand::EndOfData),
            (b"pipelined end of data", SmtpCommand::EndOfData),
            (b"data content", SmtpCommand::EndOfData),
            (b"message content", SmtpCommand::EndOfData),
            (b"message body", SmtpCommand::EndOfData),
            (b"rcpt", SmtpCommand::RcptTo),
            (b"pipelined rcpt", SmtpCommand::RcptTo),
            (b"mail", SmtpCommand::MailFrom),
            (b"pipelined mail", SmtpCommand::MailFrom),
            (b"data", SmtpCommand::Data),
            (b"pipelined data", SmtpCommand::Data),
            (b"bdat", SmtpCommand::Bdat),
            (b"ehlo", SmtpCommand::Ehlo),
            (b"helo", SmtpCommand::Helo),
            (b"lhlo", SmtpCommand::Ehlo),
            (b"starttls", SmtpCommand::StartTls),
            (b"auth", SmtpCommand::Auth),
            (b"rset", SmtpCommand::Rset),
            (b"quit", SmtpCommand::Quit),
            (b"initial", SmtpCommand::Connect),
            (b"the initial", SmtpCommand::Connect),
            (b"server greeting", SmtpCommand::Connect),
            (b"greeting", SmtpCommand::Connect),
            (b"connect", SmtpCommand::Connect),
        ];
        TABLE.iter().find_map(|(p, c)| {
            let ok = s.len() >= p.len()
                && s[..p.len()].eq_ignore_ascii_case(p)
                && s.get(p.len()).is_none_or(|c| !c.is_ascii_alphanumeric());
            ok.then_some(*c)
        })
    }
}

impl fmt::Display for SmtpCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The remote server a reply came from, as the surrounding text names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RemoteHost<'a> {
    /// The host name, when given (`mx.example.com`; a trailing dot is removed).
    pub name: Option<Cow<'a, str>>,
    /// The IP address, when given.
    pub ip: Option<IpAddr>,
}

impl RemoteHost<'_> {
    /// Detaches the host from its input.
    pub fn into_owned(self) -> RemoteHost<'static> {
        RemoteHost {
            name: self.name.map(|n| Cow::Owned(n.into_owned())),
            ip: self.ip,
        }
    }
}

/// One reply (or bare status code) found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Extracted<'a> {
    /// Where it stands in the input: from the reply code (or status code) to the end of
    /// its text.
    pub span: Range<usize>,
    /// The basic reply code; `None` for a bare status such as Sendmail's `dsn=4.7.1` or
    /// qmail's `(#5.1.1)`.
    pub code: Option<ReplyCode>,
    /// The enhanced status code, when given.
    pub enhanced: Option<EnhancedCode>,
    /// The reply text with codes stripped and continuation prefixes merged.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::ser::bytes"))]
    pub text: Cow<'a, [u8]>,
    /// The command the reply answered, when the text says.
    pub command: Option<SmtpCommand>,
    /// The remote host, when the text names it.
    pub host: Option<RemoteHost<'a>>,
}

impl Extracted<'_> {
    /// The text as a string, invalid UTF-8 replaced.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }

    /// Detaches the result from its input.
    pub fn into_owned(self) -> Extracted<'static> {
        Extracted {
            span: self.span,
            code: self.code,
            enhanced: self.enhanced,
            text: Cow::Owned(self.text.into_owned()),
            command: self.command,
            host: self.host.map(RemoteHost::into_owned),
        }
    }
}

/// Finds every SMTP reply (and bare DSN status) in `input`, in input order.
///
/// ```
/// use maildiag_reply::{extract, SmtpCommand};
///
/// let line = b"Nov 22 10:00:01 mx postfix/smtp[123]: 4BC2: to=<u@example.com>, \
///     relay=mx.example.com[192.0.2.1]:25, dsn=4.7.1, status=deferred (host \
///     mx.example.com[192.0.2.1] said: 450 4.7.1 <u@example.com>: Recipient address \
///     rejected: Greylisted for 5 minutes (in reply to RCPT TO command))";
/// let found = extract(line);
/// let reply = found.iter().find(|r| r.code.is_some()).unwrap();
/// assert_eq!(reply.code.unwrap().get(), 450);
/// assert_eq!(reply.enhanced.unwrap().to_string(), "4.7.1");
/// assert_eq!(reply.text_lossy(),
///     "<u@example.com>: Recipient address rejected: Greylisted for 5 minutes");
/// assert_eq!(reply.command, Some(SmtpCommand::RcptTo));
/// assert_eq!(reply.host.as_ref().unwrap().name.as_deref(), Some("mx.example.com"));
/// ```
pub fn extract(input: &[u8]) -> Vec<Extracted<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    // Bracket depth of the current line before position `i`: ( < { [
    let mut depth = [0i32; 4];
    let mut line_start = 0;
    // The end of the line holding `i`, found once per line (not once per candidate
    // digit, which made a long line of candidates quadratic).
    let mut line_end_cache: Option<usize> = None;
    let mut line_end_at = |i: usize| match line_end_cache {
        Some(le) if le >= i => le,
        _ => {
            let le = memchr::memchr(b'\n', &input[i..]).map_or(input.len(), |n| i + n);
            line_end_cache = Some(le);
            le
        }
    };
    while i < input.len() && out.len() < MAX_REPLIES {
        let c = input[i];
        match c {
            b'\n' => {
                depth = [0; 4];
                line_start = i + 1;
                i += 1;
                continue;
            }
            b'(' | b'<' | b'{' | b'[' => depth[bracket(c)] += 1,
            b')' | b'>' | b'}' | b']' => depth[bracket(c)] -= 1,
            b'2'..=b'5' => {
                let floor = out.last().map_or(0, |e: &Extracted<'_>| e.span.end);
                let line_end = line_end_at(i);
                let found = candidate(input, i, line_start, line_end, floor, &depth)
                    .or_else(|| leading_status(input, i, line_start, line_end));
                if let Some(found) = found {
                    // Skip to the end of the accepted text, keeping bracket depths true: a
                    // line break resets them, so only the text after the last one counts.
                    let end = found.span.end.max(i + 1);
                    let mut tail = &input[i..end];
                    if let Some(nl) = memchr::memrchr(b'\n', tail) {
                        depth = [0; 4];
                        line_start = i + nl + 1;
                        tail = &tail[nl + 1..];
                    }
                    for &b in tail {
                        match b {
                            b'(' | b'<' | b'{' | b'[' => depth[bracket(b)] += 1,
                            b')' | b'>' | b'}' | b']' => depth[bracket(b)] -= 1,
                            _ => {}
                        }
                    }
                    out.push(found);
                    i = end;
                    continue;
                }
            }
            b'=' | b'#' => {
                if let Some(found) = bare_status(input, i, line_end_at(i)) {
                    i = found.span.end;
                    out.push(found);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The most informative reply in `input`: the first failure (4xx/5xx) with a reply code
/// and an enhanced code, else the first failure with a reply code, else the first bare
/// failure status; a success reply only when there is no failure (a transcript's
/// `250 Sender OK` before the `501 Invalid address` it leads to).
///
/// ```
/// let text = br#"Expected response code 250 but got code "550", with message "550 5.7.1 Relaying denied""#;
/// let r = maildiag_reply::extract_best(text).unwrap();
/// assert_eq!(r.code.unwrap().get(), 550);
/// assert_eq!(r.text_lossy(), "Relaying denied");
/// ```
pub fn extract_best(input: &[u8]) -> Option<Extracted<'_>> {
    let mut all = extract(input);
    let best = best_index(&all)?;
    let status = completion(&all, best);
    let mut chosen = all.swap_remove(best);
    chosen.enhanced = chosen.enhanced.or(status);
    Some(chosen)
}

/// [`extract_best`]'s choice among replies already extracted (for callers that keep the
/// whole list, e.g. to show it): a copy of the chosen reply, completed the same way.
pub fn best_of<'a>(replies: &[Extracted<'a>]) -> Option<Extracted<'a>> {
    let best = best_index(replies)?;
    let mut chosen = replies.get(best)?.clone();
    chosen.enhanced = chosen.enhanced.or(completion(replies, best));
    Some(chosen)
}

/// The index of the most informative reply (see [`extract_best`]).
fn best_index(replies: &[Extracted<'_>]) -> Option<usize> {
    let rank = |e: &Extracted<'_>| {
        let success = e.code.map_or_else(
            || e.enhanced.is_some_and(|x| x.class() == Class::Success),
            |c| c.get() < 400,
        );
        let kind = match (e.code, e.enhanced) {
            (Some(_), Some(_)) => 0,
            (Some(_), None) => 1,
            _ => 2,
        };
        // A bare `X.0.0` says less than a specific status of the same kind (a DSN's
        // `Status: 5.0.0` beside its `Diagnostic-Code: smtp; 5.4.7 - Delivery expired`).
        let generic = e
            .enhanced
            .is_some_and(|x| x.subject() == 0 && x.detail() == 0);
        (success, kind, generic)
    };
    replies
        .iter()
        .enumerate()
        .min_by_key(|(n, e)| (rank(e), *n))
        .map(|(n, _)| n)
}

/// The status that completes reply `best` when it has none: the first bare status
/// elsewhere on the line (`dsn=5.1.1`), in input order.
fn completion(replies: &[Extracted<'_>], best: usize) -> Option<EnhancedCode> {
    replies
        .iter()
        .enumerate()
        .find(|&(n, e)| n != best && e.code.is_none())
        .and_then(|(_, e)| e.enhanced)
}

const fn bracket(c: u8) -> usize {
    match c {
        b'(' | b')' => 0,
        b'<' | b'>' => 1,
        b'{' | b'}' => 2,
        _ => 3,
    }
}

/// Tries to read a reply whose code starts at `i`.
fn candidate<'a>(
    input: &'a [u8],
    i: usize,
    line_start: usize,
    line_end: usize,
    floor: usize,
    depth: &[i32; 4],
) -> Option<Extracted<'a>> {
    let code = ReplyCode::from_digits([*input.get(i)?, *input.get(i + 1)?, *input.get(i + 2)?])?;
    // Token boundary before: not part of a number, word, address or version.
    if i > 0 {
        let p = input[i - 1];
        if p.is_ascii_alphanumeric() || matches!(p, b'.' | b'-' | b'_' | b'/' | b'+' | b'@' | b'%')
        {
            return None;
        }
    }
    if let Some(x) = phpmailer(input, i, line_start, floor, line_end, code) {
        return Some(x);
    }
    let sep = input.get(i + 3).copied();
    // Python's smtplib reports a reply as a tuple: `(550, b'5.1.1 <u@example.com>: ...')`.
    let tuple_text = if sep == Some(b',') && i > 0 && input[i - 1] == b'(' {
        let mut j = i + 4;
        while input.get(j) == Some(&b' ') {
            j += 1;
        }
        if input.get(j) == Some(&b'b') {
            j += 1;
        }
        match input.get(j) {
            Some(&q @ (b'\'' | b'"')) if j < line_end => Some((q, j + 1)),
            _ => return None,
        }
    } else {
        None
    };
    // A failure code with a colon (`554: Dialup/transient IP not allowed`), as some
    // servers and sending libraries write it.
    let colon =
        sep == Some(b':') && matches!(code.first_digit(), 4 | 5) && input.get(i + 4) == Some(&b' ');
    if tuple_text.is_none()
        && !colon
        && !matches!(sep, None | Some(b' ' | b'\t' | b'-' | b'\r' | b'\n'))
    {
        return None;
    }
    let mut pos = match tuple_text {
        Some((_, start)) => start,
        None if colon => (i + 5).min(line_end),
        None => (i + 3 + usize::from(sep.is_some_and(|s| s != b'\r' && s != b'\n'))).min(line_end),
    };
    // Gmail's prose repeats the code: "was: 550 550 5.7.1 ...".
    if input[pos..].starts_with(&input[i..i + 3]) && matches!(input.get(pos + 3), Some(b' ' | b'-'))
    {
        pos += 4;
    }
    // qmail and vpopmail write the status with a `#` (`550 #5.1.0 Address rejected`).
    let hash = usize::from(input.get(pos) == Some(&b'#') && pos + 1 < line_end);
    let enhanced = enhanced_at(input, pos + hash, line_end).map(|(e, len)| (e, len + hash));
    if let Some((_, len)) = enhanced {
        pos = (pos + len).min(line_end);
    }
    let enhanced = enhanced.map(|(e, _)| e);
    // Positive and intermediate codes outside SMTP's own (`256` of a cipher name, a log
    // line number `308`) are not replies unless an enhanced code vouches for them.
    if enhanced.is_none()
        && matches!(code.first_digit(), 2 | 3)
        && !KNOWN_POSITIVE.contains(&code.get())
    {
        return None;
    }

    let intro = match tuple_text {
        Some((q, _)) => Intro::Quote(q),
        None => introducer(input, line_start, i),
    };
    let at_line_start = input[line_start..i]
        .iter()
        .all(|c| matches!(c, b' ' | b'\t' | b'<' | b'>'));
    let continuation = sep == Some(b'-');
    if enhanced.is_none()
        && intro == Intro::None
        && !at_line_start
        && !parenthesised(input, i, code, pos, line_end)
    {
        return None;
    }
    if continuation && enhanced.is_none() && intro == Intro::None && pos >= line_end {
        return None;
    }

    // Where the text ends.
    let mut end = line_end;
    if let Intro::Quote(q) = intro {
        match closing_quote(&input[pos..line_end], q) {
            Some(n) => end = pos + n,
            None if pos >= line_end => return None,
            None => {}
        }
    }
    if depth.iter().any(|&d| d > 0) {
        end = end.min(unmatched_closer(&input[pos..end], depth).map_or(end, |n| pos + n));
    }
    if let Intro::Quote(_) = intro
        && input[pos..end].iter().all(u8::is_ascii_whitespace)
        && enhanced.is_none()
    {
        return None; // a quoted bare number: `got code "550",`
    }
    // A continuation reply runs on over the following lines with the same code. A reply
    // wrapped as a paragraph (Postfix's bounce report breaks long lines near 80 columns
    // and indents the rest; a folded header does the same) runs on over its indented
    // lines, wherever the breaks fall.
    let mut extra_lines: Vec<(Range<usize>, bool)> = Vec::new();
    // A reply in double quotes that are not closed on its line (`Mailer said: "550 mail
    // from\n      rejected: administrative prohibition\n      (host is blacklisted)"`)
    // runs on over the following lines to the closing quote, when one of the next eight
    // lines closes it (a multi-line reply, `"550-...`, is joined by its own prefixes);
    // when none does, the reply is its own line after all.
    if matches!(intro, Intro::Quote(b'"'))
        && !continuation
        && end == line_end
        && let Some(e) = run_on(input, line_end, &mut extra_lines, |line| {
            closing_quote(line, b'"').map_or(RunOn::Next, RunOn::EndsAt)
        })
    {
        end = e;
    }
    // Postfix ends every remote reply it reports with `(in reply to X command)`: a reply
    // after `said:` whose line does not close it runs on to the line that does, within
    // eight lines, wherever the report or the paste broke it (`said: 550 IP\n192.0.2.7 is
    // blocked ...`, `said: 554\nYour message was received ...`).
    if end == line_end
        && intro == Intro::Label
        && said_before(&input[line_start..i])
        && let Some(e) = run_to_reply_end(input, pos.min(line_end), line_end, &mut extra_lines)
    {
        end = e;
    }
    if end == line_end {
        let (mut next, mut next_start) = (line_end, line_start);
        while next < input.len() && extra_lines.len() < 256 {
            if continuation
                && let Some((trimmed, le)) =
                    next_line_led_by(input, next, b" \t<>", &input[i..i + 3], b" -")
            {
                extra_lines.push((trimmed..le, true));
                (end, next_start, next) = (le, next + 1, le);
                // The last line of a multi-line reply (`550 5.7.1 ...`) ends it.
                if input.get(trimmed + 3) == Some(&b' ') {
                    break;
                }
                continue;
            }
            let Some((at, le)) = next_wrapped_line(input, next_start, next) else {
                break;
            };
            extra_lines.push((at..le, false));
            (end, next_start, next) = (le, next + 1, le);
        }
    }
    let span = i..end;
    let mut text = merge_text(
        input,
        pos,
        end,
        &extra_lines,
        &input[i..i + 3],
        enhanced,
        continuation,
    );
    // The command may be named up to three lines earlier (bounce prose, transcripts).
    let lookback = i.saturating_sub(CONTEXT_WINDOW);
    let ctx_start = if line_start > lookback {
        memchr::memrchr_iter(b'\n', &input[lookback..line_start])
            .nth(3)
            .map_or(lookback, |n| lookback + n + 1)
    } else {
        lookback
    };
    let command = split_command(&mut text).or_else(|| command_before(&input[ctx_start..i]));
    let enhanced = enhanced.or_else(|| split_qmail_status(&mut text));
    strip_state_suffix(&mut text);
    trim(&mut text);
    cap_text(&mut text);
    let host = find_host(
        &input[i.saturating_sub(CONTEXT_WINDOW)..i],
        &input[end..(end + CONTEXT_WINDOW).min(input.len())],
    );
    Some(Extracted {
        span,
        code: Some(code),
        enhanced,
        text,
        command,
        host,
    })
}

/// PHPMailer's error layout, which gives the reply's text before its codes:
/// `SMTP server error: RCPT TO command failed Detail: <text> SMTP code: 550 Additional
/// SMTP info: 5.1.1` (WordPress and most PHP applications send mail through it). The
/// reply's span runs from `Detail:` to the end of its codes, so the text counts as the
/// reply's own.
fn phpmailer<'a>(
    input: &'a [u8],
    i: usize,
    line_start: usize,
    floor: usize,
    line_end: usize,
    code: ReplyCode,
) -> Option<Extracted<'a>> {
    const CODE: &[u8] = b"SMTP code: ";
    const DETAIL: &[u8] = b"Detail: ";
    const INFO: &[u8] = b" Additional SMTP info: ";
    const FAILED: &[u8] = b"SMTP server error: ";
    input.get(line_start.max(floor)..i)?.strip_suffix(CODE)?;
    // `Detail:` on this line, or on the one before when the paste broke the line there;
    // never before the end of an earlier reply (`floor`), so spans do not overlap, and
    // within the context window, so that a hostile line of many `SMTP code:` costs
    // linear work.
    let from = match line_start.checked_sub(1) {
        Some(nl) => memchr::memrchr(b'\n', &input[..nl]).map_or(0, |n| n + 1),
        None => 0,
    }
    .max(floor)
    .max(i.saturating_sub(CODE.len() + CONTEXT_WINDOW));
    let before = &input[from..i - CODE.len()];
    let detail_at = rfind(before, DETAIL)?;
    let mut text = Cow::Borrowed(&before[detail_at + DETAIL.len()..]);
    trim(&mut text);
    cap_text(&mut text);
    let mut end = (i + 3).min(line_end);
    let mut enhanced = None;
    if input[end..line_end].starts_with(INFO)
        && let Some((e, len)) = enhanced_at(input, end + INFO.len(), line_end)
    {
        enhanced = Some(e);
        end = (end + INFO.len() + len).min(line_end);
    }
    // `SMTP server error: DATA END command failed` (`DATA END` is the final dot).
    let command = rfind(&before[..detail_at], FAILED).and_then(|at| {
        let name = &before[at + FAILED.len()..detail_at];
        if name.len() >= 8 && name[..8].eq_ignore_ascii_case(b"DATA END") {
            Some(SmtpCommand::EndOfData)
        } else {
            SmtpCommand::from_phrase(name)
        }
    });
    Some(Extracted {
        span: from + detail_at..end,
        code: Some(code),
        enhanced,
        text,
        command,
        host: None,
    })
}

/// An enhanced code at `pos` followed by a space, punctuation or the line end.
fn enhanced_at(input: &[u8], pos: usize, line_end: usize) -> Option<(EnhancedCode, usize)> {
    let (rest, code) = enhanced_code_lenient(&input[pos..line_end]).ok()?;
    let len = line_end - pos - rest.len();
    match rest.first() {
        None => Some((code, len)),
        Some(b' ' | b'\t' | b'\r') => Some((code, len + 1)),
        Some(c) if !c.is_ascii_alphanumeric() => Some((code, len)),
        Some(_) => None,
    }
}

/// What precedes a code and vouches for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intro {
    None,
    /// A label such as `said:`, `LED=`, `smtp;`.
    Label,
    /// An opening quote right before the code; the text ends at its closing twin.
    Quote(u8),
}

/// The positive and intermediate reply codes SMTP and its extensions use.
const KNOWN_POSITIVE: &[u16] = &[211, 214, 220, 221, 235, 250, 251, 252, 334, 354];

/// A failure reply in parentheses, as log lines quote one (`(450 Can't find an MX server
/// for example.com)`): a 4xx/5xx code right after `(`, followed by at least two words.
fn parenthesised(input: &[u8], i: usize, code: ReplyCode, pos: usize, line_end: usize) -> bool {
    if !matches!(code.first_digit(), 4 | 5) || i == 0 || input[i - 1] != b'(' {
        return false;
    }
    let text = &input[pos.min(line_end)..line_end];
    let text = &text[..memchr::memchr(b')', text).unwrap_or(text.len())];
    text.first().is_some_and(u8::is_ascii_alphabetic)
        && text
            .split(|c| *c == b' ')
            .filter(|w| w.iter().any(u8::is_ascii_alphabetic))
            .count()
            >= 2
}

fn introducer(input: &[u8], line_start: usize, i: usize) -> Intro {
    let before = &input[line_start..i];
    let trimmed_len = before.len()
        - before
            .iter()
            .rev()
            .take_while(|c| **c == b' ' || **c == b'\t')
            .count();
    let before = &before[..trimmed_len];
    let spaced = trimmed_len < i - line_start;
    match before.last() {
        Some(&q @ (b'\'' | b'"')) => Intro::Quote(q),
        // `said: 550`, `Error:550`; not a line number or port glued to a file or host
        // name (`SmtpClient.php:446`, `mx.example.com:421`).
        Some(b':') if spaced || !glued_to_name(&before[..before.len() - 1]) => Intro::Label,
        Some(b':') => Intro::None,
        Some(b';') => {
            // Only a diagnostic type vouches (`smtp; 550 ...`, `X-Postfix; ...`), not prose.
            let body = &before[..before.len() - 1];
            let tok_len = body
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                .count();
            let tok = &body[body.len() - tok_len..];
            if tok.eq_ignore_ascii_case(b"smtp")
                || tok.eq_ignore_ascii_case(b"esmtp")
                || tok.len() > 2 && tok[..2].eq_ignore_ascii_case(b"x-")
            {
                Intro::Label
            } else {
                Intro::None
            }
        }
        Some(b'=') => {
            const LABELS: &[&[u8]] = &[
                b"led=",
                b"reply=",
                b"response=",
                b"msg=",
                b"status=",
                b"diag=",
            ];
            let lower_ends = |l: &[u8]| {
                before.len() >= l.len() && before[before.len() - l.len()..].eq_ignore_ascii_case(l)
            };
            if LABELS.iter().any(|l| lower_ends(l)) {
                Intro::Label
            } else {
                Intro::None
            }
        }
        Some(b'<') if before.ends_with(b"<<<") => Intro::Label,
        _ => Intro::None,
    }
}

/// Whether the word that ends `before` belongs to a file or host name: it has a dot, a
/// slash or a backslash before it, or digits in it.
fn glued_to_name(before: &[u8]) -> bool {
    let word_len = before
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
        .count();
    let word = &before[before.len() - word_len..];
    word.iter().any(u8::is_ascii_digit)
        || before[..before.len() - word_len]
            .last()
            .is_some_and(|c| matches!(c, b'.' | b'/' | b'\\'))
}

/// The closing twin of an opening quote: the first `q` followed by the line end or a
/// delimiter (`'s` inside prose does not close `'...'`), else the last `q`.
fn closing_quote(text: &[u8], q: u8) -> Option<usize> {
    memchr::memchr_iter(q, text)
        .find(|&n| {
            let rest = &text[n + 1..];
            matches!(
                rest.first(),
                None | Some(b',' | b';' | b'}' | b')' | b']' | b'>')
            ) || rest.iter().all(u8::is_ascii_whitespace)
        })
        .or_else(|| memchr::memrchr(q, text))
}

/// The offset of the first closer in `text` that closes a bracket opened before it.
fn unmatched_closer(text: &[u8], depth: &[i32; 4]) -> Option<usize> {
    let mut d = [0i32; 4];
    for (n, &c) in text.iter().enumerate() {
        match c {
            b'(' | b'<' | b'{' | b'[' => d[bracket(c)] += 1,
            b')' | b'>' | b'}' | b']' => {
                let k = bracket(c);
                d[k] -= 1;
                if d[k] < 0 && depth[k] > 0 {
                    return Some(n);
                }
            }
            _ => {}
        }
    }
    None
}

/// The reply text from `pos` to `end`, with continuation lines and in-line continuation
/// prefixes (`550-5.1.1 `, `550 5.1.1 `) removed. `multiline`: the reply began as a
/// continuation line (`550-`).
fn merge_text<'a>(
    input: &'a [u8],
    pos: usize,
    end: usize,
    extra_lines: &[(Range<usize>, bool)],
    code: &[u8],
    enhanced: Option<EnhancedCode>,
    multiline: bool,
) -> Cow<'a, [u8]> {
    let first_end = extra_lines.first().map_or(end, |_| {
        memchr::memchr(b'\n', &input[pos..end]).map_or(end, |n| pos + n)
    });
    let first = trim_cr(&input[pos..first_end]);
    let mut pieces: Vec<&[u8]> = vec![first];
    for (r, led) in extra_lines {
        let line = trim_cr(&input[r.clone()]);
        let mut p = if *led { 4.min(line.len()) } else { 0 };
        if *led && let Some((_, len)) = enhanced_at(line, p, line.len()) {
            p += len;
        }
        let piece = &line[p.min(line.len())..];
        pieces.push(if *led { piece } else { piece.trim_ascii_end() });
    }
    // A wrapped paragraph is joined first: its breaks may fall inside a prefix (`for
    // more 550\n    5.7.1 information`).
    if extra_lines.iter().any(|(_, led)| !led) {
        let whole = pieces
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(&b' ');
        let cleaned = strip_inline_prefixes(&whole, code, enhanced, multiline).into_owned();
        return Cow::Owned(cleaned);
    }
    // In-line continuations (Exim logs put the whole multi-line reply on one line).
    // A reply that went on over real lines had its last line's prefix removed above.
    let joined = multiline && extra_lines.is_empty();
    let mut out: Option<Vec<u8>> = None;
    for (n, piece) in pieces.iter().enumerate() {
        let cleaned = strip_inline_prefixes(piece, code, enhanced, joined);
        if n == 0 && pieces.len() == 1 {
            return cleaned;
        }
        let buf = out.get_or_insert_with(Vec::new);
        if !buf.is_empty() && !cleaned.is_empty() {
            buf.push(b' ');
        }
        buf.extend_from_slice(&cleaned);
    }
    Cow::Owned(out.unwrap_or_default())
}

/// The line after the one that ends at `line_end` (its `\n`), as (text start after its
/// indentation, text end before a `\r`, line end), when it has text: the next line of a
/// quoted reply that runs on.
fn next_quoted_line(input: &[u8], line_end: usize) -> Option<(usize, usize, usize)> {
    let (_, at, le) = next_line(input, line_end)?;
    let te = at + trim_cr(&input[at..le]).len();
    (te > at).then_some((at, te, le))
}

/// The line after the one that ends at `line_end` (its `\n`): its indentation (spaces and
/// tabs), where its text starts after it, and where the line ends.
fn next_line(input: &[u8], line_end: usize) -> Option<(usize, usize, usize)> {
    let start = line_end.checked_add(1).filter(|&s| s < input.len())?;
    let indent = input[start..]
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    let at = start + indent;
    let le = memchr::memchr(b'\n', &input[at..]).map_or(input.len(), |n| at + n);
    Some((indent, at, le))
}

/// Whether the text before a reply code ends with `said:` (Postfix's `host H[IP] said:`).
fn said_before(before: &[u8]) -> bool {
    let b = before.trim_ascii_end();
    b.len() >= 5 && b[b.len() - 5..].eq_ignore_ascii_case(b"said:")
}

/// What [`run_on`] learns from one following line of a reply.
enum RunOn {
    /// The line belongs to the reply, which goes on.
    Next,
    /// The reply ends in this line, this many bytes into its text.
    EndsAt(usize),
    /// The line is not part of the reply: nothing runs on.
    Stop,
}

/// Runs a reply on over the lines after the one ending at `line_end`, at most eight, as
/// `step` reads each line's text: pushes their ranges to `extra` and returns where the
/// reply ends, or pushes nothing and returns `None` when a line stops it, a line is blank
/// or no line within eight ends it.
fn run_on(
    input: &[u8],
    line_end: usize,
    extra: &mut Vec<(Range<usize>, bool)>,
    mut step: impl FnMut(&[u8]) -> RunOn,
) -> Option<usize> {
    let kept = extra.len();
    let mut next = line_end;
    for _ in 0..8 {
        let Some((at, te, le)) = next_quoted_line(input, next) else {
            break;
        };
        match step(&input[at..te]) {
            RunOn::Next => extra.push((at..te, false)),
            RunOn::EndsAt(n) => {
                extra.push((at..at + n, false));
                return Some(at + n);
            }
            RunOn::Stop => break,
        }
        next = le;
    }
    extra.truncate(kept);
    None
}

/// [`run_on`] to the line that closes Postfix's `(in reply to X command)` (which may open
/// on the reply's own line, from `text_start`, or be broken inside), stopping at a line
/// that starts another recipient's record, names another `said:` or starts like a syslog
/// line; `None` also when the reply's own line closes it.
fn run_to_reply_end(
    input: &[u8],
    text_start: usize,
    line_end: usize,
    extra: &mut Vec<(Range<usize>, bool)>,
) -> Option<usize> {
    const OPEN: &[u8] = b"(in reply";
    const CLOSE: &[u8] = b"command)";
    let own = trim_cr(&input[text_start..line_end]);
    if find(own, CLOSE).is_some() {
        return None;
    }
    let mut opened = find(own, OPEN).is_some();
    run_on(input, line_end, extra, |line| {
        let record = line.first() == Some(&b'<')
            && memchr::memchr(b'>', line).is_some_and(|n| {
                let rest = &line[n + 1..];
                rest.starts_with(b":") || rest.starts_with(b" (expanded from")
            });
        if record || find(line, b"said:").is_some() || starts_with_month(line) {
            return RunOn::Stop;
        }
        opened |= find(line, OPEN).is_some();
        // The reply ends with the command's parenthesis (a log line's own closing
        // parenthesis may follow it).
        match find(line, CLOSE).filter(|_| opened) {
            Some(n) => RunOn::EndsAt(n + CLOSE.len()),
            None => RunOn::Next,
        }
    })
}

/// A paragraph wrapped near this width (Postfix wraps its bounce report near 80 columns,
/// mail programs at 72 to 78): a line whose next word would have reached it was broken
/// there.
const WRAP_WIDTH: usize = 72;

/// The line after the one that ends at `line_end` (and starts at `line_start`), as
/// (text start, line end), when it continues a wrapped paragraph: it is indented and not
/// blank, and its first word would not have fitted on the line before. Two lines that
/// both start with a label (` Diagnostic code: ...`, ` Remote system: ...`) are fields of
/// a list, not one paragraph.
fn next_wrapped_line(input: &[u8], line_start: usize, line_end: usize) -> Option<(usize, usize)> {
    let this = trim_cr(input.get(line_start..line_end)?);
    let before = this.len();
    let (indent, at, le) = next_line(input, line_end)?;
    let line = trim_cr(&input[at..le]).trim_ascii_end();
    let word = line
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(line.len());
    let labelled = starts_with_label(line);
    // A paste that lost the indentation still shows the break: a long line followed by
    // one that starts no new item (a reply code, an address, a quote mark, a JSON record,
    // a label, a program's `name:` or a syslog time stamp).
    let unindented_ok = indent == 0
        && before >= WRAP_MIN
        && !line.first().is_some_and(|c| {
            c.is_ascii_digit() || matches!(c, b'<' | b'>' | b'#' | b'-' | b'*' | b'[' | b'(' | b'{')
        })
        && (word <= 1 || !line[..word].ends_with(b":"))
        && !labelled
        && !starts_with_month(line);
    // A line that ends with a colon announces what its indented next line says
    // (`550 5.7.1 Content-Policy reject msg:\n    The filter considers this message SPAM`).
    let announces = indent > 0 && this.trim_ascii_end().ends_with(b":");
    ((indent > 0 || unindented_ok)
        && line.iter().any(u8::is_ascii_alphabetic)
        && (before + 1 + word >= WRAP_WIDTH || announces)
        && !(labelled && starts_with_label(this)))
    .then_some((at, le))
}

/// A line without indentation continues a wrapped paragraph only when it is at least this
/// long itself.
const WRAP_MIN: usize = 60;

/// Whether `line` starts like a syslog line (`Nov 22 10:00:01 ...`): the next record of a
/// pasted log, not a wrapped part of this one.
fn starts_with_month(line: &[u8]) -> bool {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    matches!(line, [a, b, c, b' ', d, ..] if MONTHS.contains(&&[*a, *b, *c]) && (d.is_ascii_digit() || *d == b' '))
}

/// Whether `line` (after its indentation) starts with a label of up to three words, the
/// first capitalised, and a colon: `Diagnostic code: `, `Remote system: `.
fn starts_with_label(line: &[u8]) -> bool {
    let line = line.trim_ascii_start();
    let Some(colon) = line.iter().take(40).position(|&c| c == b':') else {
        return false;
    };
    let label = &line[..colon];
    label.first().is_some_and(u8::is_ascii_uppercase)
        && label.split(|&c| c == b' ').count() <= 3
        && label
            .iter()
            .all(|&c| c.is_ascii_alphabetic() || matches!(c, b' ' | b'-'))
        && matches!(line.get(colon + 1), None | Some(b' ' | b'\t'))
}

fn trim_cr(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// Removes ` 550-5.1.1 ` / ` 550 5.1.1 ` / ` 550-` runs inside one line of text, and, in
/// a multi-line reply without enhanced codes joined on one line (`550-Envelope blocked
/// 550 - User Entry`, as Postfix logs it), the first ` 550 ` after them: its last line's
/// prefix.
fn strip_inline_prefixes<'a>(
    text: &'a [u8],
    code: &[u8],
    enhanced: Option<EnhancedCode>,
    multiline: bool,
) -> Cow<'a, [u8]> {
    // Whether a bare ` 550 ` may still be the last line's prefix.
    let mut last_line_open = multiline && enhanced.is_none();
    let finder = |hay: &[u8]| find(hay, code);
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut search = 0;
    while let Some(n) = finder(&text[search..]) {
        let at = search + n;
        search = at + 3;
        // A prefix right where the previous one ended (an empty continuation line:
        // `550-5.7.26 550-5.7.26 text`), or after a space that is not part of one.
        let adjacent = at == copied;
        let preceded = adjacent || (at > copied && matches!(text[at - 1], b' ' | b'\t'));
        let sep = text.get(at + 3).copied();
        if !preceded || !matches!(sep, Some(b'-' | b' ')) {
            continue;
        }
        let mut skip = at + 4;
        let had_enhanced = match enhanced_at(text, skip, text.len()) {
            Some((e, len)) if Some(e) == enhanced => {
                skip += len;
                true
            }
            _ => false,
        };
        if sep == Some(b' ') && !had_enhanced {
            if !last_line_open {
                continue; // "... over 550 messages ..." is prose, not a prefix
            }
            last_line_open = false;
        }
        let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
        if !adjacent {
            buf.extend_from_slice(&text[copied..at - 1]);
            buf.push(b' ');
        }
        copied = skip.min(text.len());
        search = copied;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.extend_from_slice(&text[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// Removes a trailing `(in reply to X command)` and returns the command.
fn split_command(text: &mut Cow<'_, [u8]>) -> Option<SmtpCommand> {
    let at = rfind(text, b"(in reply to ")?;
    let tail = &text[at + 13..];
    let command = SmtpCommand::from_phrase(tail);
    let close = memchr::memchr(b')', tail).map_or(text.len(), |n| at + 13 + n + 1);
    let rest_is_blank = text[close..].iter().all(u8::is_ascii_whitespace);
    if command.is_some() && rest_is_blank {
        match text {
            Cow::Borrowed(b) => *b = &b[..at],
            Cow::Owned(v) => v.truncate(at),
        }
    }
    command
}

/// Finds the command named before a reply: Exim's `after RCPT TO:<...>:`, Postfix's
/// `while sending RCPT TO`, a transcript's `>>> RCPT To:<...>` line.
fn command_before(before: &[u8]) -> Option<SmtpCommand> {
    const MARKERS: &[&[u8]] = &[
        b"after ",
        b"while sending ",
        b"while receiving ",
        b"while performing ",
        b">>> ",
    ];
    MARKERS
        .iter()
        .filter_map(|m| rfind(before, m).map(|n| (n, n + m.len())))
        .max_by_key(|(n, _)| *n)
        .and_then(|(_, start)| SmtpCommand::from_phrase(&before[start..]))
}

/// Removes qmail's trailing `(#5.1.1)` status and returns it.
fn split_qmail_status(text: &mut Cow<'_, [u8]>) -> Option<EnhancedCode> {
    let at = rfind(text, b"(#")?;
    let (rest, code) = enhanced_code_lenient(&text[at + 2..]).ok()?;
    if !matches!(rest, [b')', tail @ ..] if tail.iter().all(|c| c.is_ascii_whitespace() || *c == b'.'))
    {
        return None;
    }
    match text {
        Cow::Borrowed(b) => *b = &b[..at],
        Cow::Owned(v) => v.truncate(at),
    }
    Some(code)
}

/// Removes Gmail's trailing `(state 13)` / `(state 14).`.
fn strip_state_suffix(text: &mut Cow<'_, [u8]>) {
    let Some(at) = rfind(text, b"(state ") else {
        return;
    };
    let tail = &text[at + 7..];
    let digits = tail.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0
        && tail[digits..]
            .iter()
            .all(|c| matches!(c, b')' | b'.' | b' ' | b'\r'))
    {
        match text {
            Cow::Borrowed(b) => *b = &b[..at],
            Cow::Owned(v) => v.truncate(at),
        }
    }
}

/// Cuts a reply text to [`MAX_TEXT`] bytes.
fn cap_text(text: &mut Cow<'_, [u8]>) {
    if text.len() > MAX_TEXT {
        *text = Cow::Owned(text[..MAX_TEXT].to_vec());
    }
}

fn trim(text: &mut Cow<'_, [u8]>) {
    let is_ws = |c: &u8| c.is_ascii_whitespace();
    let start = text.iter().take_while(|c| is_ws(c)).count();
    let end = text.len() - text[start..].iter().rev().take_while(|c| is_ws(c)).count();
    match text {
        Cow::Borrowed(b) => *b = &b[start..end],
        Cow::Owned(v) => {
            v.truncate(end);
            v.drain(..start);
        }
    }
}

/// The line after the one ending at `line_end`, when it starts (after bytes of `indent`:
/// blanks, and for a multi-line reply a transcript's `<<< ` too) with `lead` followed by
/// one of `seps`: where its text starts (at `lead`) and where it ends.
fn next_line_led_by(
    input: &[u8],
    line_end: usize,
    indent: &[u8],
    lead: &[u8],
    seps: &[u8],
) -> Option<(usize, usize)> {
    let start = line_end.checked_add(1).filter(|&s| s < input.len())?;
    let at = start
        + input[start..]
            .iter()
            .take_while(|c| indent.contains(c))
            .count();
    let rest = &input[at..];
    if !(rest.starts_with(lead) && rest.get(lead.len()).is_some_and(|c| seps.contains(c))) {
        return None;
    }
    Some((
        at,
        memchr::memchr(b'\n', rest).map_or(input.len(), |n| at + n),
    ))
}

/// How many following lines led by the same status [`leading_status`] joins to a reply.
const MAX_STATUS_LINES: usize = 32;

/// A status that starts with an enhanced code and no reply code, at the start of a line
/// as Exchange NDRs write it (`5.7.321 starttls-not-supported: ...`), after a label as
/// .NET's SmtpException does (`The server response was: 5.7.1 Unable to relay`), or in
/// quotes as Exchange's tracking logs do (`Remote Server returned '4.4.7 Message
/// expired'`; the text ends at the closing quote).
fn leading_status(
    input: &[u8],
    i: usize,
    line_start: usize,
    line_end: usize,
) -> Option<Extracted<'_>> {
    let before = &input[line_start..i];
    let blank = |s: &[u8]| s.iter().all(|c| matches!(c, b' ' | b'\t'));
    // A reply code outside RFC 5321's range (`571 5.7.1 ...`, sent by some filters) in
    // front of a status of the same class: the status stands at the line's start and the
    // invalid code is dropped.
    let odd_code = {
        let t = before.trim_ascii_end();
        t.len() >= 3
            && t.len() < before.len()
            && blank(&t[..t.len() - 3])
            && t[t.len() - 3..].iter().all(u8::is_ascii_digit)
            && t[t.len() - 3] == input[i]
            && ReplyCode::from_digits([t[t.len() - 3], t[t.len() - 2], t[t.len() - 1]]).is_none()
    };
    let at_line_start = blank(before) || odd_code;
    let intro = introducer(input, line_start, i);
    if !at_line_start && !matches!(intro, Intro::Label | Intro::Quote(_)) {
        return None;
    }
    let (code, len) = enhanced_at(input, i, line_end)?;
    if len == line_end - i || !matches!(input.get(i + len - 1), Some(b' ' | b'\t')) {
        return None; // a status alone, or `5.7.1:` glued to text
    }
    // A quote never closed on its line (a paste cut short: `with message '4.7.8 Error:
    // authentication failed`) ends with the line.
    let mut end = match intro {
        Intro::Quote(q) if !at_line_start => {
            closing_quote(&input[i + len..line_end], q).map_or(line_end, |n| i + len + n)
        }
        _ => line_end,
    };
    let mut text = Cow::Borrowed(trim_cr(&input[i + len..end]));
    // A multi-line reply shown without its reply code, each line led by the same status
    // (Thunderbird: `5.1.2 The recipient address <a@b.example\n5.1.2 .com> is not a
    // valid RFC-5321 address.`): the lines are one reply.
    if end == line_end {
        let status = input[i..i + len].trim_ascii_end();
        let mut joined: Option<Vec<u8>> = None;
        for _ in 0..MAX_STATUS_LINES {
            let Some((at, le)) = next_line_led_by(input, end, b" \t", status, b" \t") else {
                break;
            };
            let piece = trim_cr(&input[at + status.len()..le]).trim_ascii();
            let buf = joined.get_or_insert_with(|| text.to_vec());
            // The lines still belong to the reply's span; its text stops growing at the cap.
            if !piece.is_empty() && buf.len() < MAX_TEXT {
                if !buf.is_empty() {
                    buf.push(b' ');
                }
                buf.extend_from_slice(piece);
            }
            end = le;
        }
        if let Some(buf) = joined {
            text = Cow::Owned(buf);
        }
    }
    trim(&mut text);
    if text.is_empty() {
        return None;
    }
    cap_text(&mut text);
    Some(Extracted {
        span: i..end,
        code: None,
        enhanced: Some(code),
        text,
        command: None,
        host: None,
    })
}

/// A bare status code after `dsn=` (Sendmail, Postfix), `(#` (qmail) or `#< #` (Exchange)
/// at `i`, on a line
/// that ends at `line_end`.
fn bare_status(input: &[u8], i: usize, line_end: usize) -> Option<Extracted<'_>> {
    let start = match input[i] {
        b'=' if i >= 3 && input[i - 3..i].eq_ignore_ascii_case(b"dsn") => i + 1,
        b'#' if i >= 1 && input[i - 1] == b'(' => i + 1,
        // Exchange's NDR form: `#< #5.0.0 smtp;550 ...> #SMTP#`.
        b'#' if i >= 3 && &input[i - 3..i] == b"#< " => i + 1,
        _ => return None,
    };
    let (rest, code) = enhanced_code_lenient(&input[start..line_end]).ok()?;
    let end = line_end - rest.len();
    Some(Extracted {
        span: start..end,
        code: None,
        enhanced: Some(code),
        text: Cow::Borrowed(&[]),
        command: None,
        host: None,
    })
}

/// Finds the remote host in the text around a reply: the naming nearest before it
/// (Postfix `host NAME[IP] said`, Exim `host NAME [IP]:` / `H=NAME [IP]`, Sendmail
/// `relay=NAME. [IP]`, `while talking to NAME.:`, Exchange `Remote Server at NAME (IP)`
/// and `<NAME #5.0.0 smtp;...>`), else Exchange's `{FQDN=NAME};{IP=IP}` after it.
fn find_host<'a>(before: &'a [u8], after: &'a [u8]) -> Option<RemoteHost<'a>> {
    const MARKERS: &[&[u8]] = &[
        b"host ",
        b"H=",
        b"relay=",
        b"Remote Server at ",
        b"while talking to ",
        b"<",
    ];
    let mut best: Option<(usize, RemoteHost<'a>)> = None;
    for m in MARKERS {
        for at in rfind_iter(before, m) {
            if best.as_ref().is_some_and(|(b, _)| *b > at) {
                break;
            }
            if at > 0 && before[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = &before[at + m.len()..];
            if *m == b"<" && !angle_host(rest) {
                continue;
            }
            if let Some(h) = host_at(rest) {
                best = Some((at, h));
                break;
            }
        }
    }
    if let Some((_, h)) = best {
        return Some(h);
    }
    let at = find(after, b"FQDN=")?;
    let mut h = host_at(&after[at + 5..])?;
    if h.ip.is_none() {
        h.ip = find(after, b"{IP=").and_then(|n| parse_ip(&after[n + 4..]));
    }
    Some(h)
}

/// `NAME #` right after `<`: old Exchange's `<mx.example.com #5.0.0 smtp;...>`.
fn angle_host(rest: &[u8]) -> bool {
    let n = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
        .count();
    n > 0 && rest[n..].starts_with(b" #")
}

/// `NAME[IP]`, `NAME [IP]`, `NAME (IP)`, `NAME.:` or a bare `[IP]` at the start of `s`.
fn host_at(s: &[u8]) -> Option<RemoteHost<'_>> {
    let name_len = s
        .iter()
        .take(255)
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
        .count();
    let raw = &s[..name_len];
    let name = raw.strip_suffix(b".").unwrap_or(raw);
    let rest = &s[name_len..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let ip = match rest.first() {
        Some(b'[' | b'(') => parse_ip(&rest[1..]),
        _ => None,
    };
    let plausible = name.contains(&b'.') || name.eq_ignore_ascii_case(b"localhost");
    let name = if plausible && name != b"unknown" {
        std::str::from_utf8(name).ok().map(Cow::Borrowed)
    } else {
        None
    };
    (name.is_some() || ip.is_some()).then_some(RemoteHost { name, ip })
}

fn parse_ip(s: &[u8]) -> Option<IpAddr> {
    let s = s.strip_prefix(b"IPv6:").unwrap_or(s);
    let len = s
        .iter()
        .take(45)
        .take_while(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':'))
        .count();
    std::str::from_utf8(&s[..len]).ok()?.parse().ok()
}

/// The first occurrence of a short `needle` in `hay`: candidates found with memchr on its
/// first byte. Cheaper than building a `memmem` finder for the short, fixed needles used
/// here, called once per reply.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr_iter(first, hay).find(|&i| hay[i + 1..].starts_with(rest))
}

/// The last occurrence of a short `needle` in `hay` (see [`find`]).
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    rfind_iter(hay, needle).next()
}

/// Every occurrence of a short `needle` in `hay`, last first.
fn rfind_iter<'h>(hay: &'h [u8], needle: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
    let (first, rest) = needle.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    memchr::memrchr_iter(first, hay)
        .filter(move |&i| !needle.is_empty() && hay[i + 1..].starts_with(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(s: &str) -> Extracted<'_> {
        extract_best(s.as_bytes()).unwrap_or_else(|| panic!("nothing in {s:?}"))
    }

    #[test]
    fn failure_code_with_a_colon() {
        let e = best("554: Dialup/transient IP not allowed (DIAL)");
        assert_eq!(e.code.map(ReplyCode::get), Some(554));
        assert_eq!(&e.text[..], b"Dialup/transient IP not allowed (DIAL)");
        let e = best("SMTP Error: 552: Message rejected for spam");
        assert_eq!(e.code.map(ReplyCode::get), Some(552));
        // Not for positive codes, nor a colon glued to the next word.
        assert!(extract_best(b"250: ok").is_none());
        assert!(extract_best(b"550:x").is_none());
    }

    #[test]
    fn status_written_with_a_hash() {
        let e = best("550 #5.1.0 Address rejected.");
        assert_eq!(e.enhanced.map(|c| c.to_string()).as_deref(), Some("5.1.0"));
        assert_eq!(&e.text[..], b"Address rejected.");
        // A hash that starts no status stays in the text.
        let e = best("550 #42 is not a mailbox");
        assert_eq!(e.enhanced, None);
        assert_eq!(&e.text[..], b"#42 is not a mailbox");
    }

    #[test]
    fn python_smtplib_tuples() {
        let e = best(
            "smtplib.SMTPRecipientsRefused: {'u@example.com': (550, b'5.1.1 <u@example.com>: Recipient address rejected: User unknown')}",
        );
        assert_eq!(e.code.map(ReplyCode::get), Some(550));
        assert_eq!(e.enhanced.map(|c| c.to_string()).as_deref(), Some("5.1.1"));
        assert_eq!(
            &e.text[..],
            b"<u@example.com>: Recipient address rejected: User unknown"
        );
        let e = best(r#"SMTPSenderRefused: (553, b"5.7.1 Sender rejected", 'a@b.example')"#);
        assert_eq!(e.code.map(ReplyCode::get), Some(553));
        assert_eq!(&e.text[..], b"Sender rejected");
        // A number and a comma alone are not a reply.
        assert!(extract_best(b"retries (550, 3) left").is_none());
        assert!(extract_best(b"sizes 550, 600 and 700").is_none());
    }

    #[test]
    fn exim_continuations_merge() {
        let l = "2024-01-01 10:00:00 1abc-000 ** u@x.example R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<u@x.example>: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp";
        let r = best(l);
        assert_eq!(r.code.map(ReplyCode::get), Some(550));
        assert_eq!(r.command, Some(SmtpCommand::RcptTo));
        assert_eq!(
            r.text_lossy(),
            "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address. https://support.google.com/mail/?p=NoSuchUser - gsmtp"
        );
        let h = r.host.unwrap();
        assert_eq!(h.name.as_deref(), Some("mx.x.example"));
        assert_eq!(h.ip, "192.0.2.7".parse().ok());
        assert_eq!(extract(l.as_bytes()).len(), 1);
    }

    #[test]
    fn transcript_marks_lead_every_line_of_a_multi_line_reply() {
        // sendmail -v and similar transcripts mark every server line with `<<< `.
        let r = best(
            "<<< 550-5.7.1 [2001:db8::5] Our system has detected that\n\
             <<< 550-5.7.1 this message does not meet our sending rules\n\
             <<< 550 5.7.1 for IPv6 senders.\n\
             >>> QUIT",
        );
        assert_eq!(r.code.map(ReplyCode::get), Some(550));
        assert_eq!(
            r.text_lossy(),
            "[2001:db8::5] Our system has detected that this message does not meet our sending rules for IPv6 senders."
        );
    }

    #[test]
    fn postfix_reply_runs_to_in_reply_to() {
        // A paste that lost the indentation, broken before a number: the reply still runs
        // on to Postfix's `(in reply to ... command)`.
        let r = best(
            "<u@example.net>: host mx.example.net[192.0.2.9] said: 550 IP\n\
             198.51.100.4 is refused here. See example.net/refused for\n\
             details. (in reply to MAIL FROM command)",
        );
        assert_eq!(
            r.text_lossy(),
            "IP 198.51.100.4 is refused here. See example.net/refused for details."
        );
        assert_eq!(r.command, Some(SmtpCommand::MailFrom));
        // The code alone on its line, a short line before the break; a log line's own
        // closing parenthesis after the command's stays out.
        let r = best(
            "status=bounced (host h[192.0.2.1] said: 554\nNo thanks (in reply\nto end of DATA command))",
        );
        assert_eq!(r.text_lossy(), "No thanks");
        assert_eq!(r.command, Some(SmtpCommand::EndOfData));
        // Another recipient's record, or no closing within eight lines: the line alone.
        let two = "<a@x.example>: host mx.x.example[192.0.2.2] said: 550 Unknown\n\
                   <b@x.example>: host mx.x.example[192.0.2.2] said: 550 Gone (in reply to RCPT TO command)";
        let replies = extract(two.as_bytes());
        assert_eq!(replies.len(), 2);
        assert_eq!(replies[0].text_lossy(), "Unknown");
        let open = format!(
            "host h[192.0.2.1] said: 550 No\n{}(in reply to RCPT TO command)",
            "line\n".repeat(8)
        );
        assert_eq!(best(&open).text_lossy(), "No");
    }

    #[test]
    fn pasted_break_before_a_colon() {
        // A paste broke Postfix's `<address>: reason` after the address; the line that
        // starts with the colon continues the reply (a `name:` label would not).
        let r = best(
            "postfix/smtpd[7]: NOQUEUE: reject: RCPT from mx.example.net[192.0.2.1]: 454 4.7.1 <a@example.org>\n\
             : Relay access denied; from=<b@example.net> to=<a@example.org> proto=ESMTP",
        );
        assert!(
            r.text_lossy().contains("Relay access denied"),
            "{}",
            r.text_lossy()
        );
    }

    #[test]
    fn wrapped_paragraphs() {
        // Postfix's bounce report wraps a reply near 80 columns and indents the rest.
        let r = best(
            "<u@example.org>: host mx.example.org[192.0.2.3] said: 550 5.1.1 <u@example.org>:\n    \
             Recipient address rejected: User unknown in local recipient table (in reply\n    \
             to RCPT TO command)",
        );
        assert_eq!(
            r.text_lossy(),
            "<u@example.org>: Recipient address rejected: User unknown in local recipient table"
        );
        assert_eq!(r.command, Some(SmtpCommand::RcptTo));
        // A multi-line reply joined and then wrapped anywhere, even inside a prefix.
        let r = best(
            "<v@example.net>: host mx.example.net[192.0.2.9] said: 550-5.7.1\n    \
             [192.0.2.200] This message was refused because the sending address has a\n    \
             550-5.7.1 poor standing with us. Please read https://help.example.net/s for more 550\n    \
             5.7.1 details. (in reply to end of DATA command)",
        );
        assert_eq!(
            r.text_lossy(),
            "[192.0.2.200] This message was refused because the sending address has a poor \
             standing with us. Please read https://help.example.net/s for more details."
        );
        assert_eq!(r.command, Some(SmtpCommand::EndOfData));
        // Fields of a list are not one paragraph.
        let r = best(
            " Diagnostic code: smtp;554 5.7.1 <a@example.org>: Relay access denied here\n \
             Remote system: dns;mx.example.org (mx.example.org ESMTP)",
        );
        assert_eq!(r.text_lossy(), "<a@example.org>: Relay access denied here");
        // A short line ends where its text ends.
        let r = best("said: 550 5.7.1 Rejected\n    next item");
        assert_eq!(r.text_lossy(), "Rejected");
        // A reply in double quotes runs on to the line that closes them, LF or CRLF.
        for nl in ["\n", "\r\n"] {
            let input = format!(
                "Mailer said: \"550 sender{nl}        refused by local rules{nl}        (listed here)\"{nl}next"
            );
            assert_eq!(
                best(&input).text_lossy(),
                "sender refused by local rules (listed here)"
            );
        }
        // Not when no line closes them.
        let r = best("Mailer said: \"550 sender\n        refused\nnext");
        assert_eq!(r.text_lossy(), "sender");
        // Unless it ends with a colon: its indented next line says what it announced.
        let r =
            best("said: 550 5.7.1 Content filter verdict:\n    the filter scored it as spam\nnext");
        assert_eq!(
            r.text_lossy(),
            "Content filter verdict: the filter scored it as spam"
        );
        // A paste that lost the indentation: a long line, then one that starts no new item.
        let r = best(
            "<w@example.com>: host mx.example.com[192.0.2.4] said: 550 5.7.1 Message refused\n\
             because the sending host is listed at list.example.org (in reply to RCPT TO\n\
             command)\nmsmtp: could not send mail",
        );
        assert_eq!(
            r.text_lossy(),
            "Message refused because the sending host is listed at list.example.org"
        );
        // The next line of a pasted log is no part of the reply.
        let r = best(
            "Nov 22 10:00:01 mx sm-mta[21]: x1: to=<a@example.org>, stat=Deferred: 450 4.7.1 \
             Greylisted\nNov 22 10:00:02 mx sm-mta[21]: x2: to=<b@example.org>, stat=Sent",
        );
        assert_eq!(r.text_lossy(), "Greylisted");
        // The last line of a multi-line reply ends it.
        let r = best(
            "550-5.7.1 The first line of a multi-line reply, long enough to be wrapped\n\
             550 5.7.1 and its last line, which is also long enough to have been wrapped\n \
             (550)",
        );
        assert!(
            r.text_lossy().ends_with("to have been wrapped"),
            "{}",
            r.text_lossy()
        );
    }

    #[test]
    fn quoted_status_without_reply_code() {
        let r = best("Remote Server returned '4.4.7 Message expired' at 10:00");
        assert_eq!(
            (r.code, r.enhanced.map(|e| e.to_string())),
            (None, Some("4.4.7".into()))
        );
        assert_eq!(r.text_lossy(), "Message expired");
        // A quote never closed (a paste cut short) ends with its line; a version number in
        // quotes is no status.
        let r = best("with message '4.7.8 Error: authentication failed\nat Zend.php:43");
        assert_eq!(r.enhanced.map(|e| e.to_string()), Some("4.7.8".into()));
        assert_eq!(r.text_lossy(), "Error: authentication failed");
        assert!(extract(b"running version '5.1.2' of the filter").is_empty());
    }

    #[test]
    fn the_first_bare_status_completes_the_chosen_reply() {
        // Two bare statuses after the reply: the first one in the input completes it,
        // in `extract_best` and in `best_of` alike.
        let input = b"450 Greylisted\ndsn=4.7.1\ndsn=4.2.0";
        let all = extract(input);
        assert_eq!(all.len(), 3);
        let a = extract_best(input).unwrap();
        let b = best_of(&all).unwrap();
        assert_eq!(a.enhanced.map(|e| e.to_string()).as_deref(), Some("4.7.1"));
        assert_eq!(a, b);
        // A failure is chosen over a success before it, by both.
        let input = b"250 2.1.0 Sender OK\n501 5.1.3 Bad address";
        assert_eq!(
            extract_best(input).unwrap().code.map(|c| c.get()),
            Some(501)
        );
        assert_eq!(
            best_of(&extract(input)).unwrap().code.map(|c| c.get()),
            Some(501)
        );
        // A specific status is chosen over a bare X.0.0 before it.
        let input =
            b"Status: 5.0.0 (permanent failure)\nDiagnostic-Code: smtp; 5.4.7 - Delivery expired";
        let best = extract_best(input).unwrap();
        assert_eq!(
            best.enhanced.map(|e| e.to_string()).as_deref(),
            Some("5.4.7")
        );
        assert_eq!(best.text_lossy(), "- Delivery expired");
    }

    #[test]
    fn status_after_a_code_outside_the_rfc_range() {
        // `571` is no RFC 5321 reply code, but the status after it is the server's.
        let r = best("571 5.7.1 Mailbox full");
        assert_eq!(
            (r.code, r.enhanced.map(|e| e.to_string())),
            (None, Some("5.7.1".into()))
        );
        assert_eq!(r.text_lossy(), "Mailbox full");
        // Only a code of the status's own class, standing alone before it.
        assert!(extract(b"471 5.7.1 Mailbox full").is_empty());
        assert!(extract(b"x571 5.7.1 Mailbox full").is_empty());
        assert!(extract(b"5710 5.7.1 Mailbox full").is_empty());
        // A valid code still reads as the reply code.
        assert_eq!(
            best("550 5.7.1 Mailbox full").code.map(|c| c.get()),
            Some(550)
        );
    }

    #[test]
    fn joined_multiline_reply_without_enhanced_codes() {
        // Postfix logs a multi-line reply on one line, every line's code included.
        let l = "Nov 22 10:00:01 mail postfix/smtp[1]: A1: to=<u@x.example>, relay=mx.x.example[192.0.2.7]:25, delay=1, delays=0/0/0/1, dsn=5.0.0, status=bounced (host mx.x.example[192.0.2.7] said: 550-Envelope blocked 550 - User Entry (in reply to RCPT TO command))";
        assert_eq!(best(l).text_lossy(), "Envelope blocked - User Entry");
        let three = "said: 550-This route 550-requires 550 encryption (TLS)";
        assert_eq!(
            best(three).text_lossy(),
            "This route requires encryption (TLS)"
        );
        // Only the last line's prefix: a number in its prose stays.
        let prose = "said: 452-Mailbox full 452 over 452 messages";
        assert_eq!(best(prose).text_lossy(), "Mailbox full over 452 messages");
        // A single-line reply keeps its numbers.
        assert_eq!(
            best("said: 550 over 550 messages").text_lossy(),
            "over 550 messages"
        );
        // Over real lines, the prose of the last line stays too.
        let lines = "550-Mailbox has\n550 550 messages\n";
        assert_eq!(best(lines).text_lossy(), "Mailbox has 550 messages");
    }

    #[test]
    fn multiline_bounce_text() {
        let t = "host mx.example.com [192.0.2.1]\n  SMTP error from remote mail server after end of data:\n  550-5.7.1 line one\n  550-5.7.1 line two\n  550 5.7.1 line three\n";
        let r = best(t);
        assert_eq!(r.text_lossy(), "line one line two line three");
        assert_eq!(r.command, Some(SmtpCommand::EndOfData));
    }

    #[test]
    fn library_error_numbers_are_not_replies() {
        let all = extract(br#"Expected response code 250 but got code "550", with message "550 5.7.1 Relay denied""#);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].text_lossy(), "Relay denied");
    }

    #[test]
    fn line_numbers_and_ports_after_names_are_not_replies() {
        assert!(
            extract(b"STARTTLS is not supported in /srv/v/2.9.5/app/SmtpClient.php:446").is_empty()
        );
        assert!(extract(b"connect to smtp.example.com:421 failed").is_empty());
        assert!(extract(b"at C:\\mail\\client.py:451").is_empty());
        // A label glued to its code is still a label.
        assert_eq!(
            best("Error:550 5.1.1 no such user").code.map(|c| c.get()),
            Some(550)
        );
        assert_eq!(best("said:451 try later").code.map(|c| c.get()), Some(451));
    }

    #[test]
    fn exchange_forms() {
        let r = best("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'");
        assert_eq!(r.text_lossy(), "RESOLVER.ADR.RecipNotFound; not found");
        let r = best(
            "Reason: [{LED=450 4.7.1 Unable to relay recipient};{MSG=};{FQDN=mx.b.example};{IP=192.0.2.9};{LRT=}]",
        );
        assert_eq!(r.text_lossy(), "Unable to relay recipient");
        assert_eq!(r.host.unwrap().ip, "192.0.2.9".parse().ok());
        let r = best("Remote Server returned '<mx.c.example #5.0.0 smtp;550 5.1.1 User unknown>'");
        assert_eq!(
            (r.code.map(ReplyCode::get), r.text_lossy().as_ref()),
            (Some(550), "User unknown")
        );
    }

    #[test]
    fn gmail_prose_and_qmail() {
        let r = best(
            "The error that the other server returned was: 550 550 5.7.1 Mail refused (state 13).",
        );
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.7.1"));
        assert_eq!(r.text_lossy(), "Mail refused");
        let r = best(
            "Remote host said: 553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        );
        assert_eq!(r.code.map(ReplyCode::get), Some(553));
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.7.1"));
    }

    #[test]
    fn sendmail_dsn_and_stat() {
        let l = "Nov 22 10:00:01 h sm-mta[1]: x: to=<u@x>, delay=00:00:01, mailer=esmtp, relay=mx.x. [192.0.2.3], dsn=4.7.1, stat=Deferred: 450 4.7.1 Try again later";
        let all = extract(l.as_bytes());
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].code, None);
        let r = best(l);
        assert_eq!(r.text_lossy(), "Try again later");
        assert_eq!(r.host.unwrap().name.as_deref(), Some("mx.x"));
    }

    #[test]
    fn prose_numbers_ignored() {
        assert!(extract(b"we sent 250 messages and 450 were deferred").is_empty());
        assert!(extract(b"size=512, nrcpt=1 (queue active)").is_empty());
        assert!(extract(b"client=unknown[250.1.2.3]").is_empty());
    }

    /// PHPMailer gives the text first and the codes after it.
    #[test]
    fn phpmailer_layout() {
        let l = "SMTP Error: data not accepted.SMTP server error: DATA END command failed Detail: Error: message file too big SMTP code: 552 Additional SMTP info: 5.3.4";
        let r = best(l);
        assert_eq!(r.code.map(|c| c.get()), Some(552));
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.3.4"));
        assert_eq!(r.text_lossy(), "Error: message file too big");
        assert_eq!(r.command, Some(SmtpCommand::EndOfData));
        let at = l.find("Detail:").unwrap();
        assert_eq!(r.span, at..l.len());
        let l = "SMTP server error: RCPT TO command failed Detail: <u@example.com>: Recipient address rejected: User unknown SMTP code: 550";
        let r = best(l);
        assert_eq!(
            (r.code.map(|c| c.get()), r.enhanced, r.command),
            (Some(550), None, Some(SmtpCommand::RcptTo))
        );
        assert_eq!(
            r.text_lossy(),
            "<u@example.com>: Recipient address rejected: User unknown"
        );
        // A line break pasted before `SMTP code:`.
        let l = "SMTP server error: DATA END command failed Detail: Error: message file too big\n SMTP code: 552 Additional SMTP info: 5.3.4";
        assert_eq!(best(l).text_lossy(), "Error: message file too big");
        // Without `Detail:` it is an ordinary reply.
        let r = best("SMTP code: 550 Additional SMTP info: 5.1.8");
        assert_eq!(r.text_lossy(), "Additional SMTP info: 5.1.8");
    }

    /// Lines led by the same status, as Thunderbird shows a multi-line reply, are one.
    #[test]
    fn status_led_lines_join() {
        let r = best(
            "The mail server responded:\n5.1.2 The recipient address <a@b.example@c.example\n\
             5.1.2 .org> is not a valid RFC-5321 address. x1 - gsmtp.\n Please check it.",
        );
        assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.1.2"));
        assert_eq!(
            r.text_lossy(),
            "The recipient address <a@b.example@c.example .org> is not a valid RFC-5321 address. x1 - gsmtp."
        );
        // The text stays within MAX_TEXT, on one long line and over joined lines.
        let long = format!("5.1.1 {}", "x".repeat(3 * MAX_TEXT));
        assert_eq!(best(&long).text.len(), MAX_TEXT);
        let lines = format!("5.1.1 {}\n", "y".repeat(1000)).repeat(32);
        assert_eq!(best(&lines).text.len(), MAX_TEXT);
        // Another status on the next line is another reply.
        let all = extract(b"5.1.1 User unknown\n5.7.1 Relaying denied\n");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].text_lossy(), "User unknown");
    }

    /// Exchange's `#< #5.0.0 ...> #SMTP#` gives the status after `#< #`.
    #[test]
    fn exchange_hash_status() {
        let all =
            extract(b"#< #5.0.0 X-Spam-&-Virus-Firewall; []: Name or service not known> #SMTP#");
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].enhanced.map(|e| e.to_string()).as_deref(),
            Some("5.0.0")
        );
        assert!(extract(b"a #5.0.0 b").is_empty());
    }
}
