//! A linter for a published SPF record: where the DNS lookups go (a tree), void lookups,
//! risky `all` terms, deprecated `ptr`, ignored `redirect`, size limits, duplicate and
//! dangling includes.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use maildiag_types::Category;
use serde::{Deserialize, Serialize};

use super::eval::fetch_record;
use super::record::{Mechanism, Qualifier, SpfRecord};
use crate::dns::DnsLookup;
use crate::finding::{CheckKind, Finding, Level};

/// One term of a record in the lookup tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LintTerm {
    /// The term as written.
    pub term: String,
    /// DNS-querying terms this one costs, its subtree included.
    pub lookups: usize,
    /// The record an `include`/`redirect` leads to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<LintNode>,
    /// What was noticed about it (void lookup, loop, macro not followed...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One SPF record in the lookup tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LintNode {
    /// The domain whose record this is.
    pub domain: String,
    /// The record text, if one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Its terms.
    pub terms: Vec<LintTerm>,
    /// DNS-querying terms in this record and below.
    pub lookups: usize,
    /// Why the record could not be read, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl LintNode {
    /// Renders the tree as indented text, one term per line with its lookup count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_into(&mut out, 0);
        out
    }

    fn render_into(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}{} ({} lookup{})",
            self.domain,
            self.lookups,
            if self.lookups == 1 { "" } else { "s" }
        ));
        if let Some(e) = &self.error {
            out.push_str(&format!(" [{e}]"));
        }
        out.push('\n');
        for t in &self.terms {
            out.push_str(&format!("{pad}  {} [{}]", t.term, t.lookups));
            if let Some(n) = &t.note {
                out.push_str(&format!(" - {n}"));
            }
            out.push('\n');
            if let Some(c) = &t.child {
                c.render_into(out, depth + 2);
            }
        }
    }
}

/// The linter's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfLint {
    /// Where the lookups go.
    pub tree: LintNode,
    /// DNS-querying terms in the whole tree (RFC 7208 limit: 10).
    pub total_lookups: usize,
    /// Void lookups met while walking (RFC 7208 limit: 2).
    pub void_lookups: usize,
    /// What is wrong or fine.
    pub findings: Vec<Finding>,
}

struct Walker<'a, L> {
    dns: &'a L,
    findings: Vec<Finding>,
    voids: usize,
    /// Records being walked (an include of one of these is a loop).
    stack: Vec<String>,
    /// Records already walked, with their lookup counts.
    done: HashMap<String, usize>,
    nodes: usize,
}

const MAX_NODES: usize = 40;

fn f(level: Level, code: &str, msg: impl Into<String>) -> Finding {
    Finding::new(CheckKind::Spf, level, code, msg)
}

/// Lints the SPF record published at `domain`, following includes and redirects
/// (each domain once, at most 40 records).
pub async fn lint_spf<L: DnsLookup>(dns: &L, domain: &str) -> SpfLint {
    let mut w = Walker {
        dns,
        findings: Vec::new(),
        voids: 0,
        stack: Vec::new(),
        done: HashMap::new(),
        nodes: 0,
    };
    let tree = w.walk(domain.to_ascii_lowercase(), 0, true).await;
    let total = tree.lookups;
    if total > 10 {
        w.findings.push(
            f(Level::Error, "spf.too_many_lookups", format!("the record needs {total} DNS lookups; RFC 7208 allows 10, so receivers return permerror"))
                .name(domain)
                .category(Category::SpfFail),
        );
    } else if total >= 8 {
        w.findings.push(
            f(
                Level::Warning,
                "spf.lookups_near_limit",
                format!("{total} of 10 allowed DNS lookups used"),
            )
            .name(domain),
        );
    } else if tree.record.is_some() {
        w.findings.push(
            f(
                Level::Ok,
                "spf.lookup_count",
                format!("{total} of 10 allowed DNS lookups used"),
            )
            .name(domain),
        );
    }
    if w.voids > 2 {
        w.findings.push(
            f(
                Level::Error,
                "spf.too_many_void_lookups",
                format!(
                    "{} lookups return no data; RFC 7208 allows 2 before permerror",
                    w.voids
                ),
            )
            .name(domain)
            .category(Category::SpfFail),
        );
    } else if w.voids > 0 {
        w.findings.push(
            f(
                Level::Warning,
                "spf.void_lookup",
                format!("{} lookup(s) return no data (limit 2)", w.voids),
            )
            .name(domain),
        );
    }
    SpfLint {
        tree,
        total_lookups: total,
        void_lookups: w.voids,
        findings: w.findings,
    }
}

