//! Peer: `zero-mysql` (its blocking API). `peer_zero_mysql WORKLOAD URL`.
//!
//! `big_text` is not run: zero-mysql hands text rows over as raw payloads with no typed
//! decoding, so there is no driver work to compare.

use std::sync::{Arc, Mutex};

use mysql_e2e_bench::*;
use zero_mysql::protocol::command::bulk_exec::BulkFlags;
use zero_mysql::sync::Conn;

const NAME: &str = "zero-mysql";

// exec_foreach takes owned rows only (`for<'buf> FromRow<'buf>`).
type Big = BigOwned;

fn main() {
    let a = Args::parse();
    run(&a).unwrap_or_else(|e| fail(e));
}

fn opts(url: &str) -> zero_mysql::Opts {
    let mut o = zero_mysql::Opts::try_from(url).unwrap_or_else(|e| fail(e));
    // Same transport as every contestant: TCP loopback, no switch to the Unix socket.
    o.upgrade_to_unix_socket = false;
    o
}

fn run(a: &Args) -> zero_mysql::error::Result<()> {
    let w = a.workload.as_str();
    let mut c = Conn::new(opts(&a.url))?;
    match w {
        "ping" => {
            // zero-mysql's text protocol has no typed decoding: ping with COM_QUERY and count
            // the rows through its handler.
            let m = Meter::start();
            let mut sum = 0u64;
            for _ in 0..PING_N {
                let mut h = OneInt(0);
                c.query("SELECT 1", &mut h)?;
                sum += h.0;
            }
            m.finish(NAME, w, PING_N, sum, None);
        }
        "point" => {
            let mut st = c.prepare(POINT_SQL)?;
            let m = Meter::start();
            let mut sum = 0u64;
            for i in 0..POINT_N {
                c.exec_foreach(&mut st, (point_id(i),), |r: Big| {
                    sum = sum.wrapping_add(row_hash(r.0, r.1, &r.2, r.3, r.4, r.5, &r.6, r.7));
                    Ok(())
                })?;
            }
            m.finish(NAME, w, POINT_N, sum, None);
        }
        "big_bin" => {
            let mut st = c.prepare(BIG_SQL)?;
            let m = Meter::start();
            let (mut sum, mut n) = (0u64, 0);
            c.exec_foreach(&mut st, (), |r: Big| {
                sum = sum.wrapping_add(row_hash(r.0, r.1, &r.2, r.3, r.4, r.5, &r.6, r.7));
                n += 1;
                Ok(())
            })?;
            m.finish(NAME, w, n, sum, None);
        }
        "insert_batch" => {
            c.query_drop("TRUNCATE TABLE ins")?;
            let rows = insert_rows();
            let mut st = c.prepare(INSERT_SQL)?;
            let m = Meter::start();
            // zero-mysql's batching: MariaDB bulk execute, 1,000 rows per command (its README's
            // advice).
            for chunk in rows.chunks(1000) {
                let params: Vec<_> = chunk
                    .iter()
                    .map(|r| (r.id, r.b, r.s.as_str(), r.d, r.dt, &r.dc, r.t, r.n))
                    .collect();
                c.exec_bulk_insert_or_update(
                    &mut st,
                    params.as_slice(),
                    BulkFlags::SEND_TYPES_TO_SERVER,
                    &mut zero_mysql::handler::DropHandler::default(),
                )?;
            }
            let mut chk = c.prepare(INSERT_CHECK_SQL)?;
            let k: (i64, i64, i64, i64, i64) = c.exec_first(&mut chk, ())?.unwrap();
            m.finish(
                NAME,
                w,
                BIG_ROWS,
                insert_check(k.0, k.1, k.2, k.3, k.4),
                None,
            );
        }
        "concurrent" => {
            // Its pool pings on every checkout; like ours-blocking, 64 threads share 8
            // connections behind mutexes instead.
            let conns: Vec<_> = (0..CONNS)
                .map(|_| {
                    let mut c = Conn::new(opts(&a.url))?;
                    let st = c.prepare(POINT_SQL)?;
                    Ok(Arc::new(Mutex::new((c, st))))
                })
                .collect::<zero_mysql::error::Result<_>>()?;
            let m = Meter::start();
            let threads: Vec<_> = (0..tasks())
                .map(|t| {
                    let slot = conns[t % CONNS].clone();
                    std::thread::spawn(move || -> zero_mysql::error::Result<u64> {
                        let mut sum = 0u64;
                        for i in (t..POINT_N).step_by(tasks()) {
                            let mut g = slot.lock().unwrap();
                            let (c, st) = &mut *g;
                            c.exec_foreach(st, (point_id(i),), |r: Big| {
                                sum = sum.wrapping_add(row_hash(
                                    r.0, r.1, &r.2, r.3, r.4, r.5, &r.6, r.7,
                                ));
                                Ok(())
                            })?;
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
                .map(|_| Conn::new(opts(&a.url)))
                .collect::<zero_mysql::error::Result<_>>()?;
            let per = (rss_now_kb() - before) as f64 / IDLE_CONNS as f64;
            m.finish(NAME, w, conns.len(), 0, Some(per));
        }
        other => fail(format!("workload {other} not run for zero-mysql")),
    }
    Ok(())
}

/// Reads the single integer of `SELECT 1` from a text row (length byte, digits).
struct OneInt(u64);

impl zero_mysql::protocol::r#trait::TextResultSetHandler for OneInt {
    fn no_result_set(
        &mut self,
        _: zero_mysql::protocol::response::OkPayloadBytes,
    ) -> zero_mysql::error::Result<()> {
        Ok(())
    }
    fn resultset_start(
        &mut self,
        _: &[zero_mysql::protocol::command::ColumnDefinition<'_>],
    ) -> zero_mysql::error::Result<()> {
        Ok(())
    }
    fn row(
        &mut self,
        _: &[zero_mysql::protocol::command::ColumnDefinition<'_>],
        row: zero_mysql::protocol::TextRowPayload<'_>,
    ) -> zero_mysql::error::Result<()> {
        let p = row.0;
        let digits = &p[1..1 + p[0] as usize];
        self.0 += std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        Ok(())
    }
    fn resultset_end(
        &mut self,
        _: zero_mysql::protocol::response::OkPayloadBytes,
    ) -> zero_mysql::error::Result<()> {
        Ok(())
    }
}
