//! Rows and values: zero-copy [`RowRef`] over the receive buffer, owned [`Row`], and the
//! conversions of column values into Rust types ([`FromValue`], [`FromRow`]).

pub mod convert;
pub mod row;

pub use convert::{FromRow, FromValue, RawValue};
pub use row::{Columns, Row, RowRef};
