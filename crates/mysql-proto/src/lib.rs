//! # mysql-proto: the sans-IO MySQL / MariaDB client protocol
//!
//! All protocol knowledge of the client lives here, with no sockets, no clock and no async
//! runtime: bytes from the server go in and come out as [`Event`]s, commands go in and come out
//! as bytes. Adapter crates (`mysql-blocking`, and async ones) move bytes between a
//! [`Connection`] and a real transport; users with their own event loop can do the same.
//!
//! Start at [`Connection`] for the call order, [`Event`] for what comes out, [`RowRef`] for rows
//! and [`Error`] for what can go wrong.

// One reviewed exception: `value::utf8::str_from_utf8` (see its SAFETY comment).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod batch;
pub mod codec;
pub mod connection;
pub mod constants;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod opts;
pub mod packets;
pub mod pipeline;
pub mod testing;
#[cfg(feature = "tls")]
pub mod tls;
pub mod transaction;
pub mod value;

pub use connection::{
    AsStatement, CommandId, Connection, Event, ReadCoalescing, ServerInfo, Statement, StatementRef,
};
pub use constants::{ColumnFlags, ColumnType, StatusFlags};
pub use error::{Error, ErrorKind, Result, ServerError};
pub use opts::{IntoOpts, Opts, OptsBuilder, SslMode};
pub use packets::{Column, OkPacket};
pub use pipeline::{Output, ResultSet, Step, Stmt};
pub use transaction::{IsolationLevel, TxOpts};
pub use value::{
    Columns, DateTime, FromRow, FromValue, Param, ParamSlice, Params, RawValue, Row, RowFormat,
    RowRef, Time, ToValue, Value, ValueRef,
};
