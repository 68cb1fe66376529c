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
//!   [`handle_eof`](Connection::handle_eof) that the peer closed. A completion-based adapter
//!   (io_uring), whose reads own their buffer until the kernel completes them, borrows the
//!   receive buffer by value instead: [`take_recv_buf`](Connection::take_recv_buf), then
//!   [`give_recv_buf`](Connection::give_recv_buf) (see [`loan`]). Before a read that may
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

// One concept per file: `buffers` (input and output), `decode` (events), `commands` (the
// command methods and the in-flight queue); this file holds the state and its accessors.
mod buffers;
pub mod coalescing;
mod commands;
mod decode;
pub mod event;
mod handshake;
mod infile;
pub mod loan;
mod response;
pub mod statement;

use crate::codec::compress::{Compressor, SealAs};
use crate::codec::framing::{self, Deframed, Deframer};
use crate::codec::MAX_PAYLOAD;
use crate::constants::{Command, StatusFlags};
use crate::error::{Error, ErrorKind, Result};
use crate::packets::stmt::{
    encode_execute, encode_execute_with_flags, encode_send_long_data, BulkExecute,
};
use crate::packets::SessionState;
use crate::value::{Columns, ParamSlice, Params, RowFormat, RowRef, Value, ValueRef};
use crate::Opts;

use coalescing::Coalescer;
pub use coalescing::ReadCoalescing;
pub use event::{CommandId, Event, ServerInfo};
use handshake::{Handshake, HandshakeStep};
pub use loan::RecvBuf;
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
    /// The receive buffer lent by value (`take_recv_buf`), until it is given back.
    loaned: Option<loan::Loan>,
    eof: bool,
    coalescer: Coalescer,
    deframer: Deframer,
    tx: Vec<u8>,
    tx_pos: usize,
    current: Option<Current>,
    release: usize,
    fatal: Option<Error>,
    statements: StatementCache,
    rollback_before_next: bool,
    last_was_prepare: bool,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::TlsSession>,
    /// Protocol compression, on once the handshake negotiated it.
    compress: Option<Box<Compressor>>,
    /// The server's nonce from the greeting (`COM_CHANGE_USER` signs with it again).
    scramble: Vec<u8>,
    /// Query attributes for the next query or execute (names, values).
    attributes: (Vec<String>, Vec<Value>),
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
            session: SessionState::new(opts.database()),
            local_infile: opts.local_infile().clone(),
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
            loaned: None,
            eof: false,
            coalescer: Coalescer::default(),
            deframer: Deframer::new(),
            tx: Vec::new(),
            tx_pos: 0,
            current: None,
            release: 0,
            fatal: None,
            statements: StatementCache::new(opts_cache),
            rollback_before_next: false,
            last_was_prepare: false,
            #[cfg(feature = "tls")]
            tls: None,
            compress: None,
            scramble: Vec::new(),
            attributes: (Vec::new(), Vec::new()),
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

    // ----- state -----

    /// Number of commands whose response is not complete.
    #[inline]
    pub fn in_flight(&self) -> usize {
        self.responses.queue.len()
    }

    /// The commands in flight, oldest first.
    pub fn in_flight_ids(&self) -> impl Iterator<Item = CommandId> + '_ {
        self.responses.queue.iter().map(|c| c.id)
    }

    /// Whether `id` still has events to come.
    #[inline]
    pub fn is_in_flight(&self, id: CommandId) -> bool {
        self.responses.queue.iter().any(|c| c.id == id)
    }

    /// Whether `id` is in flight with its events dropped ([`discard`](Self::discard)).
    pub fn is_discarded(&self, id: CommandId) -> bool {
        self.responses.queue.iter().any(|c| c.id == id && c.discard)
    }

    /// What the server said in the handshake; `None` before `Connected`.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        match &self.phase {
            Phase::Ready(info) => Some(info),
            _ => None,
        }
    }

    /// What the server reported of the session: the default schema, the last GTID, tracked
    /// system variables, the transaction state (see [`SessionState`]).
    pub fn session(&self) -> &SessionState {
        &self.responses.session
    }

    /// The status flags of the last OK / EOF packet (autocommit, in transaction, ...).
    pub fn status(&self) -> StatusFlags {
        self.responses.status
    }

    /// The fatal error that broke the connection, if any.
    #[inline]
    pub fn fatal_error(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    /// Marks the connection broken by `error` (an adapter's transport failed or timed out):
    /// every command in flight is abandoned and every later call fails with `error`, as after a
    /// fatal error of [`advance`](Self::advance). Keeps an earlier fatal error if there is one,
    /// and returns the error now in force, for the caller to return.
    pub fn break_with(&mut self, error: Error) -> Error {
        let error = self.lost_in_flight(error);
        let e = self.fatal.get_or_insert(error).clone();
        self.responses.queue.clear();
        self.release_current();
        e
    }

    /// A transport failure (`Io`) or a silent close (`Closed` without a server error) while
    /// commands are in flight becomes [`ErrorKind::OutcomeUnknown`]: the server may have run
    /// them. (Conservative: a command still in the send buffer is reported unknown too.)
    fn lost_in_flight(&self, error: Error) -> Error {
        let lost = matches!(error.kind(), ErrorKind::Io | ErrorKind::Closed)
            && error.server().is_none()
            && self.in_flight() > 0
            && matches!(self.phase, Phase::Ready(_));
        if !lost {
            return error;
        }
        Error::new(
            ErrorKind::OutcomeUnknown,
            format!(
                "the connection was lost with {} command(s) in flight, whose outcome is unknown: {error}",
                self.in_flight()
            ),
        )
    }

    /// Bytes queued by commands and not yet taken by [`pending_send`](Self::pending_send)
    /// (before TLS; after compression when it is on). Commands are refused while this exceeds
    /// `max-send-buffer`.
    #[inline]
    pub fn send_buffered(&self) -> usize {
        let compressed = self.compress.as_ref().map_or(0, |z| z.unsent().len());
        self.tx.len() - self.tx_pos + compressed
    }

    /// Whether the protocol is compressed (negotiated with the `compression` option).
    pub fn is_compressed(&self) -> bool {
        self.compress.is_some()
    }

    /// How many commands have been queued on this connection so far (a counter that only
    /// grows): adapters compare it to tell when a new command went out, e.g. to start a query
    /// timer.
    #[inline]
    pub fn commands_queued(&self) -> u64 {
        self.next_id - 1
    }

    /// The operations' state and the last OK decoded, borrowed apart.
    pub(crate) fn ops_and_ok(&mut self) -> (&mut crate::ops::OpState, &crate::packets::OkPacket) {
        (&mut self.ops, &self.responses.ok)
    }

    /// Commands the next command queues first (a dropped transaction's `ROLLBACK`): room an
    /// operation must leave under `max-in-flight`.
    #[inline]
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

    fn release_current(&mut self) {
        self.current = None;
        if self.release > 0 {
            self.rx_start += self.release;
            self.release = 0;
            self.deframer.release();
        }
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
