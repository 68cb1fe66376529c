//! Capability flags exchanged in the handshake (`CLIENT_*`), as bits of a `u32`, and MariaDB's
//! extended capabilities (`MARIADB_CLIENT_*`, the upper 32 bits of MariaDB's 64-bit set).

/// Old "long password" flag; on MariaDB this bit is `CLIENT_MYSQL` and is clear on MariaDB servers.
pub const CLIENT_LONG_PASSWORD: u32 = 1;
/// Alias: MariaDB servers clear bit 0 to announce extended capabilities.
pub const CLIENT_MYSQL: u32 = 1;
/// Affected rows counts found rows instead of changed rows.
pub const CLIENT_FOUND_ROWS: u32 = 1 << 1;
/// Longer column flags.
pub const CLIENT_LONG_FLAG: u32 = 1 << 2;
/// A database name may be given in the handshake response.
pub const CLIENT_CONNECT_WITH_DB: u32 = 1 << 3;
/// `db.table.column` is not allowed.
pub const CLIENT_NO_SCHEMA: u32 = 1 << 4;
/// Compression protocol.
pub const CLIENT_COMPRESS: u32 = 1 << 5;
/// ODBC behaviour.
pub const CLIENT_ODBC: u32 = 1 << 6;
/// `LOAD DATA LOCAL INFILE` may be answered.
pub const CLIENT_LOCAL_FILES: u32 = 1 << 7;
/// Spaces before `(` are ignored.
pub const CLIENT_IGNORE_SPACE: u32 = 1 << 8;
/// The 4.1 protocol (required).
pub const CLIENT_PROTOCOL_41: u32 = 1 << 9;
/// Interactive timeout instead of wait timeout.
pub const CLIENT_INTERACTIVE: u32 = 1 << 10;
/// TLS is possible / requested.
pub const CLIENT_SSL: u32 = 1 << 11;
/// Ignore SIGPIPE (client-side only).
pub const CLIENT_IGNORE_SIGPIPE: u32 = 1 << 12;
/// Status flags in EOF / OK packets.
pub const CLIENT_TRANSACTIONS: u32 = 1 << 13;
/// Unused.
pub const CLIENT_RESERVED: u32 = 1 << 14;
/// 4.1 authentication (`CLIENT_RESERVED2`).
pub const CLIENT_SECURE_CONNECTION: u32 = 1 << 15;
/// Several statements per COM_QUERY.
pub const CLIENT_MULTI_STATEMENTS: u32 = 1 << 16;
/// Several result sets per COM_QUERY.
pub const CLIENT_MULTI_RESULTS: u32 = 1 << 17;
/// Several result sets per COM_STMT_EXECUTE.
pub const CLIENT_PS_MULTI_RESULTS: u32 = 1 << 18;
/// Authentication plugins.
pub const CLIENT_PLUGIN_AUTH: u32 = 1 << 19;
/// Connection attributes in the handshake response.
pub const CLIENT_CONNECT_ATTRS: u32 = 1 << 20;
/// Length-encoded auth response.
pub const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 1 << 21;
/// The client can handle expired passwords.
pub const CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS: u32 = 1 << 22;
/// Session state tracking in OK packets.
pub const CLIENT_SESSION_TRACK: u32 = 1 << 23;
/// OK packets replace EOF packets.
pub const CLIENT_DEPRECATE_EOF: u32 = 1 << 24;
/// Optional result set metadata (MySQL 8).
pub const CLIENT_OPTIONAL_RESULTSET_METADATA: u32 = 1 << 25;
/// zstd compression (MySQL 8).
pub const CLIENT_ZSTD_COMPRESSION_ALGORITHM: u32 = 1 << 26;
/// Query attributes (MySQL 8).
pub const CLIENT_QUERY_ATTRIBUTES: u32 = 1 << 27;

/// MariaDB: progress reports in ERR packets (extended capability bit 0).
pub const MARIADB_CLIENT_PROGRESS: u32 = 1;
/// MariaDB: COM_STMT_BULK_EXECUTE (extended capability bit 2).
pub const MARIADB_CLIENT_STMT_BULK_OPERATIONS: u32 = 1 << 2;
/// MariaDB: extended type information in column definitions (extended capability bit 3).
pub const MARIADB_CLIENT_EXTENDED_TYPE_INFO: u32 = 1 << 3;
/// MariaDB: metadata caching for prepared statements (extended capability bit 4).
pub const MARIADB_CLIENT_CACHE_METADATA: u32 = 1 << 4;

/// The capabilities this client asks for (intersected with the server's).
///
/// `CLIENT_CONNECT_WITH_DB` is added when a database is configured and `CLIENT_MULTI_STATEMENTS`
/// when multi-statements are enabled (the default).
pub const CLIENT_DEFAULT: u32 = CLIENT_LONG_PASSWORD
    | CLIENT_LONG_FLAG
    | CLIENT_PROTOCOL_41
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_MULTI_RESULTS
    | CLIENT_PS_MULTI_RESULTS
    | CLIENT_PLUGIN_AUTH
    | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
    | CLIENT_CONNECT_ATTRS
    | CLIENT_DEPRECATE_EOF;
