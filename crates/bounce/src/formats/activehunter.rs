//! Active!hunter (TransWARE): sendmail-like "----- The following addresses had
//! permanent fatal errors -----" in a MIME message without a delivery-status part.

use super::Format;
use crate::email::Ctx;
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "activehunter",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-ahmailid").is_some() || ctx.header_contains("content-type", "Active!Hunter")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    (super::sendmail::FORMAT.read.unwrap_or(|_| Vec::new()))(ctx)
}
