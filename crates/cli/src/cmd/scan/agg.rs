//! The bounded per-chunk aggregate and its in-order merge.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// The maps of a summary: keyed on log text (domains, queue ids), filled per chunk and
/// merged; foldhash is several times faster than SipHash on such short keys and still
/// seeded per process.
pub type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use maildiag::{Category, Classifier, DnsTarget, EnhancedCode, VerdictMemo};
use maildiag_codes::{ProviderInfo, Rule};
use maildiag_logs::{DeliveryEvent, Format, Outcome};

use super::filter::Filter;

/// Number of taxonomy categories.
pub const NCAT: usize = Category::ALL.len();
/// Timeline slot for delivered events (after the categories).
pub const DELIVERED_SLOT: usize = NCAT;
/// Upper bounds (seconds) of the deferral-age buckets; the last bucket is open.
pub const AGE_BOUNDS: [f64; 9] = [
    60.0, 300.0, 1800.0, 3600.0, 14_400.0, 43_200.0, 86_400.0, 172_800.0, 432_000.0,
];
/// Labels of the deferral-age buckets.
pub const AGE_LABELS: [&str; 10] = [
    "<1 min",
    "1-5 min",
    "5-30 min",
    "30-60 min",
    "1-4 h",
    "4-12 h",
    "12-24 h",
    "1-2 d",
    "2-5 d",
    ">=5 d",
];
/// The categories that point at the sender's own DNS or IP, shown first.
pub const SENDER_SIDE: [Category; 6] = [
    Category::PtrMissing,
    Category::SpfFail,
    Category::DkimFail,
    Category::DmarcFail,
    Category::Blocklisted,
    Category::BadReputation,
];

/// Domains kept exactly; beyond twice this many the smallest are folded into
/// [`Agg::other_domains`].
pub const DOMAIN_CAP: usize = 5000;
/// Deferred queue ids tracked; beyond this many the map is halved.
pub const STUCK_CAP: usize = 16_384;
/// Queue ids that always survive pruning (the longest stuck so far).
pub const STUCK_KEEP: usize = 200;
/// Timeline buckets kept; beyond this the bucket size grows (see [`BUCKETS`]).
pub const TIMELINE_CAP: usize = 24 * 400;
/// The timeline bucket sizes in seconds (minute, hour, day, week, 30 days).
pub const BUCKETS: [i64; 5] = [60, 3600, 86_400, 604_800, 2_592_000];
/// Distinct enhanced codes, sender domains and sending IPs kept (further ones are not
/// counted separately).
pub const SMALL_CAP: usize = 1024;

/// What every fold needs.
pub struct FoldCtx<'a> {
    /// The classifier.
    pub classifier: &'a Classifier,
    /// The filters.
    pub filter: &'a Filter,
    /// Whether to write each event as JSON into [`Agg::json`].
    pub json: bool,
    /// Bit `c as usize` is set once an earlier block supplied category `c`'s example
    /// (chunks then skip building one; examples stay the first in input order).
    pub have_example: &'a AtomicU64,
    /// The input names, by index.
    pub names: &'a [String],
    /// Whether to collect the IPs named in sender-side replies (for `--check-dns`).
    pub sender_ips: bool,
}

/// Counts by outcome and by category (non-delivered events only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Events per outcome, indexed by [`Outcome::index`].
    pub outcomes: [u64; 6],
    /// Non-delivered events per category, indexed by `Category as usize`.
    pub cats: [u64; NCAT],
}

impl Tally {
    fn add(&mut self, o: Outcome, c: Option<Category>) {
        self.outcomes[o.index()] += 1;
        if let Some(c) = c {
            self.cats[c as usize] += 1;
        }
    }

    fn merge(&mut self, other: &Tally) {
        add_arrays(&mut self.outcomes, &other.outcomes);
        add_arrays(&mut self.cats, &other.cats);
    }

    /// All events.
    pub fn events(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// Non-delivered events.
    pub fn failures(&self) -> u64 {
        self.events() - self.outcomes[Outcome::Delivered.index()]
    }

    /// The most frequent category and its count.
    pub fn dominant(&self) -> Option<(Category, u64)> {
        top_categories(&self.cats).into_iter().next()
    }
}

/// One example event per category: the first in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The reply text the decision rests on.
    pub text: String,
    /// The one-line verdict.
    pub verdict: String,
    /// The enhanced code, if any.
    pub enhanced: Option<String>,
    /// The basic code, if any.
    pub basic: Option<u16>,
    /// The recipient domain.
    pub domain: Option<String>,
    /// The provider id.
    pub provider: Option<&'static str>,
    /// The diagnosis' remedies.
    pub remedies: Vec<String>,
    /// Input index.
    pub file: usize,
    /// Byte offset of the line in its input.
    pub offset: u64,
}

