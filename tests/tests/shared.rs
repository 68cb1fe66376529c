//! The shared connection (`SharedConn`, `Exclusive`, `MuxPool`) of every async runtime against
//! the test server: many tasks on one connection each get exactly their own rows, including
//! while a thousand of them, or 300 exclusive checkouts, are dropped at random points;
//! session-changing statements need an exclusive checkout, which rolls back what it leaves
//! open; a statement that opens a transaction breaks the connection instead of pulling others
//! into it; concurrent prepares of one SQL leave one statement; bursts of statements, and
//! checkouts amid them, never stall, whatever `max-in-flight` allows, and callers waiting for
//! the server, or for room in the socket, do not spin; the pool spreads load and replaces a
//! killed connection.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use integration_tests::{blocking, join_all, table, url, Watchdog};
use mysql_proto::ErrorKind;
use mysql_proto_async::{timeout, MuxPool, Runtime, SharedConn};

integration_tests::for_every_async_runtime!(
    tasks_each_get_their_own_rows,
    a_thousand_dropped_tasks_never_desync_the_others,
    dropped_checkouts_never_desync_the_others,
    session_changes_need_an_exclusive_checkout,
    a_procedure_opening_a_transaction_breaks_the_connection_not_the_data,
    concurrent_prepares_of_one_sql_leave_one_statement,
    bursts_of_statements_never_stall,
    checkouts_amid_traffic_never_stall,
    waiting_callers_do_not_spin,
    blocked_writers_do_not_spin,
    the_pool_spreads_load_and_replaces_a_killed_connection,
    a_connection_broken_before_it_was_shared_says_so,
);

/// A table name unique to this test and runtime (the runtimes' tests run in parallel).
fn table_for<R: Runtime>(tag: &str) -> String {
    let runtime = std::any::type_name::<R>()
        .rsplit("::")
        .next()
        .unwrap_or("rt");
    table(&format!("{tag}_{}", runtime.to_ascii_lowercase()))
}

