//! The operations of the core (`mysql_proto::ops`) through every adapter, where they were once
//! written twice and went wrong: commands owed by abandoned operations, small `max-in-flight`
//! and `max-send-buffer` limits, the connect timeout as a deadline, the query timeout.
//! Each test is a regression test of a defect found by hostile testing; a watchdog turns a
//! hang into a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use integration_tests::client::{Adapter, Client};
use integration_tests::{connect, for_every_adapter, table, url, Watchdog};
use mysql_proto::testing::{mariadb_greeting, ServerScript};
use mysql_proto::{ErrorKind, PipelineStep, TxOpts, Value};

for_every_adapter!(
    a_pipeline_after_an_unfinished_query_under_max_in_flight_2,
    dropped_transactions_under_max_in_flight_2,
    commands_owed_by_abandoned_operations_make_room,
    exec_batch_and_pipelines_fit_a_small_send_buffer,
    connect_timeout_bounds_a_slow_greeting,
    connect_timeout_bounds_endless_auth_switches,
    query_timeout_kills_the_statement_and_keeps_the_connection,
);

fn with_opts(opts: &str) -> String {
    let u = url();
    let sep = if u.contains('?') { '&' } else { '?' };
    format!("{u}{sep}{opts}")
}

/// Regression: with `max-in-flight=2`, a query whose result was dropped after one row left its
/// command owed, and a two-command pipeline then queued nothing and waited for an event that
/// never came (tokio hung forever, blocking until the read timeout).
fn a_pipeline_after_an_unfinished_query_under_max_in_flight_2<A: Adapter>() {
    let _w = Watchdog::new(
        "pipeline after an unfinished query",
        Duration::from_secs(60),
    );
    A::block_on(async {
        let mut c: A::Conn = connect(&with_opts("max-in-flight=2")).await;
        for round in 0..20 {
            assert_eq!(
                c.read_some("SELECT seq FROM seq_1_to_1000", 1)
                    .await
                    .unwrap(),
                1
            );
            let steps = vec![
                PipelineStep::query(format!("SELECT {round}"), true),
                PipelineStep::exec("SELECT ? + 1", (round,), true),
            ];
            let out = c.run_pipeline(steps).await.unwrap();
            assert_eq!(
                out[0].as_ref().unwrap().rows()[0].get::<i64>(0).unwrap(),
                round
            );
            let plus_one = out[1].as_ref().unwrap().rows()[0].get::<i64>(0).unwrap();
            assert_eq!(plus_one, round + 1);
        }
    })
}

/// Regression: with `max-in-flight=2`, a dropped transaction left its queued `ROLLBACK` and the
/// statement owed, and the next command was refused ("commands already in flight") while
/// nothing drained them. Each dropped transaction must roll back, and the connection go on.
fn dropped_transactions_under_max_in_flight_2<A: Adapter>() {
    let _w = Watchdog::new("dropped transactions", Duration::from_secs(60));
    A::block_on(async {
        let t = table("dropped_tx");
        let mut c: A::Conn = connect(&with_opts("max-in-flight=2")).await;
        c.query_drop(&format!("CREATE TEMPORARY TABLE {t} (n INT) ENGINE=InnoDB"))
            .await
            .unwrap();
        for i in 0..20 {
            let insert = format!("INSERT INTO {t} VALUES ({i})");
            let isolation = TxOpts {
                isolation: Some(mysql_proto::IsolationLevel::ReadCommitted),
                ..TxOpts::default()
            };
            // Begun, one statement, dropped without commit: rolled back.
            c.transaction(isolation, &insert, false).await.unwrap();
            let got: Vec<(i64,)> = c
                .exec_collect(
                    &format!("SELECT COUNT(*) + ? FROM {t}"),
                    vec![Value::Int(i)],
                )
                .await
                .unwrap();
            assert_eq!(
                got,
                vec![(i,)],
                "round {i}: a dropped transaction committed"
            );
        }
        c.transaction(
            TxOpts::default(),
            &format!("INSERT INTO {t} VALUES (1)"),
            true,
        )
        .await
        .unwrap();
        let got: Vec<(i64,)> = c
            .query_collect(&format!("SELECT COUNT(*) FROM {t}"))
            .await
            .unwrap();
        assert_eq!(got, vec![(1,)]);
    })
}

