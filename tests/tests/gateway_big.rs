//! Streaming 200,000 rows through the HTTP gateway (NDJSON, read by curl) in bounded memory:
//! the process that runs the gateway peaks under 32 MiB RSS (`VmHWM`). Alone in its binary, so
//! that the peak is this test's.

use integration_tests::gateway::Gateway;
use integration_tests::{blocking, table, url};
use mysql_gateway::Config;

#[test]
fn a_200k_row_stream_in_bounded_memory() {
    let mut c = blocking(&url());
    let t = table("gateway_big");
    c.query_drop(format!("DROP TABLE IF EXISTS {t}")).unwrap();
    c.query_drop(format!(
        "CREATE TABLE {t} (id INT PRIMARY KEY, txt VARCHAR(200))"
    ))
    .unwrap();
    c.query_drop(format!(
        "INSERT INTO {t} SELECT seq, REPEAT(CHAR(97 + seq % 26), 100) FROM seq_1_to_200000"
    ))
    .unwrap();
    let g = Gateway::start(&url(), Config::default());
    // curl writes the answer to a file, read back line by line: the test holds no copy.
    let path = integration_tests::root().join(format!("target/{t}.ndjson"));
    let status = std::process::Command::new("curl")
        .args(["-s", "-o"])
        .arg(&path)
        .args([
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "--data-binary",
        ])
        .arg(format!(
            r#"{{"sql": "SELECT id, txt FROM {t} ORDER BY id", "stream": true}}"#
        ))
        .arg(g.url("/query"))
        .status()
        .unwrap();
    assert!(status.success());
    drop(g);
    use std::io::BufRead;
    let (mut count, mut last_row, mut end) = (0usize, String::new(), String::new());
    for line in std::io::BufReader::new(std::fs::File::open(&path).unwrap()).lines() {
        let line = line.unwrap();
        count += 1;
        if count == 200_001 {
            last_row = line;
        } else if count == 200_002 {
            end = line;
        }
    }
    std::fs::remove_file(&path).unwrap();
    assert_eq!(count, 200_002);
    let letter = char::from(97 + (200_000 % 26) as u8);
    assert_eq!(
        last_row,
        format!(r#"[200000,"{}"]"#, letter.to_string().repeat(100))
    );
    assert!(end.contains(r#""row_count":200000"#), "{end}");
    let peak = integration_tests::peak_rss_kib();
    eprintln!("200,000 rows through the gateway: peak RSS {peak} KiB");
    assert!(peak < 32 * 1024, "peak RSS {peak} KiB");
    c.query_drop(format!("DROP TABLE {t}")).unwrap();
}
