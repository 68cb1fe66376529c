//! Server status flags (`SERVER_STATUS_*`) carried by OK and EOF packets.

/// The `status_flags` field of OK / EOF packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct StatusFlags(pub u16);

impl StatusFlags {
    /// A transaction is open.
    pub const SERVER_STATUS_IN_TRANS: u16 = 0x0001;
    /// Autocommit is on.
    pub const SERVER_STATUS_AUTOCOMMIT: u16 = 0x0002;
    /// Another result follows this one.
    pub const SERVER_MORE_RESULTS_EXISTS: u16 = 0x0008;
    /// The query used no good index.
    pub const SERVER_QUERY_NO_GOOD_INDEX_USED: u16 = 0x0010;
    /// The query used no index.
    pub const SERVER_QUERY_NO_INDEX_USED: u16 = 0x0020;
    /// A read-only cursor exists.
    pub const SERVER_STATUS_CURSOR_EXISTS: u16 = 0x0040;
    /// The last row of a cursor was sent.
    pub const SERVER_STATUS_LAST_ROW_SENT: u16 = 0x0080;
    /// A database was dropped.
    pub const SERVER_STATUS_DB_DROPPED: u16 = 0x0100;
    /// `NO_BACKSLASH_ESCAPES` is on.
    pub const SERVER_STATUS_NO_BACKSLASH_ESCAPES: u16 = 0x0200;
    /// Metadata changed (prepared statements).
    pub const SERVER_STATUS_METADATA_CHANGED: u16 = 0x0400;
    /// The query was slow.
    pub const SERVER_QUERY_WAS_SLOW: u16 = 0x0800;
    /// Output parameters of a stored procedure follow.
    pub const SERVER_PS_OUT_PARAMS: u16 = 0x1000;
    /// A read-only transaction is open.
    pub const SERVER_STATUS_IN_TRANS_READONLY: u16 = 0x2000;
    /// Session state changed (session tracking data in the OK packet).
    pub const SERVER_SESSION_STATE_CHANGED: u16 = 0x4000;

    /// Whether every bit of `flag` is set.
    pub fn contains(self, flag: u16) -> bool {
        self.0 & flag == flag
    }

    /// Whether another result (set) of the same command follows.
    pub fn more_results(self) -> bool {
        self.contains(Self::SERVER_MORE_RESULTS_EXISTS)
    }

    /// Whether a transaction is open.
    pub fn in_transaction(self) -> bool {
        self.contains(Self::SERVER_STATUS_IN_TRANS)
    }

    /// Whether autocommit is on.
    pub fn autocommit(self) -> bool {
        self.contains(Self::SERVER_STATUS_AUTOCOMMIT)
    }
}
