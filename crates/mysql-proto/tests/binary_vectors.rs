//! The binary-protocol value vectors of `tests/data/binary_protocol_values.json` (boost.mysql's
//! deserialization cases, node-mysql2 and Connector/Python captures) decoded by the core.

use std::sync::Arc;

use mysql_proto::constants::{ColumnFlags, ColumnType};
use mysql_proto::value::binary_row::{check_binary_row, encode_binary_row};
use mysql_proto::{Column, Columns, DateTime, RawValue, RowFormat, RowRef, Time, Value};
use serde_json::Value as Json;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn column(t: ColumnType, unsigned: bool) -> Columns {
    let flags = if unsigned { ColumnFlags::UNSIGNED } else { 0 };
    Arc::from(vec![Column::new("c", t, 63, flags)])
}

/// Decodes one value of type `t` from its encoding, through a whole binary row.
fn decode(t: ColumnType, unsigned: bool, encoded: &[u8], f: impl FnOnce(RawValue<'_>, &Column)) {
    let columns = column(t, unsigned);
    let mut payload = vec![0x00, 0x00];
    payload.extend_from_slice(encoded);
    check_binary_row(&payload, &columns).unwrap_or_else(|e| panic!("{t:?} {encoded:02x?}: {e}"));
    let row = RowRef::with_format(&payload, &columns, RowFormat::Binary);
    f(row.raw(0).unwrap(), &columns[0]);
    // Every truncation is an error, never a panic.
    for cut in 0..payload.len() {
        assert!(check_binary_row(&payload[..cut], &columns).is_err());
    }
}

fn number(expr: &str) -> f64 {
    let e = expr.trim_end_matches('f');
    let e = e
        .strip_prefix("std::uint64_t(")
        .or_else(|| e.strip_prefix("std::int64_t("))
        .map_or(e, |x| x.trim_end_matches(')'));
    if let Some(h) = e.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).unwrap() as f64;
    }
    e.parse().unwrap()
}

#[test]
fn boost_deserialize_cases() {
    let path = format!(
        "{}/tests/data/binary_protocol_values.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut checked = 0;
    for case in v["boost_deserialize"]["cases"].as_array().unwrap() {
        let t = case["column_type"].as_str().unwrap();
        let unsigned = case["unsigned"].as_bool().unwrap();
        let enc = hex(case["encoded_hex"].as_str().unwrap());
        let val = &case["value"];
        let expr = val["cpp_expr"].as_str().unwrap_or("");
        let name = case["name"].as_str().unwrap();
        let ct = match t {
            "tinyint" => ColumnType::Tiny,
            "smallint" => ColumnType::Short,
            "mediumint" => ColumnType::Int24,
            "int_" => ColumnType::Long,
            "bigint" => ColumnType::LongLong,
            "year" => ColumnType::Year,
            "float_" => ColumnType::Float,
            "double_" => ColumnType::Double,
            "bit" => ColumnType::Bit,
            "date" => ColumnType::Date,
            "time" => ColumnType::Time,
            "decimal" => ColumnType::NewDecimal,
            "json" => ColumnType::Json,
            "geometry" => ColumnType::Geometry,
            "enum_" => ColumnType::Enum,
            "set" => ColumnType::Set,
            "blob" | "text" => ColumnType::Blob,
            "unknown" => ColumnType::Unknown(0xf0),
            "char_" | "binary" => ColumnType::String,
            "varchar" | "varbinary" => ColumnType::VarString,
            _ if t.starts_with("datetime") => ColumnType::DateTime,
            other => panic!("unmapped column type {other}"),
        };
        decode(ct, unsigned, &enc, |raw, col| match ct {
            ColumnType::Tiny
            | ColumnType::Short
            | ColumnType::Int24
            | ColumnType::Long
            | ColumnType::LongLong
            | ColumnType::Year => {
                let want = number(expr);
                match raw {
                    RawValue::Int(i) => assert_eq!(i as f64, want, "{name}"),
                    RawValue::UInt(u) => assert_eq!(u as f64, want, "{name}"),
                    other => panic!("{name}: {other:?}"),
                }
            }
            ColumnType::Float => assert_eq!(raw, RawValue::Float(number(expr) as f32), "{name}"),
            ColumnType::Double => assert_eq!(raw, RawValue::Double(number(expr)), "{name}"),
            ColumnType::Bit => {
                let got: u64 = mysql_proto::FromValue::from_value(raw, col).unwrap();
                assert_eq!(got as f64, number(expr), "{name}");
            }
            ColumnType::Date | ColumnType::DateTime => {
                let RawValue::DateTime(d) = raw else {
                    panic!("{name}: {raw:?}")
                };
                let want = if val["zero"].as_bool() == Some(true) {
                    DateTime::default()
                } else {
                    let f: Vec<u64> = val["y_m_d"]
                        .as_array()
                        .or(val["y_mo_d_h_mi_s_us"].as_array())
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap())
                        .collect();
                    let g = |i: usize| f.get(i).copied().unwrap_or(0);
                    DateTime {
                        year: g(0) as u16,
                        month: g(1) as u8,
                        day: g(2) as u8,
                        hour: g(3) as u8,
                        minute: g(4) as u8,
                        second: g(5) as u8,
                        micros: g(6) as u32,
                    }
                };
                assert_eq!(d, want, "{name}");
            }
            ColumnType::Time => {
                let RawValue::Time(t) = raw else {
                    panic!("{name}: {raw:?}")
                };
                let f: Vec<u64> = val["h_m_s_us"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect();
                assert_eq!(t.total_hours(), f[0], "{name}");
                assert_eq!(
                    (t.minutes as u64, t.seconds as u64, t.micros as u64),
                    (f[1], f[2], f[3]),
                    "{name}"
                );
                assert_eq!(t.negative, val["negative"].as_bool().unwrap(), "{name}");
            }
            _ => {
                let RawValue::Bytes(b) = raw else {
                    panic!("{name}: {raw:?}")
                };
                if let Some(s) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                    assert_eq!(b, s.as_bytes(), "{name}");
                } else {
                    assert_eq!(b, &enc[1..], "{name}");
                }
            }
        });
        checked += 1;
    }
    assert_eq!(checked, 94);
}

