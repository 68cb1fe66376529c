//! The connection pool of every adapter (written once in the core's `pool_api!`), against the
//! test server: lending, waiting and timing out, what a connection handed back leaves behind,
//! connections the server killed or lost in a restart, a clean close, and load.

use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Client, PoolClient};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, port, table, url, Watchdog};
use mysql_proto::pool::PoolStatus;
use mysql_proto::{ErrorKind, TxOpts, Value};

integration_tests::for_every_adapter!(
    lends_reuses_and_times_out,
    a_waiter_gets_the_connection_handed_back,
    an_open_transaction_is_rolled_back_when_handed_back,
    reset_on_return_clears_the_session_and_without_it_statements_survive,
    killed_connections_are_replaced,
    a_restarted_server_is_reconnected,
    close_quits_every_connection,
    detach_takes_a_connection_out,
);

/// The test server's URL with pool options added.
fn pool_url(options: &str) -> String {
    with_options(&url(), options)
}

fn with_options(url: &str, options: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{options}")
}

fn status(open: usize, idle: usize, waiting: usize) -> PoolStatus {
    PoolStatus {
        open,
        idle,
        in_use: open - idle,
        waiting,
    }
}

async fn connection_id<C: Client>(c: &mut C) -> u64 {
    let id: Vec<(u64,)> = c.query_collect("SELECT CONNECTION_ID()").await.unwrap();
    id[0].0
}

/// Two connections lent, the third caller times out after the acquire timeout, a connection
/// handed back is lent again (the same one), and the counts and metrics say so.
fn lends_reuses_and_times_out<A: Adapter>() {
    let _w = Watchdog::new("lends_reuses_and_times_out", Duration::from_secs(60));
    let pool = A::Pool::new(&pool_url("pool-max=2&acquire-timeout=300ms")).unwrap();
    A::block_on(async {
        let mut a = pool.get().await.unwrap();
        let id_a = connection_id(&mut *a).await;
        let b = pool.get().await.unwrap();
        assert_eq!(pool.status(), status(2, 0, 0));
        let started = Instant::now();
        let e = pool.get().await.err().expect("a full pool times out");
        let waited = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(e.to_string().contains("acquire timeout"), "{e}");
        assert!(
            waited >= Duration::from_millis(290) && waited < Duration::from_secs(3),
            "{waited:?}"
        );
        drop(a);
        assert_eq!(pool.status(), status(2, 1, 0));
        let mut again = pool.get().await.unwrap();
        assert_eq!(connection_id(&mut *again).await, id_a);
        drop((b, again));
        assert_eq!(pool.status(), status(2, 2, 0));
        let m = pool.metrics();
        assert_eq!((m.acquired, m.opened, m.timed_out), (3, 2, 1), "{m:?}");
    });
}

/// With one connection and four callers, each caller waits its turn and gets the connection
/// handed back by the one before (FIFO), every query right.
fn a_waiter_gets_the_connection_handed_back<A: Adapter>() {
    let _w = Watchdog::new(
        "a_waiter_gets_the_connection_handed_back",
        Duration::from_secs(60),
    );
    let pool = A::Pool::new(&pool_url("pool-max=1&acquire-timeout=20s")).unwrap();
    let ids = A::concurrently(4, |i| {
        let pool = pool.clone();
        async move {
            let mut c = pool.get().await.unwrap();
            let got: Vec<(u64, u64)> = c
                .query_collect(&format!(
                    "SELECT {i}, CONNECTION_ID() FROM (SELECT SLEEP(0.05)) s"
                ))
                .await
                .unwrap();
            assert_eq!(got[0].0, i as u64);
            got[0].1
        }
    });
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one connection: {ids:?}"
    );
    assert_eq!(pool.status(), status(1, 1, 0));
    let m = pool.metrics();
    assert_eq!((m.acquired, m.opened), (4, 1), "{m:?}");
    assert!(m.waited >= 1 && m.max_wait > Duration::ZERO, "{m:?}");
}

