//! Protocol compression in the core: the public vector (zlib, MySQL's documentation), round
//! trips of both algorithms at the edges of the format, sequence ids, refusals of lying or
//! hostile payloads, and whole sessions with the scripted server speaking zlib and zstd (MySQL
//! 8's zstd cannot run here: the scripted server compresses with the same library, and the
//! handshake's level byte is checked).

use mysql_proto::codec::compress::{
    inflate, CompressedHeader, Compression, Compressor, SealAs, COMPRESSED_HEADER,
    MIN_COMPRESS_LENGTH,
};
use mysql_proto::codec::framing::{self, MAX_PAYLOAD};
use mysql_proto::constants::*;
use mysql_proto::packets::HandshakeResponse;
use mysql_proto::testing::{feed, mariadb_greeting, split_packets, ServerScript};
use mysql_proto::{Connection, ErrorKind, Event, Opts};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// zlib, and zstd when built in (the workspace's tests build it).
fn algorithms() -> Vec<Compression> {
    let mut v = vec![Compression::ZLIB];
    if cfg!(feature = "zstd") {
        v.push(Compression::ZSTD);
    }
    v
}

#[test]
fn mysql_documentation_vector_inflates_exactly() {
    let v: serde_json::Value = serde_json::from_str(include_str!("data/compression.json")).unwrap();
    let v = &v["vectors"][0];
    let compressed = hex(v["compressed_packet_hex"].as_str().unwrap());
    let expected = hex(v["uncompressed_packet_hex"].as_str().unwrap());
    let h = CompressedHeader::parse(&compressed).unwrap();
    assert_eq!(
        (h.len, h.seq, h.uncompressed_len),
        (
            v["compressed_header"]["compressed_payload_length"]
                .as_u64()
                .unwrap() as usize,
            0,
            v["compressed_header"]["uncompressed_length"]
                .as_u64()
                .unwrap() as usize
        )
    );
    let mut out = Vec::new();
    let got = inflate(Compression::ZLIB, &compressed, &mut out).unwrap();
    assert_eq!(got, Some((compressed.len(), 0)));
    assert_eq!(out, expected);
    // Cut anywhere, the packet is incomplete, never an error.
    for cut in 0..compressed.len() {
        let mut out = Vec::new();
        assert_eq!(
            inflate(Compression::ZLIB, &compressed[..cut], &mut out).unwrap(),
            None
        );
    }
    // And the client's own compression of that packet inflates back to it.
    let mut z = Compressor::new(Compression::ZLIB).unwrap();
    z.seal(&expected, SealAs::Command);
    let sealed = z.unsent().to_vec();
    assert!(sealed.len() < expected.len() + COMPRESSED_HEADER);
    let mut out = Vec::new();
    inflate(Compression::ZLIB, &sealed, &mut out).unwrap();
    assert_eq!(out, expected);
}

/// Inflates every compressed packet of `wire`; returns the bytes and the sequence ids.
fn inflate_all(c: Compression, wire: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut out, mut seqs, mut pos) = (Vec::new(), Vec::new(), 0);
    while pos < wire.len() {
        let (n, seq) = inflate(c, &wire[pos..], &mut out).unwrap().expect("whole");
        seqs.push(seq);
        pos += n;
    }
    (out, seqs)
}

#[test]
fn round_trips_at_the_edges_of_the_format() {
    for c in algorithms() {
        for len in [
            0,
            1,
            MIN_COMPRESS_LENGTH - 1,
            MIN_COMPRESS_LENGTH,
            4096,
            MAX_PAYLOAD,
            MAX_PAYLOAD + 1,
            2 * MAX_PAYLOAD + 7,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i / 7 % 251) as u8).collect();
            let mut z = Compressor::new(c).unwrap();
            z.seal(&data, SealAs::Command);
            let wire = z.unsent().to_vec();
            let (back, seqs) = inflate_all(c, &wire);
            assert!(back == data, "{c:?} len {len}");
            let packets = len.div_ceil(MAX_PAYLOAD);
            assert_eq!(seqs, (0..packets as u8).collect::<Vec<_>>(), "{c:?} {len}");
            if len >= 4096 {
                assert!(
                    wire.len() < len / 4,
                    "{c:?} len {len}: {} bytes",
                    wire.len()
                );
            }
        }
    }
}

