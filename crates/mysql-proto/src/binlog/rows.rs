//! Row-based logging: TABLE_MAP events (a table's column types) and the row events that use
//! them, with every value decoded.
//!
//! Values come as [`Value`]s:
//!
//! | column type | value |
//! |---|---|
//! | TINYINT .. BIGINT | `Int` (signed reading); `UInt` when the table map says the column is unsigned (`binlog_row_metadata = FULL`, MariaDB 10.5+ / MySQL 8), else reinterpret a negative `Int` yourself |
//! | FLOAT, DOUBLE | `Float`, `Double` |
//! | DECIMAL | `Bytes` of its text, as the text protocol gives it (`"-12.50"`) |
//! | DATE, DATETIME | `DateTime` |
//! | TIMESTAMP | `DateTime` in UTC (the log stores seconds since the epoch) |
//! | TIME | `Time` |
//! | YEAR | `UInt` (0 for the zero year) |
//! | CHAR, VARCHAR, TEXT, BLOB, BINARY, GEOMETRY, MySQL JSON | `Bytes` (JSON: MySQL's binary form) |
//! | ENUM | `UInt`: the 1-based index of the member (0: the empty error value) |
//! | SET | `UInt`: the bit mask of members |
//! | BIT | `UInt` |
//! | NULL | `Null` |

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::Reader;
use crate::constants::ColumnType;
use crate::error::{Error, Result};
use crate::value::{DateTime, Time, Value};

use super::event::EventType;

/// The table of the row events that follow: its names and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMap {
    /// The number row events refer to it by (valid until the statement's last row event).
    pub table_id: u64,
    /// Its database.
    pub schema: String,
    /// Its name.
    pub table: String,
    /// Its columns, in table order.
    pub columns: Vec<BinlogColumn>,
}

/// A column as a TABLE_MAP describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinlogColumn {
    /// The type as logged: DATETIME2 rather than DATETIME, STRING for CHAR, ENUM and SET (see
    /// [`real_type`](Self::real_type)).
    pub column_type: ColumnType,
    /// The type's metadata (lengths, precision, fractional digits), as logged.
    pub metadata: u16,
    /// Whether the column may hold NULL.
    pub nullable: bool,
    /// Whether it is an unsigned number (known only with `binlog_row_metadata = FULL`).
    pub unsigned: bool,
    /// Its name (known only with `binlog_row_metadata = FULL`; empty otherwise).
    pub name: String,
}

impl BinlogColumn {
    /// The type, with CHAR / ENUM / SET told apart (the log calls all three STRING).
    pub fn real_type(&self) -> ColumnType {
        match self.column_type {
            ColumnType::String | ColumnType::Enum | ColumnType::Set => {
                ColumnType::from_u8(self.string_meta().0)
            }
            t => t,
        }
    }

    /// For STRING / ENUM / SET: the real type byte and the length (bytes of the value for ENUM
    /// and SET, the maximum length for CHAR, whose high bits MySQL folds into the type byte).
    fn string_meta(&self) -> (u8, u16) {
        let (b0, b1) = ((self.metadata >> 8) as u8, self.metadata & 0xff);
        if b0 & 0x30 != 0x30 {
            (b0 | 0x30, ((u16::from(b0 & 0x30) ^ 0x30) << 4) | b1)
        } else {
            (b0, b1)
        }
    }
}

/// What a row event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsKind {
    /// `WRITE_ROWS`: rows inserted (only `after`).
    Insert,
    /// `UPDATE_ROWS`: rows changed (`before` and `after`).
    Update,
    /// `DELETE_ROWS`: rows deleted (only `before`).
    Delete,
}

/// Rows inserted, updated or deleted in one table.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsEvent {
    /// What happened to them.
    pub kind: RowsKind,
    /// The table, from the TABLE_MAP the event refers to.
    pub table: Arc<TableMap>,
    /// The event's flags (`1`: the statement's last row event).
    pub flags: u16,
    /// The rows.
    pub rows: Vec<RowChange>,
}

/// One row of a [`RowsEvent`]: each image has a value per column of the table, `None` for a
/// column the image leaves out (`binlog_row_image` `MINIMAL` or `NOBLOB`), `Some(Value::Null)`
/// for SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    /// The row before (update, delete).
    pub before: Option<Vec<Option<Value>>>,
    /// The row after (insert, update).
    pub after: Option<Vec<Option<Value>>>,
}

