//! Binlog streaming (`COM_BINLOG_DUMP`) on every adapter against the test server (`log-bin`,
//! `binlog-format=ROW`): rows written here come back from the log with every value decoded,
//! from a file position and from a GTID position; heartbeats; refusals; the connection closed
//! by the server after a dump.
//!
//! Tests run in parallel and share one log: each reads only its own table's events.

use std::time::Duration;

use integration_tests::client::{Adapter, Client};
use integration_tests::url;
use mysql_proto::binlog::{BinlogRequest, BinlogStream, EventData, RowsEvent, RowsKind};
use mysql_proto::testing::binlog_fixture as fixture;
use mysql_proto::{ErrorKind, Value};

integration_tests::for_every_adapter!(
    rows_come_back_from_the_log_with_every_value,
    edge_values_read_as_the_server_renders_them,
    resuming_where_a_stream_stopped_repeats_and_skips_nothing,
    a_gtid_position_starts_after_its_transactions,
    an_idle_blocking_dump_sends_heartbeats_and_refuses_other_commands,
    refusals_are_server_errors_and_then_the_connection_is_closed,
);

/// A table name of this test and adapter.
fn table<A>(test: &str) -> String {
    let adapter = std::any::type_name::<A>().rsplit("::").next().unwrap();
    format!("binlog_{test}_{}", adapter.to_lowercase())
}

/// Server ids presented to the server: each dump its own (MariaDB refuses a dump with the id
/// of a replica still connected).
fn server_id<A>(test: u32) -> u32 {
    let adapter = std::any::type_name::<A>().rsplit("::").next().unwrap();
    let n = ["Blocking", "Tokio", "Smol", "AsyncStd", "Compio"]
        .iter()
        .position(|a| *a == adapter)
        .expect("a known adapter") as u32;
    1000 + test * 16 + n
}

/// Reads a non-blocking dump to its end; returns the row events of the tables whose names
/// start with `table`.
async fn rows_of<C: Client>(c: &mut C, stream: &mut BinlogStream, table: &str) -> Vec<RowsEvent> {
    let mut rows = Vec::new();
    let mut first = true;
    while let Some(ev) = c.next_binlog_event(stream).await.unwrap() {
        if first {
            // Every dump starts with a ROTATE naming the file, then its format description.
            assert!(matches!(ev.data, EventData::Rotate { .. }), "{ev:?}");
            first = false;
        }
        if let EventData::Rows(r) = ev.data {
            if r.table.table.starts_with(table) {
                rows.push(r);
            }
        }
    }
    assert!(stream.ended());
    rows
}

fn rows_come_back_from_the_log_with_every_value<A: Adapter>() {
    A::block_on(async {
        let t = table::<A>("values");
        let mut c = A::Conn::connect(&url()).await.unwrap();
        c.query_drop(&fixture::create(&t)).await.unwrap();
        let (file, pos) = c.binlog_position().await.unwrap();
        c.query_drop("SET time_zone = '+00:00'").await.unwrap();
        for sql in [
            fixture::insert(&t),
            fixture::update(&t),
            fixture::delete(&t),
        ] {
            c.query_drop(&sql).await.unwrap();
        }
        // A LONGBLOB (4-byte lengths) over 64 KiB, in a table of its own.
        let big = format!("{t}_big");
        c.query_drop(&format!(
            "CREATE OR REPLACE TABLE {big} (id INT PRIMARY KEY, bl LONGBLOB)"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("INSERT INTO {big} VALUES (1, REPEAT('z', 70000))"))
            .await
            .unwrap();

        let mut dump = A::Conn::connect(&url()).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(1))
            .file(file, pos)
            .non_blocking(true);
        let mut stream = dump.binlog_dump(&request).await.unwrap();
        let mut events = rows_of(&mut dump, &mut stream, &t).await;
        let blob = rows_of_big(&mut events, &big);
        assert_eq!(blob, Some(Value::Bytes(vec![b'z'; 70000])));
        let kinds: Vec<RowsKind> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [RowsKind::Insert, RowsKind::Update, RowsKind::Delete]
        );
        let table = &events[0].table;
        assert_eq!(table.schema, "test");
        assert_eq!(table.columns.len(), 23);
        assert!(table.columns[22].nullable && !table.columns[0].nullable);

        let inserted = events[0].rows[0].after.clone().unwrap();
        let v: Vec<Value> = inserted.into_iter().map(Option::unwrap).collect();
        assert_eq!(v, fixture::inserted());

        let update = &events[1].rows[0];
        let (before, after) = (
            update.before.clone().unwrap(),
            update.after.clone().unwrap(),
        );
        assert_eq!(before[22], Some(Value::Null));
        assert_eq!(after[22], Some(Value::Int(7)));
        assert_eq!(after[14], Some(Value::Bytes(b"short".to_vec())));
        assert_eq!(before[14], Some(Value::Bytes("v".repeat(300).into_bytes())));
        let deleted = events[2].rows[0].before.clone().unwrap();
        assert_eq!(deleted[0], Some(Value::Int(1)));
        assert!(events[2].rows[0].after.is_none());

        // An ended stream stays ended; the server closed the connection after the dump.
        assert!(dump.next_binlog_event(&mut stream).await.unwrap().is_none());
        let e = dump.query_drop("SELECT 1").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
        c.query_drop(&format!("DROP TABLE {t}, {big}"))
            .await
            .unwrap();
    })
}

