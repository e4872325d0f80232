//! Streaming: blocks of whole lines from any `io::Read` (gzip detected), the per-chunk
//! engine, and the sequential and parallel drivers.

use std::collections::VecDeque;
use std::io::{self, Chain, Cursor, Read};
use std::ops::Range;
use std::path::Path;

use memchr::memmem::Finder;

use crate::csv::Headers;
use crate::event::{DeliveryEvent, Outcome, domain_of, text};
use crate::join::SenderJoin;
use crate::parse::{Parsed, parse_line};
use crate::prefilter::Prefilter;
use crate::time::Reference;
use crate::{Error, Format};

/// Stream bytes inspected to choose a format when none is forced.
pub const SNIFF_WINDOW: usize = 256 * 1024;
/// CSV header lines (`#Fields:`, PowerMTA `type,...`) are honoured when they start within
/// this many bytes of the stream start; later ones are skipped.
pub const HEADER_WINDOW: usize = SNIFF_WINDOW;
/// Default byte distance within which a `from=` line is joined to later events of its
/// queue id ([`ReaderOptions::join_horizon`]).
pub const JOIN_HORIZON: usize = 512 * 1024;

/// How to read a stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReaderOptions {
    /// The format to read. `None` (the default) detects it: from the first
    /// [`SNIFF_WINDOW`] bytes when one format dominates them, else line by line.
    pub format: Option<Format>,
    /// With `format: None`, skip the per-stream choice and detect every line's format.
    pub per_line: bool,
    /// Completes BSD syslog stamps, which have no year.
    pub reference: Reference,
    /// Lines longer than this (bytes, without the line ending) are counted as
    /// [`Stats::oversized`] and not parsed. Default 256 KiB.
    pub max_line: usize,
    /// Read buffer size per thread. Default 4 MiB (at least 1 MiB and 4 × `max_line`).
    pub buffer_size: usize,
    /// See [`JOIN_HORIZON`].
    pub join_horizon: usize,
    /// Threads for the parallel drivers; 0 uses all cores.
    pub threads: usize,
}

impl Default for ReaderOptions {
    fn default() -> ReaderOptions {
        ReaderOptions {
            format: None,
            per_line: false,
            reference: Reference::now(),
            max_line: 256 * 1024,
            buffer_size: 4 << 20,
            join_horizon: JOIN_HORIZON,
            threads: 0,
        }
    }
}

impl ReaderOptions {
    /// Forces `format` (or, with `None`, detects).
    pub fn format(mut self, format: Option<Format>) -> Self {
        self.format = format;
        self
    }
    /// Detects every line's format separately.
    pub fn per_line(mut self, yes: bool) -> Self {
        self.per_line = yes;
        self
    }
    /// Sets the reference date for BSD syslog stamps.
    pub fn reference(mut self, r: Reference) -> Self {
        self.reference = r;
        self
    }
    /// Sets the longest parsed line.
    pub fn max_line(mut self, n: usize) -> Self {
        self.max_line = n.max(64);
        self
    }
    /// Sets the read buffer size per thread.
    pub fn buffer_size(mut self, n: usize) -> Self {
        self.buffer_size = n;
        self
    }
    /// Sets the join horizon in bytes.
    pub fn join_horizon(mut self, n: usize) -> Self {
        self.join_horizon = n.clamp(16, 64 << 20);
        self
    }
    /// Sets the thread count of the parallel drivers (0: all cores).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    fn buffer(&self) -> usize {
        self.buffer_size
            .max(1 << 20)
            .max(self.max_line.saturating_mul(4))
    }
}

/// Counters for one read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Stats {
    /// Lines read (a last line without a line ending counts).
    pub lines: u64,
    /// Bytes read (after gzip decompression).
    pub bytes: u64,
    /// Lines that passed the prefilter and were parsed.
    pub candidates: u64,
    /// Events per outcome, indexed by [`Outcome::index`].
    pub events: [u64; 6],
    /// Lines that looked like events but could not be read.
    pub unparsed: u64,
    /// Lines longer than [`ReaderOptions::max_line`], skipped.
    pub oversized: u64,
}

