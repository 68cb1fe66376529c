//! [`Conn`]: a blocking connection, the byte pump that runs the core's operations.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mysql_proto::local_infile::HandlerSlot;
use mysql_proto::ops::{Handshake, Operation, Progress};
use mysql_proto::{Connection, Error, ErrorKind, Opts, Result};

use crate::pool::pool_clock;

use crate::coalesce::Coalescing;
use crate::stream::Stream;

/// A blocking connection to a MySQL or MariaDB server. Its operations (`query`, `exec`,
/// `pipeline`, `begin`, ...) are the same as the async adapters', without `.await`.
#[derive(Debug)]
pub struct Conn {
    stream: Stream,
    // Boxed: a `Conn` (and every future holding one) stays small; the state is 3 KB.
    pub(crate) proto: Box<Connection>,
    query_timeout: Option<Duration>,
    /// When the running statement times out, and the command count it was started for.
    query_deadline: Option<(Instant, u64)>,
    coalescing: Coalescing,
    infile_handler: HandlerSlot<LocalInfileHandler>,
}

/// Opens the file a `LOAD DATA LOCAL INFILE` statement names, for [`Conn::set_local_infile_handler`]:
/// called with the name (already checked by the core: see [`mysql_proto::local_infile`]), it
/// returns any reader, whose bytes are streamed to the server in 64 KiB chunks. An error
/// fails the statement with [`ErrorKind::LocalInfile`].
pub type LocalInfileHandler = Box<dyn FnMut(&str) -> io::Result<Box<dyn Read + Send>> + Send>;

/// Why a wait for input ended without input.
enum Stop {
    /// The transport failed (or its read timeout expired): the connection is broken.
    Io(Error),
    /// The query timeout expired: kill the statement.
    QueryTimeout,
}

impl Conn {
    /// Connects to the one host of `opts` (see `connect`, from [`mysql_proto::connect_api!`]).
    fn connect_one(mut opts: Opts) -> Result<Conn> {
        opts.load_tls_files(|p| std::fs::read(p))?;
        let limit = opts.connect_timeout();
        let deadline = limit.map(|t| Instant::now() + t);
        let stream = Stream::connect(&opts, deadline)?;
        stream.set_timeouts(None, limit)?;
        let (read, write) = (opts.read_timeout(), opts.write_timeout());
        let mut conn = Conn {
            stream,
            query_timeout: opts.query_timeout(),
            proto: Box::new(Connection::new(opts)),
            query_deadline: None,
            coalescing: Coalescing::new(),
            infile_handler: HandlerSlot::default(),
        };
        conn.drive(
            Handshake::default(),
            deadline.map(|d| (d, "connect timeout expired")),
            false,
        )?;
        conn.stream.set_timeouts(read, write)?;
        Ok(conn)
    }

    /// Runs `op` to its end under the query timeout.
    #[inline]
    fn run<T, O: Operation<T>>(&mut self, op: O) -> Result<T> {
        self.drive(op, None, true)
    }

    /// Runs `op` without the query timeout, breaking the connection after `limit`.
    pub(crate) fn run_within<T, O: Operation<T>>(
        &mut self,
        op: O,
        limit: Option<Duration>,
    ) -> Result<T> {
        let deadline = limit.map(|t| (Instant::now() + t, "operation timed out"));
        self.drive(op, deadline, false)
    }

