//! Conversions of column values into Rust types.
//!
//! | Rust type | accepted values |
//! |---|---|
//! | `i8`..`i64`, `u8`..`u64` | decimal integer text that fits (checked, no truncation or sign flip); BIT columns as big-endian bytes |
//! | `f32`, `f64` | any numeric text (`f32` fails when the value is finite but out of range) |
//! | `bool` | integers: 0 is false, any other is true |
//! | `String`, `Vec<u8>` | any value: text as sent, binary values rendered as the server renders them in text |
//! | `&str`, `&[u8]` | text and string values, borrowed (valid UTF-8 for `&str`) |
//! | [`DateTime`], [`Time`] | DATE / DATETIME / TIMESTAMP / TIME values in either protocol |
//! | `Option<T>` | NULL as `None`, else `T` |
//!
//! NULL into a non-`Option` type is a conversion error. Errors name the column, its type and
//! the Rust type asked for.

use crate::error::{Error, Result};
use crate::packets::Column;
use crate::value::binary_row::WithColumns;
use crate::value::render::to_text;
use crate::value::row::{RowFormat, RowRef};
use crate::value::temporal::{DateTime, Time};
use crate::value::text_row::TextFields;
use crate::ColumnType;

/// A column value as it came off the wire, before conversion.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue<'a> {
    /// SQL NULL.
    Null,
    /// A text-protocol value: the bytes the server rendered.
    Text(&'a [u8]),
    /// A binary-protocol signed integer (TINYINT..BIGINT, YEAR).
    Int(i64),
    /// A binary-protocol unsigned integer.
    UInt(u64),
    /// A binary-protocol FLOAT.
    Float(f32),
    /// A binary-protocol DOUBLE.
    Double(f64),
    /// A binary-protocol string-encoded value (strings, blobs, DECIMAL, BIT, JSON, ENUM, SET,
    /// GEOMETRY, ...).
    Bytes(&'a [u8]),
    /// A binary-protocol DATE / DATETIME / TIMESTAMP.
    DateTime(DateTime),
    /// A binary-protocol TIME.
    Time(Time),
}

/// A Rust type a column value converts into.
pub trait FromValue<'a>: Sized {
    /// Converts `value` of `column`. Fails with a conversion error that names the column.
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self>;
}

/// A Rust type a whole row converts into: tuples of [`FromValue`] types, one such type for a
/// row of one column (`conn.query_first::<i64>("SELECT COUNT(*) FROM t")`), or a struct with
/// `#[derive(FromRow)]` (feature `derive`, on `mysql-proto` and on every adapter crate).
///
/// The derive reads each named field from the column of the same name, in any order; borrowed
/// fields (`&'a str`, `&'a [u8]`) read from the receive buffer without a copy. Field
/// attributes: `#[mysql(rename = "column")]`, `#[mysql(default)]` (the type's default when the
/// row has no such column), `#[mysql(flatten)]` (a nested struct read from the same row),
/// `#[mysql(try_from = "T")]` (read a `T`, then `TryFrom`). A missing column or a value that
/// does not fit is a conversion error naming the column and the types.
///
/// ```ignore
/// use mysql_smol::FromRow;
///
/// #[derive(FromRow)]
/// struct Order {
///     id: u64,
///     #[mysql(rename = "sku_code")]
///     sku: String,
///     note: Option<String>,
///     #[mysql(try_from = "i64")]
///     quantity: u16,
/// }
/// let orders: Vec<Order> = conn.query_collect("SELECT * FROM orders").await?;
///
/// // Borrowed fields, without a copy: decode each row while it is lent.
/// #[derive(FromRow)]
/// struct Name<'a> {
///     name: &'a str,
/// }
/// let mut result = conn.query("SELECT name FROM customers").await?;
/// while let Some(row) = result.next_row().await? {
///     let Name { name } = row.decode()?;
/// }
/// ```
pub trait FromRow<'a>: Sized {
    /// Converts `row`; fails when the column count differs or a value does not convert.
    fn from_row(row: RowRef<'a>) -> Result<Self>;
}

