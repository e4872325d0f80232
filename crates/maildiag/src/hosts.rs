//! What is known of particular receiving services and reporting MTAs, in Sisimai's
//! vocabulary: the replies a service documents (or is known to send) and the reason each
//! stands for, and the fixed texts an MTA writes into its bounces.
//!
//! Sisimai decides a reason in this order: what the bounce's own MTA says (its fixed
//! texts), then what the receiving service's documented replies say, then the status code
//! checked against the wording. [`mta_reason`] and [`host_reason`] are the first two steps;
//! the third is `sources::bounce_reason`. The services, MTAs and their rules are
//! knowledge-base data (`crates/codes/data/sisimai_hosts.toml`, read through
//! [`maildiag_codes::sisimai_services`] and [`maildiag_codes::sisimai_mta_texts`]); this
//! module matches them (ASCII case-insensitively) and holds what is code, not data: the
//! readers of services' own reply codes and Gmail's SMTP-state numbers.

use maildiag_codes::{SisimaiCondition, SisimaiRule};
use maildiag_types::EnhancedCode;

/// What the reason decision knows of one bounce recipient.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    /// The diagnostic text.
    pub text: &'a str,
    /// The recipient's domain, lower-case.
    pub domain: &'a str,
    /// The remote MTA's host name.
    pub remote: &'a str,
    /// The reporting MTA's host name.
    pub reporting: &'a str,
    /// The status the report or the text gave.
    pub status: Option<EnhancedCode>,
    /// The reply code.
    pub reply: Option<u16>,
    /// The SMTP command that failed.
    pub command: Option<maildiag_reply::SmtpCommand>,
}

fn has(text: &str, needle: &str) -> bool {
    let (h, n) = (text.as_bytes(), needle.as_bytes());
    n.is_empty() || n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn holds(c: SisimaiCondition, f: &Facts<'_>) -> bool {
    let permanent = |f: &Facts<'_>| {
        f.status
            .is_some_and(|s| s.class() == maildiag_types::Class::Permanent)
            && f.reply.is_none_or(|c| c >= 500)
    };
    match c {
        SisimaiCondition::Reply(code) => f.reply == Some(code),
        SisimaiCondition::Status {
            class,
            subject,
            first,
            last,
        } => f.status.is_some_and(|s| {
            class.is_none_or(|c| s.class() as u8 == c)
                && s.subject() == subject
                && (first..=last).contains(&s.detail())
        }),
        SisimaiCondition::Permanent => permanent(f),
        SisimaiCondition::NotPermanent => {
            f.status
                .is_none_or(|s| s.class() != maildiag_types::Class::Permanent)
                && f.reply.is_none_or(|c| c < 500)
        }
        // `Any`, and conditions this version does not know: the phrase alone decides.
        _ => true,
    }
}

fn first_rule(rules: &[SisimaiRule], f: &Facts<'_>) -> Option<&'static str> {
    rules
        .iter()
        .find(|rule| holds(rule.when, f) && rule.phrases.iter().any(|p| has(f.text, p)))
        .map(|rule| rule.reason)
}

/// The reader of a service's own reply codes named in the knowledge base.
fn code_reader(name: &str) -> Option<fn(&str) -> Option<&'static str>> {
    match name {
        "france_ptt" => Some(france_ptt),
        "godaddy" => Some(godaddy),
        "cox" => Some(cox),
        "spectrum" => Some(spectrum),
        "iua" => Some(iua),
        _ => None,
    }
}

/// `host` is `suffix` or ends with it at a label boundary (`suffix` may start with a dot).
fn host_is(host: &str, suffix: &str) -> bool {
    let host = host.trim_end_matches('.');
    let bare = suffix.trim_start_matches('.');
    host.len() >= bare.len()
        && host.is_char_boundary(host.len() - bare.len())
        && host[host.len() - bare.len()..].eq_ignore_ascii_case(bare)
        && (host.len() == bare.len() || host.as_bytes()[host.len() - bare.len() - 1] == b'.')
}

