//! The shared connection's wake-ups, checked against a model of the async adapter and of three
//! kinds of socket: whatever the callers, the server and the socket do, no caller is left
//! waiting with nobody to wake it.
//!
//! The adapter's side is modelled as `mysql-proto-async`'s `SharedConn` runs it, through the
//! same calls of the mux (`Mux::next_io`, `Mux::io_done`): a caller is polled only when woken;
//! each poll takes its result if it is there, else sends what is queued and writes it; then,
//! unless another caller is the driver, reads while bytes are there (pumping them) and, when
//! the socket is empty, registers its waker with the socket and becomes the driver. A write
//! the socket's buffer has no room for registers the caller to be woken when the server makes
//! room, and the caller reads meanwhile, as `Conn::poll_io` does. The sockets differ in what a
//! registration survives, as the runtimes' do:
//!
//! - [`Socket::Keeps`] (tokio): a registration lasts until readiness wakes it or another
//!   caller replaces it (the replaced caller is not woken);
//! - [`Socket::WakesReplaced`] (async-io's `Async`, async-std): replacing a registration
//!   wakes the caller replaced;
//! - [`Socket::DropsOnRead`] (smol's `TcpStream`): any successful read drops the registration,
//!   whoever read.
//!
//! The server answers what it received at random moments, its bytes cut at random points;
//! callers come, and some go away (their futures dropped). In the second test some callers
//! ask for exclusive checkouts; a holder may send a statement and give the connection back
//! before reading its response, or after reading its bytes without processing them (as a
//! `query_first` that returns at the first row). In the third, callers also execute prepared
//! statements by SQL text, against a MariaDB and a MySQL server; in the fourth, the server
//! also closes the connection at a random moment, and every caller must then be failed and
//! woken. In the end every caller still
//! there must get its own answer by being woken: a run that stops with callers waiting and
//! nobody woken is a lost wake-up, and one that never stops is callers waking each other
//! without end (spinning).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use mysql_proto::shared::{Mux, Ticket};
use mysql_proto::testing::{eof_greeting, handshake_done_greeting, mariadb_greeting, ServerScript};
use mysql_proto::{Connection, Opts, PipelineStep};

/// The bytes the socket takes before the server reads them: two or three requests.
const SOCKET_BUFFER: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Socket {
    Keeps,
    WakesReplaced,
    DropsOnRead,
}

/// A waker that raises a flag.
struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

struct Caller {
    ticket: Ticket,
    kind: Kind,
    flag: Arc<Flag>,
    waker: Waker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Waits for the answer to `SELECT want`.
    Query { want: u64 },
    /// Waits for an exclusive checkout.
    Exclusive,
    /// Holds the connection (an exclusive checkout's guard).
    Holding,
}

struct Sim {
    socket: Socket,
    rng: u64,
    conn: Connection,
    mux: Mux,
    /// Bytes the client wrote that the server has not answered yet.
    server_in: Vec<u8>,
    /// Bytes the server sent that the client has not read yet.
    wire: Vec<u8>,
    /// The caller whose waker the socket holds for reading.
    registered: Option<usize>,
    /// The caller whose waker the socket holds for writing (its buffer was full).
    writer: Option<usize>,
    /// Callers by index; `None` once done or gone.
    callers: Vec<Option<Caller>>,
    next_value: u64,
    answered: usize,
    /// Whether callers also ask for exclusive checkouts.
    exclusive: bool,
    /// Whether callers also execute prepared statements (by SQL text, through the cache).
    prepared: bool,
    /// The statement id the server gives its next prepare.
    next_statement: u32,
    /// Executes the server answered.
    executes: usize,
    /// Whether the server may close the connection at a random moment.
    closes: bool,
    /// The server closed the connection: reads see its end, writes go nowhere.
    closed: bool,
    /// Why the connection broke, once the adapter saw it (it then drops the connection, as
    /// `SharedConn` does, and fails every request, later ones too).
    broken: Option<mysql_proto::Error>,
}

/// Whose prepared-statement protocol the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// Executes may follow their prepare at once (statement id -1).
    MariaDb,
    /// An execute waits for its prepare's answer.
    MySql,
}

impl Sim {
    fn new(socket: Socket, seed: u64, max_in_flight: usize, server: Server) -> Sim {
        let opts = Opts::from_url(&format!(
            "mysql://root@localhost/?max-in-flight={max_in_flight}"
        ))
        .unwrap();
        let greeting = match server {
            Server::MariaDb => mariadb_greeting(),
            Server::MySql => eof_greeting(),
        };
        Sim {
            socket,
            rng: seed,
            conn: handshake_done_greeting(opts, &greeting),
            mux: Mux::new(),
            server_in: Vec::new(),
            wire: Vec::new(),
            registered: None,
            writer: None,
            callers: Vec::new(),
            next_value: 0,
            answered: 0,
            exclusive: false,
            prepared: false,
            next_statement: 0,
            executes: 0,
            closes: false,
            closed: false,
            broken: None,
        }
    }

