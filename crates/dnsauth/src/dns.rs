//! DNS lookups: the [`DnsLookup`] trait, typed outcomes, and [`HickoryLookup`], the
//! implementation on hickory-resolver with a per-run cache and deadline.
//!
//! Every lookup ends in one of: records, [`LookupError::NxDomain`],
//! [`LookupError::NoData`] (the name exists but has no record of that type), or a
//! temporary failure ([`LookupError::ServFail`], [`LookupError::Timeout`],
//! [`LookupError::Deadline`], ...). Checks must never report a temporary failure as
//! "missing": [`LookupError::is_temporary`] tells them apart.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType as HRecordType};
use tokio::time::Instant;

use crate::Error;

/// The record types the checks ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Mail exchanger.
    Mx,
    /// Text strings.
    Txt,
    /// Reverse pointer.
    Ptr,
    /// Canonical name (alias).
    Cname,
}

impl RecordType {
    fn to_hickory(self) -> HRecordType {
        match self {
            RecordType::A => HRecordType::A,
            RecordType::Aaaa => HRecordType::AAAA,
            RecordType::Mx => HRecordType::MX,
            RecordType::Txt => HRecordType::TXT,
            RecordType::Ptr => HRecordType::PTR,
            RecordType::Cname => HRecordType::CNAME,
        }
    }

    /// The type's mnemonic (`A`, `AAAA`, `MX`, `TXT`, `PTR`, `CNAME`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Mx => "MX",
            RecordType::Txt => "TXT",
            RecordType::Ptr => "PTR",
            RecordType::Cname => "CNAME",
        }
    }
}

/// One record's data, reduced to what the checks need.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rdata {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A mail exchanger: preference and host name (no trailing dot; empty for `.`).
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The exchange host, without the trailing dot (`""` is the root: null MX).
        exchange: String,
    },
    /// The character-strings of one TXT record, raw.
    Txt(Vec<Vec<u8>>),
    /// A host name from a PTR record (no trailing dot).
    Ptr(String),
    /// A CNAME target (no trailing dot).
    Cname(String),
}

impl Rdata {
    /// The TXT strings concatenated without separator (RFC 7208 §3.3), if a TXT record.
    pub fn txt_joined(&self) -> Option<Vec<u8>> {
        match self {
            Rdata::Txt(parts) => Some(parts.concat()),
            _ => None,
        }
    }

    /// The address of an A or AAAA record.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Rdata::A(a) => Some(IpAddr::V4(*a)),
            Rdata::Aaaa(a) => Some(IpAddr::V6(*a)),
            _ => None,
        }
    }
}

/// Why a lookup produced no records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// NXDOMAIN: the name does not exist.
    #[error("NXDOMAIN (name does not exist)")]
    NxDomain,
    /// NOERROR with an empty answer: the name exists but has no record of this type.
    #[error("no records of this type (NODATA)")]
    NoData,
    /// The server answered SERVFAIL.
    #[error("SERVFAIL from the name server")]
    ServFail,
    /// The server refused the query.
    #[error("query refused by the name server")]
    Refused,
    /// No answer arrived within the per-query timeout.
    #[error("query timed out")]
    Timeout,
    /// The run's overall deadline passed before the query could finish.
    #[error("overall lookup deadline exceeded")]
    Deadline,
    /// The name cannot be queried (empty label, label over 63 octets, over 253 octets).
    #[error("invalid domain name {0:?}")]
    InvalidName(String),
    /// Any other failure (network error, malformed answer, too many lookups in this run).
    #[error("lookup failed: {0}")]
    Other(String),
}

impl LookupError {
    /// NXDOMAIN or NODATA: the authoritative answer is "nothing here" (an RFC 7208 void
    /// lookup).
    pub fn is_void(&self) -> bool {
        matches!(self, LookupError::NxDomain | LookupError::NoData)
    }

    /// A temporary failure: the truth is unknown and the check must say so (temperror),
    /// never "missing".
    pub fn is_temporary(&self) -> bool {
        !self.is_void() && !matches!(self, LookupError::InvalidName(_))
    }
}

