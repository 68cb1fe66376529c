//! `COM_CHANGE_USER` and `COM_RESET_CONNECTION` on every adapter against the test server: the
//! new login (also through an auth switch to ed25519, over TLS, compressed), the session reset
//! it implies, a refused login, and the statement cache staying usable (re-prepared lazily).

use integration_tests::client::{Adapter, Client};
use integration_tests::url;
use mysql_proto::{ErrorKind, Value};

integration_tests::for_every_adapter!(
    change_user_switches_login_and_resets_the_session,
    change_user_works_over_tls_and_compression,
    a_refused_change_user_is_fatal,
    reset_keeps_the_statement_cache_usable,
);

async fn whoami<C: Client>(c: &mut C) -> (String, Option<String>) {
    let got: Vec<(String, Option<String>)> = c
        .query_collect("SELECT CURRENT_USER(), DATABASE()")
        .await
        .unwrap();
    got[0].clone()
}

async fn prepares<C: Client>(c: &mut C) -> i64 {
    let got: Vec<(String, i64)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")
        .await
        .unwrap();
    got[0].1
}

fn change_user_switches_login_and_resets_the_session<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&format!("{}?init-sql=SET%20%40init%3D7", url()))
            .await
            .unwrap();
        c.query_drop("SET @x = 1").await.unwrap();
        let got: Vec<(i64,)> = c
            .exec_collect("SELECT ? + 1", vec![Value::Int(1)])
            .await
            .unwrap();
        assert_eq!(got, vec![(2,)]);
        // ed25519: the server switches the auth plugin during the change.
        c.change_user("rs_ed25519", Some("ed_pw"), Some("information_schema"))
            .await
            .unwrap();
        assert_eq!(
            whoami(&mut c).await,
            ("rs_ed25519@%".into(), Some("information_schema".into()))
        );
        let got: Vec<(Option<i64>, Option<i64>)> =
            c.query_collect("SELECT @x, @init").await.unwrap();
        assert_eq!(
            got,
            vec![(None, Some(7))],
            "session reset, init-sql run again"
        );
        assert_eq!(c.session().schema(), Some("information_schema"));
        // The statement cache was cleared with the server's statements: re-prepared on use.
        let got: Vec<(i64,)> = c
            .exec_collect("SELECT ? + 1", vec![Value::Int(2)])
            .await
            .unwrap();
        assert_eq!(got, vec![(3,)]);
        // And back, without a database.
        c.change_user("rs_native", Some("native_pw"), None)
            .await
            .unwrap();
        let (user, db) = whoami(&mut c).await;
        assert!(user.starts_with("rs_native@"), "{user}");
        assert_eq!(db, None);
        c.ping().await.unwrap();
    });
}

fn change_user_works_over_tls_and_compression<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&format!("{}?ssl-mode=REQUIRED&compression=zlib", url()))
            .await
            .unwrap();
        // rs_ssl is REQUIRE SSL.
        c.change_user("rs_ssl", Some("ssl_pw"), Some("test"))
            .await
            .unwrap();
        assert_eq!(whoami(&mut c).await.0, "rs_ssl@%");
        let got: Vec<(String, String)> = c
            .query_collect(
                "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.SESSION_STATUS \
                 WHERE VARIABLE_NAME IN ('COMPRESSION', 'SSL_VERSION') ORDER BY 1",
            )
            .await
            .unwrap();
        assert_eq!(got[0].1, "ON");
        assert!(got[1].1.starts_with("TLSv1."), "{got:?}");
        c.change_user("rs_ed25519", Some("ed_pw"), Some("test"))
            .await
            .unwrap();
        assert_eq!(whoami(&mut c).await.0, "rs_ed25519@%");
        let big: Vec<(u64,)> = c
            .query_collect("SELECT LENGTH(REPEAT('z', 1000000))")
            .await
            .unwrap();
        assert_eq!(big, vec![(1_000_000,)]);
    });
}

fn a_refused_change_user_is_fatal<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let e = c
            .change_user("rs_native", Some("wrong"), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert_eq!(e.server().map(|s| s.code), Some(1045), "{e}");
        assert!(e.is_fatal());
        assert!(c.ping().await.is_err());
    });
}

fn reset_keeps_the_statement_cache_usable<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let sql = "SELECT ? * 3";
        let got: Vec<(i64,)> = c.exec_collect(sql, vec![Value::Int(5)]).await.unwrap();
        assert_eq!(got, vec![(15,)]);
        c.reset().await.unwrap();
        // The reset zeroes the session's counters; nothing is prepared until a statement is
        // used again, then once.
        let before = prepares(&mut c).await;
        for i in 0..3 {
            let got: Vec<(i64,)> = c.exec_collect(sql, vec![Value::Int(i)]).await.unwrap();
            assert_eq!(got, vec![(i * 3,)]);
        }
        assert_eq!(prepares(&mut c).await, before + 1);
    });
}
