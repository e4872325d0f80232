//! Novell/Micro Focus GroupWise: "The message that you sent was undeliverable to the
//! following:" and "Possible causes of this problem are:".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "groupwise",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!(
        "The message that you sent was undeliverable to the following"
    )) || ctx
        .header("x-mailer")
        .is_some_and(|m| m.contains("GroupWise"))
        && super::from_daemon(ctx)
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["was undeliverable to the following"],
        &["Possible causes of this problem", "Original Message Header"],
        &[],
    )
}
