//! Emails per second of `maildiag_bounce::parse` over the crate's golden emails, and,
//! when `MAILDIAG_BOUNCE_DIR` names a directory, over every `.eml` file below it (for
//! example the real bounces of `../shared/corpus/emails`, which are not in the project).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The `.eml` files below `dir` (recursively), sorted by content.
fn emails_in(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in rd.filter_map(Result::ok).map(|e| e.path()) {
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "eml")
                && let Ok(b) = std::fs::read(&p)
            {
                v.push(b);
            }
        }
    }
    v.sort();
    v
}

fn emails() -> Vec<Vec<u8>> {
    emails_in(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/bounce/tests/golden"),
    )
}

/// Parses every email once; the number of recipients found.
fn parse_all(mails: &[Vec<u8>]) -> usize {
    let mut n = 0;
    for m in mails {
        n += maildiag_bounce::parse(black_box(m)).map_or(0, |b| b.recipients.len());
    }
    n
}

fn bench(c: &mut Criterion) {
    let mails = emails();
    assert!(mails.len() >= 30, "golden emails not found");
    // The benchmark must measure real work: every email reads without error.
    assert!(
        mails
            .iter()
            .all(|m| maildiag_bounce::parse(m).is_ok_and(|b| !b.recipients.is_empty()))
    );
    let mut g = c.benchmark_group("bounce");
    g.throughput(Throughput::Elements(mails.len() as u64));
    g.bench_function("parse_golden_emails", |b| b.iter(|| parse_all(&mails)));
    if let Some(dir) = std::env::var_os("MAILDIAG_BOUNCE_DIR") {
        // Cargo runs benches in this package's directory; a relative path is meant from
        // the workspace root, where the command is typed.
        let dir = std::path::Path::new(&dir);
        let dir = if dir.is_relative() {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(dir)
        } else {
            dir.to_path_buf()
        };
        let real = emails_in(&dir);
        assert!(!real.is_empty(), "no .eml files below MAILDIAG_BOUNCE_DIR");
        g.throughput(Throughput::Elements(real.len() as u64));
        g.bench_function("parse_emails_of_MAILDIAG_BOUNCE_DIR", |b| {
            b.iter(|| parse_all(&real))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
