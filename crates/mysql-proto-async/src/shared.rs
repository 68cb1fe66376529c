//! [`SharedConn`]: one connection used by many tasks at once, their statements pipelined;
//! [`MuxPool`]: a few of them, least busy first. The bookkeeping is the core's
//! ([`mysql_proto::shared::Mux`]); this file only locks, polls the socket and wakes.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use mysql_proto::shared::{Mux, MuxSlots, Pick, Ticket};
use mysql_proto::{
    AsStatement, Error, FromRow, IntoOpts, Opts, Output, Params, PipelineStep, Result, Row,
};

use crate::conn::Conn;
use crate::runtime::Runtime;

/// A connection shared by many tasks: `Clone` it into each; their statements go out back to
/// back without waiting for each other's responses (pipelined), and each task awaits only its
/// own response. No task is spawned: one of the waiting tasks drives the IO, the others sleep
/// until their response is there.
///
/// ```no_run
/// # use mysql_proto_async::{Runtime, SharedConn};
/// // Generic over the runtime; with an adapter: `mysql_tokio::SharedConn`, and each clone
/// // moved into its own `tokio::spawn`ed task.
/// async fn names<R: Runtime>(ids: Vec<i64>) -> mysql_proto_async::Result<Vec<String>> {
///     let shared = SharedConn::<R>::connect("mysql://root@127.0.0.1:3307/test").await?;
///     let mut names = Vec::new();
///     for id in ids {
///         let task = shared.clone(); // what each task would hold
///         let row = task.exec_first::<(String,)>("SELECT name FROM users WHERE id = ?", (id,));
///         names.extend(row.await?.map(|(n,)| n));
///     }
///     Ok(names)
/// }
/// ```
///
/// # What may run on it
///
/// Statements of different tasks interleave on one server session, so only statements whose
/// effect ends with them are accepted: autocommit queries and prepared executes (by SQL text,
/// through the connection's statement cache, prepared once for all tasks; or a
/// [`Statement`](mysql_proto::Statement)). Statements that change the session (`BEGIN`,
/// `START TRANSACTION`, `COMMIT`, `ROLLBACK`, `SET`, `USE`, `LOCK TABLES`, SQL `PREPARE`,
/// `LOAD DATA`, ...) fail with [`ErrorKind::Misuse`](mysql_proto::ErrorKind::Misuse) without
/// being sent; run them, and transactions, on an [`exclusive`](Self::exclusive) checkout. A
/// statement that nevertheless leaves a transaction open (a procedure starting one) breaks the
/// connection: the statements queued behind it fail instead of running inside that
/// transaction, and the server rolls it back.
///
/// Hazards no check catches: user variables, `LAST_INSERT_ID()` as a statement of its own (use
/// [`Output::last_insert_id`]), `GET_LOCK`, temporary tables and `FOUND_ROWS()` belong to the
/// session, so to every task sharing it; a slow statement delays every response queued after
/// it (spread load over a [`MuxPool`]); each response is read whole into memory (a shared
/// connection is for short statements: stream large results on a connection of your own).
///
/// # Cancellation
///
/// Every future of it may be dropped at any await point. A request not yet sent is forgotten;
/// the response to one already sent is read and dropped when it arrives, never given to another
/// task. `query-timeout` does not apply (its `KILL QUERY` would hit the session all tasks
/// share): bound a call with [`timeout`](crate::timeout) instead.
///
/// A broken connection (lost, protocol error) fails every request then pending and every
/// later one with its error: open a new one ([`MuxPool`] does).
pub struct SharedConn<R: Runtime> {
    inner: Arc<Mutex<State<R>>>,
}

struct State<R: Runtime> {
    /// `None` while lent to an [`Exclusive`] checkout, or once broken.
    conn: Option<Conn<R>>,
    mux: Mux,
    /// Why the connection broke; its socket is closed then, so the server ends the session
    /// (and rolls back what it had open) at once.
    broken: Option<Error>,
}

impl<R: Runtime> Clone for SharedConn<R> {
    fn clone(&self) -> Self {
        SharedConn {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime> std::fmt::Debug for SharedConn<R> {
    /// The bookkeeping (requests queued, in flight, done; who drives the IO), for diagnosing
    /// a stuck caller; `<locked>` while another caller holds the lock.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.inner.try_lock() {
            Ok(st) => f
                .debug_struct("SharedConn")
                .field("connected", &st.conn.is_some())
                .field("broken", &st.broken)
                .field("mux", &st.mux)
                .finish(),
            Err(_) => f.write_str("SharedConn { <locked> }"),
        }
    }
}

impl<R: Runtime> SharedConn<R> {
    /// Connects (as [`Conn::connect`]) and shares the connection.
    pub async fn connect(opts: impl IntoOpts) -> Result<Self> {
        Ok(Self::new(Conn::connect(opts).await?))
    }

