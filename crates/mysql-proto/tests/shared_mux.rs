//! The shared connection's bookkeeping ([`mysql_proto::shared::Mux`]) against scripted
//! servers: each caller gets exactly its own response, abandoned responses go to nobody,
//! session-changing statements never reach the wire, concurrent prepares of one SQL end with
//! one cached statement, and a broken connection fails everyone waiting.

use std::task::{Poll, Waker};

use mysql_proto::shared::{Mux, Ticket};
use mysql_proto::testing::{
    eof_greeting, handshake_done, handshake_done_greeting, handshake_done_with, split_packets,
    ServerScript,
};
use mysql_proto::{Connection, ErrorKind, Opts, Output, PipelineStep, Result, StatusFlags};

fn take_sent(conn: &mut Connection) -> Vec<(u8, Vec<u8>)> {
    let out = conn.pending_send().to_vec();
    conn.consume_send(out.len());
    split_packets(&out)
}

/// A script encoding packets for the capabilities `conn` negotiated.
fn script(conn: &Connection) -> ServerScript {
    let mut server = ServerScript::new();
    server.set_capabilities(conn.server_info().unwrap().capabilities);
    server
}

fn feed(conn: &mut Connection, mux: &mut Mux, script: &ServerScript) {
    mysql_proto::testing::feed(conn, script.bytes());
    mux.pump(conn);
}

fn result(mux: &mut Mux, t: Ticket) -> Option<Result<Output>> {
    match mux.poll_result(t, Waker::noop()) {
        Poll::Ready(r) => Some(r),
        Poll::Pending => None,
    }
}

fn first_value(out: &Output) -> String {
    let (v,): (String,) = out.rows()[0].decode().unwrap();
    v
}

#[test]
fn each_caller_gets_its_own_response_and_an_abandoned_one_goes_to_nobody() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::query("SELECT 'a'", true));
    let b = mux.submit(PipelineStep::query("SELECT 'b'", true));
    let refused = mux.submit(PipelineStep::query(" begin", true));
    let c = mux.submit(PipelineStep::query("SELECT 'c'", true));
    mux.send(&mut conn);
    let sent = take_sent(&mut conn);
    // The refused statement never reached the wire.
    let texts: Vec<&[u8]> = sent.iter().map(|(_, p)| &p[1..]).collect();
    assert_eq!(texts, [&b"SELECT 'a'"[..], b"SELECT 'b'", b"SELECT 'c'"]);
    let e = result(&mut mux, refused).unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misuse);
    assert!(result(&mut mux, a).is_none());
    mux.abandon(b);

    // Responses arrive in order, the first two in one read.
    let mut server = script(&conn);
    for v in ["a", "b"] {
        server.set_seq(1);
        server.result_set(&["v"], &[vec![Some(v.as_bytes())]]);
    }
    feed(&mut conn, &mut mux, &server);
    assert_eq!(first_value(&result(&mut mux, a).unwrap().unwrap()), "a");
    assert!(result(&mut mux, c).is_none(), "c is not answered yet");
    assert_eq!(mux.outstanding(), 1, "b's response was dropped, c waits");
    let mut server = script(&conn);
    server.set_seq(1);
    server.result_set(&["v"], &[vec![Some(b"c")]]);
    feed(&mut conn, &mut mux, &server);
    assert_eq!(first_value(&result(&mut mux, c).unwrap().unwrap()), "c");
    assert_eq!(mux.outstanding(), 0);
    assert!(!mux.wants_read(&conn));
}

#[test]
fn a_request_abandoned_before_it_was_sent_is_never_sent() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::query("SELECT 1", true));
    mux.abandon(a);
    mux.send(&mut conn);
    assert!(conn.pending_send().is_empty());
    assert_eq!(mux.outstanding(), 0);
}

