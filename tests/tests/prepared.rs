//! Prepared statements and the binary protocol against the real server, on every adapter:
//! values of every type written through parameters and read back through both protocols.

use integration_tests::client::{Adapter, Client};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, for_every_adapter, port, table, url};
use mysql_proto::{DateTime, ErrorKind, Time, Value};

for_every_adapter!(
    every_type_round_trips_through_parameters_and_both_protocols,
    binary_rows_render_like_text_rows,
    cached_statement_survives_many_executions_and_cache_evicts,
    explicit_prepare_and_errors,
    exec_batch_inserts_every_row,
    large_parameter_goes_as_long_data,
    result_metadata_is_cached_and_refreshed_after_alter,
);

const TYPES: &str = "ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, \
    mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, \
    f FLOAT, d DOUBLE, dec65 DECIMAL(65,30), dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, \
    tm TIME(6), y YEAR, b BIT(64), vc VARCHAR(50) CHARACTER SET utf8mb4, bin VARBINARY(50), bl BLOB, \
    tx TEXT CHARACTER SET utf8mb4, \
    e ENUM('a','b','c d'), st SET('x','y','z'), j JSON, u UUID, ip INET6";

fn edge_rows() -> Vec<Vec<Value>> {
    let dt = |y, mo, d, h, mi, s, us| {
        Value::DateTime(DateTime {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
            micros: us,
        })
    };
    let tm = |neg, days, h, m, s, us| {
        Value::Time(Time {
            negative: neg,
            days,
            hours: h,
            minutes: m,
            seconds: s,
            micros: us,
        })
    };
    let b = |s: &str| Value::Bytes(s.as_bytes().to_vec());
    vec![
        vec![
            Value::Int(-128),
            Value::UInt(0),
            Value::Int(-32768),
            Value::UInt(0),
            Value::Int(-8388608),
            Value::UInt(0),
            Value::Int(i32::MIN as i64),
            Value::UInt(0),
            Value::Int(i64::MIN),
            Value::UInt(0),
            Value::Float(-1.5),
            Value::Double(-1.7976931348623157e308),
            b("-99999999999999999999999999999999999.999999999999999999999999999999"),
            dt(1000, 1, 1, 0, 0, 0, 0),
            dt(1000, 1, 1, 0, 0, 0, 0),
            dt(1970, 1, 1, 0, 0, 1, 0),
            tm(true, 34, 22, 59, 59, 0),
            Value::UInt(1901),
            Value::Bytes(vec![0; 8]),
            b(""),
            Value::Bytes(vec![]),
            Value::Bytes(vec![0, 9, 10, 92, 255]),
            b("multi\nline\ttab"),
            b("a"),
            b(""),
            b("[]"),
            b("00000000-0000-0000-0000-000000000000"),
            b("::"),
        ],
        vec![
            Value::Int(127),
            Value::UInt(255),
            Value::Int(32767),
            Value::UInt(65535),
            Value::Int(8388607),
            Value::UInt(16777215),
            Value::Int(i32::MAX as i64),
            Value::UInt(u32::MAX as u64),
            Value::Int(i64::MAX),
            Value::UInt(u64::MAX),
            Value::Float(3.40282e38),
            Value::Double(2.2250738585072014e-308),
            b("99999999999999999999999999999999999.999999999999999999999999999999"),
            dt(9999, 12, 31, 0, 0, 0, 0),
            dt(9999, 12, 31, 23, 59, 59, 999999),
            dt(2038, 1, 19, 3, 14, 7, 999999),
            tm(false, 34, 22, 59, 59, 999999),
            Value::UInt(2155),
            Value::Bytes(vec![0xff; 8]),
            b("héllo wörld 😀"),
            Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
            Value::Bytes(vec![1; 300]),
            b("日本語"),
            b("c d"),
            b("x,z"),
            b(r#"{"a": [1, 2.5, "x"], "b": null}"#),
            b("123e4567-e89b-12d3-a456-426614174000"),
            b("2001:db8::1"),
        ],
        vec![
            Value::Int(0),
            Value::UInt(42),
            Value::Int(-1),
            Value::UInt(1),
            Value::Int(0),
            Value::UInt(0),
            Value::Int(7),
            Value::UInt(7),
            Value::Int(-1),
            Value::UInt(1 << 63),
            Value::Float(0.0),
            Value::Double(0.1),
            b("0.000000000000000000000000000001"),
            dt(2024, 2, 29, 0, 0, 0, 0),
            dt(2024, 2, 29, 12, 34, 56, 1),
            dt(2024, 2, 29, 12, 34, 56, 500000),
            tm(true, 0, 0, 0, 1, 500000),
            Value::UInt(2000),
            Value::Bytes(vec![1, 2, 3, 4, 5, 6, 7, 8]),
            b("tab\there"),
            Value::Bytes(vec![0x5c, 0x30]),
            Value::Bytes(vec![]),
            b(""),
            b("b"),
            b("x,y,z"),
            b("\"str\""),
            b("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            b("::ffff:1.2.3.4"),
        ],
        vec![Value::Null; 28],
    ]
}

async fn create_types_table<C: Client>(c: &mut C, t: &str) {
    c.query_drop(&format!(
        "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, {TYPES})"
    ))
    .await
    .unwrap();
}

fn every_type_round_trips_through_parameters_and_both_protocols<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("types");
        create_types_table(&mut c, &t).await;
        let marks = vec!["?"; 29].join(",");
        let rows = edge_rows();
        for (i, row) in rows.iter().enumerate() {
            let mut p = vec![Value::Int(i as i64)];
            p.extend(row.iter().cloned());
            c.exec_drop(&format!("INSERT INTO {t} VALUES ({marks})"), p)
                .await
                .unwrap();
        }
        // Read back through both protocols: the text of every value must agree.
        let sql = format!("SELECT * FROM {t} ORDER BY id");
        let (text, e1) = c.results(&sql).await;
        let (binary, e2) = c.exec_results(&sql, vec![]).await;
        assert!(e1.is_none() && e2.is_none(), "{e1:?} {e2:?}");
        assert_eq!(binary, text);
        // And the typed values equal what was written, through both protocols.
        for (i, row) in rows.iter().enumerate() {
            let ints: Vec<Ints> = c
                .exec_collect(
                    &format!("SELECT ti, tiu, si, siu, bi, biu FROM {t} WHERE id = ?"),
                    vec![Value::Int(i as i64)],
                )
                .await
                .unwrap();
            let want: Ints = (
                int(&row[0]),
                uint(&row[1]),
                int(&row[2]),
                uint(&row[3]),
                int(&row[8]),
                uint(&row[9]),
            );
            assert_eq!(ints, vec![want], "integers row {i}");
            let sql = format!("SELECT dt, dtm, tm, d, bl FROM {t} WHERE id = ?");
            let binary: Vec<Temporal> = c
                .exec_collect(&sql, vec![Value::Int(i as i64)])
                .await
                .unwrap();
            let want_dt = |v: &Value| match v {
                Value::DateTime(d) => Some(*d),
                _ => None,
            };
            let want: Temporal = (
                want_dt(&row[13]),
                want_dt(&row[14]),
                match row[16] {
                    Value::Time(t) => Some(t),
                    _ => None,
                },
                match row[11] {
                    Value::Double(d) => Some(d),
                    _ => None,
                },
                match &row[21] {
                    Value::Bytes(b) => Some(b.clone()),
                    _ => None,
                },
            );
            assert_eq!(binary, vec![want], "binary row {i}");
            let text: Vec<Temporal> = c
                .query_collect(&format!(
                    "SELECT dt, dtm, tm, d, bl FROM {t} WHERE id = {i}"
                ))
                .await
                .unwrap();
            assert_eq!(text, binary, "row {i} text vs binary");
        }
    })
}

