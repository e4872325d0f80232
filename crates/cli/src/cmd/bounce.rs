//! `maildiag bounce [--json] FILE|DIR ...`: read bounce emails (`.eml` files, mbox files,
//! Maildir folders) and print one line or JSON object per recipient.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use maildiag_bounce::{Bounce, BounceRecipient};

use super::util::ok_or_broken_pipe;

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

/// A file to read, or a problem met while walking the paths, in walk order.
enum Entry {
    File(PathBuf),
    Error(String),
}

/// Lists the files to read under `path` (sorted, recursively), with the directories that
/// cannot be read.
fn walk(path: &Path, out: &mut Vec<Entry>) {
    if path.is_dir() {
        let Ok(rd) = std::fs::read_dir(path) else {
            out.push(Entry::Error(format!(
                "{}: cannot read directory",
                path.display()
            )));
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
                walk(&p, out);
            } else if maildir_box || p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml")) {
                out.push(Entry::File(p));
            }
        }
    } else {
        out.push(Entry::File(path.to_path_buf()));
    }
}

/// The emails of one file: the messages of an mbox, or the file itself.
fn inputs_of(path: &Path, raw: Vec<u8>) -> Vec<Input> {
    let file = path.display().to_string();
    if raw.starts_with(b"From ") && is_mbox(&raw) {
        split_mbox(&raw)
            .into_iter()
            .enumerate()
            .map(|(i, m)| Input {
                file: file.clone(),
                message: Some(i + 1),
                raw: m,
            })
            .collect()
    } else {
        vec![Input {
            file,
            message: None,
            raw,
        }]
    }
}

fn is_mbox(raw: &[u8]) -> bool {
    // An mbox starts with a "From " separator line that is not a header ("From:").
    let first = raw.split(|&c| c == b'\n').next().unwrap_or(b"");
    first.starts_with(b"From ") && !first.contains(&b':')
        || raw.windows(7).any(|w| w == b"\n\nFrom ")
}

