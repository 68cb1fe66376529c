//! The runtime floor: `floor ping|point|big_text|big_bin|big_text_raw|big_bin_raw URL blocking|tokio`.
//!
//! The `ping` and `point` workloads driven by the core (`mysql_proto::Connection`) through the
//! thinnest pump there is: a `std::net::TcpStream` read and write loop, or tokio's
//! `try_read`/`try_write` with `readable()`/`writable()` on a current-thread runtime. No
//! adapter, no timers, no coalescing, no statement cache. What the tokio floor costs more than
//! the blocking floor is what any client on tokio pays for its readiness wake-ups (one
//! `epoll_wait` per query and the runtime's park/unpark); set beside `ours` it shows how much of
//! ours-tokio's cost over ours-blocking is the adapter's own. `big_text_raw` / `big_bin_raw`
//! stream the 200,000-row table without decoding a value: the floor of streaming.

use mysql_e2e_bench::*;
use mysql_proto::{CommandId, Connection, Error, Event, IntoOpts, Result, Statement};

fn main() {
    let a = Args::parse();
    // Plain TCP, as for `ours` and every peer (the default, ssl-mode=preferred, would use TLS
    // with this server).
    let sep = if a.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}ssl-mode=disabled", a.url);
    let opts = url.as_str().into_opts().unwrap_or_else(|e| fail(e));
    let addr = (opts.host().to_string(), opts.port());
    let conn = Connection::new(opts);
    let r = match a.runtime.as_str() {
        "blocking" => blocking(conn, addr, &a.workload),
        "tokio" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail(e))
            .block_on(tokio_main(conn, addr, &a.workload)),
        other => fail(format!("runtime {other:?}: blocking or tokio")),
    };
    r.unwrap_or_else(|e| fail(e));
}

/// A byte pump between a socket and the core: std blocking calls or tokio readiness.
trait Pump {
    /// Runs the core until it has an event.
    async fn event(&mut self, conn: &mut Connection) -> Result<()>;
}

struct Std(std::net::TcpStream);

impl Pump for Std {
    async fn event(&mut self, conn: &mut Connection) -> Result<()> {
        use std::io::{Read, Write};
        loop {
            let ready = conn.advance()?;
            while !conn.pending_send().is_empty() {
                let n = self.0.write(conn.pending_send()).map_err(Error::io)?;
                conn.consume_send(n);
            }
            if ready {
                return Ok(());
            }
            let hint = conn.read_hint();
            match self.0.read(conn.recv_buf(hint)).map_err(Error::io)? {
                0 => conn.handle_eof(),
                n => conn.handle_recv(n),
            }
        }
    }
}

struct Tokio(tokio::net::TcpStream);

impl Pump for Tokio {
    async fn event(&mut self, conn: &mut Connection) -> Result<()> {
        use std::io::ErrorKind::WouldBlock;
        loop {
            let ready = conn.advance()?;
            while !conn.pending_send().is_empty() {
                match self.0.try_write(conn.pending_send()) {
                    Ok(n) => conn.consume_send(n),
                    Err(e) if e.kind() == WouldBlock => {
                        self.0.writable().await.map_err(Error::io)?
                    }
                    Err(e) => return Err(Error::io(e)),
                }
            }
            if ready {
                return Ok(());
            }
            let hint = conn.read_hint();
            match self.0.try_read(conn.recv_buf(hint)) {
                Ok(0) => conn.handle_eof(),
                Ok(n) => conn.handle_recv(n),
                Err(e) if e.kind() == WouldBlock => self.0.readable().await.map_err(Error::io)?,
                Err(e) => return Err(Error::io(e)),
            }
        }
    }
}

fn blocking(mut conn: Connection, addr: (String, u16), w: &str) -> Result<()> {
    let s = std::net::TcpStream::connect((addr.0.as_str(), addr.1)).map_err(Error::io)?;
    s.set_nodelay(true).map_err(Error::io)?;
    // A pump of plain blocking calls never awaits anything: one poll completes it.
    let fut = run("floor-blocking", &mut conn, Std(s), w);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::future::Future::poll(std::pin::pin!(fut), &mut cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => fail("a blocking pump was pending"),
    }
}

