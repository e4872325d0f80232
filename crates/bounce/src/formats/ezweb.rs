//! au EZweb (KDDI mobile mail, ezweb.ne.jp): the recipient alone on the first line,
//! then the reason ("was rejected by a remote mail server", "The user(s) account is
//! disabled").

use super::{Format, simple};
use crate::email::Ctx;
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "ezweb",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("ezweb.ne.jp")
        && (ctx.subject_has("Mail System Error") || super::from_daemon(ctx))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    simple(ctx, &[], &["------------------------------------"], &[])
}
