//! [`Conn`]: a blocking connection, the byte pump around the core.

use std::io::{self, Read, Write};
use std::time::Instant;

use std::collections::VecDeque;

use mysql_proto::batch::Batch;
use mysql_proto::{
    AsStatement, CommandId, Connection, Error, ErrorKind, Event, FromRow, IntoOpts, OkPacket,
    Params, Result, Row, ServerInfo, Statement, StatementRef, Value,
};

use crate::coalesce::Coalescing;
use crate::result::QueryResult;
use crate::stream::{self, Stream};

/// A blocking connection to a MySQL or MariaDB server.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    pub(crate) proto: Connection,
    broken: Option<Error>,
    pub(crate) last_ok: OkPacket,
    /// Commands sent ahead (START TRANSACTION) whose result is read with the next command.
    pending_checks: Vec<CommandId>,
    coalescing: Coalescing,
}

impl Conn {
    /// Connects and authenticates, within the connect timeout (10 s by default).
    ///
    /// Fails with [`ErrorKind::Misuse`] for a bad URL, [`ErrorKind::Io`] when the server cannot
    /// be reached, [`ErrorKind::Timeout`] when the connect timeout expires, and
    /// [`ErrorKind::Auth`] when the server refuses the login (with the server's code and message).
    pub fn connect(opts: impl IntoOpts) -> Result<Conn> {
        let mut opts = opts.into_opts()?;
        opts.load_tls_files(|p| std::fs::read(p))?;
        let deadline = opts.connect_timeout().map(|t| Instant::now() + t);
        let stream = Stream::connect(&opts, deadline)?;
        let mut conn = Conn {
            stream,
            proto: Connection::new(opts),
            broken: None,
            last_ok: OkPacket::default(),
            pending_checks: Vec::new(),
            coalescing: Coalescing::new(),
        };
        loop {
            let t = stream::remaining(deadline)?;
            conn.stream.set_timeouts(t, t)?;
            if let Event::Connected(_) = conn.next_event()? {
                break;
            }
        }
        let o = conn.proto.opts();
        let (r, w) = (o.read_timeout(), o.write_timeout());
        conn.stream.set_timeouts(r, w)?;
        Ok(conn)
    }

