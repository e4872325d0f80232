//! Exchange 2000/2003: "Your message ... did not reach the following recipient(s):"
//! with `address on DATE` lines and `MSEXCH:` codes.

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, push_line, section};

pub(crate) const FORMAT: Format = Format {
    name: "exchange2003",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("did not reach the following recipient"))
        || ctx.body_marker(phrase!("MSEXCH:"))
}

/// MSEXCH:IMS and X.400 codes and what they mean.
const CODES: &[(&str, &str)] = &[
    ("000C05A6", "550 5.1.1 recipient unknown"),
    ("000B099C", "550 5.1.1 recipient unknown"),
    ("000B09AA", "550 5.1.1 recipient unknown"),
    ("00000000", ""),
    ("000C0595", "550 5.4.1 host unreachable"),
    ("000D06B5", "550 5.2.2 mailbox full"),
    ("000B0981", "550 5.3.4 message too big"),
];

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some((sec, end)) = section(&body, &["did not reach the following recipient"], &[], true)
    else {
        return Vec::new();
    };
    if end < body.len() {
        ctx.original_from_text(end);
    }
    let mut found: Vec<Found> = Vec::new();
    for line in sec.lines().skip(1) {
        let indented = line.starts_with([' ', '\t']);
        match addresses(line).first() {
            Some(&(a, b)) if !indented => {
                // `Name (SMTP=addr) on DATE`: the address type is no part of the address.
                let addr = clean_address(&line[a..b]);
                let addr = match addr.get(..5) {
                    Some(t) if t.eq_ignore_ascii_case("smtp=") => addr[5..].to_owned(),
                    _ => addr,
                };
                found.push(Found::new(&addr, ""));
            }
            _ => {
                if let Some(f) = found.last_mut() {
                    push_line(&mut f.diagnostic, line);
                }
            }
        }
    }
    for f in &mut found {
        if let Some((_, d)) = CODES.iter().find(|(c, _)| f.diagnostic.contains(c))
            && !d.is_empty()
        {
            f.diagnostic = format!("{} ({d})", f.diagnostic);
        }
    }
    found
}
