//! [`DateTime`] and [`Time`]: the protocol's date and time values, exactly as the server has them
//! (zero dates and TIME values beyond 24 hours included), parsed from text and binary rows.

use std::fmt;

/// A DATE, DATETIME or TIMESTAMP value. Zero dates (`0000-00-00`) are representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DateTime {
    /// Year (0 for a zero date).
    pub year: u16,
    /// Month, 1-12 (0 for a zero date).
    pub month: u8,
    /// Day, 1-31 (0 for a zero date).
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Microseconds, 0-999999.
    pub micros: u32,
}

/// A TIME value: a signed duration of up to 838:59:59.999999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Time {
    /// Whether the value is negative.
    pub negative: bool,
    /// Whole days.
    pub days: u32,
    /// Hours within the day, 0-23.
    pub hours: u8,
    /// Minutes.
    pub minutes: u8,
    /// Seconds.
    pub seconds: u8,
    /// Microseconds.
    pub micros: u32,
}

impl DateTime {
    /// A date at midnight.
    pub fn date(year: u16, month: u8, day: u8) -> DateTime {
        DateTime {
            year,
            month,
            day,
            ..DateTime::default()
        }
    }

    /// Parses the server's text form: `YYYY-MM-DD`, `YYYY-MM-DD hh:mm:ss[.ffffff]`.
    pub fn parse(s: &[u8]) -> Option<DateTime> {
        Self::parse_canonical(s).or_else(|| Self::parse_general(s))
    }

    /// [`parse`](Self::parse) for any spelling the server may use (field widths vary).
    fn parse_general(s: &[u8]) -> Option<DateTime> {
        let s = std::str::from_utf8(s).ok()?;
        let (date, time) = match s.split_once(' ') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut d = date.splitn(3, '-');
        let mut v = DateTime {
            year: d.next()?.parse().ok()?,
            month: d.next()?.parse().ok()?,
            day: d.next()?.parse().ok()?,
            ..DateTime::default()
        };
        if let Some(t) = time {
            let (hms, frac) = split_fraction(t)?;
            let mut p = hms.splitn(3, ':');
            v.hour = p.next()?.parse().ok()?;
            v.minute = p.next()?.parse().ok()?;
            v.second = p.next()?.parse().ok()?;
            v.micros = frac;
        }
        (v.month <= 12 && v.day <= 31 && v.hour < 24 && v.minute < 60 && v.second < 60).then_some(v)
    }

    /// The fast path of [`parse`](Self::parse) for what servers send:
    /// `YYYY-MM-DD[ HH:MM:SS[.f{1,6}]]` with exactly these widths; `None` for anything else.
    #[inline]
    fn parse_canonical(s: &[u8]) -> Option<DateTime> {
        if !matches!(s.len(), 10 | 19 | 21..=26) {
            return None;
        }
        // The date's and the time's digits are checked and paired eight bytes at a time.
        let word = |at: usize| Some(u64::from_le_bytes(s.get(at..at + 8)?.try_into().ok()?));
        let date = digit_pairs(word(0)?, YMD_DIGITS, YMD_SEPARATORS)?;
        let day: &[u8; 2] = s[8..10].try_into().ok()?;
        let mut v = DateTime {
            year: (byte(date, 0) * 100 + byte(date, 2)) as u16,
            month: byte(date, 5) as u8,
            day: digits2(day, 0)? as u8,
            ..DateTime::default()
        };
        if s.len() > 10 {
            if s[10] != b' ' {
                return None;
            }
            let time = digit_pairs(word(11)?, HMS_DIGITS, HMS_SEPARATORS)?;
            v.hour = byte(time, 0) as u8;
            v.minute = byte(time, 3) as u8;
            v.second = byte(time, 6) as u8;
            if s.len() > 19 {
                if s[19] != b'.' {
                    return None;
                }
                if let Some(p) = word(18).filter(|_| s.len() == 26) {
                    // Six digits (DATETIME(6), the common case) with the second's last digit
                    // and the point before them: `S.ffffff`.
                    let p = digit_pairs(p, FRACTION_DIGITS, FRACTION_POINT)?;
                    v.micros = byte(p, 2) * 10_000 + byte(p, 4) * 100 + byte(p, 6);
                    return v.is_valid().then_some(v);
                }
                let frac = &s[20..];
                let mut micros = 0u32;
                for &b in frac {
                    let d = b.wrapping_sub(b'0');
                    if d > 9 {
                        return None;
                    }
                    micros = micros * 10 + d as u32;
                }
                v.micros = micros * 10u32.pow(6 - frac.len() as u32);
            }
        }
        v.is_valid().then_some(v)
    }

