//! This project's contestant: `ours WORKLOAD URL blocking|tokio|tokio-shared|tokio-mux|compio|compio-shared`.

use chrono::NaiveDateTime;
use mysql_e2e_bench::*;
use rust_decimal::Decimal;

type Big<'a> = (
    i32,
    i64,
    &'a str,
    f64,
    NaiveDateTime,
    Decimal,
    &'a str,
    Option<i32>,
);

fn hash(r: Big<'_>) -> u64 {
    row_hash(r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7)
}

/// One inserted row as parameters: a tuple borrowing the row (encoded without copies).
type InsertParams<'a> = (
    i32,
    i64,
    &'a str,
    f64,
    NaiveDateTime,
    &'a Decimal,
    &'a str,
    Option<i32>,
);

fn params(r: &InsertRow) -> InsertParams<'_> {
    (r.id, r.b, r.s.as_str(), r.d, r.dt, &r.dc, r.t, r.n)
}

/// Shared connections of `tokio-mux` (the server runs each connection on one thread: one per
/// core of this machine).
const MUX_CONNS: usize = 2;

fn main() {
    let mut a = Args::parse();
    // Like every peer here: plain TCP. (Our default, ssl-mode=preferred, would use TLS with
    // this server, which has a certificate.)
    let sep = if a.url.contains('?') { '&' } else { '?' };
    a.url = format!("{}{sep}ssl-mode=disabled", a.url);
    match a.runtime.as_str() {
        "blocking" => blocking(&a).unwrap_or_else(|e| fail(e)),
        "tokio" | "tokio-shared" | "tokio-mux" => {
            let rt = if a.workload == "concurrent" {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
            } else {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            };
            rt.unwrap()
                .block_on(tokio_main(&a))
                .unwrap_or_else(|e| fail(e))
        }
        "compio" | "compio-shared" => compio_main(&a).unwrap_or_else(|e| fail(e)),
        other => fail(format!("runtime {other:?}: blocking, tokio or compio")),
    }
}

