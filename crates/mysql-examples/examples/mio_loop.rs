//! The sans-IO core in a loop the program owns: three connections multiplexed in one thread by
//! a mio (`epoll`) poll loop, no async runtime. Each connection runs `SELECT SLEEP(1)`; the
//! three sleeps overlap, so the loop ends after about one second, not three.
//!
//! The pump per connection is the core's whole contract: write `pending_send`, decode with
//! `advance` / `event`, read into `recv_buf`. TLS (when the server offers it) runs inside the
//! core, so the loop only moves bytes.
//!
//! `cargo run -p mysql-examples --example mio_loop` (uses `$MYSQL_URL` or the test server).

use std::error::Error;
use std::io::{ErrorKind, Read, Write};
use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use mysql_proto::{Connection, Event, Opts};

/// One connection: its socket, the protocol state, what it answered.
struct Client {
    sock: TcpStream,
    conn: Connection,
    answer: Option<(i64, i64)>,
    done: bool,
}

fn main() -> Result<(), Box<dyn Error>> {
    let opts = Opts::from_url(&mysql_examples::url())?;
    let addr = (opts.host(), opts.port())
        .to_socket_addrs()?
        .next()
        .ok_or("no address")?;
    let mut poll = Poll::new()?;
    let mut clients = Vec::new();
    for i in 0..3 {
        let mut sock = TcpStream::connect(addr)?;
        poll.registry()
            .register(&mut sock, Token(i), Interest::READABLE | Interest::WRITABLE)?;
        clients.push(Client {
            sock,
            conn: Connection::new(opts.clone()),
            answer: None,
            done: false,
        });
    }
    let started = Instant::now();
    let mut events = Events::with_capacity(16);
    while clients.iter().any(|c| !c.done) {
        poll.poll(&mut events, Some(Duration::from_secs(30)))?;
        if events.is_empty() {
            return Err("no progress in 30 s".into());
        }
        for ev in events.iter() {
            pump(&mut clients[ev.token().0], ev.token().0)?;
        }
    }
    let took = started.elapsed();
    for (i, c) in clients.iter().enumerate() {
        let (n, id) = c.answer.ok_or("no answer")?;
        println!("connection {i}: answered {n} (server thread {id})");
    }
    println!(
        "3 sleeps of 1 s overlapped: done in {} ms",
        took.as_millis()
    );
    Ok(())
}

/// Handles events, writes what they produced, and reads until the socket would block (mio is
/// edge-triggered: every readiness is used up).
fn pump(c: &mut Client, i: usize) -> Result<(), Box<dyn Error>> {
    loop {
        while c.conn.advance()? {
            match c.conn.event() {
                Some(Event::Connected(_)) => {
                    c.conn.query(format!(
                        "SELECT {i} + 40, CONNECTION_ID() FROM (SELECT SLEEP(1)) s"
                    ))?;
                }
                Some(Event::Row { row, .. }) => {
                    c.answer = Some((row.get(0)?, row.get(1)?));
                }
                Some(ev) if ev.ends_command() => {
                    c.done = true;
                    c.conn.quit()?;
                }
                _ => {}
            }
        }
        // What the events produced (a handshake reply, a query, TLS records) goes out before
        // the next read: the server waits for it.
        while !c.conn.pending_send().is_empty() {
            match c.sock.write(c.conn.pending_send()) {
                Ok(n) => c.conn.consume_send(n),
                // Full: a WRITABLE event comes when it drains.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
        let buf = c.conn.recv_buf(c.conn.read_hint());
        match c.sock.read(buf) {
            Ok(0) => {
                c.conn.handle_eof();
                return Ok(());
            }
            Ok(n) => c.conn.handle_recv(n),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
}
