//! [`RowRef`]: a row borrowed from the connection's receive buffer; [`Row`]: its owned copy.
//!
//! Both wrap one text-protocol row payload that was validated on arrival (see
//! [`check_text_row`](crate::packets::text_row::check_text_row)), so reading fields cannot fail
//! on structure, only on conversion.

use std::sync::Arc;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::packets::text_row::TextFields;
use crate::packets::Column;
use crate::value::convert::{FromRow, FromValue, RawValue};

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
}

impl<'a> RowRef<'a> {
    /// Wraps a row payload that passed [`check_text_row`](crate::packets::text_row::check_text_row)
    /// for `columns.len()` columns (the connection guarantees this for the rows it hands out; for
    /// other payloads, fields past the first malformed one read as missing).
    pub fn new(payload: &'a [u8], columns: &'a Columns) -> Self {
        RowRef { payload, columns }
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

    /// The raw values in column order: `None` for NULL, else the bytes the server sent.
    pub fn raw_values(&self) -> TextFields<'a> {
        TextFields::new(self.payload)
    }

    /// The raw value of column `index`.
    pub fn raw(&self, index: usize) -> Result<RawValue<'a>> {
        match self.raw_values().nth(index) {
            Some(Some(b)) => Ok(RawValue::Text(b)),
            Some(None) => Ok(RawValue::Null),
            None => Err(Error::misuse(format!(
                "column index {index} out of range: the row has {} columns",
                self.len()
            ))),
        }
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
    pub fn decode<R: FromRow<'a>>(&self) -> Result<R> {
        R::from_row(*self)
    }

    /// Copies the row into an owned [`Row`] (one allocation for the payload).
    pub fn to_owned(&self) -> Row {
        Row {
            payload: Bytes::copy_from_slice(self.payload),
            columns: self.columns.clone(),
        }
    }
}

impl std::fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_map();
        for (c, v) in self.columns.iter().zip(self.raw_values()) {
            l.entry(&c.name(), &v.map(String::from_utf8_lossy));
        }
        l.finish()
    }
}

/// An owned row: the payload in a reference-counted buffer plus the shared columns.
#[derive(Clone)]
pub struct Row {
    payload: Bytes,
    columns: Columns,
}

impl Row {
    /// Builds a row from a payload validated for `columns` (see [`RowRef::new`]).
    pub fn new(payload: Bytes, columns: Columns) -> Row {
        Row { payload, columns }
    }

    /// Borrows the row for reading.
    pub fn as_ref(&self) -> RowRef<'_> {
        RowRef {
            payload: &self.payload,
            columns: &self.columns,
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

    /// The raw values in column order (`None` for NULL).
    pub fn raw_values(&self) -> TextFields<'_> {
        TextFields::new(&self.payload)
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
