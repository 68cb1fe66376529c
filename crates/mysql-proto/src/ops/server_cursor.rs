//! Server-side cursors: [`OpenCursor`] executes a statement with `CURSOR_TYPE_READ_ONLY`, so
//! its rows stay on the server; [`Fetch`] reads them `n` at a time (`COM_STMT_FETCH`). A huge
//! result is read in bounded client memory, and the connection runs other statements between
//! fetches (a streamed result would hold it until its last row).
//!
//! The statement is prepared for the cursor alone (outside the statement cache: executing the
//! same statement again would close the cursor) and closed when the last row is fetched or by
//! [`CloseCursor`]. A cursor dropped without either leaves its statement open on the server
//! until the connection closes.

use crate::connection::{CommandId, Connection, Event, Statement};
use crate::constants::StatusFlags;
use crate::error::{Error, Result};
use crate::ops::{Operation, Prepare, Progress};
use crate::value::{Columns, Params, Row};

/// An open server-side cursor: its statement and columns. Read it with [`Fetch`].
#[derive(Debug)]
pub struct ServerCursor {
    statement: Statement,
    columns: Columns,
    done: bool,
}

impl ServerCursor {
    /// The columns of the cursor's rows.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// Whether every row was fetched (the statement is then closed).
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// Prepares `sql`, executes it with `params` asking for a cursor, and reads the answer:
/// `Done` with the [`ServerCursor`]. Fails with the server's error, or with a misuse error for
/// a statement without a result set (its statement is closed either way).
#[derive(Debug)]
pub struct OpenCursor<'a, P> {
    prepare: Prepare<'a>,
    params: P,
    statement: Option<Statement>,
    columns: Option<Columns>,
    id: Option<CommandId>,
}

impl<'a, P: Params> OpenCursor<'a, P> {
    /// Opens a cursor over the rows of `sql` with `params`.
    pub fn new(sql: &'a [u8], params: P) -> Self {
        OpenCursor {
            prepare: Prepare::new(sql),
            params,
            statement: None,
            columns: None,
            id: None,
        }
    }

    fn poll_open(&mut self, conn: &mut Connection) -> Result<Progress<ServerCursor>> {
        let statement = match &self.statement {
            Some(s) => s,
            None => {
                let s = ready!(self.prepare.poll(conn)?);
                self.statement.insert(s)
            }
        };
        let id = match self.id {
            Some(id) => id,
            None => {
                ready!(conn.poll_room(1)?);
                *self
                    .id
                    .insert(conn.execute_cursor(statement, &self.params)?)
            }
        };
        loop {
            ready!(conn.poll_event_of(id)?);
            match conn.event() {
                Some(Event::ResultSetStart { columns, .. }) => {
                    self.columns = Some(columns.clone());
                }
                Some(Event::ResultSetEnd { ok, .. }) => {
                    let exists = ok.status.0 & StatusFlags::SERVER_STATUS_CURSOR_EXISTS != 0;
                    let columns = self.columns.take();
                    return match (exists, columns) {
                        (true, Some(columns)) => Ok(Progress::Done(ServerCursor {
                            statement: self.statement.take().ok_or_else(gone)?,
                            columns,
                            done: false,
                        })),
                        _ => Err(Error::unsupported(
                            "the server did not open a cursor for this statement",
                        )),
                    };
                }
                Some(Event::Row { .. }) => {
                    return Err(Error::protocol(
                        "rows sent for an execute that asked for a cursor",
                    ))
                }
                Some(Event::Ok { .. }) if !conn.is_in_flight(id) => {
                    return Err(Error::misuse(
                        "a cursor needs a statement that returns rows (SELECT, SHOW, ...)",
                    ))
                }
                Some(Event::ServerError { error, .. }) => return Err(Error::answer(error.clone())),
                _ => {}
            }
        }
    }
}

impl<P: Params> Operation<ServerCursor> for OpenCursor<'_, P> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<ServerCursor>> {
        let r = self.poll_open(conn);
        if r.is_err() {
            // The statement is the cursor's alone: close it on every failure.
            if let Some(s) = self.statement.take() {
                let _ = conn.close_statement(s.id);
            }
            if let Some(id) = self.id {
                conn.discard(id);
            }
        }
        r
    }
}

/// Fetches the next `rows` rows of a [`ServerCursor`]: `Done(Some(rows))`, or `Done(None)` once
/// the cursor is exhausted (its statement is then closed). Fails with the server's error.
#[derive(Debug)]
pub struct Fetch<'c> {
    cursor: &'c mut ServerCursor,
    rows: u32,
    begun: bool,
    id: Option<CommandId>,
    got: Vec<Row>,
}

impl<'c> Fetch<'c> {
    /// Fetches up to `rows` rows (at least 1) of `cursor`.
    pub fn new(cursor: &'c mut ServerCursor, rows: u32) -> Self {
        Fetch {
            cursor,
            rows,
            begun: false,
            id: None,
            got: Vec::new(),
        }
    }
}

impl Operation<Option<Vec<Row>>> for Fetch<'_> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Option<Vec<Row>>>> {
        if self.cursor.done {
            return Ok(Progress::Done(None));
        }
        if !self.begun {
            conn.begin_operation()?;
            self.begun = true;
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                ready!(conn.poll_room(1)?);
                let (statement, columns) = (self.cursor.statement.id, self.cursor.columns.clone());
                *self.id.insert(conn.fetch(statement, self.rows, columns)?)
            }
        };
        loop {
            ready!(conn.poll_event_of(id)?);
            match conn.event() {
                Some(Event::Row { row, .. }) => self.got.push(row.to_owned()),
                Some(Event::ResultSetEnd { ok, .. }) => {
                    let more = ok.status.0 & StatusFlags::SERVER_STATUS_LAST_ROW_SENT == 0
                        && ok.status.0 & StatusFlags::SERVER_STATUS_CURSOR_EXISTS != 0;
                    if !more {
                        self.cursor.done = true;
                        conn.close_statement(self.cursor.statement.id)?;
                    }
                    let rows = std::mem::take(&mut self.got);
                    return Ok(Progress::Done(if rows.is_empty() && !more {
                        None
                    } else {
                        Some(rows)
                    }));
                }
                Some(Event::ServerError { error, .. }) => return Err(Error::answer(error.clone())),
                _ => {}
            }
        }
    }
}

/// Closes a [`ServerCursor`] before its last row (`COM_STMT_CLOSE` of its statement, no round
/// trip); nothing to do for an exhausted one.
#[derive(Debug)]
pub struct CloseCursor(Option<ServerCursor>);

impl CloseCursor {
    /// Closes `cursor`.
    pub fn new(cursor: ServerCursor) -> Self {
        CloseCursor(Some(cursor))
    }
}

impl Operation<()> for CloseCursor {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if let Some(c) = self.0.take().filter(|c| !c.done) {
            conn.begin_operation()?;
            conn.close_statement(c.statement.id)?;
        }
        Ok(Progress::Done(()))
    }
}

#[cold]
fn gone() -> Error {
    Error::misuse("operation polled again after it finished")
}