#[test]
fn short_and_incompressible_payloads_are_stored() {
    for c in algorithms() {
        let mut z = Compressor::new(c).unwrap();
        let short = vec![b'a'; MIN_COMPRESS_LENGTH - 1];
        z.seal(&short, SealAs::Command);
        let wire = z.unsent().to_vec();
        let h = CompressedHeader::parse(&wire).unwrap();
        assert_eq!((h.len, h.uncompressed_len), (short.len(), 0));
        assert_eq!(&wire[COMPRESSED_HEADER..], &short[..]);
        z.consume(wire.len());
        assert!(z.unsent().is_empty());
        // Random bytes do not shrink: stored, with the uncompressed length 0.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..10_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        z.seal(&noise, SealAs::Command);
        let wire = z.unsent().to_vec();
        let h = CompressedHeader::parse(&wire).unwrap();
        assert_eq!((h.len, h.uncompressed_len), (noise.len(), 0), "{c:?}");
    }
}

#[test]
fn continuations_follow_the_servers_sequence_id() {
    let mut server = Compressor::new(Compression::ZLIB).unwrap();
    let mut client = Compressor::new(Compression::ZLIB).unwrap();
    // The client's command: compressed sequence id 0.
    client.seal(b"\x01\x00\x00\x00\x0e", SealAs::Command);
    assert_eq!(CompressedHeader::parse(client.unsent()).unwrap().seq, 0);
    client.consume(client.unsent().len());
    // The server answers with ids 1 and 2 (a LOCAL INFILE request, say) ...
    server.seal(&[7u8; 10], SealAs::Command);
    let mut wire = server.unsent().to_vec();
    wire[3] = 1;
    let mut second = wire.clone();
    second[3] = 2;
    wire.extend_from_slice(&second);
    client.input().extend_from_slice(&wire);
    let mut plain = Vec::new();
    assert!(client.inflate_next(&mut plain).unwrap());
    assert!(client.inflate_next(&mut plain).unwrap());
    assert!(!client.inflate_next(&mut plain).unwrap());
    assert_eq!(plain, [7u8; 20]);
    // ... and the client's data goes on from 3, 4; the next command starts at 0 again.
    client.seal(&vec![0u8; MAX_PAYLOAD + 1], SealAs::Continuation);
    let out = client.unsent().to_vec();
    let (_, seqs) = inflate_all(Compression::ZLIB, &out);
    assert_eq!(seqs, vec![3, 4]);
    client.consume(out.len());
    client.seal(b"\x01\x00\x00\x00\x0e", SealAs::Command);
    assert_eq!(CompressedHeader::parse(client.unsent()).unwrap().seq, 0);
}

