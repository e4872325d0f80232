//! Property tests: round trips, chunking independence, and no panics on arbitrary bytes.

use std::borrow::Cow;

use maildiag_reply::{
    Class, EnhancedCode, Reply, ReplyCode, ReplyParser, ReplyReader, extract, fuzz,
    parse_delivery_status, parse_reply,
};
use proptest::prelude::*;

fn reply_code() -> impl Strategy<Value = ReplyCode> {
    (2u16..=5, 0u16..=5, 0u16..=9)
        .prop_map(|(a, b, c)| ReplyCode::new(a * 100 + b * 10 + c).expect("valid"))
}

fn enhanced() -> impl Strategy<Value = EnhancedCode> {
    (
        prop_oneof![
            Just(Class::Success),
            Just(Class::Transient),
            Just(Class::Permanent)
        ],
        0u16..=999,
        0u16..=999,
    )
        .prop_map(|(c, s, d)| EnhancedCode::new(c, s, d).expect("in range"))
}

/// Reply text: printable, not starting with a digit (which could read as an enhanced code).
fn text_line() -> impl Strategy<Value = Vec<u8>> {
    "([A-Za-z<\\[(][ -~]{0,60})?".prop_map(String::into_bytes)
}

fn reply() -> impl Strategy<Value = Reply<'static>> {
    (
        reply_code(),
        proptest::option::of(enhanced()),
        proptest::collection::vec(text_line(), 1..6),
    )
        .prop_map(|(code, enhanced, lines)| Reply {
            code,
            enhanced,
            lines: lines.into_iter().map(Cow::Owned).collect(),
        })
}

fn read_chunked(
    input: &[u8],
    sizes: &[usize],
) -> Vec<Result<Reply<'static>, maildiag_reply::Error>> {
    let mut reader = ReplyReader::default();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut k = 0;
    while pos < input.len() {
        let n = sizes
            .get(k % sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .max(1);
        let end = (pos + n).min(input.len());
        reader.feed(&input[pos..end]);
        pos = end;
        k += 1;
        loop {
            match reader.next_reply() {
                Ok(Some(r)) => out.push(Ok(r)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn enhanced_display_parse_round_trip(code in enhanced()) {
        prop_assert_eq!(code.to_string().parse::<EnhancedCode>(), Ok(code));
    }

    #[test]
    fn reply_render_parse_round_trip(r in reply(), crlf in any::<bool>()) {
        let mut wire = r.render();
        if !crlf {
            wire = String::from_utf8(wire).expect("ascii").replace("\r\n", "\n").into_bytes();
        }
        let (parsed, rest) = parse_reply(&wire).expect("rendered reply parses");
        prop_assert!(rest.is_empty());
        prop_assert_eq!(parsed.into_owned(), r);
    }

    #[test]
    fn chunked_equals_whole(rs in proptest::collection::vec(reply(), 1..4), sizes in proptest::collection::vec(1usize..40, 1..8)) {
        let wire: Vec<u8> = rs.iter().flat_map(|r| r.render()).collect();
        let got = read_chunked(&wire, &sizes);
        let got: Vec<_> = got.into_iter().map(|r| r.expect("valid")).collect();
        prop_assert_eq!(got, rs);
    }

    #[test]
    fn chunked_equals_whole_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..300), sizes in proptest::collection::vec(1usize..20, 1..5)) {
        // The first reply (or error) from chunked reading equals whole parsing.
        let whole = parse_reply(&data).map(|(r, _)| r.into_owned());
        let chunked = read_chunked(&data, &sizes);
        match (whole, chunked.first()) {
            (Ok(w), Some(Ok(c))) => prop_assert_eq!(&w, c),
            (Err(e), None) => prop_assert!(e.is_incomplete() || data.is_empty()),
            (Err(_), Some(Err(_))) => {}
            (w, c) => prop_assert!(false, "whole {:?} vs chunked {:?}", w, c),
        }
    }

    #[test]
    fn no_panic_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_reply(&data);
        let _ = ReplyParser::lenient().parse(&data);
        let _ = parse_delivery_status(&data);
        fuzz::reply(&data);
        fuzz::extractor(&data);
        fuzz::dsn(&data);
    }

    #[test]
    fn extractor_finds_embedded_reply(prefix in "[a-z =]{0,30}", r in reply().prop_filter(
        "a code the extractor reads as a reply without an enhanced code: 4xx, 5xx or one SMTP uses",
        |r| r.enhanced.is_some() || r.code.get() >= 400 || [211, 214, 220, 221, 235, 250, 251, 252, 334, 354].contains(&r.code.get()),
    )) {
        // A reply after a `said:` label is found with its code and enhanced code.
        let line = format!("{prefix} said: {} {}{}", r.code, r.enhanced.map(|e| format!("{e} ")).unwrap_or_default(),
            String::from_utf8_lossy(&r.lines[0]));
        let found = extract(line.as_bytes());
        let hit = found.iter().find(|e| e.code.is_some());
        prop_assert!(hit.is_some(), "nothing found in {:?}", line);
        let hit = hit.expect("checked");
        prop_assert_eq!(hit.code, Some(r.code));
        prop_assert_eq!(hit.enhanced, r.enhanced);
    }

    #[test]
    fn extractor_skips_numbers_that_are_no_smtp_code(n in 200u16..400, prefix in "[a-z]{1,8}") {
        // A positive or intermediate number SMTP does not use is not a reply by itself.
        prop_assume!(![211, 214, 220, 221, 235, 250, 251, 252, 334, 354].contains(&n));
        let line = format!("{n} {prefix} X=TLS1.3:TLS_AES_256_GCM_SHA384:{n} CV=no");
        prop_assert!(extract(line.as_bytes()).iter().all(|e| e.code.is_none()), "{line}");
    }
}

#[test]
fn hostile_inputs_are_bounded() {
    // Ten thousand candidate codes on one line: bounded number of results, no blow-up.
    let line = "said: 550 5.1.1 x ".repeat(10_000);
    assert!(extract(line.as_bytes()).len() <= maildiag_reply::MAX_REPLIES);
    // A 10 MB line without a newline: the reply reader refuses it instead of buffering forever.
    let mut reader = ReplyReader::default();
    let big = vec![b'a'; 10 << 20];
    reader.feed(b"250-");
    reader.feed(&big);
    assert!(reader.next_reply().is_err());
    assert!(reader.buffered().is_empty());
    // Deep brackets and quotes.
    let nested = format!(
        "{}said: 450 4.7.1 {}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(extract(nested.as_bytes()).len(), 1);
}
