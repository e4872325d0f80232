//! Readers for bounces that are not (only) RFC 3464 reports: one module per MTA or
//! service, each recognising its own bounces by headers and body markers.
//!
//! A reader has a `detect` predicate (cheap: headers and marker strings) and, unless
//! the format always carries a `message/delivery-status` part, a `read` function that
//! pulls recipients and diagnostics out of the text. For reports with a delivery-status
//! part, `detect` only names the format.

use crate::email::Ctx;
use crate::text::{Found, blocks, drop_lines};

mod activehunter;
pub(crate) mod amazonses;
mod aol;
mod apachejames;
mod biglobe;
mod courier;
mod domino;
mod dragonfly;
mod einsundeins;
mod exchange2003;
mod exchange2007;
mod exim;
mod ezweb;
mod fml;
mod gmail;
mod gmx;
mod googlegroups;
mod groupwise;
mod gsuite;
mod imailserver;
mod interscanmss;
mod kddi;
mod mailfoundry;
mod mailmarshal;
mod mailru;
mod mcafee;
mod messagingserver;
mod mfilter;
mod mimecast;
mod mxlogic;
mod notes;
mod opensmtpd;
mod outlook;
mod postfix;
mod powermta;
mod qmail;
mod sendgrid;
mod sendmail;
mod verizon;
mod x1;
mod x2;
mod x4;
mod x5;
mod x6;
mod yahoo;
mod zoho;

/// One format reader.
pub(crate) struct Format {
    /// The format's name as reported in [`BounceRecipient::format`](crate::BounceRecipient::format).
    pub name: &'static str,
    /// Whether an email is in this format.
    pub detect: fn(&Ctx) -> bool,
    /// Reads the recipients from the text; `None` for formats that always carry a
    /// delivery-status part.
    pub read: Option<fn(&mut Ctx) -> Vec<Found>>,
}

/// Every reader, most specific first. The standard DSN reader runs before these; for
/// DSN reports the first format whose `detect` matches names the report.
pub(crate) const REGISTRY: &[&Format] = &[
    &amazonses::FORMAT,
    &sendgrid::FORMAT,
    &googlegroups::FORMAT,
    &gmail::FORMAT,
    &gsuite::FORMAT,
    &yahoo::FORMAT,
    &aol::FORMAT,
    &outlook::FORMAT,
    &exchange2007::FORMAT,
    &exchange2003::FORMAT,
    &mimecast::FORMAT,
    &zoho::FORMAT,
    &gmx::FORMAT,
    &einsundeins::FORMAT,
    &verizon::FORMAT,
    &ezweb::FORMAT,
    &kddi::FORMAT,
    &biglobe::FORMAT,
    &mfilter::FORMAT,
    &interscanmss::FORMAT,
    &mailmarshal::FORMAT,
    &mcafee::FORMAT,
    &mailfoundry::FORMAT,
    &activehunter::FORMAT,
    &imailserver::FORMAT,
    &notes::FORMAT,
    &domino::FORMAT,
    &groupwise::FORMAT,
    &courier::FORMAT,
    &messagingserver::FORMAT,
    &powermta::FORMAT,
    &apachejames::FORMAT,
    &dragonfly::FORMAT,
    &opensmtpd::FORMAT,
    &x1::FORMAT,
    &x2::FORMAT,
    &x4::FORMAT,
    &x5::FORMAT,
    &x6::FORMAT,
    &fml::FORMAT,
    &mxlogic::FORMAT,
    &mailru::FORMAT,
    &qmail::FORMAT,
    &exim::FORMAT,
    &postfix::FORMAT,
    &sendmail::FORMAT,
    &sendmail::V5,
];

/// The names of every format reader (plus `rfc3464`, `arf`, `rfc3834` and `generic`).
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = REGISTRY.iter().map(|f| f.name).collect();
    v.extend(["rfc3464", "arf", "rfc3834", "generic"]);
    v
}

