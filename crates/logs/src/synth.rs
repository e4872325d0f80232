//! Deterministic synthetic MTA logs with a ground truth, for benchmarks and tests (and
//! `cargo xtask gen-logs`).
//!
//! The same seed gives the same bytes. [`Truth`] records what was written: events per
//! outcome, events per intended [`Category`], `status=deferred` lines, oversized lines.
//! Every non-delivered event counts under the category its reply text was chosen from.
//!
//! ```
//! use maildiag_logs::synth::{generate_vec, GenOptions};
//! use maildiag_logs::{Format, LogReader, Outcome, ReaderOptions};
//!
//! let (log, truth) = generate_vec(&GenOptions::new(Format::Postfix, 200_000, 7));
//! let opts = ReaderOptions::default().reference(truth.reference);
//! let stats = LogReader::new(&log[..], opts).for_each_event(|_| {})?;
//! assert_eq!(stats.count(Outcome::Deferred), truth.outcomes[Outcome::Deferred.index()]);
//! assert_eq!(stats.total_events(), truth.events);
//! # Ok::<(), maildiag_logs::Error>(())
//! ```

pub mod replies;

use std::collections::BTreeMap;
use std::io::{self, Write};

use maildiag_types::Category;

use crate::time::civil_from_days;
use crate::{Format, Outcome, Reference};
use replies::{INCOMING, PERMANENT, Sample, TRANSIENT};

/// What to generate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GenOptions {
    /// The format (Postfix, Exim, Sendmail, PowerMTA or KumoMTA).
    pub format: Format,
    /// Approximate output size in bytes (generation stops after the first message that
    /// reaches it).
    pub size: u64,
    /// The PRNG seed.
    pub seed: u64,
    /// Write an oversized (300 KiB) noise line about every this many bytes; 0 never.
    pub long_line_every: u64,
}

impl GenOptions {
    /// Options for `format`, `size` bytes, `seed`; long lines about every 64 MiB.
    pub fn new(format: Format, size: u64, seed: u64) -> GenOptions {
        GenOptions {
            format,
            size,
            seed,
            long_line_every: 64 << 20,
        }
    }
}

/// What a generated log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Truth {
    /// The format written.
    pub format: Format,
    /// The seed.
    pub seed: u64,
    /// The reference date to read BSD stamps with (the log's year).
    pub reference: Reference,
    /// Lines written.
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Events written.
    pub events: u64,
    /// Events per outcome, indexed by [`Outcome::index`].
    pub outcomes: [u64; 6],
    /// Non-delivered events per intended category.
    pub categories: BTreeMap<Category, u64>,
    /// Postfix `status=deferred` lines.
    pub status_deferred_lines: u64,
    /// Lines longer than 256 KiB (never events).
    pub oversized_lines: u64,
    /// Lines holding bytes that are not UTF-8.
    pub non_utf8_lines: u64,
}

impl Truth {
    /// The truth as a JSON document: `format`, `seed`, `lines`, `bytes`, `events`,
    /// `outcomes` (`delivered`, `deferred`, `bounced`, `expired`, `rejected_incoming`,
    /// `connection_failures`), `categories` (name → count), `status_deferred_lines`,
    /// `oversized_lines`, `non_utf8_lines`, `reference_year`.
    pub fn to_json(&self) -> serde_json::Value {
        let o = &self.outcomes;
        let cats: serde_json::Map<String, serde_json::Value> = self
            .categories
            .iter()
            .map(|(c, n)| (c.as_str().to_owned(), (*n).into()))
            .collect();
        serde_json::json!({
            "format": self.format.as_str(),
            "seed": self.seed,
            "reference_year": self.reference.year,
            "lines": self.lines,
            "bytes": self.bytes,
            "events": self.events,
            "outcomes": {
                "delivered": o[0], "deferred": o[1], "bounced": o[2], "expired": o[3],
                "rejected_incoming": o[4], "connection_failures": o[5],
            },
            "categories": cats,
            "status_deferred_lines": self.status_deferred_lines,
            "oversized_lines": self.oversized_lines,
            "non_utf8_lines": self.non_utf8_lines,
        })
    }
}

/// splitmix64.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
        }
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

