//! Streaming properties: arbitrary bytes never panic, parallel equals sequential for any
//! buffer size, and the awkward inputs (empty, 10 MB line, truncated last line, gzip).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use maildiag_logs::synth::{GenOptions, generate_vec};
use maildiag_logs::{Format, LogReader, Outcome, ReaderOptions, Reference};
use proptest::prelude::*;

fn opts() -> ReaderOptions {
    ReaderOptions::default().reference(Reference::year(2024))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        maildiag_logs::fuzz::line(&data);
    }

    #[test]
    fn lines_from_real_shapes_never_panic(lines in proptest::collection::vec(
        prop_oneof![
            Just(b"Nov 22 10:00:01 mx postfix/smtp[1]: ABC: to=<a@b>, relay=x[1.2.3.4]:25, delay=1, dsn=4.7.1, status=deferred (host x said: 450 4.7.1 no (in reply to RCPT TO command))".to_vec()),
            Just(b"2024-11-22 10:00:01 1tEXhm-000Abc-2x ** u@d R=r T=t H=h [1.2.3.4]: SMTP error from remote mail server after RCPT TO:<u@d>: 550 5.1.1 x".to_vec()),
            Just(b"d,2024-11-22 10:00:01-0500,,a@b,c@d,,relayed,2.0.0,smtp;250 ok,mx (1.2.3.4)".to_vec()),
            Just(br#"{"type":"Bounce","recipient":"a@b","response":{"code":550,"content":"x"}}"#.to_vec()),
            Just(br#"Nov 22 10:00:04 mx smtpd[7]: 5c1d mta delivery evpid=9f0b0d0b2c8d9b5f from=<a@b> to=<c@d> rcpt=<-> source="1.2.3.4" relay="1.2.3.5 (mx)" delay=5m result="TempFail" stat="450 4.7.1 x""#.to_vec()),
            proptest::collection::vec(any::<u8>(), 0..200),
        ], 0..40),
        cut in 0usize..200)
    {
        let mut data = Vec::new();
        for l in &lines {
            let l = &l[..l.len().saturating_sub(cut % 7)];
            data.extend_from_slice(l);
            data.push(b'\n');
        }
        maildiag_logs::fuzz::line(&data);
    }
}

/// Chunk-boundary independence on a realistic log: parallel reads with several thread
/// counts and buffer sizes give exactly the sequential events and counters.
#[test]
fn parallel_equals_sequential() {
    for format in [
        Format::Postfix,
        Format::Exim,
        Format::Sendmail,
        Format::Pmta,
        Format::Kumo,
    ] {
        let mut g = GenOptions::new(format, 3 << 20, 5);
        g.long_line_every = 700_000;
        let (log, truth) = generate_vec(&g);
        let base = opts().max_line(64 * 1024).join_horizon(200_000);
        let mut seq = Vec::new();
        let stats = LogReader::new(&log[..], base.clone())
            .for_each_event(|e| seq.push(e.clone().into_owned()))
            .unwrap();
        assert_eq!(stats.events, truth.outcomes, "{format}");
        assert_eq!(stats.oversized, truth.oversized_lines, "{format}");
        for (threads, buf) in [(2, 1 << 20), (3, 1 << 20), (4, 2 << 20)] {
            let (pstats, par) =
                LogReader::new(&log[..], base.clone().threads(threads).buffer_size(buf))
                    .par_collect()
                    .unwrap();
            assert_eq!(pstats, stats, "{format} {threads} {buf}");
            assert!(par == seq, "{format} {threads} {buf}: events differ");
        }
        let owned: Vec<_> = LogReader::new(&log[..], base)
            .events()
            .map(Result::unwrap)
            .collect();
        assert!(owned == seq, "{format}: iterator differs");
    }
}

#[test]
fn empty_input() {
    let s = LogReader::new(&b""[..], opts())
        .for_each_event(|_| panic!("no events"))
        .unwrap();
    assert_eq!((s.lines, s.bytes, s.total_events()), (0, 0, 0));
}

#[test]
fn ten_megabyte_line_is_skipped_in_bounded_memory() {
    let mut data = b"Nov 22 10:00:01 mx postfix/smtp[1]: A1: to=<a@b.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to x[192.0.2.1]:25: Connection timed out)\n".to_vec();
    data.extend_from_slice(b"Nov 22 10:00:02 mx postfix/smtp[1]: A2: to=<");
    data.extend(std::iter::repeat_n(b'x', 10 << 20));
    data.extend_from_slice(b">, status=sent (250 ok)\n");
    let first = data[..data.iter().position(|&c| c == b'\n').unwrap() + 1].to_vec();
    data.extend_from_slice(&first);
    let s = LogReader::new(&data[..], opts())
        .for_each_event(|_| {})
        .unwrap();
    assert_eq!(
        (s.lines, s.oversized, s.count(Outcome::Deferred)),
        (3, 1, 2)
    );
    assert_eq!(s.bytes, data.len() as u64);
    let (p, _) = LogReader::new(&data[..], opts().threads(2))
        .par_collect()
        .unwrap();
    assert_eq!(p, s);
}

#[test]
fn truncated_last_line_and_crlf() {
    let data = b"Nov 22 10:00:01 mx postfix/smtp[1]: A1: to=<a@b.example>, relay=none, delay=1, dsn=5.1.1, status=bounced (host x[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))\r\nNov 22 10:00:01 mx postfix/smtp[1]: A2: to=<c@d.example>, relay=none, delay=1, dsn=4.2.2, status=deferred (host x[192.0.2.1] said: 452 4.2.2 full";
    let mut evs = Vec::new();
    let s = LogReader::new(&data[..], opts())
        .for_each_event(|e| evs.push(e.clone().into_owned()))
        .unwrap();
    assert_eq!(s.lines, 2);
    assert_eq!(evs[0].reply.as_ref().unwrap().text_lossy(), "no such user");
    assert_eq!(evs[1].outcome, Outcome::Deferred);
    assert_eq!(evs[1].reply.as_ref().unwrap().text_lossy(), "full");
}

#[test]
fn gzip_input_is_detected() {
    let (log, truth) = generate_vec(&GenOptions::new(Format::Postfix, 500_000, 9));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&log).unwrap();
    let gz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.log.gz");
    std::fs::write(&path, &gz).unwrap();
    let s = LogReader::open(&path, opts())
        .unwrap()
        .for_each_event(|_| {})
        .unwrap();
    assert_eq!(s.bytes, truth.bytes);
    assert_eq!(s.events, truth.outcomes);
    let bad = [0x1f, 0x8b, 1, 2, 3];
    assert!(
        LogReader::new(&bad[..], opts())
            .for_each_event(|_| {})
            .is_err()
    );
}

