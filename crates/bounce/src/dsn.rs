//! The standard reader: RFC 3464 `message/delivery-status` parts (or delivery-status
//! fields written into the text of a broken report).

use maildiag_reply::{Action, DeliveryStatus, parse_delivery_status};
use maildiag_types::EnhancedCode;

use crate::email::{Ctx, phrase};
use crate::model::{BounceRecipient, StatusSource};
use crate::status::finish;
use crate::text::{Found, clean_address, find_ci};

/// Recipients of every delivery-status part, or of DSN fields found in the text.
pub(crate) fn read(ctx: &Ctx, format: &'static str) -> Vec<BounceRecipient> {
    let mut out = Vec::new();
    for part in &ctx.dsn_parts {
        if let Some(d) = safe_dsn(part) {
            convert(ctx, &d, format, &mut out);
        }
    }
    if out.is_empty()
        && ctx.dsn_parts.is_empty()
        && let Some(start) = text_dsn_start(ctx)
        && let Some(d) = safe_dsn(&ctx.body.as_bytes()[start..])
    {
        convert(ctx, &d, format, &mut out);
    }
    out
}

/// `parse_delivery_status`, with a malformed body read as "no DSN".
fn safe_dsn(b: &[u8]) -> Option<DeliveryStatus<'_>> {
    parse_delivery_status(b).ok()
}

/// Where DSN fields start in a text body, when it carries `Final-Recipient` (or
/// `Original-Recipient`) with `Action` or `Status`.
pub(crate) fn text_dsn_start(ctx: &Ctx) -> Option<usize> {
    if !ctx.body_marker(phrase!("Final-Recipient:"))
        && !ctx.body_marker(phrase!("Original-Recipient:"))
    {
        return None;
    }
    let body = &ctx.body;
    let rcpt =
        find_ci(body, "\nFinal-Recipient:").or_else(|| find_ci(body, "\nOriginal-Recipient:"))?;
    let rest = &body[rcpt..];
    if find_ci(rest, "\nAction:").is_none() && find_ci(rest, "\nStatus:").is_none() {
        return None;
    }
    Some(
        find_ci(body, "\nReporting-MTA:")
            .filter(|&p| p < rcpt)
            .map_or(rcpt + 1, |p| p + 1),
    )
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_owned()
}

fn convert(
    ctx: &Ctx,
    d: &DeliveryStatus<'_>,
    format: &'static str,
    out: &mut Vec<BounceRecipient>,
) {
    let reporting = d.message.reporting_mta.as_ref().map(|t| lossy(&t.value));
    let arrival = d.message.arrival_date.as_ref().map(|v| lossy(v));
    for r in &d.recipients {
        let final_r = r
            .final_recipient
            .as_ref()
            .map(|t| clean_address(&lossy(&t.value)));
        let orig_r = r
            .original_recipient
            .as_ref()
            .map(|t| clean_address(&lossy(&t.value)));
        let diag = r
            .diagnostic_code
            .as_ref()
            .map(|c| lossy(&c.text))
            .unwrap_or_default();
        // A `Final-Recipient` that is no address (`@mx.example.org`, a pipe, a path)
        // yields to the original recipient, then to the address the diagnostic names.
        let Some(rcpt) = [final_r.as_deref(), orig_r.as_deref()]
            .into_iter()
            .flatten()
            .find(|a| is_address(a))
            .map(str::to_owned)
            .or_else(|| {
                final_r
                    .as_deref()
                    .is_some_and(|f| !is_address(f))
                    .then(|| bracketed_address(&diag))
                    .flatten()
            })
            .or_else(|| final_r.clone().or_else(|| orig_r.clone()))
            .filter(|a| !a.is_empty())
        else {
            continue;
        };
        let mut f = Found::new(&rcpt, &diag);
        f.action = r.action;
        f.diagnostic_type = r
            .diagnostic_code
            .as_ref()
            .map(|c| lossy(&c.kind))
            .filter(|k| !k.is_empty());
        let diag_reply = r.diagnostic_code.as_ref().and_then(|c| c.reply.as_ref());
        f.reply_code = diag_reply.and_then(|x| x.code);
        f.command = diag_reply.and_then(|x| x.command);
        f.status = prefer(r.status, diag_reply.and_then(|x| x.enhanced));
        // Amazon SES sums the remote reply up in its own words and quotes it:
        // `5.1.0 - Unknown address error 550-'5.7.1 <...>... Access denied'`. The quoted
        // status is the remote server's, and more precise than SES's summary.
        if format == "amazonses"
            && let Some(inner) = quoted_status(&diag)
        {
            f.status = Some(inner);
        }
        f.remote_mta = r
            .remote_mta
            .as_ref()
            .map(|t| lossy(&t.value))
            .filter(|v| !v.is_empty());
        let mut b = finish(f, format, ctx, reporting.as_deref());
        if r.status.is_some() && b.status == r.status {
            b.status_source = StatusSource::Report;
        }
        if final_r
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(&rcpt))
            && orig_r
                .as_ref()
                .is_some_and(|o| !o.eq_ignore_ascii_case(&rcpt))
        {
            b.original_recipient = orig_r;
        }
        b.arrival_date.clone_from(&arrival);
        b.last_attempt_date = r.last_attempt_date.as_ref().map(|v| lossy(v));
        if r.action.is_none()
            && b.status
                .is_some_and(|s| s.class() == maildiag_types::Class::Success)
        {
            b.action = Action::Delivered;
        }
        out.push(b);
    }
}