/// The reason a receiving service's documented reply stands for.
pub(crate) fn host_reason(f: &Facts<'_>) -> Option<&'static str> {
    if f.text.trim().is_empty() {
        return None;
    }
    let service = maildiag_codes::sisimai_services().iter().find(|s| {
        s.hosts.iter().any(|h| {
            // The recipient's domain names the service when one of its hosts lies in it
            // (`outlook.com` for `*.protection.outlook.com`); a remote or reporting host
            // when it lies under one of them.
            (!f.domain.is_empty() && host_is(h.trim_start_matches('.'), f.domain))
                || (!f.remote.is_empty() && host_is(f.remote, h))
                || (!f.reporting.is_empty() && host_is(f.reporting, h))
        })
    })?;
    service
        .code_reader
        .and_then(code_reader)
        .and_then(|read| read(f.text))
        .or_else(|| first_rule(service.rules, f))
}

/// The reason an MTA's own fixed text in its bounce stands for. Whether it is final is
/// the caller's question ([`is_retried`]: Sisimai checks some reasons again against the
/// status code).
pub(crate) fn mta_reason(format: &str, f: &Facts<'_>) -> Option<&'static str> {
    use maildiag_reply::SmtpCommand as C;
    if format == "gmail"
        && let Some(r) = gmail_state(f)
    {
        return Some(r);
    }
    // qmail and Exim: a refused greeting is a block of the client; Exim's refused
    // sender is left open.
    if matches!(format, "qmail" | "exim") {
        match f.command {
            Some(C::Helo | C::Ehlo) => return Some("blocked"),
            Some(C::MailFrom) if format == "exim" => return Some("onhold"),
            _ => {}
        }
    }
    maildiag_codes::sisimai_mta_texts()
        .iter()
        .find(|m| m.format == format)
        .and_then(|m| first_rule(m.rules, f))
}

/// Gmail's bounces name the SMTP state the session failed in: `(state 14)` is a refusal
/// at RCPT, 15-18 after DATA. A status that names a reason of its own (not `X.0.0`)
/// decides instead.
fn gmail_state(f: &Facts<'_>) -> Option<&'static str> {
    let reason = match token_after(f.text, "(state ", u8::is_ascii_digit)? {
        "6" | "9" => "failedstarttls",
        "8" => "systemerror",
        "12" => "norelaying",
        "13" => "blocked",
        "14" => "userunknown",
        "15" | "17" | "18" => "filtered",
        _ => return None,
    };
    if let Some(s) = f.status
        && s.detail() != 0
        && let Some(named) = crate::reason::status_reason(s)
    {
        return Some(named);
    }
    Some(reason)
}

/// Orange / La Poste / Wanadoo put a code such as `LPN007_416` or `OFR_417` in their
/// replies; its last three digits name the cause.
fn france_ptt(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase().replace('_', "-");
    let label = ["lpn", "lpnaaa", "ofr", "ouk"]
        .iter()
        .find(|l| lower.contains(*l))?;
    let at = lower.rfind(label)?;
    let token: &str = lower[at..].split_whitespace().next()?;
    let digits = token.trim_end_matches(|c: char| !c.is_ascii_digit());
    let code = digits.get(digits.len().checked_sub(3)?..)?;
    Some(match code {
        "101" | "102" | "103" | "510" | "999" => "blocked",
        "104" => "toomanyconn",
        "305" | "402" => "securityerror",
        "401" | "517" => "authfailure",
        "403" | "405" | "415" | "421" => "rejected",
        "416" => "userunknown",
        "417" => "mailboxfull",
        "420" | "426" => "suspend",
        "505" => "systemerror",
        "506" => "spamdetected",
        "514" => "mesgtoobig",
        "630" => "policyviolation",
        _ => return None,
    })
}

/// The ASCII bytes `keep` accepts right after the first `marker` in `text` (possibly
/// none), or `None` without the marker.
fn token_after<'t>(text: &'t str, marker: &str, keep: fn(&u8) -> bool) -> Option<&'t str> {
    let rest = &text[text.find(marker)? + marker.len()..];
    Some(&rest[..rest.bytes().take_while(keep).count()])
}

/// GoDaddy (secureserver.net) replies end with a code such as `IB607`.
fn godaddy(text: &str) -> Option<&'static str> {
    Some(match token_after(text, " IB", u8::is_ascii_digit)? {
        "401" => "securityerror",
        "501" | "502" => "notcompliantrfc",
        "506" => "rejected",
        "508" => "authfailure",
        "108" => "requireptr",
        "212" => "spamdetected",
        "705" => "virusdetected",
        "605" | "007" => "toomanyconn",
        "101" | "504" | "510" | "607" => "speeding",
        "103" => "badreputation",
        "104" | "105" | "106" | "110" | "111" | "112" | "113" => "blocked",
        _ => return None,
    })
}

