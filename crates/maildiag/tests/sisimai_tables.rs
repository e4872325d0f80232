//! Sisimai reasons from the knowledge base's phrase tables (`sisimai_words.toml`,
//! `sisimai_hosts.toml`): local delivery agents' words, qmail's and its clones' fixed
//! texts, Courier, amavisd-new, KDDI, Domino, Microsoft 365's documented codes and
//! Facebook's reply codes, on hand-written reports.

use maildiag::Classifier;

fn reason_of(raw: &str) -> &'static str {
    let b = maildiag_bounce::parse(raw.as_bytes()).expect("a report");
    Classifier::new()
        .classify_bounce(&b.recipients[0])
        .sisimai_reason
}

/// A minimal RFC 3464 report for one recipient from an MTA no reader knows.
fn dsn(rcpt: &str, remote_mta: &str, status: &str, diagnostic: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.sender.example\r\nTo: alice@sender.example\r\n\
         Subject: Delivery Status Notification (Failure)\r\n\
         Date: Thu, 6 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n\
         --b1\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.sender.example\r\n\r\n\
         Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n\
         Remote-MTA: dns; {remote_mta}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n--b1--\r\n"
    )
}

fn local(status: &str, diagnostic: &str) -> &'static str {
    reason_of(&dsn(
        "bob@example.org",
        "mx.example.org",
        status,
        diagnostic,
    ))
}

#[test]
fn local_delivery_agents_name_the_reason_in_reports_of_unknown_mtas() {
    for (text, want) in [
        (
            "Your message to <bob@example.org> was automatically rejected: Mailbox doesn't exist: INBOX.Archive",
            "userunknown",
        ),
        ("mail.local: user missing home directory", "userunknown"),
        ("mail.local: bob: invalid mailbox path", "userunknown"),
        ("mail.local: temporary file write error", "systemerror"),
        (
            "procmail: Error while writing to \"/var/mail/bob\": no space left to finish writing",
            "systemfull",
        ),
        ("maildrop: Cannot find system user", "userunknown"),
        ("maildrop: Invalid user specified.", "userunknown"),
        (
            "vdeliver: User name does not refer to a virtual user",
            "userunknown",
        ),
        (
            "vdeliver: Invalid or unknown base user or domain",
            "userunknown",
        ),
        (
            "vdeliver: Delivery failed due to system quota violation",
            "mailboxfull",
        ),
    ] {
        assert_eq!(local("5.0.0", text), want, "{text}");
    }
    // The same words in a report read by the generic text reader.
    let raw = "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\n\
               Subject: Undelivered Mail Returned to Sender\n\n\
               Your message could not be delivered to the following recipients:\n\n\
               <user@example.com>: maildrop: Cannot find system user\n";
    assert_eq!(reason_of(raw), "userunknown");
}

#[test]
fn reason_index_phrases_sisimai_knows() {
    for (text, want) in [
        (
            "552 The recipient's mailbox does not have enough space",
            "mailboxfull",
        ),
        (
            "552 Mail file size exceeds the maximum size allowed for mail delivery",
            "mailboxfull",
        ),
        (
            "550 Due to extended inactivity new mail is not currently being accepted for this mailbox.",
            "filtered",
        ),
        ("Message expired, connection refulsed", "expired"),
        ("550 Envelope blocked – User Entry", "rejected"),
    ] {
        assert_eq!(local("5.0.0", text), want, "{text}");
    }
}

/// A qmail (or qmail clone) bounce for one recipient with the given text.
fn qmail(intro: &str, text: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\nSubject: failure notice\n\
         Date: Mon, 3 Feb 2025 10:00:00 +0000\n\n{intro}\n\n<bob@example.org>:\n{text}\n\n\
         --- Below this line is a copy of the message.\n\nFrom: alice@example.com\n\
         To: bob@example.org\nSubject: Hello\n\nHi there.\n"
    )
}

const QMAIL: &str = "Hi. This is the qmail-send program at mx.example.net.\n\
    I'm afraid I wasn't able to deliver your message to the following addresses.\n\
    This is a permanent error; I've given up. Sorry it didn't work out.";
const X4: &str = "Your mail message to the following address(es) could not be delivered. This\n\
    is a permanent error. Please verify the addresses and try again.";

