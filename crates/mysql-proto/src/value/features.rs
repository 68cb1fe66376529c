//! Conversions for well-known crates, each behind the cargo feature of the same name:
//!
//! | feature | column value into | parameter from |
//! |---|---|---|
//! | `chrono` | `NaiveDate`, `NaiveDateTime`, `NaiveTime`, `TimeDelta` (from TIME) | the same |
//! | `time` | `time::Date`, `PrimitiveDateTime`, `time::Time`, `time::Duration` (from TIME) | the same |
//! | `uuid` | `Uuid` from its text form or 16 raw bytes | hyphenated text |
//! | `rust_decimal` | `Decimal` from DECIMAL (or any numeric) text | its text |
//! | `bigdecimal` | `BigDecimal` likewise | its text |
//! | `serde_json` | `serde_json::Value` from JSON text | serialized text |
//!
//! Zero dates and out-of-range values are conversion errors, never silently changed.

#[allow(unused_imports)]
use crate::error::{Error, Result};
#[allow(unused_imports)]
use crate::packets::Column;
#[allow(unused_imports)]
use crate::value::{DateTime, FromValue, RawValue, Time, ToValue, Value, ValueRef};

#[allow(dead_code)]
#[cold]
fn bad(column: &Column, rust: &str, why: &str) -> Error {
    Error::conversion(format!(
        "column `{}` ({}) cannot be read as {rust}: {why}",
        column.name(),
        column.column_type.name()
    ))
}

#[allow(dead_code)]
fn text<'a>(
    value: RawValue<'a>,
    column: &Column,
    rust: &str,
) -> Result<std::borrow::Cow<'a, [u8]>> {
    crate::value::to_text(value, column)
        .ok_or_else(|| bad(column, rust, "the value is NULL (use Option)"))
}

#[allow(dead_code)]
fn utf8<'a>(b: &'a [u8], column: &Column, rust: &str) -> Result<&'a str> {
    crate::value::convert::utf8(b).ok_or_else(|| bad(column, rust, "not valid UTF-8"))
}

#[cfg(feature = "chrono")]
mod chrono_impl {
    use super::*;
    use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

    fn date(d: DateTime, c: &Column) -> Result<NaiveDate> {
        NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
            .ok_or_else(|| bad(c, "NaiveDate", "not a valid calendar date (zero date?)"))
    }

    impl<'a> FromValue<'a> for NaiveDate {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            date(DateTime::from_value(v, c)?, c)
        }
    }
    impl<'a> FromValue<'a> for NaiveDateTime {
        #[inline(always)]
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            // Inline: a valid binary or text datetime; out of line: the rest and the errors.
            let valid = crate::value::convert::datetime_of(v).and_then(|d| {
                NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)?
                    .and_hms_micro_opt(d.hour as u32, d.minute as u32, d.second as u32, d.micros)
            });
            match valid {
                Some(v) => Ok(v),
                None => naive_date_time(v, c),
            }
        }
    }

    /// [`NaiveDateTime`]'s conversion of values its inline path does not take.
    #[inline(never)]
    fn naive_date_time(v: RawValue<'_>, c: &Column) -> Result<NaiveDateTime> {
        let d = DateTime::from_value(v, c)?;
        let t = NaiveTime::from_hms_micro_opt(
            d.hour as u32,
            d.minute as u32,
            d.second as u32,
            d.micros,
        )
        .ok_or_else(|| bad(c, "NaiveDateTime", "invalid time of day"))?;
        Ok(date(d, c)?.and_time(t))
    }
    impl<'a> FromValue<'a> for NaiveTime {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let t = Time::from_value(v, c)?;
            if t.negative || t.days > 0 {
                return Err(bad(
                    c,
                    "NaiveTime",
                    "outside 00:00:00..24:00:00 (use TimeDelta)",
                ));
            }
            NaiveTime::from_hms_micro_opt(
                t.hours as u32,
                t.minutes as u32,
                t.seconds as u32,
                t.micros,
            )
            .ok_or_else(|| bad(c, "NaiveTime", "invalid time"))
        }
    }
    impl<'a> FromValue<'a> for TimeDelta {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let t = Time::from_value(v, c)?;
            let micros = ((t.total_hours() as i64 * 60 + t.minutes as i64) * 60 + t.seconds as i64)
                * 1_000_000
                + t.micros as i64;
            Ok(TimeDelta::microseconds(if t.negative {
                -micros
            } else {
                micros
            }))
        }
    }
    impl ToValue for NaiveDate {
        fn to_value(&self) -> Value {
            Value::DateTime(DateTime::date(
                self.year() as u16,
                self.month() as u8,
                self.day() as u8,
            ))
        }
    }
    impl ToValue for NaiveDateTime {
        fn to_value(&self) -> Value {
            Value::DateTime(DateTime {
                year: self.year() as u16,
                month: self.month() as u8,
                day: self.day() as u8,
                hour: self.hour() as u8,
                minute: self.minute() as u8,
                second: self.second() as u8,
                micros: self.nanosecond() / 1000,
            })
        }
    }
    impl ToValue for NaiveTime {
        fn to_value(&self) -> Value {
            Value::Time(Time {
                negative: false,
                days: 0,
                hours: self.hour() as u8,
                minutes: self.minute() as u8,
                seconds: self.second() as u8,
                micros: self.nanosecond() / 1000,
            })
        }
    }
    impl ToValue for TimeDelta {
        fn to_value(&self) -> Value {
            let us = self.num_microseconds().unwrap_or(i64::MAX);
            Value::Time(time_from_micros(us))
        }
    }
}

