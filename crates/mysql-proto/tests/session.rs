//! Whole client sessions against the in-memory scripted server: event transcripts, replayed with
//! the input split at every byte offset (the transcript must not change) and cut at every offset
//! (a clean error, never a panic or a wrong event).

use mysql_proto::auth::native_password;
use mysql_proto::constants::*;
use mysql_proto::packets::HandshakeResponse;
use mysql_proto::testing::{
    drive, drive_parts, eof_greeting, mariadb_greeting, split_packets, ServerScript, Transcript,
    SCRAMBLE,
};
use mysql_proto::{Connection, ErrorKind, Event, Opts};

fn opts() -> Opts {
    Opts::from_url("mysql://app:secret@localhost/test").unwrap()
}

const MORE: u16 = StatusFlags::SERVER_MORE_RESULTS_EXISTS | StatusFlags::SERVER_STATUS_AUTOCOMMIT;

/// The server side of a session with every kind of response, for `greeting`.
fn full_session(greeting: &mysql_proto::packets::Greeting) -> Vec<u8> {
    let mut s = ServerScript::new();
    s.greeting(greeting);
    s.set_seq(2);
    s.ok(0, 0);
    // 1: SELECT with two rows, one NULL.
    s.set_seq(1);
    s.result_set(
        &["id", "name"],
        &[vec![Some(b"1"), Some(b"a\tb")], vec![Some(b"2"), None]],
    );
    // 2: INSERT
    s.set_seq(1);
    s.ok(3, 42);
    // 3: syntax error
    s.set_seq(1);
    s.err(1064, "42000", "You have an error in your SQL syntax");
    // 4: multi-statement: result set, then OK, then an empty result set
    s.set_seq(1);
    s.result_set_with(&["x"], &[vec![Some(b"9")]], MORE);
    s.ok_with(&mysql_proto::OkPacket {
        affected_rows: 1,
        status: StatusFlags(MORE),
        ..Default::default()
    });
    s.result_set(&["y"], &[]);
    // 5: ping
    s.set_seq(1);
    s.ok(0, 0);
    s.bytes().to_vec()
}

fn queue_commands(c: &mut Connection) -> mysql_proto::Result<()> {
    c.query("SELECT id, name FROM t")?;
    c.query("INSERT INTO t VALUES (1),(2),(3)")?;
    c.query("SELEC 1")?;
    c.query("SELECT 9 AS x; DO 1; SELECT 1 AS y FROM DUAL WHERE 0")?;
    c.ping()?;
    Ok(())
}

fn expected_events() -> Vec<&'static str> {
    vec![
        "connected 5.5.5-10.11.6-MariaDB id=7",
        "#1 columns id,name",
        "#1 row \"1\",\"a\\tb\"",
        "#1 row \"2\",NULL",
        "#1 end status=0x0002 warnings=0",
        "#2 ok affected=3 id=42 status=0x0002 info=\"\"",
        "#3 error ERROR 1064 (42000): You have an error in your SQL syntax",
        "#4 columns x",
        "#4 row \"9\"",
        "#4 end status=0x000a warnings=0",
        "#4 ok affected=1 id=0 status=0x000a info=\"\"",
        "#4 columns y",
        "#4 end status=0x0002 warnings=0",
        "#5 ok affected=0 id=0 status=0x0002 info=\"\"",
    ]
}

fn run(input: &[u8], chunk: usize) -> Transcript {
    drive(opts(), input, chunk, false, &mut queue_commands)
}

#[test]
fn full_session_transcript() {
    let input = full_session(&mariadb_greeting());
    let t = run(&input, usize::MAX);
    assert_eq!(t.error, None);
    assert_eq!(t.events, expected_events());
}

#[test]
fn full_session_with_eof_packets() {
    let mut g = eof_greeting();
    g.server_version = "5.5.5-10.11.6-MariaDB".into();
    let input = full_session(&g);
    let t = run(&input, usize::MAX);
    assert_eq!(t.error, None);
    assert_eq!(t.events, expected_events());
}

