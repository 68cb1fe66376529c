//! [`Cursor`]: walking the results of one command: result sets (columns, rows, end) and OKs,
//! one per statement.

use crate::connection::{CommandId, Connection, Event};
use crate::error::{Error, Result};
use crate::ops::Progress;
use crate::packets::OkPacket;
use crate::trace::CommandSpan;
use crate::value::Columns;

/// Where a command's results stand, from [`Start`](crate::ops::Start). Rows are lent by the
/// connection ([`Connection::row`]) after [`poll_row`](Self::poll_row) answered `Done(true)`.
///
/// | state | poll_row | poll_next_result |
/// |---|---|---|
/// | rows of a result set | a row, or `false` at its end (the OK is kept) | skips the rows, reads the next header |
/// | a result complete, more follow | `false` | reads the next header: `true` |
/// | the last result complete | `false` | `false` |
#[derive(Debug)]
pub struct Cursor {
    id: CommandId,
    state: State,
    columns: Option<Columns>,
    /// The current result's OK arrived (it is the connection's `last_ok`).
    has_ok: bool,
    /// The command's span (tracing): closed when the last result is read or the cursor dropped.
    span: CommandSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A result's first packet is owed.
    Header,
    /// Rows of the current result set are being read.
    Rows,
    /// The current result is complete; `more` says whether another follows.
    ResultDone { more: bool },
    /// The command is complete.
    Done,
}

impl Cursor {
    /// A cursor over the results of command `id`, before its first result.
    #[inline]
    pub fn new(id: CommandId) -> Cursor {
        Cursor {
            id,
            state: State::Header,
            columns: None,
            has_ok: false,
            span: CommandSpan::default(),
        }
    }

    /// The cursor, carrying the command's span on (see [`crate::trace`]).
    #[inline(always)]
    pub fn with_span(mut self, span: CommandSpan) -> Cursor {
        self.span = span;
        self
    }

    /// The command whose results these are.
    pub fn command_id(&self) -> CommandId {
        self.id
    }

    /// The columns of the current result set; `None` when the current result is an OK.
    pub fn columns(&self) -> Option<&Columns> {
        self.columns.as_ref()
    }

    /// The OK of the current result: for an OK result at once, for a result set once its rows
    /// have been read. Lent by `conn`, which keeps it as its [`Connection::last_ok`].
    pub fn ok<'c>(&self, conn: &'c Connection) -> Option<&'c OkPacket> {
        self.has_ok.then(|| conn.last_ok())
    }

    /// Reads the current result's header: a result set's columns, an OK, or the server's error
    /// (then no result follows).
    #[inline(always)]
    pub fn poll_header(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        ready!(conn.poll_event_of(self.id)?);
        self.columns = None;
        self.has_ok = false;
        let more = match conn.event() {
            Some(Event::ResultSetStart { columns, .. }) => {
                self.columns = Some(columns.clone());
                self.state = State::Rows;
                return Ok(Progress::Done(()));
            }
            Some(Event::Ok { ok, .. }) => ok.status.more_results(),
            other => return Err(self.failed(other)),
        };
        conn.keep_last_ok();
        self.has_ok = true;
        self.result_done(more);
        Ok(Progress::Done(()))
    }

    /// The next row of the current result set: `Done(true)` when [`Connection::row`] lends it,
    /// `Done(false)` at the end of the result set (its OK kept) or when the current result has
    /// no rows. Fails with the server's error when the statement fails while sending rows.
    #[inline]
    pub fn poll_row(&mut self, conn: &mut Connection) -> Result<Progress<bool>> {
        if self.state != State::Rows {
            return Ok(Progress::Done(false));
        }
        ready!(conn.poll_event_of(self.id)?);
        if conn.has_row() {
            self.span.row();
            return Ok(Progress::Done(true));
        }
        self.on_end(conn)?;
        Ok(Progress::Done(false))
    }

    /// The non-row event that ends a result set's rows.
    #[inline]
    fn on_end(&mut self, conn: &mut Connection) -> Result<()> {
        let more = match conn.event() {
            Some(Event::ResultSetEnd { ok, .. }) => ok.status.more_results(),
            other => return Err(self.failed(other)),
        };
        conn.keep_last_ok();
        self.has_ok = true;
        self.result_done(more);
        Ok(())
    }

    /// The current result is complete; after the last one the command's span closes.
    #[inline(always)]
    fn result_done(&mut self, more: bool) {
        self.state = State::ResultDone { more };
        if !more {
            self.span.finish();
        }
    }

    /// Skips what is left of the current result and reads the next one's header: `Done(true)`,
    /// or `Done(false)` when there is none. Fails with the server's error when the next
    /// statement failed (no results follow an error).
    pub fn poll_next_result(&mut self, conn: &mut Connection) -> Result<Progress<bool>> {
        loop {
            match self.state {
                State::Rows => {
                    ready!(self.poll_row(conn)?);
                }
                State::ResultDone { more: true } => self.state = State::Header,
                State::Header => {
                    ready!(self.poll_header(conn)?);
                    return Ok(Progress::Done(true));
                }
                State::ResultDone { more: false } | State::Done => {
                    self.state = State::Done;
                    return Ok(Progress::Done(false));
                }
            }
        }
    }

    /// Abandons the rest of the results (a result dropped before its end): the connection skips
    /// them before the next command's response. No IO.
    #[inline]
    pub fn abandon(&self, conn: &mut Connection) {
        if !matches!(self.state, State::Done | State::ResultDone { more: false }) {
            conn.discard(self.id);
        }
    }

    /// The error for an event that is neither a header nor a row: the server's error ends the
    /// command.
    fn failed(&mut self, ev: Option<Event<'_>>) -> Error {
        self.state = State::Done;
        let e = match ev {
            Some(Event::ServerError { error, .. }) => Error::answer(error.clone()),
            other => Error::protocol(format!("unexpected event in a query response: {other:?}")),
        };
        self.span.fail(&e);
        self.span.finish();
        e
    }
}
