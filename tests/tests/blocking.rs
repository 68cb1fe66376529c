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
    // Says what happened and what state the connection is in (not "os error 11").
    assert!(e.is_fatal());
    assert!(
        e.message().contains("read timeout") && e.message().contains("broken"),
        "{e}"
    );
    let again = c.ping().unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Timeout);
    assert_eq!(again.message(), e.message());
}

/// Pipelines and batches of random sizes under random small `max-in-flight` and
/// `max-send-buffer`, transactions and results dropped half-way: after each, the connection
/// answers a check query exactly and no dropped transaction committed.
#[test]
fn random_operations_under_small_limits() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |bound: u64| {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    };
    let t = table("blocking_random");
    for round in 0..3 {
        let (max_in_flight, max_send) = (2 + next(7), 4096u64 << next(6));
        let mut c = blocking(&format!(
            "{}?max-in-flight={max_in_flight}&max-send-buffer={max_send}",
            url()
        ));
        c.query_drop(format!("CREATE TEMPORARY TABLE {t} (n BIGINT, s TEXT)"))
            .unwrap();
        for i in 0..40u64 {
            let large = next(4) == 0;
            let size = 1 + next(if large { 3000 } else { 40 });
            let pad = "p".repeat(next(2000) as usize);
            match next(4) {
                0 => {
                    let mut p = c.pipeline();
                    for j in 0..size {
                        p = p.exec(format!("SELECT ? + {}", j % 97), (j,));
                    }
                    let out = p.run().unwrap();
                    assert_eq!(out.len() as u64, size);
                    assert!(out.iter().all(|r| r.is_ok()));
                }
                1 => {
                    let sets = (0..size).map(|j| (j as i64, pad.as_str()));
                    let sql = format!("INSERT INTO {t} VALUES (?, ?)");
                    assert_eq!(c.exec_batch(sql, sets).unwrap(), size);
                }
                2 => {
                    let mut tx = c.begin().unwrap();
                    let sets = (0..size).map(|_| (-1i64, "tx"));
                    tx.exec_batch(format!("INSERT INTO {t} VALUES (?, ?)"), sets)
                        .unwrap();
                    drop(tx);
                }
                _ => {
                    let mut r = c.query("SELECT seq FROM seq_1_to_5000").unwrap();
                    for _ in 0..next(100) {
                        r.next_row().unwrap();
                    }
                }
            }
            let got: Vec<(u64, String)> = c
                .query_collect(format!("SELECT {i}, 'check-{i}'"))
                .unwrap_or_else(|e| panic!("round {round} step {i}: {e}"));
            assert_eq!(got, vec![(i, format!("check-{i}"))]);
            let committed: Vec<(i64,)> = c
                .query_collect(format!("SELECT COUNT(*) FROM {t} WHERE n = -1"))
                .unwrap();
            assert_eq!(committed, vec![(0,)], "a dropped transaction committed");
        }
    }
}

