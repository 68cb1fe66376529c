//! Micro-benchmarks of the core alone: decoding result sets held in memory, text and binary,
//! rows per second and bytes per second. Run with `cargo bench -p mysql-benches`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mysql_proto::testing::{mariadb_greeting, ServerScript};
use mysql_proto::value::binary::encode_binary_row;
use mysql_proto::{Connection, Event, Opts, Value};

const ROWS: usize = 10_000;

/// A connected client and the server bytes of one 8-column result set of `ROWS` rows.
fn text_result() -> (Vec<u8>, Vec<u8>) {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    let login = s.bytes().to_vec();
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting()); // sets the negotiated capabilities
    let skip = s.bytes().len();
    s.set_seq(1);
    let values: Vec<Vec<Vec<u8>>> = (0..ROWS)
        .map(|i| {
            vec![
                i.to_string().into_bytes(),
                (i as i64 * 1_000_003).to_string().into_bytes(),
                format!("name-{i:08}-abcdefghijklmnop").into_bytes(),
                format!("{}.25", i).into_bytes(),
                b"2024-02-29 12:34:56.123456".to_vec(),
                format!("{}.99", i % 1000).into_bytes(),
                vec![b'x'; 100],
                (i % 7).to_string().into_bytes(),
            ]
        })
        .collect();
    let rows: Vec<Vec<Option<&[u8]>>> = values
        .iter()
        .map(|r| r.iter().map(|v| Some(&v[..])).collect())
        .collect();
    s.result_set(&["a", "b", "c", "d", "e", "f", "g", "h"], &rows);
    (login, s.bytes()[skip..].to_vec())
}

fn decode_all(login: &[u8], result: &[u8]) -> u64 {
    let mut conn = Connection::new(Opts::builder().user("u").build());
    feed(&mut conn, login);
    while conn.poll_event().unwrap().is_some() {}
    let _ = conn.pending_send().len();
    conn.query("SELECT").unwrap();
    let mut sum = 0u64;
    let mut pos = 0;
    loop {
        match conn.advance().unwrap() {
            true => {
                if let Some(Event::Row { row, .. }) = conn.event() {
                    let (a, b, c): (i64, i64, &str) = (
                        row.get(0).unwrap(),
                        row.get(1).unwrap(),
                        row.get(2).unwrap(),
                    );
                    sum = sum
                        .wrapping_add(a as u64 ^ b as u64)
                        .wrapping_add(c.len() as u64);
                } else if conn.in_flight() == 0 {
                    return sum;
                }
            }
            false => {
                if pos == result.len() {
                    return sum;
                }
                let buf = conn.recv_buf(64 << 10);
                let n = buf.len().min(result.len() - pos);
                buf[..n].copy_from_slice(&result[pos..pos + n]);
                conn.handle_recv(n);
                pos += n;
            }
        }
    }
}

fn feed(conn: &mut Connection, bytes: &[u8]) {
    let buf = conn.recv_buf(bytes.len());
    buf[..bytes.len()].copy_from_slice(bytes);
    conn.handle_recv(bytes.len());
}

fn bench_text_rows(c: &mut Criterion) {
    let (login, result) = text_result();
    let mut g = c.benchmark_group("text_result_set");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("rows", |b| {
        b.iter(|| black_box(decode_all(&login, &result)))
    });
    g.throughput(Throughput::Bytes(result.len() as u64));
    g.bench_function("bytes", |b| {
        b.iter(|| black_box(decode_all(&login, &result)))
    });
    g.finish();
}

fn bench_binary_row(c: &mut Criterion) {
    let values = vec![
        Value::Int(123_456),
        Value::Int(-9_876_543_210),
        Value::Bytes(b"name-00001234-abcdefghijklmnop".to_vec()),
        Value::Double(1234.25),
        Value::Null,
        Value::Bytes(vec![b'x'; 100]),
    ];
    let mut payload = Vec::new();
    encode_binary_row(&values, &mut payload);
    let columns: mysql_proto::Columns = [
        mysql_proto::ColumnType::LongLong,
        mysql_proto::ColumnType::LongLong,
        mysql_proto::ColumnType::VarString,
        mysql_proto::ColumnType::Double,
        mysql_proto::ColumnType::Long,
        mysql_proto::ColumnType::Blob,
    ]
    .iter()
    .map(|t| mysql_proto::Column::new("c", *t, 63, 0))
    .collect::<Vec<_>>()
    .into();
    let mut g = c.benchmark_group("binary_row");
    g.throughput(Throughput::Elements(1));
    g.bench_function("check_and_decode", |b| {
        b.iter(|| {
            mysql_proto::value::binary::check_binary_row(black_box(&payload), &columns).unwrap();
            let row = mysql_proto::RowRef::with_format(
                &payload,
                &columns,
                mysql_proto::RowFormat::Binary,
            );
            let (a, bb, s): (i64, i64, &str) = (
                row.get(0).unwrap(),
                row.get(1).unwrap(),
                row.get(2).unwrap(),
            );
            black_box((a, bb, s.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_text_rows, bench_binary_row);
criterion_main!(benches);
