//! The binary protocol: result rows of `COM_STMT_EXECUTE` (`ProtocolBinary::ResultsetRow`) and
//! parameter values.
//!
//! A binary row is 0x00, a NULL bitmap of `(columns + 7 + 2) / 8` bytes (bit `i + 2` for column
//! `i`), then the non-NULL values, each encoded by its column type: 1, 2, 4 or 8 bytes for
//! integers, 4 / 8 for FLOAT / DOUBLE, a length byte (0, 4, 7, 11) and fields for dates, a
//! length byte (0, 8, 12) and fields for TIME, and a length-encoded string for everything else.

use crate::codec::Writer;
use crate::constants::ColumnType;
use crate::error::{Error, Result};
use crate::packets::Column;
use crate::value::convert::RawValue;
use crate::value::param::{Value, ValueRef};

/// Checks that `payload` is a binary row for `columns`; fails with a protocol error otherwise.
/// Only the lengths are walked (no value is decoded), so checking every row is cheap.
pub fn check_binary_row(payload: &[u8], columns: &[Column]) -> Result<()> {
    check_binary_row_layout(payload, &layout(columns), columns)
}

/// Value kinds of [`layout`]: 1, 2, 4 and 8 are fixed widths; these are the others.
const KIND_DATE: u8 = 0x10;
const KIND_TIME: u8 = 0x11;
const KIND_LENENC: u8 = 0x12;
const KIND_NULL: u8 = 0x13;

/// The most columns whose NULL flags fit one `u64` (the bitmap's first two bits are reserved).
const SMALL_COLUMNS: usize = 62;

/// How the binary rows of a result set are laid out, computed once per result set ([`layout`])
/// so that checking a row looks neither at the column definitions nor, for rows of up to 62
/// columns, at each fixed-width column: the widths of the fixed-width columns between two
/// values whose length the row tells are added in one step.
#[derive(Debug, Clone, Default)]
pub struct RowLayout {
    /// Each column's value kind: 1, 2, 4 or 8 (a fixed width) or one of the `KIND_*`.
    kinds: Vec<u8>,
    /// One step per column whose width the row tells (rows of at most 62 columns).
    steps: Vec<Step>,
    /// The fixed-width columns after the last step.
    tail: Gap,
}

/// Fixed-width columns in a row: their total width, and their bits in the row's NULL flags.
#[derive(Debug, Clone, Copy, Default)]
struct Gap {
    width: u32,
    mask: u64,
}

impl Gap {
    /// The bytes these columns take in a row with NULL flags `nulls` (a NULL takes none).
    #[inline(always)]
    fn width(&self, nulls: u64, kinds: &[u8]) -> usize {
        let mut width = self.width as usize;
        let mut null = nulls & self.mask;
        while null != 0 {
            width -= kinds[null.trailing_zeros() as usize] as usize;
            null &= null - 1;
        }
        width
    }
}

/// A column whose width the row tells (string, date, time, NULL type), after a [`Gap`].
#[derive(Debug, Clone, Copy)]
struct Step {
    gap: Gap,
    column: u8,
    kind: u8,
}

/// The [`RowLayout`] of `columns`.
pub fn layout(columns: &[Column]) -> RowLayout {
    let mut out = RowLayout::default();
    layout_into(columns, &mut out);
    out
}

/// [`layout`] into `out`, reusing its allocations.
pub fn layout_into(columns: &[Column], out: &mut RowLayout) {
    use ColumnType::*;
    out.kinds.clear();
    out.kinds
        .extend(columns.iter().map(|c| match c.column_type {
            Tiny => 1,
            Short | Year => 2,
            Long | Int24 | Float => 4,
            LongLong | Double => 8,
            Date | DateTime | Timestamp | NewDate | DateTime2 | Timestamp2 => KIND_DATE,
            Time | Time2 => KIND_TIME,
            Null => KIND_NULL,
            _ => KIND_LENENC,
        }));
    out.steps.clear();
    out.tail = Gap::default();
    if out.kinds.len() > SMALL_COLUMNS {
        return; // walked column by column
    }
    for (i, &kind) in out.kinds.iter().enumerate() {
        if kind <= 8 {
            out.tail.width += kind as u32;
            out.tail.mask |= 1 << i;
        } else {
            let gap = std::mem::take(&mut out.tail);
            out.steps.push(Step {
                gap,
                column: i as u8,
                kind,
            });
        }
    }
}

