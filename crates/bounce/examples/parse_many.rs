//! Parses every `.eml` file of a directory N times (for profiling): `parse_many DIR [N]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "crates/bounce/tests/golden".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let mails: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    let start = std::time::Instant::now();
    let mut recipients = 0;
    for _ in 0..n {
        for m in &mails {
            recipients += maildiag_bounce::parse(m).map_or(0, |b| b.recipients.len());
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = n * mails.len();
    println!(
        "{total} emails in {secs:.3} s: {:.0}/s ({recipients} recipients)",
        total as f64 / secs
    );
}
