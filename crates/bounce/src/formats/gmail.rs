//! Gmail's own bounces: "Delivery to the following recipient failed permanently:" with
//! "The error that the other server returned was:".

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "gmail",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("mailer-daemon@google") || ctx.sender_has("mailer-daemon@gmail"))
        && (ctx.body_marker(phrase!("Delivery to the following recipient"))
            || ctx.body_marker(phrase!("Google tried to deliver")))
        || ctx.body_marker(phrase!(
            "Delivery to the following recipient failed permanently"
        ))
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
    // The reply sits at the end of a prose paragraph that the boring-line filter drops
    // whole when the paragraph is one line: take it from there.
    if let Some(reply) =
        crate::text::after_label(&ctx.body, "The error that the other server returned was:")
            .filter(|r| !r.is_empty())
    {
        for f in found.iter_mut().filter(|f| f.diagnostic.trim().is_empty()) {
            f.diagnostic = reply.to_owned();
        }
    }
    if ctx.body_has("will retry") || ctx.body_has("temporary failure") {
        for f in &mut found {
            f.action = Some(maildiag_reply::Action::Delayed);
        }
    }
    found
}
