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
        || ctx.header_contains("received", "(exim ")
            && EXIM_SUBJECTS.iter().any(|s| ctx.subject_has(s))
        || ctx.body_marker(phrase!(
            "A message that you sent could not be delivered to all of its recipients"
        ))
        || ctx.body_marker(phrase!(
            "A message that you sent contained one or more recipient addresses"
        ))
        || ctx.body_marker(phrase!(
            "A message that you sent was rejected by the local scan"
        ))
        || ctx.body_marker(phrase!(" router encountered the following error"))
}

/// Exim's bounce and warning subjects (with an Exim `Received:` line).
const EXIM_SUBJECTS: &[&str] = &[
    "mail delivery failed",
    "mail failure",
    "message frozen",
    "error(s) in forwarding or filtering",
    "warning: message",
];

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
            " router encountered the following error",
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
