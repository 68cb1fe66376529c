//! The blocking adapter against the real test server, over TCP and the Unix socket.

use integration_tests::{all_urls, blocking, table, url};
use mysql_blocking::{Conn, ErrorKind, Opts};

#[test]
fn connect_query_and_types_over_every_transport() {
    for (transport, url) in all_urls() {
        let mut c = blocking(&url);
        assert!(c.server_info().is_mariadb, "{transport}");
        let rows: Vec<(i64, u64, String, Option<i32>, f64)> = c
            .query_collect(
                "SELECT -9223372036854775808, 18446744073709551615, 'héllo 😀', NULL, 1.5e300",
            )
            .unwrap();
        assert_eq!(
            rows,
            vec![(i64::MIN, u64::MAX, "héllo 😀".to_string(), None, 1.5e300)],
            "{transport}"
        );
        c.ping().unwrap();
        c.close().unwrap();
    }
}

#[test]
fn streaming_rows_and_multiple_result_sets() {
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
        assert_eq!(id, n);
        assert_eq!(v, format!("v{n}"));
    }
    assert_eq!(n, 20000);
    drop(r);

    let mut r = c
        .query("SELECT 1 AS a; INSERT INTO nonexistent_table VALUES (1); SELECT 2")
        .unwrap();
    assert_eq!(r.columns().unwrap()[0].name(), "a");
    assert_eq!(r.next_row().unwrap().unwrap().get::<i32>(0).unwrap(), 1);
    let e = r.next_result().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.server().unwrap().code, 1146);
    drop(r);
    // The connection is still in sync.
    assert_eq!(c.query_first::<(i32,)>("SELECT 3").unwrap(), Some((3,)));

    let mut r = c.query("DO 1; SELECT 5 AS five").unwrap();
    assert!(!r.has_rows());
    assert!(r.next_result().unwrap());
    assert_eq!(r.columns().unwrap()[0].name(), "five");
    assert!(!r.next_result().unwrap());
}

#[test]
fn dropping_a_result_half_way_keeps_the_connection_in_sync() {
    let mut c = blocking(&url());
    for i in 0..20 {
        let mut r = c.query("SELECT seq FROM seq_1_to_5000").unwrap();
        for _ in 0..(i * 37 % 100) {
            r.next_row().unwrap();
        }
        drop(r);
        let got: Vec<(i32,)> = c.query_collect(format!("SELECT {i}")).unwrap();
        assert_eq!(got, vec![(i,)]);
    }
}

#[test]
fn server_errors_are_data_not_broken_connections() {
    let mut c = blocking(&url());
    let e = c.query_drop("SELEC 1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Server);
    let s = e.server().unwrap();
    assert_eq!((s.code, s.sql_state.as_str()), (1064, "42000"));
    assert!(!e.is_fatal());
    let e = c.use_database("no_such_db").unwrap_err();
    assert_eq!(e.server().unwrap().code, 1049);
    c.use_database("mysql").unwrap();
    assert_eq!(
        c.query_first::<(String,)>("SELECT DATABASE()").unwrap(),
        Some(("mysql".into(),))
    );
    let e = c.query_collect::<(u8,)>("SELECT 300").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    c.ping().unwrap();
}

#[test]
fn wrong_password_gives_the_server_error() {
    let url = url().replace("native_pw", "wrong");
    let e = Conn::connect(url.as_str()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.server().unwrap().code, 1045);
}

#[test]
fn nothing_listening_is_an_io_error_and_timeouts_work() {
    let o = Opts::builder().host("127.0.0.1").port(1).user("x").build();
    assert_eq!(Conn::connect(o).unwrap_err().kind(), ErrorKind::Io);
    // A read timeout breaks a statement that runs too long.
    let mut c = blocking(&format!("{}?read-timeout=200ms", url()));
    let e = c.query_drop("SELECT SLEEP(3)").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(c.ping().unwrap_err().kind(), ErrorKind::Timeout);
}

#[test]
fn a_row_larger_than_16_mib() {
    let mut c = blocking(&url());
    let n = (16 << 20) + 1000;
    let (len, s): (usize, Vec<u8>) = c
        .query_first(format!("SELECT LENGTH(REPEAT('x', {n})), REPEAT('x', {n})"))
        .unwrap()
        .unwrap();
    assert_eq!(len, n);
    assert_eq!(s.len(), n);
    assert!(s.iter().all(|&b| b == b'x'));
    // A query larger than 16 MiB is split on the way out too.
    let big = "y".repeat((16 << 20) + 10);
    let (l,): (usize,) = c
        .query_first(format!("SELECT LENGTH('{big}')"))
        .unwrap()
        .unwrap();
    assert_eq!(l, big.len());
}

#[test]
fn last_insert_id_and_reset() {
    let mut c = blocking(&url());
    let t = table("ai");
    c.query_drop(format!(
        "CREATE TEMPORARY TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, x INT)"
    ))
    .unwrap();
    c.query_drop(format!("INSERT INTO {t} (x) VALUES (1), (2)"))
        .unwrap();
    assert_eq!((c.affected_rows(), c.last_insert_id()), (2, 1));
    c.query_drop("SET @v = 5").unwrap();
    c.reset().unwrap();
    assert_eq!(
        c.query_first::<(Option<i32>,)>("SELECT @v").unwrap(),
        Some((None,))
    );
}
