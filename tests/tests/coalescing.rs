//! Read coalescing (`read-coalescing`, on by default) with every adapter, over a paced link: a
//! server that writes a large result in 16 KiB pieces slower than the client reads them. The
//! client must get the same rows, wake far less often, and not be held back at the end.

use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Client};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, for_every_adapter, port, url};

for_every_adapter!(coalesced_reads_wake_the_reader_less_for_the_same_rows);

/// 2,000 rows of about 4 KiB: 8 MB, 500 paced writes.
const PACE: u64 = 300;
const SQL: &str = "SELECT seq, REPEAT(CHAR(65 + seq % 26 USING utf8mb4), 4000) FROM seq_1_to_2000";

fn coalesced_reads_wake_the_reader_less_for_the_same_rows<A: Adapter>() {
    A::block_on(async {
        // 16 KiB per 300 us (55 MB/s): the core reads the clock once 128 KiB arrived (2.4 ms)
        // and coalesces 32 ms later (16 times its 2 ms wait): the last three quarters. Measured:
        // 502-517 wake-ups without, 168-234 with.
        let proxy = FaultProxy::start(port(), Fault::Paced(Duration::from_micros(PACE)));
        let off = stream::<A>(&proxy, false).await;
        let on = stream::<A>(&proxy, true).await;
        assert!(
            on.wakeups * 10 < off.wakeups * 7,
            "{} wake-ups with coalescing, {} without",
            on.wakeups,
            off.wakeups
        );
        // The tail waits at most 2 ms; the rest is noise of a shared machine.
        assert!(
            on.wall < off.wall + Duration::from_millis(40),
            "{:?} with coalescing, {:?} without",
            on.wall,
            off.wall
        );
    })
}

struct Run {
    wakeups: u64,
    wall: Duration,
}

/// Streams [`SQL`] through the proxy and checks every row; counts the times this thread slept.
async fn stream<A: Adapter>(proxy: &FaultProxy, coalesce: bool) -> Run {
    // Without TLS, and the strings read as bytes: the debug-build client must outpace the link.
    let url = format!(
        "{}?ssl-mode=disabled&read-coalescing={coalesce}",
        proxy.url(&url())
    );
    let mut c: A::Conn = connect(&url).await;
    let (before, t) = (voluntary_switches(), Instant::now());
    let rows: Vec<(i64, Vec<u8>)> = c.query_collect(SQL).await.unwrap();
    let run = Run {
        wall: t.elapsed(),
        wakeups: voluntary_switches() - before,
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