fn blocking(a: &Args) -> mysql_proto::Result<()> {
    use mysql_blocking::Conn;
    let name = "ours-blocking";
    let mut c = Conn::connect(a.url.as_str())?;
    let w = a.workload.as_str();
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let v: Option<(i32,)> = c.query_first("SELECT 1")?;
                sum += v.unwrap().0 as u64;
            }
            m.finish(name, w, PING_N, sum, None);
        }
        "point" => {
            let st = c.prepare(POINT_SQL)?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                let mut r = c.exec(&st, (point_id(i),))?;
                while let Some(row) = r.next_row()? {
                    sum = sum.wrapping_add(hash(row.decode()?));
                }
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "point_pipelined" => {
            let st = c.prepare(POINT_SQL)?;
            let m = Meter::start();
            let mut sum = 0u64;
            for chunk in 0..POINT_N / PIPELINE {
                let mut p = c.pipeline();
                for i in 0..PIPELINE {
                    p = p.exec(&st, (point_id(chunk * PIPELINE + i),));
                }
                for out in p.run()? {
                    for row in &out?.results[0].rows {
                        sum = sum.wrapping_add(hash(row.decode()?));
                    }
                }
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" => {
            let st = c.prepare(BIG_SQL)?;
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            let mut r = if w == "big_text" {
                c.query(BIG_SQL)?
            } else {
                c.exec(&st, ())?
            };
            while let Some(row) = r.next_row()? {
                sum = sum.wrapping_add(hash(row.decode()?));
                n += 1;
            }
            m.finish(name, w, n, sum, None);
        }
        "insert_batch" => {
            c.query_drop("TRUNCATE TABLE ins")?;
            let rows = insert_rows();
            let st = c.prepare(INSERT_SQL)?;
            let m = Meter::start();
            c.exec_batch(&st, rows.iter().map(params))?;
            let m2 = m;
            let check: Option<(i64, i64, i64, i64, i64)> = c.query_first(INSERT_CHECK_SQL)?;
            let k = check.unwrap();
            m2.finish(
                name,
                w,
                BIG_ROWS,
                insert_check(k.0, k.1, k.2, k.3, k.4),
                None,
            );
        }
        "concurrent" => {
            // The pool, as the peers use theirs: every connection opened and the statement
            // prepared (its cache) before measuring.
            let pool = mysql_blocking::Pool::new(format!("{}&pool-max={CONNS}", a.url))?;
            let warm = (0..CONNS)
                .map(|_| pool.get())
                .collect::<mysql_proto::Result<Vec<_>>>()?;
            for mut c in warm {
                c.exec_drop(POINT_SQL, (point_id(0),))?;
            }
            let m = Meter::start();
            let threads: Vec<_> = (0..tasks())
                .map(|t| {
                    let pool = pool.clone();
                    std::thread::spawn(move || -> mysql_proto::Result<u64> {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let mut c = pool.get()?;
                            let mut r = c.exec(POINT_SQL, (point_id(i),))?;
                            while let Some(row) = r.next_row()? {
                                sum = sum.wrapping_add(hash(row.decode()?));
                            }
                        }
                        Ok(sum)
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in threads {
                sum = sum.wrapping_add(t.join().unwrap()?);
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "idle" => {
            let before = rss_now_kb();
            let m = Meter::start();
            let conns: Vec<Conn> = (0..IDLE_CONNS)
                .map(|_| Conn::connect(a.url.as_str()))
                .collect::<mysql_proto::Result<_>>()?;
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(name, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}

async fn tokio_main(a: &Args) -> mysql_proto::Result<()> {
    use mysql_tokio::Conn;
    let name = match a.runtime.as_str() {
        "tokio-shared" => "ours-shared",
        "tokio-mux" => "ours-mux",
        _ => "ours-tokio",
    };
    let mut c = Conn::connect(a.url.as_str()).await?;
    let w = a.workload.as_str();
    match w {
        "ping" | "point" | "point_pipelined" | "big_text" | "big_bin" | "insert_batch" => {
            sequential(name, w, &mut c).await?
        }
        "concurrent" if a.runtime != "tokio" => {
            // One connection shared by every task (`tokio-shared`) or a MuxPool of shared
            // connections (`tokio-mux`): statements pipelined, no checkout per query. Each
            // connection is opened and the statement prepared (cached) before measuring.
            let size = if a.runtime == "tokio-shared" {
                1
            } else {
                MUX_CONNS
            };
            let pool = mysql_tokio::MuxPool::connect(a.url.as_str(), size).await?;
            let warm: Vec<tokio::task::JoinHandle<mysql_proto::Result<()>>> = (0..size)
                .map(|_| {
                    let pool = pool.clone();
                    async move {
                        let c = pool.get().await?;
                        c.exec_drop("SELECT SLEEP(0.05)", ()).await?;
                        c.exec_drop(POINT_SQL, (point_id(0),)).await?;
                        mysql_proto::Result::Ok(())
                    }
                })
                .map(tokio::spawn)
                .collect();
            for t in warm {
                t.await.unwrap()?;
            }
            let m = Meter::start();
            let tasks: Vec<tokio::task::JoinHandle<mysql_proto::Result<u64>>> = (0..tasks())
                .map(|t| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let c = pool.get().await?;
                            for row in c.exec_rows(POINT_SQL, (point_id(i),)).await? {
                                sum = sum.wrapping_add(hash(row.decode()?));
                            }
                        }
                        mysql_proto::Result::Ok(sum)
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in tasks {
                sum = sum.wrapping_add(t.await.unwrap()?);
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "concurrent" => {
            // The pool, as the peers use theirs: every connection opened and the statement
            // prepared (its cache) before measuring.
            let pool = mysql_tokio::Pool::new(format!("{}&pool-max={CONNS}", a.url))?;
            let mut warm = Vec::new();
            for _ in 0..CONNS {
                warm.push(pool.get().await?);
            }
            for c in &mut warm {
                c.exec_drop(POINT_SQL, (point_id(0),)).await?;
            }
            drop(warm);
            let m = Meter::start();
            let tasks: Vec<tokio::task::JoinHandle<mysql_proto::Result<u64>>> = (0..tasks())
                .map(|t| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let mut c = pool.get().await?;
                            let mut r = c.exec(POINT_SQL, (point_id(i),)).await?;
                            while let Some(row) = r.next_row().await? {
                                sum = sum.wrapping_add(hash(row.decode()?));
                            }
                        }
                        mysql_proto::Result::Ok(sum)
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in tasks {
                sum = sum.wrapping_add(t.await.unwrap()?);
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "idle" => {
            let before = rss_now_kb();
            let m = Meter::start();
            let mut conns = Vec::new();
            for _ in 0..IDLE_CONNS {
                conns.push(Conn::connect(a.url.as_str()).await?);
            }
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(name, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}

/// The one-connection workloads, on any runtime of the async client.
async fn sequential<R: mysql_proto_async::Runtime>(
    name: &str,
    w: &str,
    c: &mut mysql_proto_async::Conn<R>,
) -> mysql_proto::Result<()> {
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let v: Option<(i32,)> = c.query_first("SELECT 1").await?;
                sum += v.unwrap().0 as u64;
            }
            m.finish(name, w, PING_N, sum, None);
        }
        "point" => {
            let st = c.prepare(POINT_SQL).await?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                let mut r = c.exec(&st, (point_id(i),)).await?;
                while let Some(row) = r.next_row().await? {
                    sum = sum.wrapping_add(hash(row.decode()?));
                }
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "point_pipelined" => {
            let st = c.prepare(POINT_SQL).await?;
            let m = Meter::start();
            let mut sum = 0u64;
            for chunk in 0..POINT_N / PIPELINE {
                let mut p = c.pipeline();
                for i in 0..PIPELINE {
                    p = p.exec(&st, (point_id(chunk * PIPELINE + i),));
                }
                for out in p.run().await? {
                    for row in &out?.results[0].rows {
                        sum = sum.wrapping_add(hash(row.decode()?));
                    }
                }
            }
            m.finish(name, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" => {
            let st = c.prepare(BIG_SQL).await?;
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            let mut r = if w == "big_text" {
                c.query(BIG_SQL).await?
            } else {
                c.exec(&st, ()).await?
            };
            while let Some(row) = r.next_row().await? {
                sum = sum.wrapping_add(hash(row.decode()?));
                n += 1;
            }
            m.finish(name, w, n, sum, None);
        }
        "insert_batch" => {
            c.query_drop("TRUNCATE TABLE ins").await?;
            let rows = insert_rows();
            let st = c.prepare(INSERT_SQL).await?;
            let m = Meter::start();
            c.exec_batch(&st, rows.iter().map(params)).await?;
            let check: Option<(i64, i64, i64, i64, i64)> = c.query_first(INSERT_CHECK_SQL).await?;
            let k = check.unwrap();
            m.finish(
                name,
                w,
                BIG_ROWS,
                insert_check(k.0, k.1, k.2, k.3, k.4),
                None,
            );
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}

/// `ours-compio`: the sequential workloads on compio (io_uring), one thread; with
/// `compio-shared`, `concurrent`: every task on one thread sharing one `SharedConn`.
fn compio_main(a: &Args) -> mysql_proto::Result<()> {
    let rt = compio::runtime::Runtime::new().map_err(mysql_proto::Error::io)?;
    eprintln!("compio driver: {:?}", rt.driver_type());
    rt.block_on(async {
        if a.runtime == "compio-shared" {
            return compio_shared(a).await;
        }
        let mut c = mysql_compio::Conn::connect(a.url.as_str()).await?;
        sequential("ours-compio", a.workload.as_str(), &mut c).await
    })
}

/// `concurrent` on one compio thread: `tasks()` tasks pipelining over one shared connection
/// (the statement prepared before measuring).
async fn compio_shared(a: &Args) -> mysql_proto::Result<()> {
    let (name, w) = ("ours-compio-shared", a.workload.as_str());
    if w != "concurrent" {
        fail(format!("{name} runs `concurrent` only, not {w}"));
    }
    let c = mysql_compio::SharedConn::connect(a.url.as_str()).await?;
    c.exec_drop(POINT_SQL, (point_id(0),)).await?;
    let m = Meter::start();
    let tasks: Vec<compio::runtime::JoinHandle<mysql_proto::Result<u64>>> = (0..tasks())
        .map(|t| {
            let c = c.clone();
            compio::runtime::spawn(async move {
                let mut sum = 0u64;
                for i in (t..POINT_N).step_by(tasks()) {
                    for row in c.exec_rows(POINT_SQL, (point_id(i),)).await? {
                        sum = sum.wrapping_add(hash(row.decode()?));
                    }
                }
                mysql_proto::Result::Ok(sum)
            })
        })
        .collect();
    let mut sum = 0u64;
    for t in tasks {
        sum = sum.wrapping_add(t.await.expect("a task")?);
    }
    m.finish(name, w, POINT_N, sum, None);
    Ok(())
}
