//! # mysql-proto: the sans-IO MySQL / MariaDB client protocol
//!
//! All protocol knowledge of the client lives here, with no sockets, no clock and no async
//! runtime: bytes from the server go in and come out as [`Event`]s, commands go in and come out
//! as bytes. Adapter crates (`mysql-blocking`, and async ones) move bytes between a
//! [`Connection`] and a real transport; users with their own event loop can do the same.
//!
//! Start at [`Connection`] for the call order, [`Event`] for what comes out, [`RowRef`] for rows,
//! [`ops`] for the operations every adapter runs (and how to run them in your own event loop)
//! and [`Error`] for what can go wrong.
//!
//! ## Where time and randomness come from
//!
//! The core reads no clock and draws no random number of its own accord:
//!
//! * **Randomness** is needed only to encrypt a password with RSA-OAEP (`caching_sha2_password`
//!   and `sha256_password` full authentication without TLS). [`Connection::new`] takes it from
//!   the operating system (`rand_core::OsRng`, i.e. `getrandom`); [`Connection::with_rng`]
//!   injects any `CryptoRngCore` instead (deterministic tests, an embedder's own source).
//! * **Time**: timeouts are the adapters' (they own the timers; [`ops::timeout`] is the plan they
//!   follow). [`Connection::read_coalescing`] takes the adapter's monotonic clock as a closure.
//!   The one clock read inside the crate is rustls's, checking a server certificate's validity
//!   period during the TLS handshake (`ssl-mode=verify_ca` / `verify_identity`), through
//!   rustls's default time provider (the system clock). It cannot be replaced yet; an embedder
//!   without a clock uses `ssl-mode` `required` or `disabled`, which verify no certificate.

// One reviewed exception: `value::utf8::str_from_utf8` (see its SAFETY comment).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod batch;
pub mod binlog;
pub mod codec;
mod connect_api;
pub mod connection;
pub mod constants;
#[doc(hidden)]
pub mod derive_support;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hosts;
pub mod local_infile;
pub mod named;
pub mod ops;
pub mod opts;
pub mod packets;
pub mod pipeline;
pub mod pool;
pub mod shared;
pub mod testing;
#[cfg(feature = "tls")]
pub mod tls;
pub mod trace;
pub mod transaction;
pub mod value;

/// The crates behind the optional conversions (cargo features of the same names, forwarded by
/// every adapter crate), so that an application names the very versions the driver converts:
/// `mysql_smol::types::chrono::NaiveDateTime` with `mysql-smol = { features = ["chrono"] }`.
pub mod types {
    #[cfg(feature = "bigdecimal")]
    pub use bigdecimal;
    #[cfg(feature = "chrono")]
    pub use chrono;
    #[cfg(feature = "rust_decimal")]
    pub use rust_decimal;
    #[cfg(feature = "serde_json")]
    pub use serde_json;
    #[cfg(feature = "time")]
    pub use time;
    #[cfg(feature = "uuid")]
    pub use uuid;
}

/// What every adapter crate re-exports besides its own `Conn`, `QueryResult`, `Pipeline` and
/// `Transaction` (one list, so the adapters' APIs name the same types): `pub use
/// mysql_proto::adapter_api::*;`.
pub mod adapter_api {
    #[doc(hidden)]
    pub use crate::derive_support;
    #[cfg(feature = "serde_json")]
    pub use crate::Json;
    pub use crate::{binlog, named, types};
    pub use crate::{
        AsStatement, Column, Columns, CommandId, Connection, DateTime, Error, ErrorKind, Event,
        FromRow, FromValue, IntoOpts, IsolationLevel, OkPacket, Opts, OptsBuilder, Output, Params,
        PipelineStep, RawValue, RecvBuf, Result, ResultSet, Row, RowRef, ServerError, ServerInfo,
        SessionState, Statement, StepStatement, Time, ToValue, TxOpts, Value,
    };
}

pub use connection::{
    AsStatement, CommandId, Connection, Event, ReadCoalescing, RecvBuf, ServerInfo, Statement,
    StatementRef,
};
pub use constants::{ColumnFlags, ColumnType, StatusFlags};
pub use error::{Error, ErrorKind, Result, ServerError};
/// `#[derive(FromRow)]` (feature `derive`): see [`FromRow`](trait@FromRow).
#[cfg(feature = "derive")]
pub use mysql_derive::FromRow;
pub use opts::{IntoOpts, Opts, OptsBuilder, SslMode};
pub use packets::{Column, OkPacket, SessionState};
pub use pipeline::{Output, PipelineStep, ResultSet, StepStatement};
pub use transaction::{IsolationLevel, TxOpts};
#[cfg(feature = "serde_json")]
pub use value::features::Json;
pub use value::{
    Columns, DateTime, FromRow, FromValue, Param, ParamSlice, Params, RawValue, Row, RowFormat,
    RowRef, Time, ToValue, Value, ValueRef,
};
