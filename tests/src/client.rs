//! [`Client`]: the operations every adapter offers, so one suite runs against all four, and
//! [`Adapter`]: how to run a test future on each adapter's executor.

use std::future::Future;

use mysql_proto::{Error, FromRow, Output, PipelineStep, Result, TxOpts, Value};

/// The common API of the blocking and the async connections.
pub trait Client: Sized {
    /// Connects to `url`.
    fn connect(url: &str) -> impl Future<Output = Result<Self>>;
    /// `query_collect`.
    fn query_collect<T: for<'a> FromRow<'a>>(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<T>>>;
    /// `query_drop`.
    fn query_drop(&mut self, sql: &str) -> impl Future<Output = Result<()>>;
    /// `ping`.
    fn ping(&mut self) -> impl Future<Output = Result<()>>;
    /// `use_database`.
    fn use_database(&mut self, db: &str) -> impl Future<Output = Result<()>>;
    /// `reset`.
    fn reset(&mut self) -> impl Future<Output = Result<()>>;
    /// `close`.
    fn close(self) -> impl Future<Output = Result<()>>;
    /// Affected rows of the last statement.
    fn affected_rows(&self) -> u64;
    /// Last insert id of the last statement.
    fn last_insert_id(&self) -> u64;
    /// Whether the server is MariaDB.
    fn is_mariadb(&self) -> bool;
    /// Runs `sql` and renders every result: `cols:a,b` then `row:..` lines, or `ok:<affected>`;
    /// returns the lines and the error that stopped it, if any.
    fn results(&mut self, sql: &str) -> impl Future<Output = (Vec<String>, Option<Error>)>;
    /// Starts `sql`, reads at most `n` rows of it, then drops the result; returns rows read.
    fn read_some(&mut self, sql: &str, n: usize) -> impl Future<Output = Result<usize>>;
    /// `exec_collect` of SQL text (statement cache).
    fn exec_collect<T: for<'a> FromRow<'a>>(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<T>>>;
    /// `exec_drop` of SQL text.
    fn exec_drop(&mut self, sql: &str, params: Vec<Value>) -> impl Future<Output = Result<()>>;
    /// `exec_batch` of SQL text.
    fn exec_batch(
        &mut self,
        sql: &str,
        params: Vec<Vec<Value>>,
    ) -> impl Future<Output = Result<u64>>;
    /// Like [`results`](Self::results) for an execute (binary rows rendered as text).
    fn exec_results(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> impl Future<Output = (Vec<String>, Option<Error>)>;
    /// Streams `sql`, whose first column must count 1, 2, 3, ...; returns how many rows were
    /// in order and the error that ended the stream, if any. Allocates nothing per row.
    fn count_seq(&mut self, sql: &str) -> impl Future<Output = (usize, Option<Error>)>;
    /// Prepares `sql` explicitly, returns (parameters, columns), closes it.
    fn prepare_close(&mut self, sql: &str) -> impl Future<Output = Result<(usize, usize)>>;
    /// Runs a pipeline of `steps`.
    fn run_pipeline(
        &mut self,
        steps: Vec<PipelineStep>,
    ) -> impl Future<Output = Result<Vec<Result<Output>>>>;
    /// Queues `sql` with `send_query` and reads nothing (leaves it owed).
    fn send_raw(&mut self, sql: &str) -> Result<()>;
    /// Sets the query timeout.
    fn set_query_timeout(&mut self, limit: Option<std::time::Duration>);
    /// What the server reported of the session.
    fn session(&self) -> &mysql_proto::SessionState;
    /// `wait_for_gtid`.
    fn wait_for_gtid(
        &mut self,
        gtid: &str,
        timeout: std::time::Duration,
    ) -> impl Future<Output = Result<bool>>;
    /// `set_multi_statements`.
    fn set_multi_statements(&mut self, on: bool) -> impl Future<Output = Result<()>>;
    /// `set_query_attributes`.
    fn set_query_attributes(&mut self, attributes: &[(&str, Value)]) -> Result<()>;
    /// `call`.
    fn call(&mut self, sql: &str, params: Vec<Value>) -> impl Future<Output = Result<Output>>;
    /// `change_user`.
    fn change_user(
        &mut self,
        user: &str,
        password: Option<&str>,
        database: Option<&str>,
    ) -> impl Future<Output = Result<()>>;
    /// `open_cursor`.
    fn open_cursor(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> impl Future<Output = Result<mysql_proto::ops::ServerCursor>>;
    /// `fetch`.
    fn fetch(
        &mut self,
        cursor: &mut mysql_proto::ops::ServerCursor,
        rows: u32,
    ) -> impl Future<Output = Result<Option<Vec<mysql_proto::Row>>>>;
    /// `close_cursor`.
    fn close_cursor(
        &mut self,
        cursor: mysql_proto::ops::ServerCursor,
    ) -> impl Future<Output = Result<()>>;
    /// `binlog_position`.
    fn binlog_position(&mut self) -> impl Future<Output = Result<(String, u32)>>;
    /// `binlog_dump`.
    fn binlog_dump(
        &mut self,
        request: &mysql_proto::binlog::BinlogRequest,
    ) -> impl Future<Output = Result<mysql_proto::binlog::BinlogStream>>;
    /// `next_binlog_event`.
    fn next_binlog_event(
        &mut self,
        stream: &mut mysql_proto::binlog::BinlogStream,
    ) -> impl Future<Output = Result<Option<mysql_proto::binlog::BinlogEvent>>>;
    /// Serves LOCAL INFILE requests from `source(name)` (`None`: open the file): the async
    /// adapters get it as an async reader that is pending before every other read.
    fn set_infile_source(&mut self, source: Option<InfileSource>);
    /// Begins a transaction with `opts`, runs `sql` in it, then commits (`commit`) or drops the
    /// guard without committing.
    fn transaction(
        &mut self,
        opts: TxOpts,
        sql: &str,
        commit: bool,
    ) -> impl Future<Output = Result<()>>;
}

fn render(row: mysql_proto::RowRef<'_>) -> String {
    let v: Vec<String> = row
        .text_values()
        .map(|v| v.map_or("NULL".into(), |b| String::from_utf8_lossy(&b).into_owned()))
        .collect();
    format!("row:{}", v.join(","))
}

fn cols(c: &mysql_proto::Columns) -> String {
    let n: Vec<String> = c.iter().map(|c| c.name().into_owned()).collect();
    format!("cols:{}", n.join(","))
}

/// The one implementation of [`Client`], expanded per flavour: both adapters have the same
/// API (the core's `client_api!`), so only `.await` differs.
macro_rules! client_impl {
    ([$($g:tt)*] $conn:ty, [$($await:tt)*]) => {
        impl<$($g)*> Client for $conn {
            async fn connect(url: &str) -> Result<Self> {
                <$conn>::connect(url)$($await)*
            }
            async fn query_collect<T: for<'a> FromRow<'a>>(&mut self, sql: &str) -> Result<Vec<T>> {
                <$conn>::query_collect(self, sql)$($await)*
            }
            async fn query_drop(&mut self, sql: &str) -> Result<()> {
                <$conn>::query_drop(self, sql)$($await)*
            }
            async fn ping(&mut self) -> Result<()> {
                <$conn>::ping(self)$($await)*
            }
            async fn use_database(&mut self, db: &str) -> Result<()> {
                <$conn>::use_database(self, db)$($await)*
            }
            async fn reset(&mut self) -> Result<()> {
                <$conn>::reset(self)$($await)*
            }
            async fn close(self) -> Result<()> {
                <$conn>::close(self)$($await)*
            }
            fn affected_rows(&self) -> u64 {
                <$conn>::affected_rows(self)
            }
            fn last_insert_id(&self) -> u64 {
                <$conn>::last_insert_id(self)
            }
            fn is_mariadb(&self) -> bool {
                self.server_info().is_mariadb
            }
            async fn results(&mut self, sql: &str) -> (Vec<String>, Option<Error>) {
                let mut out = Vec::new();
                let r = self.query(sql)$($await)*;
                let e = match r {
                    Ok(mut r) => render_all!(r, out, [$($await)*]),
                    Err(e) => Some(e),
                };
                (out, e)
            }
            async fn read_some(&mut self, sql: &str, n: usize) -> Result<usize> {
                let mut r = self.query(sql)$($await)*?;
                let mut got = 0;
                while got < n && r.next_row()$($await)*?.is_some() {
                    got += 1;
                }
                Ok(got)
            }
            async fn exec_collect<T: for<'a> FromRow<'a>>(
                &mut self,
                sql: &str,
                params: Vec<Value>,
            ) -> Result<Vec<T>> {
                <$conn>::exec_collect(self, sql, params)$($await)*
            }
            async fn exec_drop(&mut self, sql: &str, params: Vec<Value>) -> Result<()> {
                <$conn>::exec_drop(self, sql, params)$($await)*
            }
            async fn exec_batch(&mut self, sql: &str, params: Vec<Vec<Value>>) -> Result<u64> {
                <$conn>::exec_batch(self, sql, params)$($await)*
            }
            async fn exec_results(
                &mut self,
                sql: &str,
                params: Vec<Value>,
            ) -> (Vec<String>, Option<Error>) {
                let mut out = Vec::new();
                let r = self.exec(sql, params)$($await)*;
                let e = match r {
                    Ok(mut r) => render_all!(r, out, [$($await)*]),
                    Err(e) => Some(e),
                };
                (out, e)
            }
            async fn count_seq(&mut self, sql: &str) -> (usize, Option<Error>) {
                let mut r = match self.query(sql)$($await)* {
                    Ok(r) => r,
                    Err(e) => return (0, Some(e)),
                };
                let mut n = 0;
                loop {
                    match r.next_row()$($await)* {
                        Ok(Some(row)) => {
                            assert_eq!(row.get::<i64>(0).unwrap(), n as i64 + 1, "wrong row");
                            n += 1;
                        }
                        Ok(None) => return (n, None),
                        Err(e) => return (n, Some(e)),
                    }
                }
            }
            async fn prepare_close(&mut self, sql: &str) -> Result<(usize, usize)> {
                let st = self.prepare(sql)$($await)*?;
                let shape = (st.params().len(), st.columns().len());
                self.close_statement(st)$($await)*?;
                Ok(shape)
            }
            async fn run_pipeline(&mut self, steps: Vec<PipelineStep>) -> Result<Vec<Result<Output>>> {
                steps
                    .into_iter()
                    .fold(self.pipeline(), |p, s| p.push(s))
                    .run()$($await)*
            }
            fn send_raw(&mut self, sql: &str) -> Result<()> {
                self.send_query(sql).map(drop)
            }
            fn set_query_timeout(&mut self, limit: Option<std::time::Duration>) {
                <$conn>::set_query_timeout(self, limit)
            }
            fn session(&self) -> &mysql_proto::SessionState {
                <$conn>::session(self)
            }
            async fn wait_for_gtid(&mut self, gtid: &str, timeout: std::time::Duration) -> Result<bool> {
                <$conn>::wait_for_gtid(self, gtid, timeout)$($await)*
            }
            async fn set_multi_statements(&mut self, on: bool) -> Result<()> {
                <$conn>::set_multi_statements(self, on)$($await)*
            }
            fn set_query_attributes(&mut self, attributes: &[(&str, Value)]) -> Result<()> {
                <$conn>::set_query_attributes(self, attributes)
            }
            async fn call(&mut self, sql: &str, params: Vec<Value>) -> Result<Output> {
                <$conn>::call(self, sql, params)$($await)*
            }
            async fn change_user(
                &mut self,
                user: &str,
                password: Option<&str>,
                database: Option<&str>,
            ) -> Result<()> {
                <$conn>::change_user(self, user, password, database)$($await)*
            }
            async fn open_cursor(
                &mut self,
                sql: &str,
                params: Vec<Value>,
            ) -> Result<mysql_proto::ops::ServerCursor> {
                <$conn>::open_cursor(self, sql, params)$($await)*
            }
            async fn fetch(
                &mut self,
                cursor: &mut mysql_proto::ops::ServerCursor,
                rows: u32,
            ) -> Result<Option<Vec<mysql_proto::Row>>> {
                <$conn>::fetch(self, cursor, rows)$($await)*
            }
            async fn close_cursor(&mut self, cursor: mysql_proto::ops::ServerCursor) -> Result<()> {
                <$conn>::close_cursor(self, cursor)$($await)*
            }
            async fn binlog_position(&mut self) -> Result<(String, u32)> {
                <$conn>::binlog_position(self)$($await)*
            }
            async fn binlog_dump(
                &mut self,
                request: &mysql_proto::binlog::BinlogRequest,
            ) -> Result<mysql_proto::binlog::BinlogStream> {
                <$conn>::binlog_dump(self, request)$($await)*
            }
            async fn next_binlog_event(
                &mut self,
                stream: &mut mysql_proto::binlog::BinlogStream,
            ) -> Result<Option<mysql_proto::binlog::BinlogEvent>> {
                <$conn>::next_binlog_event(self, stream)$($await)*
            }
            fn set_infile_source(&mut self, source: Option<InfileSource>) {
                InstallInfile::install(self, source)
            }
            async fn transaction(&mut self, opts: TxOpts, sql: &str, commit: bool) -> Result<()> {
                let mut tx = self.begin_with(opts)?;
                tx.query_drop(sql)$($await)*?;
                if commit {
                    tx.commit()$($await)*?;
                }
                Ok(())
            }
        }
    };
}

/// Renders every result of `$r` into `$out` (see [`Client::results`]); the error that stopped
/// it, if any.
macro_rules! render_all {
    ($r:ident, $out:ident, [$($await:tt)*]) => {
        'all: loop {
            match $r.columns() {
                Some(c) => $out.push(cols(c)),
                None => $out.push(format!("ok:{}", $r.ok().map_or(0, |o| o.affected_rows))),
            }
            loop {
                match $r.next_row()$($await)* {
                    Ok(Some(row)) => $out.push(render(row)),
                    Ok(None) => break,
                    Err(e) => break 'all Some(e),
                }
            }
            match $r.next_result()$($await)* {
                Ok(true) => {}
                Ok(false) => break None,
                Err(e) => break Some(e),
            }
        }
    };
}

/// What [`Client::set_infile_source`] takes: the file's bytes as a blocking reader.
pub type InfileSource = fn(&str) -> std::io::Result<Box<dyn std::io::Read + Send>>;

/// Installs an [`InfileSource`] as each flavour's LOCAL INFILE handler.
trait InstallInfile {
    fn install(&mut self, source: Option<InfileSource>);
}

impl InstallInfile for mysql_blocking::Conn {
    fn install(&mut self, source: Option<InfileSource>) {
        self.set_local_infile_handler(
            source
                .map(|f| Box::new(move |name: &str| f(name)) as mysql_blocking::LocalInfileHandler),
        );
    }
}

impl<R: mysql_proto_async::Runtime> InstallInfile for mysql_proto_async::Conn<R> {
    fn install(&mut self, source: Option<InfileSource>) {
        self.set_local_infile_handler(source.map(|f| {
            Box::new(move |name: &str| {
                let reader = Trickle {
                    inner: f(name)?,
                    ready: false,
                };
                Ok(mysql_proto_async::LocalInfileReader::Async(Box::pin(
                    reader,
                )))
            }) as mysql_proto_async::LocalInfileHandler
        }));
    }
}

/// An async reader over a blocking one that is pending (and wakes itself) before every other
/// read, so that the runner's waiting path is exercised.
struct Trickle {
    inner: Box<dyn std::io::Read + Send>,
    ready: bool,
}

impl futures_lite::AsyncRead for Trickle {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.ready = !self.ready;
        if !self.ready {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        std::task::Poll::Ready(self.inner.read(buf))
    }
}

client_impl!([] mysql_blocking::Conn, []);
client_impl!([R: mysql_proto_async::Runtime] mysql_proto_async::Conn<R>, [.await]);

/// Runs a test future on an adapter's own executor, single-threaded.
pub trait Adapter {
    /// The connection type.
    type Conn: Client;
    /// The pool type.
    type Pool: PoolClient<Conn = Self::Conn>;
    /// Runs `f` to completion.
    fn block_on<F: Future>(f: F) -> F::Output;
    /// Runs `f(0)`, ..., `f(n - 1)` concurrently and returns their outputs: on threads for the
    /// blocking adapter (whose futures never wait), on one task for the async ones.
    fn concurrently<Fut: Future>(n: usize, f: impl Fn(usize) -> Fut + Sync) -> Vec<Fut::Output>
    where
        Fut::Output: Send,
    {
        Self::block_on(crate::join_all((0..n).map(f).collect()))
    }
}

/// The common API of the pools (every adapter's `Pool`, from the core's `pool_api!`).
pub trait PoolClient: Clone + Send + Sync + Sized {
    /// The pooled connection type.
    type Conn: Client;
    /// The guard `get` lends.
    type Guard: std::ops::DerefMut<Target = Self::Conn>;
    /// `Pool::new`.
    fn new(url: &str) -> Result<Self>;
    /// `Pool::get`.
    fn get(&self) -> impl Future<Output = Result<Self::Guard>>;
    /// `Pool::status`.
    fn status(&self) -> mysql_proto::pool::PoolStatus;
    /// `Pool::metrics`.
    fn metrics(&self) -> mysql_proto::pool::PoolMetrics;
    /// `Pool::close`.
    fn close(&self);
    /// `PooledConn::detach`.
    fn detach(guard: Self::Guard) -> Self::Conn;
    /// `Pool::hosts`.
    fn hosts(&self) -> Vec<mysql_proto::hosts::HostStatus>;
}

/// The one implementation of [`PoolClient`], expanded per flavour.
macro_rules! pool_impl {
    ([$($g:tt)*] $pool:ty, $guard:ty, $conn:ty, [$($await:tt)*]) => {
        impl<$($g)*> PoolClient for $pool {
            type Conn = $conn;
            type Guard = $guard;
            fn new(url: &str) -> Result<Self> {
                <$pool>::new(url)
            }
            async fn get(&self) -> Result<$guard> {
                <$pool>::get(self)$($await)*
            }
            fn status(&self) -> mysql_proto::pool::PoolStatus {
                <$pool>::status(self)
            }
            fn metrics(&self) -> mysql_proto::pool::PoolMetrics {
                <$pool>::metrics(self)
            }
            fn close(&self) {
                <$pool>::close(self)
            }
            fn detach(guard: $guard) -> $conn {
                guard.detach()
            }
            fn hosts(&self) -> Vec<mysql_proto::hosts::HostStatus> {
                <$pool>::hosts(self)
            }
        }
    };
}

pool_impl!([] mysql_blocking::Pool, mysql_blocking::PooledConn, mysql_blocking::Conn, []);
pool_impl!(
    [R: mysql_proto_async::Runtime]
    mysql_proto_async::Pool<R>,
    mysql_proto_async::PooledConn<R>,
    mysql_proto_async::Conn<R>,
    [.await]
);

/// The blocking adapter (futures-lite's `block_on`; its futures never wait).
pub struct Blocking;
impl Adapter for Blocking {
    type Conn = mysql_blocking::Conn;
    type Pool = mysql_blocking::Pool;
    fn block_on<F: Future>(f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
    fn concurrently<Fut: Future>(n: usize, f: impl Fn(usize) -> Fut + Sync) -> Vec<Fut::Output>
    where
        Fut::Output: Send,
    {
        let f = &f;
        std::thread::scope(|s| {
            let threads: Vec<_> = (0..n)
                .map(|i| {
                    std::thread::Builder::new()
                        .stack_size(256 << 10)
                        .spawn_scoped(s, move || futures_lite::future::block_on(f(i)))
                        .expect("spawn a thread")
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().expect("thread"))
                .collect()
        })
    }
}

/// tokio, on a current-thread runtime.
pub struct Tokio;
impl Adapter for Tokio {
    type Conn = mysql_tokio::Conn;
    type Pool = mysql_tokio::Pool;
    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime")
            .block_on(f)
    }
}

/// smol's `block_on` (single-threaded).
pub struct Smol;
impl Adapter for Smol {
    type Conn = mysql_smol::Conn;
    type Pool = mysql_smol::Pool;
    fn block_on<F: Future>(f: F) -> F::Output {
        smol::block_on(f)
    }
}

/// async-std's `block_on` (the future runs on the calling thread).
pub struct AsyncStd;
impl Adapter for AsyncStd {
    type Conn = mysql_async_std::Conn;
    type Pool = mysql_async_std::Pool;
    fn block_on<F: Future>(f: F) -> F::Output {
        async_std::task::block_on(f)
    }
}

/// compio, on one thread's runtime (io_uring).
pub struct Compio;
impl Adapter for Compio {
    type Conn = mysql_compio::Conn;
    type Pool = mysql_compio::Pool;
    fn block_on<F: Future>(f: F) -> F::Output {
        compio::runtime::Runtime::new()
            .expect("compio runtime")
            .block_on(f)
    }
}

/// Instantiates `$test::<Adapter>` as a `#[test]` for each of the five adapters.
#[macro_export]
macro_rules! for_every_adapter {
    ($($test:ident),* $(,)?) => {
        mod blocking {
            $( #[test] fn $test() { super::$test::<$crate::client::Blocking>() } )*
        }
        mod tokio {
            $( #[test] fn $test() { super::$test::<$crate::client::Tokio>() } )*
        }
        mod smol {
            $( #[test] fn $test() { super::$test::<$crate::client::Smol>() } )*
        }
        mod async_std {
            $( #[test] fn $test() { super::$test::<$crate::client::AsyncStd>() } )*
        }
        mod compio {
            $( #[test] fn $test() { super::$test::<$crate::client::Compio>() } )*
        }
    };
}

/// Instantiates the async `$test::<R: mysql_proto_async::Runtime>()` as a `#[test]` for each
/// async runtime, run on that runtime's single-threaded executor.
#[macro_export]
macro_rules! for_every_async_runtime {
    ($($test:ident),* $(,)?) => {
        mod tokio {
            $( #[test] fn $test() {
                <$crate::client::Tokio as $crate::client::Adapter>::block_on(super::$test::<mysql_tokio::Tokio>())
            } )*
        }
        mod smol {
            $( #[test] fn $test() {
                <$crate::client::Smol as $crate::client::Adapter>::block_on(super::$test::<mysql_smol::Smol>())
            } )*
        }
        mod async_std {
            $( #[test] fn $test() {
                <$crate::client::AsyncStd as $crate::client::Adapter>::block_on(super::$test::<mysql_async_std::AsyncStd>())
            } )*
        }
        mod compio {
            $( #[test] fn $test() {
                <$crate::client::Compio as $crate::client::Adapter>::block_on(super::$test::<mysql_compio::Compio>())
            } )*
        }
    };
}
