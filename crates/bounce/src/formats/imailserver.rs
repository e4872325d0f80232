//! Ipswitch IMail Server: `Reason: address` lines ("Unknown user: ...", "User mailbox
//! exceeds allowed size: ...") before "Original message follows.".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, section};

pub(crate) const FORMAT: Format = Format {
    name: "imailserver",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-mailer").is_some_and(|m| m.contains("IMail"))
        || ctx.subject_has("Undeliverable Mail")
            && ctx.body_marker(phrase!("Original message follows."))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some((sec, end)) = section(&body, &[], &["Original message follows"], false) else {
        return Vec::new();
    };
    if end < body.len() {
        ctx.original_from_text(end);
    }
    let mut found: Vec<Found> = Vec::new();
    let mut more = String::new();
    for line in sec.lines() {
        let t = line.trim();
        match addresses(t).last() {
            Some(&(a, b)) => {
                let reason = t[..a].trim_end_matches([':', ' ', '<']).to_owned();
                found.push(Found::new(&clean_address(&t[a..b]), &reason));
            }
            None if !t.is_empty() => crate::text::push_line(&mut more, t),
            None => {}
        }
    }
    for f in &mut found {
        if !more.is_empty() {
            crate::text::push_line(&mut f.diagnostic, &more);
        }
    }
    found
}
