//! DragonFly Mail Agent (dma): "There was an error delivering your mail to `<address>`."
//! followed by the remote server's reply and "Message headers follow.".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, find_ci, section};

pub(crate) const FORMAT: Format = Format {
    name: "dragonfly",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("This is the DragonFly Mail Agent"))
        || ctx.body_marker(phrase!("There was an error delivering your mail to"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some((sec, end)) = section(
        &body,
        &["There was an error delivering your mail to"],
        &["Message headers follow"],
        true,
    ) else {
        return Vec::new();
    };
    if end < body.len() {
        ctx.original_from_text(end);
    }
    let first = sec.lines().next().unwrap_or("");
    let Some(p) = find_ci(first, "mail to") else {
        return Vec::new();
    };
    let Some(&(a, b)) = addresses(&first[p..]).first() else {
        return Vec::new();
    };
    let rcpt = clean_address(&first[p + a..p + b]);
    let diag: String = sec.lines().skip(1).collect::<Vec<_>>().join("\n");
    vec![Found::new(&rcpt, &diag)]
}
