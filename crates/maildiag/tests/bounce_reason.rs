//! Sisimai reasons for bounce recipients: the receiving service's documented replies,
//! the bounce MTA's fixed texts and the wording, on hand-written reports.

use maildiag::Classifier;

/// A minimal RFC 3464 report for one recipient.
fn dsn(rcpt: &str, remote_mta: &str, status: &str, diagnostic: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.sender.example\r\n\
         To: alice@sender.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: Thu, 6 Mar 2025 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain\r\n\
         \r\n\
         Your message could not be delivered.\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.sender.example\r\n\
         \r\n\
         Final-Recipient: rfc822; {rcpt}\r\n\
         Action: failed\r\n\
         Status: {status}\r\n\
         Remote-MTA: dns; {remote_mta}\r\n\
         Diagnostic-Code: smtp; {diagnostic}\r\n\
         \r\n\
         --b1--\r\n"
    )
}

fn reason(raw: &str) -> (&'static str, bool) {
    let b = maildiag_bounce::parse(raw.as_bytes()).expect("a report");
    let d = Classifier::new().classify_bounce(&b.recipients[0]);
    (d.sisimai_reason, d.hard_bounce)
}

#[test]
fn orange_reply_codes_name_the_cause() {
    let raw = dsn(
        "bob@orange.example",
        "smtp-in.orange.fr",
        "5.5.0",
        "550 5.5.0 Destinataire inconnu. Unknown recipient. OFR004_416",
    );
    assert_eq!(reason(&raw), ("userunknown", true));
    let raw = dsn(
        "bob@orange.example",
        "smtp-in.orange.fr",
        "5.0.0",
        "552 5.2.2 Boite du destinataire pleine. Mailbox full. OFR004_417",
    );
    assert_eq!(reason(&raw).0, "mailboxfull");
}

#[test]
fn au_tells_unknown_users_from_filtered_mail() {
    let raw = dsn(
        "carol@ezweb.ne.jp",
        "lsean.ezweb.ne.jp",
        "5.0.0",
        "550 <carol@ezweb.ne.jp>: User unknown",
    );
    assert_eq!(reason(&raw), ("userunknown", true));
    // Elsewhere, an unnamed command and a bare 5.0.0 leave "user unknown" after DATA
    // possible: Sisimai calls that `filtered`.
    let raw = dsn(
        "carol@example.org",
        "mx.example.org",
        "5.0.0",
        "550 <carol@example.org>: User unknown",
    );
    assert_eq!(reason(&raw).0, "filtered");
}

#[test]
fn wording_names_reasons_the_taxonomy_files_elsewhere() {
    let raw = dsn(
        "dave@example.net",
        "mx.example.net",
        "5.7.1",
        "550-5.7.1 Messages with multiple addresses in From: header are not accepted.",
    );
    assert_eq!(reason(&raw).0, "notcompliantrfc");
    let raw = dsn(
        "dave@example.net",
        "mx.example.net",
        "4.0.0",
        "450 service permits 2 unverifyable sending IPs",
    );
    assert_eq!(reason(&raw).0, "requireptr");
    let raw = dsn(
        "dave@example.net",
        "mx.example.net",
        "5.0.0",
        "554 Transaction failed: Duplicate header 'Subject'.",
    );
    assert_eq!(reason(&raw).0, "notcompliantrfc");
}

#[test]
fn microsoft_codes_are_read_with_their_status() {
    let raw = dsn(
        "erin@contoso.example",
        "contoso-example.mail.protection.outlook.com",
        "5.7.606",
        "550 5.7.606 Access denied, banned sending IP [192.0.2.9]",
    );
    assert_eq!(reason(&raw).0, "blocked");
}

/// The `bounce` fuzz harness on every golden bounce of the reader (and on committed
/// fuzz regressions, if any): it asserts its invariants on real shapes too.
#[test]
fn fuzz_harness_on_golden_bounces_and_regressions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ran = 0;
    for dir in [
        root.join("../bounce/tests/golden"),
        root.join("tests/fuzz_regressions"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "eml" || x == "bin") {
                let data = std::fs::read(&p).expect("read");
                maildiag::fuzz::bounce(&data);
                ran += 1;
            }
        }
    }
    assert!(ran >= 40, "only {ran} inputs");
}
