//! Golden extraction tests: real-world reply shapes with expected code, enhanced code,
//! text, command and host, each run with LF and with CRLF line ends.
//!
//! The expected values are facts, not recorded output: `catalogue-replies.tsv` takes
//! code, enhanced code and literal text from real providers' documented replies and wraps
//! them the way each MTA logs them; `special-replies.tsv` is written by hand. On a
//! mismatch the failures are written to `tests/data/golden.failed` for inspection.

use maildiag_reply::extract_best;

struct Case {
    file: &'static str,
    line: usize,
    shape: String,
    input: String,
    code: String,
    enhanced: String,
    text: String,
    command: String,
    host: String,
    ip: String,
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn load(file: &'static str, content: &'static str) -> Vec<Case> {
    content
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| {
            let f: Vec<String> = l.split('\t').map(unescape).collect();
            let get = |i: usize| f.get(i).cloned().unwrap_or_default();
            Case {
                file,
                line: n + 1,
                shape: get(0),
                input: get(1),
                code: get(2),
                enhanced: get(3),
                text: get(4),
                command: get(5),
                host: get(6),
                ip: get(7),
            }
        })
        .collect()
}

fn check(case: &Case, input: &str) -> Option<String> {
    let got = extract_best(input.as_bytes());
    let (code, enhanced, text, command, host, ip) = match &got {
        Some(e) => (
            e.code.map(|c| c.to_string()).unwrap_or_default(),
            e.enhanced.map(|c| c.to_string()).unwrap_or_default(),
            if e.code.is_some() {
                e.text_lossy().into_owned()
            } else {
                String::new()
            },
            e.command.map(|c| c.to_string()).unwrap_or_default(),
            e.host
                .as_ref()
                .and_then(|h| h.name.as_deref())
                .unwrap_or_default()
                .to_owned(),
            e.host
                .as_ref()
                .and_then(|h| h.ip)
                .map(|i| i.to_string())
                .unwrap_or_default(),
        ),
        None => Default::default(),
    };
    let mut diffs = Vec::new();
    let mut cmp = |what: &str, want: &str, got: &str| {
        if want != got {
            diffs.push(format!("  {what}: want {want:?}\n  {what}:  got {got:?}"));
        }
    };
    cmp("code", &case.code, &code);
    cmp("enhanced", &case.enhanced, &enhanced);
    cmp("text", &case.text, &text);
    if !case.code.is_empty() {
        cmp("command", &case.command, &command);
        cmp("host", &case.host, &host);
        cmp("ip", &case.ip, &ip);
    }
    (!diffs.is_empty()).then(|| {
        format!(
            "{}:{} [{}] {:?}\n{}",
            case.file,
            case.line,
            case.shape,
            input,
            diffs.join("\n")
        )
    })
}

#[test]
fn golden_extraction() {
    let mut cases = load(
        "catalogue-replies.tsv",
        include_str!("data/catalogue-replies.tsv"),
    );
    cases.extend(load(
        "special-replies.tsv",
        include_str!("data/special-replies.tsv"),
    ));
    assert!(
        cases.len() >= 150,
        "golden table too small: {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        for crlf in [false, true] {
            let input = if crlf {
                case.input.replace('\n', "\r\n")
            } else {
                case.input.clone()
            };
            ran += 1;
            if let Some(f) = check(case, &input) {
                failures.push(f);
            }
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden.failed");
    if failures.is_empty() {
        let _ = std::fs::remove_file(path);
    } else {
        let _ = std::fs::write(path, failures.join("\n\n"));
    }
    assert!(ran >= 300);
    assert!(
        failures.is_empty(),
        "{} of {ran} golden runs failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