    /// Shares `conn`. Whatever it still owes from earlier operations is skipped first.
    pub fn new(mut conn: Conn<R>) -> Self {
        let mut mux = Mux::new();
        mux.give_back(&mut conn.proto);
        let mut state = State {
            conn: Some(conn),
            mux,
            broken: None,
        };
        // A connection broken before it was shared is reported (and replaced by a pool) at once.
        state.close_if_broken();
        SharedConn {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// Runs one step (a query or an execute, its rows kept or counted) and returns all it
    /// produced. Fails with the server's error for the statement, [`ErrorKind::Misuse`] for a
    /// statement that changes the session (see the type's docs), or the connection's fatal
    /// error.
    ///
    /// [`ErrorKind::Misuse`]: mysql_proto::ErrorKind::Misuse
    pub async fn run(&self, step: PipelineStep) -> Result<Output> {
        let ticket = {
            let mut st = self.lock();
            let t = st.mux.submit(step);
            if let Some(e) = st.broken.clone() {
                st.mux.fail_all(e);
            }
            t
        };
        Response {
            shared: self,
            ticket,
            done: false,
        }
        .await
    }

    /// Runs `sql` and discards its rows (unlike `Conn::query_drop`, returns the [`Output`]:
    /// affected rows, last insert id); fails with the server's error.
    pub async fn query_drop(&self, sql: impl Into<String>) -> Result<Output> {
        self.run(PipelineStep::query(sql, false)).await
    }

    /// Runs `sql` and returns the rows of its first result set.
    pub async fn query_rows(&self, sql: impl Into<String>) -> Result<Vec<Row>> {
        Ok(self.run(PipelineStep::query(sql, true)).await?.into_rows())
    }

    /// Runs `sql` and converts the rows of its first result set to `T`.
    pub async fn query_collect<T: for<'r> FromRow<'r>>(
        &self,
        sql: impl Into<String>,
    ) -> Result<Vec<T>> {
        decode_all(self.query_rows(sql).await?)
    }

    /// Runs `sql` and converts the first row of its first result set, if any.
    pub async fn query_first<T: for<'r> FromRow<'r>>(
        &self,
        sql: impl Into<String>,
    ) -> Result<Option<T>> {
        decode_first(self.query_rows(sql).await?)
    }

    /// Executes `statement` (SQL text, prepared on first use and cached for every task, or a
    /// [`Statement`](mysql_proto::Statement)) with `params`, discarding its rows; returns the
    /// affected rows and last insert id in the [`Output`].
    pub async fn exec_drop(
        &self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Output> {
        self.run(PipelineStep::exec(statement, params, false)).await
    }

    /// Executes `statement` with `params` and returns the rows of its first result set.
    pub async fn exec_rows(
        &self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Vec<Row>> {
        let step = PipelineStep::exec(statement, params, true);
        Ok(self.run(step).await?.into_rows())
    }

    /// Executes `statement` with `params` and converts the rows of its first result set.
    pub async fn exec_collect<T: for<'r> FromRow<'r>>(
        &self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Vec<T>> {
        decode_all(self.exec_rows(statement, params).await?)
    }

    /// Executes `statement` with `params` and converts the first row, if any.
    pub async fn exec_first<T: for<'r> FromRow<'r>>(
        &self,
        statement: impl AsStatement,
        params: impl Params,
    ) -> Result<Option<T>> {
        decode_first(self.exec_rows(statement, params).await?)
    }

    /// Waits until the connection is free (requests submitted earlier go first and are
    /// answered; those arriving meanwhile wait) and lends it whole: for transactions, session
    /// settings, streaming. Every other task's request waits until the [`Exclusive`] guard is
    /// dropped. When it comes
    /// back; session settings changed on it stay (for every task): put them back. Cancellation
    /// safe. Fails with the fatal error once the connection is broken.
    ///
    /// It is a lock: while a task holds the guard, its own statements on the shared handle (and
    /// a second `exclusive`) wait for the guard it holds, forever. Use the guard meanwhile.
    pub async fn exclusive(&self) -> Result<Exclusive<R>> {
        let ticket = self.lock().mux.request_exclusive();
        let mut pending = Response {
            shared: self,
            ticket,
            done: false,
        };
        let conn = poll_fn(|cx| pending.poll_lend(cx)).await;
        pending.done = true;
        Ok(Exclusive {
            shared: self.clone(),
            conn: Some(conn?),
        })
    }

    /// Requests queued or in flight: how busy the connection is.
    pub fn outstanding(&self) -> usize {
        self.lock().mux.outstanding()
    }

    /// The error that broke the connection, if it is broken.
    pub fn fatal_error(&self) -> Option<Error> {
        self.lock().broken.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State<R>> {
        // A panic while the lock is held leaves the bookkeeping as consistent as any step
        // left it; keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn decode_all<T: for<'r> FromRow<'r>>(rows: Vec<Row>) -> Result<Vec<T>> {
    rows.iter().map(|r| r.decode()).collect()
}

fn decode_first<T: for<'r> FromRow<'r>>(rows: Vec<Row>) -> Result<Option<T>> {
    rows.first().map(|r| r.decode()).transpose()
}

impl<R: Runtime> State<R> {
    /// Does the IO the mux says `ticket`'s caller is to do ([`Mux::next_io`]) once: whether
    /// bytes moved (or the connection broke), so that it is worth looking again. `false`:
    /// nothing this caller may do, or the socket is not ready (the caller's waker is then
    /// registered with it, and the caller is the driver).
    fn drive(&mut self, cx: &mut Context<'_>, ticket: Ticket) -> bool {
        self.close_if_broken();
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        let Some(read) = self.mux.next_io(&mut conn.proto, ticket) else {
            return false;
        };
        let io = conn.poll_io(cx, read);
        let moved = io.is_ready();
        self.mux.io_done(&mut conn.proto, ticket, read, io);
        self.close_if_broken();
        moved
    }

    /// Once the connection is broken: closes its socket and fails everything waiting.
    fn close_if_broken(&mut self) {
        let Some(e) = self
            .conn
            .as_ref()
            .and_then(|c| c.proto.fatal_error().cloned())
        else {
            return;
        };
        // Dropping the connection closes the socket: the server ends the session now.
        self.conn = None;
        self.mux.fail_all(e.clone());
        self.broken = Some(e);
    }
}

/// A request's wait for its result (or for an exclusive checkout). Dropping it abandons the
/// request.
struct Response<'a, R: Runtime> {
    shared: &'a SharedConn<R>,
    ticket: Ticket,
    done: bool,
}

impl<R: Runtime> Response<'_, R> {
    /// The one polling loop: asks `ready` (under the lock) whether the wait is over, else
    /// drives the IO once and asks again, until the socket is not ready (this caller is then
    /// the one it wakes) or there is nothing to drive.
    fn poll_until<T>(
        &self,
        cx: &mut Context<'_>,
        mut ready: impl FnMut(&mut State<R>, &Context<'_>) -> Option<T>,
    ) -> Poll<T> {
        let mut st = self.shared.lock();
        loop {
            if let Some(t) = ready(&mut st, cx) {
                return Poll::Ready(t);
            }
            if !st.drive(cx, self.ticket) {
                return Poll::Pending;
            }
        }
    }

    fn poll_lend(&mut self, cx: &mut Context<'_>) -> Poll<Result<Conn<R>>> {
        let ticket = self.ticket;
        self.poll_until(cx, |st, cx| {
            if let Some(e) = st.broken.clone() {
                st.mux.abandon(ticket);
                return Some(Err(e));
            }
            if st.mux.may_lend(ticket) {
                if let Some(conn) = st.conn.take() {
                    st.mux.lend(ticket);
                    return Some(Ok(conn));
                }
            }
            // Registers the waker: woken when the checkout's turn may have come.
            let _ = st.mux.poll_result(ticket, cx.waker());
            None
        })
    }
}

impl<R: Runtime> Future for Response<'_, R> {
    type Output = Result<Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Output>> {
        let ticket = self.ticket;
        let r = std::task::ready!(self.poll_until(cx, |st, cx| {
            let r = st.mux.poll_result(ticket, cx.waker());
            let Poll::Ready(r) = r else { return None };
            st.mux.release(ticket);
            Some(r)
        }));
        self.done = true;
        Poll::Ready(r)
    }
}

impl<R: Runtime> Drop for Response<'_, R> {
    fn drop(&mut self) {
        if !self.done {
            self.shared.lock().mux.abandon(self.ticket);
        }
    }
}

/// A [`SharedConn`]'s connection, lent whole by [`SharedConn::exclusive`]: use it as a
/// [`Conn`] (it derefs to one). Dropping the guard gives it back.
pub struct Exclusive<R: Runtime> {
    shared: SharedConn<R>,
    conn: Option<Conn<R>>,
}

impl<R: Runtime> std::ops::Deref for Exclusive<R> {
    type Target = Conn<R>;
    fn deref(&self) -> &Conn<R> {
        self.conn.as_ref().expect("lent until dropped")
    }
}

impl<R: Runtime> std::ops::DerefMut for Exclusive<R> {
    fn deref_mut(&mut self) -> &mut Conn<R> {
        self.conn.as_mut().expect("lent until dropped")
    }
}

impl<R: Runtime> Drop for Exclusive<R> {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            let mut st = self.shared.lock();
            st.mux.give_back(&mut conn.proto);
            st.conn = Some(conn);
            st.close_if_broken();
        }
    }
}

/// A few [`SharedConn`]s, each request on the one with the fewest requests outstanding: the
/// server runs each connection's statements one after another on one thread, so several
/// connections let it use several cores. Connections are opened up front; one found broken is
/// replaced by the task that finds it (no background task). Same rules and hazards as
/// [`SharedConn`].
///
/// ```no_run
/// # use mysql_proto_async::{MuxPool, Runtime};
/// # async fn demo<R: Runtime>() -> mysql_proto_async::Result<()> {
/// let pool = MuxPool::<R>::connect("mysql://root@127.0.0.1:3307/test", 4).await?;
/// let n: Option<(i64,)> = pool.get().await?.exec_first("SELECT ?", (1,)).await?;
/// # Ok(()) }
/// ```
pub struct MuxPool<R: Runtime> {
    inner: Arc<PoolInner<R>>,
}

struct PoolInner<R: Runtime> {
    opts: Opts,
    slots: Mutex<MuxSlots<SharedConn<R>>>,
}

impl<R: Runtime> Clone for MuxPool<R> {
    fn clone(&self) -> Self {
        MuxPool {
            inner: self.inner.clone(),
        }
    }
}

impl<R: Runtime> MuxPool<R> {
    /// Opens `size` (at least 1) shared connections to `opts`. Fails with the first
    /// connection's error.
    pub async fn connect(opts: impl IntoOpts, size: usize) -> Result<Self> {
        let opts = opts.into_opts()?;
        let mut conns = Vec::new();
        for _ in 0..size.max(1) {
            conns.push(SharedConn::connect(opts.clone()).await?);
        }
        Ok(MuxPool {
            inner: Arc::new(PoolInner {
                opts,
                slots: Mutex::new(MuxSlots::new(conns)),
            }),
        })
    }

    /// The healthy connection with the fewest requests outstanding (a clone of its handle:
    /// keep it for several statements, or call `get` per statement). A broken one met on the
    /// way is replaced first, by this task; when that fails, another healthy one is returned,
    /// or, if there is none, the connect error.
    pub async fn get(&self) -> Result<SharedConn<R>> {
        let pick = self.lock().pick(|c| {
            let st = c.lock();
            st.broken.is_none().then(|| st.mux.outstanding())
        });
        let (index, fallback) = match pick {
            Pick::Use(c) => return Ok(c),
            Pick::Busy => {
                return Err(Error::new(
                    mysql_proto::ErrorKind::Unavailable,
                    "every shared connection of the pool is being reconnected",
                ))
            }
            Pick::Replace { index, fallback } => (index, fallback),
        };
        // Puts the slot back whatever happens to this future.
        let mut guard = Reconnect {
            pool: self,
            index,
            conn: None,
        };
        match SharedConn::connect(self.inner.opts.clone()).await {
            Ok(conn) => {
                guard.conn = Some(conn.clone());
                Ok(conn)
            }
            Err(e) => fallback.ok_or(e),
        }
    }

    fn lock(&self) -> MutexGuard<'_, MuxSlots<SharedConn<R>>> {
        self.inner.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Puts a replaced connection (or, if the connect failed or was dropped, the broken one's
/// place, to be tried again) back into its slot.
struct Reconnect<'a, R: Runtime> {
    pool: &'a MuxPool<R>,
    index: usize,
    conn: Option<SharedConn<R>>,
}

impl<R: Runtime> Drop for Reconnect<'_, R> {
    fn drop(&mut self) {
        self.pool.lock().put_back(self.index, self.conn.take());
    }
}
