//! `ColumnDefinition41`: the metadata of one result set column.
//!
//! Layout: `string<lenenc>` catalog (`def`), schema, table, org_table, name, org_name; with
//! MariaDB's `MARIADB_CLIENT_EXTENDED_TYPE_INFO` a `string<lenenc>` block of extended metadata;
//! `int<lenenc>` length of the fixed fields (0x0C); `int<2>` character set; `int<4>` column
//! length; `int<1>` type; `int<2>` flags; `int<1>` decimals; 2 filler bytes.

use std::borrow::Cow;
use std::ops::Range;

use crate::codec::{Reader, Writer};
use crate::constants::{ColumnFlags, ColumnType};
use crate::error::{Error, Result};

/// The collation id of binary strings (`binary`, 63): BLOB/BINARY columns and numbers use it.
pub const BINARY_COLLATION: u16 = 63;

/// One column of a result set. Keeps its packet in one allocation; names are borrowed from it.
#[derive(Clone, PartialEq, Eq)]
pub struct Column {
    raw: Box<[u8]>,
    schema: Range<u32>,
    table: Range<u32>,
    org_table: Range<u32>,
    name: Range<u32>,
    org_name: Range<u32>,
    /// The collation id of the column's values (63 = binary).
    pub character_set: u16,
    /// The maximum display length of the column.
    pub column_length: u32,
    /// The column type.
    pub column_type: ColumnType,
    /// The column flags (`UNSIGNED`, `BINARY`, ...).
    pub flags: ColumnFlags,
    /// Number of decimals.
    pub decimals: u8,
}

impl Column {
    /// Parses a column definition payload. `extended_metadata` says whether MariaDB's extended
    /// type info block is present (negotiated `MARIADB_CLIENT_EXTENDED_TYPE_INFO`).
    pub fn parse(payload: &[u8], extended_metadata: bool) -> Result<Column> {
        if payload.len() > u32::MAX as usize {
            return Err(Error::limit("column definition larger than 4 GiB"));
        }
        let mut r = Reader::new(payload);
        let field = |r: &mut Reader<'_>| -> Result<Range<u32>> {
            let s = r.lenenc_bytes()?;
            let end = r.position() as u32;
            Ok(end - s.len() as u32..end)
        };
        let _catalog = field(&mut r)?;
        let schema = field(&mut r)?;
        let table = field(&mut r)?;
        let org_table = field(&mut r)?;
        let name = field(&mut r)?;
        let org_name = field(&mut r)?;
        if extended_metadata {
            r.lenenc_bytes()?;
        }
        let fixed_len = r.lenenc_int()?;
        if fixed_len < 0x0a {
            return Err(Error::protocol(format!(
                "column definition with fixed-fields length {fixed_len}"
            )));
        }
        let character_set = r.u16()?;
        let column_length = r.u32()?;
        let column_type = ColumnType::from_u8(r.u8()?);
        let flags = ColumnFlags(r.u16()?);
        let decimals = r.u8()?;
        // The filler (and, after COM_FIELD_LIST, a default value) may follow; ignore it.
        Ok(Column {
            raw: payload.into(),
            schema,
            table,
            org_table,
            name,
            org_name,
            character_set,
            column_length,
            column_type,
            flags,
            decimals,
        })
    }

    /// The column definition payload this column was parsed from.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// Builds a column (used by the test server and by tests).
    pub fn new(name: &str, column_type: ColumnType, character_set: u16, flags: u16) -> Column {
        let mut payload = Vec::new();
        ColumnSpec {
            schema: "test",
            table: "t",
            org_table: "t",
            name,
            org_name: name,
            character_set,
            column_length: 255,
            column_type,
            flags,
            // Floating-point columns of expressions have no fixed number of decimals.
            decimals: if matches!(column_type, ColumnType::Float | ColumnType::Double) {
                31
            } else {
                0
            },
        }
        .encode(&mut payload);
        // Invariant: the payload was just encoded by `ColumnSpec::encode`, which parses.
        Column::parse(&payload, false).expect("encoded column definition parses")
    }

    /// The column name (or alias) as the query named it, bytes as sent.
    pub fn name_bytes(&self) -> &[u8] {
        self.slice(&self.name)
    }

    /// The column name, decoded as UTF-8 (invalid sequences replaced).
    pub fn name(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.name_bytes())
    }

    /// The original column name in its table (empty for expressions).
    pub fn org_name(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.slice(&self.org_name))
    }

    /// The table (or alias) the column comes from.
    pub fn table(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.slice(&self.table))
    }

    /// The original table name.
    pub fn org_table(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.slice(&self.org_table))
    }

    /// The schema (database) of the table.
    pub fn schema(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.slice(&self.schema))
    }

    /// Whether the column is an unsigned number.
    pub fn is_unsigned(&self) -> bool {
        self.flags.contains(ColumnFlags::UNSIGNED)
    }

    /// Whether the column holds binary data (collation `binary`) rather than text.
    pub fn is_binary(&self) -> bool {
        self.character_set == BINARY_COLLATION
    }

    fn slice(&self, r: &Range<u32>) -> &[u8] {
        &self.raw[r.start as usize..r.end as usize]
    }
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column")
            .field("name", &self.name())
            .field("type", &self.column_type)
            .field("character_set", &self.character_set)
            .field("flags", &self.flags)
            .field("decimals", &self.decimals)
            .finish()
    }
}

/// The fields of a column definition to encode (used by the test server).
#[derive(Debug, Clone)]
pub struct ColumnSpec<'a> {
    /// Schema name.
    pub schema: &'a str,
    /// Table alias.
    pub table: &'a str,
    /// Table name.
    pub org_table: &'a str,
    /// Column alias.
    pub name: &'a str,
    /// Column name.
    pub org_name: &'a str,
    /// Collation id.
    pub character_set: u16,
    /// Display length.
    pub column_length: u32,
    /// Type.
    pub column_type: ColumnType,
    /// Flags.
    pub flags: u16,
    /// Decimals.
    pub decimals: u8,
}

impl ColumnSpec<'_> {
    /// Encodes a `ColumnDefinition41` payload.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out);
        w.lenenc_bytes(b"def")
            .lenenc_bytes(self.schema.as_bytes())
            .lenenc_bytes(self.table.as_bytes())
            .lenenc_bytes(self.org_table.as_bytes())
            .lenenc_bytes(self.name.as_bytes())
            .lenenc_bytes(self.org_name.as_bytes())
            .u8(0x0c)
            .u16(self.character_set)
            .u32(self.column_length)
            .u8(self.column_type.to_u8())
            .u16(self.flags)
            .u8(self.decimals)
            .u16(0);
    }
}