/// `true` for a line shaped like an mbox separator: `From SENDER DATE` with an asctime
/// date (`Thu Jan  1 00:00:00 2026`, more words may follow).
fn looks_like_separator(line: &[u8]) -> bool {
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let mut w = rest
        .split(|c| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .skip(1);
    let (Some(day), Some(month), Some(date), Some(time), Some(year)) =
        (w.next(), w.next(), w.next(), w.next(), w.next())
    else {
        return false;
    };
    DAYS.contains(&day)
        && MONTHS.contains(&month)
        && (1..=2).contains(&date.len())
        && date.iter().all(u8::is_ascii_digit)
        && time.contains(&b':')
        && time.iter().all(|c| c.is_ascii_digit() || *c == b':')
        && year.len() == 4
        && year.iter().all(u8::is_ascii_digit)
}

/// Splits an mbox at "From " lines that follow a blank line (or start the file), or that
/// have a separator's shape (a message written without its closing blank line), and
/// un-escapes `>From ` lines (mboxrd: one `>` fewer).
fn split_mbox(raw: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut prev_blank = true;
    for line in raw.split_inclusive(|&c| c == b'\n') {
        if line.starts_with(b"From ") && (prev_blank || looks_like_separator(line)) {
            if let Some(m) = cur.take() {
                out.push(m);
            }
            cur = Some(Vec::new());
            prev_blank = false;
            continue;
        }
        let body = cur.get_or_insert_with(Vec::new);
        let quotes = line.iter().take_while(|&&c| c == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
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

/// A scalar value of an output field.
enum Val<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    Num(Option<u64>),
    Bool(bool),
    Source(maildiag_bounce::StatusSource),
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing JSON into a Vec cannot fail for these types (string keys, no maps with
    // non-string keys).
    let _ = serde_json::to_writer(&mut *out, v);
}

fn write_val(out: &mut Vec<u8>, v: &Val<'_>) {
    match v {
        Val::Str(s) => write_json(out, s),
        Val::OptStr(s) => write_json(out, s),
        Val::Num(n) => write_json(out, n),
        Val::Bool(b) => write_json(out, b),
        Val::Source(s) => write_json(out, s),
    }
}

/// Writes one recipient as a JSON object line: the recipient's fields and the
/// classifier's `Diagnosis` fields under their own names, keys in sorted order (as the
/// `serde_json::Value` map the output was first built with), without building a
/// `Value` for the recipient's fields.
fn write_recipient_json(
    out: &mut Vec<u8>,
    input: &Input,
    index: usize,
    b: &Bounce,
    r: &BounceRecipient,
) {
    let d = maildiag::classify_bounce(r);
    let status = r.status.map(|s| s.to_string());
    let o = &r.original;
    // Sorted by key (checked by a test).
    let ours: [(&str, Val<'_>); 25] = [
        ("action", Val::Str(r.action.as_str())),
        ("arrival_date", Val::OptStr(r.arrival_date.as_deref())),
        ("command", Val::OptStr(r.command.map(|c| c.as_str()))),
        ("diagnostic", Val::Str(&r.diagnostic)),
        ("diagnostic_type", Val::OptStr(r.diagnostic_type.as_deref())),
        ("feedback_type", Val::OptStr(r.feedback_type.as_deref())),
        ("file", Val::Str(&input.file)),
        ("format", Val::Str(r.format)),
        ("index", Val::Num(Some(index as u64))),
        ("is_bounce", Val::Bool(b.is_bounce())),
        ("kind", Val::Str(b.kind.as_str())),
        (
            "last_attempt_date",
            Val::OptStr(r.last_attempt_date.as_deref()),
        ),
        ("message", Val::Num(input.message.map(|m| m as u64))),
        ("original_date", Val::OptStr(o.date.as_deref())),
        ("original_from", Val::OptStr(o.from.as_deref())),
        ("original_message_id", Val::OptStr(o.message_id.as_deref())),
        ("original_subject", Val::OptStr(o.subject.as_deref())),
        ("original_to", Val::OptStr(o.to.as_deref())),
        ("recipient", Val::Str(&r.recipient)),
        ("remote_mta", Val::OptStr(r.remote_mta.as_deref())),
        (
            "reply_code",
            Val::Num(r.reply_code.map(|c| u64::from(c.get()))),
        ),
        ("report_date", Val::OptStr(r.report_date.as_deref())),
        ("reporting_mta", Val::OptStr(r.reporting_mta.as_deref())),
        ("status", Val::OptStr(status.as_deref())),
        ("status_source", Val::Source(r.status_source)),
    ];
    // The classifier's fields (a sorted map); they win over ours on a shared name.
    let mut diag = match serde_json::to_value(&d) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    };
    if let Some(map) = &mut diag {
        for k in ["basic", "enhanced", "command", "text"] {
            map.remove(k);
        }
        map.insert("verdict".into(), d.verdict().into());
    }
    let empty = serde_json::Map::new();
    let mut theirs = diag.as_ref().unwrap_or(&empty).iter().peekable();
    let mut mine = ours.iter().peekable();
    out.push(b'{');
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: &str| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_json(out, k);
        out.push(b':');
    };
    loop {
        match (mine.peek(), theirs.peek()) {
            (Some((mk, mv)), Some((tk, tv))) => {
                if *mk < tk.as_str() {
                    key(out, mk);
                    write_val(out, mv);
                    mine.next();
                } else {
                    if *mk == tk.as_str() {
                        mine.next();
                    }
                    key(out, tk);
                    write_json(out, tv);
                    theirs.next();
                }
            }
            (Some((mk, mv)), None) => {
                key(out, mk);
                write_val(out, mv);
                mine.next();
            }
            (None, Some((tk, tv))) => {
                key(out, tk);
                write_json(out, tv);
                theirs.next();
            }
            (None, None) => break,
        }
    }
    out.extend_from_slice(b"}\n");
}

/// A field for the text output: tabs and line breaks turned into spaces.
fn text_field(out: &mut Vec<u8>, s: &str) {
    for (i, part) in s.split(['\t', '\n']).enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(part.as_bytes());
    }
}

/// Writes one recipient as a tab-separated line (the fields of [`text_line`]).
fn write_recipient_text(out: &mut Vec<u8>, input: &Input, index: usize, r: &BounceRecipient) {
    let opt = |out: &mut Vec<u8>, s: Option<&str>| match s {
        Some(s) => text_field(out, s),
        None => out.push(b'-'),
    };
    text_field(out, &input.file);
    if let Some(m) = input.message {
        let _ = write!(out, "#{m}");
    }
    let _ = write!(out, "\t{index}\t");
    text_field(out, &r.recipient);
    out.push(b'\t');
    text_field(out, r.action.as_str());
    out.push(b'\t');
    opt(out, r.status.map(|s| s.to_string()).as_deref());
    out.push(b'\t');
    match r.reply_code {
        Some(c) => {
            let _ = write!(out, "{}", c.get());
        }
        None => out.push(b'-'),
    }
    out.push(b'\t');
    text_field(out, r.format);
    out.push(b'\t');
    opt(out, r.remote_mta.as_deref());
    out.push(b'\t');
    text_field(out, &r.diagnostic);
    out.push(b'\n');
}

/// What one file gave: its output lines, or why it could not be read, and the emails in
/// it that could not be parsed.
#[derive(Default)]
struct FileResult {
    text: Vec<u8>,
    read_error: Option<String>,
    parse_errors: Vec<String>,
}

/// Reads one file and renders the lines of every recipient of every email in it.
fn process(path: &Path, json: bool) -> FileResult {
    let mut res = FileResult::default();
    let raw = match std::fs::read(path) {
        Ok(r) => r,
        Err(e) => {
            res.read_error = Some(format!("{}: {e}", path.display()));
            return res;
        }
    };
    for input in inputs_of(path, raw) {
        match maildiag_bounce::parse(&input.raw) {
            Ok(b) if b.is_bounce() => {
                for (i, r) in b.recipients.iter().enumerate() {
                    if json {
                        write_recipient_json(&mut res.text, &input, i + 1, &b, r);
                    } else {
                        write_recipient_text(&mut res.text, &input, i + 1, r);
                    }
                }
            }
            Ok(b) => {
                let v = not_bounce_json(&input, &b);
                if json {
                    write_json(&mut res.text, &v);
                } else {
                    res.text.extend_from_slice(text_line(&v).as_bytes());
                }
                res.text.push(b'\n');
            }
            Err(e) => {
                let name = match input.message {
                    Some(m) => format!("{}#{m}", input.file),
                    None => input.file.clone(),
                };
                res.parse_errors.push(format!("{name}: {e}"));
            }
        }
    }
    res
}

/// Files handed to the workers at a time; their output is written in order after each
/// batch, so memory stays bounded however many files there are.
const BATCH: usize = 512;

/// Reads the files of `batch` on `threads` threads; the results in `batch` order.
fn process_batch(batch: &[&Path], json: bool, threads: usize) -> Vec<FileResult> {
    if threads <= 1 || batch.len() <= 1 {
        return batch.iter().map(|p| process(p, json)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(p) = batch.get(i) else { break };
            done.push((i, process(p, json)));
        }
        done
    };
    let mut slots: Vec<Option<FileResult>> =
        std::iter::repeat_with(|| None).take(batch.len()).collect();
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            match h.join() {
                Ok(d) => all.extend(d),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in all {
            slots[i] = Some(r);
        }
    });
    slots.into_iter().map(Option::unwrap_or_default).collect()
}

/// Runs the subcommand: exit status 0 when every email was read, 1 otherwise.
pub fn run(args: Args) -> ExitCode {
    // The classifier builds its pattern tables on first use: do that while the
    // directories are walked.
    let warm = args.json.then(|| {
        std::thread::spawn(|| {
            let mut r = BounceRecipient::new("user@example.invalid", "generic");
            r.diagnostic = "550 5.1.1 <user@example.invalid>: Recipient address rejected".into();
            maildiag::classify_bounce(&r)
        })
    });
    let mut entries = Vec::new();
    for p in &args.paths {
        walk(p, &mut entries);
    }
    let files: Vec<&Path> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::File(p) => Some(p.as_path()),
            Entry::Error(_) => None,
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut results: Vec<FileResult> = Vec::with_capacity(files.len());
    // Once the reader has gone (`| head`), the files not read yet are left alone; the
    // problems of those read are still reported below.
    let mut closed = false;
    for batch in files.chunks(BATCH) {
        let done = process_batch(batch, args.json, threads);
        for r in &done {
            match out.write_all(&r.text) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    closed = true;
                    break;
                }
                Err(e) => {
                    eprintln!("maildiag bounce: writing: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        // Keep the errors only.
        results.extend(done.into_iter().map(|r| FileResult {
            text: Vec::new(),
            ..r
        }));
        if closed {
            break;
        }
    }
    if !closed && ok_or_broken_pipe(out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);
    if let Some(w) = warm {
        let _ = w.join();
    }
    // Walking and reading problems first, in walk order, then the emails that could not
    // be parsed.
    let mut errors = Vec::new();
    let mut files_done = results.iter();
    for e in &entries {
        match e {
            Entry::Error(msg) => errors.push(msg.clone()),
            Entry::File(_) => {
                if let Some(msg) = files_done.next().and_then(|r| r.read_error.clone()) {
                    errors.push(msg);
                }
            }
        }
    }
    errors.extend(results.iter().flat_map(|r| r.parse_errors.iter().cloned()));
    for e in &errors {
        eprintln!("maildiag bounce: {e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_separators() {
        let raw = b"From a@example.org Thu Jan  1 00:00:00 2026\nSubject: one\n\nbody\nFrom here on, body.\n>From quoted\n>>From twice\nlast line without blank\nFrom MAILER-DAEMON Fri Feb 13 23:31:30 2009 +0000\nSubject: two\n\nbody\n\nFrom b@example.org Sat Mar  7 01:02:03 2026\nSubject: three\n";
        let m = split_mbox(raw);
        assert_eq!(m.len(), 3);
        assert_eq!(
            m[0],
            b"Subject: one\n\nbody\nFrom here on, body.\nFrom quoted\n>From twice\nlast line without blank\n"
        );
        assert!(m[1].starts_with(b"Subject: two"));
        assert!(m[2].starts_with(b"Subject: three"));
        assert!(looks_like_separator(b"From x@y Mon Dec 31 23:59 1999\n"));
        assert!(!looks_like_separator(b"From here on, body.\n"));
        assert!(!looks_like_separator(b"From x@y Mon Dec 31 1999\n"));
    }

    /// The first implementation of the JSON output: a `serde_json::Value` per recipient.
    /// The streaming writer must give the same bytes.
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

    fn golden_inputs() -> Vec<Input> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bounce/tests/golden");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("golden dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        let mut inputs = Vec::new();
        for p in paths {
            let raw = std::fs::read(&p).expect("read");
            inputs.extend(inputs_of(&p, raw));
        }
        // An mbox message, so `message` is set in some lines.
        inputs.push(Input {
            file: "box\twith tab.mbox".into(),
            message: Some(3),
            raw: inputs[0].raw.clone(),
        });
        assert!(inputs.len() >= 30, "golden emails not found");
        inputs
    }

    #[test]
    fn streaming_output_matches_value_output() {
        let mut lines = 0;
        for input in golden_inputs() {
            let b = maildiag_bounce::parse(&input.raw).expect("golden email parses");
            if !b.is_bounce() {
                // Written by `not_bounce_json`, unchanged.
                continue;
            }
            for (i, r) in b.recipients.iter().enumerate() {
                let v = recipient_json(&input, i + 1, &b, r);
                let mut got = Vec::new();
                write_recipient_json(&mut got, &input, i + 1, &b, r);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    format!("{v}\n"),
                    "{}",
                    input.file
                );
                let mut got = Vec::new();
                write_recipient_text(&mut got, &input, i + 1, r);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    format!("{}\n", text_line(&v)),
                    "{}",
                    input.file
                );
                lines += 1;
            }
        }
        assert!(lines >= 30);
    }
}