/// The first enhanced status code right after a quote (`'5.7.1 `, `"5.2.2 `).
fn quoted_status(diag: &str) -> Option<EnhancedCode> {
    let b = diag.as_bytes();
    b.iter().enumerate().find_map(|(i, &c)| {
        if c != b'\'' && c != b'"' {
            return None;
        }
        let rest = &b[i + 1..];
        let end = rest.iter().position(|&c| c == b' ')?;
        EnhancedCode::parse_strict(&rest[..end])
    })
}

/// `local@domain` with both parts present and no spaces.
pub(crate) fn is_address(a: &str) -> bool {
    match a.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !a.contains(char::is_whitespace)
                && !local.starts_with(['|', '/'])
        }
        None => false,
    }
}

/// The first `<local@domain>` in a diagnostic.
fn bracketed_address(diag: &str) -> Option<String> {
    let mut rest = diag;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let inner = clean_address(&after[..close]);
        if is_address(&inner) {
            return Some(inner);
        }
        rest = &after[close..];
    }
    None
}

/// The DSN `Status` unless the diagnostic carries a specific (not `X.0.0`) code.
fn prefer(status: Option<EnhancedCode>, diag: Option<EnhancedCode>) -> Option<EnhancedCode> {
    match (status, diag) {
        // The remote server's own code is more precise than the reporting MTA's summary.
        (Some(_), Some(d)) if d.subject() != 0 || d.detail() != 0 => Some(d),
        (Some(s), _) => Some(s),
        (None, d) => d,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_inner_status() {
        assert_eq!(
            super::quoted_status(
                "5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied'"
            )
            .map(|s| s.to_string())
            .as_deref(),
            Some("5.7.1")
        );
        assert_eq!(super::quoted_status("550 5.1.1 'quoted words'"), None);
    }

    #[test]
    fn recipients_that_are_no_address_yield() {
        assert!(super::is_address("u@example.com"));
        assert!(!super::is_address("@mx.example.org"));
        assert!(!super::is_address("|/usr/bin/procmail@example.org"));
        assert!(!super::is_address("u@"));
        assert_eq!(
            super::bracketed_address("550 <@mx> <kijitora@example.jp>... User unknown").as_deref(),
            Some("kijitora@example.jp")
        );
        assert_eq!(super::bracketed_address("550 no address"), None);
    }
}
