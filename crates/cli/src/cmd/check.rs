//! `maildiag check DOMAIN`: SPF, DMARC, DKIM, PTR, MX, DNSBL, MTA-STS/TLS-RPT/BIMI checks.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use maildiag_dnsauth::dns::DnsConfig;
use maildiag_dnsauth::dnsbl::{ListZone, default_zones};
use maildiag_dnsauth::{CheckConfig, CheckKind, CheckRequest, Checker, Level, Report};

/// Check a sender domain's DNS authentication setup.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The sender domain.
    pub domain: String,
    /// The sending IP: evaluates SPF for it, checks its PTR and IP lists.
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// The HELO/EHLO name the sender uses.
    #[arg(long)]
    pub helo: Option<String>,
    /// The MAIL FROM address (default postmaster@DOMAIN).
    #[arg(long = "mail-from")]
    pub mail_from: Option<String>,
    /// DKIM selector to check (repeatable; common selectors are tried when none).
    #[arg(long = "selector")]
    pub selectors: Vec<String>,
    /// DNSBL/DNSWL zone (repeatable; `allow:ZONE` for allowlists, `domain:ZONE` for
    /// domain lists; replaces the default lists; `none` for no list).
    #[arg(long = "dnsbl")]
    pub dnsbl: Vec<String>,
    /// Name server to ask, IP or IP:PORT (repeatable; default: /etc/resolv.conf).
    #[arg(long = "nameserver")]
    pub nameservers: Vec<String>,
    /// Per-query timeout in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_ns(s: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    s.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("invalid --nameserver {s:?}: expected IP or IP:PORT"))
}

/// Runs the subcommand: exit 0 without error findings, 1 with errors, 2 on usage or
/// resolution failure.
pub fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("maildiag check: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: Args) -> Result<ExitCode, String> {
    let mut dns = if args.nameservers.is_empty() {
        DnsConfig::from_system().map_err(|e| e.to_string())?
    } else {
        let ns = args
            .nameservers
            .iter()
            .map(|s| parse_ns(s))
            .collect::<Result<Vec<_>, _>>()?;
        DnsConfig::with_nameservers(ns)
    };
    dns = dns.query_timeout(Duration::from_millis(args.timeout_ms.max(1)));
    let lists = if args.dnsbl.is_empty() {
        default_zones()
    } else if args.dnsbl.iter().any(|z| z == "none") {
        Vec::new()
    } else {
        args.dnsbl.iter().map(|z| ListZone::parse(z)).collect()
    };
    let checker = Checker::new(CheckConfig::new(dns).lists(lists)).map_err(|e| e.to_string())?;
    let mut req = CheckRequest::new(&args.domain);
    if let Some(ip) = args.ip {
        req = req.ip(ip);
    }
    if let Some(h) = &args.helo {
        req = req.helo(h);
    }
    if let Some(m) = &args.mail_from {
        req = req.mail_from(m);
    }
    for s in &args.selectors {
        req = req.selector(s);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;
    let report = rt
        .block_on(checker.check_domain(&req))
        .map_err(|e| e.to_string())?;
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&report.findings).map_err(|e| e.to_string())?;
        s.push('\n');
        s
    } else {
        render(&report, crate::cmd::util::use_colour())
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e.to_string());
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn mark(level: Level, colour: bool) -> &'static str {
    match (level, colour) {
        (Level::Ok, false) => "[ok]   ",
        (Level::Info, false) => "[info] ",
        (Level::Warning, false) => "[warn] ",
        (Level::Error, false) => "[error]",
        (Level::Ok, true) => "\x1b[32m[ok]\x1b[0m   ",
        (Level::Info, true) => "\x1b[36m[info]\x1b[0m ",
        (Level::Warning, true) => "\x1b[33m[warn]\x1b[0m ",
        (Level::Error, true) => "\x1b[31m[error]\x1b[0m",
    }
}

fn render(report: &Report, colour: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "maildiag check {}", report.domain);
    let order = [
        (CheckKind::Spf, "SPF"),
        (CheckKind::Dmarc, "DMARC"),
        (CheckKind::Dkim, "DKIM"),
        (CheckKind::Ptr, "PTR / FCrDNS"),
        (CheckKind::Mx, "MX"),
        (CheckKind::Dnsbl, "DNSBL / DNSWL"),
        (CheckKind::MtaSts, "MTA-STS"),
        (CheckKind::TlsRpt, "TLS-RPT"),
        (CheckKind::Bimi, "BIMI"),
    ];
    for (kind, title) in order {
        let items: Vec<_> = report.of(kind).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}");
        for f in items {
            let cat = f.category.map(|c| format!(" [{c}]")).unwrap_or_default();
            let _ = writeln!(
                s,
                "  {} {}: {}{cat}",
                mark(f.level, colour),
                f.code,
                f.message
            );
        }
        if kind == CheckKind::Spf
            && let Some(tree) = report.spf_tree.as_ref().filter(|t| t.record.is_some())
        {
            let _ = writeln!(s, "  lookup tree:");
            for line in tree.render().lines() {
                let _ = writeln!(s, "    {line}");
            }
        }
    }
    let (e, w) = report
        .findings
        .iter()
        .fold((0, 0), |(e, w), f| match f.level {
            Level::Error => (e + 1, w),
            Level::Warning => (e, w + 1),
            _ => (e, w),
        });
    let _ = writeln!(
        s,
        "\n{e} error(s), {w} warning(s), {} DNS queries",
        report.queries
    );
    s
}
