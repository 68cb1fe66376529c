//! The query timeout, planned once for every adapter: when a statement runs past
//! `query-timeout`, the adapter opens a side connection with [`KillQuery::side_opts`], runs
//! [`KillQuery::sql`] on it (bounded by [`DRAIN_AFTER_KILL`]), then runs [`Drain`](super::Drain)
//! on the timed-out connection (bounded the same way) to skip the killed statement's late
//! result. Success: the operation fails with [`KillQuery::killed`], which is not fatal, and the
//! connection goes on. Any failure on the way breaks the connection with
//! [`KillQuery::not_killed`] or [`KillQuery::not_drained`].
//!
//! Timers are the adapter's (the core has no clock); which command the timeout is counted
//! from is [`Connection::commands_queued`]: the timer restarts whenever an operation queues a
//! command.

use core::time::Duration;

use crate::connection::Connection;
use crate::error::{Error, ErrorKind};
use crate::opts::Opts;

/// How long the side connection's `KILL QUERY` and the killed statement's late result may take
/// before the connection is declared broken.
pub const DRAIN_AFTER_KILL: Duration = Duration::from_secs(5);

/// The plan for killing the statement running on a connection.
#[derive(Debug, Clone)]
pub struct KillQuery {
    /// Options for the side connection: the same server and login, no query timeout, and
    /// [`DRAIN_AFTER_KILL`] as its connect timeout.
    pub side_opts: Opts,
    /// `KILL QUERY <connection id>`.
    pub sql: String,
}

impl KillQuery {
    /// The plan for `conn`; `None` before the handshake (there is no statement to kill).
    pub fn plan(conn: &Connection) -> Option<KillQuery> {
        let id = conn.server_info()?.connection_id;
        let connect = conn
            .opts()
            .connect_timeout()
            .map_or(DRAIN_AFTER_KILL, |t| t.min(DRAIN_AFTER_KILL));
        let side_opts = Opts::builder_from(conn.opts().clone())
            .query_timeout(None)
            .connect_timeout(Some(connect))
            .build();
        Some(KillQuery {
            side_opts,
            sql: format!("KILL QUERY {id}"),
        })
    }

    /// The operation's error after a successful kill and drain: [`ErrorKind::Timeout`], not
    /// fatal.
    pub fn killed() -> Error {
        Error::statement_timeout(
            "query timeout expired; the statement was killed and the connection is still usable",
        )
    }

    /// The error when the statement could not be killed (`cause`): fatal.
    pub fn not_killed(cause: &Error) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!("query timeout expired and the statement could not be killed: {cause}"),
        )
    }

    /// The error when the killed statement's late result did not come: fatal.
    pub fn not_drained() -> Error {
        Error::new(
            ErrorKind::Timeout,
            "query timeout expired and the killed statement did not end",
        )
    }
}