    fn next(&mut self, bound: u64) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }

    /// A new caller submits `SELECT n` (or, with `prepared`, as often an execute of one of
    /// three statements `SELECT ?` with n) and is polled at once (as `run` awaits its
    /// response).
    fn submit(&mut self) {
        self.next_value += 1;
        let want = self.next_value;
        let step = match self.prepared && self.next(2) == 0 {
            true => {
                let sql = format!("SELECT ? /* {} */", self.next(3));
                PipelineStep::exec(sql, (want,), true)
            }
            false => PipelineStep::query(format!("SELECT {want}"), true),
        };
        let ticket = self.mux.submit(step);
        if let Some(e) = self.broken.clone() {
            self.mux.fail_all(e);
        }
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        self.callers.push(Some(Caller {
            ticket,
            kind: Kind::Query { want },
            flag,
            waker,
        }));
        self.poll(self.callers.len() - 1);
    }

    /// A new caller asks for an exclusive checkout and is polled at once (as `exclusive`
    /// awaits it).
    fn checkout(&mut self) {
        let ticket = self.mux.request_exclusive();
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        self.callers.push(Some(Caller {
            ticket,
            kind: Kind::Exclusive,
            flag,
            waker,
        }));
        self.poll(self.callers.len() - 1);
    }

    /// Caller `i` holding the connection drops its guard: the connection comes back.
    fn give_back(&mut self, i: usize) {
        self.callers[i] = None;
        self.mux.give_back(&mut self.conn);
        self.close_if_broken();
        self.answered += 1;
    }

    fn holder(&self) -> Option<usize> {
        (0..self.callers.len()).find(|&i| {
            self.callers[i]
                .as_ref()
                .is_some_and(|c| c.kind == Kind::Holding)
        })
    }

    /// One poll of caller `i`'s future, as the adapter's `poll_until` does it.
    fn poll(&mut self, i: usize) {
        let Some(c) = self.callers[i].as_ref() else {
            return;
        };
        let (ticket, kind, waker) = (c.ticket, c.kind, c.waker.clone());
        loop {
            match kind {
                Kind::Holding => return,
                // As `poll_lend`: fails once the connection is broken; else the connection
                // is taken when its turn came, or the waker registered.
                Kind::Exclusive if self.broken.is_some() => {
                    self.mux.abandon(ticket);
                    self.callers[i] = None;
                    self.answered += 1;
                    return;
                }
                Kind::Exclusive if self.mux.may_lend(ticket) => {
                    self.mux.lend(ticket);
                    // Half the checkouts leave a statement owing (an operation dropped, a
                    // result not read to its end): skipped once the connection is back.
                    if self.next(2) == 0 && self.conn.has_room(1) {
                        self.conn.query(b"SELECT 0").unwrap();
                    }
                    if let Some(c) = self.callers[i].as_mut() {
                        c.kind = Kind::Holding;
                    }
                    return;
                }
                Kind::Exclusive => {
                    let _ = self.mux.poll_result(ticket, &waker);
                }
                Kind::Query { want } => {
                    if let Poll::Ready(r) = self.mux.poll_result(ticket, &waker) {
                        match r {
                            Ok(out) => {
                                let (got,): (String,) = out.rows()[0].decode().unwrap();
                                assert_eq!(got, want.to_string(), "another's response");
                            }
                            Err(e) => assert!(self.closed, "{e}"),
                        }
                        self.mux.release(ticket);
                        self.callers[i] = None;
                        self.answered += 1;
                        return;
                    }
                }
            }
            self.close_if_broken();
            if self.mux.is_lent() || self.broken.is_some() {
                return; // the adapter has no connection to drive: lent, or dropped
            }
            let Some(read) = self.mux.next_io(&mut self.conn, ticket) else {
                return; // waits for its result, or for the driver to leave
            };
            // The socket takes what its buffer has room for.
            let out = self.conn.pending_send().to_vec();
            let n = out
                .len()
                .min(SOCKET_BUFFER.saturating_sub(self.server_in.len()));
            self.conn.consume_send(n);
            if !self.closed {
                self.server_in.extend_from_slice(&out[..n]);
            }
            let moved = Poll::Ready(Ok(()));
            if n < out.len() {
                // The write blocked: this caller waits for room, and reads meanwhile (the
                // server may be blocked on writing to us), as `Conn::poll_io` does.
                let old = self.writer.replace(i);
                self.replaced(old, i);
            } else if !read {
                // Written: look again.
                self.mux.io_done(&mut self.conn, ticket, read, moved);
                continue;
            }
            if !self.wire.is_empty() {
                let n = 1 + self.next(self.wire.len() as u64) as usize;
                let part: Vec<u8> = self.wire.drain(..n).collect();
                if self.socket == Socket::DropsOnRead {
                    self.registered = None;
                }
                mysql_proto::testing::feed(&mut self.conn, &part);
                self.mux.io_done(&mut self.conn, ticket, read, moved);
                self.close_if_broken();
                continue;
            }
            if self.closed {
                // The read returns the connection's end.
                self.conn.handle_eof();
                self.mux.io_done(&mut self.conn, ticket, read, moved);
                self.close_if_broken();
                continue;
            }
            // Not ready: this caller's waker goes to the socket.
            let old = self.registered.replace(i);
            self.replaced(old, i);
            self.mux
                .io_done(&mut self.conn, ticket, read, Poll::Pending);
            return;
        }
    }

    /// As the adapter: once the connection reports a fatal error, it is dropped and every
    /// request fails.
    fn close_if_broken(&mut self) {
        if self.broken.is_some() {
            return;
        }
        if let Some(e) = self.conn.fatal_error().cloned() {
            self.mux.fail_all(e.clone());
            self.broken = Some(e);
        }
    }

    /// The server closes the connection: its end wakes the callers registered with the
    /// socket.
    fn close(&mut self) {
        self.closed = true;
        self.server_in.clear();
        for i in [self.registered.take(), self.writer.take()]
            .into_iter()
            .flatten()
        {
            self.wake(i);
        }
    }

    /// Caller `new` took the socket's registration (for reading or for writing) from `old`.
    fn replaced(&self, old: Option<usize>, new: usize) {
        if let Some(old) = old {
            if old != new && self.socket == Socket::WakesReplaced {
                self.wake(old);
            }
        }
    }

    fn wake(&self, i: usize) {
        if let Some(c) = &self.callers[i] {
            c.waker.wake_by_ref();
        }
    }

    /// The server answers some of the requests it received whole; the room that frees wakes
    /// the caller waiting to write, bytes arriving the one registered to read.
    fn serve(&mut self) {
        if self.closed {
            return;
        }
        let mut whole = Vec::new();
        let mut pos = 0;
        while let Some(h) = self.server_in.get(pos..pos + 4) {
            let len = u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize;
            let Some(p) = self.server_in.get(pos + 4..pos + 4 + len) else {
                break;
            };
            whole.push(p.to_vec());
            pos += 4 + len;
        }
        let answer = self.next(whole.len() as u64 + 1) as usize;
        let mut taken = 0;
        for p in &whole[..answer] {
            taken += 4 + p.len();
            let mut s = ServerScript::new();
            s.set_capabilities(self.conn.server_info().unwrap().capabilities);
            s.set_seq(1);
            match p[0] {
                // COM_QUERY `SELECT n`
                0x03 => {
                    let n = std::str::from_utf8(&p[8..]).unwrap();
                    s.result_set(&["v"], &[vec![Some(n.as_bytes())]]);
                }
                // COM_STMT_PREPARE
                0x16 => {
                    self.next_statement += 1;
                    s.prepare_ok(self.next_statement, &["?"], &["v"]);
                }
                // COM_STMT_EXECUTE: the one parameter, an 8-byte integer, ends the packet.
                0x17 => {
                    let n = u64::from_le_bytes(p[p.len() - 8..].try_into().unwrap());
                    self.executes += 1;
                    s.binary_result_set(&["v"], &[vec![Some(&n.to_string())]], None);
                }
                // COM_STMT_CLOSE: no answer.
                0x19 => {}
                c => panic!("the model's server does not know command {c:#x}"),
            }
            self.wire.extend_from_slice(s.bytes());
        }
        self.server_in.drain(..taken);
        if taken > 0 {
            if let Some(w) = self.writer.take() {
                self.wake(w);
            }
        }
        if !self.wire.is_empty() {
            if let Some(r) = self.registered.take() {
                self.wake(r);
            }
        }
    }

    /// A woken caller, if any, taken at random; its flag lowered.
    fn woken(&mut self) -> Option<usize> {
        let woken: Vec<usize> = (0..self.callers.len())
            .filter(|&i| {
                self.callers[i]
                    .as_ref()
                    .is_some_and(|c| c.flag.0.load(Ordering::SeqCst))
            })
            .collect();
        if woken.is_empty() {
            return None;
        }
        let i = woken[self.next(woken.len() as u64) as usize];
        if let Some(c) = &self.callers[i] {
            c.flag.0.store(false, Ordering::SeqCst);
        }
        Some(i)
    }

    fn live(&self) -> usize {
        self.callers.iter().flatten().count()
    }

    fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            match self.next(10) {
                0..=2 if self.live() < 40 => self.submit(),
                3 if self.live() > 0 => {
                    // A caller's future is dropped (a holder's guard: the connection is given
                    // back).
                    let live: Vec<usize> = (0..self.callers.len())
                        .filter(|&i| self.callers[i].is_some())
                        .collect();
                    let i = live[self.next(live.len() as u64) as usize];
                    if self.holder() == Some(i) {
                        self.give_back(i);
                    } else {
                        let t = self.callers[i].take().map(|c| c.ticket).unwrap();
                        self.mux.abandon(t);
                    }
                }
                4 | 5 => self.serve(),
                6 if self.exclusive && self.next(8) == 0 => self.checkout(),
                6 => {
                    if let Some(i) = self.holder() {
                        self.give_back(i);
                    }
                }
                8 if self.closes && !self.closed && self.next(50) == 0 => self.close(),
                7 if self.holder().is_some() => {
                    // The holder reads what arrived, and returns a result before its end (as
                    // `query_first` does): the bytes wait in the connection, not the socket.
                    let part: Vec<u8> = self.wire.drain(..).collect();
                    mysql_proto::testing::feed(&mut self.conn, &part);
                }
                _ => {
                    if let Some(i) = self.woken() {
                        self.poll(i);
                    }
                }
            }
        }
        // Drain: only the server and the wake-ups move things on now.
        for _ in 0..100_000 {
            if self.live() == 0 {
                return;
            }
            if let Some(i) = self.holder() {
                self.give_back(i);
                continue;
            }
            match self.woken() {
                Some(i) => self.poll(i),
                None if self.server_in.is_empty() => {
                    let waiting: Vec<Kind> =
                        self.callers.iter().flatten().map(|c| c.kind).collect();
                    panic!(
                        "{:?}: {} callers wait (for {waiting:?}) and nobody is woken; \
                         the socket holds {:?}, {} bytes unread\n{:#?}",
                        self.socket,
                        waiting.len(),
                        self.registered,
                        self.wire.len(),
                        self.mux
                    );
                }
                None => self.serve(),
            }
        }
        panic!("no end after 100,000 rounds");
    }
}

