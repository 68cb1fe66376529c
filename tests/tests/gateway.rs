//! The HTTP/JSON gateway against the test server, called with curl and Python's urllib: the
//! typed JSON mapping of every column type (edge values), parameters, NDJSON streaming,
//! transactions, the bearer token, read-only mode, and every limit and error answered with a
//! 4xx / 5xx status and a JSON body.

use std::time::{Duration, Instant};

use integration_tests::gateway::Gateway;
use integration_tests::{blocking, url};
use mysql_gateway::Config;
use serde_json::{json, Value as Json};

const DB: &str = "rs_gateway";

/// Every column type with edge values, once per process (a server lock guards parallel test
/// processes).
fn setup() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let mut c = blocking(&url());
        c.query_drop("DO GET_LOCK('rs_gateway_setup', 120)")
            .unwrap();
        c.query_drop(SETUP.replace("{DB}", DB)).unwrap();
        c.query_drop("DO RELEASE_LOCK('rs_gateway_setup')").unwrap();
    });
}

const SETUP: &str = r#"
SET SESSION sql_mode = '';
CREATE DATABASE IF NOT EXISTS {DB} CHARACTER SET utf8mb4;
CREATE OR REPLACE TABLE {DB}.types (
  bi BIGINT, biu BIGINT UNSIGNED, i INT, exact BIGINT, past BIGINT, zf INT(6) ZEROFILL, b BOOL,
  d DECIMAL(65,30), d2 DECIMAL(10,2), f FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), y YEAR,
  t TIME, t6 TIME(6), dd DATE, dt6 DATETIME(6), ts TIMESTAMP NULL,
  vc VARCHAR(100) CHARACTER SET utf8mb4, bin VARBINARY(100), bl BLOB, e ENUM('a', 'c d'),
  s SET('x', 'y', 'z'), j JSON, u UUID, g GEOMETRY, n INT);
INSERT INTO {DB}.types VALUES (
  9223372036854775807, 18446744073709551615, -2147483648, 9007199254740992, 9007199254740993,
  42, TRUE,
  '99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99,
  3.40282e38, -1.7976931348623157e308, b'1', 0xFFFFFFFFFFFFFFFF, 2155,
  '-838:59:59', '100:00:00.123456', '2024-02-29', '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07',
  'héllo wörld 😀 日本語', X'00090A5C0D41FF', X'00', 'c d', 'x,z',
  '{"a": [1, 2.5, "x"], "b": null}', '123e4567-e89b-12d3-a456-426614174000',
  ST_GeomFromText('POINT(1 2)'), NULL);
CREATE OR REPLACE TABLE {DB}.items (id INT PRIMARY KEY, name VARCHAR(20));
"#;

fn ok(g: &Gateway, body: Json) -> Json {
    serde_json::from_str(&ok_text(g, body)).unwrap()
}

fn ok_text(g: &Gateway, body: Json) -> String {
    let (status, text) = g.curl(&body.to_string(), &[]);
    assert_eq!(status, 200, "{text}");
    text
}

fn error(status_and_body: (u16, String)) -> (u16, Json) {
    let (status, text) = status_and_body;
    let body: Json =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(body["error"]["kind"].is_string(), "{body}");
    (status, body["error"].clone())
}

