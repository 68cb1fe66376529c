//! An in-memory scripted server built on this crate's own encoders, and helpers to drive a
//! [`Connection`] with it. Used by this crate's tests and useful to anyone testing code that
//! sits on top of the core without a real server.
//!
//! A [`ServerScript`] records the bytes a server would send; [`drive`] feeds such bytes to a
//! client connection in chunks of any size and renders every event as a line of text, so a test
//! can compare transcripts across chunkings.

use std::sync::Arc;

use crate::codec::framing;
use crate::constants::*;
use crate::error::{Result, ServerError};
use crate::packets::column_definition::ColumnSpec;
use crate::packets::err::encode_err;
use crate::packets::{Column, Greeting, OkPacket};
use crate::value::text_row::encode_text_row;
use crate::value::Columns;
use crate::{Connection, Event};

/// The scramble every scripted greeting uses.
pub const SCRAMBLE: [u8; 20] = *b"0123456789abcdefghij";

/// A greeting like a MariaDB 10.11 server's (native password, `CLIENT_MYSQL` clear), without
/// `CLIENT_SSL`.
pub fn mariadb_greeting() -> Greeting {
    Greeting {
        protocol_version: 10,
        server_version: "5.5.5-10.11.6-MariaDB".into(),
        connection_id: 7,
        // No CLIENT_SSL: the scripted server does not speak TLS.
        capabilities: (CLIENT_DEFAULT
            | CLIENT_CONNECT_WITH_DB
            | CLIENT_MULTI_STATEMENTS
            | CLIENT_SESSION_TRACK)
            & !CLIENT_MYSQL,
        mariadb_capabilities: MARIADB_CLIENT_STMT_BULK_OPERATIONS,
        collation: 45,
        status: StatusFlags(StatusFlags::SERVER_STATUS_AUTOCOMMIT),
        auth_plugin_data: SCRAMBLE.to_vec(),
        auth_plugin_name: "mysql_native_password".into(),
    }
}

/// A greeting like an old server's that does not know `CLIENT_DEPRECATE_EOF` (EOF packets).
pub fn eof_greeting() -> Greeting {
    let mut g = mariadb_greeting();
    g.server_version = "5.6.51".into();
    g.capabilities = (g.capabilities | CLIENT_MYSQL) & !CLIENT_DEPRECATE_EOF;
    g.mariadb_capabilities = 0;
    g
}

/// Records what a server sends: packets with sequence ids, greeting, OK, ERR, result sets.
#[derive(Debug, Default)]
pub struct ServerScript {
    out: Vec<u8>,
    seq: u8,
    capabilities: u32,
}

impl ServerScript {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes recorded so far.
    pub fn bytes(&self) -> &[u8] {
        &self.out
    }

    /// Sets the sequence id of the next packet (1 for the first packet of a command response,
    /// 2 for the reply to a handshake response).
    pub fn set_seq(&mut self, seq: u8) {
        self.seq = seq;
    }

    /// Appends one packet with the current sequence id.
    pub fn packet(&mut self, payload: &[u8]) {
        self.seq = framing::write_packet(&mut self.out, self.seq, payload);
    }

    /// Appends a greeting (sequence id 0) and remembers its capabilities; the packets that
    /// follow are encoded as the client will have negotiated them (this client asks for
    /// `CLIENT_DEPRECATE_EOF` but not `CLIENT_SESSION_TRACK`).
    pub fn greeting(&mut self, g: &Greeting) {
        self.capabilities = g.capabilities & (CLIENT_DEFAULT | CLIENT_MULTI_STATEMENTS);
        let mut p = Vec::new();
        g.encode(&mut p);
        self.seq = 0;
        self.packet(&p);
    }

    /// Appends an OK packet.
    pub fn ok(&mut self, affected_rows: u64, last_insert_id: u64) {
        self.ok_with(&OkPacket {
            affected_rows,
            last_insert_id,
            status: StatusFlags(StatusFlags::SERVER_STATUS_AUTOCOMMIT),
            ..OkPacket::default()
        });
    }

