//! `Connection::execute_params`: the same bytes as `execute` with the values of `to_values`,
//! for every kind of `Params`, with the connection's value buffer reused between calls.

use mysql_proto::testing::{handshake_done, prepared_statement, split_packets};
use mysql_proto::{Connection, ErrorKind, Params, ToValue, Value};

/// Packets as (sequence id, payload).
type Packets = Vec<(u8, Vec<u8>)>;

/// Takes what the connection wants to send.
fn sent(conn: &mut Connection) -> Packets {
    let out = conn.pending_send().to_vec();
    conn.consume_send(out.len());
    split_packets(&out)
}

/// The bytes of `execute_params(params)` and of `execute(params.to_values())`.
fn both<P: Params + ?Sized>(params: &P, count: usize) -> (Packets, Packets) {
    let st = prepared_statement(count, 0);
    let mut a = handshake_done();
    a.execute_params(&st, params).unwrap();
    let mut b = handshake_done();
    b.execute(&st, &params.to_values()).unwrap();
    (sent(&mut a), sent(&mut b))
}

#[test]
fn every_kind_of_params_encodes_like_its_values() {
    let (a, b) = both(&(7i32, "seven", None::<i64>, 2.5f64), 4);
    assert_eq!(a, b);
    assert_eq!(a.len(), 1);
    let values = vec![Value::Int(1), "x".to_value(), Value::Null];
    assert_eq!(both(&values, 3).0, both(&values, 3).1);
    assert_eq!(both(&values[..], 3).0, both(&values[..], 3).1);
    assert_eq!(both(&[Value::UInt(9)], 1).0, both(&[Value::UInt(9)], 1).1);
    assert_eq!(both(&&(1u8,), 1).0, both(&&(1u8,), 1).1);
    assert_eq!(both(&(), 0).0, both(&(), 0).1);
}

#[test]
fn the_buffer_is_reused_without_leftovers() {
    let st = prepared_statement(2, 0);
    let mut conn = handshake_done();
    conn.execute_params(&st, &(1, "a")).unwrap();
    // A failed call (wrong count) leaves nothing behind for the next one.
    let e = conn.execute_params(&st, &(1, 2, 3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    conn.execute_params(&st, &(2, "b")).unwrap();
    let mut reference = handshake_done();
    reference
        .execute(&st, &[Value::Int(1), "a".to_value()])
        .unwrap();
    reference
        .execute(&st, &[Value::Int(2), "b".to_value()])
        .unwrap();
    assert_eq!(sent(&mut conn), sent(&mut reference));
}
