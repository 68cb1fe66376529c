//! The pipeline collector over scripted responses: one outcome per command, in order; a fatal
//! error fails the rest.

use mysql_proto::pipeline::Collector;
use mysql_proto::testing::{mariadb_greeting, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts};

#[test]
fn outcomes_in_order_and_fatal_error_fails_the_rest() {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    s.set_seq(1);
    s.result_set(&["a"], &[vec![Some(b"1")], vec![Some(b"2")]]);
    s.set_seq(1);
    s.err(1064, "42000", "syntax");
    s.set_seq(1);
    s.ok(5, 9);
    s.set_seq(1);
    s.packet(&[0x05, 0x01]); // garbage: protocol error for the 4th command
    let mut conn = Connection::new(Opts::from_url("mysql://a@h/").unwrap());
    let input = s.bytes().to_vec();
    let buf = conn.recv_buf(input.len());
    buf[..input.len()].copy_from_slice(&input);
    conn.handle_recv(input.len());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    let mut c = Collector::new();
    let ids: Vec<_> = ["SELECT a", "SELEC", "UPDATE", "SELECT 4", "SELECT 5"]
        .iter()
        .map(|q| {
            let id = conn.query(q).unwrap();
            c.expect(id, true);
            id
        })
        .collect();
    let fatal = loop {
        match conn.advance() {
            Ok(true) => c.on_event(&conn.event().unwrap()).unwrap(),
            Ok(false) => break None,
            Err(e) => break Some(e),
        }
    };
    let fatal = fatal.expect("protocol error");
    c.fail_rest(&fatal);
    let out = c.finish();
    assert_eq!(out.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids);
    assert_eq!(out[0].1.as_ref().unwrap().rows().len(), 2);
    assert_eq!(out[1].1.as_ref().unwrap_err().server().unwrap().code, 1064);
    assert_eq!(out[2].1.as_ref().unwrap().affected_rows(), 5);
    assert_eq!(out[2].1.as_ref().unwrap().last_insert_id(), 9);
    for r in &out[3..] {
        assert_eq!(r.1.as_ref().unwrap_err().kind(), ErrorKind::Protocol);
    }
}
