//! The integration suite, run unchanged against every adapter (blocking, tokio, smol,
//! async-std) over TCP and the Unix socket.

use integration_tests::client::{Adapter, Client};
use integration_tests::{all_urls, connect, for_every_adapter, table, url};
use mysql_proto::ErrorKind;

for_every_adapter!(
    connect_query_and_types_over_every_transport,
    streaming_many_rows,
    multiple_results_and_errors_in_order,
    each_result_reports_its_own_ok,
    dropping_a_result_half_way_keeps_the_connection_in_sync,
    server_errors_are_data_not_broken_connections,
    wrong_password_gives_the_server_error,
    nothing_listening_is_an_io_error,
    a_row_and_a_query_larger_than_16_mib,
    last_insert_id_and_reset,
    a_row_of_one_column_is_its_value,
    named_parameters,
);

/// `:name` placeholders rewritten by the client, values taken by name, through both
/// protocols' statement cache; a quoted `:word` stays text.
fn named_parameters<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let (sql, params) =
            mysql_proto::named::bind("SELECT :a + :b, :a, ':a' /* :b */", [("b", 2), ("a", 40)])
                .unwrap();
        let got: Vec<(i64, i64, String)> = c.exec_collect(&sql, params).await.unwrap();
        assert_eq!(got, vec![(42, 40, ":a".to_string())]);
        let e = mysql_proto::named::bind("SELECT :a", [("b", 1)]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
    })
}

/// `query_collect::<i64>` instead of `::<(i64,)>`, on both protocols; a row of another width
/// is a conversion error that says so, and the connection goes on.
fn a_row_of_one_column_is_its_value<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let n: Vec<i64> = c.query_collect("SELECT seq FROM seq_1_to_3").await.unwrap();
        assert_eq!(n, vec![1, 2, 3]);
        let s: Vec<Option<String>> = c
            .query_collect("SELECT 'a' UNION ALL SELECT NULL")
            .await
            .unwrap();
        assert_eq!(s, vec![Some("a".to_string()), None]);
        let params = vec![mysql_proto::Value::Int(41)];
        let m: Vec<u64> = c.exec_collect("SELECT ? + 1", params).await.unwrap();
        assert_eq!(m, vec![42]);
        let e = c.query_collect::<i64>("SELECT 1, 2").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion, "{e}");
        assert!(e.message().contains("2 columns"), "{e}");
        let n: Vec<i64> = c.query_collect("SELECT 7").await.unwrap();
        assert_eq!(n, vec![7]);
    })
}

fn connect_query_and_types_over_every_transport<A: Adapter>() {
    A::block_on(async {
        for (transport, url) in all_urls() {
            let mut c: A::Conn = connect(&url).await;
            assert!(c.is_mariadb(), "{transport}");
            let rows: Vec<(i64, u64, String, Option<i32>, f64)> = c
                .query_collect(
                    "SELECT -9223372036854775808, 18446744073709551615, 'héllo 😀', NULL, 1.5e300",
                )
                .await
                .unwrap();
            assert_eq!(
                rows,
                vec![(i64::MIN, u64::MAX, "héllo 😀".to_string(), None, 1.5e300)],
                "{transport}"
            );
            c.ping().await.unwrap();
            c.close().await.unwrap();
        }
    })
}

fn streaming_many_rows<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let rows: Vec<(i64, String)> = c
            .query_collect("SELECT seq, CONCAT('v', seq) FROM seq_1_to_20000")
            .await
            .unwrap();
        assert_eq!(rows.len(), 20000);
        for (i, (n, v)) in rows.iter().enumerate() {
            assert_eq!(*n, i as i64 + 1);
            assert_eq!(*v, format!("v{n}"));
        }
    })
}

fn multiple_results_and_errors_in_order<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let (lines, err) = c
            .results(
                "SELECT 1 AS a; DO 1; SELECT 'x' AS b FROM DUAL WHERE 0; SELECT 2 AS c, NULL AS d",
            )
            .await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            lines,
            [
                "cols:a",
                "row:1",
                "ok:0",
                "cols:b",
                "cols:c,d",
                "row:2,NULL"
            ]
        );
        let (lines, err) = c
            .results("SELECT 1 AS a; INSERT INTO nonexistent_table VALUES (1); SELECT 2")
            .await;
        assert_eq!(lines, ["cols:a", "row:1"]);
        assert_eq!(err.unwrap().server().unwrap().code, 1146);
        // Still in sync.
        assert_eq!(
            c.query_collect::<(i32,)>("SELECT 3").await.unwrap(),
            vec![(3,)]
        );
    })
}