const BIG: &[(&str, &str)] = &[
    ("gmail.com", "gmail-smtp-in.l.google.com"),
    ("googlemail.com", "alt1.gmail-smtp-in.l.google.com"),
    ("outlook.com", "outlook-com.olc.protection.outlook.com"),
    ("hotmail.com", "hotmail-com.olc.protection.outlook.com"),
    ("yahoo.com", "mta7.am0.yahoodns.net"),
    ("aol.com", "mx-aol.mail.gm0.yahoodns.net"),
    ("icloud.com", "mx01.mail.icloud.com"),
    ("gmx.de", "mx00.emig.gmx.net"),
    ("web.de", "mx-ha03.web.de"),
    ("orange.fr", "smtp-in.orange.fr"),
    ("free.fr", "mx1.free.fr"),
    ("t-online.de", "mx00.t-online.de"),
    ("mail.ru", "mxs.mail.ru"),
    ("yandex.ru", "mx.yandex.ru"),
    ("comcast.net", "mx1a1.comcast.net"),
];
const SYL: &[&str] = &[
    "acme", "nord", "blue", "star", "data", "lake", "river", "stone", "green", "alpha", "omega",
    "delta", "metro", "solar", "north", "west", "east", "south", "tech", "media", "group", "farm",
    "shop", "bank", "city", "port", "field", "wood", "hill", "bridge",
];
const TLD: &[&str] = &[
    "com", "net", "org", "de", "fr", "co.uk", "nl", "io", "example", "it", "es", "ch",
];
const USERS: &[&str] = &[
    "john",
    "mary",
    "info",
    "sales",
    "support",
    "anna",
    "peter",
    "j.smith",
    "office",
    "admin",
    "m.mueller",
    "contact",
    "billing",
    "noreply",
    "newsletter",
    "hr",
    "k.tanaka",
    "lucia",
    "ops",
    "team",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const YEAR: i32 = 2024;

/// The destination domains: the big providers plus synthetic ones.
struct Domains {
    names: Vec<(String, String, [u8; 4])>,
}

impl Domains {
    fn new(rng: &mut Rng) -> Domains {
        let mut names: Vec<(String, String, [u8; 4])> = BIG
            .iter()
            .map(|(d, mx)| ((*d).to_owned(), (*mx).to_owned(), ip(rng)))
            .collect();
        for n in 0..1500 {
            let d = format!(
                "{}{}{}.{}",
                rng.pick(SYL),
                rng.pick(SYL),
                if n % 7 == 0 { "-mail" } else { "" },
                rng.pick(TLD)
            );
            let mx = if n % 5 == 0 {
                format!("{}.mail.protection.outlook.com", d.replace('.', "-"))
            } else {
                format!("mx{}.{}", n % 3 + 1, d)
            };
            names.push((d, mx, ip(rng)));
        }
        Domains { names }
    }
    /// Zipf-like: big providers often.
    fn pick(&self, rng: &mut Rng) -> &(String, String, [u8; 4]) {
        if rng.chance(450) {
            &self.names[rng.below(BIG.len() as u64) as usize]
        } else {
            let k = rng
                .below(self.names.len() as u64)
                .min(rng.below(self.names.len() as u64));
            &self.names[k as usize]
        }
    }
}

fn ip(rng: &mut Rng) -> [u8; 4] {
    let nets: [[u8; 3]; 6] = [
        [192, 0, 2],
        [198, 51, 100],
        [203, 0, 113],
        [185, 12, 64],
        [74, 125, 24],
        [40, 92, 3],
    ];
    let n = rng.pick(&nets);
    [n[0], n[1], n[2], 1 + rng.below(253) as u8]
}

struct Ip([u8; 4]);
impl std::fmt::Display for Ip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}.{}", self.0[0], self.0[1], self.0[2], self.0[3])
    }
}

/// The generator state.
struct Gen<W: Write> {
    out: W,
    rng: Rng,
    opts: GenOptions,
    domains: Domains,
    truth: Truth,
    /// Seconds since the start of the year.
    clock: u64,
    line: Vec<u8>,
    qid_counter: u64,
    next_long: u64,
    hostname: &'static str,
}

fn fill(text: &str, r: &str, d: &str, ip: &str) -> String {
    text.replace("{r}", r).replace("{d}", d).replace("{ip}", ip)
}

