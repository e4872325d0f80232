//! Trend Micro InterScan MSS / IMSS: "****** Message from InterScan Messaging Security
//! Suite ******" with "Unable to deliver message to <address>".

use super::{Format, fallback};
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, clean_address, push_line, section};

pub(crate) const FORMAT: Format = Format {
    name: "interscanmss",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Message from InterScan"))
        || ctx.subject_has("Mail could not be delivered") && ctx.body_marker(phrase!("InterScan"))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let Some((sec, _)) = section(
        &body,
        &[
            "Message from InterScan",
            "The following mail could not be delivered",
        ],
        &["End of message"],
        false,
    ) else {
        return Vec::new();
    };
    let mut found: Vec<Found> = Vec::new();
    for line in sec.lines().skip(1) {
        let t = line.trim();
        if let Some(&(a, b)) = addresses(t).first() {
            let addr = clean_address(&t[a..b]);
            if let Some(f) = found
                .iter_mut()
                .find(|f| f.recipient.eq_ignore_ascii_case(&addr))
            {
                push_line(&mut f.diagnostic, t);
            } else {
                found.push(Found::new(&addr, t));
            }
        }
    }
    if found.is_empty() {
        found = fallback(ctx, sec);
    }
    found
}