impl Example {
    fn new(classifier: &Classifier, ev: &DeliveryEvent<'_>, file: usize) -> Example {
        let d = classifier.classify_event(ev);
        let mut text = d
            .text
            .clone()
            .unwrap_or_else(|| ev.reply_text().into_owned());
        if text.trim().is_empty() {
            // qmgr's `status=expired, returned to sender` and the like carry no reply: say
            // what the line itself says rather than show an empty example.
            text = format!("({}, with no reply text in the log)", ev.outcome);
        }
        Example {
            text,
            verdict: d.verdict(),
            enhanced: d.enhanced.map(|e| e.to_string()),
            basic: d.basic,
            domain: ev.recipient_domain.as_deref().map(str::to_owned),
            provider: d.provider,
            remedies: d.remedies.iter().take(3).map(|r| r.to_string()).collect(),
            file,
            offset: ev.span.start,
        }
    }
}

/// A queue id seen deferred.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuck {
    /// First deferral (unix seconds, log clock).
    pub first: i64,
    /// Last deferral.
    pub last: i64,
    /// Deferrals seen.
    pub attempts: u64,
    /// The largest `delay=` (message age) seen, seconds.
    pub max_delay: f64,
    /// The recipient domain of the last deferral.
    pub domain: Option<Box<str>>,
    /// The category of the last deferral.
    pub category: Category,
}

impl Stuck {
    /// How long the queue id was seen deferred: last − first deferral, or the message age
    /// when the log gives a larger one.
    pub fn age(&self) -> f64 {
        ((self.last - self.first) as f64).max(self.max_delay)
    }
}

/// Everything counted over some events.
#[derive(Debug, Default)]
pub struct Agg {
    /// Events per outcome.
    pub outcomes: [u64; 6],
    /// Non-delivered events per category.
    pub categories: [u64; NCAT],
    /// Non-delivered events per outcome and category.
    pub by_outcome: [[u64; NCAT]; 6],
    /// The first example of each category.
    pub examples: [Option<Box<Example>>; NCAT],
    /// Events per format, indexed like [`Format::ALL`].
    pub formats: [u64; Format::ALL.len()],
    /// Non-delivered events per enhanced code.
    pub enhanced: Map<EnhancedCode, u64>,
    /// Per recipient domain.
    pub domains: Map<Box<str>, Tally>,
    /// Domains folded together when the domain map grew too large.
    pub other_domains: Tally,
    /// Events without a recipient domain.
    pub no_domain: Tally,
    /// Per provider id.
    pub providers: Map<&'static str, Tally>,
    /// Deferred queue ids.
    pub stuck: Map<Box<str>, Stuck>,
    /// Queue ids dropped by pruning.
    pub stuck_dropped: u64,
    /// Bucket size of [`Agg::timeline`] in seconds (0 until the first event).
    pub bucket: i64,
    /// Counts per time bucket: categories, then delivered.
    pub timeline: BTreeMap<i64, Box<[u64; NCAT + 1]>>,
    /// Deferred events per age bucket (`delay=`).
    pub deferral_age: [u64; AGE_LABELS.len()],
    /// Sender-side failures per sender domain.
    pub sender_domains: Map<Box<str>, u64>,
    /// IPs named in sender-side replies (with `--check-dns`).
    pub sender_ips: Map<IpAddr, u64>,
    /// Earliest and latest event time.
    pub span: Option<(i64, i64)>,
    /// Events without a time stamp.
    pub no_time: u64,
    /// This chunk's `--json` output.
    pub json: Vec<u8>,
}

