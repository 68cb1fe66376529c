//! The receive buffer lent by value (`take_recv_buf` / `give_recv_buf`, for completion-based
//! IO) decodes exactly what the borrowed slice (`recv_buf` / `handle_recv`) decodes, plain and
//! compressed, however the input is cut; nothing decodes while the buffer is out; a lost or
//! foreign buffer breaks the connection instead of panicking.

use mysql_proto::codec::compress::{Compression, Compressor, SealAs};
use mysql_proto::constants::capabilities::{CLIENT_COMPRESS, CLIENT_ZSTD_COMPRESSION_ALGORITHM};
use mysql_proto::testing::{feed, mariadb_greeting, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts};

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// How the test hands received bytes to the connection.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Delivery {
    Slice,
    Loan,
}

/// A connection past the handshake (compressed when `compressed`), and the server's answer to
/// its first query: `rows` rows of one text column, compressed in packets of 700 framed bytes
/// when `compressed`.
fn session(compressed: bool, rows: usize) -> (Connection, Vec<u8>, Vec<String>) {
    let mut greeting = mariadb_greeting();
    greeting.capabilities |= CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM;
    let mut s = ServerScript::new();
    s.greeting(&greeting);
    s.set_seq(2);
    s.ok(0, 0);
    let url = match compressed {
        true => "mysql://app@localhost/?compression=zlib",
        false => "mysql://app@localhost/",
    };
    let mut conn = Connection::new(Opts::from_url(url).unwrap());
    feed(&mut conn, s.bytes());
    while conn.poll_event().unwrap().is_some() {}
    assert_eq!(conn.is_compressed(), compressed);
    let n = conn.pending_send().len();
    conn.consume_send(n);
    let values: Vec<String> = (0..rows)
        .map(|i| format!("row {i} ").repeat(i % 7))
        .collect();
    let cells: Vec<Vec<Option<&[u8]>>> = values.iter().map(|v| vec![Some(v.as_bytes())]).collect();
    let mut answer = ServerScript::new();
    answer.greeting(&greeting);
    let skip = answer.bytes().len();
    answer.set_seq(1);
    answer.result_set(&["v"], &cells);
    let framed = answer.bytes()[skip..].to_vec();
    let wire = match compressed {
        false => framed,
        true => {
            let mut server = Compressor::new(Compression::ZLIB).unwrap();
            for chunk in framed.chunks(700) {
                server.seal(chunk, SealAs::Command);
            }
            server.unsent().to_vec()
        }
    };
    (conn, wire, values)
}

/// Sends a query, delivers `wire` in random cuts the way `delivery` says, and returns the rows
/// decoded. With loans, `advance` is also called while the buffer is out, and must decode
/// nothing.
fn rows_received(compressed: bool, delivery: Delivery, seed: u64) -> (Vec<String>, Vec<String>) {
    let (mut conn, wire, expected) = session(compressed, 300);
    let id = conn.query("SELECT v FROM t").unwrap();
    let mut rng = Rng(seed);
    let mut got = Vec::new();
    let mut done = false;
    let mut pos = 0;
    while !done {
        while let Some(ev) = conn.poll_event().unwrap() {
            match ev {
                Event::Row { row, .. } => got.push(row.get::<String>(0).unwrap()),
                Event::ResultSetEnd { id: end, .. } => done = end == id,
                _ => {}
            }
        }
        if done {
            break;
        }
        assert!(pos < wire.len(), "the answer was decoded short");
        let hint = 1 + rng.below(3000);
        let cut = (1 + rng.below(2000)).min(wire.len() - pos);
        match delivery {
            Delivery::Slice => {
                let buf = conn.recv_buf(hint);
                let n = cut.min(buf.len());
                buf[..n].copy_from_slice(&wire[pos..pos + n]);
                conn.handle_recv(n);
                pos += n;
            }
            Delivery::Loan => {
                let mut loan = conn.take_recv_buf(hint);
                // Out on loan: the buffered input is not the connection's to decode.
                assert!(!conn.advance().unwrap());
                assert!(conn.event().is_none());
                let spare = loan.spare_mut();
                assert!(!spare.is_empty());
                let n = cut.min(spare.len());
                spare[..n].copy_from_slice(&wire[pos..pos + n]);
                conn.give_recv_buf(loan, n);
                pos += n;
            }
        }
    }
    (got, expected)
}

#[test]
fn loans_decode_what_slices_decode() {
    for compressed in [false, true] {
        for seed in 1..=20u64 {
            let (by_slice, expected) = rows_received(compressed, Delivery::Slice, seed);
            let (by_loan, _) = rows_received(compressed, Delivery::Loan, seed);
            assert_eq!(by_slice, expected, "compressed {compressed}, seed {seed}");
            assert_eq!(by_loan, expected, "compressed {compressed}, seed {seed}");
        }
    }
}

#[test]
fn a_loan_never_given_back_breaks_the_connection() {
    for compressed in [false, true] {
        // Lent, then lent again (the first loan dropped, as by a cancelled read).
        let (mut conn, wire, _) = session(compressed, 10);
        conn.query("SELECT v FROM t").unwrap();
        let mut loan = conn.take_recv_buf(64);
        let n = 5.min(loan.spare_mut().len());
        loan.spare_mut()[..n].copy_from_slice(&wire[..n]);
        drop(loan);
        let again = conn.take_recv_buf(64);
        assert!(!again.spare().is_empty());
        conn.give_recv_buf(again, 0);
        let e = conn.advance().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        // The borrowed slice after a lost loan: the same, and it still never panics.
        let (mut conn, _, _) = session(compressed, 10);
        conn.query("SELECT v FROM t").unwrap();
        drop(conn.take_recv_buf(64));
        assert!(!conn.recv_buf(64).is_empty());
        conn.handle_recv(0);
        assert_eq!(conn.advance().unwrap_err().kind(), ErrorKind::Misuse);
    }
}

#[test]
fn a_buffer_not_lent_is_refused() {
    let (mut a, _, _) = session(false, 1);
    let (mut b, _, _) = session(false, 1);
    a.query("SELECT v FROM t").unwrap();
    b.query("SELECT v FROM t").unwrap();
    // Given back to a connection that lent nothing.
    let loan = a.take_recv_buf(64);
    b.give_recv_buf(loan, 3);
    assert_eq!(b.advance().unwrap_err().kind(), ErrorKind::Misuse);
    // Given back to a connection that lent another buffer.
    let (mut c, _, _) = session(false, 1);
    c.query("SELECT v FROM t").unwrap();
    let _own = c.take_recv_buf(64);
    let (mut d, _, _) = session(false, 1);
    d.query("SELECT v FROM t").unwrap();
    c.give_recv_buf(d.take_recv_buf(64), 3);
    let e = c.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    assert!(e.to_string().contains("not lent by this connection"), "{e}");
    // `a`, whose loan went astray, cannot decode again either.
    drop(a.take_recv_buf(64));
    assert_eq!(a.advance().unwrap_err().kind(), ErrorKind::Misuse);
}
