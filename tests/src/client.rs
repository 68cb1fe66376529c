//! [`Client`]: the operations every adapter offers, so one suite runs against all four, and
//! [`Adapter`]: how to run a test future on each adapter's executor.

use std::future::Future;

use mysql_proto::{Error, FromRow, Output, Result, Step, TxOpts, Value};

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
        steps: Vec<Step>,
    ) -> impl Future<Output = Result<Vec<Result<Output>>>>;
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

impl Client for mysql_blocking::Conn {
    async fn connect(url: &str) -> Result<Self> {
        mysql_blocking::Conn::connect(url)
    }
    async fn query_collect<T: for<'a> FromRow<'a>>(&mut self, sql: &str) -> Result<Vec<T>> {
        mysql_blocking::Conn::query_collect(self, sql)
    }
    async fn query_drop(&mut self, sql: &str) -> Result<()> {
        mysql_blocking::Conn::query_drop(self, sql)
    }
    async fn ping(&mut self) -> Result<()> {
        mysql_blocking::Conn::ping(self)
    }
    async fn use_database(&mut self, db: &str) -> Result<()> {
        mysql_blocking::Conn::use_database(self, db)
    }
    async fn reset(&mut self) -> Result<()> {
        mysql_blocking::Conn::reset(self)
    }
    async fn close(self) -> Result<()> {
        mysql_blocking::Conn::close(self)
    }
    fn affected_rows(&self) -> u64 {
        mysql_blocking::Conn::affected_rows(self)
    }
    fn last_insert_id(&self) -> u64 {
        mysql_blocking::Conn::last_insert_id(self)
    }
    fn is_mariadb(&self) -> bool {
        self.server_info().is_mariadb
    }
    async fn results(&mut self, sql: &str) -> (Vec<String>, Option<Error>) {
        let mut out = Vec::new();
        let mut r = match self.query(sql) {
            Ok(r) => r,
            Err(e) => return (out, Some(e)),
        };
        loop {
            match r.columns() {
                Some(c) => out.push(cols(c)),
                None => out.push(format!("ok:{}", r.ok().map_or(0, |o| o.affected_rows))),
            }
            loop {
                match r.next_row() {
                    Ok(Some(row)) => out.push(render(row)),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
            match r.next_result() {
                Ok(true) => {}
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }
    async fn read_some(&mut self, sql: &str, n: usize) -> Result<usize> {
        let mut r = self.query(sql)?;
        let mut got = 0;
        while got < n && r.next_row()?.is_some() {
            got += 1;
        }
        Ok(got)
    }
    async fn exec_collect<T: for<'a> FromRow<'a>>(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<T>> {
        mysql_blocking::Conn::exec_collect(self, sql, params)
    }
    async fn exec_drop(&mut self, sql: &str, params: Vec<Value>) -> Result<()> {
        mysql_blocking::Conn::exec_drop(self, sql, params)
    }
    async fn exec_batch(&mut self, sql: &str, params: Vec<Vec<Value>>) -> Result<u64> {
        mysql_blocking::Conn::exec_batch(self, sql, params)
    }
    async fn exec_results(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> (Vec<String>, Option<Error>) {
        let mut out = Vec::new();
        let mut r = match self.exec(sql, params) {
            Ok(r) => r,
            Err(e) => return (out, Some(e)),
        };
        loop {
            match r.columns() {
                Some(c) => out.push(cols(c)),
                None => out.push(format!("ok:{}", r.ok().map_or(0, |o| o.affected_rows))),
            }
            loop {
                match r.next_row() {
                    Ok(Some(row)) => out.push(render(row)),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
            match r.next_result() {
                Ok(true) => {}
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }
    async fn count_seq(&mut self, sql: &str) -> (usize, Option<Error>) {
        let mut r = match self.query(sql) {
            Ok(r) => r,
            Err(e) => return (0, Some(e)),
        };
        let mut n = 0;
        loop {
            match r.next_row() {
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
        let st = self.prepare(sql)?;
        let shape = (st.params().len(), st.columns().len());
        self.close_statement(st)?;
        Ok(shape)
    }
    async fn run_pipeline(&mut self, steps: Vec<Step>) -> Result<Vec<Result<Output>>> {
        steps
            .into_iter()
            .fold(self.pipeline(), |p, s| p.push(s))
            .run()
    }
    async fn transaction(&mut self, opts: TxOpts, sql: &str, commit: bool) -> Result<()> {
        let mut tx = self.begin_with(opts)?;
        tx.query_drop(sql)?;
        if commit {
            tx.commit()?;
        }
        Ok(())
    }
}

impl<R: mysql_proto_async::Runtime> Client for mysql_proto_async::Conn<R> {
    async fn connect(url: &str) -> Result<Self> {
        mysql_proto_async::Conn::connect(url).await
    }
    async fn query_collect<T: for<'a> FromRow<'a>>(&mut self, sql: &str) -> Result<Vec<T>> {
        mysql_proto_async::Conn::query_collect(self, sql).await
    }
    async fn query_drop(&mut self, sql: &str) -> Result<()> {
        mysql_proto_async::Conn::query_drop(self, sql).await
    }
    async fn ping(&mut self) -> Result<()> {
        mysql_proto_async::Conn::ping(self).await
    }
    async fn use_database(&mut self, db: &str) -> Result<()> {
        mysql_proto_async::Conn::use_database(self, db).await
    }
    async fn reset(&mut self) -> Result<()> {
        mysql_proto_async::Conn::reset(self).await
    }
    async fn close(self) -> Result<()> {
        mysql_proto_async::Conn::close(self).await
    }
    fn affected_rows(&self) -> u64 {
        mysql_proto_async::Conn::affected_rows(self)
    }
    fn last_insert_id(&self) -> u64 {
        mysql_proto_async::Conn::last_insert_id(self)
    }
    fn is_mariadb(&self) -> bool {
        self.server_info().is_mariadb
    }
    async fn results(&mut self, sql: &str) -> (Vec<String>, Option<Error>) {
        let mut out = Vec::new();
        let mut r = match self.query(sql).await {
            Ok(r) => r,
            Err(e) => return (out, Some(e)),
        };
        loop {
            match r.columns() {
                Some(c) => out.push(cols(c)),
                None => out.push(format!("ok:{}", r.ok().map_or(0, |o| o.affected_rows))),
            }
            loop {
                match r.next_row().await {
                    Ok(Some(row)) => out.push(render(row)),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
            match r.next_result().await {
                Ok(true) => {}
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }
    async fn read_some(&mut self, sql: &str, n: usize) -> Result<usize> {
        let mut r = self.query(sql).await?;
        let mut got = 0;
        while got < n && r.next_row().await?.is_some() {
            got += 1;
        }
        Ok(got)
    }
    async fn exec_collect<T: for<'a> FromRow<'a>>(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> Result<Vec<T>> {
        mysql_proto_async::Conn::exec_collect(self, sql, params).await
    }
    async fn exec_drop(&mut self, sql: &str, params: Vec<Value>) -> Result<()> {
        mysql_proto_async::Conn::exec_drop(self, sql, params).await
    }
    async fn exec_batch(&mut self, sql: &str, params: Vec<Vec<Value>>) -> Result<u64> {
        mysql_proto_async::Conn::exec_batch(self, sql, params).await
    }
    async fn exec_results(
        &mut self,
        sql: &str,
        params: Vec<Value>,
    ) -> (Vec<String>, Option<Error>) {
        let mut out = Vec::new();
        let mut r = match self.exec(sql, params).await {
            Ok(r) => r,
            Err(e) => return (out, Some(e)),
        };
        loop {
            match r.columns() {
                Some(c) => out.push(cols(c)),
                None => out.push(format!("ok:{}", r.ok().map_or(0, |o| o.affected_rows))),
            }
            loop {
                match r.next_row().await {
                    Ok(Some(row)) => out.push(render(row)),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
            match r.next_result().await {
                Ok(true) => {}
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }
    async fn count_seq(&mut self, sql: &str) -> (usize, Option<Error>) {
        let mut r = match self.query(sql).await {
            Ok(r) => r,
            Err(e) => return (0, Some(e)),
        };
        let mut n = 0;
        loop {
            match r.next_row().await {
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
        let st = self.prepare(sql).await?;
        let shape = (st.params().len(), st.columns().len());
        self.close_statement(st).await?;
        Ok(shape)
    }
    async fn run_pipeline(&mut self, steps: Vec<Step>) -> Result<Vec<Result<Output>>> {
        steps
            .into_iter()
            .fold(self.pipeline(), |p, s| p.push(s))
            .run()
            .await
    }
    async fn transaction(&mut self, opts: TxOpts, sql: &str, commit: bool) -> Result<()> {
        let mut tx = self.begin_with(opts)?;
        tx.query_drop(sql).await?;
        if commit {
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Runs a test future on an adapter's own executor, single-threaded.
pub trait Adapter {
    /// The connection type.
    type Conn: Client;
    /// Runs `f` to completion.
    fn block_on<F: Future>(f: F) -> F::Output;
}

/// The blocking adapter (futures-lite's `block_on`; its futures never wait).
pub struct Blocking;
impl Adapter for Blocking {
    type Conn = mysql_blocking::Conn;
    fn block_on<F: Future>(f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
}

/// tokio, on a current-thread runtime.
pub struct Tokio;
impl Adapter for Tokio {
    type Conn = mysql_tokio::Conn;
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
    fn block_on<F: Future>(f: F) -> F::Output {
        smol::block_on(f)
    }
}

/// async-std's `block_on` (the future runs on the calling thread).
pub struct AsyncStd;
impl Adapter for AsyncStd {
    type Conn = mysql_async_std::Conn;
    fn block_on<F: Future>(f: F) -> F::Output {
        async_std::task::block_on(f)
    }
}

/// Instantiates `$test::<Adapter>` as a `#[test]` for each of the four adapters.
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
    };
}
