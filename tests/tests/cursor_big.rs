//! A server-side cursor over a 200,000-row table, fetched 1,000 rows at a time with a point
//! query between every fetch, in bounded client memory: the process's peak RSS (`VmHWM`) stays
//! under 16 MiB. Alone in its binary, so that the peak is this test's.

use integration_tests::{blocking, table, url};
use mysql_proto::Value;

#[test]
fn a_200k_row_cursor_in_bounded_memory() {
    let mut c = blocking(&url());
    let t = table("cursor_big");
    c.query_drop(format!("DROP TABLE IF EXISTS {t}")).unwrap();
    c.query_drop(format!(
        "CREATE TABLE {t} (id INT PRIMARY KEY, txt VARCHAR(200))"
    ))
    .unwrap();
    c.query_drop(format!(
        "INSERT INTO {t} SELECT seq, REPEAT(CHAR(97 + seq % 26), 100) FROM seq_1_to_200000"
    ))
    .unwrap();
    let mut cursor = c
        .open_cursor(format!("SELECT id, txt FROM {t} ORDER BY id"), ())
        .unwrap();
    let (mut seen, mut fetches, mut bytes) = (0i64, 0, 0usize);
    while let Some(rows) = c.fetch(&mut cursor, 1000).unwrap() {
        fetches += 1;
        for row in &rows {
            seen += 1;
            assert_eq!(row.get::<i64>(0).unwrap(), seen);
            bytes += row.get::<&str>(1).unwrap().len();
        }
        let probe = (seen * 7919) % 200_000 + 1;
        let got: Vec<(i64,)> = c
            .exec_collect(
                format!("SELECT id FROM {t} WHERE id = ?"),
                vec![Value::Int(probe)],
            )
            .unwrap();
        assert_eq!(got, vec![(probe,)]);
    }
    assert_eq!(seen, 200_000);
    assert_eq!(bytes, 200_000 * 100);
    assert_eq!(fetches, 200);
    let peak = integration_tests::peak_rss_kib();
    eprintln!("200,000-row cursor: {fetches} fetches, peak RSS {peak} KiB");
    assert!(peak < 16 * 1024, "peak RSS {peak} KiB");
    c.query_drop(format!("DROP TABLE {t}")).unwrap();
}
