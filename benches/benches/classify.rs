//! Classifier throughput on a mix of 10,000 real-looking replies and log lines, side by
//! side with a RegexSet classifier built from the same catalogue and phrase patterns
//! (the approach of KumoMTA's bounce classifier).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maildiag::{Category, Classifier};
use maildiag_codes::MatchKind;
use regex::bytes::RegexSet;
use std::hint::black_box;

/// The inputs: the classifier's golden texts (published replies and hand-written log
/// lines), repeated to 10,000.
fn inputs() -> Vec<Vec<u8>> {
    let mut base = Vec::new();
    for data in [
        include_str!("../../crates/maildiag/tests/data/catalogue.tsv"),
        include_str!("../../crates/maildiag/tests/data/cases.tsv"),
    ] {
        for line in data
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let input = line
                .split('\t')
                .next()
                .unwrap_or_default()
                .replace("\\n", "\n");
            base.push(input.into_bytes());
        }
    }
    base.iter().cycle().take(10_000).cloned().collect()
}

/// A regex-set classifier over the same patterns: every provider entry and phrase rule
/// becomes one case-insensitive regex (templates: placeholders become `.*?`); the first
/// matching pattern in catalogue order decides the category.
struct RegexClassifier {
    set: RegexSet,
    categories: Vec<Category>,
}

impl RegexClassifier {
    fn new() -> RegexClassifier {
        let mut pats = Vec::new();
        let mut categories = Vec::new();
        let template = |p: &str| {
            let mut out = String::from("(?i)");
            for (n, piece) in p.split("%s").enumerate() {
                if n > 0 {
                    out.push_str(".*?");
                }
                out.push_str(&regex::escape(piece));
            }
            out
        };
        for e in maildiag_codes::provider_entries() {
            let re = match e.kind {
                MatchKind::Regex => format!("(?i){}", e.pattern),
                MatchKind::Template => template(e.pattern),
                _ => format!("(?i){}", regex::escape(e.pattern)),
            };
            pats.push(re);
            categories.push(e.category);
        }
        for p in maildiag_codes::phrases() {
            pats.push(format!("(?i){}", regex::escape(p.pattern)));
            categories.push(p.category);
        }
        let set = RegexSet::new(&pats).expect("patterns compile");
        RegexClassifier { set, categories }
    }

    fn classify(&self, text: &[u8]) -> Category {
        self.set
            .matches(text)
            .iter()
            .next()
            .map_or(Category::Other, |i| self.categories[i])
    }
}

fn classify(c: &mut Criterion) {
    let inputs = inputs();
    let classifier = Classifier::new();
    let regexes = RegexClassifier::new();
    // Check once that the benchmarks measure real work.
    let known = inputs
        .iter()
        .filter(|i| classifier.verdict(i).category != Category::Other)
        .count();
    assert!(known > 9_000, "too few classified inputs: {known}");
    let known_re = inputs
        .iter()
        .filter(|i| regexes.classify(i) != Category::Other)
        .count();
    assert!(
        known_re > 5_000,
        "regex baseline classified too few: {known_re}"
    );

    let mut g = c.benchmark_group("classify_10k");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.sample_size(20);
    g.bench_function("maildiag_verdict", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|i| classifier.verdict(black_box(i)).temporary())
                .count()
        })
    });
    g.bench_function("maildiag_full_diagnosis", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|i| classifier.classify(black_box(i)).temporary)
                .count()
        })
    });
    g.bench_function("regexset_same_patterns", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|i| regexes.classify(black_box(i)) != Category::Other)
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