async fn shared<R: Runtime>() -> SharedConn<R> {
    SharedConn::connect(url()).await.unwrap_or_else(|e| {
        panic!("cannot reach the test server: {e}\nstart it with: scripts/test-server.sh start")
    })
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

/// 64 tasks, 40 statements each, text and prepared alternating, on one connection: every
/// result is the one its statement asked for, and the server saw one session.
async fn tasks_each_get_their_own_rows<R: Runtime>() {
    let _w = Watchdog::new("tasks_each_get_their_own_rows", Duration::from_secs(120));
    let c = shared::<R>().await;
    let ids = join_all(
        (0..64u64)
            .map(|task| {
                let c = c.clone();
                async move {
                    let mut ids = HashSet::new();
                    for i in 0..40u64 {
                        let n = (task * 7 + i) % 300;
                        let got: Option<(u64, u64, String, u64)> = if i % 2 == 0 {
                            let sql =
                                format!("SELECT {task}, {i}, REPEAT('x', {n}), CONNECTION_ID()");
                            c.query_first(sql).await.unwrap()
                        } else {
                            let sql = "SELECT ?, ?, REPEAT('x', ?), CONNECTION_ID()";
                            c.exec_first(sql, (task, i, n)).await.unwrap()
                        };
                        let (t, j, s, id) = got.expect("a row");
                        assert_eq!((t, j, s), (task, i, "x".repeat(n as usize)));
                        ids.insert(id);
                    }
                    ids
                }
            })
            .collect(),
    )
    .await;
    let all: HashSet<u64> = ids.into_iter().flatten().collect();
    assert_eq!(all.len(), 1, "one server session: {all:?}");
    assert_eq!(c.outstanding(), 0);
}

/// Runs `f` to its end (`Some`), or drops it (`None`): after its first poll (a statement
/// queued or just sent, a checkout waiting or just lent), or at a random moment within
/// `max_micros` (raced against a timer: at any point of its response).
async fn maybe_dropped<R: Runtime, T>(
    rng: &mut Rng,
    max_micros: u64,
    f: impl std::future::Future<Output = T>,
) -> Option<T> {
    match rng.next(3) {
        0 => futures_lite::future::poll_once(f).await,
        1 => {
            let limit = Duration::from_micros(rng.next(max_micros));
            timeout::<R, _>(Some(limit), f).await.ok()
        }
        _ => Some(f.await),
    }
}

/// 64 tasks run statements of random sizes (up to 60 KB per row, so responses span reads),
/// dropping 1,000 of them at random points (before sending, in flight, half read): every
/// statement not dropped returns exactly its own values, and the connection ends healthy.
async fn a_thousand_dropped_tasks_never_desync_the_others<R: Runtime>() {
    let _w = Watchdog::new("a_thousand_dropped_tasks", Duration::from_secs(300));
    let c = shared::<R>().await;
    let dropped = AtomicUsize::new(0);
    let checked = AtomicUsize::new(0);
    join_all(
        (0..64u64)
            .map(|task| {
                let (c, dropped, checked) = (c.clone(), &dropped, &checked);
                async move {
                    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((task + 1) * 0x1234_5678));
                    let mut i = 0u64;
                    while dropped.load(Ordering::Relaxed) < 1000 {
                        i += 1;
                        let len = match rng.next(4) {
                            0 => rng.next(60_000),
                            _ => rng.next(200),
                        };
                        let letter = (b'a' + (task % 26) as u8) as char;
                        let query = async {
                            let sql = "SELECT ?, ?, REPEAT(?, ?)";
                            let row: Option<(u64, u64, String)> = c
                                .exec_first(sql, (task, i, letter.to_string(), len))
                                .await?;
                            Ok::<_, mysql_proto::Error>(row)
                        };
                        let Some(result) = maybe_dropped::<R, _>(&mut rng, 2_000, query).await
                        else {
                            dropped.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        let row = result.unwrap_or_else(|e| panic!("task {task} #{i}: {e}"));
                        let want = (task, i, letter.to_string().repeat(len as usize));
                        assert_eq!(row, Some(want), "task {task} #{i}");
                        checked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .collect(),
    )
    .await;
    assert!(dropped.load(Ordering::Relaxed) >= 1000);
    assert!(checked.load(Ordering::Relaxed) > 0);
    let last: Option<(String,)> = c.query_first("SELECT 'still in step'").await.unwrap();
    assert_eq!(last.unwrap().0, "still in step");
    assert!(c.fatal_error().is_none());
    // Only the one last statement can still be owed nothing: all responses were read.
    assert_eq!(c.outstanding(), 0);
}

/// 32 tasks run statements while 8 take exclusive checkouts and run statements of random
/// sizes on them (up to 60 KB a row), 300 of the checkouts dropped at random points: waiting
/// for the connection, holding it before their statement, with the response in flight or
/// half read into the connection. Every statement not dropped, shared or on a checkout,
/// returns exactly its own values, the shared ones are not starved by the checkouts, and the
/// connection ends healthy.
async fn dropped_checkouts_never_desync_the_others<R: Runtime>() {
    let _w = Watchdog::new("dropped_checkouts", Duration::from_secs(300));
    let c = shared::<R>().await;
    let dropped = AtomicUsize::new(0);
    let held = AtomicUsize::new(0);
    let done = || dropped.load(Ordering::Relaxed) >= 300;
    let per_task: Vec<AtomicUsize> = (0..32).map(|_| AtomicUsize::new(0)).collect();
    let statements = (0..32u64).map(|task| {
        let (c, per_task, done) = (c.clone(), &per_task, &done);
        Box::pin(async move {
            let mut i = 0u64;
            while !done() {
                i += 1;
                let row: Option<(u64, u64)> = c.exec_first("SELECT ?, ?", (task, i)).await.unwrap();
                assert_eq!(row, Some((task, i)), "task {task} #{i}");
                per_task[task as usize].fetch_add(1, Ordering::Relaxed);
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>
    });
    let checkouts = (32..40u64).map(|task| {
        let (c, dropped, held, done) = (c.clone(), &dropped, &held, &done);
        Box::pin(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((task + 1) * 0x1234_5678));
            let mut i = 0u64;
            while !done() {
                i += 1;
                let len = rng.next(60_000);
                let checkout = async {
                    let mut x = c.exclusive().await?;
                    let sql = format!("SELECT {task}, {i}, REPEAT('x', {len})");
                    x.query_first::<(u64, u64, String)>(sql).await
                };
                let Some(row) = maybe_dropped::<R, _>(&mut rng, 5_000, checkout).await else {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let row = row.unwrap_or_else(|e| panic!("checkout {task} #{i}: {e}"));
                let want = (task, i, "x".repeat(len as usize));
                assert_eq!(row, Some(want), "checkout {task} #{i}");
                held.fetch_add(1, Ordering::Relaxed);
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>
    });
    join_all(statements.chain(checkouts).collect()).await;
    assert!(held.load(Ordering::Relaxed) > 0);
    // First come, first served: the statements were not held back behind the stream of
    // checkouts (they used to be: two each, the first before any checkout and the last after).
    let fewest = per_task.iter().map(|n| n.load(Ordering::Relaxed)).min();
    assert!(fewest >= Some(5), "a statement task ran only {fewest:?}");
    let last: Option<(String,)> = c.query_first("SELECT 'still in step'").await.unwrap();
    assert_eq!(last.unwrap().0, "still in step");
    assert!(c.fatal_error().is_none());
    assert_eq!(c.outstanding(), 0);
}

/// Transactions and session settings are refused on the shared path without reaching the
/// server; an exclusive checkout runs a transaction while other tasks wait and then go on;
/// a checkout given back with a transaction open has it rolled back.
async fn session_changes_need_an_exclusive_checkout<R: Runtime>() {
    let _w = Watchdog::new(
        "session_changes_need_an_exclusive_checkout",
        Duration::from_secs(60),
    );
    let t = table_for::<R>("shared_excl");
    let mut setup = blocking(&url());
    setup
        .query_drop(format!("DROP TABLE IF EXISTS {t}"))
        .unwrap();
    setup
        .query_drop(format!("CREATE TABLE {t} (id INT PRIMARY KEY)"))
        .unwrap();
    let c = shared::<R>().await;
    for sql in [
        "BEGIN",
        "start transaction",
        "SET @a = 1",
        "USE test",
        "LOCK TABLES x READ",
    ] {
        let e = c.query_drop(sql).await.expect_err(sql);
        assert_eq!(e.kind(), ErrorKind::Misuse, "{sql}: {e}");
    }
    let e = c.exec_drop("SET autocommit = ?", (0,)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    // The connection was never touched by the refused statements.
    let ac: Option<(u8,)> = c.query_first("SELECT @@autocommit").await.unwrap();
    assert_eq!(ac, Some((1,)));

    let others = async {
        let mut n = 0;
        for i in 0..200u64 {
            let got: Option<(u64,)> = c.exec_first("SELECT ?", (i,)).await.unwrap();
            assert_eq!(got, Some((i,)));
            n += 1;
        }
        n
    };
    let transaction = async {
        let mut x = c.exclusive().await.unwrap();
        let mut tx = x.begin().unwrap();
        tx.exec_drop(format!("INSERT INTO {t} VALUES (?)"), (1,))
            .await
            .unwrap();
        tx.exec_drop(format!("INSERT INTO {t} VALUES (?)"), (2,))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    let (n, ()) = futures_lite::future::zip(others, transaction).await;
    assert_eq!(n, 200);

    // Given back with a transaction open: rolled back before the next shared statement.
    {
        let mut x = c.exclusive().await.unwrap();
        x.query_drop("START TRANSACTION").await.unwrap();
        x.exec_drop(format!("INSERT INTO {t} VALUES (?)"), (3,))
            .await
            .unwrap();
    }
    let rows: Vec<(i32,)> = c
        .query_collect(format!("SELECT id FROM {t} ORDER BY id"))
        .await
        .unwrap();
    assert_eq!(rows, vec![(1,), (2,)]);
    let seen: Vec<(i32,)> = setup
        .query_collect(format!("SELECT id FROM {t} ORDER BY id"))
        .unwrap();
    assert_eq!(seen, vec![(1,), (2,)]);
    setup.query_drop(format!("DROP TABLE {t}")).unwrap();
}

/// A procedure that starts a transaction and returns with it open: the statements queued
/// behind it on the shared connection fail rather than run inside it, and nothing the
/// procedure or they wrote is committed.
async fn a_procedure_opening_a_transaction_breaks_the_connection_not_the_data<R: Runtime>() {
    let _w = Watchdog::new("a_procedure_opening_a_transaction", Duration::from_secs(60));
    let t = table_for::<R>("shared_proc");
    let p = format!("p_{t}");
    let mut setup = blocking(&url());
    setup
        .query_drop(format!("DROP TABLE IF EXISTS {t}"))
        .unwrap();
    setup
        .query_drop(format!(
            "CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB"
        ))
        .unwrap();
    setup
        .query_drop(format!("DROP PROCEDURE IF EXISTS {p}"))
        .unwrap();
    setup
        .query_drop(format!(
            "CREATE PROCEDURE {p}() BEGIN START TRANSACTION; INSERT INTO {t} VALUES (1); END"
        ))
        .unwrap();
    let c = shared::<R>().await;
    let call = c.query_drop(format!("CALL {p}()"));
    let after = c.exec_drop(format!("INSERT INTO {t} VALUES (?)"), (2,));
    let (call, after) = futures_lite::future::zip(call, after).await;
    assert_eq!(call.unwrap_err().kind(), ErrorKind::Misuse);
    assert!(
        after.is_err(),
        "the statement behind it must not run in that transaction"
    );
    assert!(c.fatal_error().is_some());
    // The server rolls back when the connection closes, which the shared connection did when
    // it broke: the table's lock is free (a DROP would wait for an open transaction).
    let rows: Vec<(i32,)> = setup.query_collect(format!("SELECT id FROM {t}")).unwrap();
    assert!(rows.is_empty(), "{rows:?}");
    setup
        .query_drop("SET SESSION lock_wait_timeout = 10")
        .unwrap();
    setup.query_drop(format!("DROP PROCEDURE {p}")).unwrap();
    setup.query_drop(format!("DROP TABLE {t}")).unwrap();
}

/// 64 tasks execute one SQL not prepared before, all at once: every result is right, and the
/// session ends with exactly one statement open (duplicate prepares were closed).
async fn concurrent_prepares_of_one_sql_leave_one_statement<R: Runtime>() {
    let _w = Watchdog::new("concurrent_prepares", Duration::from_secs(60));
    let c = shared::<R>().await;
    let sql = "SELECT ? * 3 /* concurrent_prepares */";
    join_all(
        (0..64i64)
            .map(|i| {
                let c = c.clone();
                async move {
                    let got: Option<(i64,)> = c.exec_first(sql, (i,)).await.unwrap();
                    assert_eq!(got, Some((i * 3,)));
                }
            })
            .collect(),
    )
    .await;
    let mut x = c.exclusive().await.unwrap();
    let counts: Vec<(String, u64)> = x
        .query_collect(
            "SHOW SESSION STATUS WHERE Variable_name IN ('Com_stmt_prepare', 'Com_stmt_close')",
        )
        .await
        .unwrap();
    let get = |name: &str| {
        counts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap()
    };
    assert!(get("Com_stmt_prepare") >= 1);
    assert_eq!(
        get("Com_stmt_prepare") - get("Com_stmt_close"),
        1,
        "{counts:?}"
    );
}

/// Regression: a caller that read the socket and left with its result woke nobody. Two hangs
/// followed, each in about one run in fifty: the requests its reading had put on the
/// connection (the room its responses freed) stayed unwritten while the caller registered with
/// the socket waited for their responses; and on smol, whose sockets drop that caller's
/// registration on any successful read, nobody was left to wake. And under `max-in-flight=1` a
/// MariaDB prepare chained its execute (two commands in flight), failing it. Bursts of 64
/// statements, prepared (a new SQL each burst) and plain, on connections allowing 1, 2 and
/// 1,024 commands in flight: every burst completes, each statement with its own result.
async fn bursts_of_statements_never_stall<R: Runtime>() {
    let _w = Watchdog::new("bursts_of_statements_never_stall", Duration::from_secs(60));
    let sep = if url().contains('?') { '&' } else { '?' };
    for round in 0..60i64 {
        // The first burst on a new connection is where the race was likeliest.
        let max = [1, 2, 1024][round as usize % 3];
        let c = SharedConn::<R>::connect(format!("{}{sep}max-in-flight={max}", url()))
            .await
            .unwrap();
        for burst in 0..2 {
            let sql = format!("SELECT ? * {round} /* bursts {burst} */");
            let tasks = (0..64i64).map(|i| {
                let (c, sql) = (c.clone(), sql.clone());
                async move {
                    // The first burst executes only (a prepare and 64 executes at once), the
                    // second mixes executes and plain queries.
                    let got: Option<(i64,)> = match burst * (i % 2) {
                        0 => c.exec_first(sql, (i,)).await.unwrap(),
                        _ => c
                            .query_first(format!("SELECT {i} * {round}"))
                            .await
                            .unwrap(),
                    };
                    assert_eq!(got, Some((i * round,)), "max-in-flight={max}");
                }
            });
            join_all(tasks.collect()).await;
        }
    }
}

/// Regression: a checkout waiting for the responses in flight was woken only if the caller
/// that read the last of them, leaving, happened to pick it among the waiting callers; when
/// it picked a request held behind the checkout instead, every caller waited forever. 32
/// tasks of statements and 4 of checkouts (each running a statement of its own) at once, on
/// connections allowing 1 and 1,024 commands in flight: every one completes, with its own
/// result.
async fn checkouts_amid_traffic_never_stall<R: Runtime>() {
    let _w = Watchdog::new(
        "checkouts_amid_traffic_never_stall",
        Duration::from_secs(60),
    );
    let sep = if url().contains('?') { '&' } else { '?' };
    for round in 0..20i64 {
        let max = [1, 1024][round as usize % 2];
        let c = SharedConn::<R>::connect(format!("{}{sep}max-in-flight={max}", url()))
            .await
            .unwrap();
        let statements = (0..32i64).map(|i| {
            let c = c.clone();
            Box::pin(async move {
                for j in 0..10i64 {
                    let got: Option<(i64,)> = c.exec_first("SELECT ? + ?", (i, j)).await.unwrap();
                    assert_eq!(got, Some((i + j,)), "max-in-flight={max}");
                }
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
        });
        let checkouts = (0..4i64).map(|i| {
            let c = c.clone();
            Box::pin(async move {
                for j in 0..3i64 {
                    let mut x = c.exclusive().await.unwrap();
                    let got: Option<(i64,)> =
                        x.query_first(format!("SELECT {i} * {j}")).await.unwrap();
                    assert_eq!(got, Some((i * j,)), "max-in-flight={max}");
                }
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
        });
        join_all(statements.chain(checkouts).collect()).await;
        assert_eq!(c.outstanding(), 0);
    }
}

/// A pool of three: concurrent requests land on every connection; a connection killed by
/// the server fails what it had in flight, and is then replaced by a task that meets it.
async fn the_pool_spreads_load_and_replaces_a_killed_connection<R: Runtime>() {
    let _w = Watchdog::new("the_pool_spreads_load", Duration::from_secs(60));
    let pool = MuxPool::<R>::connect(url(), 3).await.unwrap();
    let ids = |n: usize| {
        let pool = pool.clone();
        async move {
            let got = join_all(
                (0..n)
                    .map(|_| {
                        let pool = pool.clone();
                        async move {
                            let c = pool.get().await?;
                            let r: Option<(u64, u8)> =
                                c.query_first("SELECT CONNECTION_ID(), SLEEP(0.02)").await?;
                            Ok::<_, mysql_proto::Error>(r.unwrap().0)
                        }
                    })
                    .collect(),
            )
            .await;
            got
        }
    };
    let first: HashSet<u64> = ids(30).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(first.len(), 3, "{first:?}");
    let victim = *first.iter().next().unwrap();
    blocking(&url())
        .query_drop(format!("KILL {victim}"))
        .unwrap();
    // Each round may meet the dead one (its requests fail); within a few it is replaced.
    let mut healthy = HashSet::new();
    for _ in 0..20 {
        healthy = ids(30).await.into_iter().filter_map(Result::ok).collect();
        if healthy.len() == 3 && !healthy.contains(&victim) {
            break;
        }
    }
    assert_eq!(healthy.len(), 3, "{healthy:?}");
    assert!(!healthy.contains(&victim));
}

/// 1,000 tasks spawned on tokio's multi-thread runtime (the lock and the IO handed between
/// threads), 20 statements each through a pool of two shared connections, a fifth of them
/// dropped by a random timeout: every statement that completes returns its own values.
#[test]
fn a_thousand_tasks_on_tokio_threads() {
    let _w = Watchdog::new(
        "a_thousand_tasks_on_tokio_threads",
        Duration::from_secs(180),
    );
    let rt = ::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = mysql_tokio::MuxPool::connect(url(), 2).await.unwrap();
        let tasks: Vec<_> = (0..1000u64)
            .map(|task| {
                let pool = pool.clone();
                ::tokio::spawn(async move {
                    let mut rng = Rng(task * 0x9e37_79b9 + 1);
                    let mut done = 0;
                    for i in 0..20u64 {
                        let c = pool.get().await.unwrap();
                        let query = c.exec_first::<(u64, u64)>("SELECT ?, ?", (task, i));
                        if rng.next(5) == 0 {
                            let limit = Duration::from_micros(rng.next(3_000));
                            let _ = ::tokio::time::timeout(limit, query).await;
                            continue;
                        }
                        assert_eq!(query.await.unwrap(), Some((task, i)));
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        let mut done = 0;
        for t in tasks {
            done += t.await.unwrap();
        }
        assert!(done > 10_000, "{done}");
    });
}

/// A `Conn` that broke before it was shared: the shared handle reports the error at once and
/// every call fails with it (a pool would replace it), instead of looking healthy.
async fn a_connection_broken_before_it_was_shared_says_so<R: Runtime>() {
    let _w = Watchdog::new(
        "a_connection_broken_before_it_was_shared",
        Duration::from_secs(60),
    );
    let mut conn: mysql_proto_async::Conn<R> = integration_tests::connect(&url()).await;
    let id = conn.connection_id();
    blocking(&url()).query_drop(format!("KILL {id}")).unwrap();
    for _ in 0..50 {
        if conn.protocol().fatal_error().is_some() {
            break;
        }
        let _ = conn.query_drop("SELECT 1").await;
    }
    assert!(conn.protocol().fatal_error().is_some());
    let c = SharedConn::new(conn);
    assert!(c.fatal_error().is_some());
    assert!(c.query_drop("SELECT 1").await.unwrap_err().is_fatal());
    assert!(c.exclusive().await.is_err());
}

/// Regression: on async-std, callers waiting on a shared connection spun the CPU while the
/// server worked: each, polled, read the socket and registered its waker, which async-io's
/// socket answers by waking the caller it replaces, who did the same (4 callers waiting 0.5 s
/// took 1.5 s of CPU). Now only the driver reads; the others wait for their results. Four
/// callers each waiting 0.3 s for the server: their futures are polled a few times each, not
/// thousands.
async fn waiting_callers_do_not_spin<R: Runtime>() {
    let _w = Watchdog::new("waiting_callers_do_not_spin", Duration::from_secs(60));
    let c = shared::<R>().await;
    let polls = AtomicUsize::new(0);
    let tasks = (0..4).map(|_| {
        let c = c.clone();
        let polls = &polls;
        counting_polls(polls, async move {
            let got: Option<(i64,)> = c.query_first("SELECT SLEEP(0.3)").await.unwrap();
            assert_eq!(got, Some((0,)));
        })
    });
    join_all(tasks.collect()).await;
    let polls = polls.load(Ordering::Relaxed);
    assert!(polls <= 40, "{polls} polls of 4 futures");
}

/// Regression: on async-std, callers whose requests did not fit the socket's buffer (the
/// server busy, not reading) woke each other without end: each blocked write registered its
/// caller with the socket, which wakes the caller it replaces. Now only the driver writes
/// while the buffer is full. One caller keeps the server busy for 0.5 s while 16 others send
/// 1 MiB statements: the futures are polled as the server makes room, not in a loop.
async fn blocked_writers_do_not_spin<R: Runtime>() {
    let _w = Watchdog::new("blocked_writers_do_not_spin", Duration::from_secs(60));
    let c = shared::<R>().await;
    let polls = AtomicUsize::new(0);
    let big = "x".repeat(1 << 20);
    let tasks = (0..17).map(|i| {
        let (c, big) = (c.clone(), &big);
        let polls = &polls;
        counting_polls(polls, async move {
            let sql = match i {
                0 => "SELECT SLEEP(0.5)".to_string(),
                _ => format!("SELECT LENGTH('{big}')"),
            };
            let got: Option<(i64,)> = c.query_first(sql).await.unwrap();
            assert_eq!(got, Some((if i == 0 { 0 } else { 1 << 20 },)));
        })
    });
    join_all(tasks.collect()).await;
    let polls = polls.load(Ordering::Relaxed);
    assert!(polls <= 2_000, "{polls} polls of 17 futures");
}

/// `call`, counting in `polls` how many times it is polled.
async fn counting_polls(polls: &AtomicUsize, call: impl std::future::Future<Output = ()>) {
    let mut call = std::pin::pin!(call);
    std::future::poll_fn(|cx| {
        polls.fetch_add(1, Ordering::Relaxed);
        call.as_mut().poll(cx)
    })
    .await
}