/// [`check_binary_row`] with the [`layout`] of `columns` computed beforehand. Fails with a
/// misuse error when `layout` is of another number of columns.
pub fn check_binary_row_layout(
    payload: &[u8],
    layout: &RowLayout,
    columns: &[Column],
) -> Result<()> {
    if layout.kinds.len() != columns.len() {
        return Err(Error::misuse(format!(
            "a row layout of {} columns used for {} columns",
            layout.kinds.len(),
            columns.len()
        )));
    }
    let bitmap_len = (layout.kinds.len() + 7 + 2) / 8;
    if payload.first() != Some(&0x00) {
        return Err(Error::protocol("binary row without its 0x00 header"));
    }
    let Some(bitmap) = payload.get(1..1 + bitmap_len) else {
        return Err(Error::protocol("binary row shorter than its NULL bitmap"));
    };
    let pos = 1 + bitmap_len;
    let end = match RowNulls::new(bitmap) {
        RowNulls::Small(nulls) => walk_steps(payload, pos, layout, columns, nulls.0)?,
        RowNulls::Large(nulls) => walk_lengths(payload, pos, &layout.kinds, columns, nulls)?,
    };
    match end.cmp(&payload.len()) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(Error::protocol(format!(
            "{} trailing bytes after the last value of a binary row",
            payload.len() - end
        ))),
        // Only fixed-width values can overrun here: name the column they end in.
        std::cmp::Ordering::Greater => Err(overrun(payload, columns, bitmap)),
    }
}

/// [`walk_lengths`] for rows of at most 62 columns, whose NULL flags are `nulls` (bit `i` for
/// column `i`): only the columns whose width the row tells are visited, the fixed-width ones
/// between them added at once.
#[inline(always)]
fn walk_steps(
    payload: &[u8],
    mut pos: usize,
    layout: &RowLayout,
    columns: &[Column],
    nulls: u64,
) -> Result<usize> {
    for s in &layout.steps {
        pos += s.gap.width(nulls, &layout.kinds);
        if nulls >> s.column & 1 != 0 {
            continue;
        }
        let Some(&first) = payload.get(pos) else {
            return Err(truncated(&columns[s.column as usize]));
        };
        pos += value_len(payload, pos, first, s.kind, &columns[s.column as usize])?;
    }
    Ok(pos + layout.tail.width(nulls, &layout.kinds))
}

/// The encoded length of the value at `pos` (whose first byte is `first`) of a column of
/// `kind` whose width the row tells.
#[inline(always)]
fn value_len(payload: &[u8], pos: usize, first: u8, kind: u8, column: &Column) -> Result<usize> {
    // The common cases inline: short strings, dates and times of a valid length.
    Ok(match kind {
        KIND_LENENC if first <= 0xfa => 1 + first as usize,
        KIND_DATE if matches!(first, 0 | 4 | 7 | 11) => 1 + first as usize,
        KIND_TIME if matches!(first, 0 | 8 | 12) => 1 + first as usize,
        _ => long_value_len(payload, pos, kind, column)?,
    })
}

/// The NULL flags of a row's columns, in column order.
trait NullFlags {
    /// Whether the next column is NULL.
    fn next_is_null(&mut self) -> bool;
}

/// A NULL bitmap of at most 8 bytes, shifted so that bit 0 is the next column.
#[derive(Debug, Clone)]
struct SmallNulls(u64);

impl NullFlags for SmallNulls {
    #[inline(always)]
    fn next_is_null(&mut self) -> bool {
        let null = self.0 & 1 != 0;
        self.0 >>= 1;
        null
    }
}

/// A longer NULL bitmap, read bit by bit.
#[derive(Debug, Clone)]
struct LargeNulls<'a> {
    bitmap: &'a [u8],
    bit: usize,
}

