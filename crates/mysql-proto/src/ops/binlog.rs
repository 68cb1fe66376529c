//! Binlog streaming: [`BinlogDump`] queues the dump, [`NextBinlogEvent`] reads and decodes its
//! events (see [`crate::binlog`]).

use crate::binlog::{BinlogEvent, BinlogRequest, BinlogStream};
use crate::connection::{Connection, Event};
use crate::error::{Error, ErrorKind, Result};
use crate::ops::{Operation, Progress};

/// Queues `COM_BINLOG_DUMP` for a request: `Done` with the [`BinlogStream`] to read its events
/// with. The session must have been prepared (`request`'s session SQL run, the checksum in
/// force read): the adapters' `binlog_dump` does both first. Fails with the fatal error of a
/// broken connection.
#[derive(Debug)]
pub struct BinlogDump<'r> {
    request: &'r BinlogRequest,
    checksum: bool,
}

impl<'r> BinlogDump<'r> {
    /// Dumps `request`'s log, whose events carry a CRC32 when `checksum` (the answer to
    /// [`CHECKSUM_SQL`](crate::binlog::CHECKSUM_SQL), read by [`checksum_in_force`](crate::binlog::checksum_in_force)).
    pub fn new(request: &'r BinlogRequest, checksum: bool) -> Self {
        BinlogDump { request, checksum }
    }
}

impl Operation<BinlogStream> for BinlogDump<'_> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<BinlogStream>> {
        conn.begin_operation()?;
        ready!(conn.poll_room(1)?);
        let id = conn.binlog_dump(self.request)?;
        Ok(Progress::Done(BinlogStream::dumping(
            id,
            self.checksum,
            self.request,
        )))
    }
}

/// The next event of a dump, decoded: `Done(Some(event))`, or `Done(None)` once a
/// non-blocking dump reached the end of the log. Fails with the server's error when it ends
/// the dump with one (the stream is then over), and breaks the connection with a protocol
/// error for an event that does not decode (see [`BinlogStream::decode`]). The server closes
/// the connection after a dump: once it ended, the connection fails every later command
/// with [`ErrorKind::Closed`].
#[derive(Debug)]
pub struct NextBinlogEvent<'s> {
    stream: &'s mut BinlogStream,
}

impl<'s> NextBinlogEvent<'s> {
    /// Reads the next event of `stream`.
    pub fn new(stream: &'s mut BinlogStream) -> Self {
        NextBinlogEvent { stream }
    }
}

impl Operation<Option<BinlogEvent>> for NextBinlogEvent<'_> {
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Option<BinlogEvent>>> {
        if self.stream.ended() {
            return Ok(Progress::Done(None));
        }
        let Some(dump) = self.stream.command() else {
            return Err(Error::misuse("this binlog stream reads no dump"));
        };
        if !conn.is_in_flight(dump) || conn.is_discarded(dump) {
            self.stream.set_ended();
            return Err(Error::misuse(
                "the binlog dump is no longer read on this connection (another operation \
                 abandoned it)",
            ));
        }
        if !conn.advance()? {
            if !conn.is_in_flight(dump) {
                self.stream.set_ended();
                return Err(Error::misuse(
                    "the binlog dump is no longer read on this connection (another operation \
                     abandoned it)",
                ));
            }
            return Ok(Progress::Read);
        }
        let decoded = match conn.event() {
            Some(Event::BinlogEvent { id, event }) if id == dump => self.stream.decode(event),
            Some(Event::BinlogEnd { id }) if id == dump => {
                self.stream.set_ended();
                closed_after_dump(conn);
                return Ok(Progress::Done(None));
            }
            Some(Event::ServerError { id, error }) if id == dump => {
                let error = Error::answer(error.clone());
                self.stream.set_ended();
                closed_after_dump(conn);
                return Err(error);
            }
            other => Err(Error::protocol(format!(
                "unexpected event while reading a binlog dump: {other:?}"
            ))),
        };
        match decoded {
            Ok(event) => Ok(Progress::Done(Some(event))),
            Err(e) => {
                self.stream.set_ended();
                Err(conn.break_with(e))
            }
        }
    }
}

/// The server ends the session once a dump is over (at its end, or after refusing it): the
/// connection is closed from here on, with an error that says why.
fn closed_after_dump(conn: &mut Connection) {
    let e = Error::new(
        ErrorKind::Closed,
        "the server closes the connection after a binlog dump: open a new one",
    );
    conn.break_with(e);
}
