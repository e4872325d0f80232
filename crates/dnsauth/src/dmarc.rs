//! DMARC: record discovery (RFC 7489 organizational domain via the Public Suffix List,
//! and the RFC 9989 DNS tree walk), tag validation, external report authorisation and
//! identifier alignment.

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use crate::dns::DnsLookup;
use crate::finding::{CheckKind, Finding, Level};
use crate::spf::SpfResult;

/// Splits a `tag=value; tag=value` list (DKIM, DMARC, MTA-STS, TLS-RPT, BIMI). Tags are
/// lower-cased; whitespace around tags and values is removed; empty items are skipped.
pub fn parse_tag_list(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for item in text.split(';') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| format!("tag without '=': {item:?}"))?;
        let k = k.trim().to_ascii_lowercase();
        if k.is_empty() || !k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return Err(format!("bad tag name {k:?}"));
        }
        if out.iter().any(|(t, _)| *t == k) {
            return Err(format!("tag {k:?} appears twice"));
        }
        out.push((k, v.trim().to_owned()));
    }
    Ok(out)
}

/// A requested policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Monitor only.
    None,
    /// Treat failing mail as suspicious.
    Quarantine,
    /// Reject failing mail.
    Reject,
}

impl Policy {
    fn parse(s: &str) -> Option<Policy> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }
}

/// A parsed DMARC record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DmarcRecord {
    /// `p=`.
    pub p: Policy,
    /// `sp=` (subdomains).
    pub sp: Option<Policy>,
    /// `np=` (non-existent subdomains, RFC 9989).
    pub np: Option<Policy>,
    /// `adkim=s`.
    pub strict_dkim: bool,
    /// `aspf=s`.
    pub strict_spf: bool,
    /// `pct=` (removed in RFC 9989).
    pub pct: Option<u8>,
    /// `t=y` testing mode (RFC 9989).
    pub testing: bool,
    /// `psd=` (`y`, `n` or `u`; RFC 9989).
    pub psd: Option<char>,
    /// Aggregate report destinations.
    pub rua: Vec<String>,
    /// Failure report destinations.
    pub ruf: Vec<String>,
    /// The record text.
    pub raw: String,
}

