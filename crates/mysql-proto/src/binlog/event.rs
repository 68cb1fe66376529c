//! Binlog events: the common header, the event types, and the bodies of the events that are
//! not about rows (those are in the [`rows`] module).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::codec::Reader;
use crate::error::{Error, Result};

use super::rows::{self, RowsEvent, TableMap};

/// The length of the v4 event header (every server since MySQL 5.0).
pub const HEADER_LEN: usize = 19;

/// An event's type code (the header's fifth byte). A number rather than an enum: servers add
/// types, and an unknown one is still a valid event ([`EventData::Other`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventType(pub u8);

impl EventType {
    /// A statement (statement-based logging, DDL, `BEGIN` of a transaction, ...).
    pub const QUERY: EventType = EventType(2);
    /// The server stopped.
    pub const STOP: EventType = EventType(3);
    /// The log continues in another file (also the first event of every dump).
    pub const ROTATE: EventType = EventType(4);
    /// The format of the events of this file (its second event).
    pub const FORMAT_DESCRIPTION: EventType = EventType(15);
    /// A transaction committed (InnoDB and other XA-capable engines).
    pub const XID: EventType = EventType(16);
    /// The table that the following row events are about.
    pub const TABLE_MAP: EventType = EventType(19);
    /// Inserted rows (v1: MariaDB).
    pub const WRITE_ROWS_V1: EventType = EventType(23);
    /// Updated rows (v1: MariaDB).
    pub const UPDATE_ROWS_V1: EventType = EventType(24);
    /// Deleted rows (v1: MariaDB).
    pub const DELETE_ROWS_V1: EventType = EventType(25);
    /// Sent instead of events while the server has nothing new (see
    /// [`BinlogRequest::heartbeat_ms`](super::BinlogRequest::heartbeat_ms)).
    pub const HEARTBEAT: EventType = EventType(27);
    /// Inserted rows (v2: MySQL 5.6+).
    pub const WRITE_ROWS_V2: EventType = EventType(30);
    /// Updated rows (v2: MySQL 5.6+).
    pub const UPDATE_ROWS_V2: EventType = EventType(31);
    /// Deleted rows (v2: MySQL 5.6+).
    pub const DELETE_ROWS_V2: EventType = EventType(32);
    /// MySQL's GTID of the next transaction.
    pub const MYSQL_GTID: EventType = EventType(33);
    /// MySQL: the next transaction has no GTID (`gtid_mode` off); decoded as [`EventData::Other`].
    pub const MYSQL_ANONYMOUS_GTID: EventType = EventType(34);
    /// MariaDB: the statement behind the row events that follow (`binlog_annotate_row_events`).
    pub const ANNOTATE_ROWS: EventType = EventType(160);
    /// MariaDB: the oldest log file still needed for crash recovery.
    pub const BINLOG_CHECKPOINT: EventType = EventType(161);
    /// MariaDB: the GTID of the transaction (or statement) that follows.
    pub const GTID: EventType = EventType(162);
    /// MariaDB: the GTID position at the start of this file.
    pub const GTID_LIST: EventType = EventType(163);
}

/// The header every event starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader {
    /// When the statement began, in seconds since the Unix epoch (0 for the first ROTATE).
    pub timestamp: u32,
    /// What the event is.
    pub event_type: EventType,
    /// The server that wrote the event first (for a chain of replicas, the origin).
    pub server_id: u32,
    /// The event's length, header and checksum included.
    pub event_size: u32,
    /// The position of the next event in the log file (0 for events not in the log, as the
    /// first ROTATE and heartbeats' artificial ones).
    pub log_pos: u32,
    /// `LOG_EVENT_*` flags.
    pub flags: u16,
}

impl EventHeader {
    /// Parses the 19-byte header at the start of `event`; fails with a protocol error when
    /// `event` is shorter.
    pub fn parse(event: &[u8]) -> Result<EventHeader> {
        let mut r = Reader::new(event);
        let header = (|| {
            Ok(EventHeader {
                timestamp: r.u32()?,
                event_type: EventType(r.u8()?),
                server_id: r.u32()?,
                event_size: r.u32()?,
                log_pos: r.u32()?,
                flags: r.u16()?,
            })
        })();
        header.map_err(|_: Error| Error::protocol("binlog event shorter than its header"))
    }
}

/// One decoded binlog event.
#[derive(Debug, Clone, PartialEq)]
pub struct BinlogEvent {
    /// The common header.
    pub header: EventHeader,
    /// The body, decoded.
    pub data: EventData,
}

