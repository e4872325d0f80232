//! `--html`: one self-contained page (inline CSS, SVG and a few lines of JS; no network).

use std::fmt::Write as _;
use std::io::{self, Write};

use maildiag::Category;

use super::Report;
use super::agg::{AGE_LABELS, DELIVERED_SLOT, NCAT, SENDER_SIDE, Tally, top_categories};
use super::summary::{
    TOTAL_NAMES, clip, date_time, display_timeline, duration, provider_name, share, thousands,
    top_codes, top_failing_domains, top_providers, top_stuck,
};

const PALETTE: [&str; 9] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f",
];
const OTHER_COLOUR: &str = "#bab0ac";

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9cfdb}
main{padding:18px 28px;max-width:1250px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{flex:1 1 130px;border:1px solid #dde1e8;border-radius:6px;padding:8px 12px}
.card b{display:block;font-size:22px}.card span{color:#5b6475;font-size:12px}
.ok b{color:#2e7d32}.warn b{color:#b26a00}.bad b{color:#c62828}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
th{background:#f0f2f5;cursor:pointer;user-select:none;white-space:nowrap}
th.sorted-asc::after{content:' \\25B2'}th.sorted-desc::after{content:' \\25BC'}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sender{border-left:5px solid #c62828}
.muted{color:#5b6475}.ex{color:#3b4252;font-family:ui-monospace,monospace;font-size:12px}
.legend span{display:inline-block;margin:0 12px 4px 0;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#3b4252}
";

const JS: &str = "
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc');
      t.querySelectorAll('th').forEach(function(h){h.classList.remove('sorted-asc','sorted-desc')});
      th.classList.add(asc?'sorted-asc':'sorted-desc');
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y),r;
        if(!isNaN(nx)&&!isNaN(ny)&&isFinite(x)&&isFinite(y)){r=nx-ny}else{r=x.localeCompare(y)}
        return asc?r:-r});
      rows.forEach(function(r){body.appendChild(r)});
    });
  });
});
";

/// HTML-escapes `s`.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A numeric cell (sorts by value).
fn num(n: u64) -> String {
    format!("<td class=n data-v={n}>{}</td>", thousands(n))
}

