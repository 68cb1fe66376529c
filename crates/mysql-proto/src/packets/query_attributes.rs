//! Query attributes (MySQL 8.0.23+, `CLIENT_QUERY_ATTRIBUTES`): named values sent with a
//! statement, readable on the server with `mysql_query_attribute_string('name')` (tracing ids,
//! application tags). MariaDB does not have them.
//!
//! With the capability agreed, every `COM_QUERY` carries them (even none):
//! `0x03`, `int<lenenc>` count, `int<lenenc>` 1 (parameter sets), and with a count above 0 the
//! NULL bitmap, `int<1>` 1 (types follow), per attribute `int<1>` type, `int<1>` flags (0x80
//! unsigned) and `string<lenenc>` name, then the non-NULL values as in the binary protocol;
//! then the SQL text.
//!
//! `COM_STMT_EXECUTE`: after the iteration count, when the statement has parameters or
//! attributes are sent (then with the flag [`PARAMETER_COUNT_AVAILABLE`]), `int<lenenc>`
//! parameters + attributes, the NULL bitmap over both, `int<1>` 1, per parameter its type, flags
//! and name (empty for the statement's `?` parameters), then the values.

use crate::codec::Writer;
use crate::constants::Command;
use crate::value::binary_row::{param_type, write_value};
use crate::value::{ParamSlice, Value, ValueRef};

/// `COM_STMT_EXECUTE` flag: a parameter count follows even for a statement without `?`
/// parameters (so that attributes can be sent).
pub const PARAMETER_COUNT_AVAILABLE: u8 = 0x08;

/// Appends a `COM_QUERY` payload carrying `attributes` (names and values) and `sql`.
pub fn encode_query(sql: &[u8], names: &[String], values: &[Value], out: &mut Vec<u8>) {
    out.push(Command::Query as u8);
    Writer::new(out)
        .lenenc_int(values.len() as u64)
        .lenenc_int(1);
    let none = ParamSlice::Values(&[]);
    bindings(none, ParamSlice::Values(values), names, &[], out);
    out.extend_from_slice(sql);
}

/// Appends a `COM_STMT_EXECUTE` payload for a connection with `CLIENT_QUERY_ATTRIBUTES`:
/// `params` (those flagged in `long_data` were sent before) and the `attributes`.
pub fn encode_execute(
    statement_id: u32,
    flags: u8,
    params: ParamSlice<'_>,
    long_data: &[bool],
    names: &[String],
    values: &[Value],
    out: &mut Vec<u8>,
) {
    let flags = if params.is_empty() && !values.is_empty() {
        flags | PARAMETER_COUNT_AVAILABLE
    } else {
        flags
    };
    Writer::new(out)
        .u8(Command::StmtExecute as u8)
        .u32(statement_id)
        .u8(flags)
        .u32(1);
    if params.is_empty() && values.is_empty() {
        return;
    }
    Writer::new(out).lenenc_int((params.len() + values.len()) as u64);
    bindings(params, ParamSlice::Values(values), names, long_data, out);
}

/// The NULL bitmap, the types with names, and the values of `params` then `attributes`.
fn bindings(
    params: ParamSlice<'_>,
    attributes: ParamSlice<'_>,
    names: &[String],
    long_data: &[bool],
    out: &mut Vec<u8>,
) {
    let n = params.len() + attributes.len();
    if n == 0 {
        return;
    }
    let all = || params.iter().chain(attributes.iter());
    let bitmap_at = out.len();
    out.resize(bitmap_at + n.div_ceil(8), 0);
    for (i, v) in all().enumerate() {
        if matches!(v, ValueRef::Null) {
            out[bitmap_at + i / 8] |= 1 << (i % 8);
        }
    }
    out.push(1);
    let empty = String::new();
    let param_names = std::iter::repeat_n(&empty, params.len());
    for (v, name) in all().zip(param_names.chain(names)) {
        let (t, unsigned) = param_type(v);
        out.push(t.to_u8());
        out.push(if unsigned { 0x80 } else { 0 });
        Writer::new(out).lenenc_bytes(name.as_bytes());
    }
    for (i, v) in all().enumerate() {
        if !long_data.get(i).copied().unwrap_or(false) {
            write_value(v, out);
        }
    }
}