/// A TIME as signed microseconds; `None` when it does not fit an `i64` (only hostile values).
#[allow(dead_code)]
fn time_micros(t: &Time) -> Option<i64> {
    let us = ((t.total_hours() as i128 * 60 + t.minutes as i128) * 60 + t.seconds as i128)
        * 1_000_000
        + t.micros as i128;
    i64::try_from(if t.negative { -us } else { us }).ok()
}

/// A TIME from a signed number of microseconds.
#[allow(dead_code)]
fn time_from_micros(us: i64) -> Time {
    let negative = us < 0;
    let a = us.unsigned_abs();
    let secs = a / 1_000_000;
    Time {
        negative,
        days: (secs / 86_400) as u32,
        hours: (secs / 3600 % 24) as u8,
        minutes: (secs / 60 % 60) as u8,
        seconds: (secs % 60) as u8,
        micros: (a % 1_000_000) as u32,
    }
}

#[cfg(feature = "time")]
mod time_impl {
    use super::*;

    fn date(d: DateTime, c: &Column) -> Result<time::Date> {
        let month = time::Month::try_from(d.month)
            .map_err(|_| bad(c, "time::Date", "not a valid month (zero date?)"))?;
        time::Date::from_calendar_date(d.year as i32, month, d.day)
            .map_err(|_| bad(c, "time::Date", "not a valid calendar date"))
    }

