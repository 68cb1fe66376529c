//! The public test vectors (copied from `../shared/vectors` into `tests/data`, each entry naming
//! its source) decoded by the core's parsers.

use mysql_proto::auth::native_password;
use mysql_proto::constants::CLIENT_SESSION_TRACK;
use mysql_proto::packets::{parse_err, Column, EofPacket, Greeting, OkPacket};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn int(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(s) => u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap(),
        other => panic!("not an int: {other}"),
    }
}

#[test]
fn native_password_vectors() {
    let v = load("mysql_native_password.json");
    let mut n = 0;
    for case in v["vectors"].as_array().unwrap() {
        let scramble = hex(case["scramble_hex"].as_str().unwrap());
        let password = hex(case["password_hex"].as_str().unwrap());
        let want = hex(case["expected_token_hex"].as_str().unwrap());
        assert_eq!(
            native_password::scramble(&password, &scramble),
            want,
            "{}",
            case["source"]
        );
        n += 1;
    }
    assert!(n >= 5);
    assert!(native_password::scramble(b"", b"01234567890123456789").is_empty());
}

#[test]
fn greeting_vectors() {
    let v = load("handshake_v10_packets.json");
    let mut n = 0;
    for case in v["packets"].as_array().unwrap() {
        let payload = hex(case["payload_hex"].as_str().unwrap());
        let want = &case["parsed_here"];
        let g = Greeting::parse(&payload).unwrap_or_else(|e| panic!("{}: {e}", case["source"]));
        assert_eq!(g.server_version, want["server_version"].as_str().unwrap());
        assert_eq!(g.connection_id as u64, int(&want["connection_id"]));
        assert_eq!(
            g.capabilities as u64,
            int(&want["capabilities_hex"]),
            "{}",
            g.server_version
        );
        assert_eq!(g.collation as u64, int(&want["character_set"]));
        assert_eq!(g.status.0 as u64, int(&want["status_flags"]));
        let data = hex(want["auth_plugin_data_hex"].as_str().unwrap());
        assert_eq!(g.auth_plugin_data, data[..20], "{}", g.server_version);
        if let Some(name) = want["auth_plugin_name"].as_str() {
            assert_eq!(g.auth_plugin_name, name);
        }
        if let Some(ext) = want.get("mariadb_extended_capabilities_hex") {
            assert_eq!(g.mariadb_capabilities as u64, int(ext));
            assert!(g.is_mariadb());
        }
        // No truncation of a real greeting may panic.
        for cut in 0..payload.len() {
            let _ = Greeting::parse(&payload[..cut]);
        }
        n += 1;
    }
    assert!(n >= 8);
}

#[test]
fn ok_err_eof_vectors() {
    let v = load("ok_err_eof_packets.json");
    let mut checked = 0;
    for case in v["packets"].as_array().unwrap() {
        let kind = case["kind"].as_str().unwrap_or("");
        let Some(payload) = case["payload_hex"].as_str().map(hex).or_else(|| {
            case["packet_with_header_hex"]
                .as_str()
                .map(|h| hex(h)[4..].to_vec())
        }) else {
            continue;
        };
        // Some sources strip the header byte; put it back.
        let payload = if kind.starts_with("OK body WITHOUT") {
            [&[0u8][..], &payload].concat()
        } else if kind.starts_with("ERR body WITHOUT") {
            [&[0xffu8][..], &payload].concat()
        } else {
            payload
        };
        let want = &case["parsed_here"];
        match payload[0] {
            0x00 => {
                let tracked = case["client_caps"].as_str() == Some("CLIENT_SESSION_TRACK")
                    || kind.contains("session state");
                let caps = if tracked { CLIENT_SESSION_TRACK } else { 0 };
                let ok = OkPacket::parse(&payload, caps).unwrap();
                if want.is_object() {
                    assert_eq!(ok.affected_rows, int(&want["affected_rows"]), "{kind}");
                    assert_eq!(ok.last_insert_id, int(&want["last_insert_id"]), "{kind}");
                    assert_eq!(ok.status.0 as u64, int(&want["status_flags"]), "{kind}");
                    assert_eq!(ok.warnings as u64, int(&want["warnings"]), "{kind}");
                    if let Some(info) = want["info"].as_str() {
                        assert_eq!(ok.info, info, "{kind}");
                    }
                }
                checked += 1;
            }
            0xff => {
                let e = parse_err(&payload).unwrap();
                if want.is_object() {
                    assert_eq!(e.code as u64, int(&want["code"]));
                    assert_eq!(e.message, want["message"].as_str().unwrap());
                    if let Some(s) = want["sql_state"].as_str() {
                        assert_eq!(e.sql_state, s);
                    }
                }
                checked += 1;
            }
            0xfe if payload.len() < 9 => {
                let eof = EofPacket::parse(&payload).unwrap();
                assert_eq!(eof.warnings, 0);
                checked += 1;
            }
            0xfe => {
                // This terminator carries a length-encoded info: session tracking was on.
                let ok = OkPacket::parse(&payload, CLIENT_SESSION_TRACK).unwrap();
                assert_eq!(ok.info, want["info"].as_str().unwrap());
                checked += 1;
            }
            b => panic!("unexpected header {b:02x} in {kind}"),
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn column_definition_vectors() {
    let v = load("column_definitions.json");
    let mut n = 0;
    for case in v["coldefs"].as_array().unwrap() {
        let Some(p) = case["payload_hex"].as_str() else {
            continue;
        };
        let payload = hex(p);
        let want = &case["parsed_here"];
        let c =
            Column::parse(&payload, false).unwrap_or_else(|e| panic!("{}: {e}", case["source"]));
        assert_eq!(c.name(), want["name"].as_str().unwrap());
        assert_eq!(c.org_name(), want["org_name"].as_str().unwrap());
        assert_eq!(c.table(), want["table"].as_str().unwrap());
        assert_eq!(c.schema(), want["schema"].as_str().unwrap());
        assert_eq!(c.character_set as u64, int(&want["character_set"]));
        assert_eq!(c.column_length as u64, int(&want["column_length"]));
        assert_eq!(c.column_type.to_u8() as u64, int(&want["type"]));
        assert_eq!(c.flags.0 as u64, int(&want["flags"]));
        assert_eq!(c.decimals as u64, int(&want["decimals"]));
        let trailing = want["trailing_bytes_hex"]
            .as_str()
            .map_or(2, |t| t.len() / 2);
        for cut in 0..payload.len() - trailing {
            assert!(Column::parse(&payload[..cut], false).is_err(), "cut {cut}");
        }
        n += 1;
    }
    assert!(n >= 10);
}
