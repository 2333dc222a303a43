//! Timestamps as Optuna's journal writes them: ISO 8601 in UTC with microseconds
//! (`2026-11-29T17:56:09.123456+00:00`), to and from seconds since the Unix epoch.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `seconds` since the epoch as Optuna writes a datetime (UTC, microseconds). Times outside
/// years 0..9999 (never produced by a clock) are clamped to the epoch.
pub fn to_iso(seconds: f64) -> String {
    let mut out = Vec::with_capacity(32);
    write_iso(&mut out, seconds);
    String::from_utf8(out).unwrap_or_default()
}

/// [`to_iso`] appended to `out`, digit by digit: the journal writes two datetimes a trial on
/// its hot path, where `format!` cost more than the rest of the line.
pub(crate) fn write_iso(out: &mut Vec<u8>, seconds: f64) {
    let micros = if seconds.is_finite() && seconds.abs() < 2.5e11 {
        (seconds * 1e6).round() as i64
    } else {
        0
    };
    let (secs, us) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    // Years 0..=9999 after the clamp above (|seconds| < 2.5e11 is within years -5900..9900;
    // a negative year is written as its digits after a '-', as `format!` would).
    if y < 0 {
        out.push(b'-');
    }
    digits(out, y.unsigned_abs(), 4);
    out.push(b'-');
    digits(out, m.unsigned_abs(), 2);
    out.push(b'-');
    digits(out, d.unsigned_abs(), 2);
    out.push(b'T');
    digits(out, (rem / 3600).unsigned_abs(), 2);
    out.push(b':');
    digits(out, (rem % 3600 / 60).unsigned_abs(), 2);
    out.push(b':');
    digits(out, (rem % 60).unsigned_abs(), 2);
    out.push(b'.');
    digits(out, us.unsigned_abs(), 6);
    out.extend_from_slice(b"+00:00");
}

/// `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn digits(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(buf.len().saturating_sub(width));
    out.extend_from_slice(&buf[start..]);
}

/// Seconds since the epoch of an ISO 8601 datetime as Python's `isoformat` writes it:
/// `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` then `Z`, `±HH:MM` or nothing (read as UTC).
pub(crate) fn from_iso(text: &str) -> Option<f64> {
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (date, time) = text.split_at_checked(10)?;
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let time = time.strip_prefix(['T', ' '])?;
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let offset_seconds = match offset {
        "" | "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, mm) = o.get(1..)?.split_once(':').unwrap_or((o.get(1..3)?, "0"));
            let (h, mm) = (num(h)?, num(mm)?);
            // Python's offsets are under a day; a bigger one is not a time (nor overflows).
            if h > 23 || mm > 59 {
                return None;
            }
            sign * (h * 3600 + mm * 60)
        }
    };
    let mut hms = clock.split(':');
    let h = num(hms.next()?)?;
    let mi = num(hms.next()?)?;
    let (s, frac) = match hms.next() {
        Some(sec) => match sec.split_once('.') {
            Some((s, f)) => (num(s)?, format!("0.{f}").parse::<f64>().ok()?),
            None => (num(sec)?, 0.0),
        },
        None => (0, 0.0),
    };
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset_seconds) as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_round_trip_to_the_microsecond() {
        for t in [
            0.0,
            1_764_438_969.123_456,
            951_782_400.5,
            4_102_444_799.999_999,
        ] {
            let back = from_iso(&to_iso(t)).unwrap();
            assert!((back - t).abs() < 1e-6, "{t} -> {} -> {back}", to_iso(t));
        }
        assert_eq!(to_iso(0.0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(to_iso(951_782_400.0), "2000-02-29T00:00:00.000000+00:00");
        assert_eq!(to_iso(-1.5), "1969-12-31T23:59:58.500000+00:00");
        assert_eq!(to_iso(f64::NAN), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(to_iso(2.4e11), "9575-04-19T18:40:00.000000+00:00");
    }

    #[test]
    fn offsets_and_naive_times_are_read() {
        assert_eq!(from_iso("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(from_iso("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(from_iso("1970-01-02 00:00:00"), Some(86_400.0));
        assert_eq!(from_iso("1969-12-31T23:00:00-01:00"), Some(0.0));
        assert_eq!(from_iso("yesterday"), None);
        assert_eq!(from_iso("2020-13-01T00:00:00"), None);
        assert_eq!(from_iso("1970-01-01T00:00:00+9999999999999999:00"), None);
        assert_eq!(from_iso("1970-01-01T00:00:00-24:00"), None);
    }
}
