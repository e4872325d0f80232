//! Timestamps as logs write them: BSD syslog (`Nov 22 10:00:01`, no year), RFC 3339
//! (`2024-11-22T10:00:01.123456+01:00`), Exim (`2024-11-22 10:00:01`), PowerMTA
//! (`2024-11-22 10:00:01-0500`) and Unix epoch seconds (KumoMTA).

use std::fmt;

/// A point in time read from a log.
///
/// `unix` counts seconds since 1970-01-01T00:00:00 of the *log's* clock: when the log
/// states a UTC offset it is applied (the value is UTC) and kept in `utc_offset`; when it
/// does not (BSD syslog, Exim), the local wall-clock time is counted as if it were UTC and
/// `utc_offset` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch (see above).
    pub unix: i64,
    /// Sub-second part in microseconds.
    pub micros: u32,
    /// The offset from UTC in minutes the log stated, if any.
    pub utc_offset: Option<i16>,
}

/// The year and month used to complete BSD syslog stamps, which have no year: a stamp
/// whose month is later than `month` is taken from the year before `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The reference year (usually the year the log was read).
    pub year: i32,
    /// The reference month, 1–12.
    pub month: u8,
}

impl Reference {
    /// The current year and month from the system clock (UTC).
    pub fn now() -> Reference {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        let (y, m, _) = civil_from_days(secs.div_euclid(86_400));
        Reference { year: y, month: m }
    }

    /// December of `year`: every BSD stamp is taken to be in `year`.
    pub const fn year(year: i32) -> Reference {
        Reference { year, month: 12 }
    }
}

impl Timestamp {
    /// The local date and time parts `(year, month, day, hour, minute, second)` of the
    /// stamp, in the offset the log stated (or the naive wall clock).
    pub fn parts(&self) -> (i32, u8, u8, u8, u8, u8) {
        let local = self.unix + i64::from(self.utc_offset.unwrap_or(0)) * 60;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let s = local.rem_euclid(86_400);
        (
            y,
            m,
            d,
            (s / 3600) as u8,
            (s / 60 % 60) as u8,
            (s % 60) as u8,
        )
    }
}