/// Writes the page.
pub fn write(w: &mut impl Write, report: &Report) -> io::Result<()> {
    let a = &report.agg;
    let mut h = String::with_capacity(64 * 1024);
    let lines: u64 = report.inputs.iter().map(|i| i.stats.lines).sum();
    let bytes: u64 = report.inputs.iter().map(|i| i.stats.bytes).sum();
    let unparsed: u64 = report.inputs.iter().map(|i| i.stats.unparsed).sum();
    let names: Vec<String> = report.inputs.iter().map(|i| esc(&i.name)).collect();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width,initial-scale=1'>\
         <title>maildiag scan report</title><style>{CSS}</style></head><body>\
         <header><h1>maildiag scan report</h1><p>{} · {} lines · {:.1} MB{}{}</p></header><main>",
        names.join(", "),
        thousands(lines),
        bytes as f64 / 1e6,
        a.span.map_or(String::new(), |(s, e)| format!(
            " · {} → {}",
            date_time(s),
            date_time(e)
        )),
        if report.filtered { " · filtered" } else { "" },
    );
    for i in report.inputs.iter().filter(|i| i.error.is_some()) {
        let _ = write!(
            h,
            "<section class=sender><b>Unreadable input:</b> {}: {}</section>",
            esc(&i.name),
            esc(i.error.as_deref().unwrap_or(""))
        );
    }

    // Totals.
    h.push_str("<section id=totals><h2>Totals</h2><div class=cards>");
    for (i, name) in TOTAL_NAMES.iter().enumerate() {
        let class = match i {
            0 => "ok",
            1 | 5 => "warn",
            _ => "bad",
        };
        let _ = write!(
            h,
            "<div class='card {class}'><b>{}</b><span>{}</span></div>",
            thousands(a.outcomes[i]),
            name.replace('_', " ")
        );
    }
    let _ = write!(
        h,
        "<div class=card><b>{}</b><span>unparsed lines</span></div></div>",
        thousands(unparsed)
    );
    h.push_str("<table id=totals-table class=sortable><thead><tr><th>outcome</th><th>events</th><th>share</th></tr></thead><tbody>");
    for (i, name) in TOTAL_NAMES.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{name}</td>{}<td class=n>{}</td></tr>",
            num(a.outcomes[i]),
            share(a.outcomes[i], a.events())
        );
    }
    h.push_str("</tbody></table></section>");

    // Sender side.
    let failures = a.failures();
    let sender: Vec<Category> = SENDER_SIDE
        .iter()
        .copied()
        .filter(|c| a.categories[*c as usize] > 0)
        .collect();
    if !sender.is_empty() {
        h.push_str("<section id=sender-side class=sender><h2>Sender-side problems: your own DNS or IP, fix these first</h2>\
            <table class=sortable><thead><tr><th>category</th><th>count</th><th>share of failures</th><th>meaning</th><th>what to do</th><th>example</th></tr></thead><tbody>");
        for c in &sender {
            let n = a.categories[*c as usize];
            let info = maildiag_codes::category(*c);
            let remedies: Vec<String> = info.remedies.iter().take(2).map(|r| esc(r)).collect();
            let ex = a.examples[*c as usize]
                .as_ref()
                .map_or(String::new(), |e| esc(&clip(&e.text, 160)));
            let _ = write!(
                h,
                "<tr><td><b>{}</b></td>{}<td class=n>{}</td><td>{}</td><td>{}</td><td class=ex>{ex}</td></tr>",
                c.as_str(),
                num(n),
                share(n, failures),
                esc(info.description),
                remedies.join("<br>")
            );
        }
        h.push_str("</tbody></table></section>");
    }

    // Categories.
    let cats = top_categories(&a.categories);
    let mut colour_of = [OTHER_COLOUR; NCAT];
    for (i, (c, _)) in cats.iter().take(PALETTE.len()).enumerate() {
        colour_of[*c as usize] = PALETTE[i];
    }
    let _ = write!(
        h,
        "<section id=categories><h2>Categories <span class=muted>({} failures)</span></h2>",
        thousands(failures)
    );
    h.push_str("<table class=sortable><thead><tr><th>category</th><th>count</th><th>share</th><th>deferred</th><th>bounced</th><th>who acts</th><th>example</th></tr></thead><tbody>");
    for (c, n) in &cats {
        let info = maildiag_codes::category(*c);
        let ex = a.examples[*c as usize]
            .as_ref()
            .map_or(String::new(), |e| esc(&clip(&e.text, 160)));
        let _ = write!(
            h,
            "<tr><td><i style='display:inline-block;width:9px;height:9px;background:{}'></i> {}</td>{}<td class=n data-v={}>{}</td>{}{}<td>{}</td><td class=ex>{ex}</td></tr>",
            colour_of[*c as usize],
            c.as_str(),
            num(*n),
            *n as f64 / failures.max(1) as f64,
            share(*n, failures),
            num(a.by_outcome[1][*c as usize]),
            num(a.by_outcome[2][*c as usize]),
            info.party.as_str().replace('_', " "),
        );
    }
    h.push_str("</tbody></table></section>");

    // Timeline chart.
    h.push_str("<section id=timeline><h2>Timeline by category</h2>");
    timeline_svg(&mut h, report, &cats, &colour_of);
    h.push_str("</section>");

    // Domains.
    let doms = top_failing_domains(a);
    h.push_str(
        "<section id=domains><h2>Destination domains <span class=muted>(by failures)</span></h2>",
    );
    domains_svg(&mut h, &doms, &cats, &colour_of);
    h.push_str("<table class=sortable><thead><tr><th>domain</th><th>events</th><th>delivered</th><th>deferred</th><th>bounced</th><th>expired</th><th>rejected incoming</th><th>connection failures</th><th>failure rate</th><th>dominant problem</th></tr></thead><tbody>");
    for (d, t) in doms.iter().take(200) {
        outcome_row(&mut h, d, t);
    }
    h.push_str("</tbody></table></section>");

    // Providers.
    h.push_str("<section id=providers><h2>Providers</h2><table class=sortable><thead><tr><th>provider</th><th>events</th><th>delivered</th><th>deferred</th><th>bounced</th><th>expired</th><th>rejected incoming</th><th>connection failures</th><th>failure rate</th><th>dominant problem</th></tr></thead><tbody>");
    for (id, t) in top_providers(a) {
        outcome_row(&mut h, provider_name(id), t);
    }
    h.push_str("</tbody></table></section>");

    // Codes.
    h.push_str("<section id=codes><h2>Enhanced status codes</h2><table class=sortable><thead><tr><th>code</th><th>count</th><th>share</th><th>meaning</th></tr></thead><tbody>");
    for (c, n, title) in top_codes(a).iter().take(100) {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}<td class=n>{}</td><td>{}</td></tr>",
            esc(c),
            num(*n),
            share(*n, failures),
            esc(title)
        );
    }
    h.push_str("</tbody></table></section>");

    // Deferral age and stuck queue ids.
    h.push_str("<section id=deferral-age><h2>Deferral age <span class=muted>(message age at each deferral, from delay=)</span></h2>");
    age_svg(&mut h, &a.deferral_age);
    h.push_str("<h2>Queue ids stuck longest</h2><table id=stuck class=sortable><thead><tr><th>queue id</th><th>first deferral</th><th>last deferral</th><th>attempts</th><th>age</th><th>domain</th><th>last problem</th></tr></thead><tbody>");
    for (q, s) in top_stuck(a).iter().take(50) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td>{}<td class=n data-v={}>{}</td><td>{}</td><td>{}</td></tr>",
            esc(q),
            date_time(s.first),
            date_time(s.last),
            num(s.attempts),
            s.age(),
            duration(s.age()),
            esc(s.domain.as_deref().unwrap_or("-")),
            s.category
        );
    }
    h.push_str("</tbody></table></section>");

    // DNS.
    if let Some(serde_json::Value::Array(items)) = &report.dns {
        h.push_str("<section id=dns><h2>DNS checks</h2><table class=sortable><thead><tr><th>target</th><th>level</th><th>code</th><th>message</th></tr></thead><tbody>");
        for it in items {
            let target = esc(it["target"].as_str().unwrap_or(""));
            if let Some(e) = it["error"].as_str() {
                let _ = write!(
                    h,
                    "<tr><td>{target}</td><td>error</td><td></td><td>{}</td></tr>",
                    esc(e)
                );
            }
            for f in it["findings"].as_array().into_iter().flatten() {
                let _ = write!(
                    h,
                    "<tr><td>{target}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(f["level"].as_str().unwrap_or("")),
                    esc(f["code"].as_str().unwrap_or("")),
                    esc(f["message"].as_str().unwrap_or(""))
                );
            }
        }
        h.push_str("</tbody></table></section>");
    }
    let _ = writeln!(
        h,
        "<p class=muted>Generated by maildiag scan in {:.2} s.</p></main><script>{JS}</script></body></html>",
        report.seconds
    );
    w.write_all(h.as_bytes())
}

