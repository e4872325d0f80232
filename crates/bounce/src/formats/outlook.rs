//! Outlook.com / Hotmail: `postmaster@*.hotmail.com` or `outlook.com` reports
//! ("Delivery to the following recipients failed").

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "outlook",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("hotmail") || ctx.sender_has("outlook.com") || ctx.sender_has("live.com"))
        && super::from_daemon(ctx)
        && ctx.header("x-ms-exchange-crosstenant-id").is_none()
        && !ctx.body_marker(phrase!("Diagnostic information for administrators"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &[
            "Delivery to the following recipients failed",
            "Delivery to the following recipient",
        ],
        &[],
        &[],
    )
}
