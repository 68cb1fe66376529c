//! [`Conn`]: an async connection, generic over the [`Runtime`]: the byte pump that runs the
//! core's operations.

use std::future::{poll_fn, Future};
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;

use mysql_proto::local_infile::HandlerSlot;
use mysql_proto::ops::{Handshake, Operation, Progress};
use mysql_proto::{Connection, Error, ErrorKind, Opts, Result};

use crate::coalesce::Coalescing;
use crate::pool::pool_clock;
use crate::runtime::{timeout, Runtime, Transport};

/// A runtime's sleep, boxed (the query timer, the read-coalescing wait).
pub(crate) type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An async connection to a MySQL or MariaDB server, for runtime `R`.
///
/// Runtime adapters export it as `mysql_tokio::Conn`, `mysql_smol::Conn`, ... Its operations
/// are the blocking adapter's, with `.await`; every one is cancellation safe (see the crate
/// docs).
pub struct Conn<R: Runtime> {
    io: R::Stream,
    // Boxed: a `Conn` (and every future holding one) stays small; the state is 3 KB.
    pub(crate) proto: Box<Connection>,
    query_timeout: Option<Duration>,
    /// The query timer, and the command count it was started for.
    timer: Option<Timer>,
    timer_for: u64,
    coalescing: Coalescing,
    infile_handler: HandlerSlot<LocalInfileHandler>,
    /// The file being sent for a LOCAL INFILE request, and the chunk buffer.
    infile: Option<(LocalInfileReader, Vec<u8>)>,
    _runtime: PhantomData<fn() -> R>,
}

/// What a [`LocalInfileHandler`] returns: a reader of the file's bytes, blocking (a local
/// file: each read is short) or async (`futures_io::AsyncRead`; tokio readers convert with
/// `tokio_util::compat`).
pub enum LocalInfileReader {
    /// A blocking reader, read 64 KiB at a time on the task.
    Blocking(Box<dyn io::Read + Send>),
    /// An async reader.
    Async(Pin<Box<dyn futures_io::AsyncRead + Send>>),
}

/// Opens the file a `LOAD DATA LOCAL INFILE` statement names, for
/// [`Conn::set_local_infile_handler`]: called with the name (already checked by the core: see
/// [`mysql_proto::local_infile`]), it returns a reader whose bytes are streamed to the server
/// in 64 KiB chunks. An error fails the statement with [`ErrorKind::LocalInfile`].
pub type LocalInfileHandler = Box<dyn FnMut(&str) -> io::Result<LocalInfileReader> + Send>;

impl<R: Runtime> Conn<R> {
    /// Connects to the one host of `opts` (see `connect`, from [`mysql_proto::connect_api!`]).
    async fn connect_one(mut opts: Opts) -> Result<Conn<R>> {
        // Small PEM files, read once per connect.
        opts.load_tls_files(|p| std::fs::read(p))?;
        let limit = opts.connect_timeout();
        let conn = match timeout::<R, _>(limit, Self::open(opts)).await {
            Ok(r) => r?,
            Err(()) => return Err(Error::new(ErrorKind::Timeout, "connect timeout expired")),
        };
        Ok(conn)
    }

    async fn open(opts: Opts) -> Result<Conn<R>> {
        let io = match opts.socket() {
            Some(path) => R::connect_unix(path.to_string()).await?,
            None => R::connect_tcp(opts.host().to_string(), opts.port()).await?,
        };
        #[cfg(target_os = "linux")]
        if let (Some(idle), Some(fd)) = (opts.tcp_keepalive(), io.fd()) {
            mysql_sockopt::set_keepalive(fd, idle)?;
        }
        let mut conn = Conn {
            io,
            query_timeout: opts.query_timeout(),
            proto: Box::new(Connection::new(opts)),
            timer: None,
            timer_for: 0,
            coalescing: Coalescing::new(),
            infile_handler: HandlerSlot::default(),
            infile: None,
            _runtime: PhantomData,
        };
        conn.drive(Handshake::default(), false)
            .await
            .map_err(expect_error)?;
        Ok(conn)
    }

    /// Runs `op` to its end under the query timeout.
    #[inline]
    async fn run<T, O: Operation<T>>(&mut self, op: O) -> Result<T> {
        match self.drive(op, true).await {
            Ok(t) => Ok(t),
            Err(Some(e)) => Err(e),
            // Boxed: the kill path is rare and large; keeping it out of line keeps every
            // operation's future small.
            Err(None) => Err(Box::pin(self.kill_running_statement()).await),
        }
    }

