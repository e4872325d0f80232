//! nom rules for the codes themselves: RFC 5321 reply codes and RFC 3463 enhanced codes.

use maildiag_types::{Class, EnhancedCode, ReplyCode};
use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_while_m_n},
    combinator::map_opt,
    sequence::terminated,
};

/// RFC 5321 §4.2:
///
/// ```abnf
/// Reply-code = %x32-35 %x30-35 %x30-39
/// ```
pub(crate) fn reply_code(i: &[u8]) -> IResult<&[u8], ReplyCode> {
    map_opt(
        take_while_m_n(3, 3, |c: u8| c.is_ascii_digit()),
        |d: &[u8]| ReplyCode::from_digits([d[0], d[1], d[2]]),
    )
    .parse(i)
}

/// RFC 3463 §2, with the 1–3 digit limits of RFC 5248 §2.1:
///
/// ```abnf
/// status-code = class "." subject "." detail
/// class       = "2" / "4" / "5"
/// subject     = "0" / (%x31-39 0*2DIGIT)
/// detail      = "0" / (%x31-39 0*2DIGIT)
/// ```
///
/// Strict: leading zeros and over-long parts are rejected.
pub(crate) fn enhanced_code_strict(i: &[u8]) -> IResult<&[u8], EnhancedCode> {
    enhanced_code_with(i, true)
}

/// The lenient form of [`enhanced_code_strict`] used for extraction from free text:
/// leading zeros are accepted (`5.07.001` reads as `5.7.1`), the 1–3 digit bound is kept.
pub(crate) fn enhanced_code_lenient(i: &[u8]) -> IResult<&[u8], EnhancedCode> {
    enhanced_code_with(i, false)
}

fn enhanced_code_with(i: &[u8], strict: bool) -> IResult<&[u8], EnhancedCode> {
    let part = |i| take_while_m_n(1, 3, |c: u8| c.is_ascii_digit()).parse(i);
    map_opt(
        (
            terminated(
                take_while_m_n(1, 1, |c: u8| c.is_ascii_digit()),
                tag(&b"."[..]),
            ),
            terminated(part, tag(&b"."[..])),
            part,
        ),
        move |(c, s, d): (&[u8], &[u8], &[u8])| {
            let class = Class::from_digit(c[0] - b'0')?;
            let value = |p: &[u8]| -> Option<u16> {
                if strict && p.len() > 1 && p[0] == b'0' {
                    return None;
                }
                Some(p.iter().fold(0u16, |v, &c| v * 10 + u16::from(c - b'0')))
            };
            EnhancedCode::new(class, value(s)?, value(d)?)
        },
    )
    .parse(i)
    .and_then(|(rest, code)| {
        // A fourth digit or a further `.digit` means this was not a code (an IP address,
        // a version number): fail rather than take a prefix of it.
        match rest {
            [c, ..] if c.is_ascii_digit() => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Verify,
            ))),
            [b'.', c, ..] if c.is_ascii_digit() => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Verify,
            ))),
            _ => Ok((rest, code)),
        }
    })
}

/// Parses an enhanced status code at the start of `input` in the lenient extraction form,
/// returning it and the number of bytes it took.
///
/// ```
/// use maildiag_reply::parse_enhanced_lenient;
/// let (code, len) = parse_enhanced_lenient(b"5.7.515 Access denied").unwrap();
/// assert_eq!((code.to_string().as_str(), len), ("5.7.515", 7));
/// assert!(parse_enhanced_lenient(b"5.1.1.1").is_none()); // an IPv4 address
/// ```
pub fn parse_enhanced_lenient(input: &[u8]) -> Option<(EnhancedCode, usize)> {
    enhanced_code_lenient(input)
        .ok()
        .map(|(rest, c)| (c, input.len() - rest.len()))
}

/// Parses a strict RFC 3463 enhanced status code at the start of `input`, returning it
/// and the number of bytes it took.
pub fn parse_enhanced_strict(input: &[u8]) -> Option<(EnhancedCode, usize)> {
    enhanced_code_strict(input)
        .ok()
        .map(|(rest, c)| (c, input.len() - rest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            reply_code(b"450 x").map(|(r, c)| (r, c.get())),
            Ok((&b" x"[..], 450))
        );
        assert!(reply_code(b"650").is_err());
        assert!(reply_code(b"45").is_err());
        assert!(enhanced_code_strict(b"4.07.1").is_err());
        assert!(enhanced_code_lenient(b"4.07.1").is_ok());
        assert!(enhanced_code_strict(b"4.7.1000").is_err());
        assert!(enhanced_code_strict(b"4.7.1.2").is_err());
        assert!(enhanced_code_strict(b"3.7.1").is_err());
        assert_eq!(
            parse_enhanced_strict(b"5.7.750;").map(|(c, n)| (c.detail(), n)),
            Some((750, 7))
        );
        assert_eq!(
            parse_enhanced_strict(b"4.4.7."),
            parse_enhanced_strict(b"4.4.7")
        );
    }
}
