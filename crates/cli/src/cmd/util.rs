//! Small helpers shared by the subcommands.

use std::io::{self, BufRead, Write};

/// Whether colour output is wanted on stdout: a terminal and `NO_COLOR` unset or empty.
pub fn use_colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
}

/// Calls `f` for each input: the given texts, or each stdin line when `texts` is empty or `-`.
pub fn for_each_input(
    texts: &[String],
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    if texts.is_empty() || (texts.len() == 1 && texts[0] == "-") {
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if lock.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            f(&buf)?;
        }
        Ok(())
    } else {
        texts.iter().try_for_each(|t| f(t.as_bytes()))
    }
}

/// The size at which [`for_each_paragraph`] hands on a paragraph even without a blank line
/// (a long run of lines comes in pieces of about this size; memory stays bounded by it
/// and the longest line).
pub const MAX_PARAGRAPH: usize = 1 << 20;

/// Calls `f` with each paragraph of `input` (its lines up to a blank line, joined with
/// `\n`, without the `\r` of CRLF input): a pasted bounce or multi-line reply is one
/// input.
pub fn for_each_paragraph(
    mut input: impl BufRead,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let (mut para, mut line) = (Vec::new(), Vec::new());
    loop {
        line.clear();
        let eof = input.read_until(b'\n', &mut line)? == 0;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if !blank {
            if !para.is_empty() {
                para.push(b'\n');
            }
            para.extend_from_slice(&line);
        }
        if (eof || blank || para.len() >= MAX_PARAGRAPH) && !para.is_empty() {
            f(&para)?;
            para.clear();
        }
        if eof {
            return Ok(());
        }
    }
}

/// Writes a line to stdout, treating a closed pipe as success (so `| head` is quiet).
pub fn ok_or_broken_pipe(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Flushes stdout, ignoring a closed pipe.
pub fn flush() -> io::Result<()> {
    ok_or_broken_pipe(io::stdout().flush())
}

/// The resolver configuration for `--nameserver IP:PORT` flags: those servers only, or the
/// system's resolvers when none is given.
pub fn dns_config(nameservers: &[String]) -> Result<maildiag_dnsauth::dns::DnsConfig, String> {
    use maildiag_dnsauth::dns::DnsConfig;
    if nameservers.is_empty() {
        return DnsConfig::from_system().map_err(|e| e.to_string());
    }
    let addrs = nameservers
        .iter()
        .map(|s| {
            s.parse::<std::net::SocketAddr>()
                .map_err(|e| format!("--nameserver {s}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DnsConfig::with_nameservers(addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs() {
        let collect = |input: &[u8]| {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for_each_paragraph(input, |p| {
                out.push(p.to_vec());
                Ok(())
            })
            .expect("reads");
            out
        };
        assert_eq!(
            collect(b"a\r\nb\r\n\r\n \t\n\nc\nd"),
            [b"a\nb".to_vec(), b"c\nd".to_vec()]
        );
        assert!(collect(b"").is_empty());
        assert!(collect(b"\n\n  \n").is_empty());
        // A run of lines longer than the cap comes in pieces of the cap.
        let long = vec![b'x'; MAX_PARAGRAPH / 2];
        let mut input = Vec::new();
        for _ in 0..3 {
            input.extend_from_slice(&long);
            input.push(b'\n');
        }
        let pieces = collect(&input);
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().all(|p| p.len() <= MAX_PARAGRAPH + 1));
    }
}
