//! A small authoritative DNS server for tests: zones built in code, served over UDP and
//! TCP on a loopback port, with names that time out (the query is dropped) or answer
//! SERVFAIL on demand.
//!
//! It is public so that other crates' tests (and `cargo xtask spf-suite`) can run the
//! checker against real DNS traffic without touching the network.
//!
//! ```
//! use maildiag_dnsauth::testserver::{TestServer, Zone};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let mut zone = Zone::new();
//! zone.txt("example.com", "v=spf1 -all").a("mail.example.com", "192.0.2.1".parse().unwrap());
//! let server = TestServer::start(zone).await?;
//! println!("serving on {}", server.addr());
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, PTR, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// One record of a test zone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZoneRecord {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Mail exchanger (preference, host; `""` or `"."` for the root).
    Mx(u16, String),
    /// A TXT record made of these character-strings (each at most 255 octets).
    Txt(Vec<Vec<u8>>),
    /// Reverse pointer.
    Ptr(String),
    /// Alias.
    Cname(String),
}

/// Zone data: owner names (case-insensitive) to records, plus failure injection.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    records: HashMap<String, Vec<ZoneRecord>>,
    timeout: HashSet<String>,
    servfail: HashSet<String>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Zone {
    /// An empty zone (every name NXDOMAIN).
    pub fn new() -> Self {
        Zone::default()
    }

    /// Adds a record.
    pub fn add(&mut self, name: &str, rec: ZoneRecord) -> &mut Self {
        self.records.entry(key(name)).or_default().push(rec);
        self
    }

    /// Adds a TXT record; text longer than 255 octets is split into 255-octet strings.
    pub fn txt(&mut self, name: &str, text: &str) -> &mut Self {
        let parts: Vec<Vec<u8>> = if text.is_empty() {
            vec![Vec::new()]
        } else {
            text.as_bytes().chunks(255).map(<[u8]>::to_vec).collect()
        };
        self.add(name, ZoneRecord::Txt(parts))
    }

    /// Adds a TXT record made of exactly these strings.
    pub fn txt_parts(&mut self, name: &str, parts: &[&str]) -> &mut Self {
        self.add(
            name,
            ZoneRecord::Txt(parts.iter().map(|p| p.as_bytes().to_vec()).collect()),
        )
    }

    /// Adds an A or AAAA record.
    pub fn a(&mut self, name: &str, ip: IpAddr) -> &mut Self {
        match ip {
            IpAddr::V4(a) => self.add(name, ZoneRecord::A(a)),
            IpAddr::V6(a) => self.add(name, ZoneRecord::Aaaa(a)),
        }
    }

    /// Adds an MX record.
    pub fn mx(&mut self, name: &str, pref: u16, host: &str) -> &mut Self {
        self.add(name, ZoneRecord::Mx(pref, host.to_owned()))
    }

    /// Adds a PTR record at the reverse name of `ip`.
    pub fn ptr(&mut self, ip: IpAddr, host: &str) -> &mut Self {
        self.add(
            &crate::dns::reverse_name(ip),
            ZoneRecord::Ptr(host.to_owned()),
        )
    }

    /// Adds a CNAME record.
    pub fn cname(&mut self, name: &str, target: &str) -> &mut Self {
        self.add(name, ZoneRecord::Cname(target.to_owned()))
    }

    /// Queries for `name` are dropped (the client times out), except for record types
    /// the name has records of (the OpenSPF suite's `TIMEOUT` semantics).
    pub fn timeout(&mut self, name: &str) -> &mut Self {
        self.timeout.insert(key(name));
        self
    }

    /// Queries for `name` (any type) are answered SERVFAIL.
    pub fn servfail(&mut self, name: &str) -> &mut Self {
        self.servfail.insert(key(name));
        self
    }

    /// Whether the name exists: it owns records or is an ancestor of a name that does.
    fn exists(&self, k: &str) -> bool {
        self.records.contains_key(k)
            || self.timeout.contains(k)
            || self.records.keys().any(|n| {
                n.len() > k.len() && n.ends_with(k) && n.as_bytes()[n.len() - k.len() - 1] == b'.'
            })
    }
}

/// What the server does with one query.
enum Reply {
    Drop,
    Message(Box<Message>),
}

