//! One connection shared by many tasks: the bookkeeping, with no IO.
//!
//! A MySQL connection answers its commands in order, so commands of unrelated callers can go
//! out back to back without waiting for each other's responses (pipelining) as long as each
//! caller gets exactly the response to its own command. [`Mux`] is that bookkeeping: callers
//! [`submit`](Mux::submit) requests and get a [`Ticket`]; the mux puts requests on the
//! [`Connection`] as its limits allow ([`send`](Mux::send)), reads the responses as the bytes
//! arrive ([`pump`](Mux::pump)), builds each command's [`Output`] and hands it to the ticket
//! that asked ([`poll_result`](Mux::poll_result)), waking that caller.
//!
//! # Theory of operation
//!
//! An adapter keeps one `Mux` and one connection behind one lock. No task is spawned: a waiting
//! caller drives the IO, the others sleep. A caller's future, each time it is polled:
//!
//! 1. takes the lock; if its result is there, takes it ([`poll_result`](Mux::poll_result)) and
//!    returns, after [`release`](Mux::release) (if it was the one registered with the socket,
//!    or if it read since that one registered, another waiting caller is woken to take its
//!    place: to write what its reading queued and read what is owed);
//! 2. else: asks [`next_io`](Mux::next_io) (which [`send`](Mux::send)s what is queued)
//!    whether to write the output (unless the socket's buffer is full and another caller is
//!    the driver: [`may_write`](Mux::may_write)) and to read the socket (unless another caller
//!    is the driver: [`may_read`](Mux::may_read)); does that with its own waker and tells
//!    [`io_done`](Mux::io_done) how it went (which [`pump`](Mux::pump)s the bytes read);
//!    repeats until its result is there or the socket is not ready, in which case it is now
//!    the one the socket will wake. A caller that is not the driver, its requests written,
//!    waits for its result (or the driver leaving) to wake it.
//!
//! | caller's state | what ends it |
//! |---|---|
//! | queued (not sent: no room under `max-in-flight` / `max-send-buffer`, or an exclusive checkout asked before it waits) | room made by responses read, or the checkout returned |
//! | sent | its response read to the end: done, the caller woken |
//! | done | the caller takes the result |
//!
//! A caller that goes away ([`abandon`](Mux::abandon), from its future's `Drop`) is removed if
//! its request was not sent yet; if it was, the response is read and dropped when it arrives,
//! never given to anyone else. A protocol error or a lost connection fails every request not
//! yet answered, with that error ([`fail_all`](Mux::fail_all)).
//!
//! # What may be shared
//!
//! Commands of several callers interleave on one session, so only statements whose effect ends
//! with them are accepted: autocommit statements and prepared executes. Statements that change
//! the session ([`check_shareable`]: transactions, `SET`, `USE`, locks, ...) are refused with
//! [`ErrorKind::Misuse`]; a statement that turns out to leave a
//! transaction open (a procedure that starts one) breaks the connection rather than let the
//! statements queued behind it run inside that transaction (they fail, the server rolls back).
//! Everything else that needs the session to itself goes through an *exclusive checkout*
//! ([`request_exclusive`](Mux::request_exclusive)): requests submitted later wait, the ones
//! submitted before are sent and answered (first come, first served), then the connection
//! is lent whole; when it comes back
//! ([`give_back`](Mux::give_back)) whatever a dropped operation left owing is skipped and an
//! open transaction rolled back.
//!
//! [`ErrorKind::Misuse`]: crate::ErrorKind::Misuse
//!
//! Hazards no check catches (document them to users): user variables (`SELECT @a := ...`),
//! `LAST_INSERT_ID()` as a separate statement (read `Output::last_insert_id` instead),
//! `GET_LOCK`, temporary tables and `FOUND_ROWS()` are per session, so visible to or clobbered
//! by the other callers; a slow statement delays every response queued behind it.

mod classify;
mod slots;

use std::collections::{HashMap, VecDeque};
use std::task::{Poll, Waker};

pub use classify::check_shareable;
pub use slots::{MuxSlots, Pick};

