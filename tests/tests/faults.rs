//! Network faults between every adapter and the server (through the loopback fault proxy):
//! a cut gives an error, never a wrong row, never a hang; byte-at-a-time delivery gives the
//! same rows; after a cut a new connection works.

use integration_tests::client::{Adapter, Client};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, for_every_adapter, port, url};
use mysql_proto::{Step, Stmt, Value};

for_every_adapter!(
    pipeline_cut_mid_way_fails_every_unfinished_command,
    one_byte_at_a_time_gives_the_same_rows,
    cuts_during_a_large_result_never_give_wrong_rows,
    cuts_during_the_handshake_give_clean_errors,
);

fn timeout_url(p: &FaultProxy) -> String {
    format!(
        "{}?read-timeout=5&connect-timeout=5&query-timeout=5",
        p.url(&url())
    )
}

fn pipeline_cut_mid_way_fails_every_unfinished_command<A: Adapter>() {
    A::block_on(async {
        // Measure how many bytes a full run takes, then cut in the middle of it.
        let steps = || -> Vec<Step> {
            (0..1000)
                .map(|i| Step::Exec {
                    stmt: Stmt::Sql("SELECT ?, REPEAT('x', 40)".into()),
                    params: vec![Value::Int(i)],
                    keep: true,
                })
                .collect()
        };
        let proxy = FaultProxy::start(port(), Fault::CutToClientAfter(40_000));
        let mut c: A::Conn = connect(&timeout_url(&proxy)).await;
        let results = c.run_pipeline(steps()).await.unwrap();
        assert_eq!(results.len(), 1000);
        let first_err = results
            .iter()
            .position(|r| r.is_err())
            .expect("the cut is mid-way");
        assert!(first_err > 0, "some commands completed before the cut");
        for (i, r) in results.iter().enumerate() {
            match r {
                Ok(out) => {
                    assert!(i < first_err, "result after a failure");
                    let (n, _): (i64, String) = out.rows()[0].decode().unwrap();
                    assert_eq!(n, i as i64, "wrong row");
                }
                Err(e) => assert!(e.is_fatal(), "step {i}: {e}"),
            }
        }
        // A new connection works.
        let mut c: A::Conn = connect(&url()).await;
        assert_eq!(
            c.query_collect::<(i32,)>("SELECT 1").await.unwrap(),
            vec![(1,)]
        );
    })
}

fn one_byte_at_a_time_gives_the_same_rows<A: Adapter>() {
    A::block_on(async {
        let sql = "SELECT seq, CONCAT('r', seq), seq * 1.5 FROM seq_1_to_300";
        let mut direct: A::Conn = connect(&url()).await;
        let want: Vec<(i64, String, String)> = direct.query_collect(sql).await.unwrap();
        let proxy = FaultProxy::start(port(), Fault::OneByteAtATime);
        let mut slow: A::Conn = connect(&timeout_url(&proxy)).await;
        let got: Vec<(i64, String, String)> = slow.query_collect(sql).await.unwrap();
        assert_eq!(got, want);
        let got: Vec<(i64, String, String)> = slow.exec_collect(sql, vec![]).await.unwrap();
        assert_eq!(got, want);
    })
}

fn cuts_during_a_large_result_never_give_wrong_rows<A: Adapter>() {
    A::block_on(async {
        // A 5k-row result cut at every 997th byte (a sample of offsets: the full sweep at every
        // 97th byte runs in the fault suite of issue 6).
        for cut in (200..120_000).step_by(997 * 13) {
            let proxy = FaultProxy::start(port(), Fault::CutToClientAfter(cut));
            let Ok(mut c) = A::Conn::connect(&timeout_url(&proxy)).await else {
                continue; // cut during the handshake: a clean error
            };
            let (lines, err) = c
                .results("SELECT seq, REPEAT('y', 10) FROM seq_1_to_5000")
                .await;
            for (i, l) in lines.iter().skip(1).enumerate() {
                assert_eq!(l, &format!("row:{},yyyyyyyyyy", i + 1), "cut {cut}");
            }
            if lines.len() < 5001 {
                assert!(err.expect("a short result must end in an error").is_fatal());
            }
        }
    })
}

fn cuts_during_the_handshake_give_clean_errors<A: Adapter>() {
    A::block_on(async {
        // Every cut before the end of the server's handshake bytes fails cleanly; the first
        // cut past them succeeds.
        let mut failed = 0;
        for cut in 0..400 {
            let proxy = FaultProxy::start(port(), Fault::CutToClientAfter(cut));
            match A::Conn::connect(&timeout_url(&proxy)).await {
                Err(e) => {
                    assert!(e.is_fatal(), "cut {cut}: {e}");
                    failed += 1;
                }
                Ok(_) => break,
            }
        }
        assert!(failed > 80, "the handshake is longer than {failed} bytes");
        for cut in [0, 10, 50, 100] {
            let proxy = FaultProxy::start(port(), Fault::CutToServerAfter(cut));
            assert!(
                A::Conn::connect(&timeout_url(&proxy)).await.is_err(),
                "cut {cut}"
            );
        }
    })
}
