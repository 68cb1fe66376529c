//! Peer: the `mysql` crate (blocking). `peer_mysql WORKLOAD URL`.

use mysql::prelude::*;
use mysql::{from_row, Conn, Row};
use mysql_e2e_bench::*;

const NAME: &str = "mysql";

type Big = BigOwned;

fn hash(row: Row) -> u64 {
    let r: Big = from_row(row);
    row_hash(r.0, r.1, &r.2, r.3, r.4, r.5, &r.6, r.7)
}

fn main() {
    let a = Args::parse();
    run(&a).unwrap_or_else(|e| fail(e));
}

fn run(a: &Args) -> mysql::Result<()> {
    let w = a.workload.as_str();
    let opts = mysql::Opts::from_url(&a.url).unwrap_or_else(|e| fail(e));
    // Same transport as every contestant: TCP loopback (the default would switch to the
    // server's Unix socket).
    let opts: mysql::Opts = mysql::OptsBuilder::from_opts(opts)
        .prefer_socket(false)
        .into();
    let mut c = Conn::new(opts.clone())?;
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let v: Option<i32> = c.query_first("SELECT 1")?;
                sum += v.unwrap() as u64;
            }
            m.finish(NAME, w, PING_N, sum, None);
        }
        "point" => {
            let st = c.prep(POINT_SQL)?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                for row in c.exec_iter(&st, (point_id(i),))? {
                    sum = sum.wrapping_add(hash(row?));
                }
            }
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" => {
            let st = c.prep(BIG_SQL)?;
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            if w == "big_text" {
                for row in c.query_iter(BIG_SQL)? {
                    sum = sum.wrapping_add(hash(row?));
                    n += 1;
                }
            } else {
                for row in c.exec_iter(&st, ())? {
                    sum = sum.wrapping_add(hash(row?));
                    n += 1;
                }
            }
            m.finish(NAME, w, n, sum, None);
        }
        "insert_batch" => {
            c.query_drop("TRUNCATE TABLE ins")?;
            let rows = insert_rows();
            let st = c.prep(INSERT_SQL)?;
            let m = Meter::start();
            c.exec_batch(
                &st,
                rows.iter()
                    .map(|r| (r.id, r.b, r.s.as_str(), r.d, r.dt, r.dc, r.t, r.n)),
            )?;
            let k: (i64, i64, i64, i64, i64) = c.query_first(INSERT_CHECK_SQL)?.unwrap();
            m.finish(
                NAME,
                w,
                BIG_ROWS,
                insert_check(k.0, k.1, k.2, k.3, k.4),
                None,
            );
        }
        "concurrent" => {
            let constraints = mysql::PoolConstraints::new(CONNS, CONNS).unwrap();
            let opts = mysql::OptsBuilder::from_opts(opts)
                .pool_opts(mysql::PoolOpts::default().with_constraints(constraints))
                .stmt_cache_size(16);
            let pool = mysql::Pool::new(opts)?;
            let warm: Vec<_> = (0..CONNS)
                .map(|_| {
                    let mut c = pool.get_conn()?;
                    c.prep(POINT_SQL)?;
                    Ok(c)
                })
                .collect::<mysql::Result<_>>()?;
            drop(warm);
            let m = Meter::start();
            let threads: Vec<_> = (0..tasks())
                .map(|t| {
                    let pool = pool.clone();
                    std::thread::spawn(move || -> mysql::Result<u64> {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let mut c = pool.get_conn()?;
                            for row in c.exec_iter(POINT_SQL, (point_id(i),))? {
                                sum = sum.wrapping_add(hash(row?));
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
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "idle" => {
            let before = rss_now_kb();
            let m = Meter::start();
            let conns: Vec<Conn> = (0..IDLE_CONNS)
                .map(|_| Conn::new(opts.clone()))
                .collect::<mysql::Result<_>>()?;
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(NAME, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}
