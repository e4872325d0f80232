//! MailMarshal SMTP (Trustwave): "Your message: ... Could not be delivered because of
//! ... The following recipients were affected:".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, section};

pub(crate) const FORMAT: Format = Format {
    name: "mailmarshal",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("The following recipients were affected"))
        || ctx.body_marker(phrase!("MessageName:"))
            && ctx.body_marker(phrase!("Could not be delivered because of"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let diag = section(
        &body,
        &["Could not be delivered because of"],
        &["The following recipients were affected"],
        true,
    )
    .map(|(s, _)| s.lines().skip(1).collect::<Vec<_>>().join("\n"))
    .unwrap_or_default();
    let remote = crate::text::after_label(&body, "Remote-MTA:")
        .map(|s| s.trim_matches(['<', '>', ' ', '\t']).to_owned());
    let Some((list, _)) = section(
        &body,
        &["The following recipients were affected"],
        &["Additional Information", "====="],
        true,
    ) else {
        return Vec::new();
    };
    list.lines()
        .skip(1)
        .filter_map(|l| addresses(l).first().map(|&(a, b)| clean_address(&l[a..b])))
        .map(|r| {
            let mut f = Found::new(&r, &diag);
            f.remote_mta.clone_from(&remote);
            f
        })
        .collect()
}