/// The common reader: the section between `starts` and the returned message, split
/// into recipient blocks; boring prose lines are dropped from diagnostics. Falls back
/// to the returned message's `To` with the whole section as diagnostic.
pub(crate) fn simple(ctx: &mut Ctx, starts: &[&str], ends: &[&str], boring: &[&str]) -> Vec<Found> {
    let Some((sec, end)) = ctx.body_section(starts, ends, false) else {
        return Vec::new();
    };
    let sec = sec.to_owned();
    if end < ctx.body.len() {
        ctx.original_from_text(end);
    }
    let mut found = blocks(&sec);
    let sender = ctx.original.from.clone().unwrap_or_default();
    if found.len() > 1 && !sender.is_empty() {
        found.retain(|f| !f.recipient.eq_ignore_ascii_case(&sender));
    }
    for f in &mut found {
        f.diagnostic = drop_lines(&f.diagnostic, boring);
    }
    if found.is_empty() {
        found = fallback(ctx, &drop_lines(&sec, boring));
    }
    found
}

/// One recipient per address of the returned message's `To` (or `X-Failed-Recipients`),
/// all with the same diagnostic.
pub(crate) fn fallback(ctx: &Ctx, diagnostic: &str) -> Vec<Found> {
    let mut rcpts: Vec<String> = ctx
        .header("x-failed-recipients")
        .map(|v| {
            v.split(',')
                .map(crate::text::clean_address)
                .filter(|a| a.contains('@'))
                .collect()
        })
        .unwrap_or_default();
    if rcpts.is_empty() {
        rcpts = ctx.original_to.clone();
    }
    if let Some(own) = own_lines(&rcpts, diagnostic) {
        return rcpts
            .iter()
            .zip(own)
            .map(|(r, d)| Found::new(r, &d))
            .collect();
    }
    rcpts.iter().map(|r| Found::new(r, diagnostic)).collect()
}

/// For several recipients named in prose (`SMTP Server <mx> rejected recipient <a@b>
/// ... [550 5.1.1 ...]`, one line each), each one's own lines: those that name it and no
/// other recipient. `None` unless every recipient has such lines and they carry a reply
/// or status code (a line that only lists the address says nothing of its own).
fn own_lines(rcpts: &[String], text: &str) -> Option<Vec<String>> {
    if rcpts.len() < 2 {
        return None;
    }
    let names = |line: &str, r: &str| crate::text::contains_ci(line, r);
    rcpts
        .iter()
        .map(|r| {
            let mut own = String::new();
            for line in text.lines().filter(|l| names(l, r)) {
                if rcpts
                    .iter()
                    .any(|o| !o.eq_ignore_ascii_case(r) && names(line, o))
                {
                    return None;
                }
                crate::text::push_line(&mut own, line);
            }
            let coded = crate::status::find_pair(&own).is_some()
                || crate::status::safe_extract(own.as_bytes())
                    .is_some_and(|x| x.code.is_some() || x.enhanced.is_some());
            coded.then_some(own)
        })
        .collect()
}

/// Shared by several modules: `true` when the report comes from a mailer daemon or
/// postmaster.
pub(crate) fn from_daemon(ctx: &Ctx) -> bool {
    ctx.sender_has("mailer-daemon")
        || ctx.sender_has("postmaster")
        || ctx.sender_has("mail delivery")
}

#[cfg(test)]
mod tests {
    use super::own_lines;

    #[test]
    fn each_recipient_gets_its_own_coded_lines() {
        let rcpts = ["a@example.org".to_owned(), "b@example.net".to_owned()];
        let text = "2 error(s):\nServer <mx> rejected <a@example.org>: [550 5.1.1 unknown]\n\
Server <mx2> rejected <b@example.net>: [452 4.2.2 over quota]\n";
        assert_eq!(
            own_lines(&rcpts, text),
            Some(vec![
                "Server <mx> rejected <a@example.org>: [550 5.1.1 unknown]".to_owned(),
                "Server <mx2> rejected <b@example.net>: [452 4.2.2 over quota]".to_owned(),
            ])
        );
        // Lines that only list the addresses, a line naming both, one recipient: no.
        assert_eq!(
            own_lines(&rcpts, "a@example.org\nb@example.net\n550 failed\n"),
            None
        );
        assert_eq!(
            own_lines(
                &rcpts,
                "550 5.1.1 a@example.org and b@example.net unknown\n"
            ),
            None
        );
        assert_eq!(own_lines(&rcpts[..1], text), None);
    }
}
