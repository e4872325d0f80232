//! `cargo xtask eval-bounces DIR LABELS [--verbose]`: runs `maildiag-bounce` over a
//! corpus of bounce emails and compares with Sisimai's expected results (labels.jsonl).
//!
//! Reason and hard/soft agreement come from a [`ReasonSource`]: the classifier
//! (`maildiag::Classifier::classify_bounce`), or, with `MAILDIAG_EVAL_NO_CLASSIFIER` set,
//! [`NoClassifier`] (those columns then print "n/a", to score the bounce reader alone).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use maildiag_bounce::{Bounce, BounceRecipient};

/// Where the eval gets a recipient's Sisimai reason name and hard/soft verdict.
pub(crate) trait ReasonSource {
    /// Name shown in the report.
    fn name(&self) -> &'static str;
    /// `(sisimai_reason, hard_bounce)`, or `None` when there is no classifier.
    fn classify(&self, bounce: &Bounce, recipient: &BounceRecipient) -> Option<(String, bool)>;
}

/// No classifier yet: reason and hard/soft print "n/a".
pub(crate) struct NoClassifier;

impl ReasonSource for NoClassifier {
    fn name(&self) -> &'static str {
        "none"
    }
    fn classify(&self, _: &Bounce, _: &BounceRecipient) -> Option<(String, bool)> {
        None
    }
}

/// The classifier: `maildiag::Classifier::classify_bounce`; reports that are not failures
/// take Sisimai's name for their kind (`vacation`, `feedback`, `delivered`).
pub(crate) struct ClassifierSource(maildiag::Classifier);

impl ReasonSource for ClassifierSource {
    fn name(&self) -> &'static str {
        "maildiag"
    }
    fn classify(&self, b: &Bounce, r: &BounceRecipient) -> Option<(String, bool)> {
        if let Some(reason) = b.kind.sisimai_reason() {
            return Some((reason.into(), false));
        }
        let d = self.0.classify_bounce(r);
        Some((d.sisimai_reason.to_owned(), d.hard_bounce))
    }
}

/// The reason source used by the eval.
fn reason_source() -> Box<dyn ReasonSource> {
    if std::env::var_os("MAILDIAG_EVAL_NO_CLASSIFIER").is_some() {
        return Box::new(NoClassifier);
    }
    Box::new(ClassifierSource(maildiag::Classifier::new()))
}

#[derive(Debug)]
struct Label {
    file: String,
    index: usize,
    status: String,
    replycode: String,
    reason: String,
    hardbounce: bool,
    module: String,
}

fn read_labels(path: &Path) -> Result<Vec<Label>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
        out.push(Label {
            file: s("file"),
            index: v
                .get("index")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(1) as usize,
            status: s("status"),
            replycode: match v.get("replycode") {
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => s("replycode"),
            },
            reason: s("reason"),
            hardbounce: v
                .get("hardbounce")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
            module: s("module"),
        });
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "eml") {
            out.push(p);
        }
    }
}

/// Sisimai's invented codes: `X.0.9xx` and `X.9.xxx`.
fn invented(status: &str) -> bool {
    let parts: Vec<&str> = status.split('.').collect();
    parts.len() == 3
        && ((parts[1] == "0" && parts[2].len() == 3 && parts[2].starts_with('9'))
            || parts[1] == "9")
}

#[derive(Default)]
struct Row {
    labels: usize,
    missing: usize,
    status_miss: usize,
    reply_miss: usize,
    reason_miss: usize,
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{:.1} % ({a}/{b})", 100.0 * a as f64 / b as f64)
    }
}

