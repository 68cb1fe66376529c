//! Column types (`MYSQL_TYPE_*`) and column definition flags.

/// The type byte of a column definition (`enum_field_types`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `MYSQL_TYPE_DECIMAL` (old).
    Decimal,
    /// `MYSQL_TYPE_TINY`.
    Tiny,
    /// `MYSQL_TYPE_SHORT`.
    Short,
    /// `MYSQL_TYPE_LONG`.
    Long,
    /// `MYSQL_TYPE_FLOAT`.
    Float,
    /// `MYSQL_TYPE_DOUBLE`.
    Double,
    /// `MYSQL_TYPE_NULL`.
    Null,
    /// `MYSQL_TYPE_TIMESTAMP`.
    Timestamp,
    /// `MYSQL_TYPE_LONGLONG`.
    LongLong,
    /// `MYSQL_TYPE_INT24`.
    Int24,
    /// `MYSQL_TYPE_DATE`.
    Date,
    /// `MYSQL_TYPE_TIME`.
    Time,
    /// `MYSQL_TYPE_DATETIME`.
    DateTime,
    /// `MYSQL_TYPE_YEAR`.
    Year,
    /// `MYSQL_TYPE_NEWDATE`.
    NewDate,
    /// `MYSQL_TYPE_VARCHAR`.
    VarChar,
    /// `MYSQL_TYPE_BIT`.
    Bit,
    /// `MYSQL_TYPE_TIMESTAMP2`.
    Timestamp2,
    /// `MYSQL_TYPE_DATETIME2`.
    DateTime2,
    /// `MYSQL_TYPE_TIME2`.
    Time2,
    /// `MYSQL_TYPE_VECTOR` (MySQL 9).
    Vector,
    /// `MYSQL_TYPE_JSON` (MySQL; MariaDB sends JSON as a BLOB).
    Json,
    /// `MYSQL_TYPE_NEWDECIMAL`.
    NewDecimal,
    /// `MYSQL_TYPE_ENUM`.
    Enum,
    /// `MYSQL_TYPE_SET`.
    Set,
    /// `MYSQL_TYPE_TINY_BLOB`.
    TinyBlob,
    /// `MYSQL_TYPE_MEDIUM_BLOB`.
    MediumBlob,
    /// `MYSQL_TYPE_LONG_BLOB`.
    LongBlob,
    /// `MYSQL_TYPE_BLOB`.
    Blob,
    /// `MYSQL_TYPE_VAR_STRING`.
    VarString,
    /// `MYSQL_TYPE_STRING`.
    String,
    /// `MYSQL_TYPE_GEOMETRY`.
    Geometry,
    /// A type byte this client does not know; its text value is still readable.
    Unknown(u8),
}

impl ColumnType {
    /// Maps the wire byte to a type.
    pub fn from_u8(b: u8) -> ColumnType {
        use ColumnType::*;
        match b {
            0 => Decimal,
            1 => Tiny,
            2 => Short,
            3 => Long,
            4 => Float,
            5 => Double,
            6 => Null,
            7 => Timestamp,
            8 => LongLong,
            9 => Int24,
            10 => Date,
            11 => Time,
            12 => DateTime,
            13 => Year,
            14 => NewDate,
            15 => VarChar,
            16 => Bit,
            17 => Timestamp2,
            18 => DateTime2,
            19 => Time2,
            242 => Vector,
            245 => Json,
            246 => NewDecimal,
            247 => Enum,
            248 => Set,
            249 => TinyBlob,
            250 => MediumBlob,
            251 => LongBlob,
            252 => Blob,
            253 => VarString,
            254 => String,
            255 => Geometry,
            other => Unknown(other),
        }
    }

    /// The wire byte of this type.
    pub fn to_u8(self) -> u8 {
        use ColumnType::*;
        match self {
            Decimal => 0,
            Tiny => 1,
            Short => 2,
            Long => 3,
            Float => 4,
            Double => 5,
            Null => 6,
            Timestamp => 7,
            LongLong => 8,
            Int24 => 9,
            Date => 10,
            Time => 11,
            DateTime => 12,
            Year => 13,
            NewDate => 14,
            VarChar => 15,
            Bit => 16,
            Timestamp2 => 17,
            DateTime2 => 18,
            Time2 => 19,
            Vector => 242,
            Json => 245,
            NewDecimal => 246,
            Enum => 247,
            Set => 248,
            TinyBlob => 249,
            MediumBlob => 250,
            LongBlob => 251,
            Blob => 252,
            VarString => 253,
            String => 254,
            Geometry => 255,
            Unknown(b) => b,
        }
    }

    /// The SQL-ish name used in conversion error messages.
    pub fn name(self) -> &'static str {
        use ColumnType::*;
        match self {
            Decimal | NewDecimal => "DECIMAL",
            Tiny => "TINYINT",
            Short => "SMALLINT",
            Long => "INT",
            Float => "FLOAT",
            Double => "DOUBLE",
            Null => "NULL",
            Timestamp | Timestamp2 => "TIMESTAMP",
            LongLong => "BIGINT",
            Int24 => "MEDIUMINT",
            Date | NewDate => "DATE",
            Time | Time2 => "TIME",
            DateTime | DateTime2 => "DATETIME",
            Year => "YEAR",
            VarChar | VarString => "VARCHAR",
            Bit => "BIT",
            Vector => "VECTOR",
            Json => "JSON",
            Enum => "ENUM",
            Set => "SET",
            TinyBlob | MediumBlob | LongBlob | Blob => "BLOB",
            String => "CHAR",
            Geometry => "GEOMETRY",
            Unknown(_) => "UNKNOWN",
        }
    }
}

/// The `flags` field of a column definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ColumnFlags(pub u16);

impl ColumnFlags {
    /// `NOT_NULL_FLAG`.
    pub const NOT_NULL: u16 = 1;
    /// `PRI_KEY_FLAG`.
    pub const PRIMARY_KEY: u16 = 2;
    /// `UNIQUE_KEY_FLAG`.
    pub const UNIQUE_KEY: u16 = 4;
    /// `MULTIPLE_KEY_FLAG`.
    pub const MULTIPLE_KEY: u16 = 8;
    /// `BLOB_FLAG`.
    pub const BLOB: u16 = 16;
    /// `UNSIGNED_FLAG`.
    pub const UNSIGNED: u16 = 32;
    /// `ZEROFILL_FLAG`.
    pub const ZEROFILL: u16 = 64;
    /// `BINARY_FLAG`.
    pub const BINARY: u16 = 128;
    /// `ENUM_FLAG`.
    pub const ENUM: u16 = 256;
    /// `AUTO_INCREMENT_FLAG`.
    pub const AUTO_INCREMENT: u16 = 512;
    /// `TIMESTAMP_FLAG`.
    pub const TIMESTAMP: u16 = 1024;
    /// `SET_FLAG`.
    pub const SET: u16 = 2048;

    /// Whether every bit of `flag` is set.
    pub fn contains(self, flag: u16) -> bool {
        self.0 & flag == flag
    }
}