fn to_name(s: &str) -> Option<Name> {
    let s = s.trim_end_matches('.');
    if s.is_empty() {
        return Some(Name::root());
    }
    Name::from_labels(s.split('.').map(str::as_bytes)).ok()
}

fn name_key(n: &Name) -> String {
    let labels: Vec<String> = n
        .iter()
        .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
        .collect();
    labels.join(".")
}

fn to_rdata(rec: &ZoneRecord) -> Option<(RecordType, RData)> {
    Some(match rec {
        ZoneRecord::A(a) => (RecordType::A, RData::A(A(*a))),
        ZoneRecord::Aaaa(a) => (RecordType::AAAA, RData::AAAA(AAAA(*a))),
        ZoneRecord::Mx(p, h) => (RecordType::MX, RData::MX(MX::new(*p, to_name(h)?))),
        ZoneRecord::Txt(parts) => (
            RecordType::TXT,
            RData::TXT(TXT::from_bytes(parts.iter().map(Vec::as_slice).collect())),
        ),
        ZoneRecord::Ptr(h) => (RecordType::PTR, RData::PTR(PTR(to_name(h)?))),
        ZoneRecord::Cname(h) => (RecordType::CNAME, RData::CNAME(CNAME(to_name(h)?))),
    })
}

fn soa_record() -> Option<Record> {
    let soa = SOA::new(
        to_name("ns.test")?,
        to_name("hostmaster.test")?,
        1,
        3600,
        600,
        86400,
        60,
    );
    Some(Record::from_rdata(Name::root(), 60, RData::SOA(soa)))
}

fn answer(zone: &Zone, req: &Message) -> Reply {
    let mut resp = Message::response(req.metadata.id, OpCode::Query);
    resp.metadata.authoritative = true;
    resp.metadata.recursion_desired = req.metadata.recursion_desired;
    resp.metadata.recursion_available = true;
    let Some(q) = req.queries.first() else {
        resp.metadata.response_code = ResponseCode::FormErr;
        return Reply::Message(Box::new(resp));
    };
    resp.add_query(q.clone());
    if req.metadata.message_type != MessageType::Query {
        resp.metadata.response_code = ResponseCode::FormErr;
        return Reply::Message(Box::new(resp));
    }
    let mut k = name_key(&q.name);
    let mut owner = q.name.clone();
    for _ in 0..8 {
        if zone.servfail.contains(&k) {
            resp.metadata.response_code = ResponseCode::ServFail;
            return Reply::Message(Box::new(resp));
        }
        let recs = zone.records.get(&k).map(Vec::as_slice).unwrap_or(&[]);
        let typed: Vec<RData> = recs
            .iter()
            .filter_map(to_rdata)
            .filter(|(t, _)| *t == q.query_type)
            .map(|(_, d)| d)
            .collect();
        if typed.is_empty() && zone.timeout.contains(&k) {
            return Reply::Drop;
        }
        if !typed.is_empty() {
            for d in typed {
                resp.add_answer(Record::from_rdata(owner.clone(), 60, d));
            }
            return Reply::Message(Box::new(resp));
        }
        let cname = recs.iter().find_map(|r| match r {
            ZoneRecord::Cname(t) => Some(t.clone()),
            _ => None,
        });
        match cname {
            Some(target) if q.query_type != RecordType::CNAME => {
                let Some(tname) = to_name(&target) else { break };
                resp.add_answer(Record::from_rdata(
                    owner.clone(),
                    60,
                    RData::CNAME(CNAME(tname.clone())),
                ));
                owner = tname;
                k = key(&target);
            }
            _ => {
                if !zone.exists(&k) {
                    resp.metadata.response_code = ResponseCode::NXDomain;
                }
                break;
            }
        }
    }
    if let Some(soa) = soa_record() {
        resp.add_authority(soa);
    }
    Reply::Message(Box::new(resp))
}

