//! Lotus Notes (old SMTP MTA): "------- Failure Reasons --------" with the reason,
//! then the address, then "------- Returned Message --------".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, push_line, section};

pub(crate) const FORMAT: Format = Format {
    name: "notes",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("------- Failure Reasons"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some((sec, end)) = section(
        &body,
        &["------- Failure Reasons"],
        &["------- Returned Message"],
        true,
    ) else {
        return Vec::new();
    };
    if end < body.len() {
        ctx.original_from_text(end);
    }
    let mut reason = String::new();
    let mut found = Vec::new();
    for line in sec.lines().skip(1) {
        match addresses(line).first() {
            Some(&(a, b)) => found.push(Found::new(&clean_address(&line[a..b]), &reason)),
            None => push_line(&mut reason, line),
        }
    }
    found
}
