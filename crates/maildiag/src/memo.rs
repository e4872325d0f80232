//! A bounded memo of log-event verdicts: mail logs repeat the same replies.

use std::collections::HashMap;

use maildiag_logs::DeliveryEvent;
use maildiag_reply::SmtpCommand;
use maildiag_types::{EnhancedCode, ReplyCode};

use crate::classify::{Classifier, Verdict};

/// What besides its text the classification of a reply depends on: whether there is a
/// reply at all (an event may have none), its codes and the command it answered.
type Codes = (
    bool,
    Option<ReplyCode>,
    Option<EnhancedCode>,
    Option<SmtpCommand>,
);

/// One generation of the memo: each reply text with the verdicts of the codes it came with.
type Generation = HashMap<Box<[u8]>, Vec<(Codes, Verdict)>, foldhash::fast::RandomState>;

/// Remembers the verdicts of the reply texts seen last, for
/// [`Classifier::verdict_event_memo`].
///
/// A mail log names the same replies over and over (every message to a domain that
/// greylists, every retry of a full mailbox). The memo keys each verdict on exactly what
/// the classification of a reply reads — the reply's bytes, its codes and the command it
/// answered — so a remembered verdict is the one the classifier would give again; the
/// event's own outcome is applied afresh each time. It remembers replies of at most
/// [`VerdictMemo::MAX_TEXT`] bytes in two generations of at most
/// [`VerdictMemo::MAX_ENTRIES`] verdicts each: when the young one is full it becomes the
/// old one and the old one is dropped, and a reply found in the old one moves back to the
/// young one. The replies a log keeps repeating stay; those seen once (a reply that names
/// its recipient or the remote host's address) drop out. Its memory stays under a few MiB
/// whatever the log. One memo per thread: it is not shared.
///
/// ```
/// use maildiag::{Classifier, VerdictMemo};
/// use maildiag_logs::{Reference, parse_line};
///
/// let line = b"Nov 22 10:00:01 mx1 postfix/smtp[123]: 4BC2: to=<u@example.com>, \
///     relay=mx.example.com[192.0.2.1]:25, delay=0.4, dsn=4.2.2, status=deferred \
///     (host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))";
/// let event = parse_line(line, None, Reference::year(2026)).expect("an event");
/// let (c, mut memo) = (Classifier::new(), VerdictMemo::new());
/// let first = c.verdict_event_memo(&event, &mut memo);
/// let again = c.verdict_event_memo(&event, &mut memo);
/// assert_eq!(first, c.verdict_event(&event));
/// assert_eq!(again, first);
/// assert_eq!((memo.hits(), memo.misses()), (1, 1));
/// ```
#[derive(Debug, Default)]
pub struct VerdictMemo {
    /// The replies remembered since the last turn of generations.
    young: Generation,
    /// The generation before: a reply found here moves to `young`, so the replies a log
    /// keeps repeating survive each turn, and those seen once drop out after two.
    old: Generation,
    /// Verdicts in `young`.
    entries: usize,
    hits: u64,
    misses: u64,
}

impl VerdictMemo {
    /// The most verdicts in one generation (at most twice as many are remembered).
    pub const MAX_ENTRIES: usize = 4096;
    /// Longer reply texts are classified every time (they seldom repeat).
    pub const MAX_TEXT: usize = 512;

    /// An empty memo.
    pub fn new() -> VerdictMemo {
        VerdictMemo::default()
    }

    /// Lookups answered from the memo.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Lookups that had to classify (including texts too long to remember).
    pub fn misses(&self) -> u64 {
        self.misses
    }

    /// The remembered verdict of `text` with `codes`, or `decide`'s, remembered.
    fn get_or(&mut self, text: &[u8], codes: Codes, decide: impl FnOnce() -> Verdict) -> Verdict {
        if text.len() > Self::MAX_TEXT {
            self.misses += 1;
            return decide();
        }
        let found = |vs: &Vec<(Codes, Verdict)>| vs.iter().find(|(c, _)| *c == codes).map(|v| v.1);
        if let Some(v) = self.young.get(text).and_then(found) {
            self.hits += 1;
            return v;
        }
        if let Some((key, vs)) = self.old.remove_entry(text) {
            // Promote every verdict of this text (it is in use again), then answer.
            let v = found(&vs);
            self.entries += vs.len();
            self.young
                .entry(key)
                .and_modify(|mine| mine.extend_from_slice(&vs))
                .or_insert(vs);
            self.turn_if_full();
            if let Some(v) = v {
                self.hits += 1;
                return v;
            }
        }
        self.misses += 1;
        let v = decide();
        self.entries += 1;
        // `vec![]` for the new text: one slot, not the four a first `push` reserves.
        self.young
            .entry(text.into())
            .and_modify(|vs| vs.push((codes, v)))
            .or_insert_with(|| vec![(codes, v)]);
        self.turn_if_full();
        v
    }

