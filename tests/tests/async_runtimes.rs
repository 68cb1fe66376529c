//! What only the async adapters promise, checked on each runtime with a single-threaded
//! executor: the event loop is never blocked, every future can be dropped at any point, and a
//! query timeout kills the statement without losing the connection.

use std::time::{Duration, Instant};

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use integration_tests::{connect, join_all, table, url, Watchdog};
use mysql_proto::ErrorKind;
use mysql_proto_async::{timeout, Conn, Pool, Runtime};

integration_tests::for_every_async_runtime!(
    never_blocks_the_event_loop,
    dropping_queries_at_random_points_never_gives_a_wrong_result,
    dropping_connect_at_random_points,
    query_timeout_kills_the_statement_and_keeps_the_connection,
    row_stream,
    dropping_operations_at_random_points_under_small_limits,
    dropping_a_huge_pipeline_leaves_room,
    dropping_pool_acquires_and_guards_at_random_points,
);

/// While connection A runs `SELECT SLEEP(2)`, 500 point queries on connection B complete, all
/// before A finishes, on one thread.
async fn never_blocks_the_event_loop<R: Runtime>() {
    let mut a: Conn<R> = connect(&url()).await;
    let mut b: Conn<R> = connect(&url()).await;
    let start = Instant::now();
    let slow = async {
        a.query_drop("SELECT SLEEP(2)").await.unwrap();
        Instant::now()
    };
    let fast = async {
        for i in 0..500 {
            let got: Vec<(i32,)> = b.query_collect(format!("SELECT {i}")).await.unwrap();
            assert_eq!(got, vec![(i,)]);
        }
        Instant::now()
    };
    let (slow_done, fast_done) = futures_lite::future::zip(slow, fast).await;
    assert!(
        fast_done < slow_done,
        "point queries waited for the slow query"
    );
    assert!(slow_done - start >= Duration::from_secs(2));
}

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// 1,000 times: start a query over 20k rows and drop it at a random point (a random timeout
/// or after a random number of rows), then check a query's result exactly.
async fn dropping_queries_at_random_points_never_gives_a_wrong_result<R: Runtime>() {
    let mut c: Conn<R> = connect(&url()).await;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..1000u64 {
        let rows = rng.next(20_000) as usize;
        let limit = Duration::from_micros(rng.next(3_000));
        let by_timeout = rng.next(2) == 0;
        let work = async {
            let mut r = c
                .query("SELECT seq, REPEAT('x', seq % 50) FROM seq_1_to_20000")
                .await?;
            let mut n = 0;
            while n < rows && r.next_row().await?.is_some() {
                n += 1;
            }
            Ok::<_, mysql_proto::Error>(n)
        };
        if by_timeout {
            let _ = timeout::<R, _>(Some(limit), work).await;
        } else {
            assert_eq!(work.await.unwrap(), rows);
        }
        let got: Vec<(u64, String)> = c
            .query_collect(format!("SELECT {i}, 'check-{i}'"))
            .await
            .unwrap_or_else(|e| panic!("iteration {i}: {e}"));
        assert_eq!(got, vec![(i, format!("check-{i}"))], "iteration {i}");
    }
}

/// Dropping `connect` at random points never panics or leaks a broken state into a new
/// connection.
async fn dropping_connect_at_random_points<R: Runtime>() {
    let mut rng = Rng(42);
    for _ in 0..100 {
        let limit = Duration::from_micros(rng.next(4_000));
        let _ = timeout::<R, _>(Some(limit), Conn::<R>::connect(url())).await;
    }
    let mut c: Conn<R> = connect(&url()).await;
    c.ping().await.unwrap();
}

/// `SELECT SLEEP(10)` with a 200 ms query timeout fails with a timeout within a second, and the
/// same connection then answers correctly.
async fn query_timeout_kills_the_statement_and_keeps_the_connection<R: Runtime>() {
    let mut c: Conn<R> = connect(&format!("{}?query-timeout=200ms", url())).await;
    let start = Instant::now();
    let e = c.query_drop("SELECT SLEEP(10)").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    let got: Vec<(i32,)> = c.query_collect("SELECT 1").await.unwrap();
    assert_eq!(got, vec![(1,)]);
    // Streaming too: the timeout hits while rows are awaited.
    let start = Instant::now();
    let mut r = c.query("SELECT 1 UNION ALL SELECT SLEEP(10)").await;
    let e = match &mut r {
        Ok(r) => loop {
            match r.next_row().await {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("no timeout"),
                Err(e) => break e,
            }
        },
        Err(e) => e.clone(),
    };
    drop(r);
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(start.elapsed() < Duration::from_secs(1));
    c.set_query_timeout(None);
    let got: Vec<(String,)> = c.query_collect("SELECT 'still fine'").await.unwrap();
    assert_eq!(got, vec![("still fine".to_string(),)]);
}