/// The result of one lookup: the records (never empty) or why there are none.
pub type LookupResult = Result<Vec<Rdata>, LookupError>;

/// Something that answers DNS queries: the evaluators are generic over it so they can
/// be tested with any backend. [`HickoryLookup`] is the real one.
pub trait DnsLookup: Send + Sync {
    /// Looks up `name` (absolute; a trailing dot is optional) for records of `rtype`.
    /// On success the vector is non-empty and holds only records of `rtype`.
    fn lookup(&self, name: &str, rtype: RecordType) -> impl Future<Output = LookupResult> + Send;

    /// The TXT records at `name`, each with its strings concatenated.
    fn txt(&self, name: &str) -> impl Future<Output = Result<Vec<Vec<u8>>, LookupError>> + Send {
        async move {
            let recs = self.lookup(name, RecordType::Txt).await?;
            Ok(recs.iter().filter_map(Rdata::txt_joined).collect())
        }
    }

    /// The addresses at `name`: A records when `v6` is false, AAAA when true.
    fn addrs(
        &self,
        name: &str,
        v6: bool,
    ) -> impl Future<Output = Result<Vec<IpAddr>, LookupError>> + Send {
        async move {
            let t = if v6 { RecordType::Aaaa } else { RecordType::A };
            let recs = self.lookup(name, t).await?;
            Ok(recs.iter().filter_map(Rdata::ip).collect())
        }
    }

