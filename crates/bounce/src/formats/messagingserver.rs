//! Oracle/Sun Java System Messaging Server and its PMDF ancestor: "This report relates to
//! a message you sent" with "Recipient address:" and "Reason:" lines.

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, after_label, clean_address, find_ci};

pub(crate) const FORMAT: Format = Format {
    name: "messagingserver",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("This report relates to a message you sent"))
        || ctx.sender_has("pmdf")
        || ctx.header_contains("content-type", "Boundary_(ID_")
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(p) = find_ci(&body[at..], "Recipient address:") {
        let block = &body[at + p..];
        let rcpt = after_label(block, "Recipient address:").unwrap_or("");
        let next = find_ci(&block[18..], "Recipient address:").map_or(block.len(), |n| n + 18);
        let reason = after_label(&block[..next], "Reason:").unwrap_or("");
        if rcpt.contains('@') {
            found.push(Found::new(&clean_address(rcpt), reason));
        }
        at += p + 18;
    }
    found
}
