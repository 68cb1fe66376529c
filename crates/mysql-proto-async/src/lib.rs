//! # mysql-proto-async: the async client, written once for every runtime
//!
//! [`Conn`] drives the sans-IO [`mysql_proto::Connection`] over any [`Transport`], with timers
//! and connects supplied by a [`Runtime`]. The runtime adapters (`mysql-tokio`, `mysql-smol`,
//! `mysql-async-std`) only implement [`Runtime`]; all client logic lives here or in the core.
//!
//! ## Guarantees
//!
//! * **Never blocks the executor**: reads and writes are polled; while a command waits for the
//!   server, other tasks on the same thread run.
//! * **Reads and writes together**: while output is pending the connection keeps reading, so a
//!   large request cannot deadlock against a server busy writing results.
//! * **Cancellation safe**: any future or stream of this API may be dropped at any await point.
//!   The core knows what the server still owes; the next operation skips it first. Nothing is
//!   done in `Drop` and no task is spawned.
//! * **Query timeout without losing the connection**: with a query timeout set, a statement
//!   that runs too long is killed with `KILL QUERY <id>` over a short-lived side connection,
//!   its late result is skipped, the operation fails with [`ErrorKind::Timeout`] and the
//!   connection stays usable.
//! * **Fewer wake-ups for large results**: while a large result streams over TCP (Linux), the
//!   socket's low-water mark is raised per the core's
//!   [`ReadCoalescing`](mysql_proto::ReadCoalescing) advice, so the task wakes once per 128 KiB
//!   instead of once per server write; a runtime timer bounds the wait (at most 2 ms). Off with
//!   `read-coalescing=false`. A [`Transport`] that returns no [`fd`](Transport::fd) is never
//!   coalesced.

mod coalesce;
mod conn;
mod pipeline;
mod result;
mod runtime;
mod transaction;

pub use conn::Conn;
pub use mysql_proto::{
    AsStatement, Column, Columns, CommandId, DateTime, Error, ErrorKind, Event, FromRow, FromValue,
    IntoOpts, IsolationLevel, OkPacket, Opts, OptsBuilder, Output, Params, RawValue, Result,
    ResultSet, Row, RowRef, ServerError, ServerInfo, Statement, Time, ToValue, TxOpts, Value,
};
pub use pipeline::Pipeline;
pub use result::{QueryResult, RowStream};
pub use runtime::{timeout, Descriptor, FuturesIo, Runtime, Socket, Transport};
pub use transaction::Transaction;
