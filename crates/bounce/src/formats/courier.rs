//! Courier MTA: "NOTICE: mail delivery status." with "<<< 550 ..." transcripts and a
//! delivery-status part; read from the text when the part is missing.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "courier",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.subject_has("NOTICE: mail delivery status")
        || ctx.body_marker(phrase!("This is a delivery status notification from"))
        || ctx.header_contains("received", "(courier")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &[
            "The original message was received",
            "unable to deliver your message to the following",
        ],
        &[],
        &[],
    )
}
