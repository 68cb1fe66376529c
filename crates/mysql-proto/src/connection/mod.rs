//! [`Connection`]: the whole client protocol state machine, with no IO.
//!
//! # Call order
//!
//! ```text
//! let mut conn = Connection::new(opts);
//! loop {
//!     // 1. output: write conn.pending_send() to the socket, then conn.consume_send(n)
//!     // 2. events: while conn.advance()? { handle conn.event() }
//!     // 3. input:  n = read(conn.recv_buf(hint)); n == 0 ? conn.handle_eof() : conn.handle_recv(n)
//! }
//! ```
//!
//! * **Input**: [`recv_buf`](Connection::recv_buf) lends the free tail of the receive buffer,
//!   [`handle_recv`](Connection::handle_recv) says how much was filled,
//!   [`handle_eof`](Connection::handle_eof) that the peer closed. Before a read that may
//!   wait, [`read_coalescing`](Connection::read_coalescing) says whether to let the socket
//!   gather more bytes first (a large result streaming in; optional, it only saves wake-ups).
//! * **Output**: [`pending_send`](Connection::pending_send) lends the bytes to write,
//!   [`consume_send`](Connection::consume_send) drops what was written. It grows only when a
//!   command method is called or while [`advance`](Connection::advance) runs (the handshake and
//!   auth switch, declining a LOCAL INFILE request).
//! * **Commands** ([`query`](Connection::query), [`ping`](Connection::ping), ...) append their
//!   packet to the send buffer at once and return a [`CommandId`]; they may be called any time
//!   after `Connected`, also while earlier commands are in flight (pipelining). Responses come
//!   back in order.
//! * **Events**: [`advance`](Connection::advance) decodes input until one [`Event`] is ready
//!   (`Ok(true)`) or more input is needed (`Ok(false)`); [`event`](Connection::event) then lends
//!   it, and it stays valid until the next `&mut` call. [`poll_event`](Connection::poll_event)
//!   does both. A row is decoded in place: nothing is copied unless the caller asks.
//!
//! Errors from `advance` are fatal and sticky: every later call returns the same error. A
//! server ERR answering a command is not an error of `advance` but an
//! [`Event::ServerError`] that ends that command only.
//!
//! ```
//! use mysql_proto::{Connection, Event, Opts};
//! use mysql_proto::testing::{ServerScript, mariadb_greeting};
//!
//! // A scripted server: greeting, then OK for the login and a one-row result set.
//! let mut server = ServerScript::new();
//! server.greeting(&mariadb_greeting());
//! server.set_seq(2);
//! server.ok(0, 0);
//! server.set_seq(1);
//! server.result_set(&["n"], &[vec![Some(&b"1"[..])]]);
//!
//! let mut conn = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
//! let input = server.bytes();
//! conn.recv_buf(input.len()).copy_from_slice(input);
//! conn.handle_recv(input.len());
//! assert!(matches!(conn.poll_event().unwrap(), Some(Event::Connected(_))));
//! let id = conn.query("SELECT 1 AS n").unwrap();
//! assert!(matches!(conn.poll_event().unwrap(), Some(Event::ResultSetStart { .. })));
//! match conn.poll_event().unwrap() {
//!     Some(Event::Row { row, .. }) => assert_eq!(row.get::<i32>(0).unwrap(), 1),
//!     other => panic!("{other:?}"),
//! }
//! let end = conn.poll_event().unwrap().unwrap();
//! assert!(end.ends_command() && end.command_id() == Some(id));
//! ```

pub mod coalescing;
pub mod event;
mod handshake;
mod response;
pub mod statement;

use crate::codec::framing::{self, Deframed, Deframer};
use crate::codec::MAX_PAYLOAD;
use crate::constants::{Command, StatusFlags};
use crate::error::{Error, ErrorKind, Result};
use crate::packets::stmt::{encode_execute, encode_send_long_data, BulkExecute};
use crate::value::{ParamSlice, Params, RowFormat, RowRef, Value, ValueRef};
use crate::Opts;

use coalescing::Coalescer;
pub use coalescing::ReadCoalescing;
pub use event::{CommandId, Event, ServerInfo};
use handshake::{Handshake, HandshakeStep};
use response::{Expect, InFlight, Produced, Response, Responses};
pub use statement::{AsStatement, Statement, StatementCache, StatementRef};

/// Parameters of at least this many bytes are sent with `COM_STMT_SEND_LONG_DATA` before the
/// execute, in chunks of this size.
pub const LONG_DATA_CHUNK: usize = 1 << 20;

/// A `COM_STMT_BULK_EXECUTE` stops taking parameter sets once its payload reaches this size:
/// big enough to amortise the round trip over thousands of rows, well under the server's
/// `max_allowed_packet` (16 MiB by default, 1 MiB at the least sensible setting).
pub const BULK_CHUNK_BYTES: usize = 512 << 10;

/// The first [`Connection::read_hint`]: small, so that idle connections stay small.
const MIN_READ_HINT: usize = 8 << 10;
/// The largest [`Connection::read_hint`], reached while reads keep filling the buffer. Larger
/// reads cost more client CPU per row, not less: the buffer then outgrows the fastest caches
/// (measured with `benches/e2e`: 256 KiB reads, without the compaction below, took about 4% more
/// CPU per row of `big_bin`).
const MAX_READ_HINT: usize = 64 << 10;
/// Unread bytes up to this many are moved to the front of the receive buffer before a read.
const COMPACT_BELOW: usize = 4 << 10;

