//! Golden files: `tests/golden/<format>.log` read with the format forced, events written
//! as JSON next to it in `<format>.expected.json`. Every case runs with LF and with CRLF
//! line endings and must give the same events. `MAILDIAG_BLESS=1` rewrites the expected
//! files; a mismatch writes `<format>.failed.json` for inspection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use maildiag_logs::{DeliveryEvent, Format, LogReader, ReaderOptions, Reference};
use serde_json::{Value, json};

fn event_json(ev: &DeliveryEvent<'_>, input: &[u8]) -> Value {
    let line_no = input[..ev.span.start as usize]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1;
    let reply = ev.reply.as_ref().map(|r| {
        json!({
            "code": r.code.map(|c| c.get()),
            "enhanced": r.enhanced.map(|e| e.to_string()),
            "text": r.text_lossy(),
            "command": r.command.map(|c| c.as_str()),
            "host": r.host.as_ref().map(|h| json!({"name": h.name, "ip": h.ip.map(|i| i.to_string())})),
        })
    });
    json!({
        "line": line_no,
        "format": ev.format.as_str(),
        "outcome": ev.outcome.as_str(),
        "timestamp": ev.timestamp.map(|t| t.to_string()),
        "host": ev.host,
        "program": ev.program,
        "queue_id": ev.queue_id,
        "sender": ev.sender,
        "recipient": ev.recipient,
        "orig_recipient": ev.orig_recipient,
        "recipient_domain": ev.recipient_domain,
        "relay": ev.relay.as_ref().map(|r| json!({"host": r.host, "ip": r.ip.map(|i| i.to_string()), "port": r.port})),
        "dsn": ev.dsn.map(|d| d.to_string()),
        "delay": ev.delay,
        "reply": reply,
    })
}

fn run(input: &[u8], format: Option<Format>) -> Value {
    let opts = ReaderOptions::default()
        .reference(Reference {
            year: 2024,
            month: 11,
        })
        .format(format);
    let mut events = Vec::new();
    let stats = LogReader::new(input, opts)
        .for_each_event(|ev| events.push(event_json(ev, input)))
        .expect("in-memory read");
    json!({
        "stats": {"lines": stats.lines, "events": stats.events, "unparsed": stats.unparsed, "oversized": stats.oversized},
        "events": events,
    })
}

#[test]
fn golden() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("MAILDIAG_BLESS").is_some();
    let mut ran = 0;
    for (name, format) in [
        ("postfix", Some(Format::Postfix)),
        ("exim", Some(Format::Exim)),
        ("sendmail", Some(Format::Sendmail)),
        ("exchange", Some(Format::Exchange)),
        ("pmta", Some(Format::Pmta)),
        ("kumo", Some(Format::Kumo)),
        ("opensmtpd", Some(Format::Opensmtpd)),
        ("qmail", Some(Format::Qmail)),
        ("zonemta", Some(Format::Zonemta)),
        ("generic", Some(Format::Generic)),
    ] {
        let input = std::fs::read(dir.join(format!("{name}.log"))).expect("golden input");
        let lf = run(&input, format);
        // CRLF: the same events.
        let mut crlf_input = Vec::with_capacity(input.len() + 64);
        for (n, line) in input.split(|&c| c == b'\n').enumerate() {
            if n > 0 {
                crlf_input.extend_from_slice(b"\r\n");
            }
            crlf_input.extend_from_slice(line);
        }
        let crlf = run(&crlf_input, format);
        assert_eq!(lf, crlf, "{name}: CRLF differs from LF");
        // Detection picks the same format and events.
        if name != "generic" {
            assert_eq!(
                run(&input, None),
                lf,
                "{name}: detected format differs from forced"
            );
        }
        let expected_path = dir.join(format!("{name}.expected.json"));
        let got = serde_json::to_string_pretty(&lf).expect("json") + "\n";
        if bless {
            std::fs::write(&expected_path, &got).expect("bless");
        } else {
            let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if want != got {
                let failed = dir.join(format!("{name}.failed.json"));
                std::fs::write(&failed, &got).expect("write failed");
                panic!(
                    "{name}: events differ from {}; see {} (MAILDIAG_BLESS=1 to accept)",
                    expected_path.display(),
                    failed.display()
                );
            }
        }
        ran += 1;
    }
    assert_eq!(ran, Format::ALL.len());
}
