//! Instants, zones and the timestamp layouts etcd and its wrappers write.
//!
//! Every time inside raftlog is an [`Instant`] (nanoseconds since the Unix epoch, UTC).
//! Zone-less log times (capnslog, Go `log`, journald) are turned into instants with the
//! `--assume-tz` zone; display uses the `--tz` zone and always names it.

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::fmt;

/// A point in time: nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

impl Instant {
    /// Build from a UTC chrono time.
    pub fn from_utc(dt: DateTime<Utc>) -> Instant {
        Instant(
            dt.timestamp()
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(dt.timestamp_subsec_nanos())),
        )
    }

    /// The chrono UTC time of this instant.
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(
            self.0.div_euclid(1_000_000_000),
            self.0.rem_euclid(1_000_000_000) as u32,
        )
        .unwrap_or_default()
    }

    /// Milliseconds from `self` to `later` (negative when `later` is earlier).
    pub fn ms_until(self, later: Instant) -> i64 {
        (later.0.saturating_sub(self.0)) / 1_000_000
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T00:01:27.255Z`; microseconds
    /// when the instant has sub-millisecond precision.
    pub fn rfc3339(self) -> String {
        use chrono::{Datelike, Timelike};
        let dt = self.to_utc();
        let (y, ns) = (dt.year(), dt.nanosecond());
        if (0..=9999).contains(&y) && ns < 1_000_000_000 {
            // by hand: chrono's format() parses its pattern on every call, and a storm's
            // JSON holds millions of times
            let head = format!(
                "{y:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            );
            return if self.0.rem_euclid(1_000_000) == 0 {
                format!("{head}.{:03}Z", ns / 1_000_000)
            } else {
                format!("{head}.{:06}Z", ns / 1_000)
            };
        }
        if self.0.rem_euclid(1_000_000) == 0 {
            dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        } else {
            dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        }
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl serde::Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// A time zone as raftlog accepts it on the command line: `UTC`, `local` or a fixed
/// offset such as `+02:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Zone {
    /// Coordinated Universal Time.
    #[default]
    Utc,
    /// The zone of the machine raftlog runs on.
    Local,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
}

impl Zone {
    /// Parse `UTC`, `Z`, `local`, `+02:00`, `-0530`, `+2`.
    pub fn parse(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "utc" | "z" | "gmt" | "+00:00" | "+0000" | "00:00" => return Ok(Zone::Utc),
            "local" => return Ok(Zone::Local),
            _ => {}
        }
        let b = t.as_bytes();
        if b.is_empty() || (b[0] != b'+' && b[0] != b'-') {
            return Err(format!(
                "unknown time zone '{s}': use UTC, local or a fixed offset such as +02:00"
            ));
        }
        let sign = if b[0] == b'-' { -1 } else { 1 };
        let digits: String = t[1..].chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.len() > 4 {
            return Err(format!(
                "invalid offset '{s}': use a fixed offset such as +02:00 or -0530"
            ));
        }
        let (h, m) = if digits.len() <= 2 {
            (digits.parse::<i32>().unwrap_or(0), 0)
        } else {
            let (hh, mm) = digits.split_at(digits.len() - 2);
            (
                hh.parse::<i32>().unwrap_or(0),
                mm.parse::<i32>().unwrap_or(0),
            )
        };
        if h > 23 || m > 59 {
            return Err(format!(
                "invalid offset '{s}': hours must be 0-23, minutes 0-59"
            ));
        }
        Ok(Zone::Fixed(sign * (h * 3600 + m * 60)))
    }

    /// The instant of a wall-clock time read in this zone (the earlier one when the
    /// local time is ambiguous, the time after the gap when it does not exist).
    pub fn to_instant(self, naive: NaiveDateTime) -> Instant {
        match self {
            Zone::Utc => Instant::from_utc(naive.and_utc()),
            Zone::Fixed(off) => {
                let tz = FixedOffset::east_opt(off).unwrap_or(FixedOffset::east_opt(0).unwrap());
                match tz.from_local_datetime(&naive).earliest() {
                    Some(dt) => Instant::from_utc(dt.with_timezone(&Utc)),
                    None => Instant::from_utc(naive.and_utc()),
                }
            }
            Zone::Local => match Local.from_local_datetime(&naive).earliest() {
                Some(dt) => Instant::from_utc(dt.with_timezone(&Utc)),
                None => {
                    let shifted = naive + chrono::Duration::hours(1);
                    match Local.from_local_datetime(&shifted).earliest() {
                        Some(dt) => Instant::from_utc(dt.with_timezone(&Utc)),
                        None => Instant::from_utc(naive.and_utc()),
                    }
                }
            },
        }
    }

    /// Short label shown next to displayed times.
    pub fn label(self) -> String {
        match self {
            Zone::Utc => "UTC".to_string(),
            Zone::Local => {
                let off = Local::now().offset().local_minus_utc();
                format!("local, UTC{}", offset_str(off))
            }
            Zone::Fixed(off) => format!("UTC{}", offset_str(off)),
        }
    }

    /// Wall-clock display of an instant in this zone, with `digits` fractional digits.
    pub fn display(self, t: Instant, digits: usize) -> String {
        let utc = t.to_utc();
        let fmt = match digits {
            0 => "%Y-%m-%d %H:%M:%S",
            3 => "%Y-%m-%d %H:%M:%S%.3f",
            _ => "%Y-%m-%d %H:%M:%S%.6f",
        };
        match self {
            Zone::Utc => utc.format(fmt).to_string(),
            Zone::Local => utc.with_timezone(&Local).format(fmt).to_string(),
            Zone::Fixed(off) => {
                let tz = FixedOffset::east_opt(off).unwrap_or(FixedOffset::east_opt(0).unwrap());
                utc.with_timezone(&tz).format(fmt).to_string()
            }
        }
    }
}