/// A running test server; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    zone: Arc<RwLock<Zone>>,
    queries: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl TestServer {
    /// Starts serving `zone` on 127.0.0.1 with an ephemeral port (UDP and TCP on the same
    /// port). Must be called inside a tokio runtime.
    pub async fn start(zone: Zone) -> std::io::Result<TestServer> {
        // Find a port free for both UDP and TCP.
        let mut last_err = None;
        for _ in 0..20 {
            let udp = UdpSocket::bind("127.0.0.1:0").await?;
            let addr = udp.local_addr()?;
            match TcpListener::bind(addr).await {
                Ok(tcp) => return Ok(Self::run(udp, tcp, addr, zone)),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| std::io::Error::other("no free port")))
    }

    /// Starts serving `zone` on a fixed address (UDP and TCP), for servers run by hand
    /// (the peer comparison in `docs/peer-compare/`). Only loopback addresses are
    /// accepted, so a test zone is never served to the network.
    pub async fn start_on(addr: SocketAddr, zone: Zone) -> std::io::Result<TestServer> {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{addr} is not a loopback address"),
            ));
        }
        let udp = UdpSocket::bind(addr).await?;
        let addr = udp.local_addr()?;
        let tcp = TcpListener::bind(addr).await?;
        Ok(Self::run(udp, tcp, addr, zone))
    }

    fn run(udp: UdpSocket, tcp: TcpListener, addr: SocketAddr, zone: Zone) -> TestServer {
        let zone = Arc::new(RwLock::new(zone));
        let queries = Arc::new(AtomicUsize::new(0));
        let (z, qc) = (zone.clone(), queries.clone());
        let udp_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                    continue;
                };
                qc.fetch_add(1, Ordering::Relaxed);
                let Ok(req) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let max = req
                    .edns
                    .as_ref()
                    .map_or(512, |e| usize::from(e.max_payload().max(512)));
                let reply = match z.read() {
                    Ok(zone) => answer(&zone, &req),
                    Err(_) => continue,
                };
                if let Reply::Message(mut m) = reply {
                    if req.edns.is_some() {
                        m.set_edns(Edns::new());
                    }
                    let Ok(mut bytes) = m.to_vec() else { continue };
                    if bytes.len() > max {
                        let mut t = m.truncate();
                        t.metadata.truncation = true;
                        let Ok(b) = t.to_vec() else { continue };
                        bytes = b;
                    }
                    let _ = udp.send_to(&bytes, peer).await;
                }
            }
        });
        let (z, qc) = (zone.clone(), queries.clone());
        let tcp_task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = tcp.accept().await else {
                    continue;
                };
                let (z, qc) = (z.clone(), qc.clone());
                tokio::spawn(async move {
                    loop {
                        let mut len = [0u8; 2];
                        if stream.read_exact(&mut len).await.is_err() {
                            return;
                        }
                        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
                        if stream.read_exact(&mut buf).await.is_err() {
                            return;
                        }
                        qc.fetch_add(1, Ordering::Relaxed);
                        let Ok(req) = Message::from_vec(&buf) else {
                            return;
                        };
                        let reply = match z.read() {
                            Ok(zone) => answer(&zone, &req),
                            Err(_) => return,
                        };
                        if let Reply::Message(m) = reply {
                            let Ok(bytes) = m.to_vec() else { return };
                            let Ok(l) = u16::try_from(bytes.len()) else {
                                return;
                            };
                            if stream.write_all(&l.to_be_bytes()).await.is_err()
                                || stream.write_all(&bytes).await.is_err()
                            {
                                return;
                            }
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            zone,
            queries,
            tasks: vec![udp_task, tcp_task],
        }
    }

    /// The address (127.0.0.1 and the port) to point a resolver at.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the zone data being served.
    pub fn set_zone(&self, zone: Zone) {
        if let Ok(mut z) = self.zone.write() {
            *z = zone;
        }
    }

    /// How many queries arrived so far (UDP and TCP).
    pub fn queries_received(&self) -> usize {
        self.queries.load(Ordering::Relaxed)
    }

    /// Starts a server for `zone` on its own thread and runtime, for tests that are not
    /// async themselves (a command-line program pointed at it, say). It serves until the
    /// process exits; the returned address is where to point the resolver.
    pub fn spawn_in_background(zone: Zone) -> std::io::Result<SocketAddr> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match TestServer::start(zone).await {
                    Ok(server) => {
                        let _ = tx.send(Ok(server.addr()));
                        std::future::pending::<()>().await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        });
        rx.recv()
            .map_err(|e| std::io::Error::other(e.to_string()))?
    }
}
