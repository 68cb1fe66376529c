//! [`RowRef`]: a row borrowed from the connection's receive buffer; [`Row`]: its owned copy.
//!
//! Both wrap one row payload, text protocol (`COM_QUERY`) or binary protocol
//! (`COM_STMT_EXECUTE`), that was validated on arrival (see
//! [`check_text_row`](crate::value::text_row::check_text_row) and
//! [`check_binary_row`](crate::value::binary_row::check_binary_row)), so reading fields cannot fail
//! on structure, only on conversion.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::packets::Column;
use crate::value::binary_row::BinaryValues;
use crate::value::convert::{FromRow, FromValue, RawValue};
use crate::value::render::to_text;
use crate::value::text_row::TextFields;

/// How a row payload is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// Text protocol: one length-encoded string (or NULL) per column.
    Text,
    /// Binary protocol: NULL bitmap and typed values.
    Binary,
}

/// The values of a row in column order, whatever its format.
#[derive(Debug, Clone)]
pub enum Values<'a> {
    /// Of a text row.
    Text(TextFields<'a>),
    /// Of a binary row.
    Binary(BinaryValues<'a>),
}

impl<'a> Iterator for Values<'a> {
    type Item = RawValue<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawValue<'a>> {
        match self {
            Values::Text(t) => t.next().map(|v| v.map_or(RawValue::Null, RawValue::Text)),
            Values::Binary(b) => b.next(),
        }
    }
}

/// The columns of a result set, shared by every row of it.
pub type Columns = Arc<[Column]>;

/// A row borrowed from the receive buffer; valid until the connection's next `&mut` call.
///
/// ```
/// # use mysql_proto::testing::{row_fixture};
/// let (columns, payload) = row_fixture(&[("id", Some("7")), ("name", None)]);
/// let row = mysql_proto::RowRef::new(&payload, &columns);
/// let (id, name): (i64, Option<String>) = row.decode().unwrap();
/// assert_eq!((id, name), (7, None));
/// ```
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    payload: &'a [u8],
    columns: &'a Columns,
    format: RowFormat,
}

impl<'a> RowRef<'a> {
    /// Wraps a text row payload that passed
    /// [`check_text_row`](crate::value::text_row::check_text_row) for `columns.len()` columns
    /// (the connection guarantees this for the rows it hands out; for other payloads, fields past
    /// the first malformed one read as missing).
    pub fn new(payload: &'a [u8], columns: &'a Columns) -> Self {
        RowRef {
            payload,
            columns,
            format: RowFormat::Text,
        }
    }

    /// Wraps a row payload of either format (validated as for [`RowRef::new`]).
    pub fn with_format(payload: &'a [u8], columns: &'a Columns, format: RowFormat) -> Self {
        RowRef {
            payload,
            columns,
            format,
        }
    }

    /// The protocol encoding of the row.
    pub fn format(&self) -> RowFormat {
        self.format
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns (never true for rows from a server).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The columns of the result set.
    pub fn columns(&self) -> &'a Columns {
        self.columns
    }

    /// The raw payload (text protocol encoding).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The values in column order, undecoded.
    #[inline]
    pub fn values(&self) -> Values<'a> {
        match self.format {
            RowFormat::Text => Values::Text(TextFields::new(self.payload)),
            RowFormat::Binary => match BinaryValues::new(self.payload, self.columns) {
                Ok(v) => Values::Binary(v),
                // Unreachable for validated rows; an empty iteration otherwise.
                Err(_) => Values::Text(TextFields::new(&[])),
            },
        }
    }

    /// The values as the server renders them in text (`None` for NULL), whatever the row's
    /// protocol: what a `mysql --batch` client prints.
    pub fn text_values(&self) -> impl Iterator<Item = Option<Cow<'a, [u8]>>> + 'a {
        let columns: &'a Columns = self.columns;
        self.values()
            .zip(columns.iter())
            .map(|(v, c)| to_text(v, c))
    }

    /// The undecoded value of column `index`.
    pub fn raw(&self, index: usize) -> Result<RawValue<'a>> {
        self.values().nth(index).ok_or_else(|| {
            Error::misuse(format!(
                "column index {index} out of range: the row has {} columns",
                self.len()
            ))
        })
    }

    /// Converts column `index` into `T`. Fails with [`ErrorKind::Conversion`](crate::ErrorKind)
    /// when the value does not fit `T` (the message names the column and both types), and with a
    /// misuse error when `index` is out of range.
    pub fn get<T: FromValue<'a>>(&self, index: usize) -> Result<T> {
        let v = self.raw(index)?;
        T::from_value(v, &self.columns[index])
    }

    /// Converts column `name` (the first one with that name or alias) into `T`.
    pub fn get_by_name<T: FromValue<'a>>(&self, name: &str) -> Result<T> {
        let index = self
            .columns
            .iter()
            .position(|c| c.name_bytes() == name.as_bytes())
            .ok_or_else(|| Error::misuse(format!("no column named `{name}` in the row")))?;
        self.get(index)
    }

    /// Converts the whole row, e.g. into a tuple `(i64, String, Option<f64>)`. Fails when the
    /// number of columns differs or a value does not convert.
    #[inline(always)]
    pub fn decode<R: FromRow<'a>>(&self) -> Result<R> {
        R::from_row(*self)
    }

    /// Copies the row into an owned [`Row`] (one allocation for the payload).
    pub fn to_owned(&self) -> Row {
        Row {
            payload: Bytes::copy_from_slice(self.payload),
            columns: self.columns.clone(),
            format: self.format,
        }
    }
}

impl std::fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_map();
        for (c, v) in self.columns.iter().zip(self.text_values()) {
            l.entry(&c.name(), &v.as_deref().map(String::from_utf8_lossy));
        }
        l.finish()
    }
}

/// An owned row: the payload in a reference-counted buffer plus the shared columns.
#[derive(Clone)]
pub struct Row {
    payload: Bytes,
    columns: Columns,
    format: RowFormat,
}

impl Row {
    /// Builds a text row from a payload validated for `columns` (see [`RowRef::new`]).
    pub fn new(payload: Bytes, columns: Columns) -> Row {
        Row {
            payload,
            columns,
            format: RowFormat::Text,
        }
    }

    /// Borrows the row for reading.
    pub fn as_ref(&self) -> RowRef<'_> {
        RowRef {
            payload: &self.payload,
            columns: &self.columns,
            format: self.format,
        }
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The columns of the result set.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// See [`RowRef::get`].
    pub fn get<'a, T: FromValue<'a>>(&'a self, index: usize) -> Result<T> {
        self.as_ref().get(index)
    }

    /// See [`RowRef::get_by_name`].
    pub fn get_by_name<'a, T: FromValue<'a>>(&'a self, name: &str) -> Result<T> {
        self.as_ref().get_by_name(name)
    }

    /// See [`RowRef::decode`].
    pub fn decode<'a, R: FromRow<'a>>(&'a self) -> Result<R> {
        self.as_ref().decode()
    }

    /// The values in column order, undecoded.
    pub fn values(&self) -> Values<'_> {
        self.as_ref().values()
    }
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.payload == other.payload
    }
}
