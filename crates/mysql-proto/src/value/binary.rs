//! The binary protocol: result rows of `COM_STMT_EXECUTE` (`ProtocolBinary::ResultsetRow`) and
//! parameter values.
//!
//! A binary row is 0x00, a NULL bitmap of `(columns + 7 + 2) / 8` bytes (bit `i + 2` for column
//! `i`), then the non-NULL values, each encoded by its column type: 1, 2, 4 or 8 bytes for
//! integers, 4 / 8 for FLOAT / DOUBLE, a length byte (0, 4, 7, 11) and fields for dates, a
//! length byte (0, 8, 12) and fields for TIME, and a length-encoded string for everything else.

use crate::codec::{Reader, Writer};
use crate::constants::ColumnType;
use crate::error::{Error, Result};
use crate::packets::Column;
use crate::value::convert::RawValue;
use crate::value::param::Value;
use crate::value::temporal::{DateTime, Time};

/// Checks that `payload` is a binary row for `columns`; fails with a protocol error otherwise.
pub fn check_binary_row(payload: &[u8], columns: &[Column]) -> Result<()> {
    let mut values = BinaryValues::new(payload, columns)?;
    for _ in 0..columns.len() {
        values.next_value()?;
    }
    values.reader.finish("the last value of a binary row")
}

/// The values of a binary row, in column order. Built over a row that passed
/// [`check_binary_row`]; on any other payload the iteration stops at the first malformed value.
#[derive(Debug, Clone)]
pub struct BinaryValues<'a> {
    reader: Reader<'a>,
    bitmap: &'a [u8],
    columns: &'a [Column],
    index: usize,
}

impl<'a> BinaryValues<'a> {
    /// Starts reading `payload`; fails when the header or NULL bitmap is missing.
    pub fn new(payload: &'a [u8], columns: &'a [Column]) -> Result<Self> {
        let mut reader = Reader::new(payload);
        if reader.u8()? != 0x00 {
            return Err(Error::protocol("binary row without its 0x00 header"));
        }
        let bitmap = reader.take((columns.len() + 7 + 2) / 8)?;
        Ok(BinaryValues {
            reader,
            bitmap,
            columns,
            index: 0,
        })
    }

    fn next_value(&mut self) -> Result<RawValue<'a>> {
        let i = self.index;
        let column = self
            .columns
            .get(i)
            .ok_or_else(|| Error::protocol("binary row has more values than columns"))?;
        self.index += 1;
        let bit = i + 2;
        if self.bitmap[bit / 8] & (1 << (bit % 8)) != 0 {
            return Ok(RawValue::Null);
        }
        read_value(&mut self.reader, column)
    }
}

impl<'a> Iterator for BinaryValues<'a> {
    type Item = RawValue<'a>;

    fn next(&mut self) -> Option<RawValue<'a>> {
        if self.index >= self.columns.len() {
            return None;
        }
        self.next_value().ok()
    }
}

fn read_value<'a>(r: &mut Reader<'a>, c: &Column) -> Result<RawValue<'a>> {
    use ColumnType::*;
    let unsigned = c.is_unsigned();
    let int = |v: i64, u: u64| {
        if unsigned {
            RawValue::UInt(u)
        } else {
            RawValue::Int(v)
        }
    };
    Ok(match c.column_type {
        Tiny => {
            let b = r.u8()?;
            int(b as i8 as i64, b as u64)
        }
        Short | Year => {
            let b = r.u16()?;
            int(b as i16 as i64, b as u64)
        }
        Long | Int24 => {
            let b = r.u32()?;
            int(b as i32 as i64, b as u64)
        }
        LongLong => {
            let b = r.u64()?;
            int(b as i64, b)
        }
        Float => RawValue::Float(f32::from_bits(r.u32()?)),
        Double => RawValue::Double(f64::from_bits(r.u64()?)),
        Date | DateTime | Timestamp | NewDate | DateTime2 | Timestamp2 => {
            RawValue::DateTime(read_datetime(r)?)
        }
        Time | Time2 => RawValue::Time(read_time(r)?),
        Null => return Err(Error::protocol("non-NULL value in a NULL-typed column")),
        _ => RawValue::Bytes(r.lenenc_bytes()?),
    })
}