/// Regression: commands left owed (here: queued raw, never read) filled `max-in-flight`, and
/// every later operation failed with "commands already in flight" while nothing drained them.
/// Operations must make room by reading, for every kind of operation.
fn commands_owed_by_abandoned_operations_make_room<A: Adapter>() {
    let _w = Watchdog::new("owed commands make room", Duration::from_secs(60));
    A::block_on(async {
        let t = table("room");
        let mut c: A::Conn = connect(&with_opts("max-in-flight=4")).await;
        c.query_drop(&format!("CREATE TEMPORARY TABLE {t} (n INT)"))
            .await
            .unwrap();
        let fill = |c: &mut A::Conn| {
            for _ in 0..4 {
                c.send_raw("SELECT seq FROM seq_1_to_2000").unwrap();
            }
        };
        fill(&mut c);
        let got: Vec<(i64,)> = c
            .exec_collect("SELECT ?", vec![Value::Int(7)])
            .await
            .unwrap();
        assert_eq!(got, vec![(7,)]);
        fill(&mut c);
        let sets = (0..50).map(|i| vec![Value::Int(i)]).collect();
        let n = c
            .exec_batch(&format!("INSERT INTO {t} VALUES (?)"), sets)
            .await
            .unwrap();
        assert_eq!(n, 50);
        fill(&mut c);
        let steps = (0..30)
            .map(|i| PipelineStep::exec(format!("SELECT ? * {i}"), (2,), true))
            .collect();
        let out = c.run_pipeline(steps).await.unwrap();
        for (i, r) in out.iter().enumerate() {
            assert_eq!(
                r.as_ref().unwrap().rows()[0].get::<i64>(0).unwrap(),
                2 * i as i64
            );
        }
        fill(&mut c);
        let insert = format!("INSERT INTO {t} VALUES (1000)");
        c.transaction(TxOpts::default(), &insert, true)
            .await
            .unwrap();
        fill(&mut c);
        let sum: Vec<(i64,)> = c
            .query_collect(&format!("SELECT CAST(SUM(n) AS SIGNED) FROM {t}"))
            .await
            .unwrap();
        assert_eq!(sum, vec![((0..50).sum::<i64>() + 1000,)]);
    })
}

/// Regression: with `max-send-buffer=65536`, a batch of 500 rows of 3 KB failed with "send
/// buffer holds more than max-send-buffer", left 527 KB queued unsent, and every later call
/// (ping included) failed the same way. A batch splits to fit the limit; so does a pipeline.
fn exec_batch_and_pipelines_fit_a_small_send_buffer<A: Adapter>() {
    let _w = Watchdog::new("small send buffer", Duration::from_secs(60));
    A::block_on(async {
        let t = table("sendbuf");
        let mut c: A::Conn = connect(&with_opts("max-send-buffer=65536")).await;
        c.query_drop(&format!("CREATE TEMPORARY TABLE {t} (n INT, s TEXT)"))
            .await
            .unwrap();
        let big = "y".repeat(3000);
        let sets: Vec<Vec<Value>> = (0..500)
            .map(|i| vec![Value::Int(i), Value::Bytes(big.clone().into_bytes())])
            .collect();
        let n = c
            .exec_batch(&format!("INSERT INTO {t} VALUES (?, ?)"), sets)
            .await
            .unwrap();
        assert_eq!(n, 500);
        c.ping().await.unwrap();
        let steps = (0..300)
            .map(|i| PipelineStep::exec("SELECT ?, LENGTH(?)", (i, big.as_str()), true))
            .collect();
        let out = c.run_pipeline(steps).await.unwrap();
        assert_eq!(out.len(), 300);
        for (i, r) in out.iter().enumerate() {
            let row = &r.as_ref().unwrap().rows()[0];
            assert_eq!(row.get::<i64>(0).unwrap(), i as i64);
            assert_eq!(row.get::<i64>(1).unwrap(), 3000);
        }
        let count: Vec<(i64, i64)> = c
            .query_collect(&format!("SELECT COUNT(*), SUM(LENGTH(s)) FROM {t}"))
            .await
            .unwrap();
        assert_eq!(count, vec![(500, 1_500_000)]);
    })
}