#[test]
fn handshake_response_is_what_the_server_expects() {
    let input = full_session(&mariadb_greeting());
    let t = run(&input, usize::MAX);
    let packets = split_packets(&t.sent);
    let (seq, first) = &packets[0];
    assert_eq!(*seq, 1);
    let hr = HandshakeResponse::parse(first).unwrap();
    assert_eq!(hr.user, b"app");
    assert_eq!(hr.database.as_deref(), Some(&b"test"[..]));
    assert_eq!(hr.auth_plugin_name, b"mysql_native_password");
    assert_eq!(
        hr.auth_response,
        native_password::scramble(b"secret", &SCRAMBLE)
    );
    assert_eq!(hr.collation, 45);
    for flag in [
        CLIENT_PROTOCOL_41,
        CLIENT_SECURE_CONNECTION,
        CLIENT_PLUGIN_AUTH,
        CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
        CLIENT_CONNECT_WITH_DB,
        CLIENT_DEPRECATE_EOF,
        CLIENT_MULTI_STATEMENTS,
        CLIENT_MULTI_RESULTS,
        CLIENT_PS_MULTI_RESULTS,
        CLIENT_TRANSACTIONS,
        CLIENT_CONNECT_ATTRS,
    ] {
        assert!(hr.capabilities & flag != 0, "flag {flag:#x} missing");
    }
    // Never asked for: TLS (not implemented), LOCAL INFILE, compression, CLIENT_MYSQL on MariaDB.
    for flag in [
        CLIENT_SSL,
        CLIENT_LOCAL_FILES,
        CLIENT_COMPRESS,
        CLIENT_MYSQL,
    ] {
        assert_eq!(hr.capabilities & flag, 0, "flag {flag:#x} set");
    }
    assert!(hr
        .attributes
        .iter()
        .any(|(k, v)| k == "_client_name" && v == "mysql-rs"));
    // Then the five commands, each starting at sequence id 0.
    let cmds: Vec<_> = packets[1..].iter().map(|(s, p)| (*s, p[0])).collect();
    assert_eq!(
        cmds,
        vec![(0, 0x03), (0, 0x03), (0, 0x03), (0, 0x03), (0, 0x0e)]
    );
    assert_eq!(
        &packets[4].1[1..],
        b"SELECT 9 AS x; DO 1; SELECT 1 AS y FROM DUAL WHERE 0"
    );
}

#[test]
fn transcript_is_the_same_at_every_split() {
    for greeting in [mariadb_greeting(), eof_greeting()] {
        let input = full_session(&greeting);
        let whole = run(&input, usize::MAX);
        assert_eq!(whole.error, None);
        // Two chunks, split at every offset.
        for k in 0..=input.len() {
            let t = drive_parts(opts(), &[&input[..k], &input[k..]], &mut queue_commands);
            assert_eq!(t, whole, "split at {k}");
        }
        // One byte at a time.
        assert_eq!(run(&input, 1), whole);
    }
}

#[test]
fn cut_at_every_offset_gives_a_clean_error() {
    let input = full_session(&mariadb_greeting());
    let whole = run(&input, usize::MAX);
    for cut in 0..input.len() {
        let t = drive(opts(), &input[..cut], 7, true, &mut queue_commands);
        let err = t
            .error
            .as_deref()
            .unwrap_or_else(|| panic!("no error at cut {cut}"));
        assert!(err.contains("closed"), "cut {cut}: {err}");
        assert!(
            whole.events.starts_with(&t.events),
            "cut {cut}: wrong events {:?}",
            t.events
        );
    }
}

#[test]
fn server_refusing_the_connection_is_an_auth_error() {
    let mut s = ServerScript::new();
    s.set_seq(0);
    s.err(1040, "08004", "Too many connections");
    let mut conn = Connection::new(opts());
    feed(&mut conn, s.bytes());
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.server().unwrap().code, 1040);
    // Sticky.
    assert_eq!(conn.advance().unwrap_err().kind(), ErrorKind::Auth);
    assert_eq!(conn.query("SELECT 1").unwrap_err().kind(), ErrorKind::Auth);
}

#[test]
fn wrong_password_reports_the_server_code() {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.err(
        1045,
        "28000",
        "Access denied for user 'app'@'localhost' (using password: YES)",
    );
    let t = drive(opts(), s.bytes(), usize::MAX, false, &mut |_| Ok(()));
    assert_eq!(
        t.error.as_deref(),
        Some("ERROR 1045 (28000): Access denied for user 'app'@'localhost' (using password: YES)")
    );
}

