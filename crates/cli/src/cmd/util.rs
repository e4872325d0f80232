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
