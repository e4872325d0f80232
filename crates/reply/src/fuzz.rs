//! Fuzz harnesses: the bodies of the `fuzz/` targets, kept here so that crashes found by
//! fuzzing replay as ordinary tests on stable Rust (`tests/fuzz_regressions.rs`).
//!
//! Each harness checks invariants beyond "does not panic".

use crate::{ReplyParser, ReplyReader, extract, parse_delivery_status, parse_reply};

/// Complete-reply parser: whole parsing equals chunked parsing, rendering re-parses to
/// the same reply.
pub fn reply(data: &[u8]) {
    let whole = parse_reply(data).map(|(r, rest)| (r.into_owned(), rest.len()));
    // Chunked: split at a data-dependent point.
    let cut = data
        .first()
        .map_or(0, |b| usize::from(*b) % (data.len() + 1));
    let mut reader = ReplyReader::default();
    reader.feed(&data[..cut]);
    let mut first = reader.next_reply();
    if matches!(first, Ok(None)) {
        reader.feed(&data[cut..]);
        first = reader.next_reply();
    }
    match (&whole, &first) {
        (Ok((w, _)), Ok(Some(c))) => assert_eq!(w, c, "chunked parse differs"),
        (Err(e), Ok(None)) => assert!(e.is_incomplete(), "reader waits but parser says {e}"),
        (Err(_), Err(_)) => {}
        (w, c) => panic!("whole {w:?} vs chunked {c:?}"),
    }
    if let Ok((r, _)) = whole {
        let rendered = r.render();
        let (again, rest) = ReplyParser::lenient()
            .parse(&rendered)
            .expect("rendered reply parses");
        assert!(rest.is_empty());
        assert_eq!(again.code, r.code);
    }
}

/// Extractor: spans lie inside the input, in order, and do not overlap.
pub fn extractor(data: &[u8]) {
    let found = extract(data);
    assert!(found.len() <= crate::MAX_REPLIES);
    let mut last_end = 0;
    for e in &found {
        assert!(
            e.span.start <= e.span.end && e.span.end <= data.len(),
            "span out of input"
        );
        assert!(e.span.start >= last_end, "overlapping spans");
        last_end = e.span.end;
        assert!(e.text.len() <= crate::MAX_TEXT);
    }
}

/// Delivery-status parser: no panic; every recipient has at least one identifying field.
pub fn dsn(data: &[u8]) {
    if let Ok(d) = parse_delivery_status(data) {
        for r in &d.recipients {
            assert!(
                r.final_recipient.is_some()
                    || r.original_recipient.is_some()
                    || r.status.is_some()
                    || r.action.is_some()
            );
        }
    }
}
