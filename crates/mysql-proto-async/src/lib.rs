//! # mysql-proto-async: the async client, written once for every runtime
//!
//! [`Conn`] drives the sans-IO [`mysql_proto::Connection`] over any [`Transport`], with timers
//! and connects supplied by a [`Runtime`]. The runtime adapters (`mysql-tokio`, `mysql-smol`,
//! `mysql-async-std`, `mysql-compio`) only implement [`Runtime`] (and, for compio's io_uring,
//! [`CompletionIo`]). Every operation is written once in the core
//! ([`mysql_proto::ops`]) and this crate is its async runner, so the API is the blocking
//! adapter's (`mysql-blocking`) with `.await`: same names, same types, same documentation.
//!
//! A [`SharedConn`] is one connection used by many tasks at once, their statements pipelined
//! (each task awaits only its own response; session changes go through
//! [`SharedConn::exclusive`]); a [`MuxPool`] keeps a few, least busy first. The bookkeeping is
//! the core's ([`mysql_proto::shared`]).
//!
//! Readiness-based runtimes implement [`Transport`] over their sockets (for `futures-io` ones,
//! [`FuturesIo`] does); a completion-based runtime (io_uring) implements the few calls of
//! [`CompletionIo`] and uses [`Completion`], which lends the receive buffer to the kernel by
//! value and keeps reads and writes in flight across dropped futures (`mysql-compio`).
//!
//! A [`Pool`] shares connections between tasks (`mysql_tokio::Pool`, ...): same API as the
//! blocking pool with `.await`, every future of it cancellation safe (a dropped `get` leaves
//! the pool's counts exact), no background task.
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
//!   its late result is skipped, the operation fails with [`ErrorKind::Timeout`] (not
//!   [fatal](Error::is_fatal)) and the connection stays usable. `connect-timeout` bounds the
//!   whole connect. The blocking adapter's `read-timeout` / `write-timeout` have no async
//!   counterpart: bound an operation with [`timeout`] (dropping it is safe) or `query-timeout`.
//! * **Room is made, never refused**: commands left owed by dropped operations are read away
//!   before a new operation queues past `max-in-flight`; batches and pipelines queue only as the
//!   limits allow, so they run under any `max-in-flight` and `max-send-buffer`.
//! * **Fewer wake-ups for large results**: while a large result streams over TCP (Linux), the
//!   socket's low-water mark is raised per the core's
//!   [`ReadCoalescing`](mysql_proto::ReadCoalescing) advice, so the task wakes once per 128 KiB
//!   instead of once per server write; a runtime timer bounds the wait (at most 2 ms). Off with
//!   `read-coalescing=false`. A [`Transport`] that returns no [`fd`](Transport::fd) is never
//!   coalesced.

mod aliases;
mod coalesce;
mod completion;
mod conn;
mod pool;
mod result;
mod runtime;
mod shared;
mod thread_bound;

pub use completion::{Completion, CompletionIo};
pub use conn::{Conn, LocalInfileHandler, LocalInfileReader, Pipeline, QueryResult, Transaction};
pub use mysql_proto::adapter_api::*;
pub use pool::{Pool, PooledConn};
pub use result::RowStream;
pub use runtime::{recv_into, timeout, Descriptor, FuturesIo, Runtime, Socket, Transport};
pub use shared::{Exclusive, MuxPool, SharedConn};
pub use thread_bound::{BoundFuture, ThreadBound};