#[test]
fn mysql_prepares_first_and_a_second_prepare_of_the_same_sql_is_closed() {
    let mut conn = handshake_done_greeting(
        Opts::from_url("mysql://root@localhost/").unwrap(),
        &eof_greeting(),
    );
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::exec("SELECT ?", ("a",), true));
    let b = mux.submit(PipelineStep::exec("SELECT ?", ("b",), true));
    mux.send(&mut conn);
    // MySQL cannot execute with statement id -1: two prepares, no execute yet.
    let sent = take_sent(&mut conn);
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|(_, p)| p[0] == 0x16),
        "COM_STMT_PREPARE only"
    );
    let mut server = script(&conn);
    for id in [5, 6] {
        server.set_seq(1);
        server.prepare_ok(id, &["?"], &["v"]);
    }
    feed(&mut conn, &mut mux, &server);
    // The second statement is closed, both executes use the cached first one.
    let sent = take_sent(&mut conn);
    let kinds: Vec<(u8, u32)> = sent
        .iter()
        .map(|(_, p)| (p[0], u32::from_le_bytes(p[1..5].try_into().unwrap())))
        .collect();
    assert_eq!(kinds, [(0x19, 6), (0x17, 5), (0x17, 5)]);
    let mut server = script(&conn);
    for v in ["a", "b"] {
        server.set_seq(1);
        server.binary_result_set(&["v"], &[vec![Some(v)]], None);
    }
    feed(&mut conn, &mut mux, &server);
    assert_eq!(first_value(&result(&mut mux, a).unwrap().unwrap()), "a");
    assert_eq!(first_value(&result(&mut mux, b).unwrap().unwrap()), "b");
}

/// Regression: under `max-in-flight=1` the MariaDB prepare and its chained execute (two
/// commands in flight) failed the execute with a misuse error; the execute now waits for the
/// prepare's answer, as on MySQL, and goes out before requests submitted after it.
#[test]
fn with_one_command_in_flight_a_mariadb_execute_waits_for_its_prepare() {
    let mut conn =
        handshake_done_with(Opts::from_url("mysql://root@localhost/?max-in-flight=1").unwrap());
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::exec("SELECT ?", ("a",), true));
    let b = mux.submit(PipelineStep::exec("SELECT ?", ("b",), true));
    mux.send(&mut conn);
    let kinds: Vec<u8> = take_sent(&mut conn).iter().map(|(_, p)| p[0]).collect();
    assert_eq!(kinds, [0x16], "the prepare alone");
    let mut server = script(&conn);
    server.set_seq(1);
    server.prepare_ok(5, &["?"], &["v"]);
    feed(&mut conn, &mut mux, &server);
    for (t, v) in [(a, "a"), (b, "b")] {
        // One execute at a time, by the cached statement's id.
        let sent = take_sent(&mut conn);
        let kinds: Vec<(u8, u32)> = sent
            .iter()
            .map(|(_, p)| (p[0], u32::from_le_bytes(p[1..5].try_into().unwrap())))
            .collect();
        assert_eq!(kinds, [(0x17, 5)]);
        let mut server = script(&conn);
        server.set_seq(1);
        server.binary_result_set(&["v"], &[vec![Some(v)]], None);
        feed(&mut conn, &mut mux, &server);
        assert_eq!(first_value(&result(&mut mux, t).unwrap().unwrap()), v);
    }
    assert_eq!(mux.outstanding(), 0);
}

#[test]
fn a_failed_inline_prepare_is_the_error_of_its_execute() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::exec("SELEC ?", (1,), true));
    mux.send(&mut conn);
    let kinds: Vec<u8> = take_sent(&mut conn).iter().map(|(_, p)| p[0]).collect();
    assert_eq!(
        kinds,
        [0x16, 0x17],
        "prepare and execute -1 in one round trip"
    );
    let mut server = script(&conn);
    server.set_seq(1);
    server.err(1064, "42000", "You have an error in your SQL syntax");
    server.set_seq(1);
    server.err(1243, "HY000", "Unknown prepared statement handler");
    feed(&mut conn, &mut mux, &server);
    let e = result(&mut mux, a).unwrap().unwrap_err();
    assert_eq!(e.server().map(|s| s.code), Some(1064));
}

#[test]
fn a_statement_leaving_a_transaction_open_breaks_the_connection() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::query("CALL opens_a_transaction()", false));
    let b = mux.submit(PipelineStep::query("INSERT INTO t VALUES (1)", false));
    mux.send(&mut conn);
    take_sent(&mut conn);
    let mut server = script(&conn);
    server.set_seq(1);
    let status = StatusFlags::SERVER_STATUS_IN_TRANS | StatusFlags::SERVER_STATUS_AUTOCOMMIT;
    server.ok_with(&mysql_proto::OkPacket {
        status: StatusFlags(status),
        ..Default::default()
    });
    server.set_seq(1);
    server.ok(1, 0);
    feed(&mut conn, &mut mux, &server);
    for t in [a, b] {
        let e = result(&mut mux, t).unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Misuse, "{e}");
    }
    assert!(conn.fatal_error().is_some());
}