/// A header that lies about the inflated length, a corrupt stream, a decompression bomb: each a
/// protocol error, and nothing beyond the declared length is ever produced.
#[test]
fn lying_and_hostile_payloads_are_refused() {
    for c in algorithms() {
        let data = vec![b'z'; 100_000];
        let mut z = Compressor::new(c).unwrap();
        z.seal(&data, SealAs::Command);
        let good = z.unsent().to_vec();
        for declared in [1usize, 99_999, 100_001, MAX_PAYLOAD] {
            let mut bad = good.clone();
            bad[4..7].copy_from_slice(&(declared as u32).to_le_bytes()[..3]);
            let mut out = Vec::new();
            let e = inflate(c, &bad, &mut out).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{c:?} {declared}: {e}");
            assert!(out.is_empty(), "{c:?} {declared}: output kept");
        }
        let mut corrupt = good.clone();
        let mid = COMPRESSED_HEADER + (corrupt.len() - COMPRESSED_HEADER) / 2;
        corrupt[COMPRESSED_HEADER..mid].fill(0xa5);
        let e = inflate(c, &corrupt, &mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{c:?}: {e}");
    }
    // A bomb: 16 MiB of zeros declared as 100 bytes.
    let zeros = vec![0u8; MAX_PAYLOAD];
    let mut z = Compressor::new(Compression::ZLIB).unwrap();
    z.seal(&zeros, SealAs::Command);
    let mut bomb = z.unsent().to_vec();
    bomb[4..7].copy_from_slice(&100u32.to_le_bytes()[..3]);
    let mut out = Vec::new();
    assert!(inflate(Compression::ZLIB, &bomb, &mut out).is_err());
    assert!(out.capacity() < 1 << 20, "allocated {}", out.capacity());
}

/// A whole session with the scripted server compressing with `c`: the handshake response asks
/// for it (with zstd's level byte), the query goes out compressed, the rows come back compressed
/// and fed one byte at a time.
fn session(c: Compression, url_option: &str) {
    let mut greeting = mariadb_greeting();
    greeting.capabilities |= CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM;
    let mut s = ServerScript::new();
    s.greeting(&greeting);
    s.set_seq(2);
    s.ok(0, 0);
    let url = format!("mysql://app@localhost/?{url_option}");
    let mut conn = Connection::new(Opts::from_url(&url).unwrap());
    feed(&mut conn, s.bytes());
    let mut connected = false;
    while let Some(ev) = conn.poll_event().unwrap() {
        connected |= matches!(ev, Event::Connected(_));
    }
    assert!(connected && conn.is_compressed());
    // The handshake response (plain) asked for the algorithm.
    let sent = conn.pending_send().to_vec();
    conn.consume_send(sent.len());
    let resp = HandshakeResponse::parse(&split_packets(&sent)[0].1).unwrap();
    match c {
        Compression::Zlib { .. } => {
            assert_ne!(resp.capabilities & CLIENT_COMPRESS, 0);
            assert_eq!(resp.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM, 0);
        }
        Compression::Zstd { level } => {
            assert_eq!(resp.capabilities & CLIENT_COMPRESS, 0);
            assert_ne!(resp.capabilities & CLIENT_ZSTD_COMPRESSION_ALGORITHM, 0);
            assert_eq!(resp.zstd_level as i32, level);
        }
        Compression::Off => unreachable!(),
    }
    // The query goes out as one compressed packet holding the framed COM_QUERY.
    let sql = format!("SELECT '{}'", "long enough to be compressed ".repeat(4));
    let id = conn.query(&sql).unwrap();
    let wire = conn.pending_send().to_vec();
    conn.consume_send(wire.len());
    let h = CompressedHeader::parse(&wire).unwrap();
    assert_eq!((h.seq, h.uncompressed_len), (0, sql.len() + 5));
    let (plain, _) = inflate_all(c, &wire);
    let mut expected = Vec::new();
    framing::write_packet(&mut expected, 0, &[&[0x03][..], sql.as_bytes()].concat());
    assert_eq!(plain, expected);
    // 500 rows come back in compressed packets of 1,000 framed bytes at most.
    let rows: Vec<Vec<Option<Vec<u8>>>> = (0..500)
        .map(|i| vec![Some(format!("row {i} ").repeat(3).into_bytes())])
        .collect();
    let borrowed: Vec<Vec<Option<&[u8]>>> = rows
        .iter()
        .map(|r| r.iter().map(|v| v.as_deref()).collect())
        .collect();
    let mut answer = ServerScript::new();
    answer.greeting(&greeting);
    let skip = answer.bytes().len();
    answer.set_seq(1);
    answer.result_set(&["v"], &borrowed);
    let mut server = Compressor::new(c).unwrap();
    for chunk in answer.bytes()[skip..].chunks(1000) {
        server.seal(chunk, SealAs::Command);
    }
    let compressed = server.unsent().to_vec();
    let mut got = Vec::new();
    let mut done = false;
    for b in compressed {
        // Lending twice before a read lends the same place (adapters may poll again).
        conn.recv_buf(64);
        let buf = conn.recv_buf(1);
        buf[0] = b;
        conn.handle_recv(1);
        while let Some(ev) = conn.poll_event().unwrap() {
            match ev {
                Event::Row { row, .. } => got.push(row.get::<String>(0).unwrap()),
                Event::ResultSetEnd { id: end, .. } => done = end == id,
                _ => {}
            }
        }
    }
    assert!(done);
    assert_eq!(got.len(), 500);
    assert_eq!(got[499], "row 499 row 499 row 499 ");
}

#[test]
fn zlib_session_with_the_scripted_server() {
    session(Compression::ZLIB, "compression=zlib");
}

#[test]
#[cfg(feature = "zstd")]
fn zstd_session_with_the_scripted_server() {
    session(
        Compression::Zstd { level: 7 },
        "compression=zstd&compression-level=7",
    );
}

#[test]
fn options_are_checked() {
    let zstd_level = if cfg!(feature = "zstd") {
        "out of range"
    } else {
        "needs the `zstd` feature"
    };
    for (url, says) in [
        ("compression=lz4", "unknown compression"),
        ("compression=zlib&compression-level=10", "out of range"),
        ("compression=zstd&compression-level=0", zstd_level),
        ("compression-level=3", "needs compression"),
    ] {
        let e = Opts::from_url(&format!("mysql://u@h/?{url}")).unwrap_err();
        assert!(e.to_string().contains(says), "{url}: {e}");
    }
    // A server without the algorithm: the connect fails, nothing is sent.
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    let mut conn = Connection::new(Opts::from_url("mysql://u@h/?compression=zlib").unwrap());
    feed(&mut conn, s.bytes());
    let e = conn.advance().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(conn.pending_send().is_empty());
}
