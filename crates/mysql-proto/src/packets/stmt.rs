//! Prepared statement packets: `COM_STMT_PREPARE_OK`, and the `COM_STMT_EXECUTE`,
//! `COM_STMT_SEND_LONG_DATA`, `COM_STMT_CLOSE`, `COM_STMT_RESET` commands.
//!
//! `COM_STMT_PREPARE_OK`: 0x00, `int<4>` statement id, `int<2>` columns, `int<2>` parameters,
//! a filler byte, `int<2>` warnings; then the parameter definitions and the column definitions
//! (each list followed by an EOF packet without `CLIENT_DEPRECATE_EOF`).
//!
//! `COM_STMT_EXECUTE`: 0x17, `int<4>` statement id, `int<1>` flags (0: no cursor), `int<4>`
//! iteration count (1), and with parameters: the NULL bitmap (`(n + 7) / 8` bytes),
//! `int<1>` new-params-bound flag (1), `n` type pairs (`int<1>` type, `int<1>` 0x80 when
//! unsigned), then the non-NULL values (parameters sent as long data are left out).
//!
//! `COM_STMT_BULK_EXECUTE` (MariaDB, `MARIADB_CLIENT_STMT_BULK_OPERATIONS`): 0xfa, `int<4>`
//! statement id, `int<2>` flags (128: types follow), `n` type pairs, then until the end of the
//! packet one group per parameter set: per parameter an `int<1>` indicator (0: a value
//! follows, 1: NULL) and the value. The answer is one OK (affected rows summed) or one ERR.

use crate::codec::{Reader, Writer};
use crate::constants::{ColumnType, Command};
use crate::error::{Error, Result};
use crate::value::binary_row::{param_type, write_value};
use crate::value::{ParamSlice, ValueRef};

/// The parsed `COM_STMT_PREPARE_OK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrepareOk {
    /// The server's statement id.
    pub statement_id: u32,
    /// Number of result columns.
    pub num_columns: u16,
    /// Number of `?` parameters.
    pub num_params: u16,
    /// Warnings.
    pub warnings: u16,
}

impl PrepareOk {
    /// Parses the payload.
    pub fn parse(payload: &[u8]) -> Result<PrepareOk> {
        let mut r = Reader::new(payload);
        if r.u8()? != 0x00 {
            return Err(Error::protocol(
                "COM_STMT_PREPARE_OK without its 0x00 header",
            ));
        }
        let statement_id = r.u32()?;
        let num_columns = r.u16()?;
        let num_params = r.u16()?;
        // The rest (filler, warnings, MySQL's metadata flag) may be absent on old servers.
        let warnings = if r.remaining() >= 3 {
            r.u8()?;
            r.u16()?
        } else {
            0
        };
        Ok(PrepareOk {
            statement_id,
            num_columns,
            num_params,
            warnings,
        })
    }

    /// Encodes the payload (used by the test server).
    pub fn encode(&self, out: &mut Vec<u8>) {
        Writer::new(out)
            .u8(0)
            .u32(self.statement_id)
            .u16(self.num_columns)
            .u16(self.num_params)
            .u8(0)
            .u16(self.warnings);
    }
}

/// Appends a `COM_STMT_EXECUTE` payload for `params`; `long_data[i]` marks parameters whose value
/// was sent with `COM_STMT_SEND_LONG_DATA` (declared, but not repeated here).
pub fn encode_execute(
    statement_id: u32,
    params: ParamSlice<'_>,
    long_data: &[bool],
    out: &mut Vec<u8>,
) {
    encode_execute_with_flags(statement_id, 0, params, long_data, out)
}

/// `CURSOR_TYPE_READ_ONLY`: the execute's flag asking for a server-side cursor.
pub const CURSOR_TYPE_READ_ONLY: u8 = 0x01;

/// [`encode_execute`] with the flags byte (0, or [`CURSOR_TYPE_READ_ONLY`]).
pub fn encode_execute_with_flags(
    statement_id: u32,
    flags: u8,
    params: ParamSlice<'_>,
    long_data: &[bool],
    out: &mut Vec<u8>,
) {
    Writer::new(out)
        .u8(Command::StmtExecute as u8)
        .u32(statement_id)
        .u8(flags)
        .u32(1);
    if params.is_empty() {
        return;
    }
    let bitmap_at = out.len();
    out.resize(bitmap_at + params.len().div_ceil(8), 0);
    for (i, p) in params.iter().enumerate() {
        if matches!(p, ValueRef::Null) {
            out[bitmap_at + i / 8] |= 1 << (i % 8);
        }
    }
    out.push(1);
    for p in params.iter() {
        let (t, unsigned) = param_type(p);
        out.push(t.to_u8());
        out.push(if unsigned { 0x80 } else { 0 });
    }
    for (i, p) in params.iter().enumerate() {
        if !long_data.get(i).copied().unwrap_or(false) {
            write_value(p, out);
        }
    }
}

