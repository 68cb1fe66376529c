//! `Connection::execute_params`: the same bytes as `execute` with the values of `to_values`,
//! for every kind of `Params` and of `Param` (borrowed, inline, owned), and nothing left behind
//! by a failed call.

use mysql_proto::testing::{handshake_done, prepared_statement, split_packets};
use mysql_proto::value::InlineBytes;
use mysql_proto::{Connection, ErrorKind, Param, Params, ToValue, Value};

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

/// A type whose parameter is converted into text held inline, like a `Decimal`.
struct Code(u16);

impl ToValue for Code {
    fn to_value(&self) -> Value {
        Value::Bytes(format!("C-{}", self.0).into_bytes())
    }

    fn to_param(&self) -> Param<'_> {
        Param::Inline(InlineBytes::from_slice(format!("C-{}", self.0).as_bytes()).unwrap())
    }
}

/// A type that only implements `to_value` (the default `to_param` owns its value).
struct Plain(&'static str);

impl ToValue for Plain {
    fn to_value(&self) -> Value {
        Value::Bytes(self.0.as_bytes().to_vec())
    }
}

#[test]
fn inline_and_owned_params_encode_like_their_values() {
    let params = (
        Code(42),
        Plain("plain"),
        Some(Code(7)),
        "borrowed",
        b"raw".to_vec(),
    );
    assert!(matches!(Code(1).to_param(), Param::Inline(_)));
    assert!(matches!(Plain("x").to_param(), Param::Owned(_)));
    assert!(matches!("x".to_param(), Param::Borrowed(_)));
    let (a, b) = both(&params, 5);
    assert_eq!(a, b);
    // The inline text is on the wire: VAR_STRING type, then its length-prefixed bytes.
    assert!(a[0].1.windows(5).any(|w| w == b"\x04C-42"));
}

#[test]
fn inline_bytes_hold_up_to_their_capacity() {
    let full = vec![b'x'; InlineBytes::CAPACITY];
    assert_eq!(
        InlineBytes::from_slice(&full).unwrap().as_bytes(),
        &full[..]
    );
    assert!(InlineBytes::from_slice(&[b'x'; InlineBytes::CAPACITY + 1]).is_none());
    assert_eq!(InlineBytes::from_slice(b"").unwrap().as_bytes(), b"");
}
