//! Network faults between every adapter and the server (through the loopback fault proxy):
//! a cut gives an error, never a wrong row, never a hang; byte-at-a-time delivery gives the
//! same rows; after a cut a new connection works.

use integration_tests::client::{Adapter, Client};
use integration_tests::proxy::{Fault, FaultProxy};
use integration_tests::{connect, for_every_adapter, port, url};
use mysql_proto::{PipelineStep, StepStatement, Value};

for_every_adapter!(
    cut_at_every_97th_byte_of_a_50k_row_result,
    cut_at_every_97th_byte_of_a_prepared_execute,
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
        let steps = || -> Vec<PipelineStep> {
            (0..1000)
                .map(|i| PipelineStep::Exec {
                    stmt: StepStatement::Sql("SELECT ?, REPEAT('x', 40)".into()),
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

fn plain_url(p: &FaultProxy) -> String {
    format!(
        "{}?ssl-mode=DISABLED&read-timeout=5&connect-timeout=5&query-timeout=5",
        p.url(&url())
    )
}

/// Cuts the server's bytes at every 97th offset of a connect + 50,000-row query: each run
/// ends in a fatal error after a correct prefix of the rows, never a wrong row or a hang.
fn cut_at_every_97th_byte_of_a_50k_row_result<A: Adapter>() {
    A::block_on(async {
        let sql = "SELECT seq FROM seq_1_to_50000";
        let proxy = FaultProxy::start(port(), Fault::None);
        let mut c: A::Conn = connect(&plain_url(&proxy)).await;
        let (n, err) = c.count_seq(sql).await;
        assert!(err.is_none() && n == 50_000);
        drop(c);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let total = proxy.bytes_to_client();
        let mut cuts = 0;
        for cut in (0..total).step_by(97) {
            proxy.set_fault(Fault::CutToClientAfter(cut));
            let Ok(mut c) = A::Conn::connect(&plain_url(&proxy)).await else {
                cuts += 1;
                continue; // cut inside the handshake: a clean error
            };
            // count_seq asserts every row is the right one, in order.
            let (n, err) = c.count_seq(sql).await;
            // Every row can have arrived only when the cut falls in the final OK packet.
            assert!(
                n < 50_000 || cut + 16 > total,
                "cut {cut} of {total}: the whole result arrived"
            );
            assert!(
                err.expect("a cut result ends in an error").is_fatal(),
                "cut {cut}"
            );
            cuts += 1;
        }
        assert!(cuts > 4000, "{cuts} cuts");
        // After all that, a new connection works.
        let mut c: A::Conn = connect(&url()).await;
        assert_eq!(
            c.query_collect::<(i32,)>("SELECT 1").await.unwrap(),
            vec![(1,)]
        );
    })
}

/// The same for connect + prepare + execute of a 2,000-row statement.
fn cut_at_every_97th_byte_of_a_prepared_execute<A: Adapter>() {
    A::block_on(async {
        let sql = "SELECT seq, ? FROM seq_1_to_2000";
        let params = || vec![mysql_proto::Value::Bytes(b"param".to_vec())];
        let proxy = FaultProxy::start(port(), Fault::None);
        let mut c: A::Conn = connect(&plain_url(&proxy)).await;
        let (full, err) = c.exec_results(sql, params()).await;
        assert!(err.is_none() && full.len() == 2001);
        drop(c);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let total = proxy.bytes_to_client();
        for cut in (0..total).step_by(97) {
            proxy.set_fault(Fault::CutToClientAfter(cut));
            let Ok(mut c) = A::Conn::connect(&plain_url(&proxy)).await else {
                continue;
            };
            let (lines, err) = c.exec_results(sql, params()).await;
            // Every row can have arrived only when the cut falls in the final OK packet.
            assert!(
                lines.len() < full.len() || cut + 16 > total,
                "cut {cut} of {total}: the whole result arrived"
            );
            assert!(
                lines.iter().zip(&full).all(|(a, b)| a == b),
                "cut {cut}: wrong row"
            );
            assert!(
                err.expect("a cut execute ends in an error").is_fatal(),
                "cut {cut}"
            );
        }
    })
}