#[test]
fn auth_switch_to_native_uses_the_new_scramble() {
    let new_scramble = *b"ABCDEFGHIJKLMNOPQRST";
    let mut s = ServerScript::new();
    let mut g = mariadb_greeting();
    g.auth_plugin_name = "auth_gssapi_client".into();
    s.greeting(&g);
    s.set_seq(2);
    let mut p = Vec::new();
    mysql_proto::packets::AuthSwitchRequest {
        plugin_name: "mysql_native_password".into(),
        plugin_data: new_scramble.to_vec(),
    }
    .encode(&mut p);
    s.packet(&p);
    s.set_seq(4);
    s.ok(0, 0);
    let t = drive(opts(), s.bytes(), usize::MAX, false, &mut |_| Ok(()));
    assert_eq!(t.error, None);
    assert_eq!(t.events.len(), 1);
    let packets = split_packets(&t.sent);
    // The greeting's plugin is unknown: native password is offered first (seq 1), then the
    // switch is answered with seq 3.
    let hr = HandshakeResponse::parse(&packets[0].1).unwrap();
    assert_eq!(hr.auth_plugin_name, b"mysql_native_password");
    assert_eq!(
        packets[1],
        (3, native_password::scramble(b"secret", &new_scramble))
    );
}

#[test]
fn auth_switch_to_an_unknown_plugin_is_unsupported() {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    let mut p = Vec::new();
    mysql_proto::packets::AuthSwitchRequest {
        plugin_name: "auth_gssapi_client".into(),
        plugin_data: vec![1, 2, 3],
    }
    .encode(&mut p);
    s.packet(&p);
    let mut conn = Connection::new(opts());
    feed(&mut conn, s.bytes());
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("auth_gssapi_client"));
}

fn feed(conn: &mut Connection, bytes: &[u8]) {
    let buf = conn.recv_buf(bytes.len());
    buf[..bytes.len()].copy_from_slice(bytes);
    conn.handle_recv(bytes.len());
}

fn connected() -> (Connection, ServerScript) {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    let mut conn = Connection::new(opts());
    feed(&mut conn, s.bytes());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    (conn, s)
}

fn rest_of(s: &ServerScript, from: usize) -> Vec<u8> {
    s.bytes()[from..].to_vec()
}

#[test]
fn rows_larger_than_16_mib_are_reassembled() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    let big = vec![b'x'; 20 << 20];
    s.set_seq(1);
    s.result_set(&["big", "small"], &[vec![Some(&big[..]), Some(b"ok")]]);
    let id = conn.query("SELECT big").unwrap();
    let input = rest_of(&s, mark);
    let mut got = None;
    let mut pos = 0;
    loop {
        match conn.advance().unwrap() {
            true => match conn.event().unwrap() {
                Event::Row { row, .. } => {
                    let (b, small): (&[u8], &str) = row.decode().unwrap();
                    got = Some((b.len(), b.iter().all(|&c| c == b'x'), small.to_string()));
                    // The reassembled payload is what row() lends too.
                    assert_eq!(conn.row().unwrap().payload(), row.payload());
                }
                Event::ResultSetEnd { id: end, .. } => {
                    assert_eq!(end, id);
                    break;
                }
                _ => {}
            },
            false => {
                let buf = conn.recv_buf(1 << 16);
                let n = buf.len().min(input.len() - pos);
                buf[..n].copy_from_slice(&input[pos..pos + n]);
                conn.handle_recv(n);
                pos += n;
            }
        }
    }
    assert_eq!(got, Some((20 << 20, true, "ok".to_string())));
}

#[test]
fn max_packet_limit_refuses_large_rows() {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    s.set_seq(1);
    s.result_set(&["big"], &[vec![Some(&vec![0u8; 2 << 20][..])]]);
    let o = Opts::from_url("mysql://app:secret@localhost/test?max-packet=1048576").unwrap();
    let t = drive(o, s.bytes(), 1 << 16, false, &mut |c| {
        c.query("SELECT big").map(drop)
    });
    assert!(t.error.unwrap().starts_with("limit exceeded"));
}

