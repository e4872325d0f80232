//! Google Groups: "the group you tried to contact (...) may not exist"; the recipient is
//! in `X-Failed-Recipients`.

use super::{Format, fallback};
use crate::email::{Ctx, phrase};
use crate::text::{Found, collapse, section};

pub(crate) const FORMAT: Format = Format {
    name: "googlegroups",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    // English wording, or, in any language Google writes the notice in, Google's mailer
    // daemon reporting a failed recipient that is a Google Groups address.
    let english = ctx.body_marker(phrase!("Google Groups"))
        && ctx.body_marker(phrase!("group you tried to contact"));
    let from_google = ctx.header_contains("from", "mailer-daemon@googlemail.com")
        || ctx.header_contains("from", "mailer-daemon@google.com");
    // A group on its own domain (Google Workspace) in another language: the notice is
    // still signed "Google Groups" (the brand is not translated).
    english
        || from_google
            && (ctx.header_contains("x-failed-recipients", "@googlegroups.com")
                || ctx.header("x-failed-recipients").is_some()
                    && ctx.body_marker(phrase!("Google Groups")))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    // The English notice has known bounds; in other languages take the notice up to the
    // copy of the original message.
    let diag = section(
        &ctx.body,
        &["We're writing to let you know"],
        &["If you have questions"],
        false,
    )
    .map(|(s, _)| collapse(s))
    .unwrap_or_else(|| {
        let end = crate::text::find_ci(&ctx.body, "----- Original message -----")
            .unwrap_or(ctx.body.len());
        collapse(&ctx.body[..end])
    });
    if let Some(p) = crate::text::find_ci(&ctx.body, "----- Original message -----") {
        ctx.original_from_text(p);
    }
    fallback(ctx, &diag)
}
