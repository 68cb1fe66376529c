//! The workloads of the core micro-benchmarks, shared by the criterion harness
//! (`benches/core.rs`, time) and the `instructions` binary (run under callgrind by
//! `callgrind.sh`, a repeatable instruction count). Each workload is built once (server bytes
//! in memory) and then run any number of times; `run` returns a checksum so nothing is
//! optimised away.

use mysql_proto::codec::Writer;
use mysql_proto::packets::column_definition::ColumnSpec;
use mysql_proto::packets::OkPacket;
use mysql_proto::testing::{mariadb_greeting, ServerScript};
use mysql_proto::value::binary_row::encode_binary_row;
use mysql_proto::{ColumnType, Connection, Event, Opts, Statement, Value};

/// Rows of the result set workloads.
pub const ROWS: usize = 10_000;
/// Items of the per-item workloads (column definitions, commands).
pub const ITEMS: usize = 1_000;

/// The workloads, by name.
pub const NAMES: &[&str] = &[
    "text_rows",
    "binary_rows",
    "column_definitions",
    "handshake",
    "encode_query",
    "encode_execute",
];

/// One prepared workload.
pub enum Workload {
    /// Decode a text result set of [`ROWS`] rows: every column into a typed value.
    TextRows { login: Vec<u8>, result: Vec<u8> },
    /// Decode a binary result set of [`ROWS`] rows: every column into a typed value.
    BinaryRows { login: Vec<u8>, result: Vec<u8> },
    /// Parse [`ITEMS`] column definitions.
    ColumnDefinitions { payload: Vec<u8> },
    /// Connect: greeting, native password scramble, OK.
    Handshake { login: Vec<u8> },
    /// Queue [`ITEMS`] COM_QUERY commands.
    EncodeQuery { login: Vec<u8> },
    /// Queue [`ITEMS`] COM_STMT_EXECUTE commands of 8 parameters (built beforehand).
    EncodeExecute {
        login: Vec<u8>,
        statement: Statement,
        params: Vec<Vec<Value>>,
    },
}

// (Integers as BIGINT: the encoder writes every integer value in 8 bytes.)
const TYPES: [ColumnType; 8] = [
    ColumnType::LongLong,
    ColumnType::LongLong,
    ColumnType::VarString,
    ColumnType::Double,
    ColumnType::DateTime,
    ColumnType::NewDecimal,
    ColumnType::Blob,
    ColumnType::LongLong,
];

fn login() -> Vec<u8> {
    let mut s = ServerScript::new();
    s.greeting(&mariadb_greeting());
    s.set_seq(2);
    s.ok(0, 0);
    s.bytes().to_vec()
}

fn spec(name: &str, t: ColumnType) -> ColumnSpec<'_> {
    ColumnSpec {
        schema: "test",
        table: "big",
        org_table: "big",
        name,
        org_name: name,
        character_set: 45,
        column_length: 255,
        column_type: t,
        flags: 0,
        decimals: 0,
    }
}

fn row_values(i: usize) -> Vec<Value> {
    vec![
        Value::Int(i as i64),
        Value::Int(i as i64 * 1_000_003 - 100_000_000_000),
        Value::Bytes(format!("name-{i}-0123456789abcdefghij").into_bytes()),
        Value::Double(i as f64 / 7.0 + 0.125),
        Value::DateTime(mysql_proto::DateTime {
            year: 2020,
            month: 1 + (i % 12) as u8,
            day: 1 + (i % 28) as u8,
            hour: (i % 24) as u8,
            minute: (i % 60) as u8,
            second: (i % 60) as u8,
            micros: (i * 7919 % 1_000_000) as u32,
        }),
        Value::Bytes(format!("{}.{:02}", i % 100_000, i % 100).into_bytes()),
        Value::Bytes(vec![b'x'; 100]),
        if i % 3 == 0 {
            Value::Null
        } else {
            Value::Int((i % 1000) as i64)
        },
    ]
}

