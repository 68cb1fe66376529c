//! Property test: random values of every type bound as parameters, stored by the server, and
//! read back through both protocols (text `COM_QUERY` and binary `COM_STMT_EXECUTE`) equal to
//! what was written. Plus the optional conversions (chrono, uuid, rust_decimal, serde_json)
//! against real columns.

use integration_tests::{blocking, table, url};
use mysql_proto::{DateTime, Time, Value};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[derive(Debug, Clone)]
struct Row {
    ti: i8,
    tu: u8,
    si: i16,
    su: u16,
    mi: i32,
    mu: u32,
    i: i32,
    iu: u32,
    bi: i64,
    bu: u64,
    f: f32,
    d: f64,
    dec: String,
    date: DateTime,
    dt: DateTime,
    tm: Time,
    s: String,
    b: Vec<u8>,
}

fn decimal() -> impl Strategy<Value = String> {
    (any::<bool>(), "[0-9]{1,35}", "[0-9]{30}").prop_map(|(neg, int, frac)| {
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let s = format!("{int}.{frac}");
        if neg && s.bytes().any(|b| b != b'0' && b != b'.') {
            format!("-{s}")
        } else {
            s
        }
    })
}

fn datetime() -> impl Strategy<Value = DateTime> {
    (
        1000u16..=9999,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
        0u32..1_000_000,
    )
        .prop_map(
            |(year, month, day, hour, minute, second, micros)| DateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
                micros,
            },
        )
}