    /// Appends an OK packet with every field given.
    pub fn ok_with(&mut self, ok: &OkPacket) {
        let mut p = Vec::new();
        ok.encode(0x00, self.capabilities, &mut p);
        self.packet(&p);
    }

    /// Appends an ERR packet.
    pub fn err(&mut self, code: u16, sql_state: &str, message: &str) {
        let mut p = Vec::new();
        encode_err(
            &ServerError {
                code,
                sql_state: sql_state.into(),
                message: message.into(),
            },
            &mut p,
        );
        self.packet(&p);
    }

    /// Appends a text result set of VARCHAR columns ending with status `SERVER_STATUS_AUTOCOMMIT`.
    pub fn result_set(&mut self, names: &[&str], rows: &[Vec<Option<&[u8]>>]) {
        self.result_set_with(names, rows, StatusFlags::SERVER_STATUS_AUTOCOMMIT);
    }

    /// Appends a text result set whose end packet carries `status` (add
    /// `SERVER_MORE_RESULTS_EXISTS` to announce another result).
    pub fn result_set_with(&mut self, names: &[&str], rows: &[Vec<Option<&[u8]>>], status: u16) {
        let rows = rows.iter().map(|row| {
            let mut p = Vec::new();
            encode_text_row(row.iter().copied(), &mut p);
            p
        });
        self.result_set_packets(names, None, rows, status);
    }

    /// The packets of a result set: column count (with MariaDB's "metadata follows" byte when
    /// `metadata` is given), definitions unless `Some(false)`, the EOF after them without
    /// `CLIENT_DEPRECATE_EOF`, the row payloads, and the end packet carrying `status`.
    fn result_set_packets(
        &mut self,
        names: &[&str],
        metadata: Option<bool>,
        rows: impl Iterator<Item = Vec<u8>>,
        status: u16,
    ) {
        let mut p = Vec::new();
        crate::codec::Writer::new(&mut p).lenenc_int(names.len() as u64);
        if let Some(follows) = metadata {
            p.push(follows as u8);
        }
        self.packet(&p);
        if metadata != Some(false) {
            for name in names {
                p.clear();
                column_spec(name).encode(&mut p);
                self.packet(&p);
            }
        }
        let deprecate_eof = self.capabilities & CLIENT_DEPRECATE_EOF != 0;
        if !deprecate_eof {
            self.eof(status & !StatusFlags::SERVER_MORE_RESULTS_EXISTS);
        }
        for row in rows {
            self.packet(&row);
        }
        if deprecate_eof {
            p.clear();
            OkPacket {
                status: StatusFlags(status),
                ..OkPacket::default()
            }
            .encode(0xfe, self.capabilities, &mut p);
            self.packet(&p);
        } else {
            self.eof(status);
        }
    }

    /// Sets the capabilities the scripted packets are encoded for (as [`greeting`](Self::greeting)
    /// does), for a script that continues a session started elsewhere.
    pub fn set_capabilities(&mut self, capabilities: u32) {
        self.capabilities = capabilities;
    }

    /// Appends a `COM_STMT_PREPARE` answer: PREPARE_OK for `statement_id`, then the parameter
    /// and column definitions (VARCHAR), each list ended like [`result_set`](Self::result_set)
    /// ends its definitions.
    pub fn prepare_ok(&mut self, statement_id: u32, params: &[&str], columns: &[&str]) {
        let mut p = Vec::new();
        crate::packets::PrepareOk {
            statement_id,
            num_columns: columns.len() as u16,
            num_params: params.len() as u16,
            warnings: 0,
        }
        .encode(&mut p);
        self.packet(&p);
        let deprecate_eof = self.capabilities & CLIENT_DEPRECATE_EOF != 0;
        for list in [params, columns] {
            for name in list {
                p.clear();
                column_spec(name).encode(&mut p);
                self.packet(&p);
            }
            if !list.is_empty() && !deprecate_eof {
                self.eof(0);
            }
        }
    }

