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

/// `HandshakeV10` (greeting) parser.
pub fn greeting(data: &[u8]) {
    if let Ok(g) = Greeting::parse(data) {
        // What parses re-encodes and parses to the same greeting.
        let mut again = Vec::new();
        g.encode(&mut again);
        let _ = Greeting::parse(&again);
    }
}

/// OK and EOF packet parsers.
pub fn ok_eof(data: &[u8]) {
    let _ = OkPacket::parse(data, 0);
    let _ = OkPacket::parse(data, crate::constants::CLIENT_SESSION_TRACK);
    let _ = EofPacket::parse(data);
}

/// Session state change data (`CLIENT_SESSION_TRACK`): the parser, and the state it updates.
pub fn session_track(data: &[u8]) {
    let parsed = packets::session_track::parse(data);
    let mut state = packets::SessionState::default();
    // The state applies exactly what parses.
    assert_eq!(state.apply(data).is_ok(), parsed.is_ok());
    if let Ok(changes) = parsed {
        assert_eq!(state.changes(), changes.len() as u64);
    }
}

/// ERR packet parser.
pub fn err(data: &[u8]) {
    let _ = packets::parse_err(data);
}

/// Column definition parser, with and without MariaDB's extended metadata.
pub fn column_definition(data: &[u8]) {
    if let Ok(c) = Column::parse(data, false) {
        let _ = (c.name(), c.table(), c.schema(), c.org_name(), c.org_table());
    }
    let _ = Column::parse(data, true);
}

/// `COM_STMT_PREPARE_OK` parser.
pub fn prepare_ok(data: &[u8]) {
    let _ = PrepareOk::parse(data);
}

/// AuthMoreData handling of every plugin exchange: arbitrary data after a caching_sha2 or
/// sha256 start (the RSA path parses a hostile "PEM key").
pub fn auth_more_data(data: &[u8]) {
    use crate::auth::{AuthContext, AuthExchange};
    let ctx = AuthContext {
        password: b"pw",
        secure: data.first().is_some_and(|b| b & 1 == 1),
        server_public_key: None,
        allow_public_key_retrieval: true,
        allow_cleartext: false,
    };
    let mut rng = FixedRng(0x1234_5678);
    for plugin in ["caching_sha2_password", "sha256_password"] {
        if let Ok((mut ex, _)) =
            AuthExchange::start(plugin, b"01234567890123456789", &ctx, &mut rng)
        {
            for part in data.split(|&b| b == 0xff) {
                if ex.more_data(part, &ctx, &mut rng).is_err() {
                    break;
                }
            }
        }
    }
}

/// A client that receives a LOCAL INFILE request (0xFB + file name) in reply to a query, then
/// arbitrary bytes: it must only ever send an empty packet back, never file contents.
pub fn local_infile(data: &[u8]) {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    s.set_seq(1);
    let mut request = vec![0xfb];
    request.extend_from_slice(data.get(..32).unwrap_or(data));
    s.packet(&request);
    let mut input = s.bytes().to_vec();
    input.extend_from_slice(data.get(32..).unwrap_or(&[]));
    let opts = Opts::builder().user("u").max_packet(MAX_PACKET).build();
    let t = drive(opts, &input, 64, true, &mut |c| {
        c.query("LOAD DATA LOCAL INFILE 'x' INTO TABLE t").map(drop)
    });
    // After the handshake response and the query, the client may only send empty packets.
    let sent = crate::testing::split_packets(&t.sent);
    for (_, payload) in sent.iter().skip(2) {
        assert!(
            payload.is_empty(),
            "client sent data for a LOCAL INFILE request"
        );
    }
}

/// A deterministic RNG for targets that encrypt.
struct FixedRng(u64);

impl rand_core::RngCore for FixedRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = self.next_u64() as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for FixedRng {}

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
    // A DOUBLE's text form: the fast path gives exactly what the standard parser gives.
    let want = std::str::from_utf8(data)
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    assert_eq!(
        crate::value::float::parse_f64(data).map(f64::to_bits),
        want.map(f64::to_bits)
    );
    // A short integer's text form: what the standard parser gives (which also takes a `+`).
    let int = std::str::from_utf8(data)
        .ok()
        .filter(|s| !s.starts_with('+'))
        .and_then(|s| s.parse::<i64>().ok());
    let digits = data.len() - data.starts_with(b"-") as usize;
    match crate::value::convert::parse_small_int(data) {
        Some(v) => assert_eq!(Some(v), int),
        None => assert!(int.is_none() || digits > 18),
    }
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

/// Text row validation and decoding only.
pub fn text_row(data: &[u8]) {
    rows_of(data, true, false);
}

/// Binary row validation and decoding only.
pub fn binary_row(data: &[u8]) {
    rows_of(data, false, true);
}

