//! `maildiag check` against maildiag-dnsauth's loopback DNS test server.

use std::net::SocketAddr;
use std::process::Command;

use maildiag_dnsauth::testserver::{TestServer, Zone};

/// The loopback DNS server for this test (never the machine's resolver).
fn serve(zone: Zone) -> SocketAddr {
    TestServer::spawn_in_background(zone).expect("DNS test server")
}

fn zone() -> Zone {
    let mut z = Zone::new();
    z.txt("good.example", "v=spf1 mx -all")
        .mx("good.example", 10, "mail.good.example")
        .a("mail.good.example", "192.0.2.1".parse().expect("ip"))
        .ptr("192.0.2.1".parse().expect("ip"), "mail.good.example")
        .txt(
            "_dmarc.good.example",
            "v=DMARC1; p=reject; rua=mailto:d@good.example",
        )
        .txt("bad.example", "v=spf1 include:missing.example +all")
        .mx("bad.example", 10, "mail.good.example");
    z
}

fn maildiag(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run maildiag")
}

#[test]
fn check_good_and_bad_domains() {
    let addr = serve(zone()).to_string();
    let ns = [
        "--nameserver",
        addr.as_str(),
        "--dnsbl",
        "none",
        "--timeout-ms",
        "500",
    ];

    let mut args = vec![
        "check",
        "good.example",
        "--ip",
        "192.0.2.1",
        "--helo",
        "mail.good.example",
    ];
    args.extend(ns);
    let out = maildiag(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("[ok]    spf.pass"), "{text}");
    assert!(text.contains("lookup tree:"), "{text}");
    assert!(text.contains("[ok]    ptr.fcrdns"), "{text}");

    let mut args = vec!["check", "bad.example", "--json"];
    args.extend(ns);
    let out = maildiag(&args);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON findings");
    let codes: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"spf.pass_all") && codes.contains(&"spf.include_no_record"),
        "{codes:?}"
    );
    assert!(
        v.as_array()
            .expect("array")
            .iter()
            .any(|f| f["category"] == "spf_fail")
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = maildiag(&["check", "good.example", "--nameserver", "not-an-ip"]);
    assert_eq!(out.status.code(), Some(2));
    let out = maildiag(&["check", "a..b", "--nameserver", "127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
}
