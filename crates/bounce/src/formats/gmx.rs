//! GMX / mail.com: Exim-like text with "--- The header of the original message is
//! following. ---".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "gmx",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("gmx")
        || ctx.sender_has("mail.com")
        || ctx.header("envelope-to").is_some() && ctx.sender_has("gmx"))
        && ctx.body_marker(phrase!("The header of the original message"))
}

pub(crate) fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &[
            "following address failed",
            "following addresses failed",
            "address failed:",
            "failed:",
        ],
        &["--- The header of the original message"],
        &[
            "SMTP error from remote server",
            "For the following reason",
            "host:",
            "recipients. This is",
        ],
    )
}