use crate::connection::{CommandId, Connection};
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::{Collector, Output, PipelineStep, StepStatement};

/// A submitted request: the caller's claim on its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

/// The bookkeeping of a shared connection (see the module docs): requests waiting to be sent,
/// the commands in flight and whose they are, results not yet taken, the wakers.
#[derive(Debug, Default)]
pub struct Mux {
    next: u64,
    /// Requests not yet on the wire, in arrival order (by ticket).
    queue: VecDeque<(Ticket, PipelineStep)>,
    slots: HashMap<Ticket, Slot>,
    /// Commands on the wire, in order, and whom each answers.
    sent: VecDeque<(CommandId, Owner)>,
    collector: Collector,
    /// MySQL: requests waiting for the prepare of their statement.
    prepare_waiters: Vec<(Ticket, PipelineStep, CommandId)>,
    /// The SQL whose prepare was the last command queued (a MariaDB execute of the same SQL
    /// may follow it with statement id -1), and that prepare.
    chain: Option<(String, CommandId)>,
    /// Failed prepares, whose error is the error of the executes chained on them.
    prepare_errors: HashMap<CommandId, Error>,
    /// The caller registered with the socket, if known.
    driver: Option<Ticket>,
    /// The last write left output unwritten.
    write_blocked: bool,
    /// Callers waiting for an exclusive checkout, first come first served.
    exclusive: VecDeque<Ticket>,
    /// Whether the connection is lent to an exclusive checkout.
    lent: bool,
}

#[derive(Debug)]
enum Owner {
    Caller(Ticket),
    Prepare(String),
}

#[derive(Debug)]
struct Slot {
    waker: Option<Waker>,
    state: State,
    /// The prepare this request's execute chains on (statement id -1).
    prepare: Option<CommandId>,
}

#[derive(Debug)]
enum State {
    Waiting,
    /// The caller went away; its response is read and dropped.
    Abandoned,
    Done(Result<Output>),
}

impl Mux {
    /// An idle mux.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes `step` for sending (nothing is queued on the connection yet: see
    /// [`send`](Self::send)). A query that would change the session is refused at once: its
    /// ticket's result is the [`check_shareable`] error.
    pub fn submit(&mut self, step: PipelineStep) -> Ticket {
        let t = self.ticket();
        let refused = match &step {
            PipelineStep::Query { sql, .. } => check_shareable(sql).err(),
            PipelineStep::Exec {
                stmt: StepStatement::Sql(sql),
                ..
            } => check_shareable(sql).err(),
            PipelineStep::Exec { .. } => None,
        };
        match refused {
            Some(e) => self.insert(t, State::Done(Err(e))),
            None => {
                self.insert(t, State::Waiting);
                self.queue.push_back((t, step));
            }
        }
        t
    }

    /// Requests not answered yet (queued or in flight): how busy the connection is.
    pub fn outstanding(&self) -> usize {
        self.slots.len()
    }

    /// Whether responses are owed on `conn`: the mux's own, or what an exclusive checkout left
    /// owing (an operation dropped or a result not read to its end: skipped as it is read;
    /// until then no request has room to go out). The connection should be read.
    pub fn wants_read(&self, conn: &Connection) -> bool {
        !self.sent.is_empty() || conn.in_flight() > 0
    }

    /// The result of `ticket`, once its response is complete; else registers `waker` to be
    /// woken then. After `Ready` the ticket is spent: call [`release`](Self::release) next.
    pub fn poll_result(&mut self, ticket: Ticket, waker: &Waker) -> Poll<Result<Output>> {
        let Some(slot) = self.slots.get_mut(&ticket) else {
            return Poll::Ready(Err(Error::misuse("ticket already answered")));
        };
        if !matches!(slot.state, State::Done(_)) {
            match &mut slot.waker {
                Some(w) if w.will_wake(waker) => {}
                w => *w = Some(waker.clone()),
            }
            return Poll::Pending;
        }
        match self.slots.remove(&ticket).map(|s| s.state) {
            Some(State::Done(r)) => Poll::Ready(r),
            _ => Poll::Ready(Err(Error::misuse("ticket already answered"))),
        }
    }