/// The receive buffer never grows past one whole frame plus this slack.
const MAX_BUFFER: usize = MAX_PAYLOAD + 4 + (64 << 10);
/// An empty receive buffer larger than this is shrunk back.
const SHRINK_ABOVE: usize = 1 << 20;

/// A client connection's protocol state, buffers and command queue. See the module docs for the
/// call order.
pub struct Connection {
    opts: Opts,
    phase: Phase,
    responses: Responses,
    next_id: u64,
    rx: Vec<u8>,
    rx_start: usize,
    rx_end: usize,
    /// What [`read_hint`](Connection::read_hint) suggests: grows while reads fill the buffer.
    read_hint: usize,
    /// Size of the slice last lent by `recv_buf`.
    lent: usize,
    eof: bool,
    coalescer: Coalescer,
    deframer: Deframer,
    tx: Vec<u8>,
    tx_pos: usize,
    current: Option<Current>,
    release: usize,
    fatal: Option<Error>,
    status: StatusFlags,
    statements: StatementCache,
    rollback_before_next: bool,
    last_was_prepare: bool,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::TlsSession>,
    rng: Box<dyn rand_core::CryptoRngCore + Send>,
    /// What outlives one operation of [`crate::ops`]: the last OK, the commands sent ahead.
    pub(crate) ops: crate::ops::OpState,
}

/// `COM_STMT_EXECUTE` statement id meaning "the statement prepared last" (MariaDB 10.2+).
pub const LAST_PREPARED_STATEMENT: u32 = 0xffff_ffff;

#[derive(Debug)]
enum Phase {
    Handshake(Handshake),
    Ready(ServerInfo),
    Quit,
}

/// The event lent by [`Connection::event`], stored as positions in the buffers.
#[derive(Debug)]
enum Current {
    Connected,
    Response(Produced, Option<std::ops::Range<usize>>),
}

impl Connection {
    /// A connection in its initial state, waiting for the server's greeting. `opts` supplies
    /// the credentials, database, collation, attributes and limits.
    pub fn new(opts: Opts) -> Connection {
        let responses = Responses {
            max_columns: opts.max_columns(),
            ..Responses::default()
        };
        let opts_cache = opts.statement_cache();
        Connection {
            opts,
            phase: Phase::Handshake(Handshake::new()),
            responses,
            next_id: 1,
            rx: Vec::new(),
            rx_start: 0,
            rx_end: 0,
            read_hint: MIN_READ_HINT,
            lent: 0,
            eof: false,
            coalescer: Coalescer::default(),
            deframer: Deframer::new(),
            tx: Vec::new(),
            tx_pos: 0,
            current: None,
            release: 0,
            fatal: None,
            status: StatusFlags::default(),
            statements: StatementCache::new(opts_cache),
            rollback_before_next: false,
            last_was_prepare: false,
            #[cfg(feature = "tls")]
            tls: None,
            rng: Box::new(rand_core::OsRng),
            ops: crate::ops::OpState::default(),
        }
    }

    /// Like [`Connection::new`], with the randomness for RSA-OAEP password encryption taken
    /// from `rng` instead of the OS (for deterministic tests).
    pub fn with_rng(opts: Opts, rng: Box<dyn rand_core::CryptoRngCore + Send>) -> Connection {
        let mut c = Connection::new(opts);
        c.rng = rng;
        c
    }

    // ----- input -----

    /// Lends the free tail of the receive buffer, at least `hint` bytes (and at least what the
    /// frame being received still needs), capped so the buffer never exceeds one frame (16 MiB)
    /// plus 64 KiB. Read into it, then call [`handle_recv`](Self::handle_recv). Ends the current
    /// event. Call it only after [`advance`](Self::advance) returned `Ok(false)`: then the slice
    /// is never empty.
    pub fn recv_buf(&mut self, hint: usize) -> &mut [u8] {
        self.release_current();
        // Raw bytes go to rustls; the plaintext reaches the frame buffer in handle_recv. (An
        // `if let` returning the borrow would keep `self` borrowed below: NLL problem case 3.)
        #[cfg(feature = "tls")]
        #[allow(clippy::unnecessary_unwrap)]
        if self.tls.is_some() {
            // Invariant: checked just above.
            let buf = self.tls.as_mut().expect("tls").recv_buf(hint);
            self.lent = buf.len();
            return buf;
        }
        self.plain_recv_buf(hint)
    }

    /// How many bytes to ask of the next socket read, for [`recv_buf`](Self::recv_buf): starts
    /// at 8 KiB (an idle connection holds little memory) and doubles, up to 64 KiB, each time
    /// a read fills the whole slice (a large result is streaming).
    pub fn read_hint(&self) -> usize {
        self.read_hint
    }