impl Stats {
    /// Events with `outcome`.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.events[outcome.index()]
    }
    /// All events.
    pub fn total_events(&self) -> u64 {
        self.events.iter().sum()
    }
    /// Adds `other` to `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.lines += other.lines;
        self.bytes += other.bytes;
        self.candidates += other.candidates;
        for (a, b) in self.events.iter_mut().zip(other.events) {
            *a += b;
        }
        self.unparsed += other.unparsed;
        self.oversized += other.oversized;
    }
}

/// Finds the lines that can name a queue id's sender or a qmail delivery's message and
/// recipient (seeding a chunk's join).
enum SenderFinder {
    /// The format has no such lines.
    None,
    /// One pattern (`: from=` for Postfix and Sendmail, ` <= ` for Exim).
    One(Box<Finder<'static>>),
    /// Several (qmail, and per-line detection).
    Many(aho_corasick::AhoCorasick),
}

impl SenderFinder {
    fn find(&self, hay: &[u8]) -> Option<usize> {
        match self {
            SenderFinder::None => None,
            SenderFinder::One(f) => f.find(hay),
            SenderFinder::Many(ac) => ac.find(hay).map(|m| m.start()),
        }
    }

    /// An automaton for `patterns`, built once per process and slot.
    fn many(
        slot: &'static std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
        patterns: &[&str],
    ) -> SenderFinder {
        slot.get_or_init(|| aho_corasick::AhoCorasick::new(patterns).ok())
            .clone()
            .map_or(SenderFinder::None, SenderFinder::Many)
    }
}

/// The qmail lines that feed the join.
const QMAIL_JOIN: [&str; 2] = ["info msg ", "starting delivery "];

/// The read-only context every chunk shares.
pub(crate) struct Ctx {
    pub(crate) format: Option<Format>,
    prefilter: Prefilter,
    sender_finder: SenderFinder,
    pub(crate) reference: Reference,
    headers: Vec<(u64, Headers)>,
    no_headers: Headers,
    max_line: usize,
}

impl Ctx {
    /// Builds the context from the options and the stream's first block.
    pub(crate) fn new(o: &ReaderOptions, first: &[u8], base: u64) -> Ctx {
        let max_line = o.max_line;
        let mut headers = Vec::new();
        let mut h = Headers::default();
        let mut tally = [0usize; Format::ALL.len()];
        for_each_line(first, |s, e| {
            let off = base + s as u64;
            if off >= SNIFF_WINDOW as u64 || e - s > max_line {
                return;
            }
            let line = &first[s..e];
            if h.learn(line) {
                headers.push((off, h.clone()));
            }
            if let Some(f) = crate::parse::sniff(line) {
                tally[f as usize] += 1;
            }
        });
        let format = o.format.or_else(|| {
            if o.per_line {
                return None;
            }
            let total: usize = tally.iter().sum();
            let (best, n) = tally.iter().enumerate().max_by_key(|(_, n)| **n)?;
            (total > 0 && *n * 10 >= total * 9).then(|| Format::ALL[best])
        });
        let sender_finder = match format {
            Some(Format::Postfix | Format::Sendmail) => {
                SenderFinder::One(Box::new(Finder::new(b": from=")))
            }
            Some(Format::Exim) => SenderFinder::One(Box::new(Finder::new(b" <= "))),
            Some(Format::Qmail) => {
                static QMAIL: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
                    std::sync::OnceLock::new();
                SenderFinder::many(&QMAIL, &QMAIL_JOIN)
            }
            Some(_) => SenderFinder::None,
            None => {
                static ALL: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
                    std::sync::OnceLock::new();
                let [a, b] = QMAIL_JOIN;
                SenderFinder::many(&ALL, &[": from=", " <= ", a, b])
            }
        };
        Ctx {
            format,
            prefilter: Prefilter::new(format),
            sender_finder,
            reference: o.reference,
            headers,
            no_headers: Headers::default(),
            max_line,
        }
    }