/// Parses a DMARC record, with warnings for deprecated or unknown tags.
///
/// ```
/// use maildiag_dnsauth::dmarc::{parse_dmarc, Policy};
/// let (rec, warnings) = parse_dmarc("v=DMARC1; p=reject; pct=50; rua=mailto:d@example.com").unwrap();
/// assert_eq!(rec.p, Policy::Reject);
/// assert_eq!(warnings.len(), 1); // pct= was removed by RFC 9989
/// ```
pub fn parse_dmarc(text: &str) -> Result<(DmarcRecord, Vec<String>), String> {
    let tags = parse_tag_list(text)?;
    match tags.first() {
        Some((k, v)) if k == "v" && v == "DMARC1" => {}
        _ => return Err("record must start with v=DMARC1".into()),
    }
    let get = |k: &str| tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str());
    let mut warnings = Vec::new();
    let p = match get("p") {
        Some(v) => Policy::parse(v).ok_or_else(|| format!("invalid p={v}"))?,
        None => {
            // RFC 9989: a record without a valid p= but with rua= is treated as p=none.
            if get("rua").is_some() {
                warnings.push("no p= tag: treated as p=none (RFC 9989)".to_owned());
                Policy::None
            } else {
                return Err("missing p= tag".into());
            }
        }
    };
    let opt_policy = |k: &str| -> Result<Option<Policy>, String> {
        get(k)
            .map(|v| Policy::parse(v).ok_or_else(|| format!("invalid {k}={v}")))
            .transpose()
    };
    let align = |k: &str| -> Result<bool, String> {
        match get(k).map(str::to_ascii_lowercase).as_deref() {
            None | Some("r") => Ok(false),
            Some("s") => Ok(true),
            Some(v) => Err(format!("invalid {k}={v}")),
        }
    };
    let pct = match get("pct") {
        Some(v) => {
            warnings.push(
                "pct= was removed by RFC 9989 (DMARCbis); receivers may ignore it".to_owned(),
            );
            Some(
                v.parse::<u8>()
                    .ok()
                    .filter(|n| *n <= 100)
                    .ok_or_else(|| format!("invalid pct={v}"))?,
            )
        }
        None => None,
    };
    for removed in ["rf", "ri"] {
        if get(removed).is_some() {
            warnings.push(format!(
                "{removed}= was removed by RFC 9989 (DMARCbis) and is ignored"
            ));
        }
    }
    let testing = match get("t") {
        None | Some("n") => false,
        Some("y") => true,
        Some(v) => return Err(format!("invalid t={v}")),
    };
    let psd = match get("psd") {
        None => None,
        Some(v @ ("y" | "n" | "u")) => v.chars().next(),
        Some(v) => return Err(format!("invalid psd={v}")),
    };
    let uris = |k: &str| -> Vec<String> {
        get(k)
            .map(|v| {
                v.split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let known = [
        "v", "p", "sp", "np", "adkim", "aspf", "pct", "rf", "ri", "rua", "ruf", "fo", "t", "psd",
    ];
    for (k, _) in &tags {
        if !known.contains(&k.as_str()) {
            warnings.push(format!("unknown tag {k}="));
        }
    }
    let rec = DmarcRecord {
        p,
        sp: opt_policy("sp")?,
        np: opt_policy("np")?,
        strict_dkim: align("adkim")?,
        strict_spf: align("aspf")?,
        pct,
        testing,
        psd,
        rua: uris("rua"),
        ruf: uris("ruf"),
        raw: text.to_owned(),
    };
    for u in rec.rua.iter().chain(&rec.ruf) {
        if !u.to_ascii_lowercase().starts_with("mailto:")
            && !u.to_ascii_lowercase().starts_with("https:")
        {
            warnings.push(format!(
                "report URI {u:?} is not mailto: (most receivers only send to mailto:)"
            ));
        }
    }
    Ok((rec, warnings))
}

/// The organizational domain by the Public Suffix List (RFC 7489 §3.2).
pub fn organizational_domain(domain: &str) -> String {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&d).map(str::to_owned).unwrap_or(d)
}

/// Whether two domains are aligned: equal (strict) or sharing an organizational domain
/// (relaxed).
pub fn aligned(a: &str, b: &str, strict: bool) -> bool {
    let (a, b) = (
        a.trim_end_matches('.').to_ascii_lowercase(),
        b.trim_end_matches('.').to_ascii_lowercase(),
    );
    if strict {
        a == b
    } else {
        organizational_domain(&a) == organizational_domain(&b)
    }
}

/// How a record was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discovery {
    /// RFC 7489: the domain, then its organizational domain from the PSL.
    Rfc7489,
    /// RFC 9989: walking up the DNS tree.
    TreeWalk,
}

/// A discovered record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DmarcFound {
    /// The domain whose `_dmarc` name holds the record.
    pub policy_domain: String,
    /// The record.
    pub record: DmarcRecord,
    /// Warnings from parsing.
    pub warnings: Vec<String>,
    /// Which policy applies to the queried domain (`p`, `sp` or `np`).
    pub applied: Policy,
    /// The policy a receiver actually applies: [`DmarcFound::applied`], one step lower
    /// when the record has `t=y` (RFC 9989: reject becomes quarantine, quarantine
    /// becomes none).
    pub effective: Policy,
    /// Whether the queried domain does not exist (NXDOMAIN), so that `np=` applied.
    pub nonexistent: bool,
}

/// Discovery failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DmarcError {
    /// No record anywhere.
    NotFound,
    /// A lookup failed temporarily.
    Temporary(String),
    /// A record exists but is invalid (domain, text, reason).
    Invalid(String, String, String),
}

/// What one `_dmarc` query found.
enum Fetched {
    /// No DMARC record (NXDOMAIN, NODATA, or only non-DMARC TXT records).
    Nothing,
    /// Exactly one record, parsed (or the parse error).
    One(String, Result<(DmarcRecord, Vec<String>), String>),
    /// Several `v=DMARC1` records: none applies (RFC 7489 §6.6.3, RFC 9989 §4.10).
    Many(String, usize),
}

async fn fetch_dmarc<L: DnsLookup>(dns: &L, domain: &str) -> Result<Fetched, String> {
    let name = format!("_dmarc.{domain}");
    match dns.txt(&name).await {
        Ok(txts) => {
            let recs: Vec<String> = txts
                .iter()
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .filter(|t| is_dmarc_text(t))
                .collect();
            Ok(match recs.as_slice() {
                [] => Fetched::Nothing,
                [one] => Fetched::One(one.clone(), parse_dmarc(one)),
                many => Fetched::Many(many.join(" | "), many.len()),
            })
        }
        Err(e) if e.is_temporary() => Err(format!("{name}: {e}")),
        Err(_) => Ok(Fetched::Nothing),
    }
}