/// Cox replies carry `AUP#CODE`.
fn cox(text: &str) -> Option<&'static str> {
    Some(
        match token_after(text, "AUP#", u8::is_ascii_alphanumeric)? {
            "CXBL" | "CDRBL" => "blocked",
            "CXDNS" => "requireptr",
            "CXSNDR" => "authfailure",
            "CXSMTP" => "rejected",
            "CXCNCT" | "CXMXRT" => "toomanyconn",
            "CXTHRT" | "CXMJ" => "securityerror",
            c if c.starts_with("IPBL") => "blocked",
            c if c.starts_with("URLBL") => "spamdetected",
            _ => return None,
        },
    )
}

/// Spectrum (Charter) puts `AUP#` and a four-digit code in its replies
/// (`AUP#1260`, `AUP#In-1310`); the codes are documented in ranges.
fn spectrum(text: &str) -> Option<&'static str> {
    let at = text.find("AUP#")? + 4;
    let rest = text[at..].trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-');
    let digits = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    let code: u16 = digits.get(..4)?.parse().ok()?;
    Some(match code {
        1000 => "blocked",
        1010 | 1020..=1080 | 1500 | 1520 => "rejected",
        1090 => "systemerror",
        1100..=1150 | 1200..=1250 => "blocked",
        1160..=1190 | 1560 => "policyviolation",
        1260 => "networkerror",
        1300..=1490 | 1540 | 1550 => "toomanyconn",
        1530 => "mesgtoobig",
        _ => return None,
    })
}

/// I.UA links each refusal to an explanation page, `http://mail.i.ua/err/N/`.
fn iua(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    Some(
        match token_after(&lower, ".i.ua/err/", u8::is_ascii_digit)? {
            "1" | "6" => "norelaying",
            "2" => "userunknown",
            "3" => "suspend",
            "4" => "mailboxfull",
            "5" => "toomanyconn",
            "7" | "9" => "blocked",
            "8" => "rejected",
            "10" => "filtered",
            _ => return None,
        },
    )
}

