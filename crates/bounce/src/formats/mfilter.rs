//! m-FILTER (Digital Arts): recipient list, then "-------server message",
//! "-------SMTP command" and "-------original message".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, find_ci, section};

pub(crate) const FORMAT: Format = Format {
    name: "mfilter",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("-------server message"))
        || ctx.body_marker(phrase!("m-FILTER"))
            && ctx.body_marker(phrase!("-------original message"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    if let Some(p) = find_ci(&body, "-------original message") {
        ctx.original_from_text(p);
    }
    let head = find_ci(&body, "-------server message").map_or(&body[..], |p| &body[..p]);
    let rcpts: Vec<String> = head
        .lines()
        .filter_map(|l| {
            addresses(l)
                .first()
                .filter(|&&(a, _)| a == 0)
                .map(|&(a, b)| clean_address(&l[a..b]))
        })
        .collect();
    let diag = section(
        &body,
        &["-------server message"],
        &["-------SMTP command", "-------original message"],
        true,
    )
    .map(|(s, _)| s.lines().skip(1).collect::<Vec<_>>().join("\n"))
    .unwrap_or_default();
    let cmd = section(
        &body,
        &["-------SMTP command"],
        &["-------original message"],
        true,
    )
    .and_then(|(s, _)| s.lines().nth(1).map(|c| c.trim().to_owned()));
    rcpts
        .iter()
        .map(|r| {
            let mut f = Found::new(r, &diag);
            f.command = cmd
                .as_deref()
                .and_then(|c| maildiag_reply::SmtpCommand::from_phrase(c.as_bytes()));
            f
        })
        .collect()
}
