//! Connection options users expect, on every adapter against the test server: `init-sql`,
//! `charset` / `collation`, and their errors; session state tracking.

use integration_tests::client::{Adapter, Client};
use integration_tests::url;
use mysql_proto::ErrorKind;

integration_tests::for_every_adapter!(
    init_sql_runs_on_every_new_connection,
    a_failing_init_sql_fails_the_connect,
    charset_and_collation_set_the_session,
    unknown_names_are_errors,
    the_session_is_tracked,
    tcp_keepalive_arms_the_kernel_timer,
    multi_statements_can_be_switched_at_run_time,
    query_attributes_are_refused_by_mariadb,
    prefer_socket_moves_a_loopback_connection_to_the_unix_socket,
);

fn with_options(options: &str) -> String {
    let u = url();
    let sep = if u.contains('?') { '&' } else { '?' };
    format!("{u}{sep}{options}")
}

/// Two init statements (percent-encoded in the URL), run in order on each connect.
fn init_sql_runs_on_every_new_connection<A: Adapter>() {
    let u = with_options(
        "init-sql=SET%20%40init%20%3D%2042&init-sql=SET%20time_zone%20%3D%20%27%2B03%3A00%27",
    );
    A::block_on(async {
        for _ in 0..2 {
            let mut c = A::Conn::connect(&u).await.unwrap();
            let got: Vec<(i64, String)> =
                c.query_collect("SELECT @init, @@time_zone").await.unwrap();
            assert_eq!(got, vec![(42, "+03:00".to_string())]);
            c.close().await.unwrap();
        }
    });
}

fn a_failing_init_sql_fails_the_connect<A: Adapter>() {
    let u = with_options("init-sql=SELEC%201");
    A::block_on(async {
        let e = A::Conn::connect(&u).await.err().expect("a syntax error");
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert_eq!(e.server().map(|s| s.code), Some(1064), "{e}");
    });
}

fn charset_and_collation_set_the_session<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with_options("collation=utf8mb4_unicode_ci"))
            .await
            .unwrap();
        let got: Vec<(String,)> = c
            .query_collect("SELECT @@collation_connection")
            .await
            .unwrap();
        assert_eq!(got[0].0, "utf8mb4_unicode_ci");
        let mut c = A::Conn::connect(&with_options("charset=latin1"))
            .await
            .unwrap();
        let got: Vec<(String, String)> = c
            .query_collect("SELECT @@character_set_client, @@collation_connection")
            .await
            .unwrap();
        assert_eq!(got, vec![("latin1".into(), "latin1_swedish_ci".into())]);
        let mut c = A::Conn::connect(&with_options("collation=46"))
            .await
            .unwrap();
        let got: Vec<(String,)> = c
            .query_collect("SELECT @@collation_connection")
            .await
            .unwrap();
        assert_eq!(got[0].0, "utf8mb4_bin");
    });
}

fn unknown_names_are_errors<A: Adapter>() {
    A::block_on(async {
        for (option, says) in [
            ("collation=klingon_ci", "unknown collation `klingon_ci`"),
            ("charset=klingon", "unknown charset `klingon`"),
            ("connection-attributes=novalue", "key:value"),
        ] {
            let e = A::Conn::connect(&with_options(option))
                .await
                .err()
                .expect(option);
            assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
    });
}

/// The server reports session changes in its OKs (`CLIENT_SESSION_TRACK`): the schema after
/// `USE` and `COM_INIT_DB`, tracked variables (text and prepared `SET`), the transaction state,
/// MariaDB's `last_gtid` (the test server runs with the binary log).
fn the_session_is_tracked<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        assert_eq!(c.session().schema(), Some("test"));
        c.query_drop("USE information_schema").await.unwrap();
        assert_eq!(c.session().schema(), Some("information_schema"));
        c.use_database("test").await.unwrap();
        assert_eq!(c.session().schema(), Some("test"));
        c.query_drop("SET SESSION session_track_system_variables = 'time_zone,last_gtid'")
            .await
            .unwrap();
        c.query_drop("SET time_zone = '+02:00'").await.unwrap();
        assert_eq!(c.session().variable("time_zone"), Some("+02:00"));
        c.exec_drop(
            "SET time_zone = ?",
            vec![mysql_proto::Value::Bytes(b"+03:00".to_vec())],
        )
        .await
        .unwrap();
        assert_eq!(c.session().variable("time_zone"), Some("+03:00"));
        c.query_drop("SET SESSION session_track_transaction_info = 'STATE'")
            .await
            .unwrap();
        c.query_drop("BEGIN").await.unwrap();
        let state = c.session().transaction_state().unwrap().to_string();
        assert!(state.starts_with('T'), "{state}");
        c.query_drop("COMMIT").await.unwrap();
        assert_eq!(c.session().transaction_state(), Some("________"));
        // The test server runs with the binary log (scripts/test-server.sh): every write
        // gets a GTID, reported as `last_gtid`.
        let log_bin: Vec<(u64,)> = c.query_collect("SELECT @@log_bin").await.unwrap();
        assert_eq!(log_bin[0].0, 1, "the test server must run with --log-bin");
        let flavour: String = std::any::type_name::<A>()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let t = integration_tests::table(&format!("gtid_{}", &flavour[flavour.len() - 8..]));
        c.query_drop(&format!("CREATE TABLE {t} (id INT)"))
            .await
            .unwrap();
        c.query_drop(&format!("INSERT INTO {t} VALUES (1)"))
            .await
            .unwrap();
        let first = c.session().last_gtid().expect("a GTID").to_string();
        assert_eq!(first.split('-').count(), 3, "{first}");
        c.query_drop(&format!("INSERT INTO {t} VALUES (2)"))
            .await
            .unwrap();
        let second = c.session().last_gtid().expect("a GTID").to_string();
        let seq = |g: &str| g.rsplit('-').next().unwrap().parse::<u64>().unwrap();
        assert!(seq(&second) > seq(&first), "{first} then {second}");
        c.query_drop(&format!("DROP TABLE {t}")).await.unwrap();
        assert!(c.session().changes() >= 6);
    });
}