/// Takes the row event of `big` out of `events`: its one value after the id.
fn rows_of_big(events: &mut Vec<RowsEvent>, big: &str) -> Option<Value> {
    let at = events.iter().position(|e| e.table.table == big)?;
    let e = events.remove(at);
    e.rows[0].after.as_ref()?[1].clone()
}

fn a_gtid_position_starts_after_its_transactions<A: Adapter>() {
    A::block_on(async {
        let t = table::<A>("gtid");
        let mut c = A::Conn::connect(&url()).await.unwrap();
        c.query_drop(&format!(
            "CREATE OR REPLACE TABLE {t} (id INT PRIMARY KEY, s VARCHAR(20))"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("INSERT INTO {t} VALUES (1, 'before')"))
            .await
            .unwrap();
        let pos: Vec<(String,)> = c.query_collect("SELECT @@gtid_binlog_pos").await.unwrap();
        c.query_drop(&format!("INSERT INTO {t} VALUES (2, 'after')"))
            .await
            .unwrap();
        let mut dump = A::Conn::connect(&url()).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(2))
            .mariadb_gtid(pos[0].0.clone())
            .non_blocking(true);
        let mut stream = dump.binlog_dump(&request).await.unwrap();
        let mut gtids = 0;
        let mut ids = Vec::new();
        while let Some(ev) = dump.next_binlog_event(&mut stream).await.unwrap() {
            match ev.data {
                EventData::Gtid(g) => {
                    assert_eq!(g.server_id, ev.header.server_id);
                    gtids += 1;
                }
                EventData::Rows(r) if r.table.table == t => {
                    ids.push(r.rows[0].after.clone().unwrap()[0].clone());
                }
                _ => {}
            }
        }
        assert_eq!(
            ids,
            [Some(Value::Int(2))],
            "only the row after the position"
        );
        assert!(gtids >= 1);
        // A position that is not one is refused before anything is sent.
        let bad = BinlogRequest::new(9).mariadb_gtid("0-1-1'; DROP TABLE x; --");
        let e = dump.binlog_dump(&bad).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        c.query_drop(&format!("DROP TABLE {t}")).await.unwrap();
    })
}

fn an_idle_blocking_dump_sends_heartbeats_and_refuses_other_commands<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let (file, pos) = c.binlog_position().await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(3))
            .file(file.clone(), pos)
            .heartbeat_ms(100);
        let mut stream = c.binlog_dump(&request).await.unwrap();
        // At the end of the log the server waits; after 100 ms idle it says it is alive.
        let mut heartbeats = 0;
        let started = std::time::Instant::now();
        while heartbeats < 2 {
            let ev = c.next_binlog_event(&mut stream).await.unwrap().unwrap();
            if let EventData::Heartbeat { file: at } = &ev.data {
                assert_eq!(at, &file);
                heartbeats += 1;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no heartbeat");
        }
        // The dump never ends: another command on this connection is refused, unsent.
        let e = c.query_drop("SELECT 1").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        assert!(c.next_binlog_event(&mut stream).await.unwrap().is_some());
    })
}

