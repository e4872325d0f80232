//! Exim: "This message was created automatically by mail delivery software." with
//! indented recipient lines followed by the SMTP error; also delay warnings.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "exim",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!(
        "This message was created automatically by mail delivery software"
    )) || ctx.header("x-failed-recipients").is_some()
        || ctx.header_contains("received", "(exim ") && ctx.subject_has("mail delivery failed")
}

pub(crate) fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &[
            "following address(es) failed",
            "following address failed",
            "following addresses failed",
            "could not be delivered to one or more",
            "has not yet been delivered to one or more",
            "A message that you sent",
        ],
        &[
            "------ This is a copy of",
            "--- The header of the original message",
        ],
        &[
            "This is a permanent error",
            "The following address(es) failed",
            "could not be delivered to one or more",
            "recipients. This is",
            "its recipients.",
            "(generated from",
            "Reporting-MTA:",
        ],
    );
    if ctx.subject_has("warning: message") || ctx.body_has("has not yet been delivered") {
        for f in &mut found {
            f.action = Some(maildiag_reply::Action::Delayed);
        }
    }
    found
}
