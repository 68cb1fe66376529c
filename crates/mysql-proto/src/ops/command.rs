//! Operations of one command: [`Send`] queues it (preparing its statement on first use),
//! [`Finish`] reads it to its end, [`Start`] up to its first result, [`Prepare`] prepares.

use crate::connection::{CommandId, Connection, Statement, StatementRef};
use crate::error::{Error, Result};
use crate::ops::{Cursor, Operation, Progress};
use crate::trace::{CommandSpan, Traced};
use crate::value::Params;

/// The command an operation sends.
#[non_exhaustive]
#[derive(Debug)]
pub enum Command<'a, P = ()> {
    /// `COM_QUERY` with SQL text.
    Query(&'a [u8]),
    /// `COM_STMT_EXECUTE` of a statement (SQL text is prepared on first use and kept in the
    /// connection's statement cache) with parameters.
    Execute(StatementRef<'a>, P),
    /// `COM_PING`.
    Ping,
    /// `COM_INIT_DB`.
    InitDb(&'a str),
    /// `COM_RESET_CONNECTION`.
    ResetConnection,
    /// `COM_SET_OPTION`: multi-statements on (`true`) or off.
    SetMultiStatements(bool),
}

/// Resolves a [`StatementRef`] to a prepared [`Statement`]: given, cached, or prepared now
/// (`COM_STMT_PREPARE`, then cached, evicting the least recently used).
#[derive(Debug)]
pub struct Resolve<'a> {
    statement: StatementRef<'a>,
    preparing: Option<CommandId>,
}

impl<'a> Resolve<'a> {
    /// Resolves `statement`.
    pub fn new(statement: StatementRef<'a>) -> Self {
        Resolve {
            statement,
            preparing: None,
        }
    }

    /// The statement being resolved.
    pub(crate) fn statement(&self) -> &StatementRef<'a> {
        &self.statement
    }

    /// Polls: `Done` with the statement. Call after [`Connection::begin_operation`]. Fails with
    /// the server's error for SQL it cannot prepare.
    pub fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Statement>> {
        let sql = match self.statement {
            StatementRef::Prepared(st) => return Ok(Progress::Done(st.clone())),
            StatementRef::Sql(sql) => sql,
        };
        let id = match self.preparing {
            Some(id) => id,
            None => {
                if let Some(st) = conn.statement_cache().get(sql.as_bytes()) {
                    return Ok(Progress::Done(st));
                }
                ready!(conn.poll_room(1)?);
                let id = conn.prepare(sql)?;
                self.preparing = Some(id);
                id
            }
        };
        ready!(conn.poll_sent_ahead(Some(id))?);
        let st = ready!(conn.poll_prepared(id)?);
        conn.cache_statement(sql.as_bytes(), st.clone())?;
        Ok(Progress::Done(st))
    }
}

/// Starts an operation and queues one [`Command`]: `Done` with its id once the results of
/// what was sent ahead of it are read.
#[derive(Debug)]
pub struct Send<'a, P = ()> {
    begun: bool,
    /// The command's span (tracing), opened when the operation begins.
    pub(crate) span: CommandSpan,
    command: Option<Queued<'a, P>>,
    resolve: Option<Resolve<'a>>,
    statement: Option<Statement>,
    id: Option<CommandId>,
}

impl<'a, P: Params> Send<'a, P> {
    /// Sends `command`.
    #[inline]
    pub fn new(command: Command<'a, P>) -> Self {
        let resolve = match &command {
            Command::Execute(StatementRef::Sql(sql), _) => {
                Some(Resolve::new(StatementRef::Sql(sql)))
            }
            _ => None,
        };
        Send {
            begun: false,
            span: CommandSpan::default(),
            command: Some(Queued::Command(command)),
            resolve,
            statement: None,
            id: None,
        }
    }
}

