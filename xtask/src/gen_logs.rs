//! `cargo xtask gen-logs --format postfix|exim|sendmail|pmta|kumo --size 1G --seed N -o FILE [--truth FILE.json]`:
//! writes a deterministic synthetic MTA log (see `maildiag_logs::synth`) and, with
//! `--truth`, the exact counts of what it wrote.

use std::io::{BufWriter, Write};
use std::time::Instant;

use maildiag_logs::Format;
use maildiag_logs::synth::{GenOptions, generate};

/// Parses `10M`, `1G`, `512K`, `1000` (binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mul) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad size {s:?} (use e.g. 10M, 1G)"))?;
    Ok((n * mul as f64) as u64)
}

pub(crate) fn run(args: Vec<String>) -> Result<(), String> {
    let mut format = Format::Postfix;
    let mut size = 10u64 << 20;
    let mut seed = 1u64;
    let mut out: Option<String> = None;
    let mut truth: Option<String> = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--format" => {
                format = val()?.parse().map_err(|e| format!("{e}"))?;
                if matches!(
                    format,
                    Format::Exchange
                        | Format::Opensmtpd
                        | Format::Qmail
                        | Format::Zonemta
                        | Format::Generic
                ) {
                    return Err("gen-logs writes postfix, exim, sendmail, pmta or kumo".into());
                }
            }
            "--size" => size = parse_size(&val()?)?,
            "--seed" => seed = val()?.parse().map_err(|_| "bad --seed".to_owned())?,
            "-o" | "--output" => out = Some(val()?),
            "--truth" => truth = Some(val()?),
            "-h" | "--help" => {
                eprintln!(
                    "usage: cargo xtask gen-logs --format postfix|exim|sendmail|pmta|kumo --size 1G --seed N -o FILE [--truth FILE.json]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let out = out.ok_or("-o FILE is required")?;
    let file = std::fs::File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    let start = Instant::now();
    let t = generate(
        &GenOptions::new(format, size, seed),
        BufWriter::with_capacity(4 << 20, file),
    )
    .map_err(|e| format!("{out}: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "gen-logs: wrote {} lines, {} bytes, {} events to {out} in {secs:.2} s ({:.0} MB/s)",
        t.lines,
        t.bytes,
        t.events,
        t.bytes as f64 / secs / 1e6
    );
    if let Some(tp) = truth {
        let mut f = std::fs::File::create(&tp).map_err(|e| format!("{tp}: {e}"))?;
        let doc = serde_json::to_string_pretty(&t.to_json()).map_err(|e| e.to_string())?;
        f.write_all(doc.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .map_err(|e| format!("{tp}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("10M"), Ok(10 << 20));
        assert_eq!(super::parse_size("1G"), Ok(1 << 30));
        assert_eq!(super::parse_size("1000"), Ok(1000));
        assert!(super::parse_size("x").is_err());
    }
}
