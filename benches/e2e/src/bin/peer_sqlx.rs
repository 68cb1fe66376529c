//! Peer: `sqlx` (MySQL driver, tokio). `peer_sqlx WORKLOAD URL`.

use chrono::NaiveDateTime;
use futures_util::TryStreamExt;
use mysql_e2e_bench::*;
use rust_decimal::Decimal;
use sqlx::mysql::{MySqlConnection, MySqlPoolOptions, MySqlRow};
use sqlx::{Connection, Executor, MySql, QueryBuilder, Row};

const NAME: &str = "sqlx";

fn hash(r: &MySqlRow) -> Result<u64, sqlx::Error> {
    Ok(row_hash(
        r.try_get::<i32, _>(0)?,
        r.try_get::<i64, _>(1)?,
        r.try_get::<&str, _>(2)?,
        r.try_get::<f64, _>(3)?,
        r.try_get::<NaiveDateTime, _>(4)?,
        r.try_get::<Decimal, _>(5)?,
        r.try_get::<&str, _>(6)?,
        r.try_get::<Option<i32>, _>(7)?,
    ))
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

async fn run(a: &Args) -> Result<(), sqlx::Error> {
    let w = a.workload.as_str();
    let mut c = MySqlConnection::connect(&a.url).await?;
    match w {
        "ping" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                // A plain string runs as COM_QUERY (text protocol), like the other contestants.
                let row = (&mut c).fetch_one("SELECT 1").await?;
                sum += row.try_get::<i32, _>(0)? as u64;
            }
            m.finish(NAME, w, PING_N, sum, None);
        }
        "point" => {
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                let mut rows = sqlx::query(POINT_SQL).bind(point_id(i)).fetch(&mut c);
                while let Some(row) = rows.try_next().await? {
                    sum = sum.wrapping_add(hash(&row)?);
                }
            }
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "big_text" | "big_bin" => {
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            let mut rows = if w == "big_text" {
                (&mut c).fetch(BIG_SQL)
            } else {
                sqlx::query(BIG_SQL).fetch(&mut c)
            };
            while let Some(row) = rows.try_next().await? {
                sum = sum.wrapping_add(hash(&row)?);
                n += 1;
            }
            drop(rows);
            m.finish(NAME, w, n, sum, None);
        }
        "insert_batch" => {
            (&mut c).execute("TRUNCATE TABLE ins").await?;
            let rows = insert_rows();
            let m = Meter::start();
            // sqlx's batching: multi-row INSERTs built with QueryBuilder, 1,000 rows each.
            for chunk in rows.chunks(1000) {
                let mut q: QueryBuilder<MySql> =
                    QueryBuilder::new("INSERT INTO ins (id, b, s, d, dt, dc, t, n) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(r.id)
                        .push_bind(r.b)
                        .push_bind(r.s.as_str())
                        .push_bind(r.d)
                        .push_bind(r.dt)
                        .push_bind(r.dc)
                        .push_bind(r.t)
                        .push_bind(r.n);
                });
                q.build().persistent(false).execute(&mut c).await?;
            }
            let k = (&mut c).fetch_one(INSERT_CHECK_SQL).await?;
            let g = |i| k.try_get::<i64, _>(i);
            m.finish(
                NAME,
                w,
                BIG_ROWS,
                insert_check(g(0)?, g(1)?, g(2)?, g(3)?, g(4)?),
                None,
            );
        }
        "concurrent" => {
            let pool = MySqlPoolOptions::new()
                .max_connections(CONNS as u32)
                .min_connections(CONNS as u32)
                .connect(&a.url)
                .await?;
            // Open every connection and prepare before measuring.
            let mut warm = Vec::new();
            for _ in 0..CONNS {
                let mut c = pool.acquire().await?;
                sqlx::query(POINT_SQL).bind(1).fetch_all(&mut *c).await?;
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
                            let rows = sqlx::query(POINT_SQL)
                                .bind(point_id(i))
                                .fetch_all(&pool)
                                .await?;
                            for row in &rows {
                                sum = sum.wrapping_add(hash(row)?);
                            }
                        }
                        Result::<u64, sqlx::Error>::Ok(sum)
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in tasks {
                sum = sum.wrapping_add(t.await.unwrap()?);
            }
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "idle" => {
            let before = rss_now_kb();
            let m = Meter::start();
            let mut conns = Vec::new();
            for _ in 0..IDLE_CONNS {
                conns.push(MySqlConnection::connect(&a.url).await?);
            }
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(NAME, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("unknown workload {other}")),
    }
    Ok(())
}
