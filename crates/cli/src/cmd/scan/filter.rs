//! `--since/--until/--domain/--category/--sender`.

use maildiag::Category;
use maildiag_logs::{DeliveryEvent, Outcome};

/// Which events a scan keeps.
#[derive(Debug, Default)]
pub struct Filter {
    /// Unix seconds (log clock), inclusive.
    since: Option<i64>,
    /// Unix seconds (log clock), exclusive.
    until: Option<i64>,
    /// Lower-case recipient domains (subdomains match too).
    domains: Vec<String>,
    /// Bit `c as usize` set for each wanted category; 0 keeps all.
    categories: u64,
    /// Lower-case sender addresses (with `@`) or domains.
    senders: Vec<String>,
}

impl Filter {
    /// Parses the options; the error is a usage message.
    pub fn new(
        since: Option<&str>,
        until: Option<&str>,
        domains: &[String],
        categories: &[String],
        senders: &[String],
    ) -> Result<Filter, String> {
        let since = since
            .map(|s| {
                parse_time(s, false)
                    .ok_or_else(|| format!("--since {s:?}: expected RFC 3339 or YYYY-MM-DD"))
            })
            .transpose()?;
        let until = until
            .map(|s| {
                parse_time(s, true)
                    .ok_or_else(|| format!("--until {s:?}: expected RFC 3339 or YYYY-MM-DD"))
            })
            .transpose()?;
        let mut mask = 0u64;
        for c in categories {
            let cat: Category = c.trim().parse().map_err(|_| {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "--category {c:?}: unknown category (one of {})",
                    names.join(", ")
                )
            })?;
            mask |= 1 << (cat as usize);
        }
        let norm = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect()
        };
        Ok(Filter {
            since,
            until,
            domains: norm(domains),
            categories: mask,
            senders: norm(senders),
        })
    }

    /// Whether any filter is set.
    pub fn active(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || !self.domains.is_empty()
            || self.categories != 0
            || !self.senders.is_empty()
    }

    /// Whether the event passes the filters that need no classification.
    pub fn event(&self, ev: &DeliveryEvent<'_>) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = ev.timestamp.map(|t| t.unix) else {
                return false;
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        if !self.domains.is_empty() {
            let Some(d) = ev.recipient_domain.as_deref() else {
                return false;
            };
            if !self.domains.iter().any(|want| domain_matches(d, want)) {
                return false;
            }
        }
        if !self.senders.is_empty() {
            let Some(s) = ev.sender.as_deref() else {
                return false;
            };
            let ok = self.senders.iter().any(|want| {
                if want.contains('@') {
                    s.eq_ignore_ascii_case(want)
                } else {
                    s.rsplit_once('@')
                        .is_some_and(|(_, d)| domain_matches(d, want))
                }
            });
            if !ok {
                return false;
            }
        }
        true
    }

    /// Whether an event of `outcome` classified as `category` passes `--category`
    /// (delivered events never do when categories are asked for).
    pub fn category(&self, outcome: Outcome, category: Category) -> bool {
        self.categories == 0
            || (outcome != Outcome::Delivered && self.categories & (1 << (category as usize)) != 0)
    }
}

/// `d` equals `want` or is a subdomain of it (ASCII case-insensitive).
fn domain_matches(d: &str, want: &str) -> bool {
    let d = d.trim_end_matches('.');
    if d.len() == want.len() {
        return d.eq_ignore_ascii_case(want);
    }
    d.len() > want.len()
        && d.as_bytes()[d.len() - want.len() - 1] == b'.'
        && d[d.len() - want.len()..].eq_ignore_ascii_case(want)
}

/// Unix seconds for `YYYY-MM-DD` or RFC 3339 (`T` or space, seconds and fraction
/// optional, `Z` or `±HH:MM` optional; without an offset the time is taken in the log's
/// clock). A bare date with `end_of_day` gives the start of the next day.
pub fn parse_time(s: &str, end_of_day: bool) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if b.len() == 10 {
        return Some((days + i64::from(end_of_day)) * 86_400);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let mut pos = 16;
    let mut sec = 0;
    if b.get(pos) == Some(&b':') {
        sec = num(pos + 1..pos + 3)?;
        pos += 3;
        if b.get(pos) == Some(&b'.') {
            pos += 1;
            while b.get(pos).is_some_and(u8::is_ascii_digit) {
                pos += 1;
            }
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let local = days * 86_400 + h * 3600 + mi * 60 + sec;
    let offset = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') if pos + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == pos + 6 && b[pos + 3] == b':' => {
            let o = num(pos + 1..pos + 3)? * 3600 + num(pos + 4..pos + 6)? * 60;
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    Some(local - offset)
}

/// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01", false), Some(0));
        assert_eq!(parse_time("1970-01-01", true), Some(86_400));
        assert_eq!(
            parse_time("2024-02-10T06:00:00Z", false),
            Some(1_707_544_800)
        );
        assert_eq!(
            parse_time("2024-02-10 07:00:00+01:00", false),
            Some(1_707_544_800)
        );
        assert_eq!(parse_time("2024-02-10T06:00", false), Some(1_707_544_800));
        assert_eq!(
            parse_time("2024-02-10T06:00:00.5Z", false),
            Some(1_707_544_800)
        );
        assert_eq!(parse_time("2024-13-10", false), None);
        assert_eq!(parse_time("yesterday", false), None);
        assert_eq!(parse_time("2024-02-10T06:00:00+0100", false), None);
    }

    #[test]
    fn domains() {
        assert!(domain_matches("mx.Example.com", "example.com"));
        assert!(domain_matches("example.com", "example.com"));
        assert!(!domain_matches("badexample.com", "example.com"));
    }
}