type Ints = (
    Option<i64>,
    Option<u64>,
    Option<i64>,
    Option<u64>,
    Option<i64>,
    Option<u64>,
);
type Temporal = (
    Option<DateTime>,
    Option<DateTime>,
    Option<Time>,
    Option<f64>,
    Option<Vec<u8>>,
);

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

fn uint(v: &Value) -> Option<u64> {
    match v {
        Value::UInt(u) => Some(*u),
        _ => None,
    }
}

fn binary_rows_render_like_text_rows<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        for sql in [
            "SELECT 1, -1, 1.5, 1e-7, 1.5e300, 1/3, -0.0, 123456789012345678, 1e15, 1e16, 0.0001, 0.00001",
            "SELECT CAST(1.5 AS FLOAT), CAST(3.40282e38 AS FLOAT), CAST(1.17549e-38 AS FLOAT), CAST(0.1 AS FLOAT), CAST(123456.7 AS FLOAT), CAST(1234567 AS FLOAT)",
            "SELECT CAST('2020-01-01' AS DATE), CAST('2020-01-01 10:00:00.5' AS DATETIME(3)), CAST('-838:59:59' AS TIME), CAST('10:00:00.000001' AS TIME(6)), NOW() - NOW()",
            "SELECT NULL, '', X'00FF', b'101', CAST(42 AS UNSIGNED), CAST(-1 AS SIGNED), YEAR('2020-01-01')",
            "SELECT 1e308 * 1, -2.2250738585072014e-308, 100, 1e2, 12345678.9, 0.1 + 0.2",
            "SELECT 1e-7, 1e-8, 1e-10, 1e-14, 1e-15, 1e-16, 1.5e-15, 1.23456789e-10, 1.2345678901234567e-10, 1e-100, 1e14, 1.5e14, 1e15, 1.5e15, 123456789012345.6, 1234567890123456.7, 1.2345678901234567e20, 0.1e-3",
            "SELECT CAST(1e-7 AS FLOAT), CAST(1e-5 AS FLOAT), CAST(1e6 AS FLOAT), CAST(123456789 AS FLOAT), CAST(1.5e-10 AS FLOAT), CAST(1e15 AS FLOAT), CAST(1e16 AS FLOAT), CAST(1e-15 AS FLOAT), CAST(-1e-16 AS FLOAT)",
        ] {
            let (text, e1) = c.results(sql).await;
            let (binary, e2) = c.exec_results(sql, vec![]).await;
            assert!(e1.is_none() && e2.is_none(), "{sql}: {e1:?} {e2:?}");
            assert_eq!(binary, text, "{sql}");
        }
    })
}