/// `STMT_END_F`: the last row event of a statement; its table maps are not used again.
const STMT_END: u16 = 1;

/// The most columns a table has (MySQL's and MariaDB's limit), against lengths from the wire.
const MAX_COLUMNS: u64 = 4096;

impl TableMap {
    /// Parses a TABLE_MAP body (after the header, before the checksum) written by a MariaDB
    /// server (`mariadb`, whose signedness metadata counts YEAR as a number) or a MySQL one;
    /// fails with a protocol error when it is malformed.
    pub fn parse(body: &[u8], mariadb: bool) -> Result<TableMap> {
        let mut r = Reader::new(body);
        let table_id = table_id(&mut r)?;
        let _flags = r.u16()?;
        let schema = name(&mut r)?;
        let table = name(&mut r)?;
        let n = column_count(&mut r)?;
        let types = r.take(n)?.to_vec();
        let mut meta = Reader::new(r.lenenc_bytes()?);
        let nullable = bitmap(r.take(n.div_ceil(8))?, n);
        let mut columns = Vec::with_capacity(n);
        for (i, &t) in types.iter().enumerate() {
            let column_type = ColumnType::from_u8(t);
            columns.push(BinlogColumn {
                column_type,
                metadata: column_metadata(column_type, &mut meta)?,
                nullable: nullable[i],
                unsigned: false,
                name: String::new(),
            });
        }
        meta.finish("the TABLE_MAP column metadata")?;
        optional_metadata(&mut r, &mut columns, mariadb)?;
        Ok(TableMap {
            table_id,
            schema,
            table,
            columns,
        })
    }
}

/// Parses a row event of type `t` with the table maps seen (cleared after a statement's last
/// row event).
pub(crate) fn parse_rows(
    t: EventType,
    body: &[u8],
    tables: &mut HashMap<u64, Arc<TableMap>>,
) -> Result<RowsEvent> {
    let mut r = Reader::new(body);
    let id = table_id(&mut r)?;
    let flags = r.u16()?;
    if t.0 >= EventType::WRITE_ROWS_V2.0 {
        let extra = r.u16()? as usize;
        r.take(extra.checked_sub(2).ok_or_else(|| {
            Error::protocol("row event extra data shorter than its length field")
        })?)?;
    }
    let kind = match t {
        EventType::WRITE_ROWS_V1 | EventType::WRITE_ROWS_V2 => RowsKind::Insert,
        EventType::UPDATE_ROWS_V1 | EventType::UPDATE_ROWS_V2 => RowsKind::Update,
        _ => RowsKind::Delete,
    };
    let table = tables
        .get(&id)
        .cloned()
        .ok_or_else(|| Error::protocol(format!("row event for table id {id} with no TABLE_MAP")))?;
    let n = column_count(&mut r)?;
    if n != table.columns.len() {
        return Err(Error::protocol(format!(
            "row event with {n} columns for a table map of {}",
            table.columns.len()
        )));
    }
    let present = bitmap(r.take(n.div_ceil(8))?, n);
    let present_after = match kind {
        RowsKind::Update => bitmap(r.take(n.div_ceil(8))?, n),
        _ => present.clone(),
    };
    let mut rows = Vec::new();
    while !r.is_empty() {
        let at = r.position();
        let change = match kind {
            RowsKind::Insert => RowChange {
                before: None,
                after: Some(image(&mut r, &table, &present)?),
            },
            RowsKind::Delete => RowChange {
                before: Some(image(&mut r, &table, &present)?),
                after: None,
            },
            RowsKind::Update => RowChange {
                before: Some(image(&mut r, &table, &present)?),
                after: Some(image(&mut r, &table, &present_after)?),
            },
        };
        if r.position() == at {
            // No column in the image, or only NULL-typed ones: the rest would never be read.
            return Err(Error::protocol("row event with an image of no bytes"));
        }
        rows.push(change);
    }
    if flags & STMT_END != 0 {
        tables.clear();
    }
    Ok(RowsEvent {
        kind,
        table,
        flags,
        rows,
    })
}