    fn headers_at(&self, off: u64) -> &Headers {
        self.headers
            .iter()
            .rev()
            .find(|(o, _)| *o < off)
            .map_or(&self.no_headers, |(_, h)| h)
    }

    /// Parses every candidate line of `buf` (whole lines, starting at stream offset `base`).
    pub(crate) fn process<F: FnMut(&DeliveryEvent<'_>)>(
        &self,
        buf: &[u8],
        base: u64,
        join: &mut SenderJoin,
        stats: &mut Stats,
        f: &mut F,
    ) {
        let long = long_lines(buf, self.max_line);
        let mut lines = memchr::memchr_iter(b'\n', buf).count() as u64;
        if buf.last().is_some_and(|&c| c != b'\n') {
            lines += 1;
        }
        stats.lines += lines;
        stats.bytes += buf.len() as u64;
        stats.oversized += long.len() as u64;
        let mut li = 0;
        self.prefilter.for_each_candidate(buf, |s, e| {
            while li < long.len() && long[li].end < s {
                li += 1;
            }
            if li < long.len() && long[li].start == s {
                return;
            }
            stats.candidates += 1;
            let off = base + s as u64;
            match parse_line(
                &buf[s..e],
                off,
                self.format,
                self.reference,
                self.headers_at(off),
            ) {
                Parsed::Event(mut ev) => {
                    if ev.sender.is_none()
                        && let Some(q) = &ev.queue_id
                        && let Some(snd) = join.get(q.as_bytes(), off)
                    {
                        ev.sender = Some(text(snd));
                    }
                    stats.events[ev.outcome.index()] += 1;
                    f(&ev);
                }
                Parsed::Pending { id, event: mut ev } => {
                    if let Some((msg, rcpt)) = join.delivery(id, off) {
                        ev.queue_id = Some(text(msg));
                        ev.recipient_domain = domain_of(rcpt);
                        ev.recipient = Some(text(rcpt));
                        ev.sender = join.get(msg, off).map(text);
                    }
                    stats.events[ev.outcome.index()] += 1;
                    f(&ev);
                }
                Parsed::Sender { queue_id, sender } => join.insert(queue_id, sender, off),
                Parsed::Delivery { id, msg, recipient } => {
                    join.insert_delivery(id, msg, recipient, off);
                }
                Parsed::Header | Parsed::Ignored => {}
                Parsed::Unparsed => stats.unparsed += 1,
            }
        });
    }

    /// Replays the sender lines of `data` (at `data_base`) that start at or after `from`.
    fn seed(&self, join: &mut SenderJoin, data: &[u8], data_base: u64, from: u64) {
        if matches!(self.sender_finder, SenderFinder::None) {
            return;
        }
        let skip = from.saturating_sub(data_base);
        if skip >= data.len() as u64 {
            return;
        }
        let skip = skip as usize;
        let start = if skip == 0 {
            0
        } else {
            match memchr::memchr(b'\n', &data[skip - 1..]) {
                Some(n) => skip + n,
                None => return,
            }
        };
        let data_tail = &data[start..];
        let mut pos = 0;
        while pos < data_tail.len() {
            let Some(m) = self.sender_finder.find(&data_tail[pos..]) else {
                break;
            };
            let at = pos + m;
            let s = memchr::memrchr(b'\n', &data_tail[pos..at]).map_or(pos, |n| pos + n + 1);
            let e = memchr::memchr(b'\n', &data_tail[at..]).map_or(data_tail.len(), |n| at + n);
            pos = e + 1;
            if e - s > self.max_line {
                continue;
            }
            let off = data_base + (start + s) as u64;
            match parse_line(
                &data_tail[s..e],
                off,
                self.format,
                self.reference,
                self.headers_at(off),
            ) {
                Parsed::Sender { queue_id, sender } => join.insert(queue_id, sender, off),
                Parsed::Delivery { id, msg, recipient } => {
                    join.insert_delivery(id, msg, recipient, off);
                }
                _ => {}
            }
        }
    }
}

/// The lines of `buf` longer than `max_line` bytes (without the `\n`), in order.
///
/// Looks at one window of `max_line + 1` bytes at a time: the last `\n` in a window that
/// starts at a line start ends a run of lines that all fit, so a block of normal lines
/// costs a few reverse searches, not a pass per line.
fn long_lines(buf: &[u8], max_line: usize) -> Vec<Range<usize>> {
    let mut long = Vec::new();
    let mut pos = 0;
    while pos < buf.len() && buf.len() - pos > max_line {
        let window = &buf[pos..pos + max_line + 1];
        match memchr::memrchr(b'\n', window) {
            Some(n) => pos += n + 1,
            None => {
                let end = memchr::memchr(b'\n', &buf[pos + max_line + 1..])
                    .map_or(buf.len(), |n| pos + max_line + 1 + n);
                long.push(pos..end);
                pos = end + 1;
            }
        }
    }
    long
}

/// Calls `f(start, end)` for every line of `buf`.
fn for_each_line(buf: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut pos = 0;
    while pos < buf.len() {
        let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |n| pos + n);
        f(pos, end);
        pos = end + 1;
    }
}

