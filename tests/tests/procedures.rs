//! Stored procedures on every adapter against the test server: every result set of a `CALL`,
//! typed OUT and INOUT parameters of a prepared `CALL` (`SERVER_PS_OUT_PARAMS`), procedures
//! without OUT parameters, and errors raised inside a procedure.

use integration_tests::client::{Adapter, Client};
use integration_tests::url;
use mysql_proto::{ErrorKind, Value};

integration_tests::for_every_adapter!(
    out_and_inout_parameters_come_back_typed,
    every_result_set_of_a_procedure,
    an_error_inside_a_procedure,
);

/// Creates procedure `name` (per adapter: the adapters' tests run in parallel).
async fn procedure<C: Client>(c: &mut C, name: &str, body: &str) -> String {
    let flavour: String = std::any::type_name::<C>()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let p = format!("{name}_{}", &flavour[flavour.len().saturating_sub(10)..]);
    c.query_drop(&format!("DROP PROCEDURE IF EXISTS {p}"))
        .await
        .unwrap();
    c.query_drop(&format!("CREATE PROCEDURE {p}{body}"))
        .await
        .unwrap();
    p
}

fn out_and_inout_parameters_come_back_typed<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let p = procedure(
            &mut c,
            "typed_out",
            "(IN a BIGINT, OUT doubled BIGINT, INOUT note VARCHAR(40), OUT price DECIMAL(14,2), \
             OUT at DATETIME, OUT raw VARBINARY(8)) \
             BEGIN SET doubled = a * 2; SET note = CONCAT(note, '!'); SET price = a / 4; \
             SET at = '2026-12-02 10:11:12'; SET raw = X'00FF10'; END",
        )
        .await;
        let out = c
            .call(
                &format!("CALL {p}(?, ?, ?, ?, ?, ?)"),
                vec![
                    Value::Int(4_000_000_000),
                    Value::Null,
                    Value::Bytes(b"hello".to_vec()),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                ],
            )
            .await
            .unwrap();
        let row = out.out_params().expect("OUT parameters");
        assert_eq!(row.len(), 5);
        assert_eq!(row.get::<i64>(0).unwrap(), 8_000_000_000);
        assert_eq!(row.get::<String>(1).unwrap(), "hello!");
        assert_eq!(row.get::<String>(2).unwrap(), "1000000000.00");
        assert_eq!(row.get::<String>(3).unwrap(), "2026-12-02 10:11:12");
        assert_eq!(row.get::<Vec<u8>>(4).unwrap(), vec![0x00, 0xff, 0x10]);
        let names: Vec<String> = row
            .columns()
            .iter()
            .map(|c| c.name().into_owned())
            .collect();
        assert_eq!(names, ["doubled", "note", "price", "at", "raw"]);
        assert_eq!(out.result_sets().count(), 0);
        // A procedure without OUT parameters has none.
        let p2 = procedure(&mut c, "no_out", "(IN a INT) BEGIN DO a; END").await;
        let out = c
            .call(&format!("CALL {p2}(?)"), vec![Value::Int(1)])
            .await
            .unwrap();
        assert!(out.out_params().is_none());
        c.ping().await.unwrap();
    });
}

fn every_result_set_of_a_procedure<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let p = procedure(
            &mut c,
            "many_sets",
            "(IN n INT, OUT total INT) BEGIN \
             SELECT seq FROM seq_1_to_3; \
             SELECT seq, seq * seq FROM seq_1_to_1000 WHERE seq <= n; \
             SELECT SUM(seq) INTO total FROM seq_1_to_1000 WHERE seq <= n; END",
        )
        .await;
        let out = c
            .call(
                &format!("CALL {p}(?, ?)"),
                vec![Value::Int(500), Value::Null],
            )
            .await
            .unwrap();
        let sets: Vec<_> = out.result_sets().collect();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].rows.len(), 3);
        assert_eq!(sets[1].rows.len(), 500);
        assert_eq!(sets[1].rows[499].get::<i64>(1).unwrap(), 250_000);
        assert_eq!(out.out_params().unwrap().get::<i64>(0).unwrap(), 125_250);
        // Through the text protocol the result sets are the same (no OUT parameters there).
        let (rendered, e) = c.results(&format!("CALL {p}(2, @t)")).await;
        assert!(e.is_none(), "{e:?}");
        assert_eq!(
            rendered,
            [
                "cols:seq",
                "row:1",
                "row:2",
                "row:3",
                "cols:seq,seq * seq",
                "row:1,1",
                "row:2,4",
                "ok:1"
            ]
        );
    });
}

fn an_error_inside_a_procedure<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let p = procedure(
            &mut c,
            "fails",
            "(OUT x INT) BEGIN SELECT 1; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'out of stock'; END",
        )
        .await;
        let e = c
            .call(&format!("CALL {p}(?)"), vec![Value::Null])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert_eq!(e.server().unwrap().message, "out of stock");
        let got: Vec<(i64,)> = c.query_collect("SELECT 5").await.unwrap();
        assert_eq!(got, vec![(5,)]);
    });
}