pub(crate) fn run(args: Vec<String>) -> Result<(), String> {
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let [dir, labels] = pos[..] else {
        return Err("usage: cargo xtask eval-bounces DIR LABELS [--verbose]".into());
    };
    let dir = Path::new(dir);
    let labels = read_labels(Path::new(labels))?;
    let classifier = reason_source();

    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut parsed: BTreeMap<String, Result<Bounce, String>> = BTreeMap::new();
    let mut errors = 0;
    let mut non_bounce = 0;
    let mut total_rcpts = 0;
    for p in &files {
        let rel = p
            .strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        let raw = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let r = maildiag_bounce::parse(&raw).map_err(|e| e.to_string());
        match &r {
            Ok(b) => {
                total_rcpts += b.recipients.len();
                if !b.is_bounce() {
                    non_bounce += 1;
                }
            }
            Err(_) => errors += 1,
        }
        parsed.insert(rel, r);
    }

    let (mut found, mut st_n, mut st_ok, mut inv_n, mut inv_class, mut inv_none) =
        (0, 0, 0, 0, 0, 0);
    let (mut rc_n, mut rc_ok, mut rs_n, mut rs_ok, mut hs_ok) = (0, 0, 0, 0, 0);
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut misses = Vec::new();
    for l in &labels {
        let row = rows.entry(l.module.clone()).or_default();
        row.labels += 1;
        let bounce = parsed.get(&l.file).or_else(|| {
            parsed
                .iter()
                .find(|(k, _)| l.file.ends_with(k.as_str()))
                .map(|(_, v)| v)
        });
        let Some(Ok(b)) = bounce else {
            row.missing += 1;
            misses.push(format!(
                "{} #{}: {}",
                l.file,
                l.index,
                match bounce {
                    Some(Err(e)) => e.clone(),
                    _ => "file not read".into(),
                }
            ));
            continue;
        };
        let Some(r) = b.recipients.get(l.index - 1) else {
            row.missing += 1;
            misses.push(format!(
                "{} #{}: only {} recipient(s) ({})",
                l.file,
                l.index,
                b.recipients.len(),
                b.kind.as_str()
            ));
            continue;
        };
        found += 1;
        let ours = r.status.map(|s| s.to_string()).unwrap_or_default();
        if invented(&l.status) {
            inv_n += 1;
            if ours.is_empty() || r.status_source == maildiag_bounce::StatusSource::Inferred {
                inv_none += 1;
            }
            if ours.starts_with(&l.status[..1]) {
                inv_class += 1;
            }
        } else {
            st_n += 1;
            if ours == l.status {
                st_ok += 1;
            } else {
                row.status_miss += 1;
                misses.push(format!(
                    "{} #{}: status {} want {:?} ({}) diag={:?}",
                    l.file,
                    l.index,
                    if ours.is_empty() { "-" } else { &ours },
                    l.status,
                    r.format,
                    trunc(&r.diagnostic)
                ));
            }
        }
        if !l.replycode.is_empty() {
            rc_n += 1;
            let ours = r.reply_code.map(|c| c.to_string()).unwrap_or_default();
            if ours == l.replycode {
                rc_ok += 1;
            } else {
                row.reply_miss += 1;
                misses.push(format!(
                    "{} #{}: reply {} want {} ({}) diag={:?}",
                    l.file,
                    l.index,
                    if ours.is_empty() { "-" } else { &ours },
                    l.replycode,
                    r.format,
                    trunc(&r.diagnostic)
                ));
            }
        }
        if let Some((reason, hard)) = classifier.classify(b, r) {
            rs_n += 1;
            if reason == l.reason {
                rs_ok += 1;
            } else {
                row.reason_miss += 1;
            }
            if hard == l.hardbounce {
                hs_ok += 1;
            }
        }
    }

    println!("maildiag-bounce eval over {}", dir.display());
    println!(
        "emails read:            {} ({} errors, {} not bounces, {} recipients)",
        files.len(),
        errors,
        non_bounce,
        total_rcpts
    );
    println!("labels:                 {}", labels.len());
    println!("recipients found:       {}", pct(found, labels.len()));
    println!(
        "status agreement:       {}  (labels with a code written or derived by Sisimai from the email)",
        pct(st_ok, st_n)
    );
    println!(
        "  Sisimai-invented X.0.9xx/X.9.x labels: {inv_n}; class agrees {}; we give no status or an inferred one for {}",
        pct(inv_class, inv_n),
        inv_none
    );
    println!("reply-code agreement:   {}", pct(rc_ok, rc_n));
    if rs_n == 0 {
        println!(
            "reason agreement:       n/a (no classifier plugged in: {})",
            classifier.name()
        );
        println!("hard/soft agreement:    n/a");
    } else {
        println!(
            "reason agreement:       {}  ({})",
            pct(rs_ok, rs_n),
            classifier.name()
        );
        println!("hard/soft agreement:    {}", pct(hs_ok, rs_n));
    }
    println!();
    println!(
        "{:<24} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "module", "labels", "missing", "status", "reply", "reason"
    );
    for (m, r) in &rows {
        if r.missing + r.status_miss + r.reply_miss + r.reason_miss > 0 {
            println!(
                "{:<24} {:>6} {:>8} {:>8} {:>8} {:>8}",
                m,
                r.labels,
                r.missing,
                r.status_miss,
                r.reply_miss,
                if rs_n == 0 {
                    "n/a".to_string()
                } else {
                    r.reason_miss.to_string()
                }
            );
        }
    }
    if verbose {
        println!();
        for m in &misses {
            println!("{m}");
        }
    }
    Ok(())
}

fn trunc(s: &str) -> String {
    s.chars().take(110).collect()
}