fn cached_statement_survives_many_executions_and_cache_evicts<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let prepares0 = status(&mut c, "Com_stmt_prepare").await;
        for i in 0..1000i64 {
            let got: Vec<(i64, String)> = c
                .exec_collect(
                    "SELECT ? + 1, CONCAT('n', ?)",
                    vec![Value::Int(i), Value::Int(i)],
                )
                .await
                .unwrap();
            assert_eq!(got, vec![(i + 1, format!("n{i}"))]);
        }
        assert_eq!(
            status(&mut c, "Com_stmt_prepare").await - prepares0,
            1,
            "prepared once"
        );
        // 100 distinct statements through a 64-entry cache: 36 evicted and closed.
        let closes0 = status(&mut c, "Com_stmt_close").await;
        for i in 0..100 {
            let got: Vec<(i64,)> = c
                .exec_collect(&format!("SELECT {i} + ?"), vec![Value::Int(1)])
                .await
                .unwrap();
            assert_eq!(got, vec![(i + 1,)]);
        }
        assert_eq!(status(&mut c, "Com_stmt_close").await - closes0, 37);
        // COM_RESET_CONNECTION drops the server's statements: the cache must not reuse them.
        c.reset().await.unwrap();
        let got: Vec<(i64, String)> = c
            .exec_collect(
                "SELECT ? + 1, CONCAT('n', ?)",
                vec![Value::Int(1), Value::Int(1)],
            )
            .await
            .unwrap();
        assert_eq!(got, vec![(2, "n1".to_string())]);
    })
}

async fn status<C: Client>(c: &mut C, what: &str) -> u64 {
    let v: Vec<(String, u64)> = c
        .query_collect(&format!("SHOW SESSION STATUS LIKE '{what}'"))
        .await
        .unwrap();
    v[0].1
}

