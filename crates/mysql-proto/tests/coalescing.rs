//! `Connection::read_coalescing` over a scripted session: advice only while a large result
//! set's rows stream, from the point where the wait is a small share of the stream, and never
//! when the option is off or the transport is a Unix socket.

use std::time::Duration;

use mysql_proto::testing::{feed, handshake_done_with, query_result};
use mysql_proto::{Connection, Opts, ReadCoalescing};

/// Streams a 6.6 MB result set in 16 KiB reads, one every 32 us (512 MB/s), asking for advice
/// before each read; returns the advice per read, then the advice once the result has ended.
fn stream(url: &str) -> (Vec<Option<ReadCoalescing>>, Option<ReadCoalescing>) {
    let mut conn = handshake_done_with(Opts::from_url(url).unwrap());
    conn.query("SELECT n, s FROM t").unwrap();
    let text = "x".repeat(100);
    let rows: Vec<Vec<Option<&[u8]>>> = (0..60_000)
        .map(|_| vec![Some(&b"12345"[..]), Some(text.as_bytes())])
        .collect();
    let (mut t, mut advice, mut seen) = (0u64, Vec::new(), 0);
    for chunk in query_result(&["n", "s"], &rows).chunks(16 << 10) {
        advice.push(conn.read_coalescing(|| Duration::from_micros(t)));
        feed(&mut conn, chunk);
        seen += drain(&mut conn);
        t += 32;
    }
    assert_eq!(seen, 60_000 + 2, "every row, the start and the end");
    let after = conn.read_coalescing(|| Duration::from_micros(t));
    (advice, after)
}

/// Takes the events that are ready; returns how many.
fn drain(conn: &mut Connection) -> usize {
    let mut n = 0;
    while conn.poll_event().unwrap().is_some() {
        n += 1;
    }
    n
}

#[test]
fn a_large_result_is_coalesced_after_about_four_mib_and_not_after_its_end() {
    let (advice, after) = stream("mysql://root@localhost/");
    let first = advice
        .iter()
        .position(Option::is_some)
        .expect("some advice");
    // 128 KiB take 256 us at this rate: the wait is 512 us, and the rows must have streamed
    // for 16 times that (8 ms, 4 MiB, 256 reads) since the clock was first read: once the
    // stream (from the second read: the first brings the result set's start) had brought
    // 128 KiB (8 reads).
    assert_eq!(first, 1 + 8 + 256, "{advice:?}");
    for a in &advice[first..advice.len() - 1] {
        assert_eq!(
            *a,
            Some(ReadCoalescing {
                low_water: 128 << 10,
                max_wait: Duration::from_micros(512)
            })
        );
    }
    assert_eq!(after, None, "the result set ended: nothing streams");
}

#[test]
fn no_advice_when_the_option_is_off_or_over_a_unix_socket() {
    for url in [
        "mysql://root@localhost/?read-coalescing=false",
        "mysql://root@localhost/?socket=/tmp/mysqld.sock",
    ] {
        let (advice, after) = stream(url);
        assert!(advice.iter().all(Option::is_none), "{url}");
        assert_eq!(after, None);
    }
}

#[test]
fn no_advice_while_waiting_for_an_ok() {
    let mut conn = handshake_done_with(Opts::from_url("mysql://root@localhost/").unwrap());
    conn.ping().unwrap();
    let mut clock_read = false;
    let advice = conn.read_coalescing(|| {
        clock_read = true;
        Duration::ZERO
    });
    assert_eq!((advice, clock_read), (None, false));
}