    /// Records that `ticket`'s caller is now the one the socket wakes (its read or write
    /// returned "not ready" with its waker).
    pub fn set_driver(&mut self, ticket: Ticket) {
        self.driver = Some(ticket);
    }

    /// Whether `ticket`'s caller may read the socket: no other caller is registered with it
    /// ([`set_driver`](Self::set_driver)). Any other caller only writes (its own requests) and
    /// then waits to be woken, by its result or by the driver leaving
    /// ([`release`](Self::release)): two callers reading in turn would each replace the other's
    /// registration, and on sockets that wake the caller they replace (async-io's, under
    /// async-std) they would wake each other without end, spinning while the server works.
    pub fn may_read(&self, ticket: Ticket) -> bool {
        self.driver.is_none_or(|d| d == ticket)
    }

    /// Whether `ticket`'s caller may write the connection's output: it may read (see
    /// [`may_read`](Self::may_read)), or the last write went out whole. While the socket's
    /// buffer is full only the driver writes: two callers writing in turn to a full socket
    /// would each replace the other's registration, and wake each other on async-io's sockets.
    pub fn may_write(&self, ticket: Ticket) -> bool {
        self.may_read(ticket) || !self.write_blocked
    }

    /// What `ticket`'s caller is to do with the socket, once what is queued is sent:
    /// `Some(read)`, write the output (if any) and, if `read`, read the socket (and read
    /// meanwhile if the write blocks: the server may be blocked writing to us), then call
    /// [`io_done`](Self::io_done); `None`, nothing it may write or read: it waits to be woken
    /// (by its result, or by the driver leaving).
    pub fn next_io(&mut self, conn: &mut Connection, ticket: Ticket) -> Option<bool> {
        self.send(conn);
        let read = self.wants_read(conn) && self.may_read(ticket);
        let write = conn.wants_write() && self.may_write(ticket);
        (read || write).then_some(read)
    }

    /// `ticket`'s caller did the IO [`next_io`](Self::next_io) said (`read` as it said):
    /// `Ready(Ok)`, bytes moved, which are pumped; `Ready(Err)`, the socket failed, which
    /// breaks `conn` and fails every request; `Pending`, the socket is not ready and will wake
    /// this caller, now the driver ([`set_driver`](Self::set_driver)). Records whether output
    /// is left unwritten (the socket's buffer is full: see [`may_write`](Self::may_write)).
    pub fn io_done(
        &mut self,
        conn: &mut Connection,
        ticket: Ticket,
        read: bool,
        io: Poll<Result<()>>,
    ) {
        self.write_blocked = conn.wants_write();
        match io {
            // Written whole without reading (output left means the write blocked and the
            // caller read meanwhile): nothing to pump, the driver still registered.
            Poll::Ready(Ok(())) if !read && !conn.wants_write() => {}
            Poll::Ready(Ok(())) => self.pump(conn),
            Poll::Ready(Err(e)) => {
                let e = conn.break_with(e);
                self.fail_all(e);
            }
            Poll::Pending => self.set_driver(ticket),
        }
    }

    /// `ticket`'s caller stops waiting (it has its result or went away): if the socket would
    /// have woken it, or nobody is known to be registered with the socket (the last driver
    /// left, and the caller woken in its place got its result without driving; or bytes were
    /// read since the driver registered: see [`pump`](Self::pump)), another waiting caller is
    /// woken to drive the IO in its place.
    pub fn release(&mut self, ticket: Ticket) {
        if self.driver.is_some_and(|d| d != ticket) {
            return;
        }
        self.driver = None;
        let next = self
            .slots
            .values_mut()
            .filter(|s| matches!(s.state, State::Waiting))
            .find_map(|s| s.waker.take());
        if let Some(w) = next {
            w.wake();
        }
    }

