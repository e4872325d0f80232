//! `scan --check-dns`: the DNS checks the sender-side causes call for, once per target.

use std::net::IpAddr;

use maildiag::Category;
use maildiag_dnsauth::dns::HickoryLookup;
use maildiag_dnsauth::{CheckConfig, CheckRequest, Checker, dnsbl, ptr};
use serde_json::{Value, json};

use super::agg::Agg;

/// Sender domains and IPs checked at most (the most affected first).
const MAX_TARGETS: usize = 5;

/// Runs the checks and returns `[{target, kind, findings | error}]`.
pub fn run(agg: &Agg, ip: Option<IpAddr>, nameservers: &[String]) -> Value {
    let n = |c: Category| agg.categories[c as usize];
    let domain_causes = n(Category::SpfFail) + n(Category::DkimFail) + n(Category::DmarcFail);
    let ip_causes = n(Category::PtrMissing) + n(Category::Blocklisted) + n(Category::BadReputation);
    let mut domains: Vec<(&str, u64)> =
        agg.sender_domains.iter().map(|(d, n)| (&**d, *n)).collect();
    domains.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut ips: Vec<(IpAddr, u64)> = agg.sender_ips.iter().map(|(i, n)| (*i, *n)).collect();
    ips.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut ip_targets: Vec<IpAddr> = ip.into_iter().chain(ips.iter().map(|(i, _)| *i)).collect();
    ip_targets.dedup();
    ip_targets.truncate(MAX_TARGETS);
    let sending_ip = ip_targets.first().copied();
    let domain_targets: Vec<&str> = if domain_causes > 0 {
        domains.iter().take(MAX_TARGETS).map(|(d, _)| *d).collect()
    } else {
        Vec::new()
    };
    let ip_targets = if ip_causes > 0 || ip.is_some() {
        ip_targets
    } else {
        Vec::new()
    };
    if domain_targets.is_empty() && ip_targets.is_empty() {
        return json!([]);
    }
    let config = match crate::cmd::util::dns_config(nameservers) {
        Ok(c) => c,
        Err(e) => return json!([{ "error": e }]),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return json!([{ "error": e.to_string() }]),
    };
    rt.block_on(async {
        let mut out = Vec::new();
        for d in &domain_targets {
            let r = async {
                let checker = Checker::new(CheckConfig::new(config.clone())).map_err(|e| e.to_string())?;
                let mut req = CheckRequest::new(d);
                if let Some(ip) = sending_ip {
                    req = req.ip(ip);
                }
                checker.check_domain(&req).await.map_err(|e| e.to_string())
            }
            .await;
            out.push(match r {
                Ok(report) => json!({ "kind": "sender_domain", "target": d, "ip": sending_ip.map(|i| i.to_string()), "findings": report.findings }),
                Err(e) => json!({ "kind": "sender_domain", "target": d, "error": e }),
            });
        }
        // The domain checks above already covered the sending IP when one was given.
        let skip = usize::from(!domain_targets.is_empty() && sending_ip.is_some());
        for ip in ip_targets.iter().skip(skip) {
            let r = async {
                let dns = HickoryLookup::new(config.clone()).map_err(|e| e.to_string())?;
                let mut findings = ptr::check_ptr(&dns, *ip, None).await.1;
                findings.extend(dnsbl::check_lists(&dns, Some(*ip), None, &dnsbl::default_zones()).await);
                Ok::<_, String>(findings)
            }
            .await;
            out.push(match r {
                Ok(f) => json!({ "kind": "sending_ip", "target": ip.to_string(), "findings": f }),
                Err(e) => json!({ "kind": "sending_ip", "target": ip.to_string(), "error": e }),
            });
        }
        Value::Array(out)
    })
}