async fn row_stream<R: Runtime>() {
    use futures_lite::StreamExt;
    let mut c: Conn<R> = connect(&url()).await;
    let stream = c
        .query("SELECT seq FROM seq_1_to_1000")
        .await
        .unwrap()
        .into_stream();
    let rows: Vec<_> = stream.collect::<Vec<_>>().await;
    assert_eq!(rows.len(), 1000);
    let sum: i64 = rows
        .iter()
        .map(|r| r.as_ref().unwrap().get::<i64>(0).unwrap())
        .sum();
    assert_eq!(sum, 500_500);
    // Drop a stream half-way: the connection stays in sync.
    let mut s = c
        .query("SELECT seq FROM seq_1_to_1000")
        .await
        .unwrap()
        .into_stream();
    assert!(s.next().await.is_some());
    drop(s);
    assert_eq!(
        c.query_collect::<(i32,)>("SELECT 7").await.unwrap(),
        vec![(7,)]
    );
}

/// Futures of the async API stay small (they live on the caller's stack; a regression here
/// overflowed the 2 MiB stacks of test threads in debug builds).
#[test]
fn futures_are_small() {
    fn size<F: std::future::Future>(f: F) -> usize {
        std::mem::size_of_val(&f)
    }
    // The futures are built, measured and dropped without being polled.
    let rt = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sizes = rt.block_on(async {
        let mut c: Conn<mysql_tokio::Tokio> = connect(&url()).await;
        [
            ("query_drop", size(c.query_drop("DO 1"))),
            ("query", size(c.query("DO 1"))),
            ("exec_drop", size(c.exec_drop("DO ?", (1,)))),
            ("ping", size(c.ping())),
            ("connect", size(Conn::<mysql_tokio::Tokio>::connect(url()))),
        ]
    });
    for (name, n) in sizes {
        assert!(n < 16 * 1024, "{name} future is {n} bytes");
        println!("{name}: {n} bytes");
    }
}

/// Polls a future at most `left` times, then drops it (when next woken): an operation
/// abandoned at a random point.
struct PollLimit<F> {
    fut: F,
    left: u64,
}

impl<F: Future + Unpin> Future for PollLimit<F> {
    type Output = bool;
    /// `true` when the future completed.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.left == 0 {
            return Poll::Ready(false);
        }
        self.left -= 1;
        Pin::new(&mut self.fut).poll(cx).map(|_| true)
    }
}

/// Pipelines, batches, transactions and executes of random sizes, dropped after a random
/// number of polls, under random small `max-in-flight` and `max-send-buffer`; after each, the
/// connection must answer a check query exactly, and no dropped transaction may have committed.
async fn dropping_operations_at_random_points_under_small_limits<R: Runtime>() {
    let _w = Watchdog::new("random drops", Duration::from_secs(300));
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let t = table("random_drops");
    for round in 0..4 {
        let max_in_flight = 2 + rng.next(7);
        let max_send = 4096u64 << rng.next(6);
        let u = format!(
            "{}?max-in-flight={max_in_flight}&max-send-buffer={max_send}",
            url()
        );
        let mut c: Conn<R> = connect(&u).await;
        c.query_drop(format!("CREATE TEMPORARY TABLE {t} (n BIGINT, s TEXT)"))
            .await
            .unwrap();
        for i in 0..50u64 {
            let large = rng.next(4) == 0;
            let size = 1 + rng.next(if large { 3000 } else { 40 });
            let pad = "p".repeat(rng.next(2000) as usize);
            let polls = rng.next(40);
            let kind = rng.next(4);
            let work: Pin<Box<dyn Future<Output = ()> + '_>> = match kind {
                0 => Box::pin(async {
                    let mut p = c.pipeline();
                    for j in 0..size {
                        p = p.exec(format!("SELECT ? + {}", j % 97), (j,));
                    }
                    let out = p.run().await.unwrap();
                    assert_eq!(out.len() as u64, size);
                }),
                1 => Box::pin(async {
                    let sets = (0..size).map(|j| (j as i64, pad.as_str()));
                    let n = c
                        .exec_batch(format!("INSERT INTO {t} VALUES (?, ?)"), sets)
                        .await
                        .unwrap();
                    assert_eq!(n, size);
                }),
                2 => Box::pin(async {
                    // Never committed: a dropped or finished guard must roll back.
                    let mut tx = c.begin().unwrap();
                    let sets = (0..size).map(|_| (-1i64, "tx"));
                    tx.exec_batch(format!("INSERT INTO {t} VALUES (?, ?)"), sets)
                        .await
                        .unwrap();
                    tx.query_drop("DO 0").await.unwrap();
                }),
                _ => Box::pin(async {
                    let got: Option<(u64, String)> = c
                        .exec_first(format!("SELECT ?, '{}'", i % 13), (i,))
                        .await
                        .unwrap();
                    assert_eq!(got, Some((i, format!("{}", i % 13))));
                }),
            };
            PollLimit {
                fut: work,
                left: polls,
            }
            .await;
            let got: Vec<(u64, String)> = c
                .query_collect(format!("SELECT {i}, 'check-{i}'"))
                .await
                .unwrap_or_else(|e| panic!("round {round} step {i} (kind {kind}): {e}"));
            assert_eq!(
                got,
                vec![(i, format!("check-{i}"))],
                "round {round} step {i}"
            );
            let rolled_back: Vec<(i64,)> = c
                .query_collect(format!("SELECT COUNT(*) FROM {t} WHERE n = -1"))
                .await
                .unwrap();
            assert_eq!(
                rolled_back,
                vec![(0,)],
                "round {round} step {i}: a dropped transaction committed"
            );
        }
    }
}