fn offset_str(off: i32) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
}

/// A timestamp as read from a line, before any zone is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawTime {
    /// Wall-clock date and time as printed.
    pub naive: NaiveDateTime,
    /// Offset east of UTC in seconds, when the line printed one.
    pub offset: Option<i32>,
    /// Whether the year was printed (journald short format prints none).
    pub has_year: bool,
    /// Whether the date was printed at all (a capnslog line whose date was cut off
    /// holds a time of day only; its date is found later, see [`parse_clock`]).
    pub has_date: bool,
}

impl RawTime {
    /// The instant, reading zone-less times in `assume`.
    pub fn instant(&self, assume: Zone) -> Instant {
        match self.offset {
            Some(0) => Instant::from_utc(self.naive.and_utc()),
            Some(off) => Zone::Fixed(off).to_instant(self.naive),
            None => assume.to_instant(self.naive),
        }
    }

    /// The same wall-clock time in another year (for year-less journald lines).
    pub fn with_year(&self, year: i32) -> RawTime {
        let mut r = *self;
        if let Some(d) = NaiveDate::from_ymd_opt(year, self.naive.month(), self.naive.day()) {
            r.naive = d.and_time(self.naive.time());
        }
        r.has_year = true;
        r
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn make(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> Option<NaiveDateTime> {
    let sec = s.min(59); // leap seconds are folded into :59
    NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_nano_opt(h, mi, sec, nanos)
}

/// Parse a fraction `.ddd…` starting at `at`; returns (nanos, bytes consumed).
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    if b.get(at) != Some(&b'.') && b.get(at) != Some(&b',') {
        return (0, 0);
    }
    let mut i = at + 1;
    let mut nanos = 0u64;
    let mut n = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 9 {
            nanos = nanos * 10 + u64::from(c - b'0');
            n += 1;
        }
        i += 1;
    }
    if i == at + 1 {
        return (0, 0);
    }
    while n < 9 {
        nanos *= 10;
        n += 1;
    }
    (nanos as u32, i - at)
}

/// Parse a zone suffix at `at`: `Z`, `+0800`, `+08:00`, `+08`. Returns (offset secs, len).
fn zone_suffix(b: &[u8], at: usize) -> Option<(i32, usize)> {
    match b.get(at)? {
        b'Z' | b'z' => Some((0, 1)),
        c @ (b'+' | b'-') => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits(b, at + 1, 2)? as i32;
            if b.get(at + 3) == Some(&b':') {
                let m = digits(b, at + 4, 2)? as i32;
                Some((sign * (h * 3600 + m * 60), 6))
            } else if let Some(m) = digits(b, at + 3, 2) {
                Some((sign * (h * 3600 + m as i32 * 60), 5))
            } else {
                Some((sign * h * 3600, 3))
            }
        }
        _ => None,
    }
}

