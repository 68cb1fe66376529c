//! Operations: what a user calls (`query`, `exec_batch`, `pipeline().run()`, a transaction, a
//! query timeout, ...), each written once as a sans-IO algorithm over a [`Connection`].
//!
//! # Theory of operation
//!
//! An operation is a small state machine implementing [`Operation`]. Its
//! [`poll`](Operation::poll) advances the connection as far as the bytes already received
//! allow, queues the commands it needs, and answers one of:
//!
//! | answer | meaning | what the runner does |
//! |---|---|---|
//! | [`Progress::Done`] | the operation is over, here is its result | return it |
//! | [`Progress::Read`] | it waits for the server | write [`Connection::pending_send`], read once, poll again |
//! | [`Progress::Flush`] | it waits for room in the send buffer | write [`Connection::pending_send`], poll again |
//! | `Err` | it failed ([`Error::is_fatal`] says whether the connection did too) | return the error |
//!
//! Each adapter has one *runner* that answers those in its own flavour (blocking syscalls,
//! `.await`), and public methods of one line that build an operation and run it; those methods
//! are written once too, in [`client_api!`](crate::client_api). So a fix or a new operation
//! lands once for every adapter.
//!
//! ```
//! use mysql_proto::ops::{Finish, Operation, Progress, Command};
//! use mysql_proto::testing::{handshake_done, ServerScript};
//!
//! // A runner over an in-memory server: every Read is answered with the scripted bytes.
//! let mut conn = handshake_done();
//! let mut op = Finish::<()>::new(Command::Ping);
//! assert!(matches!(op.poll(&mut conn).unwrap(), Progress::Read)); // COM_PING is queued
//! assert_eq!(conn.pending_send(), &[1, 0, 0, 0, 0x0e]);
//! let n = conn.pending_send().len();
//! conn.consume_send(n);
//! let mut server = ServerScript::new();
//! server.set_seq(1);
//! server.ok(0, 0);
//! let bytes = server.bytes();
//! conn.recv_buf(bytes.len())[..bytes.len()].copy_from_slice(bytes);
//! conn.handle_recv(bytes.len());
//! assert!(matches!(op.poll(&mut conn).unwrap(), Progress::Done(())));
//! ```
//!
//! # What outlives an operation
//!
//! Kept by the [`Connection`], in one place: the OK of the last statement an operation finished
//! ([`Connection::last_ok`]), the statements sent ahead of the next command (a transaction's
//! `START TRANSACTION`, whose result is read with that command's), and the broken flag
//! ([`Connection::fatal_error`], also set by adapters through [`Connection::break_with`]).
//!
//! # Cancellation
//!
//! An operation may be dropped after any poll (an async future dropped mid-way). Whatever
//! the server still owes for it is skipped by the next operation, which starts with
//! [`Connection::begin_operation`]; commands queued by operations never wait for room they
//! cannot get: they read (and skip) what earlier, abandoned operations left owing first.

/// `?` for [`Progress`]: the value of `Done`, or returns `Read` / `Flush` from the caller.
macro_rules! ready {
    ($e:expr) => {
        match $e {
            $crate::ops::Progress::Done(t) => t,
            $crate::ops::Progress::Read => return Ok($crate::ops::Progress::Read),
            $crate::ops::Progress::Flush => return Ok($crate::ops::Progress::Flush),
        }
    };
}

mod batch;
mod binlog;
mod command;
mod cursor;
mod lifecycle;
mod pipeline;
mod server_cursor;
mod session;
pub mod timeout;

#[doc(hidden)]
pub mod api;

pub use batch::ExecBatch;
pub use binlog::{BinlogDump, NextBinlogEvent};
pub use command::{Call, Command, Finish, Prepare, Resolve, Send, Start};
pub use cursor::Cursor;
pub(crate) use lifecycle::queue_quit;
pub use lifecycle::{ChangeUser, CloseStatement, Drain, Handshake, NextEvent, Quit};
pub use pipeline::RunPipeline;
pub use server_cursor::{CloseCursor, Fetch, OpenCursor, ServerCursor};
pub(crate) use session::OpState;

use crate::connection::Connection;
use crate::error::{Error, Result};

/// What one [`Operation::poll`] achieved; see the module docs.
#[must_use = "an operation that is not Done needs IO before it is polled again"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<T> {
    /// The operation waits for bytes from the server: write what is pending, read, poll again.
    Read,
    /// The operation waits for the send buffer to drain below `max-send-buffer`: write what is
    /// pending, then poll again (no read needed).
    Flush,
    /// The operation is over.
    Done(T),
}

/// An operation over a [`Connection`] whose result is a `T`; see the module docs for the
/// protocol between an operation and its runner.
///
/// The result type is a parameter, not an associated type: a runner's future then never names
/// `<O as Operation>::Output`, a projection through which rustc cannot prove `Send` for every
/// lifetime when the operation borrows (an async `exec_batch` over
/// `items.iter().map(|i| (i.name.as_str(),))` in a task spawned on a multi-threaded runtime).
pub trait Operation<T> {
    /// Advances the operation. Call again after the IO that [`Progress`] asks for; never call
    /// again after `Done` or an error (a misuse error says so, nothing else happens).
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<T>>;

    /// What the operation returns when the runner's transport failed (the connection is then
    /// broken with `error`, see [`Connection::break_with`]): by default the error. An
    /// operation with partial results to report overrides it (a pipeline fails each
    /// unfinished command).
    fn fail(&mut self, error: Error) -> Result<T> {
        Err(error)
    }
}

impl<T, O: Operation<T> + ?Sized> Operation<T> for &mut O {
    #[inline]
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<T>> {
        (**self).poll(conn)
    }
    fn fail(&mut self, error: Error) -> Result<T> {
        (**self).fail(error)
    }
}

/// An [`Operation`] made of a closure, for one-off steps (`poll_fn(|c| cursor.poll_row(c))`).
pub struct PollFn<F>(F);

/// Makes an [`Operation`] of `f`.
#[inline]
pub fn poll_fn<T, F: FnMut(&mut Connection) -> Result<Progress<T>>>(f: F) -> PollFn<F> {
    PollFn(f)
}

impl<T, F: FnMut(&mut Connection) -> Result<Progress<T>>> Operation<T> for PollFn<F> {
    #[inline(always)]
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<T>> {
        (self.0)(conn)
    }
}
