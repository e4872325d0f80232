//! Exchange 2007 and later, and Office 365 / Exchange Online NDRs: "Delivery has failed
//! to these recipients or groups:" with "Diagnostic information for administrators:"
//! and "Remote Server returned '...'".

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, addresses, after_label, clean_address, collapse, find_any, section};

pub(crate) const FORMAT: Format = Format {
    name: "exchange2007",
    detect,
    read: Some(read),
};

/// The administrators' section, in English, French and Italian.
const ADMIN: &[&str] = &[
    "Diagnostic information for administrators",
    "Informations de diagnostic pour les administrateurs",
    "Informazioni di diagnostica per gli amministratori",
];
/// The line naming the server that wrote the report.
const GENERATING: &[&str] = &["Generating server", "Serveur de g", "Server di generazione"];
/// Where the returned headers start.
const ORIGINAL_HEADERS: &[&str] = &[
    "Original message headers",
    "En-têtes de message d'origine",
    "Intestazioni originali del messaggio",
];

fn detect(ctx: &Ctx) -> bool {
    ctx.body_marker(phrase!("Diagnostic information for administrators"))
        || ctx.body_marker(phrase!(
            "Informations de diagnostic pour les administrateurs"
        ))
        || ctx.body_marker(phrase!(
            "Informazioni di diagnostica per gli amministratori"
        ))
        || ctx.body_marker(phrase!("Original Message Details"))
        || ctx.body_marker(phrase!("Delivery has failed to these recipients"))
        || ctx.body_marker(phrase!("Your message to"))
            && ctx.body_marker(phrase!("couldn't be delivered"))
        || ctx.header("x-ms-exchange-message-is-ndr").is_some()
        || ctx.header("x-ms-exchange-crosstenant-id").is_some() && super::from_daemon(ctx)
}

/// The administrators' section read the way every language writes it: after the
/// generating server, each recipient on a line of its own followed by its reply
/// (`#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##`), so each recipient gets its own.
fn admin_pairs(body: &str) -> Vec<Found> {
    let Some((at, _)) = find_any(body, ADMIN) else {
        return Vec::new();
    };
    let admin = &body[at..];
    let admin = match find_any(admin, ORIGINAL_HEADERS) {
        Some((end, _)) => &admin[..end],
        None => admin,
    };
    let mut found: Vec<Found> = Vec::new();
    for line in admin.lines().skip(1) {
        let t = line.trim();
        if GENERATING.iter().any(|g| {
            t.len() >= g.len()
                && t.is_char_boundary(g.len())
                && t[..g.len()].eq_ignore_ascii_case(g)
        }) {
            continue;
        }
        let whole_address = addresses(t)
            .first()
            .is_some_and(|&(a, b)| a == 0 && b == t.len());
        if whole_address {
            let addr = clean_address(t);
            if !found
                .iter()
                .any(|f| f.recipient.eq_ignore_ascii_case(&addr))
            {
                found.push(Found::new(&addr, ""));
            }
        } else if let Some(f) = found.last_mut()
            && f.diagnostic.is_empty()
            && maildiag_reply::extract_best(t.as_bytes())
                .is_some_and(|x| x.code.is_some_and(|c| matches!(c.get() / 100, 4 | 5)))
        {
            f.diagnostic = t.to_owned();
        }
    }
    found
}

/// Office 365's newer layout: `Original Message Details` with `Recipient Address: a@b`
/// (or `Name<mailto:a@b>`) lines, and `Error Details` with `Reported error: 550 5.1.10
/// ...` up to `Message Hops`.
fn details(body: &str) -> Vec<Found> {
    let Some((at, _)) = find_any(body, &["\nError Details"]) else {
        return Vec::new();
    };
    let rest = &body[at + 1..];
    let end =
        find_any(rest, &["\nMessage Hops", ORIGINAL_HEADERS[0]]).map_or(rest.len(), |(e, _)| e);
    let errors = &rest[..end];
    let diag = errors
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("Reported error:"))
        .map(|d| d.trim().to_owned())
        .unwrap_or_else(|| collapse(errors.split_once('\n').map_or("", |(_, e)| e)));
    let mut found: Vec<Found> = Vec::new();
    // Recipients are listed before the errors (a `<mailto:` after them belongs to the
    // returned headers, such as `List-Unsubscribe`).
    for line in body[..at].lines().take(400) {
        let t = line.trim();
        let addr = if let Some(a) = t.strip_prefix("Recipient Address:") {
            a.trim()
        } else if let Some((_, a)) = t.split_once("<mailto:") {
            a.trim_end_matches('>')
        } else {
            continue;
        };
        let addr = clean_address(addr);
        if addr.contains('@')
            && !found
                .iter()
                .any(|f| f.recipient.eq_ignore_ascii_case(&addr))
        {
            found.push(Found::new(&addr, &diag));
        }
    }
    found
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    let body = ctx.body.clone();
    let pairs = admin_pairs(&body);
    if !pairs.is_empty() && pairs.iter().all(|f| !f.diagnostic.is_empty()) {
        return pairs;
    }
    let d = details(&body);
    if !d.is_empty() {
        return d;
    }
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
            ADMIN[0],
            ADMIN[1],
            ADMIN[2],
            ORIGINAL_HEADERS[0],
            ORIGINAL_HEADERS[1],
            ORIGINAL_HEADERS[2],
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
    let admin = find_any(&body, ADMIN).map(|(p, _)| &body[p..]);
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