    /// Whether the fields are in range (the parsers' last check).
    #[inline(always)]
    fn is_valid(&self) -> bool {
        self.month <= 12 && self.day <= 31 && self.hour < 24 && self.minute < 60 && self.second < 60
    }

    /// Formats like the server with `decimals` fractional digits (0-6); `with_time` false gives
    /// a DATE.
    pub fn format(&self, with_time: bool, decimals: u8) -> String {
        let mut s = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if with_time {
            s.push_str(&format!(
                " {:02}:{:02}:{:02}",
                self.hour, self.minute, self.second
            ));
            push_fraction(&mut s, self.micros, decimals);
        }
        s
    }
}

/// `YYYY-MM-` as a little-endian word: where its digits are, and its separators.
const YMD_DIGITS: u64 = 0x00FF_FF00_FFFF_FFFF;
const YMD_SEPARATORS: u64 = 0x2D00_002D_0000_0000;
/// `HH:MM:SS` likewise.
const HMS_DIGITS: u64 = 0xFFFF_00FF_FF00_FFFF;
const HMS_SEPARATORS: u64 = 0x0000_3A00_003A_0000;
/// `S.ffffff` (a second's last digit, the point, six fractional digits) likewise.
const FRACTION_DIGITS: u64 = 0xFFFF_FFFF_FFFF_00FF;
const FRACTION_POINT: u64 = 0x0000_0000_0000_2E00;

/// Eight ASCII bytes (a little-endian `word`) checked at once: `None` unless the bytes under
/// `digits` (0xFF per digit) are ASCII digits and the others equal `separators`. Otherwise byte
/// `i` of the result is the two-digit number that starts at byte `i` (`10 * d[i] + d[i + 1]`; no
/// byte carries into the next, 99 being the largest).
#[inline(always)]
fn digit_pairs(word: u64, digits: u64, separators: u64) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let masked = word & digits;
    let low = masked & !HIGH;
    let ok = (word & !digits) == separators
        && (masked & HIGH) == (0x3030_3030_3030_3030 & digits)
        // A low nibble above 9 carries into its high nibble when 6 is added.
        && ((low + (0x0606_0606_0606_0606 & digits)) & HIGH) == 0;
    ok.then(|| low * 10 + (low >> 8))
}

/// Byte `i` of `word`.
#[inline(always)]
fn byte(word: u64, i: u32) -> u32 {
    (word >> (8 * i)) as u32 & 0xFF
}

/// The two ASCII digits at `at` of `s` as a number; `None` when either is not a digit.
#[inline(always)]
fn digits2<const N: usize>(s: &[u8; N], at: usize) -> Option<u32> {
    let hi = s[at].wrapping_sub(b'0');
    let lo = s[at + 1].wrapping_sub(b'0');
    (hi <= 9 && lo <= 9).then_some(hi as u32 * 10 + lo as u32)
}

impl Time {
    /// Total hours (days * 24 + hours), as the server shows them. Wide enough for any value
    /// a (possibly hostile) server sends.
    pub fn total_hours(&self) -> u64 {
        self.days as u64 * 24 + self.hours as u64
    }

    /// Parses the server's text form: `[-]h:mm:ss[.ffffff]` with any number of hour digits.
    pub fn parse(s: &[u8]) -> Option<Time> {
        let s = std::str::from_utf8(s).ok()?;
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (hms, micros) = split_fraction(s)?;
        let mut p = hms.splitn(3, ':');
        let hours: u32 = p.next()?.parse().ok()?;
        let minutes: u8 = p.next()?.parse().ok()?;
        let seconds: u8 = p.next()?.parse().ok()?;
        (minutes < 60 && seconds < 60).then_some(Time {
            negative,
            days: hours / 24,
            hours: (hours % 24) as u8,
            minutes,
            seconds,
            micros,
        })
    }

