//! Records a session with the real server byte for byte, then replays the recording through a
//! fresh core connection: whole, split in two at every byte offset, and cut at every offset.
//! The transcript must be identical to the live one for every split, and every cut must end in
//! a clean error after a prefix of the events.
//!
//! With `RECORD_CAPTURE=1` the recording is also written to `crates/mysql-proto/tests/data/`,
//! where the core's own tests replay it without a server.

use std::io::{Read, Write};
use std::net::TcpStream;

use mysql_proto::testing::{drive, queue_script, render_event, Transcript};
use mysql_proto::{Connection, Event, Opts};

const SCRIPT: &str = include_str!("../../crates/mysql-proto/tests/data/mariadb-session.script");

/// Runs the script live, returning the live transcript and every byte the server sent.
fn url() -> String {
    // Plaintext, so the recording can be replayed (TLS sessions are covered by tls.rs).
    format!("{}?ssl-mode=DISABLED", integration_tests::url())
}

fn record() -> (Transcript, Vec<u8>) {
    let opts = Opts::from_url(&url()).unwrap();
    let mut sock = TcpStream::connect((opts.host(), opts.port()))
        .expect("test server not reachable: run scripts/test-server.sh start");
    let mut conn = Connection::new(opts);
    let mut received = Vec::new();
    let mut t = Transcript {
        events: vec![],
        error: None,
        sent: vec![],
    };
    let mut queued = false;
    loop {
        while conn.advance().unwrap() {
            let ev = conn.event().unwrap();
            t.events.push(render_event(&ev));
            if matches!(ev, Event::Connected(_)) {
                queue_script(&mut conn, SCRIPT).unwrap();
                queued = true;
            }
        }
        let out = conn.pending_send().to_vec();
        sock.write_all(&out).unwrap();
        t.sent.extend_from_slice(&out);
        conn.consume_send(out.len());
        if queued && conn.in_flight() == 0 {
            return (t, received);
        }
        let buf = conn.recv_buf(4096);
        let n = sock.read(buf).unwrap();
        assert!(n > 0, "server closed the connection");
        received.extend_from_slice(&buf[..n]);
        conn.handle_recv(n);
    }
}

fn replay(input: &[u8], chunk: usize, eof: bool) -> Transcript {
    let opts = Opts::from_url(&url()).unwrap();
    drive(opts, input, chunk, eof, &mut |c| queue_script(c, SCRIPT))
}

#[test]
fn recorded_session_replays_identically_at_every_split_and_cut() {
    let (live, bytes) = record();
    assert_eq!(live.error, None);
    assert!(live.events.iter().any(|e| e.contains("error ERROR 1064")));
    assert!(live.events.iter().any(|e| e.contains("row \"300\"")));

    let whole = replay(&bytes, usize::MAX, false);
    assert_eq!(whole.events, live.events);
    assert_eq!(
        whole.sent, live.sent,
        "the client must send the same bytes on replay"
    );
    assert_eq!(replay(&bytes, 1, false).events, live.events);
    for k in (0..=bytes.len()).step_by(1) {
        let opts = Opts::from_url(&url()).unwrap();
        let mut first = true;
        let t = mysql_proto::testing::drive_parts(opts, &[&bytes[..k], &bytes[k..]], &mut |c| {
            assert!(first);
            first = false;
            queue_script(c, SCRIPT)
        });
        assert_eq!(t.events, live.events, "split at {k}");
    }
    for cut in 0..bytes.len() {
        let t = replay(&bytes[..cut], 4096, true);
        let err = t.error.unwrap_or_else(|| panic!("no error at cut {cut}"));
        assert!(err.contains("closed"), "cut {cut}: {err}");
        assert!(live.events.starts_with(&t.events), "cut {cut}");
    }

    if std::env::var_os("RECORD_CAPTURE").is_some() {
        let dir = integration_tests::root().join("crates/mysql-proto/tests/data");
        std::fs::write(dir.join("mariadb-session.bin"), &bytes).unwrap();
        std::fs::write(
            dir.join("mariadb-session.transcript"),
            live.events.join("\n") + "\n",
        )
        .unwrap();
    }
}
