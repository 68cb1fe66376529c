//! `mysql_compio` on a compio runtime (io_uring; compio is thread-per-core, so the connection
//! stays on this thread): connect, a query, a prepared statement with parameters, a
//! transaction; the same API as the blocking adapter, with `.await`.
//!
//! `cargo run -p mysql-examples --example compio` (uses `$MYSQL_URL` or the test server).

use mysql_compio::Conn;

fn main() -> mysql_compio::Result<()> {
    compio::runtime::Runtime::new()
        .map_err(mysql_compio::Error::io)?
        .block_on(run())
}

async fn run() -> mysql_compio::Result<()> {
    let mut conn = Conn::connect(mysql_examples::url()).await?;
    let (version,): (String,) = conn
        .query_first("SELECT VERSION()")
        .await?
        .expect("one row");
    println!("server {version}");
    let rows: Vec<(i64, String)> = conn
        .exec_collect(
            "SELECT seq, CONCAT('item ', seq) FROM seq_1_to_3 WHERE seq >= ?",
            (2,),
        )
        .await?;
    for (n, label) in &rows {
        println!("row {n} {label}");
    }
    let mut tx = conn.begin()?;
    tx.query_drop("CREATE TEMPORARY TABLE ex (n INT)").await?;
    tx.exec_drop("INSERT INTO ex VALUES (?), (?)", (20, 22))
        .await?;
    let (sum,): (i64,) = tx
        .query_first("SELECT SUM(n) FROM ex")
        .await?
        .expect("a sum");
    tx.commit().await?;
    println!("sum {sum}");
    conn.close().await
}
