//! `maildiag explain`: the JSON contract and every reply shape named in the parser issue.

use std::process::Command;

mod common;

fn explain_json(texts: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .arg("explain")
        .arg("--json")
        .args(texts)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn json_contract_fields() {
    let v = explain_json(&[
        "450 4.7.1 <u@example.com>: Recipient address rejected: Greylisted for 5 minutes",
    ]);
    assert_eq!(v.len(), 1);
    let o = &v[0];
    for field in [
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
    ] {
        assert!(o.get(field).is_some(), "missing {field}");
    }
    assert_eq!(o["basic"], 450);
    assert_eq!(o["enhanced"], "4.7.1");
    assert_eq!(o["severity"], "transient");
    assert_eq!(o["temporary"], true);
    assert_eq!(o["category"], "greylisted");
    assert_eq!(o["retry"]["after_s"], 300);
    assert_eq!(o["retry"]["advised"], true);
    // The evidence points at the words in the input.
    let input = o["input"].as_str().expect("input");
    let delay = o["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["layer"] == "delay")
        .expect("delay");
    let (s, e) = (
        delay["span"][0].as_u64().expect("start") as usize,
        delay["span"][1].as_u64().expect("end") as usize,
    );
    assert_eq!(&input[s..e], "Greylisted for 5 minutes");
    // The confidence is written with at most two decimals, not as the f32's expansion.
    let raw = serde_json::to_string(&o["confidence"]).expect("number");
    assert!(
        raw.split('.').nth(1).is_none_or(|d| d.len() <= 2),
        "confidence {raw}"
    );
}

/// (input, basic, enhanced, command, host): the formats of the parser issue.
const SHAPES: &[(&str, u64, &str, &str, &str)] = &[
    (
        "Nov 22 10:00:01 mx postfix/smtp[1]: A1: to=<u@x.example>, relay=mx.x.example[192.0.2.1]:25, dsn=4.7.1, status=deferred (host mx.x.example[192.0.2.1] said: 450 4.7.1 <u@x.example>: Recipient address rejected: Greylisted (in reply to RCPT TO command))",
        450,
        "4.7.1",
        "rcpt_to",
        "mx.x.example",
    ),
    (
        "2026-11-22 10:00:00 1abc-000 ** u@x.example R=dnslookup T=remote_smtp H=mx.x.example [192.0.2.7]: SMTP error from remote mail server after RCPT TO:<u@x.example>: 550-5.1.1 The email account does not exist. 550 5.1.1 Please check - gsmtp",
        550,
        "5.1.1",
        "rcpt_to",
        "mx.x.example",
    ),
    (
        "Nov 22 10:00:01 mx sm-mta[7]: x: to=<u@d.example>, mailer=esmtp, relay=mx.d.example. [192.0.2.12], dsn=4.7.1, stat=Deferred: 450 4.7.1 Try again later",
        450,
        "4.7.1",
        "",
        "mx.d.example",
    ),
    (
        "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
        550,
        "5.1.1",
        "",
        "",
    ),
    (
        "Reason: [{LED=450 4.7.1 Unable to relay};{MSG=};{FQDN=mx.b.example};{IP=192.0.2.9};{LRT=}]",
        450,
        "4.7.1",
        "",
        "mx.b.example",
    ),
    (
        "The error that the other server returned was: 550 550 5.7.1 Access denied (state 13).",
        550,
        "5.7.1",
        "",
        "",
    ),
    (
        "Remote host said: 553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        553,
        "5.7.1",
        "",
        "",
    ),
    (
        r#"Expected response code 250 but got code "550", with message "550 5.7.1 Relaying denied""#,
        550,
        "5.7.1",
        "",
        "",
    ),
];

#[test]
fn every_issue_shape() {
    let inputs: Vec<&str> = SHAPES.iter().map(|s| s.0).collect();
    let out = explain_json(&inputs);
    assert_eq!(out.len(), SHAPES.len());
    for (o, (input, basic, enhanced, command, host)) in out.iter().zip(SHAPES) {
        assert_eq!(o["basic"], *basic, "{input}");
        assert_eq!(o["enhanced"], *enhanced, "{input}");
        if !command.is_empty() {
            assert_eq!(o["command"], *command, "{input}");
        }
        if !host.is_empty() {
            assert_eq!(o["host"]["name"], *host, "{input}");
        }
        assert!(
            o["severity"] == "transient" || o["severity"] == "permanent",
            "{input}"
        );
    }
}

/// `maildiag explain ARGS` with `stdin` on its standard input (colour off).
fn explain_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .arg("explain")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// A reader that stops early (`maildiag explain --json < big | head -1`) ends the run
/// quietly: exit status 0 and nothing on standard error, in JSON and for a person. (A JSON
/// write error once lost its kind on the way out and was reported as a failure.)
#[test]
fn closed_pipe_ends_the_run_quietly() {
    for args in [&["explain", "--json", "-"][..], &["explain", "-"][..]] {
        // Far more output than a pipe holds, so that writes go on after the close.
        let run = common::first_line_then_close(
            args,
            b"550 5.1.1 <u@example.org>: user unknown\n",
            20_000,
        );
        assert!(!run.first.is_empty(), "{args:?}: no output");
        assert!(run.out.status.success(), "{args:?}: {:?}", run.out.status);
        assert_eq!(String::from_utf8_lossy(&run.out.stderr), "", "{args:?}");
    }
}

#[test]
fn stdin_lines_and_human_output() {
    let out = explain_stdin(
        &[],
        b"450 4.7.1 Greylisted for 5 minutes\r\n550 5.1.1 User unknown\n",
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("TEMPORARY · greylisted · retry in 5 min"),
        "{text}"
    );
    assert!(
        text.contains("PERMANENT · user_unknown · hard bounce"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "NO_COLOR must disable colour");
}

/// `--paragraphs`: stdin (or a file) split at blank lines, so a pasted bounce paragraph is
/// one input and its wrapped reply is read whole.
#[test]
fn paragraphs_from_stdin_and_file() {
    let pasted: &[u8] = b"<u@example.org>: host mx.example.org[192.0.2.3] said: 550 5.1.1 \
        <u@example.org>:\r\n    Recipient address rejected: User unknown in local recipient \
        table (in reply\r\n    to RCPT TO command)\r\n\r\n   \r\n450 4.7.1 Greylisted, try again \
        in 5 minutes\r\n";
    let run = |args: &[&str], stdin: &[u8]| -> Vec<serde_json::Value> {
        let out = explain_stdin(&[&["--json"], args].concat(), stdin);
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per input"))
            .collect()
    };
    let check = |v: &[serde_json::Value]| {
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(v[0]["category"], "user_unknown");
        assert_eq!(v[0]["command"], "rcpt_to");
        let text = v[0]["replies"][0]["text"].as_str().unwrap_or_default();
        assert!(
            text.ends_with("User unknown in local recipient table"),
            "{text}"
        );
        assert_eq!(v[1]["category"], "greylisted");
    };
    check(&run(&["--paragraphs"], pasted));
    let dir = std::env::temp_dir().join(format!("maildiag-paragraphs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("pasted.txt");
    std::fs::write(&file, pasted).expect("write file");
    check(&run(&["-p", "--file", file.to_str().expect("path")], b""));
    std::fs::remove_dir_all(&dir).ok();
    // Without it each line is an input: the paste gives four (the blank ones are skipped).
    assert_eq!(run(&[], pasted).len(), 4);
}

/// `--check-dns` runs the checks the diagnosis suggests for the IP named in the reply,
/// against a DNS server this test starts on 127.0.0.1 (never the machine's resolver).
#[test]
fn check_dns_for_the_ip_in_the_reply() {
    use maildiag_dnsauth::testserver::{TestServer, Zone};
    let mut zone = Zone::new();
    zone.a("mail.good.example", "192.0.2.1".parse().expect("ip"))
        .ptr("192.0.2.1".parse().expect("ip"), "mail.good.example");
    let addr = TestServer::spawn_in_background(zone)
        .expect("DNS test server")
        .to_string();
    let run = |reply: &str| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_maildiag"))
            .args([
                "explain",
                "--json",
                "--check-dns",
                "--nameserver",
                &addr,
                reply,
            ])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["dns_findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no findings in {v}"))
            .iter()
            .filter_map(|f| f["code"].as_str().map(str::to_owned))
            .collect()
    };
    let missing = run("450 4.7.25 Client host rejected: cannot find your hostname, [203.0.113.9]");
    assert_eq!(missing["category"], "ptr_missing");
    assert!(
        codes(&missing).iter().any(|c| c == "ptr.missing"),
        "{:?}",
        codes(&missing)
    );
    let present = run("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.1]");
    assert!(
        !codes(&present).iter().any(|c| c == "ptr.missing"),
        "{:?}",
        codes(&present)
    );
}

/// `explain` reads a text as the library does: the failure after a transcript's success
/// reply, and a qmail-send record with its spaces put back.
#[test]
fn explain_chooses_the_reply_the_library_chooses() {
    let texts = [
        "<<< 250 2.1.0 Sender OK\n<<< 501 5.5.4 Invalid Email address",
        "delivery 12: failure: 192.0.2.1_does_not_like_recipient./Remote_host_said:_550_5.1.1_No_such_user/Giving_up_on_192.0.2.1./",
    ];
    let v = explain_json(&texts);
    assert_eq!(v.len(), 2);
    let lib = maildiag::Classifier::new();
    for (o, t) in v.iter().zip(texts) {
        let d = lib.classify(t.as_bytes());
        assert_eq!(o["basic"], d.basic.unwrap_or(0), "{t}");
        assert_eq!(o["category"], d.category.as_str(), "{t}");
    }
    assert_eq!(
        (&v[0]["basic"], &v[0]["category"]),
        (&501.into(), &"syntax_error".into())
    );
    assert_eq!(
        (&v[1]["basic"], &v[1]["category"]),
        (&550.into(), &"user_unknown".into())
    );
    assert_eq!(v[1]["hard_bounce"], true);
}