/// The input, with gzip decompression when it starts with the gzip magic bytes.
enum Source<R: Read> {
    Plain(Chain<Cursor<Vec<u8>>, R>),
    Gzip(Box<flate2::read::MultiGzDecoder<Chain<Cursor<Vec<u8>>, R>>>),
    Pending(Option<R>),
}

impl<R: Read> Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        loop {
            match self {
                Source::Plain(r) => return r.read(buf).map_err(Error::io),
                Source::Gzip(r) => return r.read(buf).map_err(Error::gzip),
                Source::Pending(r) => {
                    let Some(mut r) = r.take() else { return Ok(0) };
                    let mut magic = Vec::with_capacity(2);
                    while magic.len() < 2 {
                        let mut b = [0u8; 2];
                        let want = 2 - magic.len();
                        match r.read(&mut b[..want]) {
                            Ok(0) => break,
                            Ok(n) => magic.extend_from_slice(&b[..n]),
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(Error::io(e)),
                        }
                    }
                    let gz = magic == [0x1f, 0x8b];
                    let chained = Cursor::new(magic).chain(r);
                    *self = if gz {
                        Source::Gzip(Box::new(flate2::read::MultiGzDecoder::new(chained)))
                    } else {
                        Source::Plain(chained)
                    };
                }
            }
        }
    }
}

/// Cuts the input into blocks of whole lines, skipping lines too long to buffer.
struct BlockReader<R: Read> {
    src: Source<R>,
    carry: Vec<u8>,
    next_base: u64,
    eof: bool,
    /// Bytes of an oversized line skipped so far.
    discarding: Option<u64>,
    max_line: usize,
}

impl<R: Read> BlockReader<R> {
    fn new(r: R, max_line: usize) -> Self {
        BlockReader {
            src: Source::Pending(Some(r)),
            carry: Vec::new(),
            next_base: 0,
            eof: false,
            discarding: None,
            max_line,
        }
    }

