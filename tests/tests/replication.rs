//! Read-your-writes across a primary and its GTID replica (`scripts/cluster.sh start`), with
//! the replica's SQL thread stopped for 40 ms out of every 240 (a replica that lags): writes on
//! the primary, reads on the replica. Without waiting, some reads are stale (so the check can
//! fail); waiting for the write's GTID (`wait_for_gtid`, falling back to the primary after a
//! 20 ms wait) gives no stale read in 10,000 write-then-read iterations, on the blocking and
//! the tokio adapter. Prints the figures (`-- --nocapture`).

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Blocking, Client, Tokio};
use integration_tests::{root, Watchdog};

const TRACK: &str = "init-sql=SET SESSION session_track_system_variables = 'last_gtid'";

fn node_url(node: &str) -> String {
    let out = Command::new(root().join("scripts/cluster.sh"))
        .args(["url", node])
        .output()
        .expect("scripts/cluster.sh");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The primary and the replica up, or a failure saying how to start them.
fn require_replication() {
    let out = Command::new(root().join("scripts/cluster.sh"))
        .arg("status")
        .output()
        .expect("scripts/cluster.sh");
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.contains("primary up") && status.contains("replica up"),
        "the replication pair is not running (start it with `scripts/cluster.sh start`):\n{status}"
    );
}

/// Stops and restarts the replica's SQL thread until dropped: 40 ms of every 240 behind.
struct Lag {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lag {
    fn start() -> Lag {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut admin = integration_tests::blocking(&node_url("replica"));
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                admin.query_drop("STOP SLAVE SQL_THREAD").unwrap();
                std::thread::sleep(Duration::from_millis(40));
                admin.query_drop("START SLAVE SQL_THREAD").unwrap();
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Lag {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Lag {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Default)]
struct Reads {
    stale: usize,
    fallbacks: usize,
}

/// `n` iterations of: set row `key` to `i` on the primary, read it back from the replica
/// (after waiting for the write's GTID, at most 20 ms, else from the primary, when `wait`).
async fn write_then_read<A: Adapter>(key: u32, n: u32, wait: bool) -> Reads {
    let primary_url = format!("{}?{TRACK}", node_url("primary"));
    let mut primary: A::Conn = integration_tests::connect(&primary_url).await;
    let mut replica: A::Conn = integration_tests::connect(&node_url("replica")).await;
    primary
        .query_drop(&format!(
            "INSERT INTO test.rs_ryw VALUES ({key}, 0) ON DUPLICATE KEY UPDATE v = 0"
        ))
        .await
        .unwrap();
    let mut reads = Reads::default();
    let select = format!("SELECT v FROM test.rs_ryw WHERE id = {key}");
    for i in 1..=n {
        primary
            .query_drop(&format!("UPDATE test.rs_ryw SET v = {i} WHERE id = {key}"))
            .await
            .unwrap();
        let from_replica = if wait {
            let gtid = primary
                .session()
                .last_gtid()
                .expect("the write's GTID (session tracking)")
                .to_string();
            replica
                .wait_for_gtid(&gtid, Duration::from_millis(20))
                .await
                .unwrap()
        } else {
            true
        };
        let rows: Vec<(u32,)> = if from_replica {
            replica.query_collect(select.as_str()).await.unwrap()
        } else {
            reads.fallbacks += 1;
            primary.query_collect(select.as_str()).await.unwrap()
        };
        if rows.first().map(|r| r.0) != Some(i) {
            reads.stale += 1;
        }
    }
    reads
}

fn run<A: Adapter>(key: u32, name: &str) {
    let _w = Watchdog::new("read-your-writes", Duration::from_secs(180));
    require_replication();
    let mut setup = integration_tests::blocking(&node_url("primary"));
    setup
        .query_drop("CREATE TABLE IF NOT EXISTS test.rs_ryw (id INT PRIMARY KEY, v INT NOT NULL)")
        .unwrap();
    let lag = Lag::start();
    let started = Instant::now();
    let without = A::block_on(write_then_read::<A>(key, 2_000, false));
    let without_time = started.elapsed();
    let started = Instant::now();
    let with = A::block_on(write_then_read::<A>(key, 10_000, true));
    let with_time = started.elapsed();
    drop(lag);
    println!(
        "read-your-writes ({name}), replica's SQL thread stopped 40 ms of every 240: without the \
         GTID wait {} stale reads of 2,000 ({without_time:.1?}); with it {} stale of 10,000, \
         {} read from the primary after a 20 ms wait ({with_time:.1?})",
        without.stale, with.stale, with.fallbacks
    );
    assert!(
        without.stale > 0,
        "no stale read without the wait: the test cannot tell"
    );
    assert_eq!(with.stale, 0, "stale reads despite the GTID wait");
    // The 40 ms stops outlast the 20 ms wait: the fallback to the primary was taken too.
    assert!(with.fallbacks > 0, "never fell back to the primary");
}

#[test]
fn read_your_writes_blocking() {
    run::<Blocking>(1, "blocking");
}

#[test]
fn read_your_writes_tokio() {
    run::<Tokio>(2, "tokio");
}

/// `target` over the pair, listed replica first: `primary` lands on the primary, `replica` on
/// the replica, and `any` on the first listed.
#[test]
fn target_picks_the_role() {
    require_replication();
    let primary = node_url("primary");
    let replica = node_url("replica");
    let host = |u: &str| {
        u.split('@')
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let (head, tail) = primary.split_once('@').unwrap();
    let path = &tail[tail.find('/').unwrap()..];
    let both = format!("{head}@{},{}{path}", host(&replica), host(&primary));
    for (target, want) in [("primary", 21u32), ("replica", 22), ("any", 22)] {
        let mut c = integration_tests::blocking(&format!("{both}?target={target}"));
        let id: Option<(u32,)> = c.query_first("SELECT @@server_id").unwrap();
        assert_eq!(id, Some((want,)), "target={target}");
    }
}