/// `COM_STMT_BULK_EXECUTE` flag: parameter types follow the header.
pub const BULK_SEND_TYPES_TO_SERVER: u16 = 128;
/// `COM_STMT_BULK_EXECUTE` parameter indicator: a value follows.
pub const BULK_INDICATOR_NONE: u8 = 0;
/// `COM_STMT_BULK_EXECUTE` parameter indicator: the value is NULL.
pub const BULK_INDICATOR_NULL: u8 = 1;

/// A MariaDB `COM_STMT_BULK_EXECUTE` payload being appended, one parameter set at a time: the
/// header first ([`begin`](Self::begin)), then the sets ([`push`](Self::push)) while they fit,
/// then the declared types ([`finish`](Self::finish)). Every set's non-NULL values must keep one
/// type per parameter (the types are declared once, in the header).
#[derive(Debug)]
pub struct BulkExecute {
    start: usize,
    types_at: usize,
    max_bytes: usize,
    types: Vec<Option<(ColumnType, bool)>>,
    sets: usize,
}

impl BulkExecute {
    /// Appends the header for a statement of `num_params` parameters; the payload takes sets
    /// until it reaches `max_bytes` (the first set always goes in).
    pub fn begin(
        statement_id: u32,
        num_params: usize,
        max_bytes: usize,
        out: &mut Vec<u8>,
    ) -> Self {
        let start = out.len();
        Writer::new(out)
            .u8(Command::StmtBulkExecute as u8)
            .u32(statement_id)
            .u16(BULK_SEND_TYPES_TO_SERVER);
        let types_at = out.len();
        out.resize(types_at + 2 * num_params, 0);
        BulkExecute {
            start,
            types_at,
            max_bytes,
            types: vec![None; num_params],
            sets: 0,
        }
    }

    /// Appends one parameter set and returns `true`; returns `false`, appending nothing, when
    /// the payload is full or a value's type differs from the one an earlier set declared (the
    /// set then starts the next command). The caller checks that `set` has `num_params`
    /// values.
    pub fn push(&mut self, set: ParamSlice<'_>, out: &mut Vec<u8>) -> bool {
        if self.sets > 0 {
            let full = out.len() - self.start >= self.max_bytes;
            let conflict = set.iter().zip(&self.types).any(|(v, t)| match (v, t) {
                (ValueRef::Null, _) | (_, None) => false,
                (v, Some(t)) => param_type(v) != *t,
            });
            if full || conflict {
                return false;
            }
        }
        for (v, t) in set.iter().zip(self.types.iter_mut()) {
            if matches!(v, ValueRef::Null) {
                out.push(BULK_INDICATOR_NULL);
            } else {
                t.get_or_insert_with(|| param_type(v));
                out.push(BULK_INDICATOR_NONE);
                write_value(v, out);
            }
        }
        self.sets += 1;
        true
    }

    /// The number of sets appended so far.
    pub fn sets(&self) -> usize {
        self.sets
    }

    /// Writes the declared types into the header; returns the number of sets.
    pub fn finish(self, out: &mut [u8]) -> usize {
        for (i, t) in self.types.iter().enumerate() {
            // A parameter NULL in every set still needs a type; any string type will do.
            let (code, unsigned) = t.unwrap_or((ColumnType::VarString, false));
            out[self.types_at + 2 * i] = code.to_u8();
            out[self.types_at + 2 * i + 1] = if unsigned { 0x80 } else { 0 };
        }
        self.sets
    }
}

/// Appends a `COM_STMT_SEND_LONG_DATA` payload: a chunk of parameter `param`'s value.
pub fn encode_send_long_data(statement_id: u32, param: u16, chunk: &[u8], out: &mut Vec<u8>) {
    Writer::new(out)
        .u8(Command::StmtSendLongData as u8)
        .u32(statement_id)
        .u16(param)
        .bytes(chunk);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn prepare_ok_vectors() {
        // misc_packets.json, rust_mysql_common should_parse_stmt_packet SP and SP_2.
        let p = PrepareOk::parse(&[0, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            (p.statement_id, p.num_columns, p.num_params, p.warnings),
            (1, 1, 2, 0)
        );
        let p = PrepareOk::parse(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!((p.num_columns, p.num_params), (0, 0));
        assert!(PrepareOk::parse(&[0, 1, 0]).is_err());
    }

    #[test]
    fn execute_layout() {
        let mut out = Vec::new();
        encode_execute(
            7,
            ParamSlice::Values(&[Value::Int(-1), Value::Null, Value::Bytes(b"ab".to_vec())]),
            &[],
            &mut out,
        );
        assert_eq!(
            out,
            [
                0x17, 7, 0, 0, 0, 0, 1, 0, 0, 0, // header
                0b010, 1, // NULL bitmap, new params bound
                8, 0, 6, 0, 253, 0, // types
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, b'a', b'b',
            ]
        );
    }
}
