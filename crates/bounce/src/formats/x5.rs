//! A gateway that passes delivery reports on to its administrators (Sisimai's "X5"): a
//! notice addressed to `NotificationRecipients` with the original RFC 3464 report
//! attached as `message/rfc822`. The attached report is read as the report (see
//! `Ctx::wrapped`); this reader only names the format.

use super::Format;
use crate::email::Ctx;

pub(crate) const FORMAT: Format = Format {
    name: "x5",
    detect,
    read: None,
};

fn detect(ctx: &Ctx) -> bool {
    ctx.wrapped && ctx.header_contains("to", "NotificationRecipients")
}
