//! Counts the events of a log file: `cargo run --release -p maildiag-logs --example count -- FILE [--seq] [--format F] [--year Y] [--threads N] [--buffer BYTES] [--digest]`.
//!
//! Prints lines, bytes, events per outcome, unparsed and oversized lines, and the rate.
//! `--digest` also prints a hash of every event's `Debug` form in input order, to check
//! that a change to the readers leaves every event as it was (sequential reading only).

use std::hash::{Hash, Hasher};
use std::process::ExitCode;
use std::time::Instant;

use maildiag_logs::{Format, LogReader, Outcome, ReaderOptions, Reference};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| {
        !a.starts_with("--")
            && !a.chars().all(|c| c.is_ascii_digit())
            && a.parse::<Format>().is_err()
    }) else {
        eprintln!(
            "usage: count FILE [--seq] [--format F] [--year Y] [--threads N] [--buffer BYTES]"
        );
        return ExitCode::from(2);
    };
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let mut opts = ReaderOptions::default();
    if let Some(f) = value("--format") {
        match f.parse::<Format>() {
            Ok(f) => opts = opts.format(Some(f)),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(y) = value("--year").and_then(|y| y.parse().ok()) {
        opts = opts.reference(Reference::year(y));
    }
    if let Some(t) = value("--threads").and_then(|y| y.parse().ok()) {
        opts = opts.threads(t);
    }
    if let Some(b) = value("--buffer").and_then(|y| y.parse().ok()) {
        opts = opts.buffer_size(b);
    }
    let start = Instant::now();
    let digest = args.iter().any(|a| a == "--digest");
    let mut hasher = std::hash::DefaultHasher::new();
    let result = LogReader::open(path, opts).and_then(|r| {
        if digest {
            r.for_each_event(|e| format!("{e:?}").hash(&mut hasher))
        } else if args.iter().any(|a| a == "--seq") {
            r.for_each_event(|_| {})
        } else {
            r.par_for_each_event(|_| {})
        }
    });
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("count: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "lines {} bytes {} candidates {}",
        stats.lines, stats.bytes, stats.candidates
    );
    for o in Outcome::ALL {
        println!("{o} {}", stats.count(o));
    }
    println!("unparsed {} oversized {}", stats.unparsed, stats.oversized);
    if digest {
        println!("digest {:016x}", hasher.finish());
    }
    println!("{:.3} s, {:.2} GB/s", secs, stats.bytes as f64 / secs / 1e9);
    ExitCode::SUCCESS
}
