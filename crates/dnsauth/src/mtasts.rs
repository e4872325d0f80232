//! MTA-STS (RFC 8461) TXT record and policy text, TLS-RPT (RFC 8460) and BIMI TXT
//! records.

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use crate::dmarc::parse_tag_list;
use crate::dns::DnsLookup;
use crate::finding::{CheckKind, Finding, Level};

/// MTA-STS policy mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StsMode {
    /// Senders must use verified TLS.
    Enforce,
    /// Senders report but deliver anyway.
    Testing,
    /// No policy.
    None,
}

/// A parsed MTA-STS policy file (`/.well-known/mta-sts.txt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StsPolicy {
    /// `mode:`.
    pub mode: StsMode,
    /// `mx:` patterns.
    pub mx: Vec<String>,
    /// `max_age:` seconds.
    pub max_age: u64,
}

/// Parses MTA-STS policy text (RFC 8461 §3.2).
///
/// ```
/// use maildiag_dnsauth::mtasts::{parse_sts_policy, StsMode};
/// let p = parse_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: *.mail.example.com\r\nmax_age: 604800\r\n").unwrap();
/// assert_eq!(p.mode, StsMode::Enforce);
/// ```
pub fn parse_sts_policy(text: &str) -> Result<StsPolicy, String> {
    let mut version = None;
    let mut mode = None;
    let mut mx = Vec::new();
    let mut max_age = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("line without ':': {line:?}"))?;
        let v = v.trim();
        match k.trim() {
            "version" => version = Some(v.to_owned()),
            "mode" => {
                mode = Some(match v {
                    "enforce" => StsMode::Enforce,
                    "testing" => StsMode::Testing,
                    "none" => StsMode::None,
                    _ => return Err(format!("invalid mode {v:?}")),
                })
            }
            "mx" => mx.push(v.to_owned()),
            "max_age" => {
                let n: u64 = v.parse().map_err(|_| format!("invalid max_age {v:?}"))?;
                if n > 31_557_600 {
                    return Err(format!("max_age {n} exceeds 31557600"));
                }
                max_age = Some(n);
            }
            _ => {}
        }
    }
    if version.as_deref() != Some("STSv1") {
        return Err("version must be STSv1".into());
    }
    let mode = mode.ok_or("missing mode")?;
    if mode != StsMode::None && mx.is_empty() {
        return Err("no mx: line".into());
    }
    Ok(StsPolicy {
        mode,
        mx,
        max_age: max_age.ok_or("missing max_age")?,
    })
}

/// Whether an MX host matches a policy `mx:` pattern (`*.` matches one label).
pub fn sts_mx_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (
        pattern.to_ascii_lowercase(),
        host.trim_end_matches('.').to_ascii_lowercase(),
    );
    match p.strip_prefix("*.") {
        Some(suffix) => h.split_once('.').is_some_and(|(_, rest)| rest == suffix),
        None => p == h,
    }
}

fn f(check: CheckKind, level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(check, level, code, msg)
}

async fn single_record<L: DnsLookup>(
    dns: &L,
    name: &str,
    prefix: &str,
) -> Result<Option<String>, String> {
    match dns.txt(name).await {
        Ok(t) => {
            let recs: Vec<String> = t
                .iter()
                .map(|r| String::from_utf8_lossy(r).into_owned())
                .filter(|r| {
                    r.trim_start()
                        .to_ascii_lowercase()
                        .starts_with(&prefix.to_ascii_lowercase())
                })
                .collect();
            match recs.len() {
                0 => Ok(None),
                1 => Ok(recs.into_iter().next()),
                n => Err(format!("{n} records published; there must be exactly one")),
            }
        }
        Err(e) if e.is_temporary() => Err(format!("lookup failed: {e}")),
        Err(_) => Ok(None),
    }
}

