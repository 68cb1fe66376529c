//! The pool under load, on every adapter in turn: alone in its test binary, so the resident
//! memory it watches is its own (the other tests of a binary run in the same process).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use integration_tests::client::{
    Adapter, AsyncStd, Blocking, Client, Compio, PoolClient, Smol, Tokio,
};
use integration_tests::{url, Watchdog};

#[test]
fn load_over_a_small_pool_on_every_adapter() {
    load_over_a_small_pool::<Blocking>();
    load_over_a_small_pool::<Tokio>();
    load_over_a_small_pool::<Smol>();
    load_over_a_small_pool::<AsyncStd>();
    load_over_a_small_pool::<Compio>();
}

fn pool_url(options: &str) -> String {
    let u = url();
    let sep = if u.contains('?') { '&' } else { '?' };
    format!("{u}{sep}{options}")
}

/// Many callers over a small pool for a while (by default 200 callers, 16 connections, 2 s;
/// `POOL_LOAD_TASKS`, `POOL_LOAD_CONNS`, `POOL_LOAD_SECS` scale it up): no error, every
/// answer right, counts exact at the end, resident memory flat after the first quarter.
fn load_over_a_small_pool<A: Adapter>() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (tasks, conns, secs) = (
        env("POOL_LOAD_TASKS", 200) as usize,
        env("POOL_LOAD_CONNS", 16),
        env("POOL_LOAD_SECS", 2),
    );
    let _w = Watchdog::new("load_over_a_small_pool", Duration::from_secs(secs + 120));
    let pool = A::Pool::new(&pool_url(&format!("pool-max={conns}&acquire-timeout=60s"))).unwrap();
    let run = Duration::from_secs(secs);
    let end = Instant::now() + run;
    let errors = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let rss = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut samples = Vec::new();
            std::thread::sleep(run / 4);
            while !done.load(Ordering::Relaxed) {
                samples.push(resident_kib());
                std::thread::sleep(Duration::from_millis(100));
            }
            samples
        });
        let served = A::concurrently(tasks, |i| {
            let (pool, errors) = (pool.clone(), &errors);
            async move {
                let mut n = 0u64;
                while Instant::now() < end {
                    let sql = format!("SELECT {i}, {n}");
                    let ok = match pool.get().await {
                        Ok(mut c) => c.query_collect::<(u64, u64)>(&sql).await.ok(),
                        Err(_) => None,
                    };
                    match ok {
                        Some(v) if v == [(i as u64, n)] => n += 1,
                        other => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            eprintln!("task {i}: {other:?}");
                        }
                    }
                }
                n
            }
        });
        done.store(true, Ordering::Relaxed);
        let total: u64 = served.iter().sum();
        assert_eq!(errors.load(Ordering::Relaxed), 0);
        assert_eq!(pool.metrics().acquired, total);
        eprintln!(
            "{tasks} callers, {conns} connections, {secs} s: {total} queries ({:.0}/s), {:?}",
            total as f64 / secs as f64,
            pool.metrics()
        );
        sampler.join().unwrap()
    });
    let s = pool.status();
    assert_eq!((s.in_use, s.waiting), (0, 0), "{s:?}");
    assert!(s.open <= conns as usize && s.open == s.idle, "{s:?}");
    if let (Some(first), Some(max)) = (rss.first(), rss.iter().max()) {
        eprintln!("resident memory after warm-up: {first} KiB, at most {max} KiB");
        assert!(*max <= first + 16 * 1024, "resident memory grew: {rss:?}");
    }
}

/// This process's resident memory (Linux), in KiB.
fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}
