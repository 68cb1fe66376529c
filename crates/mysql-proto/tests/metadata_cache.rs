//! MariaDB's `MARIADB_CLIENT_CACHE_METADATA`: executes of a prepared statement whose result
//! columns did not change come without column definitions, and the client uses the ones it
//! has. Scripted server bytes; the live server path runs in the integration tests.

use mysql_proto::constants::{
    CLIENT_DEFAULT, CLIENT_MULTI_STATEMENTS, MARIADB_CLIENT_CACHE_METADATA,
    MARIADB_CLIENT_STMT_BULK_OPERATIONS,
};
use mysql_proto::packets::HandshakeResponse;
use mysql_proto::testing::{feed, mariadb_greeting, split_packets, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts, Statement, Value};

/// A connection to a scripted MariaDB that offers metadata caching, and the handshake reply.
fn connect() -> (Connection, HandshakeResponse) {
    let mut g = mariadb_greeting();
    g.mariadb_capabilities |= MARIADB_CLIENT_CACHE_METADATA;
    let mut server = ServerScript::new();
    server.greeting(&g);
    server.set_seq(2);
    server.ok(0, 0);
    let mut conn = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
    feed(&mut conn, server.bytes());
    while !matches!(conn.poll_event().unwrap(), Some(Event::Connected(_))) {}
    let sent = conn.pending_send().to_vec();
    conn.consume_send(sent.len());
    let (_, reply) = split_packets(&sent).remove(0);
    (conn, HandshakeResponse::parse(&reply).unwrap())
}

/// A script continuing the session of [`connect`] (`CLIENT_DEPRECATE_EOF` and the rest).
fn script() -> ServerScript {
    let mut s = ServerScript::new();
    s.set_capabilities(
        mariadb_greeting().capabilities & (CLIENT_DEFAULT | CLIENT_MULTI_STATEMENTS),
    );
    s.set_seq(1);
    s
}

/// Renders every event the input produces: result set columns and rows.
fn events(conn: &mut Connection, server: &ServerScript) -> Result<Vec<String>, mysql_proto::Error> {
    feed(conn, server.bytes());
    let mut out = Vec::new();
    while let Some(ev) = conn.poll_event()? {
        out.push(match ev {
            Event::ResultSetStart { columns, .. } => {
                let names: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
                format!("columns {}", names.join(","))
            }
            Event::Row { row, .. } => {
                let v: (String, Option<String>) = row.decode()?;
                format!("row {v:?}")
            }
            Event::ResultSetEnd { .. } => "end".to_string(),
            Event::Prepared { statement, .. } => format!("prepared {}", statement.id()),
            other => format!("{other:?}"),
        });
    }
    Ok(out)
}