    /// Fills `out` with the next block (at most `cap` bytes) and returns the block's
    /// length (the block is `out[..len]`), its stream offset and the counters of the
    /// oversized lines skipped before it; `None` at the end.
    ///
    /// `out` is grown (and zeroed) once, up to `cap` bytes as the stream needs, and then
    /// reused as is: reads overwrite it without clearing it again.
    fn fill(
        &mut self,
        out: &mut Vec<u8>,
        cap: usize,
    ) -> Result<Option<(usize, u64, Stats)>, Error> {
        let mut extra = Stats::default();
        let cap = cap.max(self.carry.len() + 1);
        // Small streams get small buffers: start at 64 KiB and double while reads fill
        // it (the blocks are the same; only the zeroing is saved).
        let first = (64 << 10).max(self.carry.len() + 1).min(cap);
        if out.len() < first {
            out.resize(first, 0);
        }
        let mut len = self.carry.len();
        out[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        loop {
            while len < cap && !self.eof {
                let old = len;
                if old >= out.len() {
                    out.resize((out.len() * 2).clamp(old + 1, cap), 0);
                }
                let room = out.len().min(cap);
                let n = match self.src.read(&mut out[old..room]) {
                    Ok(n) => n,
                    Err(Error::Io { source, .. })
                        if source.kind() == io::ErrorKind::Interrupted =>
                    {
                        continue;
                    }
                    Err(e) => {
                        return Err(e.at(self.next_base + old as u64));
                    }
                };
                len = old + n;
                if n == 0 {
                    self.eof = true;
                    break;
                }
                if let Some(so_far) = self.discarding {
                    match memchr::memchr(b'\n', &out[old..len]) {
                        Some(p) => {
                            let drop = old + p + 1;
                            self.finish_oversized(&mut extra, so_far + drop as u64);
                            out.copy_within(drop..len, 0);
                            len -= drop;
                        }
                        None => {
                            self.discarding = Some(so_far + len as u64);
                            self.next_base += len as u64;
                            len = 0;
                        }
                    }
                }
            }
            if self.eof {
                if let Some(so_far) = self.discarding.take() {
                    extra.lines += 1;
                    extra.bytes += so_far;
                    extra.oversized += 1;
                }
                if len == 0 && extra == Stats::default() {
                    return Ok(None);
                }
                let base = self.next_base;
                self.next_base += len as u64;
                return Ok(Some((len, base, extra)));
            }
            match memchr::memrchr(b'\n', &out[..len]) {
                Some(p) => {
                    let base = self.next_base;
                    self.carry.extend_from_slice(&out[p + 1..len]);
                    len = p + 1;
                    self.next_base += len as u64;
                    if self.carry.len() > self.max_line {
                        self.discarding = Some(self.carry.len() as u64);
                        self.next_base += self.carry.len() as u64;
                        self.carry.clear();
                    }
                    return Ok(Some((len, base, extra)));
                }
                None => {
                    let so_far = self.discarding.unwrap_or(0) + len as u64;
                    self.discarding = Some(so_far);
                    self.next_base += len as u64;
                    len = 0;
                }
            }
        }
    }

    fn finish_oversized(&mut self, extra: &mut Stats, total: u64) {
        // `total` counts the skipped bytes including the newline; `next_base` already
        // counts the bytes skipped before this read.
        let before = total - self.discarding.unwrap_or(0);
        self.next_base += before;
        self.discarding = None;
        extra.lines += 1;
        extra.bytes += total;
        extra.oversized += 1;
    }
}

/// Reads delivery events from a log stream.
///
/// ```
/// use maildiag_logs::{Format, LogReader, Outcome, Reference, ReaderOptions};
///
/// let log = b"Nov 22 10:00:01 mx postfix/qmgr[9]: 4BC2: from=<a@example.org>, size=900, nrcpt=1 (queue active)
/// Nov 22 10:00:02 mx postfix/smtp[12]: 4BC2: to=<u@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.1, status=deferred (host mx.example.com[192.0.2.1] said: 450 4.7.1 Try again later (in reply to RCPT TO command))
/// ";
/// let opts = ReaderOptions::default().reference(Reference::year(2024));
/// let mut seen = Vec::new();
/// let stats = LogReader::new(&log[..], opts).for_each_event(|ev| {
///     seen.push((ev.outcome, ev.sender.as_deref().map(str::to_owned)));
/// })?;
/// assert_eq!(seen, [(Outcome::Deferred, Some("a@example.org".to_owned()))]);
/// assert_eq!(stats.lines, 2);
/// # Ok::<(), maildiag_logs::Error>(())
/// ```
pub struct LogReader<R: Read> {
    blocks: BlockReader<R>,
    options: ReaderOptions,
}

impl LogReader<std::fs::File> {
    /// Opens a file (plain or gzip).
    pub fn open(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, Error> {
        let f = std::fs::File::open(path.as_ref()).map_err(|e| Error::Open {
            path: path.as_ref().to_path_buf(),
            source: e,
        })?;
        Ok(LogReader::new(f, options))
    }
}

impl<R: Read> LogReader<R> {
    /// Reads from `reader` (gzip input is recognised by its magic bytes).
    pub fn new(reader: R, mut options: ReaderOptions) -> Self {
        options.max_line = options.max_line.max(64);
        LogReader {
            blocks: BlockReader::new(reader, options.max_line),
            options,
        }
    }

