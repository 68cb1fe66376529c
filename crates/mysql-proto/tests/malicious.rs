//! A malicious server on the in-memory pair: every attack answered by an error (or a refusal),
//! with memory bounded by the configured limits.

use mysql_proto::codec::MAX_PAYLOAD;
use mysql_proto::testing::{mariadb_greeting, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts};

fn connected(opts: Opts) -> (Connection, ServerScript) {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    let mut conn = Connection::new(opts);
    feed(&mut conn, s.bytes());
    assert!(matches!(
        conn.poll_event().unwrap(),
        Some(Event::Connected(_))
    ));
    let n = conn.pending_send().len();
    conn.consume_send(n);
    (conn, s)
}

/// Feeds `bytes` in 64 KiB reads, decoding as it goes (like an adapter); returns the first
/// error and the largest receive-side memory seen.
fn pump(conn: &mut Connection, bytes: &[u8]) -> Option<mysql_proto::Error> {
    let mut pos = 0;
    loop {
        match conn.advance() {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => return Some(e),
        }
        if pos == bytes.len() {
            return None;
        }
        let buf = conn.recv_buf(64 << 10);
        assert!(!buf.is_empty());
        assert!(
            buf.len() <= MAX_PAYLOAD + 4 + (64 << 10),
            "receive buffer over one frame"
        );
        let n = buf.len().min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        conn.handle_recv(n);
        pos += n;
    }
}

fn feed(conn: &mut Connection, bytes: &[u8]) {
    let buf = conn.recv_buf(bytes.len());
    buf[..bytes.len()].copy_from_slice(bytes);
    conn.handle_recv(bytes.len());
}

fn opts() -> Opts {
    Opts::builder().user("u").max_packet(4 << 20).build()
}

#[test]
fn length_larger_than_the_data() {
    for row in [
        // A field claiming 16 MiB with one byte present (0xFD: 3-byte length).
        vec![0xfd, 0xff, 0xff, 0xff, b'x'],
        // A field claiming 5 bytes with one present.
        vec![0x05, b'a'],
        // A field claiming 300 bytes with 3 present.
        vec![0xfc, 0x2c, 0x01, b'a', b'b', b'c'],
        // A NULL then garbage after the last column.
        vec![0xfb, 0x01, b'a'],
    ] {
        let (mut conn, mut s) = connected(opts());
        let mark = s.bytes().len();
        s.set_seq(1);
        s.packet(&[1]);
        let mut col = Vec::new();
        mysql_proto::packets::column_definition::ColumnSpec {
            schema: "",
            table: "",
            org_table: "",
            name: "c",
            org_name: "c",
            character_set: 45,
            column_length: 10,
            column_type: mysql_proto::ColumnType::VarString,
            flags: 0,
            decimals: 0,
        }
        .encode(&mut col);
        s.packet(&col);
        s.packet(&row);
        conn.query("SELECT c").unwrap();
        let e = pump(&mut conn, &s.bytes()[mark..]).expect("an error");
        assert_eq!(e.kind(), ErrorKind::Protocol, "{row:02x?}: {e}");
    }
}

#[test]
fn a_million_columns_is_refused_before_reading_them() {
    let (mut conn, mut s) = connected(opts());
    let mark = s.bytes().len();
    s.set_seq(1);
    s.packet(&[0xfd, 0x40, 0x42, 0x0f]); // 1,000,000 columns
    conn.query("SELECT *").unwrap();
    let e = pump(&mut conn, &s.bytes()[mark..]).expect("an error");
    assert_eq!(e.kind(), ErrorKind::Limit);
}

#[test]
fn endless_max_size_frame_chain_stops_at_max_packet() {
    let (mut conn, _) = connected(opts());
    conn.query("SELECT big").unwrap();
    // Frames of exactly 0xFFFFFF bytes say "more follows"; a hostile server never ends them.
    let mut wire = Vec::new();
    let mut seq = 1u8;
    for _ in 0..3 {
        wire.extend_from_slice(&[0xff, 0xff, 0xff, seq]);
        wire.extend(std::iter::repeat_n(0x41, MAX_PAYLOAD));
        seq = seq.wrapping_add(1);
    }
    let e = pump(&mut conn, &wire).expect("an error");
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    // Sticky: the connection stays broken.
    assert_eq!(conn.ping().unwrap_err().kind(), ErrorKind::Limit);
}