fn prepare(conn: &mut Connection, id: u32, columns: &[&str]) -> Statement {
    conn.prepare("SELECT a, b FROM t WHERE k = ?").unwrap();
    let mut s = script();
    s.prepare_ok(id, &["?"], columns);
    feed(conn, s.bytes());
    match conn.poll_event().unwrap() {
        Some(Event::Prepared { statement, .. }) => statement.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn asked_for_only_when_offered() {
    let (_, reply) = connect();
    assert_eq!(
        reply.mariadb_capabilities,
        MARIADB_CLIENT_CACHE_METADATA | MARIADB_CLIENT_STMT_BULK_OPERATIONS
    );
}

#[test]
fn skipped_metadata_uses_the_prepared_columns_then_the_latest_sent() {
    let (mut conn, _) = connect();
    let st = prepare(&mut conn, 7, &["a", "b"]);
    // 1: the server skips the metadata: the prepare's columns are used.
    conn.execute(&st, &[Value::Int(1)]).unwrap();
    let mut s = script();
    s.binary_result_set(&["a", "b"], &[vec![Some("x"), None]], Some(false));
    assert_eq!(
        events(&mut conn, &s).unwrap(),
        ["columns a,b", "row (\"x\", None)", "end"]
    );
    // 2: the table changed: new metadata comes with the result...
    conn.execute(&st, &[Value::Int(2)]).unwrap();
    let mut s = script();
    s.binary_result_set(&["a2", "b2"], &[vec![Some("y"), Some("z")]], Some(true));
    assert_eq!(
        events(&mut conn, &s).unwrap(),
        ["columns a2,b2", "row (\"y\", Some(\"z\"))", "end"]
    );
    // 3: ...and is what a later skipped execute means, also two executes pipelined.
    conn.execute(&st, &[Value::Int(3)]).unwrap();
    conn.execute(&st, &[Value::Int(4)]).unwrap();
    let mut s = script();
    for _ in 0..2 {
        s.set_seq(1);
        s.binary_result_set(&["?", "?"], &[vec![Some("w"), None]], Some(false));
    }
    let want = ["columns a2,b2", "row (\"w\", None)", "end"];
    assert_eq!(events(&mut conn, &s).unwrap(), [want, want].concat());
}

#[test]
fn a_statement_closed_while_its_execute_is_in_flight_still_resolves() {
    let (mut conn, _) = connect();
    let st = prepare(&mut conn, 9, &["a", "b"]);
    conn.execute(&st, &[Value::Int(1)]).unwrap();
    conn.close_statement(st.id()).unwrap();
    let mut s = script();
    s.binary_result_set(&["a", "b"], &[vec![Some("v"), None]], Some(false));
    assert_eq!(
        events(&mut conn, &s).unwrap(),
        ["columns a,b", "row (\"v\", None)", "end"]
    );
    // Once that execute is answered the closed statement's columns are dropped: a server
    // skipping them now is answered with a protocol error, not stale columns.
    conn.execute(&st, &[Value::Int(2)]).unwrap();
    let mut s = script();
    s.binary_result_set(&["a", "b"], &[vec![Some("v"), None]], Some(false));
    let e = events(&mut conn, &s).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
}

#[test]
fn skipped_metadata_for_an_unknown_statement_is_a_protocol_error() {
    let (mut conn, _) = connect();
    let st = prepare(&mut conn, 3, &["a", "b"]);
    conn.close_statement(st.id()).unwrap();
    // A statement the client never prepared on this connection (as after a reset).
    conn.execute(&st, &[Value::Int(1)]).unwrap();
    let mut s = script();
    s.binary_result_set(&["a", "b"], &[vec![Some("v"), None]], Some(false));
    let e = events(&mut conn, &s).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains("skipped result metadata"), "{e}");
}

#[test]
fn text_queries_carry_the_flag_too() {
    let (mut conn, _) = connect();
    conn.query("SELECT a, b FROM t").unwrap();
    let mut s = script();
    s.binary_result_set(&["a", "b"], &[], Some(true));
    // (rows left out: a text row needs the text encoding; the columns are the point here)
    assert_eq!(events(&mut conn, &s).unwrap(), ["columns a,b", "end"]);
}

#[test]
fn a_repeated_query_reuses_its_column_definitions_and_a_changed_one_does_not() {
    // (Without metadata caching: text results always carry their definitions.)
    let mut conn = mysql_proto::testing::handshake_done();
    let columns_of = |conn: &mut Connection, names: &[&str]| {
        conn.query("SELECT ...").unwrap();
        let mut s = script();
        s.result_set(names, &[vec![Some(&b"1"[..]); names.len()]]);
        feed(conn, s.bytes());
        let mut got = None;
        while let Some(ev) = conn.poll_event().unwrap() {
            if let Event::ResultSetStart { columns, .. } = ev {
                got = Some(columns.clone());
            }
        }
        got.unwrap()
    };
    let a = columns_of(&mut conn, &["x", "y", "z"]);
    let b = columns_of(&mut conn, &["x", "y", "z"]);
    // The same definitions, byte for byte: the very same shared columns, nothing parsed.
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    // One differs (the second): a new set, right in every column.
    let c = columns_of(&mut conn, &["x", "q", "z"]);
    assert!(!std::sync::Arc::ptr_eq(&b, &c));
    let names: Vec<String> = c.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(names, ["x", "q", "z"]);
    // A different count: new set.
    let d = columns_of(&mut conn, &["x", "q"]);
    assert_eq!(d.len(), 2);
}
