//! qmail (and qmail-derived netqmail, vpopmail, s/qmail): "Hi. This is the
//! qmail-send program at ..." with `<address>:` blocks.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::{Found, any_ci};

pub(crate) const FORMAT: Format = Format {
    name: "qmail",
    detect,
    read: Some(read),
};

const STARTS: &[&str] = &[
    "I'm afraid I wasn't able to deliver",
    "I'm sorry, I wasn't able to deliver",
    "Unable to deliver your message to the following",
    "This is a permanent error; I've given up",
];

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("This is the qmail-send program"))
        || ctx.body_marker(phrase!("This is the qmail program"))
        // Other builds name themselves differently (`qmail-ldap`, `qmail-send (Gentoo)`).
        || ctx.body_marker(phrase!("Hi. This is the qmail"))
        || ctx.header_contains("received", "(qmail ") && any_ci(&ctx.body, STARTS)
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        STARTS,
        &[
            "--- Below this line is a copy",
            "--- Enclosed are the original headers",
        ],
        &[
            "This is a permanent error",
            "I'm not going to try again",
            "Sorry it didn't work out",
        ],
    )
}
