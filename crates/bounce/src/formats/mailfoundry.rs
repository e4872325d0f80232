//! MailFoundry: "Unable to deliver message to: `<address>`" and "Delivery failed for the
//! following reason:".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "mailfoundry",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Delivery failed for the following reason:"))
        && ctx.body_marker(phrase!("Unable to deliver message to:"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["Unable to deliver message to:"],
        &[],
        &[
            "Delivery failed for the following reason",
            "This has been a permanent failure",
        ],
    )
}