    /// Appends the answer to a `COM_STMT_EXECUTE`: a binary result set of VARCHAR columns.
    /// `metadata` is the MariaDB "metadata follows" byte of the column count packet (with
    /// `MARIADB_CLIENT_CACHE_METADATA`): `None` leaves it out, `Some(false)` also leaves out the
    /// column definitions.
    pub fn binary_result_set(
        &mut self,
        names: &[&str],
        rows: &[Vec<Option<&str>>],
        metadata: Option<bool>,
    ) {
        self.result_set_packets(names, metadata, binary_rows(rows), 0);
    }

    /// [`binary_result_set`](Self::binary_result_set) ending with `status` (add
    /// `SERVER_MORE_RESULTS_EXISTS` for another result, `SERVER_PS_OUT_PARAMS` for a `CALL`'s
    /// OUT parameters).
    pub fn binary_result_set_with(
        &mut self,
        names: &[&str],
        rows: &[Vec<Option<&str>>],
        status: u16,
    ) {
        self.result_set_packets(names, None, binary_rows(rows), status);
    }

    /// Appends an EOF packet.
    pub fn eof(&mut self, status: u16) {
        let mut p = Vec::new();
        crate::packets::EofPacket {
            warnings: 0,
            status: StatusFlags(status),
        }
        .encode(&mut p);
        self.packet(&p);
    }
}

/// Binary-protocol row payloads of string values (`None` is NULL).
fn binary_rows<'a>(rows: &'a [Vec<Option<&str>>]) -> impl Iterator<Item = Vec<u8>> + 'a {
    rows.iter().map(|row| {
        let values: Vec<crate::Value> = row
            .iter()
            .map(|v| v.map_or(crate::Value::Null, |s| crate::Value::Bytes(s.into())))
            .collect();
        let mut p = Vec::new();
        crate::value::binary_row::encode_binary_row(&values, &mut p);
        p
    })
}

fn column_spec(name: &str) -> ColumnSpec<'_> {
    ColumnSpec {
        schema: "test",
        table: "t",
        org_table: "t",
        name,
        org_name: name,
        character_set: 45,
        column_length: 255,
        column_type: ColumnType::VarString,
        flags: 0,
        decimals: 0,
    }
}

/// Columns and a row payload for examples and tests: VARCHAR columns named as given, with
/// the given values (`None` is NULL).
pub fn row_fixture(values: &[(&str, Option<&str>)]) -> (Columns, Vec<u8>) {
    let columns: Columns = values
        .iter()
        .map(|(n, _)| Column::new(n, ColumnType::VarString, 45, 0))
        .collect::<Vec<_>>()
        .into();
    let mut payload = Vec::new();
    encode_text_row(
        values.iter().map(|(_, v)| v.map(str::as_bytes)),
        &mut payload,
    );
    (columns, payload)
}

/// Renders an event as one line of text, for transcripts.
pub fn render_event(ev: &Event<'_>) -> String {
    match ev {
        Event::Connected(info) => format!(
            "connected {} id={}",
            info.server_version, info.connection_id
        ),
        Event::ResultSetStart { id, columns } => {
            let names: Vec<_> = columns.iter().map(|c| c.name().into_owned()).collect();
            format!("#{} columns {}", id.get(), names.join(","))
        }
        Event::Row { id, row } => {
            let vals: Vec<_> = row
                .text_values()
                .map(|v| match v {
                    None => "NULL".to_string(),
                    Some(b) => format!("{:?}", String::from_utf8_lossy(&b)),
                })
                .collect();
            format!("#{} row {}", id.get(), vals.join(","))
        }
        Event::ResultSetEnd { id, ok } => {
            format!(
                "#{} end status=0x{:04x} warnings={}",
                id.get(),
                ok.status.0,
                ok.warnings
            )
        }
        Event::Ok { id, ok } => format!(
            "#{} ok affected={} id={} status=0x{:04x} info={:?}",
            id.get(),
            ok.affected_rows,
            ok.last_insert_id,
            ok.status.0,
            ok.info
        ),
        Event::ServerError { id, error } => format!("#{} error {}", id.get(), error),
        Event::Prepared { id, statement } => format!(
            "#{} prepared params={} columns={}",
            id.get(),
            statement.params().len(),
            statement.columns().len()
        ),
        Event::BinlogEvent { id, event } => {
            format!("#{} binlog event {} bytes", id.get(), event.len())
        }
        Event::BinlogEnd { id } => format!("#{} binlog end", id.get()),
    }
}

