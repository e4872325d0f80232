//! `maildiag scan [OPTIONS] [FILE ...]`: diagnose whole mail logs.
//!
//! Every event is classified with the allocation-free [`Classifier::verdict_event`] and
//! folded into a bounded [`agg::Agg`] per chunk on all cores
//! ([`LogReader::par_fold`]); chunks are merged in input order, so the result does not
//! depend on the thread count. [`Classifier::classify_event`] (the full diagnosis) runs only
//! for `--json` output and for the one example per category. The summary is printed for
//! people ([`summary`]), written as one JSON document (`--summary-json`) and as a
//! self-contained HTML page (`--html`, [`html`]).

mod agg;
mod dns;
mod filter;
mod html;
mod jsonl;
mod summary;

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use maildiag::Classifier;
use maildiag_logs::{DeliveryEvent, Format, LogReader, ReaderOptions, Reference, Stats};

use agg::{Agg, FoldCtx};
use filter::Filter;

/// Read buffer per parser thread. 4 MiB: with 2 MiB the peak RSS on 2 threads falls from
/// about 57 to 42 MB, but every chunk re-seeds the sender join from the 512 KiB before it,
/// which costs about 8 % more CPU.
const READ_BUFFER: usize = 4 << 20;

/// Inputs at least this large (in total) get a progress bar when stderr is a terminal.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// Diagnose whole mail logs: totals, top causes, domains, providers, stuck queue ids,
/// sender-side problems first, a timeline; `--json`, `--summary-json`, `--html`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Log files (plain or gzip; `-` for stdin). Stdin when none.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Force the log format (postfix, exim, sendmail, exchange, pmta, kumo, opensmtpd, qmail, zonemta, generic)
    /// instead of detecting it per file.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Print one JSON object per event (the diagnosis plus the event's fields) instead of
    /// the summary.
    #[arg(long)]
    json: bool,
    /// Write the summary as one JSON document to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Write a self-contained HTML report (tables and charts, no network) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Only events at or after this time (RFC 3339 or YYYY-MM-DD, in the log's clock when
    /// no offset is given).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only events before this time (RFC 3339; a bare YYYY-MM-DD includes that whole day).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Only events for this recipient domain or its subdomains (repeatable).
    #[arg(long, value_name = "DOMAIN")]
    domain: Vec<String>,
    /// Only failures of this category, e.g. `user_unknown` (repeatable).
    #[arg(long, value_name = "CATEGORY")]
    category: Vec<String>,
    /// Only events of this envelope sender: an address, or a domain (repeatable).
    #[arg(long, value_name = "SENDER")]
    sender: Vec<String>,
    /// Run the DNS checks the diagnoses suggest for sender-side causes (SPF, DKIM, DMARC
    /// of the sender domains; PTR and blocklists of the sending IPs), once per target.
    #[arg(long)]
    check_dns: bool,
    /// The sending IP for --check-dns when the log does not name it.
    #[arg(long, value_name = "IP")]
    ip: Option<std::net::IpAddr>,
    /// Nameserver for --check-dns (IP:PORT; repeatable). Default: the system resolver.
    #[arg(long, value_name = "IP:PORT")]
    nameserver: Vec<String>,
    /// The year of syslog time stamps, which carry none (default: the current year, or
    /// the previous one for months still to come).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,
    /// Parser threads: 0 uses every core, 1 reads sequentially on this thread.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Rows per table in the summary.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
}

/// What one input gave.
#[derive(Debug, Clone)]
pub struct InputReport {
    /// The name shown (`-` for stdin).
    pub name: String,
    /// The reader's counters (partial when reading failed midway).
    pub stats: Stats,
    /// Why the input could not be read (entirely or from some point on).
    pub error: Option<String>,
}

impl InputReport {
    /// An input that could not be read: said on stderr, kept for the report.
    fn failed(name: String, e: &dyn std::fmt::Display) -> InputReport {
        eprintln!("maildiag scan: {name}: {e}");
        InputReport {
            name,
            stats: Stats::default(),
            error: Some(e.to_string()),
        }
    }
}