#[test]
fn qmail_texts() {
    for intro in [QMAIL, X4] {
        let r = |t: &str| reason_of(&qmail(intro, t));
        // A refused RCPT with no reply quoted: the recipient was refused.
        assert_eq!(
            r("192.0.2.1 does not like recipient.\nGiving up on 192.0.2.1."),
            "userunknown"
        );
        // A quoted reply says more.
        assert_eq!(
            r(
                "192.0.2.1 does not like recipient.\nRemote host said: 550 5.7.1 Message rejected as spam\nGiving up on 192.0.2.1."
            ),
            "spamdetected"
        );
        assert_eq!(
            r("Unable to forward message: mail loop detected"),
            "systemerror"
        );
        assert_eq!(
            r("Automatic homedir creator crashed (#4.3.0)"),
            "systemerror"
        );
        assert_eq!(
            r("Temporary failure in LDAP lookup (#4.4.3)"),
            "systemerror"
        );
        assert_eq!(
            r("Mailaddress is administratively disabled (#5.2.1)"),
            "suspend"
        );
    }
}

#[test]
fn courier_dns_texts() {
    let courier = |text: &str, status: &str| {
        format!(
            "From: postmaster@example.org\nTo: alice@example.com\n\
             Subject: NOTICE: mail delivery status.\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"c\"\n\n\
             --c\nContent-Type: text/plain\n\n\
             This is a delivery status notification from mx.example.org,\n\
             running the Courier mail server, version 0.65.2.\n\n\
             UNDELIVERABLE MAIL\n\n\
             Your message to the following recipients cannot be delivered:\n\n\
             <bob@example.cat>:\n<<< {text}\n\n\
             --c\nContent-Type: message/delivery-status\n\n\
             Reporting-MTA: dns; mx.example.org\n\n\
             Final-Recipient: rfc822; bob@example.cat\nAction: failed\nStatus: {status}\n\
             Diagnostic-Code: unknown; {text}\n\n--c--\n"
        )
    };
    let b = maildiag_bounce::parse(courier("No such domain.", "5.0.0").as_bytes()).unwrap();
    assert_eq!(b.format, "courier");
    assert_eq!(
        reason_of(&courier("This domain's DNS violates RFC 1035.", "5.0.0")),
        "systemerror"
    );
    assert_eq!(
        reason_of(&courier("DNS lookup failed.", "4.0.0")),
        "networkerror"
    );
}

#[test]
fn amavis_categories() {
    let amavis = |status: &str, text: &str| {
        format!(
            "From: \"Content-filter at mx.example.org\" <postmaster@mx.example.org>\n\
             To: <alice@example.com>\nSubject: Undeliverable mail, MTA-BLOCKED\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"a\"\n\n\
             --a\nContent-Type: text/plain\n\nThe message WAS NOT relayed to:\n\n\
             --a\nContent-Type: message/delivery-status\n\n\
             Reporting-MTA: dns; mx.example.org\n\n\
             Final-Recipient: rfc822;bob@example.org\nAction: failed\nStatus: {status}\n\
             Diagnostic-Code: smtp; {text}\n\n--a--\n"
        )
    };
    assert_eq!(
        reason_of(&amavis(
            "5.7.0",
            "554 5.7.0 Reject, id=02022-08 - INFECTED: Eicar-Test-Signature"
        )),
        "virusdetected"
    );
    assert_eq!(
        reason_of(&amavis(
            "5.3.4",
            "552 5.3.4 Reject, id=02022-08 - Message size exceeds recipient's size limit"
        )),
        "exceedlimit"
    );
    assert_eq!(
        reason_of(&amavis(
            "4.4.1",
            "450 4.4.1 id=02022-08 - Temporary MTA failure on relaying, From MTA([127.0.0.1]:10025): 451 4.3.0 Error"
        )),
        "systemerror"
    );
}

#[test]
fn kddi_texts() {
    let kddi = |text: &str| {
        format!(
            "From: no-reply@mx.dion.ne.jp\nTo: alice@example.com\nSubject: Mail error\n\
             MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"k\"\n\n\
             --k\nContent-Type: text/plain; charset=us-ascii\n\n\
             Your mail sent on: Mon, 3 Feb 2025 09:59:00 +0000\n\
             \x20    Could not be delivered to: <bob@example.dion.ne.jp>\n     {text}\n\
             --k\nContent-Type: message/rfc822\n\nFrom: alice@example.com\n\
             To: bob@example.dion.ne.jp\nSubject: Hello\n\nHi there.\n--k--\n"
        )
    };
    assert_eq!(
        reason_of(&kddi("Due to the following SMTP relay error.")),
        "norelaying"
    );
    assert_eq!(
        reason_of(&kddi("As the remote domain doesnt exist.")),
        "hostunknown"
    );
}

#[test]
fn domino_in_japanese() {
    let raw = "From: Postmaster@example.org\nTo: alice@example.com\nSubject: DELIVERY FAILURE\n\
               MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n\
               Your message\n\n  Subject: Hello\n\nwas not delivered to:\n\n  bob@example.org\n\n\
               because:\n\n  ユーザー bob (bob@example.org) は Domino ディレクトリには見つかりません。\n";
    assert_eq!(
        maildiag_bounce::parse(raw.as_bytes()).unwrap().format,
        "domino"
    );
    assert_eq!(reason_of(raw), "userunknown");
}