    /// Runs `op` without the query timeout, breaking the connection after `limit`.
    pub(crate) async fn run_within<T, O: Operation<T>>(
        &mut self,
        op: O,
        limit: Option<Duration>,
    ) -> Result<T> {
        match timeout::<R, _>(limit, self.drive(op, false)).await {
            Ok(r) => r.map_err(expect_error),
            Err(()) => {
                let e = Error::new(ErrorKind::Timeout, "operation timed out");
                Err(self.proto.break_with(e))
            }
        }
    }

    /// The runner: answers the operation's [`Progress`] by polling the socket, writing and
    /// reading together. With `query_timer`, fails with `None` when the query timeout expires
    /// (the caller kills the statement).
    #[inline]
    async fn drive<T, O: Operation<T>>(
        &mut self,
        mut op: O,
        query_timer: bool,
    ) -> std::result::Result<T, Option<Error>> {
        // Fast path: the operation completes on what is buffered (rows of a streaming result):
        // no IO, no timer, no poll machinery.
        let mut read = match op.poll(&mut self.proto) {
            Ok(Progress::Done(t)) => return Ok(t),
            Ok(p) => matches!(p, Progress::Read),
            Err(e) => return Err(Some(e)),
        };
        let query_timer = query_timer && self.query_timeout.is_some();
        poll_fn(|cx| loop {
            if query_timer && self.poll_query_timer(cx).is_ready() {
                return Poll::Ready(Err(None));
            }
            if let Err(e) = ready!(self.poll_io(cx, read)) {
                // A pipeline reports the error per unfinished command.
                return Poll::Ready(op.fail(self.proto.break_with(e)).map_err(Some));
            }
            match op.poll(&mut self.proto) {
                Ok(Progress::Done(t)) => return Poll::Ready(Ok(t)),
                Ok(p) => read = matches!(p, Progress::Read),
                Err(e) => return Poll::Ready(Err(Some(e))),
            }
        })
        .await
    }

    /// Writes what the socket takes now and feeds the core what it already holds, never
    /// waiting (the pool's check-in and check-out); an IO error breaks the connection.
    pub(crate) fn io_without_waiting(&mut self) {
        if !self.flush_without_waiting() {
            return;
        }
        let mut cx = Context::from_waker(Waker::noop());
        // A plain read: no coalescing wait (it would start a timer, perhaps outside the
        // runtime, in a `Drop`).
        match self.io.poll_recv(&mut cx, &mut self.proto) {
            Poll::Ready(Ok(0)) => self.proto.handle_eof(),
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Poll::Ready(Err(e)) => drop(self.proto.break_with(Error::io(e))),
            Poll::Pending if self.closed_while_idle() => {
                let e = Error::new(ErrorKind::Closed, "server closed the connection");
                self.proto.break_with(e);
            }
            Poll::Pending => {}
        }
    }

    /// Writes what the socket takes now, never waiting (the pool's check-in, a goodbye);
    /// `false` when that broke the connection.
    pub(crate) fn flush_without_waiting(&mut self) -> bool {
        if !self.proto.wants_write() {
            return true;
        }
        if let Poll::Ready(Err(e)) = self.flush_with(|io, out| io.poll_write_now(out)) {
            self.proto.break_with(e);
            return false;
        }
        true
    }

    /// Whether the socket of a connection that expects nothing is readable all the same (the
    /// server closed it, or said why before closing), asked of the OS: a runtime may not have
    /// seen the event yet (tokio learns readiness only when its driver runs).
    fn closed_while_idle(&self) -> bool {
        #[cfg(unix)]
        if let Some(fd) = self.io.fd().filter(|_| self.proto.in_flight() == 0) {
            return mysql_sockopt::wait_readable(fd, Duration::ZERO).unwrap_or(true);
        }
        false
    }

