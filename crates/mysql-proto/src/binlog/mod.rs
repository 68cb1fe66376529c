//! Binary log streaming: reading a server's binlog as a replica does (`COM_BINLOG_DUMP`), for
//! change data capture, cache invalidation, auditing or your own replica.
//!
//! # Theory of operation
//!
//! 1. [`BinlogRequest`] says where to start (a file and position, or with MariaDB a GTID
//!    position), which server id to present, and whether to stop at the end of the log
//!    (`non_blocking`) or wait for new events forever.
//! 2. The adapters' `binlog_dump` tells the server the client understands checksums and
//!    MariaDB's events, and where a GTID dump starts ([`BinlogRequest::session_sql`]), asks
//!    which checksum the log uses ([`CHECKSUM_SQL`]), then runs the operation
//!    [`ops::BinlogDump`](crate::ops::BinlogDump), which queues the dump
//!    ([`Connection::binlog_dump`](crate::Connection::binlog_dump)) and returns a
//!    [`BinlogStream`]: the decoding state.
//! 3. The server answers with one packet per event, each `0x00` then the event
//!    ([`Event::BinlogEvent`](crate::Event::BinlogEvent)); with `non_blocking`, an EOF packet at
//!    the end of the log ([`Event::BinlogEnd`](crate::Event::BinlogEnd)); an ERR when it cannot
//!    serve the request (unknown file, purged GTID, missing `REPLICATION SLAVE` privilege).
//! 4. [`BinlogStream::decode`] turns each event into a [`BinlogEvent`]: it checks the event's
//!    CRC32, remembers the format description (its checksum algorithm) and every table map, and
//!    decodes the rows of row events with the table map they refer to.
//!
//! The first events are always a ROTATE naming the file (its timestamp and log position 0: it
//! is not in the log) and the log's FORMAT_DESCRIPTION.
//!
//! To resume after a restart, keep [`BinlogStream::resume_position`] (or, with MariaDB,
//! [`BinlogStream::resume_gtid`]) with what was done with the events: the position after the
//! last complete transaction, from which a new dump goes on with the next one.
//!
//! The dump takes the connection for good: while a blocking one runs, no other command may be
//! queued (a misuse error), and the server closes the connection once a dump ended (its EOF or
//! an error), which the core reports as [`ErrorKind::Closed`](crate::ErrorKind::Closed) to
//! later commands. Use a connection of its own.
//!
//! # What is decoded
//!
//! Header and body of ROTATE, FORMAT_DESCRIPTION, QUERY, XID, TABLE_MAP, the row events (v1,
//! which MariaDB writes, and v2, MySQL's: insert, update, delete), MariaDB's GTID,
//! GTID_LIST and ANNOTATE_ROWS, MySQL's GTID, HEARTBEAT; any other event comes as
//! [`EventData::Other`] with its body. Row values for every column type (see [`rows`]);
//! MySQL's binary JSON comes as its bytes.
//!
//! An event larger than the `max-packet` option (64 MiB by default) fails the stream with
//! [`ErrorKind::Limit`](crate::ErrorKind::Limit): raise it for tables with larger rows.
//!
//! Not supported: compressed events (MariaDB `log_bin_compress`) and encrypted logs (both come
//! as `Other`), MySQL 8's transaction payload events (`binlog_transaction_compression`).
//! Tested against MariaDB 10.11; the MySQL paths (v2 row events, MySQL GTIDs) only on
//! hand-made bytes, and the MySQL 8.0.26+ `source_` session variables not at all: no MySQL
//! server runs in this project's CI.

pub mod checksum;
pub mod event;
mod resume;
pub mod rows;

pub use event::{BinlogEvent, EventData, EventHeader, EventType, Gtid, MySqlGtid, Query};
pub use rows::{BinlogColumn, RowChange, RowsEvent, RowsKind, TableMap};

use std::collections::HashMap;
use std::sync::Arc;

use crate::connection::CommandId;
use crate::error::{Error, Result};

/// The statement that names the binary log's current file and position (MariaDB, MySQL up to
/// 8.3); MySQL 8.2+ also knows [`POSITION_SQL_NEW`], the only name in 8.4.
pub const POSITION_SQL: &str = "SHOW MASTER STATUS";

