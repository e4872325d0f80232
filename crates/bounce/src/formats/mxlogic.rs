//! MXLogic (McAfee SaaS email protection): Exim's "This message was created automatically
//! by mail delivery software." with `<address>: reply` lines and "Included is a copy of
//! the message header:"; known by its `X-MXL-*` and `X-MX-Bounce` headers.

use super::Format;
use crate::email::Ctx;

pub(crate) const FORMAT: Format = Format {
    name: "mxlogic",
    detect,
    read: Some(super::exim::read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-mx-bounce").is_some()
        || ctx.header("x-mxl-hash").is_some()
        || ctx.header("x-mxl-notehash").is_some()
        || ctx.sender_has("mxlogic.net") && super::from_daemon(ctx)
}
