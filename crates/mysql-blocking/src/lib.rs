//! # mysql-blocking: a MySQL / MariaDB client for plain threads
//!
//! Drives the sans-IO [`mysql_proto::Connection`] over a `std::net::TcpStream` or a Unix socket.
//! No async runtime, no background thread. Every operation is written once in the core
//! ([`mysql_proto::ops`]); this crate only moves bytes, so its API is the async adapters'
//! (`mysql-tokio`, `mysql-smol`, `mysql-async-std`) without `.await`: same names, same types,
//! same documentation.
//!
//! ```no_run
//! use mysql_blocking::Conn;
//!
//! let mut conn = Conn::connect("mysql://root:secret@127.0.0.1:3307/test")?;
//! conn.query_drop("CREATE TEMPORARY TABLE t (id INT, name VARCHAR(20))")?;
//! conn.query_drop("INSERT INTO t VALUES (1, 'one'), (2, NULL)")?;
//!
//! // Collect typed rows...
//! let rows: Vec<(i32, Option<String>)> = conn.query_collect("SELECT id, name FROM t")?;
//! assert_eq!(rows, vec![(1, Some("one".into())), (2, None)]);
//!
//! // ...or stream them without copying.
//! let mut result = conn.query("SELECT id FROM t")?;
//! while let Some(row) = result.next_row()? {
//!     let id: i32 = row.get(0)?;
//!     println!("{id}");
//! }
//! # Ok::<(), mysql_blocking::Error>(())
//! ```
//!
//! ## Sharing connections between threads
//!
//! A [`Pool`] lends connections (options in the URL: `pool-max`, `acquire-timeout`, ...; see
//! [`mysql_proto::pool::PoolOpts`]); the guard hands its connection back when dropped, rolled
//! back if a transaction was left open. Same API as the async adapters' pools.
//!
//! ```no_run
//! let pool = mysql_blocking::Pool::new("mysql://root@127.0.0.1:3307/test?pool-max=8")?;
//! let workers: Vec<_> = (0..32)
//!     .map(|i| {
//!         let pool = pool.clone();
//!         std::thread::spawn(move || -> mysql_blocking::Result<i64> {
//!             let mut conn = pool.get()?; // waits its turn, at most acquire-timeout
//!             let n: Option<i64> = conn.exec_first("SELECT ? * 2", (i,))?;
//!             Ok(n.unwrap_or_default())
//!         })
//!     })
//!     .collect();
//! for w in workers {
//!     w.join().unwrap()?;
//! }
//! pool.close(); // COM_QUIT on every connection
//! # Ok::<(), mysql_blocking::Error>(())
//! ```
//!
//! ## Timeouts and what they leave behind
//!
//! * `connect-timeout` (default 10 s) bounds the whole connect: TCP, TLS, handshake and every
//!   auth round trip.
//! * `query-timeout` (off by default): a statement still running that long after its command
//!   was queued is killed with `KILL QUERY` over a short-lived side connection, its late result
//!   is skipped, and the call fails with [`ErrorKind::Timeout`] **without breaking the
//!   connection** (`is_fatal()` is `false`).
//! * `read-timeout` / `write-timeout` (off by default) are socket timeouts per read and write.
//!   When one expires the connection is **broken**: it does not know where in a response it
//!   stands, so every later call returns the same [`ErrorKind::Timeout`] error, and the server
//!   may still be running the statement (use `query-timeout` to have it killed).
//!
//! An I/O error breaks the connection the same way. A server error (`ErrorKind::Server`) fails
//! only the statement.
//!
//! Dropping a [`QueryResult`] before reading it all, or a [`Transaction`] without committing,
//! is fine: the rest of the response is skipped and the `ROLLBACK` sent when the connection is
//! next used.

mod coalesce;
mod conn;
mod pool;
mod stream;

pub use conn::{Conn, LocalInfileHandler, Pipeline, QueryResult, Transaction};
pub use mysql_proto::adapter_api::*;
pub use pool::{Pool, PooledConn};