/// One row of the domain and provider tables: name, events, counts by outcome (all six,
/// so that a row adds up), failure rate and dominant problem.
fn outcome_row(h: &mut String, name: &str, t: &Tally) {
    let _ = write!(h, "<tr><td>{}</td>{}", esc(name), num(t.events()));
    for n in t.outcomes {
        h.push_str(&num(n));
    }
    let _ = write!(
        h,
        "<td class=n data-v={}>{}</td><td>{}</td></tr>",
        t.failures() as f64 / t.events().max(1) as f64,
        share(t.failures(), t.events()),
        dominant(t)
    );
}

fn dominant(t: &Tally) -> String {
    t.dominant().map_or_else(
        || "-".into(),
        |(c, n)| format!("{c} ({})", share(n, t.failures())),
    )
}

fn legend(h: &mut String, cats: &[(Category, u64)], colour_of: &[&str; NCAT]) {
    h.push_str("<div class=legend>");
    for (c, _) in cats.iter().take(PALETTE.len()) {
        let _ = write!(
            h,
            "<span><i style='background:{}'></i>{}</span>",
            colour_of[*c as usize],
            c.as_str()
        );
    }
    if cats.len() > PALETTE.len() {
        let _ = write!(
            h,
            "<span><i style='background:{OTHER_COLOUR}'></i>other categories</span>"
        );
    }
    h.push_str("</div>");
}