fn time() -> impl Strategy<Value = Time> {
    (any::<bool>(), 0u32..=838, 0u8..60, 0u8..60, 0u32..1_000_000).prop_map(|(neg, h, m, s, us)| {
        let (m, s, us) = if h == 838 {
            (m.min(59), s.min(59), 0)
        } else {
            (m, s, us)
        };
        let zero = h == 0 && m == 0 && s == 0 && us == 0;
        Time {
            negative: neg && !zero,
            days: h / 24,
            hours: (h % 24) as u8,
            minutes: m,
            seconds: s,
            micros: us,
        }
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |v| v.is_finite())
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("finite, normal or zero", |v| {
        v.is_finite() && (*v == 0.0 || v.is_normal())
    })
}

fn row() -> impl Strategy<Value = Row> {
    (
        (
            any::<i8>(),
            any::<u8>(),
            any::<i16>(),
            any::<u16>(),
            -8388608i32..=8388607,
            0u32..=16777215,
        ),
        (
            any::<i32>(),
            any::<u32>(),
            any::<i64>(),
            any::<u64>(),
            finite_f32(),
            finite_f64(),
        ),
        (
            decimal(),
            datetime(),
            datetime(),
            time(),
            "\\PC{0,40}",
            proptest::collection::vec(any::<u8>(), 0..100),
        ),
    )
        .prop_map(
            |((ti, tu, si, su, mi, mu), (i, iu, bi, bu, f, d), (dec, date, dt, tm, s, b))| {
                let date = DateTime::date(date.year, date.month, date.day);
                Row {
                    ti,
                    tu,
                    si,
                    su,
                    mi,
                    mu,
                    i,
                    iu,
                    bi,
                    bu,
                    f,
                    d,
                    dec,
                    date,
                    dt,
                    tm,
                    s,
                    b,
                }
            },
        )
}

type Ints = (i8, u8, i16, u16, i32, u32, i32, u32, i64, u64);
type Rest = (f32, f64, String, DateTime, DateTime, Time, String, Vec<u8>);

#[test]
fn random_values_round_trip_through_both_protocols() {
    let mut c = blocking(&url());
    let t = table("prop");
    c.query_drop(format!(
        "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, ti TINYINT, tu TINYINT UNSIGNED, \
         si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, \
         iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec65 DECIMAL(65,30), \
         dt DATE, dtm DATETIME(6), tm TIME(6), s VARCHAR(100) CHARACTER SET utf8mb4, \
         b VARBINARY(100))"
    ))
    .unwrap();
    let insert = format!("INSERT INTO {t} VALUES ({})", vec!["?"; 19].join(","));
    let ints_sql = "ti, tu, si, su, mi, mu, i, iu, bi, bu";
    let rest_sql = "f, d, dec65, dt, dtm, tm, s, b";
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    let id = std::cell::Cell::new(0i64);
    let c = std::cell::RefCell::new(c);
    runner
        .run(&row(), |r| {
            id.set(id.get() + 1);
            let id = id.get();
            let mut c = c.borrow_mut();
            let params = vec![
                Value::Int(id),
                Value::Int(r.ti as i64),
                Value::UInt(r.tu as u64),
                Value::Int(r.si as i64),
                Value::UInt(r.su as u64),
                Value::Int(r.mi as i64),
                Value::UInt(r.mu as u64),
                Value::Int(r.i as i64),
                Value::UInt(r.iu as u64),
                Value::Int(r.bi),
                Value::UInt(r.bu),
                Value::Float(r.f),
                Value::Double(r.d),
                Value::Bytes(r.dec.clone().into_bytes()),
                Value::DateTime(r.date),
                Value::DateTime(r.dt),
                Value::Time(r.tm),
                Value::Bytes(r.s.clone().into_bytes()),
                Value::Bytes(r.b.clone()),
            ];
            c.exec_drop(insert.as_str(), params).unwrap();
            let want_ints: Ints = (r.ti, r.tu, r.si, r.su, r.mi, r.mu, r.i, r.iu, r.bi, r.bu);
            let q = format!("SELECT {ints_sql} FROM {t} WHERE id = {id}");
            let text: Vec<Ints> = c.query_collect(&q).unwrap();
            let binary: Vec<Ints> = c.exec_collect(&q, ()).unwrap();
            prop_assert_eq!(&text, &vec![want_ints]);
            prop_assert_eq!(&binary, &vec![want_ints]);
            let q = format!("SELECT {rest_sql} FROM {t} WHERE id = {id}");
            let text: Vec<Rest> = c.query_collect(&q).unwrap();
            let binary: Vec<Rest> = c.exec_collect(&q, ()).unwrap();
            let (tf, td, tdec, tdate, tdt, ttm, ts, tb) = text[0].clone();
            let (bf, bd, bdec, bdate, bdt, btm, bs, bb) = binary[0].clone();
            // FLOAT: exact in binary; the text protocol shows 6 significant digits.
            prop_assert_eq!(bf, r.f);
            prop_assert!(
                tf == r.f || ((tf - r.f) / r.f).abs() < 1e-5,
                "{} vs {}",
                tf,
                r.f
            );
            prop_assert_eq!(td, r.d);
            prop_assert_eq!(bd, r.d);
            prop_assert_eq!(&tdec, &r.dec);
            prop_assert_eq!(&bdec, &r.dec);
            prop_assert_eq!((tdate, tdt, ttm), (r.date, r.dt, r.tm));
            prop_assert_eq!((bdate, bdt, btm), (r.date, r.dt, r.tm));
            prop_assert_eq!(&ts, &r.s);
            prop_assert_eq!(&bs, &r.s);
            prop_assert_eq!(&tb, &r.b);
            prop_assert_eq!(&bb, &r.b);
            Ok(())
        })
        .unwrap();
    assert!(id.get() >= 200, "only {} cases ran", id.get());
}

#[test]
fn optional_conversions_against_the_server() {
    use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
    let mut c = blocking(&url());
    type R = (
        NaiveDate,
        NaiveDateTime,
        TimeDelta,
        uuid::Uuid,
        rust_decimal::Decimal,
        serde_json::Value,
    );
    let sql = "SELECT CAST('2024-02-29' AS DATE), CAST('2024-02-29 01:02:03.5' AS DATETIME(6)), \
               CAST('-100:00:01' AS TIME), CAST('123e4567-e89b-12d3-a456-426614174000' AS UUID), \
               CAST('-12.50' AS DECIMAL(10,2)), JSON_OBJECT('a', 1)";
    let text: Vec<R> = c.query_collect(sql).unwrap();
    let binary: Vec<R> = c.exec_collect(sql, ()).unwrap();
    assert_eq!(text, binary);
    let (d, dt, td, u, dec, j) = text[0].clone();
    assert_eq!(d.to_string(), "2024-02-29");
    assert_eq!(dt.to_string(), "2024-02-29 01:02:03.500");
    assert_eq!(td.num_seconds(), -360001);
    assert_eq!(u.to_string(), "123e4567-e89b-12d3-a456-426614174000");
    assert_eq!(dec.to_string(), "-12.50");
    assert_eq!(j["a"], 1);
    // And as parameters.
    let back: Vec<(String, String, String)> = c
        .exec_collect(
            "SELECT CAST(? AS CHAR), CAST(? AS CHAR), CAST(? AS CHAR)",
            (dt, u, dec),
        )
        .unwrap();
    assert_eq!(
        back,
        vec![(
            "2024-02-29 01:02:03.500000".to_string(),
            "123e4567-e89b-12d3-a456-426614174000".to_string(),
            "-12.50".to_string()
        )]
    );
}