/// The outcome of [`drive`]: every event rendered, then the error that stopped it (if any),
/// and everything the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// One line per event.
    pub events: Vec<String>,
    /// The fatal error, rendered, if the connection failed.
    pub error: Option<String>,
    /// Every byte the client wrote.
    pub sent: Vec<u8>,
}

/// Feeds `input` to a fresh connection in chunks of at most `chunk` bytes, calling
/// `on_connected` once when the handshake completes (to queue commands), then signals EOF if
/// `eof` is set. Returns the transcript. Never panics on bad input: the error is recorded.
pub fn drive(
    opts: crate::Opts,
    input: &[u8],
    chunk: usize,
    eof: bool,
    on_connected: &mut dyn FnMut(&mut Connection) -> Result<()>,
) -> Transcript {
    let parts: Vec<&[u8]> = input.chunks(chunk.max(1)).collect();
    drive_inner(opts, &parts, eof, on_connected)
}

/// Like [`drive`], with the input delivered as the given parts (each part is made available in
/// full before the connection decodes it).
pub fn drive_parts(
    opts: crate::Opts,
    parts: &[&[u8]],
    on_connected: &mut dyn FnMut(&mut Connection) -> Result<()>,
) -> Transcript {
    drive_inner(opts, parts, false, on_connected)
}

fn drive_inner(
    opts: crate::Opts,
    parts: &[&[u8]],
    eof: bool,
    on_connected: &mut dyn FnMut(&mut Connection) -> Result<()>,
) -> Transcript {
    let mut conn = Connection::new(opts);
    let mut t = Transcript {
        events: Vec::new(),
        error: None,
        sent: Vec::new(),
    };
    let mut parts = parts.iter();
    let mut eof_sent = false;
    loop {
        t.sent.extend_from_slice(conn.pending_send());
        let n = conn.pending_send().len();
        conn.consume_send(n);
        match conn.advance() {
            Ok(true) => {
                let ev = conn.event();
                let connected = matches!(ev, Some(Event::Connected(_)));
                if let Some(ev) = ev {
                    t.events.push(render_event(&ev));
                }
                if connected {
                    if let Err(e) = on_connected(&mut conn) {
                        t.error = Some(e.to_string());
                        return t;
                    }
                }
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                t.error = Some(e.to_string());
                return t;
            }
        }
        if let Some(part) = parts.next() {
            let mut pos = 0;
            while pos < part.len() {
                let buf = conn.recv_buf(part.len() - pos);
                let n = buf.len().min(part.len() - pos);
                buf[..n].copy_from_slice(&part[pos..pos + n]);
                conn.handle_recv(n);
                pos += n;
            }
        } else if eof && !eof_sent {
            conn.handle_eof();
            eof_sent = true;
        } else {
            t.sent.extend_from_slice(conn.pending_send());
            return t;
        }
    }
}

/// A connection past the handshake with a scripted MariaDB 10.11 server
/// ([`mariadb_greeting`]), its send buffer empty: ready for commands in unit tests.
pub fn handshake_done() -> Connection {
    handshake_done_with(crate::Opts::from_url("mysql://root@localhost/").expect("url"))
}

/// [`handshake_done`] with `opts`.
pub fn handshake_done_with(opts: crate::Opts) -> Connection {
    handshake_done_greeting(opts, &mariadb_greeting())
}

