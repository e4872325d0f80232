//! An unidentified MTA (Sisimai's "X6"): subject "There was an error sending your mail",
//! "N error(s):" followed by one line per failed recipient (`SMTP Server <host> rejected
//! recipient <address> (Error following RCPT command). It responded as follows: [550
//! ...]`), then "The attachment contains the original mail headers".

use super::Format;
use crate::email::Ctx;
use crate::text::{Found, blocks_with, clean_address, first_address};

pub(crate) const FORMAT: Format = Format {
    name: "x6",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.subject_has("There was an error sending your mail")
}

/// A line naming a recipient: the first `<...>` holding an address (the server's
/// name comes first, also in angle brackets), or `...errors: address`.
fn recipient(line: &str) -> Option<(String, String)> {
    let mut rest = line;
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        let gt = after.find('>')?;
        let inner = &after[..gt];
        if inner.contains('@') && !inner.contains(' ') {
            return Some((clean_address(inner), line.trim().to_owned()));
        }
        rest = &after[gt + 1..];
    }
    let p = crate::text::find_ci(line, "errors:")?;
    let addr = first_address(&line[p..])?;
    Some((addr.to_owned(), line.trim().to_owned()))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let Some((sec, end)) = ctx.body_section(
        &["error(s):"],
        &["The attachment contains the original mail headers"],
        true,
    ) else {
        return Vec::new();
    };
    // The section starts with the "N error(s):" line itself.
    let sec = sec.split_once('\n').map_or("", |(_, r)| r).to_owned();
    if end < ctx.body.len() {
        ctx.original_from_text(end);
    }
    let found = blocks_with(&sec, recipient);
    if found.is_empty() {
        return super::fallback(ctx, &sec);
    }
    found
}
