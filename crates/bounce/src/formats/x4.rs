//! qmail-ldap / hosted qmail variants (Sisimai's "X4"): "Your mail message to the
//! following address(es) could not be delivered." with `<address>:` blocks.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "x4",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("following address(es) could not be delivered"))
        && ctx.body_marker(phrase!("--- Below this line is a copy"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["could not be delivered"],
        &["--- Below this line is a copy"],
        &[
            "Please verify the addresses",
            "still having difficulty",
            "Customer Support",
        ],
    )
}
