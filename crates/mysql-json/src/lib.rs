//! The typed JSON mapping of MySQL / MariaDB values, both ways, losing nothing. The HTTP
//! gateway (`mysql-gateway`) answers with it and `mysql-rs --json` prints it:
//!
//! | column | JSON |
//! |---|---|
//! | NULL | `null` |
//! | integers, YEAR | a number within ±2^53 (exact in every JSON reader), else a string |
//! | FLOAT, DOUBLE | a number (a string for NaN / infinities, which JSON lacks) |
//! | DECIMAL | a string (exact digits) |
//! | DATE | `"2026-12-02"` |
//! | DATETIME, TIMESTAMP | ISO 8601 without zone: `"2026-12-02T10:11:12.500000"` |
//! | TIME | `"[-]HHH:MM:SS[.ffffff]"` (a duration, may exceed 24 h) |
//! | BIT | a number (as integers) |
//! | text (CHAR, VARCHAR, TEXT, ENUM, SET, JSON) | a string |
//! | binary (BINARY, VARBINARY, BLOB, GEOMETRY: character set 63) | base64 (standard alphabet) |
//!
//! Parameters: `null` → NULL, `true`/`false` → 1/0, integers → BIGINT (unsigned above
//! `i64::MAX`), other numbers → DOUBLE, strings → strings; arrays and objects are sent as JSON
//! text.

use base64::Engine;
use mysql_proto::binlog::{BinlogColumn, BinlogEvent, EventData, RowsKind, TableMap};
use mysql_proto::{Column, ColumnFlags, ColumnType, Error, RawValue, RowRef, Value};
use serde_json::{Map, Number, Value as Json};

/// The character set id of binary strings.
const BINARY_CHARSET: u16 = 63;
/// The largest integer every JSON reader holds exactly (2^53).
const MAX_EXACT: u64 = 1 << 53;

/// A column as the gateway describes it: name and SQL type (`BIGINT UNSIGNED`, `VARBINARY`,
/// `TEXT`, `ENUM`, ...).
pub fn column(c: &Column) -> Json {
    use ColumnType as T;
    let binary = c.character_set == BINARY_CHARSET;
    let t = match c.column_type {
        _ if c.flags.contains(ColumnFlags::ENUM) => "ENUM".to_string(),
        _ if c.flags.contains(ColumnFlags::SET) => "SET".to_string(),
        T::String if binary => "BINARY".into(),
        T::VarChar | T::VarString if binary => "VARBINARY".into(),
        T::TinyBlob | T::MediumBlob | T::LongBlob | T::Blob if !binary => "TEXT".into(),
        t @ (T::Tiny
        | T::Short
        | T::Long
        | T::LongLong
        | T::Int24
        | T::Float
        | T::Double
        | T::Decimal
        | T::NewDecimal)
            if c.flags.contains(ColumnFlags::UNSIGNED) =>
        {
            format!("{} UNSIGNED", t.name())
        }
        t => t.name().to_string(),
    };
    let mut m = Map::new();
    m.insert("name".into(), Json::String(c.name().into_owned()));
    m.insert("type".into(), Json::String(t));
    Json::Object(m)
}

fn is_stringy(t: ColumnType) -> bool {
    use ColumnType::*;
    matches!(
        t,
        String | VarChar | VarString | TinyBlob | MediumBlob | LongBlob | Blob | Geometry
    )
}

/// The columns of a result (none for a statement without one).
pub fn columns(columns: Option<&mysql_proto::Columns>) -> Vec<Json> {
    columns.map_or_else(Vec::new, |c| c.iter().map(column).collect())
}

/// A statement's parameters from their JSON list.
pub fn params(list: &[Json]) -> Vec<Value> {
    list.iter().map(param).collect()
}

/// A row as a JSON array, one element per column.
pub fn row(row: RowRef<'_>) -> Result<Json, Error> {
    let columns = row.columns();
    let mut out = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        out.push(value(row.raw(i)?, c));
    }
    Ok(Json::Array(out))
}

/// A row as one JSON object in text, `{"column":value,...}`, in column order. Written as text
/// rather than through a map, so that nothing is lost: the columns keep their order, and a
/// name that two columns share appears twice, as in the result.
///
/// Fails only when the row's bytes do not match its columns (a protocol error).
pub fn object_text(row: RowRef<'_>) -> Result<String, Error> {
    let columns = row.columns();
    let mut out = String::from("{");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Json::String(c.name().into_owned()).to_string());
        out.push(':');
        out.push_str(&value(row.raw(i)?, c).to_string());
    }
    out.push('}');
    Ok(out)
}

