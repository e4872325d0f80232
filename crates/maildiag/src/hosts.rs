//! What is known of particular receiving services and reporting MTAs, in Sisimai's
//! vocabulary: the replies a service documents (or is known to send) and the reason each
//! stands for, and the fixed texts an MTA writes into its bounces.
//!
//! Sisimai decides a reason in this order: what the bounce's own MTA says (its fixed
//! texts), then what the receiving service's documented replies say, then the status code
//! checked against the wording. [`mta_reason`] and [`host_reason`] are the first two steps;
//! the third is `sources::bounce_reason`. The phrases are facts about real replies (the
//! services' own documentation, collected by Sisimai's rhost/lhost modules); matching is
//! ASCII case-insensitive.

use maildiag_types::EnhancedCode;

/// When a rule applies beyond its phrase.
#[derive(Debug, Clone, Copy)]
enum Cond {
    /// Always.
    Any,
    /// The reply code is this one.
    Reply(u16),
    /// The status is `class.subject.detail` with the detail in `lo..=hi` (class ignored
    /// when `class` is 0).
    Status(u8, u16, u16, u16),
    /// Status and reply code (when known) are both permanent.
    Permanent,
    /// Neither the status nor the reply code is permanent.
    NotPermanent,
}

/// One rule: any of the phrases, under the condition, stands for the reason.
#[derive(Debug, Clone, Copy)]
struct Rule {
    reason: &'static str,
    cond: Cond,
    phrases: &'static [&'static str],
}

const fn r(reason: &'static str, phrases: &'static [&'static str]) -> Rule {
    Rule {
        reason,
        cond: Cond::Any,
        phrases,
    }
}

const fn rc(reason: &'static str, cond: Cond, phrases: &'static [&'static str]) -> Rule {
    Rule {
        reason,
        cond,
        phrases,
    }
}

/// A receiving service recognised by host-name suffixes.
struct Service {
    /// Suffixes of the remote or reporting host (and of the recipient's domain).
    hosts: &'static [&'static str],
    /// Its documented replies.
    rules: &'static [Rule],
    /// A reason read from a code the service puts in its replies.
    by_code: Option<fn(&str) -> Option<&'static str>>,
}

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

fn holds(c: Cond, f: &Facts<'_>) -> bool {
    let permanent = |f: &Facts<'_>| {
        f.status
            .is_some_and(|s| s.class() == maildiag_types::Class::Permanent)
            && f.reply.is_none_or(|c| c >= 500)
    };
    match c {
        Cond::Any => true,
        Cond::Reply(code) => f.reply == Some(code),
        Cond::Status(class, subject, lo, hi) => f.status.is_some_and(|s| {
            (class == 0 || s.class() as u8 == class)
                && s.subject() == subject
                && (lo..=hi).contains(&s.detail())
        }),
        Cond::Permanent => permanent(f),
        Cond::NotPermanent => {
            f.status
                .is_none_or(|s| s.class() != maildiag_types::Class::Permanent)
                && f.reply.is_none_or(|c| c < 500)
        }
    }
}

