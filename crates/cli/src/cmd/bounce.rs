//! `maildiag bounce [--json] FILE|DIR ...`: read bounce emails (`.eml` files, mbox files,
//! Maildir folders) and print one line or JSON object per recipient.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use maildiag_bounce::{Bounce, BounceRecipient};

use super::util::{flush, ok_or_broken_pipe};

/// Read bounce emails and print each recipient's failure.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object per line instead of tab-separated text.
    #[arg(long)]
    pub json: bool,
    /// `.eml` files, mbox files or directories (searched recursively for `.eml` files
    /// and Maildir `cur`/`new` folders).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// One email to read: where it came from and its bytes.
struct Input {
    file: String,
    message: Option<usize>,
    raw: Vec<u8>,
}

fn collect(path: &Path, out: &mut Vec<Input>, errors: &mut Vec<String>) {
    if path.is_dir() {
        let Ok(rd) = std::fs::read_dir(path) else {
            errors.push(format!("{}: cannot read directory", path.display()));
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        let maildir_box = path.file_name().is_some_and(|n| n == "cur" || n == "new");
        for p in entries {
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "tmp") {
                    continue;
                }
                collect(&p, out, errors);
            } else if maildir_box || p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml")) {
                read_file(&p, out, errors);
            }
        }
    } else {
        read_file(path, out, errors);
    }
}

fn read_file(path: &Path, out: &mut Vec<Input>, errors: &mut Vec<String>) {
    let raw = match std::fs::read(path) {
        Ok(r) => r,
        Err(e) => {
            errors.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    let file = path.display().to_string();
    if raw.starts_with(b"From ") && is_mbox(&raw) {
        for (i, m) in split_mbox(&raw).into_iter().enumerate() {
            out.push(Input {
                file: file.clone(),
                message: Some(i + 1),
                raw: m,
            });
        }
    } else {
        out.push(Input {
            file,
            message: None,
            raw,
        });
    }
}

fn is_mbox(raw: &[u8]) -> bool {
    // An mbox starts with a "From " separator line that is not a header ("From:").
    let first = raw.split(|&c| c == b'\n').next().unwrap_or(b"");
    first.starts_with(b"From ") && !first.contains(&b':')
        || raw.windows(7).any(|w| w == b"\n\nFrom ")
}

/// Splits an mbox at "From " lines that follow a blank line (or start the file) and
/// un-escapes ">From " lines.
fn split_mbox(raw: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut prev_blank = true;
    for line in raw.split_inclusive(|&c| c == b'\n') {
        if prev_blank && line.starts_with(b"From ") {
            if let Some(m) = cur.take() {
                out.push(m);
            }
            cur = Some(Vec::new());
            prev_blank = false;
            continue;
        }
        let body = cur.get_or_insert_with(Vec::new);
        if line.starts_with(b">From ") {
            body.extend_from_slice(&line[1..]);
        } else {
            body.extend_from_slice(line);
        }
        prev_blank = line.iter().all(|c| c.is_ascii_whitespace());
    }
    if let Some(m) = cur {
        out.push(m);
    }
    out.retain(|m| !m.iter().all(u8::is_ascii_whitespace));
    out
}

fn recipient_json(
    input: &Input,
    index: usize,
    b: &Bounce,
    r: &BounceRecipient,
) -> serde_json::Value {
    let d = maildiag::classify_bounce(r);
    let mut v = serde_json::json!({
        "file": input.file,
        "message": input.message,
        "index": index,
        "is_bounce": b.is_bounce(),
        "kind": b.kind.as_str(),
        "recipient": r.recipient,
        "action": r.action.as_str(),
        "status": r.status.map(|s| s.to_string()),
        "status_source": r.status_source,
        "reply_code": r.reply_code.map(|c| c.get()),
        "diagnostic": r.diagnostic,
        "diagnostic_type": r.diagnostic_type,
        "command": r.command.map(|c| c.as_str()),
        "remote_mta": r.remote_mta,
        "reporting_mta": r.reporting_mta,
        "format": r.format,
        "report_date": r.report_date,
        "arrival_date": r.arrival_date,
        "last_attempt_date": r.last_attempt_date,
        "feedback_type": r.feedback_type,
        "original_message_id": r.original.message_id,
        "original_from": r.original.from,
        "original_to": r.original.to,
        "original_subject": r.original.subject,
        "original_date": r.original.date,
    });
    // The classifier's Diagnosis fields, under their own names.
    if let (serde_json::Value::Object(map), Ok(serde_json::Value::Object(diag))) =
        (&mut v, serde_json::to_value(&d))
    {
        for (k, val) in diag {
            if !matches!(k.as_str(), "basic" | "enhanced" | "command" | "text") {
                map.insert(k, val);
            }
        }
        map.insert("verdict".into(), d.verdict().into());
    }
    v
}

fn not_bounce_json(input: &Input, b: &Bounce) -> serde_json::Value {
    let r = b.recipients.first();
    serde_json::json!({
        "file": input.file,
        "message": input.message,
        "index": 1,
        "is_bounce": false,
        "kind": b.kind.as_str(),
        "recipient": r.map(|r| r.recipient.clone()),
        "action": r.map(|r| r.action.as_str()),
        "status": null,
        "reply_code": null,
        "diagnostic": r.map(|r| r.diagnostic.clone()),
        "remote_mta": null,
        "reporting_mta": r.and_then(|r| r.reporting_mta.clone()),
        "format": b.format,
        "feedback_type": b.feedback_type,
        "sisimai_reason": b.kind.sisimai_reason(),
        "original_message_id": b.original.message_id,
        "original_subject": b.original.subject,
    })
}

fn text_line(v: &serde_json::Value) -> String {
    let f = |k: &str| match &v[k] {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.replace(['\t', '\n'], " "),
        other => other.to_string(),
    };
    let file = match v["message"].as_u64() {
        Some(m) => format!("{}#{m}", f("file")),
        None => f("file"),
    };
    format!(
        "{file}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        f("index"),
        f("recipient"),
        if v["is_bounce"] == serde_json::Value::Bool(true) {
            f("action")
        } else {
            f("kind")
        },
        f("status"),
        f("reply_code"),
        f("format"),
        f("remote_mta"),
        f("diagnostic"),
    )
}

/// Runs the subcommand: exit status 0 when every email was read, 1 otherwise.
pub fn run(args: Args) -> ExitCode {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for p in &args.paths {
        collect(p, &mut inputs, &mut errors);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for input in &inputs {
        let values: Vec<serde_json::Value> = match maildiag_bounce::parse(&input.raw) {
            Ok(b) if b.is_bounce() => b
                .recipients
                .iter()
                .enumerate()
                .map(|(i, r)| recipient_json(input, i + 1, &b, r))
                .collect(),
            Ok(b) => vec![not_bounce_json(input, &b)],
            Err(e) => {
                let name = match input.message {
                    Some(m) => format!("{}#{m}", input.file),
                    None => input.file.clone(),
                };
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        for v in values {
            let line = if args.json {
                v.to_string()
            } else {
                text_line(&v)
            };
            if ok_or_broken_pipe(writeln!(out, "{line}")).is_err() {
                return ExitCode::FAILURE;
            }
        }
    }
    drop(out);
    let _ = flush();
    for e in &errors {
        eprintln!("maildiag bounce: {e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
