//! The compio adapter's own guarantees, against the test server (`scripts/test-server.sh
//! start`; `MYSQL_URL` overrides the URL): reads cancelled at random points lose no byte
//! (io_uring reads own the receive buffer while in flight), and a connection moved to another
//! thread fails cleanly instead of touching compio's thread-bound state. The whole adapter
//! suite runs on compio as well (`tests/`, module `compio` of each file).
//!
//! The two `unsafe` items it relies on (the `Send` of `ThreadBound`, the receive buffer handed to
//! the kernel as `MaybeUninit`) run here; under AddressSanitizer (leak detection off: the
//! connection dropped on another thread is leaked by design):
//! `ASAN_OPTIONS=detect_leaks=0 RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zsanitizer=address cargo test -p
//! mysql-compio --test on_thread --target x86_64-unknown-linux-gnu`. Clean on 2026-12-03.

use std::time::Duration;

use mysql_compio::Conn;

fn url() -> String {
    std::env::var("MYSQL_URL").unwrap_or_else(|_| {
        let port = std::env::var("MYSQL_TEST_PORT").unwrap_or_else(|_| "3307".into());
        format!("mysql://rs_native:native_pw@127.0.0.1:{port}/test")
    })
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    compio::runtime::Runtime::new()
        .expect("a compio runtime")
        .block_on(f)
}

/// 2,000 rows of up to 3 KB, each one checked by value.
const BIG: &str = "SELECT seq, REPEAT(CHAR(65 + seq % 26), seq * 37 % 3000) FROM seq_1_to_2000";

fn check(rows: &[(u32, String)]) {
    assert_eq!(rows.len(), 2000);
    for (i, (seq, s)) in rows.iter().enumerate() {
        assert_eq!(*seq as usize, i + 1);
        let want = char::from(65 + (seq % 26) as u8);
        assert_eq!(s.len() as u32, seq * 37 % 3000, "row {seq}");
        assert!(s.chars().all(|c| c == want), "row {seq}");
    }
}

#[test]
fn reads_cancelled_anywhere_lose_no_byte() {
    block_on(async {
        let mut conn = Conn::connect(url().as_str()).await.unwrap();
        let (mut finished, mut cancelled) = (0, 0);
        for i in 0..300u64 {
            // Deadlines from 0 to ~3 ms: the query is dropped before it is sent, with a read in
            // flight at any point of the result, or not at all.
            let limit = Duration::from_micros(i * 7919 % 3000);
            match compio::time::timeout(limit, conn.query_collect::<(u32, String)>(BIG)).await {
                Ok(rows) => {
                    check(&rows.unwrap());
                    finished += 1;
                }
                Err(_) => cancelled += 1,
            }
        }
        assert!(
            cancelled > 0,
            "no query was cancelled ({finished} finished)"
        );
        // What the dropped queries left owing is skipped; the answers stay in order.
        check(&conn.query_collect(BIG).await.unwrap());
        let n: Option<(i64,)> = conn.query_first("SELECT 41 + 1").await.unwrap();
        assert_eq!(n, Some((42,)));
        conn.close().await.unwrap();
    });
}

#[test]
fn a_connection_moved_to_another_thread_fails_cleanly() {
    let mut conn = block_on(async {
        let mut conn = Conn::connect(url().as_str()).await.unwrap();
        conn.ping().await.unwrap();
        conn
    });
    let moved = std::thread::spawn(move || {
        block_on(async {
            // The ping was queued, never sent: the connection breaks, saying why.
            let e = conn.ping().await.unwrap_err();
            assert!(e.is_fatal(), "{e}");
            assert!(
                e.to_string().contains("on the thread that opened it"),
                "{e}"
            );
        });
        // Dropped here, off its thread: its socket is leaked, never touched.
        drop(conn);
    });
    moved.join().expect("no panic on the other thread");
    // Outside any runtime, on its own thread: an error too, not a panic.
    let mut conn = block_on(Conn::connect(url().as_str())).unwrap();
    let e = futures_executor_block_on(conn.ping()).unwrap_err();
    assert!(e.to_string().contains("within that runtime"), "{e}");
    // Broken for good (its socket is shut down when dropped), every later call says so.
    let again = block_on(conn.ping()).unwrap_err();
    assert_eq!(again.kind(), e.kind());
}

#[test]
fn a_connection_dropped_after_its_runtime_with_a_read_in_flight_is_fine() {
    let rt = compio::runtime::Runtime::new().expect("a compio runtime");
    let conn = rt.block_on(async {
        let mut conn = Conn::connect(url().as_str()).await.unwrap();
        // The query is sent and its read left in flight when the timer drops it.
        let slow = conn.query_drop("SELECT SLEEP(0.5)");
        let r = compio::time::timeout(Duration::from_millis(50), slow).await;
        assert!(r.is_err(), "the query ended before the timer");
        conn
    });
    drop(rt);
    // The runtime is gone: the operation in flight is dropped with the connection, no panic.
    drop(conn);
    // A new runtime on the same thread works as before.
    block_on(async {
        let mut c = Conn::connect(url().as_str()).await.unwrap();
        c.ping().await.unwrap();
    });
}

/// A minimal executor (no compio runtime on the thread): polls until ready.
fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