impl Agg {
    /// Folds one event in.
    pub fn add(&mut self, ctx: &FoldCtx<'_>, file: usize, ev: &DeliveryEvent<'_>) {
        if !ctx.filter.event(ev) {
            return;
        }
        let o = ev.outcome;
        // A delivered event has no failure to classify: its only use of the verdict is the
        // provider, taken from the relay host (cached) rather than from the `250` text.
        let (v, provider) = if o == Outcome::Delivered {
            if !ctx.filter.category(o, Category::Other) {
                return;
            }
            (
                None,
                ev.relay
                    .as_ref()
                    .and_then(|r| r.host.as_deref())
                    .and_then(host_provider),
            )
        } else {
            let v = VERDICTS.with_borrow_mut(|memo| ctx.classifier.verdict_event_memo(ev, memo));
            if !ctx.filter.category(o, v.category) {
                return;
            }
            let p = v.provider;
            (Some(v), p)
        };
        let oi = o.index();
        self.outcomes[oi] += 1;
        self.formats[format_index(ev.format)] += 1;
        let cat = v.as_ref().map(|v| v.category);
        if let (Some(c), Some(v)) = (cat, &v) {
            let ci = c as usize;
            self.categories[ci] += 1;
            self.by_outcome[oi][ci] += 1;
            if self.examples[ci].is_none()
                && ctx.have_example.load(Ordering::Relaxed) & (1 << ci) == 0
            {
                self.examples[ci] = Some(Box::new(Example::new(ctx.classifier, ev, file)));
            }
            if let Some(e) = v.enhanced {
                bump(&mut self.enhanced, e, 1);
            }
            if SENDER_SIDE.contains(&c) {
                if let Some(d) = ev
                    .sender
                    .as_deref()
                    .and_then(|s| s.rsplit_once('@'))
                    .map(|(_, d)| d)
                    && !d.is_empty()
                {
                    let lower;
                    let d = if d.bytes().any(|b| b.is_ascii_uppercase()) {
                        lower = d.to_ascii_lowercase();
                        lower.as_str()
                    } else {
                        d
                    };
                    let full = self.sender_domains.len() >= SMALL_CAP;
                    match self.sender_domains.get_mut(d) {
                        Some(n) => *n += 1,
                        None if !full => {
                            self.sender_domains.insert(d.into(), 1);
                        }
                        None => {}
                    }
                }
                if ctx.sender_ips {
                    for chk in ctx.classifier.classify_event(ev).dns_checks {
                        if let DnsTarget::Ip(ip) = chk.target {
                            bump(&mut self.sender_ips, ip, 1);
                        }
                    }
                }
            }
        }
        match ev.recipient_domain.as_deref() {
            Some(d) => match self.domains.get_mut(d) {
                Some(t) => t.add(o, cat),
                None => {
                    let mut t = Tally::default();
                    t.add(o, cat);
                    self.domains.insert(d.into(), t);
                    self.prune_domains();
                }
            },
            None => self.no_domain.add(o, cat),
        }
        if let Some(p) = provider {
            self.providers.entry(p.id).or_default().add(o, cat);
        }
        match ev.timestamp {
            Some(ts) => {
                let t = ts.unix;
                self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
                if self.bucket == 0 {
                    self.bucket = BUCKETS[0];
                }
                let slot = cat.map_or(DELIVERED_SLOT, |c| c as usize);
                self.timeline
                    .entry(t.div_euclid(self.bucket))
                    .or_insert_with(|| Box::new([0; NCAT + 1]))[slot] += 1;
                if self.timeline.len() > TIMELINE_CAP {
                    self.coarsen_timeline(None);
                }
            }
            None => self.no_time += 1,
        }
        if o == Outcome::Deferred {
            if let Some(d) = ev.delay {
                self.deferral_age[age_bucket(d)] += 1;
            }
            if let (Some(q), Some(ts)) = (ev.queue_id.as_deref(), ev.timestamp) {
                let t = ts.unix;
                match self.stuck.get_mut(q) {
                    Some(s) => {
                        s.first = s.first.min(t);
                        if t >= s.last {
                            s.last = t;
                            s.category = cat.unwrap_or(Category::Other);
                            s.domain = ev.recipient_domain.as_deref().map(Into::into);
                        }
                        s.attempts += 1;
                        s.max_delay = s.max_delay.max(ev.delay.unwrap_or(0.0));
                    }
                    None => {
                        self.stuck.insert(
                            q.into(),
                            Stuck {
                                first: t,
                                last: t,
                                attempts: 1,
                                max_delay: ev.delay.unwrap_or(0.0),
                                domain: ev.recipient_domain.as_deref().map(Into::into),
                                category: cat.unwrap_or(Category::Other),
                            },
                        );
                        if self.stuck.len() > STUCK_CAP {
                            self.prune_stuck();
                        }
                    }
                }
            }
        }
        if ctx.json {
            let name = ctx.names.get(file).map_or("-", String::as_str);
            super::jsonl::write_event(&mut self.json, ctx.classifier, name, ev);
        }
    }

