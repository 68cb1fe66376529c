//! `mysql-rs` over TLS with full verification, and refusing a server certificate it cannot
//! verify.

use std::process::Command;

use integration_tests::{root, url};

fn mysql_rs(url: &str, sql: &str) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_mysql-rs"))
        .args(["--url", url, "--batch", "-e", sql])
        .output()
        .expect("run mysql-rs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn verify_identity_through_the_cli() {
    let tls = root().join("target/test-server/tls");
    let ca = tls.join("ca.pem");
    let good = format!("{}?ssl-mode=VERIFY_IDENTITY&ssl-ca={}", url(), ca.display());
    let (out, err, code) = mysql_rs(&good, "SHOW SESSION STATUS LIKE 'Ssl_version'");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Ssl_version\tTLSv1."), "{out}");
    let wrong = format!(
        "{}?ssl-mode=VERIFY_CA&ssl-ca={}",
        url(),
        tls.join("wrong-ca.pem").display()
    );
    let (_, err, code) = mysql_rs(&wrong, "SELECT 1");
    assert_eq!(code, Some(1));
    assert!(err.contains("TLS error"), "{err}");
}