#[cold]
fn mismatch(column: &Column, value: RawValue<'_>, rust: &str, why: &str) -> Error {
    let shown = match to_text(value, column) {
        None => "NULL".to_string(),
        Some(b) if b.len() <= 64 => format!("{:?}", String::from_utf8_lossy(&b)),
        Some(b) => format!("({} bytes)", b.len()),
    };
    let unsigned = if column.is_unsigned() {
        " UNSIGNED"
    } else {
        ""
    };
    Error::conversion(format!(
        "column `{}` ({}{unsigned}) value {shown} cannot be read as {rust}: {why}",
        column.name(),
        column.column_type.name(),
    ))
}

/// The bytes of a text or string value; NULL and other binary values are errors.
#[inline(always)]
fn non_null<'a>(value: RawValue<'a>, column: &Column, rust: &str) -> Result<&'a [u8]> {
    match value {
        RawValue::Text(b) | RawValue::Bytes(b) => Ok(b),
        _ => Err(not_bytes(value, column, rust)),
    }
}

/// The error of [`non_null`] (out of line: conversions inline only their success path).
#[cold]
#[inline(never)]
fn not_bytes(value: RawValue<'_>, column: &Column, rust: &str) -> Error {
    match value {
        RawValue::Null => null(column, rust),
        _ => mismatch(column, value, rust, "not a string value"),
    }
}

#[cold]
fn null(column: &Column, rust: &str) -> Error {
    mismatch(
        column,
        RawValue::Null,
        rust,
        "the value is NULL (use Option)",
    )
}

/// Parses ASCII decimal digits with an optional sign into an i128 (wide enough for every
/// MySQL integer), rejecting anything else.
fn parse_int(b: &[u8]) -> Option<i128> {
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 38 {
        return None;
    }
    let mut v: i128 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (d - b'0') as i128;
    }
    Some(if neg { -v } else { v })
}

/// Parses `-?[0-9]{1,18}` (fits i64 without overflow checks); `None` for anything else.
#[inline(always)]
pub(crate) fn parse_small_int(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    // At most 18 digits: fits an i64.
    let (v, []) = super::digits::leading_digits(digits, 0) else {
        return None;
    };
    let v = v as i64;
    Some(if neg { -v } else { v })
}

fn int_value(value: RawValue<'_>, column: &Column, rust: &str) -> Result<i128> {
    match value {
        RawValue::Int(i) => return Ok(i as i128),
        RawValue::UInt(u) => return Ok(u as i128),
        RawValue::Float(_) | RawValue::Double(_) | RawValue::DateTime(_) | RawValue::Time(_) => {
            return Err(mismatch(column, value, rust, "not an integer"))
        }
        _ => {}
    }
    let b = non_null(value, column, rust)?;
    if column.column_type == ColumnType::Bit {
        if b.len() > 8 {
            return Err(mismatch(column, value, rust, "BIT wider than 64 bits"));
        }
        return Ok(b.iter().fold(0i128, |acc, &x| (acc << 8) | x as i128));
    }
    parse_int(b).ok_or_else(|| mismatch(column, value, rust, "not an integer"))
}

macro_rules! int_impl {
    ($($t:ty),*) => {$(
        impl<'a> FromValue<'a> for $t {
            #[inline(always)]
            fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
                // The common cases inline: binary integers, short text integers.
                let fast = match value {
                    RawValue::Int(i) => <$t>::try_from(i).ok(),
                    RawValue::UInt(u) => <$t>::try_from(u).ok(),
                    RawValue::Text(b) if column.column_type != ColumnType::Bit => {
                        parse_small_int(b).and_then(|i| <$t>::try_from(i).ok())
                    }
                    _ => None,
                };
                match fast {
                    Some(v) => Ok(v),
                    None => int_slow(value, column, stringify!($t)),
                }
            }
        }
    )*};
}

/// Integer conversions the fast path of `FromValue for` integers does not take: wide and BIT
/// values, and the errors.
#[inline(never)]
fn int_slow<T: TryFrom<i128>>(value: RawValue<'_>, column: &Column, rust: &str) -> Result<T> {
    let v = int_value(value, column, rust)?;
    T::try_from(v).map_err(|_| mismatch(column, value, rust, "out of range"))
}
int_impl!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, isize, usize);