#[test]
fn microsoft_codes_whatever_the_wording() {
    let ms = |status: &str, text: &str| {
        reason_of(&dsn(
            "bob@contoso.example",
            "contoso-example.mail.protection.outlook.com",
            status,
            text,
        ))
    };
    for code in ["5.7.12", "5.7.13", "5.7.124", "5.7.133", "5.7.136"] {
        assert_eq!(
            ms(
                code,
                &format!("550 {code} RESOLVER.RST.NotAuthorized; authentication required")
            ),
            "rejected",
            "{code}"
        );
    }
    assert_eq!(
        ms(
            "5.7.508",
            "550 5.7.508 Access denied, [192.0.2.1] has exceeded permitted limits within 2001:db8::/48 range"
        ),
        "speeding"
    );
    assert_eq!(
        ms(
            "5.7.705",
            "550 5.7.705 Access denied, tenant has exceeded threshold"
        ),
        "speeding"
    );
    assert_eq!(
        ms(
            "5.0.350",
            "550 5.0.350 Remote server returned an error -> 550 Requested action not taken: policy violation detected (AS345)"
        ),
        "policyviolation"
    );
    // Elsewhere 5.7.13 keeps its registered meaning.
    assert_eq!(
        local("5.7.13", "550 5.7.13 User account disabled"),
        "suspend"
    );
}

#[test]
fn facebook_reply_codes() {
    let fb = |status: &str, text: &str| {
        reason_of(&dsn(
            "bob@facebook.com",
            "msgin.vvv.facebook.com",
            status,
            text,
        ))
    };
    assert_eq!(
        fb(
            "5.1.1",
            "550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences"
        ),
        "filtered"
    );
    assert_eq!(
        fb(
            "5.7.1",
            "550 5.7.1 DNS-P3 http://postmaster.facebook.com/response_codes?ip=192.0.2.1#dns Your mail server does not have a reverse DNS record"
        ),
        "requireptr"
    );
    assert_eq!(
        fb(
            "5.1.1",
            "550 5.1.1 RCP-P1 http://postmaster.facebook.com/response_codes?ip=192.0.2.54#rcp Recipient address does not exist"
        ),
        "userunknown"
    );
}

#[test]
fn au_filter_header_is_filtered() {
    let raw = "From: <Postmaster@ezweb.ne.jp>\r\nTo: <user@example.or.jp>\r\n\
               Subject: Mail System Error - Returned Mail\r\nX-SPASIGN: NG\r\n\
               Date: Sun, 7 Sep 2008 21:40:12 +0900\r\n\r\n\
               <refused@ezweb.ne.jp>\r\n\
               Each of the following recipients was rejected by a remote mail server.\r\n";
    assert_eq!(reason_of(raw), "filtered");
    // Without the header the same text says nothing more than a refusal.
    assert_eq!(reason_of(&raw.replace("X-SPASIGN: NG\r\n", "")), "onhold");
}

#[test]
fn amazon_ses_subtypes_without_a_diagnostic() {
    let note = |subtype: &str| {
        format!(
            "From: no-reply@sns.amazonaws.com\r\nTo: ops@example.com\r\n\
             Subject: AWS Notification Message\r\nDate: Wed, 12 Feb 2025 10:00:00 +0000\r\n\r\n\
             {{\"notificationType\":\"Bounce\",\"bounce\":{{\"bounceType\":\"Transient\",\
             \"bounceSubType\":\"{subtype}\",\"bouncedRecipients\":[{{\"emailAddress\":\"trent@example.org\"}}],\
             \"timestamp\":\"2025-02-12T10:00:00.000Z\"}},\"mail\":{{\"source\":\"ops@example.com\"}}}}\r\n"
        )
    };
    assert_eq!(reason_of(&note("MailboxFull")), "mailboxfull");
    assert_eq!(reason_of(&note("MessageTooLarge")), "mesgtoobig");
}

#[test]
fn reason_regex_wordings_sisimai_knows() {
    for (text, want) in [
        ("procmail: Couldn't create \"/var/mail/bob\"", "mailererror"),
        (
            "/usr/bin/procmail: Error while writing to \"/var/mail/bob\"",
            "mailererror",
        ),
        (
            "/usr/local/bin/maildrop: Unable to open mailbox",
            "mailererror",
        ),
        ("Command failed: /usr/local/bin/filter", "mailererror"),
        ("Command output: Can't open /var/mail/bob", "mailererror"),
    ] {
        assert_eq!(local("5.0.0", text), want, "{text}");
    }
}