/// Whether a TXT record is a DMARC record: `v` `=` `DMARC1` first, with optional
/// whitespace around `=` (RFC 9989 §4.8 ABNF).
fn is_dmarc_text(t: &str) -> bool {
    let t = t.trim_start();
    let Some(rest) = t.strip_prefix(['v', 'V']) else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix('=') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.len() >= 6
        && rest.is_char_boundary(6)
        && rest[..6].eq_ignore_ascii_case("DMARC1")
        && rest[6..]
            .chars()
            .next()
            .is_none_or(|c| c == ';' || c.is_whitespace())
}

/// The names an RFC 9989 §4.10 DNS tree walk queries for `domain` (without the
/// `_dmarc.` prefix), in order: the domain itself; then, if it has 8 or more labels, its
/// last 7 labels, otherwise the domain minus its left-most label; then one label less
/// each time, down to the top-level domain. At most 8 names.
///
/// ```
/// use maildiag_dnsauth::dmarc::tree_walk_targets;
/// assert_eq!(tree_walk_targets("a.b.example.com"), ["a.b.example.com", "b.example.com", "example.com", "com"]);
/// let deep = tree_walk_targets("1.2.3.4.5.6.7.8.9.example");
/// assert_eq!(deep.len(), 8);
/// assert_eq!(deep[1], "4.5.6.7.8.9.example");
/// ```
pub fn tree_walk_targets(domain: &str) -> Vec<String> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    let n = labels.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![labels.join(".")];
    let first_cut = if n >= 8 { n - 7 } else { 1 };
    for i in first_cut..n {
        out.push(labels[i..].join("."));
    }
    out
}

/// One valid record met during a tree walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WalkRecord {
    /// The domain whose `_dmarc` name holds it.
    pub domain: String,
    /// The parsed record.
    pub record: DmarcRecord,
    /// Parse warnings.
    pub warnings: Vec<String>,
}

/// What an RFC 9989 §4.10 tree walk saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TreeWalk {
    /// The domain the walk started at.
    pub start: String,
    /// The domains whose `_dmarc` name was queried, in order (at most 8).
    pub queried: Vec<String>,
    /// The valid records found, in walk order (longest name first).
    pub records: Vec<WalkRecord>,
    /// Domains that published something unusable (several records, or an invalid
    /// one), with the reason; the walk goes past them.
    pub skipped: Vec<(String, String)>,
}

/// Walks up the DNS tree from `domain` (RFC 9989 §4.10), querying the names of
/// [`tree_walk_targets`] in order. With `stop_at_first` the walk ends at the first valid
/// record (policy discovery); otherwise it ends at a record with `psd=y` or `psd=n`
/// other than the starting domain's (organizational domain discovery, §4.10.2), or
/// when the names run out. An invalid record or several records at the starting domain
/// are an error ([`DmarcError::Invalid`]); further up they are skipped.
pub async fn tree_walk<L: DnsLookup>(
    dns: &L,
    domain: &str,
    stop_at_first: bool,
) -> Result<TreeWalk, DmarcError> {
    let targets = tree_walk_targets(domain);
    let start = targets.first().cloned().unwrap_or_default();
    let mut walk = TreeWalk {
        start: start.clone(),
        queried: Vec::new(),
        records: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, cand) in targets.into_iter().enumerate() {
        walk.queried.push(cand.clone());
        let fetched = fetch_dmarc(dns, &cand)
            .await
            .map_err(DmarcError::Temporary)?;
        let (record, warnings) = match fetched {
            Fetched::Nothing => continue,
            Fetched::Many(text, n) => {
                let why = format!("{n} DMARC records published: none applies");
                if i == 0 {
                    return Err(DmarcError::Invalid(cand, text, why));
                }
                walk.skipped.push((cand, why));
                continue;
            }
            Fetched::One(text, Err(e)) => {
                if i == 0 {
                    return Err(DmarcError::Invalid(cand, text, e));
                }
                walk.skipped.push((cand, e));
                continue;
            }
            Fetched::One(_, Ok(parsed)) => parsed,
        };
        let psd = record.psd;
        walk.records.push(WalkRecord {
            domain: cand,
            record,
            warnings,
        });
        if stop_at_first || psd == Some('n') || (i > 0 && psd == Some('y')) {
            break;
        }
    }
    Ok(walk)
}

