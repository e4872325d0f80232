//! `maildiag scan` end to end: counts against the generator's ground truth, the bundled
//! sample's golden summary, streaming vs parallel, awkward input, exit codes, HTML.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use maildiag::Classifier;
use maildiag_logs::synth::replies::{INCOMING, PERMANENT, Sample, TRANSIENT};
use maildiag_logs::synth::{GenOptions, Truth, generate_vec};
use maildiag_logs::{Format, Reference, parse_line};
use serde_json::Value;

mod common;

fn maildiag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run maildiag")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generates a Postfix log into `dir` and returns its path and truth.
fn generated(dir: &Path, format: Format, size: u64, seed: u64) -> (PathBuf, Truth) {
    let mut opts = GenOptions::new(format, size, seed);
    opts.long_line_every = size / 3;
    let (log, truth) = generate_vec(&opts);
    let path = dir.join(format!("{format}-{seed}.log"));
    std::fs::write(&path, log).expect("write log");
    (path, truth)
}

/// Runs `scan --summary-json` and returns the document.
fn summary(extra: &[&str], files: &[&Path]) -> (Output, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("summary.json");
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--summary-json".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = maildiag(&args);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::Null);
    (o, v)
}

/// The truth's `outcomes` and `categories` in the summary's shape.
fn expected_from_truth(t: &Value) -> (Value, Value) {
    (t["outcomes"].clone(), t["categories"].clone())
}

fn totals_subset(s: &Value) -> Value {
    let t = &s["totals"];
    serde_json::json!({
        "delivered": t["delivered"], "deferred": t["deferred"], "bounced": t["bounced"],
        "expired": t["expired"], "rejected_incoming": t["rejected_incoming"],
        "connection_failures": t["connection_failures"],
    })
}

