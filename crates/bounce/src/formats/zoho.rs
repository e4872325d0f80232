//! Zoho Mail: `mailer-daemon@mail.zoho.com` with `address Error, ERROR_CODE :...` lines,
//! or `[Status: Error, Address: <address>, ResponseCode NNN, , text]` ones.

use super::{Format, simple};
use crate::email::Ctx;
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "zoho",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("zoho") && super::from_daemon(ctx)
        || ctx.header("x-zohomail").is_some() && super::from_daemon(ctx)
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &[
            "could not be delivered to one or more",
            "This message was created automatically",
        ],
        &["Received:"],
        &[
            "This message was created automatically",
            "could not be delivered to one or more",
            "This is a permanent error",
        ],
    );
    for f in &mut found {
        // "Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable." → "421 Host not reachable."
        if let Some(p) = f.diagnostic.find("ERROR_CODE :") {
            let rest = &f.diagnostic[p + 12..];
            let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let text = rest
                .rsplit("ERROR_CODE :")
                .next()
                .unwrap_or("")
                .trim_start_matches([',', ' ']);
            f.diagnostic = format!("{code} {text}");
        } else if let Some(p) = f.diagnostic.find("ResponseCode ") {
            // The other layout: "[Status: Error, Address: <a@b>, ResponseCode 421, , Host
            // not reachable.]" → "421 Host not reachable."
            let rest = &f.diagnostic[p + 13..];
            let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let text = rest[code.len()..]
                .trim_start_matches([',', ' '])
                .trim_end_matches(']')
                .trim();
            if code.len() == 3 {
                f.diagnostic = format!("{code} {text}");
            }
        }
        if ctx.body_has("Temporary") {
            f.action = Some(maildiag_reply::Action::Delayed);
        }
    }
    found
}
