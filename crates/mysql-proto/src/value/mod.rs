//! Rows and values: zero-copy [`RowRef`] over the receive buffer (text or binary protocol),
//! owned [`Row`], the conversions of column values into Rust types ([`FromValue`], [`FromRow`]),
//! parameter values ([`Value`], [`ToValue`], [`Params`]) and the server's text rendering. The
//! two row codecs sit side by side: [`text_row`] (`COM_QUERY` results) and [`binary_row`]
//! (`COM_STMT_EXECUTE` results and parameters).

pub mod binary_row;
pub mod convert;
pub(crate) mod digits;
pub mod features;
pub(crate) mod float;
pub mod param;
pub mod render;
pub mod row;
pub mod temporal;
pub mod text_row;
pub(crate) mod utf8;

pub use convert::{FromRow, FromValue, RawValue};
pub use param::{InlineBytes, Param, ParamSlice, Params, ToValue, Value, ValueRef};
pub use render::to_text;
pub use row::{Columns, Row, RowFormat, RowRef, Values};
pub use temporal::{DateTime, Time};
