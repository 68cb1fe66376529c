//! `ProtocolText::ResultsetRow`: one `string<lenenc>` per column, or 0xFB for NULL.
//!
//! [`check_text_row`] validates a row once when it arrives, so that reading its fields later
//! can never fail on structure; [`TextFields`] walks the fields.

use crate::codec::Writer;
use crate::error::{Error, Result};

/// The NULL marker of the text protocol.
pub const NULL_MARKER: u8 = 0xfb;

/// Checks that `payload` holds exactly `columns` fields, each NULL or a length-encoded string
/// that fits in the payload. Fails with a protocol error otherwise.
#[inline]
pub fn check_text_row(payload: &[u8], columns: usize) -> Result<()> {
    // Fields under 251 bytes and NULLs are sized inline; a short field may run past the end on
    // the way (by at most 251 bytes, so `pos` cannot overflow), which the next field or the
    // final comparison catches. Any failure is explained by the exact walk, out of line.
    let mut pos = 0;
    for _ in 0..columns {
        match payload.get(pos) {
            Some(&b) if b < NULL_MARKER => pos += 1 + b as usize,
            Some(&NULL_MARKER) => pos += 1,
            _ => match field_at(payload, pos) {
                Ok((_, next)) => pos = next,
                Err(_) => return Err(explain_text_row(payload, columns)),
            },
        }
    }
    if pos == payload.len() {
        Ok(())
    } else {
        Err(explain_text_row(payload, columns))
    }
}

/// The error of a text row that [`check_text_row`] rejected: the first malformed field, or the
/// trailing bytes.
#[cold]
#[inline(never)]
fn explain_text_row(payload: &[u8], columns: usize) -> Error {
    let mut pos = 0;
    for i in 0..columns {
        match field_at(payload, pos) {
            Ok((_, next)) => pos = next,
            Err(why) => return Error::protocol(format!("text row, field {i}: {why}")),
        }
    }
    Error::protocol(format!(
        "{} trailing bytes after the last field of a text row",
        payload.len().saturating_sub(pos)
    ))
}

/// The field starting at `pos`: its value range (`None` for NULL) and where the next field
/// starts; or why it is malformed.
#[inline]
fn field_at(p: &[u8], pos: usize) -> std::result::Result<(Option<(usize, usize)>, usize), String> {
    let Some(&first) = p.get(pos) else {
        return Err("the row ends before this field".into());
    };
    let (len, head) = match first {
        0..=0xfa => (first as u64, 1),
        NULL_MARKER => return Ok((None, pos + 1)),
        0xfc..=0xfe => {
            let width = match first {
                0xfc => 2,
                0xfd => 3,
                _ => 8,
            };
            let Some(b) = p.get(pos + 1..pos + 1 + width) else {
                return Err("length-encoded length cut short".into());
            };
            let mut a = [0u8; 8];
            a[..width].copy_from_slice(b);
            (u64::from_le_bytes(a), 1 + width)
        }
        b => return Err(format!("invalid length-encoded integer prefix 0x{b:02x}")),
    };
    let start = pos + head;
    let left = (p.len() - start) as u64;
    if len > left {
        return Err(format!(
            "length-encoded string of {len} bytes but only {left} left in the packet"
        ));
    }
    let end = start + len as usize;
    Ok((Some((start, end)), end))
}

/// An iterator over the fields of a row checked by [`check_text_row`]: `None` for NULL.
#[derive(Debug, Clone)]
pub struct TextFields<'a> {
    payload: &'a [u8],
    pos: usize,
}

impl<'a> TextFields<'a> {
    /// Walks the fields of `payload`, which must have passed [`check_text_row`].
    pub fn new(payload: &'a [u8]) -> Self {
        TextFields { payload, pos: 0 }
    }

    /// [`Iterator::next`] for a field of 251 bytes or more (or a malformed one).
    #[inline(never)]
    fn long_field(&mut self) -> Option<Option<&'a [u8]>> {
        let (range, next) = field_at(self.payload, self.pos).ok()?;
        self.pos = next;
        Some(range.map(|(start, end)| &self.payload[start..end]))
    }
}

impl<'a> Iterator for TextFields<'a> {
    type Item = Option<&'a [u8]>;

    /// The next field; `None` at the end of the row (or at a malformed field, which a checked
    /// row does not have).
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let first = *self.payload.get(self.pos)?;
        if first < NULL_MARKER {
            let start = self.pos + 1;
            let field = self.payload.get(start..start + first as usize)?;
            self.pos = start + first as usize;
            return Some(Some(field));
        }
        if first == NULL_MARKER {
            self.pos += 1;
            return Some(None);
        }
        self.long_field()
    }
}

/// Encodes a text row (used by the test server).
pub fn encode_text_row<'v>(values: impl IntoIterator<Item = Option<&'v [u8]>>, out: &mut Vec<u8>) {
    let mut w = Writer::new(out);
    for v in values {
        match v {
            None => w.u8(NULL_MARKER),
            Some(b) => w.lenenc_bytes(b),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_text_row(fields.iter().copied(), &mut out);
        out
    }

    #[test]
    fn short_long_and_null_fields_check_and_iterate() {
        let long = vec![b'x'; 300];
        let p = row(&[Some(b"7"), None, Some(&long), Some(b""), None]);
        check_text_row(&p, 5).unwrap();
        let fields: Vec<_> = TextFields::new(&p).collect();
        assert_eq!(
            fields,
            [Some(&b"7"[..]), None, Some(&long[..]), Some(&b""[..]), None]
        );
    }

    #[test]
    fn malformed_rows_name_the_field() {
        let p = row(&[Some(b"ab"), Some(b"cdefg")]);
        let message = |p: &[u8], n| check_text_row(p, n).unwrap_err().message().to_string();
        assert_eq!(
            message(&p[..p.len() - 3], 2),
            "text row, field 1: length-encoded string of 5 bytes but only 2 left in the packet"
        );
        assert_eq!(
            message(&p, 3),
            "text row, field 2: the row ends before this field"
        );
        assert_eq!(
            message(&p, 1),
            "6 trailing bytes after the last field of a text row"
        );
        assert_eq!(
            message(&[0xff], 1),
            "text row, field 0: invalid length-encoded integer prefix 0xff"
        );
        assert_eq!(
            message(&[0xfc, 0x10], 1),
            "text row, field 0: length-encoded length cut short"
        );
        // Every cut of a valid row is an error, never a panic.
        let long = vec![b'y'; 70_000];
        let p = row(&[Some(b"1"), None, Some(&long), Some(b"end")]);
        check_text_row(&p, 4).unwrap();
        for cut in 0..p.len() {
            assert!(check_text_row(&p[..cut], 4).is_err(), "cut at {cut}");
        }
    }
}
