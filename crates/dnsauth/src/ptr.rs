//! Reverse DNS: PTR present, forward-confirmed (FCrDNS), generic-looking names.

use std::net::IpAddr;

use maildiag_types::Category;

use crate::dns::DnsLookup;
use crate::finding::{CheckKind, Finding, Level};

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Ptr, level, code, msg)
}

/// Whether a host name looks generic (ISP pool naming): it embeds the address, or uses
/// words such as `dynamic`, `dsl`, `pool`, `dhcp`.
///
/// ```
/// use maildiag_dnsauth::ptr::looks_generic;
/// let ip = "192.0.2.4".parse().unwrap();
/// assert!(looks_generic("192-0-2-4.dynamic.isp.example", ip));
/// assert!(!looks_generic("mail.example.com", ip));
/// ```
pub fn looks_generic(name: &str, ip: IpAddr) -> bool {
    let n = name.to_ascii_lowercase();
    let labels: Vec<&str> = n.split('.').collect();
    let first = labels.first().copied().unwrap_or("");
    const WORDS: &[&str] = &[
        "dynamic",
        "dyn",
        "dhcp",
        "pool",
        "dsl",
        "adsl",
        "vdsl",
        "cable",
        "ppp",
        "pppoe",
        "dialup",
        "dial",
        "broadband",
        "customer",
        "cust",
        "client",
        "residential",
        "user",
        "unassigned",
        "nat",
        "dyndsl",
        "ftth",
        "fibre",
        "host",
    ];
    let wordy = labels.iter().take(labels.len().saturating_sub(2)).any(|l| {
        l.split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| WORDS.contains(&w))
    });
    let embeds = match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            let fwd = [o[0], o[1], o[2], o[3]].map(|x| x.to_string());
            let rev = [o[3], o[2], o[1], o[0]].map(|x| x.to_string());
            let hex = format!("{:02x}{:02x}{:02x}{:02x}", o[0], o[1], o[2], o[3]);
            [&fwd, &rev].iter().any(|parts| {
                ["-", ".", "_", ""].iter().any(|sep| {
                    n.contains(&parts.join(sep)) && (!sep.is_empty() || parts.join("").len() >= 8)
                })
            }) || first.contains(&hex)
        }
        IpAddr::V6(_) => {
            first.len() >= 16 && first.bytes().filter(u8::is_ascii_hexdigit).count() >= 16
        }
    };
    embeds || wordy
}

/// Checks reverse DNS for `ip`: a PTR exists, some PTR name resolves back to `ip`, the
/// name does not look generic, and (if given) matches the HELO name.
pub async fn check_ptr<L: DnsLookup>(
    dns: &L,
    ip: IpAddr,
    helo: Option<&str>,
) -> (Vec<String>, Vec<Finding>) {
    let mut out = Vec::new();
    let rname = crate::dns::reverse_name(ip);
    let names = match dns.ptr(ip).await {
        Ok(n) => n,
        Err(e) if e.is_temporary() => {
            out.push(
                f(
                    Level::Warning,
                    "ptr.dns_error",
                    format!("PTR lookup for {ip} failed: {e}"),
                )
                .name(rname)
                .category(Category::DnsFailure),
            );
            return (Vec::new(), out);
        }
        Err(_) => {
            out.push(
                f(
                    Level::Error,
                    "ptr.missing",
                    format!("{ip} has no PTR record: many receivers defer or reject mail from it"),
                )
                .name(rname)
                .category(Category::PtrMissing),
            );
            return (Vec::new(), out);
        }
    };
    let mut confirmed = Vec::new();
    for n in names.iter().take(10) {
        match dns.addrs(n, ip.is_ipv6()).await {
            Ok(addrs) if addrs.contains(&ip) => confirmed.push(n.clone()),
            Ok(_) => {}
            Err(e) if e.is_temporary() => {
                out.push(
                    f(
                        Level::Warning,
                        "ptr.dns_error",
                        format!("forward lookup of {n} failed: {e}"),
                    )
                    .name(n)
                    .category(Category::DnsFailure),
                );
            }
            Err(_) => {}
        }
    }
    if names.len() > 1 {
        out.push(
            f(
                Level::Info,
                "ptr.multiple",
                format!(
                    "{ip} has {} PTR records; some receivers look only at the first",
                    names.len()
                ),
            )
            .name(&rname),
        );
    }
    if confirmed.is_empty() {
        out.push(f(Level::Error, "ptr.not_confirmed", format!("no PTR name of {ip} ({}) resolves back to it (no forward-confirmed reverse DNS)", names.join(", "))).name(&rname).category(Category::PtrMissing));
    } else {
        out.push(
            f(
                Level::Ok,
                "ptr.fcrdns",
                format!("{ip} -> {} -> {ip}", confirmed.join(", ")),
            )
            .name(&rname),
        );
    }
    for n in &names {
        if looks_generic(n, ip) {
            out.push(f(Level::Warning, "ptr.generic", format!("{n} looks like a generic (dynamic/pool) name; receivers treat such hosts as end-user machines")).name(n).category(Category::PtrMissing));
        }
    }
    if let Some(h) = helo
        && !names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(h.trim_end_matches('.')))
    {
        out.push(
            f(
                Level::Info,
                "ptr.helo_mismatch",
                format!("HELO name {h} is not a PTR name of {ip}"),
            )
            .name(&rname),
        );
    }
    (names, out)
}