/// `exec_batch` with tuples borrowing the caller's rows (strings lent, `Decimal` text inline,
/// NULLs, a parameter changing type, a value too long for the inline buffer): every value
/// arrives, in bulk commands.
#[test]
fn exec_batch_of_borrowed_tuples() {
    use mysql_proto::ToValue;
    use rust_decimal::Decimal;
    let mut c = blocking(&url());
    let t = table("borrowed_batch");
    c.query_drop(format!(
        "CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY, name VARCHAR(300), \
         amount DECIMAL(30,10), note TEXT)"
    ))
    .unwrap();
    struct Row {
        id: i32,
        name: String,
        amount: Decimal,
        note: Option<String>,
    }
    let rows: Vec<Row> = (0..5_000)
        .map(|i| Row {
            id: i,
            // Every 500th name is longer than any inline text.
            name: if i % 500 == 0 {
                "n".repeat(280)
            } else {
                format!("name {i}")
            },
            amount: Decimal::new(i as i64 * 1_000_003 - 2_000_000_000, (i % 11) as u32),
            note: (i % 3 != 0).then(|| format!("note {i}")),
        })
        .collect();
    let inserted = c
        .exec_batch(
            format!("INSERT INTO {t} VALUES (?, ?, ?, ?)"),
            rows.iter()
                .map(|r| (r.id, r.name.as_str(), &r.amount, r.note.as_deref())),
        )
        .unwrap();
    assert_eq!(inserted, 5_000);
    // A parameter whose type changes mid-batch (integer, then string) still arrives.
    let mixed = c
        .exec_batch(
            format!("UPDATE {t} SET note = ? WHERE id = ?"),
            [(None, 1), (Some("text"), 2)]
                .into_iter()
                .map(|(s, id): (Option<&str>, i32)| {
                    (s.map_or(mysql_proto::Value::Int(7), |s| s.to_value()), id)
                }),
        )
        .unwrap();
    assert_eq!(mixed, 2);
    let got: Vec<(i32, String, Decimal, Option<String>)> = c
        .query_collect(format!(
            "SELECT id, name, amount, note FROM {t} ORDER BY id"
        ))
        .unwrap();
    assert_eq!(got.len(), rows.len());
    for (g, r) in got.iter().zip(&rows) {
        assert_eq!((g.0, g.1.as_str(), g.2), (r.id, r.name.as_str(), r.amount));
        let want_note = match r.id {
            1 => Some("7".to_string()),
            2 => Some("text".to_string()),
            _ => r.note.clone(),
        };
        assert_eq!(g.3, want_note, "row {}", r.id);
    }
}

/// The optional conversions' types are reachable through the adapter crates (`types`), so an
/// application needs no second dependency on `mysql-proto` to name them.
#[test]
fn the_optional_types_come_through_the_adapters() {
    use mysql_blocking::types::{chrono::NaiveDate, rust_decimal::Decimal};
    let mut c = blocking(&url());
    let row: Option<(NaiveDate, Decimal)> = c
        .query_first("SELECT DATE '2026-12-02', CAST('12.50' AS DECIMAL(6,2))")
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert_eq!(row, Some((day, Decimal::new(1250, 2))));
    // The same crates, whichever adapter names them.
    let _: Option<mysql_tokio::types::uuid::Uuid> =
        mysql_smol::types::uuid::Uuid::from_slice(&[7; 16]).ok();
}

/// `Json<T>`: a JSON column read into a typed value through serde and written back with
/// `Json::encode`; text that does not fit is a conversion error naming the column, a value
/// serde cannot write an error before anything is sent.
#[test]
fn json_columns_as_typed_values() {
    use mysql_blocking::{ErrorKind, Json};
    use std::collections::BTreeMap;
    type Doc = BTreeMap<String, Vec<i64>>;
    let mut c = blocking(&url());
    let t = table("json_typed");
    c.query_drop(format!("CREATE TEMPORARY TABLE {t} (id INT, doc JSON)"))
        .unwrap();
    let doc: Doc = [("a".to_string(), vec![1, 2]), ("b".to_string(), vec![])].into();
    let param = Json(&doc).encode().unwrap();
    c.exec_drop(format!("INSERT INTO {t} VALUES (1, ?)"), (param,))
        .unwrap();
    c.query_drop(format!(
        "INSERT INTO {t} VALUES (2, '[\"not\", \"a map\"]')"
    ))
    .unwrap();
    let back: Option<Json<Doc>> = c
        .exec_first(format!("SELECT doc FROM {t} WHERE id = ?"), (1,))
        .unwrap();
    assert_eq!(back, Some(Json(doc)));
    let e = c
        .query_first::<Json<Doc>>(format!("SELECT doc FROM {t} WHERE id = 2"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(e.message().contains("`doc`"), "{e}");
    let unwritable: BTreeMap<(i32, i32), i32> = [((1, 2), 3)].into();
    assert_eq!(
        Json(unwritable).encode().unwrap_err().kind(),
        ErrorKind::Conversion
    );
}
