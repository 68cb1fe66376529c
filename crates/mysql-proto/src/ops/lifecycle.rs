//! Operations around the commands: the handshake, reading raw events, closing a statement,
//! draining abandoned responses, saying goodbye.

use crate::connection::{CommandId, Connection, Event};
use crate::error::{Error, Result};
use crate::ops::{Operation, Progress};

/// The handshake and authentication, then the `init-sql` statements: `Done` once the server
/// accepted the login ([`Event::Connected`]) and every init statement succeeded. Fails with the
/// server's refusal ([`ErrorKind::Auth`](crate::ErrorKind::Auth)), a TLS failure, a protocol
/// violation, or an init statement's server error; the connection is then not to be used.
#[derive(Debug, Default)]
pub struct Handshake {
    connected: bool,
    /// Init statements done so far, and the one in flight.
    init_done: usize,
    init_id: Option<CommandId>,
    error: Option<Error>,
}

impl Operation<()> for Handshake {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if !self.connected {
            if !conn.advance()? {
                return Ok(Progress::Read);
            }
            match conn.event() {
                Some(Event::Connected(_)) => crate::trace::connected(conn),
                other => {
                    return Err(Error::protocol(format!(
                        "unexpected event during the handshake: {other:?}"
                    )))
                }
            }
            self.connected = true;
        }
        while self.init_done < conn.opts().init_sql().len() {
            let id = match self.init_id {
                Some(id) => id,
                None => {
                    let sql = conn.opts().init_sql()[self.init_done].clone();
                    *self.init_id.insert(conn.query(sql.as_bytes())?)
                }
            };
            ready!(conn.poll_finish(id, &mut self.error)?);
            if let Some(e) = self.error.take() {
                return Err(e);
            }
            self.init_id = None;
            self.init_done += 1;
        }
        Ok(Progress::Done(()))
    }
}

/// `COM_CHANGE_USER` ([`Connection::change_user`]) after skipping whatever is still owed, then
/// the `init-sql` statements again (the server reset the session): `Done` once the server
/// accepted the new login. Fails with the server's refusal ([`ErrorKind::Auth`](crate::ErrorKind::Auth),
/// fatal: the server closes the connection) or an init statement's error.
#[derive(Debug)]
pub struct ChangeUser<'a> {
    login: Option<(&'a str, Option<&'a str>, Option<&'a str>)>,
    drain: Drain,
    handshake: Handshake,
}

impl<'a> ChangeUser<'a> {
    /// Logs in as `user` with `password`, `database` the default database.
    pub fn new(user: &'a str, password: Option<&'a str>, database: Option<&'a str>) -> Self {
        ChangeUser {
            login: Some((user, password, database)),
            drain: Drain,
            handshake: Handshake::default(),
        }
    }
}

impl Operation<()> for ChangeUser<'_> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if let Some((user, password, database)) = self.login {
            ready!(self.drain.poll(conn)?);
            conn.change_user(user, password, database)?;
            self.login = None;
        }
        self.handshake.poll(conn)
    }
}

/// The next event of the commands in flight, for callers that queue raw commands
/// ([`Connection::query`] and friends) and read events themselves: `Done` when
/// [`Connection::event`] lends it. Fails with a misuse error when no command is in flight
/// (no event can come: waiting would never end).
#[derive(Debug, Default)]
pub struct NextEvent;

impl Operation<()> for NextEvent {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if conn.advance()? {
            return Ok(Progress::Done(()));
        }
        if conn.in_flight() == 0 {
            return Err(Error::misuse("no command in flight: no event will come"));
        }
        Ok(Progress::Read)
    }
}

/// Skips everything the server still owes (every command in flight is discarded): `Done`
/// once nothing is in flight. Used after a statement was killed for a query timeout.
#[derive(Debug, Default)]
pub struct Drain;

impl Operation<()> for Drain {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        conn.discard_all();
        // Skipped responses produce no event: `advance` says `false` once they are consumed.
        while conn.in_flight() > 0 {
            if !conn.advance()? && conn.in_flight() > 0 {
                return Ok(Progress::Read);
            }
        }
        Ok(Progress::Done(()))
    }
}

/// Closes a prepared statement (`COM_STMT_CLOSE`, which has no response): `Done` once it is
/// written.
#[derive(Debug)]
pub struct CloseStatement {
    statement_id: Option<u32>,
}

impl CloseStatement {
    /// Closes the statement with id `statement_id`.
    pub fn new(statement_id: u32) -> Self {
        CloseStatement {
            statement_id: Some(statement_id),
        }
    }
}

impl Operation<()> for CloseStatement {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if let Some(id) = self.statement_id.take() {
            conn.close_statement(id)?;
        }
        flushed(conn)
    }
}

/// Says goodbye: abandons whatever is still owed, queues `COM_QUIT` and is `Done` once it is
/// written (the adapter then closes the socket). Fails with the fatal error of a broken
/// connection (close the socket anyway).
#[derive(Debug, Default)]
pub struct Quit {
    queued: bool,
}

impl Operation<()> for Quit {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<()>> {
        if !self.queued {
            conn.begin_operation()?;
            queue_quit(conn)?;
            self.queued = true;
        }
        flushed(conn)
    }
}

/// Abandons whatever is owed (commands sent ahead included) and queues `COM_QUIT`.
pub(crate) fn queue_quit(conn: &mut Connection) -> Result<()> {
    conn.discard_all();
    conn.take_sent_ahead();
    conn.quit()
}

/// `Done` once everything queued is written, else `Flush`.
fn flushed(conn: &mut Connection) -> Result<Progress<()>> {
    if let Some(e) = conn.fatal_error() {
        return Err(e.clone());
    }
    Ok(match conn.wants_write() {
        true => Progress::Flush,
        false => Progress::Done(()),
    })
}
