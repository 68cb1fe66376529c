//! `COM_STMT_BULK_EXECUTE` and [`Batch`]: the exact bytes, how parameter sets are split into
//! commands, when bulk is not used, and how answers are routed.

use mysql_proto::batch::Batch;
use mysql_proto::connection::BULK_CHUNK_BYTES;
use mysql_proto::testing::{
    eof_greeting, feed, handshake_done, prepared_statement, split_packets, ServerScript,
};
use mysql_proto::{Connection, ErrorKind, Event, Opts, ToValue, Value};

/// Takes what the connection wants to send, as (sequence id, payload) packets.
fn sent(conn: &mut Connection) -> Vec<(u8, Vec<u8>)> {
    let out = conn.pending_send().to_vec();
    conn.consume_send(out.len());
    split_packets(&out)
}

#[test]
fn bulk_execute_bytes_match_the_documented_layout() {
    let mut conn = handshake_done();
    let st = prepared_statement(2, 0);
    assert!(conn.supports_bulk_execute(&st));
    let rows = [
        vec![Value::Int(1), "a".to_value()],
        vec![Value::Null, "bc".to_value()],
    ];
    let (_, taken) = conn.bulk_execute(&st, &rows).unwrap();
    assert_eq!(taken, 2);
    let mut want = vec![0xfa, 1, 0, 0, 0, 0x80, 0]; // command, statement id 1, SEND_TYPES
    want.extend([0x08, 0, 0xfd, 0]); // LONGLONG signed, VAR_STRING
    want.extend([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, b'a']); // set 1: value, value
    want.extend([1, 0, 2, b'b', b'c']); // set 2: NULL indicator, value
    assert_eq!(sent(&mut conn), vec![(0, want)]);
}

#[test]
fn a_parameter_null_in_every_set_is_declared_as_a_string() {
    let mut conn = handshake_done();
    let st = prepared_statement(1, 0);
    conn.bulk_execute(&st, &[[Value::Null], [Value::Null]])
        .unwrap();
    let (_, payload) = sent(&mut conn).remove(0);
    assert_eq!(payload, vec![0xfa, 1, 0, 0, 0, 0x80, 0, 0xfd, 0, 1, 1]);
}

#[test]
fn a_type_change_starts_a_new_command() {
    let mut conn = handshake_done();
    let st = prepared_statement(1, 0);
    let rows = [
        [Value::Int(1)],
        [Value::Null],
        [Value::Int(2)],
        ["x".to_value()],
        [Value::UInt(3)],
    ];
    let mut taken = Vec::new();
    let mut pos = 0;
    while pos < rows.len() {
        let (_, n) = conn.bulk_execute(&st, &rows[pos..]).unwrap();
        taken.push(n);
        pos += n;
    }
    assert_eq!(taken, vec![3, 1, 1]);
    let packets = sent(&mut conn);
    let types: Vec<(u8, u8)> = packets.iter().map(|(_, p)| (p[7], p[8])).collect();
    assert_eq!(types, vec![(0x08, 0), (0xfd, 0), (0x08, 0x80)]);
}

#[test]
fn big_sets_are_split_near_the_chunk_size() {
    let mut conn = handshake_done();
    let st = prepared_statement(1, 0);
    let row = vec![Value::Bytes(vec![b'z'; 100_000])];
    let rows: Vec<Vec<Value>> = std::iter::repeat_n(row, 40).collect();
    let mut batch = Batch::new(&conn, st, rows.into_iter());
    let mut commands = 0;
    while batch.queue_next(&mut conn).unwrap().is_some() {
        commands += 1;
    }
    let packets = sent(&mut conn);
    assert_eq!(packets.len(), commands);
    let mut sets = 0;
    for (_, p) in &packets {
        assert!(p.len() < BULK_CHUNK_BYTES + 100_010, "{} bytes", p.len());
        sets += (p.len() - 9) / (1 + 3 + 100_000);
    }
    assert_eq!(sets, 40);
    assert!(commands > 1 && commands < 40, "{commands} commands");
}

#[test]
fn not_bulk_on_mysql_or_for_selects_or_without_parameters() {
    let conn = handshake_done();
    assert!(!conn.supports_bulk_execute(&prepared_statement(1, 1)));
    assert!(!conn.supports_bulk_execute(&prepared_statement(0, 0)));

    let mut server = ServerScript::new();
    server.greeting(&eof_greeting());
    server.set_seq(2);
    server.ok(0, 0);
    let mut mysql = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
    feed(&mut mysql, server.bytes());
    while !matches!(mysql.poll_event().unwrap(), Some(Event::Connected(_))) {}
    let st = prepared_statement(1, 0);
    assert!(!mysql.supports_bulk_execute(&st));
    let e = mysql.bulk_execute(&st, &[[Value::Int(1)]]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);

    // A batch falls back to one COM_STMT_EXECUTE per set.
    sent(&mut mysql);
    let mut batch = Batch::new(&mysql, st, (0..3).map(|i| vec![Value::Int(i)]));
    assert!(!batch.is_bulk());
    while batch.queue_next(&mut mysql).unwrap().is_some() {}
    let commands: Vec<u8> = sent(&mut mysql).iter().map(|(_, p)| p[0]).collect();
    assert_eq!(commands, vec![0x17, 0x17, 0x17]);
}

