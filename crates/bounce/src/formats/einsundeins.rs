//! 1&1 (einsundeins / kundenserver.de): "The following address failed:" and "For the
//! following reason:".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "einsundeins",
    detect,
    read: Some(super::gmx::read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("kundenserver")
        || ctx.sender_has("1and1")
        || ctx.sender_has("1und1")
        || ctx.body_marker(phrase!("For the following reason:")))
        && ctx.body_marker(phrase!("The header of the original message"))
}

#[allow(dead_code)]
fn unused(_: &mut Ctx) -> Vec<Found> {
    Vec::new()
}