impl<'a> FromValue<'a> for bool {
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        Ok(int_value(value, column, "bool")? != 0)
    }
}

impl<'a> FromValue<'a> for f64 {
    #[inline(always)]
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        match value {
            RawValue::Double(d) => return Ok(d),
            RawValue::Float(f) => return Ok(f as f64),
            RawValue::Int(i) => return Ok(i as f64),
            RawValue::UInt(u) => return Ok(u as f64),
            _ => {}
        }
        let b = non_null(value, column, "f64")?;
        super::float::parse_f64(b).ok_or_else(|| mismatch(column, value, "f64", "not a number"))
    }
}

impl<'a> FromValue<'a> for f32 {
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        if let RawValue::Float(f) = value {
            return Ok(f);
        }
        if let RawValue::Text(b) | RawValue::Bytes(b) = value {
            // Rounded once, from the text: through f64 it would be rounded twice, which can
            // land on the other neighbour of a value just past halfway between two f32s.
            let f = utf8(b)
                .and_then(|s| s.parse::<f32>().ok())
                .ok_or_else(|| mismatch(column, value, "f32", "not a number"))?;
            if f.is_infinite() && f64::from_value(value, column)?.is_finite() {
                return Err(mismatch(column, value, "f32", "out of range"));
            }
            return Ok(f);
        }
        let v = f64::from_value(value, column)?;
        let f = v as f32;
        if v.is_finite() && f.is_infinite() {
            return Err(mismatch(column, value, "f32", "out of range"));
        }
        Ok(f)
    }
}

/// `b` as `&str` when it is valid UTF-8 (see [`crate::value::utf8`]: string columns dominate
/// row decoding).
#[inline]
pub(crate) fn utf8(b: &[u8]) -> Option<&str> {
    crate::value::utf8::str_from_utf8(b)
}

impl<'a> FromValue<'a> for &'a str {
    #[inline(always)]
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        let b = non_null(value, column, "&str")?;
        utf8(b).ok_or_else(|| mismatch(column, value, "&str", "not valid UTF-8"))
    }
}

impl<'a> FromValue<'a> for String {
    #[inline]
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        let b = to_text(value, column).ok_or_else(|| null(column, "String"))?;
        match utf8(&b) {
            Some(s) => Ok(s.to_owned()),
            None => Err(mismatch(column, value, "String", "not valid UTF-8")),
        }
    }
}

impl<'a> FromValue<'a> for &'a [u8] {
    #[inline(always)]
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        non_null(value, column, "&[u8]")
    }
}

impl<'a> FromValue<'a> for Vec<u8> {
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        to_text(value, column)
            .map(|b| b.into_owned())
            .ok_or_else(|| null(column, "Vec<u8>"))
    }
}

impl<'a> FromValue<'a> for DateTime {
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        if let Some(d) = datetime_of(value) {
            return Ok(d);
        }
        non_null(value, column, "DateTime")?;
        Err(mismatch(column, value, "DateTime", "not a date"))
    }
}

/// The date and time of a binary DATETIME value or of a string that parses as one; `None` for
/// anything else. The success path of `FromValue for DateTime`, shared with the conversions
/// into other date-time types.
#[inline]
pub(crate) fn datetime_of(value: RawValue<'_>) -> Option<DateTime> {
    match value {
        RawValue::DateTime(d) => Some(d),
        RawValue::Text(b) | RawValue::Bytes(b) => DateTime::parse(b),
        _ => None,
    }
}

impl<'a> FromValue<'a> for Time {
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        if let RawValue::Time(t) = value {
            return Ok(t);
        }
        let b = non_null(value, column, "Time")?;
        Time::parse(b).ok_or_else(|| mismatch(column, value, "Time", "not a time"))
    }
}

impl<'a, T: FromValue<'a>> FromValue<'a> for Option<T> {
    #[inline(always)]
    fn from_value(value: RawValue<'a>, column: &Column) -> Result<Self> {
        match value {
            RawValue::Null => Ok(None),
            v => T::from_value(v, column).map(Some),
        }
    }
}

