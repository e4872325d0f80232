//! The summary for people (terminal) and as one JSON document (`--summary-json`).

use std::fmt::Write as _;
use std::io::{self, Write};

use maildiag::Category;
use maildiag_logs::Format;
use serde_json::{Map, Value, json};

use super::Report;
use super::agg::{
    AGE_LABELS, Agg, DELIVERED_SLOT, NCAT, SENDER_SIDE, Stuck, Tally, top_categories,
};

/// The names of the `totals` fields, by `maildiag_logs::Outcome::index`.
pub const TOTAL_NAMES: [&str; 6] = [
    "delivered",
    "deferred",
    "bounced",
    "expired",
    "rejected_incoming",
    "connection_failures",
];
/// The same for people.
const TOTAL_WORDS: [&str; 6] = [
    "delivered",
    "deferred",
    "bounced",
    "expired",
    "rejected incoming",
    "connection failures",
];

/// Stuck queue ids listed.
const STUCK_ROWS: usize = 10;

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part / whole` as a percentage string.
pub fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// At most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `YYYY-MM-DD HH:MM` for unix seconds (log clock).
pub fn date_time(t: i64) -> String {
    let (y, m, d, h, mi) = civil(t);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}")
}

/// RFC 3339 without offset for unix seconds (log clock).
pub fn rfc3339(t: i64) -> String {
    let (y, m, d, h, mi) = civil(t);
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{:02}",
        t.rem_euclid(60)
    )
}

fn civil(t: i64) -> (i64, i64, i64, i64, i64) {
    let z = t.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let s = t.rem_euclid(86_400);
    (y, m, d, s / 3600, s / 60 % 60)
}

/// `3725.0` → `1.0 h`.
pub fn duration(secs: f64) -> String {
    match secs {
        s if s >= 86_400.0 => format!("{:.1} d", s / 86_400.0),
        s if s >= 3600.0 => format!("{:.1} h", s / 3600.0),
        s if s >= 60.0 => format!("{:.0} min", s / 60.0),
        s => format!("{s:.0} s"),
    }
}

/// The provider's display name.
pub fn provider_name(id: &str) -> &str {
    maildiag_codes::provider(id).map_or(id, |p| p.name)
}

/// Domains by events, most first.
pub fn top_domains(agg: &Agg) -> Vec<(&str, &Tally)> {
    let mut v: Vec<(&str, &Tally)> = agg.domains.iter().map(|(d, t)| (&**d, t)).collect();
    v.sort_by(|a, b| b.1.events().cmp(&a.1.events()).then(a.0.cmp(b.0)));
    v
}

/// Domains by failures, most first (only those with failures).
pub fn top_failing_domains(agg: &Agg) -> Vec<(&str, &Tally)> {
    let mut v: Vec<(&str, &Tally)> = agg
        .domains
        .iter()
        .map(|(d, t)| (&**d, t))
        .filter(|(_, t)| t.failures() > 0)
        .collect();
    v.sort_by(|a, b| b.1.failures().cmp(&a.1.failures()).then(a.0.cmp(b.0)));
    v
}

/// Providers by events, most first.
pub fn top_providers(agg: &Agg) -> Vec<(&'static str, &Tally)> {
    let mut v: Vec<(&'static str, &Tally)> = agg.providers.iter().map(|(p, t)| (*p, t)).collect();
    v.sort_by(|a, b| b.1.events().cmp(&a.1.events()).then(a.0.cmp(b.0)));
    v
}

/// Enhanced codes by count, most first.
pub fn top_codes(agg: &Agg) -> Vec<(String, u64, &'static str)> {
    let mut v: Vec<(String, u64, &'static str)> = agg
        .enhanced
        .iter()
        .map(|(c, n)| {
            (
                c.to_string(),
                *n,
                maildiag_codes::enhanced(*c).map_or("", |i| i.title),
            )
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Queue ids by time stuck, longest first.
pub fn top_stuck(agg: &Agg) -> Vec<(&str, &Stuck)> {
    let mut v: Vec<(&str, &Stuck)> = agg.stuck.iter().map(|(q, s)| (&**q, s)).collect();
    v.sort_by(|a, b| {
        b.1.age()
            .total_cmp(&a.1.age())
            .then(b.1.attempts.cmp(&a.1.attempts))
            .then(a.0.cmp(b.0))
    });
    v.truncate(STUCK_ROWS.max(50));
    v
}

/// Bucket sizes the timeline is shown in (5 min, 15 min, hour, 6 h, day, week, 30 days).
const DISPLAY_SIZES: [i64; 7] = [300, 900, 3600, 21_600, 86_400, 604_800, 2_592_000];
/// The most buckets a displayed timeline has.
const MAX_ROWS: i64 = 180;

/// The timeline regrouped for display: bucket size (seconds) and rows (start, counts).
pub fn display_timeline(agg: &Agg) -> (i64, Vec<(i64, [u64; NCAT + 1])>) {
    let Some((&first, _)) = agg.timeline.first_key_value() else {
        return (3600, Vec::new());
    };
    let last = agg.timeline.last_key_value().map_or(first, |(k, _)| *k);
    let span = (last - first + 1) * agg.bucket;
    let size = DISPLAY_SIZES
        .iter()
        .copied()
        .find(|&s| s >= agg.bucket && span / s < MAX_ROWS)
        .unwrap_or(agg.bucket.max(2_592_000));
    let mut rows: Vec<(i64, [u64; NCAT + 1])> = Vec::new();
    for (k, counts) in &agg.timeline {
        let start = (k * agg.bucket).div_euclid(size) * size;
        // Fill empty buckets so the chart's x axis is linear.
        while let Some(&(prev, _)) = rows.last()
            && prev + size < start
            && rows.len() < 100_000
        {
            rows.push((prev + size, [0; NCAT + 1]));
        }
        match rows.last_mut() {
            Some((s, c)) if *s == start => {
                for (a, b) in c.iter_mut().zip(counts.iter()) {
                    *a += b;
                }
            }
            _ => rows.push((start, **counts)),
        }
    }
    (size, rows)
}

fn totals_json(report: &Report) -> Value {
    let a = &report.agg;
    let mut m = Map::new();
    for (i, name) in TOTAL_NAMES.iter().enumerate() {
        m.insert((*name).into(), a.outcomes[i].into());
    }
    let unparsed: u64 = report.inputs.iter().map(|i| i.stats.unparsed).sum();
    let oversized: u64 = report.inputs.iter().map(|i| i.stats.oversized).sum();
    m.insert("unparsed_lines".into(), unparsed.into());
    m.insert("oversized_lines".into(), oversized.into());
    m.insert("events".into(), a.events().into());
    m.insert("failures".into(), a.failures().into());
    m.insert(
        "lines".into(),
        report
            .inputs
            .iter()
            .map(|i| i.stats.lines)
            .sum::<u64>()
            .into(),
    );
    m.insert(
        "bytes".into(),
        report
            .inputs
            .iter()
            .map(|i| i.stats.bytes)
            .sum::<u64>()
            .into(),
    );
    Value::Object(m)
}

fn cats_json(cats: &[u64; NCAT]) -> Value {
    let mut m = Map::new();
    for (c, n) in top_categories(cats) {
        m.insert(c.as_str().into(), n.into());
    }
    Value::Object(m)
}

fn tally_json(t: &Tally) -> Value {
    let mut o = Map::new();
    for (i, name) in TOTAL_NAMES.iter().enumerate() {
        o.insert((*name).into(), t.outcomes[i].into());
    }
    json!({
        "events": t.events(),
        "outcomes": o,
        "categories": cats_json(&t.cats),
        "dominant_problem": t.dominant().map(|(c, _)| c.as_str()),
    })
}

/// The summary as one JSON document.
pub fn to_json(report: &Report) -> Value {
    let a = &report.agg;
    let mut domains = Map::new();
    for (d, t) in top_domains(a) {
        domains.insert(d.into(), tally_json(t));
    }
    let mut providers = Map::new();
    for (p, t) in top_providers(a) {
        let mut v = tally_json(t);
        if let Value::Object(m) = &mut v {
            m.insert("name".into(), provider_name(p).into());
        }
        providers.insert(p.into(), v);
    }
    let mut examples = Map::new();
    for c in Category::ALL {
        if let Some(e) = &a.examples[*c as usize] {
            examples.insert(
                c.as_str().into(),
                json!({
                    "text": e.text, "verdict": e.verdict, "enhanced": e.enhanced, "basic": e.basic,
                    "recipient_domain": e.domain, "provider": e.provider, "remedies": e.remedies,
                    "input": report.inputs.get(e.file).map(|i| i.name.as_str()), "offset": e.offset,
                }),
            );
        }
    }
    let failures = a.failures();
    let sender_side: Vec<Value> = SENDER_SIDE
        .iter()
        .filter(|c| a.categories[**c as usize] > 0)
        .map(|c| {
            let info = maildiag_codes::category(*c);
            json!({
                "category": c.as_str(),
                "count": a.categories[*c as usize],
                "share_of_failures": a.categories[*c as usize] as f64 / failures.max(1) as f64,
                "description": info.description,
                "party": info.party.as_str(),
                "remedies": info.remedies,
            })
        })
        .collect();
    let mut sender_domains: Vec<(&str, u64)> =
        a.sender_domains.iter().map(|(d, n)| (&**d, *n)).collect();
    sender_domains.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let codes: Vec<Value> = top_codes(a)
        .into_iter()
        .map(|(c, n, t)| json!({ "code": c, "count": n, "title": t }))
        .collect();
    let mut enhanced = Map::new();
    for v in &codes {
        if let (Some(c), Some(n)) = (v["code"].as_str(), v["count"].as_u64()) {
            enhanced.insert(c.into(), n.into());
        }
    }
    let stuck: Vec<Value> = top_stuck(a)
        .into_iter()
        .take(report.top.max(STUCK_ROWS))
        .map(|(q, s)| {
            json!({
                "queue_id": q, "first_deferral": rfc3339(s.first), "last_deferral": rfc3339(s.last),
                "attempts": s.attempts, "age_s": s.age(), "recipient_domain": s.domain.as_deref(),
                "category": s.category.as_str(),
            })
        })
        .collect();
    let (size, rows) = display_timeline(a);
    let timeline: Vec<Value> = rows
        .iter()
        .map(|(start, c)| {
            let mut m = Map::new();
            for (cat, n) in top_categories(c[..NCAT].try_into().unwrap_or(&[0; NCAT])) {
                m.insert(cat.as_str().into(), n.into());
            }
            json!({ "start": rfc3339(*start), "delivered": c[DELIVERED_SLOT], "categories": m })
        })
        .collect();
    let formats: Map<String, Value> = Format::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| a.formats[*i] > 0)
        .map(|(i, f)| (f.as_str().to_owned(), a.formats[i].into()))
        .collect();
    let inputs: Vec<Value> = report
        .inputs
        .iter()
        .map(|i| {
            json!({
                "name": i.name, "lines": i.stats.lines, "bytes": i.stats.bytes,
                "events": i.stats.total_events(), "unparsed_lines": i.stats.unparsed,
                "oversized_lines": i.stats.oversized, "error": i.error,
            })
        })
        .collect();
    let mut doc = json!({
        "totals": totals_json(report),
        "categories": cats_json(&a.categories),
        "domains": domains,
        "providers": providers,
        "enhanced_codes": enhanced,
        "sender_side": sender_side,
        "sender_domains": sender_domains.iter().take(50).map(|(d, n)| json!({"domain": d, "count": n})).collect::<Vec<_>>(),
        "examples": examples,
        "stuck_queue_ids": stuck,
        "timeline": { "bucket_s": size, "buckets": timeline },
        "deferral_age": AGE_LABELS.iter().zip(a.deferral_age).map(|(l, n)| json!({"age": l, "count": n})).collect::<Vec<_>>(),
        "other_domains": tally_json(&a.other_domains),
        "no_domain": tally_json(&a.no_domain),
        "formats": formats,
        "inputs": inputs,
        "filtered": report.filtered,
        "first_event": a.span.map(|s| rfc3339(s.0)),
        "last_event": a.span.map(|s| rfc3339(s.1)),
        "seconds": report.seconds,
    });
    if let (Some(dns), Value::Object(m)) = (&report.dns, &mut doc) {
        m.insert("dns_findings".into(), dns.clone());
    }
    doc
}

/// ANSI styling when enabled.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn head(&self, s: &str) -> String {
        self.wrap("1;4", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
}

/// Left-pads or right-pads `s` to `w` characters.
fn pad(s: &str, w: usize, right: bool) -> String {
    let n = s.chars().count();
    let fill = " ".repeat(w.saturating_sub(n));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// Writes the human summary.
pub fn write_human(out: &mut impl Write, report: &Report, colour: bool) -> io::Result<()> {
    let p = Paint(colour);
    let a = &report.agg;
    let lines: u64 = report.inputs.iter().map(|i| i.stats.lines).sum();
    let bytes: u64 = report.inputs.iter().map(|i| i.stats.bytes).sum();
    let unparsed: u64 = report.inputs.iter().map(|i| i.stats.unparsed).sum();
    let oversized: u64 = report.inputs.iter().map(|i| i.stats.oversized).sum();
    let rate = if report.seconds > 0.0 {
        bytes as f64 / report.seconds / 1e6
    } else {
        0.0
    };
    writeln!(
        out,
        "{} · {} input{} · {} lines · {:.1} MB · {:.2} s ({rate:.0} MB/s)",
        p.bold("maildiag scan"),
        report.inputs.len(),
        if report.inputs.len() == 1 { "" } else { "s" },
        thousands(lines),
        bytes as f64 / 1e6,
        report.seconds,
    )?;
    let formats: Vec<&str> = Format::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| a.formats[*i] > 0)
        .map(|(_, f)| f.as_str())
        .collect();
    let mut meta = Vec::new();
    if !formats.is_empty() {
        meta.push(format!("format {}", formats.join(", ")));
    }
    if let Some((s, e)) = a.span {
        meta.push(format!("{} → {}", date_time(s), date_time(e)));
    }
    if report.filtered {
        meta.push("filtered: totals count matching events only".into());
    }
    if !meta.is_empty() {
        writeln!(out, "{}", p.dim(&meta.join(" · ")))?;
    }
    for i in report.inputs.iter().filter(|i| i.error.is_some()) {
        writeln!(
            out,
            "{} {}: {}",
            p.red("unreadable:"),
            i.name,
            i.error.as_deref().unwrap_or("")
        )?;
    }

    writeln!(out, "\n{}", p.head("Totals"))?;
    let mut parts: Vec<String> = Vec::new();
    for (i, w) in TOTAL_WORDS.iter().enumerate() {
        let n = thousands(a.outcomes[i]);
        let n = match i {
            0 => p.green(&n),
            1 | 5 => p.yellow(&n),
            _ if a.outcomes[i] > 0 => p.red(&n),
            _ => n,
        };
        parts.push(format!("{w} {n}"));
    }
    writeln!(out, "  {}", parts[..3].join(" · "))?;
    writeln!(out, "  {}", parts[3..].join(" · "))?;
    writeln!(
        out,
        "  unparsed lines {} · oversized lines {}",
        thousands(unparsed),
        thousands(oversized)
    )?;
    let failures = a.failures();
    if a.events() == 0 {
        writeln!(out, "\n{}", p.dim("No delivery events found."))?;
        return dns_human(out, report, &p);
    }

    let sender: Vec<Category> = SENDER_SIDE
        .iter()
        .copied()
        .filter(|c| a.categories[*c as usize] > 0)
        .collect();
    if !sender.is_empty() {
        writeln!(
            out,
            "\n{}",
            p.head("Sender-side problems: your own DNS or IP, fix these first")
        )?;
        for c in &sender {
            let n = a.categories[*c as usize];
            let info = maildiag_codes::category(*c);
            writeln!(
                out,
                "  {} {} {}  {}",
                p.red(&pad(c.as_str(), 15, false)),
                pad(&thousands(n), 9, true),
                pad(&share(n, failures), 6, true),
                info.description
            )?;
            if let Some(r) = info.remedies.first() {
                writeln!(out, "      {} {r}", p.bold("fix:"))?;
            }
            if let Some(e) = &a.examples[*c as usize] {
                writeln!(out, "      {} {}", p.dim("e.g."), clip(&e.text, 90))?;
            }
        }
        let mut doms: Vec<(&str, u64)> = a.sender_domains.iter().map(|(d, n)| (&**d, *n)).collect();
        doms.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        if !doms.is_empty() {
            let list: Vec<String> = doms
                .iter()
                .take(5)
                .map(|(d, n)| format!("{d} ({})", thousands(*n)))
                .collect();
            writeln!(
                out,
                "  {} {}",
                p.bold("sender domains affected:"),
                list.join(", ")
            )?;
        }
        if report.dns.is_none() {
            writeln!(
                out,
                "  {}",
                p.dim("confirm with: maildiag scan --check-dns (or maildiag check DOMAIN --ip IP)")
            )?;
        }
    }

    writeln!(
        out,
        "\n{} {}",
        p.head("Top categories"),
        p.dim(&format!("({} failures)", thousands(failures)))
    )?;
    writeln!(
        out,
        "  {}",
        p.dim(&format!(
            "{}  {}  {}  example",
            pad("category", 22, false),
            pad("count", 9, true),
            pad("share", 6, true)
        ))
    )?;
    for (c, n) in top_categories(&a.categories).into_iter().take(report.top) {
        let ex = a.examples[c as usize]
            .as_ref()
            .map_or(String::new(), |e| clip(&e.text, 70));
        writeln!(
            out,
            "  {}  {}  {}  {}",
            pad(c.as_str(), 22, false),
            pad(&thousands(n), 9, true),
            pad(&share(n, failures), 6, true),
            p.dim(&ex)
        )?;
    }

    let doms = top_failing_domains(a);
    if !doms.is_empty() {
        writeln!(out, "\n{}", p.head("Top destination domains (by failures)"))?;
        writeln!(
            out,
            "  {}",
            p.dim(&format!(
                "{}  {}  {}  {}  {}  {}  dominant problem",
                pad("domain", 28, false),
                pad("events", 9, true),
                pad("delivered", 9, true),
                pad("deferred", 9, true),
                pad("bounced", 9, true),
                pad("other*", 7, true)
            ))
        )?;
        for (d, t) in doms.iter().take(report.top) {
            writeln!(
                out,
                "  {}  {}  {}  {}  {}  {}  {}",
                pad(&clip(d, 28), 28, false),
                pad(&thousands(t.events()), 9, true),
                pad(&thousands(t.outcomes[0]), 9, true),
                pad(&thousands(t.outcomes[1]), 9, true),
                pad(&thousands(t.outcomes[2]), 9, true),
                pad(&thousands(t.outcomes[3..].iter().sum()), 7, true),
                dominant_words(t)
            )?;
        }
        writeln!(
            out,
            "  {}",
            p.dim("* other: expired, rejected incoming and connection failures")
        )?;
        if a.other_domains.events() > 0 {
            writeln!(
                out,
                "  {}",
                p.dim(&format!(
                    "(plus {} events to rarer domains not listed)",
                    thousands(a.other_domains.events())
                ))
            )?;
        }
    }

    let provs = top_providers(a);
    if !provs.is_empty() {
        writeln!(out, "\n{}", p.head("Providers"))?;
        writeln!(
            out,
            "  {}",
            p.dim(&format!(
                "{}  {}  {}  {}  dominant problem",
                pad("provider", 22, false),
                pad("events", 9, true),
                pad("failures", 9, true),
                pad("rate", 6, true)
            ))
        )?;
        for (id, t) in provs.iter().take(report.top) {
            writeln!(
                out,
                "  {}  {}  {}  {}  {}",
                pad(&clip(provider_name(id), 22), 22, false),
                pad(&thousands(t.events()), 9, true),
                pad(&thousands(t.failures()), 9, true),
                pad(&share(t.failures(), t.events()), 6, true),
                dominant_words(t)
            )?;
        }
    }

    let codes = top_codes(a);
    if !codes.is_empty() {
        writeln!(out, "\n{}", p.head("Top enhanced status codes"))?;
        for (c, n, title) in codes.iter().take(report.top) {
            writeln!(
                out,
                "  {}  {}  {}  {}",
                pad(c, 9, false),
                pad(&thousands(*n), 9, true),
                pad(&share(*n, failures), 6, true),
                p.dim(title)
            )?;
        }
    }

    let stuck = top_stuck(a);
    if !stuck.is_empty() {
        writeln!(out, "\n{}", p.head("Queue ids stuck longest"))?;
        writeln!(
            out,
            "  {}",
            p.dim(&format!(
                "{}  {}  {}  {}  {}  {}  last problem",
                pad("queue id", 14, false),
                pad("first deferral", 16, false),
                pad("last deferral", 16, false),
                pad("attempts", 8, true),
                pad("age", 8, true),
                pad("domain", 24, false)
            ))
        )?;
        for (q, s) in stuck.iter().take(STUCK_ROWS.min(report.top)) {
            writeln!(
                out,
                "  {}  {}  {}  {}  {}  {}  {}",
                pad(&clip(q, 14), 14, false),
                date_time(s.first),
                date_time(s.last),
                pad(&thousands(s.attempts), 8, true),
                pad(&duration(s.age()), 8, true),
                pad(&clip(s.domain.as_deref().unwrap_or("-"), 24), 24, false),
                s.category
            )?;
        }
    }

    timeline_human(out, a, &p)?;
    dns_human(out, report, &p)
}

fn dominant_words(t: &Tally) -> String {
    match t.dominant() {
        Some((c, n)) => format!("{c} ({})", share(n, t.failures())),
        None => "-".into(),
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The timeline as sparklines: one row for delivered and one per top category.
fn timeline_human(out: &mut impl Write, a: &Agg, p: &Paint) -> io::Result<()> {
    let (size, rows) = display_timeline(a);
    if rows.len() < 2 {
        return Ok(());
    }
    let width = 60usize;
    let group = rows.len().div_ceil(width);
    let cols: Vec<(i64, [u64; NCAT + 1])> = rows
        .chunks(group)
        .map(|ch| {
            let mut c = [0u64; NCAT + 1];
            for (_, r) in ch {
                for (x, y) in c.iter_mut().zip(r) {
                    *x += y;
                }
            }
            (ch[0].0, c)
        })
        .collect();
    let per = match size * group as i64 {
        3600 => "hour".to_owned(),
        86_400 => "day".to_owned(),
        604_800 => "week".to_owned(),
        s => duration(s as f64),
    };
    let first = cols.first().map_or(0, |c| c.0);
    let last = cols.last().map_or(0, |c| c.0);
    writeln!(
        out,
        "\n{} {}",
        p.head("Timeline"),
        p.dim(&format!(
            "(one column per {per}, {} → {})",
            date_time(first),
            date_time(last)
        ))
    )?;
    let mut series: Vec<(String, usize)> = vec![("delivered".into(), DELIVERED_SLOT)];
    series.extend(
        top_categories(&a.categories)
            .into_iter()
            .take(6)
            .map(|(c, _)| (c.as_str().to_owned(), c as usize)),
    );
    for (name, slot) in series {
        let max = cols.iter().map(|c| c.1[slot]).max().unwrap_or(0);
        let mut line = String::new();
        for (_, c) in &cols {
            let v = c[slot];
            if v == 0 {
                line.push(' ');
            } else {
                let i = ((v as f64 / max.max(1) as f64) * 7.0).round() as usize;
                line.push(BARS[i.min(7)]);
            }
        }
        let _ = write!(line, " max {}", thousands(max));
        writeln!(out, "  {}  {}", pad(&name, 22, false), line)?;
    }
    let total: u64 = cols.iter().map(|c| c.1.iter().sum::<u64>()).sum();
    if total == 0 {
        writeln!(out, "  {}", p.dim("(no time stamps)"))?;
    }
    Ok(())
}

fn dns_human(out: &mut impl Write, report: &Report, p: &Paint) -> io::Result<()> {
    let Some(Value::Array(items)) = &report.dns else {
        return Ok(());
    };
    writeln!(out, "\n{}", p.head("DNS checks"))?;
    if items.is_empty() {
        writeln!(
            out,
            "  {}",
            p.dim("nothing to check: no sender-side failures with a known domain or IP")
        )?;
    }
    for it in items {
        let target = it["target"].as_str().unwrap_or("");
        let kind = it["kind"].as_str().unwrap_or("");
        writeln!(out, "  {} {}", p.bold(&kind.replace('_', " ")), target)?;
        if let Some(e) = it["error"].as_str() {
            writeln!(out, "    {} {e}", p.red("error:"))?;
        }
        for f in it["findings"].as_array().into_iter().flatten() {
            let level = f["level"].as_str().unwrap_or("");
            let lvl = match level {
                "error" => p.red(level),
                "warning" => p.yellow(level),
                _ => p.dim(level),
            };
            writeln!(
                out,
                "    {} {} {}",
                lvl,
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )?;
        }
    }
    Ok(())
}
