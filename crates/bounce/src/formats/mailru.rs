//! Mail.Ru: Exim's bounce ("This message was created automatically by mail delivery
//! software.") after a Russian preamble, sent by `mailer-daemon@...mail.ru` with a
//! Message-ID of the `.mail.ru` hosts.

use super::Format;
use crate::email::{Ctx, phrase};

pub(crate) const FORMAT: Format = Format {
    name: "mailru",
    detect,
    read: Some(super::exim::read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!(
        "This message was created automatically by mail delivery software"
    )) && ctx.sender_has("mailer-daemon@")
        && (ctx.sender_has("mail.ru") || ctx.sender_has("smailru.net"))
        && ctx.header("message-id").is_some_and(|m| {
            let m = m.trim().trim_end_matches('>').to_ascii_lowercase();
            m.ends_with(".mail.ru") || m.ends_with(".smailru.net") || m.ends_with("@mail.ru")
        })
}