#[test]
fn a_lost_connection_fails_everyone_waiting_and_every_later_request() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::query("SELECT 1", true));
    mux.send(&mut conn);
    let b = mux.submit(PipelineStep::query("SELECT 2", true));
    conn.handle_eof();
    mux.pump(&mut conn);
    for t in [a, b] {
        assert!(result(&mut mux, t).unwrap().unwrap_err().is_fatal());
    }
    let c = mux.submit(PipelineStep::query("SELECT 3", true));
    mux.send(&mut conn);
    assert!(result(&mut mux, c).unwrap().unwrap_err().is_fatal());
}

#[test]
fn an_exclusive_checkout_waits_for_responses_in_flight_and_holds_new_requests() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let a = mux.submit(PipelineStep::query("SELECT 1", false));
    mux.send(&mut conn);
    take_sent(&mut conn);
    let x = mux.request_exclusive();
    let b = mux.submit(PipelineStep::query("SELECT 2", false));
    mux.send(&mut conn);
    assert!(
        conn.pending_send().is_empty(),
        "b waits behind the checkout"
    );
    assert!(!mux.may_lend(x), "a is in flight");
    let mut server = script(&conn);
    server.set_seq(1);
    server.ok(0, 0);
    feed(&mut conn, &mut mux, &server);
    assert!(result(&mut mux, a).unwrap().is_ok());
    assert!(mux.may_lend(x));
    mux.lend(x);
    // The borrower opens a transaction and gives the connection back without ending it.
    conn.query("BEGIN").unwrap();
    take_sent(&mut conn);
    let mut server = script(&conn);
    server.set_seq(1);
    server.ok_with(&mysql_proto::OkPacket {
        status: StatusFlags(StatusFlags::SERVER_STATUS_IN_TRANS),
        ..Default::default()
    });
    mysql_proto::testing::feed(&mut conn, server.bytes());
    while conn.poll_event().unwrap().is_some() {}
    mux.give_back(&mut conn);
    mux.send(&mut conn);
    let texts: Vec<Vec<u8>> = take_sent(&mut conn).into_iter().map(|(_, p)| p).collect();
    assert_eq!(texts, [b"\x03ROLLBACK".to_vec(), b"\x03SELECT 2".to_vec()]);
    assert!(result(&mut mux, b).is_none());
}

/// First come, first served: a request submitted before a checkout but held back (no room
/// under `max-in-flight=1`) goes before it; one submitted after waits for it. Before, every
/// queued request waited while any checkout did, so a steady stream of checkouts starved
/// the statements.
#[test]
fn requests_submitted_before_a_checkout_go_before_it() {
    let mut conn =
        handshake_done_with(Opts::from_url("mysql://root@localhost/?max-in-flight=1").unwrap());
    let mut mux = Mux::new();
    let first = mux.submit(PipelineStep::query("SELECT 1", false));
    let before = mux.submit(PipelineStep::query("SELECT 2", false));
    mux.send(&mut conn);
    let x = mux.request_exclusive();
    let after = mux.submit(PipelineStep::query("SELECT 3", false));
    let texts = |conn: &mut Connection| -> Vec<Vec<u8>> {
        take_sent(conn).into_iter().map(|(_, p)| p).collect()
    };
    assert_eq!(
        texts(&mut conn),
        [b"\x03SELECT 1".to_vec()],
        "no room for more"
    );
    answer_ok(&mut conn, &mut mux, 1);
    assert!(result(&mut mux, first).unwrap().is_ok());
    assert_eq!(
        texts(&mut conn),
        [b"\x03SELECT 2".to_vec()],
        "submitted before x"
    );
    assert!(!mux.may_lend(x), "SELECT 2 is in flight");
    answer_ok(&mut conn, &mut mux, 1);
    assert!(result(&mut mux, before).unwrap().is_ok());
    assert!(texts(&mut conn).is_empty(), "SELECT 3 waits for x");
    assert!(mux.may_lend(x));
    mux.lend(x);
    mux.give_back(&mut conn);
    mux.send(&mut conn);
    assert_eq!(texts(&mut conn), [b"\x03SELECT 3".to_vec()]);
    answer_ok(&mut conn, &mut mux, 1);
    assert!(result(&mut mux, after).unwrap().is_ok());
}