    /// The free tail of the plaintext receive buffer (see [`recv_buf`](Self::recv_buf)).
    fn plain_recv_buf(&mut self, hint: usize) -> &mut [u8] {
        if self.rx_start == self.rx_end {
            self.rx_start = 0;
            self.rx_end = 0;
            if self.rx.len() > SHRINK_ABOVE {
                self.rx = Vec::new();
            }
        }
        let want = hint.max(self.frame_shortfall()).max(1);
        // Unread bytes move to the front when the tail is too short, and also when they are few:
        // a streaming result leaves part of a packet behind after each read, and moving it (a
        // short copy) makes every read land at the start of the buffer, in cache lines the last
        // read warmed, instead of sweeping a large buffer.
        let unread = self.rx_end - self.rx_start;
        if self.rx_start > 0 && (unread <= COMPACT_BELOW || self.rx.len() - self.rx_end < want) {
            self.rx.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_start = 0;
            self.rx_end = unread;
        }
        if self.rx.len() - self.rx_end < want {
            let grown = (self.rx_end + want).max(self.rx.len() * 2);
            self.rx.resize(grown.min(MAX_BUFFER).max(self.rx.len()), 0);
        }
        self.lent = self.rx.len() - self.rx_end;
        &mut self.rx[self.rx_end..]
    }

