//! Renders any value as the server renders it in the text protocol, so that a binary-protocol
//! row can be printed (or converted to a string) exactly like the same row read as text.
//!
//! Rules, from the server's `Field::val_str` implementations: integers in decimal, padded with
//! zeros to the display width for ZEROFILL columns; DOUBLE as the shortest text that reads back
//! to the same value and FLOAT with at most 6 significant digits, in plain decimal unless the
//! value is below 1e-15 or an integer-valued number of more than 15 digits, which take the
//! exponent form `1e-16` / `1.5e300` (the server's `my_gcvt`, checked against MariaDB 10.11);
//! FLOAT / DOUBLE columns with fixed decimals with exactly that many; dates and times with the
//! column's fractional digits; everything else as the bytes sent.

use std::borrow::Cow;

use crate::constants::{ColumnFlags, ColumnType};
use crate::packets::Column;
use crate::value::convert::RawValue;

/// "Not a fixed number of decimals" in a column definition.
const NOT_FIXED_DEC: u8 = 31;

/// The text form of `value` for `column`; `None` for NULL.
pub fn to_text<'a>(value: RawValue<'a>, column: &Column) -> Option<Cow<'a, [u8]>> {
    let s = match value {
        RawValue::Null => return None,
        RawValue::Text(b) | RawValue::Bytes(b) => return Some(Cow::Borrowed(b)),
        RawValue::Int(i) => zerofill(i.to_string(), column),
        RawValue::UInt(u) => zerofill(u.to_string(), column),
        RawValue::Float(f) => float_text(f as f64, column, 6),
        RawValue::Double(d) => float_text(d, column, 17),
        RawValue::DateTime(d) => {
            let with_time = !matches!(column.column_type, ColumnType::Date | ColumnType::NewDate);
            d.format(with_time, fraction_digits(column))
        }
        RawValue::Time(t) => t.format(fraction_digits(column)),
    };
    Some(Cow::Owned(s.into_bytes()))
}

fn fraction_digits(column: &Column) -> u8 {
    if column.decimals > 6 {
        0
    } else {
        column.decimals
    }
}

/// The widest ZEROFILL display width a server declares (`INT(255)`); a larger column length
/// (from a hostile server) is cut to it, so rendering never allocates more than this.
const MAX_ZEROFILL_WIDTH: usize = 255;

fn zerofill(s: String, column: &Column) -> String {
    let width = (column.column_length as usize).min(MAX_ZEROFILL_WIDTH);
    if column.flags.contains(ColumnFlags::ZEROFILL) && s.len() < width {
        format!("{}{s}", "0".repeat(width - s.len()))
    } else {
        s
    }
}

fn float_text(v: f64, column: &Column, max_digits: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if column.decimals < NOT_FIXED_DEC {
        return zerofill(format!("{:.*}", column.decimals as usize, v), column);
    }
    // Significant digits and decimal exponent: the shortest round-trip form for DOUBLE, at
    // most `max_digits` significant digits for FLOAT.
    let sci = if max_digits >= 17 {
        format!("{v:e}")
    } else {
        format!("{:.*e}", max_digits - 1, v)
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        // Zero, negative zero included, is "0".
        return zerofill("0".to_string(), column);
    }
    let len = digits.len() as i32;
    // The decimal point sits after `decpt` digits (my_gcvt's `decpt`).
    let decpt = exp + 1;
    let exponential = if decpt <= 0 {
        decpt < -14
    } else {
        decpt >= len && decpt > 15
    };
    let text = if exponential {
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{exp}")
        } else {
            format!("{first}.{rest}e{exp}")
        }
    } else if decpt <= 0 {
        format!("0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if len <= decpt {
        format!("{digits}{}", "0".repeat((decpt - len) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{int}.{frac}")
    };
    zerofill(format!("{sign}{text}"), column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(v: f64, float: bool) -> String {
        let c = Column::new(
            "x",
            if float {
                ColumnType::Float
            } else {
                ColumnType::Double
            },
            63,
            0,
        );
        let mut c = c;
        c.decimals = NOT_FIXED_DEC;
        let raw = if float {
            RawValue::Float(v as f32)
        } else {
            RawValue::Double(v)
        };
        String::from_utf8(to_text(raw, &c).unwrap().into_owned()).unwrap()
    }

    /// Regression (fuzz target `call`): a column length of 4 GiB with ZEROFILL made rendering
    /// an integer allocate 4 GiB.
    #[test]
    fn zerofill_width_is_bounded() {
        let mut c = Column::new("x", ColumnType::LongLong, 63, 0);
        c.flags = ColumnFlags(ColumnFlags::ZEROFILL);
        c.column_length = u32::MAX;
        let text = to_text(RawValue::Int(42), &c).unwrap();
        assert_eq!(text.len(), MAX_ZEROFILL_WIDTH);
        assert!(text.ends_with(b"00042"));
        c.column_length = 5;
        assert_eq!(&*to_text(RawValue::Int(42), &c).unwrap(), b"00042");
    }

    #[test]
    fn doubles_like_mariadb() {
        // Pairs checked against MariaDB 10.11's text protocol.
        for (v, want) in [
            (1e-7, "0.0000001"),
            (1e-15, "0.000000000000001"),
            (1e-16, "1e-16"),
            (1.5e-15, "0.0000000000000015"),
            (1.2345678901234567e-10, "0.00000000012345678901234568"),
            (1e-100, "1e-100"),
            (1e14, "100000000000000"),
            (1e15, "1e15"),
            (1.5e15, "1.5e15"),
            (123456789012345.6, "123456789012345.6"),
            (1234567890123456.7, "1234567890123456.8"),
            (1.2345678901234567e20, "1.2345678901234567e20"),
            (1.5e300, "1.5e300"),
            (-1.7976931348623157e308, "-1.7976931348623157e308"),
            (0.1, "0.1"),
            (-0.0, "0"),
            (0.0, "0"),
        ] {
            assert_eq!(render(v, false), want, "{v:e}");
        }
    }

    #[test]
    fn floats_like_mariadb() {
        for (v, want) in [
            (1e-7, "0.0000001"),
            (123456789.0, "123457000"),
            (1e15, "1e15"),
            (3.40282e38, "3.40282e38"),
            (0.1, "0.1"),
            (-1.5, "-1.5"),
        ] {
            assert_eq!(render(v, true), want, "{v:e}");
        }
    }
}