/// A connection handed back inside a transaction (begun by SQL, or by a dropped guard) is
/// rolled back at once: another session can take the row locks it held within a second, and
/// the next user finds no transaction open.
fn an_open_transaction_is_rolled_back_when_handed_back<A: Adapter>() {
    let _w = Watchdog::new(
        "an_open_transaction_is_rolled_back",
        Duration::from_secs(60),
    );
    let t = table("pool_tx");
    let pool = A::Pool::new(&pool_url("pool-max=1")).unwrap();
    A::block_on(async {
        let mut side: A::Conn = connect(&url()).await;
        side.query_drop(&format!(
            "CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB"
        ))
        .await
        .unwrap();
        side.query_drop("SET SESSION innodb_lock_wait_timeout = 1")
            .await
            .unwrap();
        {
            let mut c = pool.get().await.unwrap();
            c.query_drop("BEGIN").await.unwrap();
            c.query_drop(&format!("INSERT INTO {t} VALUES (1)"))
                .await
                .unwrap();
        }
        // Without the rollback the row lock would make this wait a second and fail.
        side.query_drop(&format!("INSERT INTO {t} VALUES (1)"))
            .await
            .unwrap();
        {
            let mut c = pool.get().await.unwrap();
            let insert = format!("INSERT INTO {t} VALUES (2)");
            c.transaction(TxOpts::default(), &insert, false)
                .await
                .unwrap();
        }
        side.query_drop(&format!("INSERT INTO {t} VALUES (2)"))
            .await
            .unwrap();
        let mut c = pool.get().await.unwrap();
        let in_tx: Vec<(u64, u64)> = c
            .query_collect(&format!("SELECT @@in_transaction, COUNT(*) FROM {t}"))
            .await
            .unwrap();
        assert_eq!(in_tx, vec![(0, 2)]);
        side.query_drop(&format!("DROP TABLE {t}")).await.unwrap();
    });
}

/// `reset-on-return` clears session variables between users; without it the session and the
/// statement cache survive check-in (a statement is prepared once for two users).
fn reset_on_return_clears_the_session_and_without_it_statements_survive<A: Adapter>() {
    let _w = Watchdog::new("reset_on_return", Duration::from_secs(60));
    A::block_on(async {
        let options = "pool-max=1&reset-on-return=true&init-sql=SET%20%40init%20%3D%207";
        let reset = A::Pool::new(&pool_url(options)).unwrap();
        let mut c = reset.get().await.unwrap();
        c.query_drop("SET @x = 42, @init = 8").await.unwrap();
        drop(c);
        let mut c = reset.get().await.unwrap();
        // The session was reset, and init-sql ran again.
        let x: Vec<(Option<i64>, i64)> = c.query_collect("SELECT @x, @init").await.unwrap();
        assert_eq!(x, vec![(None, 7)]);
        drop(c);

        let keep = A::Pool::new(&pool_url("pool-max=1")).unwrap();
        for i in 0..2i64 {
            let mut c = keep.get().await.unwrap();
            let got: Vec<(i64,)> = c
                .exec_collect("SELECT ? + 1", vec![Value::Int(i)])
                .await
                .unwrap();
            assert_eq!(got, vec![(i + 1,)]);
            c.query_drop("SET @y = 7").await.unwrap();
        }
        let mut c = keep.get().await.unwrap();
        let prepared: Vec<(String, u64)> = c
            .query_collect("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")
            .await
            .unwrap();
        assert_eq!(prepared[0].1, 1, "prepared once for both users");
        let y: Vec<(Option<i64>,)> = c.query_collect("SELECT @y").await.unwrap();
        assert_eq!(y, vec![(Some(7),)]);
    });
}

/// `KILL` of every pooled connection: the next acquires notice (the socket says so, no ping
/// needed), replace them, and every query succeeds.
fn killed_connections_are_replaced<A: Adapter>() {
    let _w = Watchdog::new("killed_connections_are_replaced", Duration::from_secs(60));
    let pool = A::Pool::new(&pool_url("pool-max=4")).unwrap();
    A::block_on(async {
        let mut lent = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..4 {
            let mut c = pool.get().await.unwrap();
            ids.push(connection_id(&mut *c).await);
            lent.push(c);
        }
        drop(lent);
        let mut side: A::Conn = connect(&url()).await;
        for id in &ids {
            side.query_drop(&format!("KILL {id}")).await.unwrap();
        }
        gone(&mut side, &ids).await;
        for i in 0..20u64 {
            let mut c = pool.get().await.unwrap();
            let got: Vec<(u64,)> = c.query_collect(&format!("SELECT {i}")).await.unwrap();
            assert_eq!(got, vec![(i,)]);
        }
        let m = pool.metrics();
        assert_eq!((m.retired, m.opened), (4, 5), "{m:?}");
    });
}

