//! `cargo xtask eval-replies FILE.jsonl ... [--verbose]`: scores the classifier on
//! labelled reply texts, one JSON object per line with at least `text` (a reply, a log
//! line, a bounce's diagnostic), `temporary` (bool) and `category` (a taxonomy name).
//!
//! The figures are the two the classifier issue sets for real traffic: temporary/permanent
//! agreement and category agreement, overall and per labelled category, and with
//! `--verbose` every disagreement. The labelled sets themselves are not in the project
//! (they hold texts from public threads); see docs/ACCURACY.md for how they were made.

use std::collections::BTreeMap;

/// One labelled text.
struct Labelled {
    text: String,
    temporary: bool,
    category: String,
}

fn load(path: &str) -> Result<Vec<Labelled>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let field = |k: &str| {
            v.get(k)
                .ok_or_else(|| format!("{path}:{}: no {k:?}", n + 1))
        };
        let string = |k: &str| {
            field(k)?
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{path}:{}: {k:?} is not a string", n + 1))
        };
        let text = string("text")?;
        let temporary = field("temporary")?
            .as_bool()
            .ok_or_else(|| format!("{path}:{}: `temporary` is not a bool", n + 1))?;
        let category = string("category")?;
        if category.parse::<maildiag::Category>().is_err() {
            return Err(format!("{path}:{}: unknown category {category:?}", n + 1));
        }
        out.push(Labelled {
            text,
            temporary,
            category,
        });
    }
    Ok(out)
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

pub(crate) fn run(args: Vec<String>) -> Result<(), String> {
    let verbose = args.iter().any(|a| a == "--verbose");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if files.is_empty() {
        return Err("usage: cargo xtask eval-replies FILE.jsonl ... [--verbose]".into());
    }
    let c = maildiag::Classifier::new();
    let (mut all, mut temp_ok, mut cat_ok) = (0, 0, 0);
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for f in &files {
        for l in load(f)? {
            // A pasted multi-line reply is one input.
            let d = c.classify(l.text.as_bytes());
            let t = d.temporary == l.temporary;
            let k = d.category.as_str() == l.category;
            all += 1;
            temp_ok += usize::from(t);
            cat_ok += usize::from(k);
            let e = per.entry(l.category.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(k);
            if !(t && k) {
                misses.push(format!(
                    "want {} {} got {} {} | {}",
                    if l.temporary {
                        "temporary"
                    } else {
                        "permanent"
                    },
                    l.category,
                    if d.temporary {
                        "temporary"
                    } else {
                        "permanent"
                    },
                    d.category.as_str(),
                    l.text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    println!("labelled texts:         {all}");
    println!(
        "temporary/permanent:    {:.1} % ({temp_ok}/{all})",
        pct(temp_ok, all)
    );
    println!(
        "category:               {:.1} % ({cat_ok}/{all})",
        pct(cat_ok, all)
    );
    println!("\ncategory                 labels  agree");
    for (k, (n, ok)) in &per {
        println!("{k:<24} {n:>6} {ok:>6}");
    }
    if verbose {
        println!();
        for m in misses {
            println!("{m}");
        }
    }
    Ok(())
}