    impl<'a> FromValue<'a> for time::Date {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            date(DateTime::from_value(v, c)?, c)
        }
    }
    impl<'a> FromValue<'a> for time::PrimitiveDateTime {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let d = DateTime::from_value(v, c)?;
            let t = time::Time::from_hms_micro(d.hour, d.minute, d.second, d.micros)
                .map_err(|_| bad(c, "PrimitiveDateTime", "invalid time of day"))?;
            Ok(time::PrimitiveDateTime::new(date(d, c)?, t))
        }
    }
    impl<'a> FromValue<'a> for time::Time {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let t = Time::from_value(v, c)?;
            if t.negative || t.days > 0 {
                return Err(bad(
                    c,
                    "time::Time",
                    "outside 00:00:00..24:00:00 (use Duration)",
                ));
            }
            time::Time::from_hms_micro(t.hours, t.minutes, t.seconds, t.micros)
                .map_err(|_| bad(c, "time::Time", "invalid time"))
        }
    }
    impl<'a> FromValue<'a> for time::Duration {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let t = Time::from_value(v, c)?;
            let us = ((t.total_hours() as i64 * 60 + t.minutes as i64) * 60 + t.seconds as i64)
                * 1_000_000
                + t.micros as i64;
            Ok(time::Duration::microseconds(if t.negative {
                -us
            } else {
                us
            }))
        }
    }
    impl ToValue for time::Date {
        fn to_value(&self) -> Value {
            Value::DateTime(DateTime::date(
                self.year() as u16,
                self.month() as u8,
                self.day(),
            ))
        }
    }
    impl ToValue for time::PrimitiveDateTime {
        fn to_value(&self) -> Value {
            Value::DateTime(DateTime {
                year: self.year() as u16,
                month: self.month() as u8,
                day: self.day(),
                hour: self.hour(),
                minute: self.minute(),
                second: self.second(),
                micros: self.microsecond(),
            })
        }
    }
    impl ToValue for time::Time {
        fn to_value(&self) -> Value {
            Value::Time(Time {
                negative: false,
                days: 0,
                hours: self.hour(),
                minutes: self.minute(),
                seconds: self.second(),
                micros: self.microsecond(),
            })
        }
    }
    impl ToValue for time::Duration {
        fn to_value(&self) -> Value {
            let us = i64::try_from(self.whole_microseconds()).unwrap_or(i64::MAX);
            Value::Time(time_from_micros(us))
        }
    }
}

#[cfg(feature = "uuid")]
mod uuid_impl {
    use super::*;

    impl<'a> FromValue<'a> for uuid::Uuid {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let b = text(v, c, "Uuid")?;
            if b.len() == 16 {
                return Ok(uuid::Uuid::from_slice(&b).expect("16 bytes"));
            }
            uuid::Uuid::try_parse_ascii(&b).map_err(|e| bad(c, "Uuid", &e.to_string()))
        }
    }
    impl ToValue for uuid::Uuid {
        fn to_value(&self) -> Value {
            self.to_param().into_value()
        }

        /// The hyphenated text (36 bytes), held inline: no allocation.
        fn to_param(&self) -> crate::value::Param<'_> {
            let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
            crate::value::Param::text(self.hyphenated().encode_lower(&mut text).as_bytes())
        }
    }
}

#[cfg(feature = "rust_decimal")]
mod rust_decimal_impl {
    use super::*;
    use std::str::FromStr;

