//! [`Checker`]: runs every check for a domain (and optionally a sending IP) with one
//! resolver, one cache and one deadline per run.

use std::net::IpAddr;

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use crate::dns::{DnsConfig, HickoryLookup};
use crate::dnsbl::ListZone;
use crate::finding::{CheckKind, Finding, Level};
use crate::spf::{LintNode, SpfLimits, SpfOutcome, SpfRequest, SpfResult, check_host, lint_spf};
use crate::{Error, dkim, dmarc, dnsbl, mtasts, mx, ptr};

/// Configuration of a [`Checker`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckConfig {
    /// How to reach DNS.
    pub dns: DnsConfig,
    /// Lists queried for the IP and the domain.
    pub lists: Vec<ListZone>,
    /// SPF evaluation limits.
    pub spf_limits: SpfLimits,
}

impl CheckConfig {
    /// A configuration with the default lists.
    pub fn new(dns: DnsConfig) -> Self {
        CheckConfig {
            dns,
            lists: dnsbl::default_zones(),
            spf_limits: SpfLimits::default(),
        }
    }

    /// Replaces the DNSBL/DNSWL zones.
    pub fn lists(mut self, lists: Vec<ListZone>) -> Self {
        self.lists = lists;
        self
    }
}

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CheckRequest {
    /// The sender domain (the From/MAIL FROM domain).
    pub domain: String,
    /// The sending IP: enables SPF evaluation, PTR and IP list checks.
    pub ip: Option<IpAddr>,
    /// The HELO name (defaults to the domain).
    pub helo: Option<String>,
    /// The MAIL FROM address (defaults to `postmaster@domain`).
    pub mail_from: Option<String>,
    /// DKIM selectors (common ones are tried when empty).
    pub selectors: Vec<String>,
}

impl CheckRequest {
    /// A request for `domain` only.
    pub fn new(domain: &str) -> Self {
        CheckRequest {
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            ..CheckRequest::default()
        }
    }

    /// Sets the sending IP.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// Sets the HELO name.
    pub fn helo(mut self, helo: &str) -> Self {
        self.helo = Some(helo.to_owned());
        self
    }

    /// Sets the MAIL FROM address.
    pub fn mail_from(mut self, addr: &str) -> Self {
        self.mail_from = Some(addr.to_owned());
        self
    }

    /// Adds a DKIM selector.
    pub fn selector(mut self, s: &str) -> Self {
        self.selectors.push(s.to_owned());
        self
    }
}

/// Everything one run found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The domain checked.
    pub domain: String,
    /// All findings, grouped by check in a fixed order.
    pub findings: Vec<Finding>,
    /// The SPF lookup tree.
    pub spf_tree: Option<LintNode>,
    /// The SPF evaluation for the given IP.
    pub spf: Option<SpfOutcome>,
    /// DNS queries sent.
    pub queries: usize,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }

    /// The findings of one check.
    pub fn of(&self, check: CheckKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.check == check)
    }
}

/// Runs the checks.
#[derive(Debug, Clone)]
pub struct Checker {
    config: CheckConfig,
}

impl Checker {
    /// A checker; fails when the configuration names no name server.
    pub fn new(config: CheckConfig) -> Result<Self, Error> {
        if config.dns.nameservers.is_empty() {
            return Err(Error::Config("no name server configured".into()));
        }
        Ok(Checker { config })
    }

    /// Runs every check for `req` concurrently with a fresh resolver cache.
    pub async fn check_domain(&self, req: &CheckRequest) -> Result<Report, Error> {
        let domain = req.domain.trim_end_matches('.').to_ascii_lowercase();
        if crate::dns::check_name(&domain).is_err() {
            return Err(Error::InvalidArgument(format!(
                "{domain:?} is not a domain name"
            )));
        }
        let dns = HickoryLookup::new(self.config.dns.clone())?;
        let dns = &dns;
        let helo = req.helo.clone().unwrap_or_else(|| domain.clone());
        let mail_from = req
            .mail_from
            .clone()
            .unwrap_or_else(|| format!("postmaster@{domain}"));
        let spf_eval = async {
            match req.ip {
                Some(ip) => {
                    let r = SpfRequest::new(ip, &helo, &mail_from);
                    Some(check_host(dns, &r, self.config.spf_limits).await)
                }
                None => None,
            }
        };
        let ptr_check = async {
            match req.ip {
                Some(ip) => ptr::check_ptr(dns, ip, req.helo.as_deref()).await.1,
                None => Vec::new(),
            }
        };
        let (lint, spf, (_, dmarc_f), (_, dkim_f), (_, mx_f), ptr_f, lists_f, txt_f) = tokio::join!(
            lint_spf(dns, &domain),
            spf_eval,
            dmarc::check_dmarc(dns, &domain),
            dkim::check_dkim(dns, &domain, &req.selectors),
            mx::check_mx(dns, &domain),
            ptr_check,
            dnsbl::check_lists(dns, req.ip, Some(&domain), &self.config.lists),
            mtasts::check_txt_policies(dns, &domain),
        );
        let mut findings = lint.findings;
        if let Some(o) = &spf {
            findings.push(spf_finding(o, req.ip));
        }
        findings.extend(dmarc_f);
        findings.extend(dkim_f);
        findings.extend(ptr_f);
        findings.extend(mx_f);
        findings.extend(lists_f);
        findings.extend(txt_f);
        findings.sort_by_key(|f| f.check);
        Ok(Report {
            domain,
            findings,
            spf_tree: Some(lint.tree),
            spf,
            queries: dns.queries_sent(),
        })
    }
}

/// The finding for an SPF evaluation result.
pub fn spf_finding(o: &SpfOutcome, ip: Option<IpAddr>) -> Finding {
    let ip = ip.map(|i| i.to_string()).unwrap_or_default();
    let (level, code, cat) = match o.result {
        SpfResult::Pass => (Level::Ok, "spf.pass", None),
        SpfResult::Fail => (Level::Error, "spf.fail", Some(Category::SpfFail)),
        SpfResult::SoftFail => (Level::Warning, "spf.softfail", Some(Category::SpfFail)),
        SpfResult::Neutral => (Level::Warning, "spf.neutral", Some(Category::SpfFail)),
        SpfResult::None => (Level::Warning, "spf.none", Some(Category::SpfFail)),
        SpfResult::TempError => (Level::Warning, "spf.temperror", Some(Category::DnsFailure)),
        SpfResult::PermError => (Level::Error, "spf.permerror", Some(Category::SpfFail)),
    };
    let mut msg = format!("SPF for {ip} as {}: {} ({})", o.domain, o.result, o.reason);
    if let Some(e) = &o.explanation {
        msg.push_str(&format!("; explanation: {e}"));
    }
    let mut f = Finding::new(CheckKind::Spf, level, code, msg).name(&o.domain);
    if let Some(c) = cat {
        f = f.category(c);
    }
    f
}