/// The organizational domain a finished walk (not stopped at the first record) selects,
/// per RFC 9989 §4.10.2: the domain of a `psd=n` record; the domain one label below a
/// `psd=y` record (a `psd=y` at the starting domain itself is not considered); else the
/// domain with the fewest labels that has a record; else the starting domain.
pub fn organizational_domain_of(walk: &TreeWalk) -> String {
    let Some(last) = walk.records.last() else {
        return walk.start.clone();
    };
    match last.record.psd {
        Some('n') => last.domain.clone(),
        Some('y') if last.domain != walk.start => {
            // The name on the path from the start with one more label than the PSD.
            let psd_labels = last.domain.split('.').count();
            let labels: Vec<&str> = walk.start.split('.').collect();
            let keep = (psd_labels + 1).min(labels.len());
            labels[labels.len() - keep..].join(".")
        }
        _ => last.domain.clone(),
    }
}

/// The organizational domain of `domain` by the RFC 9989 DNS tree walk (§4.10.2).
pub async fn organizational_domain_walk<L: DnsLookup>(
    dns: &L,
    domain: &str,
) -> Result<String, DmarcError> {
    match tree_walk(dns, domain, false).await {
        Ok(w) => Ok(organizational_domain_of(&w)),
        // An unusable record at the start does not change where the organization is.
        Err(DmarcError::Invalid(..)) => {
            let mut w = tree_walk(dns, &parent(domain), false).await?;
            w.start = domain.trim_end_matches('.').to_ascii_lowercase();
            Ok(organizational_domain_of(&w))
        }
        Err(e) => Err(e),
    }
}

fn parent(domain: &str) -> String {
    domain
        .trim_end_matches('.')
        .split_once('.')
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default()
}

/// Lowers a policy by one step (`t=y`).
fn one_step_lower(p: Policy) -> Policy {
    match p {
        Policy::Reject => Policy::Quarantine,
        Policy::Quarantine | Policy::None => Policy::None,
    }
}

/// Finds the DMARC record governing `domain`.
///
/// [`Discovery::Rfc7489`]: the domain, then its organizational domain from the Public
/// Suffix List. [`Discovery::TreeWalk`]: the domain, then the RFC 9989 §4.10 walk up the
/// tree (at most 8 queries), the first valid record found applies. When the record is
/// not the domain's own, `sp=` applies, or `np=` (then `sp=`, then `p=`) when the domain
/// does not exist.
pub async fn discover<L: DnsLookup>(
    dns: &L,
    domain: &str,
    how: Discovery,
) -> Result<DmarcFound, DmarcError> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let (policy_domain, record, warnings) = match how {
        Discovery::Rfc7489 => {
            let org = organizational_domain(&domain);
            let mut candidates = vec![domain.clone()];
            if org != domain {
                candidates.push(org);
            }
            let mut found = None;
            for cand in candidates {
                match fetch_dmarc(dns, &cand)
                    .await
                    .map_err(DmarcError::Temporary)?
                {
                    Fetched::Nothing => continue,
                    Fetched::Many(text, n) => {
                        let why = format!("{n} DMARC records published: none applies");
                        return Err(DmarcError::Invalid(cand, text, why));
                    }
                    Fetched::One(text, Err(e)) => return Err(DmarcError::Invalid(cand, text, e)),
                    Fetched::One(_, Ok((r, w))) => {
                        found = Some((cand, r, w));
                        break;
                    }
                }
            }
            found.ok_or(DmarcError::NotFound)?
        }
        Discovery::TreeWalk => {
            let walk = tree_walk(dns, &domain, true).await?;
            let first = walk
                .records
                .into_iter()
                .next()
                .ok_or(DmarcError::NotFound)?;
            (first.domain, first.record, first.warnings)
        }
    };
    let (applied, nonexistent) = if policy_domain == domain {
        (record.p, false)
    } else {
        let nonexistent = matches!(
            dns.addrs(&domain, false).await,
            Err(crate::dns::LookupError::NxDomain)
        );
        if nonexistent {
            (record.np.or(record.sp).unwrap_or(record.p), true)
        } else {
            (record.sp.unwrap_or(record.p), false)
        }
    };
    let effective = if record.testing {
        one_step_lower(applied)
    } else {
        applied
    };
    Ok(DmarcFound {
        policy_domain,
        record,
        warnings,
        applied,
        effective,
        nonexistent,
    })
}

