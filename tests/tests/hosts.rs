//! Several hosts behind one URL (`mysql_proto::hosts`, the connect written once in the core's
//! `connect_api!`), on every adapter, against the test server reached through fault proxies
//! on loopback (each proxy a "host" that can go down): failover, round-robin spread, least
//! connections, the back-off of a down host, a dead host's pooled connections moving to the
//! others, `target`, and statements cut mid-way reported as `OutcomeUnknown`.

use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Client, PoolClient};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{port, url, Watchdog};
use mysql_proto::ErrorKind;

integration_tests::for_every_adapter!(
    failover_skips_a_host_that_is_down,
    target_passes_over_a_server_of_the_wrong_role,
    round_robin_spreads_connections_evenly,
    least_connections_follows_the_load,
    a_down_host_is_not_retried_before_its_backoff,
    a_dead_hosts_pooled_connections_move_to_the_others,
    a_statement_cut_mid_way_has_an_unknown_outcome,
);

/// The test server's URL with these `host:port` pairs as its hosts and `options` added.
fn hosts_url(hosts: &[String], options: &str) -> String {
    let base = url();
    let (head, tail) = base.split_once('@').unwrap();
    let path = &tail[tail.find('/').unwrap()..];
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{head}@{}{path}{sep}{options}", hosts.join(","))
}

fn proxy_host(p: &FaultProxy) -> String {
    format!("127.0.0.1:{}", p.port())
}

async fn server_port<C: Client>(c: &mut C) -> u16 {
    let rows: Vec<(u16,)> = c.query_collect("SELECT @@port").await.unwrap();
    rows[0].0
}

/// Port 1 refuses: the connect goes on to the next host; every host refusing is an I/O error
/// naming how many were tried.
fn failover_skips_a_host_that_is_down<A: Adapter>() {
    let _w = Watchdog::new(
        "failover_skips_a_host_that_is_down",
        Duration::from_secs(60),
    );
    A::block_on(async {
        let u = hosts_url(&["127.0.0.1:1".into(), format!("127.0.0.1:{}", port())], "");
        let mut c = A::Conn::connect(&u).await.unwrap();
        assert_eq!(server_port(&mut c).await, port());
        let u = hosts_url(&["127.0.0.1:1".into(), "127.0.0.1:2".into()], "");
        let e = A::Conn::connect(&u)
            .await
            .err()
            .expect("nothing listens there");
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        assert!(e.message().contains("no host of 2"), "{e}");
    })
}

/// The test server is read-write: `target=replica` passes it over (`Unavailable`, naming it),
/// `target=primary` takes it.
fn target_passes_over_a_server_of_the_wrong_role<A: Adapter>() {
    let _w = Watchdog::new("target_passes_over", Duration::from_secs(60));
    A::block_on(async {
        let here = format!("127.0.0.1:{}", port());
        let e = A::Conn::connect(&hosts_url(std::slice::from_ref(&here), "target=replica"))
            .await
            .err()
            .expect("the test server is no replica");
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
        assert!(e.message().contains(&here), "{e}");
        let mut c = A::Conn::connect(&hosts_url(&[here], "target=primary"))
            .await
            .unwrap();
        assert_eq!(server_port(&mut c).await, port());
    })
}

/// 40 connections held at once through a round-robin pool over two hosts: 20 on each (±10%).
fn round_robin_spreads_connections_evenly<A: Adapter>() {
    let _w = Watchdog::new("round_robin_spreads", Duration::from_secs(60));
    let (p1, p2) = (
        FaultProxy::start(port(), Fault::None),
        FaultProxy::start(port(), Fault::None),
    );
    let u = hosts_url(
        &[proxy_host(&p1), proxy_host(&p2)],
        "load-balance=round-robin&pool-max=40",
    );
    let pool = A::Pool::new(&u).unwrap();
    A::block_on(async {
        let mut held = Vec::new();
        for _ in 0..40 {
            held.push(pool.get().await.unwrap());
        }
        let counts: Vec<usize> = pool.hosts().iter().map(|h| h.connections).collect();
        assert_eq!(counts.iter().sum::<usize>(), 40, "{counts:?}");
        assert!(counts.iter().all(|&c| (18..=22).contains(&c)), "{counts:?}");
        drop(held);
    });
    pool.close();
}

