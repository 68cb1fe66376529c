//! What only the blocking adapter has: the streaming API's details and socket timeouts.
//! Everything shared by all adapters is in `suite.rs`.

use integration_tests::{blocking, table, url};
use mysql_blocking::ErrorKind;

#[test]
fn streaming_rows_borrowed_and_owned() {
    let mut c = blocking(&url());
    let t = table("stream");
    c.query_drop(format!(
        "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, v VARCHAR(20))"
    ))
    .unwrap();
    c.query_drop(format!(
        "INSERT INTO {t} SELECT seq, CONCAT('v', seq) FROM seq_1_to_20000"
    ))
    .unwrap();
    assert_eq!(c.affected_rows(), 20000);
    let mut r = c
        .query(format!("SELECT id, v FROM {t} ORDER BY id"))
        .unwrap();
    let mut n = 0i64;
    while let Some(row) = r.next_row().unwrap() {
        n += 1;
        let (id, v): (i64, &str) = row.decode().unwrap();
        assert_eq!((id, v), (n, format!("v{n}").as_str()));
    }
    assert_eq!(n, 20000);
    drop(r);
    // The Iterator gives owned rows.
    let rows: Vec<_> = c
        .query("SELECT seq FROM seq_1_to_10")
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[9].get::<i32>(0).unwrap(), 10);
}

#[test]
fn read_timeout_breaks_the_connection() {
    let mut c = blocking(&format!("{}?read-timeout=200ms", url()));
    let e = c.query_drop("SELECT SLEEP(3)").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(c.ping().unwrap_err().kind(), ErrorKind::Timeout);
}