#[test]
fn too_many_columns_is_a_limit_error_without_allocating() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(1);
    s.packet(&[0xfe, 0, 0, 0, 0, 0, 0, 0, 1]); // 2^56 columns
    conn.query("SELECT").unwrap();
    feed(&mut conn, &rest_of(&s, mark));
    assert_eq!(conn.advance().unwrap_err().kind(), ErrorKind::Limit);
}

#[test]
fn discarded_command_is_drained_and_the_next_one_is_clean() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(1);
    let rows: Vec<Vec<Option<&[u8]>>> = (0..100).map(|_| vec![Some(&b"r"[..])]).collect();
    s.result_set(&["a"], &rows);
    s.set_seq(1);
    s.result_set(&["b"], &[vec![Some(b"after")]]);
    let first = conn.query("SELECT a").unwrap();
    let second = conn.query("SELECT b").unwrap();
    let input = rest_of(&s, mark);
    feed(&mut conn, &input[..input.len() / 3]);
    // Read the start and one row, then lose interest.
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::ResultSetStart { .. })
    ));
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Row { .. })
    ));
    conn.discard(first);
    feed(&mut conn, &input[input.len() / 3..]);
    let mut seen = vec![];
    while let Some(ev) = conn.poll_event().unwrap() {
        assert_eq!(ev.command_id(), Some(second));
        seen.push(mysql_proto::testing::render_event(&ev));
    }
    assert_eq!(
        seen,
        [
            "#2 columns b",
            "#2 row \"after\"",
            "#2 end status=0x0002 warnings=0"
        ]
    );
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn local_infile_request_is_declined() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(1);
    s.packet(b"\xfb/etc/passwd");
    s.set_seq(3);
    s.err(1148, "42000", "The used command is not allowed");
    conn.query("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t")
        .unwrap();
    let n = conn.pending_send().len();
    conn.consume_send(n);
    feed(&mut conn, &rest_of(&s, mark));
    // The refusal is the statement's error (the server's ERR for the empty file is not the
    // cause): LOCAL INFILE is off by default.
    match conn.poll_event().unwrap() {
        Some(Event::ServerError { error, .. }) => {
            assert_eq!(error.code, mysql_proto::local_infile::REFUSED_CODE);
            assert!(error.message.contains("/etc/passwd"), "{}", error.message);
        }
        other => panic!("{other:?}"),
    }
    // The reply is one empty packet with sequence id 2: no file content was sent.
    assert_eq!(conn.pending_send(), &[0, 0, 0, 2]);
}

#[test]
fn out_of_order_sequence_id_is_fatal() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(5);
    s.ok(0, 0);
    conn.ping().unwrap();
    feed(&mut conn, &rest_of(&s, mark));
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.message().contains("sequence"));
    assert_eq!(conn.ping().unwrap_err().kind(), ErrorKind::Protocol);
}

#[test]
fn empty_packet_and_garbage_are_protocol_errors() {
    for payload in [&[][..], &[0x00][..], &[0x05, 1][..]] {
        let (mut conn, mut s) = connected();
        let mark = s.bytes().len();
        s.set_seq(1);
        s.packet(payload);
        conn.query("SELECT 1").unwrap();
        feed(&mut conn, &rest_of(&s, mark));
        assert_eq!(
            conn.advance().unwrap_err().kind(),
            ErrorKind::Protocol,
            "{payload:?}"
        );
    }
}

#[test]
fn unsolicited_error_while_idle_closes() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(0);
    s.err(1053, "08S01", "Server shutdown in progress");
    feed(&mut conn, &rest_of(&s, mark));
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed);
    assert_eq!(e.server().unwrap().code, 1053);
}

#[test]
fn commands_before_connect_are_misuse() {
    let mut conn = Connection::new(opts());
    assert_eq!(
        conn.query("SELECT 1").unwrap_err().kind(),
        ErrorKind::Misuse
    );
    assert!(conn.pending_send().is_empty());
}