    /// The MX records at `name` as (preference, exchange), sorted by preference.
    fn mx(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Vec<(u16, String)>, LookupError>> + Send {
        async move {
            let recs = self.lookup(name, RecordType::Mx).await?;
            let mut v: Vec<(u16, String)> = recs
                .into_iter()
                .filter_map(|r| match r {
                    Rdata::Mx {
                        preference,
                        exchange,
                    } => Some((preference, exchange)),
                    _ => None,
                })
                .collect();
            v.sort();
            Ok(v)
        }
    }

    /// The PTR names for `ip` (queried at its `in-addr.arpa` / `ip6.arpa` name).
    fn ptr(&self, ip: IpAddr) -> impl Future<Output = Result<Vec<String>, LookupError>> + Send {
        async move {
            let recs = self.lookup(&reverse_name(ip), RecordType::Ptr).await?;
            Ok(recs
                .into_iter()
                .filter_map(|r| match r {
                    Rdata::Ptr(n) => Some(n),
                    _ => None,
                })
                .collect())
        }
    }
}

impl<T: DnsLookup> DnsLookup for &T {
    fn lookup(&self, name: &str, rtype: RecordType) -> impl Future<Output = LookupResult> + Send {
        (**self).lookup(name, rtype)
    }
}

impl<T: DnsLookup> DnsLookup for std::sync::Arc<T> {
    fn lookup(&self, name: &str, rtype: RecordType) -> impl Future<Output = LookupResult> + Send {
        (**self).lookup(name, rtype)
    }
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`, nibbles `.ip6.arpa`).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut s = String::with_capacity(72);
            for b in a.octets().iter().rev() {
                for nib in [b & 0xf, b >> 4] {
                    s.push(char::from_digit(u32::from(nib), 16).unwrap_or('0'));
                    s.push('.');
                }
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

/// Splits a domain name into labels after checking RFC 1035 lengths: each label 1–63
/// octets, at most 253 octets in all (a single trailing dot is allowed).
pub fn check_name(name: &str) -> Result<Vec<&str>, LookupError> {
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.is_empty() || n.len() > 253 {
        return Err(LookupError::InvalidName(name.to_owned()));
    }
    let labels: Vec<&str> = n.split('.').collect();
    if labels.iter().any(|l| l.is_empty() || l.len() > 63) {
        return Err(LookupError::InvalidName(name.to_owned()));
    }
    Ok(labels)
}

/// How [`HickoryLookup`] talks to DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DnsConfig {
    /// Name servers to ask (recursive resolvers, or an authoritative test server), with
    /// their ports. Queried over UDP with TCP fallback on truncation.
    pub nameservers: Vec<SocketAddr>,
    /// How long to wait for one answer.
    pub query_timeout: Duration,
    /// How many times to send a query before giving up on a name server.
    pub attempts: usize,
    /// Overall deadline for all lookups of one run (from the creation of the lookup).
    pub deadline: Duration,
    /// At most this many queries per run (hostile data cannot make a run unbounded).
    pub max_queries: usize,
    /// At most this many records kept from one answer.
    pub max_records: usize,
    /// At most this many bytes of TXT data kept from one answer.
    pub max_txt_bytes: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            nameservers: Vec::new(),
            query_timeout: Duration::from_secs(3),
            attempts: 2,
            deadline: Duration::from_secs(60),
            max_queries: 2000,
            max_records: 100,
            max_txt_bytes: 64 * 1024,
        }
    }
}

impl DnsConfig {
    /// A configuration asking only the given name servers.
    pub fn with_nameservers(nameservers: Vec<SocketAddr>) -> Self {
        DnsConfig {
            nameservers,
            ..DnsConfig::default()
        }
    }

    /// The `nameserver` lines of `/etc/resolv.conf` (port 53).
    pub fn from_system() -> Result<Self, Error> {
        let text = std::fs::read_to_string("/etc/resolv.conf")
            .map_err(|e| Error::Config(format!("cannot read /etc/resolv.conf: {e}")))?;
        let ns = parse_resolv_conf(&text);
        if ns.is_empty() {
            return Err(Error::Config("no nameserver in /etc/resolv.conf".into()));
        }
        Ok(DnsConfig::with_nameservers(ns))
    }

    /// Sets the per-query timeout.
    pub fn query_timeout(mut self, t: Duration) -> Self {
        self.query_timeout = t;
        self
    }

    /// Sets the number of attempts per name server.
    pub fn attempts(mut self, n: usize) -> Self {
        self.attempts = n.max(1);
        self
    }

    /// Sets the overall deadline of one run.
    pub fn deadline(mut self, t: Duration) -> Self {
        self.deadline = t;
        self
    }
}

/// The `nameserver` addresses in resolv.conf text.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()).flatten()
        })
        .filter_map(|a| a.split('%').next().and_then(|a| a.parse::<IpAddr>().ok()))
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The hickory-resolver backed [`DnsLookup`]: one instance is one run, with one cache
/// (answers and failures are both remembered, so a name is asked at most once), a query
/// budget and an overall deadline.
pub struct HickoryLookup {
    resolver: Resolver<TokioRuntimeProvider>,
    config: DnsConfig,
    cache: Mutex<HashMap<(String, RecordType), LookupResult>>,
    queries: AtomicUsize,
    start: Instant,
}

impl std::fmt::Debug for HickoryLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HickoryLookup")
            .field("config", &self.config)
            .field("queries", &self.queries.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl HickoryLookup {
    /// A resolver asking only `config.nameservers` (never the system configuration).
    /// Must be called inside a tokio runtime.
    pub fn new(config: DnsConfig) -> Result<Self, Error> {
        if config.nameservers.is_empty() {
            return Err(Error::Config("no name server configured".into()));
        }
        let servers = config
            .nameservers
            .iter()
            .map(|sa| {
                let mut ns = NameServerConfig::udp_and_tcp(sa.ip());
                for c in &mut ns.connections {
                    c.port = sa.port();
                }
                ns
            })
            .collect();
        let mut opts = ResolverOpts::default();
        opts.timeout = config.query_timeout;
        opts.attempts = config.attempts.max(1);
        opts.ndots = 0;
        opts.cache_size = 0;
        opts.preserve_intermediates = true;
        opts.recursion_desired = true;
        let resolver = Resolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(opts)
        .build()
        .map_err(|e| Error::Config(format!("cannot build resolver: {e}")))?;
        Ok(HickoryLookup {
            resolver,
            config,
            cache: Mutex::new(HashMap::new()),
            queries: AtomicUsize::new(0),
            start: Instant::now(),
        })
    }

    /// How many queries went to the network so far (cache hits are not counted).
    pub fn queries_sent(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }

    /// The configuration.
    pub fn config(&self) -> &DnsConfig {
        &self.config
    }

    async fn query(&self, name: &str, rtype: RecordType) -> LookupResult {
        let labels = check_name(name)?;
        let hname = Name::from_labels(labels.iter().map(|l| l.as_bytes()))
            .map_err(|_| LookupError::InvalidName(name.to_owned()))?;
        if self.queries.fetch_add(1, Ordering::Relaxed) >= self.config.max_queries {
            return Err(LookupError::Other(
                "query budget of this run exhausted".into(),
            ));
        }
        let deadline = self.start + self.config.deadline;
        let per_query = self.config.query_timeout * (self.config.attempts.max(1) as u32 + 1);
        let until = deadline.min(Instant::now() + per_query);
        let res =
            match tokio::time::timeout_at(until, self.resolver.lookup(hname, rtype.to_hickory()))
                .await
            {
                Err(_) if Instant::now() >= deadline => return Err(LookupError::Deadline),
                Err(_) => return Err(LookupError::Timeout),
                Ok(r) => r,
            };
        match res {
            Ok(lookup) => {
                let mut out = Vec::new();
                let mut txt_bytes = 0usize;
                for rec in lookup.answers() {
                    if out.len() >= self.config.max_records {
                        break;
                    }
                    let r = match &rec.data {
                        RData::A(a) if rtype == RecordType::A => Rdata::A(a.0),
                        RData::AAAA(a) if rtype == RecordType::Aaaa => Rdata::Aaaa(a.0),
                        RData::MX(mx) if rtype == RecordType::Mx => Rdata::Mx {
                            preference: mx.preference,
                            exchange: name_to_string(&mx.exchange),
                        },
                        RData::TXT(t) if rtype == RecordType::Txt => {
                            let parts: Vec<Vec<u8>> =
                                t.txt_data.iter().map(|p| p.to_vec()).collect();
                            txt_bytes += parts.iter().map(Vec::len).sum::<usize>();
                            if txt_bytes > self.config.max_txt_bytes {
                                break;
                            }
                            Rdata::Txt(parts)
                        }
                        RData::PTR(p) if rtype == RecordType::Ptr => {
                            Rdata::Ptr(name_to_string(&p.0))
                        }
                        RData::CNAME(c) if rtype == RecordType::Cname => {
                            Rdata::Cname(name_to_string(&c.0))
                        }
                        _ => continue,
                    };
                    out.push(r);
                }
                if out.is_empty() {
                    Err(LookupError::NoData)
                } else {
                    Ok(out)
                }
            }
            Err(e) => Err(map_error(&e)),
        }
    }
}

fn map_error(e: &NetError) -> LookupError {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            if nr.response_code == ResponseCode::NXDomain {
                LookupError::NxDomain
            } else {
                LookupError::NoData
            }
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => LookupError::ServFail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => LookupError::Refused,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => LookupError::NxDomain,
        NetError::Timeout => LookupError::Timeout,
        other => LookupError::Other(other.to_string()),
    }
}

/// A name as text: labels joined by dots, no trailing dot, bytes outside printable
/// ASCII kept as they are (lossy UTF-8).
fn name_to_string(n: &Name) -> String {
    let labels: Vec<String> = n
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    labels.join(".")
}

impl DnsLookup for HickoryLookup {
    async fn lookup(&self, name: &str, rtype: RecordType) -> LookupResult {
        let key = (name.trim_end_matches('.').to_ascii_lowercase(), rtype);
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let res = self.query(name, rtype).await;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, res.clone());
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name(
                "192.0.2.1"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            ),
            "1.2.0.192.in-addr.arpa"
        );
        let v6: IpAddr = "2001:db8::1"
            .parse()
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert!(reverse_name(v6).starts_with("1.0.0.0.0.0.0.0"));
        assert!(reverse_name(v6).ends_with("8.b.d.0.1.0.0.2.ip6.arpa"));
    }

    #[test]
    fn names() {
        assert!(check_name("a..b").is_err());
        assert!(check_name(&format!("{}.com", "a".repeat(64))).is_err());
        assert_eq!(check_name("example.com.").map(|v| v.len()), Ok(2));
        assert_eq!(
            parse_resolv_conf("# x\nnameserver 127.0.0.53\nnameserver ::1\n").len(),
            2
        );
    }
}