    /// Calls `f` for every event, in input order, on this thread. Events borrow from the
    /// read buffer: nothing is allocated per line.
    pub fn for_each_event<F: FnMut(&DeliveryEvent<'_>)>(
        mut self,
        mut f: F,
    ) -> Result<Stats, Error> {
        let cap = self.options.buffer();
        let mut buf = Vec::new();
        let mut stats = Stats::default();
        let mut ctx: Option<Ctx> = None;
        let mut join = SenderJoin::new(self.options.join_horizon);
        while let Some((len, base, extra)) = self.blocks.fill(&mut buf, cap)? {
            stats.merge(&extra);
            let block = &buf[..len];
            let c = ctx.get_or_insert_with(|| Ctx::new(&self.options, block, base));
            c.process(block, base, &mut join, &mut stats, &mut f);
        }
        Ok(stats)
    }

    /// An iterator of owned events (allocates per event; prefer [`Self::for_each_event`]
    /// for speed).
    pub fn events(self) -> Events<R> {
        let cap = self.options.buffer();
        Events {
            join: SenderJoin::new(self.options.join_horizon),
            reader: self,
            ctx: None,
            buf: Vec::with_capacity(cap),
            queue: VecDeque::new(),
            stats: Stats::default(),
            done: false,
        }
    }
}

/// What the parallel workers share: the stream, taken in turns.
struct Turns<R: Read> {
    blocks: BlockReader<R>,
    /// The number of the next block.
    next: u64,
    /// Blocks merged so far (workers wait rather than run too far ahead of the merge).
    merged: u64,
    /// No more blocks (end, or an error was handed on).
    done: bool,
    /// The stream's last `horizon` bytes before the next block (from a line start), as
    /// (offset, bytes) pieces: the seeds of the next block's join.
    history: Vec<(u64, Vec<u8>)>,
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Turns<R> {
    /// Appends the last `horizon` bytes of `block` (from a line start) to the history and
    /// drops the pieces that no later block can reach.
    fn keep_tail(&mut self, block: &[u8], base: u64, horizon: usize) {
        let end = base + block.len() as u64;
        let keep_from = block.len().saturating_sub(horizon);
        let start = if keep_from == 0 {
            0
        } else {
            memchr::memchr(b'\n', &block[keep_from - 1..]).map_or(block.len(), |n| keep_from + n)
        };
        let mut i = 0;
        while i < self.history.len() {
            let (hb, h) = &self.history[i];
            if hb + h.len() as u64 + horizon as u64 >= end {
                i += 1;
            } else {
                let (_, v) = self.history.remove(i);
                self.spare.push(v);
            }
        }
        if start < block.len() {
            let mut piece = self.spare.pop().unwrap_or_default();
            piece.clear();
            piece.extend_from_slice(&block[start..]);
            self.history.push((base + start as u64, piece));
        }
    }
}

/// Ends the turns when a worker unwinds, so that the others stop waiting for the block it
/// will never deliver (the panic then reaches the caller through the join).
struct EndOnPanic<'a, R: Read> {
    turns: &'a std::sync::Mutex<Turns<R>>,
    turn_done: &'a std::sync::Condvar,
}

impl<R: Read> Drop for EndOnPanic<'_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut t = self
                .turns
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            t.done = true;
            drop(t);
            self.turn_done.notify_all();
        }
    }
}

