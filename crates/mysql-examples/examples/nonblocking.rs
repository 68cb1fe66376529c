//! A libpq-style asynchronous API over the sans-IO core, on a non-blocking socket, for
//! programs with their own main loop (the shape psycopg2 and libpq's `PQsendQuery`,
//! `PQconsumeInput`, `PQisBusy`, `PQgetResult` give PostgreSQL users): the program sends a
//! query, then goes on with its own work, feeding the connection whatever the socket has
//! whenever it likes, and collects the result once the connection is no longer busy.
//!
//! `cargo run -p mysql-examples --example nonblocking` (uses `$MYSQL_URL` or the test server).

use std::error::Error;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::time::Duration;

use mysql_proto::{Connection, Event, Opts, Row};

/// A connection with libpq's asynchronous calls.
struct AsyncConn {
    sock: TcpStream,
    conn: Connection,
    connected: bool,
    busy: bool,
    rows: Vec<Row>,
    error: Option<String>,
}

impl AsyncConn {
    /// Starts connecting (`PQconnectStart`): the TCP connect blocks briefly, the handshake does
    /// not; [`consume_input`](Self::consume_input) drives it.
    fn connect_start(url: &str) -> Result<AsyncConn, Box<dyn Error>> {
        let opts = Opts::from_url(url)?;
        let sock = TcpStream::connect((opts.host(), opts.port()))?;
        sock.set_nonblocking(true)?;
        Ok(AsyncConn {
            sock,
            conn: Connection::new(opts),
            connected: false,
            busy: true,
            rows: Vec::new(),
            error: None,
        })
    }

    /// Queues `sql` and writes what the socket takes (`PQsendQuery`).
    fn send_query(&mut self, sql: &str) -> Result<(), Box<dyn Error>> {
        self.conn.query(sql)?;
        self.busy = true;
        self.rows.clear();
        self.flush()
    }

    /// Writes pending bytes without waiting (`PQflush`).
    fn flush(&mut self) -> Result<(), Box<dyn Error>> {
        while !self.conn.pending_send().is_empty() {
            match self.sock.write(self.conn.pending_send()) {
                Ok(n) => self.conn.consume_send(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Reads whatever the socket has, never waiting, and decodes it (`PQconsumeInput`).
    fn consume_input(&mut self) -> Result<(), Box<dyn Error>> {
        loop {
            while self.conn.advance()? {
                match self.conn.event() {
                    Some(Event::Connected(_)) => {
                        self.connected = true;
                        self.busy = false;
                    }
                    Some(Event::Row { row, .. }) => self.rows.push(row.to_owned()),
                    Some(Event::ServerError { error, .. }) => {
                        self.error = Some(error.to_string());
                        self.busy = false;
                    }
                    Some(ev) if ev.ends_command() => self.busy = false,
                    _ => {}
                }
            }
            // Replies the events produced (the handshake's) go out before the next read.
            self.flush()?;
            let buf = self.conn.recv_buf(self.conn.read_hint());
            match self.sock.read(buf) {
                Ok(0) => {
                    self.conn.handle_eof();
                    return Ok(());
                }
                Ok(n) => self.conn.handle_recv(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Whether a result is still coming (`PQisBusy`).
    fn is_busy(&self) -> bool {
        self.busy
    }

    /// The rows of the finished query (`PQgetResult`), or its error.
    fn get_result(&mut self) -> Result<Vec<Row>, String> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(std::mem::take(&mut self.rows)),
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut db = AsyncConn::connect_start(&mysql_examples::url())?;
    // The program's own loop: it does its work in small slices and lets the connection take
    // its bytes in between, waiting on the socket at most 10 ms at a time.
    let mut slices = 0u64;
    let mut wait = |db: &mut AsyncConn| -> Result<(), Box<dyn Error>> {
        slices += 1; // ... the program's own work would go here ...
        mysql_sockopt::wait_readable(db.sock.as_fd(), Duration::from_millis(10))?;
        db.consume_input()
    };
    while !db.connected {
        wait(&mut db)?;
    }
    db.send_query("SELECT 42 AS answer, SLEEP(0.5) AS slept")?;
    while db.is_busy() {
        wait(&mut db)?;
    }
    let rows = db.get_result()?;
    let answer: i64 = rows[0].get(0)?;
    println!("answer {answer}");
    db.send_query("SELECT * FROM no_such_table")?;
    while db.is_busy() {
        wait(&mut db)?;
    }
    println!("error: {}", db.get_result().unwrap_err());
    println!("the program ran {slices} slices of its own work while waiting");
    Ok(())
}
