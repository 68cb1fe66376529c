//! The typed JSON mapping over the whole type corpus (`integration_tests::corpus`), against
//! the real server: `mysql-rs --json` over the text protocol, `mysql-rs --json --prepared` over
//! the binary protocol and the HTTP gateway (binary protocol, through curl) must give the same
//! JSON for every value, and every JSON value must map back exactly to the text the server
//! itself renders for it (numbers to the same digits, DECIMAL and big integers as exact
//! strings, ISO 8601 date-times, base64 of the exact bytes of binary columns, NULL as null).

use std::process::Command;

use base64::Engine;
use integration_tests::corpus::{setup, DB};
use integration_tests::gateway::Gateway;
use integration_tests::{blocking, url};
use mysql_gateway::Config;
use serde_json::{Map, Value as Json};

const QUERIES: [&str; 5] = [
    "SELECT * FROM ints",
    "SELECT * FROM nums",
    "SELECT * FROM times",
    "SELECT * FROM strs",
    "SELECT NULL AS n, 1.5 AS dec1, -0.0 AS negzero, 1e-7 AS small, ~0 AS maxu, \
     -9223372036854775808 AS mini, 9007199254740993 AS beyond53, 9007199254740992 AS at53, \
     CAST('2020-01-01 10:00:00.5' AS DATETIME(3)) AS dt3, X'00FF' AS bin, _latin1 X'E9' AS latin, \
     CAST(1.5 AS DECIMAL(65,30)) AS d65, CAST(-1 AS UNSIGNED) AS minus1u",
];

fn db_url() -> String {
    url().replace("/test", &format!("/{DB}"))
}

/// `mysql-rs --json` (with `--prepared` when asked): one object per line.
fn cli(sql: &str, prepared: bool) -> Objects {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mysql-rs"));
    cmd.args(["--url", &db_url(), "--json", "-e", sql]);
    if prepared {
        cmd.arg("--prepared");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(Json::Object(m)) => m,
            other => panic!("not a JSON object: {l}: {other:?}"),
        })
        .collect()
}

/// Rows as JSON objects, column name to value.
type Objects = Vec<Map<String, Json>>;

/// The gateway's answer: ((name, SQL type) per column, rows as objects).
fn gateway(g: &Gateway, sql: &str) -> (Vec<(String, String)>, Objects) {
    let body = serde_json::json!({ "sql": sql }).to_string();
    let (status, answer) = g.curl(&body, &[]);
    assert_eq!(status, 200, "{sql}: {answer}");
    let answer: Json = serde_json::from_str(&answer).unwrap();
    let columns: Vec<(String, String)> = answer["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("name"), s("type"))
        })
        .collect();
    let rows = answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let values = r.as_array().unwrap();
            let pairs = columns.iter().zip(values);
            pairs.map(|((n, _), v)| (n.clone(), v.clone())).collect()
        })
        .collect();
    (columns, rows)
}

/// Whether `json`, a value of a column of SQL `type`, stands for exactly `text`, the server's
/// own text for it.
fn maps_back(json: &Json, sql_type: &str, text: Option<&[u8]>) -> bool {
    let Some(text) = text else {
        return json.is_null();
    };
    let s = String::from_utf8_lossy(text);
    let binary = ["BINARY", "VARBINARY", "BLOB", "GEOMETRY"].contains(&sql_type);
    match json {
        Json::Null => false,
        // BIT: the big-endian number of its bytes (a string beyond 2^53).
        Json::Number(_) | Json::String(_) if sql_type == "BIT" => {
            let v = text.iter().fold(0u64, |v, &b| v << 8 | u64::from(b));
            json.as_u64() == Some(v) || json.as_str() == Some(v.to_string().as_str())
        }
        Json::Number(n) if n.is_f64() => s.parse::<f64>().ok() == n.as_f64(),
        // Integers: the same digits (ZEROFILL pads the text with zeros).
        Json::Number(n) => {
            s.trim_start_matches('0').parse::<i128>().unwrap_or(0)
                == n.to_string().parse::<i128>().unwrap()
        }
        Json::String(b64) if binary => {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .as_deref()
                == Some(text)
        }
        Json::String(v)
            if sql_type.starts_with("DATETIME") || sql_type.starts_with("TIMESTAMP") =>
        {
            v.replacen('T', " ", 1) == s
        }
        Json::String(v) => v.as_bytes() == text,
        _ => false,
    }
}

#[test]
fn every_corpus_type_maps_the_same_way_everywhere_and_back_exactly() {
    setup();
    let g = Gateway::start(&db_url(), Config::default());
    let mut server = blocking(&db_url());
    let mut checked = 0;
    for sql in QUERIES {
        let text_rows = cli(sql, false);
        let binary_rows = cli(sql, true);
        let (columns, gateway_rows) = gateway(&g, sql);
        assert_eq!(text_rows, binary_rows, "{sql}: text vs binary protocol");
        assert_eq!(
            text_rows, gateway_rows,
            "{sql}: mysql-rs --json vs the gateway"
        );
        // And back: each value against the server's own text.
        let rows = server.query_rows(sql).unwrap();
        assert_eq!(rows.len(), text_rows.len(), "{sql}");
        for (row, object) in rows.iter().zip(&text_rows) {
            let texts: Vec<Option<Vec<u8>>> = row
                .as_ref()
                .text_values()
                .map(|v| v.map(|b| b.to_vec()))
                .collect();
            for ((name, sql_type), text) in columns.iter().zip(&texts) {
                let json = &object[name];
                assert!(
                    maps_back(json, sql_type, text.as_deref()),
                    "{sql}: column {name} ({sql_type}): {json} is not {:?}",
                    text.as_deref().map(String::from_utf8_lossy)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} values checked");
}
