//! IBM/HCL Domino: "DELIVERY FAILURE:" subjects, "Your message ... was not delivered
//! to: address ... because: reason".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, after_label, clean_address, find_ci};

pub(crate) const FORMAT: Format = Format {
    name: "domino",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.subject_has("DELIVERY FAILURE:")
        || ctx.subject_has("DELIVERY_FAILURE:")
        || ctx.body_marker(phrase!("was not delivered to:")) && ctx.body_marker(phrase!("because:"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some(p) = find_ci(&body, "was not delivered to:") else {
        return Vec::new();
    };
    let rest = &body[p + "was not delivered to:".len()..];
    let mut lines = rest.lines().map(str::trim).filter(|l| !l.is_empty());
    let rcpt = lines.next().unwrap_or("");
    let because = after_label(rest, "because:")
        .map(str::to_owned)
        .unwrap_or_default();
    let because = if because.is_empty() {
        find_ci(rest, "because:")
            .map(|q| {
                rest[q + 8..]
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("")
                    .to_owned()
            })
            .unwrap_or_default()
    } else {
        because
    };
    if rcpt.contains('@') {
        vec![Found::new(&clean_address(rcpt), &because)]
    } else {
        super::fallback(ctx, &because)
    }
}
