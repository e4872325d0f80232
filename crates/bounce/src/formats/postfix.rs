//! Postfix: "This is the mail system at host ..." (or the older "This is the Postfix
//! program"), read from the text when the MIME structure is broken or the
//! delivery-status part is missing.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "postfix",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("This is the mail system at host"))
        || ctx.body_marker(phrase!("This is the Postfix program"))
        || ctx.dsn_has("X-Postfix")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["The mail system", "destinations.", "delete your own text"],
        &[
            "--- Delivery report unavailable",
            "Content-Description: Delivery report",
        ],
        &[
            "delete your own text",
            "The mail system",
            "If you do so",
            "For further assistance",
        ],
    )
}