/// Stacked columns of failures per bucket, coloured by category, plus a line for
/// delivered.
fn timeline_svg(
    h: &mut String,
    report: &Report,
    cats: &[(Category, u64)],
    colour_of: &[&str; NCAT],
) {
    let (size, rows) = display_timeline(&report.agg);
    if rows.is_empty() {
        h.push_str("<p class=muted>No time stamps.</p>");
        return;
    }
    let width = 1100.0;
    let height = 260.0;
    let (left, bottom) = (60.0, 30.0);
    let n = rows.len().min(2000);
    let rows = &rows[rows.len() - n..];
    let max_fail = rows
        .iter()
        .map(|(_, c)| c[..NCAT].iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let max_del = rows
        .iter()
        .map(|(_, c)| c[DELIVERED_SLOT])
        .max()
        .unwrap_or(0)
        .max(1);
    let bw = ((width - left - 10.0) / n as f64).min(50.0);
    let plot_h = height - bottom - 10.0;
    legend(h, cats, colour_of);
    let _ = write!(
        h,
        "<svg id=timeline-chart viewBox='0 0 {width} {height}' width={width} height={height} role=img aria-label='failures per {} by category'>",
        duration(size as f64)
    );
    let _ = write!(
        h,
        "<line x1={left} y1={} x2={} y2={} stroke='#999'/>",
        height - bottom,
        width - 10.0,
        height - bottom
    );
    let _ = write!(
        h,
        "<text x=4 y=16>{}</text><text x=4 y={}>0</text>",
        thousands(max_fail),
        height - bottom
    );
    for (i, (start, c)) in rows.iter().enumerate() {
        let x = left + i as f64 * bw;
        let mut y = height - bottom;
        let mut other = 0;
        let mut segments: Vec<(&str, &str, u64)> = Vec::new();
        for (k, (cat, _)) in cats.iter().enumerate() {
            let v = c[*cat as usize];
            if k >= PALETTE.len() {
                other += v;
            } else if v > 0 {
                segments.push((colour_of[*cat as usize], cat.as_str(), v));
            }
        }
        if other > 0 {
            segments.push((OTHER_COLOUR, "other categories", other));
        }
        for (colour, name, v) in segments {
            let bh = v as f64 / max_fail as f64 * plot_h;
            y -= bh;
            let _ = write!(
                h,
                "<rect x={x:.1} y={y:.1} width={:.1} height={bh:.1} fill='{colour}'><title>{} {name}: {v}</title></rect>",
                (bw - 0.5).max(0.5),
                date_time(*start),
            );
        }
    }
    let pts: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, (_, c))| {
            format!(
                "{:.1},{:.1}",
                left + (i as f64 + 0.5) * bw,
                height - bottom - c[DELIVERED_SLOT] as f64 / max_del as f64 * plot_h
            )
        })
        .collect();
    let _ = write!(
        h,
        "<polyline points='{}' fill=none stroke='#2e7d32' stroke-width=1.5 opacity=0.7><title>delivered (own scale, max {})</title></polyline>",
        pts.join(" "),
        thousands(max_del)
    );
    let ticks = ((n as f64 * bw / 140.0) as usize).clamp(1, 6).min(n);
    for k in 0..ticks {
        let i = k * (n - 1) / (ticks - 1).max(1);
        let x = left + (i as f64 + 0.5) * bw;
        let _ = write!(
            h,
            "<text x={x:.1} y={} text-anchor=middle>{}</text>",
            height - 10.0,
            date_time(rows[i].0)
        );
    }
    h.push_str("</svg><p class=muted>Columns: failures per bucket by category. Green line: delivered (own scale).</p>");
}