/// MySQL 8.2+'s name of [`POSITION_SQL`].
pub const POSITION_SQL_NEW: &str = "SHOW BINARY LOG STATUS";

/// Whether `error`, the answer to [`POSITION_SQL`], asks for [`POSITION_SQL_NEW`] (a syntax
/// error: MySQL 8.4 removed the old name).
pub fn position_sql_renamed(error: &Error) -> bool {
    error.server().is_some_and(|s| s.code == 1064)
}

/// The file and position in the first row of the answer to [`POSITION_SQL`]: where a dump
/// starting now begins. Fails with [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
/// when there is no row (the server runs without `log-bin`), with a conversion error for an
/// answer of another shape.
pub fn position_of(first_row: Option<&crate::Row>) -> Result<(String, u32)> {
    let Some(row) = first_row else {
        return Err(Error::unsupported(
            "the server has no binary log (its status is empty): start it with log-bin",
        ));
    };
    Ok((row.get(0)?, row.get(1)?))
}

/// The query whose one value says which checksum the server's log uses, once
/// [`BinlogRequest::session_sql`] ran: read it with [`checksum_in_force`].
pub const CHECKSUM_SQL: &str = "SELECT @master_binlog_checksum";

/// Whether events carry a CRC32, from the answer to [`CHECKSUM_SQL`] (`CRC32`, or `NONE` /
/// NULL). Fails with [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) for another
/// algorithm.
pub fn checksum_in_force(answer: Option<&str>) -> Result<bool> {
    match answer {
        None => Ok(false),
        Some(a) if a.eq_ignore_ascii_case("NONE") => Ok(false),
        Some(a) if a.eq_ignore_ascii_case("CRC32") => Ok(true),
        Some(a) => Err(Error::unsupported(format!("binlog checksum {a}"))),
    }
}

/// Where a binlog dump starts and how it behaves.
///
/// ```
/// use mysql_proto::binlog::BinlogRequest;
/// // From the start of a file, ending at the end of the log.
/// let r = BinlogRequest::new(4242).file("mysql-bin.000001", 4).non_blocking(true);
/// // MariaDB: from a GTID position (as `gtid_binlog_pos`), waiting for new events.
/// let r = BinlogRequest::new(4242).mariadb_gtid("0-1-100");
/// # let _ = r;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinlogRequest {
    pub(crate) server_id: u32,
    pub(crate) file: String,
    pub(crate) position: u32,
    pub(crate) gtid: Option<String>,
    pub(crate) non_blocking: bool,
    pub(crate) heartbeat_ms: Option<u32>,
}

impl BinlogRequest {
    /// A request presenting `server_id` to the server (it must differ from the server's own and
    /// from every other replica's: MariaDB refuses a dump with the id of a replica still
    /// connected, error 4052; MySQL ends the older one). Starts at
    /// the first log file the server has (`file("", 4)`), waits for new events at the end.
    pub fn new(server_id: u32) -> BinlogRequest {
        BinlogRequest {
            server_id,
            file: String::new(),
            position: 4,
            gtid: None,
            non_blocking: false,
            heartbeat_ms: None,
        }
    }

    /// Starts in log `file` (as `SHOW MASTER STATUS` names it; empty: the first one) at
    /// `position` (4 is the first event of a file).
    pub fn file(mut self, file: impl Into<String>, position: u32) -> BinlogRequest {
        self.file = file.into();
        self.position = position;
        self
    }

    /// MariaDB only: starts after the transactions of a GTID position (`domain-server-seq`
    /// triples separated by commas, as `@@gtid_binlog_pos`; empty: from the start). The file
    /// and position are then ignored. The server fails the dump (an ERR) when the position is
    /// no longer in its logs.
    pub fn mariadb_gtid(mut self, position: impl Into<String>) -> BinlogRequest {
        self.gtid = Some(position.into());
        self
    }

    /// `true`: the server ends the dump at the end of its log (an EOF packet, then the
    /// connection is usable again); `false` (the default): it waits for new events forever.
    pub fn non_blocking(mut self, on: bool) -> BinlogRequest {
        self.non_blocking = on;
        self
    }

    /// Asks the server to send a HEARTBEAT event after this many milliseconds without events
    /// (so that a reader can tell an idle server from a lost one). Off by default.
    pub fn heartbeat_ms(mut self, ms: u32) -> BinlogRequest {
        self.heartbeat_ms = Some(ms);
        self
    }