#[test]
fn bad_parameter_sets_queue_nothing() {
    let mut conn = handshake_done();
    let st = prepared_statement(2, 0);
    let e = conn
        .bulk_execute(
            &st,
            &[vec![Value::Int(1), Value::Int(2)], vec![Value::Int(3)]],
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    assert!(e.to_string().contains("parameter set 1 has 1"), "{e}");
    let none: [Vec<Value>; 0] = [];
    assert_eq!(
        conn.bulk_execute(&st, &none).unwrap_err().kind(),
        ErrorKind::Misuse
    );
    assert!(conn.pending_send().is_empty());
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn each_bulk_command_gets_its_own_ok_or_err() {
    let mut conn = handshake_done();
    let st = prepared_statement(1, 0);
    let a = conn
        .bulk_execute(&st, &[[Value::Int(1)], [Value::Int(2)]])
        .unwrap()
        .0;
    let b = conn.bulk_execute(&st, &[["dup".to_value()]]).unwrap().0;
    let c = conn.bulk_execute(&st, &[[Value::Int(3)]]).unwrap().0;
    let mut server = ServerScript::new();
    server.set_seq(1);
    server.ok(2, 10);
    server.set_seq(1);
    server.err(1062, "23000", "Duplicate entry 'dup' for key 'PRIMARY'");
    server.set_seq(1);
    server.ok(1, 12);
    feed(&mut conn, server.bytes());
    let mut seen = Vec::new();
    while let Some(ev) = conn.poll_event().unwrap() {
        match ev {
            Event::Ok { id, ok } => seen.push((id, format!("ok {}", ok.affected_rows))),
            Event::ServerError { id, error } => seen.push((id, format!("err {}", error.code))),
            other => panic!("{other:?}"),
        }
    }
    let want = [(a, "ok 2"), (b, "err 1062"), (c, "ok 1")];
    let want: Vec<_> = want.iter().map(|(i, s)| (*i, s.to_string())).collect();
    assert_eq!(seen, want);
}

#[test]
fn sets_from_an_iterator_of_tuples_encode_like_value_rows() {
    let st = prepared_statement(3, 0);
    let tuples: Vec<(i64, &str, Option<i32>)> = (0..50)
        .map(|i| (i, "name", (i % 3 != 0).then_some(i as i32)))
        .collect();
    let rows: Vec<Vec<Value>> = tuples
        .iter()
        .map(|t| vec![t.0.to_value(), t.1.to_value(), t.2.to_value()])
        .collect();
    let mut a = handshake_done();
    let mut sets = tuples.iter().peekable();
    let (_, taken) = a.bulk_execute_from(&st, &mut sets).unwrap().unwrap();
    assert_eq!(taken, 50);
    assert!(sets.peek().is_none());
    assert!(a.bulk_execute_from(&st, &mut sets).unwrap().is_none());
    let mut b = handshake_done();
    assert_eq!(b.bulk_execute(&st, &rows).unwrap().1, 50);
    assert_eq!(sent(&mut a), sent(&mut b));
}

#[test]
fn a_set_that_does_not_fit_stays_in_the_iterator() {
    let st = prepared_statement(1, 0);
    let rows = [[Value::Int(1)], [Value::Int(2)], ["x".to_value()]];
    let mut conn = handshake_done();
    let mut sets = rows.iter().peekable();
    assert_eq!(
        conn.bulk_execute_from(&st, &mut sets).unwrap().unwrap().1,
        2
    );
    assert_eq!(
        sets.peek(),
        Some(&&rows[2]),
        "the string set starts the next command"
    );
    assert_eq!(
        conn.bulk_execute_from(&st, &mut sets).unwrap().unwrap().1,
        1
    );
    assert!(conn.bulk_execute_from(&st, &mut sets).unwrap().is_none());
    assert_eq!(sent(&mut conn).len(), 2);
}

#[test]
fn a_set_of_the_wrong_size_fails_alone_and_is_not_consumed() {
    let st = prepared_statement(1, 0);
    let rows = [
        vec![Value::Int(1)],
        vec![Value::Int(2), Value::Int(3)],
        vec![Value::Int(4)],
    ];
    let mut conn = handshake_done();
    let mut sets = rows.iter().peekable();
    // The command ends before the bad set ...
    assert_eq!(
        conn.bulk_execute_from(&st, &mut sets).unwrap().unwrap().1,
        1
    );
    let first = sent(&mut conn);
    assert_eq!(first.len(), 1);
    // ... which then fails without queueing anything, and is still there.
    let e = conn.bulk_execute_from(&st, &mut sets).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    assert!(
        e.to_string()
            .contains("takes 1 parameters, a parameter set has 2"),
        "{e}"
    );
    assert!(conn.pending_send().is_empty());
    assert_eq!(sets.peek(), Some(&&rows[1]));
}
