//! `explain --check-dns`: runs the DNS checks a diagnosis suggests.

use std::net::IpAddr;

use maildiag::{Diagnosis, DnsCheckKind, DnsTarget};
use maildiag_dnsauth::dns::HickoryLookup;
use maildiag_dnsauth::{CheckConfig, CheckRequest, Checker, Finding, dnsbl, ptr};

/// Runs the checks `d` suggests and returns the findings as JSON, or `None` when the
/// diagnosis suggests no check that can run with what is known.
pub fn run_checks(
    d: &Diagnosis,
    sender_domain: Option<&str>,
    nameservers: &[String],
) -> Option<serde_json::Value> {
    let ip: Option<IpAddr> = d.dns_checks.iter().find_map(|c| match c.target {
        DnsTarget::Ip(ip) => Some(ip),
        _ => None,
    });
    let wants = |k: DnsCheckKind| d.dns_checks.iter().any(|c| c.check == k);
    let domain_checks =
        wants(DnsCheckKind::Spf) || wants(DnsCheckKind::Dmarc) || wants(DnsCheckKind::Dkim);
    if ip.is_none() && !(domain_checks && sender_domain.is_some()) {
        return None;
    }
    let config = match crate::cmd::util::dns_config(nameservers) {
        Ok(c) => c,
        Err(e) => return Some(serde_json::json!({ "error": e })),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Some(serde_json::json!({ "error": e.to_string() })),
    };
    let findings: Result<Vec<Finding>, String> = rt.block_on(async {
        let mut findings = Vec::new();
        if let (true, Some(domain)) = (domain_checks, sender_domain) {
            let checker =
                Checker::new(CheckConfig::new(config.clone())).map_err(|e| e.to_string())?;
            let mut req = CheckRequest::new(domain);
            if let Some(ip) = ip {
                req = req.ip(ip);
            }
            let report = checker
                .check_domain(&req)
                .await
                .map_err(|e| e.to_string())?;
            findings.extend(report.findings);
        } else if let Some(ip) = ip {
            let dns = HickoryLookup::new(config).map_err(|e| e.to_string())?;
            if wants(DnsCheckKind::Ptr) || wants(DnsCheckKind::Fcrdns) {
                findings.extend(ptr::check_ptr(&dns, ip, None).await.1);
            }
            if wants(DnsCheckKind::Dnsbl) {
                findings.extend(
                    dnsbl::check_lists(&dns, Some(ip), None, &dnsbl::default_zones()).await,
                );
            }
        }
        Ok(findings)
    });
    Some(match findings {
        Ok(f) => serde_json::to_value(f).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e }),
    })
}
