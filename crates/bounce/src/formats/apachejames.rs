//! Apache James: "Error message below:" and "Message details:" with "RCPT TO:" lines.

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, after_label, clean_address, section};

pub(crate) const FORMAT: Format = Format {
    name: "apachejames",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Message details:")) && ctx.body_marker(phrase!("Error message below:"))
        || ctx.header_contains("message-id", "JavaMail.")
            && ctx.body_marker(phrase!("Error message below:"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let diag = section(
        &body,
        &["Error message below:"],
        &["Message details:"],
        true,
    )
    .map(|(s, _)| s.lines().skip(1).collect::<Vec<_>>().join("\n"))
    .unwrap_or_default();
    match after_label(&body, "RCPT TO:") {
        Some(r) if r.contains('@') => vec![Found::new(&clean_address(r), &diag)],
        _ => super::fallback(ctx, &diag),
    }
}