impl NullFlags for LargeNulls<'_> {
    #[inline(always)]
    fn next_is_null(&mut self) -> bool {
        let bit = self.bit;
        self.bit += 1;
        self.bitmap
            .get(bit / 8)
            .is_some_and(|b| b & (1 << (bit % 8)) != 0)
    }
}

/// The NULL flags of a row of either bitmap width (for [`BinaryValues`], which is not generic).
#[derive(Debug, Clone)]
enum RowNulls<'a> {
    Small(SmallNulls),
    Large(LargeNulls<'a>),
}

impl<'a> RowNulls<'a> {
    fn new(bitmap: &'a [u8]) -> Self {
        if bitmap.len() <= 8 {
            RowNulls::Small(SmallNulls(small_bitmap(bitmap) >> 2))
        } else {
            RowNulls::Large(LargeNulls { bitmap, bit: 2 })
        }
    }
}

impl NullFlags for RowNulls<'_> {
    #[inline(always)]
    fn next_is_null(&mut self) -> bool {
        match self {
            RowNulls::Small(n) => n.next_is_null(),
            RowNulls::Large(n) => n.next_is_null(),
        }
    }
}

/// Walks the value lengths of a row from `pos` (just after the NULL bitmap), column by column
/// (rows of more than 62 columns); returns where the
/// values end, which the caller compares with the payload's length. `pos` may run past the end
/// on the way (by at most 256 bytes a column, so it cannot overflow): a value that starts past
/// the end fails, and one that ends past it is caught by the caller's comparison.
#[inline(always)]
fn walk_lengths(
    payload: &[u8],
    mut pos: usize,
    layout: &[u8],
    columns: &[Column],
    mut nulls: impl NullFlags,
) -> Result<usize> {
    for (i, &kind) in layout.iter().enumerate() {
        if nulls.next_is_null() {
            continue;
        }
        if kind <= 8 {
            pos += kind as usize;
            continue;
        }
        let Some(&first) = payload.get(pos) else {
            return Err(truncated(&columns[i]));
        };
        pos += value_len(payload, pos, first, kind, &columns[i])?;
    }
    Ok(pos)
}

/// The encoded length of a value [`value_len`] does not size inline: a string of 251 bytes
/// or more (its length fits in the payload), or an error.
#[inline(never)]
fn long_value_len(payload: &[u8], pos: usize, kind: u8, column: &Column) -> Result<usize> {
    let first = payload[pos];
    match (kind, first) {
        (KIND_LENENC, 0xfc..=0xfe) => {
            let width = match first {
                0xfc => 2,
                0xfd => 3,
                _ => 8,
            };
            let Some(b) = payload.get(pos + 1..pos + 1 + width) else {
                return Err(truncated(column));
            };
            let mut a = [0u8; 8];
            a[..width].copy_from_slice(b);
            let n = u64::from_le_bytes(a);
            if n > (payload.len() - pos - 1 - width) as u64 {
                return Err(truncated(column));
            }
            Ok(1 + width + n as usize)
        }
        (KIND_LENENC, b) => Err(Error::protocol(format!(
            "invalid length-encoded integer prefix 0x{b:02x}"
        ))),
        (KIND_DATE, l) => Err(Error::protocol(format!("binary date of length {l}"))),
        (KIND_TIME, l) => Err(Error::protocol(format!("binary time of length {l}"))),
        _ => Err(Error::protocol("non-NULL value in a NULL-typed column")),
    }
}

/// The error for a row whose fixed-width values run past its end: walks it again to name the
/// column (only on this error path).
#[cold]
fn overrun(payload: &[u8], columns: &[Column], bitmap: &[u8]) -> Error {
    // The values decoded before the one that does not fit.
    let ok = BinaryValues::after_bitmap(payload, bitmap, columns).count();
    truncated(&columns[ok.min(columns.len().saturating_sub(1))])
}

/// A NULL bitmap of at most 8 bytes as an integer (bit `i + 2` for column `i`); 0 for longer
/// bitmaps, which are read bit by bit.
#[inline]
fn small_bitmap(bitmap: &[u8]) -> u64 {
    if bitmap.len() > 8 {
        return 0;
    }
    // A loop, not copy_from_slice: a variable-length copy would call memcpy for 1-2 bytes.
    bitmap
        .iter()
        .enumerate()
        .fold(0u64, |acc, (k, &b)| acc | (b as u64) << (8 * k))
}