/// Row decoding, text and binary, for columns derived from the first bytes.
pub fn rows(data: &[u8]) {
    rows_of(data, true, true);
}

fn rows_of(data: &[u8], text: bool, binary: bool) {
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
    if text && crate::value::text_row::check_text_row(payload, columns.len()).is_ok() {
        let row = RowRef::new(payload, &columns);
        let _: Vec<_> = row.text_values().collect();
        let _ = row.get::<i64>(0);
        let _ = row.get::<String>(0);
        strings_agree_with_std(row);
    }
    if binary {
        let row = RowRef::with_format(payload, &columns, RowFormat::Binary);
        let checked = crate::value::binary_row::check_binary_row(payload, &columns).is_ok();
        // Any payload decodes into a tuple without panicking; a checked one into its values.
        let tuple = tuple_values(row);
        if checked {
            let values: Vec<_> = row.values().collect();
            assert_eq!(values.len(), columns.len());
            if let Some(tuple) = tuple {
                // (As text: a DOUBLE may be NaN.)
                assert_eq!(format!("{tuple:?}"), format!("{values:?}"));
            }
            let _: Vec<_> = row.text_values().collect();
            let _ = row.get::<f64>(0);
            let _ = row.get::<crate::DateTime>(0);
            strings_agree_with_std(row);
        }
    }
}

