//! au one net / KDDI (dion.ne.jp): "Could not be delivered to: `<address>`" and the reason
//! ("As their mailbox is full.").

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "kddi",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    (ctx.sender_has("dion.ne.jp") || ctx.sender_has("auone") || ctx.sender_has("kddi"))
        && ctx.body_marker(phrase!("Could not be delivered to:"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(ctx, &["Your mail sent on"], &[], &[]);
    super::ezweb::spasign(ctx, &mut found);
    for f in &mut found {
        if crate::text::contains_ci(&f.diagnostic, "mailbox is full") {
            f.diagnostic = format!("{} (mailbox full)", f.diagnostic);
        }
    }
    found
}
