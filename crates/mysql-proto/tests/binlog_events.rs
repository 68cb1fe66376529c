//! Binlog decoding against real bytes: `tests/data/binlog-events.bin` holds events a MariaDB
//! 10.11 server wrote to its log (recorded by `scripts/record-binlog.sh`: the table and row of
//! `mysql_proto::testing::binlog_fixture`, inserted, updated and deleted; the delete with
//! `binlog_row_metadata = FULL`). Decoded directly, and streamed through a connection as a
//! server's `COM_BINLOG_DUMP` answer, in chunks of every size.

use mysql_proto::binlog::{
    checksum, BinlogEvent, BinlogRequest, BinlogStream, EventData, EventType, RowsEvent, RowsKind,
};
use mysql_proto::ops::{BinlogDump, NextBinlogEvent, Operation, Progress};
use mysql_proto::testing::binlog_fixture::inserted;
use mysql_proto::testing::{feed, handshake_done, ServerScript};
use mysql_proto::{ColumnType, Connection, ErrorKind, Value};

const FIXTURE: &[u8] = include_bytes!("data/binlog-events.bin");

/// The fixture's events, each as the log holds it (header to checksum).
fn events() -> Vec<&'static [u8]> {
    let mut out = Vec::new();
    let mut rest = FIXTURE;
    while !rest.is_empty() {
        let size = u32::from_le_bytes(rest[9..13].try_into().unwrap()) as usize;
        out.push(&rest[..size]);
        rest = &rest[size..];
    }
    out
}

fn decode_all() -> Vec<BinlogEvent> {
    let mut stream = BinlogStream::new(true);
    events()
        .into_iter()
        .map(|e| stream.decode(e).unwrap())
        .collect()
}

fn rows(decoded: &[BinlogEvent]) -> Vec<&RowsEvent> {
    decoded
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Rows(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn every_event_of_the_recording_decodes() {
    let decoded = decode_all();
    let EventData::FormatDescription {
        binlog_version,
        server_version,
        checksum,
    } = &decoded[0].data
    else {
        panic!("{:?}", decoded[0]);
    };
    assert_eq!(*binlog_version, 4);
    assert!(server_version.contains("MariaDB"), "{server_version}");
    assert!(checksum);
    let types: Vec<EventType> = decoded.iter().map(|e| e.header.event_type).collect();
    for t in [
        EventType::GTID,
        EventType::QUERY,
        EventType::TABLE_MAP,
        EventType::WRITE_ROWS_V1,
        EventType::UPDATE_ROWS_V1,
        EventType::DELETE_ROWS_V1,
    ] {
        assert!(types.contains(&t), "{t:?} missing from {types:?}");
    }
    // The CREATE TABLE and DROP TABLE come as statements.
    let ddl: Vec<&str> = decoded
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Query(q) if q.sql.contains("binlog_fixture") => Some(q.sql.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ddl.len(), 2, "{ddl:?}");
    assert!(ddl[0].starts_with("CREATE OR REPLACE TABLE") && ddl[1].starts_with("DROP TABLE"));
    // Each transaction's GTID comes from the server that wrote it.
    for e in &decoded {
        if let EventData::Gtid(g) = &e.data {
            assert_eq!(g.server_id, e.header.server_id);
        }
    }
}

#[test]
fn row_events_carry_every_value() {
    let decoded = decode_all();
    let rows = rows(&decoded);
    let kinds: Vec<RowsKind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [RowsKind::Insert, RowsKind::Update, RowsKind::Delete]
    );
    let table = &rows[0].table;
    assert_eq!(
        (table.schema.as_str(), table.table.as_str()),
        ("test", "binlog_fixture")
    );
    assert_eq!(table.columns.len(), 23);
    assert_eq!(table.columns[10].column_type, ColumnType::DateTime2);
    assert_eq!(table.columns[15].real_type(), ColumnType::String);
    assert_eq!(table.columns[18].column_type, ColumnType::Blob);
    assert_eq!(table.columns[19].real_type(), ColumnType::Enum);
    assert_eq!(table.columns[20].real_type(), ColumnType::Set);

    let after: Vec<Value> = rows[0].rows[0]
        .after
        .clone()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(after, inserted());
    assert!(rows[0].rows[0].before.is_none());

    let update = &rows[1].rows[0];
    let (before, after) = (
        update.before.clone().unwrap(),
        update.after.clone().unwrap(),
    );
    assert_eq!(
        before
            .iter()
            .cloned()
            .map(Option::unwrap)
            .collect::<Vec<_>>(),
        inserted()
    );
    assert_eq!(after[14], Some(Value::Bytes(b"short".to_vec())));
    assert_eq!(after[22], Some(Value::Int(7)));
}

#[test]
fn full_row_metadata_gives_names_and_signedness() {
    let decoded = decode_all();
    let rows = rows(&decoded);
    let (minimal, full) = (&rows[1].table, &rows[2].table);
    assert!(minimal
        .columns
        .iter()
        .all(|c| c.name.is_empty() && !c.unsigned));
    let names: Vec<&str> = full.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(&names[..4], ["id", "ti", "su", "mi"]);
    assert_eq!(names[22], "n");
    let unsigned: Vec<usize> = (0..23).filter(|&i| full.columns[i].unsigned).collect();
    // MariaDB counts YEAR as an unsigned number.
    assert_eq!(unsigned, [2, 4, 13]);
    let deleted = rows[2].rows[0].before.clone().unwrap();
    assert_eq!(deleted[2], Some(Value::UInt(65535)));
    assert_eq!(deleted[4], Some(Value::UInt(18_000_000_000_000_000_000)));
    assert_eq!(deleted[3], Some(Value::Int(-8388608)));
}

#[test]
fn a_changed_byte_or_a_cut_event_is_an_error_never_a_panic() {
    let events = events();
    for (i, e) in events.iter().enumerate() {
        for cut in 0..e.len() {
            let mut stream = BinlogStream::new(true);
            for earlier in &events[..i] {
                stream.decode(earlier).unwrap();
            }
            assert!(stream.decode(&e[..cut]).is_err(), "event {i} cut at {cut}");
        }
        for at in 0..e.len() {
            let mut flipped = e.to_vec();
            flipped[at] ^= 0x20;
            let mut stream = BinlogStream::new(true);
            for earlier in &events[..i] {
                stream.decode(earlier).unwrap();
            }
            // The checksum catches every single change (of the size field too), but in the
            // FORMAT_DESCRIPTION's server version, which says whether there is a checksum.
            let r = stream.decode(&flipped);
            if i > 0 {
                let err = r.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Protocol, "event {i}, byte {at}");
            }
        }
    }
    // Without the checksum, changed bodies still never panic (the fuzz target goes further).
    let stream = BinlogStream::new(false);
    for e in &events {
        let body_end = e.len() - checksum::LEN;
        for at in 19..body_end {
            let mut changed = e[..body_end].to_vec();
            changed[9..13].copy_from_slice(&(body_end as u32).to_le_bytes());
            changed[at] = changed[at].wrapping_add(0x81);
            let _ = stream.clone().decode(&changed);
        }
    }
}

