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
    (ctx.sender_has("ezweb.ne.jp") || ctx.sender_has("@au.com"))
        && (ctx.subject_has("Mail System Error") || super::from_daemon(ctx))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(ctx, &[], &["------------------------------------"], &[]);
    spasign(ctx, &mut found);
    found
}

/// `X-SPASIGN: NG`: au's filter refused the message (the recipient's domain or spam
/// filter). The header is the only place the report says so; it is kept with the text.
pub(crate) fn spasign(ctx: &Ctx, found: &mut [Found]) {
    if ctx
        .header("x-spasign")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("NG"))
    {
        for f in found {
            crate::text::push_line(&mut f.diagnostic, "X-SPASIGN: NG");
        }
    }
}