/// A fake server on loopback that runs `serve` on its first connection; returns its URL with
/// `connect-timeout=2`.
fn fake_server(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            serve(s)
        }
    });
    format!("mysql://u:p@127.0.0.1:{port}/?connect-timeout=2&ssl-mode=disabled")
}

/// Connects to `url` and checks the connect fails with a timeout after about two seconds.
async fn times_out_in_two_seconds<C: Client>(url: &str) {
    let start = Instant::now();
    let e = match C::connect(url).await {
        Ok(_) => panic!("connected to a fake server"),
        Err(e) => e,
    };
    let took = start.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(took >= Duration::from_millis(1900), "{took:?}");
    assert!(
        took < Duration::from_millis(3500),
        "{took:?}: not a deadline"
    );
}

/// Regression: a server sending its greeting one byte every 0.2 s kept a blocking connect
/// with `connect-timeout=2` going for 22 s (the timeout applied per read).
fn connect_timeout_bounds_a_slow_greeting<A: Adapter>() {
    let _w = Watchdog::new("slow greeting", Duration::from_secs(30));
    let url = fake_server(|mut s| {
        let mut script = ServerScript::new();
        script.greeting(&mariadb_greeting());
        for b in script.bytes() {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    A::block_on(times_out_in_two_seconds::<A::Conn>(&url));
}

/// Regression: a server answering every auth response with another auth switch kept a
/// blocking connect going forever.
fn connect_timeout_bounds_endless_auth_switches<A: Adapter>() {
    let _w = Watchdog::new("endless auth switches", Duration::from_secs(30));
    let url = fake_server(|mut s| {
        let mut script = ServerScript::new();
        script.greeting(&mariadb_greeting());
        if s.write_all(script.bytes()).is_err() {
            return;
        }
        let mut switch = b"\xfemysql_native_password\0".to_vec();
        switch.extend_from_slice(b"abcdefghijklmnopqrst\0");
        while let Some(seq) = read_packet(&mut s) {
            let mut packet = (switch.len() as u32).to_le_bytes();
            packet[3] = seq.wrapping_add(1);
            let ok = s.write_all(&packet).and_then(|()| s.write_all(&switch));
            if ok.is_err() {
                return;
            }
        }
    });
    A::block_on(times_out_in_two_seconds::<A::Conn>(&url));
}

/// Reads one packet; its sequence id, or `None` when the peer closed.
fn read_packet(s: &mut TcpStream) -> Option<u8> {
    let mut header = [0; 4];
    s.read_exact(&mut header).ok()?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    let mut payload = vec![0; len];
    s.read_exact(&mut payload).ok()?;
    Some(header[3])
}

/// A statement running past the query timeout is killed; the call fails with a timeout that is
/// not fatal and the same connection answers exactly afterwards (blocking included, where the
/// timeout once did not exist).
fn query_timeout_kills_the_statement_and_keeps_the_connection<A: Adapter>() {
    let _w = Watchdog::new("query timeout", Duration::from_secs(60));
    A::block_on(async {
        let mut c: A::Conn = connect(&with_opts("query-timeout=300ms")).await;
        for round in 0..3 {
            let start = Instant::now();
            let e = c.query_drop("SELECT SLEEP(10)").await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
            assert!(!e.is_fatal(), "{e}");
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "{:?}",
                start.elapsed()
            );
            let got: Vec<(i64,)> = c.query_collect(&format!("SELECT {round}")).await.unwrap();
            assert_eq!(got, vec![(round,)]);
        }
        // While rows stream: the first row came, the second is slow.
        let start = Instant::now();
        let (lines, e) = c.results("SELECT 1 UNION ALL SELECT SLEEP(10)").await;
        let e = e.expect("a timeout");
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(lines.len() <= 2, "{lines:?}");
        assert!(start.elapsed() < Duration::from_secs(3));
        c.set_query_timeout(None);
        let got: Vec<(String,)> = c.query_collect("SELECT 'still fine'").await.unwrap();
        assert_eq!(got, vec![("still fine".to_string(),)]);
    })
}