/// Everything a report shows.
pub struct Report {
    /// The aggregate of every input.
    pub agg: Agg,
    /// Per input.
    pub inputs: Vec<InputReport>,
    /// Wall-clock seconds spent reading.
    pub seconds: f64,
    /// The DNS findings (`--check-dns`).
    pub dns: Option<serde_json::Value>,
    /// Whether filters were active (totals then count matching events only).
    pub filtered: bool,
    /// Rows per table.
    pub top: usize,
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("maildiag scan: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A usage error (exit status 2).
struct Usage(String);

fn run_inner(args: Args) -> Result<ExitCode, Usage> {
    let format = match &args.format {
        Some(f) => Some(f.parse::<Format>().map_err(|e| Usage(e.to_string()))?),
        None => None,
    };
    let filter = Filter::new(
        args.since.as_deref(),
        args.until.as_deref(),
        &args.domain,
        &args.category,
        &args.sender,
    )
    .map_err(Usage)?;
    if args.json
        && args
            .summary_json
            .as_deref()
            .is_some_and(|p| p.as_os_str() == "-")
    {
        return Err(Usage(
            "--json and --summary-json - both write to stdout".into(),
        ));
    }
    for ns in &args.nameserver {
        ns.parse::<std::net::SocketAddr>()
            .map_err(|e| Usage(format!("--nameserver {ns:?}: {e} (expected IP:PORT)")))?;
    }
    let mut opts = ReaderOptions::default()
        .format(format)
        .threads(args.threads)
        .buffer_size(READ_BUFFER);
    if let Some(y) = args.year {
        opts = opts.reference(Reference::year(y));
    }
    let inputs: Vec<Option<PathBuf>> = if args.files.is_empty() {
        vec![None]
    } else {
        args.files
            .iter()
            .map(|p| (p.as_os_str() != "-").then(|| p.clone()))
            .collect()
    };
    let names: Vec<String> = inputs
        .iter()
        .map(|i| {
            i.as_ref()
                .map_or_else(|| "-".to_owned(), |p| p.display().to_string())
        })
        .collect();
    let classifier = Classifier::new();
    let have_example = AtomicU64::new(0);
    let ctx = FoldCtx {
        have_example: &have_example,
        classifier: &classifier,
        filter: &filter,
        json: args.json,
        names: &names,
        sender_ips: args.check_dns,
    };

    let total_size: u64 = inputs
        .iter()
        .flatten()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let progress = (io::stderr().is_terminal() && total_size >= PROGRESS_MIN_BYTES).then(|| {
        let pb = indicatif::ProgressBar::with_draw_target(
            Some(total_size),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {wide_bar} {binary_bytes_per_sec} ETA {eta}",
        ) {
            pb.set_style(style);
        }
        pb
    });

    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut out_ok = true;
    // A write error other than a closed pipe makes the run a failure (status 1).
    let mut write_failed = false;
    let mut global = Agg::default();
    let mut reports: Vec<InputReport> = Vec::new();
    let start = Instant::now();
    // Once the reader of the event stream is gone (`--json | head`), only a summary written
    // to a file still needs the rest of the input; without one the run ends there.
    let summary_to_file = args
        .summary_json
        .as_deref()
        .is_some_and(|p| p.as_os_str() != "-")
        || args.html.is_some();
    for (file_index, input) in inputs.iter().enumerate() {
        let earlier_failed = reports.iter().any(|r| r.error.is_some());
        let stop = || -> ! {
            if let Some(pb) = &progress {
                pb.finish_and_clear();
            }
            std::process::exit(i32::from(earlier_failed))
        };
        let name = names[file_index].clone();
        let reader: Box<dyn Read + Send> = match input {
            None => Box::new(io::stdin()),
            Some(p) => match File::open(p) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    reports.push(InputReport::failed(name, &e));
                    continue;
                }
            },
        };
        let reader: Box<dyn Read + Send> = match &progress {
            Some(pb) if input.is_some() => Box::new(pb.wrap_read(reader)),
            _ => reader,
        };
        let lr = LogReader::new(reader, opts.clone());
        let result = if args.threads == 1 {
            let mut chunk = Agg::default();
            let r = lr.for_each_event(|ev| {
                chunk.add(&ctx, file_index, ev);
                if args.json && out_ok {
                    match write_events(&mut out, &chunk.json) {
                        Written::Open => {}
                        Written::Closed if !summary_to_file => stop(),
                        Written::Closed => out_ok = false,
                        Written::Failed => (out_ok, write_failed) = (false, true),
                    }
                }
                chunk.json.clear();
            });
            global.merge(chunk);
            r
        } else {
            let fold = |a: &mut Agg, ev: &DeliveryEvent<'_>| a.add(&ctx, file_index, ev);
            lr.par_fold(Agg::default, fold, |_, mut chunk| {
                if args.json && out_ok {
                    match write_events(&mut out, &chunk.json) {
                        Written::Open => {}
                        Written::Closed if !summary_to_file => stop(),
                        Written::Closed => out_ok = false,
                        Written::Failed => (out_ok, write_failed) = (false, true),
                    }
                }
                chunk.json = Vec::new();
                global.merge(chunk);
                have_example.store(global.example_mask(), Ordering::Relaxed);
            })
            .map(|(stats, _)| stats)
        };
        match result {
            Ok(stats) => reports.push(InputReport {
                name,
                stats,
                error: None,
            }),
            Err(e) => reports.push(InputReport::failed(name, &e)),
        }
    }
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    let dns = if args.check_dns {
        Some(dns::run(&global, args.ip, &args.nameserver))
    } else {
        None
    };
    let report = Report {
        agg: global,
        inputs: reports,
        seconds,
        dns,
        filtered: filter.active(),
        top: args.top.max(1),
    };
    let mut failed = write_failed || report.inputs.iter().any(|i| i.error.is_some());

