//! `cargo xtask eval-replies FILE.jsonl ... [--verbose]`: scores the classifier on
//! labelled reply texts, one JSON object per line with at least `text` (a reply, a log
//! line, a bounce's diagnostic), `temporary` (bool) and `category` (a taxonomy name).
//!
//! The figures are the two the classifier issue sets for real traffic: temporary/permanent
//! agreement and category agreement, overall and per labelled category, and with
//! `--verbose` every disagreement.
//!
//! `--second LABELS.jsonl` adds a second, independent labelling of the same texts (one
//! JSON object per line, in the same order, with `temporary` and `category`; other fields
//! such as `id` are ignored) and reports how often the two labellers agree, how often
//! maildiag agrees with the second one, and maildiag's agreement on the consensus: the
//! texts both labellers put in the same category (or gave the same temporary/permanent). The labelled sets themselves are not in the project
//! (they hold texts from public threads); see docs/ACCURACY.md for how they were made.

use std::collections::BTreeMap;

/// One labelled text.
struct Labelled {
    text: String,
    temporary: bool,
    category: String,
}

/// The JSON object on each non-blank line of `path`, with its 1-based line number.
fn json_lines(path: &str) -> Result<Vec<(usize, serde_json::Value)>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    raw.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map(|v| (n + 1, v))
                .map_err(|e| format!("{path}:{}: {e}", n + 1))
        })
        .collect()
}

/// A field of line `n` of `path` as a string.
fn string(v: &serde_json::Value, k: &str, path: &str, n: usize) -> Result<String, String> {
    v.get(k)
        .ok_or_else(|| format!("{path}:{n}: no {k:?}"))?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{path}:{n}: {k:?} is not a string"))
}

/// The `temporary` and `category` labels of line `n` of `path`.
fn label(v: &serde_json::Value, path: &str, n: usize) -> Result<(bool, String), String> {
    let temporary = v
        .get("temporary")
        .ok_or_else(|| format!("{path}:{n}: no \"temporary\""))?
        .as_bool()
        .ok_or_else(|| format!("{path}:{n}: `temporary` is not a bool"))?;
    let category = string(v, "category", path, n)?;
    if category.parse::<maildiag::Category>().is_err() {
        return Err(format!("{path}:{n}: unknown category {category:?}"));
    }
    Ok((temporary, category))
}

fn load(path: &str) -> Result<Vec<Labelled>, String> {
    json_lines(path)?
        .into_iter()
        .map(|(n, v)| {
            let text = string(&v, "text", path, n)?;
            let (temporary, category) = label(&v, path, n)?;
            Ok(Labelled {
                text,
                temporary,
                category,
            })
        })
        .collect()
}

/// A second labeller's labels: `temporary` and `category` per line, in order.
fn load_labels(path: &str) -> Result<Vec<(bool, String)>, String> {
    json_lines(path)?
        .into_iter()
        .map(|(n, v)| label(&v, path, n))
        .collect()
}

/// Agreement counts between two labellers (`a`, `b`) and maildiag (`ours`), all
/// `(temporary, category)` in the same order.
#[derive(Debug, Default, PartialEq, Eq)]
struct Agreement {
    /// Texts.
    n: usize,
    /// The labellers agree: temporary/permanent, category.
    labellers: (usize, usize),
    /// maildiag agrees with the second labeller: temporary/permanent, category.
    second: (usize, usize),
    /// Texts on which the labellers agree (temporary/permanent, category), and how many
    /// of those maildiag gets right.
    consensus_temp: (usize, usize),
    consensus_cat: (usize, usize),
}

fn agreement(a: &[(bool, String)], b: &[(bool, String)], ours: &[(bool, String)]) -> Agreement {
    let mut g = Agreement {
        n: a.len(),
        ..Agreement::default()
    };
    for ((a, b), o) in a.iter().zip(b).zip(ours) {
        g.labellers.0 += usize::from(a.0 == b.0);
        g.labellers.1 += usize::from(a.1 == b.1);
        g.second.0 += usize::from(o.0 == b.0);
        g.second.1 += usize::from(o.1 == b.1);
        if a.0 == b.0 {
            g.consensus_temp.0 += 1;
            g.consensus_temp.1 += usize::from(o.0 == a.0);
        }
        if a.1 == b.1 {
            g.consensus_cat.0 += 1;
            g.consensus_cat.1 += usize::from(o.1 == a.1);
        }
    }
    g
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

pub(crate) fn run(args: Vec<String>) -> Result<(), String> {
    const USAGE: &str =
        "usage: cargo xtask eval-replies FILE.jsonl ... [--verbose] [--second LABELS.jsonl]";
    let verbose = args.iter().any(|a| a == "--verbose");
    let second_at = args.iter().position(|a| a == "--second");
    let second = match second_at {
        Some(i) => Some(load_labels(args.get(i + 1).ok_or(USAGE)?)?),
        None => None,
    };
    let files: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && second_at.is_none_or(|s| *i != s + 1))
        .map(|(_, a)| a)
        .collect();
    if files.is_empty() || second.is_some() && files.len() != 1 {
        return Err(USAGE.into());
    }
    let (mut first_labels, mut ours) = (Vec::new(), Vec::new());
    let c = maildiag::Classifier::new();
    let (mut all, mut temp_ok, mut cat_ok) = (0, 0, 0);
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for f in &files {
        for l in load(f)? {
            // A pasted multi-line reply is one input.
            let d = c.classify(l.text.as_bytes());
            first_labels.push((l.temporary, l.category.clone()));
            ours.push((d.temporary, d.category.as_str().to_owned()));
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
    if let Some(second) = &second {
        if second.len() != first_labels.len() {
            return Err(format!(
                "--second has {} labels for {} texts",
                second.len(),
                first_labels.len()
            ));
        }
        let g = agreement(&first_labels, second, &ours);
        let line = |what: &str, (t, k): (usize, usize)| {
            println!("{what:<24}{:.1} % / {:.1} %", pct(t, g.n), pct(k, g.n));
        };
        println!("\nsecond labeller (temporary/permanent / category):");
        line("labellers agree:", g.labellers);
        line("maildiag vs second:", g.second);
        println!(
            "on the consensus:       {:.1} % ({}/{}) / {:.1} % ({}/{})",
            pct(g.consensus_temp.1, g.consensus_temp.0),
            g.consensus_temp.1,
            g.consensus_temp.0,
            pct(g.consensus_cat.1, g.consensus_cat.0),
            g.consensus_cat.1,
            g.consensus_cat.0
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn l(t: bool, c: &str) -> (bool, String) {
        (t, c.to_owned())
    }

    /// Worked by hand: the labellers agree on the category of texts 1 and 2 (maildiag
    /// gets text 1 right), and on temporary/permanent of texts 1 and 3.
    #[test]
    fn consensus_counts() {
        let a = [
            l(true, "greylisted"),
            l(false, "policy"),
            l(false, "spam_content"),
        ];
        let b = [l(true, "greylisted"), l(true, "policy"), l(false, "virus")];
        let ours = [
            l(true, "greylisted"),
            l(false, "blocklisted"),
            l(true, "virus"),
        ];
        assert_eq!(
            agreement(&a, &b, &ours),
            Agreement {
                n: 3,
                labellers: (2, 2),
                second: (1, 2),
                consensus_temp: (2, 1),
                consensus_cat: (2, 1),
            }
        );
    }
}
