//! Renders any value as the server renders it in the text protocol, so that a binary-protocol
//! row can be printed (or converted to a string) exactly like the same row read as text.
//!
//! Rules, from the server's `Field::val_str` implementations: integers in decimal, padded with
//! zeros to the display width for ZEROFILL columns; DOUBLE as the shortest text that reads back
//! to the same value and FLOAT with at most 6 significant digits, both in `%g` style (exponent
//! form when the exponent is below -4 or at least the digit limit, written `1e-7` / `1.5e300`);
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

fn zerofill(s: String, column: &Column) -> String {
    let width = column.column_length as usize;
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
    // Significant digits and decimal exponent of the shortest (or 6-digit) form.
    let sci = if max_digits >= 17 {
        format!("{v:e}")
    } else {
        let s = format!("{:.*e}", max_digits - 1, v);
        // Drop trailing zeros of the mantissa.
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    let n = digits.len() as i32;
    let limit = if max_digits >= 17 {
        15
    } else {
        max_digits as i32
    };
    let text = if v == 0.0 {
        "0".to_string()
    } else if exp < -4 || exp >= limit {
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{exp}")
        } else {
            format!("{first}.{rest}e{exp}")
        }
    } else if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else if n <= exp + 1 {
        format!("{digits}{}", "0".repeat((exp + 1 - n) as usize))
    } else {
        let (int, frac) = digits.split_at((exp + 1) as usize);
        format!("{int}.{frac}")
    };
    zerofill(format!("{sign}{text}"), column)
}