#[test]
fn connector_python_temporal_cases() {
    let path = format!(
        "{}/tests/data/binary_protocol_values.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cp = &v["mysql_connector_python"];
    let mut n = 0;
    for case in cp["cases"].as_array().unwrap() {
        let enc = hex(case["hex"].as_str().unwrap());
        let text = case["value"].as_str().unwrap();
        let (kind, rest) = text.split_once(' ').unwrap();
        let t = if kind == "DATE" {
            ColumnType::Date
        } else {
            ColumnType::DateTime
        };
        decode(t, false, &enc, |raw, _| {
            let RawValue::DateTime(d) = raw else {
                panic!("{raw:?}")
            };
            assert_eq!(
                DateTime::parse(
                    rest.split(' ')
                        .take(2)
                        .collect::<Vec<_>>()
                        .join(" ")
                        .as_bytes()
                )
                .unwrap(),
                d,
                "{text}"
            );
        });
        n += 1;
    }
    for case in cp["time_cases"].as_array().unwrap() {
        let enc = hex(case["hex"].as_str().unwrap());
        let text = case["value"].as_str().unwrap();
        // "TIME 12:15:30", "TIME +14 days 04:15:30 = 340:15:30", "TIME 123 days 00:45:16 ...":
        // the server's h:mm:ss form is after '=', or the first token, or days * 24 + hours.
        let want = match text.split_once(" = ") {
            Some((_, hms)) => hms.to_string(),
            None => {
                let words: Vec<&str> = text.split_whitespace().collect();
                if words.get(2) == Some(&"days") {
                    let days: u32 = words[1].parse().unwrap();
                    let t = Time::parse(words[3].as_bytes()).unwrap();
                    format!(
                        "{}:{:02}:{:02}",
                        days as u64 * 24 + t.total_hours(),
                        t.minutes,
                        t.seconds
                    )
                } else {
                    words[1].to_string()
                }
            }
        };
        decode(ColumnType::Time, false, &enc, |raw, _| {
            let RawValue::Time(t) = raw else {
                panic!("{raw:?}")
            };
            assert_eq!(Time::parse(want.as_bytes()).unwrap(), t, "{text}");
        });
        n += 1;
    }
    assert!(n >= 6);
}

#[test]
fn encode_decode_round_trip_of_every_value_kind() {
    let values = vec![
        Value::Int(-5),
        Value::UInt(u64::MAX),
        Value::Double(0.25),
        Value::Float(-1.5),
        Value::Bytes(b"x\0y".to_vec()),
        Value::DateTime(DateTime {
            year: 2024,
            month: 2,
            day: 29,
            hour: 1,
            minute: 2,
            second: 3,
            micros: 4,
        }),
        Value::Time(Time {
            negative: true,
            days: 2,
            hours: 3,
            minutes: 4,
            seconds: 5,
            micros: 6,
        }),
        Value::Null,
    ];
    let types = [
        (ColumnType::LongLong, false),
        (ColumnType::LongLong, true),
        (ColumnType::Double, false),
        (ColumnType::Float, false),
        (ColumnType::Blob, false),
        (ColumnType::DateTime, false),
        (ColumnType::Time, false),
        (ColumnType::Long, false),
    ];
    let columns: Columns = Arc::from(
        types
            .iter()
            .map(|(t, u)| Column::new("c", *t, 63, if *u { ColumnFlags::UNSIGNED } else { 0 }))
            .collect::<Vec<_>>(),
    );
    let mut payload = Vec::new();
    encode_binary_row(&values, &mut payload);
    check_binary_row(&payload, &columns).unwrap();
    let row = RowRef::with_format(&payload, &columns, RowFormat::Binary);
    let got: Vec<RawValue<'_>> = row.values().collect();
    assert_eq!(got[0], RawValue::Int(-5));
    assert_eq!(got[1], RawValue::UInt(u64::MAX));
    assert_eq!(got[2], RawValue::Double(0.25));
    assert_eq!(got[3], RawValue::Float(-1.5));
    assert_eq!(got[4], RawValue::Bytes(b"x\0y"));
    assert!(matches!(got[5], RawValue::DateTime(d) if d.micros == 4 && d.day == 29));
    assert!(matches!(got[6], RawValue::Time(t) if t.negative && t.total_hours() == 51));
    assert_eq!(got[7], RawValue::Null);
    let text: Vec<Option<String>> = row
        .text_values()
        .map(|v| v.map(|b| String::from_utf8(b.into_owned()).unwrap()))
        .collect();
    assert_eq!(
        text,
        vec![
            Some("-5".into()),
            Some("18446744073709551615".into()),
            Some("0.25".into()),
            Some("-1.5".into()),
            Some("x\0y".into()),
            Some("2024-02-29 01:02:03".into()),
            Some("-51:04:05".into()),
            None
        ]
    );
}
