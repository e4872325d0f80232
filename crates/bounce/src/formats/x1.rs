//! Mail2000-style reports (Sisimai's "X1"): "---The following addresses had delivery
//! errors---" with `address [reason]` lines.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "x1",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("---The following addresses had delivery errors---"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &["The following addresses had delivery errors"],
        &[],
        &[],
    );
    for f in &mut found {
        f.diagnostic = f.diagnostic.trim_matches(['[', ']', ' ']).to_owned();
    }
    found
}