async fn tokio_main(mut conn: Connection, addr: (String, u16), w: &str) -> Result<()> {
    let s = tokio::net::TcpStream::connect((addr.0.as_str(), addr.1))
        .await
        .map_err(Error::io)?;
    s.set_nodelay(true).map_err(Error::io)?;
    run("floor-tokio", &mut conn, Tokio(s), w).await
}

async fn run(name: &str, conn: &mut Connection, mut io: impl Pump, w: &str) -> Result<()> {
    // The handshake.
    loop {
        io.event(conn).await?;
        if let Some(Event::Connected(_)) = conn.event() {
            break;
        }
    }
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let id = conn.query("SELECT 1")?;
                sum += rows(conn, &mut io, id, |r| Ok(r.decode::<(i32,)>()?.0 as u64)).await?;
            }
            m.finish(name, w, PING_N, sum, None);
        }
        "point" => {
            let st = prepare(conn, &mut io, POINT_SQL).await?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                let id = conn.execute_params(&st, &(point_id(i),))?;
                sum = sum.wrapping_add(rows(conn, &mut io, id, hash).await?);
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" | "big_text_raw" | "big_bin_raw" => {
            // The 200,000-row table streamed through the core: decoded and hashed as `ours`
            // does, or (`_raw`) only framed and checked, each row's length summed: what
            // receiving the rows costs before any value is decoded.
            let raw = w.ends_with("_raw");
            let id = if w.starts_with("big_text") {
                conn.query(BIG_SQL)?
            } else {
                let st = prepare(conn, &mut io, BIG_SQL).await?;
                conn.execute_params(&st, &())?
            };
            let m = Meter::start();
            let n = std::cell::Cell::new(0usize);
            let sum = rows(conn, &mut io, id, |r| {
                n.set(n.get() + 1);
                if raw {
                    Ok(r.payload().len() as u64)
                } else {
                    hash(r)
                }
            })
            .await?;
            m.finish(name, w, n.get(), sum, None);
        }
        other => fail(format!(
            "floor runs ping, point, big_text(_raw), big_bin(_raw), not {other}"
        )),
    }
    Ok(())
}

/// Reads command `id` to its end, summing `f` over its rows.
async fn rows(
    conn: &mut Connection,
    io: &mut impl Pump,
    id: CommandId,
    f: impl Fn(mysql_proto::RowRef<'_>) -> Result<u64>,
) -> Result<u64> {
    let mut sum = 0u64;
    while conn.is_in_flight(id) {
        io.event(conn).await?;
        if let Some(row) = conn.row() {
            sum = sum.wrapping_add(f(row)?);
        } else if let Some(Event::ServerError { error, .. }) = conn.event() {
            return Err(Error::protocol(format!("server error: {error:?}")));
        }
    }
    Ok(sum)
}

/// Prepares `sql`.
async fn prepare(conn: &mut Connection, io: &mut impl Pump, sql: &str) -> Result<Statement> {
    let id = conn.prepare(sql)?;
    io.event(conn).await?;
    let st: Statement = match conn.event() {
        Some(Event::Prepared { statement, .. }) => statement.clone(),
        other => return Err(Error::protocol(format!("prepare: {other:?}"))),
    };
    finish(conn, io, id).await?;
    Ok(st)
}

async fn finish(conn: &mut Connection, io: &mut impl Pump, id: CommandId) -> Result<()> {
    while conn.is_in_flight(id) {
        io.event(conn).await?;
    }
    Ok(())
}

/// The same hash as `ours` (the point row decoded into the same typed values).
fn hash(row: mysql_proto::RowRef<'_>) -> Result<u64> {
    type Big<'a> = (
        i32,
        i64,
        &'a str,
        f64,
        chrono::NaiveDateTime,
        rust_decimal::Decimal,
        &'a str,
        Option<i32>,
    );
    let r: Big<'_> = row.decode()?;
    Ok(row_hash(r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7))
}
