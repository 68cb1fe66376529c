//! `mysql-blocking`: connect, a query, a prepared statement with parameters, a transaction.
//!
//! `cargo run -p mysql-examples --example blocking` (uses `$MYSQL_URL` or the test server).

use mysql_blocking::Conn;

fn main() -> mysql_blocking::Result<()> {
    let mut conn = Conn::connect(mysql_examples::url())?;
    let (version,): (String,) = conn.query_first("SELECT VERSION()")?.expect("one row");
    println!("server {version}");
    let rows: Vec<(i64, String)> = conn.exec_collect(
        "SELECT seq, CONCAT('item ', seq) FROM seq_1_to_3 WHERE seq >= ?",
        (2,),
    )?;
    for (n, label) in &rows {
        println!("row {n} {label}");
    }
    let mut tx = conn.begin()?;
    tx.query_drop("CREATE TEMPORARY TABLE ex (n INT)")?;
    tx.exec_drop("INSERT INTO ex VALUES (?), (?)", (20, 22))?;
    let (sum,): (i64,) = tx.query_first("SELECT SUM(n) FROM ex")?.expect("a sum");
    tx.commit()?;
    println!("sum {sum}");
    conn.close()
}
