//! The single-pass multi-substring prefilter: finds the lines of a buffer that can hold an
//! event, so that every other line costs only the search that skips it.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, Span, packed};

use crate::Format;

const POSTFIX: &[&str] = &[
    "status=",
    ": from=",
    "connect to ",
    "lost connection with ",
    "conversation with ",
    "SSL_connect error",
    "reject: ",
    "refused to talk to me",
];
const SENDMAIL: &[&str] = &["stat=", ": from=", "reject=", "DSN: Cannot send"];
const EXIM: &[&str] = &[
    " => ",
    " -> ",
    " *> ",
    " == ",
    " ** ",
    " <= ",
    " rejected ",
    "Connection timed out",
    "Connection refused",
    "Network is unreachable",
];
const EXCHANGE: &[&str] = &[",DELIVER,", ",SEND,", ",FAIL,", ",DEFER,", "#Fields:"];
const PMTA: &[&str] = &["\nd,", "\nb,", "\nt,", "\nrb,", "\ntype,"];
const KUMO: &[&str] = &[
    "\"Delivery\"",
    "\"TransientFailure\"",
    "\"Bounce\"",
    "\"AdminBounce\"",
    "\"Expiration\"",
    "\"Rejection\"",
];
const OPENSMTPD: &[&str] = &[
    " delivery evpid=",
    " failed-command ",
    " mta error reason=",
    "smtp-out: Error on session ",
    ": Ok for ",
    ": TempFail for ",
    ": PermFail for ",
];
const QMAIL: &[&str] = &[
    "starting delivery ",
    "info msg ",
    ": success: ",
    ": deferral: ",
    ": failure: ",
    "rblsmtpd: ",
];
const ZONEMTA: &[&str] = &[" ACCEPTED ", " DEFERRED[", " REJECTED["];
const GENERIC: &[&str] = &[
    "said:",
    "SMTP error",
    "smtp;",
    "reply=",
    "response=",
    "Diagnostic-Code",
];

/// Finds candidate lines.
#[derive(Debug, Clone)]
pub(crate) struct Prefilter {
    /// `None`: every line is a candidate.
    ac: Option<AhoCorasick>,
    /// The same patterns as a packed (Teddy) searcher when the CPU has one: it is used
    /// directly, without the automaton's per-search setup and verification, and it
    /// avoids the rare-byte prefilter the automaton picks for some pattern sets (which
    /// stops on every `=`).
    packed: Option<packed::Searcher>,
    /// Some patterns are anchored at a line start (they begin with `\n`).
    anchored: bool,
}

impl Prefilter {
    /// The prefilter for a forced format, or for per-line detection (`None`): built once
    /// per process and format (building the automata costs more than reading a small
    /// stream), then shared.
    pub(crate) fn new(format: Option<Format>) -> Prefilter {
        const SLOTS: usize = Format::ALL.len() + 1;
        static BUILT: [std::sync::OnceLock<Prefilter>; SLOTS] =
            [const { std::sync::OnceLock::new() }; SLOTS];
        let slot = format.map_or(SLOTS - 1, |f| f as usize);
        BUILT[slot].get_or_init(|| Prefilter::build(format)).clone()
    }

    fn build(format: Option<Format>) -> Prefilter {
        let pats: Vec<&str> = match format {
            Some(Format::Postfix) => POSTFIX.to_vec(),
            Some(Format::Sendmail) => SENDMAIL.to_vec(),
            Some(Format::Exim) => EXIM.to_vec(),
            Some(Format::Exchange) => EXCHANGE.to_vec(),
            Some(Format::Pmta) => PMTA.to_vec(),
            Some(Format::Kumo) => KUMO.to_vec(),
            Some(Format::Opensmtpd) => OPENSMTPD.to_vec(),
            Some(Format::Qmail) => QMAIL.to_vec(),
            Some(Format::Zonemta) => ZONEMTA.to_vec(),
            Some(Format::Generic) => {
                return Prefilter {
                    ac: None,
                    packed: None,
                    anchored: false,
                };
            }
            None => {
                let mut v: Vec<&str> = Vec::new();
                for set in [
                    POSTFIX, SENDMAIL, EXIM, EXCHANGE, PMTA, KUMO, OPENSMTPD, QMAIL, ZONEMTA,
                    GENERIC,
                ] {
                    for p in set {
                        if !v.contains(p) {
                            v.push(p);
                        }
                    }
                }
                v
            }
        };
        let anchored = pats.iter().any(|p| p.starts_with('\n'));
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&pats)
            .ok();
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&pats)
            .build();
        Prefilter {
            ac,
            packed,
            anchored,
        }
    }

    /// Calls `f(start, end)` for every candidate line of `buf` (which starts at a line
    /// start), in order; `end` excludes the `\n`.
    #[inline]
    pub(crate) fn for_each_candidate(&self, buf: &[u8], mut f: impl FnMut(usize, usize)) {
        let Some(ac) = &self.ac else {
            let mut pos = 0;
            while pos < buf.len() {
                let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |n| pos + n);
                f(pos, end);
                pos = end + 1;
            }
            return;
        };
        let mut pos = 0;
        if self.anchored && !buf.is_empty() {
            let end = memchr::memchr(b'\n', buf).unwrap_or(buf.len());
            let mut scratch = [b'\n'; 16];
            let n = end.min(15);
            scratch[1..=n].copy_from_slice(&buf[..n]);
            if ac.is_match(&scratch[..=n]) || ac.is_match(&buf[..end]) {
                f(0, end);
            }
            pos = end + 1;
        }
        while pos < buf.len() {
            let from = if pos > 0 && self.anchored {
                pos - 1
            } else {
                pos
            };
            let m = match &self.packed {
                Some(p) => p.find_in(buf, Span::from(from..buf.len())),
                None => ac.find(Input::new(buf).span(from..buf.len())),
            };
            let Some(m) = m else {
                break;
            };
            let s = m.start();
            let start = if buf[s] == b'\n' {
                s + 1
            } else {
                memchr::memrchr(b'\n', &buf[pos..s]).map_or(pos, |n| pos + n + 1)
            };
            let end = memchr::memchr(b'\n', &buf[m.end()..]).map_or(buf.len(), |n| m.end() + n);
            if start <= end {
                f(start, end);
            }
            pos = end + 1;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lines(p: &Prefilter, buf: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        p.for_each_candidate(buf, |s, e| {
            out.push(String::from_utf8_lossy(&buf[s..e]).into_owned())
        });
        out
    }

    #[test]
    fn candidates() {
        let p = Prefilter::new(Some(Format::Postfix));
        let buf = b"a status=sent\nconnect from x\nb: from=<a>\nc status= x status=\n";
        assert_eq!(
            lines(&p, buf),
            ["a status=sent", "b: from=<a>", "c status= x status="]
        );
        let p = Prefilter::new(Some(Format::Pmta));
        let buf = b"d,1,2\nx,d,\nb,3\nr,4\nt,5";
        assert_eq!(lines(&p, buf), ["d,1,2", "b,3", "t,5"]);
        let p = Prefilter::new(Some(Format::Generic));
        assert_eq!(lines(&p, b"a\n\nb"), ["a", "", "b"]);
    }
}
