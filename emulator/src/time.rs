//! Wall-clock helpers: ISO 8601 formatting and parsing of UTC times, without a date library.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch of `time` (negative before 1970).
pub fn unix_secs(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Milliseconds since the Unix epoch of `time` (0 before 1970).
pub fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds of a duration, saturating.
pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if !(0..=9999).contains(&y) {
        return format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z");
    }
    // Four-digit years, digit by digit: replies carry two times per item, and `format!` cost
    // twenty times as much (a tenth of the emulator's work on a list).
    let mut text = *b"0000-00-00T00:00:00Z";
    for (at, width, value) in [
        (0, 4, y),
        (5, 2, m),
        (8, 2, d),
        (11, 2, hh),
        (14, 2, mm),
        (17, 2, ss),
    ] {
        let mut value = value;
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
    }
    String::from_utf8(text.to_vec()).unwrap_or_default()
}

/// Formats Unix seconds as an HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`).
pub fn format_http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]` (a space may replace the `T`; no zone means
/// UTC) into Unix seconds. `None` when the text is not such a time.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = match (text.get(..10), text.get(10..)) {
        (Some(date), Some(rest)) => (date, rest),
        _ => (text, ""),
    };
    let mut parts = date.split('-');
    let year = number(parts.next()?, 4)?;
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    if parts.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=days_in(year, month)).contains(&day)
    {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    if rest.is_empty() {
        return Some(secs);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let mut fields = clock.split(':');
    let hour = number(fields.next()?, 2)?;
    let minute = number(fields.next()?, 2)?;
    let second = match fields.next() {
        Some(s) => {
            let whole = s.split('.').next()?;
            let frac = s.get(whole.len()..).unwrap_or("");
            if !frac.bytes().skip(1).all(|b| b.is_ascii_digit()) {
                return None;
            }
            number(whole, 2)?
        }
        None => 0,
    };
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    secs += hour * 3600 + minute * 60 + second;
    match zone {
        "" | "Z" | "z" => Some(secs),
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let offset = zone.get(1..)?;
            let (oh, om) = match offset.split_once(':') {
                Some((h, m)) => (number(h, 2)?, number(m, 2)?),
                None if offset.len() == 4 => {
                    (number(offset.get(..2)?, 2)?, number(offset.get(2..)?, 2)?)
                }
                None => (number(offset, 2)?, 0),
            };
            if oh > 23 || om > 59 {
                return None;
            }
            Some(secs - sign * (oh * 3600 + om * 60))
        }
    }
}

fn number(text: &str, digits: usize) -> Option<i64> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_http_dates() {
        assert_eq!(
            format_http_date(784_887_151),
            "Tue, 15 Nov 1994 08:12:31 GMT"
        );
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn formats_and_parses_round_trip() {
        for secs in [
            0,
            951_782_400,
            1_600_000_000,
            1_709_251_199,
            4_102_444_800,
            -86_400,
        ] {
            let text = format_iso8601(secs);
            assert_eq!(parse_iso8601(&text), Some(secs), "{text}");
        }
        assert_eq!(format_iso8601(1_600_000_000), "2020-09-13T12:26:40Z");
    }

    #[test]
    fn formats_as_format_would() {
        let reference = |secs: i64| {
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            )
        };
        let mut secs = -62_200_000_000_i64; // before year 0
        while secs < 260_000_000_000 {
            assert_eq!(format_iso8601(secs), reference(secs), "{secs}");
            secs += 7_777_777;
        }
        for secs in [
            0,
            -1,
            86_399,
            253_402_300_799,
            253_402_300_800,
            i64::MIN / 2,
        ] {
            assert_eq!(format_iso8601(secs), reference(secs), "{secs}");
        }
    }

    #[test]
    fn parses_zones_fractions_and_dates() {
        let base = parse_iso8601("2020-09-13T12:26:40Z");
        assert_eq!(parse_iso8601("2020-09-13T20:26:40+08:00"), base);
        assert_eq!(parse_iso8601("2020-09-13 20:26:40.123+0800"), base);
        assert_eq!(parse_iso8601("2020-09-13T07:26:40-05"), base);
        assert_eq!(parse_iso8601("2020-09-13T12:26:40"), base);
        assert_eq!(parse_iso8601("2020-09-13"), Some(1_599_955_200));
    }

    #[test]
    fn refuses_malformed_times() {
        for text in [
            "",
            "2020-13-01",
            "2021-02-29",
            "2020-02-30T00:00:00Z",
            "2020-09-13T24:00:00Z",
            "2020-09-13X12:00:00",
            "20-09-13",
            "2020-09-13T12:26:40+25:00",
            "2020-09-13T12:26:40.x",
            "２０２０-09-13",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }
}