/// One value of `column` (see the module docs).
pub fn value(v: RawValue<'_>, column: &Column) -> Json {
    match v {
        RawValue::Null => Json::Null,
        RawValue::Int(i) => integer(i.unsigned_abs() <= MAX_EXACT, i.into(), || i.to_string()),
        RawValue::UInt(u) => integer(u <= MAX_EXACT, u.into(), || u.to_string()),
        // As the server renders a FLOAT (6 significant digits), read back as a double.
        RawValue::Float(_) => match mysql_proto::value::to_text(v, column) {
            Some(t) => std::str::from_utf8(&t)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .map_or(Json::Null, float),
            None => Json::Null,
        },
        RawValue::Double(d) => float(d),
        RawValue::DateTime(_) | RawValue::Time(_) => {
            let text = mysql_proto::value::to_text(v, column).unwrap_or_default();
            let s = String::from_utf8_lossy(&text).into_owned();
            // DATETIME / TIMESTAMP: ISO 8601 puts a `T` between date and time.
            Json::String(match column.column_type {
                ColumnType::Time | ColumnType::Time2 => s,
                _ => s.replacen(' ', "T", 1),
            })
        }
        RawValue::Bytes(b) | RawValue::Text(b) => bytes(b, column),
        // A kind of value added later: as the server would render it.
        other => match mysql_proto::value::to_text(other, column) {
            Some(t) => Json::String(String::from_utf8_lossy(&t).into_owned()),
            None => Json::Null,
        },
    }
}

/// A value the server sent as bytes (text protocol, or strings in the binary one).
fn bytes(b: &[u8], column: &Column) -> Json {
    use ColumnType as T;
    let text = || std::string::String::from_utf8_lossy(b).into_owned();
    match column.column_type {
        T::Bit => {
            let n = b.iter().take(8).fold(0u64, |n, &x| n << 8 | u64::from(x));
            integer(n <= MAX_EXACT, n.into(), || n.to_string())
        }
        T::Tiny | T::Short | T::Long | T::LongLong | T::Int24 | T::Year => {
            match text().parse::<i64>() {
                Ok(i) => integer(i.unsigned_abs() <= MAX_EXACT, i.into(), text),
                Err(_) => match text().parse::<u64>() {
                    Ok(u) => integer(u <= MAX_EXACT, u.into(), text),
                    Err(_) => Json::String(text()),
                },
            }
        }
        T::Float | T::Double => text()
            .parse::<f64>()
            .map_or_else(|_| Json::String(text()), float),
        T::Date | T::NewDate | T::Time | T::Time2 => Json::String(text()),
        T::DateTime | T::DateTime2 | T::Timestamp | T::Timestamp2 => {
            Json::String(text().replacen(' ', "T", 1))
        }
        t if is_stringy(t) && column.character_set == BINARY_CHARSET => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        _ => Json::String(text()),
    }
}

