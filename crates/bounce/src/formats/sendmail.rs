//! Sendmail: "----- Transcript of session follows -----" with the list of failed
//! addresses; and V5 sendmail, whose transcript alone names the recipients
//! ("554 `<address>`... reason") before "----- Unsent message follows -----".

use super::Format;
use crate::email::{Ctx, phrase};
use maildiag_reply::SmtpCommand;

use crate::text::{Found, addresses, clean_address, push_line, section};

pub(crate) const FORMAT: Format = Format {
    name: "sendmail",
    detect,
    read: Some(read),
};
pub(crate) const V5: Format = Format {
    name: "v5sendmail",
    detect: detect_v5,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!(
        "----- The following addresses had permanent fatal errors"
    )) || ctx.body_marker(phrase!("Transcript of session follows")) && !detect_v5(ctx)
        || ctx.dsn_has("X-Actual-Recipient")
        || ctx.dsn_has("Sendmail")
        || ctx.header_contains("received", "sendmail") && ctx.subject_has("returned mail")
}

fn detect_v5(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Transcript of session follows"))
        && ctx.body_marker(phrase!("Unsent message follows"))
        && !ctx.body_marker(phrase!("following addresses had"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let mut found: Vec<Found> = Vec::new();
    if let Some((list, _)) = section(
        &body,
        &["following addresses had"],
        &["Transcript of session"],
        true,
    ) {
        for line in list.lines().skip(1) {
            if let Some(&(a, b)) = addresses(line).first() {
                let addr = clean_address(&line[a..b]);
                if !found
                    .iter()
                    .any(|f| f.recipient.eq_ignore_ascii_case(&addr))
                {
                    let rest = line[b..].trim_start_matches(['>', ' ']);
                    let paren = rest
                        .find('(')
                        .and_then(|p| rest[p..].find(')').map(|q| &rest[p + 1..p + q]));
                    found.push(Found::new(&addr, paren.unwrap_or("")));
                }
            }
        }
    }
    let sender = ctx.original.from.clone().unwrap_or_default();
    if let Some((tr, end)) = section(
        &body,
        &["Transcript of session follows"],
        &["Unsent message follows"],
        true,
    ) {
        if end < body.len() {
            ctx.original_from_text(end);
        }
        let mut general = String::new();
        // The current SMTP session ("While talking to HOST:"): the command sent last and
        // the replies received.
        let mut session_cmd: Option<SmtpCommand> = None;
        let mut session_replies = String::new();
        for line in tr.lines().skip(1) {
            let t = line.trim();
            if crate::text::find_ci(t, "while talking to") == Some(0) {
                session_cmd = None;
                session_replies.clear();
            } else if let Some(sent) = t.strip_prefix(">>> ") {
                session_cmd = SmtpCommand::from_phrase(sent.as_bytes()).or(session_cmd);
            } else if let Some(got) = t.strip_prefix("<<< ") {
                push_line(&mut session_replies, got);
            }
            let said = strip_relay_prefix(t);
            let coded = t.len() > 4 && t.as_bytes()[..3].iter().all(u8::is_ascii_digit);
            let addrs = addresses(t);
            let mut matched = false;
            for &(a, b) in &addrs {
                let addr = clean_address(&t[a..b]);
                let at = match found
                    .iter()
                    .position(|f| f.recipient.eq_ignore_ascii_case(&addr))
                {
                    Some(i) => {
                        push_line(&mut found[i].diagnostic, said);
                        i
                    }
                    None => {
                        let is_sender = !sender.is_empty() && addr.eq_ignore_ascii_case(&sender);
                        if !(coded
                            && !is_sender
                            && t[3..].trim_start().starts_with(['<', '5', '4']))
                        {
                            continue;
                        }
                        found.push(Found::new(&addr, said));
                        found.len() - 1
                    }
                };
                matched = true;
                if coded {
                    // The recipient's own line in a session: the session's command, and
                    // when the line is the local MTA's summary (no remote reply inside),
                    // the remote replies that did not name another address.
                    let f = &mut found[at];
                    f.command = f.command.or(session_cmd);
                    if said == t
                        && !session_replies.is_empty()
                        && !crate::text::contains_ci(&session_replies, &addr)
                        && !f.diagnostic.contains(session_replies.as_str())
                    {
                        push_line(&mut f.diagnostic, &session_replies);
                    }
                }
                break;
            }
            if !matched && (coded || t.starts_with("<<<") || t.contains("while talking to")) {
                push_line(&mut general, t);
            }
        }
        for f in &mut found {
            if !f.diagnostic.chars().any(|c| c.is_ascii_digit()) {
                push_line(&mut f.diagnostic, &general);
            }
        }
    }
    found
}

/// `554 <a@b>... 550 Host unknown` → `550 Host unknown`: the inner code is the remote
/// server's.
fn strip_relay_prefix(t: &str) -> &str {
    let b = t.as_bytes();
    let coded = |b: &[u8]| b.len() > 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ';
    if coded(b)
        && b[4] == b'<'
        && let Some(p) = t.find(">... ")
        && coded(&t.as_bytes()[p + 5..])
    {
        return &t[p + 5..];
    }
    t
}