/// The body of an event, decoded for the types listed in the [module docs](super).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    /// The log goes on in `next_file` at `position`.
    Rotate {
        /// Where the first event in `next_file` is.
        position: u64,
        /// The file's name.
        next_file: String,
    },
    /// The format of this file's events.
    FormatDescription {
        /// The binlog format version (4).
        binlog_version: u16,
        /// The version of the server that wrote the file.
        server_version: String,
        /// Whether its events end with a CRC32.
        checksum: bool,
    },
    /// A statement.
    Query(Query),
    /// A transaction committed.
    Xid {
        /// The XA transaction id.
        xid: u64,
    },
    /// The table the following row events are about (the stream keeps it for them).
    TableMap(Arc<TableMap>),
    /// Rows inserted, updated or deleted.
    Rows(RowsEvent),
    /// MariaDB: the GTID of the transaction that follows.
    Gtid(Gtid),
    /// MySQL: the GTID of the transaction that follows.
    MySqlGtid(MySqlGtid),
    /// MariaDB: the GTID position at the start of this file, one GTID per replication domain.
    GtidList(Vec<Gtid>),
    /// MariaDB: the statement behind the row events that follow.
    AnnotateRows {
        /// The statement's text.
        sql: String,
    },
    /// Nothing new; the server is alive and at `file` (and the header's `log_pos`).
    Heartbeat {
        /// The current log file.
        file: String,
    },
    /// An event this decoder does not decode: its body (after the header, before the checksum).
    Other(Vec<u8>),
}

/// A statement as logged (QUERY event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The connection that ran it.
    pub thread_id: u32,
    /// How long it ran, in seconds.
    pub exec_time: u32,
    /// The error code it ended with on the origin (0: none).
    pub error_code: u16,
    /// The default database it ran in (empty: none).
    pub schema: String,
    /// The statement (`BEGIN`, `COMMIT`, DDL, or a statement logged by statement).
    pub sql: String,
}

/// A MariaDB GTID: `domain_id-server_id-seq_no`, as `@@gtid_binlog_pos` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gtid {
    /// The replication domain.
    pub domain_id: u32,
    /// The server that wrote the transaction.
    pub server_id: u32,
    /// Its number within the domain.
    pub seq_no: u64,
    /// For a GTID event: its flags (`1`: standalone, a statement with no XID or COMMIT
    /// after it); 0 in a GTID list.
    pub flags: u8,
}

/// A MySQL GTID: the UUID of the server that wrote the transaction and its number there,
/// shown as `3e11fa47-71ca-11e1-9e33-c80aa9429562:23` (as `@@gtid_executed` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MySqlGtid {
    /// The source server's UUID (`@@server_uuid`), as its 16 bytes.
    pub uuid: [u8; 16],
    /// The transaction's number on that server.
    pub gno: u64,
    /// The event's flags (`1`: the transaction may commit in parallel with others).
    pub flags: u8,
}

impl fmt::Display for MySqlGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.uuid.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        write!(f, ":{}", self.gno)
    }
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain_id, self.server_id, self.seq_no)
    }
}

/// Whether the FORMAT_DESCRIPTION `event` (header included) says events carry a CRC32: the
/// byte before its own four-byte checksum names the algorithm (0: none, 1: CRC32) when the
/// server that wrote it is MySQL 5.6.1 or later (MariaDB 10 and later too), as its server
/// version says; older servers wrote no checksums. Fails with a protocol error for a
/// truncated event or an unknown algorithm.
pub(crate) fn fde_checksum(event: &[u8]) -> Result<bool> {
    let body = event
        .get(HEADER_LEN..)
        .filter(|b| b.len() >= 2 + 50 + 4 + 1 + 5)
        .ok_or_else(|| Error::protocol("FORMAT_DESCRIPTION event too short"))?;
    let version = server_version(&body[2..52]);
    if !version_at_least(&version, (5, 6, 1)) {
        return Ok(false);
    }
    // 0: off; 1: CRC32; 255: undefined (off).
    match event[event.len() - 5] {
        0 | 255 => Ok(false),
        1 => Ok(true),
        alg => Err(Error::protocol(format!(
            "FORMAT_DESCRIPTION with unknown checksum algorithm {alg}"
        ))),
    }
}

