//! Classifies every line of a file N times (for profiling): `classify_many FILE [N]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "examples/replies.txt".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let data = std::fs::read(&path).unwrap_or_default();
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let c = maildiag::Classifier::new();
    let start = std::time::Instant::now();
    let mut temporary = 0usize;
    for _ in 0..n {
        for l in &lines {
            temporary += usize::from(c.verdict(l).temporary());
        }
    }
    let total = n * lines.len();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{total} verdicts in {secs:.3} s: {:.0}/s ({temporary} temporary)",
        total as f64 / secs
    );
}
