//! qmail-ldap / hosted qmail variants (Sisimai's "X4"): "Your mail message to the
//! following address(es) could not be delivered." with `<address>:` blocks.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "x4",
    detect,
    read: Some(read),
};

/// How the other qmail clones open their bounce text, each at a line start (qmail-send's
/// own `I'm afraid I wasn't able to deliver your message to the following addresses`
/// must not count).
const LEADS: &[&str] = &[
    "could not be delivered",
    "unable to deliver your message to the following addresses",
    "\nSu mensaje no pudo ser entregado",
    "\nThis is the machine generated message from mail service",
    "\nThis is the mail delivery agent at",
    "\nUnable to deliver message to the following address",
    "\nUnfortunately, your mail was not delivered to the following address",
    "\nYour mail message to the following address",
    "\nYour message to the following addresses",
    "\nWe're sorry.",
];

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("following address(es) could not be delivered"))
        && ctx.body_marker(phrase!("--- Below this line is a copy"))
        || qmail_bounce(ctx)
            && !ctx.body_marker(phrase!("This is the qmail-send program"))
            && LEADS[1..].iter().any(|l| match l.strip_prefix('\n') {
                Some(bare) => {
                    crate::text::find_ci(&ctx.body, l).is_some()
                        || ctx
                            .body
                            .trim_start()
                            .get(..bare.len())
                            .is_some_and(|h| h.eq_ignore_ascii_case(bare))
                }
                None => crate::text::find_ci(&ctx.body, l).is_some(),
            })
}

/// The headers a qmail clone's bounce carries: the subject `failure notice` or
/// `Permanent Delivery Failure`, or `Received: (qmail N invoked for bounce)`.
fn qmail_bounce(ctx: &Ctx) -> bool {
    ctx.subject_has("failure notice")
        || ctx.subject_has("Permanent Delivery Failure")
        || ctx.header_contains("received", "invoked for bounce)")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(
        ctx,
        LEADS,
        &[
            "--- Below this line is a copy",
            "--- Original message follows",
        ],
        &[
            "Please verify the addresses",
            "still having difficulty",
            "Customer Support",
        ],
    )
}
