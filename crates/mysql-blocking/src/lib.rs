//! # mysql-blocking: a MySQL / MariaDB client for plain threads
//!
//! Drives the sans-IO [`mysql_proto::Connection`] over a `std::net::TcpStream` or a Unix socket.
//! No async runtime, no background thread. Everything protocol-related lives in the core; this
//! crate only moves bytes and offers the blocking API.
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
//! Timeouts come from the options (`connect-timeout`, `read-timeout`, `write-timeout` in the
//! URL). A timeout or an I/O error breaks the connection: every later call returns that error.
//! A server error (`ErrorKind::Server`) fails only the statement.
//!
//! Dropping a [`QueryResult`] before reading it all is fine: the rest of the response is skipped
//! when the connection is next used.

mod coalesce;
mod conn;
mod pipeline;
mod result;
mod stream;
mod transaction;

pub use conn::Conn;
pub use mysql_proto::{
    AsStatement, Column, Columns, DateTime, Error, ErrorKind, FromRow, FromValue, IntoOpts,
    IsolationLevel, OkPacket, Opts, OptsBuilder, Output, Params, RawValue, Result, ResultSet, Row,
    RowRef, ServerError, ServerInfo, Statement, Time, ToValue, TxOpts, Value,
};
pub use pipeline::Pipeline;
pub use result::QueryResult;
pub use transaction::Transaction;
