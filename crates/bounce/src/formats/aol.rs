//! AOL: `Postmaster@AOL.com` reports; text lists the recipient with the reason.

use super::{Format, simple};
use crate::email::Ctx;
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "aol",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("@aol.com") && super::from_daemon(ctx)
        || ctx.header("x-aol-ip").is_some() && super::from_daemon(ctx)
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &[
            "could not be delivered to",
            "Delivery to the following recipients failed",
        ],
        &[],
        &[],
    )
}
