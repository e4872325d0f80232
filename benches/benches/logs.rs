//! maildiag-logs throughput per format: read + split + prefilter + parse over an
//! in-memory synthetic log (generated in-process by `maildiag_logs::synth`, so no files
//! are needed). Each run checks its counts against the generator's truth, so the
//! benchmark cannot silently measure nothing.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maildiag_logs::synth::{GenOptions, generate_vec};
use maildiag_logs::{Format, LogReader, ReaderOptions};

fn bench_formats(c: &mut Criterion) {
    let mut group = c.benchmark_group("logs");
    for format in [
        Format::Postfix,
        Format::Exim,
        Format::Sendmail,
        Format::Pmta,
        Format::Kumo,
    ] {
        let (log, truth) = generate_vec(&GenOptions::new(format, 32 << 20, 1));
        let opts = ReaderOptions::default().reference(truth.reference);
        group.throughput(Throughput::Bytes(log.len() as u64));
        group.bench_function(format!("{format}/sequential"), |b| {
            b.iter(|| {
                let mut n = 0u64;
                let s = LogReader::new(black_box(&log[..]), opts.clone())
                    .for_each_event(|e| n += u64::from(e.reply.is_some()))
                    .expect("in-memory read");
                assert_eq!(s.events, truth.outcomes);
                n
            })
        });
        group.bench_function(format!("{format}/parallel"), |b| {
            b.iter(|| {
                let s = LogReader::new(black_box(&log[..]), opts.clone())
                    .par_for_each_event(|e| {
                        black_box(e);
                    })
                    .expect("in-memory read");
                assert_eq!(s.events, truth.outcomes);
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_formats
}
criterion_main!(benches);
