//! `maildiag bounce` on .eml files, directories, mbox files and Maildir folders.

use std::ffi::OsStr;
use std::process::Command;

mod common;

const QMAIL: &str = "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<bob@example.org>:\nRemote host said: 550 5.1.1 <bob@example.org>: No such user\n\n--- Below this line is a copy of the message.\n\nFrom: alice@example.com\nTo: bob@example.org\nSubject: hi\n\nhello\n";
const VACATION: &str = "From: Carol <carol@example.org>\nSubject: Automatic reply: hi\nAuto-Submitted: auto-replied\n\nI am away.\n";

fn run(args: &[&str]) -> (String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .arg("bounce")
        .args(args)
        .output()
        .expect("run maildiag");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.success(),
    )
}

#[test]
fn eml_dir_mbox_and_maildir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("tree/sub")).expect("mkdir");
    std::fs::write(d.join("tree/sub/q.eml"), QMAIL).expect("write");
    std::fs::write(d.join("tree/v.eml"), VACATION).expect("write");
    let (out, ok) = run(&["--json", d.join("tree").to_str().expect("utf8")]);
    assert!(ok);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    let q = lines
        .iter()
        .find(|v| v["recipient"] == "bob@example.org")
        .expect("qmail line");
    assert_eq!(q["index"], 1);
    assert_eq!(q["status"], "5.1.1");
    assert_eq!(q["reply_code"], 550);
    assert_eq!(q["format"], "qmail");
    assert_eq!(q["is_bounce"], true);
    let v = lines
        .iter()
        .find(|v| v["is_bounce"] == false)
        .expect("vacation line");
    assert_eq!(v["sisimai_reason"], "vacation");
    assert_eq!(v["kind"], "auto_reply");

    let mbox = format!(
        "From MAILER-DAEMON Mon Feb  3 10:00:00 2025\n{QMAIL}\nFrom carol@example.org Mon Feb  3 10:00:00 2025\n{VACATION}"
    );
    std::fs::write(d.join("box.mbox"), mbox).expect("write");
    let (out, ok) = run(&["--json", d.join("box.mbox").to_str().expect("utf8")]);
    assert!(ok);
    assert_eq!(out.lines().count(), 2, "{out}");

    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(d.join("Maildir").join(sub)).expect("mkdir");
    }
    std::fs::write(d.join("Maildir/cur/1700000000.1.host:2,S"), QMAIL).expect("write");
    std::fs::write(d.join("Maildir/new/1700000001.2.host"), VACATION).expect("write");
    let (out, ok) = run(&[d.join("Maildir").to_str().expect("utf8")]);
    assert!(ok);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("bob@example.org\tfailed\t5.1.1\t550\tqmail"),
        "{out}"
    );
}

/// A reader that stops early (`maildiag bounce --json DIR | head -1`) ends the run: the
/// files not read yet are left alone, so the empty email sorted last is never reached
/// (read, it is an error and status 1).
#[test]
fn closed_pipe_stops_reading_the_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..2000 {
        std::fs::write(dir.path().join(format!("a{i:04}.eml")), QMAIL).expect("write");
    }
    std::fs::write(dir.path().join("zzz.eml"), "").expect("write");
    // Read whole, the directory ends in an error.
    let (_, ok) = run(&["--json", dir.path().to_str().expect("utf-8")]);
    assert!(!ok);
    let args = [
        OsStr::new("bounce"),
        OsStr::new("--json"),
        dir.path().as_os_str(),
    ];
    let run = common::first_line_then_close(&args, b"", 0);
    assert!(run.first.contains("bob@example.org"), "{}", run.first);
    assert!(run.out.status.success(), "{:?}", run.out.status);
    assert_eq!(String::from_utf8_lossy(&run.out.stderr), "");
}
