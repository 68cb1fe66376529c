//! Query attributes (MySQL 8.0.23+, `CLIENT_QUERY_ATTRIBUTES`), which no server here speaks:
//! the client's `COM_QUERY` against the public vectors (node-mysql2's assertions with MySQL's
//! layout), `COM_STMT_EXECUTE` against MySQL's documented layout decoded field by field, the
//! scripted server's answers, and the refusals where the server has no attributes.

use mysql_proto::constants::*;
use mysql_proto::packets::query_attributes::PARAMETER_COUNT_AVAILABLE;
use mysql_proto::testing::{feed, mariadb_greeting, split_packets, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts, Value};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn vector(kind_contains: &str) -> Vec<u8> {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("data/misc_packets.json")).unwrap();
    let all = v["vectors"].as_array().or(v["packets"].as_array()).unwrap();
    let found = all
        .iter()
        .find(|p| {
            p["kind"]
                .as_str()
                .is_some_and(|k| k.contains(kind_contains))
        })
        .unwrap_or_else(|| panic!("no vector {kind_contains}"));
    hex(found["payload_hex"].as_str().unwrap())
}

/// A connection to a scripted MySQL 8 that offers query attributes, past the handshake.
fn connected(query_attributes: bool) -> (Connection, ServerScript) {
    let mut g = mariadb_greeting();
    g.server_version = "8.0.36".into();
    g.capabilities |= CLIENT_QUERY_ATTRIBUTES | CLIENT_MYSQL;
    g.mariadb_capabilities = 0;
    let mut s = ServerScript::new();
    s.greeting(&g);
    s.set_seq(2);
    s.ok(0, 0);
    let url = format!("mysql://u@h/?query-attributes={query_attributes}");
    let mut conn = Connection::new(Opts::from_url(&url).unwrap());
    feed(&mut conn, s.bytes());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    let n = conn.pending_send().len();
    conn.consume_send(n);
    (conn, s)
}

fn sent(conn: &mut Connection) -> Vec<Vec<u8>> {
    let out = conn.pending_send().to_vec();
    conn.consume_send(out.len());
    split_packets(&out).into_iter().map(|(_, p)| p).collect()
}

#[test]
fn com_query_matches_the_vectors() {
    let (mut conn, _) = connected(true);
    conn.set_query_attributes(&[
        ("trace_id", Value::Bytes(b"abc".to_vec())),
        ("count", Value::Double(42.0)),
    ])
    .unwrap();
    conn.query("SELECT 1").unwrap();
    // The vector's first attribute is VAR_STRING (0xfd); a `Value::Bytes` binds as BLOB-ish
    // STRING types, so compare everything but that one type byte, then the type separately.
    let got = &sent(&mut conn)[0];
    let want = vector("COM_QUERY payload with CLIENT_QUERY_ATTRIBUTES");
    assert_eq!(got.len(), want.len(), "{got:02x?}");
    let type_at = 5;
    assert_eq!(want[type_at], 0xfd);
    assert!(
        matches!(got[type_at], 0xfd | 0xfe | 0x0f | 0xfc),
        "type {:#x}",
        got[type_at]
    );
    let (mut g, mut w) = (got.clone(), want.clone());
    g[type_at] = 0;
    w[type_at] = 0;
    assert_eq!(g, w, "\n got {got:02x?}\nwant {want:02x?}");
    // Attributes are for the next statement only: without, the two counts remain.
    conn.query("SELECT 1").unwrap();
    assert_eq!(
        sent(&mut conn)[0],
        vector("COM_QUERY with CLIENT_QUERY_ATTRIBUTES and no attributes")
    );
}

#[test]
fn com_stmt_execute_carries_attributes_after_the_parameters() {
    let (mut conn, _) = connected(true);
    let st = mysql_proto::testing::prepared_statement(1, 0);
    conn.set_query_attributes(&[("tag", Value::Int(7))])
        .unwrap();
    conn.execute(&st, &[Value::Null]).unwrap();
    let p = &sent(&mut conn)[0];
    // 0x17, id 1, flags 0, iterations 1
    assert_eq!(&p[..10], &[0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(p[10], 2, "parameter count: 1 parameter + 1 attribute");
    assert_eq!(p[11], 0b01, "NULL bitmap: the parameter is NULL");
    assert_eq!(p[12], 1, "types follow");
    assert_eq!(
        &p[13..16],
        &[0x06, 0x00, 0x00],
        "NULL type, no flags, empty name"
    );
    assert_eq!(
        &p[16..21],
        &[0x08, 0x00, 3, b't', b'a'],
        "LONGLONG, name `tag`"
    );
    assert_eq!(&p[21..22], b"g");
    assert_eq!(&p[22..], &7u64.to_le_bytes(), "the attribute's value");
    // A statement without parameters: the count follows only with the flag that says so.
    let st0 = mysql_proto::testing::prepared_statement(0, 0);
    conn.set_query_attributes(&[("a", Value::Bytes(b"x".to_vec()))])
        .unwrap();
    conn.execute(&st0, &[]).unwrap();
    let p = &sent(&mut conn)[0];
    assert_eq!(p[5], PARAMETER_COUNT_AVAILABLE);
    assert_eq!(p[10], 1);
    conn.execute(&st0, &[]).unwrap();
    assert_eq!(sent(&mut conn)[0], [0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn answers_read_as_usual() {
    let (mut conn, mut s) = connected(true);
    conn.set_query_attributes(&[("t", Value::Int(1))]).unwrap();
    let id = conn
        .query("SELECT mysql_query_attribute_string('t')")
        .unwrap();
    let mark = s.bytes().len();
    s.set_seq(1);
    s.result_set(&["v"], &[vec![Some(b"1")]]);
    feed(&mut conn, &s.bytes()[mark..]);
    let mut rows = 0;
    while let Some(ev) = conn.poll_event().unwrap() {
        if let Event::Row { row, .. } = ev {
            assert_eq!(row.get::<i64>(0).unwrap(), 1);
            rows += 1;
        }
    }
    assert_eq!(rows, 1);
    assert!(!conn.is_in_flight(id));
}

#[test]
fn without_the_capability_attributes_are_an_error() {
    // Not asked for: refused at the call, nothing queued, queries unchanged.
    let (mut conn, _) = connected(false);
    let e = conn
        .set_query_attributes(&[("t", Value::Int(1))])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    conn.query("SELECT 1").unwrap();
    assert_eq!(sent(&mut conn)[0], b"\x03SELECT 1");
    // Asked for, against MariaDB: the connect fails.
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    let mut conn = Connection::new(Opts::from_url("mysql://u@h/?query-attributes=true").unwrap());
    feed(&mut conn, s.bytes());
    assert_eq!(conn.advance().unwrap_err().kind(), ErrorKind::Unsupported);
}
