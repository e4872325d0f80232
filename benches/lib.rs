//! Shared inputs for the maildiag benchmarks: deterministic, realistic samples built in
//! process, so the benchmarks need no files.
#![forbid(unsafe_code)]

/// A small deterministic PRNG (splitmix64), so samples are identical across runs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Real-looking remote replies (code, enhanced, text) used in the samples.
pub const REPLIES: &[(&str, &str, &str)] = &[
    (
        "450",
        "4.7.1",
        "<{rcpt}>: Recipient address rejected: Greylisted for 5 minutes",
    ),
    (
        "451",
        "4.7.0",
        "Temporary server error. Please try again later. PRX2",
    ),
    (
        "421",
        "4.7.0",
        "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
    (
        "550",
        "5.1.1",
        "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser - gsmtp",
    ),
    (
        "552",
        "5.2.2",
        "<{rcpt}>: Recipient address rejected: Mailbox full",
    ),
    (
        "550",
        "5.7.1",
        "Service unavailable, Client host [{ip}] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/{ip}",
    ),
    (
        "450",
        "4.7.25",
        "Client host rejected: cannot find your hostname, [{ip}]",
    ),
    (
        "550",
        "5.7.26",
        "This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
    ),
    ("451", "4.3.0", "Temporary lookup failure"),
    (
        "554",
        "5.4.14",
        "Hop count exceeded - possible mail loop ATTR34",
    ),
    (
        "450",
        "4.2.1",
        "The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. - gsmtp",
    ),
    (
        "550",
        "5.7.606",
        "Access denied, banned sending IP [{ip}]. To request removal from this list please visit https://sender.office.com/ and follow the directions.",
    ),
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.org",
    "example.net",
    "mail.example",
    "corp.example",
    "shop.example",
    "news.example",
    "icloud.com",
];

/// A Postfix maillog of about `size` bytes: connection chatter, deliveries, deferrals and
/// bounces in realistic proportions (most lines hold no reply).
pub fn postfix_sample(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size + 1024);
    let mut n = 0u64;
    while out.len() < size {
        n += 1;
        let qid = format!("{:010X}", rng.next_u64() & 0xff_ffff_ffff);
        let dom = rng.pick(DOMAINS);
        let rcpt = format!("user{}@{dom}", rng.below(5000));
        let ip = format!("198.51.100.{}", rng.below(254) + 1);
        let ts = format!(
            "Nov 22 {:02}:{:02}:{:02}",
            (n / 3600) % 24,
            (n / 60) % 60,
            n % 60
        );
        let line = match rng.below(20) {
            0..=3 => format!(
                "{ts} mx1 postfix/smtpd[{p}]: connect from unknown[{ip}]",
                p = 1000 + rng.below(9000)
            ),
            4..=6 => format!(
                "{ts} mx1 postfix/smtpd[{p}]: disconnect from unknown[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
                p = 1000 + rng.below(9000)
            ),
            7..=8 => format!(
                "{ts} mx1 postfix/cleanup[{p}]: {qid}: message-id=<{n}@sender.example>",
                p = 1000 + rng.below(9000)
            ),
            9..=10 => format!(
                "{ts} mx1 postfix/qmgr[900]: {qid}: from=<news@sender.example>, size={s}, nrcpt=1 (queue active)",
                s = 1000 + rng.below(90000)
            ),
            11 => format!("{ts} mx1 postfix/qmgr[900]: {qid}: removed"),
            12..=15 => format!(
                "{ts} mx1 postfix/smtp[{p}]: {qid}: to=<{rcpt}>, relay=mx.{dom}[{ip}]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK 1700000000 {qid} - gsmtp)",
                p = 1000 + rng.below(9000)
            ),
            16 => format!(
                "{ts} mx1 postfix/smtp[{p}]: {qid}: to=<{rcpt}>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.{dom}[{ip}]:25: Connection timed out)",
                p = 1000 + rng.below(9000)
            ),
            _ => {
                let (code, enh, text) = rng.pick(REPLIES);
                let text = text.replace("{rcpt}", &rcpt).replace("{ip}", &ip);
                let status = if code.starts_with('5') {
                    "bounced"
                } else {
                    "deferred"
                };
                format!(
                    "{ts} mx1 postfix/smtp[{p}]: {qid}: to=<{rcpt}>, relay=mx.{dom}[{ip}]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn={enh}, status={status} (host mx.{dom}[{ip}] said: {code} {enh} {text} (in reply to RCPT TO command))",
                    p = 1000 + rng.below(9000)
                )
            }
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Splits `input` into lines (LF, CR stripped) with memchr.
pub fn lines(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    input
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}