/// One worker's result for one block.
type BlockResult<A> = (u64, Result<(Stats, A), Error>);

impl<R: Read + Send> LogReader<R> {
    /// Reads and parses on all threads: each worker takes the next block of
    /// `buffer_size` bytes from the stream in turn (reading it itself, so that the block is
    /// in its core's cache), seeds its sender join from the preceding `join_horizon`
    /// bytes, and folds the block's events into an accumulator made by `init`; the
    /// blocks' accumulators are merged with `merge(earlier, later)` in input order. The
    /// events and counters are exactly those of [`Self::for_each_event`].
    pub fn par_fold<A, I, F, M>(self, init: I, fold: F, mut merge: M) -> Result<(Stats, A), Error>
    where
        A: Send,
        I: Fn() -> A + Sync,
        F: Fn(&mut A, &DeliveryEvent<'_>) + Sync,
        M: FnMut(&mut A, A),
    {
        let threads = if self.options.threads == 0 {
            rayon::current_num_threads()
        } else {
            self.options.threads
        };
        let threads = threads.max(1);
        let cap = self.options.buffer();
        let options = self.options.clone();
        let horizon = options.join_horizon;
        // At most this many blocks are read ahead of the merge (bounds the memory of
        // results waiting for an earlier, slower block).
        let ahead = 2 * threads as u64;
        let turns = std::sync::Mutex::new(Turns {
            blocks: self.blocks,
            next: 0,
            merged: 0,
            done: false,
            history: Vec::new(),
            spare: Vec::new(),
        });
        let turn_done = std::sync::Condvar::new();
        let ctx_cell: std::sync::OnceLock<Ctx> = std::sync::OnceLock::new();
        let mut acc = init();
        let mut stats = Stats::default();
        let (tx, rx) = std::sync::mpsc::channel::<BlockResult<A>>();
        std::thread::scope(|scope| -> Result<(), Error> {
            let mut workers = Vec::with_capacity(threads);
            for _ in 0..threads {
                let tx = tx.clone();
                let (turns, turn_done, ctx_cell, options) =
                    (&turns, &turn_done, &ctx_cell, &options);
                let (init, fold) = (&init, &fold);
                workers.push(scope.spawn(move || {
                    let _end = EndOnPanic { turns, turn_done };
                    let mut buf = Vec::new();
                    let mut seeds: Vec<(u64, Vec<u8>)> = Vec::new();
                    let mut join = SenderJoin::new(horizon);
                    loop {
                        // Take the next block and the seeds that precede it.
                        let Ok(mut t) = turns.lock() else { return };
                        while !t.done && t.next >= t.merged + ahead {
                            t = match turn_done.wait(t) {
                                Ok(t) => t,
                                Err(_) => return,
                            };
                        }
                        if t.done {
                            return;
                        }
                        let seq = t.next;
                        let (len, base, extra) = match t.blocks.fill(&mut buf, cap) {
                            Ok(Some(b)) => b,
                            Ok(None) => {
                                t.done = true;
                                turn_done.notify_all();
                                return;
                            }
                            Err(e) => {
                                t.done = true;
                                turn_done.notify_all();
                                let _ = tx.send((seq, Err(e)));
                                return;
                            }
                        };
                        t.next += 1;
                        let block = &buf[..len];
                        let c = ctx_cell.get_or_init(|| Ctx::new(options, block, base));
                        let from = base.saturating_sub(horizon as u64);
                        for (_, v) in seeds.drain(..) {
                            t.spare.push(v);
                        }
                        let tt = &mut *t;
                        for (hb, h) in &tt.history {
                            if hb + h.len() as u64 > from {
                                let mut v = tt.spare.pop().unwrap_or_default();
                                v.clear();
                                v.extend_from_slice(h);
                                seeds.push((*hb, v));
                            }
                        }
                        t.keep_tail(block, base, horizon);
                        drop(t);

                        join.reset();
                        for (hb, h) in &seeds {
                            c.seed(&mut join, h, *hb, from);
                        }
                        let mut st = extra;
                        let mut a = init();
                        c.process(block, base, &mut join, &mut st, &mut |ev| fold(&mut a, ev));
                        if tx.send((seq, Ok((st, a)))).is_err() {
                            return;
                        }
                    }
                }));
            }
            drop(tx);
            // Merge in block order.
            let mut waiting: std::collections::BTreeMap<u64, (Stats, A)> = Default::default();
            let mut next = 0u64;
            let mut failed = None;
            for (seq, r) in rx {
                match r {
                    Ok(v) => {
                        waiting.insert(seq, v);
                    }
                    Err(e) => {
                        failed.get_or_insert(e);
                        if let Ok(mut t) = turns.lock() {
                            t.done = true;
                        }
                        turn_done.notify_all();
                    }
                }
                while let Some((st, a)) = waiting.remove(&next) {
                    stats.merge(&st);
                    merge(&mut acc, a);
                    next += 1;
                }
                if let Ok(mut t) = turns.lock() {
                    t.merged = next;
                }
                turn_done.notify_all();
            }
            // Join explicitly: the scope's implicit join returns when the closures have
            // finished, before the threads have run their thread-local destructors, which
            // a leak checker running right after the call reports as leaked (found by the
            // `logs_line` fuzz target, see tests/fuzz_regressions/).
            for w in workers {
                if let Err(panic) = w.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            match failed {
                Some(e) => Err(e),
                None => Ok(()),
            }
        })?;
        Ok((stats, acc))
    }

    /// Calls `f` for every event on all threads, in no particular order.
    pub fn par_for_each_event<F>(self, f: F) -> Result<Stats, Error>
    where
        F: Fn(&DeliveryEvent<'_>) + Sync,
    {
        self.par_fold(|| (), |_, ev| f(ev), |_, _| {})
            .map(|(s, ())| s)
    }

    /// Every event, owned, in input order, read on all threads.
    pub fn par_collect(self) -> Result<(Stats, Vec<DeliveryEvent<'static>>), Error> {
        self.par_fold(
            Vec::new,
            |v, ev| v.push(ev.clone().into_owned()),
            |a, mut b| a.append(&mut b),
        )
    }
}

/// The iterator returned by [`LogReader::events`].
pub struct Events<R: Read> {
    reader: LogReader<R>,
    ctx: Option<Ctx>,
    join: SenderJoin,
    buf: Vec<u8>,
    queue: VecDeque<DeliveryEvent<'static>>,
    stats: Stats,
    done: bool,
}

impl<R: Read> Events<R> {
    /// The counters so far (complete once the iterator returned `None`).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl<R: Read> Iterator for Events<R> {
    type Item = Result<DeliveryEvent<'static>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            let cap = self.reader.options.buffer();
            match self.reader.blocks.fill(&mut self.buf, cap) {
                Ok(Some((len, base, extra))) => {
                    self.stats.merge(&extra);
                    let opts = &self.reader.options;
                    let buf = &self.buf[..len];
                    let c = self.ctx.get_or_insert_with(|| Ctx::new(opts, buf, base));
                    let q = &mut self.queue;
                    c.process(buf, base, &mut self.join, &mut self.stats, &mut |ev| {
                        q.push_back(ev.clone().into_owned());
                    });
                }
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn block_reader_skips_long_lines() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend_from_slice(b"\nafter\nlast");
        let mut r = BlockReader::new(&input[..], 100);
        let mut out = Vec::new();
        let mut total = Stats::default();
        let mut text = Vec::new();
        while let Some((len, base, extra)) = r.fill(&mut out, 400).unwrap() {
            total.merge(&extra);
            assert_eq!(&input[base as usize..base as usize + len], &out[..len]);
            text.extend_from_slice(&out[..len]);
        }
        assert_eq!(total.oversized, 1);
        assert_eq!(total.bytes, 5001);
        assert_eq!(text, b"short\nafter\nlast");
    }
}