/// Checks `_mta-sts`, `_smtp._tls` and `default._bimi` TXT records of `domain`.
pub async fn check_txt_policies<L: DnsLookup>(dns: &L, domain: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    // MTA-STS
    let name = format!("_mta-sts.{domain}");
    match single_record(dns, &name, "v=STSv1").await {
        Ok(None) => out.push(
            f(
                CheckKind::MtaSts,
                Level::Info,
                "mta_sts.missing",
                "no MTA-STS record: senders may deliver without verified TLS",
            )
            .name(&name),
        ),
        Err(e) => out.push(
            f(
                CheckKind::MtaSts,
                Level::Error,
                "mta_sts.invalid",
                format!("{name}: {e}"),
            )
            .name(&name)
            .category(Category::TlsRequired),
        ),
        Ok(Some(t)) => match parse_tag_list(&t) {
            Ok(tags) => {
                let id = tags
                    .iter()
                    .find(|(k, _)| k == "id")
                    .map(|(_, v)| v.as_str());
                match id {
                    Some(id)
                        if !id.is_empty()
                            && id.len() <= 32
                            && id.bytes().all(|c| c.is_ascii_alphanumeric()) =>
                    {
                        out.push(f(CheckKind::MtaSts, Level::Ok, "mta_sts.record", format!("MTA-STS record id={id}; policy at https://mta-sts.{domain}/.well-known/mta-sts.txt (not fetched)")).name(&name).record(&t));
                    }
                    _ => out.push(
                        f(
                            CheckKind::MtaSts,
                            Level::Error,
                            "mta_sts.invalid",
                            "id= must be 1-32 letters and digits (RFC 8461 3.1)",
                        )
                        .name(&name)
                        .record(&t)
                        .category(Category::TlsRequired),
                    ),
                }
            }
            Err(e) => out.push(
                f(CheckKind::MtaSts, Level::Error, "mta_sts.invalid", e)
                    .name(&name)
                    .record(&t)
                    .category(Category::TlsRequired),
            ),
        },
    }
    // TLS-RPT
    let name = format!("_smtp._tls.{domain}");
    match single_record(dns, &name, "v=TLSRPTv1").await {
        Ok(None) => out.push(
            f(
                CheckKind::TlsRpt,
                Level::Info,
                "tls_rpt.missing",
                "no TLS-RPT record: you get no reports of TLS failures",
            )
            .name(&name),
        ),
        Err(e) => out.push(
            f(
                CheckKind::TlsRpt,
                Level::Warning,
                "tls_rpt.invalid",
                format!("{name}: {e}"),
            )
            .name(&name),
        ),
        Ok(Some(t)) => {
            let rua = parse_tag_list(&t)
                .ok()
                .and_then(|tags| tags.into_iter().find(|(k, _)| k == "rua").map(|(_, v)| v));
            match rua {
                Some(r)
                    if r.split(',').all(|u| {
                        let u = u.trim().to_ascii_lowercase();
                        u.starts_with("mailto:") || u.starts_with("https:")
                    }) =>
                {
                    out.push(
                        f(
                            CheckKind::TlsRpt,
                            Level::Ok,
                            "tls_rpt.record",
                            format!("reports go to {r}"),
                        )
                        .name(&name)
                        .record(&t),
                    )
                }
                _ => out.push(
                    f(
                        CheckKind::TlsRpt,
                        Level::Warning,
                        "tls_rpt.invalid",
                        "rua= must list mailto: or https: URIs (RFC 8460 3)",
                    )
                    .name(&name)
                    .record(&t),
                ),
            }
        }
    }
    // BIMI
    let name = format!("default._bimi.{domain}");
    match single_record(dns, &name, "v=BIMI1").await {
        Ok(None) => out.push(
            f(
                CheckKind::Bimi,
                Level::Info,
                "bimi.missing",
                "no BIMI record",
            )
            .name(&name),
        ),
        Err(e) => out.push(
            f(
                CheckKind::Bimi,
                Level::Warning,
                "bimi.invalid",
                format!("{name}: {e}"),
            )
            .name(&name),
        ),
        Ok(Some(t)) => {
            let tags = parse_tag_list(&t).unwrap_or_default();
            let get = |k: &str| tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.clone());
            let l = get("l").unwrap_or_default();
            if !l.is_empty() && !l.to_ascii_lowercase().starts_with("https://") {
                out.push(
                    f(
                        CheckKind::Bimi,
                        Level::Warning,
                        "bimi.invalid",
                        "l= must be an https:// URL of an SVG logo",
                    )
                    .name(&name)
                    .record(&t),
                );
            } else if get("a").is_none_or(|a| a.is_empty()) {
                out.push(
                    f(
                        CheckKind::Bimi,
                        Level::Info,
                        "bimi.no_certificate",
                        "no a= (VMC/CMC): most mailbox providers show no logo without one",
                    )
                    .name(&name)
                    .record(&t),
                );
            } else {
                out.push(
                    f(
                        CheckKind::Bimi,
                        Level::Ok,
                        "bimi.record",
                        "BIMI record with logo and certificate",
                    )
                    .name(&name)
                    .record(&t),
                );
            }
        }
    }
    out
}