/// Regressions: dropping a 3,000-command pipeline after its first poll left 1,024 commands in
/// flight; the next two-command pipeline then hung, and with distinct statements every later
/// `exec_first` failed with "1024 commands already in flight".
async fn dropping_a_huge_pipeline_leaves_room<R: Runtime>() {
    let _w = Watchdog::new("huge dropped pipeline", Duration::from_secs(120));
    let mut c: Conn<R> = connect(&url()).await;
    for round in 0..3 {
        let mut p = c.pipeline();
        for j in 0..3000 {
            p = p.exec(format!("SELECT ? + {j} + {round}"), (1,));
        }
        let run = Box::pin(p.run());
        assert!(!PollLimit { fut: run, left: 1 }.await);
        assert!(
            c.protocol().in_flight() >= 1000,
            "{}",
            c.protocol().in_flight()
        );
        let out = c
            .pipeline()
            .query("SELECT 1")
            .exec("SELECT ?", (2,))
            .run()
            .await
            .unwrap();
        assert_eq!(out[1].as_ref().unwrap().rows()[0].get::<i64>(0).unwrap(), 2);
        let mut p = c.pipeline();
        for j in 0..3000 {
            p = p.exec(format!("SELECT ? * {j} - {round}"), (1,));
        }
        let run = Box::pin(p.run());
        assert!(!PollLimit { fut: run, left: 1 }.await);
        let got: Option<(i64,)> = c
            .exec_first(format!("SELECT ? + {round}"), (5,))
            .await
            .unwrap();
        assert_eq!(got, Some((5 + round,)));
    }
}

/// The README's batch pattern (a tuple borrowing each item, from an iterator) inside
/// `tokio::spawn`, which needs the future to be `Send` for every lifetime it borrows.
#[test]
fn a_borrowing_exec_batch_runs_inside_tokio_spawn() {
    struct Item {
        sku: String,
        qty: i64,
    }
    let rt = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let inserted = rt.block_on(async {
        let task = ::tokio::spawn(async move {
            let mut conn: Conn<mysql_tokio::Tokio> = connect(&url()).await;
            let t = table("spawned_batch");
            conn.query_drop(format!("CREATE TEMPORARY TABLE {t} (sku TEXT, qty INT)"))
                .await
                .unwrap();
            let items: Vec<Item> = (0..100)
                .map(|i| Item {
                    sku: format!("sku-{i}"),
                    qty: i,
                })
                .collect();
            let sets = items.iter().map(|i| (i.sku.as_str(), i.qty));
            conn.exec_batch(format!("INSERT INTO {t} VALUES (?, ?)"), sets)
                .await
                .unwrap()
        });
        task.await.unwrap()
    });
    assert_eq!(inserted, 100);
}

/// 1,000 pool acquires dropped at random points, ten at a time over a pool of three: while
/// waiting, while connecting, while checking out, mid-transaction, mid-result, or after handing
/// the connection back. After each round nothing is lent or waiting and at most three are open;
/// at the end a connection answers exactly and no transaction is left open.
async fn dropping_pool_acquires_and_guards_at_random_points<R: Runtime>() {
    let _w = Watchdog::new("dropping_pool_acquires", Duration::from_secs(120));
    let sep = if url().contains('?') { '&' } else { '?' };
    let pool = Pool::<R>::new(format!("{}{sep}pool-max=3&acquire-timeout=20s", url())).unwrap();
    let mut rng = Rng(0x5eed);
    for round in 0..100 {
        let work: Vec<_> = (0..10u64)
            .map(|i| {
                let limit = Duration::from_micros(rng.next(4_000));
                let pool = &pool;
                async move {
                    let work = async {
                        let mut c = pool.get().await?;
                        if i % 2 == 0 {
                            c.query_drop("BEGIN").await?;
                            c.query_drop("SELECT 1 FOR UPDATE").await?;
                        }
                        let rows: Vec<(u64,)> =
                            c.query_collect("SELECT seq FROM seq_1_to_3000").await?;
                        Ok::<_, mysql_proto::Error>(rows.len())
                    };
                    if let Ok(done) = timeout::<R, _>(Some(limit), work).await {
                        assert_eq!(done.unwrap(), 3000);
                    }
                }
            })
            .collect();
        join_all(work).await;
        let s = pool.status();
        assert_eq!((s.in_use, s.waiting), (0, 0), "round {round}: {s:?}");
        assert!(s.open <= 3 && s.open == s.idle, "round {round}: {s:?}");
    }
    let mut c = pool.get().await.unwrap();
    let got: Vec<(u64, String)> = c
        .query_collect("SELECT @@in_transaction, 'check'")
        .await
        .unwrap();
    assert_eq!(got, vec![(0, "check".to_string())]);
    eprintln!("{:?}", pool.metrics());
}