/// What `mysql-rs --binlog` prints of a binlog event, one JSON object per line: a row change
/// per object (`"event"`: `insert`, `update`, `delete`, with `schema`, `table` and the row
/// `before` and / or `after`), statements (`query`, `annotate`), transactions (`gtid`,
/// `commit`) and `rotate`; each with the event's `time` (seconds since the epoch) and `pos`
/// (where the next event starts). Nothing for the events that only serve decoding (format
/// description, table maps) or liveness (heartbeats).
///
/// A row is an object keyed by column name when the log names the columns
/// (`binlog_row_metadata = FULL`), else an array in table order; a column the row image leaves
/// out is absent (object) or `null` (array). Values as [`binlog_value`].
pub fn binlog_event(e: &BinlogEvent) -> Vec<Json> {
    let mut out = Vec::new();
    let mut push = |event: &str, fields: Vec<(&str, Json)>| {
        let mut m = Map::new();
        m.insert("event".into(), Json::String(event.into()));
        for (k, v) in fields {
            m.insert(k.into(), v);
        }
        m.insert("time".into(), e.header.timestamp.into());
        m.insert("pos".into(), e.header.log_pos.into());
        out.push(Json::Object(m));
    };
    match &e.data {
        EventData::Rows(r) => {
            let kind = match r.kind {
                RowsKind::Insert => "insert",
                RowsKind::Update => "update",
                RowsKind::Delete => "delete",
            };
            for change in &r.rows {
                let mut fields = vec![
                    ("schema", Json::String(r.table.schema.clone())),
                    ("table", Json::String(r.table.table.clone())),
                ];
                if let Some(before) = &change.before {
                    fields.push(("before", binlog_row(before, &r.table)));
                }
                if let Some(after) = &change.after {
                    fields.push(("after", binlog_row(after, &r.table)));
                }
                push(kind, fields);
            }
        }
        EventData::Query(q) => push(
            "query",
            vec![
                ("schema", Json::String(q.schema.clone())),
                ("sql", Json::String(q.sql.clone())),
            ],
        ),
        EventData::AnnotateRows { sql } => {
            push("annotate", vec![("sql", Json::String(sql.clone()))])
        }
        EventData::Gtid(g) => push("gtid", vec![("gtid", Json::String(g.to_string()))]),
        EventData::MySqlGtid(g) => push("gtid", vec![("gtid", Json::String(g.to_string()))]),
        EventData::Xid { xid } => push("commit", vec![("xid", (*xid).into())]),
        EventData::Rotate {
            position,
            next_file,
        } => push(
            "rotate",
            vec![
                ("file", Json::String(next_file.clone())),
                ("position", (*position).into()),
            ],
        ),
        _ => {}
    }
    out
}

/// A row image of `table`.
fn binlog_row(values: &[Option<Value>], table: &TableMap) -> Json {
    let named = table.columns.iter().all(|c| !c.name.is_empty());
    if named {
        let mut m = Map::new();
        for (v, c) in values.iter().zip(&table.columns) {
            if let Some(v) = v {
                m.insert(c.name.clone(), binlog_value(v, c));
            }
        }
        Json::Object(m)
    } else {
        values
            .iter()
            .zip(&table.columns)
            .map(|(v, c)| v.as_ref().map_or(Json::Null, |v| binlog_value(v, c)))
            .collect()
    }
}

/// A value of a binlog row event, as the module docs map values, with what the log leaves out:
/// an unsigned column reads signed unless the log says it is unsigned
/// (`binlog_row_metadata = FULL`); ENUM and SET are their index and bit mask; and since the log
/// names no character sets, bytes that are valid UTF-8 are a string and others
/// `{"base64": "..."}`.
pub fn binlog_value(v: &Value, column: &BinlogColumn) -> Json {
    let digits = (column.metadata as u8).min(6);
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => integer(i.unsigned_abs() <= MAX_EXACT, (*i).into(), || i.to_string()),
        Value::UInt(u) => integer(*u <= MAX_EXACT, (*u).into(), || u.to_string()),
        Value::Float(f) => float(f64::from(*f)),
        Value::Double(d) => float(*d),
        Value::DateTime(d) => Json::String(match column.column_type {
            ColumnType::Date | ColumnType::NewDate => d.format(false, 0),
            ColumnType::DateTime2 | ColumnType::Timestamp2 => {
                d.format(true, digits).replacen(' ', "T", 1)
            }
            _ => d.format(true, 0).replacen(' ', "T", 1),
        }),
        Value::Time(t) => Json::String(match column.column_type {
            ColumnType::Time2 => t.format(digits),
            _ => t.format(0),
        }),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => Json::String(s.to_string()),
            Err(_) => {
                let mut m = Map::new();
                let encoded = base64::engine::general_purpose::STANDARD.encode(b);
                m.insert("base64".into(), Json::String(encoded));
                Json::Object(m)
            }
        },
        // A kind of value added later: its debug form rather than nothing.
        other => Json::String(format!("{other:?}")),
    }
}

fn integer(exact: bool, n: Number, text: impl FnOnce() -> String) -> Json {
    if exact {
        Json::Number(n)
    } else {
        Json::String(text())
    }
}

fn float(f: f64) -> Json {
    Number::from_f64(f).map_or_else(|| Json::String(f.to_string()), Json::Number)
}

/// A statement parameter from JSON (see the module docs).
pub fn param(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Int(i64::from(*b)),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            (None, Some(u), _) => Value::UInt(u),
            (_, _, Some(f)) => Value::Double(f),
            _ => Value::Bytes(n.to_string().into_bytes()),
        },
        Json::String(s) => Value::Bytes(s.clone().into_bytes()),
        other => Value::Bytes(other.to_string().into_bytes()),
    }
}