    /// The `SET` statement that prepares the session for the dump: checksums understood
    /// (`@master_binlog_checksum`), MariaDB's events wanted (`@mariadb_slave_capability`), the
    /// heartbeat period and the GTID position. Fails with a misuse error for a GTID position
    /// that is not digits, dashes and commas.
    pub fn session_sql(&self) -> Result<String> {
        // MySQL 8.0.26+ reads the `source_` names, older servers and MariaDB the `master_`
        // ones: both are set (user variables, unknown ones are harmless).
        let mut sql = String::from(
            "SET @master_binlog_checksum = @@global.binlog_checksum, \
             @source_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4",
        );
        if let Some(ms) = self.heartbeat_ms {
            let ns = u64::from(ms) * 1_000_000;
            sql.push_str(&format!(
                ", @master_heartbeat_period = {ns}, @source_heartbeat_period = {ns}"
            ));
        }
        if let Some(gtid) = &self.gtid {
            if !gtid
                .bytes()
                .all(|b| b.is_ascii_digit() || b"-, ".contains(&b))
            {
                return Err(Error::misuse(format!(
                    "not a GTID position (domain-server-seq, ...): {gtid:?}"
                )));
            }
            sql.push_str(&format!(
                ", @slave_connect_state = '{gtid}', @slave_gtid_strict_mode = 0, \
                 @slave_gtid_ignore_duplicates = 0"
            ));
        }
        Ok(sql)
    }

    /// The body of `COM_BINLOG_DUMP` (after the command byte).
    pub(crate) fn dump_body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(10 + self.file.len());
        // With a GTID position, MariaDB's replicas send no file and the first position.
        let position = if self.gtid.is_some() {
            4
        } else {
            self.position
        };
        b.extend_from_slice(&position.to_le_bytes());
        b.extend_from_slice(&u16::from(self.non_blocking).to_le_bytes());
        b.extend_from_slice(&self.server_id.to_le_bytes());
        if self.gtid.is_none() {
            b.extend_from_slice(self.file.as_bytes());
        }
        b
    }
}

/// The decoding state of a binlog dump: the checksum algorithm in force and the table maps
/// seen. Made by [`ops::BinlogDump`](crate::ops::BinlogDump) (or [`BinlogStream::new`] for
/// events from elsewhere, a binlog file read after its 4-byte magic, say).
#[derive(Debug, Clone)]
pub struct BinlogStream {
    /// The dump command whose events this decodes (`None`: events from elsewhere).
    command: Option<CommandId>,
    checksum: bool,
    /// The log's FORMAT_DESCRIPTION names a MariaDB server.
    mariadb: bool,
    tables: HashMap<u64, Arc<TableMap>>,
    ended: bool,
    resume: resume::Resume,
}

impl BinlogStream {
    /// A decoder for events that carry a CRC32 checksum (`checksum`, as `@@binlog_checksum` is
    /// `CRC32`) until a FORMAT_DESCRIPTION event says otherwise.
    pub fn new(checksum: bool) -> BinlogStream {
        BinlogStream {
            command: None,
            checksum,
            mariadb: false,
            tables: HashMap::new(),
            ended: false,
            resume: resume::Resume::default(),
        }
    }

    /// The stream of the dump command `id` for `request`.
    pub(crate) fn dumping(id: CommandId, checksum: bool, request: &BinlogRequest) -> BinlogStream {
        let resume = match &request.gtid {
            Some(g) => resume::Resume::from_gtid(g),
            None => resume::Resume::default(),
        };
        BinlogStream {
            command: Some(id),
            resume,
            ..BinlogStream::new(checksum)
        }
    }

    /// The file and position after the last complete transaction this stream delivered (or
    /// where it started): a [`BinlogRequest::file`] from there goes on with the next
    /// transaction, repeating none. Keep it with what you did with the events, to resume after
    /// a restart. `None` until the dump's first ROTATE named the file.
    pub fn resume_position(&self) -> Option<(&str, u32)> {
        self.resume.position()
    }

    /// MariaDB: the GTID position after the last complete transaction this stream delivered,
    /// per replication domain, over the position the dump started from (for a dump from a
    /// file position, the domains seen since): a [`BinlogRequest::mariadb_gtid`] from there
    /// goes on with the next transaction. `None` before any.
    pub fn resume_gtid(&self) -> Option<String> {
        self.resume.gtid()
    }

