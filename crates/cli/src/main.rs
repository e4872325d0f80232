//! `maildiag`: explain SMTP replies, scan mail logs, read bounces and check DNS authentication.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;

/// Mail diagnostics: why was my mail deferred or bounced, and what do I do about it?
#[derive(Parser, Debug)]
#[command(name = "maildiag", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read bounce emails (.eml, mbox, Maildir) and print each recipient's failure.
    Bounce(cmd::bounce::Args),
    /// Check a sender domain's DNS authentication (SPF, DMARC, DKIM, PTR, MX, DNSBL, MTA-STS).
    Check(cmd::check::Args),
    /// Look up status codes, basic reply codes and known provider replies.
    Codes(cmd::codes::Args),
    /// Explain SMTP replies, log lines or bounce diagnostics.
    Explain(cmd::explain::Args),
    /// Diagnose whole mail logs: totals, causes, domains, providers, stuck queue ids, timeline.
    Scan(cmd::scan::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Bounce(args) => cmd::bounce::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Codes(args) => cmd::codes::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Scan(args) => cmd::scan::run(args),
    }
}
