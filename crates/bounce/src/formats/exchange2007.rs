//! Exchange 2007 and later, and Office 365 / Exchange Online NDRs: "Delivery has failed
//! to these recipients or groups:" with "Diagnostic information for administrators:"
//! and "Remote Server returned '...'".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, after_label, clean_address, find_any, section};

pub(crate) const FORMAT: Format = Format {
    name: "exchange2007",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Diagnostic information for administrators"))
        || ctx.body_marker(phrase!("Delivery has failed to these recipients"))
        || ctx.body_marker(phrase!("Your message to"))
            && ctx.body_marker(phrase!("couldn't be delivered"))
        || ctx.header("x-ms-exchange-message-is-ndr").is_some()
        || ctx.header("x-ms-exchange-crosstenant-id").is_some() && super::from_daemon(ctx)
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let mut found: Vec<Found> = Vec::new();
    // The recipient list.
    if let Some((sec, _)) = section(
        &body,
        &[
            "Delivery has failed to these recipients",
            "did not reach the following recipient",
            "Your message to",
        ],
        &[
            "Diagnostic information for administrators",
            "Original message headers",
        ],
        true,
    ) {
        for line in sec.lines().take(40) {
            if let Some(&(a, b)) = addresses(line).first() {
                let addr = clean_address(&line[a..b]);
                if !found
                    .iter()
                    .any(|f| f.recipient.eq_ignore_ascii_case(&addr))
                {
                    found.push(Found::new(&addr, ""));
                }
                break;
            }
        }
    }
    // The administrators' part: "Remote Server returned '...'" or "#550 5.1.1 ..." lines.
    let admin =
        find_any(&body, &["Diagnostic information for administrators"]).map(|(p, _)| &body[p..]);
    let diag = admin
        .and_then(|a| after_label(a, "Remote Server returned"))
        .map(|s| s.trim_matches(['\'', ' ']).to_owned())
        .or_else(|| {
            admin.and_then(|a| {
                a.lines()
                    .find(|l| l.trim_start().starts_with('#'))
                    .map(|l| l.trim().to_owned())
            })
        })
        .or_else(|| {
            section(
                &body,
                &["Your message to", "Delivery has failed"],
                &["Diagnostic information", "How to Fix It"],
                false,
            )
            .map(|(s, _)| s.lines().skip(1).take(6).collect::<Vec<_>>().join("\n"))
        })
        .unwrap_or_default();
    for f in &mut found {
        f.diagnostic.clone_from(&diag);
    }
    found
}