    /// The dump command whose events this stream decodes.
    pub fn command(&self) -> Option<CommandId> {
        self.command
    }

    /// Decodes one event (the bytes after the packet's `0x00`): checks its checksum, and keeps
    /// what later events need (the checksum algorithm of a FORMAT_DESCRIPTION, TABLE_MAPs).
    ///
    /// Fails with a protocol error for a truncated or malformed event, a checksum mismatch, or
    /// a row event for a table id no TABLE_MAP announced; the stream cannot be trusted after
    /// that (the operation breaks the connection).
    pub fn decode(&mut self, bytes: &[u8]) -> Result<BinlogEvent> {
        let header = EventHeader::parse(bytes)?;
        if header.event_size as usize != bytes.len() {
            return Err(Error::protocol(format!(
                "binlog event of {} bytes says it has {}",
                bytes.len(),
                header.event_size
            )));
        }
        if header.event_type == EventType::FORMAT_DESCRIPTION {
            self.checksum = event::fde_checksum(bytes)?;
        }
        let body_end = if self.checksum {
            checksum::verify(bytes)?
        } else {
            bytes.len()
        };
        let Some(body) = bytes.get(event::HEADER_LEN..body_end) else {
            return Err(Error::protocol(
                "binlog event shorter than its header and checksum",
            ));
        };
        let data = event::parse_body(header.event_type, body, &mut self.tables, self.mariadb)?;
        if let EventData::FormatDescription { server_version, .. } = &data {
            self.mariadb = server_version.contains("MariaDB");
        }
        let event = BinlogEvent { header, data }.complete(self.checksum);
        self.resume.track(&event.header, &event.data);
        Ok(event)
    }

    /// Whether the dump ended (a non-blocking one at the end of the log, or any with the
    /// server's error, or an event that did not decode): no event comes any more.
    pub fn ended(&self) -> bool {
        self.ended
    }

    pub(crate) fn set_ended(&mut self) {
        self.ended = true;
    }

    /// The table map a row event of `table_id` would use, if one was seen.
    pub fn table(&self, table_id: u64) -> Option<&Arc<TableMap>> {
        self.tables.get(&table_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (found by the fuzz target): an event whose size leaves no room for the
    /// checksum after the header panicked on slicing its body.
    #[test]
    fn an_event_too_short_for_header_and_checksum_is_an_error() {
        for len in event::HEADER_LEN..event::HEADER_LEN + checksum::LEN {
            let mut e = vec![0u8; len];
            e[4] = EventType::XID.0;
            e[9..13].copy_from_slice(&(len as u32).to_le_bytes());
            let end = len - checksum::LEN;
            let sum = checksum::crc32(&e[..end]);
            e[end..].copy_from_slice(&sum.to_le_bytes());
            let err = BinlogStream::new(true).decode(&e).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Protocol, "{len}: {err}");
        }
    }

    #[test]
    fn a_server_without_a_binary_log_has_no_position() {
        let e = position_of(None).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported, "{e}");
        let syntax = Error::answer(crate::ServerError {
            code: 1064,
            sql_state: "42000".into(),
            message: "You have an error in your SQL syntax".into(),
        });
        assert!(position_sql_renamed(&syntax));
        assert!(!position_sql_renamed(&Error::misuse("no")));
    }

    #[test]
    fn the_dump_command_says_where_to_start() {
        let r = BinlogRequest::new(0x0102_0304)
            .file("log.7", 0x1000)
            .non_blocking(true);
        let mut want = vec![0, 0x10, 0, 0, 1, 0, 4, 3, 2, 1];
        want.extend_from_slice(b"log.7");
        assert_eq!(r.dump_body(), want);
        // With a GTID position the file is left out (the server takes the position instead).
        let g = BinlogRequest::new(1)
            .file("log.7", 4)
            .mariadb_gtid("0-1-5,1-2-9");
        assert_eq!(g.dump_body().len(), 10);
        assert!(g
            .session_sql()
            .unwrap()
            .contains("@slave_connect_state = '0-1-5,1-2-9'"));
        assert!(BinlogRequest::new(1)
            .mariadb_gtid("0-1-5'")
            .session_sql()
            .is_err());
    }
}
