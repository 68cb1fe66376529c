//! Server-side cursors (`COM_STMT_FETCH`) on every adapter against the test server: rows in
//! fetches of `n`, other statements between fetches, closing early, errors, compression.

use integration_tests::client::{Adapter, Client};
use integration_tests::url;
use mysql_proto::{ErrorKind, Value};

integration_tests::for_every_adapter!(
    rows_come_in_fetches_with_statements_between,
    a_cursor_closed_early_frees_its_statement,
    statements_without_rows_and_errors,
);

/// Statements this session closed so far (`Com_stmt_close`, session scope: tests run in
/// parallel).
async fn closed<C: Client>(c: &mut C) -> i64 {
    let got: Vec<(String, i64)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Com_stmt_close'")
        .await
        .unwrap();
    got[0].1
}

fn rows_come_in_fetches_with_statements_between<A: Adapter>() {
    A::block_on(async {
        for options in ["", "?compression=zlib"] {
            let mut c = A::Conn::connect(&format!("{}{options}", url()))
                .await
                .unwrap();
            let mut cursor = c
                .open_cursor(
                    "SELECT seq, CONCAT('row ', seq) FROM seq_1_to_10000 WHERE seq > ?",
                    vec![Value::Int(2500)],
                )
                .await
                .unwrap();
            assert_eq!(cursor.columns().len(), 2);
            let (mut next, mut fetches) = (2501, 0);
            while let Some(rows) = c.fetch(&mut cursor, 1000).await.unwrap() {
                fetches += 1;
                assert!(rows.len() <= 1000);
                for row in &rows {
                    assert_eq!(row.get::<i64>(0).unwrap(), next);
                    assert_eq!(row.get::<String>(1).unwrap(), format!("row {next}"));
                    next += 1;
                }
                // The connection is free between fetches.
                let got: Vec<(i64,)> = c.query_collect("SELECT 40 + 2").await.unwrap();
                assert_eq!(got, vec![(42,)]);
                let got: Vec<(i64,)> = c
                    .exec_collect("SELECT ? * 2", vec![Value::Int(next)])
                    .await
                    .unwrap();
                assert_eq!(got, vec![(next * 2,)]);
            }
            assert_eq!(next, 10_001, "{options}");
            assert!(fetches >= 8, "{fetches} fetches");
            assert!(cursor.is_done());
            // Exhausted: fetching again is `None` without a round trip.
            assert!(c.fetch(&mut cursor, 10).await.unwrap().is_none());
        }
    });
}

fn a_cursor_closed_early_frees_its_statement<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let before = closed(&mut c).await;
        let mut cursor = c
            .open_cursor("SELECT seq FROM seq_1_to_100000", vec![])
            .await
            .unwrap();
        let rows = c.fetch(&mut cursor, 10).await.unwrap().unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(closed(&mut c).await, before);
        c.close_cursor(cursor).await.unwrap();
        c.ping().await.unwrap();
        assert_eq!(closed(&mut c).await, before + 1);
        // Two cursors at once, read in turns.
        let mut a = c
            .open_cursor("SELECT seq FROM seq_1_to_30", vec![])
            .await
            .unwrap();
        let mut b = c
            .open_cursor("SELECT seq * 10 FROM seq_1_to_30", vec![])
            .await
            .unwrap();
        let mut sum = 0;
        loop {
            let ra = c.fetch(&mut a, 7).await.unwrap();
            let rb = c.fetch(&mut b, 7).await.unwrap();
            match (ra, rb) {
                (Some(ra), Some(rb)) => {
                    for (x, y) in ra.iter().zip(&rb) {
                        assert_eq!(x.get::<i64>(0).unwrap() * 10, y.get::<i64>(0).unwrap());
                        sum += x.get::<i64>(0).unwrap();
                    }
                }
                (None, None) => break,
                other => panic!("cursors out of step: {other:?}"),
            }
        }
        assert_eq!(sum, 465);
        // Both closed themselves at their last row.
        assert_eq!(closed(&mut c).await, before + 3);
    });
}

fn statements_without_rows_and_errors<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let before = closed(&mut c).await;
        let e = c.open_cursor("DO 1", vec![]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = c
            .open_cursor("SELECT * FROM no_such_table", vec![])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        let e = c.open_cursor("SELECT ?", vec![]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        c.ping().await.unwrap();
        // The two statements that were prepared are closed again.
        assert_eq!(closed(&mut c).await, before + 2);
    });
}
