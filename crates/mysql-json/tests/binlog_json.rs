//! `binlog_event` on the events MariaDB 10.11 logged for the binlog fixture
//! (`mysql-proto/tests/data/binlog-events.bin`, see `mysql_proto::testing::binlog_fixture`).

use mysql_proto::binlog::BinlogStream;
use serde_json::{json, Value as Json};

const FIXTURE: &[u8] = include_bytes!("../../mysql-proto/tests/data/binlog-events.bin");

/// Every JSON object the fixture's events give, in order.
fn lines() -> Vec<Json> {
    let mut stream = BinlogStream::new(true);
    let mut rest = FIXTURE;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let size = u32::from_le_bytes(rest[9..13].try_into().unwrap()) as usize;
        let event = stream.decode(&rest[..size]).unwrap();
        out.extend(mysql_json::binlog_event(&event));
        rest = &rest[size..];
    }
    out
}

#[test]
fn row_changes_print_as_typed_json() {
    let lines = lines();
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    // Per transaction: its GTID, the statement (MariaDB annotates row events with it), the rows.
    assert_eq!(
        events,
        [
            "gtid", "query", "gtid", "annotate", "insert", "commit", "gtid", "annotate", "update",
            "commit", "gtid", "annotate", "delete", "commit", "gtid", "query"
        ]
    );
    let insert = &lines[4];
    assert_eq!(
        (&insert["schema"], &insert["table"]),
        (&json!("test"), &json!("binlog_fixture"))
    );
    assert!(insert.get("before").is_none());
    let after = insert["after"].as_array().unwrap();
    let expected = json!([
        1, -5, -1, -8388608, "-446744073709551616", 1.5, -2.25, "-123456789.125",
        "12345678901234567890.0123456789", "2024-02-29", "2023-12-31T23:59:58.123456",
        "2001-09-09T01:46:40.250", "-838:59:58.99", 2155, "v".repeat(300), "char",
        {"base64": "AP8Q"}, "text é", "z".repeat(300), 3, 5, 2561, null
    ]);
    assert_eq!(Json::Array(after.clone()), expected);
    // The delete was logged with binlog_row_metadata = FULL: names, and unsigned columns read
    // as such.
    let deleted = &lines[12]["before"];
    assert_eq!(deleted["id"], json!(1));
    assert_eq!(deleted["su"], json!(65535));
    assert_eq!(deleted["bi"], json!("18000000000000000000"));
    assert_eq!(deleted["vc"], json!("short"));
    assert_eq!(deleted["n"], json!(7));
    for l in &lines {
        assert!(l["time"].as_u64().unwrap() > 1_700_000_000, "{l}");
        assert!(l["pos"].as_u64().unwrap() > 4, "{l}");
    }
}