/// The text rendering the server would send for `v`.
fn text(v: &Value) -> Option<Vec<u8>> {
    Some(match v {
        Value::Null => return None,
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Double(d) => d.to_string().into_bytes(),
        Value::DateTime(d) => d.format(true, 6).into_bytes(),
        Value::Bytes(b) => b.clone(),
        other => panic!("{other:?}"),
    })
}

/// The server bytes of one 8-column result set of [`ROWS`] rows, text or binary.
fn result_set(binary: bool) -> Vec<u8> {
    let caps = mariadb_greeting().capabilities;
    let names = ["id", "b", "s", "d", "dt", "dc", "t", "n"];
    let mut out = Vec::new();
    let mut seq = 1u8;
    let mut packet = |p: &[u8], out: &mut Vec<u8>| {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes()[..3]);
        out.push(seq);
        seq = seq.wrapping_add(1);
        out.extend_from_slice(p);
    };
    let mut p = Vec::new();
    Writer::new(&mut p).lenenc_int(8);
    packet(&p, &mut out);
    for (n, t) in names.iter().zip(TYPES) {
        p.clear();
        spec(n, t).encode(&mut p);
        packet(&p, &mut out);
    }
    for i in 0..ROWS {
        p.clear();
        let values = row_values(i);
        if binary {
            encode_binary_row(&values, &mut p);
        } else {
            let texts: Vec<Option<Vec<u8>>> = values.iter().map(text).collect();
            mysql_proto::value::text_row::encode_text_row(
                texts.iter().map(|t| t.as_deref()),
                &mut p,
            );
        }
        packet(&p, &mut out);
    }
    p.clear();
    OkPacket::default().encode(0xfe, caps, &mut p);
    packet(&p, &mut out);
    out
}

fn connected(login: &[u8]) -> Connection {
    let mut conn = Connection::new(Opts::builder().user("u").password("p").build());
    feed(&mut conn, login);
    while !matches!(conn.poll_event().unwrap(), Some(Event::Connected(_))) {}
    let n = conn.pending_send().len();
    conn.consume_send(n);
    conn
}

fn feed(conn: &mut Connection, bytes: &[u8]) {
    let mut pos = 0;
    while pos < bytes.len() {
        let buf = conn.recv_buf(bytes.len() - pos);
        let n = buf.len().min(bytes.len() - pos);
        buf[..n].copy_from_slice(&bytes[pos..pos + n]);
        conn.handle_recv(n);
        pos += n;
    }
}

type Big<'a> = (
    i32,
    i64,
    &'a str,
    f64,
    mysql_proto::DateTime,
    &'a str,
    &'a [u8],
    Option<i32>,
);

/// Feeds `result` in 64 KiB reads to a connection that sent a query or an execute, decoding
/// every row into typed values.
fn decode(conn: &mut Connection, result: &[u8]) -> u64 {
    let mut sum = 0u64;
    let mut pos = 0;
    loop {
        if conn.advance().unwrap() {
            match conn.event() {
                Some(Event::Row { row, .. }) => {
                    let r: Big<'_> = row.decode().unwrap();
                    sum = sum
                        .wrapping_add(r.0 as u64 ^ r.1 as u64)
                        .wrapping_add(r.2.len() as u64 + r.3 as u64 + r.4.micros as u64)
                        .wrapping_add(r.5.len() as u64 + r.6.len() as u64)
                        .wrapping_add(r.7.unwrap_or(0) as u64);
                }
                Some(Event::ResultSetEnd { .. }) => return sum,
                _ => {}
            }
        } else {
            let buf = conn.recv_buf(64 << 10);
            let n = buf.len().min(result.len() - pos);
            assert!(n > 0, "result set ended early");
            buf[..n].copy_from_slice(&result[pos..pos + n]);
            conn.handle_recv(n);
            pos += n;
        }
    }
}