#[cold]
fn truncated(c: &Column) -> Error {
    Error::protocol(format!(
        "binary row ends inside the value of column `{}`",
        String::from_utf8_lossy(c.name_bytes())
    ))
}

/// The values of a binary row, in column order. Built over a row that passed
/// [`check_binary_row`]; on any other payload the iteration stops at the first malformed value.
#[derive(Debug, Clone)]
pub struct BinaryValues<'a> {
    payload: &'a [u8],
    pos: usize,
    /// The NULL flags of the columns not read yet.
    nulls: RowNulls<'a>,
    columns: std::slice::Iter<'a, Column>,
}

impl<'a> BinaryValues<'a> {
    /// Starts reading `payload`; fails when the header or NULL bitmap is missing.
    pub fn new(payload: &'a [u8], columns: &'a [Column]) -> Result<Self> {
        let bitmap_len = (columns.len() + 7 + 2) / 8;
        if payload.first() != Some(&0x00) {
            return Err(Error::protocol("binary row without its 0x00 header"));
        }
        let Some(bitmap) = payload.get(1..1 + bitmap_len) else {
            return Err(Error::protocol("binary row shorter than its NULL bitmap"));
        };
        Ok(Self::after_bitmap(payload, bitmap, columns))
    }

    /// The values of a row whose header and `bitmap` (at `payload[1..]`) were checked.
    fn after_bitmap(payload: &'a [u8], bitmap: &'a [u8], columns: &'a [Column]) -> Self {
        BinaryValues {
            payload,
            pos: 1 + bitmap.len(),
            nulls: RowNulls::new(bitmap),
            columns: columns.iter(),
        }
    }
}

impl<'a> Iterator for BinaryValues<'a> {
    type Item = RawValue<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<RawValue<'a>> {
        let column = self.columns.next()?;
        if self.nulls.next_is_null() {
            return Some(RawValue::Null);
        }
        let (value, len) = decode_value(self.payload.get(self.pos..)?, column)?;
        self.pos += len;
        Some(value)
    }
}

/// The values of a binary row of at most 62 columns (a NULL bitmap of at most 8 bytes), each
/// with its column: what tuples decode from. A value that does not decode (only in a row that
/// was not checked) reads as NULL.
pub(crate) struct WithColumns<'a> {
    payload: &'a [u8],
    pos: usize,
    /// The NULL flags of the columns not read yet, the next one in bit 0.
    nulls: u64,
    columns: std::slice::Iter<'a, Column>,
}

impl<'a> WithColumns<'a> {
    /// Starts reading `payload`; `None` when the header or NULL bitmap is missing, or the row has
    /// more than 62 columns.
    #[inline(always)]
    pub(crate) fn new(payload: &'a [u8], columns: &'a [Column]) -> Option<Self> {
        let bitmap_len = (columns.len() + 7 + 2) / 8;
        if payload.first() != Some(&0x00) || bitmap_len > 8 {
            return None;
        }
        let bitmap = payload.get(1..1 + bitmap_len)?;
        Some(WithColumns {
            payload,
            pos: 1 + bitmap_len,
            nulls: small_bitmap(bitmap) >> 2,
            columns: columns.iter(),
        })
    }
}

impl<'a> Iterator for WithColumns<'a> {
    type Item = (RawValue<'a>, &'a Column);

    #[inline(always)]
    fn next(&mut self) -> Option<(RawValue<'a>, &'a Column)> {
        let column = self.columns.next()?;
        let null = self.nulls & 1 != 0;
        self.nulls >>= 1;
        if null {
            return Some((RawValue::Null, column));
        }
        let Some((value, len)) = self
            .payload
            .get(self.pos..)
            .and_then(|rest| decode_value(rest, column))
        else {
            return Some((RawValue::Null, column));
        };
        self.pos += len;
        Some((value, column))
    }
}