/// [`handshake_done`] with `opts`, against a server that sends `greeting` (e.g.
/// [`eof_greeting`], an old MySQL: no inline prepare, EOF packets).
pub fn handshake_done_greeting(opts: crate::Opts, greeting: &Greeting) -> Connection {
    let mut server = ServerScript::new();
    server.greeting(greeting);
    server.set_seq(2);
    server.ok(0, 0);
    let mut conn = Connection::new(opts);
    feed(&mut conn, server.bytes());
    // Invariant: the scripted input holds a whole successful handshake.
    while !matches!(
        conn.poll_event().expect("handshake"),
        Some(Event::Connected(_))
    ) {}
    let n = conn.pending_send().len();
    conn.consume_send(n);
    conn
}

/// The bytes of a text result set answering the first command sent on a [`handshake_done`]
/// connection (encoded for the capabilities that handshake negotiated).
pub fn query_result(names: &[&str], rows: &[Vec<Option<&[u8]>>]) -> Vec<u8> {
    let mut server = ServerScript::new();
    // The greeting sets the capabilities; its bytes were fed by `handshake_done` already.
    server.greeting(&mariadb_greeting());
    let start = server.bytes().len();
    server.set_seq(1);
    server.result_set(names, rows);
    server.bytes()[start..].to_vec()
}

/// Hands all of `input` to `conn` as received bytes (without decoding it).
pub fn feed(conn: &mut Connection, input: &[u8]) {
    let mut pos = 0;
    while pos < input.len() {
        let buf = conn.recv_buf(input.len() - pos);
        let n = buf.len().min(input.len() - pos);
        buf[..n].copy_from_slice(&input[pos..pos + n]);
        conn.handle_recv(n);
        pos += n;
    }
}

/// A statement as if prepared with statement id 1, `params` parameters and `columns` result
/// columns (all strings), for unit tests of execute encodings.
pub fn prepared_statement(params: usize, columns: usize) -> crate::Statement {
    let names = |prefix: &str, n: usize| (0..n).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();
    let p = names("?", params);
    let c = names("c", columns);
    crate::Statement {
        id: 1,
        params: self::columns(&p.iter().map(String::as_str).collect::<Vec<_>>()),
        columns: self::columns(&c.iter().map(String::as_str).collect::<Vec<_>>()),
    }
}

/// Shared column list for building rows by hand.
pub fn columns(names: &[&str]) -> Columns {
    Arc::from(
        names
            .iter()
            .map(|n| Column::new(n, ColumnType::VarString, 45, 0))
            .collect::<Vec<_>>(),
    )
}

/// Queues the commands of a script on `conn`, one per line: `query <sql>`, `ping`,
/// `init_db <name>`, `reset`. Blank lines and lines starting with `#` are skipped; an unknown
/// verb is a misuse error. Used to replay recorded sessions with the same commands.
pub fn queue_script(conn: &mut Connection, script: &str) -> Result<()> {
    for line in script.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
        match verb {
            "query" => conn.query(arg).map(drop)?,
            "ping" => conn.ping().map(drop)?,
            "init_db" => conn.init_db(arg).map(drop)?,
            "reset" => conn.reset_connection().map(drop)?,
            other => {
                return Err(crate::Error::misuse(format!(
                    "unknown script verb `{other}`"
                )))
            }
        }
    }
    Ok(())
}

/// Splits wire bytes into `(sequence id, payload)` packets (for checking what a client sent).
/// Panics on a truncated packet: use it on complete output only.
pub fn split_packets(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < wire.len() {
        let mut seq = wire[pos + 3];
        let first = seq;
        match framing::Deframer::new().next(&wire[pos..], &mut seq, usize::MAX) {
            Ok(framing::Deframed::Packet { consumed, payload }) => {
                let payload = payload.map_or_else(Vec::new, |r| wire[pos..][r].to_vec());
                out.push((first, payload));
                pos += consumed;
            }
            other => panic!("truncated or invalid client output: {other:?}"),
        }
    }
    out
}