    impl<'a> FromValue<'a> for rust_decimal::Decimal {
        #[inline(always)]
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            if let RawValue::Bytes(b) | RawValue::Text(b) = v {
                if let Some(d) = plain_decimal(b) {
                    return Ok(d);
                }
            }
            decimal(v, c)
        }
    }

    /// [`rust_decimal::Decimal`]'s conversion of values its inline path does not take.
    #[inline(never)]
    fn decimal(v: RawValue<'_>, c: &Column) -> Result<rust_decimal::Decimal> {
        let b = text(v, c, "Decimal")?;
        let s = utf8(&b, c, "Decimal")?;
        rust_decimal::Decimal::from_str(s)
            .or_else(|_| rust_decimal::Decimal::from_scientific(s))
            .map_err(|e| bad(c, "Decimal", &e.to_string()))
    }
    /// The fast path for what the server sends for DECIMAL columns: `-?digits(.digits)?` with
    /// at most 18 digits; `None` for anything else (left to the general parser).
    #[inline(always)]
    fn plain_decimal(b: &[u8]) -> Option<rust_decimal::Decimal> {
        let n = crate::value::digits::plain_number(b)?;
        if n.count > 18 || (n.negative && n.digits == 0) {
            return None; // too long for i64, or "-0.00": the general parser's sign handling
        }
        // Invariant: at most 18 digits fit i64, and the scale is at most 18 <= 28.
        let mantissa = n.digits as i64;
        let mantissa = if n.negative { -mantissa } else { mantissa };
        Some(rust_decimal::Decimal::new(mantissa, n.fraction as u32))
    }

    impl ToValue for rust_decimal::Decimal {
        fn to_value(&self) -> Value {
            self.to_param().into_value()
        }

        /// The text, held inline: no allocation.
        #[inline]
        fn to_param(&self) -> crate::value::Param<'_> {
            let mut text = [0u8; DECIMAL_TEXT_MAX];
            let len = decimal_text(self, &mut text);
            crate::value::Param::text(&text[..len])
        }
    }

    /// The longest text of a `Decimal`: 29 digits (28 after the point and one before), the
    /// point and the sign.
    const DECIMAL_TEXT_MAX: usize = 31;

    /// Writes the text of `d` as `Display` writes it (`-12.30`, `0.05`, `7`) into `out`, without
    /// the formatting machinery: digits of the mantissa with the point placed by the scale.
    /// Returns its length.
    fn decimal_text(d: &rust_decimal::Decimal, out: &mut [u8; DECIMAL_TEXT_MAX]) -> usize {
        let scale = d.scale() as usize;
        let mantissa = d.mantissa();
        let mut digits = [0u8; 40];
        let mut n = mantissa.unsigned_abs();
        let mut len = 0;
        // Divisions of u128 are library calls: only the digits above u64's range use them.
        while n > u64::MAX as u128 {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
        }
        let mut n = n as u64;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // At least one digit before the point.
        while len <= scale {
            digits[len] = b'0';
            len += 1;
        }
        let mut at = 0;
        if d.is_sign_negative() && mantissa != 0 {
            out[at] = b'-';
            at += 1;
        }
        for i in (0..len).rev() {
            out[at] = digits[i];
            at += 1;
            if i == scale && scale > 0 {
                out[at] = b'.';
                at += 1;
            }
        }
        at
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parameter_text_is_the_display_text() {
            let mut x = 0x2545f4914f6cdd1du64;
            let mut cases = vec![
                rust_decimal::Decimal::ZERO,
                rust_decimal::Decimal::MAX,
                rust_decimal::Decimal::MIN,
                rust_decimal::Decimal::new(-5, 3),
                rust_decimal::Decimal::new(0, 4),
                rust_decimal::Decimal::new(-0, 2),
                // Around the u64 boundary of the digit loop.
                rust_decimal::Decimal::from_i128_with_scale(u64::MAX as i128, 0),
                rust_decimal::Decimal::from_i128_with_scale(u64::MAX as i128 + 1, 3),
                rust_decimal::Decimal::from_i128_with_scale(-(u64::MAX as i128) - 7, 25),
                rust_decimal::Decimal::from_i128_with_scale(10i128.pow(20), 1),
                // The longest texts: 28 digits after the point, negative.
                rust_decimal::Decimal::from_i128_with_scale(-1, 28),
                -rust_decimal::Decimal::MAX / rust_decimal::Decimal::from(10u64.pow(10)),
                rust_decimal::Decimal::from_i128_with_scale(-(2i128.pow(96) - 1), 28),
            ];
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let m = (x as i64) >> (x % 60);
                cases.push(rust_decimal::Decimal::new(m, (x >> 58) as u32 % 20));
            }
            for d in cases {
                let shown = d.to_string();
                assert_eq!(
                    d.to_value(),
                    Value::Bytes(shown.clone().into_bytes()),
                    "{d:?}"
                );
                // Encoded inline, never through an allocation.
                let param = d.to_param();
                assert!(matches!(param, crate::value::Param::Inline(_)), "{d:?}");
                assert_eq!(param.value(), ValueRef::Bytes(shown.as_bytes()), "{d:?}");
            }
        }

        #[test]
        fn fast_path_agrees_with_the_general_parser() {
            let mut cases: Vec<String> = [
                "0",
                "-0.00",
                "0.00",
                "123.45",
                "-4999.93",
                "5.",
                ".5",
                "-",
                ".",
                "",
                "1.2.3",
                "1e5",
                "+1",
                "99999999999999999999999999.99",
                "9999999999999999999999999999",
                "79228162514264337593543950335",
                "0.0000000000000000000000000001",
                "00012.3400",
                "1234567890123456789",
                "9999999999999999999",
                "999999999999999999.9",
                "1.2.3",
                "5.",
                ".5",
                ".",
                "-",
                "-.",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let mut x = 0x9e3779b97f4a7c15u64;
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let int = x % 10u64.pow((x % 12) as u32 + 1);
                let frac = (x >> 40) % 1000;
                let sign = if x & 1 == 1 { "-" } else { "" };
                cases.push(format!(
                    "{sign}{int}.{frac:0width$}",
                    width = (x >> 20) as usize % 4
                ));
            }
            // What servers send takes the fast path.
            for s in [
                "-4993.00",
                "0.00",
                "12",
                "999999999999999999",
                "-0.00000000000000001",
            ] {
                assert!(plain_decimal(s.as_bytes()).is_some(), "{s}");
            }
            for s in &cases {
                let general = rust_decimal::Decimal::from_str(s).ok();
                let fast = plain_decimal(s.as_bytes());
                if let Some(f) = fast {
                    let g = general.unwrap_or_else(|| panic!("{s}: fast {f}, general failed"));
                    assert_eq!((f, f.to_string()), (g, g.to_string()), "{s}");
                }
            }
        }
    }
}

