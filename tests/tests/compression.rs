//! Protocol compression (`compression=zlib`) on every adapter against the test server: what
//! the server reports, what crosses the wire, packets above 16 MiB both ways, prepared
//! statements, pipelines, TLS and the Unix socket underneath.

use integration_tests::client::{Adapter, Client};
use integration_tests::{socket_url, url};
use mysql_proto::{ErrorKind, Output, PipelineStep, Value};

integration_tests::for_every_adapter!(
    zlib_is_negotiated_and_shrinks_the_wire,
    large_packets_cross_in_both_directions,
    prepared_statements_and_pipelines_run_compressed,
    zlib_runs_over_tls_and_the_unix_socket,
    zstd_against_a_server_without_it_fails_clearly,
);

fn with(url: &str, options: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{options}")
}

/// The server's count of bytes it sent on this session (after compression).
async fn bytes_sent<C: Client>(c: &mut C) -> u64 {
    let got: Vec<(String, u64)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Bytes_sent'")
        .await
        .unwrap();
    got[0].1
}

/// The server's count of bytes it received on this session (before inflating).
async fn bytes_received<C: Client>(c: &mut C) -> u64 {
    let got: Vec<(String, u64)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Bytes_received'")
        .await
        .unwrap();
    got[0].1
}

/// 1 MiB of repetitive text: with zlib the server sends a few KiB, without it all of it.
async fn wire_bytes_of_a_mebibyte<C: Client>(c: &mut C) -> u64 {
    let before = bytes_sent(c).await;
    let got: Vec<(String,)> = c
        .query_collect("SELECT REPEAT('compressible ', 80660)")
        .await
        .unwrap();
    assert_eq!(got[0].0.len(), 13 * 80660);
    bytes_sent(c).await - before
}

fn zlib_is_negotiated_and_shrinks_the_wire<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with(&url(), "compression=zlib"))
            .await
            .unwrap();
        let got: Vec<(String, String)> = c
            .query_collect("SHOW SESSION STATUS LIKE 'Compression'")
            .await
            .unwrap();
        assert_eq!(got[0].1, "ON");
        let compressed = wire_bytes_of_a_mebibyte(&mut c).await;
        c.close().await.unwrap();

        let mut c = A::Conn::connect(&url()).await.unwrap();
        let got: Vec<(String, String)> = c
            .query_collect("SHOW SESSION STATUS LIKE 'Compression'")
            .await
            .unwrap();
        assert_eq!(got[0].1, "OFF");
        let plain = wire_bytes_of_a_mebibyte(&mut c).await;
        assert!(plain > 1_000_000, "uncompressed: {plain} bytes");
        assert!(
            compressed < plain / 50,
            "compressed {compressed} bytes vs {plain} uncompressed"
        );
        // The level applies to what the client sends: level 0 stores (zlib framing only).
        for (options, small) in [
            ("compression=zlib", true),
            ("compression=zlib&compression-level=0", false),
        ] {
            let mut c = A::Conn::connect(&with(&url(), options)).await.unwrap();
            let before = bytes_received(&mut c).await;
            let sql = format!("SELECT LENGTH('{}')", "compressible ".repeat(80660));
            let got: Vec<(u64,)> = c.query_collect(&sql).await.unwrap();
            assert_eq!(got[0].0, 13 * 80660);
            let n = bytes_received(&mut c).await - before;
            assert_eq!(
                n < 50_000,
                small,
                "{options}: the server received {n} bytes"
            );
        }
    });
}