/// Parse an ISO 8601 / RFC 3339 date-time at the start of `b` (`T` or space between date
/// and time, any fraction length, optional zone). Returns the time and bytes consumed.
pub fn parse_iso(b: &[u8]) -> Option<(RawTime, usize)> {
    if b.len() < 19 {
        return None;
    }
    let y = digits(b, 0, 4)?;
    if b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let h = digits(b, 11, 2)?;
    let mi = digits(b, 14, 2)?;
    let s = digits(b, 17, 2)?;
    let (nanos, flen) = fraction(b, 19);
    let mut end = 19 + flen;
    let offset = match zone_suffix(b, end) {
        Some((off, zlen)) => {
            end += zlen;
            Some(off)
        }
        None => None,
    };
    let naive = make(y, mo, d, h, mi, s, nanos)?;
    Some((
        RawTime {
            naive,
            offset,
            has_year: true,
            has_date: true,
        },
        end,
    ))
}

/// Parse Go `log` date-time `YYYY/MM/DD HH:MM:SS[.ffffff]` at the start of `b`.
pub fn parse_golog(b: &[u8]) -> Option<(RawTime, usize)> {
    if b.len() < 19 || b[4] != b'/' || b[7] != b'/' || b[10] != b' ' {
        return None;
    }
    let y = digits(b, 0, 4)?;
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let h = digits(b, 11, 2)?;
    let mi = digits(b, 14, 2)?;
    let s = digits(b, 17, 2)?;
    let (nanos, flen) = fraction(b, 19);
    let naive = make(y, mo, d, h, mi, s, nanos)?;
    Some((
        RawTime {
            naive,
            offset: None,
            has_year: true,
            has_date: true,
        },
        19 + flen,
    ))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parse syslog/journald short time `Mon DD HH:MM:SS[.ffffff]` (no year) at the start of
/// `b`; the year is a placeholder to be replaced with [`RawTime::with_year`].
pub fn parse_syslog(b: &[u8], year: i32) -> Option<(RawTime, usize)> {
    if b.len() < 15 {
        return None;
    }
    let mo = MONTHS.iter().position(|m| &b[0..3] == *m)? as u32 + 1;
    if b[3] != b' ' {
        return None;
    }
    let d = if b[4] == b' ' {
        digits(b, 5, 1)?
    } else {
        digits(b, 4, 2)?
    };
    if b[6] != b' ' || b[9] != b':' || b[12] != b':' {
        return None;
    }
    let h = digits(b, 7, 2)?;
    let mi = digits(b, 10, 2)?;
    let s = digits(b, 13, 2)?;
    let (nanos, flen) = fraction(b, 15);
    let date =
        NaiveDate::from_ymd_opt(year, mo, d).or_else(|| NaiveDate::from_ymd_opt(2024, mo, d))?;
    let naive = date.and_hms_nano_opt(h, mi, s.min(59), nanos)?;
    Some((
        RawTime {
            naive,
            offset: None,
            has_year: false,
            has_date: true,
        },
        15 + flen,
    ))
}

/// Parse an epoch-seconds float (`1612345678.1234567`) as written by zap's production
/// encoder.
pub fn parse_epoch(v: f64) -> Option<RawTime> {
    if !v.is_finite() || !(0.0..1e11).contains(&v) {
        return None;
    }
    let secs = v.trunc() as i64;
    let nanos = ((v - v.trunc()) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    let dt = DateTime::<Utc>::from_timestamp(secs, nanos)?;
    Some(RawTime {
        naive: dt.naive_utc(),
        offset: Some(0),
        has_year: true,
        has_date: true,
    })
}

/// Microseconds since the epoch, as journald's `__REALTIME_TIMESTAMP` holds them (read
/// as an integer: a float would round the last digits).
pub fn parse_epoch_us(us: u64) -> Option<RawTime> {
    let secs = i64::try_from(us / 1_000_000).ok()?;
    let dt = DateTime::<Utc>::from_timestamp(secs, (us % 1_000_000) as u32 * 1000)?;
    Some(RawTime {
        naive: dt.naive_utc(),
        offset: Some(0),
        has_year: true,
        has_date: true,
    })
}

/// The date given to a time of day whose date is not known yet (see [`parse_clock`]).
pub fn clock_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Parse a time of day `HH:MM:SS.ffffff` at the start of `b` (a capnslog line whose
/// date was cut off by a paste or never printed). The date is [`clock_epoch`] until the
/// input's other lines or the run's other inputs give one (`has_date` is false).
pub fn parse_clock(b: &[u8]) -> Option<(RawTime, usize)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let h = digits(b, 0, 2)?;
    let mi = digits(b, 3, 2)?;
    let s = digits(b, 6, 2)?;
    let (nanos, flen) = fraction(b, 8);
    let naive = clock_epoch().and_hms_nano_opt(h, mi, s.min(59), nanos)?;
    Some((
        RawTime {
            naive,
            offset: None,
            has_year: false,
            has_date: false,
        },
        8 + flen,
    ))
}

/// Parse a Go duration string as etcd writes it (`100ms`, `1.271866402s`, `233.675µs`,
/// `1m2.5s`, `0s`) into milliseconds.
pub fn parse_go_duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s == "0" {
        return Some(0.0);
    }
    let mut total = 0.0f64;
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let (mult, len) = if rest.starts_with("ns") {
            (1e-6, 2)
        } else if rest.starts_with("µs") {
            (1e-3, "µs".len())
        } else if rest.starts_with("μs") {
            (1e-3, "μs".len())
        } else if rest.starts_with("us") {
            (1e-3, 2)
        } else if rest.starts_with("ms") {
            (1.0, 2)
        } else if rest.starts_with('s') {
            (1000.0, 1)
        } else if rest.starts_with('m') {
            (60_000.0, 1)
        } else if rest.starts_with('h') {
            (3_600_000.0, 1)
        } else {
            return None;
        };
        total += n * mult;
        rest = &rest[len..];
        any = true;
    }
    any.then_some(total)
}

