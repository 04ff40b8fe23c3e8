//! The MANRS reporting period: a calendar month in UTC (manrs-spec §2.2).
//!
//! [`Month`] parses and prints `YYYY-MM` and gives the period's bounds as Unix
//! seconds, so that incident intervals can be clipped to the period without a
//! date library.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

/// Error returned when a string is not `YYYY-MM`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid month {0:?}: expected YYYY-MM")]
pub struct MonthParseError(String);

impl Month {
    /// Builds a month; `month` is 1..=12.
    pub fn new(year: i32, month: u8) -> Option<Self> {
        ((1..=12).contains(&month) && (1970..=9999).contains(&year))
            .then_some(Month { year, month })
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month number, 1..=12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The month containing the Unix timestamp `ts` (seconds, UTC).
    pub fn containing(ts: i64) -> Self {
        let (y, m, _) = civil_from_days(ts.div_euclid(86_400));
        Month { year: y, month: m }
    }

    /// The first second of the month (Unix seconds, UTC).
    pub fn start(&self) -> i64 {
        days_from_civil(self.year, self.month, 1) * 86_400
    }

    /// The first second of the next month (exclusive end of this period).
    pub fn end(&self) -> i64 {
        self.next().start()
    }

    /// The following month.
    pub fn next(&self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }

    /// The preceding month.
    pub fn prev(&self) -> Month {
        if self.month == 1 {
            Month { year: self.year - 1, month: 12 }
        } else {
            Month { year: self.year, month: self.month - 1 }
        }
    }
}

/// A Unix timestamp as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_utc(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Parses an RFC 3339 date-time (`2020-05-07T14:34:59+00:00`,
/// `2026-07-01T00:00:00.5Z`; a space may stand for the `T`) into Unix
/// seconds (UTC, fractions dropped). `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) { t.parse().ok() } else { None }
    };
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let month = Month::new(i32::try_from(y).ok()?, u8::try_from(mo).ok()?)?;
    let days_in_month = (month.end() - month.start()) / 86_400;
    if d < 1 || d > days_in_month || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(s.len() - 5..s.len() - 3)?, num(s.len() - 2..s.len())?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let day = days_from_civil(month.year(), month.month(), d as u8);
    Some(day * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

impl FromStr for Month {
    type Err = MonthParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || MonthParseError(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let y: i32 = y.parse().map_err(|_| err())?;
        let m: u8 = m.parse().map_err(|_| err())?;
        Month::new(y, m).ok_or_else(err)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse_with_their_offsets() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        // The YouTube hijack's first announcement (checked with `date -u -d`).
        assert_eq!(parse_rfc3339("2008-02-24T18:47:57Z"), Some(1_203_878_877));
        assert_eq!(parse_rfc3339("2008-02-24T20:47:57+02:00"), Some(1_203_878_877));
        assert_eq!(parse_rfc3339("2008-02-24 13:47:57.250-05:00"), Some(1_203_878_877));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00.Z",
            "2024-01-01x00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn bounds() {
        let m: Month = "2008-02".parse().unwrap();
        // 2008-02-01T00:00:00Z and 2008-03-01T00:00:00Z (leap year).
        assert_eq!(m.start(), 1_201_824_000);
        assert_eq!(m.end(), 1_204_329_600);
        assert_eq!(m.end() - m.start(), 29 * 86_400);
        // The YouTube hijack announcement, 2008-02-24 18:47:57 UTC.
        assert_eq!(Month::containing(1_203_878_877), m);
        assert_eq!(Month::containing(m.end()), m.next());
        assert_eq!(Month::containing(m.start() - 1), m.prev());
        assert_eq!("2026-12".parse::<Month>().unwrap().next().to_string(), "2027-01");
    }

    #[test]
    fn rejects_garbage() {
        for s in ["2008-13", "2008-2", "08-02", "2008", "abcd-ef", "1969-12"] {
            assert!(s.parse::<Month>().is_err(), "{s}");
        }
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(1_203_878_877), "2008-02-24 18:47:57");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn civil_round_trip() {
        for day in (-1000..40_000).step_by(7) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }
}
