//! [`Transaction`]: a guard that rolls back unless committed.

use std::ops::{Deref, DerefMut};

use mysql_proto::{Result, TxOpts};

use crate::conn::Conn;
use crate::runtime::Runtime;

/// An open transaction; derefs to [`Conn`]. Same semantics as the blocking adapter's: dropped
/// without [`commit`](Self::commit) or [`rollback`](Self::rollback) (a dropped future
/// included), the `ROLLBACK` is queued on the connection and sent before its next command, with
/// no IO in `Drop`. `START TRANSACTION` travels with the first statement.
#[must_use = "a transaction rolls back when dropped; call commit()"]
pub struct Transaction<'c, R: Runtime> {
    conn: &'c mut Conn<R>,
    finished: bool,
}

impl<R: Runtime> Conn<R> {
    /// Starts a transaction with the session's isolation level (no round trip yet).
    pub fn begin(&mut self) -> Result<Transaction<'_, R>> {
        self.begin_with(TxOpts::default())
    }

    /// Starts a transaction with `opts` (isolation level, read only).
    pub fn begin_with(&mut self, opts: TxOpts) -> Result<Transaction<'_, R>> {
        for sql in opts.statements() {
            self.send_ahead(sql)?;
        }
        Ok(Transaction {
            conn: self,
            finished: false,
        })
    }
}

impl<R: Runtime> Transaction<'_, R> {
    /// Commits.
    pub async fn commit(mut self) -> Result<()> {
        self.finished = true;
        self.conn.query_drop("COMMIT").await
    }

    /// Rolls back now.
    pub async fn rollback(mut self) -> Result<()> {
        self.finished = true;
        self.conn.query_drop("ROLLBACK").await
    }
}

impl<R: Runtime> Deref for Transaction<'_, R> {
    type Target = Conn<R>;
    fn deref(&self) -> &Conn<R> {
        self.conn
    }
}

impl<R: Runtime> DerefMut for Transaction<'_, R> {
    fn deref_mut(&mut self) -> &mut Conn<R> {
        self.conn
    }
}

impl<R: Runtime> Drop for Transaction<'_, R> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.proto.rollback_before_next_command();
        }
    }
}
