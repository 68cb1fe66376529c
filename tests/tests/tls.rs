//! TLS with every ssl-mode, certificate verification, `REQUIRE SSL` and `REQUIRE X509` users,
//! over TCP and the Unix socket, on every adapter.

use integration_tests::client::{Adapter, Client};
use integration_tests::{connect, for_every_adapter, root, socket_path, url};
use mysql_proto::ErrorKind;

for_every_adapter!(
    ssl_modes_over_tcp,
    unix_socket_needs_no_tls,
    verify_ca_and_identity,
    require_ssl_and_x509_users,
);

fn tls_file(name: &str) -> String {
    root()
        .join("target/test-server/tls")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn with(url: &str, opts: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{opts}")
}

async fn ssl_version<C: Client>(c: &mut C) -> String {
    let v: Vec<(String, String)> = c
        .query_collect("SHOW SESSION STATUS LIKE 'Ssl_version'")
        .await
        .unwrap();
    v[0].1.clone()
}

fn ssl_modes_over_tcp<A: Adapter>() {
    A::block_on(async {
        let mut c: A::Conn = connect(&with(&url(), "ssl-mode=DISABLED")).await;
        assert_eq!(ssl_version(&mut c).await, "");
        // PREFERRED is the default and uses TLS when the server offers it.
        let mut c: A::Conn = connect(&url()).await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
        let mut c: A::Conn = connect(&with(&url(), "ssl-mode=REQUIRED")).await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
        // Everything works through TLS, a row larger than 16 MiB included.
        let rows: Vec<(usize,)> = c
            .query_collect("SELECT LENGTH(REPEAT('x', 17000000))")
            .await
            .unwrap();
        assert_eq!(rows, vec![(17_000_000,)]);
        let big: Vec<(Vec<u8>,)> = c
            .query_collect("SELECT REPEAT('z', 17000000)")
            .await
            .unwrap();
        assert_eq!(big[0].0.len(), 17_000_000);
        let got: Vec<(i64,)> = c
            .exec_collect("SELECT ? * 2", vec![mysql_proto::Value::Int(21)])
            .await
            .unwrap();
        assert_eq!(got, vec![(42,)]);
    })
}

fn unix_socket_needs_no_tls<A: Adapter>() {
    A::block_on(async {
        let sock = format!(
            "mysql://rs_native:native_pw@localhost/test?socket={}",
            socket_path()
        );
        let mut c: A::Conn = connect(&sock).await;
        assert_eq!(
            ssl_version(&mut c).await,
            "",
            "PREFERRED adds no TLS on a Unix socket"
        );
        let mut c: A::Conn = connect(&with(&sock, "ssl-mode=REQUIRED")).await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
    })
}

fn verify_ca_and_identity<A: Adapter>() {
    A::block_on(async {
        let ca = tls_file("ca.pem");
        let wrong = tls_file("wrong-ca.pem");
        let mut c: A::Conn =
            connect(&with(&url(), &format!("ssl-mode=VERIFY_CA&ssl-ca={ca}"))).await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
        let e = A::Conn::connect(&with(&url(), &format!("ssl-mode=VERIFY_CA&ssl-ca={wrong}")))
            .await
            .err()
            .expect("VERIFY_CA with the wrong CA must fail");
        assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
        // The server certificate names localhost and 127.0.0.1.
        let mut c: A::Conn = connect(&with(
            &url(),
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"),
        ))
        .await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
        let e = A::Conn::connect(&with(
            &url(),
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&tls-server-name=wrong.example"),
        ))
        .await
        .err()
        .expect("VERIFY_IDENTITY against the wrong name must fail");
        assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
        // VERIFY_CA does not check the name.
        let mut c: A::Conn = connect(&with(
            &url(),
            &format!("ssl-mode=VERIFY_CA&ssl-ca={ca}&tls-server-name=wrong.example"),
        ))
        .await;
        assert!(ssl_version(&mut c).await.starts_with("TLSv1."));
        let e = A::Conn::connect(&with(&url(), "ssl-mode=VERIFY_CA"))
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
        let e = A::Conn::connect(&with(&url(), "ssl-mode=VERIFY_CA&ssl-ca=/nonexistent.pem"))
            .await
            .err()
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
    })
}

fn require_ssl_and_x509_users<A: Adapter>() {
    A::block_on(async {
        let port = integration_tests::port();
        let ssl_user = format!("mysql://rs_ssl:ssl_pw@127.0.0.1:{port}/test");
        let e = A::Conn::connect(&with(&ssl_user, "ssl-mode=DISABLED"))
            .await
            .err()
            .unwrap();
        assert_eq!(e.server().map(|s| s.code), Some(1045), "{e}");
        let mut c: A::Conn = connect(&with(&ssl_user, "ssl-mode=REQUIRED")).await;
        c.ping().await.unwrap();
        let x509 = format!("mysql://rs_x509:x509_pw@127.0.0.1:{port}/test");
        let e = A::Conn::connect(&with(&x509, "ssl-mode=REQUIRED"))
            .await
            .err()
            .unwrap();
        assert_eq!(e.server().map(|s| s.code), Some(1045), "{e}");
        let (cert, key, ca) = (
            tls_file("client-cert.pem"),
            tls_file("client-key.pem"),
            tls_file("ca.pem"),
        );
        let mut c: A::Conn = connect(&with(
            &x509,
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&ssl-cert={cert}&ssl-key={key}"),
        ))
        .await;
        c.ping().await.unwrap();
    })
}