/// What the callers and the server of a run do besides queries.
#[derive(Clone, Copy, Default)]
struct Mix {
    exclusive: bool,
    prepared: bool,
    closes: bool,
}

/// Runs the model for every kind of socket, 20 seeds and three `max-in-flight` limits.
fn every_socket_and_limit(mix: Mix, server: Server) {
    let mut broken = 0;
    for socket in [Socket::Keeps, Socket::WakesReplaced, Socket::DropsOnRead] {
        for seed in 1..=20u64 {
            for max_in_flight in [1, 4, 1024] {
                let mut sim = Sim::new(
                    socket,
                    seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                    max_in_flight,
                    server,
                );
                sim.exclusive = mix.exclusive;
                sim.prepared = mix.prepared;
                sim.closes = mix.closes;
                sim.run(2_000);
                assert!(sim.answered > 50, "{socket:?}: {} answered", sim.answered);
                if !mix.closes {
                    assert_eq!(sim.executes > 20, mix.prepared, "{} executes", sim.executes);
                }
                broken += usize::from(sim.broken.is_some());
            }
        }
    }
    // With closes, most runs end broken (the close comes at a random step, or not at all).
    assert_eq!(broken > 90, mix.closes, "{broken} of 180 runs broke");
}

#[test]
fn no_caller_waits_with_nobody_to_wake_it() {
    every_socket_and_limit(Mix::default(), Server::MariaDb);
}

