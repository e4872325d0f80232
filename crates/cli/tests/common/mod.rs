//! What several of the CLI's integration tests share.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, Write};
use std::process::{Command, Output, Stdio};

/// A run of `maildiag ARGS` whose reader stops after the first line (`| head -1`).
pub struct ClosedEarly {
    /// The one line read.
    pub first: String,
    /// The finished run (its standard output was closed after `first`).
    pub out: Output,
    /// How many copies of the input were written to its standard input before it stopped
    /// reading.
    pub written: usize,
}

/// Runs `maildiag ARGS` (colour off), writing `input` to its standard input `copies`
/// times from a thread (nothing when `copies` is 0), reads one line of its output, closes
/// the pipe and waits.
pub fn first_line_then_close<S: AsRef<OsStr>>(
    args: &[S],
    input: &[u8],
    copies: usize,
) -> ClosedEarly {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maildiag"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if copies > 0 {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let writer = child.stdin.take().map(|mut stdin| {
        let data = input.to_vec();
        std::thread::spawn(move || {
            (0..copies)
                .take_while(|_| stdin.write_all(&data).is_ok())
                .count()
        })
    });
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    // The reader (and with it the pipe) is gone here.
    let out = child.wait_with_output().expect("wait");
    let written = writer.map_or(0, |w| w.join().expect("writer"));
    ClosedEarly {
        first,
        out,
        written,
    }
}