/// The statements and values behind the binlog tests: a table of every column type and one
/// row inserted, updated and deleted. `scripts/record-binlog.sh` runs them (printed by
/// `cargo run -p mysql-proto --example binlog_fixture_sql`) to record
/// `tests/data/binlog-events.bin`; the live tests run them on every adapter.
pub mod binlog_fixture {
    use crate::value::{DateTime, Time, Value};

    /// Creates (or replaces) `table`.
    pub fn create(table: &str) -> String {
        format!(
            "CREATE OR REPLACE TABLE {table} (id INT PRIMARY KEY, ti TINYINT, \
             su SMALLINT UNSIGNED, mi MEDIUMINT, bi BIGINT UNSIGNED, f FLOAT, d DOUBLE, \
             dec1 DECIMAL(12,3), dec2 DECIMAL(30,10), dt DATE, dtm DATETIME(6), \
             ts TIMESTAMP(3) NULL, tm TIME(2), y YEAR, vc VARCHAR(300), ch CHAR(255), \
             bin VARBINARY(10), tx TEXT, mb MEDIUMBLOB, e ENUM('red','green','blue'), \
             st SET('a','b','c'), b BIT(12), n INT NULL)"
        )
    }

    /// Inserts the row whose values are [`inserted`] (with `time_zone = '+00:00'`).
    pub fn insert(table: &str) -> String {
        format!(
            "INSERT INTO {table} VALUES (1, -5, 65535, -8388608, 18000000000000000000, 1.5, \
             -2.25, -123456789.125, 12345678901234567890.0123456789, '2024-02-29', \
             '2023-12-31 23:59:58.123456', '2001-09-09 01:46:40.250', '-838:59:58.99', 2155, \
             REPEAT('v', 300), 'char', x'00ff10', 'text é', REPEAT('z', 300), 'blue', 'a,c', \
             b'101000000001', NULL)"
        )
    }

    /// Changes `vc` (14) to `short` and `n` (22) to 7.
    pub fn update(table: &str) -> String {
        format!("UPDATE {table} SET n = 7, vc = 'short' WHERE id = 1")
    }

    /// Deletes the row.
    pub fn delete(table: &str) -> String {
        format!("DELETE FROM {table} WHERE id = 1")
    }

    /// The inserted row as the log gives it without signedness metadata
    /// (`binlog_row_metadata = NO_LOG`, MariaDB's default): the unsigned columns `su` (2) and
    /// `bi` (4) read signed.
    pub fn inserted() -> Vec<Value> {
        let dt = |year, month, day, hour, minute, second, micros| {
            Value::DateTime(DateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
                micros,
            })
        };
        vec![
            Value::Int(1),
            Value::Int(-5),
            Value::Int(-1),
            Value::Int(-8388608),
            Value::Int(18_000_000_000_000_000_000u64 as i64),
            Value::Float(1.5),
            Value::Double(-2.25),
            Value::Bytes(b"-123456789.125".to_vec()),
            Value::Bytes(b"12345678901234567890.0123456789".to_vec()),
            Value::DateTime(DateTime::date(2024, 2, 29)),
            dt(2023, 12, 31, 23, 59, 58, 123456),
            // 1,000,000,000 seconds after the epoch, in UTC.
            dt(2001, 9, 9, 1, 46, 40, 250000),
            Value::Time(Time {
                negative: true,
                days: 34,
                hours: 22,
                minutes: 59,
                seconds: 58,
                micros: 990000,
            }),
            Value::UInt(2155),
            Value::Bytes(vec![b'v'; 300]),
            Value::Bytes(b"char".to_vec()),
            Value::Bytes(vec![0, 0xff, 0x10]),
            Value::Bytes("text é".as_bytes().to_vec()),
            Value::Bytes(vec![b'z'; 300]),
            Value::UInt(3),
            Value::UInt(0b101),
            Value::UInt(0b1010_0000_0001),
            Value::Null,
        ]
    }
}
