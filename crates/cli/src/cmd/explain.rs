//! `maildiag explain [--json] [--check-dns] [--file F] [--paragraphs] [TEXT ...]`

use std::io::{self, Write};
use std::process::ExitCode;

use maildiag::{Classifier, Diagnosis, Severity};
use maildiag_reply::{Extracted, best_of, extract};

use super::util::{flush, for_each_input, for_each_paragraph, ok_or_broken_pipe, use_colour};

/// Explain SMTP replies, log lines or bounce diagnostics: what happened, who must act,
/// when to retry.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object per input line.
    #[arg(long)]
    json: bool,
    /// Run the DNS checks the diagnosis suggests (PTR, FCrDNS, DNSBL for an IP named in
    /// the reply; SPF/DKIM/DMARC need --sender-domain).
    #[arg(long)]
    check_dns: bool,
    /// Sender domain for --check-dns (SPF, DKIM, DMARC checks).
    #[arg(long, value_name = "DOMAIN")]
    sender_domain: Option<String>,
    /// Nameserver for --check-dns (IP:PORT; repeatable). Default: the system resolver.
    #[arg(long, value_name = "IP:PORT")]
    nameserver: Vec<String>,
    /// Read inputs from a file, one per line (`-` for stdin).
    #[arg(long, short = 'f', value_name = "FILE")]
    file: Option<std::path::PathBuf>,
    /// Inputs from stdin or --file are paragraphs separated by blank lines, not single
    /// lines (a pasted bounce or a multi-line reply is one input).
    #[arg(long, short = 'p')]
    paragraphs: bool,
    /// Texts to explain; each stdin line when absent or `-`.
    text: Vec<String>,
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let classifier = Classifier::new();
    let colour = !args.json && use_colour();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut n = 0usize;
    let mut handle = |input: &[u8]| -> io::Result<()> {
        if input.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        n += 1;
        let input = &maildiag::unfolded(input)[..];
        let replies = extract(input);
        let best = best_of(&replies);
        let d = classifier.classify_extracted(input, best.as_ref());
        let dns = if args.check_dns {
            super::explain_dns::run_checks(&d, args.sender_domain.as_deref(), &args.nameserver)
        } else {
            None
        };
        // A closed pipe (`| head`) ends the run: it stops the reading too, and counts as
        // success below.
        if args.json {
            write_json(&mut out, input, &replies, best.as_ref(), &d, dns.as_ref())
        } else {
            write_human(&mut out, input, best.as_ref(), &d, dns.as_ref(), colour, n)
        }
    };
    let stdin_input = args.file.is_some() || args.text.is_empty() || args.text == ["-"];
    let result = match &args.file {
        Some(path) if path.as_os_str() != "-" => match std::fs::read(path) {
            Ok(data) if args.paragraphs => for_each_paragraph(&data[..], &mut handle),
            Ok(data) => data
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .try_for_each(&mut handle),
            Err(e) => {
                eprintln!("maildiag explain: {}: {e}", path.display());
                return ExitCode::from(1);
            }
        },
        _ if args.paragraphs && stdin_input => for_each_paragraph(io::stdin().lock(), &mut handle),
        Some(_) => for_each_input(&[], &mut handle),
        None => for_each_input(&args.text, &mut handle),
    };
    let result = ok_or_broken_pipe(result.and_then(|()| out.flush()).and_then(|()| flush()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("maildiag explain: {e}");
            ExitCode::from(1)
        }
    }
}

fn write_json(
    out: &mut impl Write,
    input: &[u8],
    replies: &[Extracted<'_>],
    best: Option<&Extracted<'_>>,
    d: &Diagnosis,
    dns: Option<&serde_json::Value>,
) -> io::Result<()> {
    let mut v = serde_json::to_value(d).map_err(io::Error::other)?;
    if let serde_json::Value::Object(map) = &mut v {
        map.insert("input".into(), String::from_utf8_lossy(input).into());
        map.insert("verdict".into(), d.verdict().into());
        map.insert(
            "replies".into(),
            serde_json::to_value(replies).map_err(io::Error::other)?,
        );
        map.insert(
            "host".into(),
            serde_json::to_value(best.and_then(|r| r.host.as_ref())).map_err(io::Error::other)?,
        );
        if let Some(dns) = dns {
            map.insert("dns_findings".into(), dns.clone());
        }
    }
    // `io::Error::from` keeps the kind of a write error (a closed pipe stays one).
    serde_json::to_writer(&mut *out, &v).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Success => "1;32",
            Severity::Transient => "1;33",
            Severity::Permanent => "1;31",
            Severity::Unknown => "1",
        };
        self.wrap(code, s)
    }
}

