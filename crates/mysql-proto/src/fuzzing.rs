//! Fuzz-target bodies, kept in the core so that cargo-fuzz targets (`fuzz/`) and the ordinary
//! test suite (which replays the seed corpus and a deterministic sweep) run the same code.
//!
//! Each function takes arbitrary bytes and checks the invariants that must hold for any input:
//! no panic (the harness catches it), only this crate's [`Error`](crate::Error) comes out, and
//! memory stays within the configured limits.

use crate::codec::framing::{Deframed, Deframer};
use crate::codec::Reader;
use crate::packets::{self, Column, EofPacket, Greeting, HandshakeResponse, OkPacket, PrepareOk};
use crate::testing::{drive, mariadb_greeting, queue_script, ServerScript};
use crate::{Columns, Connection, Opts, RowFormat, RowRef};

/// Limits used by the session targets: small, so that a fuzzer finds the limit checks.
const MAX_PACKET: usize = 1 << 20;

/// Every packet parser on the same bytes.
pub fn parsers(data: &[u8]) {
    let _ = Greeting::parse(data);
    let _ = OkPacket::parse(data, 0);
    let _ = OkPacket::parse(data, crate::constants::CLIENT_SESSION_TRACK);
    let _ = EofPacket::parse(data);
    let _ = packets::parse_err(data);
    let _ = Column::parse(data, false);
    let _ = Column::parse(data, true);
    let _ = packets::AuthSwitchRequest::parse(data);
    let _ = HandshakeResponse::parse(data);
    let _ = PrepareOk::parse(data);
    let mut r = Reader::new(data);
    while r.lenenc_bytes().is_ok() {}
}

/// The deframer over arbitrary input: consumed bytes never exceed the input, payloads lie
/// inside it, and the reassembly stays under the limit.
pub fn framing(data: &[u8]) {
    let mut d = Deframer::new();
    let mut seq = data.first().copied().unwrap_or(0);
    let mut pos = 0;
    while pos < data.len() {
        match d.next(&data[pos..], &mut seq, MAX_PACKET) {
            Ok(Deframed::Incomplete { consumed }) => {
                assert!(pos + consumed <= data.len());
                break;
            }
            Ok(Deframed::Packet { consumed, payload }) => {
                assert!(consumed > 0 && pos + consumed <= data.len());
                if let Some(p) = payload {
                    assert!(p.end <= consumed);
                }
                assert!(d.reassembled().len() <= MAX_PACKET);
                d.release();
                pos += consumed;
            }
            Err(_) => break,
        }
    }
}

/// Row decoding, text and binary, for columns derived from the first bytes.
pub fn rows(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = (n % 16) as usize;
    let types = rest.get(..n).unwrap_or(&[]);
    let payload = rest.get(n..).unwrap_or(&[]);
    let columns: Columns = types
        .iter()
        .map(|t| {
            let ct = crate::ColumnType::from_u8(*t);
            let flags = if t & 1 == 1 {
                crate::ColumnFlags::UNSIGNED
            } else {
                0
            };
            Column::new("c", ct, 63, flags)
        })
        .collect::<Vec<_>>()
        .into();
    if packets::text_row::check_text_row(payload, columns.len()).is_ok() {
        let row = RowRef::new(payload, &columns);
        let _: Vec<_> = row.text_values().collect();
        let _ = row.get::<i64>(0);
        let _ = row.get::<String>(0);
    }
    if crate::value::binary::check_binary_row(payload, &columns).is_ok() {
        let row = RowRef::with_format(payload, &columns, RowFormat::Binary);
        let values: Vec<_> = row.values().collect();
        assert_eq!(values.len(), columns.len());
        let _: Vec<_> = row.text_values().collect();
        let _ = row.get::<f64>(0);
        let _ = row.get::<crate::DateTime>(0);
    }
}

/// A whole client session: a real greeting, then arbitrary server bytes, with queries queued
/// on connect; fed in chunks whose size comes from the first byte.
pub fn session(data: &[u8]) {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    let mut input = s.bytes().to_vec();
    input.extend_from_slice(rest);
    let opts = Opts::builder()
        .user("u")
        .password("p")
        .max_packet(MAX_PACKET)
        .max_columns(64)
        .build();
    let script = "query SELECT 1\nping\nquery SELECT 2; SELECT 3\ninit_db x\nreset";
    let t = drive(opts, &input, chunk as usize + 1, true, &mut |c| {
        queue_script(c, script)
    });
    assert!(t.events.len() <= input.len());
}

/// An operation sequence: each byte pair either queues a command or delivers a chunk of the
/// following bytes as server input, after a scripted login.
pub fn operations(data: &[u8]) {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    let opts = Opts::builder()
        .user("u")
        .max_packet(MAX_PACKET)
        .max_columns(64)
        .build();
    let mut conn = Connection::new(opts);
    let login = s.bytes().to_vec();
    feed(&mut conn, &login);
    let mut i = 0;
    while i + 1 < data.len() {
        let (op, arg) = (data[i], data[i + 1] as usize);
        i += 2;
        let _ = match op % 8 {
            0 => conn.query("SELECT 1").map(drop),
            1 => conn.ping().map(drop),
            2 => conn.prepare("SELECT ?").map(drop),
            3 => conn.reset_connection().map(drop),
            4 => {
                let id = conn.in_flight_ids().next();
                if let Some(id) = id {
                    conn.discard(id);
                }
                Ok(())
            }
            5 => {
                let n = conn.pending_send().len();
                conn.consume_send(n.min(arg * 16));
                Ok(())
            }
            _ => {
                let end = (i + arg).min(data.len());
                let chunk = data[i..end].to_vec();
                i = end;
                feed(&mut conn, &chunk);
                Ok(())
            }
        };
        // Drain events; errors are fine, panics are not.
        for _ in 0..1000 {
            match conn.poll_event() {
                Ok(Some(_)) => continue,
                _ => break,
            }
        }
    }
}

fn feed(conn: &mut Connection, bytes: &[u8]) {
    let mut pos = 0;
    while pos < bytes.len() {
        let buf = conn.recv_buf(bytes.len() - pos);
        if buf.is_empty() {
            return;
        }
        let n = buf.len().min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        conn.handle_recv(n);
        pos += n;
        let _ = conn.advance();
    }
}
