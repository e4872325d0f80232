//! SendGrid: delivery-status reports from `sendgrid.net` hosts.

use super::Format;
use crate::email::Ctx;

pub(crate) const FORMAT: Format = Format {
    name: "sendgrid",
    detect,
    read: None,
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-sg-eid").is_some()
        || ctx.dsn_has("sendgrid")
        || ctx.header_contains("return-path", "sendgrid")
}
