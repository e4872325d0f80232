//! `cargo xtask TASK [ARGS...]`: developer tasks for the maildiag workspace.
//!
//! Each task lives in its own module with a `run(args) -> Result<(), String>` entry point;
//! this file only dispatches.

use std::process::ExitCode;

mod codegen;
mod eval_bounces;
mod eval_replies;
mod gen_logs;
mod import_iana;
mod spf_suite;

/// One task: its name, a one-line help text, and its entry point.
type Task = (
    &'static str,
    &'static str,
    fn(Vec<String>) -> Result<(), String>,
);

const TASKS: &[Task] = &[
    (
        "gen-logs",
        "write a synthetic MTA log: --format F --size 1G --seed N -o FILE [--truth T.json]",
        gen_logs::run,
    ),
    (
        "eval-bounces",
        "score maildiag-bounce against a labelled bounce corpus",
        eval_bounces::run,
    ),
    (
        "eval-replies",
        "score the classifier on labelled replies (JSON lines: text, temporary, category)",
        eval_replies::run,
    ),
    (
        "codegen",
        "regenerate crates/codes/src/generated (--check: fail if stale)",
        codegen::run,
    ),
    (
        "import-iana",
        "refresh crates/codes/data/iana.toml from the IANA registry XML or CSV",
        import_iana::run,
    ),
    (
        "spf-suite",
        "run OpenSPF YAML suites against the loopback DNS server",
        spf_suite::run,
    ),
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        return usage();
    };
    match TASKS.iter().find(|(n, _, _)| *n == name) {
        Some((_, _, run)) => match run(args.collect()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask {name}: {e}");
                ExitCode::FAILURE
            }
        },
        None => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask TASK [ARGS...]\n\ntasks:");
    for (name, help, _) in TASKS {
        eprintln!("  {name:<14} {help}");
    }
    ExitCode::from(2)
}

/// The workspace root (the parent of this crate's manifest directory).
#[allow(dead_code)]
pub(crate) fn workspace_root() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    dir.parent().unwrap_or(dir).to_path_buf()
}
