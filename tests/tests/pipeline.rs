//! Pipelining and transactions on every adapter.

use integration_tests::client::{Adapter, Client};
use integration_tests::{connect, for_every_adapter, table, url};
use mysql_proto::{ErrorKind, IsolationLevel, PipelineStep, StepStatement, TxOpts, Value};

for_every_adapter!(
    ten_thousand_point_queries_in_one_run,
    mixed_pipeline_returns_each_outcome_in_order,
    pipeline_of_prepared_executes,
    dropped_transaction_rolls_back,
    committed_transaction_and_options,
);

fn q(sql: impl Into<String>) -> PipelineStep {
    PipelineStep::Query {
        sql: sql.into(),
        keep: true,
    }
}

fn ex(sql: &str, params: Vec<Value>) -> PipelineStep {
    PipelineStep::Exec {
        stmt: StepStatement::Sql(sql.into()),
        params,
        keep: true,
    }
}

fn ten_thousand_point_queries_in_one_run<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let steps: Vec<PipelineStep> = (0..10_000)
            .map(|i| q(format!("SELECT {i}, 'v{i}'")))
            .collect();
        let results = c.run_pipeline(steps).await.unwrap();
        assert_eq!(results.len(), 10_000);
        for (i, r) in results.iter().enumerate() {
            let rows = r.as_ref().unwrap().rows();
            assert_eq!(rows.len(), 1);
            let (n, v): (i64, String) = rows[0].decode().unwrap();
            assert_eq!((n, v), (i as i64, format!("v{i}")));
        }
        // The connection is in sync afterwards.
        assert_eq!(
            c.query_collect::<(i32,)>("SELECT 7").await.unwrap(),
            vec![(7,)]
        );
    })
}

fn mixed_pipeline_returns_each_outcome_in_order<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("mixed");
        let steps = vec![
            q(format!("CREATE TEMPORARY TABLE {t} (id INT PRIMARY KEY)")),
            q(format!("INSERT INTO {t} VALUES (1), (2)")),
            q("SELEC broken"),
            ex(&format!("INSERT INTO {t} VALUES (?)"), vec![Value::Int(3)]),
            ex(&format!("INSERT INTO {t} VALUES (?)"), vec![Value::Int(1)]), // duplicate key
            q(format!("SELECT id FROM {t} WHERE id > 100")),                 // empty result
            ex("SELECT ?, ?", vec![Value::Int(1)]), // wrong parameter count
            ex(
                "SELECT * FROM no_such_table WHERE a = ?",
                vec![Value::Int(1)],
            ), // prepare fails
            q(format!("SELECT COUNT(*) FROM {t}; SELECT 'second'")),
        ];
        let r = c.run_pipeline(steps).await.unwrap();
        assert_eq!(r.len(), 9);
        assert!(r[0].is_ok());
        assert_eq!(r[1].as_ref().unwrap().affected_rows(), 2);
        assert_eq!(r[2].as_ref().unwrap_err().server().unwrap().code, 1064);
        assert_eq!(r[3].as_ref().unwrap().affected_rows(), 1);
        assert_eq!(r[4].as_ref().unwrap_err().server().unwrap().code, 1062);
        let empty = r[5].as_ref().unwrap();
        assert!(empty.results[0].columns.is_some() && empty.rows().is_empty());
        // Wrong parameter count: refused by the client when the statement is known, by the
        // server (1210) when it was prepared in the same round trip.
        let e = r[6].as_ref().unwrap_err();
        assert!(
            e.kind() == ErrorKind::Misuse || e.server().is_some_and(|s| s.code == 1210),
            "{e}"
        );
        assert_eq!(r[7].as_ref().unwrap_err().server().unwrap().code, 1146);
        let last = r[8].as_ref().unwrap();
        assert_eq!(last.results.len(), 2);
        assert_eq!(last.rows()[0].get::<i64>(0).unwrap(), 3);
        assert_eq!(last.results[1].rows[0].get::<String>(0).unwrap(), "second");
    })
}

fn pipeline_of_prepared_executes<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let steps: Vec<PipelineStep> = (0..2000)
            .map(|i| {
                ex(
                    "SELECT ? * 2, CONCAT('n', ?)",
                    vec![Value::Int(i), Value::Int(i)],
                )
            })
            .collect();
        let results = c.run_pipeline(steps).await.unwrap();
        for (i, r) in results.iter().enumerate() {
            let (n, s): (i64, String) = r.as_ref().unwrap().rows()[0].decode().unwrap();
            assert_eq!((n, s), (2 * i as i64, format!("n{i}")));
        }
    })
}

fn dropped_transaction_rolls_back<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("tx");
        c.query_drop(&format!(
            "CREATE TABLE IF NOT EXISTS test.{t} (id INT) ENGINE=InnoDB"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("DELETE FROM test.{t}"))
            .await
            .unwrap();
        c.transaction(
            TxOpts::default(),
            &format!("INSERT INTO test.{t} VALUES (1)"),
            false,
        )
        .await
        .unwrap();
        // The guard was dropped without commit: the next statement sees the rolled-back state
        // and no transaction is open.
        let n: Vec<(i64, i64)> = c
            .query_collect(&format!("SELECT COUNT(*), @@in_transaction FROM test.{t}"))
            .await
            .unwrap();
        assert_eq!(n, vec![(0, 0)]);
        c.query_drop(&format!("DROP TABLE test.{t}")).await.unwrap();
    })
}

fn committed_transaction_and_options<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&url()).await;
        let t = table("txc");
        c.query_drop(&format!(
            "CREATE TABLE IF NOT EXISTS test.{t} (id INT) ENGINE=InnoDB"
        ))
        .await
        .unwrap();
        c.query_drop(&format!("DELETE FROM test.{t}"))
            .await
            .unwrap();
        c.transaction(
            TxOpts::default(),
            &format!("INSERT INTO test.{t} VALUES (1)"),
            true,
        )
        .await
        .unwrap();
        let n: Vec<(i64,)> = c
            .query_collect(&format!("SELECT COUNT(*) FROM test.{t}"))
            .await
            .unwrap();
        assert_eq!(n, vec![(1,)]);
        // A read-only transaction refuses writes.
        let ro = TxOpts {
            isolation: Some(IsolationLevel::Serializable),
            read_only: true,
        };
        let e = c
            .transaction(ro, &format!("INSERT INTO test.{t} VALUES (2)"), true)
            .await
            .unwrap_err();
        assert_eq!(e.server().unwrap().code, 1792, "{e}");
        let n: Vec<(i64,)> = c
            .query_collect(&format!("SELECT COUNT(*) FROM test.{t}"))
            .await
            .unwrap();
        assert_eq!(n, vec![(1,)]);
        c.query_drop(&format!("DROP TABLE test.{t}")).await.unwrap();
    })
}
