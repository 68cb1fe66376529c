//! [`Batch`]: executing one prepared statement with many parameter sets, pipelined, shared by
//! [`ExecBatch`](crate::ops::ExecBatch), the one `exec_batch` of every adapter.
//!
//! On MariaDB servers that offer it, and for statements that take parameters and return no
//! result set, the sets go out as `COM_STMT_BULK_EXECUTE` commands of up to
//! [`BULK_CHUNK_BYTES`](crate::connection::BULK_CHUNK_BYTES) each; otherwise as one
//! `COM_STMT_EXECUTE` per set. Either way several commands are in flight at once
//! ([`window`](Batch::window)), so the round trip is paid once per window, not once per set.
//!
//! ```
//! use mysql_proto::batch::Batch;
//! use mysql_proto::testing::{handshake_done, prepared_statement};
//! use mysql_proto::{ToValue, Value};
//!
//! let mut conn = handshake_done(); // a Connection past the handshake, with a MariaDB greeting
//! let st = prepared_statement(2, 0); // INSERT ... VALUES (?, ?)
//! let rows = (0..10_000).map(|i| vec![Value::Int(i), "x".to_value()]);
//! let mut batch = Batch::new(&conn, st, rows);
//! assert!(batch.is_bulk());
//! let mut commands = 0;
//! while let Some(_id) = batch.queue_next(&mut conn).unwrap() {
//!     commands += 1; // an adapter reads each command's OK (or ERR) here
//! }
//! assert!(commands >= 1 && commands < 10);
//! ```

use std::iter::Peekable;

use crate::connection::{CommandId, Connection, Statement};
use crate::error::Result;
use crate::value::Params;

/// Bulk commands in flight at once: one being executed while the next is on the wire.
const BULK_WINDOW: usize = 2;
/// Single executes in flight at once: enough to hide round trips, few enough that the server's
/// replies never fill the socket while we are still writing.
const EXECUTE_WINDOW: usize = 256;

/// The state of one `exec_batch`: the statement, the parameter sets not yet queued, and
/// whether they go as bulk commands. Each set is encoded straight from the caller's values
/// ([`Params::with_params`]): a tuple of `&str`s is copied only into the command.
///
/// No bound on the struct and no `Iterator::Item` in its fields: an async `exec_batch` future
/// holding a batch over `items.iter().map(|i| (i.name.as_str(),))` stays `Send` (rustc cannot
/// prove auto traits through such projections for every lifetime).
pub struct Batch<I, P> {
    statement: Statement,
    params: ParamSets<I, P>,
    bulk: bool,
}

/// Parameter sets not yet queued, with one looked at ahead (like `Peekable`, without naming
/// `I::Item`, see [`Batch`]).
pub struct ParamSets<I, P> {
    iter: I,
    peeked: Option<P>,
}

impl<I: Iterator<Item = P>, P> ParamSets<I, P> {
    /// The sets of `iter`.
    pub fn new(iter: I) -> Self {
        ParamSets { iter, peeked: None }
    }
}

/// A source of parameter sets that can be looked at before they are taken: what
/// [`Connection::bulk_execute_from`] fills a command from.
pub trait PeekSets<P> {
    /// The next set, not taken.
    fn peek(&mut self) -> Option<&P>;
    /// Takes the next set.
    fn next(&mut self) -> Option<P>;
}

impl<I: Iterator<Item = P>, P> PeekSets<P> for ParamSets<I, P> {
    fn peek(&mut self) -> Option<&P> {
        if self.peeked.is_none() {
            self.peeked = self.iter.next();
        }
        self.peeked.as_ref()
    }
    fn next(&mut self) -> Option<P> {
        self.peeked.take().or_else(|| self.iter.next())
    }
}

impl<I: Iterator<Item = P>, P> PeekSets<P> for Peekable<I> {
    fn peek(&mut self) -> Option<&P> {
        Peekable::peek(self)
    }
    fn next(&mut self) -> Option<P> {
        Iterator::next(self)
    }
}

impl<I, P> std::fmt::Debug for Batch<I, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("statement", &self.statement)
            .field("bulk", &self.bulk)
            .finish_non_exhaustive()
    }
}

impl<I, P> Batch<I, P>
where
    I: Iterator<Item = P>,
    P: Params,
{
    /// A batch of `statement` over `params`, using `COM_STMT_BULK_EXECUTE` when `conn` and the
    /// statement allow it ([`Connection::supports_bulk_execute`]).
    pub fn new(conn: &Connection, statement: Statement, params: I) -> Self {
        let bulk = conn.supports_bulk_execute(&statement);
        Batch {
            statement,
            params: ParamSets::new(params),
            bulk,
        }
    }

    /// Whether the sets go out as `COM_STMT_BULK_EXECUTE`.
    pub fn is_bulk(&self) -> bool {
        self.bulk
    }

    /// How many of this batch's commands the caller should keep in flight: queue while fewer
    /// are unanswered, else read the oldest answer first.
    pub fn window(&self) -> usize {
        if self.bulk {
            BULK_WINDOW
        } else {
            EXECUTE_WINDOW
        }
    }

    /// Queues the next command (one bulk command or one execute) on `conn`; `Ok(None)` when
    /// every set has been queued. Each command is answered by one OK (affected rows summed over
    /// a bulk command's sets) or one ERR, which ends only that command.
    ///
    /// Fails with a misuse error for a parameter set whose size differs from the statement's
    /// parameter count, and with the connection's error when it cannot take commands; the
    /// commands queued before stay queued.
    pub fn queue_next(&mut self, conn: &mut Connection) -> Result<Option<CommandId>> {
        if self.bulk {
            let queued = conn.bulk_execute_from(&self.statement, &mut self.params)?;
            return Ok(queued.map(|(id, _)| id));
        }
        match PeekSets::next(&mut self.params) {
            Some(p) => conn.execute_params(&self.statement, &p).map(Some),
            None => Ok(None),
        }
    }
}