/// Every reply text the generator writes, run through the classifier on a Postfix line of
/// the outcome the generator gives it: the category must be the intended one. On mismatch
/// the texts are listed (the classifier or the generator has to change, not this test).
#[test]
fn generator_samples_classify_as_intended() {
    let c = Classifier::new();
    let mut bad = Vec::new();
    let mut check = |line: String, want: maildiag::Category, text: &str| {
        let Some(ev) = parse_line(
            line.as_bytes(),
            Some(Format::Postfix),
            Reference::year(2024),
        ) else {
            bad.push(format!("no event: {line}"));
            return;
        };
        let got = c.verdict_event(&ev).category;
        if got != want {
            bad.push(format!("{:?}: want {want}, got {got}: {text}", ev.outcome));
        }
    };
    let fill = |s: &Sample| {
        s.text
            .replace("{r}", "u@example.com")
            .replace("{d}", "example.com")
            .replace("{ip}", "198.51.100.25")
    };
    for (samples, status) in [(TRANSIENT, "deferred"), (PERMANENT, "bounced")] {
        for s in samples {
            let text = fill(s);
            let line = format!(
                "Feb 10 06:00:01 mail postfix/smtp[1234]: 4BC2: to=<u@example.com>, relay=mx1.example.com[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn={}, status={status} (host mx1.example.com[192.0.2.1] said: {} {} {text} (in reply to RCPT TO command))",
                if s.enhanced.is_empty() {
                    "5.0.0"
                } else {
                    s.enhanced
                },
                s.code,
                s.enhanced
            );
            check(line, s.category, &text);
        }
    }
    for s in INCOMING {
        let text = s
            .text
            .replace("{r}", "u@example.org")
            .replace("{d}", "example.org")
            .replace("{ip}", "203.0.113.9");
        let line = format!(
            "Feb 10 06:00:01 mail postfix/smtpd[1234]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: {} {} {text}; from=<a@example.net> to=<u@example.org> proto=ESMTP helo=<[203.0.113.9]>",
            s.code, s.enhanced
        );
        check(line, s.category, &text);
    }
    // The generator's connection problems (`postfix_connection`): the standalone line
    // (a connection failure) and the recipient's status line.
    let mx = "mx1.example.com[192.0.2.1]";
    let conn = [
        (Some(format!("connect to {mx}:25: Connection timed out")), "4.4.1", "deferred", format!("connect to {mx}:25: Connection timed out"), maildiag::Category::Timeout, maildiag::Category::Timeout),
        (Some(format!("connect to {mx}:25: Connection refused")), "4.4.1", "deferred", format!("connect to {mx}:25: Connection refused"), maildiag::Category::NetworkError, maildiag::Category::NetworkError),
        (None, "4.4.3", "deferred", "Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again".to_owned(), maildiag::Category::DnsFailure, maildiag::Category::DnsFailure),
        (None, "5.4.4", "bounced", "Host or domain name not found. Name service error for name=example.com type=A: Host not found".to_owned(), maildiag::Category::DomainNotFound, maildiag::Category::DomainNotFound),
        (None, "4.4.2", "deferred", format!("lost connection with {mx} while receiving the initial server greeting"), maildiag::Category::NetworkError, maildiag::Category::NetworkError),
        (None, "4.4.2", "deferred", format!("conversation with {mx} timed out while sending end of data -- message may be sent more than once"), maildiag::Category::Timeout, maildiag::Category::Timeout),
        (Some(format!("SSL_connect error to {mx}:25: -1")), "4.7.5", "deferred", format!("TLS is required, but was not offered by host {mx}"), maildiag::Category::TlsRequired, maildiag::Category::TlsRequired),
    ];
    for (standalone, dsn, status, text, cat, standalone_cat) in conn {
        if let Some(s) = standalone {
            check(
                format!("Feb 10 06:00:01 mail postfix/smtp[1234]: {s}"),
                standalone_cat,
                &s,
            );
        }
        let line = format!(
            "Feb 10 06:00:01 mail postfix/smtp[1234]: 4BC2: to=<u@example.com>, relay=mx1.example.com[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn={dsn}, status={status} ({text})"
        );
        check(line, cat, &text);
    }
    // Expired messages.
    check("Feb 10 06:00:01 mail postfix/qmgr[1234]: 4BC2: from=<a@example.org>, status=expired, returned to sender".into(), maildiag::Category::Expired, "status=expired");
    assert!(
        bad.is_empty(),
        "{} generator texts classified differently:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Scans a generated log of `format` and `seed`; returns the summary and the truth.
fn scan_generated(format: Format, size: u64, seed: u64, extra: &[&str]) -> (Output, Value, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, truth) = generated(dir.path(), format, size, seed);
    let year = truth.reference.year.to_string();
    let mut args = vec!["--year", year.as_str()];
    args.extend_from_slice(extra);
    let (o, s) = summary(&args, &[&path]);
    (o, s, truth.to_json())
}

const FORMATS: [(Format, u64); 5] = [
    (Format::Postfix, 1),
    (Format::Postfix, 2),
    (Format::Postfix, 3),
    (Format::Exim, 4),
    (Format::Sendmail, 5),
];
const MORE_FORMATS: [(Format, u64); 2] = [(Format::Pmta, 6), (Format::Kumo, 7)];

#[test]
fn outcomes_equal_the_generators_truth() {
    for (format, seed) in FORMATS.into_iter().chain(MORE_FORMATS) {
        let (o, s, t) = scan_generated(format, 200_000, seed, &[]);
        assert!(
            o.status.success(),
            "{format} {seed}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let (outcomes, _) = expected_from_truth(&t);
        assert_eq!(totals_subset(&s), outcomes, "{format} seed {seed}");
        assert_eq!(s["totals"]["unparsed_lines"], 0, "{format} seed {seed}");
        assert_eq!(
            s["totals"]["oversized_lines"], t["oversized_lines"],
            "{format} seed {seed}"
        );
        assert_eq!(s["totals"]["lines"], t["lines"], "{format} seed {seed}");
        if format == Format::Postfix {
            assert_eq!(
                s["totals"]["deferred"], t["status_deferred_lines"],
                "seed {seed}"
            );
        }
        // Every event is counted under exactly one domain bucket.
        let mut by_domain = 0;
        for d in s["domains"].as_object().expect("domains").values() {
            by_domain += d["events"].as_u64().unwrap_or(0);
        }
        by_domain += s["other_domains"]["events"].as_u64().unwrap_or(0)
            + s["no_domain"]["events"].as_u64().unwrap_or(0);
        assert_eq!(
            Some(by_domain),
            t["events"].as_u64(),
            "{format} seed {seed}"
        );
    }
}

/// Per-category counts must equal the generator's intended categories exactly (see
/// `generator_samples_classify_as_intended` for the texts behind any difference).
#[test]
fn categories_equal_the_generators_truth() {
    let mut diffs = Vec::new();
    for (format, seed) in FORMATS {
        let (o, s, t) = scan_generated(format, 200_000, seed, &[]);
        assert!(o.status.success());
        let (_, cats) = expected_from_truth(&t);
        if s["categories"] != cats {
            diffs.push(format!(
                "{format} seed {seed}: scan {} truth {}",
                s["categories"], cats
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

fn sample(name: &str) -> PathBuf {
    workspace_root().join("examples").join(name)
}

/// The bundled sample against a committed expectation that equals the generator's truth.
#[test]
fn bundled_sample_golden_summary() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(sample("postfix-sample.expected.json")).expect("expected json"),
    )
    .expect("parse expected");
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(sample("postfix-sample.truth.json")).expect("truth json"),
    )
    .expect("parse truth");
    // The expectation is the truth, not recorded output.
    let (outcomes, cats) = expected_from_truth(&truth);
    let mut want_totals = outcomes.clone();
    want_totals["unparsed_lines"] = 0.into();
    assert_eq!(expected["totals"], want_totals);
    assert_eq!(expected["categories"], cats);

    let (o, s) = summary(&["--year", "2024"], &[&sample("postfix-sample.log")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut got = totals_subset(&s);
    got["unparsed_lines"] = s["totals"]["unparsed_lines"].clone();
    assert_eq!(got, expected["totals"]);
    if s["categories"] != expected["categories"] {
        let fail = std::env::var_os("SCAN_GOLDEN_STRICT").is_none_or(|v| v != "0");
        let path = sample("postfix-sample.expected.json.failed");
        let _ = std::fs::write(
            &path,
            serde_json::to_string_pretty(&s["categories"]).unwrap_or_default(),
        );
        assert!(
            !fail,
            "categories differ from the truth; scan's written to {}",
            path.display()
        );
    }

    // The human summary shows every section on the sample.
    let o = maildiag(&[
        "scan",
        "--year",
        "2024",
        sample("postfix-sample.log").to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success());
    let text = stdout(&o);
    for want in [
        "Totals",
        "deferred 1",
        "Sender-side problems",
        "Top categories",
        "Top destination domains",
        "Providers",
        "Top enhanced status codes",
        "Queue ids stuck longest",
        "Timeline",
    ] {
        assert!(text.contains(want), "summary lacks {want:?}:\n{text}");
    }
    assert!(
        !text.contains('\x1b'),
        "no colour when NO_COLOR is set and stdout is a pipe"
    );
    let sender = text.find("Sender-side problems").unwrap_or(usize::MAX);
    assert!(
        sender < text.find("Top categories").unwrap_or(0),
        "sender-side problems come first"
    );
    // Each destination-domain row adds up: events = delivered + deferred + bounced +
    // other (expired, rejected incoming, connection failures); the sample's own domain
    // has only incoming rejections.
    let table = text
        .split("Top destination domains")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .expect("domain table");
    let mut rows = 0;
    let mut with_other = 0;
    for line in table.lines().skip(2) {
        let nums: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .take(5)
            .filter_map(|w| w.replace(',', "").parse().ok())
            .collect();
        if nums.len() == 5 {
            rows += 1;
            with_other += usize::from(nums[4] > 0);
            assert_eq!(nums[0], nums[1..].iter().sum::<u64>(), "row {line:?}");
        }
    }
    assert!(rows >= 5 && with_other >= 1, "{table}");
    // Every category row shows an example, also `expired`, whose qmgr lines carry no reply.
    let cats = text
        .split("Top categories")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .expect("category table");
    assert!(cats.contains("\n  expired "), "{cats}");
    for line in cats.lines().skip(2) {
        assert!(line.split_whitespace().count() > 3, "no example: {line:?}");
    }
}

/// Sequential (`--threads 1`) and parallel reading give the same summary and events.
#[test]
fn streaming_equals_parallel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, truth) = generated(dir.path(), Format::Postfix, 700_000, 11);
    let year = truth.reference.year.to_string();
    let strip = |mut v: Value| {
        if let Value::Object(m) = &mut v {
            m.remove("seconds");
        }
        v
    };
    let (_, seq) = summary(&["--year", &year, "--threads", "1"], &[&path]);
    for threads in ["2", "3", "0"] {
        let (_, par) = summary(&["--year", &year, "--threads", threads], &[&path]);
        assert_eq!(strip(par), strip(seq.clone()), "threads {threads}");
    }
    let p = path.to_str().expect("utf-8");
    let a = maildiag(&["scan", "--json", "--year", &year, "--threads", "1", p]);
    let b = maildiag(&["scan", "--json", "--year", &year, "--threads", "2", p]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(
        a.stdout.iter().filter(|&&c| c == b'\n').count() as u64,
        truth.events
    );
}

/// `--json`: one object per event with the diagnosis and event fields.
#[test]
fn json_lines_per_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, truth) = generated(dir.path(), Format::Postfix, 200_000, 12);
    let o = maildiag(&[
        "scan",
        "--json",
        "--year",
        "2024",
        path.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    let mut deferred = 0;
    let mut n = 0;
    for line in stdout(&o).lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object per line");
        for k in [
            "basic",
            "enhanced",
            "severity",
            "temporary",
            "hard_bounce",
            "category",
            "detail",
            "sisimai_reason",
            "bounce_class",
            "provider",
            "party",
            "retry",
            "remedies",
            "dns_checks",
            "evidence",
            "timestamp",
            "queue_id",
            "sender",
            "recipient",
            "recipient_domain",
            "relay",
            "outcome",
            "span",
        ] {
            assert!(v.get(k).is_some(), "missing {k} in {line}");
        }
        deferred += u64::from(v["outcome"] == "deferred");
        n += 1;
    }
    assert_eq!(n, truth.events);
    assert_eq!(deferred, truth.status_deferred_lines);
}

/// `scan --json` whose reader stops early (`| head -1`) stops reading its input there,
/// quietly, when no summary file needs the rest: the log written to its standard input is
/// cut off long before its end. With `--summary-json FILE` the whole input is read and the
/// summary written.
#[test]
fn json_stream_to_a_closed_pipe_stops_the_scan() {
    // 24 copies of the bundled sample (about 15 MB), several times the reader's 4 MiB
    // buffer; 4 where the whole input is read.
    let log = std::fs::read(sample("postfix-sample.log")).expect("sample");
    let dir = tempfile::tempdir().expect("tempdir");
    let summary_path = dir.path().join("summary.json");
    for (with_summary, threads) in [(false, "1"), (false, "2"), (true, "2")] {
        let copies = if with_summary { 4 } else { 24 };
        let mut args = vec!["scan", "--json", "--threads", threads, "--year", "2026"];
        if with_summary {
            args.extend(["--summary-json", summary_path.to_str().expect("utf-8")]);
        }
        args.push("-");
        let run = common::first_line_then_close(&args, &log, copies);
        assert!(run.first.starts_with('{'), "{}", run.first);
        assert!(run.out.status.success(), "{:?}", run.out.status);
        assert_eq!(String::from_utf8_lossy(&run.out.stderr), "");
        if with_summary {
            assert_eq!(run.written, copies, "the summary needs the whole input");
            let doc: Value =
                serde_json::from_slice(&std::fs::read(&summary_path).expect("summary"))
                    .expect("summary JSON");
            assert!(doc["totals"]["delivered"].as_u64().unwrap_or(0) > 0);
        } else {
            assert!(run.written < copies, "the input was read to its end");
        }
    }
}

/// A write error on the event stream other than a closed pipe (a full disk, here Linux's
/// `/dev/full`) is reported and makes the run fail with status 1.
#[test]
fn json_stream_write_error_fails_the_run() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full on this system");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .args(["scan", "--json", "--year", "2026"])
        .arg(sample("postfix-sample.log"))
        .stdout(full)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("writing events"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn malformed_and_non_utf8_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.log");
    let mut data = Vec::new();
    data.extend_from_slice(b"\x00\x01\x02 binary junk\n");
    data.extend_from_slice(b"Feb 10 06:00:01 mail postfix/smtp[1]: 4BC2: to=<u@\xff\xfeexample.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, dsn=4.2.2, status=deferred (host mx.example.com[192.0.2.1] said: 452 4.2.2 Mailbox full \xe4\xf6\xfc (in reply to RCPT TO command))\n");
    data.extend_from_slice(b"Feb 10 06:00:02 mail postfix/smtp[1]: 4BC3: to=<, status=\n");
    data.extend_from_slice(b"status=deferred status=bounced status=sent\r\n");
    data.extend_from_slice(b"Feb 10 06:00:03 mail postfix/smtp[1]: 4BC4: to=<v@example.net>, relay=none, delay=1, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 no such user (in reply to RCPT TO command))\r\n");
    data.extend_from_slice(b"\xff\xff\xff\xff\n\n\n");
    std::fs::write(&path, &data).expect("write");
    let (o, s) = summary(&["--year", "2024"], &[&path]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(s["totals"]["deferred"], 1);
    assert_eq!(s["totals"]["bounced"], 1);
    assert_eq!(s["totals"]["lines"], 8);
    assert!(s["totals"]["unparsed_lines"].as_u64().is_some());
    let o = maildiag(&["scan", "--json", path.to_str().expect("utf-8")]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 2);
}

#[test]
fn a_ten_megabyte_line_is_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.log");
    let mut data = b"Feb 10 06:00:00 mail postfix/cleanup[2]: warning: header Subject: ".to_vec();
    data.extend(std::iter::repeat_n(b'A', 10 << 20));
    data.extend_from_slice(b" status=deferred\n");
    data.extend_from_slice(b"Feb 10 06:00:03 mail postfix/smtp[1]: 4BC4: to=<v@example.net>, relay=mx.example.net[192.0.2.7]:25, delay=1, dsn=4.2.2, status=deferred (host mx.example.net[192.0.2.7] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))\n");
    std::fs::write(&path, &data).expect("write");
    let (o, s) = summary(&["--year", "2024"], &[&path]);
    assert!(o.status.success());
    assert_eq!(s["totals"]["oversized_lines"], 1);
    assert_eq!(s["totals"]["deferred"], 1);
    assert_eq!(s["totals"]["lines"], 2);
}

#[test]
fn an_empty_file_gives_an_empty_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.log");
    std::fs::write(&path, b"").expect("write");
    let (o, s) = summary(&[], &[&path]);
    assert!(o.status.success());
    assert_eq!(s["totals"]["delivered"], 0);
    assert_eq!(s["totals"]["lines"], 0);
    let o = maildiag(&["scan", path.to_str().expect("utf-8")]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("No delivery events found"));
}

/// A missing file and a directory among readable files: exit 1, the rest reported.
#[test]
fn unreadable_inputs_exit_1_and_the_rest_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, truth) = generated(dir.path(), Format::Postfix, 100_000, 13);
    let missing = dir.path().join("missing.log");
    let (o, s) = summary(&["--year", "2024"], &[&missing, &good, dir.path()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(s["totals"]["deferred"].as_u64(), Some(truth.outcomes[1]));
    let inputs = s["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 3);
    assert!(
        inputs[0]["error"].is_string()
            && inputs[1]["error"].is_null()
            && inputs[2]["error"].is_string()
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("missing.log"), "{stderr}");
    let o = maildiag(&[
        "scan",
        missing.to_str().expect("utf-8"),
        good.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("unreadable:"));
}

#[test]
fn gzip_and_stdin_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (plain, truth) = generated(dir.path(), Format::Postfix, 200_000, 14);
    let gz = dir.path().join("log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(&plain).expect("read"))
        .expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let (o, s) = summary(&["--year", "2024"], &[&gz]);
    assert!(o.status.success());
    assert_eq!(s["totals"]["bounced"].as_u64(), Some(truth.outcomes[2]));

    let mut child = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .args(["scan", "--year", "2024", "--summary-json", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let data = std::fs::read(&gz).expect("read");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("join").expect("write stdin");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(v["totals"]["bounced"].as_u64(), Some(truth.outcomes[2]));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["scan", "--since", "yesterday"][..],
        &["scan", "--category", "nonsense"],
        &["scan", "--format", "qmail-ish"],
        &["scan", "--no-such-flag"],
        &["scan", "--nameserver", "not-an-address", "--check-dns"],
    ] {
        let o = maildiag(args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn filters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, _) = generated(dir.path(), Format::Postfix, 300_000, 15);
    let (_, all) = summary(&["--year", "2024"], &[&path]);
    let (_, gmail) = summary(&["--year", "2024", "--domain", "GMAIL.com"], &[&path]);
    let g = &all["domains"]["gmail.com"];
    assert_eq!(gmail["totals"]["events"], g["events"]);
    assert_eq!(gmail["domains"].as_object().map(|m| m.len()), Some(1));
    assert_eq!(gmail["filtered"], true);

    let (_, uu) = summary(&["--year", "2024", "--category", "user_unknown"], &[&path]);
    assert_eq!(uu["categories"].as_object().map(|m| m.len()), Some(1));
    assert_eq!(
        uu["categories"]["user_unknown"],
        all["categories"]["user_unknown"]
    );
    assert_eq!(uu["totals"]["delivered"], 0);

    let first = all["first_event"].as_str().expect("first").to_owned();
    let last = all["last_event"].as_str().expect("last").to_owned();
    let (_, none) = summary(&["--year", "2024", "--until", &first], &[&path]);
    assert_eq!(none["totals"]["events"], 0);
    let (_, every) = summary(
        &[
            "--year",
            "2024",
            "--since",
            &first[..10],
            "--until",
            &last[..10],
        ],
        &[&path],
    );
    assert_eq!(every["totals"]["events"], all["totals"]["events"]);
    let (_, later) = summary(&["--year", "2025"], &[&path]);
    let (_, none) = summary(&["--year", "2025", "--since", "2026-01-01"], &[&path]);
    assert!(later["totals"]["events"].as_u64() > Some(0));
    assert_eq!(none["totals"]["events"], 0);

    let (_, snd) = summary(&["--year", "2024", "--sender", "example.org"], &[&path]);
    let n = snd["totals"]["events"].as_u64().unwrap_or(0);
    assert!(n > 0 && Some(n) < all["totals"]["events"].as_u64());
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
}

#[test]
fn html_report_is_self_contained_and_renders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let o = maildiag(&[
        "scan",
        "--year",
        "2024",
        "--html",
        html.to_str().expect("utf-8"),
        sample("postfix-sample.log").to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = std::fs::read_to_string(&html).expect("html written");
    for want in [
        "id=totals",
        "id=sender-side",
        "id=categories",
        "id=domains",
        "id=providers",
        "id=codes",
        "id=stuck",
        "<svg id=timeline-chart",
        "<svg id=domains-chart",
        "<svg id=age-chart",
        "class=sortable",
        // The domain and provider tables count every outcome, so that a row adds up.
        "<th>expired</th><th>rejected incoming</th><th>connection failures</th>",
    ] {
        assert!(page.contains(want), "page lacks {want}");
    }
    // Nothing is loaded from elsewhere (reply texts may quote URLs as text).
    for banned in ["<link", "src=", "@import", "url("] {
        assert!(!page.contains(banned), "page loads a resource: {banned}");
    }
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: chromium is not installed; the HTML render check did not run");
        return;
    };
    let profile = dir.path().join("profile");
    let shot = dir.path().join("shot.png");
    let url = format!("file://{}", html.display());
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1300,2400",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--screenshot={}", shot.display()),
            "--dump-dom",
            &url,
        ])
        .output()
        .expect("run chromium");
    let dom = stdout(&o);
    assert!(
        dom.contains("id=\"totals-table\""),
        "DOM lacks the totals table: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        dom.contains("<svg id=\"timeline-chart\""),
        "DOM lacks the timeline"
    );
    assert!(dom.matches("<table").count() >= 6, "tables rendered");
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "a non-empty screenshot"
    );
}

/// `--check-dns` checks each sender domain behind a sender-side failure once, against a
/// DNS server on loopback.
#[test]
fn check_dns_runs_once_per_sender_domain() {
    use maildiag_dnsauth::testserver::{TestServer, Zone};
    let mut zone = Zone::new();
    zone.txt("bad.example", "v=spf1 ip4:203.0.113.0/24 -all")
        .mx("bad.example", 10, "mail.bad.example")
        .a("mail.bad.example", "203.0.113.5".parse().expect("ip"));
    let addr = TestServer::spawn_in_background(zone)
        .expect("DNS test server")
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("spf.log");
    let mut log = String::new();
    for (i, q) in ["A1", "A2", "A3"].iter().enumerate() {
        log.push_str(&format!("Feb 10 06:00:0{i} mail postfix/qmgr[9]: {q}: from=<news@bad.example>, size=900, nrcpt=1 (queue active)\n"));
        log.push_str(&format!("Feb 10 06:00:0{i} mail postfix/smtp[12]: {q}: to=<u{i}@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, dsn=5.7.23, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.7.23 <u{i}@example.com>: Recipient address rejected: Message rejected due to: SPF fail - not authorized (in reply to RCPT TO command))\n"));
    }
    std::fs::write(&path, log).expect("write");
    let (o, s) = summary(
        &[
            "--year",
            "2024",
            "--check-dns",
            "--nameserver",
            &addr,
            "--ip",
            "192.0.2.77",
        ],
        &[&path],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(s["categories"]["spf_fail"], 3);
    let dns = s["dns_findings"].as_array().expect("dns findings");
    let domains: Vec<&Value> = dns
        .iter()
        .filter(|d| d["kind"] == "sender_domain")
        .collect();
    assert_eq!(domains.len(), 1, "{dns:?}");
    assert_eq!(domains[0]["target"], "bad.example");
    let findings = domains[0]["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["code"].as_str().is_some_and(|c| c.starts_with("spf."))),
        "{findings:?}"
    );
}

/// `script` (util-linux) runs a command on a pseudo-terminal; `None` when it is missing.
fn script_command() -> Option<PathBuf> {
    ["/usr/bin/script", "/bin/script"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn progress_bar_only_on_a_terminal_and_for_large_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small_path = sample("postfix-sample.log");
    let small = std::fs::read(&small_path).expect("sample");
    let mut big = Vec::with_capacity((65 << 20) + small.len());
    while big.len() < 65 << 20 {
        big.extend_from_slice(&small);
    }
    let big_path = dir.path().join("big.log");
    std::fs::write(&big_path, &big).expect("write");
    let summary_path = dir.path().join("s.json");
    let args = |file: &Path| {
        vec![
            "scan".to_owned(),
            "--summary-json".to_owned(),
            summary_path.display().to_string(),
            file.display().to_string(),
        ]
    };
    // Piped stderr: never a progress bar.
    let a: Vec<String> = args(&big_path);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let o = maildiag(&a);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("ETA"),
        "progress bar on a pipe"
    );
    let Some(script) = script_command() else {
        eprintln!("skipped the terminal half: `script` (util-linux) is not installed");
        return;
    };
    let on_terminal = |file: &Path| {
        let cmd = std::iter::once(env!("CARGO_BIN_EXE_maildiag").to_owned())
            .chain(args(file))
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let o = Command::new(&script)
            .args(["-qec", &cmd, "/dev/null"])
            .env("NO_COLOR", "1")
            .output()
            .expect("run script");
        assert_eq!(o.status.code(), Some(0), "{o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // A terminal and a large input: the bar (bytes, rate, ETA) is drawn.
    let shown = on_terminal(&big_path);
    assert!(
        shown.contains("ETA"),
        "no progress bar on a terminal: {shown:?}"
    );
    // A terminal and a small input: no bar.
    let shown = on_terminal(&small_path);
    assert!(!shown.contains("ETA"), "progress bar for a small input");
}