/// One row image: a null bitmap over the present columns, then their non-null values.
fn image(r: &mut Reader<'_>, table: &TableMap, present: &[bool]) -> Result<Vec<Option<Value>>> {
    let count = present.iter().filter(|&&p| p).count();
    let nulls = bitmap(r.take(count.div_ceil(8))?, count);
    let mut values = Vec::with_capacity(table.columns.len());
    let mut k = 0;
    for (column, &is_present) in table.columns.iter().zip(present) {
        if !is_present {
            values.push(None);
            continue;
        }
        let null = nulls[k];
        k += 1;
        values.push(Some(if null { Value::Null } else { value(r, column)? }));
    }
    Ok(values)
}

/// Decodes one non-null value of `column`.
fn value(r: &mut Reader<'_>, column: &BinlogColumn) -> Result<Value> {
    let meta = column.metadata;
    let int = |v: i64, bits: u32| -> Value {
        if column.unsigned {
            Value::UInt((v as u64) & (u64::MAX >> (64 - bits)))
        } else {
            Value::Int(v)
        }
    };
    Ok(match column.column_type {
        ColumnType::Tiny => int(i64::from(r.u8()? as i8), 8),
        ColumnType::Short => int(i64::from(r.u16()? as i16), 16),
        ColumnType::Int24 => int(i64::from(((r.u24()? << 8) as i32) >> 8), 24),
        ColumnType::Long => int(i64::from(r.u32()? as i32), 32),
        ColumnType::LongLong => int(r.u64()? as i64, 64),
        ColumnType::Float => Value::Float(f32::from_bits(r.u32()?)),
        ColumnType::Double => Value::Double(f64::from_bits(r.u64()?)),
        ColumnType::Year => Value::UInt(match r.u8()? {
            0 => 0,
            y => 1900 + u64::from(y),
        }),
        ColumnType::Date | ColumnType::NewDate => {
            let v = r.u24()?;
            Value::DateTime(DateTime::date(
                (v >> 9) as u16,
                ((v >> 5) & 15) as u8,
                (v & 31) as u8,
            ))
        }
        ColumnType::Time => {
            let v = ((r.u24()? << 8) as i32) >> 8;
            let a = v.unsigned_abs();
            Value::Time(time_of(v < 0, a / 10000, a / 100 % 100, a % 100, 0))
        }
        ColumnType::DateTime => {
            let v = r.u64()?;
            let (date, t) = (v / 1_000_000, v % 1_000_000);
            Value::DateTime(DateTime {
                year: (date / 10000) as u16,
                month: (date / 100 % 100) as u8,
                day: (date % 100) as u8,
                hour: (t / 10000) as u8,
                minute: (t / 100 % 100) as u8,
                second: (t % 100) as u8,
                micros: 0,
            })
        }
        ColumnType::Timestamp => Value::DateTime(utc(u64::from(r.u32()?), 0)),
        ColumnType::Timestamp2 => {
            let secs = u32::from_be_bytes(r.take(4)?.try_into().expect("four bytes"));
            Value::DateTime(utc(u64::from(secs), fraction(r, meta)?))
        }
        ColumnType::DateTime2 => {
            let packed = be(r.take(5)?) as i64 - 0x80_0000_0000;
            let (ymd, hms) = (
                packed.unsigned_abs() >> 17,
                packed.unsigned_abs() % (1 << 17),
            );
            let (ym, day) = (ymd >> 5, ymd % 32);
            Value::DateTime(DateTime {
                year: (ym / 13) as u16,
                month: (ym % 13) as u8,
                day: day as u8,
                hour: (hms >> 12) as u8,
                minute: ((hms >> 6) % 64) as u8,
                second: (hms % 64) as u8,
                micros: fraction(r, meta)?,
            })
        }
        ColumnType::Time2 => Value::Time(time2(r, meta)?),
        ColumnType::NewDecimal => Value::Bytes(decimal(r, (meta >> 8) as u8, (meta & 0xff) as u8)?),
        ColumnType::VarChar | ColumnType::VarString => {
            let len = if meta < 256 {
                usize::from(r.u8()?)
            } else {
                usize::from(r.u16()?)
            };
            Value::Bytes(r.take(len)?.to_vec())
        }
        ColumnType::String | ColumnType::Enum | ColumnType::Set => {
            let (real, len) = column.string_meta();
            match ColumnType::from_u8(real) {
                ColumnType::Enum | ColumnType::Set => Value::UInt(le(r.take(usize::from(len))?)),
                _ => {
                    let n = if len < 256 {
                        usize::from(r.u8()?)
                    } else {
                        usize::from(r.u16()?)
                    };
                    Value::Bytes(r.take(n)?.to_vec())
                }
            }
        }
        ColumnType::Bit => {
            let len = usize::from(meta & 0xff) + usize::from((meta >> 8) & 7 != 0);
            Value::UInt(be(r.take(len)?))
        }
        ColumnType::TinyBlob
        | ColumnType::MediumBlob
        | ColumnType::LongBlob
        | ColumnType::Blob
        | ColumnType::Geometry
        | ColumnType::Json => {
            let pack = usize::from(meta & 0xff);
            if !(1..=4).contains(&pack) {
                return Err(Error::protocol(format!("BLOB length of {pack} bytes")));
            }
            let len = le(r.take(pack)?) as usize;
            Value::Bytes(r.take(len)?.to_vec())
        }
        ColumnType::Null => Value::Null,
        other => {
            return Err(Error::unsupported(format!(
                "binlog values of column type {other:?}"
            )))
        }
    })
}

