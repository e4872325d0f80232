//! BIGLOBE (biglobe.ne.jp): "----- The following addresses had delivery problems -----"
//! and "----- Non-delivered information -----".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "biglobe",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("biglobe") && ctx.body_marker(phrase!("Non-delivered information"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["The following addresses had delivery problems"],
        &[],
        &["----- Non-delivered information"],
    )
}