    /// Adds `later` (the events after this aggregate's) to `self`.
    pub fn merge(&mut self, later: Agg) {
        add_arrays(&mut self.outcomes, &later.outcomes);
        add_arrays(&mut self.categories, &later.categories);
        for (a, b) in self.by_outcome.iter_mut().zip(&later.by_outcome) {
            add_arrays(a, b);
        }
        for (a, b) in self.examples.iter_mut().zip(later.examples) {
            if a.is_none() {
                *a = b;
            }
        }
        add_arrays(&mut self.formats, &later.formats);
        for (k, n) in later.enhanced {
            bump(&mut self.enhanced, k, n);
        }
        for (k, t) in later.domains {
            match self.domains.get_mut(&k) {
                Some(mine) => mine.merge(&t),
                None => {
                    self.domains.insert(k, t);
                }
            }
        }
        self.prune_domains();
        self.other_domains.merge(&later.other_domains);
        self.no_domain.merge(&later.no_domain);
        for (k, t) in later.providers {
            self.providers.entry(k).or_default().merge(&t);
        }
        for (q, s) in later.stuck {
            match self.stuck.get_mut(&q) {
                Some(mine) => {
                    mine.first = mine.first.min(s.first);
                    if s.last >= mine.last {
                        mine.last = s.last;
                        mine.category = s.category;
                        mine.domain = s.domain;
                    }
                    mine.attempts += s.attempts;
                    mine.max_delay = mine.max_delay.max(s.max_delay);
                }
                None => {
                    self.stuck.insert(q, s);
                }
            }
        }
        if self.stuck.len() > STUCK_CAP {
            self.prune_stuck();
        }
        self.stuck_dropped += later.stuck_dropped;
        if later.bucket != 0 {
            if self.bucket < later.bucket {
                self.coarsen_timeline(Some(later.bucket));
            }
            for (k, counts) in later.timeline {
                let k = (k * later.bucket).div_euclid(self.bucket.max(1));
                let mine = self
                    .timeline
                    .entry(k)
                    .or_insert_with(|| Box::new([0; NCAT + 1]));
                add_arrays(mine, &counts);
            }
            if self.timeline.len() > TIMELINE_CAP {
                self.coarsen_timeline(None);
            }
        }
        add_arrays(&mut self.deferral_age, &later.deferral_age);
        for (k, n) in later.sender_domains {
            if self.sender_domains.len() < SMALL_CAP || self.sender_domains.contains_key(&k) {
                *self.sender_domains.entry(k).or_insert(0) += n;
            }
        }
        for (k, n) in later.sender_ips {
            bump(&mut self.sender_ips, k, n);
        }
        self.span = match (self.span, later.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, y) => x.or(y),
        };
        self.no_time += later.no_time;
    }

    /// Bit `c as usize` set for each category with an example.
    pub fn example_mask(&self) -> u64 {
        self.examples
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// Events counted.
    pub fn events(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// Non-delivered events.
    pub fn failures(&self) -> u64 {
        self.categories.iter().sum()
    }

    /// Folds the smallest domains into `other_domains` when the map is over twice the cap.
    fn prune_domains(&mut self) {
        if self.domains.len() <= 2 * DOMAIN_CAP {
            return;
        }
        let mut all: Vec<(Box<str>, Tally)> = self.domains.drain().collect();
        all.sort_unstable_by(|a, b| b.1.events().cmp(&a.1.events()).then_with(|| a.0.cmp(&b.0)));
        for (_, t) in all.drain(DOMAIN_CAP..) {
            self.other_domains.merge(&t);
        }
        self.domains.extend(all);
    }

    /// Keeps the longest-stuck queue ids and the most recently deferred ones (a message
    /// still queued is retried, so it stays recent).
    fn prune_stuck(&mut self) {
        let mut all: Vec<(Box<str>, Stuck)> = self.stuck.drain().collect();
        all.sort_unstable_by(|a, b| {
            b.1.age()
                .total_cmp(&a.1.age())
                .then(b.1.attempts.cmp(&a.1.attempts))
        });
        let mut rest = all.split_off(STUCK_KEEP.min(all.len()));
        rest.sort_unstable_by_key(|a| std::cmp::Reverse(a.1.last));
        let keep = (STUCK_CAP / 2).saturating_sub(all.len()).min(rest.len());
        self.stuck_dropped += (rest.len() - keep) as u64;
        rest.truncate(keep);
        self.stuck.extend(all);
        self.stuck.extend(rest);
    }

    /// Grows the bucket size to `to` (or the next size) until the timeline fits.
    fn coarsen_timeline(&mut self, to: Option<i64>) {
        loop {
            let next = match to {
                Some(t) if self.bucket < t => t,
                Some(_) if self.timeline.len() <= TIMELINE_CAP => return,
                _ => match BUCKETS.iter().find(|&&b| b > self.bucket) {
                    Some(&b) => b,
                    None => {
                        // Already the coarsest: drop the oldest buckets.
                        while self.timeline.len() > TIMELINE_CAP {
                            self.timeline.pop_first();
                        }
                        return;
                    }
                },
            };
            let old = std::mem::take(&mut self.timeline);
            let old_bucket = self.bucket.max(1);
            self.bucket = next;
            for (k, counts) in old {
                let k = (k * old_bucket).div_euclid(next);
                let mine = self
                    .timeline
                    .entry(k)
                    .or_insert_with(|| Box::new([0; NCAT + 1]));
                add_arrays(mine, &counts);
            }
            if self.timeline.len() <= TIMELINE_CAP && to.is_none_or(|t| self.bucket >= t) {
                return;
            }
        }
    }
}

thread_local! {
    /// The verdicts of the replies this thread saw last: a log repeats its replies.
    static VERDICTS: RefCell<VerdictMemo> = RefCell::new(VerdictMemo::new());
    /// Relay host → provider marker, per thread (bounded).
    static HOST_PROVIDER: RefCell<Map<Box<str>, Option<&'static ProviderInfo>>> =
        RefCell::new(Map::default());
}

/// The provider a relay host name points at (`gmail-smtp-in.l.google.com` → Gmail), as
/// the classifier finds it when the reply text names none; cached per thread.
fn host_provider(host: &str) -> Option<&'static ProviderInfo> {
    HOST_PROVIDER.with_borrow_mut(|m| {
        if let Some(p) = m.get(host) {
            return *p;
        }
        let p = maildiag_codes::matches(host.as_bytes()).find_map(|m| match m.rule {
            Rule::Marker(p) => Some(p),
            _ => None,
        });
        if m.len() >= SMALL_CAP * 4 {
            m.clear();
        }
        m.insert(host.into(), p);
        p
    })
}