/// Decodes the value at the start of `rest` for column `c`: the value and its encoded length,
/// or `None` when `rest` does not hold a well-formed value of that type.
#[inline(always)]
fn decode_value<'a>(rest: &'a [u8], c: &Column) -> Option<(RawValue<'a>, usize)> {
    use ColumnType::*;
    let unsigned = c.is_unsigned();
    let int = |v: i64, u: u64| {
        if unsigned {
            RawValue::UInt(u)
        } else {
            RawValue::Int(v)
        }
    };
    Some(match c.column_type {
        Tiny => {
            let b = *rest.first()?;
            (int(b as i8 as i64, b as u64), 1)
        }
        Short | Year => {
            let b = u16::from_le_bytes(rest.get(..2)?.try_into().ok()?);
            (int(b as i16 as i64, b as u64), 2)
        }
        Long | Int24 => {
            let b = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
            (int(b as i32 as i64, b as u64), 4)
        }
        LongLong => {
            let b = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
            (int(b as i64, b), 8)
        }
        Float => {
            let b = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?);
            (RawValue::Float(f32::from_bits(b)), 4)
        }
        Double => {
            let b = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
            (RawValue::Double(f64::from_bits(b)), 8)
        }
        Date | DateTime | Timestamp | NewDate | DateTime2 | Timestamp2 => {
            let len = *rest.first()? as usize;
            let f = rest.get(1..1 + len)?;
            let mut v = crate::value::temporal::DateTime::default();
            match len {
                0 => {}
                4 | 7 | 11 => {
                    v.year = u16::from_le_bytes([f[0], f[1]]);
                    v.month = f[2];
                    v.day = f[3];
                    if len >= 7 {
                        v.hour = f[4];
                        v.minute = f[5];
                        v.second = f[6];
                    }
                    if len == 11 {
                        v.micros = u32::from_le_bytes([f[7], f[8], f[9], f[10]]);
                    }
                }
                _ => return None,
            }
            (RawValue::DateTime(v), 1 + len)
        }
        Time | Time2 => {
            let len = *rest.first()? as usize;
            let f = rest.get(1..1 + len)?;
            let mut v = crate::value::temporal::Time::default();
            match len {
                0 => {}
                8 | 12 => {
                    v.negative = f[0] != 0;
                    v.days = u32::from_le_bytes([f[1], f[2], f[3], f[4]]);
                    v.hours = f[5];
                    v.minutes = f[6];
                    v.seconds = f[7];
                    if len == 12 {
                        v.micros = u32::from_le_bytes([f[8], f[9], f[10], f[11]]);
                    }
                }
                _ => return None,
            }
            (RawValue::Time(v), 1 + len)
        }
        Null => return None,
        _ => {
            let (n, head): (usize, usize) = match *rest.first()? {
                b @ 0..=0xfa => (b as usize, 1),
                0xfc => (
                    u16::from_le_bytes(rest.get(1..3)?.try_into().ok()?) as usize,
                    3,
                ),
                0xfd => {
                    let b = rest.get(1..4)?;
                    (u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize, 4)
                }
                0xfe => {
                    let n = u64::from_le_bytes(rest.get(1..9)?.try_into().ok()?);
                    (usize::try_from(n).ok()?, 9)
                }
                _ => return None,
            };
            let end = head.checked_add(n)?;
            (RawValue::Bytes(rest.get(head..end)?), end)
        }
    })
}

/// The type code and unsigned flag `COM_STMT_EXECUTE` declares for a parameter value.
#[inline]
pub fn param_type(v: ValueRef<'_>) -> (ColumnType, bool) {
    match v {
        ValueRef::Null => (ColumnType::Null, false),
        ValueRef::Int(_) => (ColumnType::LongLong, false),
        ValueRef::UInt(_) => (ColumnType::LongLong, true),
        ValueRef::Float(_) => (ColumnType::Float, false),
        ValueRef::Double(_) => (ColumnType::Double, false),
        ValueRef::Bytes(_) => (ColumnType::VarString, false),
        ValueRef::DateTime(_) => (ColumnType::DateTime, false),
        ValueRef::Time(_) => (ColumnType::Time, false),
    }
}