/// Counts its wake-ups.
struct Counter(std::sync::atomic::AtomicUsize);
impl std::task::Wake for Counter {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The wake-up counts of callers' wakers.
struct Counters(Vec<std::sync::Arc<Counter>>);
impl Counters {
    fn woken(&self, i: usize) -> usize {
        self.0[i].0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// `n` callers whose `SELECT i` were submitted and sent, each with a waker counting its
/// wake-ups.
fn counted_callers(
    conn: &mut Connection,
    mux: &mut Mux,
    n: usize,
) -> (Vec<Ticket>, Vec<Waker>, Counters) {
    let (wakers, counters) = counted_wakers(n);
    let t = (0..n)
        .map(|i| mux.submit(PipelineStep::query(format!("SELECT {i}"), false)))
        .collect();
    mux.send(conn);
    take_sent(conn);
    (t, wakers, counters)
}

/// `n` wakers counting their wake-ups.
fn counted_wakers(n: usize) -> (Vec<Waker>, Counters) {
    let counters: Vec<_> = (0..n)
        .map(|_| std::sync::Arc::new(Counter(0.into())))
        .collect();
    let wakers = counters.iter().map(|c| Waker::from(c.clone())).collect();
    (wakers, Counters(counters))
}

/// The server answers the next `n` commands with OK, the client reading them in one read.
fn answer_ok(conn: &mut Connection, mux: &mut Mux, n: usize) {
    let mut server = script(conn);
    for _ in 0..n {
        server.set_seq(1);
        server.ok(0, 0);
    }
    feed(conn, mux, &server);
}

/// Regression: the driver left, the caller woken in its place got its result without driving,
/// then it left too; nobody was registered with the socket and the last caller waited forever.
/// A caller that leaves while nobody is known to drive wakes the next waiting one.
#[test]
fn the_io_is_handed_on_when_the_driver_leaves_and_when_nobody_drives() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let (t, wakers, counters) = counted_callers(&mut conn, &mut mux, 3);
    let woken = |i: usize| counters.woken(i);
    for (i, t) in t.iter().enumerate() {
        assert!(mux.poll_result(*t, &wakers[i]).is_pending());
    }
    mux.set_driver(t[0]);
    // One read answers t0 and t1: t1 is woken by its result.
    answer_ok(&mut conn, &mut mux, 2);
    assert_eq!((woken(0), woken(1), woken(2)), (1, 1, 0));
    // t0, the driver, takes its result and leaves: t2 (still waiting) is woken to drive.
    assert!(result(&mut mux, t[0]).unwrap().is_ok());
    mux.release(t[0]);
    assert_eq!(woken(2), 1);
    assert!(mux.poll_result(t[2], &wakers[2]).is_pending());
    // t1 leaves while nobody drives (t2 was woken but has not polled the socket yet): t2 is
    // woken again rather than left waiting on a socket nobody watches.
    assert!(result(&mut mux, t[1]).unwrap().is_ok());
    mux.release(t[1]);
    assert_eq!(woken(2), 2);
    // Once t2 drives, others leaving do not wake it.
    mux.set_driver(t[2]);
    let t3 = mux.submit(PipelineStep::query("SELECT 3", false));
    mux.abandon(t3);
    assert_eq!(woken(2), 2);
}

/// Regression (a hang in about one smol run in fifty): t0 drove, t1 read the socket (its
/// own request just sent), got its own result in that read and left; smol's socket had dropped
/// t0's registration on t1's successful read, t1 woke nobody, and t0 waited forever. Whoever
/// pumps bytes becomes responsible for the IO: leaving, it wakes a waiting caller.
#[test]
fn a_caller_that_read_and_leaves_hands_the_io_on() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    let (t, wakers, counters) = counted_callers(&mut conn, &mut mux, 3);
    let woken = |i: usize| counters.woken(i);
    assert!(mux.poll_result(t[0], &wakers[0]).is_pending());
    mux.set_driver(t[0]);
    // t1 reads the answers to t0 and t1: t0 is woken by its result, and t1 takes its own.
    answer_ok(&mut conn, &mut mux, 2);
    assert_eq!(woken(0), 1);
    assert!(result(&mut mux, t[1]).unwrap().is_ok());
    // t2 waits, registered nowhere but with the mux. t1 leaves: having read, it wakes t2.
    assert!(mux.poll_result(t[2], &wakers[2]).is_pending());
    mux.release(t[1]);
    assert_eq!(woken(2), 1, "t2 is woken to drive");
    // Once t2 registers with the socket, a caller leaving without having read wakes nobody.
    mux.set_driver(t[2]);
    assert!(mux.poll_result(t[2], &wakers[2]).is_pending());
    assert!(result(&mut mux, t[0]).unwrap().is_ok());
    mux.release(t[0]);
    assert_eq!(woken(2), 1);
}

/// Regression (found by the wake-up model, `shared_wakeups.rs`): a checkout waiting for the
/// responses in flight slept until a caller leaving happened to pick its waker; when the
/// caller picked was a request held behind the checkout, which has nothing to drive, nobody
/// woke the checkout again and every caller waited forever. The read that leaves the
/// connection free wakes the checkout first in line.
#[test]
fn the_read_that_frees_the_connection_wakes_the_checkout_waiting_for_it() {
    let mut conn = handshake_done();
    let mut mux = Mux::new();
    // t0 in flight, then the checkout x and a request held behind it: the callers of x and
    // of the held request wait (wakers 1 and 2).
    let (t, wakers, counters) = counted_callers(&mut conn, &mut mux, 1);
    let (others, waiting) = counted_wakers(2);
    let x = mux.request_exclusive();
    let held = mux.submit(PipelineStep::query("SELECT 1", false));
    assert!(!mux.may_lend(x), "t0 is in flight");
    assert!(mux.poll_result(x, &others[0]).is_pending());
    assert!(mux.poll_result(held, &others[1]).is_pending());
    assert!(mux.poll_result(t[0], &wakers[0]).is_pending());
    mux.set_driver(t[0]);
    // t0, the driver, reads its answer: the connection is free, and the checkout is woken
    // (the held request is not: it cannot go out before the checkout is done).
    answer_ok(&mut conn, &mut mux, 1);
    assert_eq!(counters.woken(0), 1);
    assert_eq!((waiting.woken(0), waiting.woken(1)), (1, 0));
    assert!(mux.may_lend(x));
}

/// Regression (a hang of every caller after a checkout's `query_first`): a checkout that
/// leaves a response owing gives back a connection with a command in flight that no request
/// of the mux owns. Its response must still be read (no request has room to go out before it
/// is), and what of it the borrower already read into the connection is skipped at once: no
/// readiness of the socket would announce those bytes again.
#[test]
fn what_a_checkout_leaves_owing_is_read_and_skipped() {
    for already_read in [false, true] {
        let mut conn =
            handshake_done_with(Opts::from_url("mysql://root@localhost/?max-in-flight=1").unwrap());
        let mut mux = Mux::new();
        let x = mux.request_exclusive();
        assert!(mux.may_lend(x));
        mux.lend(x);
        // The borrower sends a query and goes away before its result's end.
        conn.query("SELECT 7").unwrap();
        take_sent(&mut conn);
        let mut server = script(&conn);
        server.set_seq(1);
        server.result_set(&["v"], &[vec![Some(&b"7"[..])]]);
        if already_read {
            mysql_proto::testing::feed(&mut conn, server.bytes());
        }
        let t = mux.submit(PipelineStep::query("SELECT 1", false));
        mux.give_back(&mut conn);
        // Already read: skipped when given back, and the request sent at once.
        if !already_read {
            mux.send(&mut conn);
            assert!(
                conn.pending_send().is_empty(),
                "no room before the owed response"
            );
            assert!(mux.wants_read(&conn), "the owed response must be read");
            feed(&mut conn, &mut mux, &server);
        }
        mux.send(&mut conn);
        let sent: Vec<Vec<u8>> = take_sent(&mut conn).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            sent,
            [b"\x03SELECT 1".to_vec()],
            "already read: {already_read}"
        );
        answer_ok(&mut conn, &mut mux, 1);
        assert!(result(&mut mux, t).unwrap().is_ok());
        assert!(!mux.wants_read(&conn));
    }
}