/// The same with exclusive checkouts among the callers: one waiting for the responses in
/// flight must be woken when the last of them is read, whoever reads it; and what a checkout
/// leaves owing must be read, though no caller's response is in it.
#[test]
fn no_exclusive_checkout_waits_with_nobody_to_wake_it() {
    let mix = Mix {
        exclusive: true,
        ..Mix::default()
    };
    every_socket_and_limit(mix, Server::MariaDb);
}

/// The same with prepared executes among the statements and the checkouts: prepares of one
/// SQL in flight together, executes chained on their prepare (MariaDB) or waiting for its
/// answer (MySQL, and MariaDB under `max-in-flight=1`), second prepares closed.
#[test]
fn prepared_executes_and_checkouts_leave_nobody_waiting() {
    let mix = Mix {
        exclusive: true,
        prepared: true,
        ..Mix::default()
    };
    every_socket_and_limit(mix, Server::MariaDb);
    every_socket_and_limit(mix, Server::MySql);
}

/// Everything at once, and the server closes the connection at a random moment: every
/// caller then waiting (for a response, a prepare, a checkout, or room) is failed and woken,
/// and every later one fails at once.
#[test]
fn a_closed_connection_fails_everyone_and_leaves_nobody_waiting() {
    let mix = Mix {
        exclusive: true,
        prepared: true,
        closes: true,
    };
    every_socket_and_limit(mix, Server::MariaDb);
    every_socket_and_limit(mix, Server::MySql);
}