impl<W: Write> Gen<W> {
    fn emit(&mut self) -> io::Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.truth.lines += 1;
        self.truth.bytes += self.line.len() as u64;
        if std::str::from_utf8(&self.line).is_err() {
            self.truth.non_utf8_lines += 1;
        }
        self.line.clear();
        Ok(())
    }

    fn event(&mut self, outcome: Outcome, category: Option<Category>) {
        self.truth.events += 1;
        self.truth.outcomes[outcome.index()] += 1;
        if let Some(c) = category {
            *self.truth.categories.entry(c).or_insert(0) += 1;
        }
    }

    fn tick(&mut self) {
        self.clock += self.rng.below(2);
    }

    /// `Nov 22 10:00:01 host ` (BSD) prefix.
    fn bsd(&mut self) {
        let day = self.clock / 86_400;
        let (_, m, d) = civil_from_days(crate::time::days_from_civil(YEAR, 1, 1) + day as i64);
        let s = self.clock % 86_400;
        let _ = write!(
            self.line,
            "{} {:>2} {:02}:{:02}:{:02} {} ",
            MONTHS[usize::from(m - 1)],
            d,
            s / 3600,
            s / 60 % 60,
            s % 60,
            self.hostname
        );
    }

    fn iso(&mut self, sep: char) {
        let day = self.clock / 86_400;
        let (y, m, d) = civil_from_days(crate::time::days_from_civil(YEAR, 1, 1) + day as i64);
        let s = self.clock % 86_400;
        let _ = write!(
            self.line,
            "{y:04}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
            s / 3600,
            s / 60 % 60,
            s % 60
        );
    }

    fn qid(&mut self) -> String {
        self.qid_counter += 1;
        let v = self
            .qid_counter
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(self.rng.below(1 << 20))
            & 0xFFF_FFFF_FFFF;
        format!("{v:X}")
    }

    fn address(&mut self, domain: &str) -> String {
        let u = *self.rng.pick(USERS);
        if self.rng.chance(300) {
            format!("{u}{}@{domain}", self.rng.below(1000))
        } else {
            format!("{u}@{domain}")
        }
    }

    fn maybe_long_line(&mut self) -> io::Result<()> {
        if self.opts.long_line_every > 0 && self.truth.bytes >= self.next_long {
            self.next_long = self.truth.bytes + self.opts.long_line_every;
            self.bsd();
            self.line
                .extend_from_slice(b"postfix/cleanup[2101]: warning: header Subject: ");
            let n = 300 * 1024;
            self.line.extend(std::iter::repeat_n(b'A', n));
            self.line.extend_from_slice(b" from localhost[127.0.0.1]");
            self.truth.oversized_lines += 1;
            self.emit()?;
        }
        Ok(())
    }

    /// A failure sample: permanent or transient.
    fn sample(&mut self, permanent: bool) -> Sample {
        *self.rng.pick(if permanent { PERMANENT } else { TRANSIENT })
    }

    fn run(&mut self) -> io::Result<()> {
        while self.truth.bytes < self.opts.size {
            self.maybe_long_line()?;
            match self.opts.format {
                Format::Exim => self.exim_message()?,
                Format::Sendmail => self.sendmail_message()?,
                Format::Pmta => self.pmta_message()?,
                Format::Kumo => self.kumo_message()?,
                _ => self.postfix_message()?,
            }
        }
        self.out.flush()
    }

    /// Chooses what happens to one recipient: 0 delivered, 1 deferred, 2 bounced,
    /// 3 expired, 4 connection problem.
    fn fate(&mut self) -> u8 {
        match self.rng.below(1000) {
            0..=719 => 0,
            720..=849 => 1,
            850..=929 => 2,
            930..=939 => 3,
            _ => 4,
        }
    }

    // ---------------------------------------------------------------- Postfix

    fn pf(&mut self, inst: &str, service: &str) {
        self.bsd();
        let pid = 1000 + self.rng.below(30000);
        let _ = write!(self.line, "{inst}/{service}[{pid}]: ");
    }

    fn postfix_message(&mut self) -> io::Result<()> {
        self.tick();
        let inst = if self.rng.chance(200) {
            "postfix-out"
        } else {
            "postfix"
        };
        let client_ip = Ip(ip(&mut self.rng)).to_string();
        // Incoming rejection instead of a message, sometimes.
        if self.rng.chance(60) {
            let (dom, _, _) = self.domains.pick(&mut self.rng).clone();
            let rcpt = self.address("example.org");
            let sender = self.address(&dom);
            let smp = *self.rng.pick(INCOMING);
            let smtpd = if self.rng.chance(300) {
                "submission/smtpd"
            } else {
                "smtpd"
            };
            self.pf("postfix", smtpd);
            let _ = write!(self.line, "connect from unknown[{client_ip}]");
            self.emit()?;
            self.pf("postfix", smtpd);
            let text = fill(smp.text, &rcpt, "example.org", &client_ip);
            let _ = write!(
                self.line,
                "NOQUEUE: reject: RCPT from unknown[{client_ip}]: {} {} {text}; from=<{sender}> to=<{rcpt}> proto=ESMTP helo=<[{client_ip}]>",
                smp.code, smp.enhanced
            );
            self.emit()?;
            self.event(Outcome::RejectedIncoming, Some(smp.category));
            self.pf("postfix", smtpd);
            let _ = write!(
                self.line,
                "disconnect from unknown[{client_ip}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4"
            );
            return self.emit();
        }
        let qid = self.qid();
        let sender_dom = if self.rng.chance(500) {
            "example.org"
        } else {
            "mail.example.net"
        };
        let sender = if self.rng.chance(50) {
            String::new()
        } else {
            self.address(sender_dom)
        };
        self.pf("postfix", "smtpd");
        let _ = write!(
            self.line,
            "connect from client{}.example.org[{client_ip}]",
            self.rng.below(50)
        );
        self.emit()?;
        self.pf("postfix", "smtpd");
        let _ = write!(
            self.line,
            "{qid}: client=client.example.org[{client_ip}], sasl_method=PLAIN, sasl_username=user{}",
            self.rng.below(99)
        );
        self.emit()?;
        self.pf(inst, "cleanup");
        let _ = write!(
            self.line,
            "{qid}: message-id=<{}.{}@example.org>",
            self.rng.next() % 100_000_000,
            self.clock
        );
        self.emit()?;
        let nrcpt = 1 + self.rng.below(3) as usize;
        self.pf(inst, "qmgr");
        let size = 800 + self.rng.below(200_000);
        let _ = write!(
            self.line,
            "{qid}: from=<{sender}>, size={size}, nrcpt={nrcpt} (queue active)"
        );
        self.emit()?;
        self.pf("postfix", "smtpd");
        let _ = write!(
            self.line,
            "disconnect from client.example.org[{client_ip}] ehlo=2 starttls=1 auth=1 mail=1 rcpt={nrcpt} data=1 quit=1 commands=8"
        );
        self.emit()?;
        let mut bounced_any = false;
        for _ in 0..nrcpt {
            self.tick();
            let (dom, mx, mxip) = self.domains.pick(&mut self.rng).clone();
            let mxip = Ip(mxip).to_string();
            let rcpt = self.address(&dom);
            let delay = format!("{}.{}", self.rng.below(5), self.rng.below(10));
            let delays = format!(
                "0.{}/0/0.{}/0.{}",
                self.rng.below(9),
                self.rng.below(9),
                self.rng.below(9)
            );
            let orig = if self.rng.chance(30) {
                format!("orig_to=<alias@{dom}>, ")
            } else {
                String::new()
            };
            let smtp = if self.rng.chance(50) { "lmtp" } else { "smtp" };
            match self.fate() {
                0 => {
                    self.pf(inst, smtp);
                    let id = self.rng.next() % 1_000_000_000;
                    let _ = write!(
                        self.line,
                        "{qid}: to=<{rcpt}>, {orig}relay={mx}[{mxip}]:25, delay={delay}, delays={delays}, dsn=2.0.0, status=sent (250 2.0.0 OK  {} {id:x} - gsmtp)",
                        1_700_000_000 + self.clock
                    );
                    self.emit()?;
                    self.event(Outcome::Delivered, None);
                }
                f @ (1 | 2) => {
                    let permanent = f == 2;
                    let smp = self.sample(permanent);
                    let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                    let cmd = *self
                        .rng
                        .pick(&["RCPT TO", "RCPT TO", "end of DATA", "MAIL FROM"]);
                    let status = if permanent { "bounced" } else { "deferred" };
                    self.pf(inst, smtp);
                    let _ = write!(
                        self.line,
                        "{qid}: to=<{rcpt}>, {orig}relay={mx}[{mxip}]:25, delay={delay}, delays={delays}, dsn={}, status={status} (host {mx}[{mxip}] said: {} {} {text}",
                        smp.enhanced, smp.code, smp.enhanced
                    );
                    if self.rng.chance(15) {
                        self.line.extend_from_slice(b" \xe4\xf6\xfc");
                    }
                    let _ = write!(self.line, " (in reply to {cmd} command))");
                    self.emit()?;
                    if permanent {
                        self.event(Outcome::Bounced, Some(smp.category));
                        bounced_any = true;
                    } else {
                        self.event(Outcome::Deferred, Some(smp.category));
                        self.truth.status_deferred_lines += 1;
                    }
                }
                3 => {
                    self.pf(inst, "qmgr");
                    let _ = write!(
                        self.line,
                        "{qid}: from=<{sender}>, status=expired, returned to sender"
                    );
                    self.emit()?;
                    self.event(Outcome::Expired, Some(Category::Expired));
                }
                _ => {
                    self.postfix_connection(inst, &qid, &rcpt, &dom, &mx, &mxip, &delay, &delays)?
                }
            }
        }
        if bounced_any {
            self.pf(inst, "bounce");
            let n = self.qid();
            let _ = write!(self.line, "{qid}: sender non-delivery notification: {n}");
            self.emit()?;
        }
        self.pf(inst, "qmgr");
        let _ = write!(self.line, "{qid}: removed");
        self.emit()
    }

    #[allow(clippy::too_many_arguments)]
    fn postfix_connection(
        &mut self,
        inst: &str,
        qid: &str,
        rcpt: &str,
        dom: &str,
        mx: &str,
        mxip: &str,
        delay: &str,
        delays: &str,
    ) -> io::Result<()> {
        let kind = self.rng.below(7);
        let (standalone, dsn, status, text, cat): (Option<String>, &str, &str, String, Category) =
            match kind {
                0 => (
                    Some(format!("connect to {mx}[{mxip}]:25: Connection timed out")),
                    "4.4.1",
                    "deferred",
                    format!("connect to {mx}[{mxip}]:25: Connection timed out"),
                    Category::Timeout,
                ),
                1 => (
                    Some(format!("connect to {mx}[{mxip}]:25: Connection refused")),
                    "4.4.1",
                    "deferred",
                    format!("connect to {mx}[{mxip}]:25: Connection refused"),
                    Category::NetworkError,
                ),
                2 => (
                    None,
                    "4.4.3",
                    "deferred",
                    format!(
                        "Host or domain name not found. Name service error for name={dom} type=MX: Host not found, try again"
                    ),
                    Category::DnsFailure,
                ),
                3 => (
                    None,
                    "5.4.4",
                    "bounced",
                    format!(
                        "Host or domain name not found. Name service error for name={dom} type=A: Host not found"
                    ),
                    Category::DomainNotFound,
                ),
                4 => (
                    None,
                    "4.4.2",
                    "deferred",
                    format!(
                        "lost connection with {mx}[{mxip}] while receiving the initial server greeting"
                    ),
                    Category::NetworkError,
                ),
                5 => (
                    None,
                    "4.4.2",
                    "deferred",
                    format!(
                        "conversation with {mx}[{mxip}] timed out while sending end of data -- message may be sent more than once"
                    ),
                    Category::Timeout,
                ),
                _ => (
                    Some(format!("SSL_connect error to {mx}[{mxip}]:25: -1")),
                    "4.7.5",
                    "deferred",
                    format!("TLS is required, but was not offered by host {mx}[{mxip}]"),
                    Category::TlsRequired,
                ),
            };
        if let Some(s) = standalone {
            self.pf(inst, "smtp");
            self.line.extend_from_slice(s.as_bytes());
            self.emit()?;
            // The standalone line says what failed (an SSL_connect error is a failed TLS
            // handshake), so it counts under the same category as its status line.
            self.event(Outcome::ConnectionFailure, Some(cat));
        }
        let relay = if kind == 2 || kind == 3 {
            "none".to_owned()
        } else {
            format!("{mx}[{mxip}]:25")
        };
        self.pf(inst, "smtp");
        let _ = write!(
            self.line,
            "{qid}: to=<{rcpt}>, relay={relay}, delay={delay}, delays={delays}, dsn={dsn}, status={status} ({text})"
        );
        self.emit()?;
        if status == "bounced" {
            self.event(Outcome::Bounced, Some(cat));
        } else {
            self.event(Outcome::Deferred, Some(cat));
            self.truth.status_deferred_lines += 1;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- Exim

    fn exim_id(&mut self) -> String {
        const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::with_capacity(16);
        let mut v = self.rng.next();
        for n in 0..14 {
            if n == 6 || n == 12 {
                s.push('-');
            }
            s.push(B62[(v % 62) as usize] as char);
            v /= 62;
            if v == 0 {
                v = self.rng.next();
            }
        }
        s
    }

    fn exim_message(&mut self) -> io::Result<()> {
        self.tick();
        let id = self.exim_id();
        let client_ip = Ip(ip(&mut self.rng)).to_string();
        if self.rng.chance(60) {
            let smp = *self.rng.pick(INCOMING);
            let rcpt = self.address("example.org");
            let text = fill(smp.text, &rcpt, "example.org", &client_ip);
            self.iso(' ');
            let _ = write!(
                self.line,
                " H=(client.example) [{client_ip}] F=<someone@example.net> rejected RCPT <{rcpt}>: {} {} {text}",
                smp.code, smp.enhanced
            );
            self.emit()?;
            self.event(Outcome::RejectedIncoming, Some(smp.category));
            return Ok(());
        }
        let sender = self.address("example.org");
        self.iso(' ');
        let _ = write!(
            self.line,
            " {id} <= {sender} H=client.example.org [{client_ip}] P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:{sender} S={} id=x{}@example.org",
            1000 + self.rng.below(90000),
            self.rng.below(1 << 30)
        );
        self.emit()?;
        for _ in 0..1 + self.rng.below(2) {
            self.tick();
            let (dom, mx, mxip) = self.domains.pick(&mut self.rng).clone();
            let mxip = Ip(mxip).to_string();
            let rcpt = self.address(&dom);
            self.iso(' ');
            match self.fate() {
                0 => {
                    let _ = write!(
                        self.line,
                        " {id} => {rcpt} R=dnslookup T=remote_smtp H={mx} [{mxip}] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 OK {} - gsmtp\" QT={}s DT={}s",
                        self.rng.below(1 << 30),
                        self.rng.below(9),
                        self.rng.below(5)
                    );
                    self.emit()?;
                    self.event(Outcome::Delivered, None);
                }
                f @ (1 | 2) => {
                    let smp = self.sample(f == 2);
                    let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                    let flag = if f == 2 { "**" } else { "==" };
                    let defer = if f == 2 {
                        String::new()
                    } else {
                        " defer (-44)".to_owned()
                    };
                    let _ = write!(
                        self.line,
                        " {id} {flag} {rcpt} R=dnslookup T=remote_smtp{defer} H={mx} [{mxip}]: SMTP error from remote mail server after RCPT TO:<{rcpt}>: {} {} {text}",
                        smp.code, smp.enhanced
                    );
                    self.emit()?;
                    let o = if f == 2 {
                        Outcome::Bounced
                    } else {
                        Outcome::Deferred
                    };
                    self.event(o, Some(smp.category));
                }
                3 => {
                    let _ = write!(self.line, " {id} ** {rcpt}: retry timeout exceeded");
                    self.emit()?;
                    self.event(Outcome::Expired, Some(Category::Expired));
                }
                _ => {
                    let _ = write!(self.line, " {id} H={mx} [{mxip}] Connection timed out");
                    self.emit()?;
                    self.event(Outcome::ConnectionFailure, Some(Category::Timeout));
                    self.iso(' ');
                    let _ = write!(
                        self.line,
                        " {id} == {rcpt} R=dnslookup T=remote_smtp defer (110): Connection timed out H={mx} [{mxip}]"
                    );
                    self.emit()?;
                    self.event(Outcome::Deferred, Some(Category::Timeout));
                }
            }
        }
        self.iso(' ');
        let _ = write!(self.line, " {id} Completed");
        self.emit()
    }

    // ---------------------------------------------------------------- Sendmail

    fn sendmail_message(&mut self) -> io::Result<()> {
        self.tick();
        let qid = format!("4AM{}{:06}", self.qid(), self.rng.below(1_000_000));
        let client_ip = Ip(ip(&mut self.rng)).to_string();
        let pid = 1000 + self.rng.below(30000);
        if self.rng.chance(50) {
            let smp = *self.rng.pick(INCOMING);
            let rcpt = self.address("example.org");
            let text = fill(smp.text, &rcpt, "example.org", &client_ip);
            self.bsd();
            let _ = write!(
                self.line,
                "sm-mta[{pid}]: {qid}: ruleset=check_rcpt, arg1=<{rcpt}>, relay=client.example [{client_ip}], reject={} {} {text}",
                smp.code, smp.enhanced
            );
            self.emit()?;
            self.event(Outcome::RejectedIncoming, Some(smp.category));
            return Ok(());
        }
        let sender = self.address("example.org");
        self.bsd();
        let _ = write!(
            self.line,
            "sm-mta[{pid}]: {qid}: from=<{sender}>, size={}, class=0, nrcpts=1, msgid=<{}@example.org>, proto=ESMTPSA, daemon=MTA, relay=client.example.org [{client_ip}]",
            900 + self.rng.below(90000),
            self.rng.below(1 << 40)
        );
        self.emit()?;
        let (dom, mx, mxip) = self.domains.pick(&mut self.rng).clone();
        let mxip = Ip(mxip).to_string();
        let rcpt = self.address(&dom);
        let pid = 1000 + self.rng.below(30000);
        self.bsd();
        let _ = write!(
            self.line,
            "sm-mta[{pid}]: {qid}: to=<{rcpt}>, delay=00:00:0{}, xdelay=00:00:01, mailer=esmtp, pri=120{}, relay={mx}. [{mxip}], ",
            self.rng.below(9),
            self.rng.below(999)
        );
        match self.fate() {
            0 => {
                let _ = write!(
                    self.line,
                    "dsn=2.0.0, stat=Sent (OK {} - gsmtp)",
                    self.rng.below(1 << 30)
                );
                self.event(Outcome::Delivered, None);
            }
            1 => {
                let smp = self.sample(false);
                let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                let _ = write!(
                    self.line,
                    "dsn={}, stat=Deferred: {} {} {text}",
                    smp.enhanced, smp.code, smp.enhanced
                );
                self.event(Outcome::Deferred, Some(smp.category));
            }
            2 => {
                let smp = self.sample(true);
                let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                let _ = write!(
                    self.line,
                    "dsn={}, stat={} {} {text}",
                    smp.enhanced, smp.code, smp.enhanced
                );
                self.event(Outcome::Bounced, Some(smp.category));
            }
            3 => {
                self.line.clear();
                self.bsd();
                let _ = write!(
                    self.line,
                    "sm-mta[{pid}]: {qid}: DSN: Cannot send message for 5 days"
                );
                self.event(Outcome::Expired, Some(Category::Expired));
            }
            _ => {
                let _ = write!(
                    self.line,
                    "dsn=4.0.0, stat=Deferred: Connection timed out with {mx}."
                );
                self.event(Outcome::Deferred, Some(Category::Timeout));
            }
        }
        self.emit()
    }

    // ---------------------------------------------------------------- PowerMTA

    fn pmta_message(&mut self) -> io::Result<()> {
        if self.truth.lines == 0 {
            self.line.extend_from_slice(b"type,timeLogged,timeQueued,orig,rcpt,orcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,srcType,srcMta,dlvType,dlvSourceIp,dlvDestinationIp,dlvEsmtpAvailable,dlvSize,vmta,jobId,envId,queue,vmtaPool");
            self.emit()?;
        }
        self.tick();
        let (dom, mx, mxip) = self.domains.pick(&mut self.rng).clone();
        let mxip = Ip(mxip).to_string();
        let rcpt = self.address(&dom);
        let sender = format!("bounce-{}@example.org", self.rng.below(1 << 20));
        let (kind, action, status, diag, cat_name, outcome, cat) = match self.fate() {
            0 => (
                "d",
                "relayed",
                "2.0.0 (success)".to_owned(),
                format!("smtp;250 2.0.0 OK {} - gsmtp", self.rng.below(1 << 30)),
                "",
                Outcome::Delivered,
                None,
            ),
            f @ (1 | 2 | 4) => {
                let smp = if f == 4 {
                    replies::Sample {
                        category: Category::Timeout,
                        code: 421,
                        enhanced: "4.4.1",
                        text: "Connection timed out",
                    }
                } else {
                    self.sample(f == 2)
                };
                let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                let text = text.replace('"', "'");
                let (k, a, o) = if f == 2 {
                    ("b", "failed", Outcome::Bounced)
                } else {
                    ("t", "delayed", Outcome::Deferred)
                };
                (
                    k,
                    a,
                    format!("{} (other)", smp.enhanced),
                    format!("\"smtp;{} {} {text}\"", smp.code, smp.enhanced),
                    "other",
                    o,
                    Some(smp.category),
                )
            }
            _ => (
                "b",
                "failed",
                "4.4.7 (delivery time expired)".to_owned(),
                "\"smtp;451 4.4.7 Message expired\"".to_owned(),
                "message-expired",
                Outcome::Expired,
                Some(Category::Expired),
            ),
        };
        let _ = write!(self.line, "{kind},");
        self.iso(' ');
        self.line.extend_from_slice(b"+0000,");
        self.iso(' ');
        let _ = write!(
            self.line,
            "+0000,{sender},{rcpt},,{action},{status},{diag},{mx} ({mxip}),{cat_name},smtp,client.example.org (192.0.2.9),smtp,198.51.100.25,{mxip},\"PIPELINING,8BITMIME,SIZE 35882577,STARTTLS,ENHANCEDSTATUSCODES\",{},vmta{},job{},,{dom}/vmta1,pool1",
            1000 + self.rng.below(90000),
            self.rng.below(8),
            self.rng.below(500)
        );
        self.emit()?;
        self.event(outcome, cat);
        Ok(())
    }

    // ---------------------------------------------------------------- KumoMTA

    fn kumo_message(&mut self) -> io::Result<()> {
        self.tick();
        let (dom, mx, mxip) = self.domains.pick(&mut self.rng).clone();
        let mxip = Ip(mxip).to_string();
        let rcpt = self.address(&dom);
        let id = format!(
            "{:032x}",
            u128::from(self.rng.next()) << 64 | u128::from(self.rng.next())
        );
        let ts = 1_704_067_200 + self.clock;
        let (kind, code, enh, content, outcome, cat) = match self.fate() {
            0 => (
                "Delivery",
                250,
                (2u8, 0u16, 0u16),
                "OK".to_owned(),
                Outcome::Delivered,
                None,
            ),
            f @ (1 | 2) => {
                let smp = self.sample(f == 2);
                let text = fill(smp.text, &rcpt, &dom, "198.51.100.25");
                let mut p = smp
                    .enhanced
                    .split('.')
                    .map(|x| x.parse::<u16>().unwrap_or(0));
                let e = (
                    p.next().unwrap_or(4) as u8,
                    p.next().unwrap_or(0),
                    p.next().unwrap_or(0),
                );
                let k = if f == 2 { "Bounce" } else { "TransientFailure" };
                let o = if f == 2 {
                    Outcome::Bounced
                } else {
                    Outcome::Deferred
                };
                (k, smp.code, e, text, o, Some(smp.category))
            }
            3 => (
                "Expiration",
                551,
                (5, 4, 7),
                "Next delivery time would be at 2024-01-08 exceeds expiry time".to_owned(),
                Outcome::Expired,
                Some(Category::Expired),
            ),
            _ => (
                "TransientFailure",
                421,
                (4, 4, 1),
                format!(
                    "KumoMTA internal: failed to connect to any candidate hosts: connect to {mxip}:25: Connection timed out"
                ),
                Outcome::Deferred,
                Some(Category::Timeout),
            ),
        };
        let rec = serde_json::json!({
            "type": kind, "id": id, "sender": "bounce@example.org", "recipient": rcpt, "queue": dom,
            "site": format!("{mx}->(alt1|alt2).{dom}@smtp_client"), "size": 1000 + self.rng.below(90000),
            "response": {"code": code, "enhanced_code": {"class": enh.0, "subject": enh.1, "detail": enh.2}, "content": content, "command": "RCPT TO:<x>\r\n"},
            "peer_address": {"name": mx, "addr": mxip}, "timestamp": ts, "created": ts - 5, "num_attempts": 1 + self.rng.below(4),
            "bounce_classification": "Uncategorized", "egress_pool": "pool0", "egress_source": "ip-1",
            "feedback_report": null, "meta": {}, "headers": {}, "delivery_protocol": "ESMTP",
            "reception_protocol": "ESMTP", "nodeid": "557f3ad4-2c8c-11ee-976e-782d7e12e173"
        });
        let _ = serde_json::to_writer(&mut self.line, &rec);
        self.emit()?;
        self.event(outcome, cat);
        if self.rng.chance(200) {
            let rec = serde_json::json!({"type": "Reception", "id": id, "sender": "bounce@example.org", "recipient": rcpt, "timestamp": ts});
            let _ = serde_json::to_writer(&mut self.line, &rec);
            self.emit()?;
        }
        Ok(())
    }
}

/// Writes a synthetic log to `out` and returns its truth. Use a large `BufWriter`.
pub fn generate<W: Write>(opts: &GenOptions, out: W) -> io::Result<Truth> {
    let mut rng = Rng(opts.seed ^ 0x6d61_696c_6469_6167);
    let domains = Domains::new(&mut rng);
    let mut g = Gen {
        out,
        rng,
        opts: opts.clone(),
        domains,
        truth: Truth {
            format: opts.format,
            seed: opts.seed,
            reference: Reference::year(YEAR),
            lines: 0,
            bytes: 0,
            events: 0,
            outcomes: [0; 6],
            categories: BTreeMap::new(),
            status_deferred_lines: 0,
            oversized_lines: 0,
            non_utf8_lines: 0,
        },
        clock: 86_400 * 40 + 3600 * 6,
        line: Vec::with_capacity(4096),
        qid_counter: 0,
        next_long: opts.long_line_every.max(1) / 2,
        hostname: "mail",
    };
    g.run()?;
    Ok(g.truth)
}

/// [`generate`] into memory.
pub fn generate_vec(opts: &GenOptions) -> (Vec<u8>, Truth) {
    let mut v = Vec::with_capacity(usize::try_from(opts.size).unwrap_or(0).saturating_add(4096));
    let truth = match generate(opts, &mut v) {
        Ok(t) => t,
        // Writing to a Vec cannot fail.
        Err(_) => unreachable_truth(opts),
    };
    (v, truth)
}

fn unreachable_truth(opts: &GenOptions) -> Truth {
    Truth {
        format: opts.format,
        seed: opts.seed,
        reference: Reference::year(YEAR),
        lines: 0,
        bytes: 0,
        events: 0,
        outcomes: [0; 6],
        categories: BTreeMap::new(),
        status_deferred_lines: 0,
        oversized_lines: 0,
        non_utf8_lines: 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{LogReader, ReaderOptions};

    #[test]
    fn deterministic_and_exact() {
        for f in [
            Format::Postfix,
            Format::Exim,
            Format::Sendmail,
            Format::Pmta,
            Format::Kumo,
        ] {
            let o = GenOptions {
                long_line_every: 150_000,
                ..GenOptions::new(f, 400_000, 3)
            };
            let (a, ta) = generate_vec(&o);
            let (b, _) = generate_vec(&o);
            assert_eq!(a, b, "{f}");
            let opts = ReaderOptions::default().reference(ta.reference);
            let stats = LogReader::new(&a[..], opts).for_each_event(|_| {}).unwrap();
            assert_eq!(stats.lines, ta.lines, "{f}");
            assert_eq!(stats.bytes, ta.bytes, "{f}");
            assert_eq!(stats.events, ta.outcomes, "{f}");
            assert_eq!(stats.oversized, ta.oversized_lines, "{f}");
            assert_eq!(stats.unparsed, 0, "{f}");
        }
    }
}