/// Horizontal stacked bars: failures per domain by category.
fn domains_svg(
    h: &mut String,
    doms: &[(&str, &Tally)],
    cats: &[(Category, u64)],
    colour_of: &[&str; NCAT],
) {
    let doms = &doms[..doms.len().min(15)];
    if doms.is_empty() {
        return;
    }
    let max = doms
        .iter()
        .map(|(_, t)| t.failures())
        .max()
        .unwrap_or(1)
        .max(1);
    let (width, row, left) = (1100.0, 20.0, 230.0);
    let height = row * doms.len() as f64 + 10.0;
    legend(h, cats, colour_of);
    let _ = write!(
        h,
        "<svg id=domains-chart viewBox='0 0 {width} {height}' width={width} height={height} role=img aria-label='categories by domain'>"
    );
    for (i, (d, t)) in doms.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let _ = write!(
            h,
            "<text x={} y={:.1} text-anchor=end>{}</text>",
            left - 6.0,
            y + 12.0,
            esc(&clip(d, 32))
        );
        let mut x = left;
        for (c, _) in cats {
            let v = t.cats[*c as usize];
            if v == 0 {
                continue;
            }
            let bw = v as f64 / max as f64 * (width - left - 80.0);
            let _ = write!(
                h,
                "<rect x={x:.1} y={y:.1} width={bw:.1} height={} fill='{}'><title>{} {}: {}</title></rect>",
                row - 4.0,
                colour_of[*c as usize],
                esc(d),
                c.as_str(),
                v
            );
            x += bw;
        }
        let _ = write!(
            h,
            "<text x={:.1} y={:.1}>{}</text>",
            x + 4.0,
            y + 12.0,
            thousands(t.failures())
        );
    }
    h.push_str("</svg>");
}

/// Columns: deferred events per age bucket.
fn age_svg(h: &mut String, ages: &[u64; AGE_LABELS.len()]) {
    let total: u64 = ages.iter().sum();
    if total == 0 {
        h.push_str("<p class=muted>No deferrals with a delay.</p>");
        return;
    }
    let max = ages.iter().copied().max().unwrap_or(1).max(1);
    let (width, height, bottom) = (700.0, 200.0, 30.0);
    let bw = (width - 20.0) / ages.len() as f64;
    let _ = write!(
        h,
        "<svg id=age-chart viewBox='0 0 {width} {height}' width={width} height={height} role=img aria-label='deferral age'>"
    );
    for (i, (label, n)) in AGE_LABELS.iter().zip(ages).enumerate() {
        let x = 10.0 + i as f64 * bw;
        let bh = *n as f64 / max as f64 * (height - bottom - 20.0);
        let y = height - bottom - bh;
        let _ = write!(
            h,
            "<rect x={:.1} y={y:.1} width={:.1} height={bh:.1} fill='#4e79a7'><title>{label}: {n}</title></rect>",
            x + 4.0,
            bw - 8.0
        );
        let _ = write!(
            h,
            "<text x={:.1} y={:.1} text-anchor=middle>{}</text>",
            x + bw / 2.0,
            y - 4.0,
            thousands(*n)
        );
        let _ = write!(
            h,
            "<text x={:.1} y={} text-anchor=middle>{}</text>",
            x + bw / 2.0,
            height - 10.0,
            esc(label)
        );
    }
    h.push_str("</svg>");
}