/// Waits until none of `ids` is in the server's process list.
async fn gone<C: Client>(side: &mut C, ids: &[u64]) {
    let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ({list})");
    let started = Instant::now();
    loop {
        let left: Vec<(u64,)> = side.query_collect(&sql).await.unwrap();
        if left[0].0 == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "KILL took over 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A server restart, as the pool sees it (through a proxy that cuts every connection and
/// refuses new ones, then comes back): while it is down an acquire fails quickly with the
/// connect error and leaves nothing counted; once it is back, every acquire succeeds.
fn a_restarted_server_is_reconnected<A: Adapter>() {
    let _w = Watchdog::new("a_restarted_server_is_reconnected", Duration::from_secs(60));
    let proxy = FaultProxy::start(port(), Fault::None);
    let pool = A::Pool::new(&proxy.url(&pool_url("pool-max=4&acquire-timeout=5s"))).unwrap();
    A::block_on(async {
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(pool.get().await.unwrap());
        }
        drop(held);
        proxy.down();
        // The cut reaches the client sockets (loopback: at once; a margin anyway).
        std::thread::sleep(Duration::from_millis(50));
        let started = Instant::now();
        let e = pool.get().await.err().expect("the server is down");
        assert!(started.elapsed() < Duration::from_secs(5), "{e}");
        assert!(e.is_fatal(), "{e}");
        assert_eq!(pool.status(), status(0, 0, 0));
        proxy.up();
        for i in 0..20u64 {
            let mut c = pool.get().await.unwrap();
            let got: Vec<(u64,)> = c.query_collect(&format!("SELECT {i}")).await.unwrap();
            assert_eq!(got, vec![(i,)]);
        }
        assert_eq!(pool.status(), status(1, 1, 0));
    });
}

/// `close` says goodbye (`COM_QUIT`) on every idle connection at once and on each lent one
/// when handed back; acquires fail with `Closed` after it. Dropping the last handle of a pool
/// closes its idle connections the same way.
fn close_quits_every_connection<A: Adapter>() {
    let _w = Watchdog::new("close_quits_every_connection", Duration::from_secs(60));
    let proxy = FaultProxy::start(port(), Fault::None);
    let plain = proxy.url(&pool_url("pool-max=3&ssl-mode=disabled"));
    let pool = A::Pool::new(&plain).unwrap();
    A::block_on(async {
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(pool.get().await.unwrap());
        }
        let mut last = held.pop().unwrap();
        drop(held);
        pool.close();
        eventually(|| proxy.quits() == 2, "two idle connections quit");
        let e = pool.get().await.err().expect("closed");
        assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
        last.ping().await.unwrap();
        drop(last);
        eventually(|| proxy.quits() == 3, "the lent one quits when handed back");
        assert_eq!(pool.status(), status(0, 0, 0));

        let other = A::Pool::new(&plain).unwrap();
        let (a, b) = (other.get().await.unwrap(), other.get().await.unwrap());
        drop((a, b));
        drop(other);
        eventually(
            || proxy.quits() == 5,
            "dropping the pool quits its connections",
        );
    });
}

fn eventually(cond: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < Duration::from_secs(5), "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A detached connection leaves the pool (its slot is free at once) and keeps working.
fn detach_takes_a_connection_out<A: Adapter>() {
    let pool = A::Pool::new(&pool_url("pool-max=1&acquire-timeout=1s")).unwrap();
    A::block_on(async {
        let mut own = A::Pool::detach(pool.get().await.unwrap());
        assert_eq!(pool.status(), status(0, 0, 0));
        let mut c = pool.get().await.unwrap();
        assert_ne!(connection_id(&mut own).await, connection_id(&mut *c).await);
        own.close().await.unwrap();
    });
}