fn first_rule(rules: &[Rule], f: &Facts<'_>) -> Option<&'static str> {
    rules
        .iter()
        .find(|rule| holds(rule.cond, f) && rule.phrases.iter().any(|p| has(f.text, p)))
        .map(|rule| rule.reason)
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
    let service = SERVICES.iter().find(|s| {
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
        .by_code
        .and_then(|by_code| by_code(f.text))
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
    MTAS.iter()
        .find(|(name, _)| *name == format)
        .and_then(|(_, rules)| first_rule(rules, f))
}

/// Gmail's bounces name the SMTP state the session failed in: `(state 14)` is a refusal
/// at RCPT, 15-18 after DATA. A status that names a reason of its own (not `X.0.0`)
/// decides instead.
fn gmail_state(f: &Facts<'_>) -> Option<&'static str> {
    let at = f.text.find("(state ")?;
    let n: String = f.text[at + 7..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let reason = match n.as_str() {
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

/// GoDaddy (secureserver.net) replies end with a code such as `IB607`.
fn godaddy(text: &str) -> Option<&'static str> {
    let at = text.find(" IB")?;
    let code: String = text[at + 3..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(match code.as_str() {
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
    let at = text.find("AUP#")?;
    let code: String = text[at + 4..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    Some(match code.as_str() {
        "CXBL" | "CDRBL" => "blocked",
        "CXDNS" => "requireptr",
        "CXSNDR" => "authfailure",
        "CXSMTP" => "rejected",
        "CXCNCT" | "CXMXRT" => "toomanyconn",
        "CXTHRT" | "CXMJ" => "securityerror",
        c if c.starts_with("IPBL") => "blocked",
        c if c.starts_with("URLBL") => "spamdetected",
        _ => return None,
    })
}

const SERVICES: &[Service] = &[
    // au / EZweb (KDDI).
    Service {
        hosts: &[".ezweb.ne.jp", "msmx.au.com"],
        rules: &[
            r("filtered", &["550 : user unknown"]),
            r("userunknown", &[">: user unknown"]),
        ],
        by_code: None,
    },
    // Outlook.com consumer (hotmail.com).
    Service {
        hosts: &[".hotmail.com"],
        rules: &[
            r(
                "hostunknown",
                &[
                    "The mail could not be delivered to the recipient because the domain is not reachable",
                ],
            ),
            r(
                "userunknown",
                &["Requested action not taken: mailbox unavailable"],
            ),
        ],
        by_code: None,
    },
    // Microsoft 365 / Exchange Online.
    Service {
        hosts: &[
            ".prod.outlook.com",
            ".protection.outlook.com",
            ".onmicrosoft.com",
            ".exchangelabs.com",
        ],
        rules: MICROSOFT,
        by_code: None,
    },
    // Symantec / Broadcom Email Security.cloud.
    Service {
        hosts: &[".messagelabs.com"],
        rules: &[
            r("authfailure", &["domain authentication fail"]),
            r("badreputation", &["Connection rejected by policy"]),
            r(
                "blocked",
                &[
                    "mail rejected because your IP is in the PBL",
                    "your IP address has been ",
                ],
            ),
            r("contenterror", &["Stray linefeeds in message"]),
            r("failedstarttls", &["TLS/SSLv3 Connection required"]),
            r("norelaying", &[" as a relay, "]),
            r(
                "notcompliantrfc",
                &[
                    "550 Requested action aborted [4]",
                    "has detected that this message is not RFC 5322",
                ],
            ),
            r(
                "rejected",
                &[
                    "sender envelope domain not allowed for sender IP address",
                    "your domain has been blocked",
                    "your email address has been blocked",
                    "your envelope sender is in my badmailfrom list",
                    "your email address has been blacklisted",
                    "your domain has been blacklisted",
                ],
            ),
            r(
                "securityerror",
                &["Please turn on SMTP Authentication in your mail client"],
            ),
            r(
                "spamdetected",
                &["Message Filtered", "filtered by Outbound scanning"],
            ),
            r(
                "toomanyconn",
                &[
                    "Too many recipients received this hour",
                    "too many messages",
                ],
            ),
            r(
                "userunknown",
                &[
                    "No such user",
                    "Invalid recipient",
                    "mailbox is not allowed",
                ],
            ),
        ],
        by_code: None,
    },
    // Orange / La Poste / Wanadoo.
    Service {
        hosts: &[".laposte.net", ".orange.fr", ".wanadoo.fr"],
        rules: &[r("authfailure", &["spf/dns de votre nom de domaine"])],
        by_code: Some(france_ptt),
    },
    // GoDaddy.
    Service {
        hosts: &["smtp.secureserver.net", "mailstore1.secureserver.net"],
        rules: &[
            r("blocked", &["rbl reject", "www.spamhaus.org/query/bl?ip="]),
            r(
                "expired",
                &["has been in the queue too long", "delivery timeout"],
            ),
            r("mailboxfull", &["account storage limit"]),
            r(
                "spamdetected",
                &["message rejected for spam or virus content"],
            ),
            r("suspend", &["account disabled"]),
            r("systemerror", &["message is looping"]),
            r(
                "userunknown",
                &["recipient not found", "account does not exist"],
            ),
        ],
        by_code: Some(godaddy),
    },
    // Gmail's MX hosts.
    Service {
        hosts: &["aspmx.l.google.com", "gmail-smtp-in.l.google.com"],
        rules: GOOGLE,
        by_code: None,
    },
    // Google Workspace's own bounces (googlemail.com).
    Service {
        hosts: &["googlemail.com"],
        rules: &[
            rc(
                "hostunknown",
                Cond::Permanent,
                &[" responded with code NXDOMAIN", "Domain name not found"],
            ),
            rc(
                "networkerror",
                Cond::NotPermanent,
                &[
                    " had no relevant answers.",
                    " responded with code NXDOMAIN",
                    "Domain name not found",
                ],
            ),
            r("notaccept", &["Null MX"]),
            r(
                "userunknown",
                &["because the address couldn't be found. Check for typos or unnecessary spaces"],
            ),
        ],
        by_code: None,
    },
    // Mimecast.
    Service {
        hosts: &[".mimecast.com"],
        rules: &[
            rc(
                "authfailure",
                Cond::Reply(550),
                &[
                    "spf sender invalid - envelope rejected",
                    "dkim sender invalid - envelope rejected",
                    "dmarc sender invalid - envelope rejected",
                ],
            ),
            rc(
                "badreputation",
                Cond::Reply(451),
                &["internal resources are temporarily unavailable"],
            ),
            rc(
                "badreputation",
                Cond::Reply(550),
                &["local ct ip reputation - (reject)"],
            ),
            rc("blocked", Cond::Reply(421), &["sender address blocked"]),
            rc(
                "blocked",
                Cond::Reply(451),
                &[
                    "recipient temporarily unavailable",
                    "ip temporarily blacklisted",
                ],
            ),
            rc(
                "mesgtoobig",
                Cond::Reply(554),
                &["maximum email size exceeded"],
            ),
            rc("networkerror", Cond::Reply(554), &["mail loop detected"]),
            rc(
                "norelaying",
                Cond::Reply(451),
                &["open relay not allowed", "open relay is not allowed"],
            ),
            rc(
                "notaccept",
                Cond::Reply(451),
                &["account inbounds disabled"],
            ),
            rc(
                "policyviolation",
                Cond::Reply(550),
                &[
                    "anti-spoofing policy - inbound not allowed",
                    "rejected by header-based anti-spoofing policy",
                ],
            ),
            rc(
                "policyviolation",
                Cond::Reply(554),
                &["host network not allowed", "host network, not allowed"],
            ),
            rc(
                "rejected",
                Cond::Reply(550),
                &[
                    "administrative prohibition envelope blocked",
                    "envelope blocked - user entry",
                    "envelope blocked - user domain entry",
                    "rejected by header-based manually blocked senders",
                    "rejected by header-based blocked senders",
                    "envelope rejected - block policy for envelope from address",
                ],
            ),
            rc(
                "securityerror",
                Cond::Reply(535),
                &["incorrect authentication data"],
            ),
            rc(
                "securityerror",
                Cond::Reply(550),
                &["submitter failed to authenticate"],
            ),
            rc(
                "systemerror",
                Cond::Reply(451),
                &[
                    "unable to process connection at this time",
                    "message ended early",
                    "unable to process command",
                    "unable to process an email at this time",
                ],
            ),
            rc(
                "toomanyconn",
                Cond::Reply(451),
                &["account service is temporarily unavailable"],
            ),
            rc("toomanyconn", Cond::Reply(452), &["too many recipients"]),
            rc(
                "toomanyconn",
                Cond::Reply(550),
                &["exceeding outbound thread limit"],
            ),
            rc("userunknown", Cond::Reply(501), &["invalid address"]),
            rc("userunknown", Cond::Reply(503), &["user unknown"]),
            rc("userunknown", Cond::Reply(550), &["invalid recipient"]),
            rc(
                "virusdetected",
                Cond::Reply(554),
                &["email rejected due to security policies"],
            ),
        ],
        by_code: None,
    },
    // NTT DOCOMO.
    Service {
        hosts: &["mfsmax.docomo.ne.jp"],
        rules: &[
            rc("userunknown", Cond::Status(5, 1, 1, 1), &[""]),
            rc("filtered", Cond::Status(5, 2, 0, 0), &[""]),
            r("mailboxfull", &["552 too much mail data"]),
            r(
                "syntaxerror",
                &[
                    "503 bad sequence of commands",
                    "504 command parameter not implemented",
                ],
            ),
            r("toomanyconn", &["552 too many recipients"]),
            r("userunknown", &["550 unknown user"]),
        ],
        by_code: None,
    },
    // Yahoo's MX hosts.
    Service {
        hosts: &[".yahoodns.net"],
        rules: &[
            r(
                "authfailure",
                &["yahoo requires all senders to authenticate with either spf or dkim"],
            ),
            r(
                "blocked",
                &[
                    " because the ip is in spamhaus's list;",
                    "not accepted from ip addresses on spamhaus xbl",
                ],
            ),
            r("norelaying", &["relaying denied for "]),
            r("notcompliantrfc", &["headers are not rfc compliant"]),
            r("policyviolation", &["not accepted for policy reasons"]),
            r(
                "rejected",
                &[
                    "temporarily deferred due to unexpected volume or user complaints",
                    "due to unresolvable rfc.5321 domain",
                    " will be permanently deferred",
                ],
            ),
            r("speeding", &["user is receiving mail too quickly"]),
            r(
                "suspend",
                &[" is no longer valid.", "this mailbox is disabled"],
            ),
            r("syntaxerror", &["syntax error in parameters or arguments"]),
            r("toomanyconn", &["max message per connection reached"]),
            r(
                "userunknown",
                &["dd this user doesn't have a ", "mailbox not found"],
            ),
        ],
        by_code: None,
    },
    // AOL.
    Service {
        hosts: &[".mail.aol.com", ".mx.aol.com"],
        rules: &[
            r("hostunknown", &["Host or domain name not found"]),
            r(
                "notaccept",
                &["type=MX: Malformed or unexpected name server reply"],
            ),
        ],
        by_code: None,
    },
    // Apple iCloud.
    Service {
        hosts: &[".mail.icloud.com", ".apple.com", ".me.com"],
        rules: &[
            r(
                "authfailure",
                &[
                    "s dmarc policy",
                    "blocked for failing both spf and dkim autentication checks",
                ],
            ),
            r(
                "blocked",
                &[
                    "rejected due to having a domain present in the spamhaus",
                    "rejected due to listing in spamhaus",
                    "blocked - see https://support.proofpoint.com/dnsbl-lookup",
                    "not accepting connections",
                ],
            ),
            r("hasmoved", &["recipient no longer on server"]),
            r("mailboxfull", &["user is over quota"]),
            r("norelaying", &["relay access denied"]),
            r("notaccept", &["host/domain does not accept mail"]),
            r("policyviolation", &["due to local policy"]),
            r("rejected", &["sender address rejected"]),
            r("speeding", &["due to excessive volume"]),
            r(
                "userunknown",
                &[
                    "inactive email address",
                    "user does not exist",
                    "unknown or illegal alias",
                ],
            ),
        ],
        by_code: None,
    },
    // Cox.
    Service {
        hosts: &["cox.net"],
        rules: &[
            r(
                "blocked",
                &[
                    "cox too many bad commands from",
                    "too many invalid recipients",
                ],
            ),
            r(
                "requireptr",
                &["dns check failure - try again later", "rejected - no rdns"],
            ),
            r(
                "policyviolation",
                &[
                    "esmtp no data before greeting",
                    "attachment extension is forbidden",
                ],
            ),
            r("rejected", &["sender rejected"]),
            r("systemerror", &["esmtp server temporarily not available"]),
            r(
                "toomanyconn",
                &[
                    "too many sessions from",
                    "requested action aborted: try again later",
                    "message threshold exceeded",
                ],
            ),
            r("userunknown", &["recipient rejected"]),
        ],
        by_code: Some(cox),
    },
    // Tencent QQ Mail.
    Service {
        hosts: &[".qq.com"],
        rules: &[
            r("authfailure", &["spf check failed", "dmarc check failed"]),
            r(
                "blocked",
                &[
                    "suspected bounce attacks",
                    "suspected spam ip",
                    "connection denied",
                ],
            ),
            r("mesgtoobig", &["message too large"]),
            r(
                "spamdetected",
                &["spam is embedded in the email", "mail content denied"],
            ),
            r(
                "rejected",
                &["suspected spam", "mail is rejected by recipients"],
            ),
            r(
                "speeding",
                &[
                    "mailbox unavailable or access denined",
                    "frequency of receiving messages is limited",
                ],
            ),
            r("suspend", &["is a deactivated mailbox"]),
            r("syntaxerror", &["bad address syntax"]),
            r(
                "toomanyconn",
                &[
                    "ip frequency limited",
                    "domain frequency limited",
                    "sender frequency limited",
                    "connection frequency limited",
                ],
            ),
            r("userunknown", &["mailbox not found"]),
        ],
        by_code: None,
    },
    // Zoho Mail.
    Service {
        hosts: &[".zoho.com", ".zohomail.com", ".zoho.eu", ".zoho.in"],
        rules: &[
            r("authfailure", &["Email rejected per DMARC policy"]),
            r("blocked", &["Greylisted, try again after some time"]),
            r(
                "rejected",
                &[
                    "Email cannot be delivered. Reason: Email flagged as Spam",
                    "Mail rejected by destination domain",
                ],
            ),
            r(
                "policyviolation",
                &[
                    "Email policy violation detected",
                    "Mailbox delivery restricted by policy error",
                ],
            ),
            r("systemerror", &["Temporary System Error"]),
            r("userunknown", &["User does not exist"]),
            r("virusdetected", &[" detected by Zoho Mail"]),
        ],
        by_code: None,
    },
];

/// Microsoft 365's documented replies, each with the status it comes with.
const MICROSOFT: &[Rule] = &[
    rc(
        "authfailure",
        Cond::Status(0, 7, 26, 26),
        &["must pass either spf or dkim validation, this message is not signed"],
    ),
    rc(
        "authfailure",
        Cond::Status(0, 7, 23, 23),
        &["the message was rejected because of sender policy framework violation"],
    ),
    rc(
        "authfailure",
        Cond::Status(0, 7, 509, 509),
        &["does not pass dmarc verification"],
    ),
    rc(
        "authfailure",
        Cond::Status(0, 7, 515, 515),
        &["doesn't meet the required authentication level"],
    ),
    rc(
        "badreputation",
        Cond::Status(0, 7, 650, 650),
        &["has been temporarily rate limited due to ip reputation"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 500, 899),
        &["access denied, please try again later"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 25, 25),
        &["must have a reverse dns record"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 506, 506),
        &["access denied, bad helo"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 507, 507),
        &["access denied, rejected by recipient"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 510, 510),
        &["does not accept email over ipv6"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 511, 511),
        &["access denied, banned sender"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 513, 513),
        &["using customer block list"],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 606, 649),
        &["access denied, banned sending ip "],
    ),
    rc(
        "blocked",
        Cond::Status(0, 7, 1, 1),
        &["part of their network is on our block list"],
    ),
    rc(
        "contenterror",
        Cond::Status(0, 6, 11, 11),
        &["invalid characters"],
    ),
    rc(
        "contenterror",
        Cond::Status(0, 5, 6, 6),
        &["invalid message content"],
    ),
    rc(
        "exceedlimit",
        Cond::Status(0, 2, 3, 3),
        &["resolver.rst.recipsizelimit; message too large for this recipient"],
    ),
    rc(
        "mesgtoobig",
        Cond::Status(0, 3, 4, 4),
        &[
            "message size exceeds fixed maximum message size",
            "message too big for system",
        ],
    ),
    rc(
        "expired",
        Cond::Status(0, 4, 7, 7),
        &["message delayed", "message expired"],
    ),
    rc(
        "expired",
        Cond::Status(0, 4, 300, 316),
        &["message expired"],
    ),
    rc(
        "failedstarttls",
        Cond::Status(0, 4, 317, 317),
        &["starttls is required to send mail"],
    ),
    rc(
        "failedstarttls",
        Cond::Status(0, 7, 321, 325),
        &[
            "starttls-not-supported:",
            "certificate-expired:",
            "tlsa-invalid:",
            "dnssec-invalid:",
            "certificate-host-mismatch:",
        ],
    ),
    rc("mailboxfull", Cond::Status(0, 2, 2, 2), &["mailbox full"]),
    rc(
        "networkerror",
        Cond::Status(0, 4, 4, 4),
        &["smtpsend.dns.nonexistentdomain; nonexistent domain"],
    ),
    rc(
        "networkerror",
        Cond::Status(0, 4, 6, 6),
        &[
            "hop count exceeded - possible mail loop",
            "routing loop detected",
        ],
    ),
    rc(
        "networkerror",
        Cond::Status(0, 4, 312, 312),
        &["dns query failed"],
    ),
    rc("norelaying", Cond::Status(0, 7, 1, 1), &["unable to relay"]),
    rc(
        "norelaying",
        Cond::Status(0, 7, 64, 64),
        &["relay access denied"],
    ),
    rc(
        "notaccept",
        Cond::Status(0, 4, 4, 4),
        &["hosted tenant which has no mail-enabled subscriptions"],
    ),
    rc(
        "policyviolation",
        Cond::Status(0, 7, 900, 999),
        &["delivery not authorized, message refused"],
    ),
    rc(
        "rejected",
        Cond::Status(0, 1, 7, 7),
        &["invalid address", "unknown sender address"],
    ),
    rc("rejected", Cond::Status(0, 1, 0, 0), &["sender denied"]),
    rc(
        "rejected",
        Cond::Status(0, 1, 8, 8),
        &["access denied, bad outbound sender"],
    ),
    rc(
        "rejected",
        Cond::Status(0, 7, 501, 503),
        &["access denied, spam abuse detected"],
    ),
    rc(
        "rejected",
        Cond::Status(0, 7, 750, 750),
        &["client blocked from sending from unregistered domains"],
    ),
    rc(
        "spamdetected",
        Cond::Status(0, 2, 1, 1),
        &["content filter agent quarantined this message"],
    ),
    rc(
        "suspend",
        Cond::Status(0, 7, 504, 504),
        &["recipient address rejected: access denied"],
    ),
    rc(
        "suspend",
        Cond::Status(0, 7, 505, 505),
        &["access denied, banned recipient"],
    ),
    rc(
        "suspend",
        Cond::Status(0, 2, 1, 1),
        &["mailbox cannot be accessed"],
    ),
    rc(
        "systemerror",
        Cond::Status(0, 3, 2, 2),
        &["service not available", "service not active"],
    ),
    rc(
        "systemfull",
        Cond::Status(0, 3, 1, 1),
        &["insufficient system resources"],
    ),
    rc(
        "userunknown",
        Cond::Status(0, 1, 1, 1),
        &[
            "resolver.adr.exrecipnotfound; not found",
            "user unknown",
            "bad destination mailbox address",
        ],
    ),
    rc(
        "userunknown",
        Cond::Status(0, 1, 10, 10),
        &["recipient not found"],
    ),
    rc(
        "userunknown",
        Cond::Status(0, 4, 1, 1),
        &["recipient address rejected: access denied"],
    ),
    rc(
        "userunknown",
        Cond::Status(0, 5, 0, 0),
        &["requested action not taken: mailbox unavailable"],
    ),
    rc(
        "userunknown",
        Cond::Status(0, 1, 351, 351),
        &["remote server returned unknown recipient or mailbox unavailable"],
    ),
];

/// Gmail's documented replies (the status decides between two readings of one text).
const GOOGLE: &[Rule] = &[
    rc(
        "exceedlimit",
        Cond::Status(0, 2, 3, 3),
        &["exceeded google's message size limits"],
    ),
    r(
        "mesgtoobig",
        &[
            "exceeded google's message size limits",
            "exceeds google's message size limit of",
        ],
    ),
    r(
        "authfailure",
        &[
            "the spf record of the sending domain",
            "senders to authenticate with either spf or dkim",
            "fails to pass spf checks for an spf record with a hard fail",
            "has an spf record with a hard fail policy",
            "is not accepted due to domain's dmarc policy",
            "fails to pass authentication checks",
            "senders to authenticate with spf",
            "senders to authenticate their email with spf",
            "senders to authenticate their email with dkim",
            "senders to authenticate with dkim",
            "aligned with either the authenticated spf or dkim",
            "to add a dmarc record to ",
        ],
    ),
    r(
        "badreputation",
        &[
            "very low reputation of the sending ip address",
            "very low reputation of the sending domain",
        ],
    ),
    r(
        "blocked",
        &[
            "ip not in whitelist for rcpt domain",
            "empty helo/ehlo argument not allowed",
            "helo/ehlo argument is invalid",
            "an unusual rate of unsolicited mail",
            "an unusual rate of mail",
        ],
    ),
    r(
        "failedstarttls",
        &[
            "must issue a starttls command first",
            "tls required for rcpt domain",
            "senders to use tls/ssl for smtp",
        ],
    ),
    r(
        "mailboxfull",
        &[
            "inbox is out of storage space",
            "is over quota",
            "email quota exceeded",
        ],
    ),
    r("networkerror", &["message exceeded 50 hops"]),
    r(
        "norelaying",
        &[
            "mail relay denied",
            "invalid credentials for relay",
            "is not authorized to send email directly to our servers",
        ],
    ),
    r(
        "notcompliantrfc",
        &[
            "missing a valid address in the from: header",
            "multiple addresses in from: header are not accepted",
            "is not rfc 5322 compliant",
            "missing a valid message-id: header",
            "contains a unicode character in a disallowed header",
            "encoded-word syntax is not permitted",
            "mail message is malformed",
        ],
    ),
    r(
        "policyviolation",
        &[
            "illegal attachment on your message",
            "blocked because its content presents a potential security issue",
            "has a policy that prohibited",
            "sending messages with the same message-id:",
        ],
    ),
    r(
        "rejected",
        &[
            "mail sending denied",
            "unauthenticated email is not accepted",
        ],
    ),
    r(
        "requireptr",
        &[
            "does not have a ptr record",
            " have a ptr record, or the ptr record",
            "does not meet ipv6 sending guidelines regarding ptr records",
            "does not match the ip address of the hostname",
        ],
    ),
    r(
        "spamdetected",
        &[
            "due to the nature of the content or the links within",
            "likely unsolicited mail",
        ],
    ),
    r(
        "speeding",
        &[
            "is receiving mail too quickly",
            "peak smtp relay limit exceeded for customer",
            "rate that prevents additional messages from being delivered",
            "daily sending quota exceeded",
            "daily user sending limit exceeded",
            "daily smtp relay limit exceeded for",
            "daily smtp relay sending limit exceeded for",
            "this mail has been rate limited",
        ],
    ),
    r(
        "suspend",
        &[
            "account that you tried to reach is disabled",
            "account that you tried to reach is inactive",
        ],
    ),
    r(
        "toomanyconn",
        &[
            "your message has too many recipients",
            "too many recipients for this sender",
        ],
    ),
    r(
        "userunknown",
        &[
            "the email account that you tried to reach does not exist",
            "we weren't able to find the recipient domain",
        ],
    ),
];

/// Fixed texts of the MTAs that write bounces (by our format names).
const MTAS: &[(&str, &[Rule])] = &[
    (
        "imailserver",
        &[
            r("hostunknown", &["Unknown host"]),
            r(
                "userunknown",
                &["Unknown user", "Invalid final delivery userid"],
            ),
            r("mailboxfull", &["User mailbox exceeds allowed size"]),
            r(
                "virusdetected",
                &["Requested action not taken: virus detected"],
            ),
            r("spamdetected", &["Blacklisted URL in message"]),
            r("expired", &["Delivery failed "]),
        ],
    ),
    (
        "notes",
        &[
            r("networkerror", &["Message has exceeded maximum hop count"]),
            r(
                "userunknown",
                &[
                    "User not listed in public Name & Address Book",
                    "ディレクトリのリストにありません",
                ],
            ),
        ],
    ),
    (
        "domino",
        &[
            r("filtered", &["Cannot route mail to user"]),
            r(
                "systemerror",
                &["Several matches found in Domino Directory"],
            ),
            r(
                "userunknown",
                &[
                    "not listed in Domino Directory",
                    "not listed in public Name & Address Book",
                    "no se encuentra en el Directorio de Domino",
                    "dans l'annuaire Domino",
                ],
            ),
        ],
    ),
    (
        "ezweb",
        &[
            r("expired", &["Your message was not delivered within "]),
            r(
                "mailboxfull",
                &["The user(s) account is temporarily over quota"],
            ),
            r(
                "onhold",
                &["Each of the following recipients was rejected by a remote mail server"],
            ),
            r(
                "suspend",
                &[
                    "The user(s) account is disabled.",
                    "The user(s) account is temporarily limited.",
                ],
            ),
        ],
    ),
    (
        "verizon",
        &[r(
            "userunknown",
            &[
                "550 - Requested action not taken: no such user here",
                "No valid recipients",
            ],
        )],
    ),
    ("interscanmss", &[r("userunknown", &["Unable to deliver"])]),
    ("zoho", &[r("expired", &["Host not reachable"])]),
    ("gmx", &[r("expired", &["delivery retry timeout exceeded"])]),
    (
        "gmail",
        &[
            r(
                "expired",
                &[
                    "DNS Error: Could not contact DNS servers",
                    "Delivery to the following recipient has been delayed",
                    "The recipient server did not accept our requests to connect",
                ],
            ),
            r(
                "hostunknown",
                &[
                    "DNS Error: Domain name not found",
                    "DNS Error: DNS server returned answer with no data",
                ],
            ),
        ],
    ),
    (
        "messagingserver",
        &[r("hostunknown", &["Illegal host/domain name found"])],
    ),
    (
        "opensmtpd",
        &[
            r("expired", &["Envelope expired"]),
            r("securityerror", &["Could not retrieve credentials"]),
            r(
                "hostunknown",
                &["Invalid domain name", "Domain does not exist"],
            ),
            r(
                "networkerror",
                &[
                    "Address family mismatch on destination MXs",
                    "All routes to destination blocked",
                    "bad DNS lookup error code",
                    "Could not retrieve source address",
                    "Loop detected",
                    "Network error on destination MXs",
                    "No valid route to remote MX",
                    "No valid route to destination",
                    "Temporary failure in MX lookup",
                ],
            ),
            r(
                "notaccept",
                &[
                    "Destination seem to reject all mails",
                    "No MX found for domain",
                    "No MX found for destination",
                ],
            ),
        ],
    ),
    (
        "exchange2007",
        &[
            r("hostunknown", &["SMTPSEND.DNS.NonExistentDomain"]),
            r("networkerror", &["SMTPSEND.DNS.MxLoopback"]),
            r(
                "systemerror",
                &[
                    "RESOLVER.ADR.BadPrimary",
                    "RESOLVER.ADR.InvalidInSmtp",
                    "RESOLVER.ADR.Ambiguous",
                ],
            ),
            r(
                "userunknown",
                &[
                    "RESOLVER.ADR.RecipNotFound",
                    "RESOLVER.ADR.RecipientNotFound",
                    "RESOLVER.ADR.ExRecipNotFound",
                ],
            ),
            r("toomanyconn", &["RESOLVER.ADR.RecipLimit"]),
            r("securityerror", &["RESOLVER.RST.AuthRequired"]),
            r("rejected", &["RESOLVER.RST.NotAuthorized"]),
            r("exceedlimit", &["RESOLVER.RST.RecipSizeLimit"]),
            r("expired", &["QUEUE.Expired"]),
        ],
    ),
    (
        "exim",
        &[
            r("userunknown", &["user not found"]),
            r(
                "hostunknown",
                &[
                    "all host address lookups failed permanently",
                    "all relevant MX records point to non-existent hosts",
                    "Unrouteable address",
                ],
            ),
            r("mailboxfull", &["mailbox is full", "error: quota exceed"]),
            r(
                "notaccept",
                &[
                    "an MX or SRV record indicated no SMTP service",
                    "no host found for existing SMTP connection",
                ],
            ),
            r(
                "syntaxerror",
                &[
                    "angle-brackets nested too deep",
                    "expected word or \"<\"",
                    "domain missing in source-routed address",
                    "malformed address:",
                ],
            ),
            r(
                "systemerror",
                &[
                    "delivery to file forbidden",
                    "delivery to pipe forbidden",
                    "local delivery failed",
                    "LMTP error after ",
                ],
            ),
            r("contenterror", &["Too many \"Received\" headers"]),
            r(
                "expired",
                &[
                    "retry timeout exceeded",
                    "No action is required on your part",
                    "retry time not reached for any host after a long failure period",
                    "all hosts have been failing for a long time and were last tried",
                    "Delay reason: ",
                    "has been frozen",
                    "was frozen on arrival by ",
                ],
            ),
            r("mailererror", &["pipe to |"]),
        ],
    ),
    (
        "qmail",
        &[
            r("hostunknown", &["Sorry, I couldn't find any host "]),
            r("mailboxfull", &["disk quota exceeded"]),
            r(
                "mesgtoobig",
                &["Message size exceeds fixed maximum message size:"],
            ),
            r(
                "networkerror",
                &[
                    "Sorry, I wasn't able to establish an SMTP connection",
                    "Sorry. Although I'm listed as a best-preference MX or A for that host",
                ],
            ),
            r(
                "notaccept",
                &["Sorry, I couldn't find a mail exchanger or IP address"],
            ),
            r(
                "systemerror",
                &["bad interpreter: No such file or directory", "system error"],
            ),
            r(
                "systemfull",
                &["Requested action not taken: mailbox unavailable (not enough free space)"],
            ),
            r("userunknown", &["no mailbox here by that name"]),
            r(
                "exceedlimit",
                &["The message exeeded the maximum size the user accepts"],
            ),
            r("suspend", &["Mailaddress is administrativ"]),
            r("expired", &["this message has been in the queue too long."]),
        ],
    ),
];

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
