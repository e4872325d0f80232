//! Yahoo! Mail: "Sorry, we were unable to deliver your message to the following
//! address." with "Remote host said:".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "yahoo",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Sorry, we were unable to deliver your message"))
        || ctx.sender_has("yahoo") && ctx.header("x-ymailisg").is_some()
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        &["Sorry, we were unable to deliver"],
        &["--- Below this line"],
        &["Remote host said:"],
    )
}