impl<'a> FromValue<'a> for RawValue<'a> {
    fn from_value(value: RawValue<'a>, _column: &Column) -> Result<Self> {
        Ok(value)
    }
}

/// A row of exactly one column as its value: `query_collect::<String>(...)` instead of
/// `query_collect::<(String,)>(...)`. Fails, like a tuple of one, when the row has another
/// number of columns.
impl<'a, T: FromValue<'a>> FromRow<'a> for T {
    #[inline(always)]
    fn from_row(row: RowRef<'a>) -> Result<Self> {
        <(T,)>::from_row(row).map(|(value,)| value)
    }
}

macro_rules! tuple_impl {
    ($n:expr; $($t:ident),+) => {
        impl<'a, $($t: FromValue<'a>),+> FromRow<'a> for ($($t,)+) {
            #[inline(always)]
            fn from_row(row: RowRef<'a>) -> Result<Self> {
                if row.len() != $n {
                    return Err(Error::conversion(format!(
                        "row has {} columns but a tuple of {} was requested", row.len(), $n
                    )));
                }
                // One loop per format, so that each value is read without dispatching on it;
                // the binary one inline in the caller's loop (measured: ~10% less CPU per row),
                // the text one out of line (inline, it slowed text rows by 4%).
                match row.format() {
                    RowFormat::Binary => match WithColumns::new(row.payload(), row.columns()) {
                        Some(values) => Self::tuple_from(values),
                        // Not a binary row (it was not checked): every value reads as NULL.
                        None => text_tuple_from(TextFields::new(&[]), row.columns()),
                    },
                    RowFormat::Text => text_tuple_from(TextFields::new(row.payload()), row.columns()),
                }
            }
        }

        impl<'a, $($t: FromValue<'a>),+> TupleFrom<'a> for ($($t,)+) {
            #[inline(always)]
            fn tuple_from(
                mut values: impl Iterator<Item = (RawValue<'a>, &'a Column)>,
            ) -> Result<Self> {
                Ok(($({
                    // Invariant: the row has exactly $n columns (checked by from_row), and the
                    // iterator yields one value per column.
                    let (raw, column) = values.next().expect("column count checked");
                    $t::from_value(raw, column)?
                },)+))
            }
        }
    };
}

/// Builds a tuple from a row's values; one implementation per tuple size, used once per row
/// format by [`FromRow`].
trait TupleFrom<'a>: Sized {
    /// From one value and its column per tuple element.
    fn tuple_from(values: impl Iterator<Item = (RawValue<'a>, &'a Column)>) -> Result<Self>;
}

#[inline(never)]
fn text_tuple_from<'a, T: TupleFrom<'a>>(
    mut fields: TextFields<'a>,
    columns: &'a [Column],
) -> Result<T> {
    // Fields past the end of a row that was not checked read as NULL.
    let values = columns.iter().map(move |c| {
        let field = fields.next().flatten();
        (field.map_or(RawValue::Null, RawValue::Text), c)
    });
    T::tuple_from(values)
}

