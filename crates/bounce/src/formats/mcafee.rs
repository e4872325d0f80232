//! McAfee Email Gateway (IronMail): "--- The following addresses had delivery problems
//! ---" with `<address> (reason)` lines, plus a terse delivery-status part.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "mcafee",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-nai-header").is_some()
        || ctx.body_marker(phrase!(
            "--- The following addresses had delivery problems ---"
        )) && !ctx.sender_has("biglobe")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &["The following addresses had delivery problems"],
        &[],
        &[],
    );
    for f in &mut found {
        f.diagnostic = f.diagnostic.trim_matches(['(', ')', ' ']).to_owned();
    }
    found
}