    /// `Ready` when the query timeout expired; (re)started whenever a command was queued.
    fn poll_query_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(limit) = self.query_timeout else {
            return Poll::Pending;
        };
        let queued = self.proto.commands_queued();
        if self.timer_for != queued {
            self.timer_for = queued;
            self.timer = Some(Box::pin(R::sleep(limit)));
        }
        let Some(timer) = self.timer.as_mut() else {
            return Poll::Pending;
        };
        ready!(timer.as_mut().poll(cx));
        self.timer = None;
        Poll::Ready(())
    }

    /// One round of IO: writes pending output as far as the socket takes it; then, if the
    /// operation waits for input (`read`), reads once. `Ready(Ok)` once the core was fed
    /// bytes or the end of the stream, or (without `read`) once the output is written;
    /// `Pending`, with `cx` registered, otherwise.
    pub(crate) fn poll_io(&mut self, cx: &mut Context<'_>, read: bool) -> Poll<Result<()>> {
        if self.proto.wants_write() {
            match self.poll_flush(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if !read => return Poll::Ready(Ok(())),
                // Still writing: read meanwhile, so the server never blocks on us.
                _ => {}
            }
        } else if !read {
            return Poll::Ready(Ok(()));
        }
        if let Some(e) = self.proto.fatal_error() {
            return Poll::Ready(Err(e.clone()));
        }
        if self.proto.local_infile_request().is_some() {
            return self.poll_local_infile(cx);
        }
        loop {
            if let Err(e) = self.coalescing.before_read::<R>(&self.io, &mut self.proto) {
                return Poll::Ready(Err(Error::io(e)));
            }
            let read = self.io.poll_recv(cx, &mut self.proto);
            if read.is_ready() {
                self.coalescing.after_read();
            }
            match read {
                Poll::Ready(Ok(0)) => {
                    self.proto.handle_eof();
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Ok(_)) => return Poll::Ready(Ok(())),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::io(e))),
                Poll::Pending => {
                    // A coalescing wait that ran out lowered the mark: read again.
                    let expired = ready!(self.coalescing.poll_expired(&self.io, cx));
                    expired.map_err(Error::io)?;
                }
            }
        }
    }

    /// Serves `LOAD DATA LOCAL INFILE` requests (the option `local-infile` must be on) with
    /// `handler` instead of opening the named file: e.g. to stream generated data.
    pub fn set_local_infile_handler(&mut self, handler: Option<LocalInfileHandler>) {
        self.infile_handler = HandlerSlot(handler);
    }

    /// Sends the file of the LOCAL INFILE request the core accepted, 64 KiB at a time,
    /// writing as it goes (bounded memory); ready when the file is sent or refused.
    fn poll_local_infile(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        loop {
            let Some((file, buf)) = self.infile.as_mut() else {
                let name = self.proto.local_infile_request().unwrap_or_default();
                let name = String::from_utf8_lossy(name).into_owned();
                let setting = self.proto.opts().local_infile();
                let opened = match self.infile_handler.0.as_mut() {
                    Some(open) => open(&name),
                    None => mysql_sockopt::open_local_infile(&name, |p| setting.allows(p))
                        .map(|f| LocalInfileReader::Blocking(Box::new(f))),
                };
                match opened {
                    Ok(file) => {
                        let buf = vec![0; mysql_proto::local_infile::CHUNK];
                        self.infile = Some((file, buf));
                        continue;
                    }
                    Err(e) => return Poll::Ready(self.proto.end_local_infile(Err(Error::io(e)))),
                }
            };
            if self.proto.send_buffered() >= 4 * buf.len() {
                ready!(self.poll_flush(cx))?;
                continue;
            }
            let read = match file {
                LocalInfileReader::Blocking(r) => Poll::Ready(r.read(buf)),
                LocalInfileReader::Async(r) => r.as_mut().poll_read(cx, buf),
            };
            let outcome = match ready!(read) {
                Ok(0) => Ok(()),
                Ok(n) => {
                    self.proto.send_local_infile_data(&buf[..n])?;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(Error::io(e)),
            };
            self.infile = None;
            return Poll::Ready(self.proto.end_local_infile(outcome));
        }
    }

    /// Writes pending output until done (`Ready(Ok)`) or the socket is full (`Pending`).
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.flush_with(|io, out| io.poll_write(cx, out))
    }

    /// [`poll_flush`](Self::poll_flush) with `write` for the socket's writes.
    fn flush_with(
        &mut self,
        mut write: impl FnMut(&mut R::Stream, &[u8]) -> Poll<io::Result<usize>>,
    ) -> Poll<Result<()>> {
        loop {
            let out = self.proto.pending_send();
            if out.is_empty() {
                break;
            }
            match write(&mut self.io, out) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(Error::io(io::ErrorKind::WriteZero.into())))
                }
                Poll::Ready(Ok(n)) => self.proto.consume_send(n),
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(Error::io(e))),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(self.proto.fatal_error().map_or(Ok(()), |e| Err(e.clone())))
    }
}

/// The error of a runner without the query timer (which never reports its expiry).
fn expect_error(e: Option<Error>) -> Error {
    e.unwrap_or_else(|| Error::protocol("query timer expired in a runner without one"))
}

mysql_proto::client_api!(async: [async], await: [.await], generics: [R: Runtime], args: [R]);
mysql_proto::connect_api!(async: [async], await: [.await], generics: [R: Runtime], args: [R]);

impl<R: Runtime> std::fmt::Debug for Conn<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("proto", &self.proto).finish()
    }
}