/// A panic in the fold reaches the caller (the other workers stop instead of waiting for
/// the block that will never be merged).
#[test]
#[should_panic(expected = "fold failed")]
fn parallel_fold_panic_propagates() {
    let mut g = GenOptions::new(Format::Postfix, 4 << 20, 3);
    g.long_line_every = 0;
    let (log, _) = generate_vec(&g);
    let o = opts().threads(2).buffer_size(1 << 20);
    let _ = LogReader::new(&log[..], o).par_fold(
        || 0u64,
        |n, _| {
            *n += 1;
            assert!(*n < 100, "fold failed");
        },
        |a, b| *a += b,
    );
}

/// The same on the golden logs repeated into a few megabytes (formats `gen-logs` does not
/// write, such as OpenSMTPD's, qmail's and ZoneMTA's, whose joins must survive the chunk borders, and
/// every awkward line shape), with the format detected.
#[test]
fn parallel_equals_sequential_on_repeated_golden_logs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for name in [
        "opensmtpd",
        "qmail",
        "zonemta",
        "postfix",
        "exim",
        "sendmail",
        "generic",
    ] {
        let one = std::fs::read(dir.join(format!("{name}.log"))).unwrap();
        let log = one.repeat((2 << 20) / one.len() + 1);
        let base = opts().max_line(64 * 1024).join_horizon(50_000);
        let mut seq = Vec::new();
        let stats = LogReader::new(&log[..], base.clone())
            .for_each_event(|e| seq.push(e.clone().into_owned()))
            .unwrap();
        assert!(stats.events.iter().sum::<u64>() > 1000, "{name}");
        for (threads, buf) in [(2, 64 << 10), (3, 100_000)] {
            let (pstats, par) =
                LogReader::new(&log[..], base.clone().threads(threads).buffer_size(buf))
                    .par_collect()
                    .unwrap();
            assert_eq!(pstats, stats, "{name} {threads} {buf}");
            assert!(par == seq, "{name} {threads} {buf}: events differ");
        }
    }
}