/// Reasons Sisimai decides again from the status code and wording even when an MTA's
/// text named them.
pub(crate) fn is_retried(reason: &str) -> bool {
    matches!(
        reason,
        "undefined"
            | "onhold"
            | "systemerror"
            | "securityerror"
            | "expired"
            | "networkerror"
            | "hostunknown"
            | "userunknown"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reader_the_data_names_exists() {
        let named: Vec<&str> = maildiag_codes::sisimai_services()
            .iter()
            .filter_map(|s| s.code_reader)
            .collect();
        assert_eq!(named.len(), 5, "{named:?}");
        for n in named {
            assert!(code_reader(n).is_some(), "no code reader {n:?}");
        }
    }

    #[test]
    fn spectrum_and_iua_codes() {
        let t = "554 5.7.1 IP has been blocked due to spam. AUP#In-1310";
        assert_eq!(
            host_reason(&facts(t, "charter.net", "")),
            Some("toomanyconn")
        );
        let t = "550 5.1.0 AUP#1530 message too large";
        assert_eq!(
            host_reason(&facts(t, "example.com", "mx.spectrum.net")),
            Some("mesgtoobig")
        );
        assert_eq!(spectrum("AUP#999"), None);
        let t = "550 User not found. See http://mail.i.ua/err/2/";
        assert_eq!(host_reason(&facts(t, "i.ua", "")), Some("userunknown"));
        assert_eq!(iua("see http://mail.i.ua/err/77/"), None);
    }

    fn facts<'a>(text: &'a str, domain: &'a str, remote: &'a str) -> Facts<'a> {
        Facts {
            text,
            domain,
            remote,
            reporting: "",
            status: None,
            reply: None,
            command: None,
        }
    }

    #[test]
    fn services_are_found_by_remote_host_or_recipient_domain() {
        let t = "550 <a@ezweb.ne.jp>: User unknown";
        assert_eq!(
            host_reason(&facts(t, "ezweb.ne.jp", "")),
            Some("userunknown")
        );
        assert_eq!(
            host_reason(&facts(t, "example.jp", "lsean.ezweb.ne.jp")),
            Some("userunknown")
        );
        assert_eq!(host_reason(&facts(t, "example.jp", "mx.example.jp")), None);
        // A suffix must end at a label boundary.
        assert_eq!(host_reason(&facts(t, "example.jp", "notezweb.ne.jp")), None);
        assert_eq!(
            host_reason(&facts("550 : User unknown", "ezweb.ne.jp", "")),
            Some("filtered")
        );
    }

    #[test]
    fn service_codes_name_the_cause() {
        let f = facts(
            "550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416",
            "",
            "smtp-in.orange.fr",
        );
        assert_eq!(host_reason(&f), Some("userunknown"));
        let f = facts("552 5.2.2 Boite pleine OFR_417", "wanadoo.fr", "");
        assert_eq!(host_reason(&f), Some("mailboxfull"));
        let f = facts(
            "550 203.0.113.2 has sent to too many recipients this hour. IB607",
            "",
            "smtp.secureserver.net",
        );
        assert_eq!(host_reason(&f), Some("speeding"));
        assert_eq!(cox("554 rejected AUP#CXDNS"), Some("requireptr"));
        assert_eq!(godaddy("no code here"), None);
    }

    #[test]
    fn status_conditions_are_checked() {
        let code = |s: &str| maildiag_reply::parse_enhanced_lenient(s.as_bytes()).map(|(c, _)| c);
        let mut f = facts(
            "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
            "",
            "x.mail.protection.outlook.com",
        );
        f.status = code("5.7.606");
        assert_eq!(host_reason(&f), Some("blocked"));
        f.status = code("5.7.1");
        assert_eq!(host_reason(&f), None);
        let mut g = facts("Domain name not found: example.jp", "", "googlemail.com");
        g.status = code("4.0.0");
        assert_eq!(host_reason(&g), Some("networkerror"));
        g.status = code("5.0.0");
        g.reply = Some(550);
        assert_eq!(host_reason(&g), Some("hostunknown"));
    }

    #[test]
    fn mta_texts_and_gmail_states() {
        let f = facts("Invalid final delivery userid", "", "");
        assert_eq!(mta_reason("imailserver", &f), Some("userunknown"));
        assert_eq!(mta_reason("postfix", &f), None);
        let g = facts(
            "550 550 5.1.1 <a@example.jp>... User Unknown (state 14).",
            "",
            "",
        );
        assert_eq!(mta_reason("gmail", &g), Some("userunknown"));
        let mut full = facts(
            "550 550 5.2.2 <a@example.jp>... Mailbox Full (state 14).",
            "",
            "",
        );
        full.status = maildiag_reply::parse_enhanced_lenient(b"5.2.2").map(|(c, _)| c);
        assert_eq!(mta_reason("gmail", &full), Some("mailboxfull"));
    }
}