/// The row decoded into a tuple of raw values, for rows of one to four columns.
fn tuple_values(row: RowRef<'_>) -> Option<Vec<crate::RawValue<'_>>> {
    use crate::RawValue as V;
    Some(
        match row.len() {
            1 => row.decode::<(V,)>().map(|(a,)| vec![a]),
            2 => row.decode::<(V, V)>().map(|(a, b)| vec![a, b]),
            3 => row.decode::<(V, V, V)>().map(|(a, b, c)| vec![a, b, c]),
            4 => row
                .decode::<(V, V, V, V)>()
                .map(|(a, b, c, d)| vec![a, b, c, d]),
            _ => return None,
        }
        .expect("raw values always convert"),
    )
}

/// Every string value read as `&str` is exactly what `std::str::from_utf8` makes of its bytes
/// (the check of the core's one `unsafe`, `value::utf8::str_from_utf8`, under the fuzzers).
fn strings_agree_with_std(row: RowRef<'_>) {
    for i in 0..row.len() {
        if let Ok(crate::RawValue::Text(b) | crate::RawValue::Bytes(b)) = row.raw(i) {
            assert_eq!(row.get::<&str>(i).ok(), std::str::from_utf8(b).ok());
        }
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

/// Protocol compression: the first byte picks the algorithm (bit 0: zstd when built in) and
/// the chunk size; the rest is what the server sends after the login OK, in compressed
/// packets. The inflater alone must give exactly the declared length or fail; the session
/// (queries queued on connect) must end in events or an error, never a panic or runaway memory.
pub fn compressed(data: &[u8]) {
    use crate::codec::compress::{inflate, CompressedHeader, Compression};
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let c = if sel & 1 == 1 && cfg!(feature = "zstd") {
        Compression::ZSTD
    } else {
        Compression::ZLIB
    };
    let (mut pos, mut out) = (0, Vec::new());
    while let Ok(Some((n, _))) = inflate(c, &rest[pos..], &mut out) {
        // Invariant: inflate returned a whole packet, so its header parses.
        let h = CompressedHeader::parse(&rest[pos..]).expect("header");
        let want = if h.uncompressed_len == 0 {
            h.len
        } else {
            h.uncompressed_len
        };
        assert_eq!(out.len(), want);
        out.clear();
        pos += n;
    }
    let mut greeting = mariadb_greeting();
    greeting.capabilities |=
        crate::constants::CLIENT_COMPRESS | crate::constants::CLIENT_ZSTD_COMPRESSION_ALGORITHM;
    let mut s = ServerScript::new();
    s.greeting(&greeting);
    s.set_seq(2);
    s.ok(0, 0);
    let mut input = s.bytes().to_vec();
    input.extend_from_slice(rest);
    let opts = Opts::builder()
        .user("u")
        .max_packet(MAX_PACKET)
        .max_columns(64)
        .compression(c)
        .build();
    let script = "query SELECT 1\nping\nquery SELECT 2; SELECT 3\ninit_db x";
    let t = drive(
        opts,
        &input,
        usize::from(sel >> 1) * 8 + 1,
        true,
        &mut |c| queue_script(c, script),
    );
    assert!(t.events.len() <= input.len());
}

/// The answer to a prepared `CALL`: a valid one (a result set, the OUT parameters flagged
/// `SERVER_PS_OUT_PARAMS`, the final OK) edited by `data` (its first byte cuts the answer
/// short, then byte pairs flip a byte at a position), collected as `Conn::call` collects it.
/// Whatever the edits, the outcome is an [`Output`](crate::Output) whose OUT parameters read
/// without panicking, or an error.
pub fn call(data: &[u8]) {
    use crate::constants::StatusFlags as S;
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    let skip = s.bytes().len();
    s.set_seq(1);
    let more = S::SERVER_MORE_RESULTS_EXISTS | S::SERVER_STATUS_AUTOCOMMIT;
    s.binary_result_set_with(
        &["a", "b"],
        &[vec![Some("1"), None], vec![Some("x"), Some("yy")]],
        more,
    );
    s.binary_result_set_with(
        &["o1", "o2", "o3"],
        &[vec![Some("42"), None, Some("out")]],
        more | S::SERVER_PS_OUT_PARAMS,
    );
    s.ok(0, 0);
    let mut answer = s.bytes()[skip..].to_vec();
    // Unedited, the answer must come out whole (so that the target can fail).
    let intact = data.len() <= 1 && data.first().is_none_or(|&c| c % 8 == 0);
    let mut outcome = None;
    if let Some((&cut, edits)) = data.split_first() {
        answer.truncate(answer.len() - usize::from(cut) % 8 * answer.len() / 8);
        for e in edits.chunks_exact(2) {
            if !answer.is_empty() {
                let at = usize::from(e[0]) * 7 % answer.len();
                answer[at] ^= e[1];
            }
        }
    }
    let mut conn = crate::testing::handshake_done();
    let statement = crate::testing::prepared_statement(3, 0);
    let Ok(id) = conn.execute(
        &statement,
        &[crate::Value::Int(1), crate::Value::Null, crate::Value::Null],
    ) else {
        return;
    };
    let mut collector = crate::pipeline::Collector::new();
    collector.expect(id, true);
    crate::testing::feed(&mut conn, &answer);
    while !collector.is_complete() {
        match conn.advance() {
            Ok(true) => {
                let Some(ev) = conn.event() else { break };
                if collector.on_event(&ev).is_err() {
                    break;
                }
            }
            Ok(false) | Err(_) => break,
        }
    }
    for (_, out) in collector.finish() {
        if let Ok(out) = out {
            if let Some(row) = out.out_params() {
                for i in 0..row.len() {
                    let _ = row.get::<Option<String>>(i);
                    let _ = row.get::<i64>(i);
                }
                outcome = row.get::<i64>(0).ok();
            }
            assert!(out.result_sets().count() <= out.results.len());
        }
    }
    if intact {
        assert_eq!(outcome, Some(42), "the intact answer's OUT parameters");
    }
}

/// An operation sequence: each byte pair either queues a command or delivers a chunk of the
/// following bytes as server input, after a scripted login.
pub fn operations(data: &[u8]) {
    let mut s = ServerScript::new();
    let mut greeting = mariadb_greeting();
    if data.first().is_some_and(|b| b & 0x80 != 0) {
        // Result metadata caching: column counts carry a flag, executes may skip definitions.
        greeting.mariadb_capabilities |= crate::constants::MARIADB_CLIENT_CACHE_METADATA;
    }
    s.greeting(&greeting);
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
        let statement = crate::testing::prepared_statement(1, 1);
        let _ = match op % 11 {
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
            6 => conn
                .execute(&statement, &[crate::Value::Int(arg as i64)])
                .map(drop),
            7 => conn.close_statement(1),
            8 => {
                let rows = vec![vec![crate::Value::Int(arg as i64)]; arg % 5 + 1];
                conn.bulk_execute(&statement, &rows).map(drop)
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

/// Binlog event decoder ([`BinlogStream::decode`](crate::binlog::BinlogStream::decode)): a run
/// of events, each a 2-byte length then its bytes, decoded by one stream (so that row events
/// meet the table maps before them). Each event's size field is set to its length and, when
/// the first byte is odd, a correct CRC32 is appended, so that edits reach the bodies rather
/// than the size and checksum checks. A decoded event's size is the event's length.
pub fn binlog(data: &[u8]) {
    use crate::binlog::{checksum, BinlogStream};
    let Some((&mode, mut rest)) = data.split_first() else {
        return;
    };
    let crc = mode & 1 == 1;
    let mut stream = BinlogStream::new(crc);
    while rest.len() >= 2 {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let take = len.min(rest.len() - 2);
        let mut event = rest[2..2 + take].to_vec();
        rest = &rest[2 + take..];
        let total = event.len() + if crc { checksum::LEN } else { 0 };
        if event.len() >= 13 {
            event[9..13].copy_from_slice(&(total as u32).to_le_bytes());
        }
        if crc {
            let sum = checksum::crc32(&event);
            event.extend_from_slice(&sum.to_le_bytes());
        }
        if let Ok(e) = stream.decode(&event) {
            assert_eq!(e.header.event_size as usize, event.len());
        }
    }
}