#[test]
fn every_type_maps_to_json_without_loss() {
    setup();
    let g = Gateway::start(&url(), Config::default());
    let text = ok_text(&g, json!({ "sql": format!("SELECT * FROM {DB}.types") }));
    assert!(text.contains("3.40282e+38"), "{text}");
    let r: Json = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = r["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let row = &r["rows"][0];
    let cell = |name: &str| &row[names.iter().position(|n| *n == name).unwrap()];
    // Integers: numbers within 2^53, strings beyond.
    assert_eq!(cell("bi"), &json!("9223372036854775807"));
    assert_eq!(cell("biu"), &json!("18446744073709551615"));
    assert_eq!(cell("i"), &json!(-2147483648i64));
    assert_eq!(cell("exact"), &json!(9007199254740992u64));
    assert_eq!(cell("past"), &json!("9007199254740993"));
    assert_eq!(cell("zf"), &json!(42));
    assert_eq!(cell("b"), &json!(1));
    // Exact decimals as strings; floats as the server renders them.
    assert_eq!(
        cell("d"),
        &json!("99999999999999999999999999999999999.999999999999999999999999999999")
    );
    assert_eq!(cell("d2"), &json!("-99999999.99"));
    // (serde_json's reader is not correctly rounded: compare the value, and the text sent.)
    assert!(
        (cell("f").as_f64().unwrap() / 3.40282e38 - 1.0).abs() < 1e-15,
        "{}",
        cell("f")
    );
    assert_eq!(cell("db"), &json!(-1.7976931348623157e308));
    assert_eq!(cell("b1"), &json!(1));
    assert_eq!(cell("b64"), &json!("18446744073709551615"));
    assert_eq!(cell("y"), &json!(2155));
    // Temporal values: ISO 8601, TIME as a duration.
    assert_eq!(cell("t"), &json!("-838:59:59"));
    assert_eq!(cell("t6"), &json!("100:00:00.123456"));
    assert_eq!(cell("dd"), &json!("2024-02-29"));
    assert_eq!(cell("dt6"), &json!("9999-12-31T23:59:59.999999"));
    assert_eq!(cell("ts"), &json!("2038-01-19T03:14:07"));
    // Text as strings, binary as base64.
    assert_eq!(cell("vc"), &json!("héllo wörld 😀 日本語"));
    assert_eq!(cell("bin"), &json!("AAkKXA1B/w=="));
    assert_eq!(cell("bl"), &json!("AA=="));
    assert_eq!(cell("e"), &json!("c d"));
    assert_eq!(cell("s"), &json!("x,z"));
    assert_eq!(cell("j"), &json!(r#"{"a": [1, 2.5, "x"], "b": null}"#));
    assert_eq!(cell("u"), &json!("123e4567-e89b-12d3-a456-426614174000"));
    assert_eq!(cell("g"), &json!("AAAAAAEBAAAAAAAAAAAA8D8AAAAAAAAAQA=="));
    assert_eq!(cell("n"), &Json::Null);
    let types: Vec<&str> = r["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(&types[..3], ["BIGINT", "BIGINT UNSIGNED", "INT"]);
    assert_eq!(
        types[names.iter().position(|n| *n == "bin").unwrap()],
        "VARBINARY"
    );
    // Parameters: typed both ways.
    let r = ok(
        &g,
        json!({"sql": "SELECT ?, ?, ?, ?, ?, CAST(? AS UNSIGNED)", "params": [null, true, 9007199254740993u64, 1.5, "é", "18446744073709551615"]}),
    );
    assert_eq!(
        r["rows"][0],
        json!([
            null,
            1,
            "9007199254740993",
            1.5,
            "é",
            "18446744073709551615"
        ])
    );
}

#[test]
fn writes_transactions_and_errors() {
    setup();
    let g = Gateway::start(&url(), Config::default());
    let t = format!("{DB}.items");
    ok(
        &g,
        json!({"sql": format!("DELETE FROM {t} WHERE id >= 100")}),
    );
    let r = ok(
        &g,
        json!({"sql": format!("INSERT INTO {t} VALUES (?, ?), (?, ?)"), "params": [100, "a", 101, "b"]}),
    );
    assert_eq!(r["affected_rows"], json!(2));
    // Several statements: one transaction; a failure rolls all of it back and names the step.
    let (status, e) = error(
        g.curl(
            &json!({"statements": [
                {"sql": format!("INSERT INTO {t} VALUES (?, ?)"), "params": [102, "c"]},
                {"sql": format!("INSERT INTO {t} VALUES (?, ?)"), "params": [100, "duplicate"]},
            ]})
            .to_string(),
            &[],
        ),
    );
    assert_eq!(
        (
            status,
            e["kind"].as_str(),
            e["code"].as_u64(),
            e["statement"].as_u64()
        ),
        (400, Some("server"), Some(1062), Some(1))
    );
    let r = ok(
        &g,
        json!({"sql": format!("SELECT COUNT(*) FROM {t} WHERE id >= 100")}),
    );
    assert_eq!(
        r["rows"][0][0],
        json!(2),
        "the first insert was rolled back"
    );
    let r = ok(
        &g,
        json!({"statements": [
            {"sql": format!("INSERT INTO {t} VALUES (?, ?)"), "params": [102, "c"]},
            {"sql": format!("SELECT name FROM {t} WHERE id = ?"), "params": [102]},
        ]}),
    );
    assert_eq!(r["results"][1]["rows"], json!([["c"]]));
    // Malformed JSON, a wrong shape, unknown fields, SQL errors: 400 with a JSON body.
    for (body, kind) in [
        ("{\"sql\": ", "bad_request"),
        ("[1, 2]", "bad_request"),
        ("{\"sql\": \"SELECT 1\", \"bogus\": 1}", "bad_request"),
        ("{\"statements\": []}", "bad_request"),
        ("{\"sql\": \"SELECT * FROM no_such_table\"}", "server"),
        ("{\"sql\": \"SELECT ?\", \"params\": []}", "bad_request"),
    ] {
        let (status, e) = error(g.curl(body, &[]));
        assert_eq!(
            (status, e["kind"].as_str()),
            (400, Some(kind)),
            "{body}: {e}"
        );
    }
    // Python's urllib gets the same answers.
    let (status, body) = g.python(&json!({"sql": "SELECT 1 + 1 AS two"}).to_string(), &[]);
    assert_eq!(status, 200);
    let r: Json = serde_json::from_str(&body).unwrap();
    assert_eq!(r["rows"], json!([[2]]));
    let (status, e) = error(g.python("not json", &[]));
    assert_eq!((status, e["kind"].as_str()), (400, Some("bad_request")));
}

#[test]
fn results_stream_as_ndjson() {
    let g = Gateway::start(&url(), Config::default());
    let body = json!({"sql": "SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000 WHERE seq > ?", "params": [1000], "stream": true});
    let (status, text) = g.python(&body.to_string(), &[]);
    assert_eq!(status, 200);
    let lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4002);
    assert_eq!(lines[0]["columns"][1]["name"], json!("CONCAT('row ', seq)"));
    assert_eq!(lines[1], json!([1001, "row 1001"]));
    assert_eq!(lines[4000], json!([5000, "row 5000"]));
    assert_eq!(lines[4001]["row_count"], json!(4000));
    // The Accept header asks for it too; an error after the header line ends the stream.
    let (status, text) = g.curl(
        &json!({"sql": "SELECT * FROM no_such_table"}).to_string(),
        &["-H", "accept: application/x-ndjson"],
    );
    assert_eq!(status, 200);
    let last: Json = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["error"]["code"], json!(1146), "{text}");
}

#[test]
fn token_read_only_and_limits() {
    setup();
    let config = Config {
        token: Some("s3cret".into()),
        read_only: true,
        max_rows: 10,
        max_body: 200,
        timeout: Duration::from_secs(1),
    };
    let g = Gateway::start(&url(), config);
    let select = json!({"sql": "SELECT seq FROM seq_1_to_10"}).to_string();
    let auth = ["-H", "authorization: Bearer s3cret"];
    for headers in [
        &[][..],
        &["-H", "authorization: Bearer wrong"][..],
        &["-H", "authorization: s3cret"][..],
    ] {
        let (status, e) = error(g.curl(&select, headers));
        assert_eq!((status, e["kind"].as_str()), (401, Some("unauthorized")));
    }
    let (status, _) = g.curl(&select, &auth);
    assert_eq!(status, 200);
    let (status, body) = g.python(&select, &[("Authorization", "Bearer s3cret")]);
    assert_eq!(status, 200, "{body}");
    // Read-only: writes are refused by the server inside READ ONLY transactions.
    let insert = json!({"sql": format!("INSERT INTO {DB}.items VALUES (900, 'x')")}).to_string();
    let (status, e) = error(g.curl(&insert, &auth));
    assert_eq!(
        (status, e["kind"].as_str()),
        (403, Some("read_only")),
        "{e}"
    );
    // Rows: 11 do not fit a buffered answer; streamed they do.
    let eleven = json!({"sql": "SELECT seq FROM seq_1_to_11"}).to_string();
    let (status, e) = error(g.curl(&eleven, &auth));
    assert_eq!((status, e["kind"].as_str()), (413, Some("row_limit")));
    let (status, text) = g.curl(
        &json!({"sql": "SELECT seq FROM seq_1_to_11", "stream": true}).to_string(),
        &auth,
    );
    assert_eq!((status, text.lines().count()), (200, 13));
    // Body size.
    let big = json!({"sql": format!("SELECT '{}'", "x".repeat(300))}).to_string();
    let (status, e) = error(g.curl(&big, &auth));
    assert_eq!((status, e["kind"].as_str()), (413, Some("too_large")));
    // Time: the statement is killed on the server after 1 s.
    let started = Instant::now();
    let (status, e) = error(g.curl(&json!({"sql": "SELECT SLEEP(20)"}).to_string(), &auth));
    assert_eq!((status, e["kind"].as_str()), (504, Some("timeout")), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let mut c = blocking(&url());
    let running: Vec<(i64,)> = c
        .query_collect(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(20)'",
        )
        .unwrap();
    assert_eq!(running, vec![(0,)], "the statement is gone from the server");
}