fn explicit_prepare_and_errors<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        assert_eq!(c.prepare_close("SELECT ?, ?, 3").await.unwrap(), (2, 3));
        assert_eq!(c.prepare_close("DO ?").await.unwrap(), (1, 0));
        let e = c.prepare_close("SELEC ?").await.unwrap_err();
        assert_eq!(e.server().unwrap().code, 1064);
        let e = c.exec_drop("SELECT ?", vec![]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse);
        let e = c
            .exec_drop(
                "SELECT * FROM no_such_table WHERE a = ?",
                vec![Value::Int(1)],
            )
            .await
            .unwrap_err();
        assert_eq!(e.server().unwrap().code, 1146);
        let got: Vec<(Option<i64>,)> = c.exec_collect("SELECT ?", vec![Value::Null]).await.unwrap();
        assert_eq!(got, vec![(None,)]);
        // A stored procedure's several result sets through an execute.
        c.query_drop("CREATE OR REPLACE PROCEDURE test.rs_ps_multi(x INT) BEGIN SELECT x AS a; SELECT x + 1 AS b; END").await.unwrap();
        let (lines, e) = c
            .exec_results("CALL test.rs_ps_multi(?)", vec![Value::Int(5)])
            .await;
        assert!(e.is_none(), "{e:?}");
        assert_eq!(lines, ["cols:a", "row:5", "cols:b", "row:6", "ok:0"]);
    })
}

/// `Com_stmt_execute` of this session: one per COM_STMT_EXECUTE, and one per
/// COM_STMT_BULK_EXECUTE however many sets it carries.
async fn executes<C: Client>(c: &mut C) -> i64 {
    let v: Vec<(String, i64)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Com_stmt_execute'")
        .await
        .unwrap();
    v[0].1
}

fn exec_batch_inserts_every_row<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("batch");
        c.query_drop(&format!(
            "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, v VARCHAR(20), d DOUBLE, \
             ts DATETIME(6))"
        ))
        .await
        .unwrap();
        let insert = format!("INSERT INTO {t} VALUES (?, ?, ?, ?)");
        // 30,000 sets, several bulk commands: NULLs, and a parameter whose type changes
        // (an integer for every 1000th row instead of a string) to force new commands.
        let row = |i: i64| {
            let v = match i {
                _ if i % 7 == 0 => Value::Null,
                _ if i % 1000 == 999 => Value::Int(i),
                _ => Value::Bytes(format!("v{i}").into_bytes()),
            };
            let ts = DateTime {
                year: 2000 + (i % 30) as u16,
                month: 1 + (i % 12) as u8,
                day: 1 + (i % 28) as u8,
                hour: (i % 24) as u8,
                minute: (i % 60) as u8,
                second: (i % 59) as u8,
                micros: (i * 37 % 1_000_000) as u32,
            };
            vec![
                Value::Int(i),
                v,
                Value::Double(i as f64 / 4.0),
                Value::DateTime(ts),
            ]
        };
        let before = executes(&mut c).await;
        let n = c
            .exec_batch(&insert, (0..30_000).map(row).collect())
            .await
            .unwrap();
        assert_eq!(n, 30_000);
        let commands = executes(&mut c).await - before;
        // MariaDB takes them as bulk commands: a few dozen, not 30,000 executes.
        assert!((30..200).contains(&commands), "{commands} executes");
        // Every value arrived: compare the table with the sets, row by row.
        let got: Vec<(i64, Option<String>, f64, String)> = c
            .query_collect(&format!(
                "SELECT id, v, d, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f') FROM {t} ORDER BY id"
            ))
            .await
            .unwrap();
        assert_eq!(got.len(), 30_000);
        for (i, (id, v, d, ts)) in got.into_iter().enumerate() {
            let want = row(i as i64);
            assert_eq!(id, i as i64);
            let want_v = match &want[1] {
                Value::Null => None,
                Value::Int(n) => Some(n.to_string()),
                Value::Bytes(b) => Some(String::from_utf8(b.clone()).unwrap()),
                other => panic!("{other:?}"),
            };
            assert_eq!(v, want_v, "row {i}");
            assert_eq!(d, i as f64 / 4.0);
            let Value::DateTime(w) = &want[3] else {
                unreachable!()
            };
            let want_ts = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                w.year, w.month, w.day, w.hour, w.minute, w.second, w.micros
            );
            assert_eq!(ts, want_ts, "row {i}");
        }

        // A statement with a result set cannot be bulk-executed: one execute per set.
        let before = executes(&mut c).await;
        let n = c
            .exec_batch("SELECT ?", vec![vec![Value::Int(1)]; 3])
            .await
            .unwrap();
        assert_eq!((n, executes(&mut c).await - before), (0, 3));

        // A failing set: the first error is returned, the connection goes on. The bulk command
        // holding it is one statement, which InnoDB rolls back as a whole...
        let bad = |ids: &[i64]| -> Vec<Vec<Value>> {
            ids.iter()
                .map(|&i| vec![Value::Int(i), Value::Null, Value::Double(0.0), Value::Null])
                .collect()
        };
        let e = c
            .exec_batch(&insert, bad(&[50_000, 1, 50_001]))
            .await
            .unwrap_err();
        assert_eq!(e.server().unwrap().code, 1062);
        let count = format!("SELECT COUNT(*) FROM {t}");
        assert_eq!(
            c.query_collect::<(i64,)>(&count).await.unwrap(),
            vec![(30_000,)]
        );
        // ...and in a transaction rolled back on error, nothing of the batch stays.
        c.query_drop("START TRANSACTION").await.unwrap();
        let many: Vec<i64> = (60_000..70_000).chain([3]).chain(70_000..80_000).collect();
        let e = c.exec_batch(&insert, bad(&many)).await.unwrap_err();
        assert_eq!(e.server().unwrap().code, 1062);
        c.query_drop("ROLLBACK").await.unwrap();
        assert_eq!(
            c.query_collect::<(i64,)>(&count).await.unwrap(),
            vec![(30_000,)]
        );
        // An empty batch does nothing.
        assert_eq!(c.exec_batch(&insert, Vec::new()).await.unwrap(), 0);
    })
}