/// The categories with a non-zero count, most frequent first (ties by name order).
pub fn top_categories(cats: &[u64; NCAT]) -> Vec<(Category, u64)> {
    let mut v: Vec<(Category, u64)> = Category::ALL
        .iter()
        .map(|&c| (c, cats[c as usize]))
        .filter(|&(_, n)| n > 0)
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    v
}

/// The index of `f` in [`Format::ALL`].
pub fn format_index(f: Format) -> usize {
    Format::ALL.iter().position(|&x| x == f).unwrap_or(0)
}

fn age_bucket(delay: f64) -> usize {
    AGE_BOUNDS
        .iter()
        .position(|&b| delay < b)
        .unwrap_or(AGE_BOUNDS.len())
}

fn add_arrays<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Adds `n` to `k`'s count unless the map is full and `k` new.
fn bump<K: std::hash::Hash + Eq>(m: &mut Map<K, u64>, k: K, n: u64) {
    if m.len() < SMALL_CAP {
        *m.entry(k).or_insert(0) += n;
    } else if let Some(v) = m.get_mut(&k) {
        *v += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_coarsens() {
        let mut a = Agg {
            bucket: 3600,
            ..Agg::default()
        };
        for h in 0..(TIMELINE_CAP as i64 + 10) {
            a.timeline.insert(h, Box::new([1; NCAT + 1]));
        }
        a.coarsen_timeline(None);
        assert_eq!(a.bucket, 86_400);
        let total: u64 = a.timeline.values().map(|c| c[0]).sum();
        assert_eq!(total, TIMELINE_CAP as u64 + 10);
    }

    #[test]
    fn stuck_pruning_keeps_the_longest() {
        let mut a = Agg::default();
        for i in 0..(STUCK_CAP as i64 + 1) {
            let age = if i == 5 { 100_000 } else { 0 };
            a.stuck.insert(
                format!("Q{i}").into(),
                Stuck {
                    first: i,
                    last: i + age,
                    attempts: 1,
                    max_delay: 0.0,
                    domain: None,
                    category: Category::Other,
                },
            );
        }
        a.prune_stuck();
        assert!(a.stuck.len() <= STUCK_CAP / 2);
        assert!(a.stuck.contains_key("Q5"));
        assert!(a.stuck.contains_key(format!("Q{}", STUCK_CAP).as_str()));
    }
}