    /// The runner: answers the operation's [`Progress`] with blocking IO. With a `deadline`
    /// (instant, message) it ends there with a fatal timeout; without one, the query timeout
    /// applies when `query_timeout`, else it may wait forever.
    #[inline]
    fn drive<T, O: Operation<T>>(
        &mut self,
        mut op: O,
        deadline: Option<(Instant, &'static str)>,
        query_timeout: bool,
    ) -> Result<T> {
        loop {
            let io = match op.poll(&mut self.proto)? {
                Progress::Done(t) => return Ok(t),
                Progress::Flush => self.flush().map_err(Stop::Io),
                Progress::Read => self
                    .flush()
                    .map_err(Stop::Io)
                    .and_then(|()| self.fill(deadline, query_timeout)),
            };
            match io {
                Ok(()) => {}
                Err(Stop::QueryTimeout) => return Err(self.kill_running_statement()),
                // A pipeline reports the error per unfinished command.
                Err(Stop::Io(e)) => return op.fail(self.proto.break_with(e)),
            }
        }
    }

    fn flush(&mut self) -> Result<()> {
        loop {
            let out = self.proto.pending_send();
            if out.is_empty() {
                break;
            }
            match self.stream.write(out) {
                Ok(0) => return Err(Error::io(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.proto.consume_send(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(transport_error(e, "write")),
            }
        }
        self.proto.fatal_error().map_or(Ok(()), |e| Err(e.clone()))
    }

    /// Serves `LOAD DATA LOCAL INFILE` requests (the option `local-infile` must be on) with
    /// `handler` instead of opening the named file: e.g. to stream generated data, or a file
    /// from elsewhere. `None` goes back to opening the file.
    ///
    /// ```no_run
    /// # fn demo(conn: &mut mysql_blocking::Conn) -> mysql_blocking::Result<()> {
    /// conn.set_local_infile_handler(Some(Box::new(|_name| {
    ///     Ok(Box::new(std::io::Cursor::new(b"1\talice\n2\tbob\n".to_vec())))
    /// })));
    /// conn.query_drop("LOAD DATA LOCAL INFILE 'people' INTO TABLE people")?;
    /// # Ok(()) }
    /// ```
    pub fn set_local_infile_handler(&mut self, handler: Option<LocalInfileHandler>) {
        self.infile_handler = HandlerSlot(handler);
    }

    /// Sends the file of the LOCAL INFILE request the core accepted, reading it 64 KiB at a
    /// time and writing as it goes (bounded memory).
    fn send_local_infile(&mut self) -> Result<()> {
        let name = String::from_utf8_lossy(self.proto.local_infile_request().unwrap_or_default());
        let setting = self.proto.opts().local_infile();
        let opened = match self.infile_handler.0.as_mut() {
            Some(open) => open(&name),
            None => mysql_sockopt::open_local_infile(&name, |p| setting.allows(p))
                .map(|f| Box::new(f) as Box<dyn Read + Send>),
        };
        let mut file = match opened {
            Ok(file) => file,
            Err(e) => return self.proto.end_local_infile(Err(Error::io(e))),
        };
        let mut buf = vec![0; mysql_proto::local_infile::CHUNK];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.proto.send_local_infile_data(&buf[..n])?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return self.proto.end_local_infile(Err(Error::io(e))),
            }
            if self.proto.send_buffered() >= 4 * buf.len() {
                self.flush()?;
            }
        }
        self.proto.end_local_infile(Ok(()))
    }

    /// Reads once into the core, waiting at most until the deadline or (`query_timeout`) the
    /// query timeout.
    fn fill(
        &mut self,
        deadline: Option<(Instant, &'static str)>,
        query_timeout: bool,
    ) -> std::result::Result<(), Stop> {
        if self.proto.local_infile_request().is_some() {
            return self.send_local_infile().map_err(Stop::Io);
        }
        let wait = match deadline {
            Some((at, what)) => Some((at, Some(what))),
            None if !query_timeout || self.query_timeout.is_none() => None,
            None => self.query_deadline().map(|at| (at, None)),
        };
        if let Some((at, what)) = wait {
            let ready = self.stream.wait_readable(at);
            if !ready.map_err(|e| Stop::Io(Error::io(e)))? {
                return Err(match what {
                    Some(what) => Stop::Io(Error::new(ErrorKind::Timeout, what)),
                    None => Stop::QueryTimeout,
                });
            }
        }
        // A coalesced read takes all the mark's bytes at once.
        let hint = match self.coalescing.before_read(&self.stream, &mut self.proto) {
            Ok(gathered) => self.proto.read_hint().max(gathered),
            Err(e) => return Err(Stop::Io(Error::io(e))),
        };
        loop {
            match self.stream.read(self.proto.recv_buf(hint)) {
                Ok(0) => self.proto.handle_eof(),
                Ok(n) => self.proto.handle_recv(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Stop::Io(transport_error(e, "read"))),
            }
            return Ok(());
        }
    }

    /// Writes what the socket takes now and feeds the core what it already holds, never
    /// waiting (the pool's check-in and check-out); an IO error breaks the connection.
    pub(crate) fn io_without_waiting(&mut self) {
        if let Err(e) = self.try_io(true) {
            self.proto.break_with(Error::io(e));
        }
    }

    /// Writes what the socket takes now, never waiting (the pool's check-in, a goodbye);
    /// `false` when that broke the connection.
    pub(crate) fn flush_without_waiting(&mut self) -> bool {
        if let Err(e) = self.try_io(false) {
            self.proto.break_with(Error::io(e));
            return false;
        }
        true
    }

    fn try_io(&mut self, read: bool) -> io::Result<()> {
        if self.proto.wants_write() {
            self.stream.set_nonblocking(true)?;
            let written = loop {
                let out = self.proto.pending_send();
                if out.is_empty() {
                    break Ok(());
                }
                match self.stream.write(out) {
                    Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => self.proto.consume_send(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            self.stream.set_nonblocking(false)?;
            written?;
        }
        if read && self.stream.wait_readable(Instant::now())? {
            match self
                .stream
                .read(self.proto.recv_buf(self.proto.read_hint()))?
            {
                0 => self.proto.handle_eof(),
                n => self.proto.handle_recv(n),
            }
        }
        Ok(())
    }

    /// When the running statement times out: counted from the last command queued.
    fn query_deadline(&mut self) -> Option<Instant> {
        let (limit, queued) = (self.query_timeout?, self.proto.commands_queued());
        if self.query_deadline.is_none_or(|(_, armed)| armed != queued) {
            self.query_deadline = Some((Instant::now() + limit, queued));
        }
        self.query_deadline.map(|(at, _)| at)
    }
}

mysql_proto::client_api!(async: [], await: [], generics: [], args: []);
mysql_proto::connect_api!(async: [], await: [], generics: [], args: []);

impl Iterator for QueryResult<'_> {
    type Item = Result<mysql_proto::Row>;

    /// The next row of the current result set, owned.
    fn next(&mut self) -> Option<Result<mysql_proto::Row>> {
        self.next_row().map(|r| r.map(|r| r.to_owned())).transpose()
    }
}

/// A transport error: a socket timeout (`read-timeout`, `write-timeout`) says so, and that the
/// connection is now broken (a statement may still be running on the server: set a query
/// timeout to have it killed instead).
fn transport_error(e: io::Error, what: &str) -> Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::new(
            ErrorKind::Timeout,
            format!(
                "{what} timeout expired ({what}-timeout); the connection is broken and the \
                 server may still be running the statement (query-timeout kills it instead)"
            ),
        ),
        _ => Error::io(e),
    }
}