/// `tcp-keepalive` arms the kernel's keepalive timer on the client socket (Linux:
/// `/proc/net/tcp` shows timer kind 2); without it there is none.
fn tcp_keepalive_arms_the_kernel_timer<A: Adapter>() {
    A::block_on(async {
        let mut with = A::Conn::connect(&with_options("tcp-keepalive=7s"))
            .await
            .unwrap();
        let mut without = A::Conn::connect(&url()).await.unwrap();
        let port = |host: &str| host.rsplit(':').next().unwrap().parse::<u16>().unwrap();
        let sql = "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()";
        let a: Vec<(String,)> = with.query_collect(sql).await.unwrap();
        let b: Vec<(String,)> = without.query_collect(sql).await.unwrap();
        let (a, b) = (port(&a[0].0), port(&b[0].0));
        let started = std::time::Instant::now();
        while timer_kind(a) != 2 {
            assert!(
                started.elapsed().as_secs() < 2,
                "no keepalive timer on port {a}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_ne!(timer_kind(b), 2, "a keepalive timer without the option");
    });
}

/// The kind of timer the kernel runs on the established IPv4 TCP socket from local port
/// `port` to the test server (`/proc/net/tcp`, field `tr`: 0 none, 1 retransmit, 2 keepalive,
/// ...). Only that socket: an earlier socket of the same local port may linger in TIME_WAIT
/// (timer 3), to this server or another (a regression: the first match was taken).
fn timer_kind(port: u16) -> u32 {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let server = integration_tests::port();
    let port_of = |addr: &str| u16::from_str_radix(addr.rsplit(':').next().unwrap(), 16).unwrap();
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        // f[3] is the state: 01 is ESTABLISHED.
        if port_of(f[1]) == port && port_of(f[2]) == server && f[3] == "01" {
            return u32::from_str_radix(f[5].split(':').next().unwrap(), 16).unwrap();
        }
    }
    panic!("no socket with local port {port} in /proc/net/tcp");
}

/// `COM_SET_OPTION`: multi-statements off makes a two-statement query a syntax error; on
/// again, it runs; the connection stays in step throughout.
fn multi_statements_can_be_switched_at_run_time<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let two = "SELECT 1; SELECT 2";
        let (lines, err) = c.results(two).await;
        assert!(err.is_none() && lines.iter().filter(|l| l.starts_with("row:")).count() == 2);
        c.set_multi_statements(false).await.unwrap();
        let e = c.query_drop(two).await.unwrap_err();
        assert_eq!(e.server().map(|s| s.code), Some(1064), "{e}");
        let one: Vec<(u64,)> = c.query_collect("SELECT 7").await.unwrap();
        assert_eq!(one, vec![(7,)]);
        c.set_multi_statements(true).await.unwrap();
        let (lines, err) = c.results(two).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("row:")).count(),
            2,
            "{lines:?}"
        );
    });
}

/// MariaDB has no query attributes: asking for them fails the connect, and setting them on a
/// connection without them is an error, never a silent no-op.
fn query_attributes_are_refused_by_mariadb<A: Adapter>() {
    A::block_on(async {
        let e = A::Conn::connect(&with_options("query-attributes=true"))
            .await
            .err()
            .expect("MariaDB has no query attributes");
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let e = c
            .set_query_attributes(&[("trace", mysql_proto::Value::Int(1))])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        c.ping().await.unwrap();
    });
}

async fn client_host<C: Client>(c: &mut C) -> String {
    let got: Vec<(String,)> = c
        .query_collect("SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()")
        .await
        .unwrap();
    got[0].0.clone()
}

/// `prefer-socket`: a TCP connection to 127.0.0.1 moves to the server's socket (the server
/// sees no client port), unless TLS is required.
fn prefer_socket_moves_a_loopback_connection_to_the_unix_socket<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        // Over TCP the server shows host:port, over the socket the bare host.
        assert!(client_host(&mut c).await.contains(':'));
        let mut c = A::Conn::connect(&with_options("prefer-socket=true"))
            .await
            .unwrap();
        assert_eq!(client_host(&mut c).await, "localhost");
        let got: Vec<(i64,)> = c.query_collect("SELECT 1").await.unwrap();
        assert_eq!(got, vec![(1,)]);
        let mut c = A::Conn::connect(&with_options("prefer-socket=true&ssl-mode=REQUIRED"))
            .await
            .unwrap();
        assert!(client_host(&mut c).await.contains(':'));
    });
}
