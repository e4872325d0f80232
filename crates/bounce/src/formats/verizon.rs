//! Verizon Wireless MMS: "Message could not be delivered to mobile." with the original
//! headers quoted under "Original Message:".

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
    let orig = find_ci(&body, "Original Message:").map_or("", |p| &body[p..]);
    match after_label(orig, "To:") {
        Some(to) if to.contains('@') => vec![Found::new(&clean_address(to), &diag)],
        _ => super::fallback(ctx, &diag),
    }
}