fn read_datetime(r: &mut Reader<'_>) -> Result<DateTime> {
    let len = r.u8()?;
    let mut v = DateTime::default();
    if !matches!(len, 0 | 4 | 7 | 11) {
        return Err(Error::protocol(format!("binary date of length {len}")));
    }
    if len >= 4 {
        v.year = r.u16()?;
        v.month = r.u8()?;
        v.day = r.u8()?;
    }
    if len >= 7 {
        v.hour = r.u8()?;
        v.minute = r.u8()?;
        v.second = r.u8()?;
    }
    if len == 11 {
        v.micros = r.u32()?;
    }
    Ok(v)
}

fn read_time(r: &mut Reader<'_>) -> Result<Time> {
    let len = r.u8()?;
    let mut v = Time::default();
    if !matches!(len, 0 | 8 | 12) {
        return Err(Error::protocol(format!("binary time of length {len}")));
    }
    if len >= 8 {
        v.negative = r.u8()? != 0;
        v.days = r.u32()?;
        v.hours = r.u8()?;
        v.minutes = r.u8()?;
        v.seconds = r.u8()?;
    }
    if len == 12 {
        v.micros = r.u32()?;
    }
    Ok(v)
}

/// The type code and unsigned flag `COM_STMT_EXECUTE` declares for a parameter value.
pub fn param_type(v: &Value) -> (ColumnType, bool) {
    match v {
        Value::Null => (ColumnType::Null, false),
        Value::Int(_) => (ColumnType::LongLong, false),
        Value::UInt(_) => (ColumnType::LongLong, true),
        Value::Float(_) => (ColumnType::Float, false),
        Value::Double(_) => (ColumnType::Double, false),
        Value::Bytes(_) => (ColumnType::VarString, false),
        Value::DateTime(_) => (ColumnType::DateTime, false),
        Value::Time(_) => (ColumnType::Time, false),
    }
}

/// Appends the binary encoding of a non-NULL parameter value.
pub fn write_value(v: &Value, out: &mut Vec<u8>) {
    let mut w = Writer::new(out);
    match v {
        Value::Null => {}
        Value::Int(i) => {
            w.u64(*i as u64);
        }
        Value::UInt(u) => {
            w.u64(*u);
        }
        Value::Float(f) => {
            w.u32(f.to_bits());
        }
        Value::Double(d) => {
            w.u64(d.to_bits());
        }
        Value::Bytes(b) => {
            w.lenenc_bytes(b);
        }
        Value::DateTime(d) => {
            if d.micros != 0 {
                w.u8(11);
            } else if d.hour != 0 || d.minute != 0 || d.second != 0 {
                w.u8(7);
            } else {
                w.u8(4);
            }
            let len = out[out.len() - 1];
            let mut w = Writer::new(out);
            w.u16(d.year).u8(d.month).u8(d.day);
            if len >= 7 {
                w.u8(d.hour).u8(d.minute).u8(d.second);
            }
            if len == 11 {
                w.u32(d.micros);
            }
        }
        Value::Time(t) => {
            w.u8(if t.micros != 0 { 12 } else { 8 })
                .u8(t.negative as u8)
                .u32(t.days)
                .u8(t.hours)
                .u8(t.minutes)
                .u8(t.seconds);
            if t.micros != 0 {
                w.u32(t.micros);
            }
        }
    }
}

/// Encodes a binary row (used by the test server and tests).
pub fn encode_binary_row(values: &[Value], out: &mut Vec<u8>) {
    out.push(0x00);
    let start = out.len();
    out.resize(start + (values.len() + 7 + 2) / 8, 0);
    for (i, v) in values.iter().enumerate() {
        if matches!(v, Value::Null) {
            out[start + (i + 2) / 8] |= 1 << ((i + 2) % 8);
        }
    }
    for v in values {
        write_value(v, out);
    }
}
