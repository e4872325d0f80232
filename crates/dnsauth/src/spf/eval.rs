//! RFC 7208 `check_host()`.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use super::record::{
    MacroPart, MacroString, Mechanism, Qualifier, SpfRecord, SpfSyntaxError, is_spf_record,
};
use crate::dns::{DnsLookup, LookupError, check_name};

/// The seven SPF results (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// No record, or no valid domain to check.
    None,
    /// The domain makes no assertion about this host.
    Neutral,
    /// The host is authorised.
    Pass,
    /// The host is not authorised.
    Fail,
    /// The host is probably not authorised.
    SoftFail,
    /// A transient DNS error.
    TempError,
    /// The published records could not be interpreted.
    PermError,
}

impl SpfResult {
    /// The lower-case name (`pass`, `softfail`, `permerror`...).
    pub const fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    fn from_qualifier(q: Qualifier) -> SpfResult {
        match q {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

impl std::fmt::Display for SpfResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Limits of one evaluation (RFC 7208 §4.6.4 defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpfLimits {
    /// DNS-querying terms (include, a, mx, ptr, exists, redirect): 10.
    pub dns_mechanisms: usize,
    /// Void lookups (NXDOMAIN or NODATA): 2.
    pub void_lookups: usize,
    /// MX records per `mx` and names per `ptr`: 10.
    pub per_mechanism_names: usize,
}

impl Default for SpfLimits {
    fn default() -> Self {
        SpfLimits {
            dns_mechanisms: 10,
            void_lookups: 2,
            per_mechanism_names: 10,
        }
    }
}

/// The identities of one check: the client IP, the HELO name and the MAIL FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpfRequest {
    /// The SMTP client's address.
    pub ip: IpAddr,
    /// The HELO/EHLO name.
    pub helo: String,
    /// The MAIL FROM address (empty for the null reverse path: the HELO identity is
    /// checked as `postmaster@helo`).
    pub mail_from: String,
    /// The receiving host's name, for `%{r}` in explanations.
    pub receiver: String,
}

impl SpfRequest {
    /// A request for the MAIL FROM identity.
    pub fn new(ip: IpAddr, helo: &str, mail_from: &str) -> Self {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        SpfRequest {
            ip,
            helo: helo.to_owned(),
            mail_from: mail_from.to_owned(),
            receiver: "unknown".to_owned(),
        }
    }

    /// The sender used for macros and the domain checked: MAIL FROM, or
    /// `postmaster@helo` when it is empty; a missing local part becomes `postmaster`.
    pub fn sender(&self) -> (String, String) {
        let s = if self.mail_from.is_empty() {
            &self.helo
        } else {
            &self.mail_from
        };
        match s.rfind('@') {
            Some(p) if p > 0 => (s[..p].to_owned(), s[p + 1..].to_owned()),
            Some(p) => ("postmaster".to_owned(), s[p + 1..].to_owned()),
            None => ("postmaster".to_owned(), s.clone()),
        }
    }
}

/// What one evaluation concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfOutcome {
    /// The result.
    pub result: SpfResult,
    /// The `exp=` explanation, for `fail` when the domain published one.
    pub explanation: Option<String>,
    /// Why: the matching term, or the error.
    pub reason: String,
    /// DNS-querying terms evaluated.
    pub dns_lookups: usize,
    /// Void lookups met.
    pub void_lookups: usize,
    /// The domain checked.
    pub domain: String,
}

struct Step {
    result: SpfResult,
    explanation: Option<String>,
    reason: String,
}

impl Step {
    fn new(result: SpfResult, reason: impl Into<String>) -> Step {
        Step {
            result,
            explanation: None,
            reason: reason.into(),
        }
    }
}

/// Evaluates SPF for `req` with `dns` (RFC 7208 `check_host()`, from §4.1 initial
/// processing on).
pub async fn check_host<L: DnsLookup>(dns: &L, req: &SpfRequest, limits: SpfLimits) -> SpfOutcome {
    let (local, domain) = req.sender();
    let mut ev = Evaluator {
        dns,
        req,
        local,
        sender_domain: domain.clone(),
        limits,
        lookups: 0,
        voids: 0,
    };
    let step = if !valid_fqdn(&domain) {
        Step::new(
            SpfResult::None,
            format!("{domain:?} is not a fully qualified domain name"),
        )
    } else {
        ev.check(domain.clone(), 0).await
    };
    SpfOutcome {
        result: step.result,
        explanation: step.explanation,
        reason: step.reason,
        dns_lookups: ev.lookups,
        void_lookups: ev.voids,
        domain,
    }
}

/// RFC 7208 §4.3: a domain that can be checked (at least two labels, each 1–63 octets).
fn valid_fqdn(d: &str) -> bool {
    match check_name(d) {
        Ok(labels) => labels.len() >= 2 && !d.starts_with('['),
        Err(_) => false,
    }
}

/// Fetches and selects the SPF record of `domain`.
pub(crate) async fn fetch_record<L: DnsLookup>(
    dns: &L,
    domain: &str,
) -> Result<Option<String>, (SpfResult, String)> {
    match dns.txt(domain).await {
        Ok(txts) => {
            let spf: Vec<&Vec<u8>> = txts.iter().filter(|t| is_spf_record(t)).collect();
            match spf.len() {
                0 => Ok(None),
                1 => match std::str::from_utf8(spf[0]) {
                    Ok(s) if s.is_ascii() => Ok(Some(s.to_owned())),
                    _ => Err((
                        SpfResult::PermError,
                        format!("SPF record of {domain} contains non-ASCII characters"),
                    )),
                },
                n => Err((
                    SpfResult::PermError,
                    format!("{domain} publishes {n} SPF records"),
                )),
            }
        }
        Err(e) if e.is_temporary() => Err((
            SpfResult::TempError,
            format!("TXT lookup for {domain}: {e}"),
        )),
        Err(_) => Ok(None),
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

struct Evaluator<'a, L> {
    dns: &'a L,
    req: &'a SpfRequest,
    local: String,
    sender_domain: String,
    limits: SpfLimits,
    lookups: usize,
    voids: usize,
}

enum Matched {
    Yes,
    No,
    Stop(Step),
}

fn ip_in(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len.min(32)))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len.min(128)))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn url_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// RFC 7208 §7.3: an expanded domain over 253 octets loses labels from the left.
fn truncate_domain(mut s: String) -> String {
    while s.len() > 253 {
        match s.find('.') {
            Some(p) => s = s[p + 1..].to_owned(),
            None => break,
        }
    }
    s
}

