//! Read coalescing (`read-coalescing`, on by default) with every adapter, over a paced link: a
//! server that writes a large result in 16 KiB pieces slower than the client reads them. The
//! client must get the same rows, wake far less often, and not be held back at the end.
//!
//! Both figures are measured on a shared machine, against a proxy thread that sleeps between
//! writes: the five adapters take turns (in parallel, their clients, proxies and the server
//! would compete for the two cores until no client outpaces its link), and a comparison is
//! tried up to [`ATTEMPTS`] times before it fails.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Client};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, for_every_adapter, port, url};

for_every_adapter!(coalesced_reads_wake_the_reader_less_for_the_same_rows);

/// 2,000 rows of about 4 KiB: 8 MB, 500 paced writes.
const PACE: u64 = 300;
const SQL: &str = "SELECT seq, REPEAT(CHAR(65 + seq % 26 USING utf8mb4), 4000) FROM seq_1_to_2000";

/// Comparisons tried before the test fails: each takes about half a second.
const ATTEMPTS: usize = 3;

/// One adapter at a time.
static TURN: Mutex<()> = Mutex::new(());

fn coalesced_reads_wake_the_reader_less_for_the_same_rows<A: Adapter>() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    A::block_on(async {
        // 16 KiB per 300 us (55 MB/s): the core reads the clock once 128 KiB arrived (2.4 ms)
        // and coalesces 32 ms later (16 times its 2 ms wait): the last three quarters. Measured:
        // 415-547 wake-ups without, 77-260 with (two busy loops competing for the cores).
        let proxy = FaultProxy::start(port(), Fault::Paced(Duration::from_micros(PACE)));
        let mut seen = Vec::new();
        for _ in 0..ATTEMPTS {
            let off = stream::<A>(&proxy, false).await;
            let on = stream::<A>(&proxy, true).await;
            // The whole stream's time is the proxy's (its sleeps overshoot on a busy machine, by
            // up to seconds): what coalescing may add is at the end, from the server's last
            // bytes to the last row: the wait for bytes that never reach the mark (at most
            // 2 ms), plus the rows still buffered then.
            let fewer_wakeups = on.wakeups * 10 < off.wakeups * 7;
            let short_tail = on.tail < off.tail + Duration::from_millis(20);
            if fewer_wakeups && short_tail {
                return;
            }
            seen.push(format!(
                "{} wake-ups and a tail of {:?} with coalescing, {} and {:?} without",
                on.wakeups, on.tail, off.wakeups, off.tail
            ));
        }
        panic!("{}", seen.join("; "));
    })
}

struct Run {
    /// Times this thread slept while the rows streamed.
    wakeups: u64,
    /// From the proxy's last write to the client to the last row decoded.
    tail: Duration,
}

/// Streams [`SQL`] through the proxy and checks every row; counts the times this thread slept
/// and measures the tail.
async fn stream<A: Adapter>(proxy: &FaultProxy, coalesce: bool) -> Run {
    // Without TLS, and the strings read as bytes: the debug-build client must outpace the link.
    let url = format!(
        "{}?ssl-mode=disabled&read-coalescing={coalesce}",
        proxy.url(&url())
    );
    let mut c: A::Conn = connect(&url).await;
    let before = voluntary_switches();
    let rows: Vec<(i64, Vec<u8>)> = c.query_collect(SQL).await.unwrap();
    let end = Instant::now();
    let last_write = proxy
        .last_write_to_client()
        .expect("the proxy wrote the rows");
    let run = Run {
        wakeups: voluntary_switches() - before,
        tail: end.saturating_duration_since(last_write),
    };
    assert_eq!(rows.len(), 2000, "coalescing {coalesce}");
    for (i, (seq, s)) in rows.iter().enumerate() {
        let letter = b'A' + ((i + 1) % 26) as u8;
        assert_eq!(*seq, i as i64 + 1);
        assert!(
            s.len() == 4000 && s.iter().all(|&c| c == letter),
            "row {seq}, coalescing {coalesce}"
        );
    }
    // The connection is in step afterwards.
    assert_eq!(
        c.query_collect::<(i32,)>("SELECT 7").await.unwrap(),
        vec![(7,)]
    );
    run
}

/// This thread's voluntary context switches so far (each time it slept waiting for input).
fn voluntary_switches() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .expect("voluntary_ctxt_switches in /proc/thread-self/status")
        .trim()
        .parse()
        .unwrap()
}
