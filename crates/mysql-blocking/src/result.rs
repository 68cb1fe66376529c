//! [`QueryResult`]: the streamed results of one query.

use mysql_proto::{
    Columns, CommandId, Error, ErrorKind, Event, FromRow, OkPacket, Result, Row, RowRef,
};

use crate::conn::Conn;

/// The results of a query: one per statement, each a result set (columns and rows) or an OK.
///
/// Rows of the current result set are read with [`next_row`](Self::next_row) (borrowed, no
/// copy) or by iterating (owned [`Row`]s); [`next_result`](Self::next_result) moves to the next
/// statement's result. Dropping it early is safe: the rest is skipped before the connection's
/// next command.
pub struct QueryResult<'c> {
    conn: &'c mut Conn,
    id: CommandId,
    state: State,
    columns: Option<Columns>,
    /// The current result's OK arrived; it is kept once, as the connection's `last_ok`.
    has_ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Rows of the current result set are being read.
    Rows,
    /// The current result is complete; `more` says whether another follows.
    ResultDone { more: bool },
    /// The command is complete.
    Done,
}

impl<'c> QueryResult<'c> {
    /// Reads up to the first result of command `id`.
    pub(crate) fn start(conn: &'c mut Conn, id: CommandId) -> Result<QueryResult<'c>> {
        let mut r = QueryResult {
            conn,
            id,
            state: State::ResultDone { more: true },
            columns: None,
            has_ok: false,
        };
        r.read_result_header()?;
        Ok(r)
    }

    /// The columns of the current result set; `None` when the current result is an OK
    /// (a statement without a result set).
    pub fn columns(&self) -> Option<&Columns> {
        self.columns.as_ref()
    }

    /// Whether the current result is a result set.
    pub fn has_rows(&self) -> bool {
        self.columns.is_some()
    }

    /// The next row of the current result set, borrowed from the receive buffer; `None` at its
    /// end (or for an OK result). Fails with the server's error when the statement fails while
    /// sending rows (e.g. it was killed), or with a fatal error when the connection breaks.
    #[inline(always)]
    pub fn next_row(&mut self) -> Result<Option<RowRef<'_>>> {
        if self.state != State::Rows {
            return Ok(None);
        }
        self.conn.wait_event()?;
        if self.conn.proto.has_row() {
            // Borrowed afresh so the borrow is returned unconditionally (see wait_event).
            return Ok(self.conn.proto.row());
        }
        match self
            .conn
            .proto
            .event()
            .ok_or_else(|| Error::protocol("no event"))?
        {
            Event::ResultSetEnd { ok, .. } => {
                self.state = State::ResultDone {
                    more: ok.status.more_results(),
                };
                self.conn.last_ok.clone_from(ok);
                self.has_ok = true;
            }
            Event::ServerError { error, .. } => {
                let e = Error::from_server(ErrorKind::Server, error.clone());
                self.state = State::Done;
                return Err(e);
            }
            other => return Err(unexpected(&other)),
        }
        Ok(None)
    }

    /// Skips what is left of the current result and moves to the next one. Returns `false`
    /// when there is none. Fails with the server's error when the next statement failed (no
    /// results follow an error).
    pub fn next_result(&mut self) -> Result<bool> {
        while self.next_row()?.is_some() {}
        match self.state {
            State::ResultDone { more: true } => {
                self.read_result_header()?;
                Ok(true)
            }
            _ => {
                self.state = State::Done;
                Ok(false)
            }
        }
    }

    /// The OK of the current result: for an OK result at once, for a result set once its rows
    /// have been read.
    pub fn ok(&self) -> Option<&OkPacket> {
        self.has_ok.then_some(&self.conn.last_ok)
    }

    /// Affected rows of the current result (0 until known).
    pub fn affected_rows(&self) -> u64 {
        self.ok().map_or(0, |o| o.affected_rows)
    }

    /// Last insert id of the current result (0 until known).
    pub fn last_insert_id(&self) -> u64 {
        self.ok().map_or(0, |o| o.last_insert_id)
    }

    /// Reads the remaining rows of the current result set as `R`.
    pub fn collect_typed<R>(&mut self) -> Result<Vec<R>>
    where
        R: for<'a> FromRow<'a>,
    {
        let mut out = Vec::new();
        while let Some(row) = self.next_row()? {
            out.push(row.decode()?);
        }
        Ok(out)
    }

    /// Reads everything that is left of every result, returning the first server error.
    pub fn drop_all(mut self) -> Result<()> {
        while self.next_result()? {}
        Ok(())
    }

    fn read_result_header(&mut self) -> Result<()> {
        self.columns = None;
        self.has_ok = false;
        match self.conn.next_event()? {
            Event::ResultSetStart { columns, .. } => {
                self.columns = Some(columns.clone());
                self.state = State::Rows;
            }
            Event::Ok { ok, .. } => {
                let ok = ok.clone();
                self.state = State::ResultDone {
                    more: ok.status.more_results(),
                };
                self.conn.last_ok = ok;
                self.has_ok = true;
            }
            Event::ServerError { error, .. } => {
                let e = Error::from_server(ErrorKind::Server, error.clone());
                self.state = State::Done;
                return Err(e);
            }
            other => return Err(unexpected(&other)),
        }
        Ok(())
    }
}

impl Iterator for QueryResult<'_> {
    type Item = Result<Row>;

    /// The next row of the current result set, owned.
    fn next(&mut self) -> Option<Result<Row>> {
        self.next_row().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

impl Drop for QueryResult<'_> {
    fn drop(&mut self) {
        // Whatever the server still owes for this query is skipped by the core before the
        // next command's response: no IO here. A query read to its end owes nothing.
        if !matches!(self.state, State::Done | State::ResultDone { more: false }) {
            self.conn.proto.discard(self.id);
        }
    }
}

fn unexpected(ev: &Event<'_>) -> Error {
    Error::protocol(format!("unexpected event in a query response: {ev:?}"))
}