#[test]
fn quit_then_eof_is_clean() {
    let (mut conn, _) = connected();
    conn.quit().unwrap();
    assert!(conn.pending_send().ends_with(&[1, 0, 0, 0, 0x01]));
    conn.handle_eof();
    assert!(!conn.advance().unwrap());
    assert_eq!(
        conn.query("SELECT 1").unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[test]
fn execute_last_prepared_needs_mariadb_and_a_prepare() {
    let (mut conn, _) = connected();
    let n = conn.pending_send().len();
    conn.consume_send(n);
    let e = conn.execute_last_prepared(&[]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    conn.prepare("SELECT ?").unwrap();
    conn.execute_last_prepared(&[mysql_proto::Value::Int(1)])
        .unwrap();
    conn.execute_last_prepared(&[mysql_proto::Value::Int(2)])
        .unwrap();
    conn.ping().unwrap();
    assert_eq!(
        conn.execute_last_prepared(&[]).unwrap_err().kind(),
        ErrorKind::Misuse
    );
    // The executes carry statement id 0xFFFFFFFF.
    let sent = split_packets(conn.pending_send());
    assert_eq!(sent[1].1[0], 0x17);
    assert_eq!(&sent[1].1[1..5], &[0xff; 4]);

    // A MySQL server cannot: refused with a clear error.
    let mut s = ServerScript::new();
    let mut g = eof_greeting();
    g.server_version = "8.0.36".into();
    s.greeting(&g);
    s.set_seq(2);
    s.ok(0, 0);
    let mut conn = Connection::new(opts());
    feed(&mut conn, s.bytes());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    conn.prepare("SELECT ?").unwrap();
    assert_eq!(
        conn.execute_last_prepared(&[]).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[test]
fn in_flight_limit_refuses_without_queueing() {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    let mut conn = Connection::new(Opts::from_url("mysql://a@h/?max-in-flight=2").unwrap());
    feed(&mut conn, s.bytes());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    let before = conn.pending_send().len();
    conn.ping().unwrap();
    conn.ping().unwrap();
    let queued = conn.pending_send().len();
    let e = conn.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    assert!(e.message().contains("max-in-flight"));
    assert_eq!(conn.pending_send().len(), queued);
    assert!(queued > before);
    assert_eq!(conn.in_flight(), 2);
}

#[test]
fn deferred_rollback_goes_first_and_its_response_is_skipped() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    let n = conn.pending_send().len();
    conn.consume_send(n);
    conn.rollback_before_next_command();
    let id = conn.query("SELECT 1").unwrap();
    let sent = split_packets(conn.pending_send());
    assert_eq!(sent[0].1, b"\x03ROLLBACK");
    assert_eq!(sent[1].1, b"\x03SELECT 1");
    s.set_seq(1);
    s.ok(0, 0); // ROLLBACK
    s.set_seq(1);
    s.result_set(&["1"], &[vec![Some(b"1")]]);
    feed(&mut conn, &rest_of(&s, mark));
    let mut events = vec![];
    while let Some(ev) = conn.poll_event().unwrap() {
        assert_eq!(ev.command_id(), Some(id));
        events.push(mysql_proto::testing::render_event(&ev));
    }
    assert_eq!(events.len(), 3, "{events:?}");
}

#[test]
fn row_lends_the_row_of_a_row_event_and_nothing_else() {
    let (mut conn, mut s) = connected();
    let mark = s.bytes().len();
    s.set_seq(1);
    s.result_set(
        &["a", "b"],
        &[vec![Some(b"1"), None], vec![Some(b"22"), Some(b"x")]],
    );
    conn.query("SELECT a, b").unwrap();
    let input = rest_of(&s, mark);
    feed(&mut conn, &input);
    let mut rows = vec![];
    let mut others = 0;
    while conn.advance().unwrap() {
        let lent = conn.row();
        assert_eq!(conn.has_row(), lent.is_some());
        match conn.event().unwrap() {
            Event::Row { row, .. } => {
                let lent = lent.expect("a row event lends its row");
                assert_eq!(lent.payload(), row.payload());
                let v: (i64, Option<&str>) = lent.decode().unwrap();
                rows.push((v.0, v.1.map(str::to_string)));
            }
            _ => {
                assert!(lent.is_none());
                others += 1;
            }
        }
    }
    assert_eq!(rows, vec![(1, None), (22, Some("x".to_string()))]);
    assert_eq!(others, 2, "the start and the end of the result set");
    assert!(conn.row().is_none(), "nothing lent once no event is ready");
}
