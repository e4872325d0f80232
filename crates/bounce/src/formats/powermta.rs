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
    ctx.dsn_parts
        .iter()
        .any(|p| crate::text::contains_ci(&String::from_utf8_lossy(p), "X-PowerMTA"))
}