fn refusals_are_server_errors_and_then_the_connection_is_closed<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(4))
            .file("no-such-file.000001", 4)
            .non_blocking(true);
        let mut stream = c.binlog_dump(&request).await.unwrap();
        let e = c.next_binlog_event(&mut stream).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert_eq!(e.server().map(|s| s.code), Some(1236), "{e}");
        assert!(c.next_binlog_event(&mut stream).await.unwrap().is_none());
        // The server ends the session after the refusal; the error says so.
        let e = c.query_drop("SELECT 1").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed, "{e}");
        assert!(e.to_string().contains("binlog dump"), "{e}");

        // A user without REPLICATION SLAVE.
        let nopw = url().replace("rs_native:native_pw", "rs_nopw");
        let mut c = A::Conn::connect(&nopw).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(5)).non_blocking(true);
        let mut stream = c.binlog_dump(&request).await.unwrap();
        let e = c.next_binlog_event(&mut stream).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert_eq!(c.ping().await.unwrap_err().kind(), ErrorKind::Closed);
    })
}

/// Values at the edges of their types (DECIMAL digit groups, negative TIMEs with fractions,
/// the first and last DATETIMEs, BIT(64), extreme BIGINTs): the log's values, rendered as
/// text, are what the server renders for the same rows.
fn edge_values_read_as_the_server_renders_them<A: Adapter>() {
    A::block_on(async {
        let t = table::<A>("edges");
        let mut c = A::Conn::connect(&url()).await.unwrap();
        c.query_drop("SET time_zone = '+00:00'").await.unwrap();
        c.query_drop(&format!(
            "CREATE OR REPLACE TABLE {t} (id INT PRIMARY KEY, d1 DECIMAL(10,0), \
             d2 DECIMAL(5,2), d3 DECIMAL(65,30), d4 DECIMAL(18,9), d5 DECIMAL(10,5), \
             tm0 TIME, tm3 TIME(3), tm6 TIME(6), dt0 DATETIME, dt1 DATETIME(1), \
             ts6 TIMESTAMP(6) NULL, b1 BIT(1), b64 BIT(64), y YEAR, bi BIGINT)"
        ))
        .await
        .unwrap();
        let (file, pos) = c.binlog_position().await.unwrap();
        let nines = |n| "9".repeat(n);
        c.query_drop(&format!(
            "INSERT INTO {t} VALUES \
             (1, 0, 0.00, 0, 0, 0, '00:00:00', '00:00:00', '00:00:00', '1000-01-01 00:00:00', \
              '9999-12-31 23:59:59.9', '1970-01-01 00:00:01', 0, 0, 1901, -9223372036854775808), \
             (2, -9999999999, -999.99, -{i}.{f}, 123456789.123456789, -0.00001, '-00:00:01', \
              '-838:59:59.000', '838:59:59.000000', '2024-02-29 12:00:00', \
              '2000-01-01 00:00:00.5', '2038-01-19 03:14:07.999999', 1, \
              18446744073709551615, 2155, 9223372036854775807), \
             (3, 9999999999, 0.01, 0.{tiny}1, -0.000000001, 12345.67891, '-00:00:00', \
              '-00:00:00.500', '-12:34:56.000001', '2000-02-29 23:59:59', \
              '1999-12-31 23:59:59.1', '2001-09-09 01:46:40.000001', 0, 1, 2000, -1), \
             (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
              NULL, NULL)",
            i = nines(35),
            f = nines(30),
            tiny = "0".repeat(29),
        ))
        .await
        .unwrap();
        let (server, error) = c
            .results(&format!(
                "SELECT id, d1, d2, d3, d4, d5, tm0, tm3, tm6, dt0, dt1, ts6, b1 + 0, b64 + 0, y, \
                 bi FROM {t} ORDER BY id"
            ))
            .await;
        assert!(error.is_none(), "{error:?}");
        let server: Vec<&String> = server.iter().filter(|l| l.starts_with("row:")).collect();

        let mut dump = A::Conn::connect(&url()).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(6))
            .file(file, pos)
            .non_blocking(true);
        let mut stream = dump.binlog_dump(&request).await.unwrap();
        let events = rows_of(&mut dump, &mut stream, &t).await;
        let mut ours = Vec::new();
        for e in &events {
            for change in &e.rows {
                let values = change.after.as_ref().unwrap();
                let text: Vec<String> = values
                    .iter()
                    .zip(&e.table.columns)
                    .map(|(v, col)| as_server_text(v.as_ref().unwrap(), col))
                    .collect();
                ours.push(format!("row:{}", text.join(",")));
            }
        }
        let server: Vec<String> = server.into_iter().cloned().collect();
        assert_eq!(ours, server);
        assert_eq!(ours.len(), 4);
        c.query_drop(&format!("DROP TABLE {t}")).await.unwrap();
    })
}