fn large_parameter_goes_as_long_data<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let big: Vec<u8> = (0..(3 << 20) + 7).map(|i| (i % 251) as u8).collect();
        let got: Vec<(usize, Vec<u8>)> = c
            .exec_collect(
                "SELECT LENGTH(?), ?",
                vec![Value::Bytes(big.clone()), Value::Bytes(big.clone())],
            )
            .await
            .unwrap();
        assert_eq!(got[0].0, big.len());
        assert!(got[0].1 == big);
    })
}

/// MariaDB 10.6+ skips the column definitions of an execute whose result columns did not change
/// (MARIADB_CLIENT_CACHE_METADATA): fewer bytes per execute, and after ALTER TABLE the new
/// definitions come once and are used from then on.
fn result_metadata_is_cached_and_refreshed_after_alter<A: Adapter>() {
    A::block_on(async {
        let proxy = FaultProxy::start(port(), Fault::None);
        let mut c: A::Conn = connect(&proxy.url(&url())).await;
        let t = table("meta");
        c.query_drop(&format!(
            "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, \
             a_rather_long_column_name VARCHAR(10), another_long_column_name VARCHAR(10))"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("INSERT INTO {t} VALUES (1, 'x', 'y')"))
            .await
            .unwrap();
        let sql = format!("SELECT * FROM {t} WHERE id = ?");
        let mut per_execute = Vec::new();
        for _ in 0..5 {
            let before = proxy.bytes_to_client();
            let got: Vec<(i64, String, String)> =
                c.exec_collect(&sql, vec![Value::Int(1)]).await.unwrap();
            assert_eq!(got, vec![(1, "x".to_string(), "y".to_string())]);
            per_execute.push(proxy.bytes_to_client() - before);
        }
        // The first run also prepares (the definitions come with PREPARE_OK, and the client
        // keeps them); no execute after it carries the three definitions (~80 bytes each).
        assert!(per_execute[0] > 300, "{per_execute:?}");
        assert!(per_execute[1..].iter().all(|&n| n < 120), "{per_execute:?}");
        c.query_drop(&format!("ALTER TABLE {t} ADD COLUMN b INT DEFAULT 7"))
            .await
            .unwrap();
        for i in 0..3 {
            let before = proxy.bytes_to_client();
            let got: Vec<(i64, String, String, i64)> =
                c.exec_collect(&sql, vec![Value::Int(1)]).await.unwrap();
            assert_eq!(
                got,
                vec![(1, "x".to_string(), "y".to_string(), 7)],
                "run {i}"
            );
            let n = proxy.bytes_to_client() - before;
            // Sent again once after the change, then skipped again.
            assert_eq!(n > 200, i == 0, "run {i}: {n} bytes");
        }
    })
}