/// Authentication results to judge alignment on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AuthResults {
    /// SPF result and the domain it was for (MAIL FROM or HELO domain).
    pub spf: Option<(SpfResult, String)>,
    /// Domains (`d=`) of DKIM signatures that verified.
    pub dkim_pass: Vec<String>,
}

/// DMARC verdict for a From domain given SPF/DKIM results: `true` when at least one
/// passing identifier is aligned.
pub fn dmarc_passes(record: &DmarcRecord, from_domain: &str, auth: &AuthResults) -> bool {
    let spf_ok = matches!(&auth.spf, Some((SpfResult::Pass, d)) if aligned(d, from_domain, record.strict_spf));
    let dkim_ok = auth
        .dkim_pass
        .iter()
        .any(|d| aligned(d, from_domain, record.strict_dkim));
    spf_ok || dkim_ok
}

fn policy_name(p: Policy) -> &'static str {
    match p {
        Policy::None => "none",
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
    }
}

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Dmarc, level, code, msg)
}

/// Checks `domain`'s DMARC record (both discovery methods) and report destinations.
pub async fn check_dmarc<L: DnsLookup>(
    dns: &L,
    domain: &str,
) -> (Option<DmarcFound>, Vec<Finding>) {
    let mut out = Vec::new();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.as_str();
    let name = format!("_dmarc.{domain}");
    let (legacy, bis, org_walk) = tokio::join!(
        discover(dns, domain, Discovery::Rfc7489),
        discover(dns, domain, Discovery::TreeWalk),
        organizational_domain_walk(dns, domain),
    );
    // RFC 7489 discovery first (what most receivers still do); the RFC 9989 walk when
    // the PSL-based one finds nothing.
    let (found, bis) = match (legacy, bis) {
        (Ok(l), b) => (Ok(l), b.ok()),
        (Err(DmarcError::NotFound), Ok(b)) => {
            out.push(
                f(
                    Level::Warning,
                    "dmarc.tree_walk_only",
                    format!(
                        "only the RFC 9989 tree walk finds a record (_dmarc.{}); receivers still using RFC 7489 discovery see none",
                        b.policy_domain
                    ),
                )
                .name(format!("_dmarc.{}", b.policy_domain)),
            );
            (Ok(b), None)
        }
        (Err(e), _) => (Err(e), None),
    };
    let found = match found {
        Ok(found) => found,
        Err(DmarcError::NotFound) => {
            out.push(f(Level::Error, "dmarc.missing", format!("no DMARC record for {domain} (nor its organizational domain); large mailbox providers reject or junk bulk mail without one")).name(name).category(Category::DmarcFail));
            return (None, out);
        }
        Err(DmarcError::Temporary(e)) => {
            out.push(
                f(
                    Level::Warning,
                    "dmarc.dns_error",
                    format!("DMARC lookup failed temporarily: {e}"),
                )
                .name(name)
                .category(Category::DnsFailure),
            );
            return (None, out);
        }
        Err(DmarcError::Invalid(d, text, e)) => {
            out.push(
                f(
                    Level::Error,
                    "dmarc.invalid",
                    format!("DMARC record at _dmarc.{d} is invalid: {e}"),
                )
                .name(format!("_dmarc.{d}"))
                .record(text)
                .category(Category::DmarcFail),
            );
            return (None, out);
        }
    };
    let rname = format!("_dmarc.{}", found.policy_domain);
    for w in &found.warnings {
        let code = if w.starts_with("pct=") {
            "dmarc.pct_removed"
        } else if w.starts_with("rf=") || w.starts_with("ri=") {
            "dmarc.tag_removed"
        } else {
            "dmarc.tag_warning"
        };
        out.push(
            f(Level::Warning, code, w.clone())
                .name(&rname)
                .record(&found.record.raw),
        );
    }
    if let Some(bis) = &bis
        && (bis.policy_domain != found.policy_domain || bis.applied != found.applied)
    {
        out.push(
            f(
                Level::Info,
                "dmarc.discovery_differs",
                format!(
                    "RFC 7489 discovery finds _dmarc.{} (policy {}), the RFC 9989 tree walk finds _dmarc.{} (policy {})",
                    found.policy_domain,
                    policy_name(found.applied),
                    bis.policy_domain,
                    policy_name(bis.applied)
                ),
            )
            .name(&rname),
        );
    }
    match &org_walk {
        Ok(org) if *org != organizational_domain(domain) => out.push(
            f(
                Level::Info,
                "dmarc.org_domain_differs",
                format!(
                    "organizational domain of {domain}: {org} by the RFC 9989 tree walk, {} by the Public Suffix List (RFC 7489); relaxed alignment differs between receivers",
                    organizational_domain(domain)
                ),
            )
            .name(&rname),
        ),
        Err(DmarcError::Temporary(e)) => out.push(
            f(
                Level::Warning,
                "dmarc.dns_error",
                format!("RFC 9989 tree walk failed temporarily: {e}"),
            )
            .name(&rname)
            .category(Category::DnsFailure),
        ),
        _ => {}
    }
    if found.record.psd == Some('y') && found.policy_domain != domain {
        out.push(
            f(
                Level::Info,
                "dmarc.psd_policy",
                format!(
                    "the policy comes from the public suffix domain {} (psd=y), not from {domain}'s organization",
                    found.policy_domain
                ),
            )
            .name(&rname),
        );
    }
    if found.nonexistent {
        out.push(
            f(
                Level::Info,
                "dmarc.nonexistent_domain",
                format!(
                    "{domain} does not exist: the np= policy applies ({})",
                    policy_name(found.applied)
                ),
            )
            .name(&rname),
        );
    }
    match found.applied {
        Policy::None => out.push(
            f(
                Level::Warning,
                "dmarc.policy_none",
                format!(
                    "policy for {domain} is none: monitoring only, spoofed mail is not stopped"
                ),
            )
            .name(&rname)
            .record(&found.record.raw),
        ),
        p => out.push(
            f(
                Level::Ok,
                "dmarc.policy",
                format!("policy for {domain} is {}", policy_name(p)),
            )
            .name(&rname)
            .record(&found.record.raw),
        ),
    }
    if found.record.testing {
        out.push(
            f(
                Level::Info,
                "dmarc.testing",
                format!(
                    "t=y (testing): receivers apply {} instead of {}",
                    policy_name(found.effective),
                    policy_name(found.applied)
                ),
            )
            .name(&rname),
        );
    }
    if found.record.rua.is_empty() {
        out.push(
            f(
                Level::Info,
                "dmarc.no_rua",
                "no rua=: you receive no aggregate reports",
            )
            .name(&rname),
        );
    }
    for uri in found.record.rua.iter().chain(&found.record.ruf) {
        let Some(addr) = uri
            .strip_prefix("mailto:")
            .or_else(|| uri.strip_prefix("MAILTO:"))
        else {
            continue;
        };
        let addr = addr.split('!').next().unwrap_or(addr);
        let Some((_, dest)) = addr.rsplit_once('@') else {
            out.push(
                f(
                    Level::Warning,
                    "dmarc.bad_report_uri",
                    format!("report URI {uri} has no domain"),
                )
                .name(&rname),
            );
            continue;
        };
        if aligned(dest, &found.policy_domain, false) {
            continue;
        }
        let auth = format!(
            "{}._report._dmarc.{}",
            found.policy_domain,
            dest.to_ascii_lowercase()
        );
        match dns.txt(&auth).await {
            Ok(t) if t.iter().any(|r| String::from_utf8_lossy(r).trim_start().to_ascii_lowercase().starts_with("v=dmarc1")) => {
                out.push(f(Level::Ok, "dmarc.external_report_authorised", format!("{dest} accepts reports for {}", found.policy_domain)).name(auth));
            }
            Err(e) if e.is_temporary() => out.push(f(Level::Warning, "dmarc.dns_error", format!("{auth}: {e}")).name(auth).category(Category::DnsFailure)),
            _ => out.push(f(Level::Warning, "dmarc.external_report_unauthorised", format!("reports to {dest} will not be sent: {auth} has no v=DMARC1 record (RFC 7489 7.1)")).name(auth)),
        }
    }
    (Some(found), out)
}