/// Runs [`BinlogDump`] on `conn` (it needs no IO): the dump is queued, its stream returned.
fn start_dump(conn: &mut Connection, request: &BinlogRequest) -> BinlogStream {
    match BinlogDump::new(request, true).poll(conn).unwrap() {
        Progress::Done(s) => s,
        p => panic!("{p:?}"),
    }
}

/// Reads `stream` to its end, feeding `answer` in chunks of `chunk` bytes whenever it asks.
fn read_dump(
    conn: &mut Connection,
    stream: &mut BinlogStream,
    answer: &[u8],
    chunk: usize,
) -> Vec<BinlogEvent> {
    let mut got = Vec::new();
    let mut input = answer.chunks(chunk);
    loop {
        match NextBinlogEvent::new(stream).poll(conn).unwrap() {
            Progress::Done(Some(e)) => got.push(e),
            Progress::Done(None) => return got,
            Progress::Read => feed(conn, input.next().expect("more input")),
            Progress::Flush => panic!("nothing to write"),
        }
    }
}

/// The recorded events as a server's answer to `COM_BINLOG_DUMP` (after the ROTATE the server
/// makes up first): `0x00` and an event per packet, then the EOF of a non-blocking dump.
fn dump_answer() -> Vec<u8> {
    let mut rotate = Vec::new();
    let next_file = b"mysql-bin.000042";
    let size = 19 + 8 + next_file.len() + 4;
    rotate.extend_from_slice(&0u32.to_le_bytes()); // timestamp
    rotate.push(4); // ROTATE
    rotate.extend_from_slice(&1u32.to_le_bytes());
    rotate.extend_from_slice(&(size as u32).to_le_bytes());
    rotate.extend_from_slice(&0u32.to_le_bytes()); // log_pos: not in the log
    rotate.extend_from_slice(&0x20u16.to_le_bytes()); // LOG_EVENT_ARTIFICIAL_F
    rotate.extend_from_slice(&4u64.to_le_bytes());
    rotate.extend_from_slice(next_file);
    let sum = checksum::crc32(&rotate);
    rotate.extend_from_slice(&sum.to_le_bytes());

    let mut server = ServerScript::new();
    server.set_seq(1);
    for e in std::iter::once(&rotate[..]).chain(events()) {
        let mut packet = vec![0];
        packet.extend_from_slice(e);
        server.packet(&packet);
    }
    server.eof(0x0002);
    server.bytes().to_vec()
}

