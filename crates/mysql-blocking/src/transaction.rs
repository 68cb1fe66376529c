//! [`Transaction`]: a guard that rolls back unless committed.

use std::ops::{Deref, DerefMut};

use mysql_proto::{Result, TxOpts};

use crate::conn::Conn;

/// An open transaction. Use the connection through it (it derefs to [`Conn`]), then
/// [`commit`](Self::commit) or [`rollback`](Self::rollback). Dropped without either, it rolls
/// back: the `ROLLBACK` is queued on the connection and sent before its next command (no IO in
/// `Drop`), so the next statement always sees the rolled-back state.
///
/// `START TRANSACTION` is sent together with the transaction's first statement (one round
/// trip); if it fails, that statement's result is discarded and the error returned.
#[must_use = "a transaction rolls back when dropped; call commit()"]
pub struct Transaction<'c> {
    conn: &'c mut Conn,
    finished: bool,
}

impl Conn {
    /// Starts a transaction with the session's isolation level.
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        self.begin_with(TxOpts::default())
    }

    /// Starts a transaction with `opts` (isolation level, read only).
    pub fn begin_with(&mut self, opts: TxOpts) -> Result<Transaction<'_>> {
        for sql in opts.statements() {
            self.send_ahead(sql)?;
        }
        Ok(Transaction {
            conn: self,
            finished: false,
        })
    }
}

impl Transaction<'_> {
    /// Commits. Fails with the server's error (the transaction is then rolled back by the
    /// server or left for the connection to end).
    pub fn commit(mut self) -> Result<()> {
        self.finished = true;
        self.conn.query_drop("COMMIT")
    }

    /// Rolls back now.
    pub fn rollback(mut self) -> Result<()> {
        self.finished = true;
        self.conn.query_drop("ROLLBACK")
    }
}

impl Deref for Transaction<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.proto.rollback_before_next_command();
        }
    }
}
