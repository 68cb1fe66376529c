//! [`Event`]: what the connection reports, and [`CommandId`]: which command it belongs to.

use crate::constants::StatusFlags;
use crate::error::ServerError;
use crate::packets::OkPacket;
use crate::value::{Columns, RowRef};

use super::statement::Statement;

/// Identifies a command returned by a command method of
/// [`Connection`](crate::Connection); every response event names the command it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub(crate) u64);

impl CommandId {
    /// The number of the command on its connection (1 for the first).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// What the server said, decoded. Borrowed from the connection's buffers: it lives until the
/// next `&mut` call on the connection.
///
/// Per command, the events are: zero or more *results*, each either `Ok` (a statement without a
/// result set) or `ResultSetStart`, `Row`*, `ResultSetEnd`; or a `ServerError`, which ends the
/// command. A result whose status has `more_results()` is followed by another result of the same
/// command; [`Event::ends_command`] tells when the command is complete.
#[non_exhaustive]
#[derive(Debug)]
pub enum Event<'a> {
    /// The handshake succeeded; commands may be sent.
    Connected(&'a ServerInfo),
    /// A result set begins; its columns are shared by every row.
    ResultSetStart {
        /// The command.
        id: CommandId,
        /// The result set's columns.
        columns: &'a Columns,
    },
    /// One row of the current result set.
    Row {
        /// The command.
        id: CommandId,
        /// The row, borrowed from the receive buffer.
        row: RowRef<'a>,
    },
    /// The current result set ended (EOF or OK packet).
    ResultSetEnd {
        /// The command.
        id: CommandId,
        /// Status flags and warnings at the end of the result set.
        ok: &'a OkPacket,
    },
    /// A statement without a result set succeeded (also the answer to ping, init_db, reset).
    Ok {
        /// The command.
        id: CommandId,
        /// Affected rows, last insert id, status, warnings, info.
        ok: &'a OkPacket,
    },
    /// The server answered the command with an ERR packet; the command is over, the connection
    /// is fine.
    ServerError {
        /// The command.
        id: CommandId,
        /// Code, SQLSTATE and message.
        error: &'a ServerError,
    },
    /// A prepare succeeded: the statement, its parameters and columns. Ends the command.
    Prepared {
        /// The command.
        id: CommandId,
        /// The prepared statement (clone it to keep it).
        statement: &'a Statement,
    },
    /// One event of a binlog dump ([`Connection::binlog_dump`](crate::Connection::binlog_dump)):
    /// its bytes, header to checksum, for [`BinlogStream::decode`](crate::binlog::BinlogStream::decode).
    BinlogEvent {
        /// The command.
        id: CommandId,
        /// The event.
        event: &'a [u8],
    },
    /// A non-blocking binlog dump reached the end of the log. Ends the command.
    BinlogEnd {
        /// The command.
        id: CommandId,
    },
}

impl Event<'_> {
    /// The command this event belongs to (`None` for `Connected`).
    pub fn command_id(&self) -> Option<CommandId> {
        match self {
            Event::Connected(_) => None,
            Event::ResultSetStart { id, .. }
            | Event::Row { id, .. }
            | Event::ResultSetEnd { id, .. }
            | Event::Ok { id, .. }
            | Event::ServerError { id, .. }
            | Event::Prepared { id, .. }
            | Event::BinlogEvent { id, .. }
            | Event::BinlogEnd { id } => Some(*id),
        }
    }

    /// Whether this is the last event of its command.
    pub fn ends_command(&self) -> bool {
        match self {
            Event::ResultSetEnd { ok, .. } | Event::Ok { ok, .. } => !ok.status.more_results(),
            Event::ServerError { .. } | Event::Prepared { .. } | Event::BinlogEnd { .. } => true,
            _ => false,
        }
    }
}

/// What the server told about itself in the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// The version string, e.g. `5.5.5-10.11.6-MariaDB-0+deb12u1`.
    pub server_version: String,
    /// The connection id (for `KILL QUERY <id>`).
    pub connection_id: u32,
    /// The capabilities both sides agreed on.
    pub capabilities: u32,
    /// MariaDB extended capabilities both sides agreed on.
    pub mariadb_capabilities: u32,
    /// Whether the server is MariaDB.
    pub is_mariadb: bool,
    /// The auth plugin that succeeded.
    pub auth_plugin: String,
    /// Status flags from the final handshake OK.
    pub status: StatusFlags,
    /// Whether the connection is encrypted with TLS.
    pub tls: bool,
}