/// `QueryResult::ok()` is the OK of the current result, not of an earlier one, and the
/// connection's last OK is the last result's.
fn each_result_reports_its_own_ok<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let (lines, err) = c
            .results(
                "CREATE TEMPORARY TABLE own_ok (a INT); INSERT INTO own_ok VALUES (1), (2), (3); \
                 SELECT a FROM own_ok WHERE a = 2; DELETE FROM own_ok WHERE a < 3; \
                 UPDATE own_ok SET a = 4",
            )
            .await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(lines, ["ok:0", "ok:3", "cols:a", "row:2", "ok:2", "ok:1"]);
        assert_eq!(c.affected_rows(), 1);
    })
}

fn dropping_a_result_half_way_keeps_the_connection_in_sync<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        for i in 0..20 {
            let n = i * 37 % 100;
            assert_eq!(
                c.read_some("SELECT seq FROM seq_1_to_5000", n)
                    .await
                    .unwrap(),
                n
            );
            let got: Vec<(i32,)> = c.query_collect(&format!("SELECT {i}")).await.unwrap();
            assert_eq!(got, vec![(i as i32,)]);
        }
    })
}

fn server_errors_are_data_not_broken_connections<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let e = c.query_drop("SELEC 1").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server);
        let s = e.server().unwrap();
        assert_eq!((s.code, s.sql_state.as_str()), (1064, "42000"));
        assert!(!e.is_fatal());
        let e = c.use_database("no_such_db").await.unwrap_err();
        assert_eq!(e.server().unwrap().code, 1049);
        c.use_database("mysql").await.unwrap();
        let db: Vec<(String,)> = c.query_collect("SELECT DATABASE()").await.unwrap();
        assert_eq!(db, vec![("mysql".to_string(),)]);
        let e = c.query_collect::<(u8,)>("SELECT 300").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conversion);
        c.ping().await.unwrap();
    })
}

fn wrong_password_gives_the_server_error<A: Adapter>() {
    A::block_on(async {
        for (_, url) in all_urls() {
            let e = A::Conn::connect(&url.replace("native_pw", "wrong"))
                .await
                .err()
                .expect("wrong password accepted");
            assert_eq!(e.kind(), ErrorKind::Auth);
            assert_eq!(e.server().unwrap().code, 1045);
        }
    })
}

fn nothing_listening_is_an_io_error<A: Adapter>() {
    A::block_on(async {
        let e = A::Conn::connect("mysql://x@127.0.0.1:1/")
            .await
            .err()
            .expect("connected to port 1");
        assert_eq!(e.kind(), ErrorKind::Io);
        let e = A::Conn::connect("mysql://x@127.0.0.1:3307/?socket=/nonexistent/sock")
            .await
            .err()
            .expect("connected to a missing socket");
        assert_eq!(e.kind(), ErrorKind::Io);
    })
}

fn a_row_and_a_query_larger_than_16_mib<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let n = (16 << 20) + 1000;
        let rows: Vec<(usize, Vec<u8>)> = c
            .query_collect(&format!(
                "SELECT LENGTH(REPEAT('x', {n})), REPEAT('x', {n})"
            ))
            .await
            .unwrap();
        assert_eq!(rows[0].0, n);
        assert_eq!(rows[0].1.len(), n);
        assert!(rows[0].1.iter().all(|&b| b == b'x'));
        let big = "y".repeat((16 << 20) + 10);
        let l: Vec<(usize,)> = c
            .query_collect(&format!("SELECT LENGTH('{big}')"))
            .await
            .unwrap();
        assert_eq!(l, vec![(big.len(),)]);
    })
}

fn last_insert_id_and_reset<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("ai");
        c.query_drop(&format!(
            "CREATE TEMPORARY TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, x INT)"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("INSERT INTO {t} (x) VALUES (1), (2)"))
            .await
            .unwrap();
        assert_eq!((c.affected_rows(), c.last_insert_id()), (2, 1));
        c.query_drop("SET @v = 5").await.unwrap();
        c.reset().await.unwrap();
        let v: Vec<(Option<i32>,)> = c.query_collect("SELECT @v").await.unwrap();
        assert_eq!(v, vec![(None,)]);
    })
}