    /// `ticket`'s caller went away (its future was dropped): a request not sent yet is
    /// forgotten; the response to one in flight will be read and dropped. No IO.
    pub fn abandon(&mut self, ticket: Ticket) {
        if let Some(i) = self.queue.iter().position(|(t, _)| *t == ticket) {
            self.queue.remove(i);
            self.slots.remove(&ticket);
        } else if let Some(i) = self.prepare_waiters.iter().position(|a| a.0 == ticket) {
            self.prepare_waiters.remove(i);
            self.slots.remove(&ticket);
        } else if let Some(i) = self.exclusive.iter().position(|t| *t == ticket) {
            self.exclusive.remove(i);
            self.slots.remove(&ticket);
            self.wake_all();
        } else if let Some(slot) = self.slots.get_mut(&ticket) {
            match slot.state {
                State::Done(_) => drop(self.slots.remove(&ticket)),
                _ => slot.state = State::Abandoned,
            }
        }
        self.release(ticket);
    }

    /// Puts queued requests on `conn` while it has room, first come first served: while an
    /// exclusive checkout waits, only the requests submitted before it (a steady stream of
    /// checkouts would otherwise hold the others back for ever). A request the connection
    /// refuses gets that error; a broken connection fails them all.
    pub fn send(&mut self, conn: &mut Connection) {
        if self.lent {
            return;
        }
        let checkout = self.exclusive.front().copied();
        while conn.has_room(2) {
            match self.queue.front() {
                Some((t, _)) if checkout.is_none_or(|x| t.0 < x.0) => {}
                _ => break,
            }
            let Some((t, step)) = self.queue.pop_front() else {
                break;
            };
            if let Err(e) = self.send_one(conn, t, step) {
                if e.is_fatal() && e.kind() != ErrorKind::Server {
                    self.fail_all(conn.fatal_error().cloned().unwrap_or(e));
                    return;
                }
                self.finish(t, Err(e));
            }
        }
    }

    fn send_one(&mut self, conn: &mut Connection, t: Ticket, step: PipelineStep) -> Result<()> {
        let (id, keep) = match step {
            PipelineStep::Query { sql, keep } => {
                self.chain = None;
                (conn.query(sql.as_bytes())?, keep)
            }
            PipelineStep::Exec {
                stmt: StepStatement::Prepared(st),
                params,
                keep,
            } => {
                self.chain = None;
                (conn.execute(&st, &params)?, keep)
            }
            PipelineStep::Exec {
                stmt: StepStatement::Sql(sql),
                params,
                keep,
            } => {
                if let Some(st) = conn.statement_cache().get(sql.as_bytes()) {
                    self.chain = None;
                    (conn.execute(&st, &params)?, keep)
                } else {
                    // MariaDB executes the statement it is preparing (id -1), the two
                    // commands in flight together: not under `max-in-flight=1`.
                    let inline = conn.server_info().is_some_and(|i| i.is_mariadb)
                        && conn.opts().max_in_flight() >= 2;
                    let prepare = match &self.chain {
                        Some((chained, p)) if *chained == sql => *p,
                        _ => {
                            let p = conn.prepare(sql.as_bytes())?;
                            self.collector.expect(p, false);
                            self.sent.push_back((p, Owner::Prepare(sql.clone())));
                            self.chain = inline.then(|| (sql.clone(), p));
                            p
                        }
                    };
                    if !inline {
                        // MySQL cannot execute what it has not answered the prepare of: the
                        // execute is queued again once the statement is cached (and so on
                        // MariaDB when only one command may be in flight).
                        let step = PipelineStep::Exec {
                            stmt: StepStatement::Sql(sql),
                            params,
                            keep,
                        };
                        self.prepare_waiters.push((t, step, prepare));
                        return Ok(());
                    }
                    if let Some(slot) = self.slots.get_mut(&t) {
                        slot.prepare = Some(prepare);
                    }
                    (conn.execute_last_prepared(&params)?, keep)
                }
            }
        };
        self.collector.expect(id, keep);
        self.sent.push_back((id, Owner::Caller(t)));
        Ok(())
    }

