//! Verizon Wireless: the MMS gateway's "Message could not be delivered to mobile." with
//! the original headers quoted under "Original Message:", and the SMS gateway's
//! (`post_master@vtext.com`) `Error:` notice that lists the envelope (`RCPT TO: ...`) and
//! the reply as `550 - text`.

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, after_label, clean_address, find_ci};

pub(crate) const FORMAT: Format = Format {
    name: "verizon",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("vzwpix")
        || ctx.sender_has("vtext.com")
        || ctx.body_marker(phrase!("Message could not be delivered to mobile"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let diag = after_label(&body, "Error:").unwrap_or("").to_owned();
    // The SMS gateway: one `RCPT TO:` line per recipient, and the reply `NNN - text`.
    let rcpts: Vec<String> = body
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("RCPT TO:"))
        .map(clean_address)
        .filter(|a| a.contains('@'))
        .collect();
    if !rcpts.is_empty() {
        let reply = body.lines().find_map(|l| {
            let l = l.trim();
            let (code, text) = l.split_at_checked(3)?;
            let text = text.strip_prefix(" - ")?;
            (code.bytes().all(|b| b.is_ascii_digit()) && matches!(code.as_bytes()[0], b'4' | b'5'))
                .then(|| format!("{code} {text}"))
        });
        let diag = reply.unwrap_or(diag);
        return rcpts.iter().map(|r| Found::new(r, &diag)).collect();
    }
    let orig = find_ci(&body, "Original Message:").map_or("", |p| &body[p..]);
    match after_label(orig, "To:") {
        Some(to) if to.contains('@') => vec![Found::new(&clean_address(to), &diag)],
        _ => super::fallback(ctx, &diag),
    }
}