/// Appends the binary encoding of a non-NULL parameter value.
#[inline]
pub fn write_value(v: ValueRef<'_>, out: &mut Vec<u8>) {
    let mut w = Writer::new(out);
    match v {
        ValueRef::Null => {}
        ValueRef::Int(i) => {
            w.u64(i as u64);
        }
        ValueRef::UInt(u) => {
            w.u64(u);
        }
        ValueRef::Float(f) => {
            w.u32(f.to_bits());
        }
        ValueRef::Double(d) => {
            w.u64(d.to_bits());
        }
        ValueRef::Bytes(b) => {
            w.lenenc_bytes(b);
        }
        ValueRef::DateTime(d) => {
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
        ValueRef::Time(t) => {
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
        write_value(v.as_value_ref(), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression guard: a layout of other columns is refused, never indexed past its end.
    #[test]
    fn a_layout_of_other_columns_is_refused() {
        let one = [Column::new("c", ColumnType::VarString, 63, 0)];
        let two = [one[0].clone(), one[0].clone()];
        let mut row = Vec::new();
        encode_binary_row(&[Value::Bytes(b"ab".to_vec())], &mut row);
        check_binary_row_layout(&row, &layout(&one), &one).unwrap();
        let e = check_binary_row_layout(&row[..row.len() - 1], &layout(&two), &one).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Misuse, "{e}");
    }

    /// A repeatable pseudo-random sequence (xorshift64) from `seed` (not 0).
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// The straightforward check: decode every value, then require the end of the payload.
    fn check_by_decoding(payload: &[u8], columns: &[Column]) -> bool {
        let Ok(mut values) = BinaryValues::new(payload, columns) else {
            return false;
        };
        values.by_ref().count() == columns.len() && values.pos == payload.len()
    }

    #[test]
    fn wide_rows_keep_their_nulls_in_place() {
        // 8-byte bitmaps (up to 62 columns) are read from a register, longer ones bit by bit.
        for n in [1, 6, 7, 61, 62, 63, 64, 70, 200] {
            let columns: Vec<Column> = (0..n)
                .map(|_| Column::new("c", ColumnType::LongLong, 63, 0))
                .collect();
            let values: Vec<Value> = (0..n)
                .map(|i| {
                    if i % 3 == 1 || i == n - 1 {
                        Value::Null
                    } else {
                        Value::Int(i as i64)
                    }
                })
                .collect();
            let mut row = Vec::new();
            encode_binary_row(&values, &mut row);
            check_binary_row(&row, &columns).unwrap();
            let decoded: Vec<RawValue<'_>> = BinaryValues::new(&row, &columns).unwrap().collect();
            let want: Vec<RawValue<'_>> = values
                .iter()
                .map(|v| match v {
                    Value::Int(i) => RawValue::Int(*i),
                    _ => RawValue::Null,
                })
                .collect();
            assert_eq!(decoded, want, "{n} columns");
            // One byte short or long: a protocol error, never a panic.
            assert!(check_binary_row(&row[..row.len() - 1], &columns).is_err());
            row.push(0);
            assert!(check_binary_row(&row, &columns).is_err());
        }
    }

    #[test]
    fn length_walk_agrees_with_decoding_on_random_rows() {
        let types = [
            ColumnType::Tiny,
            ColumnType::Short,
            ColumnType::Long,
            ColumnType::LongLong,
            ColumnType::Float,
            ColumnType::Double,
            ColumnType::DateTime,
            ColumnType::Time,
            ColumnType::VarString,
            ColumnType::NewDecimal,
            ColumnType::Null,
            ColumnType::Year,
        ];
        let mut next = xorshift(0x2545f4914f6cdd1d);
        let (mut ok, mut bad) = (0, 0);
        for _ in 0..200_000 {
            let n = 1 + (next() % 5) as usize;
            let columns: Vec<Column> = (0..n)
                .map(|_| Column::new("c", types[(next() % types.len() as u64) as usize], 63, 0))
                .collect();
            // Mostly plausible rows: header, bitmap, then values of small lengths.
            let mut p = vec![0u8];
            p.extend((0..(n + 9) / 8).map(|_| (next() & next() & 0xfc) as u8));
            for _ in 0..next() % 24 {
                let b = next() as u8;
                p.push(match next() % 4 {
                    0 => [0, 4, 7, 8, 11, 12][(b % 6) as usize],
                    1 => b % 16,
                    2 => 0xfa + b % 6,
                    _ => b,
                });
            }
            if next() % 8 == 0 {
                p[0] = next() as u8;
            }
            let want = check_by_decoding(&p, &columns);
            assert_eq!(
                check_binary_row(&p, &columns).is_ok(),
                want,
                "{p:?} {columns:?}"
            );
            if want {
                ok += 1;
            } else {
                bad += 1;
            }
        }
        assert!(ok > 1_000 && bad > 1_000, "{ok} valid, {bad} invalid rows");
    }

    /// Valid rows of up to 70 columns (NULL bitmaps in a register and bit by bit) of random
    /// column types and NULLs pass the length walk, and the same rows one byte short, one byte
    /// long or with a length byte changed agree with decoding them value by value.
    #[test]
    fn length_walk_agrees_with_decoding_on_wide_rows() {
        let types = [
            (ColumnType::Tiny, 1),
            (ColumnType::Short, 2),
            (ColumnType::Long, 4),
            (ColumnType::LongLong, 8),
            (ColumnType::Double, 8),
            (ColumnType::DateTime, 0),
            (ColumnType::Time, 0),
            (ColumnType::VarString, 0),
        ];
        let mut next = xorshift(0x9e3779b97f4a7c15);
        let (mut ok, mut bad) = (0, 0);
        for round in 0..20_000 {
            let n = 1 + (next() % 70) as usize;
            let picked: Vec<(ColumnType, usize)> = (0..n)
                .map(|_| types[(next() % types.len() as u64) as usize])
                .collect();
            let columns: Vec<Column> = picked
                .iter()
                .map(|&(t, _)| Column::new("c", t, 63, 0))
                .collect();
            let mut bitmap = vec![0u8; (n + 9) / 8];
            let mut values = Vec::new();
            let mut lengths = Vec::new(); // where each length byte is
            for (i, &(t, width)) in picked.iter().enumerate() {
                if next() % 4 == 0 {
                    bitmap[(i + 2) / 8] |= 1 << ((i + 2) % 8);
                    continue;
                }
                let told = match t {
                    ColumnType::DateTime => [0, 4, 7, 11][(next() % 4) as usize],
                    ColumnType::Time => [0, 8, 12][(next() % 3) as usize],
                    ColumnType::VarString => (next() % 20) as usize,
                    _ => {
                        values.extend((0..width).map(|_| next() as u8));
                        continue;
                    }
                };
                lengths.push(1 + bitmap.len() + values.len());
                values.push(told as u8);
                values.extend((0..told).map(|_| next() as u8));
            }
            let mut row = vec![0u8];
            row.extend(&bitmap);
            row.extend(&values);
            assert!(check_by_decoding(&row, &columns), "{row:?} {columns:?}");
            check_binary_row(&row, &columns).unwrap();
            // Tuples read the same values, each with its column (rows of up to 62 columns).
            let values: Vec<RawValue<'_>> = BinaryValues::new(&row, &columns).unwrap().collect();
            match WithColumns::new(&row, &columns) {
                Some(with) => {
                    let (tuple, of): (Vec<RawValue<'_>>, Vec<&Column>) = with.unzip();
                    // (Compared as text: a DOUBLE may be NaN.)
                    assert_eq!(format!("{tuple:?}"), format!("{values:?}"));
                    assert!(of.iter().zip(&columns).all(|(a, b)| std::ptr::eq(*a, b)));
                }
                None => assert!(n > 62, "{n} columns"),
            }
            let mut broken = row.clone();
            match round % 3 {
                0 => {
                    broken.pop();
                }
                1 => broken.push(next() as u8),
                _ => match lengths.first() {
                    Some(&at) => broken[at] = broken[at].wrapping_add(1 + (next() % 3) as u8),
                    None => broken.truncate(1),
                },
            }
            let want = check_by_decoding(&broken, &columns);
            assert_eq!(
                check_binary_row(&broken, &columns).is_ok(),
                want,
                "{broken:?} {columns:?}"
            );
            if want {
                ok += 1;
            } else {
                bad += 1;
            }
        }
        assert!(bad > 10_000, "{ok} still valid, {bad} invalid rows");
    }
}
