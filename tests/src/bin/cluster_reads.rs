//! The same read load over one Galera node and over all three: a benchmark runner writing a
//! report (not a test). Needs the cluster (`scripts/cluster.sh start`).
//!
//! ```text
//! cargo run --release -p integration-tests --bin cluster-reads -- [SECONDS] [TASKS]
//! ```
//!
//! TASKS tokio tasks (default 64) run point `SELECT`s by primary key through one
//! `mysql_tokio::Pool` (round-robin, `pool-max` = TASKS) for SECONDS (default 10) against
//! `g1` alone, then against `g1,g2,g3`; it prints queries per second, the median and p99
//! latency, and the client's CPU time per query (user + system, from `/proc/self/stat`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::root;

fn node_url(which: &str) -> String {
    let out = std::process::Command::new(root().join("scripts/cluster.sh"))
        .args(["url", which])
        .output()
        .expect("scripts/cluster.sh");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// This process's CPU time so far (user + system), from `/proc/self/stat` (clock ticks of
/// 1/100 s).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the command name: state is field 0, utime field 11, stime field 12.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

struct Run {
    queries: usize,
    wall: Duration,
    cpu: Duration,
    latencies: Vec<Duration>,
}

fn run(url: &str, seconds: u64, tasks: usize) -> Run {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let url = format!("{url}?load-balance=round-robin&pool-max={tasks}");
    let pool = mysql_tokio::Pool::new(url.as_str()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    // Warm the pool: every task's connection opened before the clock starts.
    rt.block_on(async {
        let mut held = Vec::new();
        for _ in 0..tasks {
            held.push(pool.get().await.unwrap());
        }
    });
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let (pool, stop, latencies) = (pool.clone(), stop.clone(), latencies.clone());
            rt.spawn(async move {
                let mut mine = Vec::new();
                let mut id = task as u32;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let mut c = pool.get().await.unwrap();
                    let row: Option<(u32, String)> = c
                        .exec_first(
                            "SELECT id, v FROM test.rs_reads WHERE id = ?",
                            (id % 10_000 + 1,),
                        )
                        .await
                        .unwrap();
                    assert!(row.is_some());
                    drop(c);
                    mine.push(started.elapsed());
                    id = id.wrapping_add(7919);
                }
                latencies.lock().unwrap().extend(mine);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    let (wall, cpu) = (wall0.elapsed(), cpu_time() - cpu0);
    pool.close();
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort();
    Run {
        queries: latencies.len(),
        wall,
        cpu,
        latencies,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let tasks: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    let mut setup = integration_tests::blocking(&node_url("g1"));
    setup
        .query_drop(
            "CREATE TABLE IF NOT EXISTS test.rs_reads (id INT PRIMARY KEY, v VARCHAR(40)); \
             INSERT IGNORE INTO test.rs_reads SELECT seq, CONCAT('row-', seq) FROM seq_1_to_10000",
        )
        .unwrap();
    println!("| hosts | queries/s | median | p99 | client CPU per query |");
    println!("|---|---|---|---|---|");
    for (name, url) in [("g1", node_url("g1")), ("g1,g2,g3", node_url("galera"))] {
        let r = run(&url, seconds, tasks);
        let pct = |p: usize| r.latencies[(r.latencies.len() * p).div_ceil(100).max(1) - 1];
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {:.1} µs |",
            r.queries as f64 / r.wall.as_secs_f64(),
            pct(50).as_secs_f64() * 1e3,
            pct(99).as_secs_f64() * 1e3,
            r.cpu.as_secs_f64() * 1e6 / r.queries.max(1) as f64,
        );
    }
}
