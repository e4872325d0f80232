//! MX records: presence, null MX (RFC 7505), CNAME or IP-literal targets, targets that do
//! not resolve.

use maildiag_types::Category;

use crate::dns::{DnsLookup, LookupError, RecordType};
use crate::finding::{CheckKind, Finding, Level};

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Mx, level, code, msg)
}

/// At most this many MX targets are resolved.
pub const MAX_MX_TARGETS: usize = 20;

/// Checks the MX records of `domain`.
pub async fn check_mx<L: DnsLookup>(dns: &L, domain: &str) -> (Vec<(u16, String)>, Vec<Finding>) {
    let mut out = Vec::new();
    let mxs = match dns.mx(domain).await {
        Ok(m) => m,
        Err(LookupError::NxDomain) => {
            out.push(
                f(
                    Level::Error,
                    "mx.domain_not_found",
                    format!("{domain} does not exist (NXDOMAIN)"),
                )
                .name(domain)
                .category(Category::DomainNotFound),
            );
            return (Vec::new(), out);
        }
        Err(e) if e.is_temporary() => {
            out.push(
                f(
                    Level::Warning,
                    "mx.dns_error",
                    format!("MX lookup for {domain} failed: {e}"),
                )
                .name(domain)
                .category(Category::DnsFailure),
            );
            return (Vec::new(), out);
        }
        Err(_) => {
            let has_addr =
                dns.addrs(domain, false).await.is_ok() || dns.addrs(domain, true).await.is_ok();
            if has_addr {
                out.push(
                    f(
                        Level::Warning,
                        "mx.implicit",
                        format!(
                            "{domain} has no MX; mail goes to its A/AAAA address (RFC 5321 5.1)"
                        ),
                    )
                    .name(domain),
                );
            } else {
                out.push(f(Level::Error, "mx.missing", format!("{domain} has no MX and no address: it cannot receive mail (bounces to it fail)")).name(domain).category(Category::DomainNotFound));
            }
            return (Vec::new(), out);
        }
    };
    let null: Vec<&(u16, String)> = mxs.iter().filter(|(_, h)| h.is_empty()).collect();
    if !null.is_empty() {
        if mxs.len() == 1 && null[0].0 == 0 {
            out.push(f(Level::Info, "mx.null", format!("{domain} publishes a null MX (RFC 7505): it accepts no mail, and receivers may refuse mail from it")).name(domain).category(Category::DomainNotFound));
        } else {
            out.push(
                f(
                    Level::Error,
                    "mx.null_mixed",
                    "a null MX (\".\") must be the only MX record, with preference 0 (RFC 7505 3)",
                )
                .name(domain),
            );
        }
        return (mxs, out);
    }
    if mxs.len() > MAX_MX_TARGETS {
        out.push(
            f(
                Level::Warning,
                "mx.too_many",
                format!(
                    "{} MX records; only the first {MAX_MX_TARGETS} are checked",
                    mxs.len()
                ),
            )
            .name(domain),
        );
    }
    // Targets are checked concurrently (bounded); findings keep the MX order.
    let targets: Vec<&str> = mxs
        .iter()
        .take(MAX_MX_TARGETS)
        .map(|(_, h)| h.as_str())
        .collect();
    let per_target =
        crate::concurrent::bounded_map(targets, crate::concurrent::MAX_CONCURRENT, |host| {
            check_target(dns, domain, host)
        })
        .await;
    let mut good = 0;
    for (ok, findings) in per_target {
        good += usize::from(ok);
        out.extend(findings);
    }
    if good > 0 {
        let list: Vec<String> = mxs
            .iter()
            .take(5)
            .map(|(p, h)| format!("{p} {h}"))
            .collect();
        out.push(
            f(
                Level::Ok,
                "mx.ok",
                format!("{good} resolvable MX target(s): {}", list.join(", ")),
            )
            .name(domain),
        );
    }
    (mxs, out)
}

/// Checks one MX target: IP literal, CNAME, addresses. Returns whether it resolves.
async fn check_target<L: DnsLookup>(dns: &L, domain: &str, host: &str) -> (bool, Vec<Finding>) {
    let mut out = Vec::new();
    if host.parse::<std::net::IpAddr>().is_ok()
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok()
    {
        out.push(f(Level::Error, "mx.ip_literal", format!("MX target {host} is an IP address; MX must name a host (RFC 7505, RFC 5321 5.1)")).name(domain));
        return (false, out);
    }
    let (cname, v4, v6) = tokio::join!(
        dns.lookup(host, RecordType::Cname),
        dns.addrs(host, false),
        dns.addrs(host, true),
    );
    if cname.is_ok() {
        out.push(
            f(
                Level::Warning,
                "mx.cname",
                format!(
                    "MX target {host} is a CNAME (RFC 2181 10.3 forbids it; some senders fail)"
                ),
            )
            .name(host),
        );
    }
    let ok = match (&v4, &v6) {
        (Ok(_), _) | (_, Ok(_)) => true,
        (Err(a), Err(b)) if a.is_temporary() || b.is_temporary() => {
            out.push(
                f(
                    Level::Warning,
                    "mx.dns_error",
                    format!("address lookup of MX target {host} failed: {a}"),
                )
                .name(host)
                .category(Category::DnsFailure),
            );
            false
        }
        _ => {
            out.push(
                f(
                    Level::Error,
                    "mx.unresolvable",
                    format!("MX target {host} has no A or AAAA record"),
                )
                .name(host)
                .category(Category::DomainNotFound),
            );
            false
        }
    };
    (ok, out)
}
