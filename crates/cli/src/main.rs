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
    /// Explain SMTP replies, log lines or bounce diagnostics.
    Explain(cmd::explain::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Explain(args) => cmd::explain::run(args),
    }
}