#[cfg(feature = "bigdecimal")]
mod bigdecimal_impl {
    use super::*;
    use std::str::FromStr;

    impl<'a> FromValue<'a> for bigdecimal::BigDecimal {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let b = text(v, c, "BigDecimal")?;
            let s = utf8(&b, c, "BigDecimal")?;
            bigdecimal::BigDecimal::from_str(s).map_err(|e| bad(c, "BigDecimal", &e.to_string()))
        }
    }
    impl ToValue for bigdecimal::BigDecimal {
        fn to_value(&self) -> Value {
            Value::Bytes(self.to_string().into_bytes())
        }
    }
}

#[cfg(feature = "serde_json")]
mod serde_json_impl {
    use super::*;

    impl<'a> FromValue<'a> for serde_json::Value {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let b = text(v, c, "serde_json::Value")?;
            serde_json::from_slice(&b).map_err(|e| bad(c, "serde_json::Value", &e.to_string()))
        }
    }
    impl ToValue for serde_json::Value {
        fn to_value(&self) -> Value {
            Value::Bytes(self.to_string().into_bytes())
        }
    }

    /// A JSON column or parameter as a typed Rust value, through serde: reading a row into
    /// `Json<Order>` parses the column's JSON text into an `Order` (a conversion error naming
    /// the column and the type when it does not fit); [`Json::encode`] gives the parameter for
    /// a value (fallible, as serializing is: a `ToValue` could only drop or invent data).
    ///
    /// ```
    /// use mysql_proto::{Json, Value};
    /// assert_eq!(Json(vec![1, 2, 3]).encode()?, Value::Bytes(b"[1,2,3]".to_vec()));
    /// # Ok::<(), mysql_proto::Error>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Json<T>(pub T);

    impl<T: serde::Serialize> Json<T> {
        /// The JSON text as a parameter value. Fails with a conversion error when serde cannot
        /// serialize the value (a map with non-string keys, a failing `Serialize` impl).
        pub fn encode(&self) -> Result<Value> {
            serde_json::to_vec(&self.0).map(Value::Bytes).map_err(|e| {
                Error::conversion(format!(
                    "{} cannot be written as JSON: {e}",
                    std::any::type_name::<T>()
                ))
            })
        }
    }

    impl<'a, T: serde::de::DeserializeOwned> FromValue<'a> for Json<T> {
        fn from_value(v: RawValue<'a>, c: &Column) -> Result<Self> {
            let rust = std::any::type_name::<T>();
            let b = text(v, c, rust)?;
            serde_json::from_slice(&b)
                .map(Json)
                .map_err(|e| bad(c, rust, &e.to_string()))
        }
    }
}
#[cfg(feature = "serde_json")]
pub use serde_json_impl::Json;

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use super::*;
    #[allow(unused_imports)]
    use crate::ColumnType;

    #[allow(dead_code)]
    fn col(t: ColumnType) -> Column {
        Column::new("c", t, 63, 0)
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_conversions() {
        use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
        let c = col(ColumnType::DateTime);
        let v: NaiveDateTime =
            FromValue::from_value(RawValue::Text(b"2024-02-29 01:02:03.000004"), &c).unwrap();
        assert_eq!(v.to_string(), "2024-02-29 01:02:03.000004");
        assert_eq!(
            v.to_value(),
            Value::DateTime(DateTime::parse(b"2024-02-29 01:02:03.000004").unwrap())
        );
        assert!(NaiveDate::from_value(RawValue::Text(b"0000-00-00"), &c).is_err());
        let t = col(ColumnType::Time);
        let d: TimeDelta = FromValue::from_value(RawValue::Text(b"-838:59:59"), &t).unwrap();
        assert_eq!(d.num_seconds(), -(838 * 3600 + 59 * 60 + 59));
        assert_eq!(
            d.to_value(),
            Value::Time(Time::parse(b"-838:59:59").unwrap())
        );
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_conversions() {
        let c = col(ColumnType::Date);
        let d: time::Date = FromValue::from_value(RawValue::Text(b"1000-01-01"), &c).unwrap();
        assert_eq!(d.to_value(), Value::DateTime(DateTime::date(1000, 1, 1)));
        assert!(time::Date::from_value(RawValue::Text(b"2023-02-29"), &c).is_err());
        let t = col(ColumnType::Time);
        let dur: time::Duration =
            FromValue::from_value(RawValue::Text(b"100:00:00.5"), &t).unwrap();
        assert_eq!(dur.whole_milliseconds(), 360_000_500);
    }

    #[cfg(feature = "uuid")]
    #[test]
    fn uuid_conversions() {
        let c = col(ColumnType::String);
        let s = b"123e4567-e89b-12d3-a456-426614174000";
        let u: uuid::Uuid = FromValue::from_value(RawValue::Text(s), &c).unwrap();
        assert_eq!(u.to_value(), Value::Bytes(s.to_vec()));
        let param = u.to_param();
        assert!(matches!(param, crate::value::Param::Inline(_)));
        assert_eq!(param.value(), ValueRef::Bytes(s));
        let raw = u.as_bytes().to_vec();
        let u2: uuid::Uuid = FromValue::from_value(RawValue::Bytes(&raw), &c).unwrap();
        assert_eq!(u, u2);
        assert!(uuid::Uuid::from_value(RawValue::Text(b"nope"), &c).is_err());
    }

    #[cfg(feature = "rust_decimal")]
    #[test]
    fn decimal_conversions() {
        let c = col(ColumnType::NewDecimal);
        let d: rust_decimal::Decimal =
            FromValue::from_value(RawValue::Text(b"-12345.678900"), &c).unwrap();
        assert_eq!(d.to_string(), "-12345.678900");
        assert!(rust_decimal::Decimal::from_value(
            RawValue::Text(b"99999999999999999999999999999999999.9"),
            &c
        )
        .is_err());
    }

    #[cfg(feature = "bigdecimal")]
    #[test]
    fn bigdecimal_conversions() {
        let c = col(ColumnType::NewDecimal);
        let s = b"-99999999999999999999999999999999999.999999999999999999999999999999";
        let d: bigdecimal::BigDecimal = FromValue::from_value(RawValue::Text(s), &c).unwrap();
        assert_eq!(d.to_value(), Value::Bytes(s.to_vec()));
    }

    #[cfg(feature = "serde_json")]
    #[test]
    fn json_conversions() {
        let c = col(ColumnType::Blob);
        let v: serde_json::Value =
            FromValue::from_value(RawValue::Text(br#"{"a": [1, 2.5, null]}"#), &c).unwrap();
        assert_eq!(v["a"][1], 2.5);
        assert!(serde_json::Value::from_value(RawValue::Text(b"{"), &c).is_err());
    }
}
