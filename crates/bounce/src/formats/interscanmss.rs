//! Trend Micro InterScan MSS / IMSS: "****** Message from InterScan Messaging Security
//! Suite ******" with "Unable to deliver message to `<address>`", or a notice from
//! `"InterScan MSS"` with the SMTP transcript (`Sent <<< RCPT TO:<address>`, `Received >>>
//! 550 ...`).

use super::{Format, fallback};
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, push_line, section};

pub(crate) const FORMAT: Format = Format {
    name: "interscanmss",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Message from InterScan"))
        || ctx.subject_has("Mail could not be delivered") && ctx.body_marker(phrase!("InterScan"))
        || ctx.sender_has("\"interscan mss\"")
        || ctx.sender_has("\"interscan notification\"")
        || ["メッセージを配信できません", "メール配信に失敗しました"]
            .iter()
            .any(|s| ctx.subject.trim().trim_end_matches('。') == *s)
            && ctx.body_has("Received >>>")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let transcript = transcript(&body);
    if !transcript.is_empty() {
        return transcript;
    }
    let Some((sec, _)) = section(
        &body,
        &[
            "Message from InterScan",
            "The following mail could not be delivered",
        ],
        &["End of message"],
        false,
    ) else {
        return Vec::new();
    };
    let mut found: Vec<Found> = Vec::new();
    for line in sec.lines().skip(1) {
        let t = line.trim();
        if let Some(&(a, b)) = addresses(t).first() {
            let addr = clean_address(&t[a..b]);
            if let Some(f) = found
                .iter_mut()
                .find(|f| f.recipient.eq_ignore_ascii_case(&addr))
            {
                push_line(&mut f.diagnostic, t);
            } else {
                found.push(Found::new(&addr, t));
            }
        }
    }
    if found.is_empty() {
        found = fallback(ctx, sec);
    }
    found
}

/// The recipients of an SMTP transcript: `Sent <<< RCPT TO:<address>` opens one, and the
/// `Received >>> NNN ...` line after it is its reply.
fn transcript(body: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if let Some(cmd) = t.strip_prefix("Sent <<<") {
            let cmd = cmd.trim_start();
            if let Some(to) = cmd
                .get(..8)
                .filter(|c| c.eq_ignore_ascii_case("RCPT TO:"))
                .and_then(|_| cmd.get(8..))
            {
                let addr = clean_address(to);
                if addr.contains('@') {
                    let mut f = Found::new(&addr, "");
                    f.command = Some(maildiag_reply::SmtpCommand::RcptTo);
                    found.push(f);
                }
            }
        } else if let Some(reply) = t.strip_prefix("Received >>>")
            && let Some(f) = found.last_mut().filter(|f| f.diagnostic.is_empty())
        {
            f.diagnostic = reply.trim().to_owned();
        }
    }
    found
}
