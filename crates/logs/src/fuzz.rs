//! Fuzz harnesses: the bodies of the `fuzz/` targets, kept here so that crashes replay as
//! ordinary tests on stable Rust.

use crate::{Format, LogReader, ReaderOptions, Reference, parse_line};

/// One line in every format, then the whole input as a stream (sequential and parallel,
/// with small buffers): no panic, spans inside the input, equal results.
pub fn line(data: &[u8]) {
    let r = Reference::year(2024);
    for f in Format::ALL.iter().copied().map(Some).chain([None]) {
        if let Some(ev) = parse_line(data, f, r) {
            assert!(ev.span.end as usize <= data.len());
            if let Some(rep) = &ev.reply {
                assert!(rep.span.start <= rep.span.end);
            }
            let _ = ev.into_owned();
        }
    }
    // A known MTA line is the same event with or without the generic fallback; a line
    // only the generic reader takes is no MTA line.
    let auto = parse_line(data, None, r);
    match crate::parse_mta_line(data, r) {
        Some(ev) => {
            let auto = auto.expect("an MTA line parses with detection too");
            assert_eq!((ev.format, ev.outcome), (auto.format, auto.outcome));
            assert_ne!(ev.format, Format::Generic);
        }
        None => assert!(auto.is_none_or(|a| a.format == Format::Generic)),
    }
    let opts = ReaderOptions::default()
        .reference(r)
        .max_line(200)
        .buffer_size(1 << 20)
        .join_horizon(300);
    let mut seq = Vec::new();
    let stats =
        LogReader::new(data, opts.clone()).for_each_event(|ev| seq.push(ev.clone().into_owned()));
    let Ok(stats) = stats else { return };
    assert_eq!(stats.bytes, data.len() as u64);
    for ev in &seq {
        assert!(ev.span.start <= ev.span.end && ev.span.end <= data.len() as u64);
    }
    if let Ok((pstats, par)) = LogReader::new(data, opts.threads(2)).par_collect() {
        assert_eq!(pstats, stats);
        assert_eq!(par, seq);
    }
}
