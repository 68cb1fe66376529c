//! The runtimes `mysql-rs` can run on, behind one small trait: send a query, read events.
//! The printing code is written once against [`Session`].

use std::future::Future;

use mysql_proto::binlog::{BinlogEvent, BinlogRequest, BinlogStream};
use mysql_proto::{Event, Opts, Result};
use mysql_proto_async::Runtime;

/// A connection on some runtime, driven synchronously by the CLI.
pub trait Session {
    /// Queues `sql` (abandoning whatever is left of the previous statement).
    fn send_query(&mut self, sql: &str) -> Result<()>;
    /// Prepares `sql`, then queues its execution (binary protocol) and its close. Falls back to
    /// [`send_query`](Self::send_query) for statements the server cannot prepare (error 1295).
    fn send_prepared(&mut self, sql: &str) -> Result<()>;
    /// The next event of the statement in flight.
    fn next_event(&mut self) -> Result<Event<'_>>;
    /// `COM_INIT_DB`.
    fn use_database(&mut self, db: &str) -> Result<()>;
    /// The server's id of this connection (for `KILL QUERY`).
    fn connection_id(&self) -> u32;
    /// `binlog_position`: the binary log's current file and position.
    fn binlog_position(&mut self) -> Result<(String, u32)>;
    /// `binlog_dump`: starts streaming the binary log.
    fn binlog_dump(&mut self, request: &BinlogRequest) -> Result<BinlogStream>;
    /// `next_binlog_event`: the next event of the dump; `None` at the end of a non-blocking one.
    fn next_binlog_event(&mut self, stream: &mut BinlogStream) -> Result<Option<BinlogEvent>>;
    /// `COM_QUIT`.
    fn close(self: Box<Self>) -> Result<()>;
}

/// Connects with the named runtime: `blocking`, `tokio`, `smol`, `async-std` or `compio`.
pub fn connect(runtime: &str, url: Opts) -> Result<Box<dyn Session>> {
    Ok(match runtime {
        "blocking" => Box::new(mysql_blocking::Conn::connect(url)?),
        "tokio" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(mysql_proto::Error::io)?;
            AsyncSession::<mysql_tokio::Tokio, _>::connect(TokioExec(rt), url)?
        }
        "smol" => AsyncSession::<mysql_smol::Smol, _>::connect(SmolExec, url)?,
        "async-std" => AsyncSession::<mysql_async_std::AsyncStd, _>::connect(AsyncStdExec, url)?,
        "compio" => {
            let rt = compio::runtime::Runtime::new().map_err(mysql_proto::Error::io)?;
            AsyncSession::<mysql_compio::Compio, _>::connect(CompioExec(rt), url)?
        }
        other => {
            return Err(mysql_proto::Error::misuse(format!(
                "unknown runtime `{other}` (blocking, tokio, smol, async-std, compio)"
            )))
        }
    })
}

/// `ER_UNSUPPORTED_PS`: "This command is not supported in the prepared statement protocol yet".
const ER_UNSUPPORTED_PS: u16 = 1295;

fn unsupported_ps(e: &mysql_proto::Error) -> bool {
    e.server().is_some_and(|s| s.code == ER_UNSUPPORTED_PS)
}

impl Session for mysql_blocking::Conn {
    fn send_query(&mut self, sql: &str) -> Result<()> {
        mysql_blocking::Conn::send_query(self, sql).map(drop)
    }
    fn send_prepared(&mut self, sql: &str) -> Result<()> {
        let st = match self.prepare(sql) {
            Err(e) if unsupported_ps(&e) => return Session::send_query(self, sql),
            r => r?,
        };
        self.send_execute(&st, &[])?;
        self.close_statement(st)
    }
    fn next_event(&mut self) -> Result<Event<'_>> {
        mysql_blocking::Conn::next_event(self)
    }
    fn use_database(&mut self, db: &str) -> Result<()> {
        mysql_blocking::Conn::use_database(self, db)
    }
    fn connection_id(&self) -> u32 {
        mysql_blocking::Conn::connection_id(self)
    }
    fn binlog_position(&mut self) -> Result<(String, u32)> {
        mysql_blocking::Conn::binlog_position(self)
    }
    fn binlog_dump(&mut self, request: &BinlogRequest) -> Result<BinlogStream> {
        mysql_blocking::Conn::binlog_dump(self, request)
    }
    fn next_binlog_event(&mut self, stream: &mut BinlogStream) -> Result<Option<BinlogEvent>> {
        mysql_blocking::Conn::next_binlog_event(self, stream)
    }
    fn close(self: Box<Self>) -> Result<()> {
        mysql_blocking::Conn::close(*self)
    }
}

/// Runs futures to completion on one runtime.
trait Exec: 'static {
    fn block_on<F: Future>(&self, f: F) -> F::Output;
}

struct TokioExec(tokio::runtime::Runtime);
impl Exec for TokioExec {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
}

struct SmolExec;
impl Exec for SmolExec {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        smol::block_on(f)
    }
}

/// compio's runtime: the session stays on the CLI's thread, as compio requires.
struct CompioExec(compio::runtime::Runtime);
impl Exec for CompioExec {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
}

struct AsyncStdExec;
impl Exec for AsyncStdExec {
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_std::task::block_on(f)
    }
}

struct AsyncSession<R: Runtime, E: Exec> {
    conn: mysql_proto_async::Conn<R>,
    exec: E,
}

impl<R: Runtime, E: Exec> AsyncSession<R, E> {
    fn connect(exec: E, url: Opts) -> Result<Box<dyn Session>> {
        let conn = exec.block_on(mysql_proto_async::Conn::<R>::connect(url))?;
        Ok(Box::new(AsyncSession { conn, exec }))
    }
}

impl<R: Runtime, E: Exec> Session for AsyncSession<R, E> {
    fn send_query(&mut self, sql: &str) -> Result<()> {
        self.conn.send_query(sql).map(drop)
    }
    fn send_prepared(&mut self, sql: &str) -> Result<()> {
        let st = match self.exec.block_on(self.conn.prepare(sql)) {
            Err(e) if unsupported_ps(&e) => return self.send_query(sql),
            r => r?,
        };
        self.conn.send_execute(&st, &[])?;
        self.exec.block_on(self.conn.close_statement(st))
    }
    fn next_event(&mut self) -> Result<Event<'_>> {
        self.exec.block_on(self.conn.next_event())
    }
    fn use_database(&mut self, db: &str) -> Result<()> {
        self.exec.block_on(self.conn.use_database(db))
    }
    fn connection_id(&self) -> u32 {
        self.conn.connection_id()
    }
    fn binlog_position(&mut self) -> Result<(String, u32)> {
        self.exec.block_on(self.conn.binlog_position())
    }
    fn binlog_dump(&mut self, request: &BinlogRequest) -> Result<BinlogStream> {
        self.exec.block_on(self.conn.binlog_dump(request))
    }
    fn next_binlog_event(&mut self, stream: &mut BinlogStream) -> Result<Option<BinlogEvent>> {
        self.exec.block_on(self.conn.next_binlog_event(stream))
    }
    fn close(self: Box<Self>) -> Result<()> {
        let AsyncSession { conn, exec } = *self;
        exec.block_on(conn.close())
    }
}
