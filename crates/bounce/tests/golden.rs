//! Golden tests: every `tests/golden/NAME.eml` is read with LF and with CRLF line ends
//! and compared with `NAME.json`. The file stem names the format that must read it.
//! Set `MAILDIAG_BLESS=1` to rewrite the expected files; a mismatch writes
//! `NAME.json.failed` next to the expected file.

use std::path::Path;

fn to_crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[test]
fn golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("MAILDIAG_BLESS").is_some();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut ran = 0;
    let mut failures = Vec::new();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
    {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_owned();
        let lf = std::fs::read_to_string(path)
            .expect("read")
            .replace("\r\n", "\n");
        let b = maildiag_bounce::parse(lf.as_bytes()).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let crlf = maildiag_bounce::parse(to_crlf(&lf).as_bytes())
            .unwrap_or_else(|e| panic!("{stem} (CRLF): {e}"));
        assert_eq!(b, crlf, "{stem}: LF and CRLF differ");
        // `FORMAT.eml`, or `FORMAT.VARIANT.eml` for further cases of one format.
        let format = stem.split('.').next().unwrap_or_default();
        assert_eq!(b.format, format, "{stem}: read by the wrong format");
        assert!(!b.recipients.is_empty(), "{stem}: no recipients");
        let got = serde_json::to_string_pretty(&b).expect("json") + "\n";
        let want_path = path.with_extension("json");
        if bless {
            std::fs::write(&want_path, &got).expect("bless");
        } else {
            let want = std::fs::read_to_string(&want_path).unwrap_or_default();
            if want != got {
                let _ = std::fs::write(path.with_extension("json.failed"), &got);
                failures.push(stem.clone());
            }
        }
        ran += 1;
    }
    assert!(ran >= 30, "only {ran} golden cases ran");
    assert!(
        failures.is_empty(),
        "golden mismatches (see *.json.failed): {failures:?}"
    );
}

#[test]
fn broken_input_is_an_error_not_a_panic() {
    assert!(maildiag_bounce::parse(b"").is_err());
    assert!(maildiag_bounce::parse(b"   \n").is_err());
    for junk in [
        &b"\xff\xfe\x00garbage"[..],
        b"From: x\n\n",
        b"Content-Type: multipart/report; boundary=x\n\n--x\n",
    ] {
        let _ = maildiag_bounce::parse(junk);
    }
}

#[test]
fn ordinary_mail_is_not_a_report() {
    let b = maildiag_bounce::parse(
        b"From: a@example.com\nTo: b@example.org\nSubject: lunch?\n\nnoon?\n",
    )
    .expect("parse");
    assert_eq!(b.kind, maildiag_bounce::ReportKind::NotAReport);
    assert!(!b.is_bounce());
}