/// Three connections open while the second host is down, all on the first; the second back up,
/// the next three new connections all go to it (least connections first).
fn least_connections_follows_the_load<A: Adapter>() {
    let _w = Watchdog::new("least_connections", Duration::from_secs(60));
    let (p1, p2) = (
        FaultProxy::start(port(), Fault::None),
        FaultProxy::start(port(), Fault::None),
    );
    let u = hosts_url(
        &[proxy_host(&p1), proxy_host(&p2)],
        "load-balance=least-connections&host-backoff=200ms&pool-max=10",
    );
    let pool = A::Pool::new(&u).unwrap();
    A::block_on(async {
        p2.down();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(pool.get().await.unwrap());
        }
        let counts =
            |pool: &A::Pool| -> Vec<usize> { pool.hosts().iter().map(|h| h.connections).collect() };
        assert_eq!(counts(&pool), vec![3, 0]);
        p2.up();
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..3 {
            held.push(pool.get().await.unwrap());
        }
        assert_eq!(counts(&pool), vec![3, 3]);
        drop(held);
    });
    pool.close();
}

/// A host that failed is not tried again before its back-off (its failure count stays), then
/// is (and fails again while still down, its back-off doubling), and once it is back it is
/// used again (failover prefers it).
fn a_down_host_is_not_retried_before_its_backoff<A: Adapter>() {
    let _w = Watchdog::new("backoff", Duration::from_secs(60));
    let (p1, p2) = (
        FaultProxy::start(port(), Fault::None),
        FaultProxy::start(port(), Fault::None),
    );
    let u = hosts_url(
        &[proxy_host(&p1), proxy_host(&p2)],
        "host-backoff=500ms&pool-max=10",
    );
    let pool = A::Pool::new(&u).unwrap();
    A::block_on(async {
        p1.down();
        let mut held = vec![pool.get().await.unwrap()];
        let first = pool.hosts()[0];
        assert_eq!((first.failures, first.connections), (1, 0));
        let failed_at = Instant::now();
        held.push(pool.get().await.unwrap());
        assert!(failed_at.elapsed() < Duration::from_millis(400));
        assert_eq!(pool.hosts()[0].failures, 1, "retried within its back-off");
        std::thread::sleep(Duration::from_millis(600));
        held.push(pool.get().await.unwrap());
        assert_eq!(
            pool.hosts()[0].failures,
            2,
            "not retried after its back-off"
        );
        p1.up();
        // The second failure doubled the back-off (1 s).
        std::thread::sleep(Duration::from_millis(1100));
        held.push(pool.get().await.unwrap());
        let first = pool.hosts()[0];
        assert_eq!((first.failures, first.connections), (0, 1), "{first:?}");
        assert_eq!(pool.hosts()[1].connections, 3);
        drop(held);
    });
    pool.close();
}

/// Four idle pooled connections, two per host; the first host dies (its connections cut, new
/// ones refused): the next four borrowers all get working connections, all on the second host.
fn a_dead_hosts_pooled_connections_move_to_the_others<A: Adapter>() {
    let _w = Watchdog::new("dead_host_moves", Duration::from_secs(60));
    let (p1, p2) = (
        FaultProxy::start(port(), Fault::None),
        FaultProxy::start(port(), Fault::None),
    );
    let u = hosts_url(
        &[proxy_host(&p1), proxy_host(&p2)],
        "load-balance=round-robin&pool-max=4",
    );
    let pool = A::Pool::new(&u).unwrap();
    A::block_on(async {
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(pool.get().await.unwrap());
        }
        drop(held);
        assert_eq!(pool.status().idle, 4);
        p1.down();
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut c = pool.get().await.unwrap();
            assert_eq!(server_port(&mut *c).await, port());
            held.push(c);
        }
        let counts: Vec<usize> = pool.hosts().iter().map(|h| h.connections).collect();
        assert_eq!(counts, vec![0, 4]);
        drop(held);
    });
    pool.close();
}

/// The connection dies while a statement runs: the error says its outcome is unknown (the
/// server may have run it), not that it failed.
fn a_statement_cut_mid_way_has_an_unknown_outcome<A: Adapter>() {
    let _w = Watchdog::new("outcome_unknown", Duration::from_secs(60));
    let proxy = FaultProxy::start(port(), Fault::None);
    let u = proxy.url(&url());
    std::thread::scope(|s| {
        A::block_on(async {
            let mut c = A::Conn::connect(&u).await.unwrap();
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(300));
                proxy.down();
            });
            let e = c
                .query_drop("SELECT SLEEP(3)")
                .await
                .expect_err("the connection was cut");
            assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{e}");
            assert!(e.is_fatal());
        })
    });
}
