//! Gmail's own bounces: "Delivery to the following recipient failed permanently:" with
//! "The error that the other server returned was:".

use super::{Format, simple};
use crate::email::Ctx;
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "gmail",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("mailer-daemon@google") || ctx.sender_has("mailer-daemon@gmail"))
        && (ctx.body_has("Delivery to the following recipient")
            || ctx.body_has("Google tried to deliver"))
        || ctx.body_has("Delivery to the following recipient failed permanently")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &["Delivery to the following recipient"],
        &["----- Original message -----"],
        &[
            "Technical details of",
            "The error that the other server returned was",
            "Google tried to deliver",
        ],
    );
    if ctx.body_has("will retry") || ctx.body_has("temporary failure") {
        for f in &mut found {
            f.action = Some(maildiag_reply::Action::Delayed);
        }
    }
    found
}