/// Checks a record's size: over 450 and 512 octets, and (when `unsplit`, i.e. the text is
/// about to be published as one string) over 255 octets per character-string.
///
/// ```
/// use maildiag_dnsauth::spf::lint_record_text;
/// let long = format!("v=spf1 {} -all", "ip4:192.0.2.1 ".repeat(20));
/// let codes: Vec<String> = lint_record_text("example.com", &long, true).into_iter().map(|f| f.code).collect();
/// assert_eq!(codes, ["spf.string_too_long"]);
/// ```
pub fn lint_record_text(domain: &str, text: &str, unsplit: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let len = text.len();
    if len > 512 {
        out.push(
            f(Level::Error, "spf.record_too_long", format!("record is {len} octets: over 512 the UDP answer is likely truncated and some receivers fail it"))
                .name(domain)
                .record(text)
                .category(Category::SpfFail),
        );
    } else if len > 450 {
        out.push(
            f(
                Level::Warning,
                "spf.record_long",
                format!(
                    "record is {len} octets; keep it under 450 so the DNS answer fits in 512 octets"
                ),
            )
            .name(domain)
            .record(text),
        );
    }
    if unsplit && len > 255 {
        out.push(f(Level::Error, "spf.string_too_long", "a TXT character-string holds at most 255 octets: publish the record as several quoted strings").name(domain).record(text));
    }
    out
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<'a, L: DnsLookup> Walker<'a, L> {
    fn walk(&mut self, domain: String, depth: usize, top: bool) -> BoxFut<'_, LintNode> {
        Box::pin(async move {
            let node = LintNode {
                domain: domain.clone(),
                record: None,
                terms: Vec::new(),
                lookups: 0,
                error: None,
            };
            self.nodes += 1;
            self.stack.push(domain.clone());
            let node = self.walk_record(node, &domain, depth, top).await;
            self.stack.pop();
            self.done.insert(domain, node.lookups);
            node
        })
    }

    async fn walk_record(
        &mut self,
        mut node: LintNode,
        domain: &str,
        depth: usize,
        top: bool,
    ) -> LintNode {
        let domain = domain.to_owned();
        {
            let text = match fetch_record(self.dns, &domain).await {
                Ok(Some(t)) => t,
                Ok(None) => {
                    node.error = Some("no SPF record".into());
                    if top {
                        self.findings.push(
                            f(
                                Level::Error,
                                "spf.missing",
                                format!("{domain} publishes no SPF record"),
                            )
                            .name(&domain)
                            .category(Category::SpfFail),
                        );
                    }
                    return node;
                }
                Err((r, why)) => {
                    let (code, level, cat) = if r == super::SpfResult::TempError {
                        ("spf.dns_error", Level::Warning, Category::DnsFailure)
                    } else {
                        ("spf.multiple_records", Level::Error, Category::SpfFail)
                    };
                    self.findings
                        .push(f(level, code, why.clone()).name(&domain).category(cat));
                    node.error = Some(why);
                    return node;
                }
            };
            node.record = Some(text.clone());
            self.findings
                .extend(lint_record_text(&domain, &text, false));
            let rec = match SpfRecord::parse(&text) {
                Ok(r) => r,
                Err(e) => {
                    self.findings.push(
                        f(
                            Level::Error,
                            "spf.syntax_error",
                            format!("{domain}: {e}; receivers return permerror"),
                        )
                        .name(&domain)
                        .record(&text)
                        .category(Category::SpfFail),
                    );
                    node.error = Some(e.to_string());
                    return node;
                }
            };
            let has_all = rec.directives.iter().any(|d| d.mechanism == Mechanism::All);
            if top {
                self.lint_all(&domain, &text, &rec, has_all);
            }
            let mut seen_includes = HashSet::new();
            for d in &rec.directives {
                let mut term = LintTerm {
                    term: d.text.clone(),
                    lookups: usize::from(d.mechanism.does_lookup()),
                    child: None,
                    note: None,
                };
                match &d.mechanism {
                    Mechanism::Include(spec) => {
                        let target = spec.text.trim_end_matches('.').to_ascii_lowercase();
                        if !seen_includes.insert(target.clone()) {
                            self.findings.push(f(Level::Warning, "spf.duplicate_include", format!("{domain} includes {target} more than once (each costs a lookup)")).name(&domain).record(&text));
                        }
                        if spec.has_macros() {
                            term.note = Some("target uses macros; not followed".into());
                        } else if self.stack.contains(&target) {
                            term.note = Some("loop: already being evaluated".into());
                            self.findings.push(f(Level::Error, "spf.include_loop", format!("{domain} includes {target}, which is already being evaluated: the lookup limit is exhausted and receivers return permerror")).name(&domain).category(Category::SpfFail));
                        } else if let Some(n) = self.done.get(&target) {
                            term.lookups += n;
                            term.note = Some(format!("{target} shown above ({n} lookups)"));
                        } else if self.nodes < MAX_NODES && depth < 10 {
                            let child = self.walk(target.clone(), depth + 1, false).await;
                            if child.record.is_none()
                                && child.error.as_deref() == Some("no SPF record")
                            {
                                self.findings.push(f(Level::Error, "spf.include_no_record", format!("include:{target} has no SPF record: receivers return permerror")).name(&domain).record(&text).category(Category::SpfFail));
                            }
                            term.lookups += child.lookups;
                            term.child = Some(child);
                        }
                    }
                    Mechanism::Ptr(_) => {
                        self.findings.push(f(Level::Warning, "spf.ptr_deprecated", format!("{domain} uses ptr, which RFC 7208 5.5 says SHOULD NOT be used (slow, unreliable; some receivers ignore it)")).name(&domain).record(&text));
                    }
                    Mechanism::A { domain: spec, .. } | Mechanism::Mx { domain: spec, .. } => {
                        let target = match spec {
                            Some(s) if s.has_macros() => None,
                            Some(s) => Some(s.text.trim_end_matches('.').to_owned()),
                            None => Some(domain.clone()),
                        };
                        if let Some(t) = target {
                            let is_mx = matches!(d.mechanism, Mechanism::Mx { .. });
                            if let Some(note) = self.probe(&t, is_mx).await {
                                term.note = Some(note);
                            }
                        }
                    }
                    _ => {}
                }
                node.lookups += term.lookups;
                node.terms.push(term);
            }
            if let Some(r) = &rec.redirect {
                let target = r.text.trim_end_matches('.').to_ascii_lowercase();
                let mut term = LintTerm {
                    term: format!("redirect={}", r.text),
                    lookups: 1,
                    child: None,
                    note: None,
                };
                if has_all {
                    term.note = Some("ignored: the record has an all term".into());
                    self.findings.push(f(Level::Warning, "spf.redirect_ignored", format!("{domain}: redirect={target} is never used because the record ends in all")).name(&domain).record(&text));
                    term.lookups = 0;
                } else if r.has_macros() {
                    term.note = Some("target uses macros; not followed".into());
                } else if self.stack.contains(&target) {
                    term.note = Some("loop: already being evaluated".into());
                    self.findings.push(
                        f(
                            Level::Error,
                            "spf.redirect_loop",
                            format!("{domain} redirects to {target}, already being evaluated"),
                        )
                        .name(&domain)
                        .category(Category::SpfFail),
                    );
                } else if let Some(n) = self.done.get(&target) {
                    term.lookups += n;
                    term.note = Some(format!("{target} shown above ({n} lookups)"));
                } else if self.nodes < MAX_NODES && depth < 10 {
                    let child = self.walk(target.clone(), depth + 1, false).await;
                    if child.record.is_none() && child.error.as_deref() == Some("no SPF record") {
                        self.findings.push(f(Level::Error, "spf.redirect_no_record", format!("redirect={target} has no SPF record: receivers return permerror")).name(&domain).category(Category::SpfFail));
                    }
                    term.lookups += child.lookups;
                    term.child = Some(child);
                }
                node.lookups += term.lookups;
                node.terms.push(term);
            }
            node
        }
    }

    /// Looks up an `a`/`mx` target to spot void lookups and MX limits.
    async fn probe(&mut self, target: &str, mx: bool) -> Option<String> {
        if mx {
            match self.dns.mx(target).await {
                Ok(hosts) if hosts.len() > 10 => {
                    self.findings.push(f(Level::Error, "spf.mx_too_many", format!("{target} has {} MX records; the mx mechanism allows 10 (permerror)", hosts.len())).name(target).category(Category::SpfFail));
                    Some(format!("{} MX records (limit 10)", hosts.len()))
                }
                Ok(_) => None,
                Err(e) if e.is_void() => {
                    self.voids += 1;
                    Some("void lookup: no MX".into())
                }
                Err(e) => Some(format!("lookup failed: {e}")),
            }
        } else {
            let v4 = self.dns.addrs(target, false).await;
            let v6 = self.dns.addrs(target, true).await;
            match (v4, v6) {
                (Err(a), Err(b)) if a.is_void() && b.is_void() => {
                    self.voids += 1;
                    Some("void lookup: no A/AAAA".into())
                }
                (Err(e), _) if e.is_temporary() => Some(format!("lookup failed: {e}")),
                _ => None,
            }
        }
    }

    fn lint_all(&mut self, domain: &str, text: &str, rec: &SpfRecord, has_all: bool) {
        let all = rec
            .directives
            .iter()
            .find(|d| d.mechanism == Mechanism::All);
        match all.map(|d| d.qualifier) {
            Some(Qualifier::Pass) => self.findings.push(
                f(Level::Error, "spf.pass_all", format!("{domain} ends in +all: every host on the Internet may send as this domain"))
                    .name(domain)
                    .record(text),
            ),
            Some(Qualifier::Neutral) => self.findings.push(
                f(Level::Warning, "spf.neutral_all", "?all makes no assertion: unauthorised hosts get neutral, which protects nothing")
                    .name(domain)
                    .record(text),
            ),
            Some(Qualifier::SoftFail) => {
                self.findings.push(f(Level::Ok, "spf.softfail_all", "~all: unauthorised hosts soft-fail").name(domain).record(text));
            }
            Some(Qualifier::Fail) => {
                self.findings.push(f(Level::Ok, "spf.fail_all", "-all: unauthorised hosts fail").name(domain).record(text));
            }
            None if rec.redirect.is_none() => self.findings.push(
                f(Level::Warning, "spf.no_all", "no all term and no redirect: unmatched hosts get neutral")
                    .name(domain)
                    .record(text),
            ),
            None => {}
        }
        if has_all
            && let Some(pos) = rec
                .directives
                .iter()
                .position(|d| d.mechanism == Mechanism::All)
            && pos + 1 < rec.directives.len()
        {
            self.findings.push(
                f(
                    Level::Warning,
                    "spf.terms_after_all",
                    "terms after all are never evaluated",
                )
                .name(domain)
                .record(text),
            );
        }
    }
}