    /// Formats like the server with `decimals` fractional digits.
    pub fn format(&self, decimals: u8) -> String {
        let mut s = String::new();
        if self.negative {
            s.push('-');
        }
        s.push_str(&format!(
            "{:02}:{:02}:{:02}",
            self.total_hours(),
            self.minutes,
            self.seconds
        ));
        push_fraction(&mut s, self.micros, decimals);
        s
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = if self.micros == 0 { 0 } else { 6 };
        f.write_str(&self.format(true, d))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = if self.micros == 0 { 0 } else { 6 };
        f.write_str(&self.format(d))
    }
}

fn split_fraction(s: &str) -> Option<(&str, u32)> {
    match s.split_once('.') {
        None => Some((s, 0)),
        Some((whole, frac)) => {
            if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let micros: u32 = frac.parse().ok()?;
            Some((whole, micros * 10u32.pow(6 - frac.len() as u32)))
        }
    }
}

fn push_fraction(s: &mut String, micros: u32, decimals: u8) {
    let decimals = decimals.min(6) as u32;
    if decimals > 0 {
        let v = micros / 10u32.pow(6 - decimals);
        s.push_str(&format!(".{:0width$}", v, width = decimals as usize));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format_round_trip() {
        for (text, dec) in [
            ("2024-02-29 12:34:56.000001", 6),
            ("0000-00-00 00:00:00", 0),
            ("9999-12-31 23:59:59.999", 3),
        ] {
            let v = DateTime::parse(text.as_bytes()).unwrap();
            assert_eq!(v.format(true, dec), text);
        }
        assert_eq!(
            DateTime::parse(b"1000-01-01").unwrap().format(false, 0),
            "1000-01-01"
        );
        for (text, dec) in [
            ("-838:59:59", 0),
            ("100:00:00.123456", 6),
            ("-00:00:01.5", 1),
        ] {
            assert_eq!(Time::parse(text.as_bytes()).unwrap().format(dec), text);
        }
        assert!(DateTime::parse(b"2024-13-01").is_none());
        // Regression (found by the fuzz smoke run): a huge day count must not overflow.
        let t = Time {
            days: u32::MAX,
            hours: 23,
            ..Time::default()
        };
        assert_eq!(t.total_hours(), u32::MAX as u64 * 24 + 23);
        assert!(t.format(0).starts_with("103079215103:"));
        assert!(Time::parse(b"1:61:00").is_none());
    }

    #[test]
    fn canonical_fast_path_agrees_with_the_general_parser() {
        let mut x = 0x853c49e6748fea9bu64;
        // Bytes near the digits too: same high nibble (`:`, `;`, `?`), same low nibble (`P`,
        // `p`, 0xB0), one below `0` (`/`), for the word-at-a-time checks.
        let alphabet = b"0123456789-: .x/;?P\x7fp\xb0";
        let mut checked = 0;
        for i in 0..300_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut s = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                x % 10000,
                (x >> 14) % 14,
                (x >> 18) % 33,
                (x >> 24) % 25,
                (x >> 30) % 61,
                (x >> 36) % 61,
                (x >> 42) % 1_000_000
            )
            .into_bytes();
            s.truncate([10, 19, 21, 22, 23, 24, 25, 26, 20, 11][(i % 10) as usize]);
            if i % 3 == 0 {
                let at = (x >> 50) as usize % s.len();
                s[at] = alphabet[(x >> 56) as usize % alphabet.len()];
            }
            if let Some(fast) = DateTime::parse_canonical(&s) {
                assert_eq!(
                    Some(fast),
                    DateTime::parse_general(&s),
                    "{}",
                    String::from_utf8_lossy(&s)
                );
                checked += 1;
            } else {
                assert_eq!(DateTime::parse(&s), DateTime::parse_general(&s));
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
