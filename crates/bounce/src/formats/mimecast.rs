//! Mimecast: "An email that you attempted to send to the following address could not
//! be delivered:" with `-- ` prefixed lines.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "mimecast",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-mc-system").is_some()
        || ctx.header_contains("received", "mimecast")
            && ctx.body_marker(phrase!("could not be delivered"))
            && super::from_daemon(ctx)
        || ctx.body_marker(phrase!("The problem appears to be :"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["attempted to send to the following address"],
        &[
            "This condition occurred after",
            "If you sent the email to multiple",
        ],
        &[
            "The problem appears to be",
            "Additional information follows",
        ],
    )
}