    /// Records that `n` bytes were written into the slice from [`recv_buf`](Self::recv_buf).
    /// `n` larger than that slice is clamped.
    pub fn handle_recv(&mut self, n: usize) {
        if n >= self.lent && self.read_hint < MAX_READ_HINT {
            self.read_hint *= 2;
        }
        self.coalescer.on_recv(n);
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            // Decrypt into the plaintext buffer: drop consumed bytes first, then append (the
            // Vec's capacity is reused, so this is amortised O(bytes)).
            self.release_current();
            if self.rx_start > 0 {
                self.rx.copy_within(self.rx_start..self.rx_end, 0);
                self.rx_end -= self.rx_start;
                self.rx_start = 0;
            }
            let mut plain = std::mem::take(&mut self.rx);
            plain.truncate(self.rx_end);
            // Invariant: checked just above.
            let r = self.tls.as_mut().expect("tls").handle_recv(n, &mut plain);
            self.rx_end = plain.len();
            self.rx = plain;
            if let Err(e) = r {
                self.fatal.get_or_insert(e);
            }
            return;
        }
        self.rx_end = (self.rx_end + n).min(self.rx.len());
    }

    /// Before a socket read that may have to wait: whether to coalesce it, i.e. let the socket
    /// wake the reader only once [`ReadCoalescing::low_water`] bytes are readable or
    /// [`ReadCoalescing::max_wait`] has passed (see [`coalescing`] for why and how long).
    /// `Some` only while the rows of a large result set stream in over TCP (Linux wakes a Unix
    /// socket's reader for every write whatever the mark), and when the `read-coalescing`
    /// option is on (the default). `now` reads the adapter's monotonic clock (any fixed
    /// origin); it is called only while rows stream. Never fails. An adapter that cannot set a
    /// low-water mark simply never asks.
    ///
    /// ```
    /// # use mysql_proto::{Connection, Opts};
    /// let mut conn = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
    /// // Nothing streams yet: keep the socket's low-water mark at 1 byte.
    /// assert_eq!(conn.read_coalescing(|| std::time::Duration::ZERO), None);
    /// ```
    #[inline]
    pub fn read_coalescing(
        &mut self,
        now: impl FnOnce() -> core::time::Duration,
    ) -> Option<ReadCoalescing> {
        let streaming = self
            .responses
            .queue
            .front()
            .is_some_and(|c| c.state == Response::Rows)
            && self.opts.read_coalescing()
            && !self.opts.is_unix_socket();
        self.coalescer.advise(streaming, now)
    }

    /// Records that the peer closed its side. Pending input is still decoded; a response cut
    /// short fails with [`ErrorKind::Closed`].
    pub fn handle_eof(&mut self) {
        self.eof = true;
    }

    // ----- output -----

    /// The bytes waiting to be written to the peer (empty when there are none). With TLS, this
    /// encrypts what the commands queued; if encryption fails the result is empty and the error
    /// is returned by [`fatal_error`](Self::fatal_error) and the next [`advance`](Self::advance).
    pub fn pending_send(&mut self) -> &[u8] {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            let plain = &self.tx[self.tx_pos..];
            return match tls.pending_send(plain) {
                Ok((taken, out)) => {
                    self.tx_pos += taken;
                    if self.tx_pos == self.tx.len() {
                        self.tx.clear();
                        self.tx_pos = 0;
                    }
                    out
                }
                Err(e) => {
                    self.fatal.get_or_insert(e);
                    &[]
                }
            };
        }
        &self.tx[self.tx_pos..]
    }

    /// Drops the first `n` bytes of [`pending_send`](Self::pending_send) after they were written.
    pub fn consume_send(&mut self, n: usize) {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            tls.consume_send(n);
            return;
        }
        self.tx_pos = (self.tx_pos + n).min(self.tx.len());
        if self.tx_pos == self.tx.len() {
            self.tx.clear();
            self.tx_pos = 0;
            if self.tx.capacity() > SHRINK_ABOVE {
                self.tx = Vec::new();
            }
        }
    }

    // ----- events -----

    /// Decodes input until the next event is ready (`Ok(true)`: read it with
    /// [`event`](Self::event)) or more input is needed (`Ok(false)`). Ends the previous event.
    ///
    /// Fails, fatally and stickily, on a protocol violation, an exceeded limit, an authentication
    /// failure, or a connection closed by the peer while a response was owed; every queued
    /// command is then abandoned and the caller must reconnect.
    pub fn advance(&mut self) -> Result<bool> {
        self.release_current();
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        match self.step() {
            Ok(ready) => Ok(ready),
            Err(e) => {
                self.fatal = Some(e.clone());
                self.responses.queue.clear();
                Err(e)
            }
        }
    }

    /// The event made ready by the last [`advance`](Self::advance) that returned `Ok(true)`;
    /// `None` otherwise or after any other `&mut` call.
    pub fn event(&self) -> Option<Event<'_>> {
        let r = &self.responses;
        Some(match self.current.as_ref()? {
            Current::Connected => match &self.phase {
                Phase::Ready(info) => Event::Connected(info),
                _ => return None,
            },
            Current::Response(p, _) => match p {
                Produced::ResultSetStart(id) => Event::ResultSetStart {
                    id: *id,
                    columns: r.columns.as_ref()?,
                },
                Produced::Row(id, _) => Event::Row {
                    id: *id,
                    row: self.row()?,
                },
                Produced::Prepared(id) => Event::Prepared {
                    id: *id,
                    statement: r.prepared.as_ref()?,
                },
                Produced::ResultSetEnd(id) => Event::ResultSetEnd { id: *id, ok: &r.ok },
                Produced::Ok(id) => Event::Ok { id: *id, ok: &r.ok },
                Produced::ServerError(id) => Event::ServerError {
                    id: *id,
                    error: r.error.as_ref()?,
                },
            },
        })
    }

    /// Whether the ready event is a [`Event::Row`]: a cheap test before borrowing it with
    /// [`event`](Self::event) (adapters returning the row or going on with other events).
    #[inline]
    pub fn has_row(&self) -> bool {
        matches!(self.current, Some(Current::Response(Produced::Row(..), _)))
    }

    /// The ready event's row when it is an [`Event::Row`], `None` for any other event: the
    /// per-row path of adapters, cheaper than matching [`event`](Self::event).
    #[inline]
    pub fn row(&self) -> Option<RowRef<'_>> {
        let Some(Current::Response(Produced::Row(_, format), loc)) = &self.current else {
            return None;
        };
        let payload = match loc {
            Some(range) => &self.rx[range.clone()],
            None => self.deframer.reassembled(),
        };
        Some(RowRef::with_format(
            payload,
            self.responses.columns.as_ref()?,
            *format,
        ))
    }

    /// Whether [`pending_send`](Self::pending_send) may have bytes to write: commands queued
    /// and not yet written, or TLS records (handshake, alerts) to send. When `false`, a write
    /// attempt can be skipped.
    #[inline]
    pub fn wants_write(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.as_ref().is_some_and(|t| t.wants_write()) {
            return true;
        }
        self.tx_pos < self.tx.len()
    }

    /// [`advance`](Self::advance) and [`event`](Self::event) in one call: `Ok(None)` means
    /// "feed me bytes".
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>> {
        if self.advance()? {
            Ok(self.event())
        } else {
            Ok(None)
        }
    }

    // ----- commands -----

    /// Queues `COM_QUERY` with SQL text (several statements when multi-statements are on).
    /// Fails with a misuse error before `Connected` or after `quit`, and with the fatal error
    /// if the connection is broken.
    pub fn query(&mut self, sql: impl AsRef<[u8]>) -> Result<CommandId> {
        self.command(
            Command::Query,
            sql.as_ref(),
            Expect::Results(RowFormat::Text),
        )
    }

    /// Queues `COM_STMT_PREPARE`; answered by [`Event::Prepared`] or [`Event::ServerError`].
    pub fn prepare(&mut self, sql: impl AsRef<[u8]>) -> Result<CommandId> {
        self.command(Command::StmtPrepare, sql.as_ref(), Expect::Prepare)
    }

    /// Queues `COM_STMT_EXECUTE` of `statement` with `params` (binary protocol); answered like
    /// a query, with binary rows. Parameters of [`LONG_DATA_CHUNK`] bytes or more are sent first
    /// with `COM_STMT_SEND_LONG_DATA`. Fails with a misuse error when the number of parameters
    /// differs from the statement's.
    pub fn execute(&mut self, statement: &Statement, params: &[Value]) -> Result<CommandId> {
        self.execute_slice(statement, ParamSlice::Values(params))
    }

    /// [`execute`](Self::execute) with the parameters as any [`Params`] (a tuple of Rust
    /// values, a slice of [`Value`], `()`), encoded from where they are: binding a `&str` or
    /// a tuple of numbers allocates nothing ([`Params::with_params`]). Fails as
    /// [`execute`](Self::execute).
    ///
    /// ```
    /// # use mysql_proto::{Connection, Opts, Statement};
    /// # fn demo(conn: &mut Connection, statement: &Statement) -> mysql_proto::Result<()> {
    /// let id = conn.execute_params(statement, &(42, "answer"))?;
    /// # Ok(()) }
    /// ```
    pub fn execute_params<P: Params + ?Sized>(
        &mut self,
        statement: &Statement,
        params: &P,
    ) -> Result<CommandId> {
        let mut queued = None;
        params.with_params(&mut |set| queued = Some(self.execute_slice(statement, set)));
        queued.unwrap_or_else(|| Err(Error::misuse("Params::with_params lent no parameters")))
    }

    /// [`execute`](Self::execute) of one borrowed parameter set.
    fn execute_slice(
        &mut self,
        statement: &Statement,
        params: ParamSlice<'_>,
    ) -> Result<CommandId> {
        self.check_ready()?;
        self.check_in_flight()?;
        self.flush_deferred()?;
        if params.len() != statement.params.len() {
            return Err(Error::misuse(format!(
                "statement takes {} parameters, {} given",
                statement.params.len(),
                params.len()
            )));
        }
        // Which parameters go as long data; empty (no allocation) when none does.
        let mut long = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if let ValueRef::Bytes(b) = p {
                if b.len() >= LONG_DATA_CHUNK {
                    long.resize(params.len(), false);
                    long[i] = true;
                    for chunk in b.chunks(LONG_DATA_CHUNK) {
                        let start = framing::begin_packet(&mut self.tx);
                        encode_send_long_data(statement.id, i as u16, chunk, &mut self.tx);
                        framing::finish_packet(&mut self.tx, start, 0);
                    }
                }
            }
        }
        let start = framing::begin_packet(&mut self.tx);
        encode_execute(statement.id, params, &long, &mut self.tx);
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        self.set_statement_of_last(statement.id);
        Ok(id)
    }

    /// Queues `COM_STMT_EXECUTE` of the statement whose `COM_STMT_PREPARE` was queued just
    /// before, without waiting for its id (MariaDB's statement id `0xFFFFFFFF`), so prepare and
    /// execute share one round trip. Fails with [`ErrorKind::Unsupported`] on MySQL servers and
    /// with a misuse error unless the previous command queued was a prepare (or another such
    /// execute). If the prepare fails, this execute fails too (with the server's error).
    pub fn execute_last_prepared(&mut self, params: &[Value]) -> Result<CommandId> {
        self.check_ready()?;
        if !self.server_info().is_some_and(|i| i.is_mariadb) {
            return Err(Error::unsupported(
                "executing a statement whose prepare is in flight needs MariaDB; \
                 on MySQL wait for Event::Prepared and use execute()",
            ));
        }
        if !self.last_was_prepare {
            return Err(Error::misuse(
                "execute_last_prepared must follow prepare or another execute_last_prepared",
            ));
        }
        self.check_in_flight()?;
        let start = framing::begin_packet(&mut self.tx);
        encode_execute(
            LAST_PREPARED_STATEMENT,
            ParamSlice::Values(params),
            &[],
            &mut self.tx,
        );
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        self.set_statement_of_last(LAST_PREPARED_STATEMENT);
        // Chains: the next command may execute the same statement with -1 again.
        self.last_was_prepare = true;
        Ok(id)
    }

    /// Whether [`bulk_execute`](Self::bulk_execute) can run `statement`: the server is MariaDB
    /// with `COM_STMT_BULK_EXECUTE` (10.2.7+), and the statement takes parameters and returns no
    /// result set (INSERT, UPDATE, DELETE, REPLACE, ...).
    pub fn supports_bulk_execute(&self, statement: &Statement) -> bool {
        self.server_info().is_some_and(|i| {
            i.mariadb_capabilities & crate::constants::MARIADB_CLIENT_STMT_BULK_OPERATIONS != 0
        }) && !statement.params.is_empty()
            && statement.columns.is_empty()
    }

    /// Queues one MariaDB `COM_STMT_BULK_EXECUTE` of `statement` with as many leading parameter
    /// sets of `rows` as fit in one command (about [`BULK_CHUNK_BYTES`], and only sets whose
    /// non-NULL values keep one type per parameter); returns its id and how many sets it took.
    /// Call again with the rest. The answer is one OK whose affected rows are summed over the
    /// sets, or one ERR: the server stops at the failing set, and which earlier sets of the same
    /// command stay applied depends on the table engine (run it in a transaction for all or
    /// nothing).
    ///
    /// Fails with [`ErrorKind::Unsupported`] unless
    /// [`supports_bulk_execute`](Self::supports_bulk_execute) (use [`execute`](Self::execute)
    /// per set instead), and with a misuse error for no rows or a row whose number of values
    /// differs from the statement's parameters; nothing is queued then.
    pub fn bulk_execute<R: AsRef<[Value]>>(
        &mut self,
        statement: &Statement,
        rows: &[R],
    ) -> Result<(CommandId, usize)> {
        self.check_bulk(statement)?;
        let n = statement.params.len();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.as_ref().len() != n) {
            return Err(Error::misuse(format!(
                "statement takes {n} parameters, parameter set {i} has {}",
                r.as_ref().len()
            )));
        }
        let mut sets = rows.iter().map(AsRef::as_ref).peekable();
        self.bulk_execute_from(statement, &mut sets)?
            .ok_or_else(|| Error::misuse("bulk execute of no parameter sets"))
    }

    /// [`bulk_execute`](Self::bulk_execute) taking the parameter sets from an iterator: as many
    /// as fit in one command are encoded from where they are (a tuple of `&str`s is not copied
    /// but into the command) and consumed; the first that does not fit stays for the next call.
    /// Returns the command's id and how many sets it took, or `None` when `sets` is empty.
    ///
    /// Fails like `bulk_execute`; a set whose number of values differs from the statement's
    /// parameters ends the command before it, and the next call fails on it with a misuse
    /// error (queueing nothing, leaving it in `sets`).
    pub fn bulk_execute_from<P: Params, I: Iterator<Item = P>>(
        &mut self,
        statement: &Statement,
        sets: &mut std::iter::Peekable<I>,
    ) -> Result<Option<(CommandId, usize)>> {
        self.check_bulk(statement)?;
        if sets.peek().is_none() {
            return Ok(None);
        }
        self.check_in_flight()?;
        self.flush_deferred()?;
        let n = statement.params.len();
        let start = framing::begin_packet(&mut self.tx);
        // A command never holds much more than max-send-buffer, so a batch always fits the limit.
        let chunk = BULK_CHUNK_BYTES.min(self.opts.max_send_buffer()).max(1);
        let mut bulk = BulkExecute::begin(statement.id, n, chunk, &mut self.tx);
        let mut wrong_count = None;
        while let Some(set) = sets.peek() {
            let mut taken = false;
            set.with_params(&mut |values| {
                if values.len() != n {
                    wrong_count = Some(values.len());
                } else {
                    taken = bulk.push(values, &mut self.tx);
                }
            });
            if !taken {
                break;
            }
            sets.next();
        }
        if bulk.sets() == 0 {
            self.tx.truncate(start);
            return Err(Error::misuse(format!(
                "statement takes {n} parameters, a parameter set has {}",
                wrong_count.unwrap_or(0)
            )));
        }
        let taken = bulk.finish(&mut self.tx);
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        Ok(Some((id, taken)))
    }

    /// The connection can take commands and `statement` a bulk execute.
    fn check_bulk(&self, statement: &Statement) -> Result<()> {
        self.check_ready()?;
        if !self.supports_bulk_execute(statement) {
            return Err(Error::unsupported(
                "COM_STMT_BULK_EXECUTE needs a MariaDB server that offers it and a statement \
                 with parameters and no result set",
            ));
        }
        Ok(())
    }

    /// Makes the next command first queue a `ROLLBACK` whose response is skipped. This is how a
    /// transaction guard dropped without commit rolls back without doing IO in `Drop`.
    pub fn rollback_before_next_command(&mut self) {
        self.rollback_before_next = true;
    }

    /// Queues `COM_STMT_CLOSE` (no response). Closing an unknown statement is harmless.
    pub fn close_statement(&mut self, statement_id: u32) -> Result<()> {
        self.check_ready()?;
        let mut body = [Command::StmtClose as u8, 0, 0, 0, 0];
        body[1..].copy_from_slice(&statement_id.to_le_bytes());
        framing::write_packet(&mut self.tx, 0, &body);
        self.responses.forget_statement(statement_id);
        Ok(())
    }

    /// Queues `COM_STMT_RESET` (clears long data sent for the statement); answered by `Ok`.
    pub fn reset_statement(&mut self, statement_id: u32) -> Result<CommandId> {
        self.command(
            Command::StmtReset,
            &statement_id.to_le_bytes(),
            Expect::OkOrErr,
        )
    }

    /// The per-connection statement cache (SQL text to prepared statement), for adapters that
    /// prepare on first use. Cleared by [`reset_connection`](Self::reset_connection).
    pub fn statement_cache(&mut self) -> &mut StatementCache {
        &mut self.statements
    }

    /// Caches `statement` for `sql` and queues `COM_STMT_CLOSE` for every statement the cache
    /// pushes out.
    pub fn cache_statement(&mut self, sql: &[u8], statement: Statement) -> Result<()> {
        for old in self.statements.insert(sql, statement) {
            self.close_statement(old.id)?;
        }
        Ok(())
    }

    /// Changes the statement cache capacity; the cached statements are closed.
    pub fn set_statement_cache_capacity(&mut self, capacity: usize) -> Result<()> {
        for old in self.statements.drain() {
            self.close_statement(old.id)?;
        }
        self.statements = StatementCache::new(capacity);
        Ok(())
    }

    /// Queues `COM_PING`; answered by `Ok`.
    pub fn ping(&mut self) -> Result<CommandId> {
        self.command(Command::Ping, &[], Expect::OkOrErr)
    }

    /// Queues `COM_INIT_DB` (`USE db`); answered by `Ok` or `ServerError`.
    pub fn init_db(&mut self, database: &str) -> Result<CommandId> {
        self.command(Command::InitDb, database.as_bytes(), Expect::OkOrErr)
    }

    /// Queues `COM_RESET_CONNECTION` (session state reset without re-authenticating). The
    /// server drops every prepared statement, so the statement cache is cleared.
    pub fn reset_connection(&mut self) -> Result<CommandId> {
        let id = self.command(Command::ResetConnection, &[], Expect::OkOrErr)?;
        self.statements.clear();
        if let Some(last) = self.responses.queue.back_mut() {
            last.resets_statements = true;
        }
        Ok(id)
    }

    /// Queues `COM_QUIT`. The server answers by closing the connection; no more commands can be
    /// queued. Commands queued before still get their responses.
    pub fn quit(&mut self) -> Result<()> {
        self.check_ready()?;
        framing::write_packet(&mut self.tx, 0, &[Command::Quit as u8]);
        self.phase = Phase::Quit;
        Ok(())
    }

    /// Drops every further event of command `id`: the rest of its response is read and
    /// skipped by [`advance`](Self::advance). Use it when the caller loses interest in a
    /// response (a dropped result stream) so that the next command's events follow cleanly.
    /// Unknown or finished ids are ignored.
    pub fn discard(&mut self, id: CommandId) {
        if let Some(c) = self.responses.queue.iter_mut().find(|c| c.id == id) {
            c.discard = true;
        }
        if matches!(&self.current, Some(Current::Response(p, _)) if p.id() == id) {
            self.release_current();
        }
    }

    /// [`discard`](Self::discard) for every command in flight: used by adapters that run one
    /// operation at a time, so that whatever an abandoned operation left owing is skipped.
    pub fn discard_all(&mut self) {
        self.discard_all_except(&[]);
    }

    /// [`discard`](Self::discard) for every command in flight but those in `keep` (commands an
    /// adapter sent ahead and still reads, e.g. a pipelined `START TRANSACTION`).
    pub fn discard_all_except(&mut self, keep: &[CommandId]) {
        for c in self.responses.queue.iter_mut() {
            if !keep.contains(&c.id) {
                c.discard = true;
            }
        }
        if matches!(&self.current, Some(Current::Response(p, _)) if !keep.contains(&p.id())) {
            self.release_current();
        }
    }

    // ----- state -----

    /// Number of commands whose response is not complete.
    pub fn in_flight(&self) -> usize {
        self.responses.queue.len()
    }

    /// The commands in flight, oldest first.
    pub fn in_flight_ids(&self) -> impl Iterator<Item = CommandId> + '_ {
        self.responses.queue.iter().map(|c| c.id)
    }

    /// Whether `id` still has events to come.
    pub fn is_in_flight(&self, id: CommandId) -> bool {
        self.responses.queue.iter().any(|c| c.id == id)
    }

    /// What the server said in the handshake; `None` before `Connected`.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        match &self.phase {
            Phase::Ready(info) => Some(info),
            _ => None,
        }
    }

    /// The status flags of the last OK / EOF packet (autocommit, in transaction, ...).
    pub fn status(&self) -> StatusFlags {
        self.status
    }

    /// The fatal error that broke the connection, if any.
    pub fn fatal_error(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    /// Marks the connection broken by `error` (an adapter's transport failed or timed out):
    /// every command in flight is abandoned and every later call fails with `error`, as after a
    /// fatal error of [`advance`](Self::advance). Keeps an earlier fatal error if there is one,
    /// and returns the error now in force, for the caller to return.
    pub fn break_with(&mut self, error: Error) -> Error {
        let e = self.fatal.get_or_insert(error).clone();
        self.responses.queue.clear();
        self.release_current();
        e
    }

    /// Bytes queued by commands and not yet taken by [`pending_send`](Self::pending_send)
    /// (plaintext, before TLS). Commands are refused while this exceeds `max-send-buffer`.
    pub fn send_buffered(&self) -> usize {
        self.tx.len() - self.tx_pos
    }

    /// How many commands have been queued on this connection so far (a counter that only
    /// grows): adapters compare it to tell when a new command went out, e.g. to start a query
    /// timer.
    pub fn commands_queued(&self) -> u64 {
        self.next_id - 1
    }

    /// The operations' state and the last OK decoded, borrowed apart.
    pub(crate) fn ops_and_ok(&mut self) -> (&mut crate::ops::OpState, &crate::packets::OkPacket) {
        (&mut self.ops, &self.responses.ok)
    }

    /// Commands the next command queues first (a dropped transaction's `ROLLBACK`): room an
    /// operation must leave under `max-in-flight`.
    pub fn deferred_commands(&self) -> usize {
        usize::from(self.rollback_before_next)
    }

    /// The options the connection was created with.
    pub fn opts(&self) -> &Opts {
        &self.opts
    }

    // ----- internals -----

    fn check_ready(&self) -> Result<()> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        match self.phase {
            Phase::Ready(_) => Ok(()),
            Phase::Handshake(_) => Err(Error::misuse(
                "command sent before the handshake finished (wait for Event::Connected)",
            )),
            Phase::Quit => Err(Error::new(ErrorKind::Closed, "connection was quit")),
        }
    }

    fn command(&mut self, cmd: Command, body: &[u8], expect: Expect) -> Result<CommandId> {
        self.check_ready()?;
        self.check_in_flight()?;
        self.flush_deferred()?;
        self.write_command(cmd, body, expect)
    }

    fn write_command(&mut self, cmd: Command, body: &[u8], expect: Expect) -> Result<CommandId> {
        let start = framing::begin_packet(&mut self.tx);
        self.tx.push(cmd as u8);
        self.tx.extend_from_slice(body);
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        Ok(self.push_in_flight(expect, seq))
    }

    /// Switches to TLS: the first `plaintext_len` unsent bytes (the SSLRequest) go out as they
    /// are, everything after through TLS.
    fn start_tls(&mut self, plaintext_len: usize) -> Result<()> {
        #[cfg(feature = "tls")]
        {
            let end = self.tx_pos + plaintext_len;
            let session = crate::tls::TlsSession::start(&self.opts, &self.tx[self.tx_pos..end])?;
            self.tx.drain(self.tx_pos..end);
            self.tls = Some(session);
            Ok(())
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = plaintext_len;
            Err(Error::unsupported(
                "TLS needs the `tls` feature of mysql-proto",
            ))
        }
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }

    /// Refuses a command beyond the in-flight limit (nothing is queued; read responses first).
    fn check_in_flight(&self) -> Result<()> {
        let max = self.opts.max_in_flight();
        if self.responses.queue.len() >= max {
            return Err(Error::misuse(format!(
                "{max} commands already in flight (max-in-flight): read responses before queueing more"
            )));
        }
        if self.tx.len() - self.tx_pos > self.opts.max_send_buffer() {
            return Err(Error::misuse(format!(
                "send buffer holds more than max-send-buffer ({} bytes): write it out first",
                self.opts.max_send_buffer()
            )));
        }
        Ok(())
    }

    /// Queues what an earlier call deferred (a guard's ROLLBACK) ahead of the next command.
    fn flush_deferred(&mut self) -> Result<()> {
        if std::mem::take(&mut self.rollback_before_next) {
            let id = self.write_command(
                Command::Query,
                b"ROLLBACK",
                Expect::Results(RowFormat::Text),
            )?;
            self.discard(id);
        }
        Ok(())
    }

    fn push_in_flight(&mut self, expect: Expect, seq: u8) -> CommandId {
        self.last_was_prepare = expect == Expect::Prepare;
        let id = CommandId(self.next_id);
        self.next_id += 1;
        self.responses.queue.push_back(InFlight {
            id,
            expect,
            seq,
            state: Response::Start,
            discard: false,
            statement: None,
            had_result_set: false,
            resets_statements: false,
        });
        id
    }

    /// Records which statement the command queued last executes (for cached metadata).
    fn set_statement_of_last(&mut self, statement: u32) {
        if let Some(last) = self.responses.queue.back_mut() {
            last.statement = Some(statement);
        }
    }

    fn release_current(&mut self) {
        self.current = None;
        if self.release > 0 {
            self.rx_start += self.release;
            self.release = 0;
            self.deframer.release();
        }
    }

    /// Bytes still missing from the frame at the front of the receive buffer.
    fn frame_shortfall(&self) -> usize {
        let have = self.rx_end - self.rx_start;
        match framing::FrameHeader::parse(&self.rx[self.rx_start..self.rx_end]) {
            Some(h) => (4 + h.len).saturating_sub(have),
            None => 4 - have,
        }
    }

    fn step(&mut self) -> Result<bool> {
        loop {
            let input = &self.rx[self.rx_start..self.rx_end];
            let seq = match &mut self.phase {
                Phase::Handshake(h) => h.seq_mut(),
                Phase::Ready(_) | Phase::Quit => match self.responses.queue.front_mut() {
                    Some(c) => &mut c.seq,
                    None => return self.idle(),
                },
            };
            let (consumed, payload) =
                match self.deframer.next(input, seq, self.opts.max_packet())? {
                    Deframed::Incomplete { consumed } => {
                        self.rx_start += consumed;
                        if self.eof {
                            return Err(Error::new(
                                ErrorKind::Closed,
                                "server closed the connection before the response was complete",
                            ));
                        }
                        return Ok(false);
                    }
                    Deframed::Packet { consumed, payload } => (consumed, payload),
                };
            let base = self.rx_start;
            self.release = consumed;
            let loc = payload.map(|r| base + r.start..base + r.end);
            let p = match &loc {
                Some(r) => &self.rx[r.clone()],
                None => self.deframer.reassembled(),
            };
            match &mut self.phase {
                Phase::Handshake(h) => {
                    match h.on_packet(p, &self.opts, &mut self.tx, &mut *self.rng)? {
                        HandshakeStep::Continue => {}
                        HandshakeStep::StartTls { plaintext_len } => {
                            self.release_current();
                            self.start_tls(plaintext_len)?;
                            continue;
                        }
                        HandshakeStep::Done(info) => {
                            self.responses.capabilities = info.capabilities;
                            self.responses.mariadb_capabilities = info.mariadb_capabilities;
                            self.status = info.status;
                            self.phase = Phase::Ready(info);
                            self.current = Some(Current::Connected);
                            return Ok(true);
                        }
                    }
                }
                Phase::Ready(_) | Phase::Quit => {
                    if let Some(row) = self.responses.streaming_row(p) {
                        let row = row?;
                        if !row.discard {
                            let produced = Produced::Row(row.id, row.format);
                            self.current = Some(Current::Response(produced, loc));
                            return Ok(true);
                        }
                    } else if let Some(produced) = self.responses.on_packet(p, &mut self.tx)? {
                        if matches!(produced, Produced::Ok(_) | Produced::ResultSetEnd(_)) {
                            self.status = self.responses.ok.status;
                        }
                        let loc = if matches!(produced, Produced::Row(..)) {
                            loc
                        } else {
                            None
                        };
                        self.current = Some(Current::Response(produced, loc));
                        return Ok(true);
                    }
                }
            }
            self.release_current();
        }
    }

    /// No command is in flight: input now is unsolicited (a server shutting down or killing the
    /// connection sends an ERR first).
    fn idle(&mut self) -> Result<bool> {
        let input = &self.rx[self.rx_start..self.rx_end];
        if let Some(h) = framing::FrameHeader::parse(input) {
            if input.len() >= 4 + h.len.min(MAX_PAYLOAD) {
                let p = &input[4..4 + h.len];
                if p.first() == Some(&0xff) {
                    let server = crate::packets::parse_err(p)?;
                    return Err(Error::from_server(ErrorKind::Closed, server));
                }
                return Err(Error::protocol(
                    "server sent data while no command was in flight",
                ));
            }
        }
        if self.eof && !matches!(self.phase, Phase::Quit) {
            return Err(Error::new(
                ErrorKind::Closed,
                "server closed the connection",
            ));
        }
        Ok(false)
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("phase", &self.phase)
            .field("in_flight", &self.responses.queue.len())
            .field("buffered_in", &(self.rx_end - self.rx_start))
            .field("pending_out", &(self.tx.len() - self.tx_pos))
            .field("fatal", &self.fatal)
            .finish()
    }
}