impl Workload {
    /// Builds the workload `name` (one of [`NAMES`]).
    pub fn new(name: &str) -> Workload {
        match name {
            "text_rows" => Workload::TextRows {
                login: login(),
                result: result_set(false),
            },
            "binary_rows" => Workload::BinaryRows {
                login: login(),
                result: result_set(true),
            },
            "column_definitions" => {
                let mut payload = Vec::new();
                spec("a_column_name", ColumnType::VarString).encode(&mut payload);
                Workload::ColumnDefinitions { payload }
            }
            "handshake" => Workload::Handshake { login: login() },
            "encode_query" => Workload::EncodeQuery { login: login() },
            "encode_execute" => {
                let mut conn = connected(&login());
                conn.prepare("INSERT INTO big VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    .unwrap();
                let mut s = ServerScript::new();
                s.set_capabilities(
                    mariadb_greeting().capabilities & mysql_proto::constants::CLIENT_DEFAULT,
                );
                s.set_seq(1);
                s.prepare_ok(1, &["?"; 8], &[]);
                feed(&mut conn, s.bytes());
                let statement = match conn.poll_event().unwrap() {
                    Some(Event::Prepared { statement, .. }) => statement.clone(),
                    other => panic!("{other:?}"),
                };
                let params = (0..ITEMS).map(row_values).collect();
                Workload::EncodeExecute {
                    login: login(),
                    statement,
                    params,
                }
            }
            other => panic!("unknown workload {other}; one of {NAMES:?}"),
        }
    }

    /// How many elements (rows, definitions, commands, connections) one run handles.
    pub fn elements(&self) -> usize {
        match self {
            Workload::TextRows { .. } | Workload::BinaryRows { .. } => ROWS,
            Workload::Handshake { .. } => 1,
            _ => ITEMS,
        }
    }

    /// Bytes of server input one run decodes (0 for the encoding workloads).
    pub fn bytes(&self) -> usize {
        match self {
            Workload::TextRows { result, .. } | Workload::BinaryRows { result, .. } => result.len(),
            Workload::ColumnDefinitions { payload } => payload.len() * ITEMS,
            Workload::Handshake { login } => login.len(),
            _ => 0,
        }
    }

    /// Runs the workload once; returns a checksum.
    pub fn run(&self) -> u64 {
        match self {
            Workload::TextRows { login, result } => {
                let mut conn = connected(login);
                conn.query("SELECT * FROM big").unwrap();
                decode(&mut conn, result)
            }
            Workload::BinaryRows { login, result } => {
                let mut conn = connected(login);
                conn.execute(&statement_with_columns(), &[]).unwrap();
                decode(&mut conn, result)
            }
            Workload::ColumnDefinitions { payload } => (0..ITEMS)
                .map(|_| {
                    let c = mysql_proto::Column::parse(payload, false).unwrap();
                    c.name().len() as u64 + c.column_length as u64
                })
                .sum(),
            Workload::Handshake { login } => {
                let conn = connected(login);
                conn.server_info().map_or(0, |i| i.connection_id as u64)
            }
            Workload::EncodeQuery { login } => {
                let mut conn = connected(login);
                let mut n = 0;
                for _ in 0..ITEMS {
                    conn.query("SELECT id, b, s FROM big WHERE id = 12345")
                        .unwrap();
                    n += conn.pending_send().len();
                    let len = conn.pending_send().len();
                    conn.consume_send(len);
                }
                n as u64
            }
            Workload::EncodeExecute {
                login,
                statement,
                params,
            } => {
                let mut conn = connected(login);
                let mut n = 0;
                for p in params {
                    conn.execute(statement, p).unwrap();
                    let len = conn.pending_send().len();
                    n += len;
                    conn.consume_send(len);
                }
                n as u64
            }
        }
    }
}

/// A statement with no parameters and the 8 columns of the binary result set.
fn statement_with_columns() -> Statement {
    mysql_proto::testing::prepared_statement(0, 8)
}
