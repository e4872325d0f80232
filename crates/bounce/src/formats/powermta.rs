//! PowerMTA (Port25/SparkPost): "Delivery report" subjects, `X-PowerMTA-BounceCategory`
//! fields in the delivery-status part.

use super::Format;
use crate::email::Ctx;

pub(crate) const FORMAT: Format = Format {
    name: "powermta",
    detect,
    read: None,
};

fn detect(ctx: &Ctx) -> bool {
    ctx.dsn_has("X-PowerMTA")
}