    /// Runs `sql` (one or several statements) and returns its results for streaming.
    ///
    /// Fails with [`ErrorKind::Server`] when the first statement fails; errors of later
    /// statements come from [`QueryResult::next_result`].
    pub fn query(&mut self, sql: impl AsRef<[u8]>) -> Result<QueryResult<'_>> {
        let id = self.send(|c| c.query(sql.as_ref()))?;
        QueryResult::start(self, id)
    }

    /// Runs `sql` and discards every result. Fails with the first server error.
    pub fn query_drop(&mut self, sql: impl AsRef<[u8]>) -> Result<()> {
        let id = self.send(|c| c.query(sql.as_ref()))?;
        self.finish(id)
    }

    /// Runs `sql` and collects the rows of its first result set as `R` (a tuple of column
    /// types). Fails on a server error or when a row does not convert.
    pub fn query_collect<R>(&mut self, sql: impl AsRef<[u8]>) -> Result<Vec<R>>
    where
        R: for<'a> FromRow<'a>,
    {
        self.query(sql)?.collect_typed()
    }

    /// Runs `sql` and returns the owned rows of its first result set.
    pub fn query_rows(&mut self, sql: impl AsRef<[u8]>) -> Result<Vec<Row>> {
        let mut r = self.query(sql)?;
        let mut rows = Vec::new();
        while let Some(row) = r.next_row()? {
            rows.push(row.to_owned());
        }
        Ok(rows)
    }

    /// Runs `sql` and converts the first row of its first result set, if any.
    pub fn query_first<R>(&mut self, sql: impl AsRef<[u8]>) -> Result<Option<R>>
    where
        R: for<'a> FromRow<'a>,
    {
        let mut r = self.query(sql)?;
        match r.next_row()? {
            Some(row) => row.decode().map(Some),
            None => Ok(None),
        }
    }

    /// Prepares `sql` (`COM_STMT_PREPARE`) outside the statement cache. Fails with the server's
    /// error for invalid SQL. Close it with [`close_statement`](Self::close_statement) when done.
    pub fn prepare(&mut self, sql: impl AsRef<[u8]>) -> Result<Statement> {
        let id = self.send(|c| c.prepare(sql.as_ref()))?;
        match self.next_event()? {
            Event::Prepared { statement, .. } => Ok(statement.clone()),
            Event::ServerError { error, .. } => {
                Err(Error::from_server(ErrorKind::Server, error.clone()))
            }
            other => Err(Error::protocol(format!(
                "unexpected event answering prepare {id:?}: {other:?}"
            ))),
        }
    }

    /// Queues `COM_STMT_EXECUTE` without waiting; read its events with
    /// [`next_event`](Self::next_event). For tools that consume events directly.
    pub fn send_execute(&mut self, statement: &Statement, params: &[Value]) -> Result<CommandId> {
        self.send(|c| c.execute(statement, params))
    }

    /// Closes a statement from [`prepare`](Self::prepare) (`COM_STMT_CLOSE`, no round trip).
    pub fn close_statement(&mut self, statement: Statement) -> Result<()> {
        self.proto.close_statement(statement.id())?;
        self.flush()
    }

    /// Executes a statement with `params` (binary protocol) and returns its results for
    /// streaming. `statement` is SQL text (prepared on first use and kept in the connection's
    /// LRU statement cache) or a [`Statement`]. `params` is a tuple of values, `()` or a
    /// `Vec<Value>`. Fails with a misuse error when the number of parameters is wrong.
    pub fn exec(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<QueryResult<'_>> {
        let st = self.statement(statement.as_statement())?;
        let id = self.send(|c| c.execute_params(&st, &params))?;
        QueryResult::start(self, id)
    }

    /// Executes and discards the results; fails with the first server error.
    pub fn exec_drop(&mut self, statement: impl AsStatement, params: impl Params) -> Result<()> {
        let st = self.statement(statement.as_statement())?;
        let id = self.send(|c| c.execute_params(&st, &params))?;
        self.finish(id)
    }

    /// Executes and collects the rows of the first result set as `R`.
    pub fn exec_collect<R>(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Vec<R>>
    where
        R: for<'a> FromRow<'a>,
    {
        self.exec(statement, params)?.collect_typed()
    }

    /// Executes and converts the first row, if any.
    pub fn exec_first<R>(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Option<R>>
    where
        R: for<'a> FromRow<'a>,
    {
        let mut r = self.exec(statement, params)?;
        match r.next_row()? {
            Some(row) => row.decode().map(Some),
            None => Ok(None),
        }
    }

    /// Executes one statement once per parameter set, many sets per round trip, and returns
    /// the affected rows summed over the sets. On MariaDB, statements that take parameters and
    /// return no result set (INSERT, UPDATE, DELETE, REPLACE) go out as
    /// `COM_STMT_BULK_EXECUTE` commands of thousands of sets each; otherwise each set is its own
    /// pipelined `COM_STMT_EXECUTE`.
    ///
    /// A failing set does not stop the others from being sent; the first server error is
    /// returned once all are answered. Which sets stay applied after an error differs (with
    /// bulk commands the server stops at the failing set of that command, and the engine
    /// decides about the sets before it), so run a batch inside a transaction and roll back on
    /// error when it must be all or nothing.
    ///
    /// ```no_run
    /// # fn f(conn: &mut mysql_blocking::Conn) -> mysql_proto::Result<()> {
    /// let rows = (0..10_000).map(|i| (i, format!("name {i}")));
    /// let n = conn.exec_batch("INSERT INTO t (id, name) VALUES (?, ?)", rows)?;
    /// assert_eq!(n, 10_000);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exec_batch<P: Params>(
        &mut self,
        statement: impl AsStatement,
        params: impl IntoIterator<Item = P>,
    ) -> Result<u64> {
        let st = self.statement(statement.as_statement())?;
        self.begin_operation()?;
        let mut batch = Batch::new(&self.proto, st, params.into_iter());
        let mut pending = VecDeque::new();
        let mut checks = std::mem::take(&mut self.pending_checks);
        let (mut affected, mut first_error, mut queued_all) = (0, None, false);
        loop {
            while !queued_all && pending.len() < batch.window() {
                match batch.queue_next(&mut self.proto)? {
                    Some(id) => pending.push_back(id),
                    None => queued_all = true,
                }
                if !checks.is_empty() && !pending.is_empty() {
                    // START TRANSACTION went ahead: its result comes before the first set's.
                    self.pending_checks = std::mem::take(&mut checks);
                    self.finish_checks(pending[0])?;
                }
            }
            let Some(id) = pending.pop_front() else {
                // No sets at all: what went ahead is still checked by the next command.
                self.pending_checks = checks;
                return first_error.map_or(Ok(affected), Err);
            };
            match self.finish(id) {
                Ok(()) => affected += self.last_ok.affected_rows,
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }

    /// The statement to execute: explicit, cached, or prepared now and cached.
    fn statement(&mut self, s: StatementRef<'_>) -> Result<Statement> {
        match s {
            StatementRef::Prepared(st) => Ok(st.clone()),
            StatementRef::Sql(sql) => {
                if let Some(st) = self.proto.statement_cache().get(sql.as_bytes()) {
                    return Ok(st);
                }
                let st = self.prepare(sql)?;
                self.proto.cache_statement(sql.as_bytes(), st.clone())?;
                Ok(st)
            }
        }
    }

    /// Checks the server is alive (`COM_PING`).
    pub fn ping(&mut self) -> Result<()> {
        let id = self.send(Connection::ping)?;
        self.finish(id)
    }

    /// Changes the default database (`COM_INIT_DB`, like `USE db`). Fails with the server's
    /// error for an unknown database.
    pub fn use_database(&mut self, database: &str) -> Result<()> {
        let id = self.send(|c| c.init_db(database))?;
        self.finish(id)
    }

    /// Resets the session (`COM_RESET_CONNECTION`): temporary tables, variables and
    /// transactions are dropped, the login stays.
    pub fn reset(&mut self) -> Result<()> {
        let id = self.send(Connection::reset_connection)?;
        self.finish(id)
    }

    /// Says goodbye (`COM_QUIT`) and closes the socket. Dropping a `Conn` closes the socket too,
    /// without the goodbye.
    pub fn close(mut self) -> Result<()> {
        self.proto.quit()?;
        self.flush()
    }

    /// What the server said about itself in the handshake.
    pub fn server_info(&self) -> &ServerInfo {
        // Invariant: a Conn exists only after the handshake completed.
        self.proto.server_info().expect("connected")
    }

    /// The connection id, as used by `KILL`.
    pub fn connection_id(&self) -> u32 {
        self.server_info().connection_id
    }

    /// The OK packet of the last statement that finished (affected rows, last insert id,
    /// warnings, info, status).
    pub fn last_ok(&self) -> &OkPacket {
        &self.last_ok
    }

    /// Affected rows of the last statement.
    pub fn affected_rows(&self) -> u64 {
        self.last_ok.affected_rows
    }

    /// The `AUTO_INCREMENT` value generated by the last statement.
    pub fn last_insert_id(&self) -> u64 {
        self.last_ok.last_insert_id
    }

    /// The core connection, for inspection.
    pub fn protocol(&self) -> &Connection {
        &self.proto
    }

    /// Queues a raw `COM_QUERY` without waiting; read its events with
    /// [`next_event`](Self::next_event). For tools that consume events directly.
    pub fn send_query(&mut self, sql: impl AsRef<[u8]>) -> Result<CommandId> {
        self.send(|c| c.query(sql.as_ref()))
    }

    // ----- the byte pump -----

    fn send(
        &mut self,
        command: impl FnOnce(&mut Connection) -> Result<CommandId>,
    ) -> Result<CommandId> {
        self.begin_operation()?;
        let id = command(&mut self.proto)?;
        self.finish_checks(id)?;
        Ok(id)
    }

    /// Checks the connection is usable and abandons whatever an earlier operation left unread
    /// (one operation at a time: it is skipped before this one's responses), except the
    /// commands sent ahead whose result is still to be checked.
    pub(crate) fn begin_operation(&mut self) -> Result<()> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        if self.proto.in_flight() > 0 {
            self.proto.discard_all_except(&self.pending_checks);
        }
        Ok(())
    }

    /// Reads the results of the commands sent ahead of `next` (written in the same round trip).
    /// On failure `next` is abandoned and the error returned.
    fn finish_checks(&mut self, next: CommandId) -> Result<()> {
        if self.pending_checks.is_empty() {
            // The common case: no Vec to take and drop.
            return Ok(());
        }
        for check in std::mem::take(&mut self.pending_checks) {
            if let Err(e) = self.finish(check) {
                self.proto.discard(next);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Takes the commands sent ahead, for a caller that reads their results itself.
    pub(crate) fn take_checks(&mut self) -> Vec<CommandId> {
        std::mem::take(&mut self.pending_checks)
    }

    /// Sends `sql` without waiting; its result is checked with the next command.
    pub(crate) fn send_ahead(&mut self, sql: &str) -> Result<()> {
        self.begin_operation()?;
        let id = self.proto.query(sql)?;
        self.pending_checks.push(id);
        Ok(())
    }

    /// Reads events of `id` until its end, keeping the last OK; returns the first server error.
    pub(crate) fn finish(&mut self, id: CommandId) -> Result<()> {
        let mut first_error = None;
        while self.proto.is_in_flight(id) {
            match self.next_event()? {
                Event::Ok { ok, .. } | Event::ResultSetEnd { ok, .. } => self.last_ok = ok.clone(),
                Event::ServerError { error, .. } if first_error.is_none() => {
                    first_error = Some(Error::from_server(ErrorKind::Server, error.clone()));
                }
                _ => {}
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Writes pending output and reads input until the core has an event (of the commands in
    /// flight, e.g. after [`send_query`](Self::send_query)), and lends it.
    pub fn next_event(&mut self) -> Result<Event<'_>> {
        self.wait_event()?;
        // Invariant: wait_event succeeded, so an event is ready.
        Ok(self.proto.event().expect("event ready"))
    }

    /// Like [`next_event`](Self::next_event) without borrowing the event, for callers that
    /// return a borrow on one path and mutate the connection on another (read it with
    /// `self.proto.event()`).
    pub(crate) fn wait_event(&mut self) -> Result<()> {
        if let Some(e) = &self.broken {
            return Err(e.clone());
        }
        loop {
            // advance() may queue output (handshake replies), so flush after it.
            let ready = self.proto.advance()?;
            if self.proto.wants_write() {
                self.flush()?;
            }
            if ready {
                return Ok(());
            }
            if let Some(e) = self.proto.fatal_error() {
                return Err(e.clone());
            }
            self.fill()?;
        }
    }

    fn flush(&mut self) -> Result<()> {
        while !self.proto.pending_send().is_empty() {
            match self.stream.write(self.proto.pending_send()) {
                Ok(0) => return Err(self.fail(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.proto.consume_send(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(())
    }

    fn fill(&mut self) -> Result<()> {
        // A coalesced read takes all the mark's bytes at once.
        let hint = match self.coalescing.before_read(&self.stream, &mut self.proto) {
            Ok(gathered) => self.proto.read_hint().max(gathered),
            Err(e) => return Err(self.fail(e)),
        };
        loop {
            match self.stream.read(self.proto.recv_buf(hint)) {
                Ok(0) => {
                    self.proto.handle_eof();
                    return Ok(());
                }
                Ok(n) => {
                    self.proto.handle_recv(n);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    fn fail(&mut self, e: io::Error) -> Error {
        let e = Error::io(e);
        self.broken = Some(e.clone());
        e
    }
}