/// The metadata bytes a TABLE_MAP gives a column of type `t`.
fn column_metadata(t: ColumnType, meta: &mut Reader<'_>) -> Result<u16> {
    Ok(match t {
        ColumnType::Float
        | ColumnType::Double
        | ColumnType::TinyBlob
        | ColumnType::MediumBlob
        | ColumnType::LongBlob
        | ColumnType::Blob
        | ColumnType::Geometry
        | ColumnType::Json
        | ColumnType::Timestamp2
        | ColumnType::DateTime2
        | ColumnType::Time2 => u16::from(meta.u8()?),
        ColumnType::VarChar | ColumnType::VarString => meta.u16()?,
        // Two bytes, kept in this order (the first as the high byte): bits % 8 then bytes
        // (BIT); precision then scale (DECIMAL); the real type then the length (STRING).
        ColumnType::Bit
        | ColumnType::NewDecimal
        | ColumnType::String
        | ColumnType::Enum
        | ColumnType::Set => be(meta.take(2)?) as u16,
        _ => 0,
    })
}

/// The optional metadata of MySQL 8 and MariaDB 10.5+ (`binlog_row_metadata`): type, length,
/// value triples; this reads signedness (1) and column names (4), and skips the rest.
fn optional_metadata(
    r: &mut Reader<'_>,
    columns: &mut [BinlogColumn],
    mariadb: bool,
) -> Result<()> {
    while !r.is_empty() {
        let kind = r.u8()?;
        let mut v = Reader::new(r.lenenc_bytes()?);
        match kind {
            1 => {
                // One bit per numeric column, most significant bit first.
                let bits = v.rest();
                let numeric = columns
                    .iter_mut()
                    .filter(|c| is_numeric(c.column_type, mariadb));
                for (i, c) in numeric.enumerate() {
                    let byte = bits.get(i / 8).copied().unwrap_or(0);
                    c.unsigned = byte & (0x80 >> (i % 8)) != 0;
                }
            }
            4 => {
                for c in columns.iter_mut() {
                    c.name = String::from_utf8_lossy(v.lenenc_bytes()?).into_owned();
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the signedness metadata has a bit for a column of type `t`: MySQL's numbers, and
/// for MariaDB YEAR too (measured: MariaDB 10.11 sets YEAR's bit).
fn is_numeric(t: ColumnType, mariadb: bool) -> bool {
    (mariadb && t == ColumnType::Year)
        || matches!(
            t,
            ColumnType::Tiny
                | ColumnType::Short
                | ColumnType::Int24
                | ColumnType::Long
                | ColumnType::LongLong
                | ColumnType::NewDecimal
                | ColumnType::Float
                | ColumnType::Double
        )
}

/// A 6-byte table id.
fn table_id(r: &mut Reader<'_>) -> Result<u64> {
    Ok(le(r.take(6)?))
}

/// A length-prefixed, NUL-terminated name.
fn name(r: &mut Reader<'_>) -> Result<String> {
    let len = usize::from(r.u8()?);
    let s = String::from_utf8_lossy(r.take(len)?).into_owned();
    r.u8()?;
    Ok(s)
}

fn column_count(r: &mut Reader<'_>) -> Result<usize> {
    let n = r.lenenc_int()?;
    if n == 0 || n > MAX_COLUMNS {
        return Err(Error::protocol(format!("binlog table of {n} columns")));
    }
    Ok(n as usize)
}

/// The first `n` bits of `bytes`, least significant bit first.
fn bitmap(bytes: &[u8], n: usize) -> Vec<bool> {
    (0..n).map(|i| bytes[i / 8] & (1 << (i % 8)) != 0).collect()
}

fn le(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// The fractional seconds of a TIMESTAMP2 / DATETIME2 with `fsp` digits, in microseconds.
fn fraction(r: &mut Reader<'_>, fsp: u16) -> Result<u32> {
    Ok(match fsp {
        0 => 0,
        1 | 2 => u32::from(r.u8()?) * 10_000,
        3 | 4 => be(r.take(2)?) as u32 * 100,
        _ => be(r.take(3)?) as u32,
    })
}

/// A TIME2 with `fsp` fractional digits (MySQL's `my_time_packed_from_binary`).
fn time2(r: &mut Reader<'_>, fsp: u16) -> Result<Time> {
    const INT_OFS: i64 = 0x80_0000;
    let packed: i64 = match fsp {
        0 => (be(r.take(3)?) as i64 - INT_OFS) << 24,
        1..=4 => {
            let mut int = be(r.take(3)?) as i64 - INT_OFS;
            let (width, scale) = if fsp <= 2 { (1, 10_000) } else { (2, 100) };
            let mut frac = be(r.take(width)?) as i64;
            if int < 0 && frac != 0 {
                int += 1;
                frac -= 1 << (8 * width);
            }
            (int << 24) + frac * scale
        }
        _ => be(r.take(6)?) as i64 - 0x8000_0000_0000,
    };
    let a = packed.unsigned_abs();
    let hms = a >> 24;
    Ok(time_of(
        packed < 0,
        ((hms >> 12) % (1 << 10)) as u32,
        ((hms >> 6) % 64) as u32,
        (hms % 64) as u32,
        (a % (1 << 24)) as u32,
    ))
}

fn time_of(negative: bool, hours: u32, minutes: u32, seconds: u32, micros: u32) -> Time {
    Time {
        negative,
        days: hours / 24,
        hours: (hours % 24) as u8,
        minutes: minutes as u8,
        seconds: seconds as u8,
        micros,
    }
}

/// Seconds since the Unix epoch as a UTC date and time.
fn utc(secs: u64, micros: u32) -> DateTime {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let z = days as i64 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    DateTime {
        year,
        month,
        day,
        hour: (rem / 3600) as u8,
        minute: (rem / 60 % 60) as u8,
        second: (rem % 60) as u8,
        micros,
    }
}

/// A binary DECIMAL(`precision`, `scale`) as its text (MySQL's `bin2decimal`): groups of nine
/// digits in four big-endian bytes, a shorter group for the leftover digits at each end, the
/// first bit inverted as the sign, every byte inverted for a negative number.
fn decimal(r: &mut Reader<'_>, precision: u8, scale: u8) -> Result<Vec<u8>> {
    const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
    if scale > precision || precision > 65 {
        return Err(Error::protocol(format!(
            "DECIMAL({precision}, {scale}) in a table map"
        )));
    }
    let (intg, frac) = (usize::from(precision - scale), usize::from(scale));
    let (intg0, intg0x, frac0, frac0x) = (intg / 9, intg % 9, frac / 9, frac % 9);
    let size = intg0 * 4 + DIG2BYTES[intg0x] + frac0 * 4 + DIG2BYTES[frac0x];
    let mut bytes = r.take(size)?.to_vec();
    if bytes.is_empty() {
        return Ok(b"0".to_vec());
    }
    let negative = bytes[0] & 0x80 == 0;
    bytes[0] ^= 0x80;
    if negative {
        bytes.iter_mut().for_each(|b| *b = !*b);
    }
    let mut at = 0;
    let mut group = |n: usize| {
        let v = be(&bytes[at..at + n]);
        at += n;
        v
    };
    let mut int = String::new();
    if intg0x > 0 {
        int.push_str(&group(DIG2BYTES[intg0x]).to_string());
    }
    for _ in 0..intg0 {
        int.push_str(&format!("{:09}", group(4)));
    }
    let int = int.trim_start_matches('0');
    let mut text = String::new();
    if negative {
        text.push('-');
    }
    text.push_str(if int.is_empty() { "0" } else { int });
    if frac > 0 {
        text.push('.');
        for _ in 0..frac0 {
            text.push_str(&format!("{:09}", group(4)));
        }
        if frac0x > 0 {
            let v = group(DIG2BYTES[frac0x]);
            text.push_str(&format!("{v:0width$}", width = frac0x));
        }
    }
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_decode_as_mysql_documents_them() {
        // MySQL's decimal.c example: 1234567890.1234 as DECIMAL(14, 4).
        let bytes = [0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2];
        let got = decimal(&mut Reader::new(&bytes), 14, 4).unwrap();
        assert_eq!(got, b"1234567890.1234");
        // Its negative: every byte inverted.
        let neg: Vec<u8> = bytes.iter().map(|b| !b).collect();
        let got = decimal(&mut Reader::new(&neg), 14, 4).unwrap();
        assert_eq!(got, b"-1234567890.1234");
    }

    /// Regression (found by the fuzz target, as an out-of-memory): a row event whose images
    /// take no bytes (no column present) looped forever, pushing empty rows.
    #[test]
    fn images_of_no_bytes_are_refused() {
        // TABLE_MAP: table 7, test.t, one INT column, no metadata, nullable.
        let mut map = vec![7, 0, 0, 0, 0, 0, 0, 0, 4];
        map.extend_from_slice(b"test\0");
        map.push(1);
        map.extend_from_slice(b"t\0");
        map.extend_from_slice(&[1, 3, 0, 1]);
        let table = Arc::new(TableMap::parse(&map, true).unwrap());
        assert_eq!((table.table.as_str(), table.columns.len()), ("t", 1));
        let mut tables = HashMap::from([(7, table)]);
        // WRITE_ROWS: no column present, then a byte no image takes.
        let rows = [7, 0, 0, 0, 0, 0, 0, 0, 1, 0b0, 0x55];
        let e = parse_rows(EventType::WRITE_ROWS_V1, &rows, &mut tables).unwrap_err();
        assert!(e.to_string().contains("no bytes"), "{e}");
        // With the column present: one row (null bitmap, then the INT).
        let rows = [7, 0, 0, 0, 0, 0, 0, 0, 1, 0b1, 0x00, 5, 0, 0, 0];
        let got = parse_rows(EventType::WRITE_ROWS_V1, &rows, &mut tables).unwrap();
        assert_eq!(got.rows[0].after, Some(vec![Some(Value::Int(5))]));
        // MySQL's v2: the same after a length-prefixed extra data block (here 3 bytes of it).
        let rows = [
            7, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1, 2, 3, 1, 0b1, 0x00, 5, 0, 0, 0,
        ];
        let got = parse_rows(EventType::WRITE_ROWS_V2, &rows, &mut tables).unwrap();
        assert_eq!(got.rows[0].after, Some(vec![Some(Value::Int(5))]));
        let short = [7, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert!(parse_rows(EventType::WRITE_ROWS_V2, &short, &mut tables).is_err());
    }

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(utc(0, 0), DateTime::date(1970, 1, 1));
        // 2000-02-29 12:34:56 UTC.
        let d = utc(951_827_696, 7);
        assert_eq!(
            (d.year, d.month, d.day, d.hour, d.minute, d.second, d.micros),
            (2000, 2, 29, 12, 34, 56, 7)
        );
    }

    #[test]
    fn char_lengths_over_255_are_unfolded_from_the_type_byte() {
        // CHAR(255) in utf8mb4: 1020 (0x3FC) bytes, logged as type 0xCE (0xFE with bits 4-5
        // flipped by the length's bits 8-9), then the length's low byte 0xFC.
        let c = BinlogColumn {
            column_type: ColumnType::String,
            metadata: 0xcefc,
            nullable: false,
            unsigned: false,
            name: String::new(),
        };
        assert_eq!(c.string_meta(), (0xfe, 1020));
        assert_eq!(c.real_type(), ColumnType::String);
    }
}
