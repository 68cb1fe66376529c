//! [`Conn`]: an async connection, generic over the [`Runtime`].

use std::future::{poll_fn, Future};
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::collections::VecDeque;

use mysql_proto::batch::Batch;
use mysql_proto::{
    AsStatement, CommandId, Connection, Error, ErrorKind, Event, FromRow, IntoOpts, OkPacket, Opts,
    Params, Result, Row, ServerInfo, Statement, StatementRef, Value,
};

use crate::coalesce::Coalescing;
use crate::result::QueryResult;
use crate::runtime::{timeout, Runtime, Transport};

/// How long a killed statement may take to deliver its late result before the connection is
/// declared broken.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(5);

/// A runtime's sleep, boxed (the query timer, the read-coalescing wait).
pub(crate) type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An async connection to a MySQL or MariaDB server, for runtime `R`.
///
/// Runtime adapters export it as `mysql_tokio::Conn`, `mysql_smol::Conn`, ... Every method is
/// cancellation safe (see the crate docs).
pub struct Conn<R: Runtime> {
    io: R::Stream,
    pub(crate) proto: Connection,
    broken: Option<Error>,
    pub(crate) last_ok: OkPacket,
    query_timeout: Option<Duration>,
    timer: Option<Timer>,
    /// Commands sent ahead (START TRANSACTION) whose result is read with the next command.
    pending_checks: Vec<CommandId>,
    coalescing: Coalescing,
    _runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime> Conn<R> {
    /// Connects and authenticates within the connect timeout (10 s by default). Accepts a URL or
    /// [`Opts`]. Fails like the blocking adapter: [`ErrorKind::Misuse`] for a bad URL,
    /// [`ErrorKind::Io`], [`ErrorKind::Timeout`], [`ErrorKind::Auth`].
    pub async fn connect(opts: impl IntoOpts) -> Result<Conn<R>> {
        let mut opts = opts.into_opts()?;
        // Small PEM files, read once per connect.
        opts.load_tls_files(|p| std::fs::read(p))?;
        let limit = opts.connect_timeout();
        match timeout::<R, _>(limit, Self::connect_inner(opts)).await {
            Ok(r) => r,
            Err(()) => Err(Error::new(ErrorKind::Timeout, "connect timeout expired")),
        }
    }

    async fn connect_inner(opts: Opts) -> Result<Conn<R>> {
        let io = match opts.socket() {
            Some(path) => R::connect_unix(path.to_string()).await?,
            None => R::connect_tcp(opts.host().to_string(), opts.port()).await?,
        };
        let query_timeout = opts.query_timeout();
        let mut conn = Conn {
            io,
            proto: Connection::new(opts),
            broken: None,
            last_ok: OkPacket::default(),
            query_timeout,
            timer: None,
            pending_checks: Vec::new(),
            coalescing: Coalescing::new(),
            _runtime: PhantomData,
        };
        // The raw pump (no query timer), so that the kill path can open connections too.
        loop {
            poll_fn(|cx| conn.poll_event(cx)).await?;
            if let Some(Event::Connected(_)) = conn.proto.event() {
                return Ok(conn);
            }
        }
    }

    /// Runs `sql` and returns its results for streaming; see [`QueryResult`]. Fails with
    /// [`ErrorKind::Server`] when the first statement fails.
    pub async fn query(&mut self, sql: impl AsRef<[u8]>) -> Result<QueryResult<'_, R>> {
        let id = self.send(|c| c.query(sql.as_ref()))?;
        self.finish_checks(id).await?;
        QueryResult::start(self, id).await
    }

    /// Runs `sql` and discards every result; fails with the first server error.
    pub async fn query_drop(&mut self, sql: impl AsRef<[u8]>) -> Result<()> {
        let id = self.send(|c| c.query(sql.as_ref()))?;
        self.finish_checks(id).await?;
        self.finish(id).await
    }

    /// Runs `sql` and collects the rows of its first result set as `T`.
    pub async fn query_collect<T>(&mut self, sql: impl AsRef<[u8]>) -> Result<Vec<T>>
    where
        T: for<'a> FromRow<'a>,
    {
        self.query(sql).await?.collect_typed().await
    }

    /// Runs `sql` and returns the owned rows of its first result set.
    pub async fn query_rows(&mut self, sql: impl AsRef<[u8]>) -> Result<Vec<Row>> {
        let mut r = self.query(sql).await?;
        let mut rows = Vec::new();
        while let Some(row) = r.next_row().await? {
            rows.push(row.to_owned());
        }
        Ok(rows)
    }

