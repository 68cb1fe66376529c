//! `ProtocolText::ResultsetRow`: one `string<lenenc>` per column, or 0xFB for NULL.
//!
//! [`check_text_row`] validates a row once when it arrives, so that reading its fields later
//! can never fail on structure; [`TextFields`] walks the fields.

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};

/// The NULL marker of the text protocol.
pub const NULL_MARKER: u8 = 0xfb;

/// Checks that `payload` holds exactly `columns` fields, each NULL or a length-encoded string
/// that fits in the payload. Fails with a protocol error otherwise.
pub fn check_text_row(payload: &[u8], columns: usize) -> Result<()> {
    let mut r = Reader::new(payload);
    for i in 0..columns {
        if r.peek() == Some(NULL_MARKER) {
            r.u8()?;
        } else {
            r.lenenc_bytes()
                .map_err(|e| Error::protocol(format!("text row, field {i}: {}", e.message())))?;
        }
    }
    r.finish("the last field of a text row")
}

/// An iterator over the fields of a row checked by [`check_text_row`]: `None` for NULL.
#[derive(Debug, Clone)]
pub struct TextFields<'a> {
    reader: Reader<'a>,
}

impl<'a> TextFields<'a> {
    /// Walks the fields of `payload`, which must have passed [`check_text_row`].
    pub fn new(payload: &'a [u8]) -> Self {
        TextFields {
            reader: Reader::new(payload),
        }
    }
}

impl<'a> Iterator for TextFields<'a> {
    type Item = Option<&'a [u8]>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self.reader.peek()? {
            NULL_MARKER => {
                self.reader.u8().ok()?;
                Some(None)
            }
            _ => self.reader.lenenc_bytes().ok().map(Some),
        }
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