tuple_impl!(1; A);
tuple_impl!(2; A, B);
tuple_impl!(3; A, B, C);
tuple_impl!(4; A, B, C, D);
tuple_impl!(5; A, B, C, D, E);
tuple_impl!(6; A, B, C, D, E, F);
tuple_impl!(7; A, B, C, D, E, F, G);
tuple_impl!(8; A, B, C, D, E, F, G, H);
tuple_impl!(9; A, B, C, D, E, F, G, H, I);
tuple_impl!(10; A, B, C, D, E, F, G, H, I, J);
tuple_impl!(11; A, B, C, D, E, F, G, H, I, J, K);
tuple_impl!(12; A, B, C, D, E, F, G, H, I, J, K, L);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::ColumnFlags;

    fn col(t: ColumnType, unsigned: bool) -> Column {
        let flags = if unsigned { ColumnFlags::UNSIGNED } else { 0 };
        Column::new("c", t, 63, flags)
    }

    #[test]
    fn integers_are_checked() {
        let c = col(ColumnType::LongLong, true);
        let max = RawValue::Text(b"18446744073709551615");
        assert_eq!(u64::from_value(max, &c).unwrap(), u64::MAX);
        let e = i64::from_value(max, &c).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conversion);
        assert!(e.message().contains("`c` (BIGINT UNSIGNED)"), "{e}");
        assert!(e.message().contains("i64"), "{e}");
        let c = col(ColumnType::LongLong, false);
        let min = RawValue::Text(b"-9223372036854775808");
        assert_eq!(i64::from_value(min, &c).unwrap(), i64::MIN);
        assert!(u64::from_value(min, &c).is_err());
        assert!(i8::from_value(RawValue::Text(b"128"), &c).is_err());
        assert!(i32::from_value(RawValue::Text(b"1.5"), &c).is_err());
        assert!(i32::from_value(RawValue::Text(b""), &c).is_err());
        assert!(i32::from_value(RawValue::Null, &c).is_err());
        assert_eq!(Option::<i32>::from_value(RawValue::Null, &c).unwrap(), None);
    }

    /// A row that was not checked (a payload given to `RowRef` by hand) never panics when
    /// decoded into a tuple: a value that does not decode, or is missing, reads as NULL.
    #[test]
    fn unchecked_rows_read_missing_values_as_null() {
        use crate::value::binary_row::encode_binary_row;
        use crate::value::param::Value;
        use crate::value::row::{Columns, RowFormat};
        let columns: Columns = vec![
            col(ColumnType::LongLong, false),
            col(ColumnType::VarString, false),
        ]
        .into();
        let mut payload = Vec::new();
        encode_binary_row(
            &[Value::Int(7), Value::Bytes(b"abc".to_vec())],
            &mut payload,
        );
        let cut = &payload[..payload.len() - 1];
        let row = RowRef::with_format(cut, &columns, RowFormat::Binary);
        let (id, name): (i64, Option<&str>) = row.decode().unwrap();
        assert_eq!((id, name), (7, None));
        let e = row.decode::<(i64, &str)>().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Conversion, "{e}");
        // Text: fields past the end of the payload.
        let text = [1u8, b'7'];
        let row = RowRef::new(&text, &columns);
        let (id, name): (i64, Option<&str>) = row.decode().unwrap();
        assert_eq!((id, name), (7, None));
    }

    #[test]
    fn bit_columns_are_big_endian() {
        let c = col(ColumnType::Bit, true);
        assert_eq!(
            u64::from_value(RawValue::Text(&[0xff; 8]), &c).unwrap(),
            u64::MAX
        );
        assert_eq!(
            u16::from_value(RawValue::Text(&[1, 2]), &c).unwrap(),
            0x0102
        );
        assert!(u8::from_value(RawValue::Text(&[1, 2]), &c).is_err());
    }

    #[test]
    fn floats_and_strings() {
        let c = col(ColumnType::Double, false);
        assert_eq!(
            f64::from_value(RawValue::Text(b"-1.5e300"), &c).unwrap(),
            -1.5e300
        );
        assert!(f32::from_value(RawValue::Text(b"1e300"), &c).is_err());
        assert_eq!(
            f32::from_value(RawValue::Text(b"-inf"), &c).unwrap(),
            f32::NEG_INFINITY
        );
        assert!(f32::from_value(RawValue::Text(b"1.5x"), &c).is_err());
        // Regression: just past halfway between 1 and the next f32, so it rounds up; through
        // f64 it became exactly halfway, then rounded to even: 1.
        let past_halfway = b"1.0000000596046447753906250001";
        assert_eq!(
            f32::from_value(RawValue::Text(past_halfway), &c).unwrap(),
            1.0 + f32::EPSILON
        );
        let c = col(ColumnType::VarString, false);
        assert_eq!(
            <&str>::from_value(RawValue::Text("é".as_bytes()), &c).unwrap(),
            "é"
        );
        assert!(String::from_value(RawValue::Text(&[0xff]), &c).is_err());
        assert_eq!(
            Vec::<u8>::from_value(RawValue::Text(&[0xff]), &c).unwrap(),
            vec![0xff]
        );
    }
}