/// Decodes the body of an event of type `t` from a MariaDB server (`mariadb`) or a MySQL one;
/// `tables` holds the table maps seen so far and takes a new one.
pub(crate) fn parse_body(
    t: EventType,
    body: &[u8],
    tables: &mut HashMap<u64, Arc<TableMap>>,
    mariadb: bool,
) -> Result<EventData> {
    let mut r = Reader::new(body);
    let data = match t {
        EventType::ROTATE => EventData::Rotate {
            position: r.u64()?,
            next_file: text(r.rest()),
        },
        EventType::FORMAT_DESCRIPTION => {
            let binlog_version = r.u16()?;
            let server_version = server_version(r.take(50)?);
            EventData::FormatDescription {
                binlog_version,
                server_version,
                // The checksum was read (and checked) before the body was cut from the event.
                checksum: false,
            }
        }
        EventType::QUERY => {
            let thread_id = r.u32()?;
            let exec_time = r.u32()?;
            let schema_len = r.u8()? as usize;
            let error_code = r.u16()?;
            let status_len = r.u16()? as usize;
            r.take(status_len)?;
            let schema = text(r.take(schema_len)?);
            r.u8()?; // the schema's NUL
            EventData::Query(Query {
                thread_id,
                exec_time,
                error_code,
                schema,
                sql: text(r.rest()),
            })
        }
        EventType::XID => EventData::Xid { xid: r.u64()? },
        EventType::TABLE_MAP => {
            let map = Arc::new(TableMap::parse(body, mariadb)?);
            tables.insert(map.table_id, map.clone());
            EventData::TableMap(map)
        }
        EventType::WRITE_ROWS_V1
        | EventType::UPDATE_ROWS_V1
        | EventType::DELETE_ROWS_V1
        | EventType::WRITE_ROWS_V2
        | EventType::UPDATE_ROWS_V2
        | EventType::DELETE_ROWS_V2 => EventData::Rows(rows::parse_rows(t, body, tables)?),
        EventType::GTID => {
            let seq_no = r.u64()?;
            let domain_id = r.u32()?;
            let flags = r.u8()?;
            EventData::Gtid(Gtid {
                domain_id,
                server_id: 0, // the header's, filled in below
                seq_no,
                flags,
            })
        }
        EventType::MYSQL_GTID => {
            let flags = r.u8()?;
            let uuid = r.take(16)?.try_into().expect("16 bytes");
            EventData::MySqlGtid(MySqlGtid {
                uuid,
                gno: r.u64()?,
                flags,
            })
        }
        EventType::GTID_LIST => {
            let count = r.u32()? & 0x0fff_ffff;
            if count as usize > r.remaining() / 16 {
                return Err(Error::protocol("GTID_LIST event shorter than its count"));
            }
            let mut list = Vec::with_capacity(count as usize);
            for _ in 0..count {
                list.push(Gtid {
                    domain_id: r.u32()?,
                    server_id: r.u32()?,
                    seq_no: r.u64()?,
                    flags: 0,
                });
            }
            EventData::GtidList(list)
        }
        EventType::ANNOTATE_ROWS => EventData::AnnotateRows {
            sql: text(r.rest()),
        },
        EventType::HEARTBEAT => EventData::Heartbeat {
            file: text(r.rest()),
        },
        _ => EventData::Other(body.to_vec()),
    };
    Ok(data)
}

impl BinlogEvent {
    /// Fills in what the body leaves to the header (a MariaDB GTID's server id) and the
    /// FORMAT_DESCRIPTION's checksum flag, known to the stream.
    pub(crate) fn complete(mut self, checksum: bool) -> BinlogEvent {
        match &mut self.data {
            EventData::Gtid(g) => g.server_id = self.header.server_id,
            EventData::FormatDescription { checksum: c, .. } => *c = checksum,
            _ => {}
        }
        self
    }
}

/// A NUL-padded server version.
fn server_version(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    text(&raw[..end])
}

/// Whether `version` ("10.11.6-MariaDB-log") is at least `min`.
fn version_at_least(version: &str, min: (u32, u32, u32)) -> bool {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let v = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    v >= min
}

/// Text from the log, lossily (names and statements are the server's UTF-8).
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(version_at_least("10.11.6-MariaDB-log", (5, 6, 1)));
        assert!(version_at_least("5.6.1", (5, 6, 1)));
        assert!(version_at_least("8.0.36", (5, 6, 1)));
        assert!(!version_at_least("5.5.62-log", (5, 6, 1)));
        assert!(!version_at_least("", (5, 6, 1)));
    }

    #[test]
    fn a_mysql_gtid_event_decodes_and_reads_as_mysql_writes_it() {
        // flags, the UUID 3e11fa47-71ca-11e1-9e33-c80aa9429562, gno 23, then the logical
        // clock fields MySQL 5.7+ appends (ignored).
        let mut body = vec![1];
        body.extend_from_slice(&[
            0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42,
            0x95, 0x62,
        ]);
        body.extend_from_slice(&23u64.to_le_bytes());
        body.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let data = parse_body(EventType::MYSQL_GTID, &body, &mut HashMap::new(), false).unwrap();
        let EventData::MySqlGtid(g) = data else {
            panic!("{data:?}")
        };
        assert_eq!(g.to_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
        assert_eq!(g.flags, 1);
        assert!(parse_body(
            EventType::MYSQL_GTID,
            &body[..20],
            &mut HashMap::new(),
            false
        )
        .is_err());
    }

    #[test]
    fn a_gtid_reads_as_mariadb_writes_it() {
        let g = Gtid {
            domain_id: 0,
            server_id: 1,
            seq_no: 42,
            flags: 0,
        };
        assert_eq!(g.to_string(), "0-1-42");
    }
}