#[test]
fn a_dump_streams_through_the_connection_in_chunks_of_every_size() {
    let request = BinlogRequest::new(77)
        .file("mysql-bin.000042", 4)
        .non_blocking(true);
    let answer = dump_answer();
    let expected = decode_all();
    for chunk in [1, 2, 3, 7, 19, 100, 1000, answer.len()] {
        let mut conn = handshake_done();
        let mut stream = start_dump(&mut conn, &request);
        // COM_BINLOG_DUMP: position, flags (non-blocking), server id, file name.
        let mut body = vec![0x12];
        body.extend_from_slice(&4u32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&77u32.to_le_bytes());
        body.extend_from_slice(b"mysql-bin.000042");
        assert_eq!(&conn.pending_send()[4..], &body[..]);
        assert_eq!(
            conn.pending_send()[..3],
            (body.len() as u32).to_le_bytes()[..3]
        );
        let n = conn.pending_send().len();
        conn.consume_send(n);
        let got = read_dump(&mut conn, &mut stream, &answer, chunk);
        assert!(
            matches!(&got[0].data, EventData::Rotate { position: 4, next_file } if next_file == "mysql-bin.000042")
        );
        assert_eq!(got[1..], expected[..], "chunks of {chunk}");
        assert_eq!(conn.in_flight(), 0);
        // The server closes the connection after a dump.
        assert_eq!(conn.ping().unwrap_err().kind(), ErrorKind::Closed);
    }
}

#[test]
fn an_endless_dump_refuses_other_commands_and_a_server_error_ends_it() {
    let mut conn = handshake_done();
    let request = BinlogRequest::new(5);
    let mut stream = start_dump(&mut conn, &request);
    // Blocking: nothing else may be queued behind it.
    let e = conn.ping().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
    let mut server = ServerScript::new();
    server.set_seq(1);
    server.err(
        1236,
        "HY000",
        "Could not find first log file name in binary log index file",
    );
    feed(&mut conn, server.bytes());
    let e = NextBinlogEvent::new(&mut stream)
        .poll(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert!(!e.is_fatal());
    assert!(stream.ended());
    assert!(matches!(
        NextBinlogEvent::new(&mut stream).poll(&mut conn).unwrap(),
        Progress::Done(None)
    ));
    assert_eq!(conn.ping().unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn an_event_that_does_not_decode_breaks_the_connection() {
    let mut conn = handshake_done();
    let request = BinlogRequest::new(5).non_blocking(true);
    let mut stream = start_dump(&mut conn, &request);
    let mut bad = vec![0];
    bad.extend_from_slice(events()[1]);
    let last = bad.len() - 1;
    bad[last] ^= 1; // the checksum
    let mut server = ServerScript::new();
    server.set_seq(1);
    server.packet(&bad);
    feed(&mut conn, server.bytes());
    let e = NextBinlogEvent::new(&mut stream)
        .poll(&mut conn)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(conn.fatal_error().is_some());
}

/// An event with its header (`event_type`, server 1) and CRC32 around `body`.
fn event(event_type: u8, body: &[u8]) -> Vec<u8> {
    let size = 19 + body.len() + checksum::LEN;
    let mut e = Vec::with_capacity(size);
    e.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    e.push(event_type);
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&(size as u32).to_le_bytes());
    e.extend_from_slice(&0u32.to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes());
    e.extend_from_slice(body);
    let sum = checksum::crc32(&e);
    e.extend_from_slice(&sum.to_le_bytes());
    e
}

#[test]
fn a_row_event_over_16_mib_is_reassembled_from_its_packets() {
    // TABLE_MAP: table 9, test.big, one LONGBLOB (BLOB with 4-byte lengths), not nullable.
    let mut map = vec![9, 0, 0, 0, 0, 0, 0, 0, 4];
    map.extend_from_slice(b"test\0");
    map.push(3);
    map.extend_from_slice(b"big\0");
    map.extend_from_slice(&[1, 252, 1, 4, 0]);
    // WRITE_ROWS v1, the statement's last (flag 1): the column present, not null, 17 MiB.
    let blob: Vec<u8> = (0..17usize << 20).map(|i| (i % 251) as u8).collect();
    let mut rows = vec![9, 0, 0, 0, 0, 0, 1, 0, 1, 0b1, 0b0];
    rows.extend_from_slice(&(blob.len() as u32).to_le_bytes());
    rows.extend_from_slice(&blob);

    let mut server = ServerScript::new();
    server.set_seq(1);
    for e in [event(19, &map), event(23, &rows)] {
        let mut packet = vec![0];
        packet.extend_from_slice(&e);
        server.packet(&packet);
    }
    server.eof(0x0002);
    let answer = server.bytes().to_vec();
    assert!(answer.len() > (17 << 20) + 8, "split into several packets");

    let mut conn = handshake_done();
    let request = BinlogRequest::new(1).non_blocking(true);
    let mut stream = start_dump(&mut conn, &request);
    // Chunks of at most the buffer's slack beyond one whole frame (`feed` does not decode).
    let got = read_dump(&mut conn, &mut stream, &answer, 32 << 10);
    assert_eq!(got.len(), 2);
    let EventData::Rows(r) = &got[1].data else {
        panic!("{:?}", got[1].header)
    };
    assert_eq!(r.table.table, "big");
    assert_eq!(r.rows[0].after, Some(vec![Some(Value::Bytes(blob))]));
    // The statement's last row event: its table maps are not kept.
    assert!(stream.table(9).is_none());
}
