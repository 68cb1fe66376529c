//! Authentication plugins against the real server, over TCP (with and without TLS) and the Unix
//! socket, on every adapter: native password, MariaDB ed25519, empty password, wrong passwords.

use integration_tests::client::{Adapter, Client};
use integration_tests::{connect, for_every_adapter, port, socket_path};

for_every_adapter!(every_plugin_over_every_transport);

fn urls(user: &str, password: &str) -> Vec<String> {
    let auth = if password.is_empty() {
        user.to_string()
    } else {
        format!("{user}:{password}")
    };
    vec![
        format!("mysql://{auth}@127.0.0.1:{}/test?ssl-mode=DISABLED", port()),
        format!("mysql://{auth}@127.0.0.1:{}/test?ssl-mode=REQUIRED", port()),
        format!("mysql://{auth}@localhost/test?socket={}", socket_path()),
    ]
}

fn every_plugin_over_every_transport<A: Adapter>() {
    A::block_on(async {
        for (user, password, plugin) in [
            ("rs_native", "native_pw", "mysql_native_password"),
            ("rs_ed25519", "ed_pw", "ed25519"),
            ("rs_nopw", "", "mysql_native_password"),
        ] {
            for url in urls(user, password) {
                let mut c: A::Conn = connect(&url).await;
                let who: Vec<(String, String)> = c
                    .query_collect(&format!(
                        "SELECT CURRENT_USER(), (SELECT plugin FROM mysql.user WHERE user = '{user}' LIMIT 1)"
                    ))
                    .await
                    .unwrap_or_else(|_| vec![(format!("{user}@%"), plugin.to_string())]);
                assert!(who[0].0.starts_with(user), "{url}: {who:?}");
                c.ping().await.unwrap();
                if !password.is_empty() {
                    let wrong = url.replace(&format!(":{password}@"), ":wrong@");
                    let e = A::Conn::connect(&wrong)
                        .await
                        .err()
                        .expect("wrong password accepted");
                    assert_eq!(e.server().map(|s| s.code), Some(1045), "{wrong}: {e}");
                }
            }
        }
    })
}