    if let Some(path) = &args.summary_json {
        let doc = summary::to_json(&report);
        let r = if path.as_os_str() == "-" {
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(io::Error::other)
                .and_then(|()| out.write_all(b"\n"))
        } else {
            write_file(path, |w| {
                serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
                w.write_all(b"\n")
            })
        };
        if let Err(e) = r {
            eprintln!("maildiag scan: {}: {e}", path.display());
            failed = true;
        }
    }
    if let Some(path) = &args.html
        && let Err(e) = write_file(path, |w| html::write(w, &report))
    {
        eprintln!("maildiag scan: {}: {e}", path.display());
        failed = true;
    }
    let to_stdout = args
        .summary_json
        .as_deref()
        .is_some_and(|p| p.as_os_str() == "-");
    if !args.json && !to_stdout && out_ok {
        let colour = super::util::use_colour();
        let r = summary::write_human(&mut out, &report, colour);
        if super::util::ok_or_broken_pipe(r).is_err() {
            failed = true;
        }
    }
    if super::util::ok_or_broken_pipe(out.flush()).is_err() {
        failed = true;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What became of a write to the event stream.
enum Written {
    /// Written; the stream is still open.
    Open,
    /// The reader has gone (a closed pipe).
    Closed,
    /// Another write error (reported on stderr).
    Failed,
}

/// Writes `buf` to the event stream.
fn write_events(out: &mut impl Write, buf: &[u8]) -> Written {
    if buf.is_empty() {
        return Written::Open;
    }
    match out.write_all(buf) {
        Ok(()) => Written::Open,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Written::Closed,
        Err(e) => {
            eprintln!("maildiag scan: writing events: {e}");
            Written::Failed
        }
    }
}

/// Creates `path` and writes it through a buffer.
fn write_file(
    path: &std::path::Path,
    f: impl FnOnce(&mut io::BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = io::BufWriter::new(File::create(path)?);
    f(&mut w)?;
    w.flush()
}
