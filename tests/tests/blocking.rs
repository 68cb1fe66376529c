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