fn write_human(
    out: &mut impl Write,
    input: &[u8],
    best: Option<&Extracted<'_>>,
    d: &Diagnosis,
    dns: Option<&serde_json::Value>,
    colour: bool,
    n: usize,
) -> io::Result<()> {
    let p = Paint { on: colour };
    if n > 1 {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}",
        p.dim(&format!("» {}", String::from_utf8_lossy(input)))
    )?;
    writeln!(out, "{}", p.severity(d.severity, &d.verdict()))?;
    let info = maildiag_codes::category(d.category);
    let meaning = info
        .sender
        .filter(|_| d.about_sender)
        .map_or(info.description, |s| s.description);
    writeln!(out, "  {} {meaning}", p.bold("meaning:"))?;
    let codes = match (d.basic, d.enhanced) {
        (Some(b), Some(e)) => format!("{b} {e}"),
        (Some(b), None) => b.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => "none found".into(),
    };
    let mut facts = vec![format!("codes {codes}")];
    if let Some(c) = d.command {
        facts.push(format!("after {c}"));
    }
    if let Some(h) = best.and_then(|r| r.host.as_ref()) {
        let name = h.name.as_deref().unwrap_or("?");
        facts.push(match h.ip {
            Some(ip) => format!("from {name} [{ip}]"),
            None => format!("from {name}"),
        });
    }
    if let Some(pr) = d.provider.and_then(maildiag_codes::provider) {
        facts.push(format!("provider {}", pr.name));
    }
    writeln!(out, "  {} {}", p.bold("found:"), facts.join(" · "))?;
    if let Some(t) = &d.text {
        writeln!(out, "  {} {t}", p.bold("reply:"))?;
    }
    writeln!(out, "  {} {}", p.bold("who acts:"), party_words(d.party))?;
    writeln!(out, "  {} {}", p.bold("retry:"), d.retry.reason)?;
    if !d.remedies.is_empty() {
        writeln!(out, "  {}", p.bold("what to do:"))?;
        for (i, r) in d.remedies.iter().enumerate() {
            writeln!(out, "    {}. {r}", i + 1)?;
        }
    }
    if !d.dns_checks.is_empty() && dns.is_none() {
        let names: Vec<String> = d
            .dns_checks
            .iter()
            .map(|c| format!("{:?} of {}", c.check, target_words(&c.target)).to_lowercase())
            .collect();
        writeln!(
            out,
            "  {} {} (run with --check-dns)",
            p.bold("confirm with:"),
            names.join(", ")
        )?;
    }
    if let Some(dns) = dns {
        writeln!(
            out,
            "  {} {}",
            p.bold("dns:"),
            serde_json::to_string_pretty(dns).unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "  {} {} · sisimai {} · bounce class {} · confidence {:.2}",
        p.bold("also:"),
        if d.hard_bounce { "hard bounce" } else { "soft" },
        d.sisimai_reason,
        d.bounce_class,
        d.confidence
    )?;
    let _ = input;
    writeln!(out, "  {}", p.bold("evidence:"))?;
    for e in &d.evidence {
        let at = e
            .span
            .map(|(s, t)| format!(" @{s}..{t}"))
            .unwrap_or_default();
        writeln!(
            out,
            "    {:?} {:?} → {}{}",
            e.layer,
            e.rule,
            e.says,
            p.dim(&at)
        )?;
    }
    Ok(())
}

fn party_words(p: maildiag::Party) -> &'static str {
    use maildiag::Party::*;
    match p {
        Sender => "the sender (the message, the list or the sending behaviour)",
        SenderDns => "the sender's DNS administrator (SPF, DKIM, DMARC, PTR records)",
        SenderInfrastructure => "the sender's mail server or IP operator",
        Recipient => "the recipient",
        RecipientServer => "the recipient's mail administrators",
        Network => "the network between both sides",
        _ => "unclear",
    }
}

fn target_words(t: &maildiag::DnsTarget) -> String {
    match t {
        maildiag::DnsTarget::Ip(ip) => ip.to_string(),
        maildiag::DnsTarget::SendingIp => "the sending IP".into(),
        maildiag::DnsTarget::SenderDomain => "the sender domain".into(),
        maildiag::DnsTarget::RecipientDomain => "the recipient domain".into(),
        _ => "?".into(),
    }
}
