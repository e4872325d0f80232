//! Replays every input the `logs_line` fuzz target ever failed on (`tests/fuzz_regressions/`)
//! through the same harness, on stable Rust.
//!
//! * `logs_line-exim-empty-c.bin` — a panic ("slice index starts at 163 but ends at 162")
//!   in the Exim parser, present before the performance work too: a delivery line whose
//!   `C=` value is a lone `"` made the reply range end before it started (the opening
//!   quote was taken for the closing one). Now an empty range, i.e. no reply; the reply
//!   fast path also refuses an inverted range.
//! * `logs_line-leak-thread-exit-race.bin` — LeakSanitizer reported 32 bytes from
//!   `__cxa_thread_atexit_impl`: `par_fold`'s worker threads were joined only by
//!   `std::thread::scope`'s implicit join, which returns when the closures have finished
//!   but before the threads have run their thread-local destructors, so the leak check
//!   that follows an input could see a destructor record not yet freed. The workers are
//!   now joined explicitly (`pthread_join`). Not a memory-safety problem and not
//!   reproducible without the sanitizer; the replay checks that the input still reads
//!   without a panic and with parallel == sequential.
//! * `logs_line-host-said-without-a-host.bin` — a panic ("slice index starts at 5 but ends
//!   at 4") in the Postfix reply fast path, found in session 10 by the `classify` target
//!   (which reads log lines through this crate) and present since the fast path was
//!   written: `status=deferred (host said: 421 ...)` names no host, so ` said: ` starts
//!   inside `host `. The fast path now leaves such a reply to `extract_best`.

use std::path::Path;

#[test]
fn replay_fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("the regression directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "bin") {
            let data = std::fs::read(&path).expect("a regression input");
            maildiag_logs::fuzz::line(&data);
            n += 1;
        }
    }
    assert!(n > 0, "no inputs in {}", dir.display());
}