    /// Reads every event `conn` can produce from the bytes it holds and hands each complete
    /// response to its caller (waking it); sends what the freed room allows. A protocol
    /// error or a lost connection fails every request not yet answered.
    ///
    /// Nobody is known to be registered with the socket afterwards: the read that brought the
    /// bytes may have ended the registration of the caller the socket would have woken (smol's
    /// sockets drop it on every successful read), so the caller that read becomes responsible:
    /// it drives on ([`set_driver`](Self::set_driver)) or, leaving, wakes another
    /// ([`release`](Self::release)).
    pub fn pump(&mut self, conn: &mut Connection) {
        self.driver = None;
        if self.lent {
            return;
        }
        loop {
            match conn.advance() {
                Ok(true) => {
                    let Some(ev) = conn.event() else { continue };
                    if let Err(e) = self.collector.on_event(&ev) {
                        self.fail_all(conn.break_with(e));
                        return;
                    }
                    if ev.ends_command() {
                        if let Err(e) = self.route(conn) {
                            self.fail_all(conn.break_with(e));
                            return;
                        }
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    self.fail_all(e);
                    return;
                }
            }
        }
        self.send(conn);
        self.wake_checkout();
    }

    /// Hands the responses the collector completed to their owners.
    fn route(&mut self, conn: &mut Connection) -> Result<()> {
        for (id, result) in self.collector.take_done() {
            let Some((sent, owner)) = self.sent.pop_front() else {
                return Err(Error::protocol(
                    "shared connection: response to nothing sent",
                ));
            };
            if sent != id {
                return Err(Error::protocol("shared connection: responses out of order"));
            }
            match owner {
                Owner::Prepare(sql) => self.prepared(conn, id, &sql, result)?,
                Owner::Caller(t) => {
                    if result.as_ref().is_ok_and(leaves_transaction_open) {
                        return Err(Error::misuse(
                            "a statement on a shared connection left a transaction open; \
                             transactions need an exclusive checkout",
                        ));
                    }
                    let prepare = self.slots.get(&t).and_then(|s| s.prepare);
                    let result = match (result, prepare.and_then(|p| self.prepare_errors.get(&p))) {
                        (Err(_), Some(pe)) => Err(pe.clone()),
                        (r, _) => r,
                    };
                    self.finish(t, result);
                }
            }
        }
        if self.sent.is_empty() {
            self.prepare_errors.clear();
        }
        Ok(())
    }

    /// A prepare's response: the statement is cached (or closed, if another caller's
    /// prepare of the same SQL was cached first) and the executes waiting for it queued.
    fn prepared(
        &mut self,
        conn: &mut Connection,
        id: CommandId,
        sql: &str,
        result: Result<Output>,
    ) -> Result<()> {
        let waiting = self.prepare_waiters.iter().filter(|a| a.2 == id).count();
        match result.map(|o| o.statement) {
            Ok(Some(st)) => {
                if conn.statement_cache().get(sql.as_bytes()).is_some() {
                    conn.close_statement(st.id)?;
                } else {
                    conn.cache_statement(sql.as_bytes(), st)?;
                }
                if waiting > 0 {
                    let (ready, rest) = std::mem::take(&mut self.prepare_waiters)
                        .into_iter()
                        .partition(|a| a.2 == id);
                    self.prepare_waiters = rest;
                    // In submission order (tickets rise with it), so ahead of the requests
                    // submitted after them.
                    for (t, step, _) in ready {
                        let at = self.queue.partition_point(|(q, _)| q.0 < t.0);
                        self.queue.insert(at, (t, step));
                    }
                }
            }
            Ok(None) => return Err(Error::protocol("prepare answered without a statement")),
            Err(e) => {
                let (failed, rest) = std::mem::take(&mut self.prepare_waiters)
                    .into_iter()
                    .partition(|a| a.2 == id);
                self.prepare_waiters = rest;
                for (t, _, _) in failed {
                    self.finish(t, Err(e.clone()));
                }
                self.prepare_errors.insert(id, e);
            }
        }
        Ok(())
    }

    /// Fails every request not yet answered, and every exclusive checkout waiting, with
    /// `error` (the connection broke) and wakes their callers.
    pub fn fail_all(&mut self, error: Error) {
        self.collector = Collector::new();
        self.sent.clear();
        self.queue.clear();
        self.prepare_waiters.clear();
        // Failed too: none may be lent the broken connection.
        self.exclusive.clear();
        self.chain = None;
        for slot in self.slots.values_mut() {
            if matches!(slot.state, State::Waiting | State::Abandoned) {
                slot.state = State::Done(Err(error.clone()));
                if let Some(w) = slot.waker.take() {
                    w.wake();
                }
            }
        }
        self.slots
            .retain(|_, s| !matches!(s.state, State::Abandoned));
    }

    /// Asks for the connection to oneself: requests submitted from now on wait, and once the
    /// ones submitted before are answered, [`may_lend`](Self::may_lend) says yes to the first
    /// caller that asked.
    pub fn request_exclusive(&mut self) -> Ticket {
        let t = self.ticket();
        self.insert(t, State::Waiting);
        self.exclusive.push_back(t);
        t
    }

    /// Whether the connection can be lent to exclusive caller `ticket` now (it is first in
    /// line, the requests submitted before it are answered, nothing is lent). If so, the
    /// caller takes the connection, calls [`lend`](Self::lend), and
    /// [`give_back`](Self::give_back)s it when done.
    pub fn may_lend(&self, ticket: Ticket) -> bool {
        !self.lent
            && self.exclusive.front() == Some(&ticket)
            && self.sent.is_empty()
            && self.prepare_waiters.is_empty()
            && self.queue.front().is_none_or(|(t, _)| t.0 > ticket.0)
    }

    /// Marks the connection lent to `ticket` (see [`may_lend`](Self::may_lend)).
    pub fn lend(&mut self, ticket: Ticket) {
        self.exclusive.retain(|t| *t != ticket);
        self.slots.remove(&ticket);
        self.release(ticket);
        self.lent = true;
    }

    /// The connection is back from an exclusive checkout: what a dropped operation left
    /// owing is skipped (at once as far as its bytes were read already: no readiness of the
    /// socket would announce those), a transaction left open (or about to be opened) is
    /// rolled back ahead of the next command, and the waiting callers are woken. No IO.
    pub fn give_back(&mut self, conn: &mut Connection) {
        self.lent = false;
        conn.discard_all();
        conn.abandon_transaction_if_open();
        self.pump(conn);
        self.wake_all();
    }

    /// Whether the connection is lent to an exclusive checkout.
    pub fn is_lent(&self) -> bool {
        self.lent
    }

    fn ticket(&mut self) -> Ticket {
        self.next += 1;
        Ticket(self.next)
    }

    fn insert(&mut self, t: Ticket, state: State) {
        let slot = Slot {
            waker: None,
            state,
            prepare: None,
        };
        self.slots.insert(t, slot);
    }

    /// Stores `t`'s result and wakes its caller (or drops the result of a caller gone).
    fn finish(&mut self, t: Ticket, result: Result<Output>) {
        let Some(slot) = self.slots.get_mut(&t) else {
            return;
        };
        if matches!(slot.state, State::Abandoned) {
            self.slots.remove(&t);
            return;
        }
        slot.state = State::Done(result);
        if let Some(w) = slot.waker.take() {
            w.wake();
        }
    }

    /// Wakes the exclusive checkout first in line once it may take the connection (the last
    /// response in flight was read): whoever read it, the checkout's caller may be asleep,
    /// and `release` wakes just one waiting caller, not necessarily that one.
    fn wake_checkout(&mut self) {
        let Some(&t) = self.exclusive.front() else {
            return;
        };
        if self.may_lend(t) {
            if let Some(w) = self.slots.get_mut(&t).and_then(|s| s.waker.take()) {
                w.wake();
            }
        }
    }

    fn wake_all(&mut self) {
        for slot in self.slots.values_mut() {
            if let Some(w) = slot.waker.take() {
                w.wake();
            }
        }
    }
}

/// Whether a statement's final status says a transaction is open.
fn leaves_transaction_open(out: &Output) -> bool {
    out.results
        .last()
        .is_some_and(|r| r.ok.status.in_transaction())
}
