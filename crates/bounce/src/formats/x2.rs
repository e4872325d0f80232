//! Reports "Unable to deliver message to the following address(es)." with `<address>:`
//! blocks and "--- Original message follows." (Sisimai's "X2", e.g. Yahoo! Japan-era
//! qmail derivatives).

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "x2",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!(
        "Unable to deliver message to the following address"
    ))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["Unable to deliver message to the following address"],
        &["--- Original message follows"],
        &[],
    )
}
