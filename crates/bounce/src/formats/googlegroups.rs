//! Google Groups: "the group you tried to contact (...) may not exist"; the recipient is
//! in `X-Failed-Recipients`.

use super::{Format, fallback};
use crate::email::Ctx;
use crate::text::{Found, collapse, section};

pub(crate) const FORMAT: Format = Format {
    name: "googlegroups",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_has("Google Groups") && ctx.body_has("group you tried to contact")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let diag = section(
        &ctx.body,
        &["We're writing to let you know"],
        &["If you have questions"],
        false,
    )
    .map(|(s, _)| collapse(s))
    .unwrap_or_default();
    if let Some(p) = crate::text::find_ci(&ctx.body, "----- Original message -----") {
        ctx.original_from_text(p);
    }
    fallback(ctx, &diag)
}