/// What [`Send`] queues: a [`Command`], or a prepare (for [`Prepare`]).
#[derive(Debug)]
enum Queued<'a, P> {
    Command(Command<'a, P>),
    Prepare(&'a [u8]),
}

impl<'a> Send<'a, ()> {
    /// Sends `COM_STMT_PREPARE` of `sql`.
    fn prepare(sql: &'a [u8]) -> Self {
        Send {
            begun: false,
            span: CommandSpan::default(),
            command: Some(Queued::Prepare(sql)),
            resolve: None,
            statement: None,
            id: None,
        }
    }
}

impl<P> Send<'_, P> {
    /// What the span of the command says it is.
    fn traced(&self) -> Traced<'_> {
        match &self.command {
            Some(Queued::Prepare(sql)) => Traced::Sql(sql),
            Some(Queued::Command(c)) => match c {
                Command::Query(sql) => Traced::Sql(sql),
                Command::Execute(StatementRef::Sql(sql), _) => Traced::Sql(sql.as_bytes()),
                Command::Execute(StatementRef::Prepared(_), _) => Traced::Named("EXECUTE"),
                Command::Ping => Traced::Named("PING"),
                Command::InitDb(_) => Traced::Named("USE"),
                Command::ResetConnection => Traced::Named("RESET CONNECTION"),
                Command::SetMultiStatements(_) => Traced::Named("SET OPTION"),
            },
            None => Traced::Named("COMMAND"),
        }
    }
}

impl<P: Params> Operation<CommandId> for Send<'_, P> {
    #[inline(always)]
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<CommandId>> {
        if !self.begun {
            conn.begin_operation()?;
            self.begun = true;
            self.span = CommandSpan::start(conn, self.traced());
        }
        let id = match self.id {
            Some(id) => id,
            None => {
                if let Some(resolve) = &mut self.resolve {
                    self.statement = Some(ready!(resolve.poll(conn)?));
                    self.resolve = None;
                }
                ready!(conn.poll_room(1)?);
                let command = self.command.take().ok_or_else(polled_after_done)?;
                let id = match command {
                    Queued::Prepare(sql) => conn.prepare(sql)?,
                    Queued::Command(Command::Query(sql)) => conn.query(sql)?,
                    Queued::Command(Command::Execute(StatementRef::Prepared(st), params)) => {
                        conn.execute_params(st, &params)?
                    }
                    Queued::Command(Command::Execute(StatementRef::Sql(_), params)) => {
                        let st = self.statement.take().ok_or_else(polled_after_done)?;
                        conn.execute_params(&st, &params)?
                    }
                    Queued::Command(Command::Ping) => conn.ping()?,
                    Queued::Command(Command::InitDb(db)) => conn.init_db(db)?,
                    Queued::Command(Command::ResetConnection) => conn.reset_connection()?,
                    Queued::Command(Command::SetMultiStatements(on)) => {
                        conn.set_multi_statements(on)?
                    }
                };
                self.id = Some(id);
                id
            }
        };
        ready!(conn.poll_sent_ahead(Some(id))?);
        Ok(Progress::Done(id))
    }
}

/// Sends a [`Command`] and reads its response to the end, keeping the last OK
/// ([`Connection::last_ok`]). Fails with the first server error (the response is still read
/// to its end: the connection stays in step).
#[derive(Debug)]
pub struct Finish<'a, P = ()> {
    send: Send<'a, P>,
    error: Option<Error>,
}

impl<'a, P: Params> Finish<'a, P> {
    /// Runs `command` to its end.
    #[inline]
    pub fn new(command: Command<'a, P>) -> Self {
        Finish {
            send: Send::new(command),
            error: None,
        }
    }
}

impl<P: Params> Finish<'_, P> {
    #[inline(always)]
    fn poll_command(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        let id = ready!(self.send.poll(conn)?);
        ready!(conn.poll_finish(id, &mut self.error)?);
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(Progress::Done(())),
        }
    }
}

impl<P: Params> Operation<()> for Finish<'_, P> {
    #[inline]
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        let r = self.poll_command(conn);
        self.send.span.end(r)
    }
}

