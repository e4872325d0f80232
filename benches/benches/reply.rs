//! Throughput of the reply parser and the extractor over realistic input.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maildiag_bench::{lines, postfix_sample};
use std::hint::black_box;

fn extractor(c: &mut Criterion) {
    let log = postfix_sample(8 << 20, 1);
    // Check once that the benchmark measures real work: replies must be found.
    let found: usize = lines(&log).map(|l| maildiag_reply::extract(l).len()).sum();
    assert!(found > 10_000, "sample holds too few replies: {found}");

    let mut g = c.benchmark_group("extractor");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.sample_size(10);
    g.bench_function("postfix_8MiB_per_line", |b| {
        b.iter(|| {
            lines(black_box(&log))
                .map(|l| maildiag_reply::extract(l).len())
                .sum::<usize>()
        })
    });
    g.bench_function("postfix_8MiB_best_per_line", |b| {
        b.iter(|| {
            lines(black_box(&log))
                .filter_map(maildiag_reply::extract_best)
                .count()
        })
    });
    g.finish();
}

fn complete_replies(c: &mut Criterion) {
    let mut wire = Vec::new();
    for (code, enh, text) in maildiag_bench::REPLIES {
        wire.extend_from_slice(
            format!("{code}-{enh} {text}\r\n{code} {enh} second line\r\n").as_bytes(),
        );
    }
    let wire = wire.repeat(1000);
    let mut g = c.benchmark_group("reply_parser");
    g.throughput(Throughput::Bytes(wire.len() as u64));
    g.bench_function("multiline_replies", |b| {
        b.iter(|| {
            let mut rest: &[u8] = black_box(&wire);
            let mut n = 0;
            while let Ok((_, r)) = maildiag_reply::parse_reply(rest) {
                rest = r;
                n += 1;
            }
            assert_eq!(n, maildiag_bench::REPLIES.len() * 1000);
            n
        })
    });
    g.finish();
}

criterion_group!(benches, extractor, complete_replies);
criterion_main!(benches);