/// Answers the query just queued with a LOCAL INFILE request for `file`, then an OK; returns
/// the statement's last event (as an error for a `ServerError`) and what the client sent.
fn rogue_request(
    conn: &mut Connection,
    s: &mut ServerScript,
    file: &[u8],
) -> (Result<(), mysql_proto::Error>, Vec<u8>) {
    let n = conn.pending_send().len();
    conn.consume_send(n);
    let mark = s.bytes().len();
    s.set_seq(1);
    s.packet(&[&[0xfb][..], file].concat());
    s.set_seq(3);
    s.ok(0, 0);
    let mut outcome = None;
    let bytes = s.bytes()[mark..].to_vec();
    feed(conn, &bytes);
    loop {
        let ready = conn.advance().unwrap();
        assert!(
            conn.local_infile_request().is_none(),
            "a refused request reached the runner"
        );
        let Some(ev) = conn.event().filter(|_| ready) else {
            break;
        };
        match ev {
            Event::ServerError { error, .. } => {
                outcome = Some(Err(mysql_proto::Error::answer(error.clone())))
            }
            Event::Ok { .. } => outcome = Some(Ok(())),
            _ => {}
        }
    }
    (
        outcome.expect("the statement ended"),
        conn.pending_send().to_vec(),
    )
}

#[test]
fn local_infile_request_is_refused_when_off() {
    let (mut conn, mut s) = connected(opts());
    conn.query("SELECT 1").unwrap();
    let (outcome, sent) = rogue_request(&mut conn, &mut s, b"/etc/shadow");
    // Only an empty packet went back: no file was read or sent; the statement fails although
    // the server reported success.
    assert_eq!(sent, [0, 0, 0, 2]);
    let e = outcome.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LocalInfile, "{e}");
    assert!(
        e.to_string().contains("/etc/shadow") && e.to_string().contains("off"),
        "{e}"
    );
}

/// The rogue-server attack with LOCAL INFILE on: the statement named one file, the server asks
/// for `/etc/passwd`: refused before anything is read, an empty file sent, the statement failed.
#[test]
fn local_infile_request_for_a_file_the_statement_did_not_name_is_refused() {
    let on = Opts::builder()
        .user("u")
        .local_infile(mysql_proto::opts::LocalInfile::On)
        .build();
    let (mut conn, mut s) = connected(on.clone());
    conn.query("LOAD DATA LOCAL INFILE '/tmp/data.csv' INTO TABLE t")
        .unwrap();
    let (outcome, sent) = rogue_request(&mut conn, &mut s, b"/etc/passwd");
    assert_eq!(sent, [0, 0, 0, 2]);
    let e = outcome.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LocalInfile, "{e}");
    assert!(
        e.to_string().contains("/etc/passwd") && e.to_string().contains("/tmp/data.csv"),
        "{e}"
    );
    // A query that names no file: the same.
    conn.query("SELECT 1").unwrap();
    let (outcome, sent) = rogue_request(&mut conn, &mut s, b"/etc/passwd");
    assert_eq!(sent, [0, 0, 0, 2]);
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::LocalInfile);
    // Outside the allowed directories: refused too, even when named.
    let paths = Opts::builder()
        .user("u")
        .local_infile(mysql_proto::opts::LocalInfile::Paths(
            vec!["/srv/in".into()],
        ))
        .build();
    let (mut conn, mut s) = connected(paths);
    conn.query("LOAD DATA LOCAL INFILE '/srv/in/../../etc/passwd' INTO TABLE t")
        .unwrap();
    let (outcome, sent) = rogue_request(&mut conn, &mut s, b"/srv/in/../../etc/passwd");
    assert_eq!(sent, [0, 0, 0, 2]);
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::LocalInfile);
    // The named file is handed to the runner; the server may not talk meanwhile.
    let (mut conn, mut s) = connected(on);
    conn.query("LOAD DATA LOCAL INFILE '/tmp/data.csv' INTO TABLE t")
        .unwrap();
    let n = conn.pending_send().len();
    conn.consume_send(n);
    let mark = s.bytes().len();
    s.set_seq(1);
    s.packet(b"\xfb/tmp/data.csv");
    feed(&mut conn, &s.bytes()[mark..]);
    assert!(conn.poll_event().unwrap().is_none());
    assert_eq!(conn.local_infile_request(), Some(&b"/tmp/data.csv"[..]));
    conn.send_local_infile_data(b"1,a\n").unwrap();
    let mark = s.bytes().len();
    s.ok(0, 0);
    feed(&mut conn, &s.bytes()[mark..]);
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
}

#[test]
fn unsolicited_bytes_and_wrong_sequences_are_fatal() {
    let (mut conn, _) = connected(opts());
    let e = pump(&mut conn, &[5, 0, 0, 9, 1, 2, 3, 4, 5]).expect("error");
    assert_eq!(e.kind(), ErrorKind::Protocol);
}