/// RFC 3339 (`2024-11-22T10:00:01Z`, `...+01:00`, `...T10:00:01` without an offset when the
/// log gave none; microseconds when non-zero).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.parts();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if self.micros != 0 {
            write!(f, ".{:06}", self.micros)?;
        }
        match self.utc_offset {
            None => Ok(()),
            Some(0) => f.write_str("Z"),
            Some(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                let o = o.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
            }
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Days since 1970-01-01 for a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date for days since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = y + i64::from(m <= 2);
    (i32::try_from(y).unwrap_or(i32::MAX), m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn month_of(b: &[u8]) -> Option<u8> {
    const M: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b: &[u8; 3] = b.try_into().ok()?;
    M.iter().position(|m| *m == b).map(|n| n as u8 + 1)
}

fn hms(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    (h < 24 && m < 60 && s <= 60).then_some((h, m, s))
}

fn make(y: i32, mo: u32, d: u32, (h, mi, s): (u32, u32, u32)) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo as u8, d as u8) * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

/// A BSD syslog stamp `Nov 22 10:00:01` (or `Nov  2 ...`) at the start of `b`: the
/// timestamp and its length (always 15).
pub(crate) fn parse_bsd(b: &[u8], r: Reference) -> Option<(Timestamp, usize)> {
    if b.len() < 15 || b[3] != b' ' || b[6] != b' ' {
        return None;
    }
    let mo = month_of(&b[0..3])?;
    let day = if b[4] == b' ' {
        digits(&b[5..6])?
    } else {
        digits(&b[4..6])?
    };
    let t = hms(&b[7..15])?;
    let year = if mo > r.month { r.year - 1 } else { r.year };
    let unix = make(year, u32::from(mo), day, t)?;
    Some((
        Timestamp {
            unix,
            micros: 0,
            utc_offset: None,
        },
        15,
    ))
}

/// `YYYY-MM-DD` then `T` or space then `HH:MM:SS`, optional fraction, optional offset
/// (`Z`, `+01:00`, `+0100`, ` +0100`, `-05`). Returns the stamp and its length.
pub(crate) fn parse_iso(b: &[u8]) -> Option<(Timestamp, usize)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    let t = hms(&b[11..19])?;
    let mut unix = make(y as i32, mo, d, t)?;
    let mut pos = 19;
    let mut micros = 0u32;
    if b.get(pos) == Some(&b'.') || b.get(pos) == Some(&b',') {
        let start = pos + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() && end - start < 9 {
            end += 1;
        }
        if end == start {
            return None;
        }
        let mut v = digits(&b[start..end])?;
        for _ in end - start..6 {
            v *= 10;
        }
        for _ in 6..end - start {
            v /= 10;
        }
        micros = v;
        pos = end;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
    }
    let mut utc_offset = None;
    let off_at = if b.get(pos) == Some(&b' ') && matches!(b.get(pos + 1), Some(b'+' | b'-')) {
        pos + 1
    } else {
        pos
    };
    match b.get(off_at) {
        Some(b'Z') => {
            utc_offset = Some(0);
            pos = off_at + 1;
        }
        Some(&sign @ (b'+' | b'-')) => {
            let rest = &b[off_at + 1..];
            let (hh, mm, len) = if rest.len() >= 5 && rest[2] == b':' {
                (digits(&rest[0..2]), digits(&rest[3..5]), 5)
            } else if rest.len() >= 4 && rest[..4].iter().all(u8::is_ascii_digit) {
                (digits(&rest[0..2]), digits(&rest[2..4]), 4)
            } else if rest.len() >= 2 && rest[..2].iter().all(u8::is_ascii_digit) {
                (digits(&rest[0..2]), Some(0), 2)
            } else {
                (None, None, 0)
            };
            if let (Some(hh), Some(mm)) = (hh, mm)
                && hh < 24
                && mm < 60
            {
                let o = (hh * 60 + mm) as i16;
                let o = if sign == b'-' { -o } else { o };
                unix -= i64::from(o) * 60;
                utc_offset = Some(o);
                pos = off_at + 1 + len;
            }
        }
        _ => {}
    }
    Some((
        Timestamp {
            unix,
            micros,
            utc_offset,
        },
        pos,
    ))
}

/// Unix epoch seconds, possibly fractional (`1732269601.123`).
pub(crate) fn parse_epoch(b: &[u8]) -> Option<Timestamp> {
    let v = crate::event::parse_f64(b)?;
    if !(0.0..1e12).contains(&v) {
        return None;
    }
    let unix = v.trunc() as i64;
    let micros = ((v - v.trunc()) * 1e6).round().min(999_999.0) as u32;
    Some(Timestamp {
        unix,
        micros,
        utc_offset: Some(0),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-1000i64, 0, 1, 59, 365, 10_000, 19_000, 20_000, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn stamps() {
        let r = Reference {
            year: 2024,
            month: 6,
        };
        let (t, n) = parse_bsd(b"Nov 22 10:00:01 mx", r).unwrap();
        assert_eq!(n, 15);
        assert_eq!(t.to_string(), "2023-11-22T10:00:01");
        let (t, _) = parse_bsd(b"Jun  2 10:00:01 mx", r).unwrap();
        assert_eq!(t.to_string(), "2024-06-02T10:00:01");
        let (t, n) = parse_iso(b"2024-11-22T10:00:01.123456+01:00 mx").unwrap();
        assert_eq!(n, 32);
        assert_eq!(t.to_string(), "2024-11-22T10:00:01.123456+01:00");
        assert_eq!(t.unix, 1_732_266_001);
        let (t, _) = parse_iso(b"2024-11-22 10:00:01-0500,").unwrap();
        assert_eq!(t.to_string(), "2024-11-22T10:00:01-05:00");
        let (t, n) = parse_iso(b"2024-11-22 10:00:01 1abc").unwrap();
        assert_eq!((t.utc_offset, n), (None, 19));
        assert!(parse_bsd(b"Foo 22 10:00:01 mx", r).is_none());
        assert!(parse_iso(b"2024-13-22 10:00:01").is_none());
        assert_eq!(parse_epoch(b"1732269601").unwrap().unix, 1_732_269_601);
    }
}
