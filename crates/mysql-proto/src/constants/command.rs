//! Command bytes (`COM_*`), the first byte of every command packet.

/// The command byte that starts a command packet.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Command {
    /// `COM_QUIT`: close the connection.
    Quit = 0x01,
    /// `COM_INIT_DB`: change the default database.
    InitDb = 0x02,
    /// `COM_QUERY`: run SQL text.
    Query = 0x03,
    /// `COM_PING`: check the server is alive.
    Ping = 0x0e,
    /// `COM_CHANGE_USER`.
    ChangeUser = 0x11,
    /// `COM_BINLOG_DUMP`: stream the binary log, as a replica does.
    BinlogDump = 0x12,
    /// `COM_STMT_PREPARE`.
    StmtPrepare = 0x16,
    /// `COM_STMT_EXECUTE`.
    StmtExecute = 0x17,
    /// `COM_STMT_SEND_LONG_DATA`.
    StmtSendLongData = 0x18,
    /// `COM_STMT_CLOSE`.
    StmtClose = 0x19,
    /// `COM_STMT_RESET`.
    StmtReset = 0x1a,
    /// `COM_SET_OPTION`: multi-statements on or off.
    SetOption = 0x1b,
    /// `COM_STMT_FETCH`: the next rows of a cursor.
    StmtFetch = 0x1c,
    /// `COM_RESET_CONNECTION`.
    ResetConnection = 0x1f,
    /// MariaDB's `COM_STMT_BULK_EXECUTE`: one statement, many parameter sets.
    StmtBulkExecute = 0xfa,
}
