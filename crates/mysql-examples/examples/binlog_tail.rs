//! Change data capture with `mysql_tokio`: writes a few rows, then reads them back from the
//! server's binary log (`COM_BINLOG_DUMP`) as typed row changes. Needs `log-bin` with
//! `binlog_format=ROW` (the test server has both) and the `REPLICATION SLAVE` privilege.
//!
//! `cargo run -p mysql-examples --example binlog_tail` (uses `$MYSQL_URL` or the test server).
//! Here the dump ends at the end of the log (`non_blocking(true)`); a real tail leaves it off
//! and waits for new events on a connection of its own.

use mysql_tokio::binlog::{BinlogRequest, EventData, RowsKind};
use mysql_tokio::{Conn, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> mysql_tokio::Result<()> {
    let mut conn = Conn::connect(mysql_examples::url()).await?;
    conn.query_drop("CREATE OR REPLACE TABLE cdc_example (id INT PRIMARY KEY, name VARCHAR(20))")
        .await?;
    // Where the log is now: the changes below come after it.
    let (file, position) = conn.binlog_position().await?;
    conn.exec_drop(
        "INSERT INTO cdc_example VALUES (?, ?), (?, ?)",
        (1, "ada", 2, "bob"),
    )
    .await?;
    conn.query_drop("UPDATE cdc_example SET name = 'grace' WHERE id = 1")
        .await?;
    conn.query_drop("DELETE FROM cdc_example WHERE id = 2")
        .await?;

    // A dump takes its connection for good (the server closes it afterwards): a second one.
    let mut replica = Conn::connect(mysql_examples::url()).await?;
    let request = BinlogRequest::new(4321)
        .file(file, position)
        .non_blocking(true);
    let mut stream = replica.binlog_dump(&request).await?;
    while let Some(event) = replica.next_binlog_event(&mut stream).await? {
        let EventData::Rows(rows) = event.data else {
            continue;
        };
        if rows.table.table != "cdc_example" {
            continue;
        }
        for change in rows.rows {
            let (before, after) = (show(change.before), show(change.after));
            match rows.kind {
                RowsKind::Insert => println!("insert {after}"),
                RowsKind::Update => println!("update {before} -> {after}"),
                RowsKind::Delete => println!("delete {before}"),
            }
        }
    }
    conn.query_drop("DROP TABLE cdc_example").await?;
    conn.close().await
}

/// A row image as `(1, ada)`.
fn show(image: Option<Vec<Option<Value>>>) -> String {
    let values: Vec<String> = image
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Some(Value::Int(n)) => n.to_string(),
            Some(Value::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
            Some(other) => format!("{other:?}"),
            None => "?".into(),
        })
        .collect();
    format!("({})", values.join(", "))
}