/// Sends a [`Command`] and reads up to its first result: `Done` with a [`Cursor`] over its
/// results. Fails with the server's error when the first statement fails.
#[derive(Debug)]
pub struct Start<'a, P = ()> {
    send: Send<'a, P>,
    cursor: Option<Cursor>,
}

impl<'a, P: Params> Start<'a, P> {
    /// Starts `command`.
    #[inline]
    pub fn new(command: Command<'a, P>) -> Self {
        Start {
            send: Send::new(command),
            cursor: None,
        }
    }
}

impl<P: Params> Operation<Cursor> for Start<'_, P> {
    #[inline(always)]
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Cursor>> {
        let cursor = match &mut self.cursor {
            Some(c) => c,
            None => {
                let id = match self.send.poll(conn) {
                    Ok(Progress::Done(id)) => id,
                    Ok(Progress::Read) => return Ok(Progress::Read),
                    Ok(Progress::Flush) => return Ok(Progress::Flush),
                    Err(e) => return self.send.span.end(Err(e)),
                };
                let span = std::mem::take(&mut self.send.span);
                self.cursor.insert(Cursor::new(id).with_span(span))
            }
        };
        ready!(cursor.poll_header(conn)?);
        self.cursor
            .take()
            .map(Progress::Done)
            .ok_or_else(polled_after_done)
    }
}

/// Prepares SQL outside the statement cache (`COM_STMT_PREPARE`): `Done` with the statement,
/// which the caller closes when done. Fails with the server's error for invalid SQL.
#[derive(Debug)]
pub struct Prepare<'a> {
    send: Send<'a, ()>,
}

impl<'a> Prepare<'a> {
    /// Prepares `sql`.
    pub fn new(sql: &'a [u8]) -> Self {
        Prepare {
            send: Send::prepare(sql),
        }
    }
}

impl Operation<Statement> for Prepare<'_> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Statement>> {
        let r = match self.send.poll(conn) {
            Ok(Progress::Done(id)) => conn.poll_prepared(id),
            Ok(Progress::Read) => Ok(Progress::Read),
            Ok(Progress::Flush) => Ok(Progress::Flush),
            Err(e) => Err(e),
        };
        self.send.span.end(r)
    }
}

/// The error of an operation polled again after it finished.
#[cold]
pub(crate) fn polled_after_done() -> Error {
    Error::misuse("operation polled again after it finished")
}

/// Executes a statement and collects everything it returns into one
/// [`Output`](crate::Output): every result set (a stored procedure's `CALL` may return
/// several), the OUT / INOUT parameters of a prepared `CALL`
/// ([`Output::out_params`](crate::Output::out_params)), and the final OK. Fails with the
/// first server error.
#[derive(Debug)]
pub struct Call<'a, P> {
    send: Send<'a, P>,
    collector: Option<crate::pipeline::Collector>,
}

impl<'a, P: Params> Call<'a, P> {
    /// Executes `statement` with `params`.
    pub fn new(statement: StatementRef<'a>, params: P) -> Self {
        Call {
            send: Send::new(Command::Execute(statement, params)),
            collector: None,
        }
    }

    fn poll_call(&mut self, conn: &mut Connection) -> Result<Progress<crate::Output>> {
        let id = ready!(self.send.poll(conn)?);
        let collector = self.collector.get_or_insert_with(|| {
            let mut c = crate::pipeline::Collector::new();
            c.expect(id, true);
            c
        });
        while !collector.is_complete() {
            ready!(conn.poll_event_of(id)?);
            if let Some(ev) = conn.event() {
                collector.on_event(&ev)?;
            }
        }
        conn.keep_last_ok();
        let collector = self.collector.take().ok_or_else(polled_after_done)?;
        let (_, out) = collector
            .finish()
            .pop()
            .ok_or_else(|| Error::protocol("no outcome for the CALL"))?;
        out.map(Progress::Done)
    }
}

impl<P: Params> Operation<crate::Output> for Call<'_, P> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<crate::Output>> {
        let r = self.poll_call(conn);
        self.send.span.end(r)
    }
}