impl<'a, L: DnsLookup> Evaluator<'a, L> {
    fn count_lookup(&mut self) -> Option<Step> {
        self.lookups += 1;
        (self.lookups > self.limits.dns_mechanisms).then(|| {
            Step::new(
                SpfResult::PermError,
                format!(
                    "more than {} DNS-querying terms (RFC 7208 4.6.4)",
                    self.limits.dns_mechanisms
                ),
            )
        })
    }

    fn count_void(&mut self) -> Option<Step> {
        self.voids += 1;
        (self.voids > self.limits.void_lookups).then(|| {
            Step::new(
                SpfResult::PermError,
                format!(
                    "more than {} void lookups (RFC 7208 4.6.4)",
                    self.limits.void_lookups
                ),
            )
        })
    }

    fn check(&mut self, domain: String, depth: usize) -> BoxFut<'_, Step> {
        Box::pin(async move {
            if depth > 20 {
                return Step::new(SpfResult::PermError, "include/redirect nesting too deep");
            }
            let text = match fetch_record(self.dns, &domain).await {
                Ok(Some(t)) => t,
                Ok(None) => {
                    return Step::new(SpfResult::None, format!("no SPF record at {domain}"));
                }
                Err((r, why)) => return Step::new(r, why),
            };
            let rec = match SpfRecord::parse(&text) {
                Ok(r) => r,
                Err(e) => return Step::new(SpfResult::PermError, format!("{domain}: {e}")),
            };
            self.eval_record(&domain, &rec, depth).await
        })
    }

    async fn eval_record(&mut self, domain: &str, rec: &SpfRecord, depth: usize) -> Step {
        for d in &rec.directives {
            match self.matches(domain, &d.mechanism, depth).await {
                Matched::Yes => {
                    let result = SpfResult::from_qualifier(d.qualifier);
                    let mut step = Step::new(result, format!("{domain}: matched {}", d.text));
                    if result == SpfResult::Fail
                        && let Some(exp) = &rec.exp
                    {
                        step.explanation = self.explain(domain, exp).await;
                    }
                    return step;
                }
                Matched::No => {}
                Matched::Stop(s) => return s,
            }
        }
        if let Some(redirect) = &rec.redirect {
            if let Some(s) = self.count_lookup() {
                return s;
            }
            let target = match self.expand_domain(redirect, domain).await {
                Ok(t) => t,
                Err(e) => return Step::new(SpfResult::PermError, e.to_string()),
            };
            if !valid_fqdn(&target) {
                return Step::new(
                    SpfResult::PermError,
                    format!("redirect target {target:?} is not a valid domain"),
                );
            }
            let mut s = self.check(target.clone(), depth + 1).await;
            if s.result == SpfResult::None {
                s = Step::new(
                    SpfResult::PermError,
                    format!("redirect={target} has no SPF record"),
                );
            }
            return s;
        }
        Step::new(SpfResult::Neutral, format!("{domain}: no term matched"))
    }

    async fn explain(&mut self, domain: &str, exp: &MacroString) -> Option<String> {
        let target = self.expand_domain(exp, domain).await.ok()?;
        check_name(&target).ok()?;
        let txts = self.dns.txt(&target).await.ok()?;
        if txts.len() != 1 {
            return None;
        }
        let text = std::str::from_utf8(&txts[0]).ok()?;
        if !text.is_ascii() {
            return None;
        }
        let m = MacroString::parse(text, true).ok()?;
        self.expand(&m, domain).await.ok()
    }

    async fn matches(&mut self, domain: &str, m: &Mechanism, depth: usize) -> Matched {
        let ip = self.req.ip;
        let v6 = ip.is_ipv6();
        if m.does_lookup()
            && let Some(s) = self.count_lookup()
        {
            return Matched::Stop(s);
        }
        match m {
            Mechanism::All => Matched::Yes,
            Mechanism::Ip4(net, len) => Matched::from(ip_in(ip, IpAddr::V4(*net), *len)),
            Mechanism::Ip6(net, len) => Matched::from(ip_in(ip, IpAddr::V6(*net), *len)),
            Mechanism::Include(spec) => {
                let target = match self.target(spec, domain).await {
                    Ok(t) => t,
                    Err(s) => return Matched::Stop(s),
                };
                let s = self.check(target.clone(), depth + 1).await;
                match s.result {
                    SpfResult::Pass => Matched::Yes,
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Matched::No,
                    SpfResult::TempError | SpfResult::PermError => Matched::Stop(s),
                    SpfResult::None => Matched::Stop(Step::new(
                        SpfResult::PermError,
                        format!("include:{target} has no SPF record"),
                    )),
                }
            }
            Mechanism::A {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let target = match spec {
                    Some(spec) => match self.target(spec, domain).await {
                        Ok(t) => t,
                        Err(s) => return Matched::Stop(s),
                    },
                    None => domain.to_owned(),
                };
                let len = if v6 { *cidr6 } else { *cidr4 };
                match self.dns.addrs(&target, v6).await {
                    Ok(addrs) => Matched::from(addrs.iter().any(|a| ip_in(ip, *a, len))),
                    Err(e) => self.lookup_failed(&target, &e),
                }
            }
            Mechanism::Mx {
                domain: spec,
                cidr4,
                cidr6,
            } => {
                let target = match spec {
                    Some(spec) => match self.target(spec, domain).await {
                        Ok(t) => t,
                        Err(s) => return Matched::Stop(s),
                    },
                    None => domain.to_owned(),
                };
                let len = if v6 { *cidr6 } else { *cidr4 };
                let mxs = match self.dns.mx(&target).await {
                    Ok(m) => m,
                    Err(e) => return self.lookup_failed(&target, &e),
                };
                if mxs.len() > self.limits.per_mechanism_names {
                    return Matched::Stop(Step::new(
                        SpfResult::PermError,
                        format!(
                            "{target} has {} MX records (limit {})",
                            mxs.len(),
                            self.limits.per_mechanism_names
                        ),
                    ));
                }
                for (_, host) in mxs {
                    if host.is_empty() {
                        continue;
                    }
                    match self.dns.addrs(&host, v6).await {
                        Ok(addrs) => {
                            if addrs.iter().any(|a| ip_in(ip, *a, len)) {
                                return Matched::Yes;
                            }
                        }
                        Err(e) if e.is_temporary() => {
                            return Matched::Stop(Step::new(
                                SpfResult::TempError,
                                format!("lookup of MX host {host}: {e}"),
                            ));
                        }
                        Err(_) => {}
                    }
                }
                Matched::No
            }
            Mechanism::Ptr(spec) => {
                let target = match spec {
                    Some(spec) => match self.target(spec, domain).await {
                        Ok(t) => t,
                        Err(s) => return Matched::Stop(s),
                    },
                    None => domain.to_owned(),
                };
                let names = match self.dns.ptr(ip).await {
                    Ok(n) => n,
                    Err(e) => {
                        if e.is_void()
                            && let Some(s) = self.count_void()
                        {
                            return Matched::Stop(s);
                        }
                        return Matched::No;
                    }
                };
                let validated = self.validated_names(&names).await;
                Matched::from(validated.iter().any(|n| is_subdomain(n, &target)))
            }
            Mechanism::Exists(spec) => {
                let target = match self.target(spec, domain).await {
                    Ok(t) => t,
                    Err(s) => return Matched::Stop(s),
                };
                match self.dns.addrs(&target, false).await {
                    Ok(_) => Matched::Yes,
                    Err(e) => self.lookup_failed(&target, &e),
                }
            }
        }
    }

    /// The names among `names` (at most the limit) whose A/AAAA includes the client IP.
    async fn validated_names(&mut self, names: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for n in names.iter().take(self.limits.per_mechanism_names) {
            if let Ok(addrs) = self.dns.addrs(n, self.req.ip.is_ipv6()).await
                && addrs.contains(&self.req.ip)
            {
                out.push(n.clone());
            }
        }
        out
    }

    fn lookup_failed(&mut self, target: &str, e: &LookupError) -> Matched {
        if e.is_temporary() {
            Matched::Stop(Step::new(
                SpfResult::TempError,
                format!("lookup of {target}: {e}"),
            ))
        } else if e.is_void() {
            match self.count_void() {
                Some(s) => Matched::Stop(s),
                None => Matched::No,
            }
        } else {
            Matched::No
        }
    }

    async fn target(&mut self, spec: &MacroString, domain: &str) -> Result<String, Step> {
        self.expand_domain(spec, domain)
            .await
            .map_err(|e| Step::new(SpfResult::PermError, format!("{domain}: {e}")))
    }

    async fn expand_domain(
        &mut self,
        spec: &MacroString,
        domain: &str,
    ) -> Result<String, SpfSyntaxError> {
        let s = self.expand(spec, domain).await?;
        Ok(truncate_domain(s.trim_end_matches('.').to_owned()))
    }

    async fn expand(&mut self, m: &MacroString, domain: &str) -> Result<String, SpfSyntaxError> {
        let mut out = String::new();
        for p in &m.parts {
            match p {
                MacroPart::Literal(l) => out.push_str(l),
                MacroPart::Expand {
                    letter,
                    escape,
                    digits,
                    reverse,
                    delimiters,
                } => {
                    let value = self.macro_value(*letter, domain).await;
                    let delims: &str = if delimiters.is_empty() {
                        "."
                    } else {
                        delimiters
                    };
                    let mut parts: Vec<&str> = value.split(|c| delims.contains(c)).collect();
                    if *reverse {
                        parts.reverse();
                    }
                    if let Some(n) = digits
                        && *n < parts.len()
                    {
                        parts = parts.split_off(parts.len() - n);
                    }
                    let joined = parts.join(".");
                    if *escape {
                        out.push_str(&url_escape(&joined));
                    } else {
                        out.push_str(&joined);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn macro_value(&mut self, letter: char, domain: &str) -> String {
        let ip = self.req.ip;
        match letter {
            's' => format!("{}@{}", self.local, self.sender_domain),
            'l' => self.local.clone(),
            'o' => self.sender_domain.clone(),
            'd' => domain.to_owned(),
            'i' => match ip {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(_) => {
                    let r = crate::dns::reverse_name(ip);
                    // Upper-case hex nibbles, as the OpenSPF suite expects (DNS ignores case).
                    let nibbles: Vec<&str> =
                        r.trim_end_matches(".ip6.arpa").split('.').rev().collect();
                    nibbles.join(".").to_ascii_uppercase()
                }
            },
            'p' => self.p_macro(domain).await,
            'v' => if ip.is_ipv4() { "in-addr" } else { "ip6" }.to_owned(),
            'h' => self.req.helo.clone(),
            'c' => ip.to_string(),
            'r' => self.req.receiver.clone(),
            't' => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
                .to_string(),
            _ => String::new(),
        }
    }

    /// RFC 7208 §7.3 `%{p}`: a validated reverse name, preferring the domain itself or a
    /// subdomain, else `unknown`.
    async fn p_macro(&mut self, domain: &str) -> String {
        let Ok(names) = self.dns.ptr(self.req.ip).await else {
            return "unknown".to_owned();
        };
        let validated = self.validated_names(&names).await;
        validated
            .iter()
            .find(|n| n.eq_ignore_ascii_case(domain))
            .or_else(|| validated.iter().find(|n| is_subdomain(n, domain)))
            .or_else(|| validated.first())
            .cloned()
            .unwrap_or_else(|| "unknown".to_owned())
    }
}

impl From<bool> for Matched {
    fn from(b: bool) -> Matched {
        if b { Matched::Yes } else { Matched::No }
    }
}

/// `name` equals `domain` or ends with `.domain` (case-insensitive).
pub(crate) fn is_subdomain(name: &str, domain: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    n == d || n.ends_with(&format!(".{d}"))
}
