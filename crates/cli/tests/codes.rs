//! Runs `maildiag codes` as a user would.

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .arg("codes")
        .args(args)
        .output()
        .expect("maildiag runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn explains_an_enhanced_code() {
    let (ok, out) = run(&["4.7.1"]);
    assert!(ok);
    assert!(
        out.contains("Delivery not authorized, message refused"),
        "{out}"
    );
    assert!(out.contains("4.XXX.YYY"));
}

#[test]
fn provider_specific_code_and_basic_code() {
    let (ok, out) = run(&["5.7.515"]);
    assert!(ok);
    assert!(out.contains("[microsoft]"), "{out}");
    let (ok, out) = run(&["450"]);
    assert!(ok);
    assert!(out.contains("450 (basic)"), "{out}");
}

#[test]
fn json_lists_everything_as_one_array() {
    let (ok, out) = run(&["--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let rows = v.as_array().expect("array");
    assert!(rows.len() > 600);
    for kind in ["class", "subject", "enhanced", "basic", "provider"] {
        assert!(rows.iter().any(|r| r["kind"] == kind), "{kind}");
    }
    for r in rows {
        for field in ["code", "kind", "title", "description"] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
    }
}

#[test]
fn word_search() {
    let (ok, out) = run(&["--json", "null", "MX"]);
    assert!(ok);
    assert!(out.contains("X.1.10"), "{out}");
}