/// A tiny deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// 20,000 random steps against a scripted server that answers `SELECT n` with `n`: callers
/// submit, abandon (queued or in flight), take their results; the server answers what it
/// received in order, its bytes cut at random points; exclusive checkouts come and go. Every
/// result taken is the caller's own value, and at the end nothing is owed.
#[test]
fn random_interleavings_never_cross_responses() {
    let mut rng = Rng(0x5eed_1234_9876_abcd);
    let mut conn =
        handshake_done_with(Opts::from_url("mysql://root@localhost/?max-in-flight=8").unwrap());
    let mut mux = Mux::new();
    let mut live: Vec<(Ticket, u64)> = Vec::new();
    let mut received: std::collections::VecDeque<u64> = Default::default();
    let mut wire: Vec<u8> = Vec::new();
    let mut next_value = 0u64;
    let mut exclusive: Option<Ticket> = None;
    let (mut taken, mut abandoned) = (0, 0);
    for _ in 0..20_000 {
        match rng.next(10) {
            0..=2 => {
                next_value += 1;
                let t = mux.submit(PipelineStep::query(format!("SELECT {next_value}"), true));
                live.push((t, next_value));
            }
            3 if !live.is_empty() => {
                let (t, _) = live.swap_remove(rng.next(live.len() as u64) as usize);
                mux.abandon(t);
                abandoned += 1;
            }
            4 => match exclusive {
                None => exclusive = Some(mux.request_exclusive()),
                Some(x) if mux.may_lend(x) => {
                    mux.lend(x);
                    mux.give_back(&mut conn);
                    exclusive = None;
                }
                Some(x) if rng.next(4) == 0 => {
                    mux.abandon(x);
                    exclusive = None;
                }
                Some(_) => {}
            },
            5 | 6 => {
                // The server reads what was sent and queues its answers.
                mux.send(&mut conn);
                for (_, p) in take_sent(&mut conn) {
                    assert_eq!(p[0], 0x03, "only COM_QUERY is sent");
                    let n: u64 = std::str::from_utf8(&p[8..]).unwrap().parse().unwrap();
                    received.push_back(n);
                }
                while let Some(n) = received.pop_front() {
                    let mut server = script(&conn);
                    server.set_seq(1);
                    server.result_set(&["v"], &[vec![Some(n.to_string().as_bytes())]]);
                    wire.extend_from_slice(server.bytes());
                }
            }
            7 | 8 if !wire.is_empty() => {
                // Some of the answers arrive, cut anywhere.
                let n = 1 + rng.next(wire.len() as u64) as usize;
                let part: Vec<u8> = wire.drain(..n).collect();
                mysql_proto::testing::feed(&mut conn, &part);
                mux.pump(&mut conn);
            }
            _ if !live.is_empty() => {
                let i = rng.next(live.len() as u64) as usize;
                let (t, want) = live[i];
                if let Some(r) = result(&mut mux, t) {
                    let (got,): (u64,) = r.unwrap().rows()[0].decode().unwrap();
                    assert_eq!(got, want, "a caller got another's response");
                    mux.release(t);
                    live.swap_remove(i);
                    taken += 1;
                }
            }
            _ => {}
        }
        assert!(conn.fatal_error().is_none());
    }
    // Drain: everything still live is answered with its own value.
    if let Some(x) = exclusive {
        mux.abandon(x);
    }
    for _ in 0..1000 {
        mux.send(&mut conn);
        for (_, p) in take_sent(&mut conn) {
            let n: u64 = std::str::from_utf8(&p[8..]).unwrap().parse().unwrap();
            let mut server = script(&conn);
            server.set_seq(1);
            server.result_set(&["v"], &[vec![Some(n.to_string().as_bytes())]]);
            wire.extend_from_slice(server.bytes());
        }
        mysql_proto::testing::feed(&mut conn, &std::mem::take(&mut wire));
        mux.pump(&mut conn);
        if !mux.wants_read(&conn) && conn.pending_send().is_empty() {
            break;
        }
    }
    for (t, want) in live.drain(..) {
        let r = result(&mut mux, t).expect("answered");
        let (got,): (u64,) = r.unwrap().rows()[0].decode().unwrap();
        assert_eq!(got, want);
        taken += 1;
    }
    assert_eq!(mux.outstanding(), 0);
    assert!(
        taken > 1000 && abandoned > 500,
        "{taken} taken, {abandoned} abandoned"
    );
}