/// A value of the log as the server renders it in the text protocol (fractional digits from
/// the column's metadata).
fn as_server_text(v: &Value, column: &mysql_proto::binlog::BinlogColumn) -> String {
    use mysql_proto::ColumnType as T;
    let digits = column.metadata as u8;
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::DateTime(d) => d.format(column.column_type != T::Date, digits),
        Value::Time(t) => t.format(digits),
        other => format!("{other:?}"),
    }
}

/// A reader stops after the first of three transactions; dumps from the stream's resume
/// position, by file and by GTID, go on with the second: nothing repeated, nothing skipped.
fn resuming_where_a_stream_stopped_repeats_and_skips_nothing<A: Adapter>() {
    A::block_on(async {
        let t = table::<A>("resume");
        let mut c = A::Conn::connect(&url()).await.unwrap();
        c.query_drop(&format!("CREATE OR REPLACE TABLE {t} (id INT PRIMARY KEY)"))
            .await
            .unwrap();
        let (file, pos) = c.binlog_position().await.unwrap();
        for id in 1..=3 {
            c.query_drop(&format!("INSERT INTO {t} VALUES ({id})"))
                .await
                .unwrap();
        }
        // The first reader: up to the end of the transaction of row 1.
        let mut dump = A::Conn::connect(&url()).await.unwrap();
        let request = BinlogRequest::new(server_id::<A>(7)).file(file, pos);
        let mut stream = dump.binlog_dump(&request).await.unwrap();
        let mut seen_row = false;
        loop {
            let ev = dump.next_binlog_event(&mut stream).await.unwrap().unwrap();
            match ev.data {
                EventData::Rows(r) if r.table.table == t => {
                    assert_eq!(ids(&[r]), [1]);
                    seen_row = true;
                }
                EventData::Xid { .. } if seen_row => break,
                _ => {}
            }
        }
        let (file, pos) = stream.resume_position().unwrap();
        let (file, pos) = (file.to_string(), pos);
        let gtid = stream.resume_gtid().unwrap();
        drop(dump);

        for request in [
            BinlogRequest::new(server_id::<A>(8)).file(file, pos),
            BinlogRequest::new(server_id::<A>(9)).mariadb_gtid(gtid),
        ] {
            let mut dump = A::Conn::connect(&url()).await.unwrap();
            let mut stream = dump.binlog_dump(&request.non_blocking(true)).await.unwrap();
            let rows = rows_of(&mut dump, &mut stream, &t).await;
            assert_eq!(ids(&rows), [2, 3]);
        }
        c.query_drop(&format!("DROP TABLE {t}")).await.unwrap();
    })
}

/// The first column of every inserted row.
fn ids(events: &[RowsEvent]) -> Vec<i64> {
    events
        .iter()
        .flat_map(|e| &e.rows)
        .map(|r| match r.after.as_ref().unwrap()[0] {
            Some(Value::Int(id)) => id,
            ref other => panic!("{other:?}"),
        })
        .collect()
}
