//! Peer: the `mysql_async` crate (tokio). `peer_mysql_async WORKLOAD URL`.

use mysql_async::prelude::*;
use mysql_async::{from_row, Conn, Row};
use mysql_e2e_bench::*;

const NAME: &str = "mysql_async";

type Big = BigOwned;

fn hash(row: Row) -> u64 {
    let r: Big = from_row(row);
    row_hash(r.0, r.1, &r.2, r.3, r.4, r.5, &r.6, r.7)
}

fn main() {
    let a = Args::parse();
    let rt = if a.workload == "concurrent" {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    rt.unwrap().block_on(run(&a)).unwrap_or_else(|e| fail(e));
}

async fn run(a: &Args) -> mysql_async::Result<()> {
    let w = a.workload.as_str();
    let opts = mysql_async::Opts::from_url(&a.url).unwrap_or_else(|e| fail(e));
    // Same transport as every contestant: TCP loopback (the default would switch to the
    // server's Unix socket).
    let opts: mysql_async::Opts = mysql_async::OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .into();
    let mut c = Conn::new(opts.clone()).await?;
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let v: Option<i32> = c.query_first("SELECT 1").await?;
                sum += v.unwrap() as u64;
            }
            m.finish(NAME, w, PING_N, sum, None);
        }
        "point" => {
            let st = c.prep(POINT_SQL).await?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                let rows: Vec<Row> = c.exec(&st, (point_id(i),)).await?;
                for row in rows {
                    sum = sum.wrapping_add(hash(row));
                }
            }
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" => {
            let st = c.prep(BIG_SQL).await?;
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            let mut each = |row| {
                sum = sum.wrapping_add(hash(row));
                n += 1;
            };
            if w == "big_text" {
                c.query_iter(BIG_SQL).await?.for_each(&mut each).await?;
            } else {
                c.exec_iter(&st, ()).await?.for_each(&mut each).await?;
            }
            m.finish(NAME, w, n, sum, None);
        }
        "insert_batch" => {
            c.query_drop("TRUNCATE TABLE ins").await?;
            let rows = insert_rows();
            let st = c.prep(INSERT_SQL).await?;
            let m = Meter::start();
            c.exec_batch(
                &st,
                rows.iter()
                    .map(|r| (r.id, r.b, r.s.as_str(), r.d, r.dt, r.dc, r.t, r.n)),
            )
            .await?;
            let k: (i64, i64, i64, i64, i64) = c.query_first(INSERT_CHECK_SQL).await?.unwrap();
            m.finish(
                NAME,
                w,
                BIG_ROWS,
                insert_check(k.0, k.1, k.2, k.3, k.4),
                None,
            );
        }
        "concurrent" => {
            let constraints = mysql_async::PoolConstraints::new(CONNS, CONNS).unwrap();
            let pool_opts = mysql_async::PoolOpts::default().with_constraints(constraints);
            let opts = mysql_async::OptsBuilder::from_opts(opts)
                .pool_opts(pool_opts)
                .stmt_cache_size(16);
            let pool = mysql_async::Pool::new(opts);
            // Open the connections and prepare before measuring.
            let mut warm = Vec::new();
            for _ in 0..CONNS {
                let mut c = pool.get_conn().await?;
                c.prep(POINT_SQL).await?;
                warm.push(c);
            }
            drop(warm);
            let m = Meter::start();
            let tasks: Vec<_> = (0..tasks())
                .map(|t| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let mut c = pool.get_conn().await?;
                            let rows: Vec<Row> = c.exec(POINT_SQL, (point_id(i),)).await?;
                            for row in rows {
                                sum = sum.wrapping_add(hash(row));
                            }
                        }
                        mysql_async::Result::Ok(sum)
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in tasks {
                sum = sum.wrapping_add(t.await.unwrap()?);
            }
            m.finish(NAME, w, POINT_N, sum, None);
            pool.disconnect().await?;
        }
        "idle" => {
            let before = rss_now_kb();
            let m = Meter::start();
            let mut conns = Vec::new();
            for _ in 0..IDLE_CONNS {
                conns.push(Conn::new(opts.clone()).await?);
            }
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(NAME, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}