/// A duration between two instants at the precision of their timestamps: `<1s` when
/// both ends are whole seconds (second-precision lines: Go `log` raft lines, journald
/// short formats) and under a second apart, where `0ms` would be a false precision;
/// [`human_ms`] otherwise.
pub fn human_span(ms: i64, from: Option<Instant>, to: Option<Instant>) -> String {
    let whole = |t: Option<Instant>| t.is_some_and(|t| t.0 % 1_000_000_000 == 0);
    if (0..1000).contains(&ms) && whole(from) && whole(to) {
        "<1s".into()
    } else {
        human_ms(ms)
    }
}

/// Human duration for tables: `850ms`, `2.4s`, `3m12s`, `2h05m`, `3d4h`.
pub fn human_ms(ms: i64) -> String {
    let neg = ms < 0;
    let a = ms.unsigned_abs();
    let s = if a < 1000 {
        format!("{a}ms")
    } else if a < 60_000 {
        let tenths = (a + 50) / 100;
        if tenths % 10 == 0 {
            format!("{}s", tenths / 10)
        } else {
            format!("{}.{}s", tenths / 10, tenths % 10)
        }
    } else if a < 3_600_000 {
        let secs = (a + 500) / 1000;
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else if a < 86_400_000 {
        let mins = (a + 30_000) / 60_000;
        format!("{}h{:02}m", mins / 60, mins % 60)
    } else {
        let hours = (a + 1_800_000) / 3_600_000;
        format!("{}d{}h", hours / 24, hours % 24)
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

/// The year of the file modification time (for year-less journald lines).
pub fn year_of(t: std::time::SystemTime) -> i32 {
    DateTime::<Utc>::from(t).year()
}

/// The current year (for year-less lines read from stdin).
pub fn current_year() -> i32 {
    Utc::now().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        let (r, n) = parse_iso(s.as_bytes()).expect(s);
        assert_eq!(n, s.len(), "{s}");
        r.instant(Zone::Utc).rfc3339()
    }

    #[test]
    fn zap_layouts() {
        assert_eq!(iso("2021-11-18T17:36:15.677Z"), "2021-11-18T17:36:15.677Z");
        assert_eq!(
            iso("2023-04-25T03:36:22.38385Z"),
            "2023-04-25T03:36:22.383850Z"
        );
        assert_eq!(iso("2023-04-25T03:36:22Z"), "2023-04-25T03:36:22.000Z");
        assert_eq!(
            iso("2024-01-31T16:54:41.675186+0800"),
            "2024-01-31T08:54:41.675186Z"
        );
        assert_eq!(
            iso("2024-05-23T09:09:09.745+08:00"),
            "2024-05-23T01:09:09.745Z"
        );
        assert_eq!(
            iso("2022-02-05T00:46:42.582666628Z"),
            "2022-02-05T00:46:42.582666Z"
        );
    }

    #[test]
    fn zoneless_uses_assumed_zone() {
        let (r, _) = parse_iso(b"2023-05-01 10:00:05.123456").unwrap();
        assert_eq!(r.offset, None);
        let t = r.instant(Zone::parse("+02:00").unwrap());
        assert_eq!(t.rfc3339(), "2023-05-01T08:00:05.123456Z");
    }

    #[test]
    fn golog_and_syslog() {
        let (r, n) = parse_golog(b"2023/05/01 10:00:05 INFO").unwrap();
        assert_eq!(n, 19);
        assert_eq!(r.instant(Zone::Utc).rfc3339(), "2023-05-01T10:00:05.000Z");
        let (r, n) = parse_syslog(b"May 28 14:09:59 zabbix", 2020).unwrap();
        assert_eq!(n, 15);
        assert!(!r.has_year);
        assert_eq!(r.instant(Zone::Utc).rfc3339(), "2020-05-28T14:09:59.000Z");
        let (r, _) = parse_syslog(b"Jan  3 07:31:36.850123 h", 2023).unwrap();
        assert_eq!(
            r.instant(Zone::Utc).rfc3339(),
            "2023-01-03T07:31:36.850123Z"
        );
    }

    #[test]
    fn epoch_float() {
        let r = parse_epoch(1612345678.5).unwrap();
        assert_eq!(r.instant(Zone::Utc).rfc3339(), "2021-02-03T09:47:58.500Z");
        assert!(parse_epoch(f64::NAN).is_none());
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration_ms("100ms"), Some(100.0));
        assert_eq!(parse_go_duration_ms("1s"), Some(1000.0));
        assert!((parse_go_duration_ms("1.271866402s").unwrap() - 1271.866402).abs() < 1e-6);
        assert!((parse_go_duration_ms("233.675µs").unwrap() - 0.233675).abs() < 1e-9);
        assert_eq!(parse_go_duration_ms("1m2.5s"), Some(62500.0));
        assert_eq!(parse_go_duration_ms("0s"), Some(0.0));
        assert_eq!(parse_go_duration_ms("abc"), None);
    }

    #[test]
    fn zones() {
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::Utc);
        assert_eq!(Zone::parse("+0530").unwrap(), Zone::Fixed(19800));
        assert_eq!(Zone::parse("-02:00").unwrap(), Zone::Fixed(-7200));
        assert!(Zone::parse("Europe/Berlin").is_err());
        assert!(Zone::parse("+99:00").is_err());
    }

    #[test]
    fn human() {
        assert_eq!(human_ms(850), "850ms");
        assert_eq!(human_ms(2440), "2.4s");
        assert_eq!(human_ms(3000), "3s");
        assert_eq!(human_ms(192_000), "3m12s");
        assert_eq!(human_ms(7_500_000), "2h05m");
    }
}
