//! Emails per second of `maildiag_bounce::parse` over the crate's golden emails.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn emails() -> Vec<Vec<u8>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/bounce/tests/golden");
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
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
    g.bench_function("parse_golden_emails", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &mails {
                n += maildiag_bounce::parse(black_box(m)).map_or(0, |b| b.recipients.len());
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
