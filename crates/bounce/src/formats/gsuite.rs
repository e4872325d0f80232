//! Google Workspace (G Suite) and current Gmail bounces: `mailer-daemon@googlemail.com`,
//! "Delivery Status Notification", a headline such as "** Address not found **" with
//! prose, "The response from the remote server was:" and the remote reply, and a
//! delivery-status part whose `Status` may be a bare `5.0.0` and which may lack a
//! `Diagnostic-Code` (the reader then takes the text).

use super::Format;
use crate::email::Ctx;
use crate::text::{Found, addresses, collapse, find_ci};

pub(crate) const FORMAT: Format = Format {
    name: "gsuite",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("mailer-daemon@googlemail.com") || ctx.sender_has("mailer-daemon@google.com"))
        && ctx.subject_has("Delivery Status Notification")
        && ctx.header("x-gm-message-state").is_some()
}

/// The text from the first `** headline **` line to the returned message.
fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let start = body
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 4 && l.starts_with("** ") && l.ends_with(" **"))
        .and_then(|l| find_ci(&body, l))
        .unwrap_or(0);
    let Some((sec, end)) = crate::text::section(&body[start..], &[], &[], false) else {
        return Vec::new();
    };
    let diag = collapse(sec);
    if start + end < body.len() {
        ctx.original_from_text(start + end);
    }
    let mut found = super::fallback(ctx, &diag);
    if found.is_empty() {
        // The addresses the prose names ("wasn't delivered to bob@example.org").
        let mut seen: Vec<String> = Vec::new();
        for (a, b) in addresses(sec) {
            let addr = sec[a..b].to_owned();
            if !seen.iter().any(|s| s.eq_ignore_ascii_case(&addr)) {
                found.push(Found::new(&addr, &diag));
                seen.push(addr);
            }
        }
    }
    found
}