fn large_packets_cross_in_both_directions<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with(&url(), "compression=zlib&max-packet=67108864"))
            .await
            .unwrap();
        // A query text of 17 MiB: one command split into two inner frames and two compressed
        // packets; a random-looking text so that zlib cannot shrink it much.
        let mut text = String::with_capacity(17 << 20);
        let mut x: u32 = 1;
        while text.len() < 17 << 20 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            text.push(char::from(b'a' + (x >> 16) as u8 % 26));
        }
        let sum: u64 = text.bytes().map(u64::from).sum();
        let sql = format!("SELECT LENGTH('{text}'), MD5('{text}')");
        let got: Vec<(u64, String)> = c.query_collect(&sql).await.unwrap();
        assert_eq!(got[0].0, text.len() as u64);
        // And a 17 MiB row back, split on the way in.
        let got: Vec<(Vec<u8>,)> = c
            .query_collect(&format!("SELECT CAST('{text}' AS BINARY)"))
            .await
            .unwrap();
        assert_eq!(got[0].0.len(), text.len());
        assert_eq!(got[0].0.iter().map(|&b| u64::from(b)).sum::<u64>(), sum);
        // The connection is still in step.
        c.ping().await.unwrap();
        let got: Vec<(i64,)> = c.query_collect("SELECT 7").await.unwrap();
        assert_eq!(got, vec![(7,)]);
    });
}

fn prepared_statements_and_pipelines_run_compressed<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with(&url(), "compression=zlib"))
            .await
            .unwrap();
        // A 2 MiB parameter goes as COM_STMT_SEND_LONG_DATA, each chunk its own command.
        let blob: Vec<u8> = (0..2u32 << 20).map(|i| (i % 251) as u8).collect();
        let got: Vec<(u64, u64)> = c
            .exec_collect(
                "SELECT LENGTH(?), ? + 1",
                vec![Value::Bytes(blob.clone()), Value::Int(41)],
            )
            .await
            .unwrap();
        assert_eq!(got, vec![(blob.len() as u64, 42)]);
        let rows: Vec<(i64, String)> = c
            .exec_collect(
                "SELECT seq, REPEAT('r', seq) FROM seq_1_to_2000 WHERE seq > ?",
                vec![Value::Int(1000)],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1000);
        assert!(rows.iter().all(|(n, s)| s.len() == *n as usize));
        // Pipelined statements: each its own compressed packet, answered in order.
        let steps: Vec<PipelineStep> = (0..50)
            .map(|i| PipelineStep::query(format!("SELECT {i}, REPEAT('p', 100)"), true))
            .collect();
        let out = c.run_pipeline(steps).await.unwrap();
        assert_eq!(out.len(), 50);
        for (i, o) in out.into_iter().enumerate() {
            let o: Output = o.unwrap();
            assert_eq!(o.rows()[0].get::<i64>(0).unwrap(), i as i64);
            assert_eq!(o.rows()[0].get::<String>(1).unwrap().len(), 100);
        }
        // A server error keeps the connection usable.
        let e = c
            .query_drop("SELECT * FROM no_such_table")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        c.ping().await.unwrap();
    });
}

fn zlib_runs_over_tls_and_the_unix_socket<A: Adapter>() {
    A::block_on(async {
        for u in [
            with(&url(), "compression=zlib&ssl-mode=REQUIRED"),
            with(&socket_url(), "compression=zlib"),
        ] {
            let mut c = A::Conn::connect(&u).await.unwrap();
            let got: Vec<(String, String)> = c
                .query_collect(
                    "SELECT VARIABLE_VALUE, (SELECT VARIABLE_VALUE FROM \
                     information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER') \
                     FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COMPRESSION'",
                )
                .await
                .unwrap();
            assert_eq!(got[0].0, "ON", "{u}");
            assert_eq!(!got[0].1.is_empty(), u.contains("REQUIRED"), "{u}");
            let n = wire_bytes_of_a_mebibyte(&mut c).await;
            assert!(n < 100_000, "{u}: {n} bytes");
            c.close().await.unwrap();
        }
    });
}

/// MariaDB speaks zlib only: asking for zstd is refused at connect, with a clear error.
fn zstd_against_a_server_without_it_fails_clearly<A: Adapter>() {
    A::block_on(async {
        let e = A::Conn::connect(&with(&url(), "compression=zstd"))
            .await
            .err()
            .expect("MariaDB has no zstd");
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains("does not offer"), "{e}");
    });
}
