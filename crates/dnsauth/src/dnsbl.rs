//! DNS block and allow lists (RFC 5782): IP and domain queries, return-code
//! interpretation (Spamhaus codes, `127.255.255.x` query errors).

use std::net::{IpAddr, Ipv4Addr};

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use crate::dns::{DnsLookup, reverse_name};
use crate::finding::{CheckKind, Finding, Level};

/// What a list is keyed on and whether a listing is good or bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListKind {
    /// IP blocklist (`4.3.2.1.zone`).
    IpBlock,
    /// IP allowlist (DNSWL).
    IpAllow,
    /// Domain blocklist (`example.com.zone`).
    DomainBlock,
}

/// One list to query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListZone {
    /// The list's DNS zone, e.g. `zen.spamhaus.org`.
    pub zone: String,
    /// Its kind.
    pub kind: ListKind,
}

impl ListZone {
    /// A list zone; the kind is guessed from the name when written `allow:ZONE` or
    /// `domain:ZONE`, else an IP blocklist (`dbl`/`dnswl` names are recognised too).
    pub fn parse(spec: &str) -> ListZone {
        let (kind, zone) = if let Some(z) = spec.strip_prefix("allow:") {
            (ListKind::IpAllow, z)
        } else if let Some(z) = spec.strip_prefix("domain:") {
            (ListKind::DomainBlock, z)
        } else if spec.contains("dnswl") {
            (ListKind::IpAllow, spec)
        } else if spec.starts_with("dbl.")
            || spec.contains(".dbl.")
            || spec.starts_with("multi.surbl")
            || spec.contains("uribl")
        {
            (ListKind::DomainBlock, spec)
        } else {
            (ListKind::IpBlock, spec)
        };
        ListZone {
            zone: zone.trim_end_matches('.').to_ascii_lowercase(),
            kind,
        }
    }
}

/// The default lists.
pub fn default_zones() -> Vec<ListZone> {
    [
        "zen.spamhaus.org",
        "bl.spamcop.net",
        "b.barracudacentral.org",
        "list.dnswl.org",
        "dbl.spamhaus.org",
    ]
    .iter()
    .map(|z| ListZone::parse(z))
    .collect()
}

/// What one return code means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
#[non_exhaustive]
pub enum Listing {
    /// Listed, with the list's meaning of the code.
    Listed(String),
    /// The list refused to answer properly (`127.255.255.x`: public resolver, rate limit...).
    QueryError(String),
    /// An answer outside 127.0.0.0/8: not a valid DNSBL reply (RFC 5782 2.3).
    Invalid(String),
}

/// Interprets an A answer from `zone`.
///
/// ```
/// use maildiag_dnsauth::dnsbl::{interpret, Listing};
/// let r = interpret("zen.spamhaus.org", "127.255.255.254".parse().unwrap());
/// assert!(matches!(r, Listing::QueryError(_)));
/// assert!(matches!(interpret("zen.spamhaus.org", "127.0.0.4".parse().unwrap()), Listing::Listed(_)));
/// ```
pub fn interpret(zone: &str, a: Ipv4Addr) -> Listing {
    let o = a.octets();
    if o[0] != 127 {
        return Listing::Invalid(format!(
            "answer {a} is outside 127.0.0.0/8 (wildcard DNS or a hijacking resolver?)"
        ));
    }
    if o[1] == 255 && o[2] == 255 {
        let why = match o[3] {
            252 => "typing error in the DNSBL name",
            254 => "queries through a public/open resolver are refused; use your own resolver",
            255 => "excessive number of queries",
            _ => "query refused by the list",
        };
        return Listing::QueryError(format!("{a}: {why}"));
    }
    let spamhaus = zone.ends_with("spamhaus.org") || zone.ends_with("spamhaus.net");
    if spamhaus && zone.starts_with("dbl.") {
        let why = match o[3] {
            2 => "spam domain",
            4 => "phishing domain",
            5 => "malware domain",
            6 => "botnet C&C domain",
            102..=106 => "abused legit domain",
            _ => "listed domain",
        };
        return Listing::Listed(format!("{a}: {why}"));
    }
    if spamhaus {
        let why = match o[3] {
            2 => "SBL: Spamhaus blocklist (spam source)",
            3 => "SBL CSS: snowshoe spam",
            4..=7 => "XBL: exploited/infected host",
            9 => "SBL DROP: hijacked netblock",
            10 | 11 => "PBL: end-user range that should not send mail directly",
            _ => "listed",
        };
        return Listing::Listed(format!("{a}: {why}"));
    }
    if zone.contains("dnswl") {
        if o[3] == 255 {
            return Listing::QueryError(format!("{a}: query limit exceeded"));
        }
        let trust = match o[3] {
            0 => "none",
            1 => "low",
            2 => "medium",
            _ => "high",
        };
        return Listing::Listed(format!("{a}: allowlisted, trust {trust}"));
    }
    Listing::Listed(a.to_string())
}

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Dnsbl, level, code, msg)
}

/// Queries every list for `ip` (IP lists) and `domain` (domain lists).
pub async fn check_lists<L: DnsLookup>(
    dns: &L,
    ip: Option<IpAddr>,
    domain: Option<&str>,
    zones: &[ListZone],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for z in zones {
        let key = match (z.kind, ip, domain) {
            (ListKind::IpBlock | ListKind::IpAllow, Some(ip), _) => {
                let r = reverse_name(ip);

                r.trim_end_matches(".in-addr.arpa")
                    .trim_end_matches(".ip6.arpa")
                    .to_owned()
            }
            (ListKind::DomainBlock, _, Some(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
            _ => continue,
        };
        let name = format!("{key}.{}", z.zone);
        let allow = z.kind == ListKind::IpAllow;
        match dns.addrs(&name, false).await {
            Ok(addrs) => {
                for a in addrs {
                    let IpAddr::V4(a) = a else { continue };
                    let what = interpret(&z.zone, a);
                    let txt =
                        dns.txt(&name).await.ok().and_then(|t| {
                            t.first().map(|t| String::from_utf8_lossy(t).into_owned())
                        });
                    let extra = txt.map(|t| format!(" ({t})")).unwrap_or_default();
                    out.push(match what {
                        Listing::Listed(why) if allow => f(
                            Level::Ok,
                            "dnswl.listed",
                            format!("allowlisted on {}: {why}{extra}", z.zone),
                        )
                        .name(&name),
                        Listing::Listed(why) => f(
                            Level::Error,
                            "dnsbl.listed",
                            format!("listed on {}: {why}{extra}", z.zone),
                        )
                        .name(&name)
                        .category(Category::Blocklisted),
                        Listing::QueryError(why) => f(
                            Level::Warning,
                            "dnsbl.query_refused",
                            format!(
                                "{} did not answer the query: {why}; the result is unknown",
                                z.zone
                            ),
                        )
                        .name(&name)
                        .category(Category::DnsFailure),
                        Listing::Invalid(why) => f(
                            Level::Warning,
                            "dnsbl.invalid_answer",
                            format!("{}: {why}", z.zone),
                        )
                        .name(&name),
                    });
                }
            }
            Err(e) if e.is_temporary() => {
                out.push(
                    f(
                        Level::Warning,
                        "dnsbl.dns_error",
                        format!("{} lookup failed: {e}", z.zone),
                    )
                    .name(&name)
                    .category(Category::DnsFailure),
                );
            }
            Err(_) => {
                if !allow {
                    out.push(
                        f(
                            Level::Ok,
                            "dnsbl.not_listed",
                            format!("not listed on {}", z.zone),
                        )
                        .name(&name),
                    );
                }
            }
        }
    }
    out
}
