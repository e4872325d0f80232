//! OpenSMTPD: "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail." with
//! `address: reply` lines.

use super::{Format, simple};
use crate::email::{Ctx, phrase};
use crate::text::Found;

pub(crate) const FORMAT: Format = Format {
    name: "opensmtpd",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("This is the MAILER-DAEMON, please DO NOT REPLY"))
        || ctx.body_marker(phrase!(
            "An error has occurred while attempting to deliver a message for"
        ))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let mut found = simple(
        ctx,
        &["list of recipients:", "following list of recipients"],
        &["Below is a copy of the original message"],
        &[],
    );
    if ctx.body_has("Delays are not unusual") || ctx.subject_has("warning") {
        for f in &mut found {
            f.action = Some(maildiag_reply::Action::Delayed);
        }
    }
    found
}