    /// Runs `sql` and converts the first row of its first result set, if any.
    pub async fn query_first<T>(&mut self, sql: impl AsRef<[u8]>) -> Result<Option<T>>
    where
        T: for<'a> FromRow<'a>,
    {
        let mut r = self.query(sql).await?;
        match r.next_row().await? {
            Some(row) => row.decode().map(Some),
            None => Ok(None),
        }
    }

    /// Prepares `sql` outside the statement cache; close it with
    /// [`close_statement`](Self::close_statement).
    pub async fn prepare(&mut self, sql: impl AsRef<[u8]>) -> Result<Statement> {
        let id = self.send(|c| c.prepare(sql.as_ref()))?;
        self.finish_checks(id).await?;
        self.wait_event().await?;
        match self.proto.event() {
            Some(Event::Prepared { statement, .. }) => Ok(statement.clone()),
            Some(Event::ServerError { error, .. }) => {
                Err(Error::from_server(ErrorKind::Server, error.clone()))
            }
            other => Err(Error::protocol(format!(
                "unexpected event answering prepare {id:?}: {other:?}"
            ))),
        }
    }

    /// Closes a statement from [`prepare`](Self::prepare) (no round trip).
    pub async fn close_statement(&mut self, statement: Statement) -> Result<()> {
        self.proto.close_statement(statement.id())?;
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Executes a statement (SQL text, prepared on first use and cached, or a [`Statement`])
    /// with `params`, binary protocol, and returns its results for streaming.
    pub async fn exec(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<QueryResult<'_, R>> {
        let st = self.statement(statement.as_statement()).await?;
        let id = self.send(|c| c.execute_params(&st, &params))?;
        self.finish_checks(id).await?;
        QueryResult::start(self, id).await
    }

    /// Executes and discards the results; fails with the first server error.
    pub async fn exec_drop(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<()> {
        let st = self.statement(statement.as_statement()).await?;
        let id = self.send(|c| c.execute_params(&st, &params))?;
        self.finish_checks(id).await?;
        self.finish(id).await
    }

    /// Executes and collects the rows of the first result set as `T`.
    pub async fn exec_collect<T>(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Vec<T>>
    where
        T: for<'a> FromRow<'a>,
    {
        self.exec(statement, params).await?.collect_typed().await
    }

    /// Executes and converts the first row, if any.
    pub async fn exec_first<T>(
        &mut self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Option<T>>
    where
        T: for<'a> FromRow<'a>,
    {
        let mut r = self.exec(statement, params).await?;
        match r.next_row().await? {
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
    /// # async fn f<R: mysql_proto_async::Runtime>(conn: &mut mysql_proto_async::Conn<R>) -> mysql_proto::Result<()> {
    /// let rows = (0..10_000).map(|i| (i, format!("name {i}")));
    /// let n = conn.exec_batch("INSERT INTO t (id, name) VALUES (?, ?)", rows).await?;
    /// assert_eq!(n, 10_000);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn exec_batch<P: Params>(
        &mut self,
        statement: impl AsStatement,
        params: impl IntoIterator<Item = P>,
    ) -> Result<u64> {
        let st = self.statement(statement.as_statement()).await?;
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
                    self.finish_checks(pending[0]).await?;
                }
            }
            let Some(id) = pending.pop_front() else {
                // No sets at all: what went ahead is still checked by the next command.
                self.pending_checks = checks;
                return first_error.map_or(Ok(affected), Err);
            };
            match self.finish(id).await {
                Ok(()) => affected += self.last_ok.affected_rows,
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }

    async fn statement(&mut self, s: StatementRef<'_>) -> Result<Statement> {
        match s {
            StatementRef::Prepared(st) => Ok(st.clone()),
            StatementRef::Sql(sql) => {
                if let Some(st) = self.proto.statement_cache().get(sql.as_bytes()) {
                    return Ok(st);
                }
                let st = self.prepare(sql).await?;
                self.proto.cache_statement(sql.as_bytes(), st.clone())?;
                Ok(st)
            }
        }
    }

    /// `COM_PING`.
    pub async fn ping(&mut self) -> Result<()> {
        let id = self.send(Connection::ping)?;
        self.finish_checks(id).await?;
        self.finish(id).await
    }

    /// `COM_INIT_DB` (like `USE db`).
    pub async fn use_database(&mut self, database: &str) -> Result<()> {
        let id = self.send(|c| c.init_db(database))?;
        self.finish_checks(id).await?;
        self.finish(id).await
    }

    /// `COM_RESET_CONNECTION`.
    pub async fn reset(&mut self) -> Result<()> {
        let id = self.send(Connection::reset_connection)?;
        self.finish_checks(id).await?;
        self.finish(id).await
    }

    /// Sends `COM_QUIT` and closes. Dropping the connection closes the socket too.
    pub async fn close(mut self) -> Result<()> {
        self.proto.discard_all();
        self.proto.quit()?;
        poll_fn(|cx| self.poll_flush(cx)).await
    }

    /// Sets (or clears) the per-statement timeout; see the crate docs.
    pub fn set_query_timeout(&mut self, limit: Option<Duration>) {
        self.query_timeout = limit;
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

    /// The OK packet of the last statement that finished.
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

    /// Queues `COM_STMT_EXECUTE` without waiting; read its events with
    /// [`next_event`](Self::next_event).
    pub fn send_execute(&mut self, statement: &Statement, params: &[Value]) -> Result<CommandId> {
        self.send(|c| c.execute(statement, params))
    }

    /// The next event of the commands in flight (after [`send_query`](Self::send_query)).
    pub async fn next_event(&mut self) -> Result<Event<'_>> {
        self.wait_event().await?;
        // Invariant: wait_event succeeded, so an event is ready.
        Ok(self.proto.event().expect("event ready"))
    }

    // ----- internals -----

    /// Queues a command after abandoning whatever earlier operations left unread (a dropped
    /// future or stream), and arms the query timer.
    fn send(
        &mut self,
        command: impl FnOnce(&mut Connection) -> Result<CommandId>,
    ) -> Result<CommandId> {
        self.begin_operation()?;
        let id = command(&mut self.proto)?;
        self.timer = self.query_timeout.map(|t| Box::pin(R::sleep(t)) as Timer);
        Ok(id)
    }

    /// Checks the connection is usable and abandons whatever an earlier operation left unread,
    /// except the commands sent ahead whose result is still to be checked.
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
    async fn finish_checks(&mut self, next: CommandId) -> Result<()> {
        if self.pending_checks.is_empty() {
            // The common case: no Vec to take and drop.
            return Ok(());
        }
        for check in std::mem::take(&mut self.pending_checks) {
            if let Err(e) = self.finish(check).await {
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

    /// Reads events of `id` to its end, keeping the last OK; returns the first server error.
    pub(crate) async fn finish(&mut self, id: CommandId) -> Result<()> {
        let mut first_error = None;
        while self.proto.is_in_flight(id) {
            self.wait_event().await?;
            match self.proto.event() {
                Some(Event::Ok { ok, .. } | Event::ResultSetEnd { ok, .. }) => {
                    self.last_ok.clone_from(ok)
                }
                Some(Event::ServerError { error, .. }) if first_error.is_none() => {
                    first_error = Some(Error::from_server(ErrorKind::Server, error.clone()));
                }
                _ => {}
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Waits until the core has an event. When the query timer fires first, kills the running
    /// statement, skips its late result and fails with [`ErrorKind::Timeout`].
    pub(crate) async fn wait_event(&mut self) -> Result<()> {
        // Fast path: the next event is already in the receive buffer (rows of a streaming
        // result): no IO, no timer, no poll machinery.
        if self.broken.is_none() && self.proto.advance()? {
            if self.proto.wants_write() {
                poll_fn(|cx| self.poll_flush(cx)).await?;
            }
            return Ok(());
        }
        let r = poll_fn(|cx| {
            if let Some(t) = self.timer.as_mut() {
                if t.as_mut().poll(cx).is_ready() {
                    self.timer = None;
                    return Poll::Ready(Err(None));
                }
            }
            // The fast path above advanced the core without an event.
            self.poll_pump(cx, false, true).map_err(Some)
        })
        .await;
        match r {
            Ok(()) => Ok(()),
            Err(Some(e)) => Err(e),
            // Boxed: the kill path is rare and large; keeping it out of line keeps every
            // operation's future small.
            Err(None) => Err(Box::pin(self.kill_running_statement()).await),
        }
    }

    /// After a query timeout: `KILL QUERY` over a side connection, then skip what the killed
    /// command still owes. Returns the error for the caller.
    async fn kill_running_statement(&mut self) -> Error {
        let timed_out = Error::new(
            ErrorKind::Timeout,
            "query timeout expired; the statement was killed and the connection is still usable",
        );
        let side = Opts::builder_from(self.proto.opts().clone())
            .query_timeout(None)
            .build();
        let id = self.connection_id();
        let kill = async move {
            let mut side = Self::connect_inner(side).await?;
            let kill = side.proto.query(format!("KILL QUERY {id}"))?;
            while side.proto.is_in_flight(kill) {
                poll_fn(|cx| side.poll_event(cx)).await?;
                if let Some(Event::ServerError { error, .. }) = side.proto.event() {
                    return Err(Error::from_server(ErrorKind::Server, error.clone()));
                }
            }
            side.proto.quit()?;
            poll_fn(|cx| side.poll_flush(cx)).await
        };
        let kill = timeout::<R, _>(Some(DRAIN_AFTER_KILL), kill);
        let kill = async {
            kill.await.unwrap_or_else(|()| {
                Err(Error::new(ErrorKind::Timeout, "side connection timed out"))
            })
        };
        if let Err(e) = kill.await {
            return self.break_with(Error::new(
                ErrorKind::Timeout,
                format!("query timeout expired and the statement could not be killed: {e}"),
            ));
        }
        self.proto.discard_all();
        let drain = async {
            while self.proto.in_flight() > 0 {
                poll_fn(|cx| self.poll_pump(cx, true, false)).await?;
            }
            Ok::<(), Error>(())
        };
        match timeout::<R, _>(Some(DRAIN_AFTER_KILL), drain).await {
            Ok(Ok(())) => timed_out,
            Ok(Err(e)) => e,
            Err(()) => self.break_with(Error::new(
                ErrorKind::Timeout,
                "query timeout expired and the killed statement did not end",
            )),
        }
    }

    fn break_with(&mut self, e: Error) -> Error {
        self.broken = Some(e.clone());
        e
    }

    /// The byte pump: decodes input until an event is ready, writing pending output and
    /// reading input meanwhile; writing and reading progress independently.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.poll_pump(cx, false, false)
    }

    /// [`poll_event`](Self::poll_event), which with `until_idle` also returns once no command
    /// is in flight (discarded commands produce no events to return on). `advanced` says the
    /// caller has just advanced the core without an event and fed it nothing since, so the
    /// pump starts with IO instead of asking the core again (a re-poll of such a caller is in
    /// the same position: the pump only returns `Pending` before feeding anything).
    fn poll_pump(
        &mut self,
        cx: &mut Context<'_>,
        until_idle: bool,
        mut advanced: bool,
    ) -> Poll<Result<()>> {
        if let Some(e) = &self.broken {
            return Poll::Ready(Err(e.clone()));
        }
        loop {
            if !advanced {
                let ready = self.proto.advance()?;
                if ready || (until_idle && self.proto.in_flight() == 0) {
                    // advance() may queue output (handshake replies): start writing it.
                    if self.proto.wants_write() {
                        if let Poll::Ready(Err(e)) = self.poll_flush(cx) {
                            return Poll::Ready(Err(e));
                        }
                    }
                    return Poll::Ready(Ok(()));
                }
            }
            advanced = false;
            std::task::ready!(self.poll_io(cx))?;
        }
    }

    /// One round of IO for a core that has no event ready: writes pending output as far as
    /// the socket takes it, then reads once. `Ready(Ok)` once the core was fed bytes or the
    /// end of the stream (advance it next); `Pending`, with `cx` registered, while there is
    /// nothing to read; an error breaks the connection.
    fn poll_io(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if self.proto.wants_write() {
            if let Poll::Ready(Err(e)) = self.poll_flush(cx) {
                return Poll::Ready(Err(e));
            }
        }
        if let Some(e) = self.proto.fatal_error() {
            return Poll::Ready(Err(e.clone()));
        }
        loop {
            if let Err(e) = self.coalescing.before_read::<R>(&self.io, &mut self.proto) {
                return Poll::Ready(Err(self.fail(e)));
            }
            let read = self
                .io
                .poll_read(cx, self.proto.recv_buf(self.proto.read_hint()));
            if read.is_ready() {
                self.coalescing.after_read();
            }
            match read {
                Poll::Ready(Ok(0)) => {
                    self.proto.handle_eof();
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Ok(n)) => {
                    self.proto.handle_recv(n);
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(self.fail(e))),
                Poll::Pending => {
                    // A coalescing wait that ran out lowered the mark: read again.
                    let expired = std::task::ready!(self.coalescing.poll_expired(&self.io, cx));
                    if let Err(e) = expired {
                        return Poll::Ready(Err(self.fail(e)));
                    }
                }
            }
        }
    }

    /// Writes pending output until done (`Ready(Ok)`) or the socket is full (`Pending`).
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        while !self.proto.pending_send().is_empty() {
            match self.io.poll_write(cx, self.proto.pending_send()) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(self.fail(io::ErrorKind::WriteZero.into())))
                }
                Poll::Ready(Ok(n)) => self.proto.consume_send(n),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(self.fail(e))),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    fn fail(&mut self, e: io::Error) -> Error {
        self.break_with(Error::io(e))
    }
}

impl<R: Runtime> std::fmt::Debug for Conn<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("proto", &self.proto)
            .field("broken", &self.broken)
            .finish()
    }
}