    /// When the young generation is full it becomes the old one (the old one is dropped).
    fn turn_if_full(&mut self) {
        if self.entries >= Self::MAX_ENTRIES {
            self.old = std::mem::take(&mut self.young);
            self.entries = 0;
        }
    }
}

impl Classifier {
    /// [`Classifier::verdict_event`], answered from `memo` when the event's reply was
    /// classified before (see [`VerdictMemo`]); the result is the same.
    pub fn verdict_event_memo(&self, ev: &DeliveryEvent<'_>, memo: &mut VerdictMemo) -> Verdict {
        crate::event::event_verdict(ev, |text, reply| {
            let codes = reply.map_or((false, None, None, None), |r| {
                (true, r.code, r.enhanced, r.command)
            });
            memo.get_or(text, codes, || crate::classify::decide(text, reply))
        })
    }
}

#[cfg(test)]
mod tests {
    use maildiag_logs::{Reference, parse_line};

    use super::*;

    /// A reply the log keeps repeating survives the turn of generations; replies seen
    /// once are dropped after two turns, so memory stays bounded.
    #[test]
    fn repeated_replies_survive_a_turn() {
        let v = Classifier::new().verdict(b"450 4.7.1 Greylisted");
        let codes = (true, None, None, None);
        let mut memo = VerdictMemo::new();
        let decided = std::cell::Cell::new(0);
        let ask = |memo: &mut VerdictMemo, text: &[u8]| {
            memo.get_or(text, codes, || {
                decided.set(decided.get() + 1);
                v
            });
        };
        ask(&mut memo, b"the repeated reply");
        for n in 0..3 * VerdictMemo::MAX_ENTRIES {
            ask(&mut memo, format!("reply number {n}").as_bytes());
            if n % 1000 == 0 {
                ask(&mut memo, b"the repeated reply");
            }
        }
        // Classified once, answered from the memo every other time.
        assert_eq!(decided.get(), 1 + 3 * VerdictMemo::MAX_ENTRIES);
        assert_eq!(
            memo.hits(),
            (3 * VerdictMemo::MAX_ENTRIES as u64).div_ceil(1000)
        );
        assert!(memo.young.len() + memo.old.len() <= 2 * VerdictMemo::MAX_ENTRIES + 1);
        // A reply seen once, two turns ago, is gone.
        ask(&mut memo, b"reply number 0");
        assert_eq!(decided.get(), 2 + 3 * VerdictMemo::MAX_ENTRIES);
    }

    /// The memo answers what the classifier answers, for every event of the golden logs
    /// read twice (the second pass from the memo), and keeps replies apart that differ
    /// only in the codes the log gives beside them.
    #[test]
    fn memo_gives_the_classifiers_verdict() {
        let c = Classifier::new();
        let mut memo = VerdictMemo::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../logs/tests/golden");
        let mut events = 0;
        for _pass in 0..2 {
            for entry in std::fs::read_dir(dir).expect("golden logs") {
                let path = entry.expect("entry").path();
                let Ok(log) = std::fs::read(&path) else {
                    continue;
                };
                for line in log.split(|&b| b == b'\n') {
                    if let Some(ev) = parse_line(line, None, Reference::year(2024)) {
                        assert_eq!(
                            c.verdict_event_memo(&ev, &mut memo),
                            c.verdict_event(&ev),
                            "{}",
                            String::from_utf8_lossy(line)
                        );
                        events += 1;
                    }
                }
            }
        }
        assert!(events > 100 && memo.hits() > 50, "{events} {}", memo.hits());
        let line = |dsn: &str| {
            format!(
                "Nov 22 10:00:01 mx1 postfix/smtp[1]: 4BC2: to=<u@example.com>, \
                 relay=mx.example.com[192.0.2.1]:25, dsn={dsn}, status=bounced \
                 (host mx.example.com[192.0.2.1] said: 550 Rejected (in reply to RCPT TO command))"
            )
        };
        for dsn in ["5.1.1", "5.7.1", "5.2.2"] {
            let l = line(dsn);
            let ev = parse_line(l.as_bytes(), None, Reference::year(2024)).expect("event");
            assert_eq!(
                c.verdict_event_memo(&ev, &mut memo),
                c.verdict_event(&ev),
                "{dsn}"
            );
        }
    }
}
